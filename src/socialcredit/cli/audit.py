"""`socialcredit audit`: the EU AI Act Art. 5(1)(c) test of a regime's configuration."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.table import Table

from socialcredit.cli.app import app
from socialcredit.cli.common import Json, Sets, out, print_json
from socialcredit.experiments.audit import audit as run_audit
from socialcredit.scenario import load_scenario


@app.command()
def audit(
    scenario: Annotated[str, typer.Argument(help="a regime name or a .toml file")],
    set_: Sets = None,
    json_: Json = False,
) -> None:
    """Which clauses of Art. 5(1)(c) the configuration meets, and the parameters that trigger each."""
    result = run_audit(load_scenario(scenario, set_ or ()))
    if json_:
        print_json(result.to_dict())
        return
    console = out
    verdict = "[bold red]prohibited social scoring[/]" if result.prohibited else "[bold green]not prohibited[/]"
    console.print(f"{result.regime}: {verdict} under EU AI Act Art. 5(1)(c)")
    # a "key = value" is never cut or wrapped: the because column is at least that wide
    keys = [re.match(r"\S+ = [^\s:]+", line) for clause in result.clauses for line in clause.because]
    widest = max([len(k.group(0)) for k in keys if k] + [20])
    table = Table(show_header=True, header_style="bold", show_lines=True)
    table.add_column("clause", max_width=max(20, console.width - widest - 13))
    table.add_column("met", no_wrap=True)
    table.add_column("because", min_width=widest)
    for clause in result.clauses:
        table.add_row(
            f"{clause.clause}\n{clause.text}", "yes" if clause.met else "no", "\n".join(clause.because) or "–"
        )
    console.print(table)
    for note in result.notes:
        console.print(f"note: {note}", soft_wrap=True)
