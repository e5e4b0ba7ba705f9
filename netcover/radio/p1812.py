"""ITU-R P.1812-6 basic transmission loss along one terrain profile (diffraction and line of sight).

:func:`p1812_profile_loss` computes, for one transmitter-receiver profile, the free-space and
line-of-sight losses (Section 4.2), the delta-Bullington diffraction loss for the median and for the
beta0 effective earth radius and its interpolation to p % time (Section 4.3; or, as an option, the
three-edge Deygout loss of :mod:`netcover.radio.deygout` in its place), the resulting
diffraction-path losses Lbd50 and Lbd, troposcatter (Section 4.4,
:mod:`netcover.radio.troposcatter`), ducting / layer reflection (Section 4.5) and their combination
Lb (Section 4.6). Not modelled: location variability (Lb is the 50 % locations value), building
entry loss, and the profile-free Lbulls of Attachment 4.

Equation numbers are those of Recommendation ITU-R P.1812-6 (Annex 1 and its Attachment 1), as also
used in the logs of the ITU validation set. Units: km, m, GHz, dB, mrad.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from netcover.config.radio import DIFFRACTIONS, POLARISATIONS, Diffraction, Polarisation
from netcover.errors import ModelError
from netcover.radio._diffraction import (
    POL_HORIZONTAL,
    POL_VERTICAL,
    WAVELENGTH_M_GHZ,
    bullington_profile,
    delta_bullington_loss,
    max_nu_index,
    spherical_earth_loss,
)
from netcover.radio.basic import effective_earth_radius_km, p1812_free_space_loss
from netcover.radio.deygout import MAX_EDGES, delta_deygout_loss
from netcover.radio.troposcatter import diffraction_troposcatter_loss, troposcatter_loss

__all__ = [
    "A_BETA_KM", "DEFAULT_PHI_DEG", "EARTH_RADIUS_KM", "ZONE_COASTAL", "ZONE_INLAND", "ZONE_SEA",
    "beta0_percent", "inverse_complementary_normal", "p1812_profile_loss", "path_centre_latitude",
]

#: Earth radius (km) of P.1812 and the effective radius exceeded for beta0 % time (k_beta = 3, Eq 7b).
EARTH_RADIUS_KM = 6371.0
A_BETA_KM = 3.0 * EARTH_RADIUS_KM

#: Radio-climatic zone codes (P.1812 Table 2): sea, coastal land, inland.
ZONE_SEA = 1
ZONE_COASTAL = 3
ZONE_INLAND = 4

#: Path-centre latitude used for beta0 when none is given: Quản Bạ district, Hà Giang (about 23.1 N).
DEFAULT_PHI_DEG = 23.1

F_MIN_GHZ, F_MAX_GHZ = 0.03, 6.0
P_MIN, P_MAX = 1.0, 50.0
H_MIN_M, H_MAX_M = 1.0, 3000.0


def _fail(msg: str) -> None:
    raise ModelError(msg)


def _as_profile(name: str, values: ArrayLike | None, n: int, default: float) -> NDArray[np.float64]:
    """Return ``values`` as a float array of length ``n`` (``default`` everywhere when None)."""
    if values is None:
        return np.full(n, default, dtype=np.float64)
    arr = np.asarray(values, dtype=np.float64)
    if arr.shape != (n,):
        _fail(f"P.1812: {name} has shape {arr.shape}, expected ({n},) like d_km")
    if not np.all(np.isfinite(arr)):
        _fail(f"P.1812: {name} contains NaN or infinite values; fill the gaps in the profile")
    return arr


def _validate(d: NDArray[np.float64], h: NDArray[np.float64], htg: float, hrg: float, f_ghz: float,
              p: float, pol: str, delta_n: float, diffraction: str) -> None:
    """Raise :class:`ModelError` naming the first input outside the domain of P.1812."""
    if d.ndim != 1 or d.shape != h.shape:
        _fail(f"P.1812: d_km {d.shape} and h_m {h.shape} must be 1-D arrays of the same length")
    if d.size < 3:
        _fail(f"P.1812: the profile has {d.size} points; at least 3 (two terminals and one "
              "intermediate point) are needed")
    if not (np.all(np.isfinite(d)) and np.all(np.isfinite(h))):
        _fail("P.1812: d_km and h_m must not contain NaN or infinite values")
    if d[0] != 0.0:
        _fail(f"P.1812: d_km[0] = {d[0]} must be 0 (distances are measured from the transmitter)")
    if np.any(np.diff(d) <= 0.0):
        _fail("P.1812: d_km must be strictly increasing (one height per distance)")
    if not F_MIN_GHZ <= f_ghz <= F_MAX_GHZ:
        _fail(f"P.1812: f_ghz = {f_ghz} is outside the model's range [{F_MIN_GHZ}, {F_MAX_GHZ}] GHz")
    if not P_MIN <= p <= P_MAX:
        _fail(f"P.1812: p = {p} % is outside the model's range [{P_MIN}, {P_MAX}] % of time")
    for name, value in (("htg_m", htg), ("hrg_m", hrg)):
        if not H_MIN_M <= value <= H_MAX_M:
            _fail(f"P.1812: {name} = {value} is outside the model's range [{H_MIN_M}, {H_MAX_M}] m "
                  "above ground")
    if pol not in POLARISATIONS:
        _fail(f"P.1812: pol = {pol!r} is not one of {POLARISATIONS}")
    if not 0.0 <= delta_n < 157.0:
        _fail(f"P.1812: delta_n = {delta_n} N-units/km must be in [0, 157)")
    if diffraction not in DIFFRACTIONS:
        _fail(f"P.1812: diffraction = {diffraction!r} is not one of {DIFFRACTIONS}")


def _zone_lengths(d: NDArray[np.float64]) -> NDArray[np.float64]:
    """Length of path each profile point stands for: half the gaps to its neighbours (ends: one half)."""
    mid = 0.5 * (d[1:] + d[:-1])
    edges = np.concatenate(([d[0]], mid, [d[-1]]))
    return np.diff(edges)


def _longest_run(mask: NDArray[np.bool_], lengths: NDArray[np.float64]) -> float:
    """Longest continuous path section (km) made of points where ``mask`` is true."""
    if not mask.any():
        return 0.0
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    steps = np.diff(padded)
    starts = np.flatnonzero(steps == 1)
    stops = np.flatnonzero(steps == -1)
    csum = np.concatenate(([0.0], np.cumsum(lengths)))
    return float(np.max(csum[stops] - csum[starts]))


def beta0_percent(phi_deg: float, dtm_km: float, dlm_km: float) -> float:
    """Time percentage beta0 for which refractivity gradients exceed 100 N/km (P.1812 Eqs 2-5)."""
    tau = 1.0 - math.exp(-4.12e-4 * dlm_km**2.41)
    mu1 = (10.0 ** (-dtm_km / (16.0 - 6.6 * tau)) + 10.0 ** (-5.0 * (0.496 + 0.354 * tau))) ** 0.2
    mu1 = min(mu1, 1.0)
    lat = abs(phi_deg)
    if lat <= 70.0:
        mu4 = 10.0 ** ((-0.935 + 0.0176 * lat) * math.log10(mu1))
        return 10.0 ** (-0.015 * lat + 1.67) * mu1 * mu4
    mu4 = 10.0 ** (0.3 * math.log10(mu1))
    return 4.17 * mu1 * mu4


def inverse_complementary_normal(x: float) -> float:
    """I(x), the inverse complementary cumulative normal distribution (P.1812 Attachment 2).

    Accurate to 0.00054 for 1e-6 <= x <= 0.5; symmetric beyond 0.5.
    """
    x = min(max(x, 1e-6), 1.0 - 1e-6)
    y = x if x <= 0.5 else 1.0 - x
    t = math.sqrt(-2.0 * math.log(y))
    xi = ((0.010328 * t + 0.802853) * t + 2.515516698) / (
        ((0.001308 * t + 0.189269) * t + 1.432788) * t + 1.0)
    value = t - xi
    return value if x <= 0.5 else -value


def path_centre_latitude(phi_t_deg: float, lam_t_deg: float, phi_r_deg: float, lam_r_deg: float,
                         d_km: float | None = None) -> float:
    """Latitude (deg) of the path centre on the great circle from transmitter to receiver (Eq 4).

    The centre is ``d_km / 2`` from the transmitter towards the receiver (P.2001 Attachment H), with
    ``d_km`` the profile length; None: half the great-circle distance between the stations.
    """
    pt, pr = math.radians(phi_t_deg), math.radians(phi_r_deg)
    dlon = math.radians(lam_r_deg - lam_t_deg)
    cos_c = math.sin(pt) * math.sin(pr) + math.cos(pt) * math.cos(pr) * math.cos(dlon)
    central = math.acos(min(max(cos_c, -1.0), 1.0))
    half = central / 2.0 if d_km is None else 0.5 * d_km / EARTH_RADIUS_KM
    bearing = math.atan2(math.cos(pt) * math.cos(pr) * math.sin(dlon),
                         math.sin(pr) - cos_c * math.sin(pt))
    s = math.sin(pt) * math.cos(half) + math.cos(pt) * math.sin(half) * math.cos(bearing)
    return math.degrees(math.asin(min(max(s, -1.0), 1.0)))


def _smooth_surface(d: NDArray[np.float64], h: NDArray[np.float64], hts: float,
                    hrs: float) -> tuple[float, float, float, float]:
    """Least-squares smooth-earth heights (Eqs 85-88) and those for the diffraction model (Eqs 89-91).

    Returns (hst, hsr, hstd, hsrd) in m a.m.s.l.
    """
    dd = np.diff(d)
    v1 = float(np.sum(dd * (h[1:] + h[:-1])))
    v2 = float(np.sum(dd * (h[1:] * (2.0 * d[1:] + d[:-1]) + h[:-1] * (d[1:] + 2.0 * d[:-1]))))
    dtot = d[-1]
    hst = (2.0 * v1 * dtot - v2) / dtot**2
    hsr = (v2 - v1 * dtot) / dtot**2
    di = d[1:-1]
    obstacle = h[1:-1] - (hts * (dtot - di) + hrs * di) / dtot
    hobs = float(obstacle.max())
    hstp, hsrp = hst, hsr
    if hobs > 0.0:
        alpha_t = float(np.max(obstacle / di))
        alpha_r = float(np.max(obstacle / (dtot - di)))
        hstp = hst - hobs * alpha_t / (alpha_t + alpha_r)
        hsrp = hsr - hobs * alpha_r / (alpha_t + alpha_r)
    return hst, hsr, min(hstp, float(h[0])), min(hsrp, float(h[-1]))


def _horizons(d: NDArray[np.float64], h: NDArray[np.float64], hts: float, hrs: float, ae: float,
              lam: float) -> tuple[bool, float, float, float, float, int, int]:
    """Horizon angles (mrad) and distances (km) of both terminals (Attachment 1, Section 4).

    Returns (los, theta_t, theta_r, dlt, dlr, i_t, i_r) with i_t, i_r the horizon point indices.
    """
    dtot = d[-1]
    di = d[1:-1]
    hi = h[1:-1]
    theta_i = 1000.0 * np.arctan((hi - hts) / (1000.0 * di) - di / (2.0 * ae))
    theta_td = 1000.0 * math.atan((hrs - hts) / (1000.0 * dtot) - dtot / (2.0 * ae))
    theta_rd = 1000.0 * math.atan((hts - hrs) / (1000.0 * dtot) - dtot / (2.0 * ae))
    theta_max = float(theta_i.max())
    if theta_max > theta_td:
        i_t = int(np.argmax(theta_i)) + 1
        dr = dtot - di
        theta_j = 1000.0 * np.arctan((hi - hrs) / (1000.0 * dr) - dr / (2.0 * ae))
        i_r = theta_j.size - int(np.argmax(theta_j[::-1]))  # last maximum, as a profile index
        return False, theta_max, float(theta_j.max()), float(d[i_t]), float(dtot - d[i_r]), i_t, i_r
    i_t = int(max_nu_index(d, h, hts, hrs, 1.0 / ae, lam))
    dlt = float(d[i_t])
    return True, theta_td, theta_rd, dlt, dtot - dlt, i_t, i_t


def _delta_bullington(d: NDArray[np.float64], g: NDArray[np.float64], hts: float, hrs: float,
                      hstd: float, hsrd: float, ap: float, f_ghz: float, pol: int,
                      omega: float) -> tuple[float, float, float, float]:
    """Delta-Bullington loss for effective earth radius ``ap`` (Section 4.3.4, Eqs 37-39).

    Returns (Ld, Lbulla, Lbulls, Ldsph).
    """
    lam = WAVELENGTH_M_GHZ / f_ghz
    ce = 1.0 / ap
    lbulla = bullington_profile(d, g, hts, hrs, ce, lam)
    htc, hrc = hts - hstd, hrs - hsrd
    lbulls = bullington_profile(d, np.zeros_like(g), htc, hrc, ce, lam)
    ldsph = spherical_earth_loss(float(d[-1]), htc, hrc, ap, f_ghz, pol, omega)
    return delta_bullington_loss(lbulla, lbulls, ldsph), lbulla, lbulls, ldsph


def _delta_deygout(d: NDArray[np.float64], g: NDArray[np.float64], hts: float, hrs: float,
                   hstd: float, hsrd: float, ap: float, f_ghz: float, pol: int,
                   omega: float) -> tuple[float, float, float, float]:
    """Deygout loss with the spherical-earth correction for radius ``ap`` in place of Eq 39.

    Returns (Ld, Ldeyga, Ldeygs, Ldsph); see :func:`netcover.radio.deygout.delta_deygout_loss`.
    """
    ld, la, ls, lsph = delta_deygout_loss(d, g, hts, hrs, hstd, hsrd, ap, f_ghz, pol, omega,
                                          MAX_EDGES)
    return float(ld), float(la), float(ls), float(lsph)


def _anomalous_loss(d: float, dlt: float, dlr: float, dct: float, dcr: float, dlm: float,
                    hts: float, hrs: float, hte: float, hre: float, hm: float, theta_t: float,
                    theta_r: float, f: float, p: float, omega: float, ae: float,
                    b0: float) -> float:
    """Basic transmission loss Lba of ducting / layer reflection (Section 4.5, Eqs 46-56)."""
    alf = 45.375 - 137.0 * f + 92.5 * f * f if f < 0.5 else 0.0
    site = 0.0  # site-shielding losses Ast + Asr (Eq 48)
    for theta, dl in ((theta_t, dlt), (theta_r, dlr)):
        th2 = theta - 0.1 * dl
        if th2 > 0.0:
            site += (20.0 * math.log10(1.0 + 0.361 * th2 * math.sqrt(f * dl))
                     + 0.264 * th2 * f ** (1.0 / 3.0))
    coupling = 0.0  # over-sea surface-duct coupling Act + Acr (Eq 49)
    for dc, dl, hs in ((dct, dlt, hts), (dcr, dlr, hrs)):
        if omega >= 0.75 and dc <= dl and dc <= 5.0:
            coupling += -3.0 * math.exp(-0.25 * dc * dc) * (1.0 + math.tanh(0.07 * (50.0 - hs)))
    a_f = 102.45 + 20.0 * math.log10(f) + 20.0 * math.log10(dlt + dlr) + alf + site + coupling
    gamma_d = 5e-5 * ae * f ** (1.0 / 3.0)
    theta1 = 1000.0 * d / ae + min(theta_t, 0.1 * dlt) + min(theta_r, 0.1 * dlr)
    d_i = min(d - dlt - dlr, 40.0)
    mu3 = math.exp(-4.6e-5 * (hm - 10.0) * (43.0 + 6.0 * d_i)) if hm > 10.0 else 1.0
    tau = 1.0 - math.exp(-4.12e-4 * dlm**2.41)
    alpha = max(-0.6 - 3.5e-9 * d**3.1 * tau, -3.4)
    mu2 = min((500.0 / ae * d * d / (math.sqrt(hte) + math.sqrt(hre)) ** 2) ** alpha, 1.0)
    beta = b0 * mu2 * mu3
    lb = math.log10(beta)
    gamma = 1.076 / (2.0058 - lb) ** 1.012 * math.exp(
        -(9.51 - 4.8 * lb + 0.198 * lb * lb) * 1e-6 * d**1.13)
    a_p = -12.0 + (1.2 + 3.7e-3 * d) * math.log10(p / beta) + 12.0 * (p / beta) ** gamma
    return a_f + gamma_d * theta1 + a_p


def _combine(r: dict[str, float], p: float) -> dict[str, float]:
    """Blend line of sight, diffraction, ducting and troposcatter into Lb (Section 4.6, Eqs 57-69)."""
    f_j = 1.0 - 0.5 * (1.0 + math.tanh(3.0 * 0.8 * (r["theta"] - 0.3) / 0.3))
    f_k = 1.0 - 0.5 * (1.0 + math.tanh(3.0 * 0.5 * (r["d"] - 20.0) / 20.0))
    sea_free = (1.0 - r["omega"]) * r["Ldp"]
    if p < r["b0"]:
        lminb0p = r["Lb0p"] + sea_free
    else:
        lminb0p = r["Lbd50"] + (r["Lb0b"] + sea_free - r["Lbd50"]) * r["Fi"]
    eta = 2.5
    lminbap = eta * float(np.logaddexp(r["Lba"] / eta, r["Lb0p"] / eta))
    lbd = r["Lbd"]
    lbda = lminbap + (lbd - lminbap) * f_k if lminbap <= lbd else lbd
    lbam = lbda + (lminb0p - lbda) * f_j
    lbc = -5.0 * math.log10(10.0 ** (-0.2 * r["Lbs"]) + 10.0 ** (-0.2 * lbam))
    return {"Fj": f_j, "Fk": f_k, "Lminb0p": lminb0p, "Lminbap": lminbap, "Lbda": lbda,
            "Lbam": lbam, "Lbc": lbc, "Lb": max(r["Lb0p"], lbc)}


def p1812_profile_loss(d_km: ArrayLike, h_m: ArrayLike, htg_m: float, hrg_m: float, f_ghz: float,
                       *, pol: Polarisation = "vertical", p: float = 50.0, delta_n: float = 45.0,
                       n0: float = 325.0, r_m: ArrayLike | None = None,
                       zone: ArrayLike | None = None,
                       phi_deg: float | None = None, dct_km: float | None = None,
                       dcr_km: float | None = None,
                       diffraction: Diffraction = "bullington") -> dict[str, float]:
    """P.1812-6 basic transmission losses of one path profile, by mechanism and combined.

    Parameters
    ----------
    d_km : array_like
        Distances of the profile points from the transmitter (km), strictly increasing, first 0.
    h_m : array_like
        Ground heights a.m.s.l. of the profile points (m).
    htg_m, hrg_m : float
        Transmitter and receiver antenna heights above ground (m), 1-3000.
    f_ghz : float
        Frequency (GHz), 0.03-6.
    pol : {"vertical", "horizontal"}
        Polarisation.
    p : float
        Time percentage (1-50) for which the loss is not exceeded.
    delta_n : float
        Average refractivity lapse rate through the lowest 1 km (N-units/km), gives ae (Eq 7a).
    n0 : float
        Sea-level surface refractivity (N-units), used by the troposcatter loss only.
    r_m : array_like, optional
        Representative clutter height per point (m), added to the terrain at the intermediate points
        for the Bullington calculation (Section 3.2). None: no clutter.
    zone : array_like, optional
        Radio-climatic zone per point: 1 sea, 3 coastal land, 4 inland. None: all inland.
    phi_deg : float, optional
        Path-centre latitude (deg) for beta0 (Eq 5); see :func:`path_centre_latitude`. None: 23.1
        (:data:`DEFAULT_PHI_DEG`, Quản Bạ district).
    dct_km, dcr_km : float, optional
        Distance over land from the transmitter / receiver to the coast (km), used by the ducting
        model only. None: 0 for a terminal in zone 1 (at sea), else 500 km (far inland).
    diffraction : {"bullington", "deygout"}
        How the terrain diffraction losses Ld50 and Ldb are computed: ``"bullington"`` (default) the
        delta-Bullington model of Section 4.3; ``"deygout"`` the Deygout construction of up to three
        edges with the same spherical-earth correction (:mod:`netcover.radio.deygout`), more loss
        behind several ridges. Free space, troposcatter, ducting and their combination are the same.

    Returns
    -------
    dict[str, float]
        ``Lbfs`` free-space loss (Eq 8); ``Lb0p``, ``Lb0b`` line-of-sight loss for p % and beta0 % time
        (Eqs 10-11); ``Lbulla``, ``Lbulls``, ``Ldsph`` the delta-Bullington terms with the median
        radius ae and ``Lbulla_b``, ``Lbulls_b``, ``Ldsph_b`` with a_beta = 3 x 6371 km (with
        ``diffraction="deygout"``: ``Ldeyga``, ``Ldeygs``, ``Ldeyga_b``, ``Ldeygs_b`` in place of the
        Bullington terms); ``Ld50``, ``Ldb`` the diffraction losses for ae and a_beta (Eq 39);
        ``Fi`` (Eq 40); ``Ldp`` (Eq 41);
        ``Lbd50`` = Lbfs + Ld50 (Eq 42); ``Lbd`` = Lb0p + Ldp (Eq 43); ``Lbs`` troposcatter (Eq 44);
        ``Lba`` ducting / layer reflection (Eq 46); ``Fj``, ``Fk``, ``Lminb0p``, ``Lminbap``,
        ``Lbda``, ``Lbam``, ``Lbc`` (Eqs 57-63) and ``Lb`` = max(Lb0p, Lbc), the basic transmission
        loss not exceeded for p % time at 50 % of locations, outdoors (Eq 69 with Lloc = 0);
        ``Lb_noduct`` the same without ducting (:func:`diffraction_troposcatter_loss` of Lbd and Lbs,
        what the area engine computes).
        Intermediates: ``d``, ``ae``, ``a_beta``, ``omega``, ``dtm``, ``dlm``, ``b0``, ``hts``,
        ``hrs``, ``hst``, ``hsr``, ``hstd``, ``hsrd``, ``htc``, ``hrc`` (effective heights for the
        diffraction model, Eq 37), ``hte``, ``hre``, ``hm`` (ducting model, Eqs 92-93), ``theta_t``,
        ``theta_r``, ``theta`` (mrad), ``dlt``, ``dlr``, ``dct``, ``dcr`` and ``los`` (1.0 line of
        sight, else 0.0).

    Raises
    ------
    ModelError
        If an input is outside the domain of the model or the profile is malformed.
    """
    d = np.asarray(d_km, dtype=np.float64)
    h = np.asarray(h_m, dtype=np.float64)
    htg, hrg, f = float(htg_m), float(hrg_m), float(f_ghz)
    _validate(d, h, htg, hrg, f, float(p), pol, float(delta_n), diffraction)
    n = d.size
    r = _as_profile("r_m", r_m, n, 0.0)
    zones = _as_profile("zone", zone, n, float(ZONE_INLAND))
    if not np.all(np.isin(zones, (ZONE_SEA, ZONE_COASTAL, ZONE_INLAND))):
        _fail("P.1812: zone may only contain 1 (sea), 3 (coastal land) or 4 (inland)")
    phi = DEFAULT_PHI_DEG if phi_deg is None else float(phi_deg)
    pol_code = POL_VERTICAL if pol == "vertical" else POL_HORIZONTAL

    dtot = float(d[-1])
    lam = WAVELENGTH_M_GHZ / f
    ae = effective_earth_radius_km(delta_n)
    lengths = _zone_lengths(d)
    omega = float(np.sum(lengths[zones == ZONE_SEA])) / dtot
    dtm = _longest_run(zones != ZONE_SEA, lengths)
    dlm = _longest_run(zones == ZONE_INLAND, lengths)
    b0 = beta0_percent(phi, dtm, dlm)

    hts, hrs = htg + float(h[0]), hrg + float(h[-1])
    g = h + r
    g[0], g[-1] = h[0], h[-1]
    hst, hsr, hstd, hsrd = _smooth_surface(d, h, hts, hrs)
    los, theta_t, theta_r, dlt, dlr, i_t, i_r = _horizons(d, h, hts, hrs, ae, lam)
    theta = 1000.0 * dtot / ae + theta_t + theta_r

    # Line of sight with multipath / focusing corrections (Eqs 8-11).
    lbfs = float(p1812_free_space_loss(math.hypot(dtot, (hts - hrs) / 1000.0), f))
    es = 2.6 * (1.0 - math.exp(-0.1 * (dlt + dlr)))
    lb0p = lbfs + es * math.log10(p / 50.0)
    lb0b = lbfs + es * math.log10(b0 / 50.0)

    # Delta-Bullington (or Deygout) diffraction for ae and a_beta, interpolated to p % (Eqs 37-43).
    method, name = ((_delta_bullington, "Lbull") if diffraction == "bullington"
                    else (_delta_deygout, "Ldeyg"))
    ld50, l_a, l_s, ldsph = method(d, g, hts, hrs, hstd, hsrd, ae, f, pol_code, omega)
    ldb, l_a_b, l_s_b, ldsph_b = method(d, g, hts, hrs, hstd, hsrd, A_BETA_KM, f, pol_code, omega)
    if p >= 50.0:
        fi = 0.0
    elif p > b0:
        fi = inverse_complementary_normal(p / 100.0) / inverse_complementary_normal(b0 / 100.0)
    else:
        fi = 1.0
    ldp = ld50 + fi * (ldb - ld50)

    # Troposcatter (Eqs 44-45) and ducting / layer reflection (Eqs 46-56).
    lbs = float(troposcatter_loss(dtot, theta, f, n0=float(n0), p=float(p)))

    # Effective heights and roughness of the ducting model (Eqs 92-93).
    hst_c, hsr_c = min(hst, float(h[0])), min(hsr, float(h[-1]))
    hte, hre = htg + float(h[0]) - hst_c, hrg + float(h[-1]) - hsr_c
    slope = (hsr_c - hst_c) / dtot
    seg = slice(min(i_t, i_r), max(i_t, i_r) + 1)
    hm = float(np.max(h[seg] - (hst_c + slope * d[seg])))
    dct = (0.0 if zones[0] == ZONE_SEA else 500.0) if dct_km is None else float(dct_km)
    dcr = (0.0 if zones[-1] == ZONE_SEA else 500.0) if dcr_km is None else float(dcr_km)
    lba = _anomalous_loss(dtot, dlt, dlr, dct, dcr, dlm, hts, hrs, hte, hre, hm, theta_t, theta_r,
                          f, float(p), omega, ae, b0)

    result = {
        "d": dtot, "ae": ae, "a_beta": A_BETA_KM, "omega": omega, "dtm": dtm, "dlm": dlm, "b0": b0,
        "phi": phi, "hts": hts, "hrs": hrs, "hst": hst, "hsr": hsr, "hstd": hstd, "hsrd": hsrd,
        "htc": hts - hstd, "hrc": hrs - hsrd, "hte": hte, "hre": hre, "hm": hm,
        "theta_t": theta_t, "theta_r": theta_r, "theta": theta, "dlt": dlt, "dlr": dlr,
        "dct": dct, "dcr": dcr, "los": 1.0 if los else 0.0,
        "Lbfs": lbfs, "Lb0p": lb0p, "Lb0b": lb0b,
        f"{name}a": l_a, f"{name}s": l_s, "Ldsph": ldsph,  # name: Lbull or Ldeyg
        f"{name}a_b": l_a_b, f"{name}s_b": l_s_b, "Ldsph_b": ldsph_b,
        "Ld50": ld50, "Ldb": ldb, "Fi": fi, "Ldp": ldp,
        "Lbd50": lbfs + ld50, "Lbd": lb0p + ldp, "Lbs": lbs, "Lba": lba,
    }
    result.update(_combine(result, float(p)))
    result["Lb_noduct"] = float(diffraction_troposcatter_loss(lb0p, lb0p + ldp, lbs))
    return result
