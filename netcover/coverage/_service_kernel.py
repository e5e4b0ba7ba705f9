"""numba kernel of the service-level classes: one pass over a level raster per service level.

Pure: arrays and scalars in, the class rasters folded in place (the ``fold_*`` arguments are
accumulators, the best class so far).
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
