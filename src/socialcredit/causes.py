"""Why a citizen missed a payment or was listed: the ground truth the institution cannot see.

Stored as int8 codes in per-citizen arrays; the metrics split false blacklisting by them.
"""

from enum import IntEnum


class Cause(IntEnum):
    NONE = 0
    FREE_RIDING = 1  # deliberately does not pay: the only cause the blacklist is meant for
    HEALTH = 2  # in hospital, or impoverished by a hospital episode
    INCOME = 3  # an income shock left the citizen short
    MISFLAGGED_POST = 4  # a neutral post the classifier flagged as critical
    SLANDER = 5  # a false report accepted by the institution
    ASSOCIATION = 6  # the relationships factor: low-scored or listed ties
    CRITICISM = 7  # a critical post correctly flagged: speech, not misconduct
    MISCONDUCT = 8  # observed misconduct (defection judged bad, true reports)
    CLASS_LABEL = 9  # an inherited label (historical regimes)
    PREFERENCE = 10  # lawful consumption the platform scores down ("video games")

    @property
    def label(self) -> str:
        return self.name.lower()


# Causes an appeal can prove: the citizen is not the free rider the list is for.
LEGITIMATE_CAUSES = ("health", "income", "misflagged_post", "slander", "association", "class_label")
CAUSE_BY_LABEL = {c.label: c for c in Cause}
