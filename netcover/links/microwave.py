"""Microwave hops: Fresnel clearance over a terrain profile, the link budget, what a hop carries.

Pure numeric functions: profiles (distance km, ground height m) and scalars in, numbers out. The
geometry of a hop (k-factor earth, first Fresnel zone) follows ITU-R P.530; the gaseous loss is the
simplified approximation of ITU-R P.676 (Annex 2 of its earlier editions), good to a few tenths of a
dB over a 20 km hop below 50 GHz, which is all a planning tool needs. The availability of a hop
(rain and multipath) is ITU-R P.530-18's (:mod:`netcover.radio.p530`, climate from
:func:`hop_climate`); its capacity comes from the channel and modulation of
:class:`~netcover.config.microwave.MicrowaveSettings`, and :func:`hops_below_demand` lists the hops
of a planned tree that cannot carry the demand behind them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import ArrayLike

from netcover.config.microwave import MicrowaveSettings
from netcover.radio.p530 import HopClimate

__all__ = [
    "EARTH_RADIUS_M", "SPEED_OF_LIGHT", "HopCheck", "LinkBudget", "earth_bulge_m", "free_space_loss_db",
    "fresnel_radius_m", "gaseous_specific_db_per_km", "hop_climate", "hops_below_demand",
    "link_budget", "min_clearance",
]

EARTH_RADIUS_M = 6_371_000.0
SPEED_OF_LIGHT = 299_792_458.0


def fresnel_radius_m(d1_km: np.ndarray | float, d2_km: np.ndarray | float,
                     freq_ghz: float) -> np.ndarray | float:
    """Radius of the first Fresnel zone, in metres, at distances ``d1`` and ``d2`` from the ends."""
    lam = SPEED_OF_LIGHT / (freq_ghz * 1e9)
    d1 = np.asarray(d1_km, dtype=float) * 1e3
    d2 = np.asarray(d2_km, dtype=float) * 1e3
    total = np.where(d1 + d2 > 0, d1 + d2, 1.0)
    r = np.sqrt(lam * d1 * d2 / total)
    return float(r) if r.ndim == 0 else r


def earth_bulge_m(d1_km: np.ndarray | float, d2_km: np.ndarray | float,
                  k_factor: float) -> np.ndarray | float:
    """Height of the effective earth (radius ``k * 6371 km``) above the chord between the ends, m."""
    b = np.asarray(d1_km, dtype=float) * np.asarray(d2_km, dtype=float) * 1e6 / (
        2.0 * k_factor * EARTH_RADIUS_M)
    return float(b) if b.ndim == 0 else b


@njit(cache=True)
def _min_clearance(d_km: np.ndarray, h_m: np.ndarray, h_a: float, h_b: float,
                   lam_m: float, k_factor: float) -> tuple[float, int]:
    """Smallest (line of sight - terrain - bulge) / F1 over the interior points, and its index."""
    n = d_km.shape[0]
    total = d_km[n - 1] - d_km[0]
    best = np.inf
    where = -1
    for i in range(1, n - 1):
        d1 = d_km[i] - d_km[0]
        d2 = total - d1
        if d1 <= 0.0 or d2 <= 0.0:
            continue
        los = h_a + (h_b - h_a) * d1 / total
        bulge = d1 * d2 * 1e6 / (2.0 * k_factor * 6_371_000.0)
        f1 = math.sqrt(lam_m * d1 * d2 * 1e3 / total)
        ratio = (los - h_m[i] - bulge) / f1
        if ratio < best:
            best = ratio
            where = i
    return best, where


def min_clearance(d_km: np.ndarray, h_m: np.ndarray, mast_a_m: float, mast_b_m: float,
                  freq_ghz: float, k_factor: float) -> tuple[float, int]:
    """Worst clearance of a hop as a fraction of the first Fresnel zone radius.

    Parameters
    ----------
    d_km, h_m : ndarray
        Terrain profile from end A to end B: distance (km, increasing) and ground height (m).
    mast_a_m, mast_b_m : float
        Antenna heights above ground at A (``h_m[0]``) and B (``h_m[-1]``).
    freq_ghz, k_factor : float
        Link frequency and effective earth-radius factor.

    Returns
    -------
    ratio : float
        min over interior points of (line of sight - ground - earth bulge) / F1; ``inf`` when the
        profile has no interior point. The hop clears when ``ratio >= clearance_fraction``.
    index : int
        Profile index of the worst point (-1 when none).
    """
    d = np.ascontiguousarray(d_km, dtype=np.float64)
    h = np.ascontiguousarray(h_m, dtype=np.float64)
    if d.shape != h.shape or d.ndim != 1 or d.size < 2:
        msg = f"profile arrays must be 1-D of equal length >= 2, got {d.shape} and {h.shape}"
        raise ValueError(msg)
    lam = SPEED_OF_LIGHT / (freq_ghz * 1e9)
    ratio, idx = _min_clearance(d, h, float(h[0] + mast_a_m), float(h[-1] + mast_b_m), lam,
                                k_factor)
    return float(ratio), int(idx)


def free_space_loss_db(distance_km: float, freq_ghz: float) -> float:
    """Free-space basic transmission loss, dB (92.45 + 20 log f[GHz] + 20 log d[km])."""
    return 92.45 + 20.0 * math.log10(freq_ghz) + 20.0 * math.log10(max(distance_km, 1e-3))


def gaseous_specific_db_per_km(freq_ghz: float, water_vapour_g_m3: float = 7.5,
                               pressure_hpa: float = 1013.25, temp_c: float = 15.0) -> float:
    """Specific attenuation of oxygen plus water vapour, dB/km, for ``freq_ghz`` up to 54 GHz.

    Simplified ITU-R P.676 formulas (oxygen below the 60 GHz complex, the 22.235 GHz water line and
    the far wings of the higher lines), with surface pressure, temperature and vapour density.
    """
    f = freq_ghz
    rp = pressure_hpa / 1013.0
    rt = 288.0 / (273.0 + temp_c)
    rho = water_vapour_g_m3

    def phi(a: float, b: float, c: float, d: float) -> float:
        return rp ** a * rt ** b * math.exp(c * (1 - rp) + d * (1 - rt))

    xi1 = phi(0.0717, -1.8132, 0.0156, -1.6515)
    xi2 = phi(0.5146, -4.6368, -0.1921, -5.7416)
    xi3 = phi(0.3414, -6.5851, 0.2130, -8.5854)
    oxygen = (7.2 * rt ** 2.8 / (f * f + 0.34 * rp * rp * rt ** 1.6)
              + 0.62 * xi3 / ((54.0 - f) ** (1.16 * xi1) + 0.83 * xi2)) * f * f * rp * rp * 1e-3

    eta1 = 0.955 * rp * rt ** 0.68 + 0.006 * rho
    eta2 = 0.735 * rp * rt ** 0.5 + 0.0353 * rt ** 4 * rho

    def g(fi: float) -> float:
        return 1.0 + ((f - fi) / (f + fi)) ** 2

    e = 1.0 - rt
    water = (3.98 * eta1 * math.exp(2.23 * e) / ((f - 22.235) ** 2 + 9.42 * eta1 ** 2) * g(22.0)
             + 11.96 * eta1 * math.exp(0.7 * e) / ((f - 183.31) ** 2 + 11.14 * eta1 ** 2)
             + 0.081 * eta1 * math.exp(6.44 * e) / ((f - 321.226) ** 2 + 6.29 * eta1 ** 2)
             + 3.66 * eta1 * math.exp(1.6 * e) / ((f - 325.153) ** 2 + 9.22 * eta1 ** 2)
             + 25.37 * eta1 * math.exp(1.09 * e) / (f - 380.0) ** 2
             + 17.4 * eta1 * math.exp(1.46 * e) / (f - 448.0) ** 2
             + 844.6 * eta1 * math.exp(0.17 * e) / (f - 557.0) ** 2 * g(557.0)
             + 290.0 * eta1 * math.exp(0.41 * e) / (f - 752.0) ** 2 * g(752.0)
             + 8.3328e4 * eta2 * math.exp(0.99 * e) / (f - 1780.0) ** 2 * g(1780.0)
             ) * f * f * rt ** 2.5 * rho * 1e-4
    return float(oxygen + water)


@dataclass(frozen=True)
class LinkBudget:
    """Link budget of one hop (all dB / dBm)."""

    distance_km: float
    free_space_loss_db: float
    gaseous_loss_db: float
    rx_level_dbm: float
    fade_margin_db: float


def link_budget(distance_km: float, freq_ghz: float, *, tx_power_dbm: float,
                antenna_gain_dbi: float, misc_loss_db: float, rx_threshold_dbm: float,
                water_vapour_g_m3: float = 7.5) -> LinkBudget:
    """Received level and fade margin of a line-of-sight hop (two equal antennas)."""
    fsl = free_space_loss_db(distance_km, freq_ghz)
    gas = gaseous_specific_db_per_km(freq_ghz, water_vapour_g_m3) * distance_km
    rx = tx_power_dbm + 2.0 * antenna_gain_dbi - misc_loss_db - fsl - gas
    return LinkBudget(distance_km, fsl, gas, rx, rx - rx_threshold_dbm)


def hop_climate(settings: MicrowaveSettings) -> HopClimate:
    """The ITU-R P.530 climate of ``[links.microwave]``."""
    return HopClimate(r001_mm_h=settings.rain_rate_mm_h, dn1=settings.dn1,
                      s_a_m=settings.terrain_roughness_m, latitude_deg=settings.latitude_deg,
                      polarisation=settings.polarisation)


def _pct(value: float) -> str:
    """A percentage of time rounded down to 3 decimals (99.9898 is not shown as 99.990)."""
    return f"{math.floor(value * 1000.0) / 1000.0:.3f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class HopCheck:
    """Result of checking one candidate hop between two ends (indices into the entity table).

    ``fade_margin_db`` is the clear-air margin above the receiver threshold; ``budget_ok``: it is at
    least ``[links] fade_margin_db`` (a floor). ``availability_pct`` is the ITU-R P.530 availability
    with that margin, ``required_availability_pct`` the link class's target and
    ``margin_needed_db`` the margin that target needs (``inf``: none is enough); NaN where not
    computed (a hop refused before). ``clearance_ratio`` is NaN when the hop was refused before its
    profile was drawn. ``capacity_mbps`` is what the hop carries.
    """

    a: int
    b: int
    distance_km: float
    clearance_ratio: float
    worst_index: int
    fade_margin_db: float
    clears: bool
    budget_ok: bool
    availability_pct: float = math.nan
    required_availability_pct: float = math.nan
    margin_needed_db: float = math.nan
    capacity_mbps: float = math.nan

    @property
    def available(self) -> bool:
        """The hop reaches the required availability (True when none is required)."""
        return not (self.required_availability_pct > 0.0) or bool(
            self.availability_pct >= self.required_availability_pct)

    @property
    def feasible(self) -> bool:
        """The hop clears the Fresnel criterion, meets the margin floor and the availability."""
        return self.clears and self.budget_ok and self.available

    def availability_text(self) -> str:
        """E.g. "99.981% < 99.99% needed: fade margin 27.8 dB, 35.0 dB needed" ("" if not rated)."""
        if not self.required_availability_pct > 0.0:
            return ""
        sign = ">=" if self.available else "<"
        need = (f"{self.margin_needed_db:.1f} dB needed" if np.isfinite(self.margin_needed_db)
                else "no margin is enough")
        return (f"{_pct(self.availability_pct)}% {sign} {_pct(self.required_availability_pct)}% "
                f"needed: fade margin {self.fade_margin_db:.1f} dB, {need}")


def hops_below_demand(parents: Sequence[int | None], capacity_mbps: ArrayLike,
                      demand_mbps: ArrayLike) -> list[int]:
    """Links of a planned tree whose capacity is below the demand of everything behind them.

    Parameters
    ----------
    parents : sequence of int or None
        Parent link of each link (index into the same lists; None for links leaving the existing
        network): the tree of a link plan, e.g. ``LinkPlan.ranked``'s ``parent_link``.
    capacity_mbps : array_like
        Capacity of each link, Mbps (``inf`` or NaN for fibre: never the bottleneck).
    demand_mbps : array_like
        Demand at each link's far end (the terminal it serves), Mbps, 0 where none.

    Returns
    -------
    list of int
        Indices of the links whose capacity < their own demand plus that of every link hanging on
        them, directly or not, in increasing order. Dropping those hop edges and planning again is
        the caller's re-plan loop.
    """
    cap = np.asarray(capacity_mbps, dtype=np.float64)
    behind = np.array(demand_mbps, dtype=np.float64, copy=True)
    n = len(parents)
    if cap.shape != (n,) or behind.shape != (n,):
        msg = f"parents, capacity_mbps and demand_mbps must have one entry per link ({n})"
        raise ValueError(msg)
    depth = np.zeros(n, dtype=np.int64)
    for i in range(n):
        j, seen = parents[i], 0
        while j is not None:
            depth[i] += 1
            j, seen = parents[j], seen + 1
            if seen > n:
                msg = "parents must form a tree (a cycle was found)"
                raise ValueError(msg)
    for i in np.argsort(-depth, kind="stable"):  # leaves first: a child is summed before its parent
        p = parents[int(i)]
        if p is not None:
            behind[p] += behind[i]
    return [int(i) for i in np.nonzero(np.nan_to_num(cap, nan=np.inf) < behind)[0]]
