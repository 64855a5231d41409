"""The theory check (SPEC §7): the simulated donation game against mean-field theory.

Every norm under every kind of monitoring is simulated with several error rates and mixes,
and every measured reputation, cooperation rate and payoff must sit within
4 standard errors (batch means) + a finite-population allowance of the analytic value.
4 SE is a two-sided 6e-5 chance per comparison, so ~300 comparisons pass by chance with
probability > 98% if the code is right; the allowance (1/(N-1), or (b+c)/(N-1) for
payoffs) bounds the O(1/N) effects the infinite-N theory leaves out (see
`finite_size_allowance`). A negative control checks the same tolerance rejects the wrong
theory, so the comparison has teeth.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import NamedTuple

import numpy as np
import pytest
from typer.testing import CliRunner

import socialcredit.cli.theory  # noqa: F401  (registers the command)
from socialcredit.cli.app import app
from socialcredit.errors import InputError
from socialcredit.experiments import theory as th
from socialcredit.reputation import NORMS, Strategy, carry_out, intend_help, judge, norm_table

# --- shared primitives ---------------------------------------------------------------------


def test_norm_tables_are_the_textbook_ones() -> None:
    # [helped, recipient_good]: rows refuse/help, columns bad/good recipient
    expected = {
        "image-scoring": [[0, 0], [1, 1]],
        "simple-standing": [[1, 0], [1, 1]],
        "stern-judging": [[1, 0], [0, 1]],
        "shunning": [[0, 0], [0, 1]],
    }
    assert set(NORMS) == set(expected)
    for norm, table in expected.items():
        np.testing.assert_array_equal(norm_table(norm), np.array(table, dtype=bool))


def test_unknown_norm_is_one_line_naming_the_allowed_values() -> None:
    with pytest.raises(InputError) as info:
        norm_table("tit-for-tat")
    message = str(info.value)
    assert "\n" not in message and "tit-for-tat" in message
    assert all(norm in message for norm in NORMS)


def test_intend_help_by_strategy_and_view() -> None:
    strategy = np.array([Strategy.DISCRIMINATOR, Strategy.COOPERATOR, Strategy.DEFECTOR])[:, None]
    seen = np.array([[True, False]])
    np.testing.assert_array_equal(intend_help(strategy, seen), [[True, False], [True, True], [False, False]])


def test_execution_error_only_ever_turns_help_into_refusal() -> None:
    rng = np.random.default_rng(1)
    intended = rng.random(200_000) < 0.6
    helped = carry_out(intended, 0.1, rng)
    assert not (helped & ~intended).any()
    n = intended.sum()
    failed = (intended & ~helped).sum()
    assert abs(failed - 0.1 * n) < 5 * math.sqrt(n * 0.1 * 0.9)
    np.testing.assert_array_equal(carry_out(intended, 0.0, rng), intended)


def test_assessment_error_flips_the_norm_verdict() -> None:
    rng = np.random.default_rng(2)
    helped = rng.random(200_000) < 0.5
    good = rng.random(200_000) < 0.5
    exact = judge(helped, good, "stern-judging", 0.0, rng)
    np.testing.assert_array_equal(exact, helped == good)
    flipped = (judge(helped, good, "stern-judging", 0.2, rng) != exact).sum()
    assert abs(flipped - 0.2 * helped.size) < 5 * math.sqrt(helped.size * 0.2 * 0.8)


# --- analytic solver ---------------------------------------------------------------------

ERRORS = [(0.0, 0.01), (0.01, 0.0), (0.02, 0.02), (0.05, 0.01), (0.1, 0.1), (0.3, 0.2)]


@pytest.mark.parametrize("e1, e2", ERRORS)
@pytest.mark.parametrize("monitoring", ["public", "private"])
@pytest.mark.parametrize("norm", NORMS)
def test_solver_matches_closed_forms_for_discriminators(norm: str, monitoring: str, e1: float, e2: float) -> None:
    params = th.TheoryParams(
        norm=norm, monitoring=monitoring, mix=(1.0, 0.0, 0.0), execution_error=e1, assessment_error=e2
    )
    solved = th.predict(params).good_all
    assert solved == pytest.approx(th.closed_form_disc(norm, monitoring, e1, e2), abs=1e-9)


def test_without_errors_everyone_stays_good() -> None:
    for norm in NORMS:
        for monitoring in th.MONITORING:
            params = th.TheoryParams(norm=norm, monitoring=monitoring, mix=(1.0, 0.0, 0.0))
            assert th.predict(replace(params, execution_error=0.0, assessment_error=0.0)).good_all == 1.0


def test_private_stern_judging_settles_at_one_half_for_any_mix() -> None:
    for mix in [(1.0, 0.0, 0.0), (0.5, 0.3, 0.2), (0.2, 0.1, 0.7)]:
        params = th.TheoryParams(norm="stern-judging", monitoring="private", mix=mix, execution_error=0.07)
        np.testing.assert_allclose(th.predict(params).good, 0.5, atol=1e-9)


def test_institution_of_one_member_is_public_monitoring() -> None:
    for norm in NORMS:
        public = th.TheoryParams(norm=norm, execution_error=0.05, assessment_error=0.03)
        one = replace(public, monitoring="institution", members=1, quorum=0.4)
        np.testing.assert_allclose(th.predict(one).good, th.predict(public).good, atol=1e-10)


def test_institution_quorum_is_the_binomial_tail() -> None:
    # Q = 3, quorum 0.5: good when at least 2 of 3 judge good, P = 3p^2 - 2p^3, with p the
    # public-monitoring chance one judge says good: image scoring, all DISC, p = eps g + e2 (1 - g).
    e1, e2 = 0.03, 0.04
    params = th.TheoryParams(norm="image-scoring", monitoring="institution", members=3, quorum=0.5, mix=(1.0, 0.0, 0.0))
    params = replace(params, execution_error=e1, assessment_error=e2)
    g = th.predict(params).good_all
    eps = (1 - e1) * (1 - e2) + e1 * e2
    p = eps * g + e2 * (1 - g)
    assert g == pytest.approx(3 * p**2 - 2 * p**3, abs=1e-10)
    assert g > 0.9  # the cooperative state reached from everyone good


def test_payoffs_add_up_to_welfare() -> None:
    for monitoring in th.MONITORING:
        params = th.TheoryParams(monitoring=monitoring, mix=(0.5, 0.3, 0.2), norm="simple-standing")
        pred = th.predict(params)
        welfare = params.fractions() @ pred.payoff
        assert welfare == pytest.approx((params.benefit - params.cost) * pred.cooperation_rate, abs=1e-12)


def test_relaxation_time_of_a_linear_map() -> None:
    # public image scoring, all DISC: g' = (eps - e2) g + e2, so rho = eps - e2
    e1, e2 = 0.05, 0.05
    params = th.TheoryParams(norm="image-scoring", mix=(1.0, 0.0, 0.0), execution_error=e1, assessment_error=e2)
    rho = (1 - e1) * (1 - e2) + e1 * e2 - e2
    assert th.relaxation_time(params, th.predict(params).good) == pytest.approx((1 + rho) / (1 - rho), rel=1e-5)


def test_batch_means_standard_error_on_known_series() -> None:
    rng = np.random.default_rng(3)
    n, rho = 40_000, 0.8
    noise = rng.normal(size=n)
    series = np.empty(n)
    series[0] = noise[0] / math.sqrt(1 - rho**2)
    for t in range(1, n):
        series[t] = rho * series[t - 1] + noise[t]
    # AR(1) with unit innovations: var = 1/(1 - rho^2), tau = (1 + rho)/(1 - rho)
    true_se = math.sqrt((1 / (1 - rho**2)) * (1 + rho) / (1 - rho) / n)
    _, se = th.batch_means(series, 0, 20)
    assert 0.6 * true_se < se < 1.4 * true_se  # 20 batches: the SE itself is good to ~16%


# --- simulation against theory -------------------------------------------------------------

MIXES = [(1.0, 0.0, 0.0), (0.8, 0.1, 0.1), (0.5, 0.3, 0.2)]  # disc, allc, alld
RATES = [(0.05, 0.05), (0.1, 0.02), (0.02, 0.08)]  # execution, assessment
INSTITUTIONS = [(11, 0.3), (3, 0.6), (7, 0.5)]  # members, quorum
# N and generations sized so the 36 runs take ~15 s on two cores; private is N^2 per generation.
SIZE = {"public": 400, "institution": 400, "private": 250}


class Case(NamedTuple):
    name: str
    params: th.TheoryParams


def _cases() -> list[Case]:
    """Each norm x monitoring meets every error setting, and (rotating with the norm) every mix."""
    cases = []
    for monitoring in th.MONITORING:
        for n, norm in enumerate(NORMS):
            for k, (e1, e2) in enumerate(RATES):
                mix = MIXES[(k + n) % 3]
                members, quorum = INSTITUTIONS[(k + n) % 3]
                params = th.TheoryParams(
                    norm=norm,
                    monitoring=monitoring,
                    mix=mix,
                    execution_error=e1,
                    assessment_error=e2,
                    members=members,
                    quorum=quorum,
                    population=SIZE[monitoring],
                    generations=500,
                    burn_in=100,
                    seed=k,
                )
                name = f"{monitoring}-{norm}-e{e1:g},{e2:g}-{th.format_mix(mix)}"
                cases.append(Case(name, params))
    return cases


CASES = _cases()


@pytest.fixture(scope="module", params=CASES, ids=[c.name for c in CASES])
def comparison(request: pytest.FixtureRequest) -> th.TheoryCheck:
    """One simulation per case, shared by the tests below."""
    return th.check(request.param.params)


def _tolerance(row: th.Row, params: th.TheoryParams) -> float:
    scale = params.benefit + params.cost if row.quantity == "payoff" else 1.0
    return 4 * row.se + scale / (params.population - 1)


def test_measured_reputations_match_theory(comparison: th.TheoryCheck) -> None:
    p = comparison.params
    assert comparison.batches >= 5
    for row in comparison.rows:
        if row.quantity == "good":
            assert abs(row.measured - row.analytic) <= _tolerance(row, p), row


def test_measured_cooperation_and_payoffs_match_theory(comparison: th.TheoryCheck) -> None:
    p = comparison.params
    for row in comparison.rows:
        if row.quantity != "good":
            assert abs(row.measured - row.analytic) <= _tolerance(row, p), row


def test_the_same_tolerance_rejects_the_wrong_theory(comparison: th.TheoryCheck) -> None:
    """Negative control: predictions for another norm or monitoring, where they differ."""
    p = comparison.params
    measured = comparison.row("good")
    tolerance = _tolerance(measured, p)
    rivals = [replace(p, norm=norm) for norm in NORMS if norm != p.norm]
    rivals += [replace(p, monitoring=m) for m in th.MONITORING if m != p.monitoring]
    distinct = [th.predict(r).good_all for r in rivals]
    distinct = [g for g in distinct if abs(g - measured.analytic) > 3 * tolerance]
    for wrong in distinct:
        assert abs(measured.measured - wrong) > tolerance
    if p.monitoring == "private" and p.norm != "image-scoring":
        assert distinct  # private differs from public for these norms: the test must have teeth


def test_same_seed_same_run_other_seed_other_run() -> None:
    params = th.TheoryParams(monitoring="private", population=80, generations=30, burn_in=5, execution_error=0.1)
    a, b = th.simulate(params), th.simulate(params)
    c = th.simulate(replace(params, seed=1))
    for field in ("good", "good_all", "cooperation_rate", "payoff"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.good_all, c.good_all)


# --- command line --------------------------------------------------------------------------

runner = CliRunner()
SMALL = ["--population", "120", "--generations", "80", "--burn-in", "20"]


def test_cli_json_is_one_object_on_stdout() -> None:
    result = runner.invoke(app, ["theory", "--json", "--monitoring", "institution", "--members", "5", *SMALL])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["parameters"]["members"] == 5
    groups = {(r["quantity"], r["group"]) for r in out["rows"]}
    assert {("good", "all"), ("good", "disc"), ("cooperation_rate", "all"), ("payoff", "alld")} <= groups


@pytest.mark.parametrize(
    "args, words",
    [
        (["--norm", "kindness"], ["--norm", "stern-judging"]),
        (["--monitoring", "gossip"], ["--monitoring", "private"]),
        (["--mix", "allc=0.5,cheat=0.5"], ["--mix", "disc"]),
        (["--mix", "allc=0.5,disc=0.6"], ["--mix", "sum to 1"]),
        (["--execution-error", "1.5"], ["--execution-error"]),
    ],
)
def test_cli_bad_input_is_one_line_and_status_2(args: list[str], words: list[str]) -> None:
    result = runner.invoke(app, ["theory", *args, *SMALL])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert all(w in result.stderr for w in words)


def test_cli_figure_writes_a_png(tmp_path) -> None:
    path = tmp_path / "theory.png"
    args = ["theory", "--figure", str(path), "--json", "--population", "40", "--generations", "45", "--burn-in", "5"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    points = json.loads(result.stdout)["points"]
    assert {(p["monitoring"], p["norm"]) for p in points} == {(m, n) for m in ("public", "private") for n in NORMS}
