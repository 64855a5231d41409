"""The socialcredit core model written the way a Mesa 3 user writes it: one object per citizen.

This is the reference the benchmark times socialcredit against (SPEC §8). It implements, per
agent in plain Python, exactly the rules of the socialcredit mechanisms that
`benchmarks/mesa_core.toml` switches on, in the engine's daily order:

1. M1 life events (`Citizen.live`): a hospital episode starts with the citizen's daily health
   hazard unless already in hospital, lasting Geometric(1 / hospital_days_mean) days (mean as set); with
   probability hardship_after_hospital it also brings a hardship spell starting on discharge.
   An income shock (daily hazard from income) starts a hardship spell unless already in one.
2. M2 payments with M3 coverage (`Citizen.pay`): a citizen whose bill falls due misses it if in
   hospital (health), in hardship (health or income, by its origin) or a free rider who does not
   comply; missing adds to the debt, paying settles it. A platform-enrolled citizen's credit
   history moves by -missed_penalty or +paid_reward. Debt older than grace_days is a court default.
3. M6 interactions (`Citizen.interact`, shuffled): every citizen is donor once per round, to a
   uniform tie of a context drawn from the partner shares, else to a stranger; discriminators help
   partners scoring at least tier_cut, cooperators always, defectors never; help fails with the
   execution error. A monitored donor is judged by the norm against the recipient's standing
   (verdict flipped with the assessment error), which moves its behaviour factor.
4. M8 score (`Citizen.assess`, then `Citizen.rescore`): credit history and behaviour decay toward
   their baselines; each citizen's standing (its first four factors, 0 if blacklisted) is
   computed by everyone before anyone averages the standing of its ties (the relationships
   factor); score = low + (high - low) * weighted factors.
5. M9 lists (`Citizen.sanction`): court defaulters are listed, those who paid are delisted; a
   score below the threshold lists (with the ground-truth cause), recovery above threshold +
   margin after min_listing_days delists; listed citizens attempt services and are denied.

Parameters come from the same scenario object as socialcredit's run. The population's traits
and the network are synthesized by socialcredit's own code from the same seed (so both sides
start from the identical society and the comparison isolates the dynamics); everything after
that (enrolment, billing days, every daily draw) uses the Mesa model's `random.Random`, so the
two implementations agree in distribution, not draw for draw.

Simplifications relative to the full simulator are confined to state no core rule reads: the
per-day help tallies (`helped_today`, read only by adaptation) and the per-citizen denial
counters' exact assignment (socialcredit draws a day's denials as one binomial spread over the
listed; here each listed citizen tries each service independently, same expectation).
"""

from __future__ import annotations

import math
import statistics
import time
from collections import defaultdict
from typing import Any

import mesa
import numpy as np
from pydantic import BaseModel

from benchmarks.reference_core import (
    ASSOCIATION,
    CAUSE_LABELS,
    CLASS_LABEL,
    CONTEXTS,
    COOPERATOR,
    DEFECTOR,  # noqa: F401  (re-exported: the tests compare the codes)
    DISCRIMINATOR,
    FACTOR_NAMES,
    FREE_RIDING,
    HEALTH,
    INCOME,
    LIST_COURT,
    LIST_NONE,
    LIST_SCORE,
    MISCONDUCT,
    NONE,
    NORMS,
    SERVICES,
    STRANGER,
    check_core,
    synthesize_society,
)


def geometric(rnd: Any, p: float) -> int:
    """A Geometric(p) draw on 1, 2, ... (numpy's convention), by inversion."""
    if p >= 1.0:
        return 1
    return int(math.log(1.0 - rnd()) / math.log(1.0 - p)) + 1


class Citizen(mesa.Agent):
    """One citizen: its traits, its mechanism states, and one method per daily stage."""

    def __init__(self, model: CoreModel, index: int, traits: dict[str, Any]) -> None:
        super().__init__(model)
        self.index = index
        self.income: float = traits["income"]
        self.income_rank: float = traits["income_rank"]
        self.conscientiousness: float = traits["conscientiousness"]
        self.free_rider: bool = traits["free_rider"]
        self.health_hazard: float = traits["health_hazard"]
        self.strategy: int = traits["strategy"]
        self.class_label: int = traits["class_label"]
        self.ties: list[Citizen] = []  # all ties, for the relationships factor
        self.ties_by_layer: tuple[list[Citizen], ...] = ([], [], [])  # household, work unit, friendship
        # M1
        self.hospital_until = -1
        self.hardship_until = -1
        self.hardship_from_health = False
        self.shock_hazard = 0.0
        # M2, M3
        self.enrolled_payments = False
        self.bill_day = 0
        self.debt = 0.0
        self.debt_since = -1
        self.debt_cause = NONE
        self.court_default = False
        # M6
        self.reputation = True
        self.payoff = 0.0
        # M8
        self.credit_history = self.fulfillment_capacity = self.personal_characteristics = 0.5
        self.behaviour = self.relationships = 0.5
        self.baseline = [0.5] * 5
        self.standing = 0.5
        self.score = 0.0
        self.last_penalty_cause = NONE
        # M9
        self.blacklisted = False
        self.ever_blacklisted = False
        self.list_kind = LIST_NONE
        self.list_cause = NONE
        self.listed_day = -1
        self.protected_until = -1
        self.sanctions_suffered = 0

    # --- M1 life events -------------------------------------------------------------------
    def live(self, day: int) -> None:
        m = self.model
        p, rnd = m.p_life, m.random.random
        if self.hospital_until <= day and rnd() < self.health_hazard:
            stay = geometric(rnd, 1.0 / p.hospital_days_mean)
            self.hospital_until = day + stay
            m.totals["hospital_episodes"] += 1
            if rnd() < p.hardship_after_hospital:
                length = geometric(rnd, 1.0 / p.hardship_days_mean)
                if day + stay + length > self.hardship_until:  # the spell that ends last names the cause
                    self.hardship_until = day + stay + length
                    self.hardship_from_health = True
        if self.hardship_until <= day and rnd() < self.shock_hazard:
            length = geometric(rnd, 1.0 / p.hardship_days_mean)
            self.hardship_until = day + length
            self.hardship_from_health = False
            m.totals["income_shocks"] += 1

    # --- M2 payments (M3: only enrolled citizens' payments move the score) ----------------------
    def pay(self, day: int) -> None:
        m = self.model
        p = m.p_pay
        if day % p.bill_cycle_days == self.bill_day:
            cause = NONE
            if self.free_rider and m.random.random() >= p.free_rider_pay_prob:
                cause = FREE_RIDING
            if self.hardship_until > day:
                cause = HEALTH if self.hardship_from_health else INCOME
            if self.hospital_until > day:
                cause = HEALTH
            m.totals["bills_due"] += 1
            if cause != NONE:
                if self.debt == 0:
                    self.debt_since = day
                    self.debt_cause = cause
                self.debt += 1.0
                m.totals["bills_missed"] += 1
                m.totals["bills_missed_" + CAUSE_LABELS[cause]] += 1
                if self.enrolled_payments:
                    self.credit_history = min(1.0, max(0.0, self.credit_history - p.missed_penalty))
                    self.last_penalty_cause = self.debt_cause
            else:
                self.debt = 0.0
                self.debt_since = -1
                self.debt_cause = NONE
                if self.enrolled_payments:
                    self.credit_history = min(1.0, max(0.0, self.credit_history + p.paid_reward))
        self.court_default = self.debt_since >= 0 and day - self.debt_since >= p.grace_days

    # --- M6 interactions -----------------------------------------------------------------------
    def interact(self, day: int) -> None:
        m = self.model
        p, rnd = m.p_inter, m.random.random
        for _ in range(p.interactions_per_day):
            draw = rnd()
            context = 0
            for bound in m.context_bounds:
                if draw >= bound:
                    context += 1
            ties = self.ties_by_layer[context] if context < STRANGER else None
            if ties:
                partner = ties[int(rnd() * len(ties))]
            else:
                context = STRANGER
                other = m.random.randrange(m.n - 1)
                partner = m.citizens[other + 1 if other >= self.index else other]
            # discriminators decide by the partner's score; cooperators always, defectors never
            intended = partner.score >= p.tier_cut if self.strategy == DISCRIMINATOR else self.strategy == COOPERATOR
            helped = intended and rnd() >= p.execution_error
            totals = m.totals
            totals["interactions"] += 1
            if partner.blacklisted:
                totals["interactions_blacklisted"] += 1
            if helped:
                self.payoff -= p.cost
                partner.payoff += p.benefit
                totals["helps"] += 1
                totals["payoff_total"] += p.benefit - p.cost
                if partner.blacklisted:
                    totals["helps_blacklisted"] += 1
            if m.watched[context] and rnd() < p.monitoring_share:
                self.judged(partner, helped)

    def judged(self, recipient: Citizen, helped: bool) -> None:
        """The institution's verdict on this donor: reputation and behaviour factor."""
        m = self.model
        p = m.p_inter
        good = not recipient.blacklisted if p.standing == "blacklist" else recipient.score >= p.tier_cut
        verdict = m.norm[helped][good]
        if m.random.random() < p.assessment_error:
            verdict = not verdict
        self.reputation = verdict
        if verdict:
            self.behaviour = min(1.0, self.behaviour + p.verdict_reward)
        else:
            self.behaviour = max(0.0, self.behaviour - p.verdict_penalty)
            self.last_penalty_cause = ASSOCIATION if helped and not good else MISCONDUCT

    # --- M8 score ------------------------------------------------------------------------------
    def assess(self) -> None:
        """Decay the dynamic factors; publish the standing the ties will average."""
        keep, base = self.model.keep, self.baseline
        self.credit_history = base[0] + (self.credit_history - base[0]) * keep
        self.behaviour = base[3] + (self.behaviour - base[3]) * keep
        self.standing = 0.0 if self.blacklisted else self.own_standing()

    def own_standing(self) -> float:
        m = self.model
        if m.own_weight_sum <= 0:
            return 0.5
        w = m.weights
        own = (
            w[0] * self.credit_history
            + w[1] * self.fulfillment_capacity
            + w[2] * self.personal_characteristics
            + w[3] * self.behaviour
        )
        return own / m.own_weight_sum

    def rescore(self) -> None:
        """Average the ties' standing (read after everyone assessed), then combine the factors."""
        m = self.model
        if m.weights[4] != 0:
            ties = self.ties
            if ties:
                self.relationships = sum(t.standing for t in ties) / len(ties)
            else:
                self.relationships = m.p_score.isolated_relationships
        w = m.weights
        weighted = (
            w[0] * self.credit_history
            + w[1] * self.fulfillment_capacity
            + w[2] * self.personal_characteristics
            + w[3] * self.behaviour
            + w[4] * self.relationships
        )
        self.score = m.score_low + m.score_span * weighted

    # --- M9 lists and sanctions ----------------------------------------------------------------
    def sanction(self, day: int) -> None:
        m = self.model
        p, totals = m.p_lists, m.totals
        if p.court_blacklist and self.court_default and self.list(LIST_COURT, self.debt_cause, day):
            totals["listings_court"] += 1
        if self.list_kind == LIST_COURT and not self.court_default:
            self.delist()
            totals["delistings_paid"] += 1
        threshold = p.score_blacklist_below
        if threshold is not None:
            if self.score < threshold and not self.blacklisted and self.list(LIST_SCORE, self.attribute(), day):
                totals["listings_score"] += 1
            if (
                self.list_kind == LIST_SCORE
                and self.score >= threshold + p.delist_margin
                and day - self.listed_day >= p.min_listing_days
            ):
                self.delist()
                totals["delistings_recovered"] += 1
        if self.blacklisted:
            rnd = m.random.random
            for service, chance, denied in m.service_chances:
                if rnd() < chance:
                    totals["attempts_blacklisted_" + service] += 1
                    if denied:
                        totals["denied_" + service] += 1
                        self.sanctions_suffered += 1

    def list(self, kind: int, cause: int, day: int) -> bool:
        if self.blacklisted or self.protected_until > day:
            return False
        self.blacklisted = self.ever_blacklisted = True
        self.list_kind, self.list_cause, self.listed_day = kind, cause, day
        return True

    def delist(self) -> None:
        self.blacklisted = False
        self.list_kind, self.list_cause, self.listed_day = LIST_NONE, NONE, -1

    def attribute(self) -> int:
        """Ground-truth cause of a score listing: the weighted factor that fell furthest."""
        m = self.model
        w, base = m.weights, self.baseline
        own = w[0] * (base[0] - self.credit_history) + w[3] * (base[3] - self.behaviour)
        relation = w[4] * (base[4] - self.relationships)
        label_drop = w[2] * m.p_score.class_label_penalty * self.class_label
        cause = self.last_penalty_cause
        if relation > own and relation >= label_drop:
            cause = ASSOCIATION
        if label_drop > own and label_drop > relation:
            cause = CLASS_LABEL
        return cause


class CoreModel(mesa.Model):
    """The core model, staged: every citizen finishes one stage before anyone starts the next."""

    def __init__(self, scenario: BaseModel, population: int | None = None, seed: int | None = None) -> None:
        sc: Any = scenario
        check_core(sc)
        n = population if population is not None else sc.run.population
        seed = seed if seed is not None else sc.run.seed
        super().__init__(seed=seed)
        started = time.perf_counter()
        people, network = synthesize_society(sc, n, seed)
        self.timings = {"society": time.perf_counter() - started}
        started = time.perf_counter()
        self.scenario = sc
        self.n = n
        self.day = 0
        self.totals: defaultdict[str, float] = defaultdict(float)
        self.p_life, self.p_pay, self.p_inter = sc.life_events, sc.payments, sc.interactions
        self.p_score, self.p_lists = sc.score, sc.lists
        self._constants()

        traits = {
            name: getattr(people, name).tolist()
            for name in (
                "income",
                "income_rank",
                "conscientiousness",
                "free_rider",
                "health_hazard",
                "strategy",
                "class_label",
            )
        }
        self.citizens = [Citizen(self, i, {k: v[i] for k, v in traits.items()}) for i in range(n)]
        indptr, indices, layers = network.indptr.tolist(), network.indices.tolist(), network.layer.tolist()
        for i, citizen in enumerate(self.citizens):
            for k in range(indptr[i], indptr[i + 1]):
                other = self.citizens[indices[k]]
                citizen.ties.append(other)
                citizen.ties_by_layer[layers[k]].append(other)
        self._init_states()

        self.datacollector = mesa.DataCollector(
            model_reporters={
                "score_mean": lambda m: statistics.fmean(c.score for c in m.citizens),
                "blacklisted_share": lambda m: sum(c.blacklisted for c in m.citizens) / m.n,
                "cooperation_rate": lambda m: (
                    m.totals["helps"] / m.totals["interactions"] if m.totals["interactions"] else math.nan
                ),
                "default_rate": lambda m: (
                    m.totals["bills_missed"] / m.totals["bills_due"] if m.totals["bills_due"] else math.nan
                ),
            }
        )
        self.datacollector.collect(self)
        self.timings["agents"] = time.perf_counter() - started

    def _constants(self) -> None:
        sc = self.scenario
        w = [getattr(sc.score.weights, name) for name in FACTOR_NAMES]
        total = sum(w)
        self.weights = [x / total for x in w] if total > 0 else w
        self.own_weight_sum = sum(self.weights[:4])
        self.score_low, self.score_span = sc.score.low, sc.score.high - sc.score.low
        self.keep = 1.0 - sc.score.decay
        shares = [getattr(self.p_inter.partners, c) for c in CONTEXTS]
        cumulative, acc = [], 0.0
        for s in shares[:-1]:
            acc += s / sum(shares)
            cumulative.append(acc)
        self.context_bounds = cumulative
        self.watched = [c in self.p_inter.monitored and self.p_inter.monitoring_share > 0 for c in CONTEXTS]
        self.norm = NORMS[self.p_inter.norm]
        rates = self.p_lists.service_rates
        self.service_chances = [(s, min(getattr(rates, s) / 365.0, 1.0), s in self.p_lists.sanctions) for s in SERVICES]

    def _init_states(self) -> None:
        """Day 0 of each mechanism: enrolment, billing days, shock hazards, factors and scores."""
        sc, rnd = self.scenario, self.random.random
        coverage = sc.data_collection.coverage.payments
        median = statistics.median(c.income for c in self.citizens)
        rate = self.p_life.income_shock_rate / 365.0
        for c in self.citizens:
            c.enrolled_payments = rnd() < coverage
            c.bill_day = self.random.randrange(self.p_pay.bill_cycle_days)
            relative = median / max(c.income, 1.0)
            c.shock_hazard = min(rate * relative**self.p_life.poverty_elasticity, 10 * rate)
            personal = 0.3 + 0.4 * c.conscientiousness - self.p_score.class_label_penalty * c.class_label
            c.baseline = [
                self.p_score.initial_credit_history,
                c.income_rank,
                min(1.0, max(0.0, personal)),
                self.p_score.initial_behaviour,
                0.5,
            ]
            c.credit_history, c.fulfillment_capacity, c.personal_characteristics, c.behaviour, _ = c.baseline
            c.standing = c.own_standing()
        for c in self.citizens:
            c.rescore()
            c.baseline[4] = c.relationships

    def step(self) -> None:
        """One day: the stages in the engine's order."""
        day = self.day
        self.agents.do("live", day)
        self.agents.do("pay", day)
        self.agents.shuffle_do("interact", day)
        self.agents.do("assess")
        self.agents.do("rescore")
        self.agents.do("sanction", day)
        self.day += 1
        if self.day % self.scenario.run.record_every == 0:
            self.datacollector.collect(self)

    def run(self, days: int) -> dict[str, float]:
        """Step `days` days; return the summary (socialcredit's metric names and formulas)."""
        started = time.perf_counter()
        for _ in range(days):
            self.step()
        if self.day % self.scenario.run.record_every:
            self.datacollector.collect(self)
        self.timings["steps"] = time.perf_counter() - started
        return self.summary()

    def summary(self) -> dict[str, float]:
        """The compared metrics, computed as socialcredit's metrics.Recorder computes them."""
        t, n, cs = self.totals, self.n, self.citizens

        def ratio(a: float, b: float) -> float:
            return a / b if b else math.nan

        scores = np.array([c.score for c in cs])
        p10, p50, p90 = np.percentile(scores, [10, 50, 90])
        listed = [c for c in cs if c.blacklisted]
        out = {
            "population": float(n),
            "days": float(self.day),
            "cooperation_rate": ratio(t["helps"], t["interactions"]),
            "help_rate_blacklisted": ratio(t["helps_blacklisted"], t["interactions_blacklisted"]),
            "welfare": ratio(t["payoff_total"], n * self.day),
            "default_rate": ratio(t["bills_missed"], t["bills_due"]),
            "score_mean": float(scores.mean()),
            "score_p10": float(p10),
            "score_p50": float(p50),
            "score_p90": float(p90),
            "blacklisted_share": len(listed) / n,
            "false_blacklist_share": sum(not c.free_rider for c in listed) / n,
            "ever_blacklisted_share": sum(c.ever_blacklisted for c in cs) / n,
        }
        for key in ("listings_court", "listings_score", "hospital_episodes", "income_shocks", "bills_missed_health"):
            out[key] = t[key]
        out["denied_total"] = sum(t["denied_" + s] for s in SERVICES)
        return out
