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
