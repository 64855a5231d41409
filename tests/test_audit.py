"""The Art. 5(1)(c) audit follows the parameters, never the regime's name."""

from __future__ import annotations

import json
import subprocess
import sys

from socialcredit.experiments.audit import audit
from socialcredit.scenario import load_scenario


def clauses(scenario):
    return {c.clause: c for c in audit(scenario).clauses}


def test_presets_verdicts():
    assert audit(load_scenario("scs")).prohibited
    assert audit(load_scenario("cultural-revolution")).prohibited
    assert not audit(load_scenario("eu-ai-act")).prohibited
    assert not audit(load_scenario("financial-credit")).prohibited
    assert not clauses(load_scenario("none"))["5(1)(c)"].met


def test_cross_context_sanctions_added_to_financial_credit_are_flagged(tmp_path):
    custom = tmp_path / "credit-plus-travel.toml"
    custom.write_text(
        'base = "financial-credit"\nregime = "financial-credit"\n[lists]\nsanctions = ["loans", "flights"]\n'
    )
    result = audit(load_scenario(custom))
    assert result.prohibited
    (i,) = [c for c in result.clauses if c.clause == "5(1)(c)(i)"]
    assert any("flights" in reason and "score_blacklist_below" in reason for reason in i.because)


def test_each_trigger_names_its_parameter():
    base = load_scenario("eu-ai-act")
    assert not audit(base).prohibited
    for override, clause, needle in [
        (["score.weights.relationships=0.1"], "5(1)(c)(ii)", "score.weights.relationships"),
        (["shaming.enabled=true"], "5(1)(c)(i)", "shaming.coverage"),
        (["appeals.enabled=false"], "5(1)(c)(ii)", "appeals.enabled"),
        (["lists.sanctions=['loans','trains','civil_service_jobs']"], "5(1)(c)(i)", "trains"),
        (["reports.enabled=true", "reports.unverified='accept'"], "5(1)(c)(ii)", "reports.unverified"),
    ]:
        found = clauses(load_scenario("eu-ai-act", override))[clause]
        assert found.met, override
        assert any(needle in reason for reason in found.because), (override, found.because)


def test_the_name_is_not_read(tmp_path):
    renamed = tmp_path / "x.toml"
    renamed.write_text('base = "scs"\nregime = "eu-ai-act"\n')
    assert audit(load_scenario(renamed)).prohibited


def test_cli_json():
    done = subprocess.run(
        [sys.executable, "-m", "socialcredit", "audit", "scs", "--json"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0
    result = json.loads(done.stdout)
    assert result["prohibited"] is True and {c["clause"] for c in result["clauses"]} == {
        "5(1)(c)",
        "5(1)(c)(i)",
        "5(1)(c)(ii)",
    }
