"""Numba kernels of the area engine: incremental hulls and the per-cell P.1812 loss.

The engine draws one terrain profile per bearing from the site (radials 0.4 cell apart at the
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
:func:`~netcover.radio.p1812.p1812_profile_loss` on the profile above to rounding. Shortcuts, all
exact (they change no value beyond rounding):

* without clutter the Bullington loss and the angular distance see the same heights, so one hull
  query gives both their horizon slopes (:func:`~._hull._horizon_stim`,
  :func:`~._hull._horizon_srim`);
* the spherical-earth loss Ldsph and the smooth-profile Bullington loss Lbulls are skipped where
  :func:`~._diffraction.smooth_earth_clear` shows Ldsph = 0 (line of sight over the smooth earth
  with more than the largest required clearance, P.1812 Eqs 23-27): Eq 39 then adds
  max(0 - Lbulls, 0) = 0, as Lbulls >= 0. On a rough 15 km karst (1.5 m receivers) that is 97% of
  the cells. hobs (Eqs 89-90, two hull queries) is skipped too for the third of them where the
  test passes without it: hobs alpha_obt / (alpha_obt + alpha_obr) >= 0 and
  hobs alpha_obr / (alpha_obt + alpha_obr) >= 0 only raise both heights above the smooth surface
  (Eq 37), and the test is monotone in both heights;
* per-sample divisions by d_i are products with a table of 1 / d_i, the two arctangents of the
  angular distance one (atan t + atan r = atan((t + r) / (1 - t r)) for t r < 1/2);
* with clutter, the ground and the clutter of a point are read with one bilinear cell search
  (:func:`~._sampling.bilinear_pair`, :func:`~._sampling.radial_pair`), and the horizon angles
  reuse hull A's answer where the receiver's profile has no clutter (hull T is then hull A);
* the smooth-earth clearance test's parts that depend only on the earth radius or on the path
  (:func:`~._diffraction.horizon_factor`, :func:`~._diffraction.clearance_bound`) are computed
  once per radial or per receiver;
* the tail's share of the horizon slopes (on the ground plus clutter, and with clutter on the
  ground) is taken while sampling the tail (:func:`_sample_tail`), and the horizon queries
  (:func:`~._hull._horizon_stim`, :func:`~._hull._horizon_srim`) take scalars, the hull query
  being made in the receiver loop itself. Numba counts the references of every array an inlined
  kernel takes, with atomic operations that its reference pruning leaves inside the receiver
  loop (perf on the karst of ``benchmarks/bench_area_accuracy.py``: 0.12-0.13 s of a 0.32 s
  kernel call, 0.15-0.17 s of 0.39-0.41 s with clutter, before these changes; 0.08 and 0.07 s
  after); the horizon queries, two with clutter, now add none;
* the radial kernel gets every array as a view without an owner
  (:func:`~._sampling.borrowed`, in :func:`_radial_chunk`), so the reference counts the other
  per-receiver kernels still take are tests of a null pointer, not atomic operations (perf, the
  karst above: from about a quarter of the kernel's samples to about 1%);
* the receivers are grouped by radial in one pass over the cells, carrying their values (index,
  prefix, tail count, row, column; distance, ground) along, then sorted by prefix within each
  radial (:func:`_radial_order`): the receiver loop reads them in turn, where reading them by index
  missed the cache on each value. The area engine does it straight from the DEM window
  (:func:`~._sampling.radial_disc`: one pass finds each disc cell's radial, a second writes its
  values at its radial's rows, rows and columns visited outward from the site so that most radials
  are already in order of prefix and skip the sort), so the cells in the window's order, their
  geometry and the regrouping are never made; the kernel (:func:`sorted_diffraction_loss`) then
  writes its results in that order, and the combined loss goes from there straight into the float32
  window (:func:`~netcover.radio.troposcatter.area_loss_into`);
* each radial is sampled (ground, and clutter) into the scratch of its chunk just before its
  receivers are evaluated (:func:`~._sampling.radial_into`), instead of into an (n_bearings,
  n_samples) array (25 MB per site at 15 km and 30 m, whose fresh pages cost the kernel's system
  time on every call).

All kernels are pure (arrays and scalars in, new arrays out) and release the GIL, so several sites
can run on threads at once.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from netcover.radio._diffraction import (
    WAVELENGTH_M_GHZ,
    clear_of_bound,
    clearance_bound,
    delta_bullington_loss,
    horizon_factor,
    spherical_earth_loss,
)
from netcover.radio._hull import (
    _NEG,
    _angular_distance,
    _bullington_actual,
    _deygout_cell,
    _horizon_srim,
    _horizon_stim,
    _obstruction,
    _smooth_surface,
    hull_argmax_linear,
    hull_max_slope_from_right,
    hull_push,
    smooth_bullington,
)
from netcover.radio._sampling import (
    INT_COL,
    INT_INDEX,
    INT_PREFIX,
    INT_ROW,
    INT_TAIL,
    VAL_D,
    VAL_GROUND,
    bilinear_height,
    bilinear_pair,
    borrowed,
    disc_cells,
    prefix_count,
    radial_heights,
    radial_into,
    radial_of,
    sort_by_prefix,
    tail_count,
)

__all__ = [
    "bilinear_height", "cell_diffraction_loss", "disc_cells", "hull_argmax_linear",
    "hull_max_slope_from_right", "hull_push", "radial_heights", "smooth_bullington",
    "sorted_diffraction_loss",
]

#: Rows of the per-thread scratch array of :func:`_radial_cells`.
_SCRATCH_ROWS = 14


@njit(cache=True, inline="always")
def _tail_slopes(height: float, cx2: float, inv_x: float, inv_dx: float, hts: float, y: float,
                 stim: float, srim: float) -> tuple[float, float]:
    """The tail's running maxima of the horizon slopes (:func:`~._hull._horizon_stim`,
    :func:`~._hull._horizon_srim`), one more point: (height - c x^2 - hts) / x and
    (height - c x^2 - y) / (d - x)."""
    return (max(stim, (height - cx2 - hts) * inv_x), max(srim, (height - cx2 - y) * inv_dx))


@njit(cache=True, inline="always")
def _sample_tail(dem: np.ndarray, clutter_dem: np.ndarray, has_clutter: bool, row0: float,
                 col0: float, cell_row: float, cell_col: float, d: float, c: float, nt: int,
                 hts: float, hrs: float, tgeo: np.ndarray, th: np.ndarray,
                 tg: np.ndarray) -> tuple[float, float, float, float, bool]:
    """The receiver's tail points k = 1..nt (d - k steps on its own line from the site): their
    geometry into ``tgeo`` (rows x, 1 / x, d - x (preset), 1 / (d - x) (preset), c x^2), their
    bilinear ground into ``th`` and ground plus clutter into ``tg``.

    Returns the tail's part of the horizon slopes (:func:`~._hull._horizon_stim`,
    :func:`~._hull._horizon_srim`) on the ground plus clutter (stim, srim) and on the ground (stim,
    srim; only with clutter), and whether the tail has no clutter (``tg`` equal to ``th``).
    Computed here, on scalars, so that the horizon queries take no tail arrays: each array an
    inlined kernel takes costs atomic reference counts per receiver."""
    inv_d = 1.0 / d
    y = hrs - c * d * d
    stim_g = srim_g = stim_h = srim_h = _NEG
    bare = True
    for k in range(nt):
        x = d - tgeo[2, k]
        tgeo[0, k] = x
        tgeo[1, k] = 1.0 / x
        tgeo[4, k] = c * x * x
        f = x * inv_d
        tr = row0 + f * (cell_row - row0)
        tc = col0 + f * (cell_col - col0)
        if has_clutter:
            th[k], clutter_k = bilinear_pair(dem, clutter_dem, tr, tc)
            tg[k] = th[k] + clutter_k
            bare = bare and tg[k] == th[k]
            stim_h, srim_h = _tail_slopes(th[k], tgeo[4, k], tgeo[1, k], tgeo[3, k], hts, y,
                                          stim_h, srim_h)
        else:
            th[k] = bilinear_height(dem, tr, tc)
            tg[k] = th[k]
        stim_g, srim_g = _tail_slopes(tg[k], tgeo[4, k], tgeo[1, k], tgeo[3, k], hts, y, stim_g,
                                      srim_g)
    return stim_g, srim_g, stim_h, srim_h, bare


@njit(cache=True, inline="always")
def _fill_radial(h: np.ndarray, r: np.ndarray, has_clutter: bool, step_km: float, c: float,
                 deygout: bool, work: np.ndarray) -> int:
    """The per-radial rows of the scratch ``work``, in one pass over the radial: a_i = g_i - c d_i^2
    (row 0, hull A, Bullington), g_i = h_i + r_i the ground plus clutter (g_0 = h_0), at_i =
    h_i - c d_i^2 (row 1 with clutter, hull T, horizon angles; hull A itself without), and for
    Deygout the profile's distances and heights (rows 10, 11; tails are written after m).
    Returns the first sample i >= 1 with clutter (g_i != h_i; ``h.size`` if none)."""
    n = h.size
    first = n
    for i in range(n):
        di = i * step_km
        curv = c * (di * di)
        gi = h[i] + r[i] if has_clutter and i >= 1 else h[i]
        if gi != h[i] and first == n:
            first = i
        work[0, i] = gi - curv
        if has_clutter:
            work[1, i] = h[i] - curv
        if deygout:
            work[11, i] = gi
    if deygout:
        for i in range(work.shape[1]):
            work[10, i] = i * step_km
        work[11, n:] = 0.0
    return first


@njit(cache=True)
def _radial_cells(h: np.ndarray, r: np.ndarray, has_clutter: bool, step_km: float, htg: float,
                  hrg: float, f_ghz: float, pol: int, ae_km: float, hull_window: int,
                  cells: np.ndarray, cell_values: np.ndarray, n_tail: int, dem: np.ndarray,
                  clutter_dem: np.ndarray, row0: float, col0: float, deygout: bool, work: np.ndarray,
                  tgeo: np.ndarray, inv_d: np.ndarray, out: np.ndarray,
                  theta_out: np.ndarray) -> None:
    """Ld50 and the angular distance theta for the receivers ``cells`` of one radial, in order.

    Receiver i, whose results go to index i of ``out`` and ``theta_out``, sits at
    ``cell_values[i, VAL_D]`` km with ground ``cell_values[i, VAL_GROUND]`` (rows in the radial's
    order, read in turn); its intermediate profile points are the radial samples 1..m, m =
    ``cells[i, INT_PREFIX]`` (sample 0 is the transmitter; m non-decreasing over the rows), then its
    tail points k = nt..1, nt = ``cells[i, INT_TAIL]`` (:func:`tail_count`), at d - k step on its
    straight line from the site at (``row0``, ``col0``) to its (``INT_ROW``, ``INT_COL``) in
    ``dem`` (bilinear ground, plus the bilinear ``clutter_dem`` with clutter). ``h`` are the
    samples' ground heights, ``r`` their clutter heights (only read when ``has_clutter``; sample 0
    read as 0): the Bullington loss Lbulla sees the ground plus
    clutter g = h + r (P.1812 Section 3.2), the horizon angles, the smooth-earth surface and hobs
    see ``h``, as in :func:`~netcover.radio.p1812.p1812_profile_loss`. ``theta_out[i]`` gets the
    path angular distance (mrad, P.1812 Eq 74 as :func:`~netcover.radio.p1812._horizons` takes the
    horizon angles), for the troposcatter loss. With ``deygout``, Ld50 is the delta-Deygout loss of
    :func:`~netcover.radio.deygout.delta_deygout_between` on the same profile (O(m) per receiver).
    ``work`` (:data:`_SCRATCH_ROWS` x (h.size + n_tail)) and ``tgeo`` (5 x n_tail, rows 2
    and 3 preset to k step and its inverse) are scratch, so a thread reuses them over its radials;
    ``inv_d[i]`` = 1 / (i step) (i >= 1): the running maxima multiply instead of dividing.
    """
    n = h.size
    lam = WAVELENGTH_M_GHZ / f_ghz
    ce = 1.0 / ae_km
    c = 500.0 * ce
    hts = h[0] + htg
    horizon = horizon_factor(ae_km)  # smooth_earth_clear's parts that do not change with the cell
    k_earth = 500.0 / ae_km
    first_clutter = _fill_radial(h, r, has_clutter, step_km, c, deygout, work)
    a = work[0, :n]
    at = work[1, :n]  # (hull T and its rows are only read with clutter)
    ax, ay, bx, by, tx, ty = work[2], work[3], work[4], work[5], work[6], work[7]
    th, tg = work[8, :n_tail], work[9, :n_tail]
    ma = mt = mb = 0
    stim_base = stim_t_base = alpha_t_base = _NEG  # max (a_i - hts) / d_i, (at_i - ...), (h_i - ...)
    v1 = v2 = 0.0  # least-squares sums over the segments 0..m
    m_cur = 0
    pd, pg = work[10], work[11]  # the profile as arrays, for Deygout: tails written after sample m
    for i in range(cells.shape[0]):
        m = int(cells[i, INT_PREFIX])
        while m_cur < m:  # sample m_cur + 1 becomes an obstacle
            m_cur += 1
            di = m_cur * step_km
            dp = di - step_km
            hi = h[m_cur]
            inv_di = inv_d[m_cur]
            stim_base = max(stim_base, (a[m_cur] - hts) * inv_di)
            alpha_t_base = max(alpha_t_base, (hi - hts) * inv_di)
            ma = hull_push(ax, ay, ma, di, a[m_cur])
            if has_clutter:
                stim_t_base = max(stim_t_base, (at[m_cur] - hts) * inv_di)
                mt = hull_push(tx, ty, mt, di, at[m_cur])
            mb = hull_push(bx, by, mb, di, hi)
            v1 += step_km * (hi + h[m_cur - 1])
            v2 += step_km * (hi * (2.0 * di + dp) + h[m_cur - 1] * (di + 2.0 * dp))
        d = cell_values[i, VAL_D]
        hr = cell_values[i, VAL_GROUND]
        hrs = hr + hrg
        nt = int(cells[i, INT_TAIL])
        stim_g, srim_g, stim_h, srim_h, bare_tail = _sample_tail(
            dem, clutter_dem, has_clutter, row0, col0, float(cells[i, INT_ROW]),
            float(cells[i, INT_COL]), d, c, nt, hts, hrs, tgeo, th, tg)
        y = hrs - c * d * d  # srim's point (d, Y): a hull query only where the path is trans-horizon
        stim, trans = _horizon_stim(stim_base, stim_g, m, nt, d, hts, hrs, c)
        srim = _horizon_srim(trans, hull_max_slope_from_right(ax, ay, ma, d, y) if trans else _NEG,
                             srim_g)
        lbulla = _bullington_actual(ax, ay, ma, a, step_km, m, stim, trans, srim, tgeo, tg, nt, d,
                                    hts, hrs, c, lam, hull_window)
        if has_clutter and not (m < first_clutter and bare_tail):
            # the horizon angles see the ground: hull T (hull A itself where the samples 1..m and
            # the tail have no clutter: the same values pushed, bit for bit)
            stim, trans = _horizon_stim(stim_t_base, stim_h, m, nt, d, hts, hrs, c)
            srim = _horizon_srim(trans, hull_max_slope_from_right(tx, ty, mt, d, y) if trans
                                 else _NEG, srim_h)
        theta_out[i] = _angular_distance(stim, trans, srim, d, hts, hrs, c, ae_km)
        # Smooth-earth heights for the diffraction model (least squares, then obstruction-modified).
        hst, hsr = _smooth_surface(v1, v2, m * step_km, h[m], tgeo, th, nt, d, hr)
        bound = clearance_bound(d, f_ghz)
        if not deygout and clear_of_bound(d, hts - min(hst, h[0]), hrs - min(hsr, hr), horizon,
                                          k_earth, bound):
            out[i] = lbulla  # clear already without hobs (below), so clear with it: Ldsph = 0
            continue
        hobs, gt = _obstruction(bx, by, mb, m, alpha_t_base, tgeo, th, nt, d, hts, hrs)
        hts_s = hts - min(hst - hobs * gt, h[0])
        hrs_s = hrs - min(hsr - hobs * (1.0 - gt), hr)
        if deygout and m + nt >= 1:
            out[i] = _deygout_cell(pd, pg, m, nt, tgeo, tg, d, hts, hrs, hts_s, hrs_s, ae_km,
                                   f_ghz, pol)
            continue
        if clear_of_bound(d, hts_s, hrs_s, horizon, k_earth, bound):
            out[i] = lbulla  # Ldsph = 0 <= Lbulls: Eq 39's correction is exactly 0
            continue
        lbulls = smooth_bullington(d, step_km, m, tgeo, nt, hts_s, hrs_s, ce, lam)
        ldsph = spherical_earth_loss(d, hts_s, hrs_s, ae_km, f_ghz, pol, 0.0)
        out[i] = delta_bullington_loss(lbulla, lbulls, ldsph)


@njit(cache=True)
def _radial_chunk(r_lo: int, r_hi: int, heights: np.ndarray, clutter: np.ndarray,
                  has_clutter: bool, step_km: float, htg: float, hrg: float, f_ghz: float,
                  pol: int, ae_km: float, hull_window: int, start: np.ndarray,
                  cell_ints: np.ndarray, cell_values: np.ndarray, n_tail: int, dem: np.ndarray,
                  clutter_dem: np.ndarray, row0: float, col0: float, deygout: bool,
                  work: np.ndarray, tgeo: np.ndarray, inv_d: np.ndarray, out: np.ndarray,
                  theta_out: np.ndarray, n_bearings: int, n_samples: int) -> None:
    """:func:`_radial_cells` on the radials ``r_lo``..``r_hi - 1``, the receivers of radial r at
    rows ``start[r]:start[r + 1]`` of ``cell_ints`` and ``cell_values``
    (:func:`~._sampling.radial_disc`, :func:`_radial_order`), their results at the same rows of
    ``out`` and ``theta_out``. With ``heights`` empty, each radial is sampled from ``dem`` (and
    ``clutter_dem``) into rows 12 and 13 of ``work`` first (:func:`~._sampling.radial_into`, the
    values of :func:`~._sampling.radial_heights` and :func:`~._sampling.radial_pair`).
    Every array is passed as a view without reference counts (:func:`~._sampling.borrowed`): the
    caller holds them all for the call, and the receiver loop then counts none."""
    radials, layer, scratch, geo = borrowed(heights), borrowed(clutter), borrowed(work), borrowed(tgeo)
    sample = radials.shape[0] == 0
    for r in range(r_lo, r_hi):
        a, b = start[r], start[r + 1]
        if sample:
            if a == b:
                continue
            h, layer_r = scratch[12, :n_samples], scratch[13, :n_samples]
            radial_into(borrowed(dem), borrowed(clutter_dem), has_clutter, row0, col0, r,
                        n_bearings, 1.0, h, layer_r)
        else:
            h = radials[r]
            layer_r = layer[r] if has_clutter else h
        _radial_cells(h, layer_r, has_clutter, step_km, htg, hrg, f_ghz,
                      pol, ae_km, hull_window, borrowed(cell_ints)[a:b],
                      borrowed(cell_values)[a:b], n_tail, borrowed(dem), borrowed(clutter_dem),
                      row0, col0, deygout, scratch, geo, borrowed(inv_d), borrowed(out)[a:b],
                      borrowed(theta_out)[a:b])


#: Chunks of radials :func:`cell_diffraction_loss` hands to its threads (each with its scratch).
_CHUNKS = 64


@njit(cache=True)
def _radial_order(cell_bearing: np.ndarray, cell_d_km: np.ndarray, cell_h: np.ndarray,
                  cell_row: np.ndarray, cell_col: np.ndarray, step_km: float, n_tail: int,
                  n_bearings: int, n_samples: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The receivers by radial (the nearest to their bearing), each radial's by prefix length m
    (:func:`~._sampling.prefix_count`) then index (counting sorts, so deterministic), with their
    values: (start, ints, values), radial r's receivers at rows ``start[r]:start[r + 1]`` of
    ``ints`` (index, m, nt, cell_row, cell_col; int32, columns ``INT_INDEX`` ... of
    :mod:`._sampling`; the rows and columns are whole indices) and ``values`` (cell_d_km, cell_h),
    the order of :func:`~._sampling.radial_disc` for cells given one by one."""
    n = cell_bearing.size
    start = np.zeros(n_bearings + 1, dtype=np.int64)
    for e in range(n):
        start[radial_of(cell_bearing[e], n_bearings) + 1] += 1
    for r in range(n_bearings):
        start[r + 1] += start[r]
    fill = start[:-1].copy()
    ints = np.empty((n, 5), dtype=np.int32)
    values = np.empty((n, 2))
    for e in range(n):
        r = radial_of(cell_bearing[e], n_bearings)
        i = fill[r]
        fill[r] += 1
        ints[i, INT_INDEX] = e
        ints[i, INT_PREFIX] = prefix_count(cell_d_km[e] / step_km, n_tail, n_samples)
        ints[i, INT_TAIL] = tail_count(cell_d_km[e] / step_km, n_tail)
        ints[i, INT_ROW] = int(cell_row[e])
        ints[i, INT_COL] = int(cell_col[e])
        values[i, VAL_D] = cell_d_km[e]
        values[i, VAL_GROUND] = cell_h[e]
    sort_by_prefix(start, ints, values, n_samples)
    return start, ints, values


@njit(cache=True, parallel=True, nogil=True)
def sorted_diffraction_loss(heights: np.ndarray, clutter: np.ndarray, step_km: float,
                            htg: float, hrg: float, f_ghz: float, pol: int, ae_km: float,
                            hull_window: int, start: np.ndarray, cell_ints: np.ndarray,
                            cell_values: np.ndarray, n_tail: int, dem: np.ndarray,
                            clutter_dem: np.ndarray, row0: float, col0: float,
                            deygout: bool, n_bearings: int,
                            n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`cell_diffraction_loss` of receivers already in the radial order (``start``,
    ``cell_ints``, ``cell_values`` of :func:`~._sampling.radial_disc`): (Ld50, theta) in that
    order, row i of ``cell_ints`` at index i.

    With ``heights`` and ``clutter`` empty (0, 0) arrays, the ``n_bearings`` radials of
    ``n_samples`` samples (one per cell size) are sampled from ``dem`` and ``clutter_dem`` (with
    clutter when it is not empty) one at a time, as each is evaluated: the values of
    :func:`~._sampling.radial_heights` and :func:`~._sampling.radial_pair`, bit for bit, without
    their (n_bearings, n_samples) arrays. Otherwise ``heights`` (and ``clutter``, with clutter when
    it is not empty) are the radials, and ``n_bearings``, ``n_samples`` their shape."""
    nb, ns = n_bearings, n_samples
    has_clutter = (clutter_dem if heights.shape[0] == 0 else clutter).shape[0] > 0
    n = cell_ints.shape[0]
    out = np.empty(n)
    theta = np.empty(n)
    inv_d = np.zeros(ns)
    for i in range(1, ns):
        inv_d[i] = 1.0 / (i * step_km)
    n_chunks = min(nb, _CHUNKS)
    for chunk in prange(n_chunks):  # scratch once per chunk of radials; results do not depend on it
        work = np.empty((_SCRATCH_ROWS, ns + n_tail))
        tgeo = np.empty((5, n_tail))
        for k in range(n_tail):
            tgeo[2, k] = (k + 1) * step_km
            tgeo[3, k] = 1.0 / tgeo[2, k]
        _radial_chunk(chunk * nb // n_chunks, (chunk + 1) * nb // n_chunks, heights, clutter,
                      has_clutter, step_km, htg, hrg, f_ghz, pol, ae_km, hull_window, start,
                      cell_ints, cell_values, n_tail, dem, clutter_dem, row0, col0, deygout, work,
                      tgeo, inv_d, out, theta, nb, ns)
    return out, theta


@njit(cache=True, nogil=True)
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
        Each cell's (whole) row and column index in ``dem``.
    deygout : bool
        Ld50 from the delta-Deygout loss (:mod:`netcover.radio.deygout`, up to three edges) on the
        same profile instead of delta-Bullington; O(m) per receiver.

    Returns
    -------
    (Ld50, theta) : tuple of float64 arrays
        Per cell: the diffraction loss (dB) and the path angular distance (mrad, for troposcatter).
    """
    nb, ns = heights.shape
    start, cell_ints, cell_values = _radial_order(cell_bearing, cell_d_km, cell_h, cell_row,
                                                  cell_col, step_km, n_tail, nb, ns)
    ld, theta = sorted_diffraction_loss(heights, clutter, step_km, htg, hrg, f_ghz, pol, ae_km,
                                        hull_window, start, cell_ints, cell_values, n_tail, dem,
                                        clutter_dem, row0, col0, deygout, nb, ns)
    out = np.empty(ld.size)
    theta_out = np.empty(ld.size)
    for i in range(ld.size):  # back to the cells' order
        out[cell_ints[i, INT_INDEX]] = ld[i]
        theta_out[cell_ints[i, INT_INDEX]] = theta[i]
    return out, theta_out
