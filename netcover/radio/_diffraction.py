"""Scalar numba kernels of the ITU-R P.1812 delta-Bullington diffraction model.

Pure functions of floats (and, for the whole-profile helpers, 1-D float arrays): no allocation of
results that outlive the call, no I/O, no modification of the caller's arrays. Both the per-profile
model (:mod:`netcover.radio.p1812`) and the area engine call these, so the two cannot drift apart.

Equation numbers refer to Recommendation ITU-R P.1812-6, Annex 1, Section 4.3 (delta-Bullington) and to
ITU-R P.526 for the knife-edge loss J(nu). Units: distances in km, heights in m, wavelength in m,
frequency in GHz, curvature ``ce`` = 1 / effective earth radius in 1/km.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: Ground constants of the smooth-earth first-term loss: (relative permittivity, conductivity S/m).
LAND_EPS_R = 22.0
LAND_SIGMA = 0.003
SEA_EPS_R = 80.0
SEA_SIGMA = 5.0

#: Speed of light / 1e9 as P.1812 and P.2001 use it: wavelength in m = this / f in GHz.
WAVELENGTH_M_GHZ = 0.2998

#: Polarisation codes of :func:`spherical_earth_loss`.
POL_HORIZONTAL = 0
POL_VERTICAL = 1


@njit(cache=True)
def knife_edge_loss(nu: float) -> float:
    """Single knife-edge diffraction loss J(nu) in dB (P.1812 Eq 12, the P.526 approximation).

    J(nu) = 6.9 + 20 log10( sqrt((nu - 0.1)^2 + 1) + nu - 0.1 ) for nu > -0.78, else 0.
    """
    if nu <= -0.78:
        return 0.0
    t = nu - 0.1
    return 6.9 + 20.0 * math.log10(math.sqrt(t * t + 1.0) + t)


@njit(cache=True)
def bullington_finish(luc: float, d_km: float) -> float:
    """Bullington loss from the knife-edge loss Luc of the equivalent edge (P.1812 Eq 21).

    Lbull = Luc + (1 - exp(-Luc / 6)) * (10 + 0.02 d).
    """
    return luc + (1.0 - math.exp(-luc / 6.0)) * (10.0 + 0.02 * d_km)


@njit(cache=True)
def nu_at(h_m: float, di_km: float, d_km: float, hts_m: float, hrs_m: float, ce: float,
          lam_m: float) -> float:
    """Diffraction parameter of one profile point for a line-of-sight path (P.1812 Eq 15).

    [h + 500 Ce di (d - di) - (hts (d - di) + hrs di) / d] * sqrt(0.002 d / (lam di (d - di))).
    ``di_km`` must lie strictly between 0 and ``d_km``.
    """
    dr = d_km - di_km
    clearance = h_m + 500.0 * ce * di_km * dr - (hts_m * dr + hrs_m * di_km) / d_km
    return clearance * math.sqrt(0.002 * d_km / (lam_m * di_km * dr))


@njit(cache=True)
def nu_breakpoint(stim: float, srim: float, hts_m: float, hrs_m: float, d_km: float,
                  lam_m: float) -> float:
    """Diffraction parameter of the Bullington point of a trans-horizon path (P.1812 Eqs 17-20).

    ``stim`` and ``srim`` are the largest slopes (m/km) from the transmitter and from the receiver to
    the profile (Eqs 13 and 17). The Bullington point lies at (Eq 18)

        dbp = (hrs - hts + Srim d) / (Stim + Srim),

    and nu_b = [hts + Stim dbp - (hts (d - dbp) + hrs dbp) / d] sqrt(0.002 d / (lam dbp (d - dbp))).

    On a trans-horizon path Stim + Srim >= 0, with equality only when the obstacle exactly grazes the
    ray between the antennas (Stim = Str): the Bullington point is then undefined (0 / 0) and nu_b is
    its limit, 0 (zero clearance), so J(nu_b) = J(0) = 6.03 dB.
    """
    slopes = stim + srim
    if slopes <= 0.0:  # grazing: the limit of nu_b as the obstacle approaches the ray
        return 0.0
    dbp = (hrs_m - hts_m + srim * d_km) / slopes
    if not 0.0 < dbp < d_km:  # rounding next to grazing: the point leaves the path, nu_b -> 0
        return 0.0
    dr = d_km - dbp
    clearance = hts_m + stim * dbp - (hts_m * dr + hrs_m * dbp) / d_km
    return clearance * math.sqrt(0.002 * d_km / (lam_m * dbp * dr))


@njit(cache=True)
def _first_term_one(d_km: float, hte_m: float, hre_m: float, adft_km: float, f_ghz: float,
                    pol: int, eps_r: float, sigma: float) -> float:
    """First-term spherical-earth diffraction loss for one set of ground constants (P.1812 Eqs 29-36)."""
    s18 = 18.0 * sigma / f_ghz
    k_h = 0.036 * (adft_km * f_ghz) ** (-1.0 / 3.0) * ((eps_r - 1.0) ** 2 + s18 * s18) ** (-0.25)
    k = k_h * math.sqrt(eps_r * eps_r + s18 * s18) if pol == POL_VERTICAL else k_h
    k2 = k * k
    k4 = k2 * k2
    beta = (1.0 + 1.6 * k2 + 0.67 * k4) / (1.0 + 4.5 * k2 + 1.53 * k4)
    x = 21.88 * beta * (f_ghz / (adft_km * adft_km)) ** (1.0 / 3.0) * d_km
    # B = beta * Y with Y = 0.9575 beta (f^2 / a)^(1/3) h (Eqs 32, 35): beta enters twice.
    b_scale = 0.9575 * beta * beta * (f_ghz * f_ghz / adft_km) ** (1.0 / 3.0)
    if x >= 1.6:
        fx = 11.0 + 10.0 * math.log10(x) - 17.6 * x
    else:
        fx = -20.0 * math.log10(x) - 5.6488 * x**1.425
    g_min = 2.0 + 20.0 * math.log10(k)
    g_t = _height_gain(b_scale * hte_m, g_min)
    g_r = _height_gain(b_scale * hre_m, g_min)
    return -fx - g_t - g_r


@njit(cache=True)
def _height_gain(b: float, g_min: float) -> float:
    """Normalised height-gain G(B) of the first-term formula with its lower bound (P.1812 Eq 34-35)."""
    if b <= 0.0:  # antenna at or below the smooth surface: the lower bound applies
        return g_min
    if b > 2.0:
        g = 17.6 * math.sqrt(b - 1.1) - 5.0 * math.log10(b - 1.1) - 8.0
    else:
        g = 20.0 * math.log10(b + 0.1 * b * b * b)
    return max(g, g_min)


@njit(cache=True)
def first_term_loss(d_km: float, hte_m: float, hre_m: float, adft_km: float, f_ghz: float,
                    pol: int, omega: float) -> float:
    """First-term spherical-earth loss Ldft, land and sea weighted by the sea fraction ``omega`` (Eq 28).

    An all-land path (``omega`` = 0) computes the land term only: the weighted sum is then that term,
    bit for bit (likewise the sea term at ``omega`` = 1).
    """
    if omega == 0.0:
        return _first_term_one(d_km, hte_m, hre_m, adft_km, f_ghz, pol, LAND_EPS_R, LAND_SIGMA)
    if omega == 1.0:
        return _first_term_one(d_km, hte_m, hre_m, adft_km, f_ghz, pol, SEA_EPS_R, SEA_SIGMA)
    land = _first_term_one(d_km, hte_m, hre_m, adft_km, f_ghz, pol, LAND_EPS_R, LAND_SIGMA)
    sea = _first_term_one(d_km, hte_m, hre_m, adft_km, f_ghz, pol, SEA_EPS_R, SEA_SIGMA)
    return omega * sea + (1.0 - omega) * land


@njit(cache=True)
def spherical_earth_loss(d_km: float, hte_m: float, hre_m: float, ap_km: float, f_ghz: float,
                         pol: int, omega: float) -> float:
    """Spherical-earth diffraction loss Ldsph in dB (P.1812 Eqs 22-27, first term Eqs 28-36).

    Parameters
    ----------
    d_km : float
        Path length.
    hte_m, hre_m : float
        Effective antenna heights above the smooth surface (for the delta-Bullington model: htc, hrc).
    ap_km : float
        Effective earth radius to use (ae for the 50 % loss, a_beta for the beta0 % loss).
    f_ghz : float
        Frequency.
    pol : int
        0 horizontal, 1 vertical.
    omega : float
        Fraction of the path over sea (0..1).
    """
    lam = WAVELENGTH_M_GHZ / f_ghz
    sqrt_h = math.sqrt(max(hte_m, 0.0)) + math.sqrt(max(hre_m, 0.0))
    d_los = math.sqrt(2.0 * ap_km) * math.sqrt(0.001) * sqrt_h
    if d_km >= d_los:
        return first_term_loss(d_km, hte_m, hre_m, ap_km, f_ghz, pol, omega)
    h_sum = hte_m + hre_m
    c = (hte_m - hre_m) / h_sum
    m = 250.0 * d_km * d_km / (ap_km * h_sum)
    arg = 1.5 * c * math.sqrt(3.0 * m / (m + 1.0) ** 3)
    arg = min(max(arg, -1.0), 1.0)
    b = 2.0 * math.sqrt((m + 1.0) / (3.0 * m)) * math.cos(math.pi / 3.0 + math.acos(arg) / 3.0)
    dse1 = 0.5 * d_km * (1.0 + b)
    dse2 = d_km - dse1
    hse = ((hte_m - 500.0 * dse1 * dse1 / ap_km) * dse2
           + (hre_m - 500.0 * dse2 * dse2 / ap_km) * dse1) / d_km
    hreq = 17.456 * math.sqrt(dse1 * dse2 * lam / d_km)
    if hse > hreq:
        return 0.0
    aem = 500.0 * (d_km / sqrt_h) ** 2
    ldft = first_term_loss(d_km, hte_m, hre_m, aem, f_ghz, pol, omega)
    if ldft < 0.0:
        return 0.0
    return (1.0 - hse / hreq) * ldft


@njit(cache=True)
def smooth_earth_clear(d_km: float, hte_m: float, hre_m: float, ap_km: float,
                       f_ghz: float) -> bool:
    """True when :func:`spherical_earth_loss` is 0 for a reason shown without its cosines: a
    line-of-sight smooth-earth path whose ray clears the earth by more than the required clearance
    everywhere (P.1812 Eqs 23-27).

    The ray's clearance over the smooth earth at x from the transmitter is
    f(x) = (hte (d - x) + hre x) / d - 500 x (d - x) / ap, and Eq 26 evaluates it at x = dse1 in
    [0, d]; f is convex with its minimum at x* = d / 2 - (hre - hte) ap / (1000 d), and the required
    clearance hreq = 17.456 sqrt(dse1 dse2 lam / d) (Eq 27) is at most 8.728 sqrt(lam d). If
    min f exceeds that bound (with a margin of 1e-9 relative, 1e-9 m, for rounding), hse > hreq and
    Eq 27's branch returns 0: the caller may skip the call. False says nothing.
    """
    return clear_of_bound(d_km, hte_m, hre_m, horizon_factor(ap_km), 500.0 / ap_km,
                          clearance_bound(d_km, f_ghz))


@njit(cache=True, inline="always")
def horizon_factor(ap_km: float) -> float:
    """sqrt(2 ap) sqrt(0.001): the smooth-earth horizon distance (km) is this times
    sqrt(hte) + sqrt(hre) (P.1812 Eq 23). A part of :func:`smooth_earth_clear`, for hoisting."""
    return math.sqrt(2.0 * ap_km) * math.sqrt(0.001)


@njit(cache=True, inline="always")
def clearance_bound(d_km: float, f_ghz: float) -> float:
    """The clearance :func:`smooth_earth_clear` asks for on a path of ``d_km``: the largest
    required clearance 8.728 sqrt(lam d) (Eq 27) with its rounding margin (m)."""
    hreq_max = 8.728 * math.sqrt(WAVELENGTH_M_GHZ / f_ghz * d_km)
    return hreq_max * (1.0 + 1e-9) + 1e-9


@njit(cache=True, inline="always")
def clear_of_bound(d_km: float, hte_m: float, hre_m: float, horizon: float, k: float,
                   bound: float) -> bool:
    """:func:`smooth_earth_clear` from its parts that depend on the earth radius and on the path
    alone (:func:`horizon_factor`, k = 500 / ap, :func:`clearance_bound`), so a caller testing
    several heights on one path computes them once: the same result, bit for bit."""
    sqrt_h = math.sqrt(max(hte_m, 0.0)) + math.sqrt(max(hre_m, 0.0))
    if d_km >= horizon * sqrt_h:
        return False  # beyond the smooth-earth horizon: the first-term loss applies
    x = min(max(0.5 * d_km - (hre_m - hte_m) / (2.0 * k * d_km), 0.0), d_km)
    f_min = (hte_m * (d_km - x) + hre_m * x) / d_km - k * x * (d_km - x)
    return f_min > bound


@njit(cache=True)
def delta_bullington_loss(lbulla: float, lbulls: float, ldsph: float) -> float:
    """Delta-Bullington loss Ld = Lbulla + max(Ldsph - Lbulls, 0) (P.1812 Eq 39)."""
    return lbulla + max(ldsph - lbulls, 0.0)


@njit(cache=True)
def max_nu_index(d_km: np.ndarray, h_m: np.ndarray, hts_m: float, hrs_m: float, ce: float,
                 lam_m: float) -> int:
    """Index of the intermediate profile point with the largest nu (the last one on ties, Eq 16)."""
    n = d_km.size
    d = d_km[n - 1]
    best, best_nu = 1, -1.0e30
    for i in range(1, n - 1):
        nu = nu_at(h_m[i], d_km[i], d, hts_m, hrs_m, ce, lam_m)
        if nu >= best_nu:
            best, best_nu = i, nu
    return best


@njit(cache=True)
def bullington_profile(d_km: np.ndarray, h_m: np.ndarray, hts_m: float, hrs_m: float, ce: float,
                       lam_m: float) -> float:
    """Bullington loss Lbull of a whole profile (P.1812 Eqs 12-21).

    ``d_km`` and ``h_m`` are the profile (first point the transmitter, last the receiver); only the
    intermediate points are used as obstacles. ``hts_m``, ``hrs_m`` are antenna heights a.m.s.l. (or
    above the smooth surface for Lbulls, with ``h_m`` all zero); ``ce`` = 1 / effective earth radius.
    """
    n = d_km.size
    d = d_km[n - 1]
    stim = -1.0e30
    for i in range(1, n - 1):
        di = d_km[i]
        s = (h_m[i] + 500.0 * ce * di * (d - di) - hts_m) / di
        stim = max(stim, s)
    str_ = (hrs_m - hts_m) / d
    if stim < str_:
        numax = -1.0e30
        for i in range(1, n - 1):
            numax = max(numax, nu_at(h_m[i], d_km[i], d, hts_m, hrs_m, ce, lam_m))
        luc = knife_edge_loss(numax)
    else:
        srim = -1.0e30
        for i in range(1, n - 1):
            di = d_km[i]
            s = (h_m[i] + 500.0 * ce * di * (d - di) - hrs_m) / (d - di)
            srim = max(srim, s)
        luc = knife_edge_loss(nu_breakpoint(stim, srim, hts_m, hrs_m, d, lam_m))
    return bullington_finish(luc, d)
