"""The parameter reference (docs/parameters.md), generated from the schema so it never drifts.

`python -m socialcredit.paramdoc > docs/parameters.md`; a test fails when the file is stale.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from socialcredit.mechanisms import MECHANISMS
from socialcredit.scenario import Scenario, allowed_values

MECHANISM_DOCS = {m.name: m.__doc__ for m in MECHANISMS}


def _rows(model: type[BaseModel], prefix: list[str]) -> list[str]:
    rows = []
    for name, info in model.model_fields.items():
        annotation: Any = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows.extend(_rows(annotation, [*prefix, name]))
            continue
        default = info.get_default(call_default_factory=True)
        shown = "unset" if default is None else repr(default).replace("|", "\\|")
        allowed = allowed_values([*prefix, name]).replace("|", "\\|")
        rows.append(f"| `{'.'.join([*prefix, name])}` | {shown} | {allowed} | {info.description or ''} |")
    return rows


def markdown() -> str:
    lines = [
        "# Parameter reference",
        "",
        "Every scenario key with its default, what it accepts and what it means. Generated from the",
        "schema by `python -m socialcredit.paramdoc > docs/parameters.md`; the sources behind the",
        "defaults are in docs/model.md. Regimes override these defaults (docs/regimes.md).",
        "",
    ]
    for section, info in Scenario.model_fields.items():
        annotation: Any = info.annotation
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            continue
        doc = (MECHANISM_DOCS.get(section) or annotation.__doc__ or "").strip()
        lines += [f"## [{section}]", "", doc.splitlines()[0] if doc else "", ""]
        lines += ["| key | default | accepts | meaning |", "|---|---|---|---|", *_rows(annotation, [section]), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(), end="")
