"""Base-station antenna patterns and their gain towards arbitrary directions.

Three pattern kinds, all immutable:

- :class:`ParametricPattern`: the 3GPP TR 36.814 (Table A.2.1.1-2) sector pattern,
- :class:`OmniPattern`: the same vertical pattern with a flat horizontal one,
- :class:`TabulatedPattern`: 360 + 360 attenuation values as in MSI / Planet files
  (:func:`netcover.radio.msi.read_msi`).

:func:`relative_gain_db` gives the attenuation (as a gain <= 0 dB relative to the antenna's maximum)
towards many directions at once. Conventions used throughout:

- *bearing*: degrees clockwise from grid north; *elevation*: degrees above the horizontal plane;
- *azimuth* of a sector: bearing of its boresight;
- *tilt*: positive = downtilt, for both mechanical and electrical tilt;
- mechanical tilt turns the whole antenna about its horizontal axis (perpendicular to the boresight),
  so its effect is full on boresight and fades to nothing at 90 deg off boresight; electrical tilt
  shifts the vertical pattern, the same way in every azimuth.

The direction of interest is expressed in the antenna's own frame (after azimuth and mechanical tilt)
as a local azimuth ``phi`` (clockwise from boresight, -180..180) and a local depression angle ``theta``
(below the antenna's horizontal plane, positive downwards, -90..90); each pattern turns
(phi, theta) into an attenuation. Sector omni: an omni antenna is :class:`OmniPattern`; callers
select it with ``h_beamwidth_deg = 360`` (see :func:`netcover.radio.msi.pattern_for_sector`) and its
azimuth is then irrelevant except for the direction of a mechanical tilt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
from numba import njit

from netcover.errors import InputError

__all__ = [
    "DIPOLE_GAIN_DBI", "N_ANGLES", "AntennaPattern", "OmniPattern", "ParametricPattern", "TabulatedPattern",
    "relative_gain_db",
]

#: dBi = dBd + this (gain of a half-wave dipole over an isotropic radiator).
DIPOLE_GAIN_DBI = 2.15

#: Number of one-degree samples per plane of a tabulated pattern.
N_ANGLES = 360

def _check_range(name: str, value: float, low: float, high: float, *, low_open: bool = True) -> None:
    ok_low = value > low if low_open else value >= low
    if not (math.isfinite(value) and ok_low and value <= high):
        bracket = "(" if low_open else "["
        msg = f"{name}={value!r} must lie in {bracket}{low:g}, {high:g}]"
        raise InputError(msg)


# --------------------------------------------------------------------------- kernels


@njit(cache=True, inline="always")
def _wrap360(angle: float) -> float:
    """Angle in degrees brought into [0, 360] (faster than the Python-semantics ``%``)."""
    return angle - 360.0 * math.floor(angle / 360.0)


@njit(cache=True, inline="always")
def _local_angles(bearing: float, elevation: float, azimuth: float, sin_t: float,
                  cos_t: float) -> tuple[float, float]:
    """Direction (bearing, elevation in degrees) in the frame of a tilted antenna.

    Returns (phi, theta) in degrees: phi clockwise from boresight in [-180, 180], theta the
    depression below the antenna's horizontal plane. The antenna frame is the east-north-up frame
    turned by the azimuth about "up", then by the downtilt about the antenna's "right" axis; with no
    mechanical tilt (``sin_t == 0``) that is a plain change of origin, computed without trigonometry.
    """
    rel = bearing - azimuth
    if sin_t == 0.0:
        return _wrap360(rel + 180.0) - 180.0, -elevation
    r = math.radians(rel)
    dz = math.sin(math.radians(elevation))
    ce = math.sqrt(max(0.0, 1.0 - dz * dz))  # cos(elevation) >= 0 for elevation in [-90, 90]
    right = ce * math.sin(r)
    fwd = ce * math.cos(r)
    y = fwd * cos_t - dz * sin_t
    z = dz * cos_t + fwd * sin_t
    z = min(1.0, max(-1.0, z))
    return math.degrees(math.atan2(right, y)), -math.degrees(math.asin(z))


@njit(cache=True, nogil=True)
def _parametric_kernel(bearing: np.ndarray, elevation: np.ndarray, azimuth: float, mech_tilt: float,
                       elec_tilt: float, h_bw: float, v_bw: float, am: float, sla_v: float
                       ) -> np.ndarray:
    """3GPP TR 36.814 attenuation (dB >= 0); ``h_bw <= 0`` means a flat horizontal pattern."""
    n = bearing.shape[0]
    out = np.empty(n, dtype=np.float64)
    st, ct = math.sin(math.radians(mech_tilt)), math.cos(math.radians(mech_tilt))
    for i in range(n):
        if math.isnan(bearing[i]) or math.isnan(elevation[i]):
            out[i] = np.nan
            continue
        phi, theta = _local_angles(bearing[i], elevation[i], azimuth, st, ct)
        a_h = 0.0
        if h_bw > 0.0:
            u = phi / h_bw
            a_h = min(12.0 * u * u, am)
        v = (theta - elec_tilt) / v_bw
        a_v = min(12.0 * v * v, sla_v)
        out[i] = min(a_h + a_v, am)
    return out


@njit(cache=True, inline="always")
def _interp_periodic(table: np.ndarray, angle: float) -> float:
    """Linear interpolation in a one-degree table of 360 values, angle in degrees (any range)."""
    a = _wrap360(angle)
    i0 = math.floor(a)
    f = a - i0
    if i0 >= 360:  # angle just below a multiple of 360 rounded up
        i0 -= 360
    return table[i0] * (1.0 - f) + table[(i0 + 1) % 360] * f


@njit(cache=True, nogil=True)
def _tabulated_kernel(bearing: np.ndarray, elevation: np.ndarray, azimuth: float, mech_tilt: float,
                      tilt_shift: float, horizontal: np.ndarray, vertical: np.ndarray,
                      a_max: float) -> np.ndarray:
    """Attenuation (dB >= 0) of a tabulated pattern; see :class:`TabulatedPattern` for the rule."""
    n = bearing.shape[0]
    out = np.empty(n, dtype=np.float64)
    st, ct = math.sin(math.radians(mech_tilt)), math.cos(math.radians(mech_tilt))
    h_min = horizontal.min()
    v_front_horizon = _interp_periodic(vertical, -tilt_shift)
    v_back_horizon = _interp_periodic(vertical, 180.0 - tilt_shift)
    for i in range(n):
        if math.isnan(bearing[i]) or math.isnan(elevation[i]):
            out[i] = np.nan
            continue
        phi, theta = _local_angles(bearing[i], elevation[i], azimuth, st, ct)
        w = abs(phi) / 180.0
        v_front = _interp_periodic(vertical, theta - tilt_shift)
        v_back = _interp_periodic(vertical, 180.0 - theta - tilt_shift) - v_back_horizon
        a = (_interp_periodic(horizontal, phi) - h_min
             + (1.0 - w) * v_front + w * (v_back + v_front_horizon))
        out[i] = min(max(a, 0.0), a_max)
    return out


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class ParametricPattern:
    """The 3GPP TR 36.814 (Table A.2.1.1-2) sector antenna pattern.

    A_H(phi) = -min(12 (phi / phi_3dB)^2, Am), A_V(theta) = -min(12 ((theta - tilt) / theta_3dB)^2,
    SLA_v), A = -min(-(A_H + A_V), Am), with Am = ``front_to_back_db`` and SLA_v = ``side_lobe_db``;
    ``tilt`` is the electrical tilt.

    Parameters
    ----------
    h_beamwidth_deg : float
        Horizontal half-power beamwidth, in (0, 360).
    v_beamwidth_deg : float
        Vertical half-power beamwidth, in (0, 180].
    front_to_back_db : float
        Maximum attenuation Am (front-to-back ratio), > 0.
    side_lobe_db : float
        Vertical side-lobe attenuation limit SLA_v, > 0.
    """

    h_beamwidth_deg: float
    v_beamwidth_deg: float
    front_to_back_db: float = 25.0
    side_lobe_db: float = 20.0

    def __post_init__(self) -> None:
        _check_range("h_beamwidth_deg", self.h_beamwidth_deg, 0.0, 360.0)
        if self.h_beamwidth_deg >= 360.0:
            msg = "h_beamwidth_deg=360 is an omni antenna: use OmniPattern (or pattern_for_sector)"
            raise InputError(msg)
        _check_range("v_beamwidth_deg", self.v_beamwidth_deg, 0.0, 180.0)
        _check_range("front_to_back_db", self.front_to_back_db, 0.0, 200.0)
        _check_range("side_lobe_db", self.side_lobe_db, 0.0, 200.0)

    def _attenuation(self, bearing: np.ndarray, elevation: np.ndarray, azimuth: float,
                     mech_tilt: float, elec_tilt: float) -> np.ndarray:
        return _parametric_kernel(bearing, elevation, azimuth, mech_tilt, elec_tilt,
                                  self.h_beamwidth_deg, self.v_beamwidth_deg,
                                  self.front_to_back_db, self.side_lobe_db)


@dataclass(frozen=True)
class OmniPattern:
    """Omnidirectional antenna: 0 dB in every horizontal direction, 3GPP vertical pattern.

    A = -min(12 ((theta - tilt) / theta_3dB)^2, SLA_v) with SLA_v = ``side_lobe_db``.

    Parameters
    ----------
    v_beamwidth_deg : float
        Vertical half-power beamwidth, in (0, 180].
    side_lobe_db : float
        Vertical side-lobe attenuation limit, > 0.
    """

    v_beamwidth_deg: float
    side_lobe_db: float = 20.0

    def __post_init__(self) -> None:
        _check_range("v_beamwidth_deg", self.v_beamwidth_deg, 0.0, 180.0)
        _check_range("side_lobe_db", self.side_lobe_db, 0.0, 200.0)

    def _attenuation(self, bearing: np.ndarray, elevation: np.ndarray, azimuth: float,
                     mech_tilt: float, elec_tilt: float) -> np.ndarray:
        return _parametric_kernel(bearing, elevation, azimuth, mech_tilt, elec_tilt, 0.0,
                                  self.v_beamwidth_deg, self.side_lobe_db, self.side_lobe_db)


def _as_table(name: str, values: object) -> np.ndarray:
    table = np.array(values, dtype=np.float64)
    if table.shape != (N_ANGLES,):
        msg = f"{name} must hold {N_ANGLES} values (one per degree), got shape {table.shape}"
        raise InputError(msg)
    bad = np.flatnonzero(~np.isfinite(table) | (table < 0.0))
    if bad.size:
        i = int(bad[0])
        msg = (f"{name}[{i}]={table[i]!r}: attenuations must be finite and >= 0 dB "
               "(relative to the antenna's maximum)")
        raise InputError(msg)
    table.setflags(write=False)
    return table


@dataclass(frozen=True, eq=False)
class TabulatedPattern:
    """A measured pattern: one attenuation per degree in the horizontal and the vertical plane.

    Angle conventions are those of MSI / Planet files: ``horizontal_db[k]`` is the attenuation k
    degrees clockwise from boresight; ``vertical_db[k]`` is the attenuation k degrees below the
    horizon in the vertical plane through the boresight (90 = straight down, 180 = horizon behind the
    antenna, 270 = straight up). Values are dB >= 0 relative to the maximum gain ``gain_dbi``.

    Combination of the two planes (direction at local azimuth phi, depression theta, w = |phi|/180):

        A = H(phi) - min(H) + (1 - w) V(theta) + w [V(180 - theta) - V(180) + V(0)]

    clipped to [0, max(max H, max V)]. It reproduces the vertical cut in front of the antenna
    (phi = 0), the horizontal cut at the horizon (theta = 0; plus the horizon attenuation V(0) of a
    tilted beam) and, behind the antenna, the shape of the back part of the vertical cut. Between the
    cuts it is a summation (as most planning tools do), which is least accurate far off both planes,
    e.g. close to the nadir at the side of the antenna.

    Electrical tilt: the file's ``electrical_tilt_deg`` is already in ``vertical_db``; a sector whose
    electrical tilt differs has its vertical cut shifted by the difference (an approximation: a real
    antenna's beam also changes shape with tilt; prefer the file for the tilt actually set).

    Parameters
    ----------
    horizontal_db, vertical_db : array_like
        360 attenuations each (dB >= 0), index = angle in degrees.
    gain_dbi : float or None
        Maximum gain from the file, or None if the file gives none.
    electrical_tilt_deg : float
        Electrical downtilt built into ``vertical_db``.
    name : str
        Antenna name, for messages and reports.
    frequency_mhz : float or None
        Frequency the pattern was measured at, if known.
    """

    horizontal_db: np.ndarray
    vertical_db: np.ndarray
    gain_dbi: float | None = None
    electrical_tilt_deg: float = 0.0
    name: str = ""
    frequency_mhz: float | None = None
    _max_db: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "horizontal_db", _as_table("horizontal_db", self.horizontal_db))
        object.__setattr__(self, "vertical_db", _as_table("vertical_db", self.vertical_db))
        _check_range("electrical_tilt_deg", self.electrical_tilt_deg, -90.0, 90.0, low_open=False)
        if self.gain_dbi is not None and not math.isfinite(self.gain_dbi):
            msg = f"gain_dbi={self.gain_dbi!r} must be finite (or None when unknown)"
            raise InputError(msg)
        top = max(float(self.horizontal_db.max()), float(self.vertical_db.max()))
        object.__setattr__(self, "_max_db", top)

    def _attenuation(self, bearing: np.ndarray, elevation: np.ndarray, azimuth: float,
                     mech_tilt: float, elec_tilt: float) -> np.ndarray:
        return _tabulated_kernel(bearing, elevation, azimuth, mech_tilt,
                                 elec_tilt - self.electrical_tilt_deg,
                                 self.horizontal_db, self.vertical_db, self._max_db)


#: Any antenna pattern :func:`relative_gain_db` accepts.
AntennaPattern: TypeAlias = ParametricPattern | OmniPattern | TabulatedPattern


def relative_gain_db(pattern: AntennaPattern,
                     bearing_deg: np.ndarray | float, elevation_deg: np.ndarray | float, *,
                     azimuth_deg: float, mech_tilt_deg: float = 0.0,
                     elec_tilt_deg: float = 0.0) -> np.ndarray:
    """Antenna gain relative to its maximum (dB <= 0) towards the given directions.

    Parameters
    ----------
    pattern : ParametricPattern, OmniPattern or TabulatedPattern
        The antenna.
    bearing_deg, elevation_deg : array_like
        Directions from the antenna: bearing clockwise from grid north, elevation above the
        horizontal (degrees). Broadcast together; NaN gives NaN.
    azimuth_deg : float
        Boresight bearing of the sector.
    mech_tilt_deg, elec_tilt_deg : float
        Mechanical and electrical downtilt (positive = down), in [-90, 90].

    Returns
    -------
    numpy.ndarray
        Gain in dB (<= 0), broadcast shape of the inputs; float32 if both inputs are float32,
        float64 otherwise.
    """
    _check_range("azimuth_deg", azimuth_deg, -360.0, 720.0, low_open=False)
    _check_range("mech_tilt_deg", mech_tilt_deg, -90.0, 90.0, low_open=False)
    _check_range("elec_tilt_deg", elec_tilt_deg, -90.0, 90.0, low_open=False)
    b, e = np.broadcast_arrays(np.asarray(bearing_deg), np.asarray(elevation_deg))
    out_dtype = np.float32 if (b.dtype == np.float32 and e.dtype == np.float32) else np.float64
    flat_b = np.ascontiguousarray(b, dtype=np.float64).ravel()
    flat_e = np.ascontiguousarray(e, dtype=np.float64).ravel()
    att = pattern._attenuation(flat_b, flat_e, float(azimuth_deg), float(mech_tilt_deg),
                               float(elec_tilt_deg))
    gain = 0.0 - att  # not -att: a zero attenuation gives +0.0, not -0.0
    return gain.reshape(b.shape).astype(out_dtype, copy=False)
