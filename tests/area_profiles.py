"""The profile the area engine uses for one cell, rebuilt in plain Python (test helper).

The area engine's kernels (:mod:`netcover.radio._radial`) answer every profile query from hulls and
running sums; this module rebuilds, independently of them, the profile they stand for, so that tests
can feed it to :func:`~netcover.radio.p1812.p1812_profile_loss` and demand the same loss.
"""

from __future__ import annotations

import math

import numpy as np

from netcover.radio._sampling import bilinear_height, radial_heights
from netcover.radio.area import TAIL_STEPS, Disc


def engine_profile(dem: np.ndarray, origin: tuple[float, float], cell: float,
                   site: tuple[float, float], radius_m: float, row: int, col: int,
                   clutter: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(d_km, h_m, r_m) of the profile the engine evaluates for DEM cell (``row``, ``col``).

    With d the cell's distance in steps (cell sizes): the tail points at d - k, k = nt..1, on the
    cell's own straight line from the site (nt = min(TAIL_STEPS, floor(d - 0.5)): those at least half
    a step from the site); before them the samples 1..m of the radial nearest the cell's bearing,
    strictly before the first tail point (none when nt = 0); the site first and the cell's own
    ground last. Clutter at the intermediate points, none at the ends.
    """
    disc = Disc.around(dem, origin, cell, site, radius_m)
    local = (row - disc.row_off) * disc.shape[1] + (col - disc.col_off)
    (where,) = np.nonzero(disc.flat == local)
    e = int(where[0])
    nb, ns = disc.n_bearings, disc.n_samples
    j = math.floor(disc.bearing_units()[e] + 0.5) % nb
    dist = float(disc.dist_cells[e])
    nt = min(TAIL_STEPS, max(math.floor(dist - 0.5), 0))
    m = 0 if nt == 0 else min(math.ceil(dist - nt - 1e-6) - 1, ns - 1)
    layers = [disc.grid] if clutter is None else [disc.grid, disc.layer_window(clutter, "clutter")]
    cell_row = row - disc.grid_off[0]
    cell_col = col - disc.grid_off[1]
    columns = []
    for grid in layers:
        radial = radial_heights(grid, disc.row0, disc.col0, nb, ns, 1.0)[j, :m + 1]
        tail = [bilinear_height(grid, disc.row0 + (1.0 - k / dist) * (cell_row - disc.row0),
                                disc.col0 + (1.0 - k / dist) * (cell_col - disc.col0))
                for k in range(nt, 0, -1)]
        columns.append(np.concatenate((radial, tail, [grid[cell_row, cell_col]])))
    h = columns[0]
    r = np.zeros_like(h) if clutter is None else columns[1]
    r[0] = r[-1] = 0.0
    step = cell / 1000.0
    d_km = np.concatenate((np.arange(m + 1) * step, (dist - np.arange(nt, 0, -1)) * step,
                           [dist * step]))
    return d_km, h, r


def radial_tail_args(h: np.ndarray, k: np.ndarray,
                     clutter: np.ndarray | None = None) -> tuple[object, ...]:
    """The tail arguments of :func:`~netcover.radio._radial.cell_diffraction_loss` for receivers at
    samples ``k`` of one radial ``h`` running east from the site along a grid row: the radial is
    then every receiver's own straight line, and its tail points are radial samples."""
    grid = np.vstack((h, h)).astype(np.float64)
    layer = np.empty((0, 0)) if clutter is None else np.vstack((clutter, clutter)).astype(np.float64)
    return (TAIL_STEPS, grid, layer, 0.0, 0.0, np.zeros(k.size), k.astype(np.float64))
