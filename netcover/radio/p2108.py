"""Terminal clutter loss: the height-gain terminal correction model of ITU-R P.2108-1 section 3.1.

A terminal of height ``h`` (m above ground) standing in clutter of representative height ``R`` (m)
loses ``Ah`` dB more than one above the clutter (Eqs 2a-2g, frequency 0.03-3 GHz):

- Eq (2a), categories "suburban", "urban/trees/forest", "dense urban" (diffraction over the clutter
  top at a street width ``ws``): ``Ah = J(nu) - 6.03`` with ``J`` the knife-edge loss of
  ITU-R P.526 Eq (31), ``J(nu) = 6.9 + 20 log10(sqrt((nu - 0.1)^2 + 1) + nu - 0.1)`` for
  ``nu > -0.78`` and 0 below;
- Eq (2b), categories "water/sea", "open/rural" (height gain): ``Ah = -K_h2 log10(h / R)``;
- Eq (2c) ``nu = K_nu sqrt(h_dif theta_clut)``, (2d) ``h_dif = R - h``,
  (2e) ``theta_clut = atan(h_dif / ws)`` in degrees, (2f) ``K_h2 = 21.8 + 6.2 log10(f)``,
  (2g) ``K_nu = 0.342 sqrt(f)``, ``f`` in GHz, ``ws`` = 27 m by default.

``Ah = 0`` when ``h >= R`` (section 3.1: the correction applies to a terminal below the clutter).
The constants were checked against ITU's reference implementations (eeveetza/p2108 ``cl_p2108_1.m``
and the Java port ``P2108.cl_loss1``, both "functionally identical to the reference version approved
by ITU-R Working Parties 3K and 3M").
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from netcover.config.landcover import EQ_2B_CATEGORIES, LandCoverTable
from netcover.errors import ModelError

__all__ = ["F_MAX_GHZ", "F_MIN_GHZ", "STREET_WIDTH_M", "knife_edge_j", "landcover_terminal_loss",
           "terminal_clutter_loss"]

#: Street width ws (m), P.2108-1 section 3.1 default.
STREET_WIDTH_M = 27.0
#: Frequency range of the section 3.1 model (GHz).
F_MIN_GHZ, F_MAX_GHZ = 0.03, 3.0


def knife_edge_j(nu: ArrayLike) -> NDArray[np.float64]:
    """Single knife-edge diffraction loss J(nu) (dB), ITU-R P.526-15 Eq (31); 0 for nu <= -0.78."""
    v = np.asarray(nu, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        j = 6.9 + 20.0 * np.log10(np.sqrt((v - 0.1) ** 2 + 1.0) + v - 0.1)
    return np.where(v > -0.78, j, 0.0)


def terminal_clutter_loss(f_ghz: float, h_m: ArrayLike, r_m: ArrayLike, eq_2b: ArrayLike, *,
                          ws_m: float = STREET_WIDTH_M) -> NDArray[np.float64]:
    """Median terminal clutter loss Ah (dB), ITU-R P.2108-1 section 3.1, Eqs (2a)-(2g).

    Parameters
    ----------
    f_ghz : float
        Frequency (GHz), 0.03-3; above 3 GHz (up to 6 GHz, P.1812's range) the formulas are
        extrapolated, as the reference code does with a warning.
    h_m : array_like
        Terminal height above ground (m), > 0.
    r_m : array_like
        Representative clutter height R (m) of the terminal's location, >= 0.
    eq_2b : array_like of bool
        True where the clutter category uses Eq (2b) ("water/sea", "open/rural"), False for
        Eq (2a) ("suburban", "urban/trees/forest", "dense urban").
    ws_m : float
        Street width (m), Eq (2e).

    Returns
    -------
    numpy.ndarray
        Ah (dB), broadcast over the inputs; 0 where ``h >= R``.

    Raises
    ------
    ModelError
        A frequency outside 0.03-6 GHz, a terminal height <= 0 or a street width <= 0.
    """
    if not F_MIN_GHZ <= f_ghz <= 6.0:
        msg = f"f = {f_ghz} GHz is outside the range of ITU-R P.2108 section 3.1 (0.03-3 GHz)"
        raise ModelError(msg)
    h = np.asarray(h_m, dtype=np.float64)
    r = np.asarray(r_m, dtype=np.float64)
    if np.any(h <= 0) or not ws_m > 0:
        msg = "terminal heights and the street width must be > 0 m (ITU-R P.2108 section 3.1)"
        raise ModelError(msg)
    k_nu = 0.342 * np.sqrt(f_ghz)  # (2g)
    k_h2 = 21.8 + 6.2 * np.log10(f_ghz)  # (2f)
    below = h < r
    h_dif = np.where(below, r - h, 0.0)  # (2d)
    theta_clut = np.degrees(np.arctan(h_dif / ws_m))  # (2e), degrees
    nu = k_nu * np.sqrt(h_dif * theta_clut)  # (2c)
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = -k_h2 * np.log10(h / np.where(below, r, h))  # (2b)
    diffraction = knife_edge_j(nu) - 6.03  # (2a)
    ah = np.where(np.asarray(eq_2b, dtype=bool), gain, diffraction)
    return np.where(below, ah, 0.0)


def landcover_terminal_loss(landcover: np.ndarray, table: LandCoverTable, frequency_mhz: float,
                            rx_height_m: float, *, p2108: bool = True) -> NDArray[np.float32]:
    """Terminal clutter loss (dB) of a receiver in each cell of a land-cover grid.

    Each class's :func:`terminal_clutter_loss` for its height and category (when ``p2108``), plus
    its additional loss for the band (:meth:`~netcover.config.landcover.LandCoverClass.extra_loss_db`).

    Parameters
    ----------
    landcover : numpy.ndarray
        Integer class codes, every one a code of ``table``.
    table : LandCoverTable
        The classes.
    frequency_mhz, rx_height_m : float
        The band and the receiver's height above ground (m).
    p2108 : bool
        Whether the P.2108 section 3.1 loss is included (else only the classes' extra losses).

    Returns
    -------
    numpy.ndarray
        float32 loss (dB) of the shape of ``landcover``.
    """
    classes = table.classes
    codes = np.array([c.code for c in classes], dtype=np.int64)
    per_class = np.zeros(len(classes))
    if p2108:
        per_class = terminal_clutter_loss(
            frequency_mhz / 1000.0, rx_height_m, np.array([c.height_m for c in classes]),
            np.array([c.category in EQ_2B_CATEGORIES for c in classes]))
    per_class = per_class + np.array([c.extra_loss_db(frequency_mhz) for c in classes])
    lut = np.zeros(int(codes.max()) + 1, dtype=np.float32)
    lut[codes] = per_class
    return lut[np.asarray(landcover, dtype=np.int64)]
