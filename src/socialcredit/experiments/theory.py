"""The theory check: the interaction mechanism alone, against published mean-field equations.

The textbook setting of indirect reciprocity (SPEC §7): discriminators (DISC),
unconditional cooperators (ALLC) and defectors (ALLD) in fixed fractions play a donation
game (help at cost c, benefit b) and judge each other by a norm, with execution and
assessment errors, under one of three kinds of monitoring:

- `public`: one institution holds one reputation per citizen; every donor and observer
  uses it.
- `institution`: Q members each judge every donor from their own sampled action, using the
  recipient's public reputation; the donor is broadcast good if more than qQ judged good.
- `private`: every citizen holds its own view of every other (an N x N bool matrix) and
  judges with its own view of the recipient (egocentric, "empathy" E = 0).

Generations are synchronous: every donor acts toward every other citizen for payoffs, then
every observer re-judges every donor from one freshly sampled action toward a random
recipient (never the donor itself), and all reputations change at once. The actions and
judgements are `socialcredit.reputation`, the same code the daily mechanism runs.

The analytic side is the mean-field reputation dynamics of Radzvilavicius, Stewart &
Plotkin (2019, eLife 8:e44269, Methods eqs. 5-9, with g2 = sum_i f_i g_i^2 the chance that
two observers both see a random citizen as good) and, for an institution, the binomial
quorum of Radzvilavicius, Kessinger & Plotkin (2021, Nat Commun 12:3567). Both are iterated
from the simulation's initial state (everyone good), so they follow the same attractor.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from socialcredit.errors import InputError
from socialcredit.reputation import (
    NORMS,
    STRATEGY_BY_LABEL,
    Strategy,
    carry_out,
    intend_help,
    judge,
    norm_table,
    validate_norm,
    validate_probability,
)

MONITORING: tuple[str, ...] = ("public", "institution", "private")
STRATEGIES: tuple[Strategy, ...] = tuple(Strategy)
Progress = Callable[[int], None]
MAX_POPULATION = 10_000  # N^2 actions per generation; private views take N^2 bytes


# --- parameters ------------------------------------------------------------------------


def parse_mix(text: str) -> tuple[float, float, float]:
    """Parse `allc=0.1,alld=0.1,disc=0.8` into fractions indexed by `Strategy` code."""
    allowed = ", ".join(STRATEGY_BY_LABEL)
    fractions = [0.0, 0.0, 0.0]
    for item in filter(None, (part.strip() for part in text.split(","))):
        label, sep, value = item.partition("=")
        strategy = STRATEGY_BY_LABEL.get(label.strip().lower())
        if not sep or strategy is None:
            raise InputError(f"--mix: cannot read {item!r}; use NAME=FRACTION with NAME in {allowed}")
        try:
            fractions[strategy] = float(value)
        except ValueError:
            raise InputError(f"--mix: {label.strip()}={value!r} is not a number") from None
    return validate_mix((fractions[0], fractions[1], fractions[2]))


def validate_mix(mix: Sequence[float]) -> tuple[float, float, float]:
    """Fractions must be non-negative and sum to 1 (within rounding)."""
    if len(mix) != 3 or any(not f >= 0.0 for f in mix) or abs(sum(mix) - 1.0) > 1e-6:
        raise InputError(
            f"--mix: fractions of {', '.join(STRATEGY_BY_LABEL)} must be >= 0 and sum to 1, got {format_mix(mix)}"
        )
    return (float(mix[0]), float(mix[1]), float(mix[2]))


def format_mix(mix: Sequence[float]) -> str:
    """The `--mix` text for fractions indexed by `Strategy` code."""
    return ",".join(f"{s.label}={f:g}" for s, f in zip(STRATEGIES, mix, strict=False))


@dataclass(frozen=True)
class TheoryParams:
    """One theory-check configuration; `validate()` names the CLI option that is wrong."""

    norm: str = "stern-judging"
    mix: tuple[float, float, float] = (0.8, 0.1, 0.1)  # disc, allc, alld
    execution_error: float = 0.02
    assessment_error: float = 0.02
    monitoring: str = "public"
    members: int = 11
    quorum: float = 0.5
    population: int = 1000
    generations: int = 1000
    burn_in: int = 200
    seed: int = 0
    benefit: float = 5.0
    cost: float = 1.0
    batches: int = 20

    def validate(self) -> TheoryParams:
        """Raise `InputError` (one line: option, allowed values) or return self."""
        validate_norm(self.norm, "--norm")
        validate_mix(self.mix)
        validate_probability(self.execution_error, "--execution-error")
        validate_probability(self.assessment_error, "--assessment-error")
        if self.monitoring not in MONITORING:
            raise InputError(f"--monitoring: unknown mode {self.monitoring!r}; allowed: {', '.join(MONITORING)}")
        checks = [
            (self.members >= 1, "--members: must be at least 1"),
            (0.0 <= self.quorum < 1.0, "--quorum: must be in [0, 1)"),
            (self.population >= 2, "--population: must be at least 2"),
            (
                self.population <= MAX_POPULATION,
                f"--population: at most {MAX_POPULATION:,} (every pair plays every generation: N^2 work)",
            ),
            (self.batches >= 2, "batches: must be at least 2"),
            (self.burn_in >= 0, "--burn-in: must be >= 0"),
            (
                self.generations - self.burn_in >= self.batches,
                f"--generations: must exceed --burn-in by at least {self.batches} "
                "(one generation per batch of the standard error)",
            ),
            (self.benefit >= 0 and self.cost >= 0, "--benefit/--cost: must be >= 0"),
        ]
        for ok, message in checks:
            if not ok:
                raise InputError(message)
        return self

    def counts(self) -> np.ndarray:
        """Citizens per strategy: N times the mix, rounded by largest remainder."""
        raw = np.asarray(self.mix) * self.population
        counts = np.floor(raw).astype(np.int64)
        order = np.argsort(-(raw - counts), kind="stable")
        counts[order[: self.population - counts.sum()]] += 1
        return counts

    def fractions(self) -> np.ndarray:
        """The realized mix, which both the simulation and the prediction use."""
        return self.counts() / self.population

    def threshold(self) -> int:
        """Good votes needed for a good broadcast: the least integer above qQ."""
        if self.monitoring != "institution":
            return 1
        return math.floor(self.quorum * self.members + 1e-9) + 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready parameters, the mix as `{label: fraction}`."""
        out = asdict(self)
        out["mix"] = {s.label: f for s, f in zip(STRATEGIES, self.mix, strict=False)}
        return out


# --- analytic mean-field solution --------------------------------------------------------


def judgement_probabilities(
    norm: str, execution_error: float, assessment_error: float
) -> tuple[float, float, float, float]:
    """Chance an observer judges the donor good, for one observation.

    Returned in the order (intends help, observer sees recipient good), (intends help, sees
    bad), (refuses, sees good), (refuses, sees bad) -- the four terms of eLife eqs. 5-8.
    """
    e1, e2 = execution_error, assessment_error
    table = norm_table(norm).astype(float)
    verdict = table * (1.0 - e2) + (1.0 - table) * e2  # [helped, recipient_good]
    help_good = (1.0 - e1) * verdict[1, 1] + e1 * verdict[0, 1]
    help_bad = (1.0 - e1) * verdict[1, 0] + e1 * verdict[0, 0]
    return float(help_good), float(help_bad), float(verdict[0, 1]), float(verdict[0, 0])


def _binomial_tail(members: int, threshold: int) -> Callable[[float], float]:
    """p -> P(at least `threshold` of `members` independent judges say good)."""
    coefficients = [(k, math.comb(members, k)) for k in range(threshold, members + 1)]
    return lambda p: sum(c * p**k * (1.0 - p) ** (members - k) for k, c in coefficients)


def mean_field_map(
    good: Sequence[float],
    fractions: Sequence[float],
    probabilities: tuple[float, float, float, float],
    private: bool,
) -> tuple[float, float, float]:
    """One synchronous generation of the mean-field dynamics, per observer (eLife eqs. 5-9).

    `good[i]` is the chance a random observer sees a random citizen of strategy i as good.
    Under public monitoring donor and observer share one view, so g2 = g; under private
    monitoring they are independent given the recipient's strategy, g2 = sum_i f_i g_i^2.
    """
    help_good, help_bad, refuse_good, refuse_bad = probabilities
    g = sum(f * x for f, x in zip(fractions, good, strict=True))
    g2 = sum(f * x * x for f, x in zip(fractions, good, strict=True)) if private else g
    disagree = g - g2  # donor sees good and observer bad, or the reverse
    disc = g2 * help_good + disagree * (help_bad + refuse_good) + (1 - 2 * g + g2) * refuse_bad
    allc = g * help_good + (1 - g) * help_bad
    alld = g * refuse_good + (1 - g) * refuse_bad
    return disc, allc, alld


def _map(params: TheoryParams) -> Callable[[Any], tuple[float, ...]]:
    """The mean-field generation map for `params`, reputations indexed by `Strategy`."""
    probabilities = judgement_probabilities(params.norm, params.execution_error, params.assessment_error)
    fractions = tuple(params.fractions())
    private = params.monitoring == "private"
    if params.monitoring != "institution":
        return lambda good: mean_field_map(good, fractions, probabilities, private)
    tail = _binomial_tail(params.members, params.threshold())
    return lambda good: tuple(tail(p) for p in mean_field_map(good, fractions, probabilities, False))


def solve_reputations(
    params: TheoryParams,
    start: float = 1.0,
    tolerance: float = 1e-13,
    max_generations: int = 1_000_000,
) -> np.ndarray:
    """Stationary reputation per strategy, iterating the mean-field map from `start`.

    Starting where the simulation starts (everyone good) picks the same attractor when the
    institution's quorum makes the map bistable.
    """
    step = _map(params)
    good: tuple[float, ...] = (start, start, start)
    for _ in range(max_generations):
        new = step(good)
        if max(abs(a - b) for a, b in zip(new, good, strict=True)) < tolerance:
            return np.array(new)
        good = new
    return np.array(good)


def relaxation_time(params: TheoryParams, good: np.ndarray) -> float:
    """Integrated autocorrelation time (generations) of reputations near the fixed point.

    The slowest mode of the linearized map decays as rho^t, rho the Jacobian's spectral
    radius; for such a process tau = (1 + rho) / (1 - rho). Batches of the standard error
    must be several tau long or the SE comes out too small.
    """
    step, h = _map(params), 1e-7
    base = np.array(step(good), dtype=np.float64)
    jacobian = np.empty((3, 3))
    for j in range(3):
        shifted = good.copy()
        shifted[j] += h if shifted[j] + h <= 1.0 else -h
        jacobian[:, j] = (np.array(step(shifted), dtype=np.float64) - base) / (shifted[j] - good[j])
    rho = min(float(np.abs(np.linalg.eigvals(jacobian)).max()), 1.0 - 1e-9)
    return max(1.0, (1.0 + rho) / (1.0 - rho))


@dataclass(frozen=True)
class Prediction:
    """Mean-field values: reputations (indexed by `Strategy`), cooperation, payoffs."""

    good: np.ndarray
    good_all: float
    cooperation_rate: float
    payoff: np.ndarray


def predict(params: TheoryParams) -> Prediction:
    """Analytic reputations, cooperation rate and payoff per partner for `params`.

    A recipient of strategy i gets help from ALLC and from the DISC who see it as good:
    b (1 - e1)(f_ALLC + f_DISC g_i); ALLC pays c (1 - e1), DISC c (1 - e1) g, ALLD nothing.
    """
    good = solve_reputations(params)
    f = params.fractions()
    g = float(f @ good)
    keep = 1.0 - params.execution_error
    received = keep * (f[Strategy.COOPERATOR] + f[Strategy.DISCRIMINATOR] * good)
    given = np.zeros(3)
    given[Strategy.COOPERATOR] = keep
    given[Strategy.DISCRIMINATOR] = keep * g
    payoff = params.benefit * received - params.cost * given
    return Prediction(good, g, float(f @ given), payoff)


def closed_form_disc(norm: str, monitoring: str, execution_error: float, assessment_error: float) -> float:
    """Stationary fraction good of an all-DISC population, solved by hand (not iterated).

    With eps = (1-e1)(1-e2) + e1 e2, setting g = F(g) in `mean_field_map` with f_DISC = 1:
    public (g2 = g) is linear,
      image scoring, shunning:      g = e2 / (1 - eps + e2)
      simple standing, stern j.:    g = (1 - e2) / (2 - eps - e2);
    private (g2 = g^2) is quadratic; the root reached from g = 1 is
      image scoring:   as public (the verdict ignores the recipient)
      simple standing: g = 1 / (1 + sqrt((1 - eps) / (1 - e2)))
      stern judging:   g = 1/2 (the roots are 1/2 and (1 - e2)/(eps - e2) >= 1)
      shunning:        g = 2 e2 / (1 + sqrt(1 - 4 e2 (eps - e2))).
    Without any error everyone stays good.
    """
    validate_norm(norm)
    e1, e2 = execution_error, assessment_error
    if e1 == 0.0 and e2 == 0.0:
        return 1.0
    eps = (1 - e1) * (1 - e2) + e1 * e2
    scoring_like = norm in ("image-scoring", "shunning")
    if monitoring == "public" or norm == "image-scoring":
        return e2 / (1 - eps + e2) if scoring_like else (1 - e2) / (2 - eps - e2)
    if monitoring != "private":
        raise InputError(f"monitoring: closed forms exist for public and private, not {monitoring!r}")
    if norm == "simple-standing":
        return 1.0 / (1.0 + math.sqrt((1 - eps) / (1 - e2)))
    if norm == "stern-judging":
        return 0.5
    return 2 * e2 / (1 + math.sqrt(1 - 4 * e2 * (eps - e2)))


# --- simulation --------------------------------------------------------------------------


@dataclass(frozen=True)
class Trace:
    """Per-generation measurements: reputations per strategy and overall, cooperation, payoff."""

    good: np.ndarray  # (generations, 3), NaN for absent strategies
    good_all: np.ndarray  # (generations,)
    cooperation_rate: np.ndarray  # (generations,)
    payoff: np.ndarray  # (generations, 3), per partner, NaN for absent strategies
    seconds: float


def _random_others(shape: tuple[int, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    """A uniform recipient other than the donor, the donor being the last axis' index."""
    recipient = rng.integers(0, n - 1, size=shape, dtype=np.int32)
    recipient += recipient >= np.arange(n, dtype=np.int32)
    return recipient


def _play(
    seen_good: np.ndarray, strategy: np.ndarray, params: TheoryParams, rng: np.random.Generator
) -> tuple[np.ndarray, float]:
    """Every donor acts toward every other citizen: payoff per partner and cooperation rate.

    `seen_good` is the donor x recipient view (or a row of public reputations).
    """
    n = strategy.size
    helped = carry_out(intend_help(strategy[:, None], seen_good), params.execution_error, rng)
    np.fill_diagonal(helped, False)
    given = np.count_nonzero(helped, axis=1)
    received = np.count_nonzero(helped, axis=0)
    payoff = (params.benefit * received - params.cost * given) / (n - 1)
    return payoff, float(given.sum()) / (n * (n - 1))


def _judge_public(
    public: np.ndarray, strategy: np.ndarray, params: TheoryParams, rng: np.random.Generator
) -> np.ndarray:
    """New public reputations: each of Q judges (Q = 1 when public) watches one action.

    Judges use the recipient's public reputation; the institution broadcasts good when at
    least `threshold` of them judged good.
    """
    members = params.members if params.monitoring == "institution" else 1
    recipient = _random_others((members, public.size), public.size, rng)
    seen = public[recipient]
    helped = carry_out(intend_help(strategy, seen), params.execution_error, rng)
    verdicts = judge(helped, seen, params.norm, params.assessment_error, rng)
    return np.count_nonzero(verdicts, axis=0) >= params.threshold()


def _judge_private(
    views: np.ndarray, strategy: np.ndarray, params: TheoryParams, rng: np.random.Generator
) -> np.ndarray:
    """New private views: observer o judges donor d's action toward a random r with views[o, r].

    The donor acts on its own view views[d, r]; each (o, d) pair draws its own r.
    """
    n = strategy.size
    recipient = _random_others((n, n), n, rng)  # [observer, donor]
    rows = np.arange(n, dtype=np.int64 if n * n >= 2**31 else np.int32) * n
    flat = views.ravel()
    donor_view = np.take(flat, recipient + rows[None, :])
    observer_view = np.take(flat, recipient + rows[:, None])
    helped = carry_out(intend_help(strategy, donor_view), params.execution_error, rng)
    return judge(helped, observer_view, params.norm, params.assessment_error, rng)


def simulate(params: TheoryParams, progress: Progress | None = None) -> Trace:
    """Run the agent-based model for `params.generations` synchronous generations.

    Everyone starts good. `progress(k)` is called after each generation with k = 1.
    """
    params.validate()
    start = time.perf_counter()
    rng = np.random.default_rng(params.seed)
    counts = params.counts()
    strategy = np.repeat(np.arange(3, dtype=np.int8), counts)
    members = [strategy == s for s in STRATEGIES]
    n, generations = params.population, params.generations
    private = params.monitoring == "private"
    views = np.ones((n, n) if private else n, dtype=bool)

    good = np.full((generations, 3), np.nan)
    good_all = np.empty(generations)
    cooperation = np.empty(generations)
    payoff = np.full((generations, 3), np.nan)
    for t in range(generations):
        earned, cooperation[t] = _play(views if private else views[None, :], strategy, params, rng)
        if private:
            views = _judge_private(views, strategy, params, rng)
            good_of = np.count_nonzero(views, axis=0) / n  # share of observers who see good
        else:
            views = _judge_public(views, strategy, params, rng)
            good_of = views
        good_all[t] = good_of.mean()
        for s, mask in zip(STRATEGIES, members, strict=True):
            if counts[s]:
                good[t, s] = good_of[mask].mean()
                payoff[t, s] = earned[mask].mean()
        if progress is not None:
            progress(1)
    return Trace(good, good_all, cooperation, payoff, time.perf_counter() - start)


def batch_means(series: np.ndarray, burn_in: int, batches: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of a stationary series after `burn_in`, from batch means.

    Generations are autocorrelated, so the naive SE is too small; the means of `batches`
    contiguous blocks are nearly independent once a block is much longer than the
    relaxation time of the reputation dynamics. A few leading generations are dropped so
    blocks are equal.
    """
    kept = series[burn_in:]
    size = kept.shape[0] // batches
    blocks = kept[kept.shape[0] - size * batches :].reshape(batches, size, *kept.shape[1:])
    means = blocks.mean(axis=1)
    return means.mean(axis=0), means.std(axis=0, ddof=1) / math.sqrt(batches)


# --- comparison --------------------------------------------------------------------------


def finite_size_allowance(quantity: str, params: TheoryParams) -> float:
    """Bound on how far a population of N can sit from the infinite-N mean field.

    Two O(1/N) effects, both measured to scale as 1/N: a donor never meets itself, so the
    recipients it draws differ from the population by at most one citizen in N - 1 (shifting
    a chance of being seen good, or of being helped, by at most 1/(N - 1)); and under private
    monitoring two observers' views of one citizen are correlated through that citizen's
    own finite row of views, so g2 exceeds sum f_i g_i^2 by O(1/N). Over the 36 configurations
    of tests/test_theory.py run for 2,500 generations (N = 250-400), the significant biases
    stayed under 0.6/(N - 1) for reputations and cooperation and under 0.7 (b + c)/(N - 1)
    for payoffs, so 1/(N - 1) and (b + c)/(N - 1) bound them with room to spare.
    """
    scale = params.benefit + params.cost if quantity == "payoff" else 1.0
    return scale / (params.population - 1)


@dataclass(frozen=True)
class Row:
    """One measured quantity beside its mean-field prediction."""

    quantity: str  # good | cooperation_rate | payoff
    group: str  # all | disc | allc | alld
    measured: float
    se: float
    analytic: float
    allowance: float  # finite-population bias bound, see `finite_size_allowance`

    @property
    def agrees(self) -> bool:
        """Within 4 standard errors plus the finite-population allowance."""
        return abs(self.measured - self.analytic) <= 4 * self.se + self.allowance

    @property
    def z(self) -> float:
        """Deviation in standard errors (inf when the SE is 0 and the values differ)."""
        diff = self.measured - self.analytic
        return diff / self.se if self.se > 0 else (0.0 if diff == 0 else math.inf)


@dataclass(frozen=True)
class TheoryCheck:
    """A theory-check run: parameters, measured vs analytic rows, how the SE was made, notes."""

    params: TheoryParams
    rows: tuple[Row, ...]
    relaxation: float  # mean-field integrated autocorrelation time, generations
    batches: int  # batches the SE was computed from
    notes: tuple[str, ...]  # warnings: bistability, short runs
    seconds: float

    def row(self, quantity: str, group: str = "all") -> Row:
        """The row for `quantity` of `group`."""
        return next(r for r in self.rows if r.quantity == quantity and r.group == group)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: parameters, rows (with z), SE settings, notes, elapsed seconds."""
        return {
            "parameters": self.params.as_dict(),
            "rows": [asdict(r) | {"z": r.z if math.isfinite(r.z) else None, "agrees": r.agrees} for r in self.rows],
            "relaxation_generations": self.relaxation,
            "batches": self.batches,
            "notes": list(self.notes),
            "elapsed_seconds": self.seconds,
        }


def plan_batches(params: TheoryParams, relaxation: float) -> tuple[int, list[str]]:
    """How many batches to use, and warnings about the run's length.

    Each batch should span at least 4 relaxation times (then batch means of an AR(1)-like
    series understate the SE by under ~10%); fewer, longer batches are used if needed, but
    no fewer than 5, below which the SE itself is too noisy to be useful.
    """
    kept = params.generations - params.burn_in
    wanted = max(1, kept // math.ceil(4 * relaxation))
    batches = min(params.batches, max(5, wanted))
    notes = []
    if wanted < 5:
        notes.append(
            f"run too short for a reliable SE: {kept} measured generations, relaxation time "
            f"{relaxation:.0f}; use --generations >= {params.burn_in + 15 * math.ceil(relaxation)}"
        )
    if params.burn_in < 3 * relaxation:
        notes.append(
            f"--burn-in {params.burn_in} is under 3 relaxation times ({3 * relaxation:.0f}): "
            "the all-good start may bias the means"
        )
    return min(batches, kept), notes


def check(params: TheoryParams, progress: Progress | None = None) -> TheoryCheck:
    """Simulate `params` and set every measured quantity beside its analytic value."""
    trace = simulate(params, progress)
    prediction = predict(params)
    relaxation = relaxation_time(params, prediction.good)
    batches, notes = plan_batches(params, relaxation)
    from_bad = params.fractions() @ solve_reputations(params, start=0.0)
    if abs(from_bad - prediction.good_all) > 1e-6:
        notes.append(
            f"the mean-field map is bistable: from everyone good it settles at "
            f"{prediction.good_all:.4f} good, from everyone bad at {from_bad:.4f}; a finite "
            "population can hop between them"
        )
    b = params.burn_in
    present = [s for s in STRATEGIES if params.counts()[s]]
    good, good_se = batch_means(trace.good, b, batches)
    good_all, good_all_se = batch_means(trace.good_all, b, batches)
    coop, coop_se = batch_means(trace.cooperation_rate, b, batches)
    pay, pay_se = batch_means(trace.payoff, b, batches)
    measured = [("good", "all", good_all, good_all_se, prediction.good_all)]
    measured += [("good", s.label, good[s], good_se[s], prediction.good[s]) for s in present]
    measured.append(("cooperation_rate", "all", coop, coop_se, prediction.cooperation_rate))
    measured += [("payoff", s.label, pay[s], pay_se[s], prediction.payoff[s]) for s in present]
    rows = [
        Row(q, group, float(m), float(se), float(a), finite_size_allowance(q, params))
        for q, group, m, se, a in measured
    ]
    return TheoryCheck(params, tuple(rows), relaxation, batches, tuple(notes), trace.seconds)


# --- figure ------------------------------------------------------------------------------

FIGURE_MONITORING: tuple[str, ...] = ("public", "private")


def error_sweep(base: TheoryParams, errors: Sequence[float], progress: Progress | None = None) -> list[dict[str, Any]]:
    """Measured vs analytic fraction good with e1 = e2 = e, four norms, public and private."""
    points = []
    for monitoring in FIGURE_MONITORING:
        for norm in NORMS:
            for e in errors:
                params = replace(base, norm=norm, monitoring=monitoring, execution_error=e, assessment_error=e)
                row = check(params, progress).row("good")
                points.append(
                    {"monitoring": monitoring, "norm": norm, "error": float(e)}
                    | {"measured": row.measured, "se": row.se, "analytic": row.analytic}
                )
    return points


def plot_sweep(points: list[dict[str, Any]], base: TheoryParams, path: Path) -> Path:
    """Draw the sweep (points with 2 SE bars) over the analytic curves; write a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    top = max(p["error"] for p in points)
    grid = np.linspace(0.0, top, 101)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True, constrained_layout=True)
    for ax, monitoring in zip(axes, FIGURE_MONITORING, strict=True):
        for colour, norm in zip(("C0", "C1", "C2", "C3"), NORMS, strict=True):
            curve = [
                predict(replace(base, norm=norm, monitoring=monitoring, execution_error=e, assessment_error=e)).good_all
                for e in grid
            ]
            ax.plot(grid, curve, color=colour, lw=1.5, label=norm)
            mine = [p for p in points if p["monitoring"] == monitoring and p["norm"] == norm]
            ax.errorbar(
                [p["error"] for p in mine],
                [p["measured"] for p in mine],
                yerr=[2 * p["se"] for p in mine],
                fmt="o",
                ms=4,
                color=colour,
                capsize=2,
            )
        ax.set_title(f"{monitoring} monitoring")
        ax.set_xlabel("error rate e (execution = assessment)")
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("fraction good")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=4, fontsize=9, frameon=False)
    fig.suptitle(
        f"Simulated (points, ±2 SE) vs mean-field (lines): N={base.population}, "
        f"{base.generations} generations, mix {format_mix(base.mix)}",
        fontsize=10,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path
