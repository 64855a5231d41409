"""The institutional record: the vocabulary and the shared states every scoring mechanism uses.

Causes (the ground truth of why a bill was missed or a citizen listed), the five score
factors, the platforms' channels, the kinds of listing; the factor values and the listing
states, which several mechanisms write (evidence on the score, listings and delistings);
and the functions that write them, so each rule is stated once. A mechanism that calls one
of these functions declares the states it touches in its `writes`.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal, get_args

import numba
import numpy as np

from socialcredit.core import States, StateSpec


class Cause(IntEnum):
    """Why a citizen missed a payment or was listed: the ground truth the institution cannot see."""

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
    MISJUDGED = 11  # the institution's verdict on an observed act was flipped (assessment error)

    @property
    def label(self) -> str:
        return self.name.lower()


CAUSE_BY_LABEL = {c.label: c for c in Cause}
# A listing is TRUE when the listed did what the listing's rule punishes, FALSE when not
# (docs/model.md §2, "Ground-truth causes"). True: the free rider on the debtor list, the
# defector (or the refuser of a partner the institution holds good) judged by the norm, the
# citizen reported for what they did, the critic whose critical post was flagged, the buyer
# of goods the platform scores down: each did the deed (the rule itself may be unjust, which
# is a different question). False: the patient or the income-shocked who could not pay, the
# neutral post misread, the slandered, the tie of a listed citizen, the bearer of an inherited
# label, the verdict flipped by assessment error, and an unknown cause.
TRUE_CAUSES = (Cause.FREE_RIDING, Cause.MISCONDUCT, Cause.CRITICISM, Cause.PREFERENCE)
FALSE_CAUSES = (
    Cause.HEALTH,
    Cause.INCOME,
    Cause.MISFLAGGED_POST,
    Cause.SLANDER,
    Cause.ASSOCIATION,
    Cause.CLASS_LABEL,
    Cause.MISJUDGED,
    Cause.NONE,
)
assert set(TRUE_CAUSES) | set(FALSE_CAUSES) == set(Cause) and not set(TRUE_CAUSES) & set(FALSE_CAUSES)
# Causes an appeal can prove: the citizen is not the free rider the list is for.
LegitimateCause = Literal["health", "income", "misflagged_post", "slander", "association", "class_label", "misjudged"]
assert all(c in CAUSE_BY_LABEL for c in get_args(LegitimateCause))


class Factor(IntEnum):
    CREDIT_HISTORY = 0
    FULFILLMENT_CAPACITY = 1
    PERSONAL_CHARACTERISTICS = 2
    BEHAVIOUR = 3
    RELATIONSHIPS = 4


class Channel(IntEnum):
    """The partner platforms' channels of observation."""

    PAYMENTS = 0
    SHOPPING = 1
    SOCIAL = 2


class ListKind(IntEnum):
    NONE = 0
    COURT = 1  # a court-listed debt defaulter
    SCORE = 2  # the score fell below the threshold
    REPORT = 3  # named by accepted reports (historical regimes)


STATES: tuple[StateSpec, ...] = (
    StateSpec("factors", "float32", 0.5, "the five score factors, each in [0, 1]", rows=len(Factor)),
    StateSpec("last_penalty_cause", "int8", Cause.NONE, "Cause of the latest penalty"),
    StateSpec("blacklisted", "bool", False, "on the blacklist now"),
    StateSpec("ever_blacklisted", "bool", False, "blacklisted at some point in the run"),
    StateSpec("list_kind", "int8", ListKind.NONE, "ListKind of the current listing"),
    StateSpec("list_cause", "int8", Cause.NONE, "Cause of the current listing (ground truth)"),
    StateSpec("listed_day", "int32", -1, "day of the current listing"),
    StateSpec("publicly_shamed", "bool", False, "listing broadcast and still in force (M10)"),
)
# Who keeps each shared state (initialises it; a burn-in hands it over when both runs run its keeper).
KEEPERS = {
    "factors": "score",
    "last_penalty_cause": "score",
    **dict.fromkeys(("blacklisted", "ever_blacklisted", "list_kind", "list_cause", "listed_day"), "lists"),
    "publicly_shamed": "shaming",
}
EVIDENCE = ("factors", "last_penalty_cause")  # what `apply_evidence` writes
LISTING = ("blacklisted", "ever_blacklisted", "list_kind", "list_cause", "listed_day", "publicly_shamed")


def apply_evidence(
    people: States, factor: Factor, idx: np.ndarray, delta: float | np.ndarray, cause: int | np.ndarray | None = None
) -> None:
    """Move one factor of these citizens by `delta` (repeats add up), kept in [0, 1].

    A penalty records its `cause`, the ground truth that the metrics and appeals use.
    """
    if idx.shape[0] == 0:
        return
    row = people.factors[factor]
    np.add.at(row, idx, np.asarray(delta, dtype=row.dtype))  # a float64 delta takes NumPy's 40x slower path
    row[idx] = np.clip(row[idx], 0.0, 1.0)
    if cause is not None:
        people.last_penalty_cause[idx] = cause


@numba.njit(inline="always", cache=True)
def evidence(row: np.ndarray, i: int, delta: float) -> None:
    """`apply_evidence` for one citizen inside a kernel (the caller records any cause)."""
    row[i] = min(max(row[i] + delta, 0.0), 1.0)


def observed(people: States, channel: Channel, idx: np.ndarray) -> np.ndarray:
    """The citizens of `idx` whose behaviour on `channel` some platform records (M3's `enrolled`)."""
    return idx[people.enrolled[channel, idx]]


def blacklist(people: States, idx: np.ndarray, kind: ListKind, cause: int | np.ndarray, day: int) -> int:
    """Put these citizens on the blacklist (those already listed or protected by an appeal are skipped)."""
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


def delist(people: States, idx: np.ndarray) -> None:
    """Take these citizens off the blacklist, and their names off public display (M10)."""
    people.blacklisted[idx] = False
    people.list_kind[idx] = ListKind.NONE
    people.list_cause[idx] = Cause.NONE
    people.listed_day[idx] = -1
    people.publicly_shamed[idx] = False


def listed_on(people: States, day: int) -> np.ndarray:
    """The citizens listed on `day` and still listed (a delisting resets `listed_day`)."""
    return np.flatnonzero(people.listed_day == day)
