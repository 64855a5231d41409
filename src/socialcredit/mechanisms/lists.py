"""M9 Lists and sanctions: blacklists by court default or low score, a redlist, joint punishment."""

from __future__ import annotations

from enum import IntEnum
from typing import Literal

import numpy as np
from pydantic import Field

from socialcredit.causes import Cause
from socialcredit.mechanisms.base import Mechanism, MechanismParams, Params, StateSpec
from socialcredit.mechanisms.score import Factor
from socialcredit.society.people import People

Service = Literal[
    "flights", "trains", "car_rental", "insurance", "loans", "civil_service_jobs", "journalism_jobs", "travel_abroad"
]
Perk = Literal["vip_checkin", "visa_fast_track", "dating_visibility"]
SERVICES: tuple[str, ...] = Service.__args__  # type: ignore[attr-defined]
PERKS: tuple[str, ...] = Perk.__args__  # type: ignore[attr-defined]


class ListKind(IntEnum):
    NONE = 0
    COURT = 1  # a court-listed debt defaulter
    SCORE = 2  # the score fell below the threshold
    REPORT = 3  # named by accepted reports (historical regimes)


class ServiceRates(Params):
    """How often a citizen tries each service, per year (whole population, before denials)."""

    flights: float = Field(0.47, ge=0, le=365, description="domestic flights per person-year")
    trains: float = Field(1.6, ge=0, le=365, description="high-speed rail trips per person-year")
    car_rental: float = Field(0.1, ge=0, le=365, description="car rentals per person-year")
    insurance: float = Field(0.3, ge=0, le=365, description="insurance purchases per person-year")
    loans: float = Field(0.3, ge=0, le=365, description="loan applications per person-year")
    civil_service_jobs: float = Field(0.01, ge=0, le=365, description="civil-service applications per person-year")
    journalism_jobs: float = Field(0.002, ge=0, le=365, description="journalism applications per person-year")
    travel_abroad: float = Field(0.11, ge=0, le=365, description="trips abroad per person-year")


class PerkRates(Params):
    """How often a redlisted citizen has the occasion for each perk, per year."""

    vip_checkin: float = Field(0.47, ge=0, le=365, description="flights, hence airport check-ins")
    visa_fast_track: float = Field(0.11, ge=0, le=365, description="visa applications")
    dating_visibility: float = Field(1.0, ge=0, le=365, description="dating-platform sessions boosted")


class ListsParams(MechanismParams):
    court_blacklist: bool = Field(True, description="court-listed debt defaulters are blacklisted")
    score_blacklist_below: float | None = Field(
        None, description="blacklist whoever scores below this (off when unset)"
    )
    delist_margin: float = Field(10.0, ge=0, description="score points above the threshold needed to leave the list")
    min_listing_days: int = Field(90, ge=0, description="shortest stay on the score blacklist, days")
    max_listing_days: int | None = Field(
        None,
        ge=1,
        description="score and report listings are lifted after this many days (display period; unset: never)",
    )
    redlist_above: float | None = Field(None, description="redlist whoever scores at or above this (off when unset)")
    sanctions: list[Service] = Field(
        default_factory=lambda: list(SERVICES),
        description="services denied to the blacklisted (joint punishment when beyond loans)",
    )
    perks: list[Perk] = Field(default_factory=list, description="perks granted to the redlisted")
    service_rates: ServiceRates = Field(default_factory=ServiceRates)
    perk_rates: PerkRates = Field(default_factory=PerkRates)


def blacklist(people: People, idx: np.ndarray, kind: ListKind, cause: int | np.ndarray, day: int) -> int:
    """Put these citizens on the blacklist (those already listed or protected are skipped)."""
    free = ~people.blacklisted[idx] & (people.protected_until[idx] <= day)
    idx = idx[free]
    if isinstance(cause, np.ndarray):
        cause = cause[free]
    people.blacklisted[idx] = True
    people.ever_blacklisted[idx] = True
    people.list_kind[idx] = kind
    people.list_cause[idx] = cause
    people.listed_day[idx] = day
    return int(idx.shape[0])


def delist(people: People, idx: np.ndarray) -> None:
    """Take these citizens off the blacklist, and their names off public display (M10)."""
    people.blacklisted[idx] = False
    people.list_kind[idx] = ListKind.NONE
    people.list_cause[idx] = Cause.NONE
    people.listed_day[idx] = -1
    people.publicly_shamed[idx] = False


def listed_on(people: People, day: int) -> np.ndarray:
    """The citizens listed on `day` and still listed (a delisting resets `listed_day`)."""
    return np.flatnonzero(people.listed_day == day)


class Lists(Mechanism):
    """Lists and delists each day, then lets citizens try services and perks at base rates.

    One blacklist restricts every sanctioned context at once (joint punishment); a denial is
    counted per service and per citizen.
    """

    name = "lists"
    claim = (
        "A blacklist of debt defaulters: 8.8 million listed, 8.7 million flights and 3.4 million "
        "high-speed train tickets refused; the well-scored get VIP check-in and fast-tracked visas."
    )
    Params = ListsParams
    states = (
        StateSpec("blacklisted", "bool", False, "on the blacklist now"),
        StateSpec("ever_blacklisted", "bool", False, "blacklisted at some point in the run"),
        StateSpec("list_kind", "int8", ListKind.NONE, "ListKind of the current listing"),
        StateSpec("list_cause", "int8", Cause.NONE, "Cause of the current listing (ground truth)"),
        StateSpec("listed_day", "int32", -1, "day of the current listing"),
        StateSpec("redlisted", "bool", False, "on the redlist now"),
        StateSpec("protected_until", "int32", -1, "not listed again before this day (a won appeal)"),
    )
    params: ListsParams

    def step(self, day: int) -> None:
        p, people = self.params, self.people
        if p.court_blacklist:
            due = np.flatnonzero(people.court_default & ~people.blacklisted)
            self.sim.count("listings_court", blacklist(people, due, ListKind.COURT, people.debt_cause[due], day))
        paid = np.flatnonzero((people.list_kind == ListKind.COURT) & ~people.court_default)
        delist(people, paid)  # paying off the debt delists
        self.sim.count("delistings_paid", paid.shape[0])

        scored = self.sim.enabled("score")
        if scored and p.score_blacklist_below is not None:
            low = np.flatnonzero((people.score < p.score_blacklist_below) & ~people.blacklisted)
            self.sim.count("listings_score", blacklist(people, low, ListKind.SCORE, self.attribute(low), day))
            recovered = np.flatnonzero(
                (people.list_kind == ListKind.SCORE)
                & (people.score >= p.score_blacklist_below + p.delist_margin)
                & (day - people.listed_day >= p.min_listing_days)
            )
            delist(people, recovered)
            self.sim.count("delistings_recovered", recovered.shape[0])
        if p.max_listing_days is not None:
            expired = np.flatnonzero(
                ((people.list_kind == ListKind.SCORE) | (people.list_kind == ListKind.REPORT))
                & (day - people.listed_day >= p.max_listing_days)
            )
            delist(people, expired)
            self.sim.count("delistings_expired", expired.shape[0])
        if scored and p.redlist_above is not None:
            people.redlisted[:] = (people.score >= p.redlist_above) & ~people.blacklisted

        self._attempts(np.flatnonzero(people.blacklisted))
        self._perks(np.flatnonzero(people.redlisted))

    def attribute(self, idx: np.ndarray) -> np.ndarray:
        """Ground-truth cause of a score listing: the factor that fell furthest, weighted.

        A shortfall in the relationships factor is association; an inherited label is the
        class label; otherwise the cause of the citizen's latest penalty.
        """
        people, score = self.people, self.sim.mechanism("score")
        weights = score.weights
        dynamic = [Factor.CREDIT_HISTORY, Factor.BEHAVIOUR]
        drop = (score.baselines(idx) - people.factors[:, idx]) * weights[:, None]
        own = drop[dynamic].sum(axis=0)
        label = weights[Factor.PERSONAL_CHARACTERISTICS] * self.sim.scenario.score.class_label_penalty
        label_drop = label * people.class_label[idx]
        relation = drop[Factor.RELATIONSHIPS]
        cause = people.last_penalty_cause[idx].copy()
        cause[(relation > 0) & (relation > own) & (relation >= label_drop)] = Cause.ASSOCIATION
        cause[(label_drop > 0) & (label_drop > own) & (label_drop > relation)] = Cause.CLASS_LABEL
        return cause

    def _attempts(self, listed: np.ndarray) -> None:
        rates = self.params.service_rates
        sanctioned = set(self.params.sanctions)
        for service in SERVICES:
            tries = self.rng.binomial(listed.shape[0], min(getattr(rates, service) / 365.0, 1.0))
            if service in sanctioned and tries:
                who = listed[self.rng.integers(0, listed.shape[0], size=tries)]
                np.add.at(self.people.sanctions_suffered, who, 1)
                self.sim.count(f"denied_{service}", tries)
            self.sim.count(f"attempts_blacklisted_{service}", tries)

    def _perks(self, red: np.ndarray) -> None:
        rates = self.params.perk_rates
        for perk in self.params.perks:
            uses = self.rng.binomial(red.shape[0], min(getattr(rates, perk) / 365.0, 1.0))
            if uses:
                np.add.at(self.people.perks_received, red[self.rng.integers(0, red.shape[0], size=uses)], 1)
            self.sim.count(f"perks_{perk}", uses)
