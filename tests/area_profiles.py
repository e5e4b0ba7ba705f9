"""The profile the area engine uses for one cell, rebuilt in plain Python (test helper).

The area engine's kernels (:mod:`netcover.radio._radial`) answer every profile query from hulls and
running sums; this module rebuilds, independently of them, the profile they stand for, so that tests
can feed it to :func:`~netcover.radio.p1812.p1812_profile_loss` and demand the same loss.
"""

from __future__ import annotations

import math

import numpy as np

from netcover.radio._radial import radial_heights
from netcover.radio.area import Disc


def engine_profile(dem: np.ndarray, origin: tuple[float, float], cell: float,
                   site: tuple[float, float], radius_m: float, row: int, col: int,
                   clutter: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(d_km, h_m, r_m) of the profile the engine evaluates for DEM cell (``row``, ``col``).

    Radial samples 0..m of the radial nearest the cell's bearing (m: those at least half a step short
    of the cell's distance), then the receiver at the cell's distance and own ground height; clutter
    at samples 1..m, none at the ends.
    """
    disc = Disc.around(dem, origin, cell, site, radius_m)
    local = (row - disc.row_off) * disc.shape[1] + (col - disc.col_off)
    (where,) = np.nonzero(disc.flat == local)
    e = int(where[0])
    nb, ns = disc.n_bearings, disc.n_samples
    j = math.floor(disc.bearing_units()[e] + 0.5) % nb
    d_km = disc.dist_cells[e] * cell / 1000.0
    step = cell / 1000.0
    m = min(max(math.floor(d_km / step - 0.5), 0), ns - 1)
    h = disc.radial_heights()[j, :m + 1]
    r = np.zeros(m + 1)
    if clutter is not None:
        r = radial_heights(disc.layer_window(clutter, "clutter"), disc.row0, disc.col0, nb, ns,
                           1.0)[j, :m + 1].copy()
        r[0] = 0.0
    return (np.append(np.arange(m + 1) * step, d_km), np.append(h, disc.ground[e]),
            np.append(r, 0.0))
