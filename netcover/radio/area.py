"""Basic transmission loss from one site to every DEM cell within a radius (the area engine).

:func:`site_loss_grid` returns, for one site, the loss on a window of the DEM grid:

- ``"p1812"``: ITU-R P.1812-6 delta-Bullington diffraction and troposcatter for 50 % of time, no
  ducting, with optional representative clutter heights (``clutter_m``, Section 3.2: on the
  intermediate profile points of the Bullington loss only, terminals at ground height):
  Lb = max(Lbfs, -5 log10(10^(-0.2 Lbs) + 10^(-0.2 (Lbfs + Ld50)))) (Eqs 63 and 69 with the
  diffraction loss for Lbam), Lbs the troposcatter loss (Eq 44) with the scenario's N0 and each
  cell's path angular distance (from its horizon angles). Ld50 comes from radial profiles (see
  :mod:`._radial`): every cell is evaluated at its own distance d and ground height on the profile
  made of the site, the samples of the radial nearest its bearing (radials at most 0.4 cell apart
  at the rim, samples every cell size) up to at most one step before its tail, the tail (the last
  :data:`TAIL_STEPS` steps before the cell, d - k cell sizes, sampled bilinearly on the cell's own
  straight line from the site), and the cell. Every receiver on a radial shares a prefix of the
  radial's profile; its tail is its own, so the receiver end of each profile, where a low antenna's
  loss is decided, is exact. The radial part runs within 0.2 cell of the cell's own line; no
  value is interpolated between radials, so there are no holes and no streaks beyond the terrain's
  own. Lbfs is free space over each cell's slant distance, as P.1812's Eq 8 writes it
  (:func:`~netcover.radio.basic.p1812_free_space_loss`).

  What is approximated, and by how much: only the profile. Given a cell's profile (above), the loss
  is P.1812's on that profile to rounding (the kernels' shortcuts are exact: a shared hull query, and
  the spherical-earth terms skipped only where a closed-form bound shows Ldsph = 0, see
  :mod:`._radial`). The profile differs from the cell's exact straight line before its tail (radial
  samples at whole steps, within 0.2 cell of the line). Measured against
  :func:`~netcover.radio.p1812.p1812_profile_loss` on each cell's exact straight profile
  (``benchmarks/bench_area_accuracy.py``: a rough synthetic 30 m karst, 15 km disc, 1.5 m
  receivers, 5,000 random cells per frequency): |difference| median 0.04 dB, p95 0.28 dB, p99
  0.57-0.60 dB, max 2.3-2.4 dB, 0.3% of cells above 1 dB at 900/1800/2600 MHz with
  :data:`TAIL_STEPS` = 4 and :data:`BEARINGS_PER_RIM_CELL` = 2.5 (with 2 radials per rim cell and
  6 tail steps: p95 0.32 dB, p99 0.68-0.71 dB, max 3.1-4.9 dB); sampling the same straight line
  with one point more moves the reference itself by p95 0.16 dB.
- ``"fspl"``: free space (ITU-R P.525) over the slant distance between the antennas.
- ``"hata"``: Okumura-Hata / COST-231 Hata (:func:`~netcover.radio.basic.hata_loss`) over the
  horizontal distance, with the base height taken as Okumura's effective height: the site antenna
  a.m.s.l. minus the mean ground height 3-15 km from the site along each radial (the whole radial
  when the radius is under 3 km), interpolated in bearing, at least 1 m. Validity warnings of the
  Hata model are issued as one :class:`UserWarning` per site and band.

Coordinates are metres in a projected CRS (UTM); the DEM is north-up, ``origin_xy`` is the (x, y) of its
top-left corner, cells are square, and heights are ground heights a.m.s.l. without holes.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from netcover.config.radio import (
    DIFFRACTIONS,
    ENVIRONMENTS,
    MODELS,
    POLARISATIONS,
    Diffraction,
    Model,
    Polarisation,
)
from netcover.config.radio import Environment as HataEnvironment
from netcover.errors import ModelError
from netcover.radio._diffraction import POL_HORIZONTAL, POL_VERTICAL
from netcover.radio._disc import (
    BEARINGS_PER_RIM_CELL,
    MIN_DISTANCE_M,
    TAIL_STEPS,
    Disc,
    DiscWindow,
    fractional_index,
    height_window,
    require_inside,
    validate_dem,
)
from netcover.radio._radial import sorted_diffraction_loss
from netcover.radio._sampling import INT_INDEX, VAL_D, VAL_SLANT, bilinear_height
from netcover.radio.basic import (
    effective_earth_radius_km,
    free_space_loss,
    hata_loss,
    hata_validity_warning,
)
from netcover.radio.p1812 import H_MAX_M, H_MIN_M
from netcover.radio.troposcatter import area_loss_into

__all__ = [
    "BEARINGS_PER_RIM_CELL", "HATA_MIN_HB_M", "HATA_TERRAIN_KM", "HULL_WINDOW", "MIN_DISTANCE_M",
    "TAIL_STEPS", "Disc", "DiscWindow", "SiteLoss", "profile_between", "site_loss_grid",
]

#: Frequency range accepted by every model of the engine (MHz), that of ITU-R P.1812.
F_MIN_MHZ, F_MAX_MHZ = 30.0, 6000.0
#: Okumura's range of distances (km) over which the effective base height's average terrain is taken.
HATA_TERRAIN_KM = (3.0, 15.0)
#: Lowest effective base height (m) used by the Hata model (sites below the average terrain).
HATA_MIN_HB_M = 1.0
#: Hull vertices each side of the least-clearance vertex where the line-of-sight nu is evaluated first.
HULL_WINDOW = 4


@dataclass(frozen=True)
class SiteLoss:
    """Loss of one site on a window of the DEM grid.

    Attributes
    ----------
    loss_db : numpy.ndarray
        float32 (rows, cols): basic transmission loss in dB; NaN outside the disc or the DEM.
    row_off, col_off : int
        Offset of the window's top-left cell in the DEM array.
    """

    loss_db: np.ndarray
    row_off: int
    col_off: int


def _validate_options(model: str, diffraction: str, pol: str, hata_environment: str, f_mhz: float,
                      tx_height_m: float, rx_height_m: float, radius_m: float) -> None:
    """Raise :class:`ModelError` for the first option or value outside the engine's domain."""
    for name, value, allowed in (("model", model, MODELS), ("diffraction", diffraction, DIFFRACTIONS),
                                 ("pol", pol, POLARISATIONS),
                                 ("hata_environment", hata_environment, ENVIRONMENTS)):
        if value not in allowed:
            msg = f"{name} = {value!r} is not one of {allowed}"
            raise ModelError(msg)
    if not F_MIN_MHZ <= f_mhz <= F_MAX_MHZ:
        msg = f"f_mhz = {f_mhz} is outside the engine's range {F_MIN_MHZ:g}-{F_MAX_MHZ:g} MHz"
        raise ModelError(msg)
    lo, hi = (H_MIN_M, H_MAX_M) if model == "p1812" else (0.0, math.inf)
    for name, h in (("tx_height_m", tx_height_m), ("rx_height_m", rx_height_m)):
        if not lo <= h <= hi:
            msg = (f"{name} = {h} m above ground is outside the range {lo:g}-{hi:g} m of the "
                   f"{model!r} model")
            raise ModelError(msg)
    if not radius_m > 0.0:
        msg = f"radius_m = {radius_m} must be > 0"
        raise ModelError(msg)


def profile_between(dem: np.ndarray, origin_xy: tuple[float, float], cell_size_m: float,
                    a_xy: tuple[float, float], b_xy: tuple[float, float],
                    step_m: float | None = None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Straight-line terrain profile from ``a_xy`` to ``b_xy`` (bilinear heights).

    Parameters
    ----------
    dem, origin_xy, cell_size_m
        The DEM grid as in :func:`site_loss_grid`.
    a_xy, b_xy : tuple of float
        End points (m, the DEM's CRS); both must lie inside the DEM.
    step_m : float, optional
        Largest spacing of the profile points; default the cell size. The points are equally spaced,
        at least 3 (two ends and one intermediate point), the last exactly at ``b_xy``.

    Returns
    -------
    d_km, h_m : numpy.ndarray
        Distances from ``a_xy`` (km, first 0) and ground heights (m) of the profile points.
    """
    validate_dem(dem, cell_size_m)
    require_inside(dem, origin_xy, cell_size_m, a_xy, "profile start")
    require_inside(dem, origin_xy, cell_size_m, b_xy, "profile end")
    step = cell_size_m if step_m is None else float(step_m)
    length = math.hypot(b_xy[0] - a_xy[0], b_xy[1] - a_xy[1])
    if not (step > 0.0 and length > 0.0):
        msg = f"profile_between: step_m = {step} and the path length {length} m must be > 0"
        raise ModelError(msg)
    n_seg = max(math.ceil(length / step - 1e-9), 2)
    t = np.linspace(0.0, 1.0, n_seg + 1)
    ra, ca = fractional_index(origin_xy, cell_size_m, a_xy)
    rb, cb = fractional_index(origin_xy, cell_size_m, b_xy)
    grid, r_off, c_off = height_window(dem, (ra, rb), (ca, cb))
    ra, rb, ca, cb = ra - r_off, rb - r_off, ca - c_off, cb - c_off
    h = np.array([bilinear_height(grid, ra + ti * (rb - ra), ca + ti * (cb - ca)) for ti in t])
    return t * (length / 1000.0), h


def site_loss_grid(dem: np.ndarray, origin_xy: tuple[float, float], cell_size_m: float,
                   site_xy: tuple[float, float], tx_height_m: float, rx_height_m: float,
                   f_mhz: float, radius_m: float = 15_000.0, *, model: Model = "p1812",
                   delta_n: float = 45.0, n0: float = 325.0, pol: Polarisation = "vertical",
                   hata_environment: HataEnvironment = "rural",
                   grid_offset: tuple[int, int] = (0, 0),
                   clutter_m: np.ndarray | None = None,
                   diffraction: Diffraction = "bullington",
                   cells: np.ndarray | None = None) -> SiteLoss:
    """Basic transmission loss (dB) from one site to every DEM cell within ``radius_m``.

    Parameters
    ----------
    dem : numpy.ndarray
        Ground heights a.m.s.l. (m), 2-D, north-up (row 0 at the top), no NaN within the radius
        (only the part of the DEM around the disc is read).
    origin_xy : tuple of float
        (x of the left edge, y of the top edge) of the DEM, metres of a projected CRS.
    cell_size_m : float
        Side of the square cells (m).
    site_xy : tuple of float
        Site position, same CRS; must lie inside the DEM.
    tx_height_m, rx_height_m : float
        Antenna heights above ground (m) of the site and of the receivers (P.1812: 1-3000 m).
    f_mhz : float
        Frequency, 30-6000 MHz.
    radius_m : float
        Cells whose centre lies farther from the site are NaN.
    model : {"p1812", "fspl", "hata"}
        P.1812 delta-Bullington (50 % of time), free space, or Hata (see module doc).
    delta_n : float
        Refractivity lapse rate (N-units/km) for the P.1812 effective earth radius.
    n0 : float
        Sea-level surface refractivity (N-units) for the P.1812 troposcatter loss.
    pol : {"vertical", "horizontal"}
        Polarisation (P.1812 spherical-earth diffraction).
    hata_environment : {"urban", "suburban", "rural"}
        Environment class of the Hata model.
    grid_offset : (int, int)
        (row, col) of ``dem`` in the grid whose origin is ``origin_xy``, when ``dem`` is a window
        of a larger grid (a tile): positions are then the same, bit for bit, as on the whole grid.
    clutter_m : numpy.ndarray, optional
        Representative clutter height (m, >= 0) of each cell, same shape as ``dem``. P.1812 only
        (ITU-R P.1812-6 Section 3.2): added to the ground at the intermediate profile points of the
        Bullington loss; the terminals stay at ground height, and the horizon angles, the smooth-earth
        surface and hobs use the ground, as :func:`~netcover.radio.p1812.p1812_profile_loss` does
        with ``r_m``. None (default): no clutter, the same result, bit for bit, as all zeros.
    diffraction : {"bullington", "deygout"}
        P.1812 only: the terrain diffraction loss Ld50 from the delta-Bullington model (default) or
        the delta-Deygout loss of up to three edges (:mod:`netcover.radio.deygout`), on the same
        profile, as :func:`~netcover.radio.p1812.p1812_profile_loss` with ``diffraction``. Deygout
        costs O(m) per cell (m: the cell's profile points) instead of O(log m).
    cells : numpy.ndarray, optional
        bool, same shape as ``dem``: compute only the cells where it is True (the others are NaN),
        each with the same value, bit for bit, as without ``cells`` (every cell is evaluated on its
        own; e.g. the few demand cells of a candidate site's screening footprint).

    Returns
    -------
    SiteLoss
        float32 loss window and its offset in the DEM array.

    Raises
    ------
    ModelError
        For a frequency, height, option or radius outside the domain, a DEM with holes, or a site
        outside the DEM (the message gives the coordinates and the DEM bounds), or a clutter layer
        of another shape than the DEM or with NaN or negative heights near the site.
    """
    _validate_options(model, diffraction, pol, hata_environment, f_mhz, tx_height_m, rx_height_m,
                      radius_m)
    if clutter_m is not None and np.shape(clutter_m) != np.shape(dem):
        msg = (f"clutter_m has shape {np.shape(clutter_m)}, expected the DEM's {np.shape(dem)}: "
               "give one clutter height per DEM cell")
        raise ModelError(msg)
    if cells is not None and np.shape(cells) != np.shape(dem):
        msg = f"cells has shape {np.shape(cells)}, expected the DEM's {np.shape(dem)}"
        raise ModelError(msg)
    if model == "p1812":
        window = DiscWindow.around(dem, origin_xy, cell_size_m, site_xy, radius_m,
                                   grid_offset=grid_offset)
        return _p1812_loss(window, cell_size_m, tx_height_m, rx_height_m, f_mhz, delta_n, n0, pol,
                           clutter_m, diffraction == "deygout", cells)
    disc = Disc.around(dem, origin_xy, cell_size_m, site_xy, radius_m, grid_offset=grid_offset)
    if cells is not None:
        disc = disc.only(cells)
    site_amsl = bilinear_height(disc.grid, disc.row0, disc.col0) + tx_height_m
    bearing, d_km, slant_km = disc.geometry(cell_size_m, site_amsl, rx_height_m)
    values: NDArray[np.float64]
    if model == "fspl":
        values = free_space_loss(slant_km, f_mhz)
    else:
        n_bearings = disc.n_bearings
        hb_radial = _okumura_base_height(disc.radial_heights(), site_amsl, cell_size_m / 1000.0,
                                         radius_m / 1000.0)
        j0 = np.floor(bearing).astype(np.int64)
        tb = bearing - j0
        hb = (1.0 - tb) * hb_radial[j0 % n_bearings] + tb * hb_radial[(j0 + 1) % n_bearings]
        if message := hata_validity_warning(d_km, f_mhz, hb, rx_height_m):
            warnings.warn(message, UserWarning, stacklevel=2)
        values = hata_loss(d_km, f_mhz, hb, rx_height_m, environment=hata_environment)
    loss = np.full(disc.shape[0] * disc.shape[1], np.nan, dtype=np.float32)
    loss[disc.flat] = values
    return SiteLoss(loss_db=loss.reshape(disc.shape), row_off=disc.row_off, col_off=disc.col_off)


def _p1812_loss(window: DiscWindow, cell_size_m: float, tx_height_m: float, rx_height_m: float,
                f_mhz: float, delta_n: float, n0: float, pol: str, clutter_m: np.ndarray | None,
                deygout: bool, cells: np.ndarray | None) -> SiteLoss:
    """:func:`site_loss_grid` with the P.1812 model: the cells in the radial order
    (:meth:`DiscWindow.radial_cells`), their diffraction loss and angular distance
    (:func:`~netcover.radio._radial.sorted_diffraction_loss`), then the combined loss written
    straight into the float32 window (:func:`~netcover.radio.troposcatter.area_loss_into`)."""
    site_amsl = bilinear_height(window.grid, window.row0, window.col0) + tx_height_m
    start, ints, values = window.radial_cells(cell_size_m, site_amsl, rx_height_m, cells)
    none = np.empty((0, 0))  # the kernel samples each radial (ground, and clutter) in its turn
    layer = none if clutter_m is None else window.layer_window(clutter_m, "clutter_m")
    pol_code = POL_VERTICAL if pol == "vertical" else POL_HORIZONTAL
    ld, theta = sorted_diffraction_loss(none, none, cell_size_m / 1000.0, float(tx_height_m),
                                        float(rx_height_m), f_mhz / 1000.0, pol_code,
                                        effective_earth_radius_km(delta_n), HULL_WINDOW, start,
                                        ints, values, TAIL_STEPS, window.grid, layer, window.row0,
                                        window.col0, deygout, window.n_bearings, window.n_samples)
    loss = np.full(window.shape[0] * window.shape[1], np.nan, dtype=np.float32)
    area_loss_into(loss, ints[:, INT_INDEX], values[:, VAL_SLANT], values[:, VAL_D], ld, theta,
                   f_mhz / 1000.0, float(n0))
    return SiteLoss(loss_db=loss.reshape(window.shape), row_off=window.row_off,
                    col_off=window.col_off)


def _okumura_base_height(heights: NDArray[np.float64], site_amsl: float, step_km: float,
                         radius_km: float) -> NDArray[np.float64]:
    """Effective base height per radial: site a.m.s.l. minus the mean ground 3-15 km away (>= 1 m)."""
    dist = np.arange(heights.shape[1]) * step_km
    band = (dist >= HATA_TERRAIN_KM[0]) & (dist <= min(HATA_TERRAIN_KM[1], radius_km))
    if not np.any(band):  # radius under 3 km: the whole radial
        band = (dist > 0.0) & (dist <= radius_km)
    mean_ground = heights[:, band].mean(axis=1)
    return np.maximum(site_amsl - mean_ground, HATA_MIN_HB_M)
