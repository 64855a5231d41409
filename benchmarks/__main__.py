"""python -m benchmarks [--quick] [--sizes 1e4,1e5] [--days 30] [--repeats 3]: run, write the figures.

Time it alone: on a shared machine, `flock /tmp/socialcredit-bench.lock make bench`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks import harness, report

FULL_SIZES = "1e4,1e5,1e6,1e7"
QUICK_SIZES = "2000,20000"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each, no year run: seconds")
    parser.add_argument("--sizes", help=f"comma-separated populations (default {FULL_SIZES}; quick {QUICK_SIZES})")
    parser.add_argument("--days", type=int, help="days per run (default 30; quick 5)")
    parser.add_argument("--repeats", type=int, help="runs per size, the median reported (default 3; quick 1)")
    parser.add_argument(
        "--year", type=float, help="population of the year-long memory run (default 1e7; quick 0: none)"
    )
    parser.add_argument("--no-mesa", action="store_true", help="skip the Mesa comparison")
    parser.add_argument("--no-starsim", action="store_true", help="skip the Starsim comparison")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results.json"), help="where the figures go")
    parser.add_argument("--markdown", type=Path, default=Path("docs/performance.md"), help="where the report goes")
    parser.add_argument("--render", action="store_true", help="only rewrite the report from the existing --json")
    args = parser.parse_args(argv)
    if args.render:
        args.markdown.write_text(report.markdown(json.loads(args.json.read_text())))
        print(f"wrote {args.markdown}")
        return 0

    sizes = [int(float(s)) for s in (args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)).split(",")]
    days = args.days or (5 if args.quick else 30)
    repeats = args.repeats or (1 if args.quick else 3)
    year = int(args.year if args.year is not None else (0 if args.quick else 1e7))
    results = harness.run(
        sizes,
        days,
        repeats,
        year_population=year,
        with_mesa=not args.no_mesa,
        quick=args.quick,
        with_starsim=not args.no_starsim,
    )
    results["command"] = "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:])

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1) + "\n")
    args.markdown.parent.mkdir(parents=True, exist_ok=True)
    args.markdown.write_text(report.markdown(results))
    print(f"wrote {args.json} and {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
