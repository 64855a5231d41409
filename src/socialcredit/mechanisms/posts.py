"""M5 Posts: positive, neutral and critical posts, and a context-blind classifier that flags them."""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
from pydantic import Field

from socialcredit import draws
from socialcredit.core import Mechanism, MechanismParams, StateSpec
from socialcredit.record import EVIDENCE, Cause, Channel, Factor, evidence, observed


class PostsParams(MechanismParams):
    positive_share: float = Field(
        0.2, ge=0, le=1, description="share of non-critical posts the platforms score as positive ('positive energy')"
    )
    true_positive_rate: float = Field(0.8, ge=0, le=1, description="chance the classifier flags a critical post")
    false_positive_rate: float = Field(
        0.05, ge=0, le=1, description="chance the classifier flags a neutral post (word filters neglect context)"
    )
    positive_reward: float = Field(
        0.0025, ge=0, le=1, description="behaviour factor gained per positive post a platform sees"
    )
    flag_penalty: float = Field(
        0.025,
        ge=0,
        le=1,
        description="behaviour factor lost per flagged post: 0.5% of the score range at the default behaviour "
        "weight, as Rongcheng's -5 of 1000 points for a minor offence",
    )
    flag_memory_days: float = Field(
        90.0,
        gt=0,
        le=3650,
        description="mean days a flag stays in one's own record of recent flags (minor records are shown up "
        "to 3 months)",
    )


class Posts(Mechanism):
    """Draws each citizen's posts by kind each day; classifies what is seen.

    A citizen posts at its posting rate; a share of its posts is critical (its trait, times the
    share it still dares to make under M12, `speech_kept`), a share of the rest positive, the others neutral. Only posts a
    social platform sees are classified: critical ones flagged with the true-positive rate,
    neutral ones with the false-positive rate, positive ones never. Neutral posts are split by
    thinning, so only the flagged ones are drawn per citizen; the rest are daily totals.
    """

    name = "posts"
    claim = (
        "Positive posts about the government raise the score and criticism of it is flagged negative; "
        "word filters neglect context, so innocent posts are flagged too."
    )
    Params = PostsParams
    states = (
        StateSpec(
            "posts_flagged_recent", "float32", 0.0, "own posts flagged, fading with e-folding time flag_memory_days"
        ),
    )
    reads = ("posting_rate", "critical_share", "speech_kept", "enrolled")
    writes = EVIDENCE
    counts = (
        "posts_total",
        "posts_critical",
        "posts_neutral",
        "posts_positive",
        "posts_flagged",
        "flagged_critical",
        "flagged_neutral",
        "posts_seen_critical",
        "posts_seen_neutral",
    )
    params: PostsParams

    def init(self) -> None:
        p, people = self.params, self.people
        neutral = people.posting_rate * (1.0 - people.critical_share) * (1.0 - p.positive_share)
        self.neutral_total = float(neutral.sum(dtype=np.float64))
        seen = observed(people, Channel.SOCIAL, np.arange(people.n))
        self.neutral_seen_total = float(neutral[seen].sum(dtype=np.float64))
        self.keep_flags = np.float32(np.exp(-1.0 / p.flag_memory_days))

    def step(self, day: int) -> None:
        p, people = self.params, self.people
        fpr = p.false_positive_rate
        c = PostCounts(
            *_post(
                self.decision_key("post", day),
                people.posting_rate,
                people.critical_share,
                people.speech_kept,
                people.enrolled[Channel.SOCIAL],
                p.positive_share,
                fpr,
                p.true_positive_rate,
                p.positive_reward,
                p.flag_penalty,
                self.keep_flags,
                people.factors[Factor.BEHAVIOUR],
                people.last_penalty_cause,
                people.posts_flagged_recent,
            )
        )
        # Neutral posts that are not flagged only count: their totals are drawn directly.
        neutral_seen = c.flagged_neutral + int(
            self.generator("neutral_seen", day).poisson(self.neutral_seen_total * (1.0 - fpr))
        )
        neutral_unseen = (
            c.flaggable
            - c.flagged_neutral
            + int(
                self.generator("neutral_unseen", day).poisson(
                    (self.neutral_total - self.neutral_seen_total) * (1.0 - fpr)
                )
            )
        )
        neutral = neutral_seen + neutral_unseen
        self.count("posts_total", c.critical + c.positive + neutral)
        self.count("posts_critical", c.critical)
        self.count("posts_neutral", neutral)
        self.count("posts_positive", c.positive)
        self.count("posts_flagged", c.flagged_critical + c.flagged_neutral)
        self.count("flagged_critical", c.flagged_critical)
        self.count("flagged_neutral", c.flagged_neutral)
        self.count("posts_seen_critical", c.critical_seen)
        self.count("posts_seen_neutral", neutral_seen)


class PostCounts(NamedTuple):
    """A day's posts, as `_post` counts them."""

    critical: int
    critical_seen: int
    flagged_critical: int
    positive: int
    flaggable: int  # neutral posts the classifier would flag, seen or not
    flagged_neutral: int  # of those, the ones a platform saw: false positives


@numba.njit(parallel=True, cache=True)
def _post(
    key: np.uint64,
    posting_rate: np.ndarray,
    critical_share: np.ndarray,
    kept: np.ndarray,
    seen: np.ndarray,
    positive_share: float,
    fpr: float,
    tpr: float,
    reward: float,
    penalty: float,
    keep_flags: np.floating,
    behaviour: np.ndarray,
    cause: np.ndarray,
    flagged_recent: np.ndarray,
) -> tuple[int, int, int, int, int, int]:
    """Each citizen's posts today, classified where seen, and their effect on its behaviour factor.

    One Poisson count of the citizen's critical, positive and would-be-flagged neutral posts
    (the three kinds are independent Poisson processes, so their sum is one and each post's
    kind a draw by rate), from counter-based draws (`draws`): the same for any number of
    threads. Critical posts are flagged with the true-positive rate, neutral ones in this
    count are the false positives; a post counts only if the platforms see its author. The
    critical rate is cut to the share `kept` (self-censorship). Returns `PostCounts`' fields.
    """
    n = posting_rate.shape[0]
    blocks = (n + draws.BLOCK - 1) // draws.BLOCK
    tally = np.zeros((blocks, 6), dtype=np.int64)  # per block of citizens: the returned counts
    for b in numba.prange(blocks):
        lo, hi = b * draws.BLOCK, min((b + 1) * draws.BLOCK, n)
        rates = np.empty((3, hi - lo), dtype=np.float64)  # critical, positive, any
        posting = np.empty(hi - lo, dtype=np.bool_)
        for i in range(lo, hi):  # screening, vectorised
            flagged_recent[i] *= keep_flags
            rate_critical = posting_rate[i] * critical_share[i] * kept[i]
            calm = posting_rate[i] * (1.0 - critical_share[i])
            rates[0, i - lo] = rate_critical
            rates[1, i - lo] = calm * positive_share
            rates[2, i - lo] = rate_critical + calm * (positive_share + (1.0 - positive_share) * fpr)
            posting[i - lo] = draws.may_occur(draws.citizen(key, i), rates[2, i - lo])
        for i in range(lo, hi):
            if not posting[i - lo]:
                continue
            rate_critical, rate_positive, total = rates[0, i - lo], rates[1, i - lo], rates[2, i - lo]
            state = draws.citizen(key, i)
            n_critical = 0
            n_flagged_critical = 0
            n_positive = 0
            n_flaggable = 0
            for e in range(draws.poisson(state, total)):
                u = draws.uniform(state, draws.EVENTS + 2 * e) * total
                if u < rate_critical:
                    n_critical += 1
                    n_flagged_critical += draws.uniform(state, draws.EVENTS + 2 * e + 1) < tpr
                elif u < rate_critical + rate_positive:
                    n_positive += 1
                else:
                    n_flaggable += 1
            tally[b, 0] += n_critical
            tally[b, 3] += n_positive
            tally[b, 4] += n_flaggable
            if not seen[i]:
                continue
            tally[b, 1] += n_critical
            tally[b, 2] += n_flagged_critical
            tally[b, 5] += n_flaggable
            if reward > 0 and n_positive:
                evidence(behaviour, i, reward * n_positive)
            if penalty > 0:  # criticism last: it names the cause when both are flagged the same day
                if n_flaggable:
                    evidence(behaviour, i, -penalty * n_flaggable)
                    cause[i] = Cause.MISFLAGGED_POST
                if n_flagged_critical:
                    evidence(behaviour, i, -penalty * n_flagged_critical)
                    cause[i] = Cause.CRITICISM
            flagged_recent[i] += n_flaggable + n_flagged_critical
    critical, critical_seen, flagged_critical, positive, flaggable, flagged_neutral = tally.sum(axis=0)
    return critical, critical_seen, flagged_critical, positive, flaggable, flagged_neutral
