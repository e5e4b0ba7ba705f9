"""numba kernels for the per-site geometry of the coverage engine and for applying a sector.

Pure: arrays and scalars in, new arrays out.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from netcover.radio.servers import table_gain, table_position

#: Elevations are tabulated on t = asinh(elevation / ELEVATION_SCALE_DEG): fine near the horizon
#: (0.1 degree per step), coarse towards the zenith and nadir where only side lobes matter.
ELEVATION_SCALE_DEG = 5.0
ELEVATION_STEP_T = 0.02
BEARING_STEP_DEG = 2.0


@njit(cache=True, parallel=True, nogil=True)
def fmin_into(target: np.ndarray, row_off: int, col_off: int, window: np.ndarray) -> None:
    """``target[window area] = fmin(target, window)`` (an accumulator: modifies ``target``)."""
    rows, cols = window.shape
    for i in prange(rows):
        for j in range(cols):
            v = window[i, j]
            t = target[row_off + i, col_off + j]
            if not math.isnan(v) and (math.isnan(t) or v < t):
                target[row_off + i, col_off + j] = v


@njit(cache=True, parallel=True, nogil=True)
def mast_geometry(
    ground: np.ndarray, site_row: float, site_col: float, site_amsl: float, rx_height_m: float,
    cell_m: float, earth_radius_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Bearing and gain-table elevation row from a mast to every cell of a window.

    Parameters
    ----------
    ground : (rows, cols) float32
        Ground heights of the window (m a.m.s.l.).
    site_row, site_col : float
        The mast's fractional position in the window, cell centres at integers.
    site_amsl : float
        Antenna height a.m.s.l. (m).
    rx_height_m : float
        Receiver height above ground (m).
    cell_m : float
        Cell size (m).
    earth_radius_m : float
        Effective earth radius, for the drop of distant receivers below the horizontal (m).

    Returns
    -------
    bearing, elevation_row : float32 arrays
        Bearing in degrees clockwise from grid north, [0, 360); the receiver's elevation seen from
        the antenna as a fractional row of the gain table (see :func:`table_axes`).
    """
    rows, cols = ground.shape
    bearing = np.empty((rows, cols), dtype=np.float32)
    elevation_row = np.empty((rows, cols), dtype=np.float32)
    to_deg = 180.0 / math.pi
    t_min = math.asinh(-90.0 / ELEVATION_SCALE_DEG)
    for i in prange(rows):
        dy = (site_row - i) * cell_m
        for j in range(cols):
            dx = (j - site_col) * cell_m
            d2 = dx * dx + dy * dy
            d = max(math.sqrt(d2), 1.0)
            dz = ground[i, j] + rx_height_m - d2 / (2.0 * earth_radius_m) - site_amsl
            b = math.atan2(dx, dy) * to_deg
            bearing[i, j] = b + 360.0 if b < 0.0 else b
            e = math.atan2(dz, d) * to_deg
            elevation_row[i, j] = (math.asinh(e / ELEVATION_SCALE_DEG) - t_min) / ELEVATION_STEP_T
    return bearing, elevation_row


def table_axes() -> tuple[np.ndarray, np.ndarray]:
    """Bearings (0..360 inclusive) and elevations (-90..90) of the gain-table nodes, in degrees."""
    t_max = math.asinh(90.0 / ELEVATION_SCALE_DEG)
    n_t = math.ceil(2 * t_max / ELEVATION_STEP_T) + 1
    t = -t_max + ELEVATION_STEP_T * np.arange(n_t)
    bearings = np.arange(0.0, 360.0 + BEARING_STEP_DEG, BEARING_STEP_DEG)
    return bearings, np.clip(ELEVATION_SCALE_DEG * np.sinh(t), -90.0, 90.0)


@njit(cache=True, parallel=True, nogil=True)
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
            b0, wb, e0, we = table_position(bearing[i, j] / BEARING_STEP_DEG, elev_index[i, j],
                                            n_e, n_b)
            out[i, j] = fixed_db + table_gain(table, b0, wb, e0, we) - lv
    return out
