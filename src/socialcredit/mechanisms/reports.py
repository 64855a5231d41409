"""M7 Reports: citizens denounce their ties, truthfully or as slander; the regime decides what counts."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from socialcredit.core import Mechanism, MechanismParams, StateSpec
from socialcredit.record import EVIDENCE, LISTING, Cause, Factor, ListKind, apply_evidence, blacklist
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
    informer_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="share of citizens who are informers, unknown to their ties (Stasi 1989: about 1 per 88 "
        "people, county densities 1-10 per 1,000; Harrison [SOURCES.md]); 0: none",
    )
    informer_report_rate: float = Field(
        12.0,
        ge=0,
        le=365,
        description="reports a year by an informer, on top of its own propensity (assumed: about one a month)",
    )
    fear_reporting: float = Field(
        1.0,
        ge=0,
        le=100,
        description="a citizen's reporting rate is multiplied by 1 + this x its perceived risk: denouncing first "
        "as self-protection (false enforcement, Willer, Kuwabara & Macy 2009 [R]; 1, twice the rate at certain risk, is assumed); 0: none",
    )
    speech_reportable: bool = Field(
        False,
        description="a critical remark a reporter hears from the tie it looks at is reportable: the chance it "
        "hears one is the tie's critical share times the share it still dares (`speech_kept`); the report is "
        "true (cause criticism)",
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
        StateSpec("denounced_today", "int16", 0, "reports against one accepted today (read by M12)"),
    )
    reads = (
        "opportunism",
        "free_rider",
        "debt",
        "strategy",
        "protected_until",
        "blacklisted",
        "list_kind",
        "listed_day",
        "critical_share",
        "speech_kept",
        "perceived_risk",
    )
    writes = (*EVIDENCE, *LISTING)
    counts = (
        "reports_total",
        "reports_false",
        "reports_speech",
        "reports_by_informers",
        "reports_accepted",
        "slander_accepted",
        "listings_report",
    )
    logs = ("pending",)
    params: ReportsParams

    def init(self) -> None:
        p, n = self.params, self.people.n
        self.keep_reports = np.float32(np.exp(-1.0 / p.report_memory_days))  # a day's fading
        self.hazard = (p.report_rate / 365.0 * self.people.opportunism).astype(np.float32)
        # Informers are drawn once, from the run's key alone: the same citizens in every regime with the share.
        self.informer = self.uniform("informer", 0, np.arange(n)) < p.informer_share if p.informer_share > 0 else None
        if self.informer is not None:
            self.hazard[self.informer] += np.float32(p.informer_report_rate / 365.0)
        self.hazard_max = float(self.hazard.max()) * (1.0 + p.fear_reporting) if n else 0.0
        self.defection_shows = self.sim.enabled("interactions")  # a defector of the donation game shows misconduct
        # Unverified reports awaiting a mob: day, reporter, target, cause.
        self.pending: tuple[np.ndarray, ...] = (
            np.empty(0, np.int32),
            np.empty(0, np.int64),
            np.empty(0, np.int32),
            np.empty(0, np.int8),
        )

    def step(self, day: int) -> None:
        p = self.params
        self.people.reported_recent *= self.keep_reports
        self.people.denounced_today[:] = 0
        reporter, target, cause = self._file(day)
        false = cause == Cause.SLANDER
        self.count("reports_total", target.shape[0])
        self.count("reports_false", int(np.count_nonzero(false)))

        checked = self.uniform("verify", day, reporter) < p.verification  # one report per reporter a day
        accepted = checked & ~false  # a check reveals the truth
        if p.unverified == "accept":
            accepted |= ~checked
        reports = (reporter, target, cause)
        taken = [column[accepted] for column in reports]
        if p.unverified == "mob":
            mobbed = self._mob(day, *(column[~checked] for column in reports))
            taken = [np.concatenate([now, late]) for now, late in zip(taken, mobbed, strict=True)]
        self._accept(taken[0], taken[1], taken[2], day)

    def _file(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Today's reports: (reporter, target, cause: misconduct, criticism or slander).

        Each reporting occasion looks at one tie, or joins an open denunciation (pile-on);
        it names a target showing misconduct truthfully, a critical remark it heard where
        speech is reportable, an innocent tie as slander with the reporter's chance, an
        innocent it joins against always. Fear and informers raise the rate (`hazard`).
        """
        p, people, net = self.params, self.people, self.sim.network
        hazard = self.hazard
        if p.fear_reporting > 0:
            hazard = hazard * (1.0 + np.float32(p.fear_reporting) * people.perceived_risk)
        reporter = self.sample_rare("report", day, hazard, self.hazard_max, people.n)
        target, entry = net.pick_partners(reporter, self.uniform("target", day, reporter, slots=2))
        joins = np.zeros(reporter.shape[0], dtype=bool)
        open_targets = self.pending[2]
        if p.pile_on > 0 and open_targets.shape[0]:
            u = self.uniform("pile_on", day, reporter, slots=2)
            joins = u[0] < p.pile_on
            pick = np.minimum((u[1][joins] * open_targets.shape[0]).astype(np.int64), open_targets.shape[0] - 1)
            target[joins] = open_targets[pick]
        named = ((entry >= 0) | joins) & (target != reporter)  # a tie seen, or a denunciation joined
        reporter, target, joins = reporter[named], target[named], joins[named]
        guilty = people.free_rider[target] & (people.debt[target] > 0)
        if self.defection_shows:
            guilty |= people.strategy[target] == Strategy.DEFECTOR
        speech = np.zeros(target.shape[0], dtype=bool)
        if p.speech_reportable:
            heard = people.critical_share[target] * people.speech_kept[target]
            speech = ~guilty & ~joins & (self.uniform("overheard", day, reporter) < heard)
        chance = np.minimum(1.0, p.slander_factor * people.opportunism[reporter])
        false = ~guilty & ~speech & (joins | (self.uniform("slander", day, reporter) < chance))
        filed = guilty | speech | false
        self.count("reports_speech", int(np.count_nonzero(speech)))
        if self.informer is not None:
            self.count("reports_by_informers", int(np.count_nonzero(self.informer[reporter[filed]])))
        cause = np.where(false, Cause.SLANDER, np.where(speech, Cause.CRITICISM, Cause.MISCONDUCT)).astype(np.int8)
        return reporter[filed], target[filed], cause[filed]

    def _mob(self, day: int, reporter: np.ndarray, target: np.ndarray, cause: np.ndarray) -> tuple[np.ndarray, ...]:
        """Log unchecked reports; release every logged report on a target named by a mob."""
        days = np.full(target.shape[0], day, dtype=np.int32)
        log = [
            np.concatenate([old, new]) for old, new in zip(self.pending, (days, reporter, target, cause), strict=True)
        ]
        recent = log[0] > day - self.params.mob_window_days
        log = [column[recent] for column in log]
        pairs = np.unique(log[2].astype(np.int64) * self.people.n + log[1])
        named, reporters = np.unique(pairs // self.people.n, return_counts=True)
        mobbed = np.isin(log[2], named[reporters >= self.params.mob_size])
        self.pending = tuple(column[~mobbed] for column in log)
        return log[1][mobbed], log[2][mobbed], log[3][mobbed]

    def _accept(self, reporter: np.ndarray, target: np.ndarray, cause: np.ndarray, day: int) -> None:
        p, people = self.params, self.people
        false = cause == Cause.SLANDER
        apply_evidence(people, Factor.BEHAVIOUR, target, -p.report_penalty, cause)
        apply_evidence(people, Factor.BEHAVIOUR, reporter, p.reporter_reward)
        np.add.at(people.reported_recent, target, np.float32(1.0))
        np.add.at(people.denounced_today, target, 1)
        self.count("reports_accepted", target.shape[0])
        self.count("slander_accepted", int(np.count_nonzero(false)))
        if not p.list_on_accept:
            return
        target, first = np.unique(target, return_index=True)
        listed = blacklist(people, target, ListKind.REPORT, cause[first], day)
        if p.household_spread > 0:
            new = target[(people.list_kind[target] == ListKind.REPORT) & (people.listed_day[target] == day)]
            kin = np.unique(self.sim.network.tie_ends(new, int(Layer.HOUSEHOLD)))  # over uncut ties: disowning protects
            kin = self.bernoulli("household_spread", day, kin, p.household_spread)
            listed += blacklist(people, kin, ListKind.REPORT, Cause.ASSOCIATION, day)
        self.count("listings_report", listed)
