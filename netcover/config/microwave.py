"""Settings of the microwave hop check: climate, availability per link class, profile, radio.

The scenario's ``[links.microwave]`` section, reached as ``LinkSettings.microwave``. Every default is
an assumption for the sample district (Quản Bạ, Hà Giang, about 23.1 N 105.0 E) with its source
below; a scenario elsewhere sets its own values.

Rain rate ``rain_rate_mm_h = 73``: R0.01 (1-minute rain rate exceeded 0.01% of an average year) by
the method of ITU-R P.837-7 Annex 1 at 23.1 N, 105.0 E, from the Recommendation's monthly total
rainfall maps and the monthly mean surface temperatures of ITU-R P.1510-1 (both as distributed with
ITU-Rpy, MIT licence), computed for this module: 72.9 mm/h (75.8 mm/h at 23.0 N, 82.2 mm/h at 22.8 N
104.8 E, 88.8 mm/h at Hà Nội). The same computation gives ITU-Rpy's P.837-7 validation values to
0.1 mm/h (99.1 mm/h at 3.133 N 101.7 E, 26.5 mm/h at London), so it is the P.837-7 R0.01 map value;
the maps themselves are not shipped. Older practice used the P.837-1 rain zones (zone N 95 mm/h,
zone P 145 mm/h): a more cautious operator may set those.

Modulations (:data:`MODULATIONS`): receiver thresholds at BER 1e-6 in a 28 MHz channel typical of
current split-mount radios' datasheets in the 6-23 GHz bands (an assumption: ETSI EN 302 217-2 sets
the worst permitted thresholds of each spectral-efficiency class, a few dB above these); they
follow ``-174 dBm/Hz + 10 log10(28 MHz) + noise figure 5 dB + the SNR the coded modulation needs``
(5 dB for QPSK, then 3 dB more for each doubling of the constellation above 16-QAM's 11 dB).
Thresholds scale with ``10 log10(channel / 28)``.
Capacity: ``channel / (1 + ROLL_OFF) * bits per symbol * CODE_RATE`` (roll-off 0.15, code and
framing efficiency 0.88, assumptions that give the 150-175 Mbps radios quote for 128/256-QAM in
28 MHz).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Literal, TypeAlias, get_args

from netcover.errors import ScenarioError

__all__ = [
    "CODE_RATE", "MODULATIONS", "POLARISATIONS", "PROFILE_METHODS", "REFERENCE_CHANNEL_MHZ",
    "ROLL_OFF", "MicrowaveSettings", "Modulation", "ModulationName", "ProfileMethod",
]

ModulationName: TypeAlias = Literal["QPSK", "16QAM", "32QAM", "64QAM", "128QAM", "256QAM",
                                    "512QAM", "1024QAM"]
ProfileMethod: TypeAlias = Literal["dense", "max_cell"]
#: ``profile``: "dense" bilinear heights ``samples_per_cell`` times per DEM cell (default), or
#: "max_cell": each point at the highest cell the ray crosses (conservative, see
#: :func:`netcover.links.profiles.max_cell_profile`).
PROFILE_METHODS: tuple[ProfileMethod, ...] = get_args(ProfileMethod)
Polarisation: TypeAlias = Literal["vertical", "horizontal", "circular"]
POLARISATIONS: tuple[Polarisation, ...] = get_args(Polarisation)

#: Channel width the thresholds of :data:`MODULATIONS` are given for (MHz).
REFERENCE_CHANNEL_MHZ = 28.0
#: Roll-off of the transmit filter: symbol rate = channel / (1 + ROLL_OFF) (assumption).
ROLL_OFF = 0.15
#: Share of the raw bit rate left after FEC and framing (assumption).
CODE_RATE = 0.88


@dataclass(frozen=True)
class Modulation:
    """One modulation: bits per symbol and the receiver threshold (BER 1e-6) in a 28 MHz channel."""

    name: str
    bits_per_symbol: int
    threshold_dbm_28mhz: float

    def threshold_dbm(self, channel_mhz: float) -> float:
        """Receiver threshold (dBm) in a channel of ``channel_mhz`` (noise grows with the width)."""
        return self.threshold_dbm_28mhz + 10.0 * math.log10(channel_mhz / REFERENCE_CHANNEL_MHZ)

    def capacity_mbps(self, channel_mhz: float) -> float:
        """Net capacity (Mbps) in a channel of ``channel_mhz``."""
        return channel_mhz / (1.0 + ROLL_OFF) * self.bits_per_symbol * CODE_RATE


#: The modulation table (see the module docstring for the source of the thresholds).
MODULATIONS: dict[str, Modulation] = {m.name: m for m in (
    Modulation("QPSK", 2, -89.5), Modulation("16QAM", 4, -83.5), Modulation("32QAM", 5, -80.5),
    Modulation("64QAM", 6, -77.5), Modulation("128QAM", 7, -74.5), Modulation("256QAM", 8, -71.5),
    Modulation("512QAM", 9, -68.5), Modulation("1024QAM", 10, -65.5))}


@dataclass(frozen=True)
class MicrowaveSettings:
    """``[links.microwave]``: how hops are checked (ITU-R P.530-18) and what they carry.

    Attributes
    ----------
    rain_rate_mm_h : float
        R0.01, rain rate exceeded 0.01% of an average year (1-minute integration), mm/h.
    dn1 : float
        Refractivity gradient of the lowest 65 m not exceeded 1% of the year (ITU-R P.453),
        N-units/km: -176 from the P.453 dN1 map at 23.1 N 104.98 E (assumption).
    terrain_roughness_m : float
        P.530's ``s_a``: standard deviation of heights over 110 km x 110 km (m); 250 for the karst
        mountains around the district (assumption; the P.530 map is not shipped).
    latitude_deg : float
        Latitude of the hops (worst-month to annual conversion).
    polarisation : {"vertical", "horizontal", "circular"}
        Of the hops (vertical: less rain attenuation at 10-30 GHz).
    availability_backhaul_pct, availability_office_pct : float
        Availability (% of the year) a hop must reach for BTS backhaul and for a government office,
        school or health station link; the caller of
        :func:`netcover.links.hops.check_hops` chooses which applies.
    profile : {"dense", "max_cell"}
        How the hop's terrain profile is sampled.
    samples_per_cell : int
        Profile points per DEM cell length with ``profile = "dense"`` (>= 2).
    clutter : bool
        Add the land-cover layer's clutter heights (trees, buildings) to the profile when the
        scenario has one.
    channel_mhz : float
        Channel width.
    modulation : str
        One of :data:`MODULATIONS`; sets the receiver threshold (unless ``[links]
        rx_threshold_dbm`` gives one), hence the fade margin and the availability, and the
        capacity of every hop.
    adaptive_modulation : bool
        Adaptive coding and modulation: ``modulation`` is the one the availability is reckoned at,
        and a hop carries the capacity of the densest modulation whose threshold still leaves the
        margin its availability needs (never less than ``modulation``'s). On by default: the
        split-mount radios of operators' backhaul adapt their modulation, and at one fixed
        128-QAM a hop (150 Mbps in 28 MHz) could not carry a 4G site's 150 Mbps.
    """

    rain_rate_mm_h: float = 73.0
    dn1: float = -176.0
    terrain_roughness_m: float = 250.0
    latitude_deg: float = 23.1
    polarisation: Polarisation = "vertical"
    availability_backhaul_pct: float = 99.99
    availability_office_pct: float = 99.9
    profile: ProfileMethod = "dense"
    samples_per_cell: int = 2
    clutter: bool = True
    channel_mhz: float = 28.0
    modulation: ModulationName = "128QAM"
    adaptive_modulation: bool = True

    def __post_init__(self) -> None:
        for name in ("rain_rate_mm_h", "channel_mhz"):
            if not getattr(self, name) > 0:
                _fail(f"{name} = {getattr(self, name)!r} must be > 0")
        if self.terrain_roughness_m < 0:
            _fail(f"terrain_roughness_m = {self.terrain_roughness_m!r} must be >= 0")
        if not -90.0 <= self.latitude_deg <= 90.0:
            _fail(f"latitude_deg = {self.latitude_deg!r} must be within -90..90")
        for name in ("availability_backhaul_pct", "availability_office_pct"):
            if not 0.0 < getattr(self, name) < 100.0:
                _fail(f"{name} = {getattr(self, name)!r} must be between 0 and 100 (e.g. 99.99)")
        if int(self.samples_per_cell) != self.samples_per_cell or self.samples_per_cell < 2:
            _fail(f"samples_per_cell = {self.samples_per_cell!r} must be a whole number >= 2")
        choices = (("modulation", tuple(MODULATIONS)), ("profile", PROFILE_METHODS),
                   ("polarisation", POLARISATIONS))
        for name, allowed in choices:
            if getattr(self, name) not in allowed:
                _fail(f"{name} = {getattr(self, name)!r} is not one of {list(allowed)}")

    @property
    def radio(self) -> Modulation:
        """The :class:`Modulation` of ``modulation``."""
        return MODULATIONS[self.modulation]

    def threshold_dbm(self) -> float:
        """Receiver threshold (dBm, BER 1e-6) of ``modulation`` in ``channel_mhz``."""
        return self.radio.threshold_dbm(self.channel_mhz)

    def capacity_mbps(self) -> float:
        """Capacity of a hop (Mbps) with ``modulation`` in ``channel_mhz``."""
        return self.radio.capacity_mbps(self.channel_mhz)

    def adaptive_capacity_mbps(self, spare_db: float) -> float:
        """Capacity (Mbps) of the densest modulation at most ``spare_db`` worse in threshold than
        ``modulation`` (``spare_db``: the fade margin left above the need), never below
        ``modulation``'s; ``modulation``'s alone without ``adaptive_modulation``."""
        best = self.capacity_mbps()
        if not self.adaptive_modulation:
            return best
        ref = self.radio.threshold_dbm_28mhz
        for m in MODULATIONS.values():
            if m.threshold_dbm_28mhz - ref <= spare_db:
                best = max(best, m.capacity_mbps(self.channel_mhz))
        return best

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Names of all settings, the keys accepted in ``[links.microwave]``."""
        return tuple(f.name for f in fields(cls))


def _fail(text: str) -> None:
    raise ScenarioError(f"[links.microwave] {text}")
