"""socialcredit: simulate social credit systems on synthetic populations.

Common tasks in one line:

    import socialcredit as sc
    res = sc.Simulation(sc.load_regime("financial-credit"), population=100_000, days=365, seed=1).run()
    res.summary["blacklist_precision"]; res.timeseries.to_pandas(); res.plot(); res.save("out")
"""

import os
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("socialcredit")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"

# Numba's OpenMP threads wait passively between parallel loops. Spinning, a waiting thread
# takes the core a preempted one needs, and on shared cores a day of 2-thread kernels ran 1.7x
# (10^6 citizens) to 14x (10^4) slower. Read when the first parallel loop starts OpenMP.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# The names below load on first use (PEP 562): importing the package (and so the CLI, whose
# Ctrl-C handler must be in place before NumPy and Numba load) stays instant.
_EXPORTS = {
    "InputError": "socialcredit.errors",
    "Results": "socialcredit.results",
    "Scenario": "socialcredit.scenario",
    "Simulation": "socialcredit.engine",
    "load_regime": "socialcredit.scenario",
    "load_scenario": "socialcredit.scenario",
    "regime_names": "socialcredit.scenario",
}

if TYPE_CHECKING:
    from socialcredit.engine import Simulation
    from socialcredit.errors import InputError
    from socialcredit.results import Results
    from socialcredit.scenario import Scenario, load_regime, load_scenario, regime_names


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'socialcredit' has no attribute {name!r}")


__all__ = [
    "InputError",
    "Results",
    "Scenario",
    "Simulation",
    "__version__",
    "load_regime",
    "load_scenario",
    "regime_names",
]
