"""The docs stay true: the parameter reference is generated from the schema."""

from __future__ import annotations

from pathlib import Path

from socialcredit.paramdoc import markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_parameter_reference_is_current():
    assert (DOCS / "parameters.md").read_text() == markdown(), (
        "docs/parameters.md is stale: python -m socialcredit.paramdoc > docs/parameters.md"
    )


def test_architecture_contract_tables_are_current():
    from socialcredit.paramdoc import with_contract

    text = (DOCS / "architecture.md").read_text()
    assert text == with_contract(text), "docs/architecture.md is stale: python -m socialcredit.paramdoc --architecture"


def test_model_state_table_is_current():
    from socialcredit.paramdoc import STATES_BEGIN, with_contract

    text = (DOCS / "model.md").read_text()
    assert text == with_contract(text, STATES_BEGIN), (
        "docs/model.md is stale: python -m socialcredit.paramdoc --architecture"
    )
