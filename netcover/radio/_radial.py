"""Numba kernels of the area engine: incremental hulls and the per-cell P.1812 loss.

The engine draws one terrain profile per bearing from the site (radials about half a cell apart at the
rim, samples every step = one cell size, :mod:`._sampling`) and evaluates every cell of the disc at its
own distance d (in steps) and ground height, on this profile:

* the site (radial sample 0, the site's bilinear ground);
* the samples 1..m of the radial nearest to the cell's bearing, m the last sample strictly before
  the first tail point (so at most one step before it; m = 0 when there is no tail point);
* the tail: the points d - k steps, k = nt..1, on the cell's own straight line from the site, bilinear
  (ground, and ground plus clutter), nt = min(TAIL_STEPS, floor(d - 0.5)) (those at least half a step
  from the site; nt = 0 within 1.5 steps of the site);
* the receiver: the cell's own ground at d.

Receivers on a radial are taken in order of m, so the radial prefixes only grow. Every quantity the
ITU-R P.1812 delta-Bullington model takes as a maximum over the intermediate points is rewritten as
the maximum of a linear function (or a tangent from a point) over the prefix, answered by bisection on
an upper convex hull built incrementally (monotone chain), then combined with the same quantity over
the receiver's own tail points, which never enter the hulls:

* Stim = max_i (h_i + 500 Ce d_i (d - d_i) - hts) / d_i
       = max_i (a_i - hts) / d_i + 500 Ce d,     a_i = h_i - 500 Ce d_i^2     (running maximum)
* Srim = max_i (a_i - Y) / (d - d_i) - 500 Ce d,  Y = hrs - 500 Ce d^2         (tangent from (d, Y))
* line of sight: the clearance H_i = a_i + s d_i - hts is largest at the hull vertex where the edge
  slopes cross -s; nu is evaluated there and on the neighbouring vertices, then (nu being clearance
  times a Fresnel weight smallest at mid-path) exactly on the few samples a bound cannot rule out
* hobs = max_i h_i + (hts - hrs) d_i / d - hts, alpha_obr from the tangent from (d, hrs), alpha_obt a
  running maximum (hull of the raw points (d_i, h_i))
* the least-squares smooth-earth heights hst, hsr from running sums v1, v2 over the prefix, then the
  segments through the tail points to the receiver
* the smooth-profile Bullington loss Lbulls (all heights zero) from closed forms: Stim and Srim are
  concave in d_i (two candidate samples each), the line-of-sight nu by a discrete bisection.

With clutter (P.1812 Section 3.2), the Bullington loss Lbulla takes the ground plus clutter g_i at
the intermediate points (hull A over g_i - 500 Ce d_i^2) while the horizon angles of the angular
distance take the ground h_i (a second hull T over h_i - 500 Ce d_i^2, hull A itself without clutter);
the smooth-earth surface and hobs take the ground (hull B), as the per-profile model does.

A radial with n receivers costs O(n (log n + TAIL_STEPS)) instead of the O(n^2) of one full profile
per receiver, and the loss of a receiver equals that of
:func:`~netcover.radio.p1812.p1812_profile_loss` on the profile above to rounding. All kernels are
pure: arrays and scalars in, new arrays out.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from netcover.radio._diffraction import (
    WAVELENGTH_M_GHZ,
    delta_bullington_loss,
    spherical_earth_loss,
)
from netcover.radio._hull import (
    _NEG,
    _angular_distance,
    _bullington_actual,
    _deygout_cell,
    _obstruction,
    _smooth_surface,
    hull_argmax_linear,
    hull_max_slope_from_right,
    hull_push,
    smooth_bullington,
)
from netcover.radio._sampling import (
    bilinear_height,
    disc_cells,
    prefix_count,
    radial_heights,
    tail_count,
)

__all__ = [
    "bilinear_height", "cell_diffraction_loss", "disc_cells", "hull_argmax_linear",
    "hull_max_slope_from_right", "hull_push", "radial_heights", "smooth_bullington",
]

@njit(cache=True)
def _radial_cells(h: np.ndarray, g: np.ndarray, has_clutter: bool, step_km: float, htg: float,
                  hrg: float, f_ghz: float, pol: int, ae_km: float, hull_window: int,
                  cell_m: np.ndarray, cell_d: np.ndarray, cell_h: np.ndarray, n_tail: int,
                  dem: np.ndarray, clutter_dem: np.ndarray, row0: float, col0: float,
                  cell_row: np.ndarray, cell_col: np.ndarray, deygout: bool, out: np.ndarray,
                  theta_out: np.ndarray) -> None:
    """Ld50 and the angular distance theta for receivers along one radial, in order of ``cell_m``.

    Receiver e sits at ``cell_d[e]`` km with ground ``cell_h[e]``; its intermediate profile points
    are the radial samples 1..``cell_m[e]`` (sample 0 is the transmitter; ``cell_m`` non-decreasing),
    then its tail points k = nt..1 at ``cell_d[e] - k step`` on its straight line from the site at
    (``row0``, ``col0``) to (``cell_row[e]``, ``cell_col[e]``) in ``dem`` (bilinear ground, plus the
    bilinear ``clutter_dem`` with clutter; nt from :func:`tail_count`). ``h`` are the samples' ground
    heights, ``g`` their ground plus clutter heights (P.1812 Section 3.2; only read when
    ``has_clutter``, else ``g`` is ``h``): the Bullington loss Lbulla sees ``g``, the horizon angles,
    the smooth-earth surface and hobs see ``h``, as in
    :func:`~netcover.radio.p1812.p1812_profile_loss`. ``theta_out`` gets the path angular distance
    (mrad, P.1812 Eq 74 as :func:`~netcover.radio.p1812._horizons` takes the horizon angles), for the
    troposcatter loss. With ``deygout``, Ld50 is the delta-Deygout loss of
    :func:`~netcover.radio.deygout.delta_deygout_between` on the same profile (O(m) per receiver).
    """
    n = h.size
    lam = WAVELENGTH_M_GHZ / f_ghz
    ce = 1.0 / ae_km
    c = 500.0 * ce
    hts = h[0] + htg
    curv = c * (np.arange(n) * step_km) ** 2
    a = (g if has_clutter else h) - curv
    # hull A over (d_i, a_i = g_i - c d_i^2) for Bullington; hull T over (d_i, h_i - c d_i^2) for
    # the horizon angles (hull A itself without clutter); hull B over (d_i, h_i)
    ax = np.empty(n)
    ay = np.empty(n)
    if has_clutter:
        at = h - curv
        tx = np.empty(n)
        ty = np.empty(n)
    else:
        at = a
        tx = ax
        ty = ay
    bx = np.empty(n)
    by = np.empty(n)
    ma = 0
    mt = 0
    mb = 0
    stim_base = _NEG  # max (a_i - hts) / d_i
    stim_t_base = _NEG  # max (at_i - hts) / d_i
    alpha_t_base = _NEG  # max (h_i - hts) / d_i
    v1 = 0.0  # least-squares sums over the segments 0..m
    v2 = 0.0
    m_cur = 0
    # tail geometry of the current receiver: rows x, 1 / x, d - x, 1 / (d - x), c x^2
    tgeo = np.empty((5, n_tail))
    for k in range(n_tail):
        tgeo[2, k] = (k + 1) * step_km
        tgeo[3, k] = 1.0 / tgeo[2, k]
    th = np.empty(n_tail)
    tg = np.empty(n_tail)
    # the profile as arrays, for Deygout: the radial, with each receiver's tail written after its m
    pd = np.arange(n + n_tail) * step_km
    pg = np.zeros(n + n_tail)
    pg[:n] = g if has_clutter else h
    for e in range(cell_m.size):
        m = cell_m[e]
        while m_cur < m:  # sample m_cur + 1 becomes an obstacle
            m_cur += 1
            di = m_cur * step_km
            dp = di - step_km
            hi = h[m_cur]
            stim_base = max(stim_base, (a[m_cur] - hts) / di)
            alpha_t_base = max(alpha_t_base, (hi - hts) / di)
            ma = hull_push(ax, ay, ma, di, a[m_cur])
            if has_clutter:
                stim_t_base = max(stim_t_base, (at[m_cur] - hts) / di)
                mt = hull_push(tx, ty, mt, di, at[m_cur])
            mb = hull_push(bx, by, mb, di, hi)
            v1 += step_km * (hi + h[m_cur - 1])
            v2 += step_km * (hi * (2.0 * di + dp) + h[m_cur - 1] * (di + 2.0 * dp))
        d = cell_d[e]
        hr = cell_h[e]
        hrs = hr + hrg
        nt = tail_count(d / step_km, n_tail)
        for k in range(nt):
            x = d - tgeo[2, k]
            tgeo[0, k] = x
            tgeo[1, k] = 1.0 / x
            tgeo[4, k] = c * x * x
            f = x / d
            tr = row0 + f * (cell_row[e] - row0)
            tc = col0 + f * (cell_col[e] - col0)
            th[k] = bilinear_height(dem, tr, tc)
            tg[k] = th[k] + bilinear_height(clutter_dem, tr, tc) if has_clutter else th[k]
        lbulla = _bullington_actual(ax, ay, ma, a, step_km, m, stim_base, tgeo, tg, nt, d, hts,
                                    hrs, c, lam, hull_window)
        if not has_clutter:
            mt = ma
            stim_t_base = stim_base
        theta_out[e] = _angular_distance(tx, ty, mt, m, stim_t_base, tgeo, th, nt, d, hts, hrs,
                                         c, ae_km)
        # Smooth-earth heights for the diffraction model (least squares, then obstruction-modified).
        hst, hsr = _smooth_surface(v1, v2, m * step_km, h[m], tgeo, th, nt, d, hr)
        hobs, gt = _obstruction(bx, by, mb, m, alpha_t_base, tgeo, th, nt, d, hts, hrs)
        hts_s = hts - min(hst - hobs * gt, h[0])
        hrs_s = hrs - min(hsr - hobs * (1.0 - gt), hr)
        if deygout and m + nt >= 1:
            out[e] = _deygout_cell(pd, pg, m, nt, tgeo, tg, d, hts, hrs, hts_s, hrs_s, ae_km, f_ghz,
                                   pol)
            continue
        lbulls = smooth_bullington(d, step_km, m, tgeo, nt, hts_s, hrs_s, ce, lam)
        ldsph = spherical_earth_loss(d, hts_s, hrs_s, ae_km, f_ghz, pol, 0.0)
        out[e] = delta_bullington_loss(lbulla, lbulls, ldsph)


@njit(cache=True)
def _bucket_by_radial(j: np.ndarray, n_bearings: int) -> tuple[np.ndarray, np.ndarray]:
    """Counting sort of the receivers by radial ``j`` (stable, so deterministic).

    Returns (order, start): the receivers ``order[start[r]:start[r + 1]]`` lie on radial r, by index.
    """
    start = np.zeros(n_bearings + 1, dtype=np.int64)
    for e in range(j.size):
        start[j[e] + 1] += 1
    for r in range(n_bearings):
        start[r + 1] += start[r]
    order = np.empty(j.size, dtype=np.int64)
    fill = start[:-1].copy()
    for e in range(j.size):
        order[fill[j[e]]] = e
        fill[j[e]] += 1
    return order, start


@njit(cache=True, parallel=True, nogil=True)
def cell_diffraction_loss(heights: np.ndarray, clutter: np.ndarray, step_km: float, htg: float,
                          hrg: float, f_ghz: float, pol: int, ae_km: float, hull_window: int,
                          cell_bearing: np.ndarray, cell_d_km: np.ndarray, cell_h: np.ndarray,
                          n_tail: int, dem: np.ndarray, clutter_dem: np.ndarray, row0: float,
                          col0: float, cell_row: np.ndarray, cell_col: np.ndarray,
                          deygout: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """P.1812 delta-Bullington loss Ld50 (dB) and angular distance (mrad) at receiver cells.

    Each cell is evaluated at its own distance d and ground height; its profile is the prefix of the
    radial nearest to its bearing (samples 1..m, :func:`~._sampling.prefix_count`), then its tail
    points at d - k step, k = nt..1 (:func:`~._sampling.tail_count`), then the receiver.

    Parameters
    ----------
    heights : (n_bearings, n_samples) float64
        Ground heights along the radials (:func:`radial_heights`), sample 0 at the site.
    clutter : (n_bearings, n_samples) float64, or an empty (0, 0) array for no clutter
        Representative clutter heights (m) along the radials, added to the ground at samples 1..
        for the Bullington loss (P.1812 Section 3.2); sample 0 (the site) is read as 0.
    step_km : float
        Spacing of the radial samples and of the tail points.
    htg, hrg : float
        Transmitter and receiver antenna heights above ground (m).
    f_ghz : float
        Frequency.
    pol : int
        0 horizontal, 1 vertical.
    ae_km : float
        Median effective earth radius.
    hull_window : int
        Hull vertices evaluated first each side of the least-clearance vertex (line-of-sight nu).
    cell_bearing : float64 array
        Bearing of each cell in units of the radial spacing (0 <= b < n_bearings).
    cell_d_km, cell_h : float64 arrays
        Distance from the site (> 0) and ground height of each cell.
    n_tail : int
        Steps before each receiver sampled on its own straight line from the site (>= 1).
    dem, clutter_dem : 2-D float64
        The grid the radials were sampled from, and its clutter heights (an empty (0, 0) array
        without clutter), for the tail points.
    row0, col0 : float
        The site's fractional index in ``dem``.
    cell_row, cell_col : float64 arrays
        Each cell's index in ``dem``.
    deygout : bool
        Ld50 from the delta-Deygout loss (:mod:`netcover.radio.deygout`, up to three edges) on the
        same profile instead of delta-Bullington; O(m) per receiver.

    Returns
    -------
    (Ld50, theta) : tuple of float64 arrays
        Per cell: the diffraction loss (dB) and the path angular distance (mrad, for troposcatter).
    """
    nb, ns = heights.shape
    has_clutter = clutter.shape[0] > 0
    n = cell_bearing.size
    j = np.empty(n, dtype=np.int64)
    m = np.empty(n, dtype=np.int64)
    for e in range(n):
        j[e] = math.floor(cell_bearing[e] + 0.5) % nb
        m[e] = prefix_count(cell_d_km[e] / step_km, n_tail, ns)
    order, start = _bucket_by_radial(j, nb)
    out = np.empty(n)
    theta = np.empty(n)
    for r in prange(nb):
        cells = order[start[r]:start[r + 1]]
        cells = cells[np.argsort(m[cells], kind="mergesort")]  # by distance, stable
        part = np.empty(cells.size)
        part_theta = np.empty(cells.size)
        h = heights[r]
        if has_clutter:
            g = h + clutter[r]
            g[0] = h[0]
        else:
            g = h
        _radial_cells(h, g, has_clutter, step_km, htg, hrg, f_ghz, pol, ae_km, hull_window,
                      m[cells], cell_d_km[cells], cell_h[cells], n_tail, dem, clutter_dem, row0,
                      col0, cell_row[cells], cell_col[cells], deygout, part, part_theta)
        for i in range(cells.size):
            out[cells[i]] = part[i]
            theta[cells[i]] = part_theta[i]
    return out, theta
