"""The SPEC §5 metrics: computed from the state and from event totals, every k days and at the end.

Stocks (shares, score quantiles, trust) describe the day they are recorded. Flows (rates and
counts) cover the interval since the previous record in the time series, and the whole run
in the summary. Names are stable: they are the summary's keys and the time series' columns.
A metric with nothing to measure (no score, no interactions) is NaN (null in JSON).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numba
import numpy as np
import pyarrow as pa

from socialcredit.mechanisms.lists import PERKS, SERVICES
from socialcredit.record import FALSE_CAUSES, TRUE_CAUSES, Cause
from socialcredit.society.population import RELATIONS, TRUST_UNIT

if TYPE_CHECKING:
    from socialcredit.engine import Simulation

# Listings are true or false by the listing's cause (record.TRUE_CAUSES, FALSE_CAUSES);
# cause `none` is reported as false_blacklist_other.
FALSE_BLACKLIST_CAUSES = FALSE_CAUSES
TRUE_BLACKLIST_CAUSES = TRUE_CAUSES


def _cause_label(cause: Cause) -> str:
    return "other" if cause == Cause.NONE else cause.label


# Events counted as they happen, reported as totals (and scaled by --scale-to).
EVENT_COUNTS = (
    "judgments_listable",
    "judgments_repaid",
    "listings_court",
    "listings_score",
    "listings_report",
    "appeals_filed",
    "appeals_granted",
    "hospital_episodes",
    "broadcasts",
)
# Every way off the blacklist: paying (court), recovering or serving the display period (score,
# report), winning an appeal.
EXITS = ("delistings_paid", "delistings_recovered", "delistings_expired", "appeals_granted")
COUNTS = (
    "reports_total",
    "slander_accepted",
    "reports_speech",
    "reports_by_informers",
    "listings_total",
    *EVENT_COUNTS,  # with the rest: the counts --scale-to also reports at national scale
    *(f"denied_{s}" for s in SERVICES),
    "denied_jobs",
    *(f"perks_{p}" for p in PERKS),
)


# What each summary metric is: "stock", a level on the day recorded (the last day in the
# summary), or "flow", a rate or count over the interval (the whole run in the summary). The
# tables mark flows from this mapping, and docs/model.md §8 lists it; tests check that it
# names every metric the recorder computes.
STOCKS = (
    "trust_mean",
    *(f"trust_{r}" for r in RELATIONS),
    "score_mean",
    "score_p10",
    "score_p50",
    "score_p90",
    "score_gini",
    "blacklisted_share",
    "blacklisted_share_court",
    "redlisted_share",
    "blacklist_precision",
    "blacklist_recall",
    "false_blacklist_share",
    *(f"false_blacklist_{_cause_label(c)}" for c in FALSE_BLACKLIST_CAUSES),
    *(f"true_blacklist_{c.label}" for c in TRUE_BLACKLIST_CAUSES),
    "ties_cut_share",
    "isolated_share",
    "largest_component_share",
    *(f"blacklisted_share_income_q{q}" for q in range(1, 6)),
    "blacklisted_share_urban",
    "blacklisted_share_rural",
    "ever_blacklisted_share",
)
FLOWS = (
    "cooperation_rate",
    *(f"withdrawal_{r}" for r in RELATIONS),
    "help_rate_blacklisted",
    "welfare",
    "default_rate",
    "critical_post_rate",
    "chilling",
    "posts_flagged_share",
    "classifier_true_positive_rate",
    "classifier_false_positive_rate",
    "reports_false_share",
    "entries_per_year",
    "exits_per_year",
    *COUNTS,
)
KIND: dict[str, str] = {**dict.fromkeys(STOCKS, "stock"), **dict.fromkeys(FLOWS, "flow")}

# Every counter the metrics read; the engine checks at import that some mechanism declares each.
COUNTERS_READ = (
    "helps",
    "interactions",
    "helps_blacklisted",
    "interactions_blacklisted",
    "payoff_total",
    "bills_missed",
    "bills_due",
    "posts_critical",
    "posts_flagged",
    "posts_total",
    "flagged_critical",
    "posts_seen_critical",
    "flagged_neutral",
    "posts_seen_neutral",
    "reports_total",
    "reports_false",
    "slander_accepted",
    "reports_speech",
    "reports_by_informers",
    *(f"acts_{r}" for r in RELATIONS),
    *(f"withdrawn_{r}" for r in RELATIONS),
    *(f"denied_{s}" for s in SERVICES),
    *(f"perks_{p}" for p in PERKS),
    *EVENT_COUNTS,
    "delistings_paid",
    "delistings_recovered",
    "delistings_expired",
)


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


@numba.njit(cache=True)
def sort_float32(x: np.ndarray) -> np.ndarray:
    """A sorted copy of float32 values without NaN: an LSD radix sort on the bits, two passes of 16.

    The bits of a float, its sign bit flipped (all bits if negative), order as unsigned
    integers the way the floats do; O(n), several times faster than NumPy's comparison sort
    on 10^7 scores here.
    """
    n = x.shape[0]
    keys = x.view(np.uint32).copy()
    for i in range(n):
        keys[i] = ~keys[i] if keys[i] >> 31 else keys[i] | np.uint32(1 << 31)
    other = np.empty_like(keys)
    for shift in (0, 16):
        counts = np.zeros((1 << 16) + 1, dtype=np.int64)
        for i in range(n):
            counts[((keys[i] >> shift) & 0xFFFF) + 1] += 1
        for b in range(1 << 16):
            counts[b + 1] += counts[b]
        for i in range(n):
            bucket = (keys[i] >> shift) & 0xFFFF
            other[counts[bucket]] = keys[i]
            counts[bucket] += 1
        keys, other = other, keys
    for i in range(n):
        keys[i] = keys[i] & np.uint32(0x7FFFFFFF) if keys[i] >> 31 else ~keys[i]
    return keys.view(np.float32)


@numba.njit(cache=True)
def gini_sorted(s: np.ndarray) -> float:
    """Gini coefficient (0: equal, 1: one holds all) of non-negative values sorted in ascending
    order: sum((2i - n - 1) s_i) / (n sum(s)), i from 1, in float64 and without temporaries
    (10^7 scores would need 80 MB for each)."""
    n = s.shape[0]
    if n == 0:
        return np.nan
    weighted = 0.0
    total = 0.0
    for i in range(n):
        weighted += (2.0 * (i + 1) - n - 1) * s[i]
        total += s[i]
    return weighted / (n * total) if total else 0.0


class Recorder:
    """Collects a row of metrics every k days and builds the summary at the end."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.rows: list[dict[str, float]] = []
        self.last_totals: dict[str, float] = {}
        self.start_day = self.last_day = sim.day  # a run continued after a burn-in starts late
        self._components = (-1, float("nan"), float("nan"))  # cache: (active entries, largest share, isolated share)

    def record(self) -> None:
        totals = self.sim.totals
        interval = {k: v - self.last_totals.get(k, 0.0) for k, v in totals.items()}
        row = {"day": float(self.sim.day), **self.compute(interval, self.sim.day - self.last_day)}
        self.rows.append(row)
        self.last_totals = dict(totals)
        self.last_day = self.sim.day

    def summary(self) -> dict[str, Any]:
        sim = self.sim
        out: dict[str, Any] = {"regime": sim.scenario.regime, "population": sim.people.n, "days": sim.day}
        out["seed"] = sim.seed
        values = self.compute(sim.totals, sim.day - self.start_day)
        out.update(values)
        scale_to = sim.scenario.run.scale_to
        if scale_to:
            factor = scale_to / sim.people.n
            out["scale_to"] = scale_to
            out["blacklisted_count_scaled"] = values["blacklisted_share"] * scale_to
            for key in (*COUNTS, "entries_per_year", "exits_per_year"):
                out[f"{key}_scaled"] = values[key] * factor
        return out

    def table(self) -> pa.Table:
        columns = {k: [row[k] for row in self.rows] for k in self.rows[0]}
        return pa.table({k: pa.array(v, type=pa.int32() if k == "day" else pa.float64()) for k, v in columns.items()})

    def compute(self, t: dict[str, float], days: int) -> dict[str, float]:
        sim, people = self.sim, self.sim.people
        n = people.n
        m: dict[str, float] = {}
        m["cooperation_rate"] = _ratio(t["helps"], t["interactions"])
        m["help_rate_blacklisted"] = _ratio(t["helps_blacklisted"], t["interactions_blacklisted"])
        m["welfare"] = _ratio(t["payoff_total"], n * days) if sim.enabled("interactions") else float("nan")
        by_relation = people.trust.mean(axis=1) / TRUST_UNIT
        m["trust_mean"] = float(by_relation.mean())  # the four relations weighed equally (docs/model.md §3)
        for relation, level in zip(RELATIONS, by_relation, strict=True):
            m[f"trust_{relation}"] = float(level)
            m[f"withdrawal_{relation}"] = _ratio(t[f"withdrawn_{relation}"], t[f"acts_{relation}"])
        m.update(self._score())
        listed = people.blacklisted
        n_listed = int(listed.sum())
        free_riders = people.free_rider
        causes = np.bincount(people.list_cause[listed], minlength=len(Cause))
        true_listed = int(causes[list(TRUE_BLACKLIST_CAUSES)].sum())
        m["blacklisted_share"] = n_listed / n
        # The court list as the courts keep it: every enforceable unpaid judgment, including those
        # whose debtor a score or report listing already holds (one listing a citizen in `list_kind`).
        court_list = sim.enabled("payments") and sim.enabled("lists") and sim.scenario.lists.court_blacklist
        m["blacklisted_share_court"] = float(np.count_nonzero(people.court_default)) / n if court_list else 0.0
        m["redlisted_share"] = float(people.redlisted.mean())
        m["blacklist_precision"] = _ratio(true_listed, n_listed)
        m["blacklist_recall"] = _ratio(int((listed & free_riders).sum()), int(free_riders.sum()))
        m["false_blacklist_share"] = (n_listed - true_listed) / n
        for cause in FALSE_BLACKLIST_CAUSES:
            m[f"false_blacklist_{_cause_label(cause)}"] = float(causes[cause]) / n
        for cause in TRUE_BLACKLIST_CAUSES:
            m[f"true_blacklist_{cause.label}"] = float(causes[cause]) / n
        m["default_rate"] = _ratio(t["bills_missed"], t["bills_due"])
        m["critical_post_rate"] = _ratio(t["posts_critical"], n * days)
        baseline = float(np.dot(people.posting_rate, people.critical_share)) / n
        # Clipped at 0: fewer critical posts than expected with no fear is chilling; more is noise
        # around the expected rate (a 5-day run of `none` gave -0.14 unclipped), not "negative fear".
        m["chilling"] = (
            float(np.maximum(1.0 - m["critical_post_rate"] / baseline, 0.0))
            if baseline > 0 and sim.enabled("posts")
            else float("nan")
        )
        m["posts_flagged_share"] = _ratio(t["posts_flagged"], t["posts_total"])
        # The classifier's measured confusion rates, over the posts a platform saw (only those are classified).
        m["classifier_true_positive_rate"] = _ratio(t["flagged_critical"], t["posts_seen_critical"])
        m["classifier_false_positive_rate"] = _ratio(t["flagged_neutral"], t["posts_seen_neutral"])
        m["reports_total"] = t["reports_total"]
        m["reports_false_share"] = _ratio(t["reports_false"], t["reports_total"])
        m["slander_accepted"] = t["slander_accepted"]
        m["reports_speech"] = t["reports_speech"]
        m["reports_by_informers"] = t["reports_by_informers"]
        m.update(self._network())
        for service in SERVICES:
            m[f"denied_{service}"] = t[f"denied_{service}"]
        m["denied_jobs"] = m["denied_civil_service_jobs"] + m["denied_journalism_jobs"]
        for perk in PERKS:
            m[f"perks_{perk}"] = t[f"perks_{perk}"]
        m.update(self._disparities(listed))
        for key in EVENT_COUNTS:
            m[key] = t[key]
        m["listings_total"] = t["listings_court"] + t["listings_score"] + t["listings_report"]
        exits = sum(t[key] for key in EXITS)
        m["entries_per_year"] = m["listings_total"] * 365.0 / days if days else float("nan")
        m["exits_per_year"] = exits * 365.0 / days if days else float("nan")
        m["ever_blacklisted_share"] = float(people.ever_blacklisted.mean())
        return m

    def _score(self) -> dict[str, float]:
        keys = ("score_mean", "score_p10", "score_p50", "score_p90", "score_gini")
        if not self.sim.enabled("score"):
            return dict.fromkeys(keys, float("nan"))
        score = self.sim.people.score
        ordered = sort_float32(score)  # one sort for the quantiles and the Gini
        p10, p50, p90 = np.percentile(ordered, [10, 50, 90])
        return dict(
            zip(keys, (float(score.mean()), float(p10), float(p50), float(p90), gini_sorted(ordered)), strict=True)
        )

    def _network(self) -> dict[str, float]:
        net = self.sim.network
        entries = net.active.shape[0]
        active = int(np.count_nonzero(net.active))
        if self._components[0] != active:  # components change only when ties are cut
            largest, isolated = net.components()
            self._components = (active, largest / net.n, isolated / net.n)
        return {
            "ties_cut_share": 1.0 - _ratio(active, entries) if entries else 0.0,
            "isolated_share": self._components[2],
            "largest_component_share": self._components[1],
        }

    def _disparities(self, listed: np.ndarray) -> dict[str, float]:
        people = self.sim.people
        counts, hits = _tally_groups(listed, people.income_rank, people.hukou)
        out = {f"blacklisted_share_income_q{q + 1}": _ratio(hits[q], counts[q]) for q in range(5)}
        out["blacklisted_share_urban"] = _ratio(hits[5], counts[5])
        out["blacklisted_share_rural"] = _ratio(hits[6], counts[6])
        return out


@numba.njit(cache=True)
def _tally_groups(listed: np.ndarray, income_rank: np.ndarray, hukou: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Citizens and listed citizens per income quintile (0-4), then urban (5) and rural (6): one pass."""
    counts = np.zeros(7, dtype=np.int64)
    hits = np.zeros(7, dtype=np.int64)
    for i in range(listed.shape[0]):
        quintile = min(int(income_rank[i] * 5), 4)
        place = 6 if hukou[i] else 5
        counts[quintile] += 1
        counts[place] += 1
        hits[quintile] += listed[i]
        hits[place] += listed[i]
    return counts, hits
