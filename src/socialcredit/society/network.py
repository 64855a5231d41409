"""The social network: undirected, layered, in CSR form with int32 indices; ties can be cut."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

import numpy as np
from pydantic import Field

from socialcredit.core import Params, States
from socialcredit.errors import InputError
from socialcredit.society import csr
from socialcredit.society.csr import MAX_MEANS, Layer
from socialcredit.society.population import shuffle_within_districts

LayerName = Literal["household", "work_unit", "friendship"]
LAYER_BY_NAME = {layer.name.lower(): layer for layer in Layer}
assert tuple(LAYER_BY_NAME) == get_args(LayerName), "LayerName must list the Layer codes in order"


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
    states: States = field(init=False)  # the mechanisms' per-tie states, parallel to `indices`

    def __post_init__(self) -> None:
        self.active = np.ones(self.indices.shape[0], dtype=bool)
        self.cliques = np.zeros(len(Layer), dtype=bool)
        self.states = States(self.indices.shape[0])

    @property
    def n(self) -> int:
        return self.indptr.shape[0] - 1

    @property
    def csr(self) -> csr.Csr:
        return csr.Csr(self.indptr, self.segments, self.indices, self.active)

    @property
    def n_ties(self) -> int:
        return self.indices.shape[0] // 2

    @property
    def layer(self) -> np.ndarray:
        """The Layer code of every entry (int8), parallel to `indices`; computed on each call."""
        return csr.entry_layers(self.indptr, self.segments)

    def sources(self) -> np.ndarray:
        """The owning citizen of every directed entry (int32), parallel to `indices`."""
        return np.repeat(np.arange(self.n, dtype=np.int32), np.diff(self.indptr))

    def cut(self, entries: np.ndarray, owners: np.ndarray | None = None) -> None:
        """Cut the ties at these entry positions (of the rows `owners`, found if not given), both
        directions."""
        if owners is None:
            owners = np.searchsorted(self.indptr, entries, side="right") - 1
        lowest = csr.cut_ties(self.indptr, self.segments, self.indices, self.active, owners, entries)
        self.cliques[lowest:] = False  # a pair in two groups is stored in the lower layer: the higher lose it too

    def active_degree(self) -> np.ndarray:
        return csr.active_degree(self.indptr, self.active)

    def tie_ends(self, who: np.ndarray, layer: int = -1) -> np.ndarray:
        """The other end of every active tie of the citizens `who` in one layer (-1: all), O(ties of who)."""
        return csr.tie_ends(self.indptr, self.segments, self.indices, self.active, who, layer)

    def pick_partners(self, who: np.ndarray, u: np.ndarray, context: int = -1) -> tuple[np.ndarray, np.ndarray]:
        """A uniform active tie of each citizen of `who` (in the Layer `context`, -1: any), u (2, len)
        making the choice; a stranger where it has none. Returns (partner, entry), entry -1 for a stranger."""
        contexts = np.full(who.shape[0], context, dtype=np.int8)
        return csr.pick_partners(self.indptr, self.segments, self.indices, self.active, who, contexts, len(Layer), u)

    def reverse(self, owners: np.ndarray, entries: np.ndarray) -> np.ndarray:
        """The other direction of each tie: the entry of owners[j] in the row of its neighbour at entries[j]."""
        return csr.reverse_entries(self.indptr, self.segments, self.indices, owners, entries)

    def components(self) -> tuple[int, int]:
        """Size of the largest connected component over uncut ties, and the number of citizens without any."""
        return csr.components(self.indptr, self.segments, self.indices, self.active, self.cliques)


class Signals:
    """Per-citizen signals the mechanisms publish to each other, and their means over each tie.

    A publisher registers a signal at init (`publish(name, fill, empty, tie_mean)`: `fill(out)`
    writes every citizen's value into a float32 array). `now(name)` computes the values as the
    state stands; for a signal with `tie_mean`, `update` computes, in one pass over the
    network at the start of each day, the mean over each citizen's active ties (`empty` where
    there are none), which `self[name]` returns: every mechanism sees its ties as the previous
    day left them. One pass for all signals, because the random accesses to the ties' values,
    not the arithmetic, bound a pass.
    """

    def __init__(self, network: Network) -> None:
        self.network = network
        self.fills: dict[str, Callable[[np.ndarray], None]] = {}
        self.averaged: dict[str, float] = {}  # name -> empty, for the signals whose tie mean is kept
        self.means = np.empty((0, network.n), dtype=np.float32)

    def publish(self, name: str, fill: Callable[[np.ndarray], None], empty: float = 0.0, tie_mean: bool = True) -> None:
        if name in self.fills:
            raise ValueError(f"signal {name!r} is published twice")
        if tie_mean and len(self.averaged) == MAX_MEANS:
            raise ValueError(f"at most {MAX_MEANS} signals are averaged in one pass")
        self.fills[name] = fill
        if tie_mean:
            self.averaged[name] = empty

    def __contains__(self, name: str) -> bool:
        return name in self.fills

    def now(self, name: str) -> np.ndarray:
        """Every citizen's value of the signal as the state stands now."""
        out = np.empty(self.network.n, dtype=np.float32)
        self.fills[name](out)
        return out

    def has_mean(self, name: str) -> bool:
        return name in self.averaged

    def update(self) -> None:
        if not self.averaged:
            return
        if self.means.shape[0] != len(self.averaged):  # after the last `publish`: buffers reused every day
            self.table = np.empty((self.network.n, len(self.averaged)), dtype=np.float32)  # a citizen's values together
            self.empty = np.array(list(self.averaged.values()), dtype=np.float64)
            self.means = np.empty((len(self.averaged), self.network.n), dtype=np.float32)
        for column, name in enumerate(self.averaged):
            self.fills[name](self.table[:, column])
        net = self.network
        csr.neighbour_means(net.indptr, net.indices, net.active, self.table, self.empty, self.means)

    def __getitem__(self, name: str) -> np.ndarray:
        """The tie mean of a signal as this day started."""
        return self.means[list(self.averaged).index(name)]

    def mean_of(self, values: np.ndarray, empty: float) -> np.ndarray:
        """The tie mean of one array now, outside the daily update (e.g. at init)."""
        out = np.empty((1, self.network.n), dtype=np.float32)
        net = self.network
        csr.neighbour_means(net.indptr, net.indices, net.active, values[:, None], np.array([empty]), out)
        return out[0]


def from_edges(n: int, src: np.ndarray, dst: np.ndarray, layer: np.ndarray) -> Network:
    """CSR from undirected edges: both directions, self-loops and duplicates dropped.

    A duplicate keeps the lowest layer code (household before work unit before friendship).
    """
    src, dst = src.astype(np.int32, copy=False), dst.astype(np.int32, copy=False)
    return _from_rows(*csr.fill_rows(n, src, dst, layer.astype(np.int8, copy=False)))


def _from_rows(start: np.ndarray, keys: np.ndarray) -> Network:
    wide = start.shape[0] > 1 and int(np.diff(start).max()) >= 2**16
    segments = np.zeros((start.shape[0] - 1, len(Layer) - 1), dtype=np.uint32 if wide else np.uint16)
    indptr, indices = csr.finish_rows(start, keys, segments)
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
        csr.group_pairs(members, bounds, src, dst, offset)
        layer[offset : offset + count] = code
        offset += count
    del groups
    if half:
        csr.ring_pairs(ring, district, half, src, dst, offset)
        friends = dst[offset:]
        friends[rewire] = targets
        layer[offset:] = Layer.FRIENDSHIP
        del ring, rewire, targets, friends
    rows = csr.fill_rows(n, src, dst, layer)
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
