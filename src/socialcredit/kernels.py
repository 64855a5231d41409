"""Compiled kernels for loops over the CSR network, where a loop is the natural form."""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(parallel=True, cache=True)
def neighbour_mean(
    indptr: np.ndarray, indices: np.ndarray, active: np.ndarray, values: np.ndarray, empty: float
) -> np.ndarray:
    """Mean of `values` over each citizen's active ties (`empty` where there are none).

    The sparse product A @ values / degree, skipping cut ties; rows are independent, so the
    result does not depend on the number of threads.
    """
    n = indptr.shape[0] - 1
    out = np.empty(n, dtype=np.float32)
    for i in numba.prange(n):
        total = 0.0
        count = 0
        for k in range(indptr[i], indptr[i + 1]):
            if active[k]:
                total += values[indices[k]]
                count += 1
        out[i] = total / count if count else empty
    return out


@numba.njit(cache=True)
def build_csr(n: int, src: np.ndarray, dst: np.ndarray, layer: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR of undirected edges, both directions, without self-loops or duplicates.

    A counting sort by row, then a sort within each (short) row, compacted in place; a
    duplicate keeps its lowest layer code. Keys pack neighbour * 8 + layer into int32
    (n < 2**28), so the peak is about 5 bytes per directed entry beyond the input.
    """
    counts = np.zeros(n + 1, dtype=np.int64)
    for e in range(src.shape[0]):
        if src[e] != dst[e]:
            counts[src[e] + 1] += 1
            counts[dst[e] + 1] += 1
    start = np.cumsum(counts)
    fill = start[:-1].copy()
    keys = np.empty(start[n], dtype=np.int32)
    for e in range(src.shape[0]):
        u, v, lay = src[e], dst[e], layer[e]
        if u != v:
            keys[fill[u]] = v * 8 + lay
            fill[u] += 1
            keys[fill[v]] = u * 8 + lay
            fill[v] += 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    layers = np.empty(start[n], dtype=np.int8)
    out = 0
    for i in range(n):
        keys[start[i] : start[i + 1]].sort()
        previous = -1
        for k in range(start[i], start[i + 1]):
            neighbour = keys[k] // 8
            if neighbour != previous:
                layers[out] = keys[k] % 8
                keys[out] = neighbour  # out <= k: compaction never overwrites an unread key
                out += 1
                previous = neighbour
        indptr[i + 1] = out
    return indptr, keys[:out], layers[:out]


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
def largest_component(indptr: np.ndarray, indices: np.ndarray, active: np.ndarray) -> int:
    """Size of the largest connected component over uncut ties (union-find, O(n) memory)."""
    n = indptr.shape[0] - 1
    parent = np.arange(n, dtype=np.int32)
    for i in range(n):
        for k in range(indptr[i], indptr[i + 1]):
            if active[k]:
                a, b = i, indices[k]
                while parent[a] != a:
                    parent[a] = parent[parent[a]]
                    a = parent[a]
                while parent[b] != b:
                    parent[b] = parent[parent[b]]
                    b = parent[b]
                if a != b:
                    parent[max(a, b)] = min(a, b)
    size = np.zeros(n, dtype=np.int32)
    best = 0
    for i in range(n):
        root = i
        while parent[root] != root:
            root = parent[root]
        size[root] += 1
        best = max(best, size[root])
    return best


@numba.njit(parallel=True, cache=True)
def sample_ties(
    indptr: np.ndarray, layer: np.ndarray, active: np.ndarray, rows: np.ndarray, want: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """For each citizen rows[j], the entry of a uniform active tie of layer want[j] (-1: any layer).

    u[j] in [0, 1) picks which one, so the result depends on the caller's stream only. -1
    where the citizen has no such tie (the caller then falls back, e.g. to a stranger).
    """
    out = np.full(rows.shape[0], -1, dtype=np.int64)
    for j in numba.prange(rows.shape[0]):
        i, w = rows[j], want[j]
        count = 0
        for k in range(indptr[i], indptr[i + 1]):
            if active[k] and (w < 0 or layer[k] == w):
                count += 1
        if count == 0:
            continue
        pick = min(int(u[j] * count), count - 1)
        for k in range(indptr[i], indptr[i + 1]):
            if active[k] and (w < 0 or layer[k] == w):
                if pick == 0:
                    out[j] = k
                    break
                pick -= 1
    return out


@numba.njit(parallel=True, cache=True)
def reverse_entries(indptr: np.ndarray, indices: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Entry of src[j] in dst[j]'s row: the other direction of the tie src[j] -> dst[j].

    Rows are sorted, so a binary search per tie; no N-sized twin array is kept.
    """
    out = np.empty(src.shape[0], dtype=np.int64)
    for j in numba.prange(src.shape[0]):
        lo, hi = indptr[dst[j]], indptr[dst[j] + 1]
        out[j] = lo + np.searchsorted(indices[lo:hi], src[j])
    return out
