"""Simple propagation models: free space (ITU-R P.525), effective earth radius, Okumura-Hata.

These are the quick estimates that need no terrain: free-space loss as a lower bound, and the
Okumura-Hata / COST-231 Hata empirical model for a first look at a site before the terrain-aware
P.1812 run. All functions accept numpy arrays (broadcast together) and scalars.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from netcover.config.radio import ENVIRONMENTS, Environment
from netcover.errors import ModelError

__all__ = [
    "COST231_F_MHZ", "EARTH_RADIUS_KM", "HATA_D_KM", "HATA_F_MHZ", "HATA_HB_M", "HATA_HM_M",
    "effective_earth_radius_km", "free_space_loss", "hata_loss", "hata_validity", "hata_validity_warning",
    "p1812_free_space_loss",
]

#: Mean earth radius (km) used by ITU-R P.1812 / P.452.
EARTH_RADIUS_KM = 6371.0

#: Validity ranges of the Hata models (COST-231 Hata extends the frequency range to 2000 MHz).
HATA_F_MHZ = (150.0, 2000.0)
HATA_HB_M = (30.0, 200.0)
HATA_HM_M = (1.0, 10.0)
HATA_D_KM = (1.0, 20.0)
#: Frequency above which the COST-231 form replaces the Okumura-Hata form.
COST231_F_MHZ = 1500.0


def free_space_loss(d_km: ArrayLike, f_mhz: ArrayLike) -> NDArray[np.float64]:
    """Free-space basic transmission loss (ITU-R P.525) in dB.

    L = 32.45 + 20 log10(f / MHz) + 20 log10(d / km); 91.5 dB at 1 km and 900 MHz.

    Raises
    ------
    ModelError
        If a distance or frequency is not positive.
    """
    d = np.asarray(d_km, dtype=np.float64)
    f = np.asarray(f_mhz, dtype=np.float64)
    _require_positive("free_space_loss", d_km=d, f_mhz=f)
    return np.asarray(32.45 + 20.0 * np.log10(f) + 20.0 * np.log10(d), dtype=np.float64)


def p1812_free_space_loss(d_km: ArrayLike, f_ghz: ArrayLike) -> NDArray[np.float64]:
    """Free-space loss as ITU-R P.1812 Eq 8 writes it: 92.4 + 20 log10 f[GHz] + 20 log10 d[km].

    0.05 dB below P.525's rounding (:func:`free_space_loss`); the P.1812 model and its area engine
    both use this form so that they agree to the hundredth of a dB.
    """
    d = np.asarray(d_km, dtype=np.float64)
    f = np.asarray(f_ghz, dtype=np.float64)
    _require_positive("p1812_free_space_loss", d_km=d, f_ghz=f)
    return np.asarray(92.4 + 20.0 * np.log10(f) + 20.0 * np.log10(d), dtype=np.float64)


def effective_earth_radius_km(delta_n: float = 45.0) -> float:
    """Median effective earth radius (km) of ITU-R P.1812 (Eqs 6, 7a).

    k50 = 157 / (157 - delta_n) and ae = 6371 k50; 8,496 km (k = 4/3) for delta_n = 39.25.

    Raises
    ------
    ModelError
        If ``delta_n`` is not in [0, 157) N-units/km.
    """
    if not 0.0 <= delta_n < 157.0:
        msg = f"delta_n = {delta_n} N-units/km must be in [0, 157) (typical values 35-60)"
        raise ModelError(msg)
    return EARTH_RADIUS_KM * 157.0 / (157.0 - delta_n)


def hata_loss(d_km: ArrayLike, f_mhz: ArrayLike, h_base_m: ArrayLike, h_mobile_m: ArrayLike, *,
              environment: Environment = "rural") -> NDArray[np.float64]:
    """Median path loss (dB) of the Okumura-Hata model, COST-231 Hata above 1500 MHz.

    Choices (the Hata papers leave them to the user):

    - the mobile-antenna correction is the small/medium-city one,
      a(hm) = (1.1 log f - 0.7) hm - (1.56 log f - 0.8), for every environment: Quản Bạ and
      districts like it have no large cities;
    - "urban" is the medium-sized city of Hata; COST-231's metropolitan-centre term Cm = 3 dB is
      never applied (Cm = 0);
    - "suburban" subtracts 2 (log(f/28))^2 + 5.4 dB and "rural" (Hata's open area) subtracts
      4.78 (log f)^2 - 18.33 log f + 40.94 dB from the urban value, above 1500 MHz as below.

    Outside the validity ranges (see :func:`hata_validity`) the formula is evaluated anyway; call
    :func:`hata_validity` to get the warnings.

    Raises
    ------
    ModelError
        If a distance, frequency or height is not positive, or ``environment`` is unknown.
    """
    if environment not in ENVIRONMENTS:
        msg = f"hata_loss: environment={environment!r} is not one of {ENVIRONMENTS}"
        raise ModelError(msg)
    d = np.asarray(d_km, dtype=np.float64)
    f = np.asarray(f_mhz, dtype=np.float64)
    hb = np.asarray(h_base_m, dtype=np.float64)
    hm = np.asarray(h_mobile_m, dtype=np.float64)
    _require_positive("hata_loss", d_km=d, f_mhz=f, h_base_m=hb, h_mobile_m=hm)
    log_f = np.log10(f)
    a_hm = (1.1 * log_f - 0.7) * hm - (1.56 * log_f - 0.8)
    common = -13.82 * np.log10(hb) - a_hm + (44.9 - 6.55 * np.log10(hb)) * np.log10(d)
    okumura = 69.55 + 26.16 * log_f
    cost231 = 46.3 + 33.9 * log_f
    urban = np.where(f > COST231_F_MHZ, cost231, okumura) + common
    if environment == "suburban":
        urban = urban - 2.0 * np.log10(f / 28.0) ** 2 - 5.4
    elif environment == "rural":
        urban = urban - 4.78 * log_f**2 + 18.33 * log_f - 40.94
    return np.asarray(urban, dtype=np.float64)


def hata_validity(d_km: ArrayLike, f_mhz: ArrayLike, h_base_m: ArrayLike,
                  h_mobile_m: ArrayLike) -> list[str]:
    """Warnings, one per parameter, for values outside the validity range of the Hata models.

    Ranges: f 150-2000 MHz, base height 30-200 m, mobile height 1-10 m, distance 1-20 km. An empty
    list means every value is inside. :func:`hata_validity_warning` gives them as one warning.
    """
    return [f"Hata: {part}{_HATA_ADVICE}" for part in _hata_outside(d_km, f_mhz, h_base_m,
                                                                      h_mobile_m)]


def hata_validity_warning(d_km: ArrayLike, f_mhz: ArrayLike, h_base_m: ArrayLike,
                          h_mobile_m: ArrayLike) -> str | None:
    """One warning naming every parameter outside the Hata models' validity range, or None.

    One per computation (a site and band) rather than one per parameter, so a run does not repeat
    three lines for every site and band.
    """
    parts = _hata_outside(d_km, f_mhz, h_base_m, h_mobile_m)
    return f"Hata: {'; '.join(parts)}{_HATA_ADVICE}" if parts else None


_HATA_ADVICE = "; the loss is extrapolated, use P.1812 instead"


def _hata_outside(d_km: ArrayLike, f_mhz: ArrayLike, h_base_m: ArrayLike,
                  h_mobile_m: ArrayLike) -> list[str]:
    """What is outside the validity range, one phrase per parameter."""
    checks = (
        ("frequency", "f_mhz", f_mhz, HATA_F_MHZ, "MHz"),
        ("base-station antenna height", "h_base_m", h_base_m, HATA_HB_M, "m"),
        ("mobile antenna height", "h_mobile_m", h_mobile_m, HATA_HM_M, "m"),
        ("distance", "d_km", d_km, HATA_D_KM, "km"),
    )
    parts = []
    for label, name, values, (lo, hi), unit in checks:
        arr = np.asarray(values, dtype=np.float64)
        outside = (arr < lo) | (arr > hi)
        if np.any(outside):
            bad = arr[outside]
            parts.append(f"{label} {name} outside the validity range {lo:g}-{hi:g} {unit} "
                         f"({bad.size} value(s), from {bad.min():g} to {bad.max():g} {unit})")
    return parts


def _require_positive(func: str, **arrays: NDArray[np.float64]) -> None:
    """Raise :class:`ModelError` naming the first array with a value that is not > 0 (or is NaN)."""
    for name, arr in arrays.items():
        bad = arr[~(arr > 0.0)]
        if bad.size:
            msg = f"{func}: {name} must be > 0 everywhere; got {bad.size} value(s) such as {bad[0]:g}"
            raise ModelError(msg)
