"""The tutorial stays true: every ```python block of docs/tutorial.md runs, in order.

The blocks share one namespace (as in a notebook) and run in a scratch folder; a ```toml block
whose first line is `# NAME.toml` is written there first, as the tutorial tells the reader to.
Sizes are shrunk (population, days, pause day) so the whole tutorial runs in seconds; the
printed outputs in the tutorial come from its own sizes (docs/tutorial.md says which).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).resolve().parent.parent / "docs" / "tutorial.md"
BLOCK = re.compile(r"^```(python|toml)\n(.*?)^```$", re.S | re.M)
LIMITS = {"population": 600, "days": 40, "until": 20}


def shrink(code: str) -> str:
    """Cap `population=`, `days=` and `until=` literals at LIMITS."""

    def cap(match: re.Match[str]) -> str:
        key, value = match.group(1), int(match.group(2).replace("_", ""))
        return f"{key}={min(value, LIMITS[key])}"

    return re.sub(r"\b(population|days|until)=([\d_]+)", cap, code)


def blocks() -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(TUTORIAL.read_text(encoding="utf-8"))]


def test_shrink_caps_sizes_only():
    assert (
        shrink("Simulation(s, population=100_000, days=365, seed=1)")
        == "Simulation(s, population=600, days=40, seed=1)"
    )
    assert shrink("sim.run(until=120); x(days=10)") == "sim.run(until=20); x(days=10)"


def test_tutorial_python_blocks_run(tmp_path, monkeypatch, capsys):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    found = blocks()
    python = [code for lang, code in found if lang == "python"]
    assert len(python) >= 15, f"expected the tutorial's python blocks, found {len(python)}"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__tutorial__"}
    try:
        for number, (lang, code) in enumerate(found, 1):
            if lang == "toml":
                first = code.splitlines()[0]
                if first.startswith("# ") and first.strip().endswith(".toml"):
                    (tmp_path / first[2:].strip()).write_text(code, encoding="utf-8")
                continue
            try:
                exec(compile(shrink(code), f"{TUTORIAL.name} block {number}", "exec"), namespace)
            except Exception as exc:  # name the block that rotted
                raise AssertionError(f"tutorial block {number} failed:\n{code}") from exc
    finally:
        plt.close("all")
    printed = capsys.readouterr().out
    assert "blacklisted_share" in printed
    assert (tmp_path / "runs" / "compare" / "compare.parquet").is_file()
