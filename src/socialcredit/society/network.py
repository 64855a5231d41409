"""The social network: undirected, layered, in CSR form with int32 indices; ties can be cut."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path

import numpy as np
from pydantic import Field

from socialcredit.errors import InputError
from socialcredit.kernels import active_degree, build_csr, reverse_entries
from socialcredit.mechanisms.base import Params


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

    Every undirected tie is stored in both directions; `layer` and `active` run parallel
    to `indices`. Cutting a tie clears `active` on both directions (flags, not deletion).
    """

    indptr: np.ndarray  # int64, n + 1
    indices: np.ndarray  # int32
    layer: np.ndarray  # int8, Layer codes
    active: np.ndarray = field(init=False)  # bool

    def __post_init__(self) -> None:
        self.active = np.ones(self.indices.shape[0], dtype=bool)

    @property
    def n(self) -> int:
        return self.indptr.shape[0] - 1

    @property
    def n_ties(self) -> int:
        return self.indices.shape[0] // 2

    def sources(self) -> np.ndarray:
        """The owning citizen of every directed entry (int32), parallel to `indices`."""
        return np.repeat(np.arange(self.n, dtype=np.int32), np.diff(self.indptr))

    def cut(self, entries: np.ndarray) -> None:
        """Cut the ties at these entry positions, both directions."""
        owners = (np.searchsorted(self.indptr, entries, side="right") - 1).astype(np.int32)
        self.active[entries] = False
        self.active[reverse_entries(self.indptr, self.indices, owners, self.indices[entries])] = False

    def active_degree(self) -> np.ndarray:
        return active_degree(self.indptr, self.active)

    def nbytes(self) -> int:
        return self.indptr.nbytes + self.indices.nbytes + self.layer.nbytes + self.active.nbytes


def from_edges(n: int, src: np.ndarray, dst: np.ndarray, layer: np.ndarray) -> Network:
    """CSR from undirected edges: both directions, self-loops and duplicates dropped.

    A duplicate keeps the lowest layer code (household before work unit before friendship).
    """
    indptr, indices, layers = build_csr(
        n, src.astype(np.int32, copy=False), dst.astype(np.int32, copy=False), layer.astype(np.int8, copy=False)
    )
    return Network(indptr=indptr, indices=indices, layer=layers)


def _group_pairs(group_sorted: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs within groups, given citizens `order`ed so that groups are contiguous."""
    n = order.shape[0]
    us, vs = [], []
    d = 1
    while d < n:
        same = group_sorted[d:] == group_sorted[:-d]
        if not same.any():
            break
        i = np.flatnonzero(same)
        us.append(order[i])
        vs.append(order[i + d])
        d += 1
    if not us:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(us), np.concatenate(vs)


def generate(params: NetworkParams, household: np.ndarray, work_unit: np.ndarray, rng: np.random.Generator) -> Network:
    """The three generated layers over a population with these group ids."""
    n = household.shape[0]
    parts: list[tuple[np.ndarray, np.ndarray, int]] = []
    if params.household:
        identity = np.arange(n, dtype=np.int32)  # household members are contiguous ids
        parts.append((*_group_pairs(household, identity), Layer.HOUSEHOLD))
    if params.work_unit:
        order = np.argsort(work_unit, kind="stable").astype(np.int32)
        parts.append((*_group_pairs(work_unit[order], order), Layer.WORK_UNIT))
    half = params.friendship_degree // 2
    if half and n > 1:
        ring = rng.permutation(n).astype(np.int32)
        u = np.tile(ring, half)
        v = np.concatenate([np.roll(ring, -d) for d in range(1, half + 1)])
        rewire = rng.random(v.shape[0]) < params.friendship_rewire
        v[rewire] = rng.integers(0, n, size=int(rewire.sum()))
        parts.append((u, v, Layer.FRIENDSHIP))
    if not parts:
        parts.append((np.empty(0, np.int64), np.empty(0, np.int64), Layer.FRIENDSHIP))
    layer = np.concatenate([np.full(p[0].shape[0], p[2], dtype=np.int8) for p in parts])
    src = np.concatenate([p[0] for p in parts])
    dst = np.concatenate([p[1] for p in parts])
    del parts  # free the per-layer copies before the CSR build
    return from_edges(n, src, dst, layer)


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
