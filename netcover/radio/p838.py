"""Specific attenuation due to rain, ITU-R P.838-3 (03/2005).

The Recommendation fits the power-law coefficients of ``gamma_R = k R^alpha`` (dB/km, rain rate ``R``
in mm/h) for horizontal and vertical polarisation as sums of Gaussian terms in ``log10 f``
(its Tables 1-4), valid from 1 to 1000 GHz, and combines them for any path elevation and
polarisation tilt (its equations 4 and 5). Pure numeric functions: scalars or arrays in, arrays out.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from netcover.errors import ModelError

__all__ = [
    "F_MAX_GHZ", "F_MIN_GHZ", "POLARISATION_TILT_DEG", "k_alpha", "k_alpha_hv",
    "specific_attenuation_db_per_km",
]

F_MIN_GHZ = 1.0
F_MAX_GHZ = 1000.0

POLARISATION_TILT_DEG = {"horizontal": 0.0, "vertical": 90.0, "circular": 45.0}
"""Tilt angle ``tau`` of the polarisation relative to the horizontal, by name (P.838-3 §1)."""

# Regression coefficients of P.838-3: (a_j, b_j, c_j) rows, then (m, c) of the linear term.
_KH = (((-5.33980, -0.10008, 1.13098), (-0.35351, 1.26970, 0.45400),
        (-0.23789, 0.86036, 0.15354), (-0.94158, 0.64552, 0.16817)), (-0.18961, 0.71147))
_KV = (((-3.80595, 0.56934, 0.81061), (-3.44965, -0.22911, 0.51059),
        (-0.39902, 0.73042, 0.11899), (0.50167, 1.07319, 0.27195)), (-0.16398, 0.63297))
_AH = (((-0.14318, 1.82442, -0.55187), (0.29591, 0.77564, 0.19822),
        (0.32177, 0.63773, 0.13164), (-5.37610, -0.96230, 1.47828),
        (16.1721, -3.29980, 3.43990)), (0.67849, -1.95537))
_AV = (((-0.07771, 2.33840, -0.76284), (0.56727, 0.95545, 0.54039),
        (-0.20238, 1.14520, 0.26809), (-48.2991, 0.791669, 0.116226),
        (48.5833, 0.791459, 0.116479)), (-0.053739, 0.83433))

_Table = tuple[tuple[tuple[float, float, float], ...], tuple[float, float]]


def _fit(table: _Table, log_f: NDArray[np.float64]) -> NDArray[np.float64]:
    """``sum_j a_j exp(-((log f - b_j) / c_j)^2) + m log f + c`` (P.838-3 equations 2 and 3)."""
    terms, (m, c) = table
    total = m * log_f + c
    for a, b, cj in terms:
        total = total + a * np.exp(-(((log_f - b) / cj) ** 2))
    return np.asarray(total, dtype=np.float64)


def _frequency(freq_ghz: ArrayLike) -> NDArray[np.float64]:
    f = np.asarray(freq_ghz, dtype=np.float64)
    if not np.all(np.isfinite(f)) or np.any(f < F_MIN_GHZ) or np.any(f > F_MAX_GHZ):
        msg = (f"ITU-R P.838-3 rain attenuation is defined from {F_MIN_GHZ:g} to {F_MAX_GHZ:g} "
               f"GHz; got frequency {freq_ghz!r} GHz")
        raise ModelError(msg)
    return f


def k_alpha_hv(freq_ghz: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                             NDArray[np.float64], NDArray[np.float64]]:
    """Coefficients for horizontal and vertical polarisation, P.838-3 equations 2 and 3.

    Parameters
    ----------
    freq_ghz : float or array_like
        Frequency, GHz, 1 to 1000.

    Returns
    -------
    k_h, alpha_h, k_v, alpha_v : numpy.ndarray
        ``k`` (dB/km per (mm/h)^alpha) and ``alpha`` (dimensionless), shaped like ``freq_ghz``.

    Raises
    ------
    netcover.errors.ModelError
        A frequency outside 1-1000 GHz (or not finite).
    """
    log_f = np.log10(_frequency(freq_ghz))
    k_h = 10.0 ** _fit(_KH, log_f)
    k_v = 10.0 ** _fit(_KV, log_f)
    return k_h, _fit(_AH, log_f), k_v, _fit(_AV, log_f)


def _tilt(polarisation: str | float) -> float:
    if isinstance(polarisation, str):
        try:
            return POLARISATION_TILT_DEG[polarisation]
        except KeyError:
            msg = (f"unknown polarisation {polarisation!r}: use one of "
                   f"{sorted(POLARISATION_TILT_DEG)} or a tilt angle in degrees")
            raise ModelError(msg) from None
    return float(polarisation)


def k_alpha(freq_ghz: ArrayLike, *, polarisation: str | float = "vertical",
            elevation_deg: ArrayLike = 0.0) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``k`` and ``alpha`` for a path elevation and polarisation tilt, P.838-3 equations 4 and 5.

    Parameters
    ----------
    freq_ghz : float or array_like
        Frequency, GHz, 1 to 1000.
    polarisation : {"vertical", "horizontal", "circular"} or float, optional
        The polarisation, or its tilt angle ``tau`` from the horizontal in degrees.
    elevation_deg : float or array_like, optional
        Path elevation angle ``theta``, degrees (0 for a terrestrial hop).

    Returns
    -------
    k, alpha : numpy.ndarray
        The combined coefficients (broadcast shape of the inputs).
    """
    k_h, a_h, k_v, a_v = k_alpha_hv(freq_ghz)
    tau = np.deg2rad(_tilt(polarisation))
    mix = np.cos(np.deg2rad(np.asarray(elevation_deg, dtype=np.float64))) ** 2 * np.cos(2.0 * tau)
    k = (k_h + k_v + (k_h - k_v) * mix) / 2.0
    alpha = (k_h * a_h + k_v * a_v + (k_h * a_h - k_v * a_v) * mix) / (2.0 * k)
    return np.asarray(k, dtype=np.float64), np.asarray(alpha, dtype=np.float64)


def specific_attenuation_db_per_km(rain_rate_mm_h: ArrayLike, freq_ghz: ArrayLike, *,
                                   polarisation: str | float = "vertical",
                                   elevation_deg: ArrayLike = 0.0) -> NDArray[np.float64]:
    """Specific attenuation ``gamma_R = k R^alpha`` due to rain, dB/km (P.838-3 equation 1).

    Parameters
    ----------
    rain_rate_mm_h : float or array_like
        Rain rate ``R``, mm/h, >= 0 (a 1-minute integration time for P.530 use).
    freq_ghz : float or array_like
        Frequency, GHz, 1 to 1000.
    polarisation, elevation_deg
        As in :func:`k_alpha`.

    Returns
    -------
    numpy.ndarray
        dB/km, broadcast shape of the inputs.

    Raises
    ------
    netcover.errors.ModelError
        A frequency out of range or a negative rain rate.
    """
    rate = np.asarray(rain_rate_mm_h, dtype=np.float64)
    if np.any(~np.isfinite(rate)) or np.any(rate < 0.0):
        msg = f"rain rate must be finite and >= 0 mm/h, got {rain_rate_mm_h!r}"
        raise ModelError(msg)
    k, alpha = k_alpha(freq_ghz, polarisation=polarisation, elevation_deg=elevation_deg)
    return np.asarray(k * rate ** alpha, dtype=np.float64)
