"""The benchmark harness runs end to end on a tiny society (no timing assertions: it must not rot)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_harness_writes_results_and_report(tmp_path):
    out, doc = tmp_path / "results.json", tmp_path / "performance.md"
    command = [
        sys.executable,
        "-m",
        "benchmarks",
        "--quick",
        "--sizes",
        "1000,2000",
        "--days",
        "5",
        "--no-mesa",
        "--no-starsim",
    ]
    subprocess.run([*command, "--json", str(out), "--markdown", str(doc)], cwd=ROOT, check=True, capture_output=True)
    results = json.loads(out.read_text())
    keys = {"machine", "settings", "targets", "throughput", "scaling_exponent", "breakdown", "year", "mesa", "starsim"}
    assert keys <= set(results)
    assert results["mesa"] is None and results["starsim"] is None
    assert [t["population"] for t in results["throughput"]] == [1000, 2000]
    for t in results["throughput"]:
        assert len(t["runs"]) == 1
        median = t["median"]
        assert median["citizen_days_per_second"] > 0 and median["peak_rss_bytes"] > 0
        assert median["bytes_per_citizen"] == median["peak_rss_bytes"] / t["population"]
    assert isinstance(results["scaling_exponent"], float)
    assert {"interactions", "ties", "score"} <= set(results["breakdown"]["ms_per_day"])
    assert results["machine"]["cpus"] >= 1 and results["machine"]["numba"]
    text = doc.read_text()
    assert text.startswith("# Performance") and "## Throughput" in text and "citizen-days per s" in text
    assert "## Versus Starsim" in text and "Not run (`--no-starsim`)" in text


def test_report_renders_a_starsim_comparison():
    sys.path.insert(0, str(ROOT))
    from benchmarks import report

    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    size = {
        "pairs": 3,
        "starsim": {"seconds_per_run": 4.0},
        "socialcredit": {"seconds_per_run": 2.0},
        "ratio": 2.0,
        "ratio_steps": 1.5,
        "ratio_1_thread": 2.5,
        "agree": True,
    }
    env = {"starsim": "3.7.2", "cpus": 2, "load_average_at_start": 1.5, "load_average_at_end": 2.5}
    results["starsim"] = {"date": "2026-12-03", "sizes": {"100000": size}, "environment": env}
    text = report.markdown(results)
    assert "## Versus Starsim" in text and "Starsim 3.7.2" in text and "on 2026-12-03" in text
    assert "| 100,000 | 3 | 4.00 | 2.00 | 2.0x | 1.5x | 2.5x | True |" in text
    assert "Load average 1.50 when the comparison started, 2.50" in text
