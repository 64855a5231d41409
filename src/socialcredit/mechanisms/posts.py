"""M5 Posts: positive, neutral and critical posts, and a context-blind classifier that flags them."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from socialcredit.causes import Cause
from socialcredit.mechanisms.adaptation import speech_kept
from socialcredit.mechanisms.base import Mechanism, MechanismParams, StateSpec, poisson_events, sample_bernoulli
from socialcredit.mechanisms.data_collection import Channel, observed
from socialcredit.mechanisms.score import Factor, apply_evidence


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
    """Draws each day's posts by kind as daily totals assigned to their authors; classifies what is seen.

    A citizen posts at its posting rate; a share of its posts is critical (its trait, cut by
    self-censorship under M12), a share of the rest positive, the others neutral. Only posts a
    social platform sees are classified: critical ones flagged with the true-positive rate,
    neutral ones with the false-positive rate, positive ones never. Neutral posts are split by
    thinning, so only the flagged ones are assigned to authors.
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
    params: PostsParams

    def init(self) -> None:
        p, people = self.params, self.people
        neutral = people.posting_rate * (1.0 - people.critical_share) * (1.0 - p.positive_share)
        self.neutral_total = float(neutral.sum(dtype=np.float64))
        seen = observed(people, Channel.SOCIAL, np.arange(people.n))
        self.neutral_seen_total = float(neutral[seen].sum(dtype=np.float64))
        self.keep_flags = np.float32(np.exp(-1.0 / p.flag_memory_days))
        adaptation = self.sim.scenario.adaptation
        self.censorship = (
            adaptation.censorship_sensitivity if adaptation.enabled and adaptation.self_censorship else None
        )

    def step(self, day: int) -> None:
        p, people, rng = self.params, self.people, self.rng
        critical_rate = people.posting_rate * people.critical_share
        if self.censorship is not None:
            critical_rate *= speech_kept(people.perceived_risk, self.censorship)
        critical = poisson_events(rng, critical_rate)
        critical_seen = observed(people, Channel.SOCIAL, critical)
        flagged_critical = sample_bernoulli(rng, critical_seen, p.true_positive_rate)

        calm = people.posting_rate * (1.0 - people.critical_share)  # posts meant to be non-critical
        positive = poisson_events(rng, calm * p.positive_share)
        positive_seen = observed(people, Channel.SOCIAL, positive)

        fpr = p.false_positive_rate
        flaggable = poisson_events(rng, calm * ((1.0 - p.positive_share) * fpr))  # flagged, were they seen
        flagged_neutral = observed(people, Channel.SOCIAL, flaggable)
        neutral_seen = flagged_neutral.shape[0] + int(rng.poisson(self.neutral_seen_total * (1.0 - fpr)))
        neutral_unseen = flaggable.shape[0] - flagged_neutral.shape[0]
        neutral_unseen += int(rng.poisson((self.neutral_total - self.neutral_seen_total) * (1.0 - fpr)))

        if p.positive_reward > 0:
            apply_evidence(people, Factor.BEHAVIOUR, positive_seen, p.positive_reward)
        if p.flag_penalty > 0:  # criticism last: it names the cause when both are flagged the same day
            apply_evidence(people, Factor.BEHAVIOUR, flagged_neutral, -p.flag_penalty, Cause.MISFLAGGED_POST)
            apply_evidence(people, Factor.BEHAVIOUR, flagged_critical, -p.flag_penalty, Cause.CRITICISM)
        people.posts_flagged_recent *= self.keep_flags
        np.add.at(people.posts_flagged_recent, flagged_neutral, 1.0)
        np.add.at(people.posts_flagged_recent, flagged_critical, 1.0)

        neutral = neutral_seen + neutral_unseen
        flagged = flagged_critical.shape[0] + flagged_neutral.shape[0]
        self.sim.count("posts_total", critical.shape[0] + positive.shape[0] + neutral)
        self.sim.count("posts_critical", critical.shape[0])
        self.sim.count("posts_neutral", neutral)
        self.sim.count("posts_positive", positive.shape[0])
        self.sim.count("posts_flagged", flagged)
        self.sim.count("flagged_critical", flagged_critical.shape[0])
        self.sim.count("flagged_neutral", flagged_neutral.shape[0])
        self.sim.count("posts_seen_critical", critical_seen.shape[0])
        self.sim.count("posts_seen_neutral", neutral_seen)
