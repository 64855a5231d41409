"""Docs that print what the code prints: regenerate the printed outputs in the docs by running them.

    python -m socialcredit.docgen --write     # (or `make docs`) rewrite the outputs in place
    python -m socialcredit.docgen             # check only: exit 1 and name the stale files

What is generated:

- docs/tutorial.md: every ```text block right after a ```python block is what that block
  prints (the blocks run in order in one namespace, in a scratch folder, at their documented
  sizes); every ```console block whose first command is `socialcredit`, `ls` or `python` is
  run in the same folder (bash, 80 columns, stderr with stdout) and its output rewritten.
  A ```toml block whose first line is `# NAME.toml` is written to NAME.toml first.
- docs/regimes.md: the table between `<!-- docgen:regimes-table -->` and `<!-- /docgen -->`
  (one compare of every preset, see REGIMES_RUN).
- docs/model.md: the stock/flow list of every metric (metrics.KIND).
- README.md, only with `--readme FOLDER` (after `make run`; `make readme` does both): the
  first-result tables between `<!-- docgen:readme-table -->` / `readme-contrasts` markers,
  from FOLDER's statistics.json and replicates.json.
- In the prose of these files, `<!-- v:EXPR|FMT -->…<!-- /v -->` is replaced by EXPR's value
  (FMT: pct0, pct1, f2, f3, g3, int, x1), and `<!-- claim: EXPR -->` must hold, or generation
  fails naming the claim: a statement about results is checked, not assumed. EXPR is Python,
  evaluated in the tutorial's namespace at that point (docs/tutorial.md) or with S = the
  summaries per regime (docs/regimes.md).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from socialcredit.cli.common import HEADLINE, fmt

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
COMMAND = "make docs  (python -m socialcredit.docgen --write)"
WIDTH = 80
FENCE = re.compile(r"^```(\w*)\n(.*?)^```[ \t]*$", re.S | re.M)
VALUE = re.compile(r"<!-- v:(.+?) -->(.*?)<!-- /v -->", re.S)
CLAIM = re.compile(r"<!-- claim: (.+?) -->")
RUN_COMMANDS = ("socialcredit", "ls", "python")

REGIMES_RUN = {"population": 2_000, "days": 365, "seed": 1}
REGIMES_ROWS = (
    "blacklisted_share",
    "ever_blacklisted_share",
    "blacklist_precision",
    "blacklist_recall",
    "false_blacklist_share",
    "false_blacklist_health",
    "false_blacklist_income",
    "false_blacklist_misflagged_post",
    "false_blacklist_slander",
    "false_blacklist_association",
    "false_blacklist_class_label",
    "false_blacklist_misjudged",
    "true_blacklist_free_riding",
    "true_blacklist_misconduct",
    "true_blacklist_criticism",
    "true_blacklist_preference",
    "blacklisted_share_income_q1",
    "blacklisted_share_income_q5",
    "blacklisted_share_urban",
    "blacklisted_share_rural",
    "score_mean",
    "redlisted_share",
    "default_rate",
    "trust_mean",
    "cooperation_rate",
    "help_rate_blacklisted",
    "welfare",
    "chilling",
    "ties_cut_share",
    "reports_total",
    "slander_accepted",
    "listings_court",
    "listings_score",
    "listings_report",
    "listings_total",
    "entries_per_year",
    "exits_per_year",
    "appeals_filed",
    "appeals_granted",
    "denied_flights",
    "denied_trains",
    "denied_loans",
    "denied_jobs",
    "perks_vip_checkin",
)


class ClaimError(AssertionError):
    """A checked statement in the prose no longer holds."""


FORMATS: dict[str, Callable[[float], str]] = {
    "pct0": lambda v: f"{100 * v:.0f}%",
    "pct1": lambda v: f"{100 * v:.1f}%",
    "f2": lambda v: f"{v:.2f}",
    "f3": lambda v: f"{v:.3f}",
    "g3": lambda v: f"{v:.3g}",
    "int": lambda v: f"{v:,.0f}",
    "x1": lambda v: f"{v:.1f}",
}


def _prose(text: str, namespace: dict[str, Any], label: str, failures: list[str]) -> str:
    """Fill the values and check the claims of a stretch of prose."""

    def value(match: re.Match[str]) -> str:
        expr, _, kind = match.group(1).rpartition("|")
        if not expr:
            expr, kind = kind, "g3"
        try:
            shown = FORMATS[kind](float(eval(expr, namespace)))
        except Exception as exc:
            failures.append(f"{label}: value {match.group(1)!r} failed: {exc}")
            shown = match.group(2)
        return f"<!-- v:{match.group(1)} -->{shown}<!-- /v -->"

    text = VALUE.sub(value, text)
    for match in CLAIM.finditer(text):
        try:
            holds = bool(eval(match.group(1), namespace))
        except Exception as exc:
            failures.append(f"{label}: claim {match.group(1)!r} failed: {exc}")
            continue
        if not holds:
            line = text[: match.start()].count("\n")
            failures.append(
                f"{label}: claim no longer holds (near: {text[max(0, match.start() - 120) : match.start()].strip()!r} … line +{line}): {match.group(1)}"
            )
    return text


def _run_python(code: str, namespace: dict[str, Any]) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, "tutorial", "exec"), namespace)
    return buffer.getvalue()


def _commands(block: str) -> list[str]:
    """The `$ ` commands of a console block (a heredoc continues to its end marker)."""
    commands, lines, i = [], block.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            command = [line[2:]]
            heredoc = re.search(r"<<-?'?(\w+)'?", line)
            if heredoc:
                end = heredoc.group(1)
                while i + 1 < len(lines):
                    i += 1
                    command.append(lines[i])
                    if lines[i].strip() == end:
                        break
            commands.append("\n".join(command))
        i += 1
    return commands


def _run_console(commands: list[str], cwd: Path) -> str:
    """Run the commands in one bash session; return the block: each command, then its output."""
    script = ["__rc=0"]
    for i, command in enumerate(commands):
        script.append(f"echo '@@docgen {i}@@'")
        script.append(f"{{ (exit $__rc); {command}\n}} 2>&1; __rc=$?")
    env = {
        **os.environ,
        "COLUMNS": str(WIDTH),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONHASHSEED": "0",
    }
    env.pop("FORCE_COLOR", None)
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    parts = re.split(r"^@@docgen (\d+)@@\n", done.stdout, flags=re.M)
    outputs = {int(parts[k]): parts[k + 1] for k in range(1, len(parts) - 1, 2)}
    lines = []
    for i, command in enumerate(commands):
        lines.append("$ " + command)
        lines.extend(line.rstrip() for line in outputs.get(i, "").rstrip("\n").splitlines())
    return "\n".join(lines) + "\n"


def tutorial(text: str, workdir: Path, failures: list[str]) -> str:
    """docs/tutorial.md with every printed output regenerated."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace: dict[str, Any] = {"__name__": "__tutorial__"}
    pieces, last, pending = [], 0, None  # pending: output of the python block just run
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        for match in FENCE.finditer(text):
            lang, body = match.group(1), match.group(2)
            between = text[last : match.start()]
            if pending is not None and lang == "text" and between.strip() == "":
                pieces.append(between + f"```text\n{pending}```")
                last, pending = match.end(), None
                continue
            pending = None
            pieces.append(_prose(between, namespace, "docs/tutorial.md", failures))
            if lang == "toml":
                first = body.splitlines()[0] if body else ""
                if first.startswith("# ") and first.strip().endswith(".toml"):
                    (workdir / first[2:].strip()).write_text(body, encoding="utf-8")
                pieces.append(match.group(0))
            elif lang == "python":
                printed = _run_python(body, namespace)
                pending = "\n".join(line.rstrip() for line in printed.rstrip("\n").splitlines()) + "\n"
                pieces.append(match.group(0))
            elif lang == "console" and (commands := _commands(body)) and commands[0].split()[0] in RUN_COMMANDS:
                pieces.append(f"```console\n{_run_console(commands, workdir)}```")
            else:
                pieces.append(match.group(0))
            last = match.end()
        pieces.append(_prose(text[last:], namespace, "docs/tutorial.md", failures))
    finally:
        os.chdir(cwd)
        plt.close("all")
    return "".join(pieces)


def regimes_table(summaries: dict[str, dict[str, Any]]) -> str:
    from socialcredit.metrics import KIND

    names = list(summaries)
    lines = ["| metric | " + " | ".join(f"`{n}`" for n in names) + " |", "|---|" + "---:|" * len(names)]
    for metric in REGIMES_ROWS:
        mark = " (run)" if KIND.get(metric) == "flow" else ""
        lines.append(f"| `{metric}`{mark} | " + " | ".join(fmt(summaries[n].get(metric), 3) for n in names) + " |")
    return "\n".join(lines) + "\n"


README_CONTRASTS = (
    ("scs-appeals", "scs"),
    ("scs", "financial-credit"),
    ("eu-ai-act", "financial-credit"),
    ("danwei", "none"),
    ("cultural-revolution", "none"),
)
README_CONTRAST_ROWS = (
    "trust_mean",
    "trust_coworkers",
    "trust_strangers",
    "cooperation_rate",
    "blacklisted_share",
    "false_blacklist_share",
    "chilling",
)


def _half(entry: dict[str, float]) -> str:
    """An interval's half-width: two significant digits, whole numbers from 10 on."""
    half = (entry["high"] - entry["low"]) / 2
    return f"{half:,.0f}" if abs(half) >= 10 else fmt(half, 2)


def _plus_minus(entry: dict[str, float]) -> str:
    half = (entry["high"] - entry["low"]) / 2
    return fmt(entry["mean"], 3) + ("" if math.isnan(half) else f" ± {_half(entry)}")


def readme_tables(folder: Path) -> tuple[str, str]:
    """From a replicated compare folder (`make run`): mean ± 95% CI half-width per metric and
    regime, and the paired differences of README_CONTRASTS with the unpaired (Welch) ones."""
    from socialcredit.experiments.compare import difference
    from socialcredit.metrics import KIND

    stats = json.loads((folder / "statistics.json").read_text(encoding="utf-8"))
    replicates = json.loads((folder / "replicates.json").read_text(encoding="utf-8"))
    names = list(stats["metrics"])
    lines = ["| metric | " + " | ".join(f"`{n}`" for n in names) + " |", "|---|" + "---:|" * len(names)]
    for metric in HEADLINE:  # the rows `compare` prints by default
        mark = " (run)" if KIND.get(metric) == "flow" else ""
        cells = [_plus_minus(stats["metrics"][n][metric]) if metric in stats["metrics"][n] else "–" for n in names]
        lines.append(f"| `{metric}`{mark} | " + " | ".join(cells) + " |")
    table = "\n".join(lines) + "\n"
    pairs = [(a, b) for a, b in README_CONTRASTS if a in replicates and b in replicates]
    lines = ["| metric | " + " | ".join(f"`{a}` − `{b}`" for a, b in pairs) + " |", "|---|" + "---:|" * len(pairs)]
    for metric in README_CONTRAST_ROWS:
        cells = []
        for a, b in pairs:
            found = difference(replicates[a], replicates[b], metric)
            cells.append("–" if found is None else f"{_plus_minus(found['paired'])} (± {_half(found['unpaired'])})")
        lines.append(f"| `{metric}` | " + " | ".join(cells) + " |")
    return table, "\n".join(lines) + "\n"


def readme(text: str, folder: Path) -> str:
    """README.md with its result tables rebuilt from `folder`."""
    table, contrasts = readme_tables(folder)
    text = _between(text, "readme-table", table, "README.md")
    return _between(text, "readme-contrasts", contrasts, "README.md")


def _between(text: str, name: str, body: str, label: str) -> str:
    start, end = f"<!-- docgen:{name} -->\n", "<!-- /docgen -->"
    if start not in text:
        raise SystemExit(f"{label}: marker {start.strip()} not found")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return head + start + body + end + tail


def regimes(text: str, failures: list[str]) -> str:
    from socialcredit.experiments.compare import compare

    summaries = compare(**REGIMES_RUN).summaries  # type: ignore[arg-type]
    text = _between(text, "regimes-table", regimes_table(summaries), "docs/regimes.md")
    return _prose(text, {"S": summaries, "math": math}, "docs/regimes.md", failures)


def metric_kinds() -> str:
    from socialcredit.metrics import KIND

    lines = ["| metric | kind |", "|---|---|"]
    lines += [f"| `{name}` | {kind} |" for name, kind in KIND.items()]
    return "\n".join(lines) + "\n"


def generate() -> tuple[dict[Path, str], list[str]]:
    """The regenerated text of each generated doc, and the claims or values that failed."""
    failures: list[str] = []
    out: dict[Path, str] = {}
    with tempfile.TemporaryDirectory(prefix="socialcredit-docgen-") as scratch:
        out[DOCS / "tutorial.md"] = tutorial(
            (DOCS / "tutorial.md").read_text(encoding="utf-8"), Path(scratch), failures
        )
    out[DOCS / "regimes.md"] = regimes((DOCS / "regimes.md").read_text(encoding="utf-8"), failures)
    model = (DOCS / "model.md").read_text(encoding="utf-8")
    out[DOCS / "model.md"] = _between(model, "metric-kinds", metric_kinds(), "docs/model.md")
    return out, failures


def main(argv: list[str]) -> int:
    write = "--write" in argv
    if "--readme" in argv:  # python -m socialcredit.docgen --readme runs/compare: the README's tables
        folder = Path(argv[argv.index("--readme") + 1])
        (ROOT / "README.md").write_text(readme((ROOT / "README.md").read_text(encoding="utf-8"), folder), "utf-8")
        print(f"wrote README.md from {folder}")
        return 0
    texts, failures = generate()
    stale = [path for path, text in texts.items() if path.read_text(encoding="utf-8") != text]
    if write:
        for path in stale:
            path.write_text(texts[path], encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    elif stale:
        print(f"stale: {', '.join(str(p.relative_to(ROOT)) for p in stale)}; regenerate with {COMMAND}")
    for failure in failures:
        print(f"claim: {failure}", file=sys.stderr)
    return 1 if failures or (stale and not write) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
