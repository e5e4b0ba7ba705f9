"""Multi-edge diffraction: the Deygout construction limited to three edges, over a spherical earth.

An alternative to the single equivalent edge of the delta-Bullington model of ITU-R P.1812-6
(Section 4.3), which is optimistic behind several ridges. The method:

1. **Principal edge** (Deygout). Over the intermediate points of the profile, with the heights raised
   by the earth bulge of the effective radius a, the diffraction parameter (P.1812-6 Eq 15, the form
   P.526 uses for a knife edge with earth curvature)

       nu_i = [h_i + 500 d1 d2 / a - (H_a d2 + H_b d1) / (d1 + d2)] sqrt(0.002 (d1 + d2) / (lam d1 d2))

   with d1, d2 the distances (km) from the point to the ends of the (sub-)path and H_a, H_b the
   heights (m a.m.s.l.) of those ends. The point of largest nu is the principal edge p; its loss is
   Lp = J(nu_p), J the knife-edge loss of ITU-R P.526-16 Eq 31 (0 for nu <= -0.78).
2. **Secondary edges.** If Lp > 0, the same search on the sub-path from the transmitter to the top of
   p gives the transmitter-side edge t and Lt = J(nu_t); the sub-path from the top of p to the
   receiver gives the receiver-side edge r and Lr = J(nu_r); each counts only where nu > -0.78, so a
   sub-path that clears its first Fresnel zone adds nothing. At most three edges in all.
3. **Combination** with the empirical correction that earlier editions of ITU-R P.526 gave with the
   Deygout construction for a general path (T = 1 - exp(-Lp / 6), C = 8 + 0.04 D with D the path
   length in km; ITU-R P.452-14 Section 4.2.1 used the same construction with C = 10 + 0.04 D):

       Ldeyg = Lp + T (Lt + Lr + C).

   The Bullington loss of P.1812-6 Eq 21 has the same form, Luc + T (10 + 0.02 D): over a single
   isolated edge the two models differ by T (0.02 D - 2) dB only; the extra loss behind several
   ridges comes from the secondary edges.
4. **Spherical earth** (the "complete method" of ITU-R P.526-16 Section 4.5.2, as P.1812-6 Eq 39
   applies it to Bullington): the method is run on the real profile (Ldeyga) and on a smooth profile
   of zero heights with the effective antenna heights htc, hrc of P.1812-6 Eq 37 (Ldeygs), and

       Ld = Ldeyga + max(Ldsph - Ldeygs, 0)

   with Ldsph the spherical-earth loss of P.1812-6 Eqs 22-36. On a smooth earth Ld is then Ldsph.

Edition -16 (11/2025) of P.526 no longer has the Deygout method for a general path (its Section 4.5
has the Bullington model, 4.5.1, and the complete method, 4.5.2). C is the two module constants
:data:`DEYGOUT_C0_DB` and :data:`DEYGOUT_C1_DB_PER_KM`, so another edition's values are a one-line change.

Units: distances in km, heights in m, wavelength in m, frequency in GHz, curvature ``ce`` = 1 /
effective earth radius in 1/km. The kernels are pure numba functions of floats and 1-D arrays.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from netcover.errors import ModelError
from netcover.radio._diffraction import (
    WAVELENGTH_M_GHZ,
    knife_edge_loss,
    nu_at,
    spherical_earth_loss,
)

__all__ = [
    "DEYGOUT_C0_DB", "DEYGOUT_C1_DB_PER_KM", "MAX_EDGES", "delta_deygout_between",
    "delta_deygout_loss", "deygout_edges", "deygout_edges_between", "deygout_finish",
    "deygout_loss", "deygout_profile_loss",
]

#: Empirical correction C = C0 + C1 D of the Deygout method (dB, dB/km; earlier editions of P.526).
DEYGOUT_C0_DB = 8.0
DEYGOUT_C1_DB_PER_KM = 0.04
#: The method stops at this many edges (the principal edge and one on each side of it).
MAX_EDGES = 3


@njit(cache=True)
def _principal(d_km: np.ndarray, g_m: np.ndarray, lo: int, hi: int, da_km: float, ha_m: float,
               db_km: float, hb_m: float, relief: float, ce: float,
               lam_m: float) -> tuple[int, float]:
    """Largest nu over the points ``lo``..``hi`` (inclusive) and its index (the last on ties).

    The (sub-)path runs from ``da_km`` at height ``ha_m`` to ``db_km`` at ``hb_m`` (m a.m.s.l.); a
    point's height is ``relief * g_m[i]``. -1 and -inf when ``lo > hi``. On the smooth earth
    (``relief`` 0) nu rises then falls along the path (its clearance is a concave parabola), so the
    maximum is found by bisection on the sign of nu's step, in O(log n), as the area engine's
    smooth Bullington does.
    """
    span = db_km - da_km
    if relief == 0.0 and lo < hi:
        a, b = lo, hi
        while a < b:
            mid = (a + b) // 2
            here = nu_at(0.0, d_km[mid] - da_km, span, ha_m, hb_m, ce, lam_m)
            if nu_at(0.0, d_km[mid + 1] - da_km, span, ha_m, hb_m, ce, lam_m) >= here:
                a = mid + 1
            else:
                b = mid
        return a, nu_at(0.0, d_km[a] - da_km, span, ha_m, hb_m, ce, lam_m)
    best, best_nu = -1, -math.inf
    for i in range(lo, hi + 1):
        nu = nu_at(relief * g_m[i], d_km[i] - da_km, span, ha_m, hb_m, ce, lam_m)
        if nu >= best_nu:
            best, best_nu = i, nu
    return best, best_nu


@njit(cache=True)
def deygout_edges_between(d_km: np.ndarray, g_m: np.ndarray, lo: int, hi: int, dr_km: float,
                          hts_m: float, hrs_m: float, relief: float, ce: float, lam_m: float,
                          max_edges: int) -> tuple[float, float, float, int, int, int]:
    """Deygout edges of a path whose possible edges are the points ``lo``..``hi`` of the arrays.

    The transmitter is at distance 0 (height ``hts_m`` a.m.s.l.), the receiver at ``dr_km``
    (``hrs_m``); the points lie strictly between, in increasing distance. A point's height is
    ``relief * g_m[i]``: 1 for the terrain (O(n)), 0 for the smooth earth of the spherical-earth
    correction (no array of zeros needed; O(log n)). The area engine can call this on a radial's
    samples 1..m with the receiver cell beyond them. Returns (Lp, Lt, Lr, ip, it, ir) as
    :func:`deygout_edges` does.
    """
    ip, nu_p = _principal(d_km, g_m, lo, hi, 0.0, hts_m, dr_km, hrs_m, relief, ce, lam_m)
    lp = knife_edge_loss(nu_p) if ip >= 0 else 0.0
    if lp <= 0.0:
        return 0.0, 0.0, 0.0, -1, -1, -1
    if max_edges < 2:
        return lp, 0.0, 0.0, ip, -1, -1
    dp, hp = d_km[ip], relief * g_m[ip]
    it, nu_t = _principal(d_km, g_m, lo, ip - 1, 0.0, hts_m, dp, hp, relief, ce, lam_m)
    ir, nu_r = _principal(d_km, g_m, ip + 1, hi, dp, hp, dr_km, hrs_m, relief, ce, lam_m)
    lt = knife_edge_loss(nu_t) if it >= 0 else 0.0
    lr = knife_edge_loss(nu_r) if ir >= 0 else 0.0
    it = it if lt > 0.0 else -1
    ir = ir if lr > 0.0 else -1
    if max_edges == 2:  # keep the stronger secondary edge only
        if lt >= lr:
            lr, ir = 0.0, -1
        else:
            lt, it = 0.0, -1
    return lp, lt, lr, ip, it, ir


@njit(cache=True)
def deygout_edges(d_km: np.ndarray, g_m: np.ndarray, hts_m: float, hrs_m: float, ce: float,
                  lam_m: float, max_edges: int) -> tuple[float, float, float, int, int, int]:
    """Knife-edge losses and positions of the Deygout edges of a profile (steps 1-2 of the module).

    Returns (Lp, Lt, Lr, ip, it, ir): the losses J(nu) of the principal, transmitter-side and
    receiver-side edges and their profile indices (-1 where there is no edge). ``max_edges`` 1 keeps
    the principal edge only, 2 adds the secondary edge of larger loss, 3 both. The ends of the profile
    are the terminals (antenna heights ``hts_m``, ``hrs_m`` a.m.s.l.); ``g_m`` are the heights of the
    points (terrain plus clutter) and only the intermediate points can be edges.
    """
    n = d_km.size
    return deygout_edges_between(d_km, g_m, 1, n - 2, d_km[n - 1], hts_m, hrs_m, 1.0, ce, lam_m,
                                 max_edges)


@njit(cache=True)
def deygout_finish(lp: float, lt: float, lr: float, d_km: float) -> float:
    """Ldeyg = Lp + T (Lt + Lr + C), T = 1 - exp(-Lp / 6), C = 8 + 0.04 D (step 3 of the module)."""
    t = 1.0 - math.exp(-lp / 6.0)
    return lp + t * (lt + lr + DEYGOUT_C0_DB + DEYGOUT_C1_DB_PER_KM * d_km)


@njit(cache=True)
def deygout_loss(d_km: np.ndarray, g_m: np.ndarray, hts_m: float, hrs_m: float, ae_km: float,
                 f_ghz: float, max_edges: int = MAX_EDGES) -> float:
    """Deygout diffraction loss (dB) of a profile over an earth of effective radius ``ae_km``.

    Steps 1-3 of the module: the analogue of the Bullington loss Lbull of P.1812-6 Eqs 12-21.
    ``d_km`` are the distances from the transmitter (first 0, strictly increasing), ``g_m`` the
    heights a.m.s.l. of the points including clutter, ``hts_m``/``hrs_m`` the antenna heights a.m.s.l.
    """
    lam = WAVELENGTH_M_GHZ / f_ghz
    lp, lt, lr, _, _, _ = deygout_edges(d_km, g_m, hts_m, hrs_m, 1.0 / ae_km, lam, max_edges)
    return deygout_finish(lp, lt, lr, d_km[d_km.size - 1])


@njit(cache=True)
def delta_deygout_between(d_km: np.ndarray, g_m: np.ndarray, lo: int, hi: int, dr_km: float,
                          hts_m: float, hrs_m: float, htc_m: float, hrc_m: float, ap_km: float,
                          f_ghz: float, pol: int, omega: float,
                          max_edges: int) -> tuple[float, float, float, float]:
    """Deygout loss with the spherical-earth correction (step 4) over the points ``lo``..``hi``.

    The path is that of :func:`deygout_edges_between`; ``htc_m``, ``hrc_m`` are the antenna heights
    above the smooth surface (P.1812-6 Eq 37: hts - hstd, hrs - hsrd), ``ap_km`` the effective earth
    radius (ae or a_beta), ``pol`` 0 horizontal / 1 vertical, ``omega`` the fraction of the path over
    sea. Returns (Ld, Ldeyga, Ldeygs, Ldsph). For the area engine: in place of Lbulla, Lbulls, Ldsph
    and Eq 39 for a receiver cell at ``dr_km`` beyond radial samples ``lo``..``hi``.
    """
    lam = WAVELENGTH_M_GHZ / f_ghz
    ce = 1.0 / ap_km
    lp, lt, lr, _, _, _ = deygout_edges_between(d_km, g_m, lo, hi, dr_km, hts_m, hrs_m, 1.0, ce,
                                                lam, max_edges)
    ldeyga = deygout_finish(lp, lt, lr, dr_km)
    lp, lt, lr, _, _, _ = deygout_edges_between(d_km, g_m, lo, hi, dr_km, htc_m, hrc_m, 0.0, ce,
                                                lam, max_edges)
    ldeygs = deygout_finish(lp, lt, lr, dr_km)
    ldsph = spherical_earth_loss(dr_km, htc_m, hrc_m, ap_km, f_ghz, pol, omega)
    return ldeyga + max(ldsph - ldeygs, 0.0), ldeyga, ldeygs, ldsph


@njit(cache=True)
def delta_deygout_loss(d_km: np.ndarray, g_m: np.ndarray, hts_m: float, hrs_m: float,
                       hstd_m: float, hsrd_m: float, ap_km: float, f_ghz: float, pol: int,
                       omega: float, max_edges: int) -> tuple[float, float, float, float]:
    """Deygout loss of a whole profile with the spherical-earth correction (step 4 of the module).

    ``hstd_m``, ``hsrd_m`` are the smooth-surface heights at the terminals for the diffraction model
    (P.1812-6 Eqs 89-91), ``ap_km`` the effective earth radius (ae or a_beta), ``pol`` 0 horizontal /
    1 vertical, ``omega`` the fraction of the path over sea. Returns (Ld, Ldeyga, Ldeygs, Ldsph).
    """
    n = d_km.size
    return delta_deygout_between(d_km, g_m, 1, n - 2, d_km[n - 1], hts_m, hrs_m, hts_m - hstd_m,
                                 hrs_m - hsrd_m, ap_km, f_ghz, pol, omega, max_edges)


def _fail(msg: str) -> None:
    raise ModelError(msg)


def deygout_profile_loss(d_km: ArrayLike, h_m: ArrayLike, hts_m: float, hrs_m: float,
                         f_ghz: float, *, ae_km: float = 8496.0,
                         max_edges: int = MAX_EDGES) -> dict[str, float]:
    """Deygout diffraction loss of one profile, with its edges (steps 1-3 of the module).

    The loss of the profile as given, without the spherical-earth correction of step 4 (that one
    needs the smooth-surface heights of P.1812: :func:`netcover.radio.p1812.p1812_profile_loss` with
    ``diffraction="deygout"`` applies it).

    Parameters
    ----------
    d_km : array_like
        Distances of the profile points from the transmitter (km): first 0, strictly increasing, at
        least 3 points (two terminals and one possible edge).
    h_m : array_like
        Heights a.m.s.l. of the points (m), clutter included; the ends are not used.
    hts_m, hrs_m : float
        Transmitter and receiver antenna heights a.m.s.l. (m).
    f_ghz : float
        Frequency (GHz), > 0.
    ae_km : float
        Effective earth radius (km); 8496 (k = 4/3) by default, a very large value for a flat earth.
    max_edges : int
        1, 2 or 3 (default): how many edges the construction keeps.

    Returns
    -------
    dict[str, float]
        ``L`` the loss (dB); ``Lp``, ``Lt``, ``Lr`` the knife-edge losses J(nu) of the principal,
        transmitter-side and receiver-side edges; ``d_p``, ``d_t``, ``d_r`` their distances from the
        transmitter (km), NaN where there is no edge.

    Raises
    ------
    ModelError
        If the profile is malformed or a value is out of range.
    """
    d = np.asarray(d_km, dtype=np.float64)
    h = np.asarray(h_m, dtype=np.float64)
    if d.ndim != 1 or d.shape != h.shape or d.size < 3:
        _fail(f"Deygout: d_km {d.shape} and h_m {h.shape} must be 1-D arrays of the same length, "
              "at least 3 points")
    if not (np.all(np.isfinite(d)) and np.all(np.isfinite(h))):
        _fail("Deygout: d_km and h_m must not contain NaN or infinite values")
    if d[0] != 0.0 or np.any(np.diff(d) <= 0.0):
        _fail("Deygout: d_km must start at 0 and be strictly increasing")
    values = {"hts_m": hts_m, "hrs_m": hrs_m, "f_ghz": f_ghz, "ae_km": ae_km}
    for name, value in values.items():
        if not math.isfinite(float(value)):
            _fail(f"Deygout: {name} = {value} must be a finite number")
    if f_ghz <= 0.0 or ae_km <= 0.0:
        _fail(f"Deygout: f_ghz = {f_ghz} and ae_km = {ae_km} must be > 0")
    if max_edges not in (1, 2, 3):
        _fail(f"Deygout: max_edges = {max_edges!r} must be 1, 2 or 3")
    lam = WAVELENGTH_M_GHZ / float(f_ghz)
    lp, lt, lr, ip, it, ir = deygout_edges(d, h, float(hts_m), float(hrs_m), 1.0 / float(ae_km),
                                           lam, int(max_edges))
    where = {k: float(d[i]) if i >= 0 else math.nan for k, i in (("d_p", ip), ("d_t", it),
                                                                    ("d_r", ir))}
    return {"L": float(deygout_finish(lp, lt, lr, float(d[-1]))), "Lp": float(lp), "Lt": float(lt),
            "Lr": float(lr), **where}
