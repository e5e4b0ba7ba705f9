"""Location variability and the margin a service level needs: ITU-R P.1812-6 §4.8 and §4.9.

The engine predicts the median level of each cell (50% of locations). Within a cell the level
varies from place to place, lognormally (normal in dB) with the standard deviation of P.1812-6
Annex 1 §4.8:

- ``sigma_L = (0.52 + 0.024 f) * w_a^0.28`` dB (Eq 66; ``f`` in GHz, ``w_a`` the width in metres of
  the square area the variability applies to, the prediction's resolution; P.1812-5 printed the
  frequency coefficient as 0.0024, corrected to 0.024 in -6 and in ITU-R SG 3's reference code),
- multiplied by ``u_h`` (Eq 67): 1 for a receiver below the representative clutter height ``R`` of
  its location (``h < R``), ``1 - (h - R) / 10`` for ``R <= h < R + 10``, 0 above: a receiver above
  the clutter sees little location variability.

P.1812-6 has no environment constant ``K`` (that is P.1546-6 §12's ``K + 1.3 log10(f)`` for 500 m
areas): the environment enters through ``R`` and ``w_a``. Over bare earth ``R`` = 0, so a 1.5 m
handset gets ``u_h`` = 0.85.

The loss not exceeded at ``p`` % of locations is the median loss plus ``F^-1(p) sigma_L`` (§4.8, Eq
68: ``L_loc = -I(p/100) sigma_L`` with ``I`` the inverse complementary normal), so a service level
needs the median level to clear the threshold by :func:`location_correction_db`. Indoors and in a
car the terminal's surroundings add a loss of their own, with a median and a spread: P.1812-6 §4.9
adds the median entry loss and combines the spreads as ``sqrt(sigma_L^2 + sigma_b^2)``
(:func:`service_margin_db`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from netcover.errors import ModelError

__all__ = [
    "location_correction_db", "location_sd_db", "normal_quantile", "receiver_height_factor",
    "service_margin_db",
]


def normal_quantile(p_percent: float | np.ndarray) -> np.ndarray:
    """``F^-1(p / 100)``, the inverse cumulative normal distribution: 0 at 50%, 1.2816 at 90%.

    Exact (:func:`scipy.special.ndtri`); P.1812 Attachment 2's approximation
    (:func:`netcover.radio.p1812.inverse_complementary_normal`, ``I(x) = -F^-1(x)``) agrees within
    0.00054.
    """
    p = np.asarray(p_percent, dtype=float)
    if np.any(~((p > 0.0) & (p < 100.0))):
        msg = f"location probability {p_percent!r}% must be in (0, 100)"
        raise ModelError(msg)
    return np.asarray(ndtri(p / 100.0))


def receiver_height_factor(rx_height_m: float, clutter_height_m: float | np.ndarray) -> np.ndarray:
    """``u_h`` of P.1812-6 Eq (67): 1 below the clutter, falling to 0 ten metres above it."""
    r = np.asarray(clutter_height_m, dtype=float)
    return np.asarray(np.clip(1.0 - (rx_height_m - r) / 10.0, 0.0, 1.0))


def location_sd_db(frequency_mhz: float | np.ndarray, *, rx_height_m: float = 1.5,
                   clutter_height_m: float | np.ndarray = 0.0,
                   area_width_m: float = 100.0) -> np.ndarray:
    """Location variability sigma_L (dB) of P.1812-6 Eqs (66) and (67).

    Parameters
    ----------
    frequency_mhz : float or numpy.ndarray
        Frequency (MHz); NaN gives NaN.
    rx_height_m : float
        Receiver height above ground (m).
    clutter_height_m : float or numpy.ndarray
        Representative clutter height ``R`` at the receiver (m); 0 over bare earth.
    area_width_m : float
        ``w_a``: width of the square area the variability applies to (m), > 0.

    Returns
    -------
    numpy.ndarray
        sigma_L (dB), broadcast over the frequency and clutter arrays.

    Examples
    --------
    >>> round(float(location_sd_db(900.0, rx_height_m=1.5, clutter_height_m=15.0)), 3)
    1.965
    """
    if not area_width_m > 0:
        msg = f"location variability: area width {area_width_m!r} m must be > 0"
        raise ModelError(msg)
    f_ghz = np.asarray(frequency_mhz, dtype=float) / 1000.0
    sigma = (0.52 + 0.024 * f_ghz) * area_width_m**0.28  # Eq (66)
    return np.asarray(sigma * receiver_height_factor(rx_height_m, clutter_height_m))  # Eq (67)


def location_correction_db(p_percent: float, sigma_db: float | np.ndarray) -> np.ndarray:
    """Extra loss (dB) for ``p_percent`` of locations: ``F^-1(p) * sigma`` (P.1812-6 Eq 68).

    0 at 50%, ``1.2816 sigma`` at 90%, negative below 50%.
    """
    return np.asarray(normal_quantile(p_percent) * np.asarray(sigma_db, dtype=float))


def service_margin_db(p_percent: float, sigma_l_db: float | np.ndarray, *,
                      median_extra_db: float | np.ndarray = 0.0,
                      sigma_extra_db: float | np.ndarray = 0.0) -> np.ndarray:
    """The margin (dB) a median level needs over a threshold for ``p_percent`` of locations.

    ``median_extra + F^-1(p) * sqrt(sigma_L^2 + sigma_extra^2)``: the terminal's surroundings (a
    building, P.2109; a car) add their median loss, and their spread combines with the location
    variability as independent normal terms (P.1812-6 §4.9). Outdoors both extras are 0 and the
    margin is :func:`location_correction_db`.
    """
    sigma = np.sqrt(np.asarray(sigma_l_db, dtype=float) ** 2
                    + np.asarray(sigma_extra_db, dtype=float) ** 2)
    return np.asarray(np.asarray(median_extra_db, dtype=float) + location_correction_db(p_percent,
                                                                                        sigma))
