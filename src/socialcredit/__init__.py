"""socialcredit: simulate social credit systems on synthetic populations.

Common tasks in one line:

    import socialcredit as sc
    res = sc.Simulation(sc.load_regime("financial-credit"), population=100_000, days=365, seed=1).run()
    res.summary["blacklist_precision"]; res.timeseries.to_pandas(); res.plot(); res.save("out")
"""

import os
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("socialcredit")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+source"

from socialcredit.engine import Simulation
from socialcredit.errors import InputError
from socialcredit.results import Results
from socialcredit.scenario import Scenario, load_regime, load_scenario, regime_names

# Numba's OpenMP threads wait passively between parallel loops. Spinning, a waiting thread
# takes the core a preempted one needs, and on shared cores a day of 2-thread kernels ran 1.7x
# (10^6 citizens) to 14x (10^4) slower. Read when the first parallel loop starts OpenMP.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

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
