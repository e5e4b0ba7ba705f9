"""Numba kernels of the area engine's per-receiver profile queries (see :mod:`._radial`).

Incremental upper convex hulls (monotone chain) and the queries the radial kernel answers from them,
each combined with the receiver's own tail points (which never enter a hull): the Bullington loss of
the actual profile, the smooth-profile Bullington loss from closed forms, the line-of-sight largest
nu, the path angular distance, the least-squares smooth-earth heights and hobs, and the
delta-Deygout loss of one receiver's profile. ITU-R P.1812-6 Section 4.3 and Attachment 1 Section 4;
the tail geometry ``tg`` is that of :func:`._radial._radial_cells` (rows x, 1 / x, d - x, 1 / (d - x),
c x^2 of each tail point). All kernels are pure but :func:`_deygout_cell`, which writes into and
restores its scratch arrays.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from netcover.radio._diffraction import (
    bullington_finish,
    knife_edge_loss,
    nu_at,
    nu_breakpoint,
)
from netcover.radio.deygout import MAX_EDGES, delta_deygout_between

__all__ = ["hull_argmax_linear", "hull_max_slope_from_right", "hull_push", "smooth_bullington"]

_NEG = -1.0e300
#: nu at and below which the knife-edge loss J(nu) is zero.
_NU_CUT = -0.78


@njit(cache=True)
def hull_push(hx: np.ndarray, hy: np.ndarray, m: int, x: float, y: float) -> int:
    """Add (x, y), x larger than every hull abscissa, to the upper hull ``hx[:m], hy[:m]``; new size."""
    while m >= 2:
        cross = (hx[m - 1] - hx[m - 2]) * (y - hy[m - 2]) - (hy[m - 1] - hy[m - 2]) * (x - hx[m - 2])
        if cross >= 0.0:  # vertex m-1 lies on or under the chord: not on the upper hull any more
            m -= 1
        else:
            break
    hx[m] = x
    hy[m] = y
    return m + 1


@njit(cache=True)
def hull_argmax_linear(hx: np.ndarray, hy: np.ndarray, m: int, s: float) -> int:
    """Index of the hull vertex maximising y + s x (the sequence is concave along an upper hull)."""
    lo = 0
    hi = m - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if hy[mid + 1] + s * hx[mid + 1] > hy[mid] + s * hx[mid]:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def hull_max_slope_from_right(hx: np.ndarray, hy: np.ndarray, m: int, px: float,
                              py: float) -> float:
    """max over hull vertices of (y - py) / (px - x) for a point P right of every vertex.

    The largest elevation angle seen from P looking back: it is reached on the upper hull, where it
    is unimodal in the vertex order, so a bisection finds it. An empty hull (m = 0) gives -1e300.
    """
    if m < 1:
        return _NEG
    lo = 0
    hi = m - 1
    while lo < hi:
        mid = (lo + hi) // 2
        # (y1 - py) / (px - x1) > (y0 - py) / (px - x0), both denominators positive
        if (hy[mid + 1] - py) * (px - hx[mid]) > (hy[mid] - py) * (px - hx[mid + 1]):
            lo = mid + 1
        else:
            hi = mid
    return (hy[lo] - py) / (px - hx[lo])


@njit(cache=True)
def _concave_sample_max(step_km: float, m: int, x_star: float) -> tuple[int, int]:
    """The two samples i in [1, m] around the continuous argmax ``x_star`` of a concave function."""
    i0 = math.floor(x_star / step_km)
    i0 = min(max(i0, 1), m)
    i1 = min(i0 + 1, m)
    return i0, i1


@njit(cache=True, inline="always")
def _smooth_los_prefix_nu(d_km: float, step_km: float, m: int, hts: float, hrs: float, ce: float,
                          lam: float) -> float:
    """Largest nu over the zero-height obstacles 1..m of a line-of-sight path (m >= 1), or -0.78.

    Every clearance H(x) = c x (d - x) - (hts (d - x) + hrs x) / d is negative; if even its maximum
    (a concave parabola) with the mid-path Fresnel weight gives nu <= -0.78, J is zero. Otherwise a
    bisection on the discrete slope of nu over the samples finds the largest.
    """
    c = 500.0 * ce
    x_top = min(max(0.5 * d_km + (hts - hrs) / (2.0 * c * d_km), step_km), m * step_km)
    h_top = c * x_top * (d_km - x_top) - (hts * (d_km - x_top) + hrs * x_top) / d_km
    if h_top * math.sqrt(0.008 / (lam * d_km)) <= _NU_CUT:
        return _NU_CUT
    lo = 1
    hi = m
    while lo < hi:
        mid = (lo + hi) // 2
        nu_next = nu_at(0.0, (mid + 1) * step_km, d_km, hts, hrs, ce, lam)
        if nu_next > nu_at(0.0, mid * step_km, d_km, hts, hrs, ce, lam):
            lo = mid + 1
        else:
            hi = mid
    return nu_at(0.0, lo * step_km, d_km, hts, hrs, ce, lam)


@njit(cache=True)
def smooth_bullington(d_km: float, step_km: float, m: int, tg: np.ndarray, nt: int,
                      hts: float, hrs: float, ce: float, lam: float) -> float:
    """Bullington loss Lbulls of a zero-height profile with obstacles at i * step_km, i = 1..m, and
    at the tail points ``tg[0, :nt]`` (beyond m * step_km; ``tg`` as in :func:`_radial_cells`).

    Equal to :func:`~netcover.radio._diffraction.bullington_profile` on that profile (heights
    ``hts``, ``hrs`` above the smooth surface, both > 0, receiver at ``d_km``) with all heights zero,
    in O(log m + nt).
    """
    if m + nt < 1:
        return 0.0  # bullington_finish(0, d) is exactly 0
    c = 500.0 * ce
    stim = _NEG
    if m >= 1:  # Stim: c (d - x) - hts / x is concave in x, continuous maximum at sqrt(hts / c)
        i0, i1 = _concave_sample_max(step_km, m, math.sqrt(max(hts, 0.0) / c))
        for i in (i0, i1):
            x = i * step_km
            stim = max(stim, c * (d_km - x) - hts / x)
    for k in range(nt):
        stim = max(stim, c * tg[2, k] - hts * tg[1, k])
    if stim < (hrs - hts) / d_km:
        nu = _smooth_los_prefix_nu(d_km, step_km, m, hts, hrs, ce, lam) if m >= 1 else _NU_CUT
        for k in range(nt):
            nu = max(nu, _tail_nu(0.0, tg, k, d_km, hts, hrs, c, lam))
        if nu <= _NU_CUT:
            return 0.0  # J(nu) = 0, and bullington_finish(0, d) is exactly 0
        luc = knife_edge_loss(nu)
    else:
        srim = _NEG
        if m >= 1:  # Srim: c x - hrs / (d - x) is concave in x, continuous maximum at d - sqrt(hrs / c)
            i0, i1 = _concave_sample_max(step_km, m, d_km - math.sqrt(max(hrs, 0.0) / c))
            for i in (i0, i1):
                x = i * step_km
                srim = max(srim, c * x - hrs / (d_km - x))
        for k in range(nt):
            srim = max(srim, c * tg[0, k] - hrs * tg[3, k])
        luc = knife_edge_loss(nu_breakpoint(stim, srim, hts, hrs, d_km, lam))
    return bullington_finish(luc, d_km)


@njit(cache=True, inline="always")
def _los_scan(ax: np.ndarray, ay: np.ndarray, ma: int, a: np.ndarray, step_km: float, m: int,
              d: float, s: float, hts: float, hull_window: int, jm: int, h_max: float,
              q_best: float) -> float:
    """The smallest q of :func:`_los_numax` over the samples 1..m and ``q_best``: the hull vertices
    around the largest clearance ``h_max`` (vertex ``jm``), then the interval the bound leaves."""
    for j in range(max(jm - hull_window, 0), min(jm + hull_window + 1, ma)):
        xj = ax[j]
        hj = ay[j] + s * xj - hts
        q_best = min(q_best, hj * hj / (xj * (d - xj)))
    # samples with H_max^2 / (x (d - x)) < q_best: x (d - x) > H_max^2 / q_best
    disc = 0.25 * d * d - h_max * h_max / q_best
    if disc > 0.0:
        half = math.sqrt(disc)
        i_lo = max(math.ceil((0.5 * d - half) / step_km), 1)
        i_hi = min(math.floor((0.5 * d + half) / step_km), m)
        for i in range(i_lo, i_hi + 1):
            x = i * step_km
            hi = a[i] + s * x - hts
            q_best = min(q_best, hi * hi / (x * (d - x)))
    return q_best


@njit(cache=True)
def _los_numax(ax: np.ndarray, ay: np.ndarray, ma: int, a: np.ndarray, step_km: float, m: int,
               d: float, s: float, hts: float, lam: float, hull_window: int,
               q_start: float) -> float:
    """Largest nu over the obstacles 1..m of a line-of-sight path and a known q_start, or a value
    <= -0.78.

    ``a[i]`` = h_i - 500 Ce d_i^2. All clearances H_i = a_i + s d_i - hts are negative here and
    nu_i = H_i w(d_i), w(x) = sqrt(0.002 d / (lam x (d - x))), so the largest nu is the smallest
    q_i = H_i^2 / (d_i (d - d_i)) (compared without square roots); ``q_start`` is the smallest q of
    the other obstacles (the receiver's tail points; inf if none), which only narrows the search.
    The largest clearance H_max sits on hull A, and q is first evaluated on the hull vertices around
    it. As w is smallest at mid-path, nu_i <= H_max w(d_i): only the samples where that bound beats
    the best value so far (and -0.78, below which J(nu) = 0) can hold the maximum; they lie in one
    interval around mid-path, scanned exactly. The result is the exact maximum whenever it exceeds
    -0.78.
    """
    w_scale = 0.002 * d / lam
    q_limit = _NU_CUT * _NU_CUT / w_scale  # nu > -0.78  <=>  q < q_limit
    q_best = min(q_start, q_limit)
    if m >= 1:
        jm = hull_argmax_linear(ax, ay, ma, s)
        h_max = ay[jm] + s * ax[jm] - hts
        if h_max * h_max * 4.0 / (d * d) < q_best:  # else even the mid-path weight cannot beat it
            q_best = _los_scan(ax, ay, ma, a, step_km, m, d, s, hts, hull_window, jm, h_max,
                               q_best)
    if q_best >= q_limit:  # no obstacle above the cut: return it exactly (no rounding above -0.78)
        return _NU_CUT
    return -math.sqrt(q_best * w_scale)


@njit(cache=True, inline="always")
def _tail_nu(h: float, tg: np.ndarray, k: int, d: float, hts: float, hrs: float, c: float,
             lam: float) -> float:
    """nu_at (P.1812 Eq 15) of tail point k with height ``h``, from its precomputed geometry."""
    x = tg[0, k]
    dr = tg[2, k]
    clearance = h + c * x * dr - (hts * dr + hrs * x) / d
    return clearance * math.sqrt(0.002 * d / lam * tg[1, k] * tg[3, k])


@njit(cache=True, inline="always")
def _horizon_stim(stim_base: float, stim_tail: float, m: int, nt: int, d: float, hts: float,
                  hrs: float, c: float) -> tuple[float, bool]:
    """(stim, trans) of a profile: radial samples 1..m (their running maximum ``stim_base``), then
    nt tail points (their own maximum ``stim_tail``, -1e300 for none; taken while sampling them,
    :func:`._radial._sample_tail`).

    ``stim`` = max_i (a_i - hts) / d_i with a_i = height_i - 500 Ce d_i^2 (P.1812 Eq 14 is
    stim + 500 Ce d); ``trans``: the path is trans-horizon (Eq 14 >= Eq 15's Str, and at least one
    intermediate point). Only then is srim needed (:func:`_horizon_srim`). The Bullington loss and
    the path angular distance both take these (one query serves both when they see the same
    heights). Scalars only: an array an inlined kernel takes costs reference counts per receiver.
    """
    stim = max(stim_base, stim_tail)
    return stim, m + nt >= 1 and not stim + c * d < (hrs - hts) / d


@njit(cache=True, inline="always")
def _horizon_srim(trans: bool, hull_srim: float, srim_tail: float) -> float:
    """srim = max_i (a_i - Y) / (d - d_i), Y = hrs - 500 Ce d^2 (P.1812 Eq 17 is srim - 500 Ce d)
    of a trans-horizon profile (-1e300 otherwise): ``hull_srim`` the samples' maximum
    (:func:`hull_max_slope_from_right` from (d, Y), -1e300 for none), ``srim_tail`` the tail's."""
    return max(hull_srim, srim_tail) if trans else _NEG


@njit(cache=True, inline="always")
def _bullington_actual(ax: np.ndarray, ay: np.ndarray, ma: int, a: np.ndarray, step_km: float,
                       m: int, stim: float, trans: bool, srim: float, tg: np.ndarray,
                       tail_g: np.ndarray, nt: int, d: float, hts: float, hrs: float, c: float,
                       lam: float, hull_window: int) -> float:
    """Bullington loss Lbulla of the profile: radial samples 1..m (hull A), then the tail points
    (geometry ``tg``, see :func:`_radial_cells`) with heights (ground plus clutter) ``tail_g``, from
    the horizon slopes of :func:`_horizon_stim` and :func:`_horizon_srim` on the same heights."""
    if m + nt < 1:
        return 0.0  # bullington_finish(0, d) is exactly 0
    if not trans:
        q_tail = math.inf  # the tail points' smallest q = H^2 / (x (d - x)), see _los_numax
        for k in range(nt):
            dr = tg[2, k]
            clearance = tail_g[k] + c * tg[0, k] * dr - (hts * dr + hrs * tg[0, k]) / d
            q_tail = min(q_tail, clearance * clearance * tg[1, k] * tg[3, k])
        nu = _los_numax(ax, ay, ma, a, step_km, m, d, c * d - (hrs - hts) / d, hts, lam,
                        hull_window, q_tail)
        return bullington_finish(knife_edge_loss(nu), d) if nu > _NU_CUT else 0.0
    luc = knife_edge_loss(nu_breakpoint(stim + c * d, srim - c * d, hts, hrs, d, lam))
    return bullington_finish(luc, d)


@njit(cache=True, inline="always")
def _angular_distance(stim: float, trans: bool, srim: float, d: float, hts: float, hrs: float,
                      c: float, ae_km: float) -> float:
    """Path angular distance theta (mrad) = 1000 d / ae + theta_t + theta_r (P.1812 Eq 74).

    The horizon elevation angles with earth curvature are tan(theta) = (h_i - h_s - c x^2) / (1000 x),
    x the distance to the terminal, h_i the ground: from the transmitter ``stim`` / 1000, from the
    receiver ``srim`` / 1000 minus 2 c d (:func:`_horizon_stim`, :func:`_horizon_srim` on the ground
    heights). A path is trans-horizon when the transmitter's horizon angle exceeds the angle to the
    receiver, as in the per-profile model; else both angles are those of the direct ray.
    """
    if trans:
        t_raw = stim
        r_raw = srim - 2.0 * c * d
    else:
        t_raw = (hrs - hts) / d - c * d
        r_raw = (hts - hrs) / d - c * d
    t = t_raw / 1000.0
    r = r_raw / 1000.0
    tr = t * r
    if tr < 0.5:  # atan t + atan r = atan((t + r) / (1 - t r)) for t r < 1: one arctangent
        angles = math.atan((t + r) / (1.0 - tr))
    else:
        angles = math.atan(t) + math.atan(r)
    return 1000.0 * d / ae_km + 1000.0 * angles


@njit(cache=True, inline="always")
def _smooth_surface(v1: float, v2: float, dm: float, hm: float, tg: np.ndarray,
                    tail_h: np.ndarray, nt: int, d: float, hr: float) -> tuple[float, float]:
    """Least-squares smooth-earth heights hst, hsr (P.1812 Eqs 85-88): the running sums ``v1``,
    ``v2`` up to the last radial sample (at ``dm``, height ``hm``), then the segments through the
    tail points to the receiver."""
    x0 = dm
    y0 = hm
    for k in range(nt - 1, -1, -1):  # the tail points in order of distance, then the receiver
        x1 = tg[0, k]
        y1 = tail_h[k]
        v1 += (x1 - x0) * (y1 + y0)
        v2 += (x1 - x0) * (y1 * (2.0 * x1 + x0) + y0 * (x1 + 2.0 * x0))
        x0 = x1
        y0 = y1
    v1 += (d - x0) * (hr + y0)
    v2 += (d - x0) * (hr * (2.0 * d + x0) + y0 * (d + 2.0 * x0))
    return (2.0 * v1 * d - v2) / (d * d), (v2 - v1 * d) / (d * d)


@njit(cache=True, inline="always")
def _obstruction(bx: np.ndarray, by: np.ndarray, mb: int, m: int, alpha_t_base: float,
                 tg: np.ndarray, tail_h: np.ndarray, nt: int, d: float, hts: float,
                 hrs: float) -> tuple[float, float]:
    """hobs and the weight alpha_obt / (alpha_obt + alpha_obr) of P.1812 Eqs 89-90 on the ground:
    samples 1..m from hull B and ``alpha_t_base``, then the tail points (weight 0 when hobs <= 0)."""
    s = (hts - hrs) / d
    hobs = _NEG
    if m >= 1:
        jb = hull_argmax_linear(bx, by, mb, s)
        hobs = by[jb] + s * bx[jb] - hts
    for k in range(nt):
        hobs = max(hobs, tail_h[k] + s * tg[0, k] - hts)
    if not hobs > 0.0:
        return 0.0, 0.0
    alpha_t = alpha_t_base
    alpha_r = hull_max_slope_from_right(bx, by, mb, d, hrs) if m >= 1 else _NEG
    for k in range(nt):
        alpha_t = max(alpha_t, (tail_h[k] - hts) * tg[1, k])
        alpha_r = max(alpha_r, (tail_h[k] - hrs) * tg[3, k])
    alpha_obt = alpha_t + s
    alpha_obr = alpha_r - s
    return hobs, alpha_obt / (alpha_obt + alpha_obr)


@njit(cache=True)
def _deygout_cell(pd: np.ndarray, pg: np.ndarray, m: int, nt: int, tgeo: np.ndarray,
                  tg: np.ndarray, d: float, hts: float, hrs: float, htc: float, hrc: float,
                  ae_km: float, f_ghz: float, pol: int) -> float:
    """Delta-Deygout Ld50 of one receiver: its tail written into the profile arrays ``pd``, ``pg``
    (the radial's distances and heights) after sample m, the loss over points 1..m + nt, then the
    radial's samples put back."""
    n = pg.size
    saved_d = np.empty(nt)
    saved_g = np.empty(nt)
    for k in range(nt):  # tail point k (at d - (k + 1) steps) goes to index m + nt - k
        i = m + nt - k
        saved_d[k] = pd[i]
        saved_g[k] = pg[i]
        pd[i] = tgeo[0, k]
        pg[i] = tg[k]
    ld = delta_deygout_between(pd, pg, 1, m + nt, d, hts, hrs, htc, hrc, ae_km, f_ghz, pol, 0.0,
                               MAX_EDGES)[0]
    for k in range(nt):
        i = m + nt - k
        if i < n:
            pd[i] = saved_d[k]
            pg[i] = saved_g[k]
    return ld
