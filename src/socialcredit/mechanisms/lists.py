"""M9 Lists and sanctions: blacklists by court default or low score, a redlist, joint punishment."""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
from pydantic import Field

from socialcredit.core import Mechanism, MechanismParams, Params, StateSpec
from socialcredit.record import LISTING, ListKind, blacklist, delist

Service = Literal[
    "flights", "trains", "car_rental", "insurance", "loans", "civil_service_jobs", "journalism_jobs", "travel_abroad"
]
Perk = Literal["vip_checkin", "visa_fast_track", "dating_visibility"]
SERVICES: tuple[Service, ...] = get_args(Service)
PERKS: tuple[Perk, ...] = get_args(Perk)


class ServiceRates(Params):
    """How often a citizen tries each service, per year (population mean, before denials)."""

    flights: float = Field(0.47, ge=0, le=365, description="domestic flights per person-year")
    trains: float = Field(
        1.6, ge=0, le=365, description="high-speed (EMU: G, D and C) rail trips per person-year, any class"
    )
    car_rental: float = Field(0.1, ge=0, le=365, description="car rentals per person-year")
    insurance: float = Field(0.3, ge=0, le=365, description="insurance purchases per person-year")
    loans: float = Field(0.3, ge=0, le=365, description="loan applications per person-year")
    civil_service_jobs: float = Field(0.01, ge=0, le=365, description="civil-service applications per person-year")
    journalism_jobs: float = Field(0.002, ge=0, le=365, description="journalism applications per person-year")
    travel_abroad: float = Field(0.11, ge=0, le=365, description="trips abroad per person-year")


class IncomeGradients(Params):
    """How steeply each service's attempts rise with income: a citizen of income rank r tries at
    the base rate times (1 + k) r^k, whose population mean is the base rate (k = 0: flat).
    Flyers and travellers abroad are richer than train riders; the sizes are assumed."""

    flights: float = Field(2.0, ge=0, le=10, description="flights (assumed: air travel rises steeply with income)")
    trains: float = Field(0.5, ge=0, le=10, description="high-speed rail trips (assumed)")
    car_rental: float = Field(1.0, ge=0, le=10, description="car rentals (assumed)")
    insurance: float = Field(0.5, ge=0, le=10, description="insurance purchases (assumed)")
    loans: float = Field(0.0, ge=0, le=10, description="loan applications (assumed flat)")
    civil_service_jobs: float = Field(0.0, ge=0, le=10, description="civil-service applications (assumed flat)")
    journalism_jobs: float = Field(0.0, ge=0, le=10, description="journalism applications (assumed flat)")
    travel_abroad: float = Field(2.0, ge=0, le=10, description="trips abroad (assumed, as flights)")


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
        description=(
            "score and report listings are lifted after this many days (display period; unset: never); "
            "the same record does not list again"
        ),
    )
    redlist_above: float | None = Field(None, description="redlist whoever scores at or above this (off when unset)")
    sanctions: list[Service] = Field(
        default_factory=lambda: list(SERVICES),
        description="services denied to the blacklisted (joint punishment when beyond loans)",
    )
    perks: list[Perk] = Field(default_factory=list, description="perks granted to the redlisted")
    service_rates: ServiceRates = Field(default_factory=ServiceRates)
    income_gradients: IncomeGradients = Field(default_factory=IncomeGradients)
    rail_restricted_share: float = Field(
        0.6,
        ge=0,
        le=1,
        description=(
            "share of high-speed trips a listed citizen is refused: G-trains and first-class seats are barred "
            "(SPC Provisions on restricting high consumption, 2015 revision, Art. 3, recalled), a second-class "
            "D-train seat is not; the share of such trips is assumed"
        ),
    )
    perk_rates: PerkRates = Field(default_factory=PerkRates)


class Lists(Mechanism):
    """Lists and delists each day, then denies services to the listed and grants perks to the redlisted.

    Every citizen tries each service at its base rate scaled by income rank (the richer fly
    more; the population mean stays the base rate), whether listed or not (the same attempts
    in every regime); one blacklist restricts every sanctioned context at once (joint
    punishment), on the railways only the restricted trains and classes; a denial is counted
    per service and per citizen. A score listing's ground-truth cause is the score's shortfall
    cause (M8).
    """

    name = "lists"
    claim = (
        "A blacklist of debt defaulters: 8.8 million listed, 8.7 million flights and 3.4 million "
        "high-speed train tickets refused; the well-scored get VIP check-in and fast-tracked visas."
    )
    Params = ListsParams
    states = (
        StateSpec("redlisted", "bool", False, "on the redlist now"),
        StateSpec("sanctions_suffered", "int32", 0, "denials of service suffered"),
        StateSpec("perks_received", "int32", 0, "perks received"),
        StateSpec(
            "spent_score",
            "float32",
            np.nan,
            "score when a score listing's display period ran out (NaN: none spent); no relisting on that record",
        ),
    )
    reads = ("court_default", "debt_cause", "income_rank", "score", "shortfall_cause", "protected_until", *LISTING)
    writes = LISTING
    counts = (
        "listings_court",
        "listings_score",
        "delistings_paid",
        "delistings_recovered",
        "delistings_expired",
        *(f"denied_{s}" for s in SERVICES),
        *(f"attempts_blacklisted_{s}" for s in SERVICES),
        *(f"perks_{p}" for p in PERKS),
    )
    params: ListsParams

    def init(self) -> None:
        self.scored = self.sim.enabled("score")

    def step(self, day: int) -> None:
        p, people = self.params, self.people
        if p.court_blacklist:
            due = np.flatnonzero(people.court_default & ~people.blacklisted)
            self.count("listings_court", blacklist(people, due, ListKind.COURT, people.debt_cause[due], day))
        paid = np.flatnonzero((people.list_kind == ListKind.COURT) & ~people.court_default)
        delist(people, paid)  # paying off the debt delists
        self.count("delistings_paid", paid.shape[0])

        if self.scored and p.score_blacklist_below is not None:
            # A record that served its display period (max_listing_days) is spent: it lists again
            # only once the score has recovered, or has fallen by the margin below where it expired
            # (new evidence), never the next day for the same record.
            spent = ~np.isnan(people.spent_score)
            people.spent_score[spent & (people.score >= p.score_blacklist_below + p.delist_margin)] = np.nan
            fresh = ~(people.score >= people.spent_score - p.delist_margin)  # NaN (not spent) compares False
            low = np.flatnonzero((people.score < p.score_blacklist_below) & ~people.blacklisted & fresh)
            cause = people.shortfall_cause[low]
            self.count("listings_score", blacklist(people, low, ListKind.SCORE, cause, day))
            recovered = np.flatnonzero(
                (people.list_kind == ListKind.SCORE)
                & (people.score >= p.score_blacklist_below + p.delist_margin)
                & (day - people.listed_day >= p.min_listing_days)
            )
            delist(people, recovered)
            self.count("delistings_recovered", recovered.shape[0])
        if p.max_listing_days is not None:
            expired = np.flatnonzero(
                ((people.list_kind == ListKind.SCORE) | (people.list_kind == ListKind.REPORT))
                & (day - people.listed_day >= p.max_listing_days)
            )
            if self.scored:
                score_kind = expired[people.list_kind[expired] == ListKind.SCORE]
                people.spent_score[score_kind] = people.score[score_kind]
            delist(people, expired)
            self.count("delistings_expired", expired.shape[0])
        if self.scored and p.redlist_above is not None:
            people.redlisted[:] = (people.score >= p.redlist_above) & ~people.blacklisted

        self._attempts(day)
        self._perks(day)

    def _attempts(self, day: int) -> None:
        """Today's attempts at each service, by anyone; those of the listed are counted, and denied
        where the service (on the railways, the trip's train or class) is sanctioned."""
        p, people = self.params, self.people
        sanctioned = set(p.sanctions)
        for service in SERVICES:
            k = getattr(p.income_gradients, service)
            top = min(getattr(p.service_rates, service) * (1.0 + k) / 365.0, 1.0)  # the richest citizen's rate
            tries = self.sample_rare(f"attempt_{service}", day, top, top, people.n)
            if k > 0:  # thinned to (1 + k) r^k times the base rate
                tries = tries[self.uniform(f"attempt_{service}_income", day, tries) < people.income_rank[tries] ** k]
            listed = tries[people.blacklisted[tries]]
            self.count(f"attempts_blacklisted_{service}", listed.shape[0])
            if service == "trains":
                listed = self.bernoulli("restricted_trains", day, listed, p.rail_restricted_share)
            if service in sanctioned and listed.shape[0]:
                people.sanctions_suffered[listed] += 1  # one attempt a citizen a day: no repeats
                self.count(f"denied_{service}", listed.shape[0])

    def _perks(self, day: int) -> None:
        p, people = self.params, self.people
        for perk in p.perks:
            rate = min(getattr(p.perk_rates, perk) / 365.0, 1.0)
            occasions = self.sample_rare(f"perk_{perk}", day, rate, rate, people.n)
            red = occasions[people.redlisted[occasions]]
            people.perks_received[red] += 1
            self.count(f"perks_{perk}", red.shape[0])
