"""The benchmark harness runs end to end on a tiny society (no timing assertions: it must not rot)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_harness_writes_results_and_report(tmp_path):
    out, doc = tmp_path / "results.json", tmp_path / "performance.md"
    command = [sys.executable, "-m", "benchmarks", "--quick", "--sizes", "1000,2000", "--days", "5", "--no-mesa"]
    subprocess.run([*command, "--json", str(out), "--markdown", str(doc)], cwd=ROOT, check=True, capture_output=True)
    results = json.loads(out.read_text())
    assert {"machine", "settings", "targets", "throughput", "scaling_exponent", "breakdown", "year", "mesa"} <= set(
        results
    )
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
