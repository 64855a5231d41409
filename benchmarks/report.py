"""docs/performance.md from the benchmark results: tables from the run, the analysis beside them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from benchmarks.harness import GIB, exponent

# Milliseconds a day per component at 10^6 citizens before this work (commit 9676fdd, same
# machine, `scs`, 30 days, seed 1, 2 threads): 368 ms a day, 2.7 M citizen-days per second.
BEFORE_MS = {
    "adaptation": 110.1,
    "interactions": 72.9,
    "score": 59.2,
    "posts": 42.7,
    "metrics": 39.3,
    "purchases": 14.9,
    "payments": 8.8,
    "lists": 7.9,
    "life_events": 2.3,
    "reports": 1.1,
    "shaming": 0.7,
}

CHANGES = """\
## What was done

Measured first (the engine's per-component timings, then single kernels in isolation), then:

- **One pass over the network a day** (`society.network.Signals`, `ties` above). The score's
  relationships factor and adaptation's risk exposure each took a pass over the ~20 million
  tie entries (about 50 ms each). Mechanisms now *watch* a signal and the engine computes
  every watched mean in one pass at the start of the day, a citizen's values side by side so
  that one random access serves both, the values of entries 64 ahead prefetched. The cost:
  citizens see their ties as the previous day left them (a tie listed today raises one's
  perceived risk tomorrow; the relationships factor uses yesterday's standings).
- **Rows grouped by layer.** A row holds household, then work-unit, then friendship ties, each
  run sorted by neighbour, with two 16-bit offsets per citizen: a partner in a given context
  is one uniform index into its run (an exact fallback when it hits a cut tie) instead of two
  scans of the row. The per-entry layer array (1 byte a tie) is gone; `Network.layer`
  derives it on demand.
- **Districts** (`population.district_size`, default 65,536 citizens): work units and
  friendship rings form within runs of consecutive households, rewired friendships anywhere,
  so 97% of ties point within 65,536 ids and the passes find their neighbours' values in
  cache. At 10^7 citizens the tie pass fell from 1.66 s to 0.67 s a day (0.28 s with the
  prefetching). Populations up to the district size are generated exactly as before.
- **Fused, parallel kernels with counter-based draws** (`draws`): the donation game
  (partner, view, intention, avoidance, execution, monitoring in one pass), posts and
  purchases (one Poisson count per citizen, screened by a vectorised test that needs no
  exponential, so only about a quarter of citizens take the exact draw), score decay and
  combination, trust learning, risk update, settlement of payoffs (each thread owns a block
  of recipients, so sums are the same for any number of threads). A draw is a SplitMix64
  hash of (component, day, citizen, slot): results do not depend on the number of threads
  (tests/test_draws.py runs NUMBA_NUM_THREADS=1 and 2 and compares).
- **Passive waiting between parallel loops** (`OMP_WAIT_POLICY=PASSIVE`, set by the package
  unless already set). With OpenMP's default spinning, a day of 2-thread kernels on the
  shared cores ran 1.7x (10^6 citizens) to 14x (10^4) slower than with passive waiting.
- **Metrics**: an O(n) radix sort of the scores (6 ms at 10^6 against NumPy's 31 ms; 0.11 s
  against 0.41 s at 10^7) for the quantiles and the Gini, the Gini summed without temporaries;
  union-find over each tie once, giving the largest component and the isolated citizens
  together, cached until a tie is cut; the income-quintile and hukou tallies in one pass.
- **`np.add.at` with the array's dtype**: a float64 delta on the float32 factors took NumPy's
  generic path, 40x slower (6.8 ms for 10^5 verdicts).
- **Memory**: the (5, n) factor baseline (20 bytes a citizen) is derived instead of stored (4
  bytes kept, the initial relationships factor); edges go into preallocated int32 arrays and
  are freed once bucketed by row; the CSR fill reuses its offsets.
- **Build**: each row of the network is deduplicated and ordered in parallel, with an
  insertion sort for rows of up to 32 entries, then one sequential pass closes the gaps
  (`finish_rows`: 85 ms to 20 ms at 10^5 citizens; the whole build of the Mesa core at 10^5,
  146 ms to 98 ms).
- **Components by group**: in a layer of generated groups with no tie cut (households, work
  units), joining each citizen to the lowest neighbour of its run joins the group, one union
  a citizen instead of one a tie (117 ms to 61 ms at 10^6; 0.9 s at 10^7). A cut in such a
  layer turns the shortcut off for it (tests/test_society.py compares with SciPy).
- **One thread below 16,384 citizens** (`engine.ONE_THREAD_BELOW`): waking the second thread
  for each of some 30 parallel loops a day costs more than it saves on small populations
  (`scs`, 30 days, median of 3: 10^4 citizens 2.53 ms a day on one thread against 3.14 ms on
  two; 3*10^4 5.82 against 5.13 ms; the Mesa core at 10^4 1.55 against 1.69 ms). Results are
  the same either way (`draws`).
- **Events reach ties without whole-population temporaries**: the trust lost when ties are
  listed or denounced walks only the rows of the day's listed and denounced citizens.
"""


def _fmt_bytes(b: float) -> str:
    return f"{b / GIB:.2f} GiB" if b >= GIB else f"{b / 2**20:.0f} MiB"


def _rate(x: float) -> str:
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.0f} k"


def markdown(r: dict[str, Any]) -> str:
    m, s = r["machine"], r["settings"]
    sized = {t["population"]: t for t in r["throughput"]}
    k = r["scaling_exponent"]
    lines = [
        "# Performance",
        "",
        f"Written by `make bench` (`{r.get('command', 'python -m benchmarks').strip()}`) on "
        f"{r.get('date') or dt.date.today().isoformat()}, with `benchmarks/results.json` beside it. Regime `{s['regime']}` "
        f"(every mechanism of the essay's system on), seed {s['seed']}; each run in a fresh child "
        f"process, its peak resident memory counted by the OS (`ru_maxrss`). Runs were serialised with "
        "`flock` against other timed work on this shared machine.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPUs (nproc) | {m['cpus']} |",
        f"| CPU | {m['cpu']} |",
        f"| RAM | {_fmt_bytes(m['memory_bytes']) if m['memory_bytes'] else 'n/a'} |",
        f"| Python, NumPy, Numba | {m['python']}, {m['numpy']}, {m['numba']} ({m['numba_threads']} threads) |",
        f"| load average at start | {m['load_average_at_start']:.2f} |"
        if m["load_average_at_start"] is not None
        else "| load average at start | n/a |",
        "",
    ]
    lines += _targets(r, sized, k)
    lines += [
        f"## Throughput ({s['days']} days, median of {s['repeats']})",
        "",
        "| citizens | build (s) | s per day | citizen-days per s | peak RSS | bytes per citizen | beyond an idle run |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, t in sized.items():
        med = t["median"]
        lines.append(
            f"| {n:,} | {med['build_seconds']:.2f} | {med['seconds_per_day']:.4f} | "
            f"{_rate(med['citizen_days_per_second'])} | {_fmt_bytes(med['peak_rss_bytes'])} | "
            f"{med['bytes_per_citizen']:,.0f} | {med['marginal_bytes_per_citizen']:,.0f} |"
        )
    lines += [
        "",
        f"An idle run (1,000 citizens, one day) peaks at {_fmt_bytes(r['baseline_rss_bytes'])}: the interpreter, "
        "NumPy, Numba and the compiled kernels. It dominates the per-citizen figure below 10^6.",
        "",
        f"Scaling exponent (least squares of log time on log N over these sizes): **k = {k:.2f}**."
        if k is not None
        else "Scaling exponent: needs two sizes.",
        "",
    ]
    lines += _breakdown(r)
    lines += _year(r)
    lines += _mesa(r)
    lines += _starsim(r)
    lines += [BOUNDS, CHANGES]
    return "\n".join(lines) + "\n"


def _targets(r: dict[str, Any], sized: dict[int, Any], k: float | None) -> list[str]:
    t = r["targets"]
    rows = []
    at = sized.get(10**6)
    if at:
        got = at["median"]["citizen_days_per_second"]
        goal = t["citizen_days_per_second_at_1e6"]
        verdict = "met" if got >= goal else f"missed by {goal / got:.1f}x"
        rows.append(f"| >= {_rate(goal)} citizen-days per s at 10^6 | {_rate(got)} | {verdict} |")
    year = r.get("year")
    if year:
        peak = year["peak_rss_bytes"]
        verdict = "met" if peak < t["year_peak_bytes"] else f"missed by {_fmt_bytes(peak - t['year_peak_bytes'])}"
        rows.append(
            f"| {year['population']:,} x {year['days']} days under {_fmt_bytes(t['year_peak_bytes'])} | "
            f"{_fmt_bytes(peak)} | {verdict} |"
        )
        per = year["bytes_per_citizen"]
        verdict = "met" if per <= t["bytes_per_citizen"] else f"missed by {per - t['bytes_per_citizen']:.0f} B"
        rows.append(f"| <= {t['bytes_per_citizen']} bytes per citizen, ties included | {per:.0f} | {verdict} |")
    if k is not None:
        verdict = "met" if k <= t["scaling_exponent"] else f"missed by {k - t['scaling_exponent']:.2f}"
        rows.append(f"| time ~ N^k, k <= {t['scaling_exponent']} (fit over all sizes) | {k:.2f} | {verdict} |")
        local = local_exponent(r)
        if local is not None:
            (n0, n1), k1 = local
            verdict = "met" if k1 <= t["scaling_exponent"] else f"missed by {k1 - t['scaling_exponent']:.2f}"
            rows.append(f"| the same between {n0:,} and {n1:,} citizens | {k1:.2f} | {verdict} |")
    if not rows:
        return []
    return ["## Targets", "", "| target | measured | |", "|---|---:|---|", *rows, ""]


def local_exponent(r: dict[str, Any]) -> tuple[tuple[int, int], float] | None:
    """The exponent between the two largest sizes: fixed costs weigh on a fit over small ones."""
    sized = sorted((t["population"], t["median"]["run_seconds"]) for t in r["throughput"])
    if len(sized) < 2:
        return None
    return (sized[-2][0], sized[-1][0]), exponent(sized[-2:])


def _breakdown(r: dict[str, Any]) -> list[str]:
    b = r["breakdown"]
    total = sum(b["ms_per_day"].values()) or float("nan")
    before = BEFORE_MS if b["population"] == 10**6 else {}  # measured at 10^6 only
    lines = [
        f"## A day at {b['population']:,} citizens, by component",
        "",
        "Engine timings (`Simulation.timings`): each mechanism's step, `ties` the daily pass of tie "
        "means, `metrics` the weekly record spread over the days."
        + (" Before: the same measurement at commit 9676fdd, before this work." if before else ""),
        "",
        "| component | ms per day | share |" + (" before (ms) |" if before else ""),
        "|---|---:|---:|" + ("---:|" if before else ""),
    ]
    for name, ms in b["ms_per_day"].items():
        was = f" {before.get(name, '-')} |" if before else ""
        lines.append(f"| {name} | {ms:.1f} | {ms / total:.0%} |{was}")
    was = f" **{sum(before.values()):.1f}** |" if before else ""
    return [*lines, f"| **total** | **{total:.1f}** | |{was}", ""]


def _year(r: dict[str, Any]) -> list[str]:
    y = r.get("year")
    if not y:
        return []
    return [
        f"## A year at {y['population']:,} citizens",
        "",
        f"{y['days']} days of `{r['settings']['regime']}`: built in {y['build_seconds']:.0f} s, run in "
        f"{y['run_seconds'] / 60:.1f} min ({y['seconds_per_day']:.2f} s a day, "
        f"{_rate(y['population'] * y['days'] / y['run_seconds'])} citizen-days per s); peak resident "
        f"memory {_fmt_bytes(y['peak_rss_bytes'])}, {y['bytes_per_citizen']:.0f} bytes per citizen with "
        "the ties, the interpreter and every temporary included.",
        "",
    ]


def _mesa(r: dict[str, Any]) -> list[str]:
    mesa = r.get("mesa")
    if not mesa:
        return ["## Versus Mesa", "", "Not run (`--no-mesa`).", ""]
    lines = [
        "## Versus Mesa",
        "",
        "The same core model written in Mesa (`benchmarks/mesa_reference/`, see docs/mesa-comparison.md), "
        "timed side by side on the same society by `benchmarks/mesa_compare.py`. Ratio: Mesa's seconds "
        "over socialcredit's per run, build included; then stepping only; then socialcredit on one thread.",
        "",
        "| citizens | ratio | steps only | one thread | outputs agree |",
        "|---:|---:|---:|---:|---|",
    ]
    for n, size in mesa["sizes"].items():
        one = size.get("ratio_1_thread")
        lines.append(
            f"| {int(n):,} | {size['ratio']:.0f}x | {size['ratio_steps']:.0f}x | "
            f"{f'{one:.0f}x' if one is not None else '-'} | {size['agree']} |"
        )
    load = mesa.get("environment", {}).get("load_average_at_start")
    if load is not None:
        lines += ["", f"Load average when the comparison started: {load:.2f} on {r['machine']['cpus']} CPUs."]
    return [*lines, ""]


def _starsim(r: dict[str, Any]) -> list[str]:
    result = r.get("starsim")
    if not result:
        return ["## Versus Starsim", "", "Not run (`--no-starsim`).", ""]
    env = result.get("environment", {})
    lines = [
        "## Versus Starsim",
        "",
        "The same core model written in Starsim "
        f"{env.get('starsim', '')} (`benchmarks/starsim_reference/`: array states, one module a mechanism, "
        "vectorised NumPy; see docs/starsim-comparison.md), timed side by side on the same society by "
        "`benchmarks/starsim_compare.py`"
        + (f" on {result['date']}" if result.get("date") else "")
        + ". Ratio: Starsim's seconds over socialcredit's per run (median), build included; then stepping only; "
        "then socialcredit on one thread.",
        "",
        "| citizens | Starsim runs | Starsim s/run | socialcredit s/run | ratio | steps only | one thread | outputs agree |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for n, size in result["sizes"].items():
        lines.append(
            f"| {int(n):,} | {size['pairs']} | {size['starsim']['seconds_per_run']:.2f} | "
            f"{size['socialcredit']['seconds_per_run']:.2f} | {size['ratio']:.1f}x | {size['ratio_steps']:.1f}x | "
            f"{size['ratio_1_thread']:.1f}x | {size['agree']} |"
        )
    start, end = env.get("load_average_at_start"), env.get("load_average_at_end")
    if start is not None:
        lines += [
            "",
            f"Load average {start:.2f} when the comparison started, {end:.2f} when it ended, on "
            f"{env.get('cpus', r['machine']['cpus'])} CPUs: read the ratios with it.",
        ]
    return [*lines, ""]


BOUNDS = """\
## What bounds the missed target

**Throughput at 10^6.** 20 M citizen-days per second is 50 ms a day; a day takes 113-135 ms
(113 ms in the steady state, days 5-33 of one process on the idle machine; the table above
times 30 days from a fresh process, and repeated runs here vary by 10-20%). Two loops over
the network take over half of it: the donation game (about 20 ms for the meeting loop: six
or seven SplitMix64 hashes, a partner picked in O(1) from the donor's row, one read of the
partner's view; 6 ms for the settlement of payoffs; the verdicts on the watched tenth) and
the daily pass of tie means (about 28 ms). Measured in isolation on the
10^6 network (two threads, median of 10 passes), the tie pass is bound by the work per entry,
not by memory: rows alone cost 0.5 ms, a scan of the 20 million activity flags 8 ms, one
float32 column gathered from the neighbours 12 ms, the two columns the model needs with the
flags 27-30 ms (about 7 cycles an entry on a 2.6 GHz core). Making the neighbours' values
local changed nothing (districts of 1,024 to 65,536 citizens: 27.0-27.7 ms), nor did
replacing the work-unit ties, 13 of a row's 20, by sums over the work unit (27.3 ms): the
loads, conversions and dependent additions of each entry are the cost. Branch-free
variants were slower (multiplying by the flag: 47 ms; float64 tables: 53 ms), and so was
the pass without prefetching (41 ms). The rest of the day is the weekly metrics (the
union-find, 61 ms a week, and the score quantiles) and about 25 whole-population passes in
the other mechanisms, each 1-8 ms at 10^6 (a pass over 10^6 float32 values costs about
1 ms). Reaching 50 ms would need everything but the two network loops to cost nothing: with
this model (a sparse product over every tie every day, a donation game for every citizen
every day) about 12-14 M citizen-days per second is the ceiling on this machine.

**Shared cores.** A thread preempted by another process stalls every parallel loop until it
runs again; passive waiting keeps that from compounding, but expect 1.5-2x slower days at
10^6 when the other core is busy (see the load average above).

**Scaling.** Up to 10^6 every per-citizen table fits the caches; at 10^7 the 3% of ties that
leave their district (rewired friendships), the strangers of the donation game (a quarter of
interactions, read and paid at random citizens) and the union-find's parent array reach main
memory, so a day at 10^7 costs 11-13 days at 10^6: the network loops 11-12x, the union-find
15x (0.9 s a week).
"""
