"""Norms, actions and judgements of indirect reciprocity: the one home of reputation logic.

Both the daily interaction mechanism (M6) and the `theory` check call these functions, so
the check tests the code the simulator runs, not a separate toy. Everything is whole-array
NumPy: arrays of any (broadcastable) shape in, arrays of the same shape out.

A norm maps (the donor's action, the recipient's reputation as the observer sees it) to the
donor's new reputation. Errors follow Radzvilavicius, Stewart & Plotkin (2019, eLife
8:e44269): an execution error turns an intended help into a refusal (never the reverse),
an assessment error flips the norm's verdict.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from socialcredit.errors import InputError


class Strategy(IntEnum):
    """How a donor acts: on the recipient's reputation, or unconditionally."""

    DISCRIMINATOR = 0  # helps those it sees as good, refuses those it sees as bad
    COOPERATOR = 1  # ALLC: always intends to help
    DEFECTOR = 2  # ALLD: never helps

    @property
    def label(self) -> str:
        """Short name used on the command line and in outputs."""
        return _LABELS[self]


_LABELS = {Strategy.DISCRIMINATOR: "disc", Strategy.COOPERATOR: "allc", Strategy.DEFECTOR: "alld"}
STRATEGY_BY_LABEL = {label: strategy for strategy, label in _LABELS.items()}

NORMS: tuple[str, ...] = ("image-scoring", "simple-standing", "stern-judging", "shunning")


def _table(refuse_bad: bool, refuse_good: bool, help_bad: bool, help_good: bool) -> np.ndarray:
    table = np.array([[refuse_bad, refuse_good], [help_bad, help_good]], dtype=bool)
    table.flags.writeable = False
    return table


# Indexed [helped, recipient_good]. Helping the good is good and refusing the good is bad
# under all four; they differ on the bad recipient. Stern judging and shunning make helping
# the bad (e.g. the blacklisted) bad.
_TABLES: dict[str, np.ndarray] = {
    "image-scoring": _table(refuse_bad=False, refuse_good=False, help_bad=True, help_good=True),
    "simple-standing": _table(refuse_bad=True, refuse_good=False, help_bad=True, help_good=True),
    "stern-judging": _table(refuse_bad=True, refuse_good=False, help_bad=False, help_good=True),
    "shunning": _table(refuse_bad=False, refuse_good=False, help_bad=False, help_good=True),
}


def validate_norm(norm: str, option: str = "norm") -> str:
    """Return `norm` if known, else raise one `InputError` line naming `option`."""
    if norm not in _TABLES:
        raise InputError(f"{option}: unknown norm {norm!r}; allowed: {', '.join(NORMS)}")
    return norm


def validate_probability(value: float, option: str) -> float:
    """Return `value` if it is a probability, else raise one `InputError` line."""
    if not 0.0 <= value <= 1.0:
        raise InputError(f"{option}: must be a probability in [0, 1], got {value!r}")
    return float(value)


def norm_table(norm: str) -> np.ndarray:
    """The norm as a read-only bool (2, 2) array: [helped, recipient_good] -> judged good."""
    return _TABLES[validate_norm(norm)]


# Whether a donor means to help, indexed [strategy, recipient_seen_good]: DISC if it sees good,
# ALLC always, ALLD never. A table, so that compiled kernels (M6) index the same rule.
INTENT = np.zeros((len(Strategy), 2), dtype=np.bool_)
INTENT[Strategy.DISCRIMINATOR, 1] = True
INTENT[Strategy.COOPERATOR, :] = True
INTENT.flags.writeable = False


def intend_help(strategy: np.ndarray, recipient_seen_good: np.ndarray) -> np.ndarray:
    """Whether each donor means to help: ALLC always, ALLD never, DISC if it sees good.

    `strategy` holds `Strategy` codes; the two arguments broadcast against each other (e.g.
    a column of donors against a row of recipients gives the donor x recipient matrix).
    """
    return INTENT[np.asarray(strategy), np.asarray(recipient_seen_good, dtype=bool).astype(np.uint8)]


def _bernoulli(shape: tuple[int, ...], p: float, rng: np.random.Generator) -> np.ndarray:
    """Independent events of probability `p`; float32 draws (resolution 2^-24) halve the cost."""
    if p <= 0.0:
        return np.zeros(shape, dtype=bool)
    if p >= 1.0:
        return np.ones(shape, dtype=bool)
    return rng.random(shape, dtype=np.float32) < np.float32(p)


def carry_out(intended: np.ndarray, execution_error: float, rng: np.random.Generator) -> np.ndarray:
    """The actions taken: an intended help fails with probability `execution_error`.

    A refusal never turns into help, so the error only ever costs the recipient.
    """
    intended = np.asarray(intended, dtype=bool)
    p = validate_probability(execution_error, "execution_error")
    return intended & ~_bernoulli(intended.shape, p, rng)


def judge(
    helped: np.ndarray,
    recipient_good: np.ndarray,
    norm: str,
    assessment_error: float,
    rng: np.random.Generator | None = None,
    uniforms: np.ndarray | None = None,
) -> np.ndarray:
    """The donor's new reputation: the norm's verdict, flipped with `assessment_error`.

    `recipient_good` is the recipient's reputation as the judge sees it (its own private
    view, or the institution's public one); the arguments broadcast against each other. The
    flips come from `rng`, or from one given uniform per verdict (`uniforms`, e.g. a
    mechanism's per-decision draws).
    """
    table = norm_table(norm).ravel()
    p = validate_probability(assessment_error, "assessment_error")
    helped, recipient_good = np.broadcast_arrays(np.asarray(helped, dtype=bool), np.asarray(recipient_good, dtype=bool))
    index = (helped.astype(np.uint8) << 1) | recipient_good.astype(np.uint8)
    verdict = np.take(table, index)
    if uniforms is not None:
        return verdict ^ (np.asarray(uniforms) < p)
    if rng is None:
        raise ValueError("judge needs rng or uniforms")
    return verdict ^ _bernoulli(verdict.shape, p, rng)
