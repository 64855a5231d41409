"""The compiled half of `Network`: building the CSR layout and walking it, in Numba kernels.

A citizen's row holds its household ties, then its work-unit ties, then its friendship ties,
each run sorted by neighbour; `segments[i]` holds where the later runs start in row i (see
`society.network.Network`), so a tie of a given layer is found without scanning the row.
Callers use `Network`'s methods; mechanisms' own kernels call the inline helpers
(`pick_partner`, `stranger_of`, `reverse`, `segment`, `prefetch`) from inside theirs.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic


class Layer(IntEnum):
    """The network's layers, in the order of a row's runs."""

    HOUSEHOLD = 0
    WORK_UNIT = 1
    FRIENDSHIP = 2


LAYERS = len(Layer)


class Csr(NamedTuple):
    """The layout arrays a kernel walks (`Network.csr`), passed to kernels as one argument."""

    indptr: np.ndarray  # int64, n + 1
    segments: np.ndarray  # where each later layer's run starts in a row
    indices: np.ndarray  # int32 neighbour of each entry
    active: np.ndarray  # bool: the tie is not cut


AHEAD = 64  # entries ahead whose neighbour's values a pass prefetches (about three rows)
CACHED = 1 << 22  # bytes of randomly read table that stay in cache here (measured: 4 MB yes, 16 MB no)


@intrinsic
def prefetch(typingctx, array, index):
    """Ask the CPU to start loading array[index] (1-d) into cache: `llvm.prefetch`, for reading.

    A pass over the network knows, a few rows ahead, which neighbours' values it will gather;
    fetching them early turns main-memory latency (the bound at 10^7 citizens) into bandwidth.
    """

    def codegen(context, builder, signature, args):
        kind = signature.args[0]
        data = context.make_array(kind)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(context, builder, kind, data, [args[1]], wraparound=False)
        byte = ir.IntType(8).as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [byte, ir.IntType(32), ir.IntType(32), ir.IntType(32)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        read, keep, data_cache = (ir.Constant(ir.IntType(32), v) for v in (0, 3, 1))
        builder.call(fn, [builder.bitcast(pointer, byte), read, keep, data_cache])
        return context.get_dummy_value()

    return types.void(array, index), codegen


MAX_MEANS = 4  # columns `neighbour_means` takes at once


@numba.njit(parallel=True, cache=True)
def neighbour_means(
    indptr: np.ndarray, indices: np.ndarray, active: np.ndarray, values: np.ndarray, empty: np.ndarray, out: np.ndarray
) -> None:
    """Means of the columns of `values` (n, k <= MAX_MEANS) over each citizen's active ties, into
    `out` (k, n); empty[c] where there are none.

    The sparse product A @ values / degree, skipping cut ties. A citizen's k values sit
    together, so one random access into the table serves every column: the gathers, not
    the arithmetic, bound this pass (the sums are scalars, for the same reason; and the
    values of entries AHEAD are prefetched). Rows are independent: the result does not
    depend on the number of threads.
    """
    k = values.shape[1]
    flat = values.reshape(-1)
    ahead = indices.shape[0] - AHEAD
    for i in numba.prange(indptr.shape[0] - 1):
        t0 = t1 = t2 = t3 = 0.0
        count = 0
        for e in range(indptr[i], indptr[i + 1]):
            if e < ahead:
                prefetch(flat, indices[e + AHEAD] * k)  # type: ignore[call-arg]  # intrinsic
            if active[e]:
                j = indices[e]
                t0 += values[j, 0]
                if k > 1:
                    t1 += values[j, 1]
                    if k > 2:
                        t2 += values[j, 2]
                        if k > 3:
                            t3 += values[j, 3]
                count += 1
        for c, total in enumerate((t0, t1, t2, t3)):
            if c < k:
                out[c, i] = total / count if count else empty[c]


@numba.njit(cache=True)
def fill_rows(n: int, src: np.ndarray, dst: np.ndarray, layer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both directions of undirected edges, without self-loops, bucketed by row (a counting sort).

    Returns (start, keys): row i's entries are keys[start[i]:start[i+1]], each neighbour * 8
    + layer in int32 (n < 2**28). The caller may free the edges before `finish_rows`.
    """
    start = np.zeros(n + 1, dtype=np.int64)
    for e in range(src.shape[0]):
        if src[e] != dst[e]:
            start[src[e] + 1] += 1
            start[dst[e] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    keys = np.empty(start[n], dtype=np.int32)
    for e in range(src.shape[0]):  # start[i] serves as row i's fill pointer, ending at row i + 1's start
        u, v, lay = src[e], dst[e], layer[e]
        if u != v:
            keys[start[u]] = v * 8 + lay
            start[u] += 1
            keys[start[v]] = u * 8 + lay
            start[v] += 1
    for i in range(n, 0, -1):  # shift back: row i starts where row i - 1's pointer ended
        start[i] = start[i - 1]
    start[0] = 0
    return start, keys


@numba.njit(cache=True)
def group_pairs(members: np.ndarray, bounds: np.ndarray, src: np.ndarray, dst: np.ndarray, offset: int) -> None:
    """Every pair within each group members[bounds[g]:bounds[g+1]], written as edges from `offset`."""
    e = offset
    for g in range(bounds.shape[0] - 1):
        for a in range(bounds[g], bounds[g + 1]):
            for b in range(a + 1, bounds[g + 1]):
                src[e] = members[a]
                dst[e] = members[b]
                e += 1


@numba.njit(cache=True)
def ring_pairs(ring: np.ndarray, district: int, half: int, src: np.ndarray, dst: np.ndarray, offset: int) -> None:
    """Ring-lattice edges: each ring[k] to the next `half` citizens along the ring of its district
    (the runs of `district` positions; 0: one ring), written as edges from `offset`."""
    n = ring.shape[0]
    size = district if 0 < district < n else n
    for k in range(n):
        first = k // size * size
        length = min(size, n - first)
        for d in range(1, half + 1):
            e = offset + (d - 1) * n + k
            src[e] = ring[k]
            dst[e] = ring[first + (k - first + d) % length]


@numba.njit(parallel=True, cache=True)
def finish_rows(start: np.ndarray, keys: np.ndarray, segments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR from `fill_rows`: duplicates dropped (keeping the lowest layer code), each row
    grouped by layer, then sorted by neighbour, compacted in place in `keys`.

    Returns (indptr, indices) and fills the zeroed (n, LAYERS - 1) `segments`: segments[i,
    l - 1] is where layer l starts in row i, relative to indptr[i]. Rows are put in order in
    parallel, each where it was filled; one sequential pass then closes the gaps the dropped
    duplicates left.
    """
    n = start.shape[0] - 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    for i in numba.prange(n):
        row = keys[start[i] : start[i + 1]]
        sort_small(row)  # by neighbour, then layer
        kept = 0
        previous = -1
        for k in range(row.shape[0]):
            neighbour = row[k] // 8
            if neighbour != previous:
                row[kept] = (row[k] % 8) << 28 | neighbour  # re-keyed by layer first
                kept += 1
                previous = neighbour
        sort_small(row[:kept])
        for k in range(kept):
            lay = row[k] >> 28
            for later in range(lay, LAYERS - 1):
                segments[i, later] += 1
            row[k] &= (1 << 28) - 1
        indptr[i + 1] = kept
    out = 0
    for i in range(n):
        kept = indptr[i + 1]
        first = start[i]
        for k in range(kept):  # out <= start[i]: a move down, never over an unread key
            keys[out] = keys[first + k]
            out += 1
        indptr[i + 1] = out
    return indptr, keys[:out]


@numba.njit(cache=True)
def sort_small(row: np.ndarray) -> None:
    """Sort in place: insertion sort for the short rows of a social network, NumPy's beyond."""
    if row.shape[0] > 32:
        row.sort()
        return
    for k in range(1, row.shape[0]):
        key = row[k]
        j = k - 1
        while j >= 0 and row[j] > key:
            row[j + 1] = row[j]
            j -= 1
        row[j + 1] = key


@numba.njit(inline="always", cache=True)
def segment(indptr: np.ndarray, segments: np.ndarray, i: int, layer: int) -> tuple[int, int]:
    """Entries [lo, hi) of citizen i's ties in one layer (-1: all of its ties)."""
    lo, hi = indptr[i], indptr[i + 1]
    if layer < 0:
        return lo, hi
    first = lo + segments[i, layer - 1] if layer > 0 else lo
    last = lo + segments[i, layer] if layer < LAYERS - 1 else hi
    return first, last


@numba.njit(inline="always", cache=True)
def layer_of(indptr: np.ndarray, segments: np.ndarray, i: int, k: int) -> int:
    """The layer of entry k in citizen i's row."""
    offset = k - indptr[i]
    lay = 0
    for later in range(LAYERS - 1):
        lay += offset >= segments[i, later]
    return lay


@numba.njit(parallel=True, cache=True)
def entry_layers(indptr: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """The layer of every entry (int8), derived from the segments: for inspection, not kept."""
    out = np.empty(indptr[indptr.shape[0] - 1], dtype=np.int8)
    for i in numba.prange(indptr.shape[0] - 1):
        for lay in range(LAYERS):
            lo, hi = segment(indptr, segments, i, lay)
            out[lo:hi] = lay
    return out


@numba.njit(cache=True)
def active_degree(indptr: np.ndarray, active: np.ndarray) -> np.ndarray:
    """Number of uncut ties of each citizen."""
    n = indptr.shape[0] - 1
    out = np.zeros(n, dtype=np.int32)
    for i in range(n):
        for k in range(indptr[i], indptr[i + 1]):
            out[i] += active[k]
    return out


@numba.njit(cache=True)
def components(
    indptr: np.ndarray, segments: np.ndarray, indices: np.ndarray, active: np.ndarray, cliques: np.ndarray
) -> tuple[int, int]:
    """Size of the largest connected component over uncut ties, and the number of citizens
    without any (union-find over each tie once, O(n) memory, the parents of entries AHEAD
    prefetched).

    In a layer flagged in `cliques` (generated groups, no tie cut), joining each citizen to
    the lowest neighbour of its run joins the whole group: one union a citizen instead of one
    a tie. (A pair also tied in a lower layer is stored there, and joined through it.)
    """
    n = indptr.shape[0] - 1
    parent = np.arange(n, dtype=np.int32)
    isolated = 0
    ahead = indices.shape[0] - AHEAD
    for i in range(n):
        degree = 0
        a = _root(parent, i)  # i's root, kept current across its row
        for lay in range(LAYERS):
            lo, hi = segment(indptr, segments, i, lay)
            if cliques[lay]:
                degree += hi - lo
                if hi > lo and indices[lo] < i:
                    a = _join(parent, a, indices[lo])
                continue
            for k in range(lo, hi):
                if k < ahead:
                    prefetch(parent, indices[k + AHEAD])  # type: ignore[call-arg]  # intrinsic
                if active[k]:
                    degree += 1
                    if indices[k] > i:  # else the tie was joined from the other row
                        a = _join(parent, a, indices[k])
        isolated += degree == 0
    size = np.zeros(n, dtype=np.int32)
    best = 0
    for i in range(n):
        root = _root(parent, i)
        size[root] += 1
        best = max(best, size[root])
    return best, isolated


@numba.njit(inline="always", cache=True)
def _root(parent: np.ndarray, b: int) -> int:
    """The root of b's tree, halving the path on the way."""
    while parent[b] != b:
        parent[b] = parent[parent[b]]
        b = parent[b]
    return b


@numba.njit(inline="always", cache=True)
def _join(parent: np.ndarray, a: int, b: int) -> int:
    """Join root a's tree with b's; return the root of the union (the lower id)."""
    b = _root(parent, b)
    if a != b:
        parent[max(a, b)] = min(a, b)
    return min(a, b)


@numba.njit(parallel=True, cache=True)
def pick_partners(
    indptr: np.ndarray,
    segments: np.ndarray,
    indices: np.ndarray,
    active: np.ndarray,
    donors: np.ndarray,
    context: np.ndarray,
    stranger: int,
    u: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Partner of each donor (`pick_partner`), u[:, j] making donor j's choice.

    Results depend on the caller's stream only. Returns (partner, tie entry), the entry -1
    for a stranger.
    """
    partner = np.empty(donors.shape[0], dtype=np.int32)
    entry = np.empty(donors.shape[0], dtype=np.int64)
    for j in numba.prange(donors.shape[0]):
        partner[j], entry[j] = pick_partner(
            indptr, segments, indices, active, donors[j], context[j], stranger, u[0, j], u[1, j]
        )
    return partner, entry


@numba.njit(inline="always", cache=True)
def pick_partner(
    indptr: np.ndarray,
    segments: np.ndarray,
    indices: np.ndarray,
    active: np.ndarray,
    i: int,
    context: int,
    stranger: int,
    u: float,
    u_again: float,
) -> tuple[int, int]:
    """Citizen i's partner: a uniform active tie in the context's layer, else a stranger.

    `context` is a Layer code, -1 for any layer, or >= `stranger` for a stranger; a citizen
    without such a tie also meets a stranger (any citizen but itself). The uniform u picks an
    entry of the layer's run; if that tie is cut, u_again picks among the active ones (the
    mixture is exactly uniform over them), so a pick costs O(1) unless ties were cut. Returns
    (partner, tie entry), the entry -1 for a stranger.
    """
    lo, hi = segment(indptr, segments, i, context) if context < stranger else (0, 0)
    if hi > lo:
        k = lo + min(int(u * (hi - lo)), hi - lo - 1)
        if active[k]:
            return indices[k], k
        count = 0
        for k in range(lo, hi):
            count += active[k]
        if count:
            pick = min(int(u_again * count), count - 1)
            for k in range(lo, hi):
                pick -= active[k]
                if pick < 0:
                    return indices[k], k
    return stranger_of(indptr.shape[0] - 1, i, u), -1  # u is still uniform: any tie in the run was cut


@numba.njit(inline="always", cache=True)
def stranger_of(n: int, i: int, u: float) -> int:
    """The citizen other than i that the uniform u picks among n."""
    other = min(int(u * (n - 1)), n - 2)
    return other + 1 if other >= i else other


@numba.njit(cache=True)
def cut_ties(
    indptr: np.ndarray,
    segments: np.ndarray,
    indices: np.ndarray,
    active: np.ndarray,
    owners: np.ndarray,
    entries: np.ndarray,
) -> int:
    """Clear `active` at each entry (of the row owners[j]) and at its other direction; return the
    lowest layer cut (LAYERS if none)."""
    lowest = LAYERS
    for j in range(entries.shape[0]):
        k = entries[j]
        lowest = min(lowest, layer_of(indptr, segments, owners[j], k))
        active[k] = False
        active[reverse(indptr, segments, indices, owners[j], k)] = False
    return lowest


@numba.njit(parallel=True, cache=True)
def reverse_entries(
    indptr: np.ndarray, segments: np.ndarray, indices: np.ndarray, owners: np.ndarray, entries: np.ndarray
) -> np.ndarray:
    """The other direction of each tie: the entry of owners[j] in the row of its neighbour at
    entries[j]. A binary search in the tie's layer run; no tie-sized twin array is kept."""
    out = np.empty(entries.shape[0], dtype=np.int64)
    for j in numba.prange(entries.shape[0]):
        out[j] = reverse(indptr, segments, indices, owners[j], entries[j])
    return out


@numba.njit(inline="always", cache=True)
def reverse(indptr: np.ndarray, segments: np.ndarray, indices: np.ndarray, owner: int, k: int) -> int:
    """Entry of `owner` in the row of its neighbour at entry k (a binary search in the layer's run)."""
    row = indices[k]
    lo, hi = segment(indptr, segments, row, layer_of(indptr, segments, owner, k))
    while lo < hi:
        mid = (lo + hi) // 2
        if indices[mid] < owner:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True)
def tie_ends(
    indptr: np.ndarray, segments: np.ndarray, indices: np.ndarray, active: np.ndarray, who: np.ndarray, layer: int
) -> np.ndarray:
    """The other end of every active tie of the citizens `who` in one layer (-1: all), one entry
    per tie (int32).

    Walks only the rows of `who`, so it costs O(len(who) * degree): events such as today's
    listings reach their ties without a pass over the whole network.
    """
    size = 0
    for i in who:
        size += indptr[i + 1] - indptr[i]
    out = np.empty(size, dtype=np.int32)
    m = 0
    for i in who:
        lo, hi = segment(indptr, segments, i, layer)
        for k in range(lo, hi):
            if active[k]:
                out[m] = indices[k]
                m += 1
    return out[:m]
