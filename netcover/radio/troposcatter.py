"""ITU-R P.1812-6 troposcatter and its combination with diffraction, without ducting.

:func:`troposcatter_loss` is Lbs of Section 4.4 (Eqs 44-45); :func:`diffraction_troposcatter_loss`
combines it with the diffraction loss as Eqs 63 and 69 do when ducting / layer reflection is left
out (``Lb_noduct`` of :func:`~netcover.radio.p1812.p1812_profile_loss`, which uses both); and
:func:`area_loss_into` writes that loss, with the free-space loss of the slant path, at many cells of
the area engine at once, bit for bit the same values without the array temporaries.

Equation numbers are those of Recommendation ITU-R P.1812-6 (Annex 1). Units: km, GHz, dB, mrad.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

__all__ = ["area_loss_into", "diffraction_troposcatter_loss", "troposcatter_loss"]


def troposcatter_loss(d_km: ArrayLike, theta_mrad: ArrayLike, f_ghz: float, *, n0: float = 325.0,
                      p: float = 50.0) -> NDArray[np.float64] | float:
    """Troposcatter basic transmission loss Lbs (dB), P.1812 Eqs 44-45.

    Parameters
    ----------
    d_km : array_like
        Great-circle path length (km).
    theta_mrad : array_like
        Path angular distance (mrad), 1000 d / ae + theta_t + theta_r.
    f_ghz : float
        Frequency (GHz).
    n0 : float
        Sea-level surface refractivity (N-units).
    p : float
        Time percentage (1-50).

    Returns
    -------
    numpy.ndarray or float
        Lbs, shaped like the broadcast inputs.
    """
    base, n0_term, p_term = _troposcatter_terms(f_ghz, n0, p)
    return base + 20.0 * np.log10(d_km) + 0.573 * np.asarray(theta_mrad) - n0_term - p_term


def _troposcatter_terms(f_ghz: float, n0: float, p: float) -> tuple[float, float, float]:
    """The path-independent terms of Eq 44: (190.1 + Lf, 0.15 N0, 10.125 log10(50 / p)^0.7)."""
    lf = 25.0 * math.log10(f_ghz) - 2.5 * math.log10(f_ghz / 2.0) ** 2
    return 190.1 + lf, 0.15 * n0, 10.125 * math.log10(50.0 / p) ** 0.7


def diffraction_troposcatter_loss(lb0p: ArrayLike, lbd: ArrayLike,
                                  lbs: ArrayLike) -> NDArray[np.float64] | float:
    """P.1812 Eqs 63 and 69 without ducting: max(Lb0p, -5 log10(10^(-0.2 Lbs) + 10^(-0.2 Lbd))).

    The combination the area engine uses (ducting / layer reflection is not modelled there, so
    Lbam of Eq 62 is taken as the diffraction loss Lbd).
    :func:`~netcover.radio.p1812.p1812_profile_loss` returns it as ``Lb_noduct``.
    """
    lbd_a, lbs_a = np.asarray(lbd, dtype=np.float64), np.asarray(lbs, dtype=np.float64)
    # The smaller loss factored out (no underflow of 10^(-0.2 L)): its own term is 10^0 = 1, the
    # other's 10^(-0.2 |Lbs - Lbd|) = exp(-0.2 ln(10) |Lbs - Lbd|); in place, for the area engine.
    gap = np.abs(np.subtract(lbd_a, lbs_a))
    lbc = np.atleast_1d(gap)
    lbc *= -0.2 * math.log(10.0)
    np.exp(lbc, out=lbc)
    lbc += 1.0
    np.log10(lbc, out=lbc)
    lbc *= -5.0
    lbc += np.minimum(lbd_a, lbs_a)
    out = np.maximum(np.asarray(lb0p, dtype=np.float64), lbc.reshape(np.shape(gap)))
    return out[()] if out.ndim == 0 else out


def area_loss_into(out: NDArray[np.float32], flat: NDArray[np.integer], slant_km: NDArray[np.float64],
                   horiz_km: NDArray[np.float64], ld: NDArray[np.float64],
                   theta: NDArray[np.float64], f_ghz: float, n0: float) -> None:
    """Lb without ducting at many cells (the area engine), written as float32 to ``out[flat]``.

    Per cell: Lbfs over the slant distance ``slant_km`` (:func:`~netcover.radio.basic.
    p1812_free_space_loss`), Lbs over ``horiz_km`` and the angular distance ``theta`` (mrad, 50 %
    of time, :func:`troposcatter_loss`), then :func:`diffraction_troposcatter_loss` of Lbfs,
    Lbfs + ``ld`` and Lbs: the same values, bit for bit (the logarithms and exponentials are
    NumPy's, in place; the arithmetic one numba pass before them and one after), without the
    temporaries of the array expressions. ``slant_km``, ``horiz_km`` and ``theta`` are overwritten
    (scratch; the distances may be strided views, e.g. columns of the engine's receiver values:
    NumPy's logarithm gives the same bits on them); every distance must be > 0.
    """
    fs_base = 92.4 + 20.0 * np.log10(np.asarray(f_ghz, dtype=np.float64))
    ts_base, n0_term, p_term = _troposcatter_terms(f_ghz, n0, 50.0)
    np.log10(slant_km, out=slant_km)
    np.log10(horiz_km, out=horiz_km)
    _area_terms(slant_km, horiz_km, ld, theta, float(fs_base), ts_base, n0_term, p_term,
                -0.2 * math.log(10.0))
    np.exp(theta, out=theta)
    theta += 1.0
    np.log10(theta, out=theta)
    _area_finish(slant_km, horiz_km, theta, flat, out)


@njit(cache=True, nogil=True)
def _area_terms(lbfs: np.ndarray, lb_min: np.ndarray, ld: np.ndarray, gap: np.ndarray,
                fs_base: float, ts_base: float, n0_term: float, p_term: float,
                scale: float) -> None:
    """:func:`area_loss_into`'s first pass, in place: ``lbfs`` from log10(slant) to Lbfs,
    ``lb_min`` from log10(horizontal distance) to min(Lbd, Lbs), ``gap`` from theta to
    ``scale`` |Lbd - Lbs| (each operation in the order of the array expressions)."""
    for i in range(lbfs.size):
        fs = fs_base + 20.0 * lbfs[i]
        lbd = fs + ld[i]
        lbs = ts_base + 20.0 * lb_min[i] + 0.573 * gap[i] - n0_term - p_term
        lbfs[i] = fs
        lb_min[i] = min(lbd, lbs)
        gap[i] = abs(lbd - lbs) * scale


@njit(cache=True, nogil=True)
def _area_finish(lbfs: np.ndarray, lb_min: np.ndarray, log_sum: np.ndarray, flat: np.ndarray,
                 out: np.ndarray) -> None:
    """:func:`area_loss_into`'s last pass: max(Lbfs, -5 log_sum + min(Lbd, Lbs)) into ``out[flat]``."""
    for i in range(lbfs.size):
        out[flat[i]] = max(lbfs[i], log_sum[i] * -5.0 + lb_min[i])
