"""Line of sight from one site to every DEM cell of a disc, on the area engine's radials.

:func:`line_of_sight_grid` answers, for each cell within the radius, whether the straight ray from
the site's antenna to a receiver antenna above the cell clears the terrain, over a spherical earth of
effective radius k x 6371 km. It uses the geometry of :func:`~netcover.radio.area.site_loss_grid`:
one terrain profile per bearing (radials 0.4 cell apart at the rim, samples every cell size),
every cell evaluated at its own distance and ground height on the radial nearest to its bearing, with
the radial samples at least half a step short of the cell as the obstacles. A cell is visible when
no obstacle's elevation angle, seen from the antenna, exceeds the receiver's:

    theta_i = (h_i - hts) / d_i - d_i / (2 a)   <=   theta_r = (hr + hrg - hts) / d - d / (2 a)

the tangents of the elevation angles of ITU-R P.1812's horizon test (Attachment 1, Section 4; the
arctangent is monotone, so it is dropped). Along a radial the largest obstacle angle up to sample m is
a running maximum, so the whole disc costs one pass over the radials' samples.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from netcover.errors import ModelError
from netcover.radio.area import Disc

__all__ = ["EARTH_RADIUS_KM", "Visibility", "line_of_sight_grid", "radial_visibility"]

#: Mean earth radius (km), that of ITU-R P.1812.
EARTH_RADIUS_KM = 6371.0


class Visibility(NamedTuple):
    """Line of sight from one site on a window of the DEM grid (unpacks as a 3-tuple).

    Attributes
    ----------
    visible : numpy.ndarray
        bool (rows, cols): True where the receiver above the cell sees the site's antenna; False
        outside the disc. The window and the disc are those of
        :func:`~netcover.radio.area.site_loss_grid` for the same site and radius.
    row_off, col_off : int
        Offset of the window's top-left cell in the DEM array.
    """

    visible: NDArray[np.bool_]
    row_off: int
    col_off: int


@njit(cache=True)
def radial_visibility(heights: np.ndarray, step_m: float, tx_height_m: float, rx_height_m: float,
                      earth_radius_m: float, cell_bearing: np.ndarray, cell_d_m: np.ndarray,
                      cell_h: np.ndarray) -> np.ndarray:
    """Line of sight (bool) of receiver cells from the radial profiles.

    Parameters
    ----------
    heights : (n_bearings, n_samples) float64
        Ground heights along the radials (:func:`~netcover.radio._radial.radial_heights`),
        sample 0 at the site, sample k at ``k * step_m``.
    step_m : float
        Spacing of the radial samples.
    tx_height_m, rx_height_m : float
        Antenna heights above ground of the site and of the receivers.
    earth_radius_m : float
        Effective earth radius.
    cell_bearing : float64 array
        Bearing of each cell in units of the radial spacing (0 <= b < n_bearings).
    cell_d_m, cell_h : float64 arrays
        Horizontal distance from the site and ground height of each cell.
    """
    nb, ns = heights.shape
    hts = heights[0, 0] + tx_height_m
    half_inv_a = 0.5 / earth_radius_m
    # running maximum of the obstacle angle: best[j, m] = max over samples 1..m of radial j
    best = np.empty((nb, ns))
    for j in range(nb):
        run = -np.inf
        best[j, 0] = run
        for k in range(1, ns):
            dk = k * step_m
            run = max(run, (heights[j, k] - hts) / dk - dk * half_inv_a)
            best[j, k] = run
    out = np.empty(cell_bearing.size, dtype=np.bool_)
    for e in range(cell_bearing.size):
        d = cell_d_m[e]
        m = min(max(math.floor(d / step_m - 0.5), 0), ns - 1)
        if m == 0:
            out[e] = True
            continue
        j = math.floor(cell_bearing[e] + 0.5) % nb
        out[e] = (cell_h[e] + rx_height_m - hts) / d - d * half_inv_a >= best[j, m]
    return out


def line_of_sight_grid(dem: np.ndarray, origin_xy: tuple[float, float], cell_size_m: float,
                       site_xy: tuple[float, float], tx_height_m: float, rx_height_m: float,
                       radius_m: float, *, k_factor: float = 4.0 / 3.0) -> Visibility:
    """Which DEM cells within ``radius_m`` of a site are in line of sight of its antenna.

    Parameters
    ----------
    dem : numpy.ndarray
        Ground heights a.m.s.l. (m), 2-D, north-up, no NaN within the radius.
    origin_xy : tuple of float
        (x of the left edge, y of the top edge) of the DEM, metres of a projected CRS.
    cell_size_m : float
        Side of the square cells (m).
    site_xy : tuple of float
        Site position, same CRS; must lie inside the DEM.
    tx_height_m, rx_height_m : float
        Antenna heights above ground (m) of the site and of the receivers, >= 0.
    radius_m : float
        Cells whose centre lies farther from the site are False.
    k_factor : float
        Effective earth radius factor (4/3 the standard radio atmosphere; 7/6 matches the default
        curvature coefficient 0.85714 of ``gdal_viewshed``; a very large value is a flat earth).

    Returns
    -------
    Visibility
        (visible, row_off, col_off): bool window, True where the cell sees the site; the site's own
        cell and its neighbours nearer than 1.5 cell sizes (no obstacle between) are visible.

    Raises
    ------
    ModelError
        For a negative antenna height, a radius or k factor not > 0, a DEM with holes, or a site
        outside the DEM.
    """
    for name, value in (("tx_height_m", tx_height_m), ("rx_height_m", rx_height_m)):
        if not value >= 0.0:
            msg = f"{name} = {value} m must be >= 0 (antenna height above ground)"
            raise ModelError(msg)
    for name, value in (("radius_m", radius_m), ("k_factor", k_factor)):
        if not value > 0.0:
            msg = f"{name} = {value} must be > 0"
            raise ModelError(msg)
    disc = Disc.around(dem, origin_xy, cell_size_m, site_xy, radius_m)
    seen = radial_visibility(disc.radial_heights(), float(cell_size_m), float(tx_height_m),
                             float(rx_height_m), k_factor * EARTH_RADIUS_KM * 1000.0,
                             disc.bearing_units(), disc.dist_cells * cell_size_m, disc.ground)
    visible = np.zeros(disc.shape[0] * disc.shape[1], dtype=np.bool_)
    visible[disc.flat] = seen
    return Visibility(visible.reshape(disc.shape), disc.row_off, disc.col_off)
