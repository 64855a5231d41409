"""The contract between the engine, the society and the mechanisms: a leaf module.

A mechanism declares everything it touches, so the engine can check it at start-up and the
docs can list it:

- `Params`: its scenario section (a `MechanismParams`: `enabled` plus fields with ranges,
  defaults and one-line meanings);
- `states`: the arrays it owns, per citizen (`StateSpec`) or per tie entry
  (`StateSpec(per="tie")`); only the owner writes them;
- `reads` and `writes`: the states of others (the population's traits, the institutional
  record's shared states, other mechanisms' states) whose values its decisions depend on,
  and those it writes (a state in both is read and written; adding evidence to the record
  is a write, not a read); it receives those and its own in `self.people` (per citizen) and
  `self.ties` (per tie entry), a read-only one arriving read-only, and nothing else;
- `counts`: the event counters it adds to (`self.count`); any other key fails;
- `publishes` and `signals`: the per-citizen signals it offers to others (their values now
  or their mean over each citizen's ties, `Signals`), and those it uses;
- `logs`: attributes holding variable-length records (e.g. pending reports) that a burn-in
  or a checkpoint must carry over.

Randomness is common random numbers per decision: every draw is keyed by (seed, mechanism,
decision, day) and, per citizen, by the citizen's id (`uniform`, `sample_rare`,
`generator`), so switching off a mechanism, a perk or a sanction changes nothing it does not
feed. Nothing here imports the society or the mechanisms.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from socialcredit import draws

if TYPE_CHECKING:
    from socialcredit.engine import Simulation


class Params(BaseModel):
    """Base for every parameter section: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


class MechanismParams(Params):
    enabled: bool = True


Per = Literal["citizen", "tie"]


@dataclass(frozen=True)
class StateSpec:
    """An array a component owns: one value per citizen (`rows` > 0: a (rows, n) array) or,
    with per="tie", one per directed tie entry (parallel to the network's `indices`)."""

    name: str
    dtype: str
    fill: float | int | bool
    doc: str
    rows: int = 0
    per: Per = "citizen"

    def allocate(self, size: int) -> np.ndarray:
        shape = (self.rows, size) if self.rows else (size,)
        return np.full(shape, self.fill, dtype=self.dtype)


class States:
    """A bag of named arrays: the whole population's (`People`), or one component's view of it."""

    def __init__(self, size: int) -> None:
        self.n = size
        self.specs: dict[str, StateSpec] = {}

    def allocate(self, specs: Iterable[StateSpec], size: int | None = None) -> None:
        """Allocate each spec's array (`size` entries, default n; 0 for an idle owner's per-tie states)."""
        for spec in specs:
            if spec.name in self.specs:
                raise ValueError(f"state {spec.name!r} is declared twice")
            setattr(self, spec.name, spec.allocate(self.n if size is None else size))
            self.specs[spec.name] = spec

    def view(self, writable: Iterable[str], readable: Iterable[str]) -> States:
        """The same arrays, only the named ones; those only readable are read-only views."""
        out = States(self.n)
        for name in writable:
            setattr(out, name, getattr(self, name))
            out.specs[name] = self.specs[name]
        for name in readable:
            array = getattr(self, name).view()
            array.flags.writeable = False
            setattr(out, name, array)
            out.specs[name] = self.specs[name]
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self.specs}

    def __getattr__(self, name: str) -> np.ndarray:  # for type checkers; real states are set
        raise AttributeError(f"no state {name!r} here (declared states: {', '.join(sorted(self.specs))})")

    def __setattr__(self, name: str, value: Any) -> None:  # states are arrays set by `allocate` and `view`
        object.__setattr__(self, name, value)


def code(name: str) -> int:
    """A stable integer for a component or decision name (for keys)."""
    return zlib.crc32(name.encode())


class Mechanism:
    """A switchable model component with a declared interface (see the module docstring).

    `payments.py` is the template: a docstring stating the rule, `Params` with sourced
    defaults, its states, what it reads, what it counts, `init` and a short `step`.
    """

    name: ClassVar[str]
    claim: ClassVar[str]
    Params: ClassVar[type[MechanismParams]]
    states: ClassVar[tuple[StateSpec, ...]] = ()
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    counts: ClassVar[tuple[str, ...]] = ()
    publishes: ClassVar[tuple[str, ...]] = ()
    signals: ClassVar[tuple[str, ...]] = ()
    logs: ClassVar[tuple[str, ...]] = ()

    people: States  # its own per-citizen states and its declared reads and writes
    ties: States  # the same for per-tie states

    def __init__(self, sim: Simulation, params: MechanismParams) -> None:
        self.sim = sim
        self.params = params
        self.key = sim.draw_key(self.name)
        self._counts = frozenset(self.counts)

    def needed(self, spec: StateSpec) -> bool:
        """Whether one of its per-tie states is allocated under these parameters (else length 0)."""
        return True

    def init(self) -> None:
        """Set up after every state is allocated (day 0)."""

    def step(self, day: int) -> None:
        raise NotImplementedError

    # --- services ---------------------------------------------------------------------

    def count(self, key: str, amount: float) -> None:
        """Add to one of this mechanism's declared event counters."""
        if key not in self._counts:
            raise KeyError(f"{self.name}: counter {key!r} is not declared in {type(self).__name__}.counts")
        self.sim.totals[key] += amount

    def decision_key(self, decision: str, day: int) -> np.uint64:
        """The counter-based key of one decision on one day (`draws`)."""
        return draws.key(self.key, code(decision), day)

    def uniform(self, decision: str, day: int, idx: np.ndarray, slots: int = 1) -> np.ndarray:
        """Uniforms on [0, 1) for the citizens `idx` (shape (len,) or (slots, len)), each a function
        of (seed, mechanism, decision, day, citizen) only."""
        out = draws.uniforms(self.decision_key(decision, day), np.ascontiguousarray(idx, dtype=np.int64), slots)
        return out[0] if slots == 1 else out

    def bernoulli(self, decision: str, day: int, idx: np.ndarray, p: float) -> np.ndarray:
        """The subset of `idx` that a per-citizen event of probability `p` selects."""
        if p <= 0.0 or idx.shape[0] == 0:
            return idx[:0]
        if p >= 1.0:
            return idx
        return idx[self.uniform(decision, day, idx) < p]

    def generator(self, decision: str, day: int) -> np.random.Generator:
        """A NumPy generator for one decision on one day: aggregate draws (a total, a count)."""
        return np.random.Generator(np.random.Philox(key=int(self.decision_key(decision, day))))

    def sample_rare(self, decision: str, day: int, hazard: np.ndarray | float, hazard_max: float, n: int) -> np.ndarray:
        """Indices of the citizens (of n) whose event of daily `hazard` (per citizen, or one for
        all) fires today, in O(events): candidates at `hazard_max`, thinned per citizen.

        Candidates are drawn with replacement and deduplicated (a negligible bias while
        hazard_max * n is small next to n). A citizen's outcome depends on the decision, the
        day, its own hazard and n only.
        """
        if hazard_max <= 0.0 or n == 0:
            return np.empty(0, dtype=np.int64)
        rng = self.generator(decision, day)
        idx = np.sort(rng.integers(0, n, size=rng.binomial(n, min(hazard_max, 1.0))))
        first = np.ones(idx.shape[0], dtype=bool)
        first[1:] = idx[1:] != idx[:-1]
        idx = idx[first]  # np.unique, without its hashing: 0.12 s for 3*10^5 ids among 10^7
        if isinstance(hazard, float | int):
            return idx if hazard >= hazard_max else idx[self.uniform(decision, day, idx) * hazard_max < hazard]
        return idx[self.uniform(decision, day, idx) * hazard_max < hazard[idx]]

    def publish(self, name: str, fill: Callable[[np.ndarray], None], empty: float = 0.0, tie_mean: bool = True) -> None:
        """Offer a per-citizen signal declared in `publishes` (see `society.network.Signals`)."""
        if name not in self.publishes:
            raise KeyError(f"{self.name}: signal {name!r} is not declared in {type(self).__name__}.publishes")
        self.sim.signals.publish(name, fill, empty, tie_mean)

    def _signals(self, name: str) -> Any:
        if name not in self.signals:
            raise KeyError(f"{self.name}: signal {name!r} is not declared in {type(self).__name__}.signals")
        return self.sim.signals

    def has_signal(self, name: str, tie_mean: bool = False) -> bool:
        """Whether a signal this mechanism uses is published (with its tie mean, if asked)."""
        signals = self._signals(name)
        return name in signals and (not tie_mean or signals.has_mean(name))

    def tie_mean(self, name: str) -> np.ndarray:
        """A used signal's mean over each citizen's active ties, as this day started."""
        return self._signals(name)[name]

    def signal_now(self, name: str) -> np.ndarray:
        """A used signal's value for every citizen as the state stands now."""
        return self._signals(name).now(name)
