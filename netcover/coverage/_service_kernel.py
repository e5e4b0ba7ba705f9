"""numba kernels of the service levels: their classes, and the share of people covered at each.

:func:`fold_service_classes`: one pass over a level raster per service level, the class rasters
folded in place (the ``fold_*`` arguments are accumulators, the best class so far).
:func:`rows_at_least` and :func:`cols_share`: the overlap of a class raster with the population
cells (:class:`~netcover.coverage.people.GridOverlap`), the same sums as scipy's sparse products.
:func:`unpack_classes`: a level's three class rasters from the cache's one byte per cell. Pure:
arrays and scalars in, arrays out.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def _class_of(value: float, weak: float, fair: float, good: float) -> int:
    """Class of a level (0 none to 3 good; a level equal to a bound is in the class above)."""
    if math.isnan(value) or value < weak:
        return 0
    if value < fair:
        return 1
    if value < good:
        return 2
    return 3


@njit(cache=True, parallel=True, nogil=True)
def fold_service_classes(level: np.ndarray, index: np.ndarray, margin: np.ndarray,
                         shift: np.ndarray, weak: float, fair: float, good: float,
                         fold_mid: np.ndarray, fold_low: np.ndarray, fold_high: np.ndarray) -> None:
    """Classes of ``level - margin[index]`` and of that ``-/+ shift[index]``, folded by maximum.

    ``level`` float (rows, cols), NaN where there is no server; ``index`` int (rows, cols) into
    the tables ``margin`` and ``shift`` (dB); ``fold_mid``, ``fold_low``, ``fold_high`` uint8
    (rows, cols) hold the best class so far and are raised in place.
    """
    rows, cols = level.shape
    for i in prange(rows):
        for j in range(cols):
            k = index[i, j]
            at = level[i, j] - margin[k]
            d = shift[k]
            c = _class_of(at, weak, fair, good)
            if c > fold_mid[i, j]:
                fold_mid[i, j] = c
            c = _class_of(at - d, weak, fair, good)
            if c > fold_low[i, j]:
                fold_low[i, j] = c
            c = _class_of(at + d, weak, fair, good)
            if c > fold_high[i, j]:
                fold_high[i, j] = c


@njit(cache=True, parallel=True, nogil=True)
def rows_at_least(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, classes: np.ndarray,
                  usable: int) -> np.ndarray:
    """``M @ (classes >= usable)`` for a CSR matrix ``M`` (``indptr``, ``indices``, ``data``),
    without the float raster of the comparison.

    The sums of scipy's CSR product (``csr_matvecs``), term by term in the same order from 0, so
    the result is the same to the bit: a term is ``data`` (class at least ``usable``) or 0.
    """
    n_rows = indptr.shape[0] - 1
    cols = classes.shape[1]
    out = np.zeros((n_rows, cols))
    for i in prange(n_rows):
        for jj in range(indptr[i], indptr[i + 1]):
            a = data[jj]
            k = indices[jj]
            for j in range(cols):
                out[i, j] += a * (1.0 if classes[k, j] >= usable else 0.0)
    return out


@njit(cache=True, parallel=True, nogil=True)
def cols_share(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, part: np.ndarray,
               total: np.ndarray) -> np.ndarray:
    """``(M @ part.T).T / total`` for a CSR matrix ``M``, 0 where ``total`` is not positive.

    The sums of scipy's CSR product term by term in the same order from 0, then the division, so
    the result is the same to the bit as scipy's product and numpy's division.
    """
    rows = part.shape[0]
    n_cols = indptr.shape[0] - 1
    out = np.zeros((rows, n_cols))
    for i in prange(rows):
        for a in range(n_cols):
            if total[i, a] > 0:
                s = 0.0
                for jj in range(indptr[a], indptr[a + 1]):
                    s += data[jj] * part[i, indices[jj]]
                out[i, a] = s / total[i, a]
    return out


@njit(cache=True, parallel=True, nogil=True)
def unpack_classes(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three uint8 class rasters (bits 0-1, 2-3, 4-5) of ``packed`` (uint8), in one pass."""
    rows, cols = packed.shape
    mid = np.empty((rows, cols), dtype=np.uint8)
    low = np.empty((rows, cols), dtype=np.uint8)
    high = np.empty((rows, cols), dtype=np.uint8)
    for i in prange(rows):
        for j in range(cols):
            v = packed[i, j]
            mid[i, j] = v & 3
            low[i, j] = (v >> 2) & 3
            high[i, j] = (v >> 4) & 3
    return mid, low, high
