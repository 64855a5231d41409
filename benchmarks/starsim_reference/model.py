"""The socialcredit core model written the way a Starsim 3 user writes it: array states, one module a mechanism.

The second reference the benchmark times socialcredit against (after the Mesa one in
`benchmarks/mesa_reference/`). It implements the rules of the socialcredit mechanisms that
`benchmarks/mesa_core.toml` switches on, rule for rule as `benchmarks/mesa_reference/model.py`
does per agent, but over whole populations at once, in Starsim's idiom: an `ss.Sim` on a daily
timeline, each mechanism an `ss.Module` whose per-agent state is `ss.FloatArr` / `ss.BoolArr`
(indexed by `ss.uids`), the ties an `ss.Network` (one edge per tie, its layer an edge column),
and every draw from the module's own Starsim distributions (`ss.bernoulli`, `ss.random`,
`ss.randint`), which give common random numbers per agent. Custom modules run in the order
given, which is the engine's daily order:

1. `LifeEvents`: a hospital episode starts with the citizen's daily health hazard unless already
   in hospital, lasting Geometric(1 / hospital_days_mean) days; with probability
   hardship_after_hospital it brings a hardship spell starting on discharge. An income shock
   (daily hazard from income) starts a hardship spell unless already in one.
2. `Payments` (with M3 coverage): a citizen whose bill falls due misses it if in hospital
   (health), in hardship (health or income, by its origin) or a free rider who does not comply;
   missing adds to the debt, paying settles it. A platform-enrolled citizen's credit history
   moves by -missed_penalty or +paid_reward. Debt older than grace_days is a court default.
3. `DonationGame`: every citizen is donor once per round, to a uniform tie of a context drawn
   from the partner shares, else to a stranger; discriminators help partners scoring at least
   tier_cut, cooperators always, defectors never; help fails with the execution error. A
   monitored donor is judged by the norm against the recipient's standing (verdict flipped with
   the assessment error), which moves its behaviour factor. Donors act on a fixed snapshot of
   scores and lists, so doing them all at once is what Mesa's shuffled order computes.
4. `Score`: credit history and behaviour decay toward their baselines; standing (the first four
   factors, 0 if blacklisted) is computed for all before the relationships factor averages it
   over each citizen's ties; score = low + (high - low) * weighted factors.
5. `Lists`: court defaulters are listed, those who paid are delisted; a score below the
   threshold lists (with the ground-truth cause), recovery above threshold + margin after
   min_listing_days delists; listed citizens attempt services and are denied.

Parameters come from the same scenario object as socialcredit's run; the traits and the
network are socialcredit's own synthesis for the seed (`benchmarks/reference_core.py`, shared
with the Mesa reference), so all three start from the identical society. Everything after that
(enrolment, billing days, every daily draw) comes from Starsim's streams seeded by the sim's
`rand_seed`: the implementations agree in distribution, not draw for draw. Events are counted
as per-day `ss.Result`s, summed into socialcredit's totals at the end.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import starsim as ss
from pydantic import BaseModel

from benchmarks.reference_core import (
    ASSOCIATION,
    CAUSE_LABELS,
    CLASS_LABEL,
    CONTEXTS,
    COOPERATOR,
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

N_LAYERS = 3  # household, work unit, friendship: the network layers among CONTEXTS


def geometric(u: np.ndarray, p: float) -> np.ndarray:
    """Geometric(p) draws on 1, 2, ... from uniforms, by inversion (numpy's convention)."""
    if p >= 1.0:
        return np.ones(u.shape[0], dtype=np.int64)
    return (np.log1p(-u.astype(np.float64)) / math.log1p(-p)).astype(np.int64) + 1


class Ties(ss.Network):
    """socialcredit's ties as one static Starsim network: an edge per tie, its layer an edge column.

    For the donation game each citizen needs a uniform tie within one layer, which an edge list
    cannot give without a search; `init_post` indexes the edges once into per-citizen runs by
    layer (`start`, `count`), as a Starsim user would for any per-agent neighbour lookup.
    """

    def __init__(self, p1: np.ndarray, p2: np.ndarray, layer: np.ndarray, **kwargs: Any) -> None:
        super().__init__(p1=p1, p2=p2, beta=np.ones(len(p1), dtype=ss.dtypes.float), layer=layer, **kwargs)
        self.meta.layer = np.int8

    @classmethod
    def from_csr(cls, indptr: np.ndarray, indices: np.ndarray, layer: np.ndarray) -> Ties:
        """The edges of a symmetric CSR network (socialcredit's), each tie once (p1 < p2)."""
        rows = np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))
        once = rows < indices
        return cls(p1=rows[once], p2=indices[once].astype(np.int64), layer=layer[once], name="ties")

    def init_post(self, add_pairs: bool = False) -> None:
        super().init_post(add_pairs=add_pairs)
        self.index()

    def index(self) -> None:
        """Per citizen and layer, the run of `neighbours` holding its ties (built once, on first use)."""
        if getattr(self, "neighbours", None) is not None:
            return
        n = len(self.sim.people)
        p1, p2, layer = self.edges.p1, self.edges.p2, self.edges.layer.astype(np.int64)
        src = np.concatenate([p1, p2])
        key = src * N_LAYERS + np.concatenate([layer, layer])
        order = np.argsort(key, kind="stable")
        self.neighbours = np.concatenate([p2, p1])[order]
        self.count = np.bincount(key, minlength=n * N_LAYERS).reshape(n, N_LAYERS)
        self.start = (np.cumsum(self.count.ravel()) - self.count.ravel()).reshape(n, N_LAYERS)
        self.degree = self.count.sum(axis=1)

    def step(self) -> None:
        """Static: the ties do not change in the core model."""

    def tie_mean(self, values: np.ndarray, isolated: float) -> np.ndarray:
        """Each citizen's mean of `values` over its ties (`isolated` for those with none)."""
        self.index()
        n = self.degree.shape[0]
        p1, p2 = self.edges.p1, self.edges.p2
        total = np.bincount(p1, weights=values[p2], minlength=n) + np.bincount(p2, weights=values[p1], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.degree > 0, total / self.degree, isolated)


class CoreModule(ss.Module):
    """A mechanism of the core: its parameters are the scenario's section; events are per-day results."""

    events: tuple[str, ...] = ()

    def __init__(self, section: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.p = section

    def init_results(self) -> None:
        super().init_results()
        self.define_results(*[ss.Result(k, dtype=float, scale=False, auto_plot=False) for k in self.events])

    def count(self, key: str, value: float) -> None:
        self.results[key][self.ti] += value

    @property
    def mods(self) -> Any:
        return self.sim.custom

    def day(self) -> int:
        return int(self.ti)


class LifeEvents(CoreModule):
    """M1: hospital episodes at each citizen's health hazard, income shocks, hardship spells."""

    events = ("hospital_episodes", "income_shocks")

    def __init__(self, section: Any, health_hazard: np.ndarray, income: np.ndarray, **kwargs: Any) -> None:
        super().__init__(section, name="life_events", **kwargs)
        self._traits = {"health_hazard": health_hazard, "income": income}
        self.define_states(
            ss.FloatArr("health_hazard", default=0.0, label="Daily hospital hazard"),
            ss.FloatArr("shock_hazard", default=0.0, label="Daily income-shock hazard"),
            ss.FloatArr("hospital_until", default=-1.0, label="First day out of hospital"),
            ss.FloatArr("hardship_until", default=-1.0, label="First day out of hardship"),
            ss.BoolArr("hardship_from_health", label="Hardship caused by a hospital episode"),
        )
        self.admitted = ss.bernoulli(p=lambda self, sim, uids: self.health_hazard[uids])
        self.stay = ss.random()
        self.hardship_after = ss.bernoulli(p=section.hardship_after_hospital)
        self.shocked = ss.bernoulli(p=lambda self, sim, uids: self.shock_hazard[uids])
        self.spell = ss.random()

    def init_post(self) -> None:
        super().init_post()
        p, income = self.p, self._traits["income"]
        self.health_hazard[:] = self._traits["health_hazard"]
        rate = p.income_shock_rate / 365.0
        relative = float(np.median(income)) / np.maximum(income, 1.0)
        self.shock_hazard[:] = np.minimum(rate * relative**p.poverty_elasticity, 10 * rate)

    def step(self) -> None:
        p, day = self.p, self.day()
        out = (self.hospital_until <= day).uids
        ill = self.admitted.filter(out)
        stay = geometric(self.stay.rvs(ill), 1.0 / p.hospital_days_mean)
        self.hospital_until[ill] = day + stay
        self.count("hospital_episodes", len(ill))
        after = self.hardship_after.rvs(ill).astype(bool)
        hard = ill[after]
        end = day + stay[after] + geometric(self.spell.rvs(hard), 1.0 / p.hardship_days_mean)
        later = end > self.hardship_until[hard]  # the spell that ends last names the cause
        self.hardship_until[hard[later]] = end[later]
        self.hardship_from_health[hard[later]] = True

        calm = (self.hardship_until <= day).uids
        shocked = self.shocked.filter(calm)
        self.hardship_until[shocked] = day + geometric(self.spell.rvs(shocked), 1.0 / p.hardship_days_mean)
        self.hardship_from_health[shocked] = False
        self.count("income_shocks", len(shocked))


class Payments(CoreModule):
    """M2 with M3's coverage: monthly bills, debt, the credit-history factor, court defaults."""

    events = ("bills_due", "bills_missed", *(f"bills_missed_{c}" for c in CAUSE_LABELS.values()))

    def __init__(self, section: Any, coverage: float, free_rider: np.ndarray, **kwargs: Any) -> None:
        super().__init__(section, name="payments", **kwargs)
        self._free_rider = free_rider
        self.define_states(
            ss.BoolArr("free_rider", label="Free rider"),
            ss.BoolArr("enrolled", default=ss.bernoulli(p=coverage), label="Seen by a payment platform"),
            ss.FloatArr("bill_day", default=ss.randint(0, section.bill_cycle_days), label="Day of the billing cycle"),
            ss.FloatArr("debt", default=0.0),
            ss.FloatArr("debt_since", default=-1.0),
            ss.FloatArr("debt_cause", default=float(NONE)),
            ss.BoolArr("court_default", label="Debt unpaid beyond the grace period"),
        )
        self.shirks = ss.bernoulli(p=1.0 - section.free_rider_pay_prob)

    def init_post(self) -> None:
        super().init_post()
        self.free_rider[:] = self._free_rider

    def step(self) -> None:
        p, day, life, score = self.p, self.day(), self.mods.life_events, self.mods.score
        due = (self.bill_day == day % p.bill_cycle_days).uids
        cause = np.full(len(due), NONE, dtype=np.int64)
        riders = self.free_rider[due]
        cause[np.flatnonzero(riders)[self.shirks.rvs(due[riders]).astype(bool)]] = FREE_RIDING
        hardship = life.hardship_until[due] > day
        cause[hardship] = np.where(life.hardship_from_health[due[hardship]], HEALTH, INCOME)
        cause[life.hospital_until[due] > day] = HEALTH
        self.count("bills_due", len(due))

        missed = cause != NONE
        late, cause = due[missed], cause[missed]
        first = self.debt[late] == 0
        self.debt_since[late[first]] = day
        self.debt_cause[late[first]] = cause[first]
        self.debt[late] += 1.0
        self.count("bills_missed", len(late))
        for code, label in CAUSE_LABELS.items():
            self.count(f"bills_missed_{label}", np.count_nonzero(cause == code))
        seen = late[self.enrolled[late]]
        score.credit_history[seen] = np.clip(score.credit_history[seen] - p.missed_penalty, 0.0, 1.0)
        score.last_penalty_cause[seen] = self.debt_cause[seen]

        paid = due[~missed]
        self.debt[paid] = 0.0
        self.debt_since[paid] = -1.0
        self.debt_cause[paid] = NONE
        seen = paid[self.enrolled[paid]]
        score.credit_history[seen] = np.clip(score.credit_history[seen] + p.paid_reward, 0.0, 1.0)
        self.court_default[:] = (self.debt_since.values >= 0) & (day - self.debt_since.values >= p.grace_days)


class DonationGame(CoreModule):
    """M6: one donation-game round a day; discriminators use the score tier; the institution judges."""

    events = ("interactions", "interactions_blacklisted", "helps", "helps_blacklisted", "payoff_total")

    def __init__(self, section: Any, strategy: np.ndarray, **kwargs: Any) -> None:
        super().__init__(section, name="donation_game", **kwargs)
        self._strategy = strategy
        self.define_states(
            ss.FloatArr("strategy", default=float(DISCRIMINATOR)),
            ss.BoolArr("reputation", default=True),
            ss.FloatArr("payoff", default=0.0),
        )
        shares = np.array([getattr(section.partners, c) for c in CONTEXTS], dtype=np.float64)
        self.bounds = np.cumsum(shares / shares.sum())[:-1]
        self.watched = np.array([c in section.monitored and section.monitoring_share > 0 for c in CONTEXTS])
        self.norm = np.array(NORMS[section.norm], dtype=bool)  # [helped, recipient good]
        self.context = ss.random()
        self.pick = ss.random()
        self.stranger = ss.random()
        self.executes = ss.bernoulli(p=1.0 - section.execution_error)
        self.monitored = ss.bernoulli(p=section.monitoring_share)
        self.misjudged = ss.bernoulli(p=section.assessment_error)

    def init_post(self) -> None:
        super().init_post()
        self.strategy[:] = self._strategy

    def partners(self, donors: ss.uids) -> tuple[np.ndarray, np.ndarray]:
        """Each donor's partner and context: a uniform tie of the drawn layer, else a stranger."""
        ties, n = self.sim.networks.ties, len(self.sim.people)
        context = np.searchsorted(self.bounds, self.context.rvs(donors), side="right")
        layer = np.minimum(context, N_LAYERS - 1)
        count = ties.count[donors, layer]
        tied = (context < STRANGER) & (count > 0)
        offset = np.minimum((self.pick.rvs(donors) * count).astype(np.int64), np.maximum(count - 1, 0))
        partner = np.where(tied, ties.neighbours[np.where(tied, ties.start[donors, layer] + offset, 0)], -1)
        context = np.where(tied, context, STRANGER)
        other = np.minimum((self.stranger.rvs(donors) * (n - 1)).astype(np.int64), n - 2)
        other = other + (other >= np.asarray(donors))
        partner = np.where(tied, partner, other)
        return ss.uids(partner), context

    def step(self) -> None:
        p, score, lists = self.p, self.mods.score, self.mods.lists
        n = len(self.sim.people)
        for _ in range(p.interactions_per_day):
            donors = self.sim.people.auids
            partner, context = self.partners(donors)
            strategy = self.strategy[donors]
            intended = np.where(strategy == DISCRIMINATOR, score.score[partner] >= p.tier_cut, strategy == COOPERATOR)
            helped = intended & self.executes.rvs(donors).astype(bool)
            listed = lists.blacklisted[partner]
            self.count("interactions", len(donors))
            self.count("interactions_blacklisted", np.count_nonzero(listed))
            self.count("helps", np.count_nonzero(helped))
            self.count("helps_blacklisted", np.count_nonzero(helped & listed))
            self.count("payoff_total", np.count_nonzero(helped) * (p.benefit - p.cost))
            self.payoff[donors[helped]] -= p.cost
            self.payoff[:] += p.benefit * np.bincount(partner[helped], minlength=n)

            watched = self.watched[context] & self.monitored.rvs(donors).astype(bool)
            judged, was_helped = donors[watched], helped[watched]
            good = ~listed[watched] if p.standing == "blacklist" else score.score[partner[watched]] >= p.tier_cut
            flipped = self.misjudged.rvs(judged).astype(bool)
            verdict = self.norm[was_helped.astype(np.int64), good.astype(np.int64)] ^ flipped
            self.reputation[judged] = verdict
            behaviour = score.behaviour[judged]
            score.behaviour[judged] = np.where(
                verdict, np.minimum(1.0, behaviour + p.verdict_reward), np.maximum(0.0, behaviour - p.verdict_penalty)
            )
            bad = judged[~verdict]
            score.last_penalty_cause[bad] = np.where(was_helped[~verdict] & ~good[~verdict], ASSOCIATION, MISCONDUCT)


class Score(CoreModule):
    """M8: five factors on 350-900; decay; the relationships factor averages the ties' standing."""

    def __init__(self, section: Any, traits: dict[str, np.ndarray], **kwargs: Any) -> None:
        super().__init__(section, name="score", **kwargs)
        self._traits = traits
        self.define_states(
            *(ss.FloatArr(name, default=0.5) for name in FACTOR_NAMES),
            ss.FloatArr("base_relationships", default=0.5, label="Day-0 relationships factor"),
            ss.FloatArr("class_label", default=0.0),
            ss.FloatArr("standing", default=0.5, label="Own standing, as the ties see it"),
            ss.FloatArr("score", default=0.0, label="Score"),
            ss.FloatArr("last_penalty_cause", default=float(NONE)),
        )
        w = np.array([getattr(section.weights, name) for name in FACTOR_NAMES], dtype=np.float64)
        self.weights = w / w.sum() if w.sum() > 0 else w
        self.own_weight = float(self.weights[:4].sum())
        self.keep = 1.0 - section.decay

    def init_post(self) -> None:
        super().init_post()
        p, t = self.p, self._traits
        self.class_label[:] = t["class_label"]
        self.credit_history[:] = p.initial_credit_history
        self.fulfillment_capacity[:] = t["income_rank"]
        personal = 0.3 + 0.4 * t["conscientiousness"] - p.class_label_penalty * t["class_label"]
        self.personal_characteristics[:] = np.clip(personal, 0.0, 1.0)
        self.behaviour[:] = p.initial_behaviour
        self.standing[:] = self.own_standing()
        self.rescore()
        self.base_relationships[:] = self.relationships.values

    def own_standing(self) -> np.ndarray:
        if self.own_weight <= 0:
            return np.full(len(self.sim.people), 0.5)
        w = self.weights
        own = (
            w[0] * self.credit_history.values
            + w[1] * self.fulfillment_capacity.values
            + w[2] * self.personal_characteristics.values
            + w[3] * self.behaviour.values
        )
        return own / self.own_weight

    def rescore(self) -> None:
        w = self.weights
        if w[4] != 0:
            self.relationships[:] = self.sim.networks.ties.tie_mean(self.standing.values, self.p.isolated_relationships)
        self.score[:] = self.p.low + (self.p.high - self.p.low) * (
            w[0] * self.credit_history.values
            + w[1] * self.fulfillment_capacity.values
            + w[2] * self.personal_characteristics.values
            + w[3] * self.behaviour.values
            + w[4] * self.relationships.values
        )

    def step(self) -> None:
        base_ch, base_beh = self.p.initial_credit_history, self.p.initial_behaviour
        self.credit_history[:] = base_ch + (self.credit_history.values - base_ch) * self.keep
        self.behaviour[:] = base_beh + (self.behaviour.values - base_beh) * self.keep
        self.standing[:] = np.where(self.mods.lists.blacklisted.values, 0.0, self.own_standing())
        self.rescore()

    def attribute(self, uids: ss.uids) -> np.ndarray:
        """Ground-truth cause of a score listing: the weighted factor that fell furthest."""
        w, p = self.weights, self.p
        own = w[0] * (p.initial_credit_history - self.credit_history[uids]) + w[3] * (
            p.initial_behaviour - self.behaviour[uids]
        )
        relation = w[4] * (self.base_relationships[uids] - self.relationships[uids])
        label_drop = w[2] * p.class_label_penalty * self.class_label[uids]
        cause = self.last_penalty_cause[uids].astype(np.int64)
        cause = np.where((relation > own) & (relation >= label_drop), ASSOCIATION, cause)
        return np.where((label_drop > own) & (label_drop > relation), CLASS_LABEL, cause)


class Lists(CoreModule):
    """M9: court listing of defaulters, the score blacklist, and the services denied to the listed."""

    events = (
        "listings_court",
        "listings_score",
        "delistings_paid",
        "delistings_recovered",
        *(f"attempts_blacklisted_{s}" for s in SERVICES),
        *(f"denied_{s}" for s in SERVICES),
    )

    def __init__(self, section: Any, **kwargs: Any) -> None:
        super().__init__(section, name="lists", **kwargs)
        self.define_states(
            ss.BoolState("blacklisted", label="Blacklisted"),
            ss.BoolArr("ever_blacklisted"),
            ss.FloatArr("list_kind", default=float(LIST_NONE)),
            ss.FloatArr("list_cause", default=float(NONE)),
            ss.FloatArr("listed_day", default=-1.0),
            ss.FloatArr("protected_until", default=-1.0),
            ss.FloatArr("sanctions_suffered", default=0.0),
        )
        rates = section.service_rates
        self.services = [(s, min(getattr(rates, s) / 365.0, 1.0), s in section.sanctions) for s in SERVICES]
        self.tries = ss.random()

    def put_on(self, uids: ss.uids, kind: int, cause: np.ndarray | int, day: int) -> ss.uids:
        """List those of `uids` not already listed nor protected; return them."""
        can = ~self.blacklisted[uids] & (self.protected_until[uids] <= day)
        uids, cause = uids[can], (cause[can] if isinstance(cause, np.ndarray) else cause)
        self.blacklisted[uids] = True
        self.ever_blacklisted[uids] = True
        self.list_kind[uids], self.list_cause[uids], self.listed_day[uids] = kind, cause, day
        return uids

    def take_off(self, uids: ss.uids) -> None:
        self.blacklisted[uids] = False
        self.list_kind[uids], self.list_cause[uids], self.listed_day[uids] = LIST_NONE, NONE, -1

    def step(self) -> None:
        p, day, pay, score = self.p, self.day(), self.mods.payments, self.mods.score
        if p.court_blacklist:
            defaulters = pay.court_default.uids
            self.count("listings_court", len(self.put_on(defaulters, LIST_COURT, pay.debt_cause[defaulters], day)))
        settled = ((self.list_kind == LIST_COURT) & ~pay.court_default).uids
        self.take_off(settled)
        self.count("delistings_paid", len(settled))
        threshold = p.score_blacklist_below
        if threshold is not None:
            low = ((score.score < threshold) & ~self.blacklisted).uids
            low = low[self.protected_until[low] <= day]
            self.count("listings_score", len(self.put_on(low, LIST_SCORE, score.attribute(low), day)))
            recovered = (
                (self.list_kind == LIST_SCORE)
                & (score.score >= threshold + p.delist_margin)
                & (day - self.listed_day >= p.min_listing_days)
            ).uids
            self.take_off(recovered)
            self.count("delistings_recovered", len(recovered))
        listed = self.blacklisted.uids
        for service, chance, denied in self.services:
            tried = listed[self.tries.rvs(listed) < chance]
            self.count(f"attempts_blacklisted_{service}", len(tried))
            if denied:
                self.count(f"denied_{service}", len(tried))
                self.sanctions_suffered[tried] += 1.0


class CoreModel:
    """The core model as one Starsim sim: the society, the ties, the five modules in the engine's order."""

    def __init__(self, scenario: BaseModel, population: int | None = None, seed: int | None = None, days: int = 60):
        sc: Any = scenario
        check_core(sc, "Starsim")
        n = population if population is not None else sc.run.population
        seed = seed if seed is not None else sc.run.seed
        started = time.perf_counter()
        people, network = synthesize_society(sc, n, seed)
        self.timings = {"society": time.perf_counter() - started}
        started = time.perf_counter()
        self.scenario, self.n, self.days = sc, n, days
        self.traits = people
        modules = [
            LifeEvents(sc.life_events, health_hazard=people.health_hazard, income=people.income),
            Payments(sc.payments, coverage=sc.data_collection.coverage.payments, free_rider=people.free_rider),
            DonationGame(sc.interactions, strategy=people.strategy),
            Score(
                sc.score,
                traits={k: getattr(people, k) for k in ("income_rank", "conscientiousness", "class_label")},
            ),
            Lists(sc.lists),
        ]
        ties = Ties.from_csr(network.indptr, network.indices, network.layer)
        self.sim = ss.Sim(
            n_agents=n,
            start=ss.days(0),
            dur=ss.days(days - 1),  # a timeline of `days` points, one step on each
            dt=ss.days(1),
            rand_seed=seed,
            networks=ties,
            modules=modules,
            people_results=False,
            verbose=0,
        )
        self.sim.init()
        self.timings["agents"] = time.perf_counter() - started

    def run(self) -> dict[str, float]:
        """Run the days; return the summary (socialcredit's metric names and formulas)."""
        started = time.perf_counter()
        self.sim.run()
        self.timings["steps"] = time.perf_counter() - started
        return self.summary()

    @property
    def totals(self) -> dict[str, float]:
        """Every module's event counts summed over the run (socialcredit's `totals` names)."""
        out: dict[str, float] = {}
        for module in self.sim.custom.values():
            for key in module.events:
                out[key] = float(np.sum(module.results[key].values))
        return out

    def summary(self) -> dict[str, float]:
        """The compared metrics, computed as socialcredit's metrics.Recorder computes them."""
        t, n, days = self.totals, self.n, self.days
        mods = self.sim.custom

        def ratio(a: float, b: float) -> float:
            return a / b if b else math.nan

        scores = mods.score.score.values.astype(np.float64)
        p10, p50, p90 = np.percentile(scores, [10, 50, 90])
        listed = mods.lists.blacklisted.values
        out = {
            "population": float(n),
            "days": float(days),
            "cooperation_rate": ratio(t["helps"], t["interactions"]),
            "help_rate_blacklisted": ratio(t["helps_blacklisted"], t["interactions_blacklisted"]),
            "welfare": ratio(t["payoff_total"], n * days),
            "default_rate": ratio(t["bills_missed"], t["bills_due"]),
            "score_mean": float(scores.mean()),
            "score_p10": float(p10),
            "score_p50": float(p50),
            "score_p90": float(p90),
            "blacklisted_share": float(np.count_nonzero(listed)) / n,
            "false_blacklist_share": float(np.count_nonzero(listed & ~mods.payments.free_rider.values)) / n,
            "ever_blacklisted_share": float(np.count_nonzero(mods.lists.ever_blacklisted.values)) / n,
        }
        for key in ("listings_court", "listings_score", "hospital_episodes", "income_shocks", "bills_missed_health"):
            out[key] = t[key]
        out["denied_total"] = sum(t["denied_" + s] for s in SERVICES)
        return out
