"""The scenario schema: defaults, presets, inheritance, overrides and one-line errors."""

from __future__ import annotations

import pytest

from socialcredit.errors import InputError
from socialcredit.scenario import load_regime, load_scenario, parse_set, regime_names, to_toml


def test_defaults_validate_and_every_preset_loads():
    assert load_scenario().run.population == 10_000
    for name in regime_names():
        scenario = load_regime(name)
        assert scenario.regime == name
        assert scenario.description


def test_preset_overrides_defaults():
    fc = load_regime("financial-credit")
    assert fc.lists.sanctions == ["loans"]
    assert fc.score.weights.vector()[0] == pytest.approx(1.0)


def test_set_overrides_parse_toml_literals():
    data = parse_set(["payments.grace_days=30", "lists.sanctions=['loans','flights']", "regime=mine"])
    assert data == {"payments": {"grace_days": 30}, "lists": {"sanctions": ["loans", "flights"]}, "regime": "mine"}
    scenario = load_scenario("financial-credit", ["payments.grace_days=30"], population=50)
    assert scenario.payments.grace_days == 30 and scenario.run.population == 50


def test_unknown_key_suggests_the_closest(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("[payments]\ngrace_day = 10\n")
    with pytest.raises(InputError) as exc:
        load_scenario(path)
    message = str(exc.value)
    assert str(path) in message and "payments.grace_day" in message and "did you mean 'payments.grace_days'" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("data_collection.coverage.payments=1.5", "<= 1"),
        ("run.population=0", "1 <= value"),
        ("run.days=0", "1 <= value"),
        ("score.low=900", "low must be below"),
        ("appeals.legitimate_causes=['luck']", "health"),
    ],
)
def test_out_of_range_names_key_and_allowed_values(override, expected):
    with pytest.raises(InputError) as exc:
        load_scenario("financial-credit", [override])
    assert override.split("=")[0].rsplit(".", 1)[0].split(".")[0] in str(exc.value)
    assert expected in str(exc.value)


def test_unknown_regime_lists_the_presets():
    with pytest.raises(InputError, match=r"allowed: .*financial-credit"):
        load_scenario("no-such-regime")


def test_malformed_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[run\npopulation = 3\n")
    with pytest.raises(InputError, match="malformed TOML"):
        load_scenario(path)


def test_base_inheritance_and_cycles(tmp_path):
    child = tmp_path / "child.toml"
    child.write_text('base = "financial-credit"\n[lists]\nsanctions = ["loans", "flights"]\n')
    scenario = load_scenario(child)
    assert scenario.lists.sanctions == ["loans", "flights"]
    assert scenario.lists.score_blacklist_below == 500.0  # inherited
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text('base = "b.toml"\n')
    b.write_text('base = "a.toml"\n')
    with pytest.raises(InputError, match="cycle"):
        load_scenario(a)


def test_resolved_toml_round_trips(tmp_path):
    scenario = load_scenario("financial-credit", ["payments.grace_days=45"])
    path = tmp_path / "resolved.toml"
    path.write_text(to_toml(scenario))
    assert load_scenario(path).model_dump() == scenario.model_dump()
