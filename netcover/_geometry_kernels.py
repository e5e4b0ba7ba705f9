"""numba kernels for the per-site geometry of the coverage engine and for applying a sector.

Pure: arrays and scalars in, new arrays out.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def site_directions(
    ground: np.ndarray, site_row: float, site_col: float, site_amsl: float, rx_height_m: float,
    cell_m: float, earth_radius_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bearing, elevation (degrees) and horizontal distance (m) from a site to every cell.

    Parameters
    ----------
    ground : (rows, cols) float32
        Ground heights of the window (m a.m.s.l.).
    site_row, site_col : float
        The site's fractional position in the window, cell centres at integers.
    site_amsl : float
        Antenna height a.m.s.l. (m).
    rx_height_m : float
        Receiver height above ground (m).
    cell_m : float
        Cell size (m).
    earth_radius_m : float
        Effective earth radius for the drop of the receiver below the horizontal (m).

    Returns
    -------
    bearing, elevation, distance : float32 arrays
        Bearing clockwise from grid north; elevation of the receiver as seen from the antenna,
        negative below the horizontal; horizontal distance.
    """
    rows, cols = ground.shape
    bearing = np.empty((rows, cols), dtype=np.float32)
    elevation = np.empty((rows, cols), dtype=np.float32)
    distance = np.empty((rows, cols), dtype=np.float32)
    for i in prange(rows):
        dy = (site_row - i) * cell_m
        for j in range(cols):
            dx = (j - site_col) * cell_m
            d = math.sqrt(dx * dx + dy * dy)
            drop = d * d / (2.0 * earth_radius_m)
            dz = ground[i, j] + rx_height_m - drop - site_amsl
            bearing[i, j] = math.degrees(math.atan2(dx, dy)) % 360.0
            elevation[i, j] = math.degrees(math.atan2(dz, max(d, 1.0)))
            distance[i, j] = d
    return bearing, elevation, distance


@njit(cache=True, parallel=True)
def fmin_into(target: np.ndarray, row_off: int, col_off: int, window: np.ndarray) -> None:
    """``target[window area] = fmin(target, window)`` (an accumulator: modifies ``target``)."""
    rows, cols = window.shape
    for i in prange(rows):
        for j in range(cols):
            v = window[i, j]
            t = target[row_off + i, col_off + j]
            if not math.isnan(v) and (math.isnan(t) or v < t):
                target[row_off + i, col_off + j] = v


#: Elevations are tabulated on t = asinh(elevation / ELEVATION_SCALE_DEG): fine near the horizon
#: (0.1 degree per step), coarse towards the zenith and nadir where only side lobes matter.
ELEVATION_SCALE_DEG = 5.0
ELEVATION_STEP_T = 0.02
BEARING_STEP_DEG = 1.0


@njit(cache=True, parallel=True)
def elevation_index(elevation: np.ndarray) -> np.ndarray:
    """Fractional row of each elevation in a gain table (see :data:`ELEVATION_SCALE_DEG`)."""
    rows, cols = elevation.shape
    t_min = math.asinh(-90.0 / ELEVATION_SCALE_DEG)
    out = np.empty((rows, cols), dtype=np.float32)
    for i in prange(rows):
        for j in range(cols):
            out[i, j] = (math.asinh(elevation[i, j] / ELEVATION_SCALE_DEG) - t_min) / ELEVATION_STEP_T
    return out


def table_axes() -> tuple[np.ndarray, np.ndarray]:
    """Bearings (0..360 inclusive) and elevations (-90..90) of the gain-table nodes, in degrees."""
    t_max = math.asinh(90.0 / ELEVATION_SCALE_DEG)
    n_t = math.ceil(2 * t_max / ELEVATION_STEP_T) + 1
    t = -t_max + ELEVATION_STEP_T * np.arange(n_t)
    bearings = np.arange(0.0, 360.0 + BEARING_STEP_DEG, BEARING_STEP_DEG)
    return bearings, np.clip(ELEVATION_SCALE_DEG * np.sinh(t), -90.0, 90.0)


@njit(cache=True, parallel=True)
def sector_level(loss: np.ndarray, bearing: np.ndarray, elev_index: np.ndarray,
                 table: np.ndarray, fixed_db: float) -> np.ndarray:
    """Received level: ``fixed_db`` + tabulated antenna gain - loss, bilinear in the table.

    ``table[k, m]`` is the relative gain (dB) at elevation node k and bearing node m
    (:func:`table_axes`); NaN losses give NaN.
    """
    rows, cols = loss.shape
    n_e, n_b = table.shape
    out = np.empty((rows, cols), dtype=np.float32)
    for i in prange(rows):
        for j in range(cols):
            lv = loss[i, j]
            if math.isnan(lv):
                out[i, j] = np.nan
                continue
            fb = bearing[i, j] / BEARING_STEP_DEG
            b0 = min(int(fb), n_b - 2)
            wb = fb - b0
            fe = elev_index[i, j]
            e0 = min(max(int(fe), 0), n_e - 2)
            we = min(max(fe - e0, 0.0), 1.0)
            g = ((1.0 - we) * ((1.0 - wb) * table[e0, b0] + wb * table[e0, b0 + 1])
                 + we * ((1.0 - wb) * table[e0 + 1, b0] + wb * table[e0 + 1, b0 + 1]))
            out[i, j] = fixed_db + g - lv
    return out
