"""The scenario: one Pydantic schema for every parameter, loaded from TOML with overrides.

A scenario file (or a shipped regime preset) overrides the defaults; `base = "NAME"` builds
on another preset first. Every error becomes one `InputError` line naming the file, the key
and the allowed values.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import tomli_w
from pydantic import BaseModel, Field, ValidationError

from socialcredit.core import Params
from socialcredit.errors import InputError
from socialcredit.mechanisms import MECHANISMS
from socialcredit.mechanisms.adaptation import AdaptationParams
from socialcredit.mechanisms.appeals import AppealsParams
from socialcredit.mechanisms.data_collection import DataCollectionParams
from socialcredit.mechanisms.interactions import InteractionsParams
from socialcredit.mechanisms.life_events import LifeEventsParams
from socialcredit.mechanisms.lists import ListsParams
from socialcredit.mechanisms.payments import PaymentsParams
from socialcredit.mechanisms.posts import PostsParams
from socialcredit.mechanisms.purchases import PurchasesParams
from socialcredit.mechanisms.reports import ReportsParams
from socialcredit.mechanisms.score import ScoreParams
from socialcredit.mechanisms.shaming import ShamingParams
from socialcredit.society.network import NetworkParams
from socialcredit.society.population import PopulationParams


class RunParams(Params):
    """How long, how large, which seed, how often to record."""

    population: int = Field(10_000, ge=1, le=100_000_000, description="number of citizens")
    days: int = Field(365, ge=1, le=36_500, description="simulated days")
    seed: int = Field(1, ge=0, le=2**63 - 1, description="master seed; every random stream is spawned from it")
    record_every: int = Field(7, ge=1, description="record the time series every k days")
    replicates: int = Field(
        1, ge=1, le=1000, description="seeds (seed, seed + 1, ...) an experiment such as compare runs by default"
    )
    scale_to: int | None = Field(None, ge=1, description="also report counts scaled to this national population")


class Scenario(Params):
    """A complete, validated parameter set: run settings, society, every mechanism (one section
    each, named as the mechanism, in the order they run)."""

    regime: str = Field("custom", description="name of the preset or file this came from")
    description: str = Field("", description="one line on what this scenario encodes")
    run: RunParams = Field(default_factory=RunParams)
    population: PopulationParams = Field(default_factory=PopulationParams)
    network: NetworkParams = Field(default_factory=NetworkParams)
    data_collection: DataCollectionParams = Field(default_factory=DataCollectionParams)
    life_events: LifeEventsParams = Field(default_factory=LifeEventsParams)
    payments: PaymentsParams = Field(default_factory=PaymentsParams)
    purchases: PurchasesParams = Field(default_factory=PurchasesParams)
    posts: PostsParams = Field(default_factory=PostsParams)
    interactions: InteractionsParams = Field(default_factory=InteractionsParams)
    reports: ReportsParams = Field(default_factory=ReportsParams)
    score: ScoreParams = Field(default_factory=ScoreParams)
    lists: ListsParams = Field(default_factory=ListsParams)
    shaming: ShamingParams = Field(default_factory=ShamingParams)
    appeals: AppealsParams = Field(default_factory=AppealsParams)
    adaptation: AdaptationParams = Field(default_factory=AdaptationParams)


SECTIONS = ("regime", "description", "run", "population", "network", *(m.name for m in MECHANISMS))
assert tuple(Scenario.model_fields) == SECTIONS and all(
    Scenario.model_fields[m.name].annotation is m.Params for m in MECHANISMS
), "Scenario must have one section per mechanism, typed by its Params, in MECHANISMS order"

REGIME_PACKAGE = "socialcredit.regimes"


def regime_names() -> list[str]:
    """The shipped presets, by name."""
    files = resources.files(REGIME_PACKAGE).iterdir()
    return sorted(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml"))


def regime_text(name: str) -> str:
    """The TOML text of a shipped preset, comments and all."""
    if name not in regime_names():
        raise InputError(f"unknown regime {name!r}; allowed: {', '.join(regime_names())} (or a path to a .toml file)")
    return resources.files(REGIME_PACKAGE).joinpath(f"{name}.toml").read_text(encoding="utf-8")


def _parse_toml(text: str, label: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{label}: malformed TOML: {exc}") from None
    except RecursionError:
        raise InputError(f"{label}: malformed TOML: nested too deeply") from None


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML file of the user's (a scenario, targets, patterns): any problem is one line naming it."""
    if not path.is_file():
        raise InputError(f"{path}: {what} file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    return _parse_toml(text, str(path))


MAX_BASES = 64  # files one scenario may build on, in a chain


def _raw(source: str | Path, seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    """The merged raw dict of a preset name or TOML path, following `base` chains."""
    if len(seen) >= MAX_BASES:
        raise InputError(f"{seen[-1]}: key 'base' chains more than {MAX_BASES} files; allowed: at most {MAX_BASES}")
    path = Path(source)
    if path.suffix == ".toml" or path.exists():
        label, data = str(path), read_toml(path, "scenario")
        data.setdefault("regime", path.stem)
        _resolve_edge_list(data, path.parent, label)
    else:
        label = f"regime {source}"
        data = _parse_toml(regime_text(str(source)), f"{source}.toml")
    base = data.pop("base", None)
    if base is None:
        return data, label
    if not isinstance(base, str):
        raise InputError(f"{label}: key 'base' must be a regime name or a .toml path")
    if path.is_file() and not Path(base).is_absolute() and base.endswith(".toml"):
        base = str((path.parent / base).resolve())
    here = str(path.resolve()) if path.is_file() else str(source)
    if base in (*seen, here):
        raise InputError(f"{label}: key 'base' makes a cycle: {' -> '.join((*seen, here, base))}")
    base_data, _ = _raw(base, (*seen, here))
    return deep_merge(base_data, data), label


def _resolve_edge_list(data: dict[str, Any], folder: Path, label: str) -> None:
    """`network.edge_list` relative to `folder` (the file naming it, or the working folder for
    --set), made absolute, so a scenario runs from anywhere and its saved copy does too."""
    network = data.get("network")
    if not isinstance(network, dict) or not isinstance(network.get("edge_list"), str):
        return
    edge_list = Path(network["edge_list"]).expanduser()
    if not edge_list.is_absolute():
        edge_list = folder / edge_list
    network["edge_list"] = str(edge_list.resolve())


def edge_list_hash(scenario: Any) -> str | None:
    """The sha256 of the scenario's edge-list file (None without one or if it cannot be read)."""
    path = scenario.network.edge_list
    if not path:
        return None
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def parse_set(assignments: Iterable[str]) -> dict[str, Any]:
    """`section.key=value` strings as a nested dict; values are TOML literals or bare strings."""
    dotted: dict[str, Any] = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(f"--set {item!r}: expected section.key=value")
        try:
            dotted[key] = tomllib.loads(f"v = {value.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            dotted[key] = value.strip()
    return nest(dotted)


def nest(dotted: Mapping[str, Any]) -> dict[str, Any]:
    """{"section.key": value} as {"section": {"key": value}} (later keys win)."""
    out: dict[str, Any] = {}
    for key, value in dotted.items():
        node = out
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise InputError(f"--set {key}: {part!r} is set twice as a value and a section")
        node[leaf] = value
    return out


def load_scenario(
    source: BaseModel | str | Path | None = None,
    overrides: Iterable[str] | Mapping[str, Any] = (),
    **run: Any,
) -> Scenario:
    """Defaults, then a preset or file (with its bases) or a scenario, then `--set` overrides,
    then run options.

    `run` takes the `[run]` keys directly (population=, days=, seed=, ...); None is ignored.
    A scenario given as an object without overrides is returned as it is.
    """
    if isinstance(overrides, str):  # one assignment, not its characters
        overrides = [overrides]
    given = {k: v for k, v in run.items() if v is not None}
    if isinstance(source, BaseModel):
        if not overrides and not given:
            return source  # type: ignore[return-value]
        data, label = source.model_dump(), f"scenario {getattr(source, 'regime', '')}"
    else:
        data, label = _raw(source) if source is not None else ({}, "defaults")
    extra = parse_set(overrides) if not isinstance(overrides, Mapping) else dict(overrides)
    _resolve_edge_list(extra, Path.cwd(), "--set")
    data = deep_merge(data, extra)
    if given:
        data = deep_merge(data, {"run": given})
    if extra or given:
        label = f"{label} (with overrides)"
    scenario = validate(data, label)
    run_extra: dict[str, Any] = extra["run"] if isinstance(extra.get("run"), dict) else {}
    asked = given.get("population", run_extra.get("population"))
    if scenario.network.edge_list and asked is not None:
        raise InputError(
            f"{label}: population {asked} given, but network.edge_list = {scenario.network.edge_list!r} "
            "sets the population (one citizen per id); drop -n/--population or run.population"
        )
    return scenario


def load_regime(name: str, **run: Any) -> Scenario:
    """A shipped preset by name, e.g. `load_regime("financial-credit")`."""
    regime_text(name)  # unknown names fail with the list of presets
    return load_scenario(name, **run)


def validate(data: Mapping[str, Any], label: str) -> Scenario:
    """Strict types: `enabled = "yes"`, `population = true` or `"600"` for a number are errors,
    not coerced (values are TOML literals)."""
    try:
        return Scenario.model_validate(data, strict=True)
    except ValidationError as exc:
        raise InputError(f"{label}: {_describe(exc.errors()[0])}") from None


def _describe(error: Mapping[str, Any]) -> str:
    loc = [str(p) for p in error["loc"]]
    # A key is shown as written unless it holds a character a one-line message cannot show as is.
    key = ".".join(part if part.isprintable() else repr(part) for part in loc) or "(top level)"
    kind = error["type"]
    if kind == "extra_forbidden":
        valid = valid_keys(loc[:-1])
        guess = difflib.get_close_matches(loc[-1], valid, n=1)
        hint = f"; did you mean '{'.'.join([*loc[:-1], guess[0]])}'?" if guess else ""
        return f"unknown key '{key}'{hint} (valid keys here: {', '.join(valid)})"
    if kind == "missing":
        return f"missing key '{key}'"
    allowed = allowed_values(loc)
    shown = error.get("input")
    got = f" = {shown!r}" if not isinstance(shown, Mapping) else ""
    if kind == "literal_error" and allowed:
        return f"{key}{got} is not allowed; allowed: {allowed}"
    if kind == "value_error":
        return f"{key}: {error['msg'].removeprefix('Value error, ')}"
    return f"{key}{got} is not allowed: {error['msg'].lower()}" + (f"; allowed: {allowed}" if allowed else "")


def field_info(loc: list[str]):  # -> FieldInfo | None
    """The schema field at a key path (e.g. ["posts", "false_positive_rate"]), or None."""
    model: Any = Scenario
    info = None
    for part in loc:
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return info if part.isdigit() else None
        info = fields[part]
        model = info.annotation
    return info


def valid_keys(section: list[str]) -> list[str]:
    model: Any = Scenario
    for part in section:
        model = model.model_fields[part].annotation
    return sorted(model.model_fields)


def allowed_values(loc: list[str]) -> str:
    """A human description of what a key accepts, from its type and constraints."""
    info = field_info(loc)
    if info is None:
        return ""
    bounds = {}
    for meta in info.metadata:
        for name in ("ge", "gt", "le", "lt"):
            if getattr(meta, name, None) is not None:
                bounds[name] = getattr(meta, name)
    lower = f"{bounds['ge']} <= " if "ge" in bounds else (f"{bounds['gt']} < " if "gt" in bounds else "")
    upper = f" <= {bounds['le']}" if "le" in bounds else (f" < {bounds['lt']}" if "lt" in bounds else "")
    choices = _choices(info.annotation)
    if choices:
        return "one of " + ", ".join(repr(c) for c in choices)
    kind = getattr(info.annotation, "__name__", str(info.annotation))
    if lower or upper:
        return f"{kind} with {lower}value{upper}"
    return str(kind).replace("typing.", "")


def _choices(annotation: Any) -> tuple[Any, ...]:
    """The values of a Literal (or a list of Literals), else ()."""
    if get_origin(annotation) is Literal:
        return get_args(annotation)
    if get_origin(annotation) is list and get_args(annotation):
        return _choices(get_args(annotation)[0])
    return ()


def to_toml(scenario: BaseModel) -> str:
    """The fully resolved scenario as TOML (None values, meaning 'off', are left out)."""
    header = (
        "# Fully resolved scenario written by socialcredit: every parameter, defaults included.\n"
        "# Run it again with: socialcredit run THIS_FILE\n\n"
    )
    return header + tomli_w.dumps(scenario.model_dump(mode="json", exclude_none=True))


def parameters_hash(scenario: Any) -> str:
    """A stable hash of every parameter, for the manifest and for caching."""
    data = scenario.model_dump(mode="json")
    if scenario.network.edge_list:  # the network is the file's content, not its name
        data["edge_list_sha256"] = edge_list_hash(scenario)
    blob = json.dumps(data, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
