"""Rain and multipath outage of a line-of-sight hop, ITU-R P.530-18 (09/2021).

The kernels of the Recommendation a planning tool needs, numpy in and numpy out:

- rain (§2.4.1): ``A_0.01 = gamma_R(R_0.01) * d * r`` with the distance factor ``r`` of step 3
  (``gamma_R`` from ITU-R P.838-3, :mod:`netcover.radio.p838`), scaled to other percentages of time
  by the frequency-dependent power law of step 5; the latitude laws of earlier editions (one for
  latitudes >= 30 deg, one below, Vietnam's case) are kept as ``law="latitude"``;
- multipath (§2.3.1 and §2.3.2): the geoclimatic factor ``K`` from ``dN1`` and ``s_a``, the path
  inclination, the multipath occurrence factor ``p0`` (detailed method, equation 7, or the quick
  method, equation 8, when ``s_a`` is unknown), the percentage of the average worst month a fade
  depth is exceeded (all percentages of time) and its inverse, and the conversion to an average
  year (§2.3.5);
- :func:`availability`: the annual unavailability of a hop with a given fade margin and
  :func:`required_fade_margin_db` for a target availability (:func:`outage_percent` and
  :func:`required_fade_margins_db`: the same for many hops at once).

Combination (an assumption stated on every figure): P.530 §8 counts rain outages towards
unavailability and multipath outages towards performance (errored seconds); a planning tool that
has one number to meet sums the two annual percentages, which is conservative (the events rarely
coincide). Diversity, cross-polarisation and the dispersive (wideband) outage are not modelled.

No map of the Recommendations can be shipped (P.837 rain rates, P.453 refractivity gradients, the
P.530 ``s_a`` map): :data:`NORTHERN_VIETNAM` holds documented defaults for the sample district and a
scenario overrides them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from netcover.errors import ModelError
from netcover.radio.p838 import k_alpha

__all__ = [
    "EDITION", "MAX_MARGIN_DB", "NORTHERN_VIETNAM", "Availability", "HopClimate", "availability",
    "distance_factor", "geoclimatic_factor", "multipath_exceedance_percent",
    "multipath_fade_depth_db", "multipath_occurrence_percent", "outage_percent",
    "path_inclination_mrad", "rain_attenuation_db", "rain_exceedance_percent",
    "required_fade_margin_db", "required_fade_margins_db", "worst_month_to_annual_percent",
]

EDITION = "ITU-R P.530-18 (09/2021)"

_F64 = NDArray[np.float64]


@dataclass(frozen=True)
class HopClimate:
    """Climate and terrain inputs of the P.530 predictions for one region.

    Attributes
    ----------
    r001_mm_h : float
        Rain rate exceeded for 0.01% of an average year, 1-minute integration (ITU-R P.837), mm/h.
    dn1 : float
        Point refractivity gradient in the lowest 65 m not exceeded for 1% of an average year
        (ITU-R P.453), N-units/km (negative).
    s_a_m : float or None
        Area terrain roughness, m: the standard deviation of terrain heights within a 110 km x
        110 km area at 30" resolution. ``None`` selects the quick multipath method (equation 8).
    latitude_deg : float
        Latitude of the hop, degrees (north positive): the worst-month to annual conversion and the
        legacy rain law use it.
    polarisation : str or float
        "vertical", "horizontal", "circular" or a tilt angle in degrees (ITU-R P.838-3).
    """

    r001_mm_h: float = 100.0
    dn1: float = -176.0
    s_a_m: float | None = 250.0
    latitude_deg: float = 23.1
    polarisation: str | float = "vertical"


NORTHERN_VIETNAM = HopClimate(r001_mm_h=73.0)
"""Defaults for Quản Bạ (about 23.1 N, 105.0 E), each a stated assumption.

- ``r001_mm_h = 73``: R0.01 by ITU-R P.837-7 Annex 1 at 23.1 N, 105.0 E (72.9 mm/h; the source and
  neighbouring values are in :mod:`netcover.config.microwave`). The rain margin scales about as
  ``R^0.9`` at 15 GHz: a scenario elsewhere sets the value for its own coordinates.
- ``dn1 = -176``: the ITU-R P.453 dN1 map (0.75 deg grid, as distributed with ITU-Rpy, MIT licence)
  interpolated at 23.1 N, 104.98 E.
- ``s_a_m = 250``: a rough standard deviation of heights over the 110 km square around the karst
  district (1000-2000 m of relief; P.530's ``s_a`` map is not shipped). ``K`` varies as
  ``(10 + s_a)^-0.46``: 150 m or 400 m change it by +26% / -20%.
- vertical polarisation: less rain attenuation than horizontal at 10-30 GHz.
"""


def _positive(name: str, value: ArrayLike) -> _F64:
    arr = np.asarray(value, dtype=np.float64)
    if np.any(~np.isfinite(arr)) or np.any(arr <= 0.0):
        msg = f"{name} must be finite and > 0, got {value!r}"
        raise ModelError(msg)
    return arr


# --- rain, §2.4.1 -------------------------------------------------------------------------------


def distance_factor(d_km: ArrayLike, freq_ghz: ArrayLike, *, r001_mm_h: ArrayLike,
                    alpha: ArrayLike) -> _F64:
    """Distance factor ``r`` of P.530-18 §2.4.1 step 3 (the effective path length is ``r d``).

    ``r = 1 / (0.477 d^0.633 R^(0.073 alpha) f^0.123 - 10.579 (1 - exp(-0.024 d)))``, at most 2.5
    (the Recommendation's cap, reached on short hops and where the denominator is <= 0).
    """
    d = _positive("hop length d_km", d_km)
    f = _positive("frequency", freq_ghz)
    rate = _positive("rain rate R0.01", r001_mm_h)
    a = np.asarray(alpha, dtype=np.float64)
    denom = (0.477 * d ** 0.633 * rate ** (0.073 * a) * f ** 0.123
             - 10.579 * (1.0 - np.exp(-0.024 * d)))
    with np.errstate(divide="ignore"):
        r = np.where(denom > 0.0, 1.0 / np.where(denom > 0.0, denom, 1.0), np.inf)
    return np.asarray(np.minimum(r, 2.5), dtype=np.float64)


def _rain_law(freq_ghz: _F64, law: str, latitude_deg: float) -> tuple[_F64, _F64, _F64]:
    """(C1, C2, C3) of ``A_p / A_0.01 = C1 p^-(C2 + C3 log10 p)``.

    "frequency" is P.530-18 step 5: ``C0 = 0.12 + 0.4 (log10(f/10))^0.8`` above 10 GHz (read with the
    exponent on the logarithm, as in ITU-Rpy), 0.12 below. "latitude" is the law of earlier
    editions: C0 = 0 (0.12, 0.546, 0.043) below 30 deg of latitude, C0 = 1 (0.07, 0.855, 0.139) at
    30 deg and above.
    """
    if law == "frequency":
        c0 = np.where(freq_ghz >= 10.0,
                      0.12 + 0.4 * np.log10(np.maximum(freq_ghz, 10.0) / 10.0) ** 0.8, 0.12)
    elif law == "latitude":
        c0 = np.full_like(freq_ghz, 1.0 if abs(latitude_deg) >= 30.0 else 0.0)
    else:
        msg = f"unknown rain scaling law {law!r}: use 'frequency' (P.530-18) or 'latitude'"
        raise ModelError(msg)
    c1 = 0.07 ** c0 * 0.12 ** (1.0 - c0)
    c2 = 0.855 * c0 + 0.546 * (1.0 - c0)
    c3 = 0.139 * c0 + 0.043 * (1.0 - c0)
    return c1, c2, c3


def _a001(d_km: ArrayLike, freq_ghz: ArrayLike, climate: HopClimate) -> tuple[_F64, _F64]:
    """``A_0.01`` (dB) and the frequency array."""
    f = _positive("frequency", freq_ghz)
    k, alpha = k_alpha(f, polarisation=climate.polarisation)
    rate = _positive("rain rate R0.01", climate.r001_mm_h)
    r = distance_factor(d_km, f, r001_mm_h=rate, alpha=alpha)
    return np.asarray(k * rate ** alpha * np.asarray(d_km, dtype=np.float64) * r), f


def rain_attenuation_db(p_percent: ArrayLike, d_km: ArrayLike, freq_ghz: ArrayLike, *,
                        climate: HopClimate = NORTHERN_VIETNAM, law: str = "frequency") -> _F64:
    """Rain attenuation exceeded for ``p_percent`` of an average year, dB (P.530-18 §2.4.1).

    Parameters
    ----------
    p_percent : float or array_like
        Percentage of time, 0.001 to 1 (the range of the Recommendation; the power law is applied
        outside it as an extrapolation).
    d_km, freq_ghz : float or array_like
        Hop length (km) and frequency (GHz, 1-1000; P.530 gives the method for up to 100 GHz).
    climate : HopClimate, optional
        Rain rate R0.01, polarisation and latitude; default :data:`NORTHERN_VIETNAM`.
    law : {"frequency", "latitude"}, optional
        Scaling from 0.01% to ``p``: the current edition's (default) or the older latitude laws.

    Returns
    -------
    numpy.ndarray
        dB, broadcast shape of the inputs.
    """
    a001, f = _a001(d_km, freq_ghz, climate)
    c1, c2, c3 = _rain_law(f, law, climate.latitude_deg)
    x = np.log10(_positive("percentage of time", p_percent))
    return np.asarray(a001 * c1 * 10.0 ** (-(c2 + c3 * x) * x), dtype=np.float64)


def rain_exceedance_percent(a_db: ArrayLike, d_km: ArrayLike, freq_ghz: ArrayLike, *,
                            climate: HopClimate = NORTHERN_VIETNAM,
                            law: str = "frequency") -> _F64:
    """Percentage of an average year the rain attenuation exceeds ``a_db`` (inverse of
    :func:`rain_attenuation_db`).

    Solves ``C3 x^2 + C2 x + log10(A / (A_0.01 C1)) = 0`` for ``x = log10 p`` on the branch where the
    attenuation falls as ``p`` grows; beyond the law's turning point (astronomically rare
    attenuations) the turning point's percentage is returned. Capped at 100.
    """
    a001, f = _a001(d_km, freq_ghz, climate)
    c1, c2, c3 = _rain_law(f, law, climate.latitude_deg)
    ratio = np.log10(_positive("attenuation", a_db) / (a001 * c1))
    disc = np.maximum(c2 * c2 - 4.0 * c3 * ratio, 0.0)
    x = (-c2 + np.sqrt(disc)) / (2.0 * c3)
    return np.asarray(np.minimum(10.0 ** x, 100.0), dtype=np.float64)


# --- multipath, §2.3 ----------------------------------------------------------------------------


def geoclimatic_factor(dn1: ArrayLike, s_a_m: ArrayLike | None = None) -> _F64:
    """Geoclimatic factor ``K`` (P.530-18 §2.3.1 step 1).

    ``K = 10^(-4.4 - 0.0027 dN1) (10 + s_a)^-0.46`` (equation 4, detailed planning) or, when
    ``s_a_m`` is None, ``K = 10^(-4.6 - 0.0027 dN1)`` (equation 6, quick planning).
    """
    g = np.asarray(dn1, dtype=np.float64)
    if s_a_m is None:
        return np.asarray(10.0 ** (-4.6 - 0.0027 * g), dtype=np.float64)
    s_a = np.asarray(s_a_m, dtype=np.float64)
    if np.any(s_a < 0.0):
        msg = f"terrain roughness s_a must be >= 0 m, got {s_a_m!r}"
        raise ModelError(msg)
    return np.asarray(10.0 ** (-4.4 - 0.0027 * g) * (10.0 + s_a) ** -0.46, dtype=np.float64)


def path_inclination_mrad(h_e_m: ArrayLike, h_r_m: ArrayLike, d_km: ArrayLike) -> _F64:
    """Magnitude of the path inclination ``|h_r - h_e| / d``, mrad (equation 5; antenna heights in
    metres above sea level, ``d`` in km)."""
    d = _positive("hop length d_km", d_km)
    return np.asarray(np.abs(np.asarray(h_r_m, float) - np.asarray(h_e_m, float)) / d)


def multipath_occurrence_percent(d_km: ArrayLike, freq_ghz: ArrayLike, *, h_e_m: ArrayLike,
                                 h_r_m: ArrayLike,
                                 climate: HopClimate = NORTHERN_VIETNAM) -> _F64:
    """Multipath occurrence factor ``p0`` (%, average worst month), equation 7 or 8 with ``A = 0``.

    Detailed: ``p0 = K d^3.4 (1 + |eps_p|)^-1.03 f^0.8 10^(-0.00076 h_L)``; quick (``s_a_m`` None):
    ``p0 = K d^3.1 (1 + |eps_p|)^-1.29 f^0.8 10^(-0.00089 h_L)``, with ``h_L`` the altitude of the
    lower antenna (m above sea level). The fit was derived from hops of about 7.5-185 km and
    0.45-37 GHz: outside that range the figure is an extrapolation.
    """
    d = _positive("hop length d_km", d_km)
    f = _positive("frequency", freq_ghz)
    eps = path_inclination_mrad(h_e_m, h_r_m, d)
    h_l = np.minimum(np.asarray(h_e_m, float), np.asarray(h_r_m, float))
    k = geoclimatic_factor(climate.dn1, climate.s_a_m)
    if climate.s_a_m is None:
        p0 = k * d ** 3.1 * (1.0 + eps) ** -1.29 * f ** 0.8 * 10.0 ** (-0.00089 * h_l)
    else:
        p0 = k * d ** 3.4 * (1.0 + eps) ** -1.03 * f ** 0.8 * 10.0 ** (-0.00076 * h_l)
    return np.asarray(p0, dtype=np.float64)


def _shallow_pw(a_db: _F64, p0: _F64) -> _F64:
    """§2.3.2 step 3: the percentage below the transition depth ``A_t`` (shallow fading)."""
    a_t = 25.0 + 1.2 * np.log10(p0)
    p_t = p0 * 10.0 ** (-a_t / 10.0)
    qa_t = -20.0 * np.log10(-np.log1p(-p_t / 100.0)) / a_t
    q_t = ((qa_t - 2.0) / ((1.0 + 0.3 * 10.0 ** (-a_t / 20.0)) * 10.0 ** (-0.016 * a_t))
           - 4.3 * (10.0 ** (-a_t / 20.0) + a_t / 800.0))
    q_a = 2.0 + ((1.0 + 0.3 * 10.0 ** (-a_db / 20.0)) * 10.0 ** (-0.016 * a_db)
                 * (q_t + 4.3 * (10.0 ** (-a_db / 20.0) + a_db / 800.0)))
    return np.asarray(100.0 * (1.0 - np.exp(-(10.0 ** (-q_a * a_db / 20.0)))), dtype=np.float64)


def multipath_exceedance_percent(a_db: ArrayLike, p0_percent: ArrayLike) -> _F64:
    """Percentage of the average worst month fade depth ``a_db`` is exceeded (§2.3.2, all
    percentages of time).

    Deep fading (``A >= A_t = 25 + 1.2 log10 p0``): ``p_w = p0 10^(-A/10)``; shallower fades use the
    interpolation of step 3 between the deep-fading law and 100% at 0 dB.
    """
    a = np.asarray(a_db, dtype=np.float64)
    if np.any(a < 0.0):
        msg = f"fade depth must be >= 0 dB, got {a_db!r}"
        raise ModelError(msg)
    p0 = _positive("multipath occurrence factor p0", p0_percent)
    a_t = 25.0 + 1.2 * np.log10(p0)
    deep = p0 * 10.0 ** (-a / 10.0)
    with np.errstate(all="ignore"):
        shallow = _shallow_pw(np.maximum(a, 1e-9), np.broadcast_to(p0, np.broadcast(a, p0).shape))
    return np.asarray(np.where(a >= a_t, deep, shallow), dtype=np.float64)


def multipath_fade_depth_db(p_w_percent: ArrayLike, p0_percent: ArrayLike) -> _F64:
    """Fade depth exceeded for ``p_w_percent`` of the average worst month (inverse of
    :func:`multipath_exceedance_percent`, by bisection on the monotone curve; 0 dB when the
    percentage is at or above what a 0 dB fade gives)."""
    p_w = _positive("percentage of time", p_w_percent)
    p0 = _positive("multipath occurrence factor p0", p0_percent)
    p_w, p0 = np.broadcast_arrays(p_w, p0)
    lo = np.zeros(p_w.shape)
    # At and beyond max(A_t, 10 log10(p0 / p_w)) the deep law holds and is already <= p_w.
    hi = np.maximum(np.maximum(10.0 * np.log10(p0 / p_w), 25.0 + 1.2 * np.log10(p0)), 0.0) + 1.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        above = multipath_exceedance_percent(mid, p0) > p_w
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return np.asarray(0.5 * (lo + hi), dtype=np.float64)


def worst_month_to_annual_percent(p_w_percent: ArrayLike, d_km: ArrayLike, *,
                                  inclination_mrad: ArrayLike, latitude_deg: float) -> _F64:
    """Average-year percentage from an average-worst-month one (P.530-18 §2.3.5).

    ``p = p_w 10^(-dG/10)`` with ``dG = 10.5 - 5.6 log10(1.1 +- |cos 2 xi|^0.7) - 2.7 log10 d
    + 1.7 log10(1 + |eps_p|)`` dB, ``+`` for latitudes ``xi <= 45`` deg, ``-`` above, ``dG <= 10.8``.
    """
    d = _positive("hop length d_km", d_km)
    cos_term = np.abs(np.cos(np.deg2rad(2.0 * latitude_deg))) ** 0.7
    sign = 1.0 if abs(latitude_deg) <= 45.0 else -1.0
    dg = (10.5 - 5.6 * np.log10(1.1 + sign * cos_term) - 2.7 * np.log10(d)
          + 1.7 * np.log10(1.0 + np.asarray(inclination_mrad, float)))
    return np.asarray(np.asarray(p_w_percent, float) * 10.0 ** (-np.minimum(dg, 10.8) / 10.0))


# --- availability -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    """Outage of one hop with a given fade margin (percentages of an average year unless stated).

    ``total_percent = rain_percent + multipath_annual_percent`` (the stated simplification of the
    module docstring) and ``availability_percent = 100 - total_percent``.
    """

    fade_margin_db: float
    rain_percent: float
    multipath_worst_month_percent: float
    multipath_annual_percent: float
    total_percent: float
    availability_percent: float
    edition: str = EDITION


def outage_percent(fade_margin_db: ArrayLike, d_km: ArrayLike, freq_ghz: float, *,
                   h_e_m: ArrayLike, h_r_m: ArrayLike, climate: HopClimate = NORTHERN_VIETNAM,
                   law: str = "frequency") -> tuple[_F64, _F64, _F64, _F64]:
    """Rain and multipath outage of hops with the given fade margins, vectorised over the hops.

    ``fade_margin_db``: received level above the receiver threshold in clear air (dB);
    ``d_km``, ``freq_ghz``: hop length and frequency; ``h_e_m``, ``h_r_m``: antenna heights above
    sea level at the two ends (ground plus mast, m); ``climate``, ``law``: as in
    :func:`rain_attenuation_db` and :func:`multipath_occurrence_percent`. Returns ``(rain,
    multipath worst month, multipath annual, total)`` percentages (rain and total of an average
    year) broadcast over the inputs, ``total = min(rain + annual multipath, 100)`` (the module
    docstring's stated simplification).
    """
    margin = np.asarray(fade_margin_db, dtype=np.float64)
    rain = rain_exceedance_percent(margin, d_km, freq_ghz, climate=climate, law=law)
    p0 = multipath_occurrence_percent(d_km, freq_ghz, h_e_m=h_e_m, h_r_m=h_r_m, climate=climate)
    p_w = multipath_exceedance_percent(margin, p0)
    annual = worst_month_to_annual_percent(
        p_w, d_km, inclination_mrad=path_inclination_mrad(h_e_m, h_r_m, d_km),
        latitude_deg=climate.latitude_deg)
    return rain, p_w, annual, np.asarray(np.minimum(rain + annual, 100.0), dtype=np.float64)


def availability(fade_margin_db: float, d_km: float, freq_ghz: float, *, h_e_m: float,
                 h_r_m: float, climate: HopClimate = NORTHERN_VIETNAM,
                 law: str = "frequency") -> Availability:
    """Unavailability of one hop from rain and multipath for its flat fade margin (> 0 dB);
    parameters as in :func:`outage_percent`."""
    rain, p_w, annual, total = (float(x) for x in outage_percent(
        fade_margin_db, d_km, freq_ghz, h_e_m=h_e_m, h_r_m=h_r_m, climate=climate, law=law))
    return Availability(float(fade_margin_db), rain, p_w, annual, total, 100.0 - total)


#: Largest fade margin :func:`required_fade_margins_db` searches (dB).
MAX_MARGIN_DB = 400.0


def required_fade_margins_db(target_availability_percent: float, d_km: ArrayLike,
                             freq_ghz: float, *, h_e_m: ArrayLike, h_r_m: ArrayLike,
                             climate: HopClimate = NORTHERN_VIETNAM,
                             law: str = "frequency") -> _F64:
    """Smallest fade margin (dB, to 0.005 dB) meeting the target, for many hops at once.

    Bisection on the monotone :func:`outage_percent` (17 halvings of 0-400 dB); ``inf`` where even
    :data:`MAX_MARGIN_DB` is not enough. ``target_availability_percent`` is e.g. 99.99 (52.6 min of
    outage a year) or 99.9.
    """
    if not 0.0 < target_availability_percent < 100.0:
        msg = f"target availability must be between 0 and 100 %, got {target_availability_percent}"
        raise ModelError(msg)
    allowed = 100.0 - target_availability_percent
    d, h_e, h_r = np.broadcast_arrays(np.asarray(d_km, float), np.asarray(h_e_m, float),
                                      np.asarray(h_r_m, float))

    def total(margin: _F64) -> _F64:
        return outage_percent(margin, d, freq_ghz, h_e_m=h_e, h_r_m=h_r, climate=climate,
                              law=law)[3]

    lo, hi = np.full(d.shape, 1e-3), np.full(d.shape, MAX_MARGIN_DB)
    reachable = total(hi) <= allowed
    while float(np.max(hi - lo, initial=0.0)) > 0.005:
        mid = 0.5 * (lo + hi)
        above = total(mid) > allowed
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return np.asarray(np.where(reachable, hi, np.inf), dtype=np.float64)


def required_fade_margin_db(target_availability_percent: float, d_km: float, freq_ghz: float, *,
                            h_e_m: float, h_r_m: float, climate: HopClimate = NORTHERN_VIETNAM,
                            law: str = "frequency") -> float:
    """Smallest fade margin (dB, to 0.005 dB) whose :func:`availability` meets the target (one
    hop of :func:`required_fade_margins_db`; a :class:`ModelError` where none is enough)."""
    need = float(required_fade_margins_db(target_availability_percent, d_km, freq_ghz,
                                          h_e_m=h_e_m, h_r_m=h_r_m, climate=climate, law=law))
    if not np.isfinite(need):
        msg = (f"no fade margin up to {MAX_MARGIN_DB:g} dB gives {target_availability_percent}% "
               f"on a {d_km:g} km hop at {freq_ghz:g} GHz")
        raise ModelError(msg)
    return need
