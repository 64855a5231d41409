"""python -m benchmarks.dashboard [-n 100000] [--seconds 30]: is the browser dashboard interactive at scale?

Serves `socialcredit dashboard scs none -n N` on loopback, opens it in Debian's Chromium
(Playwright, no browser download), presses Play and for `--seconds` records, in the browser,
every change of the status line (one per frame that brought new data) and how long the page
takes to answer a click (the inspector on another citizen) while the runs step and paused. Prints one
JSON object: frames a second seen by the browser, the step rate the page reports (simulated
days a second of both runs, citizen-days a second), and the click latencies.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time

CHROMIUM = "/usr/lib/chromium/chromium"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dashboard", description=__doc__)
    parser.add_argument("-n", "--population", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    server = subprocess.Popen(
        [sys.executable, "-m", "socialcredit", "dashboard", "scs", "none", "-n", str(args.population)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        url = re.search(r"http://\S+/", server.stderr.readline())
        assert url, "no URL printed"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            loaded = time.perf_counter()
            page.goto(url.group(0))
            page.get_by_text("day 0 of 365").wait_for(timeout=300_000)
            ready = time.perf_counter() - loaded
            status = page.get_by_text(re.compile(r"^day \d+ of 365"))
            page.get_by_role("button", name="Play").click()
            seen: list[tuple[float, str]] = []
            start = time.perf_counter()
            while time.perf_counter() - start < args.seconds and "done" not in (text := status.inner_text()):
                day = text.split(" · ")[0]
                if not seen or seen[-1][1] != day:
                    seen.append((time.perf_counter(), day))
                time.sleep(0.02)
            who = page.get_by_label("inspect citizen")

            def clicks(first: int) -> list[float]:
                """Seconds from typing a citizen into the inspector to its table on the page."""
                out = []
                for citizen in range(first, first + 5):
                    clicked = time.perf_counter()
                    who.fill(str(citizen))
                    who.press("Enter")
                    page.get_by_text(f"citizen {citizen}", exact=True).wait_for(timeout=60_000)
                    out.append(time.perf_counter() - clicked)
                return out

            latencies = clicks(1)  # while the runs step
            text = status.inner_text()
            page.get_by_role("button", name="Pause").click()
            page.get_by_text(re.compile(r"· paused")).wait_for(timeout=60_000)
            idle = clicks(10)  # the same, paused: what the page costs on its own
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    span = seen[-1][0] - seen[0][0] if len(seen) > 1 else float("nan")
    rates = re.search(r"([\d.]+) frames/s · ([\d.]+) days/s \(([\d.]+) M citizen-days/s\)", text)
    assert rates, text
    print(
        json.dumps(
            {
                "population": args.population,
                "regimes": 2,
                "first_paint_s": round(ready, 2),
                "browser_frames_per_s": round((len(seen) - 1) / span, 2),
                "server_frames_per_s": float(rates.group(1)),
                "simulated_days_per_s": float(rates.group(2)),
                "citizen_days_per_s": float(rates.group(3)) * 1e6,
                "click_latency_s": {
                    "playing_median": round(statistics.median(latencies), 3),
                    "playing_max": round(max(latencies), 3),
                    "paused_median": round(statistics.median(idle), 3),
                    "clicks": len(latencies),
                },
                "last_status": text.splitlines()[0],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
