"""Building entry loss: Recommendation ITU-R P.2109-2, Annex 1, §3.

The loss of a signal entering a building, not exceeded with probability ``P`` over the buildings of
a class, from about 80 MHz to 100 GHz:

- ``L_h = r + s log10(f) + t (log10 f)^2``, the median loss of horizontal paths (Eq 9),
  ``L_e = 0.212 |theta|``, the correction for the elevation angle at the facade (Eq 10);
- ``mu_1 = L_h + L_e`` (Eq 5), ``mu_2 = w + x log10(f)`` (Eq 6), ``sigma_1 = u + v log10(f)`` (Eq 7),
  ``sigma_2 = y + z log10(f)`` (Eq 8), ``C = -3`` dB (Eq 4);
- ``A(P) = F^-1(P) sigma_1 + mu_1``, ``B(P) = F^-1(P) sigma_2 + mu_2`` (Eqs 2, 3), ``F^-1`` the inverse
  cumulative normal distribution;
- ``L_BEL(P) = 10 log10(10^(0.1 A) + 10^(0.1 B) + 10^(0.1 C))`` (Eq 1).

``f`` in GHz; the coefficients ``r`` to ``z`` are those of Table 1 for traditional and thermally
efficient buildings (checked against ITU-R SG 3's reference implementation, ``bel_p2109.m``, and the
values of its validation workbook, see ``tests/test_p2109.py``).

:func:`building_entry_sd_db` turns the distribution into the spread that P.1812-6 §4.9 combines with
the location variability (:mod:`netcover.radio.variability`).
"""

from __future__ import annotations

from typing import Literal, TypeAlias, cast, get_args

import numpy as np
from scipy.special import ndtri

from netcover.errors import ModelError

__all__ = [
    "BUILDING_TYPES",
    "COEFFICIENTS",
    "C_DB",
    "BuildingType",
    "building_entry_loss_db",
    "building_entry_sd_db",
    "check_building",
]

#: Building classes of P.2109 Table 1.
BuildingType: TypeAlias = Literal["traditional", "thermally_efficient"]
BUILDING_TYPES: tuple[BuildingType, ...] = get_args(BuildingType)

#: P.2109-2 Table 1: (r, s, t, u, v, w, x, y, z) of each building class.
COEFFICIENTS: dict[BuildingType, tuple[float, ...]] = {
    "traditional": (12.64, 3.72, 0.96, 9.6, 2.0, 9.1, -3.0, 4.5, -2.0),
    "thermally_efficient": (28.19, -3.00, 8.48, 13.5, 3.8, 27.8, -2.9, 9.4, -2.1),
}
#: P.2109-2 Eq (4): the constant term C (dB).
C_DB = -3.0
#: Frequency range of the model (GHz).
F_MIN_GHZ, F_MAX_GHZ = 0.08, 100.0


def check_building(value: str) -> BuildingType:
    """``value`` as a :data:`BuildingType`, or :class:`ModelError` naming the allowed values."""
    if value not in BUILDING_TYPES:
        msg = f"building type {value!r} unknown: use one of {', '.join(BUILDING_TYPES)}"
        raise ModelError(msg)
    return cast(BuildingType, value)


def _check(f_ghz: np.ndarray, p_percent: float) -> None:
    if np.any(~np.isfinite(f_ghz)) or np.any((f_ghz < F_MIN_GHZ) | (f_ghz > F_MAX_GHZ)):
        msg = (f"P.2109 building entry loss: frequency {f_ghz} GHz is outside the model's "
               f"range [{F_MIN_GHZ:g}, {F_MAX_GHZ:g}] GHz")
        raise ModelError(msg)
    if not 0.0 < p_percent < 100.0:
        msg = f"P.2109 building entry loss: probability {p_percent!r}% must be in (0, 100)"
        raise ModelError(msg)


def building_entry_loss_db(f_ghz: float | np.ndarray, p_percent: float, *,
                           building: str = "traditional",
                           elevation_deg: float = 0.0) -> np.ndarray:
    """Building entry loss (dB) not exceeded with probability ``p_percent`` (P.2109-2 Eq 1).

    Parameters
    ----------
    f_ghz : float or numpy.ndarray
        Frequency (GHz), 0.08 to 100.
    p_percent : float
        Probability (%) with which the loss is not exceeded, in (0, 100).
    building : {"traditional", "thermally_efficient"}
        Building class (P.2109-2 Table 1).
    elevation_deg : float
        Elevation angle of the path at the facade (degrees above the horizontal); 0 for a
        terrestrial path.

    Returns
    -------
    numpy.ndarray
        The loss (dB), the shape of ``f_ghz``.

    Examples
    --------
    >>> round(float(building_entry_loss_db(28.0, 50.11872)), 3)  # ITU-R SG 3 workbook: 20.218
    20.218
    """
    f = np.asarray(f_ghz, dtype=float)
    _check(f, p_percent)
    r, s, t, u, v, w, x, y, z = COEFFICIENTS[check_building(building)]
    lf = np.log10(f)
    mu1 = r + s * lf + t * lf**2 + 0.212 * abs(elevation_deg)  # Eqs (5), (9), (10)
    mu2 = w + x * lf  # Eq (6)
    sigma1 = u + v * lf  # Eq (7)
    sigma2 = y + z * lf  # Eq (8)
    q = float(ndtri(p_percent / 100.0))  # F^-1(P)
    a = q * sigma1 + mu1  # Eq (2)
    b = q * sigma2 + mu2  # Eq (3)
    return np.asarray(10.0 * np.log10(10.0 ** (0.1 * a) + 10.0 ** (0.1 * b) + 10.0 ** (0.1 * C_DB)))


def building_entry_sd_db(f_ghz: float | np.ndarray, p_percent: float, *,
                         building: str = "traditional",
                         elevation_deg: float = 0.0) -> np.ndarray:
    """The spread (dB) of the building entry loss at a target probability, as a normal one.

    ``sigma_b = (L_BEL(p) - L_BEL(50)) / F^-1(p)``: the standard deviation of the normal
    distribution that has P.2109's median and its loss at ``p`` (P.2109's distribution is not
    normal: a single sigma would misstate the tail at ``p``). At ``p`` = 50% the spread does not
    matter and P.2109's slope about the median is returned (the limit of the formula).

    Returns
    -------
    numpy.ndarray
        sigma_b (dB), the shape of ``f_ghz``.
    """
    p = float(p_percent)
    if abs(p - 50.0) < 1e-6:
        p = 50.0 + 1e-3
    q = float(ndtri(p / 100.0))
    at_p = building_entry_loss_db(f_ghz, p, building=building, elevation_deg=elevation_deg)
    median = building_entry_loss_db(f_ghz, 50.0, building=building, elevation_deg=elevation_deg)
    return np.asarray((at_p - median) / q)
