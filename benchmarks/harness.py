"""The benchmark runs: each in a fresh child process, timed there, its peak memory read from the OS.

`run()` measures the full regime at each size (median of repeats), fits the scaling
exponent, breaks a day down by mechanism at the largest size (or 10^6), optionally runs a
whole year at the largest size for its peak memory, and calls the Mesa and Starsim comparisons
(`benchmarks/mesa_compare.py`, `benchmarks/starsim_compare.py`). It returns one JSON-ready dict.
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REGIME = "scs"
SEED = 1
GIB = 2**30
TARGETS = {
    "citizen_days_per_second_at_1e6": 20e6,
    "year_peak_bytes": 4 * GIB,
    "bytes_per_citizen": 400,
    "scaling_exponent": 1.1,
}

# Runs in the child: build, step every day, report times, the engine's per-component
# timings and the peak resident set size the kernel counted for this process.
_CHILD = """
import json, resource, sys, time
import numba
from socialcredit.engine import Simulation
spec = json.loads(sys.argv[1])
started = time.perf_counter()
sim = Simulation(spec["regime"], population=spec["population"], days=spec["days"], seed=spec["seed"])
built = time.perf_counter()
sim.run()
done = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
print(json.dumps({
    "build_seconds": built - started,
    "run_seconds": done - built,
    "peak_rss_bytes": peak,
    "timings": {k: v for k, v in sim.timings.items() if k != "build"},
    "threads": numba.get_num_threads(),
}))
"""


def child(population: int, days: int, regime: str = REGIME, seed: int = SEED) -> dict[str, Any]:
    """One run in a fresh Python process; its own measurements."""
    spec = json.dumps({"regime": regime, "population": population, "days": days, "seed": seed})
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])))
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, spec], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({population} citizens):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(population: int, days: int, repeats: int, say: Any = print) -> dict[str, Any]:
    """`repeats` runs at one size and their medians."""
    runs = []
    for r in range(repeats):
        runs.append(child(population, days))
        say(f"  {population:>10,} citizens, run {r + 1}/{repeats}: {runs[-1]['run_seconds']:.2f} s")
    run_seconds = statistics.median(r["run_seconds"] for r in runs)
    peak = statistics.median(r["peak_rss_bytes"] for r in runs)
    return {
        "population": population,
        "days": days,
        "runs": runs,
        "median": {
            "build_seconds": statistics.median(r["build_seconds"] for r in runs),
            "run_seconds": run_seconds,
            "seconds_per_day": run_seconds / days,
            "citizen_days_per_second": population * days / run_seconds,
            "peak_rss_bytes": peak,
            "bytes_per_citizen": peak / population,
        },
    }


def breakdown(sized: dict[str, Any]) -> dict[str, float]:
    """Median milliseconds a day per engine component (mechanisms, tie means, metrics)."""
    names = sorted({k for r in sized["runs"] for k in r["timings"]})
    ms = {k: statistics.median(r["timings"].get(k, 0.0) for r in sized["runs"]) * 1e3 / sized["days"] for k in names}
    return dict(sorted(ms.items(), key=lambda kv: -kv[1]))


def exponent(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(seconds) on log(population): time ~ N^k."""
    if len(points) < 2:
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(s) for _, s in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    import numba
    import numpy as np

    cpu = platform.processor() or platform.machine()
    memory = None
    try:
        info = dict(
            (key.strip(), value.strip())
            for key, _, value in (line.partition(":") for line in Path("/proc/cpuinfo").read_text().splitlines())
            if value
        )
        avx512 = "avx512f" in info.get("flags", "").split()
        cpu = (
            f"{info.get('model name', cpu)} (family {info.get('cpu family')}, model {info.get('model')}, "
            f"{info.get('cache size')} cache{', AVX-512' if avx512 else ''})"
        )
        meminfo = Path("/proc/meminfo").read_text().split()
        memory = int(meminfo[meminfo.index("MemTotal:") + 1]) * 1024
    except (OSError, ValueError):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_bytes": memory,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "platform": platform.platform(),
        "load_average_at_start": load_average(),
    }


def load_average() -> float | None:
    """The 1-minute load average (None where the platform has none): others' work on a shared
    machine slows every run."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def mesa(quick: bool, say: Any = print) -> dict[str, Any] | None:
    """The Mesa comparison (`benchmarks/mesa_compare.py`)."""
    from benchmarks import mesa_compare

    say("Mesa comparison ...")
    return mesa_compare.run_comparison(quick)


def starsim(quick: bool, say: Any = print) -> dict[str, Any] | None:
    """The Starsim comparison (`benchmarks/starsim_compare.py`)."""
    from benchmarks import starsim_compare

    say("Starsim comparison ...")
    return starsim_compare.run_comparison(quick, progress=say)


def run(
    sizes: list[int],
    days: int,
    repeats: int,
    year_population: int = 0,
    year_days: int = 365,
    with_mesa: bool = True,
    quick: bool = False,
    say: Any = print,
    with_starsim: bool = True,
) -> dict[str, Any]:
    """Every measurement, as one dict (the content of benchmarks/results.json)."""
    started = time.time()
    out: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d", time.gmtime(started)),
        "machine": machine(),
        "settings": {"regime": REGIME, "seed": SEED, "sizes": sizes, "days": days, "repeats": repeats, "quick": quick},
        "targets": TARGETS,
    }
    say("warm-up (compiled kernels load from Numba's cache) ...")
    child(2000, 3)
    idle = child(1000, 1)["peak_rss_bytes"]  # the interpreter, libraries and kernels, next to no citizens
    out["baseline_rss_bytes"] = idle
    say(f"throughput of `{REGIME}`, {days} days, median of {repeats}:")
    sized = [measure(n, days, repeats, say) for n in sizes]
    for s in sized:
        s["median"]["marginal_bytes_per_citizen"] = (s["median"]["peak_rss_bytes"] - idle) / s["population"]
    out["throughput"] = sized
    out["scaling_exponent"] = exponent([(s["population"], s["median"]["run_seconds"]) for s in sized])
    at = next((s for s in sized if s["population"] == 10**6), sized[-1])
    out["breakdown"] = {"population": at["population"], "ms_per_day": breakdown(at)}
    out["year"] = None
    if year_population:
        say(f"a year: {year_population:,} citizens x {year_days} days ...")
        year = child(year_population, year_days)
        year["population"], year["days"] = year_population, year_days
        year["bytes_per_citizen"] = year["peak_rss_bytes"] / year_population
        year["seconds_per_day"] = year["run_seconds"] / year_days
        out["year"] = year
    out["mesa"] = mesa(quick, say) if with_mesa else None
    out["starsim"] = starsim(quick, say) if with_starsim else None
    out["seconds"] = time.time() - started
    return out
