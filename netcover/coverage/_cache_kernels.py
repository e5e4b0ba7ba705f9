"""numba kernel of the loss cache: packed words to values by a look-up table.

Pure: arrays in, a new array out. Single-threaded and without the GIL: the engine reads several
entries at a time on its pool threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["look_up"]


@njit(cache=True, nogil=True)
def look_up(table: np.ndarray, words: np.ndarray) -> np.ndarray:
    """``table[words]`` (any shape of unsigned words, each a valid index of ``table``): the same
    values as :func:`numpy.take`, without its pass converting the words to indices."""
    out = np.empty(words.shape, dtype=table.dtype)
    flat_in, flat_out = words.reshape(-1), out.reshape(-1)
    for i in range(flat_in.size):
        flat_out[i] = table[flat_in[i]]
    return out
