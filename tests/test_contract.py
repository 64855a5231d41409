"""The mechanism contract: declarations checked, views enforced, no import cycle, exact rules."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from helpers import make_sim
from socialcredit import engine
from socialcredit.core import Mechanism, MechanismParams, StateSpec
from socialcredit.mechanisms import MECHANISMS
from socialcredit.mechanisms.score import Score
from socialcredit.record import Cause, Factor, ListKind

PACKAGE = Path(importlib.import_module("socialcredit").__file__).parent
MODULES = sorted(
    ".".join(("socialcredit", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
    for p in PACKAGE.rglob("*.py")
    if p.name != "__main__.py"
)


def _imports(path: Path) -> set[str]:
    """The socialcredit modules a file imports at module level (TYPE_CHECKING blocks and function bodies excluded)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("socialcredit"):
            found.add(node.module)
            for alias in node.names:
                if f"{node.module}.{alias.name}" in MODULES:
                    found.add(f"{node.module}.{alias.name}")
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("socialcredit"))
    return found


def test_the_import_graph_has_no_cycle():
    graph = {}
    for module in MODULES:
        parts = module.split(".")[1:]
        path = PACKAGE.joinpath(*parts).with_suffix(".py")
        if not path.is_file():
            path = PACKAGE.joinpath(*parts, "__init__.py")
        graph[module] = {m for m in _imports(path) if m != module and m != "socialcredit"}
    state: dict[str, int] = {}

    def visit(node: str, trail: tuple[str, ...]) -> None:
        if state.get(node) == 2:
            return
        assert state.get(node) != 1, "import cycle: " + " -> ".join((*trail, node))
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            visit(nxt, (*trail, node))
        state[node] = 2

    for module in MODULES:
        visit(module, ())
    assert "socialcredit.mechanisms.interactions" in graph  # the walk saw the package


_ALONE = """
import importlib, sys, types
pkg = types.ModuleType("socialcredit")  # the root package without its __init__'s load order
pkg.__path__ = [{path!r}]
sys.modules["socialcredit"] = pkg
importlib.import_module({module!r})
"""


def test_every_module_imports_alone_in_a_fresh_interpreter():
    def load(module: str) -> tuple[str, str]:
        code = _ALONE.format(path=str(PACKAGE), module=module)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
        return module, done.stderr.strip().splitlines()[-1] if done.returncode else ""

    with ThreadPoolExecutor(2) as pool:
        failed = {m: e for m, e in pool.map(load, [m for m in MODULES if m != "socialcredit"]) if e}
    assert not failed, failed


def test_no_mechanism_imports_a_sibling():
    for m in MECHANISMS:
        path = PACKAGE / "mechanisms" / f"{m.__module__.split('.')[-1]}.py"
        siblings = {i for i in _imports(path) if i.startswith("socialcredit.mechanisms")}
        assert not siblings, f"{m.name} imports {siblings}"


def _with(extra: type[Mechanism]) -> tuple[type[Mechanism], ...]:
    return (*MECHANISMS, extra)


def test_a_read_of_an_undeclared_state_fails_at_start_up():
    class Reader(Mechanism):
        name = "reader"
        claim = ""
        Params = MechanismParams
        reads = ("scroe",)  # misspelt

    with pytest.raises(ValueError, match="scroe"):
        engine.check_declarations(_with(Reader))


def test_a_counter_declared_twice_or_read_undeclared_fails_at_start_up(monkeypatch):
    class Twin(Mechanism):
        name = "twin"
        claim = ""
        Params = MechanismParams
        counts = ("helps",)

    with pytest.raises(ValueError, match="helps"):
        engine.check_declarations(_with(Twin))
    monkeypatch.setattr(engine.metrics, "COUNTERS_READ", (*engine.metrics.COUNTERS_READ, "bils_due"))
    with pytest.raises(ValueError, match="bils_due"):
        engine.check_declarations()


def test_a_mechanism_sees_only_what_it_declares_and_cannot_write_its_reads():
    sim = make_sim(n=20, enabled=("posts", "payments"))
    posts = sim.mechanisms["posts"]
    assert posts.people.speech_kept.shape == (20,)
    with pytest.raises(ValueError, match="read-only"):
        posts.people.speech_kept[0] = 0.0  # adaptation's state: read, never written
    with pytest.raises(AttributeError, match="no state 'debt'"):
        _ = posts.people.debt  # payments' state, not declared by posts
    with pytest.raises(KeyError, match="not declared"):
        posts.count("bills_due", 1)  # payments' counter


def test_per_tie_states_are_allocated_like_citizen_states():
    sim = make_sim(n=50, enabled=("interactions",), ties=True, interactions={"visibility": "none"})
    memory = sim.mechanisms["interactions"].ties.memory
    assert memory.shape == sim.network.indices.shape and memory is not None
    hidden = make_sim(n=50, enabled=("interactions",), ties=True, interactions={"visibility": "blacklist"})
    assert hidden.network.states.memory.shape == (0,)  # not read under this visibility: not allocated


def test_a_won_appeal_restores_the_factors_and_restarts_the_debt_clock():
    sim = make_sim(
        n=10,
        days=200,
        enabled=("payments", "score", "lists", "appeals"),
        appeals={"enabled": True, "appeal_prob": 1.0, "success_prob": 1.0, "delay_days": 0, "protection_days": 180},
        payments={"grace_days": 90, "sue_prob": 1.0, "litigation_days": 0, "means_test": False},
        population={"free_rider_share": 0.0},
    )
    p, score = sim.people, sim.mechanism(Score)
    p.free_rider[0] = True  # keeps missing its bills, so the debt stays
    p.debt[0], p.debt_since[0], p.debt_cause[0] = 3.0, 0, Cause.HEALTH  # a hospital patient's old debt ...
    p.factors[Factor.CREDIT_HISTORY, 0] = p.factors[Factor.BEHAVIOUR, 0] = 0.1  # ... that cost its score
    sim.run(until=91)  # day 90: court default, listed and, the appeal decided at once, won
    assert not p.blacklisted[0] and p.ever_blacklisted[0]
    assert p.repaired_on[0] == 90 and p.protected_until[0] == 270
    assert p.factors[Factor.CREDIT_HISTORY, 0] < 0.6  # repair comes the next day
    sim.step()  # day 91: M8 restores, M2 restarts the clock
    base = score.baselines(np.array([0]))
    assert p.factors[Factor.CREDIT_HISTORY, 0] == base[Factor.CREDIT_HISTORY, 0]
    assert p.factors[Factor.BEHAVIOUR, 0] == base[Factor.BEHAVIOUR, 0]
    assert not p.court_default[0] and p.debt[0] > 0  # the debt stays; its clock restarted on day 90
    sim.run(until=180)  # day 179: 89 days after the appeal
    assert not p.court_default[0]
    sim.step()  # day 180: 90 days after the appeal, in default again; protected from listing until 270
    assert p.court_default[0] and not p.blacklisted[0]


def test_paying_the_debt_delists_and_takes_the_name_down():
    sim = make_sim(
        n=10,
        days=200,
        enabled=("payments", "lists", "shaming"),
        population={"free_rider_share": 0.0},
        payments={"sue_prob": 1.0, "litigation_days": 30},
    )
    p = sim.people
    p.free_rider[3] = True  # misses every bill
    p.income[3] = 10**6  # and can pay: the court lists it
    while not p.blacklisted[3]:
        sim.step()
    assert p.list_kind[3] == ListKind.COURT and p.list_cause[3] == Cause.FREE_RIDING
    assert p.publicly_shamed[3]  # broadcast on the day of listing
    p.free_rider[3] = False  # it pays now: on its next bill day it settles everything
    while p.debt[3] > 0:
        assert p.blacklisted[3] and p.publicly_shamed[3]
        sim.step()
    assert (sim.day - 1) % 30 == p.bill_day[3]  # paid on its bill day, and M9 delisted it the same day ...
    assert not p.court_default[3] and not p.blacklisted[3] and p.list_kind[3] == ListKind.NONE
    assert not p.publicly_shamed[3]  # ... which ended the broadcast
    assert not p.blacklisted[np.arange(10) != 3].any()


def test_state_specs_are_unique_and_owned():
    table = engine.owners()
    assert table["memory"] == ("interactions", next(s for s in MECHANISMS[5].states if s.name == "memory"))
    assert table["factors"][0] == "record" and table["trust"][0] == "population"
    assert isinstance(table["speech_kept"][1], StateSpec)


def test_a_loaded_edge_lists_ids_reach_the_results_and_the_run_folder(tmp_path):
    import pyarrow.parquet as pq

    from socialcredit.engine import Simulation

    edges = tmp_path / "edges.csv"
    edges.write_text("source,target\nann,bob\nbob,cy\ncy,dee\n")
    sim = Simulation("none", days=3, overrides={"network": {"edge_list": str(edges)}})
    results = sim.run()
    assert list(results.node_ids) == ["ann", "bob", "cy", "dee"]
    folder = results.save(tmp_path / "run", figures=False)
    table = pq.read_table(folder / "citizens.parquet").to_pydict()
    assert table == {"citizen": [0, 1, 2, 3], "id": ["ann", "bob", "cy", "dee"]}
