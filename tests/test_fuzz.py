"""Property-based tests of every input surface (Hypothesis): each input is accepted, or
refused with one line (file or flag, key, what is allowed) and exit status 2 — never a
traceback, never exit 1, never a folder that looks complete.

Generated from the schema itself (`Scenario.model_fields`), so a new parameter is fuzzed
without a new test. Profiles in conftest.py: `ci` (fixed, in make test), `long` on demand.
"""

from __future__ import annotations

import contextlib
import io
import math
import sys
from typing import Any, Literal, get_args, get_origin

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import tomli_w
from hypothesis import event, given
from hypothesis import strategies as st
from pydantic import BaseModel

from socialcredit.errors import InputError
from socialcredit.scenario import Scenario, load_scenario, parse_set

WEIRD = st.one_of(
    st.just(float("nan")),
    st.just(float("inf")),
    st.just(float("-inf")),
    st.just(1e308),
    st.just(-1),
    st.just(2**63),
    st.just(2**64),
    st.just(10**30),
    st.just(0),
    st.text(max_size=8),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def _leaves(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out += _leaves(annotation, (*prefix, name))
        else:
            out.append(((*prefix, name), info))
    return out


LEAVES = [(path, info) for path, info in _leaves(Scenario) if path[0] not in ("network",) or path[-1] != "edge_list"]


def _valid(info: Any) -> st.SearchStrategy:
    """Values inside a field's declared type and bounds."""
    annotation = info.annotation
    bounds = {
        k: getattr(m, k) for m in info.metadata for k in ("ge", "gt", "le", "lt") if getattr(m, k, None) is not None
    }
    choices = get_args(annotation) if get_origin(annotation) is Literal else ()
    if choices:
        return st.sampled_from(choices)
    if get_origin(annotation) is list:
        inner = get_args(annotation)[0]
        return st.lists(st.sampled_from(get_args(inner)), max_size=3) if get_origin(inner) is Literal else st.just([])
    if annotation is bool:
        return st.booleans()
    low = bounds.get("ge", bounds.get("gt", -1e6))
    high = bounds.get("le", bounds.get("lt", 1e6))
    if annotation is int or annotation == int | None:
        return st.integers(math.ceil(low), int(min(high, 10**6)))
    if annotation is str or annotation == str | None:
        return st.text(max_size=10)
    return st.floats(float(low), float(min(high, 1e6)), allow_nan=False)


@st.composite
def scenario_trees(draw: st.DrawFn) -> dict[str, Any]:
    """A few keys of the schema with valid or hostile values, and maybe an unknown key or section."""
    tree: dict[str, Any] = {}
    for path, info in draw(st.lists(st.sampled_from(LEAVES), min_size=1, max_size=4)):
        value = draw(st.one_of(_valid(info), WEIRD))
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[path[-1]] = value
    if draw(st.booleans()):
        tree[draw(st.sampled_from(["nosuch", "score", "run"]))] = {draw(st.text(min_size=1, max_size=6)): 1}
    return tree


def _one_clean_line(exc: InputError) -> None:
    text = str(exc)
    assert text and "\n" not in text and "Traceback" not in text
    event("refused with one line")  # counted by --hypothesis-show-statistics


def _finite(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return not isinstance(value, float) or math.isfinite(value)


@given(scenario_trees())
def test_scenario_trees_validate_or_fail_with_one_line(tree):
    try:
        scenario = load_scenario(None, tree)
    except InputError as exc:
        _one_clean_line(exc)
    else:  # accepted: nothing that would poison results (NaN, infinities) got through
        assert _finite(scenario.model_dump())


@given(scenario_trees())
def test_scenario_files_load_or_name_the_file(tmp_path_factory, tree):
    path = tmp_path_factory.mktemp("toml") / "mine.toml"
    try:
        path.write_text(tomli_w.dumps(tree))
    except (TypeError, ValueError):  # not representable in TOML (NaN keys, None): write garbage instead
        path.write_text(repr(tree))
    try:
        load_scenario(path)
    except InputError as exc:
        _one_clean_line(exc)
        assert str(path) in str(exc) or "regime" in str(exc)


@given(st.binary(max_size=200))
def test_binary_and_mutated_files_fail_with_one_line(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("bin") / "junk.toml"
    path.write_bytes(blob)
    try:
        load_scenario(path)
    except InputError as exc:
        _one_clean_line(exc)


@given(
    st.lists(st.text(max_size=30), max_size=3),
    st.sampled_from([f"{'.'.join(p)}=" for p, _ in LEAVES]),
    st.text(max_size=12),
)
def test_set_strings_apply_or_fail_with_one_line(raw, key, value):
    try:
        load_scenario("scs", [*raw, key + value])
    except InputError as exc:
        _one_clean_line(exc)


def _cli(*args: str) -> tuple[int, str]:
    from socialcredit.cli import main

    err = io.StringIO()
    argv, sys.argv = sys.argv, ["socialcredit", *args]
    code = 0
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            main()
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 2
    finally:
        sys.argv = argv
    event(f"exit {code}")
    return code, err.getvalue()


def _capped(value: object, cap: int) -> str:
    """A valid positive number capped at `cap` (so the run stays small); anything else as given."""
    return str(min(value, cap)) if isinstance(value, int) and value > 0 else str(value)


NUMBERS = st.one_of(
    st.integers(-3, 3),
    st.sampled_from([0, 1, 36_500, 36_501, 100_000_001, 2**63, 2**64, -(2**63)]),
    st.text(max_size=5),
)


@given(NUMBERS, NUMBERS, NUMBERS)
def test_cli_numbers_run_or_exit_2_without_a_traceback(tmp_path_factory, population, days, seed):
    out = tmp_path_factory.mktemp("cli") / "run"
    code, err = _cli(
        "run", "none", "-n", _capped(population, 60), "-d", _capped(days, 3), "-s", str(seed), "--out", str(out)
    )
    assert code in (0, 2) and "Traceback" not in err, err
    if code == 2:
        assert not (out / "summary.json").exists()


@given(NUMBERS, NUMBERS)
def test_compare_burn_in_and_replicates_run_or_exit_2_with_one_line(tmp_path_factory, burn_in, replicates):
    out = tmp_path_factory.mktemp("cli") / "cmp"
    code, err = _cli(
        "compare", "none", "-n", "60", "-d", "3", "--burn-in", _capped(burn_in, 3), "-r", _capped(replicates, 2),
        "--out", str(out),
    )  # fmt: skip
    assert code in (0, 2) and "Traceback" not in err, err
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err
        assert not out.exists()


IDS = st.one_of(st.integers(-5, 5), st.sampled_from([2**31, 2**40]), st.text(max_size=3), st.just(""), st.none())


@given(
    st.lists(st.tuples(IDS, IDS), max_size=12),
    st.sampled_from(["source,target", "source,target,layer", "src,dst", "target", ""]),
    st.booleans(),
)
def test_edge_lists_load_or_fail_with_one_line(tmp_path_factory, rows, header, parquet):
    from socialcredit.society.network import load_edge_list

    folder = tmp_path_factory.mktemp("edges")
    columns = [c for c in header.split(",") if c]
    if parquet:
        path = folder / "edges.parquet"
        data = {c: [str(r[i % 2]) if r[i % 2] is not None else None for r in rows] for i, c in enumerate(columns)}
        if "layer" in data:
            data["layer"] = ["friendship"] * len(rows)
        try:
            pq.write_table(pa.table(data) if data else pa.table({"x": [1]}), path)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return
    else:
        path = folder / "edges.csv"
        lines = [header, *(",".join("" if v is None else str(v) for v in r) for r in rows)]
        path.write_text("\n".join(lines) + "\n")
    try:
        network, ids = load_edge_list(path)
        assert network.n == len(ids) and np.all(network.indices < network.n)
    except InputError as exc:
        _one_clean_line(exc)
        assert str(path) in str(exc)


@given(st.lists(st.text(max_size=25), min_size=1, max_size=3))
def test_sweep_grids_and_ranges_plan_or_fail_with_one_line(items):
    from socialcredit.experiments import sweep as sw

    for parse in (sw.parse_grid, sw.parse_ranges):
        try:
            parsed = parse(items)
            if parse is sw.parse_grid:
                sw.plan("none", sw.grid_design(parsed), 1, 1, {})
        except InputError as exc:
            _one_clean_line(exc)


@given(st.text(max_size=40))
def test_theory_mixes_parse_or_fail_with_one_line(text):
    from socialcredit.experiments.theory import parse_mix

    try:
        mix = parse_mix(text)
        assert abs(sum(mix) - 1) < 1e-6
    except InputError as exc:
        _one_clean_line(exc)


@given(
    scenario_trees(),
    st.lists(
        st.dictionaries(
            st.sampled_from(["metric", "value", "tolerance", "key", "low", "high", "x"]), WEIRD, max_size=4
        ),
        max_size=2,
    ),
)
def test_calibration_targets_files_read_or_fail_with_one_line(tmp_path_factory, tree, tables):
    from socialcredit.experiments.calibrate import read_plan

    path = tmp_path_factory.mktemp("targets") / "targets.toml"
    try:
        path.write_text(tomli_w.dumps({"scenario": "none", "target": tables, "parameter": tables}))
    except (TypeError, ValueError):
        path.write_text("scenario = 'none'\n[[target]]\nmetric = 3\n")
    try:
        read_plan(path)
    except InputError as exc:
        _one_clean_line(exc)


@given(st.binary(max_size=300))
def test_checkpoint_files_load_or_fail_with_one_line(tmp_path_factory, blob):
    from socialcredit import checkpoint

    path = tmp_path_factory.mktemp("ck") / "x.npz"
    path.write_bytes(blob)
    with pytest.raises(InputError) as caught:
        checkpoint.read_meta(path)
    _one_clean_line(caught.value)


def test_parse_set_never_splits_a_string_into_characters():
    assert parse_set(["run.days=5"]) == {"run": {"days": 5}}


FLOAT_LEAVES = [path for path, info in LEAVES if info.annotation in (float, float | None)]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_every_float_parameter_refuses_nan_and_infinities(bad):
    assert len(FLOAT_LEAVES) > 50
    for path in FLOAT_LEAVES:
        tree: dict[str, Any] = {}
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = bad
        with pytest.raises(InputError, match=path[-1]) as caught:
            load_scenario(None, tree)
        _one_clean_line(caught.value)


def _shipped_patterns() -> dict[str, Any]:
    import tomllib
    from importlib.resources import files

    return tomllib.loads(files("socialcredit.validation").joinpath("patterns.toml").read_text())


PATTERN_KEYS = ("id", "name", "source", "role", "quantity", "experiment", "target", "direction", "tolerance", "x")


@given(
    st.integers(0, 40),
    st.sampled_from(PATTERN_KEYS),
    st.one_of(WEIRD, st.dictionaries(st.sampled_from(["kind", "regime", "days", "values", "x"]), WEIRD, max_size=3)),
    st.booleans(),
)
def test_pattern_files_read_or_fail_with_one_line(tmp_path_factory, which, key, value, drop):
    """The shipped validation suite with one pattern's key changed or dropped: read, or one line naming the file."""
    from socialcredit.experiments.validate import read_suite

    data = _shipped_patterns()
    pattern = data["pattern"][which % len(data["pattern"])]
    if drop:
        pattern.pop(key, None)
    else:
        pattern[key] = value
    path = tmp_path_factory.mktemp("patterns") / "patterns.toml"
    try:
        path.write_text(tomli_w.dumps(data))
    except (TypeError, ValueError):  # not representable in TOML: a file the reader must refuse
        path.write_text(repr(data)[:400])
    try:
        read_suite(path)
    except InputError as exc:
        _one_clean_line(exc)
        assert str(path) in str(exc)
