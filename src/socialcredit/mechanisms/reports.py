"""M7 Reports: citizens denounce their ties, truthfully or as slander; the regime decides what counts."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from socialcredit.causes import Cause
from socialcredit.kernels import pick_partners, tie_ends
from socialcredit.mechanisms.base import Mechanism, MechanismParams, StateSpec, sample_bernoulli, sample_rare
from socialcredit.mechanisms.lists import ListKind, blacklist
from socialcredit.mechanisms.score import Factor, apply_evidence
from socialcredit.reputation import Strategy
from socialcredit.society.network import Layer

Rule = Literal["accept", "reject", "mob"]


class ReportsParams(MechanismParams):
    enabled: bool = False
    report_rate: float = Field(
        1.4,
        ge=0,
        le=365,
        description="reports a year by a citizen of opportunism 1 (its rate scales with opportunism); with mean "
        "opportunism 0.1, 0.14 per citizen-year: 1 Stasi informant per 88 people in 1989 (Harrison) x ~12 "
        "reports each a year (assumed)",
    )
    slander_factor: float = Field(
        1.0,
        ge=0,
        le=100,
        description="a reporter whose target shows no misconduct slanders it with chance min(1, this x its "
        "opportunism)",
    )
    pile_on: float = Field(
        0.0,
        ge=0,
        le=1,
        description="chance a reporting occasion joins an open denunciation (a target of the mob rule's pending "
        "reports) instead of looking at a tie: false enforcement to signal loyalty (Centola, Willer & Macy 2005)",
    )
    verification: float = Field(0.5, ge=0, le=1, description="share of reports the institution checks (no source)")
    unverified: Rule = Field(
        "reject",
        description="fate of an unchecked report: accept, reject, or mob (accept once mob_size distinct reporters "
        "named the target within mob_window_days)",
    )
    mob_size: int = Field(3, ge=1, le=1000, description="distinct reporters that make a mob")
    mob_window_days: int = Field(30, ge=1, le=3650, description="days a report counts toward a mob")
    report_penalty: float = Field(
        0.1,
        ge=0,
        le=1,
        description="target's behaviour factor lost per accepted report (about 2% of the score range at default "
        "weights, as Suining's 10-50 of 1000 points per offence)",
    )
    reporter_reward: float = Field(
        0.01, ge=0, le=1, description="reporter's behaviour factor gained per accepted report (loyalty rewarded)"
    )
    list_on_accept: bool = Field(False, description="an accepted report blacklists its target (historical regimes)")
    household_spread: float = Field(
        0.0, ge=0, le=1, description="chance each household tie of a citizen listed by reports is listed too"
    )
    report_memory_days: float = Field(
        90.0,
        gt=0,
        le=3650,
        description="mean days an accepted report stays in the record of reports against one (`reported_recent`, "
        "read by M12); as posts' flag_memory_days (assumed)",
    )


class Reports(Mechanism):
    """Reporters, at a rate set by their opportunism, each name one of their ties.

    A target showing misconduct (a free rider in debt, or a defector when the donation game
    runs) is reported truthfully; otherwise the reporter may slander it. The institution
    checks a share (true reports accepted, slander rejected) and applies its rule to the
    rest; an accepted report costs the target behaviour factor and may list it.
    """

    name = "reports"
    claim = (
        "Reports by others raise or lower one's score, and opportunists slander others to raise "
        "their own standing, as in the Cultural Revolution's denunciations."
    )
    Params = ReportsParams
    states = (
        StateSpec(
            "reported_recent",
            "float32",
            0.0,
            "accepted reports against one, fading with e-folding time report_memory_days",
        ),
    )
    params: ReportsParams

    def init(self) -> None:
        self.keep_reports = np.float32(np.exp(-1.0 / self.params.report_memory_days))  # a day's fading
        self.denounced_today = np.empty(0, dtype=np.int64)  # the target of each of today's accepted reports (M12)
        self.hazard = (self.params.report_rate / 365.0 * self.people.opportunism).astype(np.float32)
        self.hazard_max = float(self.hazard.max()) if self.people.n else 0.0
        # Unverified reports awaiting a mob: day, reporter, target, false.
        self.pending = (np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int32), np.empty(0, bool))

    def step(self, day: int) -> None:
        p, rng = self.params, self.rng
        self.people.reported_recent *= self.keep_reports
        reporter, target, false = self._file()
        self.sim.count("reports_total", target.shape[0])
        self.sim.count("reports_false", int(np.count_nonzero(false)))

        checked = rng.random(target.shape[0]) < p.verification
        accepted = checked & ~false  # a check reveals the truth
        if p.unverified == "accept":
            accepted |= ~checked
        reports = (reporter, target, false)
        taken = [column[accepted] for column in reports]
        if p.unverified == "mob":
            mobbed = self._mob(day, *(column[~checked] for column in reports))
            taken = [np.concatenate([now, late]) for now, late in zip(taken, mobbed, strict=True)]
        self._accept(*taken, day)

    def _file(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Today's reports: (reporter, target, false).

        Each reporting occasion looks at one tie, or joins an open denunciation (pile-on);
        it names a target showing misconduct truthfully, an innocent tie as slander with
        the reporter's chance, an innocent it joins against always.
        """
        p, people, rng, net = self.params, self.people, self.rng, self.sim.network
        reporter = sample_rare(rng, self.hazard, self.hazard_max)
        anyone = np.full(reporter.shape[0], -1, dtype=np.int8)
        u = rng.random((2, reporter.shape[0]))
        target, entry = pick_partners(
            net.indptr, net.segments, net.indices, net.active, reporter, anyone, len(Layer), u
        )
        joins = np.zeros(reporter.shape[0], dtype=bool)
        open_targets = self.pending[2]
        if p.pile_on > 0 and open_targets.shape[0]:
            joins = rng.random(reporter.shape[0]) < p.pile_on
            target[joins] = open_targets[rng.integers(0, open_targets.shape[0], size=int(joins.sum()))]
        named = ((entry >= 0) | joins) & (target != reporter)  # a tie seen, or a denunciation joined
        reporter, target, joins = reporter[named], target[named], joins[named]
        guilty = people.free_rider[target] & (people.debt[target] > 0)
        if self.sim.enabled("interactions"):
            guilty |= people.strategy[target] == Strategy.DEFECTOR
        chance = np.minimum(1.0, p.slander_factor * people.opportunism[reporter])
        false = ~guilty & (joins | (rng.random(target.shape[0]) < chance))
        filed = guilty | false
        return reporter[filed], target[filed], false[filed]

    def _mob(self, day: int, reporter: np.ndarray, target: np.ndarray, false: np.ndarray) -> tuple[np.ndarray, ...]:
        """Log unchecked reports; release every logged report on a target named by a mob."""
        days = np.full(target.shape[0], day, dtype=np.int32)
        log = [
            np.concatenate([old, new]) for old, new in zip(self.pending, (days, reporter, target, false), strict=True)
        ]
        recent = log[0] > day - self.params.mob_window_days
        log = [column[recent] for column in log]
        pairs = np.unique(log[2].astype(np.int64) * self.people.n + log[1])
        named, reporters = np.unique(pairs // self.people.n, return_counts=True)
        mobbed = np.isin(log[2], named[reporters >= self.params.mob_size])
        self.pending = tuple(column[~mobbed] for column in log)
        return log[1][mobbed], log[2][mobbed], log[3][mobbed]

    def _accept(self, reporter: np.ndarray, target: np.ndarray, false: np.ndarray, day: int) -> None:
        p, people = self.params, self.people
        cause = np.where(false, Cause.SLANDER, Cause.MISCONDUCT).astype(np.int8)
        apply_evidence(people, Factor.BEHAVIOUR, target, -p.report_penalty, cause)
        apply_evidence(people, Factor.BEHAVIOUR, reporter, p.reporter_reward)
        np.add.at(people.reported_recent, target, np.float32(1.0))
        self.denounced_today = target  # one entry per accepted report
        self.sim.count("reports_accepted", target.shape[0])
        self.sim.count("slander_accepted", int(np.count_nonzero(false)))
        if not p.list_on_accept:
            return
        target, first = np.unique(target, return_index=True)
        listed = blacklist(people, target, ListKind.REPORT, cause[first], day)
        if p.household_spread > 0:
            new = target[(people.list_kind[target] == ListKind.REPORT) & (people.listed_day[target] == day)]
            kin = sample_bernoulli(self.rng, self._household(new), p.household_spread)
            listed += blacklist(people, kin, ListKind.REPORT, Cause.ASSOCIATION, day)
        self.sim.count("listings_report", listed)

    def _household(self, idx: np.ndarray) -> np.ndarray:
        """Household members of these citizens over uncut household ties (disowning protects)."""
        net = self.sim.network
        return np.unique(tie_ends(net.indptr, net.segments, net.indices, net.active, idx, int(Layer.HOUSEHOLD)))
