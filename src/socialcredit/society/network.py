"""The social network: undirected, layered, in CSR form with int32 indices; ties can be cut."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

import numpy as np
from pydantic import Field

from socialcredit.errors import InputError
from socialcredit.kernels import (
    MAX_MEANS,
    active_degree,
    cut_ties,
    entry_layers,
    fill_rows,
    finish_rows,
    group_pairs,
    neighbour_means,
    ring_pairs,
)
from socialcredit.mechanisms.base import Params
from socialcredit.society.population import shuffle_within_districts


class Layer(IntEnum):
    HOUSEHOLD = 0
    WORK_UNIT = 1
    FRIENDSHIP = 2


LAYER_BY_NAME = {layer.name.lower(): layer for layer in Layer}


class NetworkParams(Params):
    """Which layers to generate, or an anonymized edge list to load instead."""

    household: bool = Field(True, description="tie every pair within a household")
    work_unit: bool = Field(True, description="tie every pair within a work unit")
    friendship_degree: int = Field(6, ge=0, le=200, description="mean friendship degree (ring lattice, even part used)")
    friendship_rewire: float = Field(0.1, ge=0, le=1, description="small-world rewiring probability of friendship ties")
    edge_list: str | None = Field(
        None,
        description="CSV or Parquet edge list (columns source, target[, layer]) replacing the "
        "generated layers; the population size becomes its number of distinct ids",
    )


@dataclass
class Network:
    """CSR adjacency: the ties of citizen i are indices[indptr[i]:indptr[i+1]].

    Every undirected tie is stored in both directions; `active` runs parallel to `indices`.
    Cutting a tie clears `active` on both directions (flags, not deletion). A row holds the
    household ties, then the work-unit ties, then the friendship ties, each run sorted by
    neighbour; segments[i, l - 1] is where layer l's run starts, relative to indptr[i]. So
    a tie of a given layer is picked in O(1), and no per-entry layer array is kept (`layer`
    derives one for inspection).
    """

    indptr: np.ndarray  # int64, n + 1
    indices: np.ndarray  # int32
    segments: np.ndarray  # uint16 (uint32 for rows of 2**16 entries or more), (n, layers - 1)
    active: np.ndarray = field(init=False)  # bool
    cliques: np.ndarray = field(init=False)  # bool per Layer: every pair of a group tied, none cut

    def __post_init__(self) -> None:
        self.active = np.ones(self.indices.shape[0], dtype=bool)
        self.cliques = np.zeros(len(Layer), dtype=bool)

    @property
    def n(self) -> int:
        return self.indptr.shape[0] - 1

    @property
    def n_ties(self) -> int:
        return self.indices.shape[0] // 2

    @property
    def layer(self) -> np.ndarray:
        """The Layer code of every entry (int8), parallel to `indices`; computed on each call."""
        return entry_layers(self.indptr, self.segments)

    def sources(self) -> np.ndarray:
        """The owning citizen of every directed entry (int32), parallel to `indices`."""
        return np.repeat(np.arange(self.n, dtype=np.int32), np.diff(self.indptr))

    def cut(self, entries: np.ndarray, owners: np.ndarray | None = None) -> None:
        """Cut the ties at these entry positions (of the rows `owners`, found if not given), both
        directions."""
        if owners is None:
            owners = np.searchsorted(self.indptr, entries, side="right") - 1
        lowest = cut_ties(self.indptr, self.segments, self.indices, self.active, owners, entries)
        self.cliques[lowest:] = False  # a pair in two groups is stored in the lower layer: the higher lose it too

    def active_degree(self) -> np.ndarray:
        return active_degree(self.indptr, self.active)


class TieMeans:
    """What each citizen sees of its ties: means, over its active ties, of per-citizen signals.

    Mechanisms `watch` a signal at init; `update` computes every watched mean in one pass over
    the network (the engine calls it at the start of each day, so all see their ties as the
    previous day left them). One pass for all signals, because the random accesses to the
    ties' values, not the arithmetic, bound a pass.
    """

    def __init__(self, network: Network) -> None:
        self.network = network
        self.signals: dict[str, tuple[Callable[[np.ndarray], None], float]] = {}
        self.means = np.empty((0, network.n), dtype=np.float32)

    def watch(self, name: str, fill: Callable[[np.ndarray], None], empty: float) -> None:
        """Compute the tie mean of a signal, `fill(out)` writing its value for every citizen into
        the float32 `out`; `empty` for a citizen without ties."""
        if len(self.signals) == MAX_MEANS:
            raise ValueError(f"at most {MAX_MEANS} signals are watched in one pass")
        self.signals[name] = (fill, empty)

    def update(self) -> None:
        if not self.signals:
            return
        if self.means.shape[0] != len(self.signals):  # after the last `watch`: buffers reused every day
            self.table = np.empty((self.network.n, len(self.signals)), dtype=np.float32)  # a citizen's values together
            self.empty = np.array([e for _, e in self.signals.values()], dtype=np.float64)
            self.means = np.empty((len(self.signals), self.network.n), dtype=np.float32)
        for column, (fill, _) in enumerate(self.signals.values()):
            fill(self.table[:, column])
        net = self.network
        neighbour_means(net.indptr, net.indices, net.active, self.table, self.empty, self.means)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.means[list(self.signals).index(name)]

    def mean_of(self, values: np.ndarray, empty: float) -> np.ndarray:
        """The tie mean of one signal now, outside the daily update (e.g. at init)."""
        out = np.empty((1, self.network.n), dtype=np.float32)
        net = self.network
        neighbour_means(net.indptr, net.indices, net.active, values[:, None], np.array([empty]), out)
        return out[0]


def from_edges(n: int, src: np.ndarray, dst: np.ndarray, layer: np.ndarray) -> Network:
    """CSR from undirected edges: both directions, self-loops and duplicates dropped.

    A duplicate keeps the lowest layer code (household before work unit before friendship).
    """
    src, dst = src.astype(np.int32, copy=False), dst.astype(np.int32, copy=False)
    return _from_rows(*fill_rows(n, src, dst, layer.astype(np.int8, copy=False)))


def _from_rows(start: np.ndarray, keys: np.ndarray) -> Network:
    wide = start.shape[0] > 1 and int(np.diff(start).max()) >= 2**16
    segments = np.zeros((start.shape[0] - 1, len(Layer) - 1), dtype=np.uint32 if wide else np.uint16)
    indptr, indices = finish_rows(start, keys, segments)
    return Network(indptr=indptr, indices=indices, segments=segments)


def _groups(members: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Bounds of the runs of equal `group` (ids in `members` order, groups contiguous)."""
    return np.concatenate([[0], np.flatnonzero(group[1:] != group[:-1]) + 1, [members.shape[0]]])


def generate(
    params: NetworkParams,
    household: np.ndarray,
    work_unit: np.ndarray,
    rng: np.random.Generator,
    district: int,
) -> Network:
    """The three generated layers over a population with these group ids; friendship rings
    run within districts of `district` consecutive citizens (`shuffle_within_districts`).

    The edges go straight into preallocated int32 arrays, and are freed once bucketed by
    row, to keep the peak memory of the build low.
    """
    n = household.shape[0]
    groups = []  # (layer, members ordered by group, bounds)
    if params.household:
        identity = np.arange(n, dtype=np.int32)  # household members are contiguous ids
        groups.append((Layer.HOUSEHOLD, identity, _groups(identity, household)))
    if params.work_unit:
        order = np.argsort(work_unit, kind="stable").astype(np.int32)
        groups.append((Layer.WORK_UNIT, order, _groups(order, work_unit[order])))
    half = params.friendship_degree // 2 if n > 1 else 0
    if half:
        ring = shuffle_within_districts(rng, np.arange(n, dtype=np.int32), district)
        rewire = rng.random(half * n) < params.friendship_rewire
        targets = rng.integers(0, n, size=int(rewire.sum()))
    sizes = [np.diff(bounds).astype(np.int64) for _, _, bounds in groups]
    counts = [int((s * (s - 1) // 2).sum()) for s in sizes]
    total = sum(counts) + half * n
    src, dst = np.empty(total, dtype=np.int32), np.empty(total, dtype=np.int32)
    layer = np.empty(total, dtype=np.int8)
    offset = 0
    for (code, members, bounds), count in zip(groups, counts, strict=True):
        group_pairs(members, bounds, src, dst, offset)
        layer[offset : offset + count] = code
        offset += count
    del groups
    if half:
        ring_pairs(ring, district, half, src, dst, offset)
        friends = dst[offset:]
        friends[rewire] = targets
        layer[offset:] = Layer.FRIENDSHIP
        del ring, rewire, targets, friends
    rows = fill_rows(n, src, dst, layer)
    del src, dst, layer
    network = _from_rows(*rows)
    network.cliques[[Layer.HOUSEHOLD, Layer.WORK_UNIT]] = [params.household, params.work_unit]
    return network


def load_edge_list(path: str | Path) -> tuple[Network, np.ndarray]:
    """Load a CSV or Parquet edge list; return the network and the original id of each citizen.

    Ids may be any strings or integers; they are remapped to 0..n-1 in sorted order.
    Rows with a missing id or an unknown layer are reported with their line numbers.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    path = Path(path)
    table = _read_table(path)
    missing = [c for c in ("source", "target") if c not in table.column_names]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; an edge list needs columns "
            "source, target and optionally layer"
        )
    first_line = 2 if path.suffix.lower() == ".csv" else 1  # CSV line 1 is the header
    what = "line" if first_line == 2 else "row"
    src = pc.cast(table["source"], pa.string())
    dst = pc.cast(table["target"], pa.string())
    bad = pc.or_kleene(_blank(src), _blank(dst))
    if "layer" in table.column_names:
        names = pc.utf8_lower(pc.cast(table["layer"], pa.string()))
        known = pc.fill_null(pc.is_in(names, value_set=pa.array(list(LAYER_BY_NAME))), False)
        bad = pc.or_kleene(bad, pc.invert(known))
    bad_rows = np.flatnonzero(bad.to_numpy(zero_copy_only=False))
    if bad_rows.size:
        shown = ", ".join(str(r + first_line) for r in bad_rows[:10])
        more = f" and {bad_rows.size - 10} more" if bad_rows.size > 10 else ""
        raise InputError(
            f"{path}: bad rows at {what} {shown}{more}: source and target must be non-empty ids; "
            f"layer must be one of {', '.join(LAYER_BY_NAME)}"
        )
    if table.num_rows == 0:
        raise InputError(f"{path}: the edge list has no rows")
    ids, inverse = np.unique(
        np.concatenate([src.to_numpy(zero_copy_only=False), dst.to_numpy(zero_copy_only=False)]),
        return_inverse=True,
    )
    m = table.num_rows
    if "layer" in table.column_names:
        layer = np.array([LAYER_BY_NAME[s] for s in names.to_pylist()], dtype=np.int8)
    else:
        layer = np.full(m, Layer.FRIENDSHIP, dtype=np.int8)
    network = from_edges(ids.shape[0], inverse[:m], inverse[m:], layer)
    return network, ids


def _read_csv(path: Path):  # -> pa.Table
    """Read a CSV edge list; malformed rows are reported by line number (a slower re-read)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    convert = pacsv.ConvertOptions(
        column_types={"source": pa.string(), "target": pa.string(), "layer": pa.string()},
        strings_can_be_null=True,
    )
    for threaded in (True, False):  # line numbers are only known single-threaded
        bad_lines: list[int | None] = []

        def _skip(row: pacsv.InvalidRow, bad_lines: list[int | None] = bad_lines) -> str:
            bad_lines.append(row.number)
            return "skip"

        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=threaded),
            parse_options=pacsv.ParseOptions(invalid_row_handler=_skip),
            convert_options=convert,
        )
        if not bad_lines:
            return table
    shown = ", ".join(str(n) for n in bad_lines[:10])
    raise InputError(
        f"{path}: malformed rows at line {shown}: each row needs the header's columns ({', '.join(table.column_names)})"
    )


def _blank(column):  # -> pa.BooleanArray
    """True where an id is missing or empty."""
    import pyarrow.compute as pc

    return pc.fill_null(pc.equal(pc.utf8_trim_whitespace(column), ""), True)


def _read_table(path: Path):  # -> pa.Table
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.is_file():
        raise InputError(f"{path}: edge list not found or not a file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pq.read_table(path)
        if suffix == ".csv":
            return _read_csv(path)
    except (pa.ArrowInvalid, OSError) as exc:
        reason = str(exc).splitlines()[0]
        raise InputError(f"{path}: cannot read the edge list: {reason}") from None
    raise InputError(f"{path}: unknown edge-list format {suffix!r}; allowed: .csv, .parquet")
