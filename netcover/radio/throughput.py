"""SINR -> spectral efficiency -> peak and loaded user throughput, for 4G (LTE) and 5G NR.

**Mapping.** 3GPP TR 36.942 (V17.0.0) Annex A.2, "attenuated and truncated Shannon bound":

    Thr(SINR) = 0                             for SINR < SINR_MIN
              = alpha * log2(1 + SINR)        for SINR_MIN <= SINR < SINR_MAX
              = Thr_MAX                       for SINR >= SINR_MAX

with SINR linear and Thr in bit/s/Hz. Table A.2-1 gives for the LTE downlink (baseline SISO link
performance) alpha = 0.6, SINR_MIN = -10 dB, Thr_MAX = 4.4 bit/s/Hz; SINR_MAX is where the two
branches meet, 10 log10(2**(4.4 / 0.6) - 1) = 22.05 dB (:data:`LTE_DL`). The uplink row
(alpha 0.4, SINR_MIN -10 dB, Thr_MAX 2.0, so SINR_MAX 14.91 dB) is :data:`LTE_UL`. The LTE
throughput is the efficiency times the resource blocks' bandwidth, N_RB x 180 kHz.

**5G NR** (:data:`NR_DL`): 3GPP gives no attenuated-Shannon table for NR. *Assumption*: the same
form with TR 36.942's downlink alpha (0.6) and SINR_MIN (-10 dB), and Thr_MAX the largest
spectral efficiency of the NR downlink, 256QAM at code rate 948/1024 = 7.4063 bit per resource
element (TS 38.214 Table 5.1.3.1-2, MCS 27), so SINR_MAX = 10 log10(2**(7.4063 / 0.6) - 1) =
37.2 dB. The NR throughput follows the peak-rate formula of TS 38.306 section 4.1.2 with the
efficiency in place of Q_m f R_max:

    rate = layers * Thr * N_RB * 12 / T_s * (1 - OH),   T_s = 1e-3 / (14 * 2**mu) s

(N_RB from TS 38.101-1 Table 5.3.2-1, :mod:`netcover.config.nr`; OH = 0.14 the FR1 downlink
overhead of TS 38.306). With Thr = 7.4063, 273 PRB at 30 kHz and 4 layers this is the usual
2,337 Mb/s of a 100 MHz n78 carrier.

**Load.** With the cell's PRB load rho (share of resources in use, 0..1), a user's throughput is
the peak rate times (1 - rho): the mean rate of elastic traffic in a processor-sharing cell
(Bonald and Proutiere, "Wireless downlink data channels: user performance and cell dimensioning",
MobiCom 2003). See :mod:`netcover.coverage.capacity` for the load fixed point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from netcover.config.nr import nr_numerology, nr_resource_blocks
from netcover.errors import ModelError
from netcover.radio.budget import resource_blocks

__all__ = [
    "LTE_DL", "LTE_UL", "NR_DL", "NR_OVERHEAD_FR1_DL", "RB_HZ", "AttenuatedShannon", "cell_peak_rate_mbps",
    "loaded_throughput_mbps", "lte_rate_mbps", "nr_rate_mbps",
]

#: Bandwidth of one LTE resource block, Hz (12 subcarriers of 15 kHz).
RB_HZ = 180_000.0
#: Overhead of the NR FR1 downlink in the peak-rate formula (TS 38.306 section 4.1.2).
NR_OVERHEAD_FR1_DL = 0.14


@dataclass(frozen=True)
class AttenuatedShannon:
    """The truncated, attenuated Shannon bound of TR 36.942 Annex A.2.

    Attributes
    ----------
    alpha : float
        Attenuation (implementation losses), 0 < alpha <= 1.
    sinr_min_db : float
        Below this SINR the throughput is 0.
    thr_max : float
        Largest spectral efficiency, bit/s/Hz (per resource element for NR).
    """

    alpha: float
    sinr_min_db: float
    thr_max: float

    def __post_init__(self) -> None:
        if not (0.0 < self.alpha <= 1.0 and math.isfinite(self.sinr_min_db)
                and math.isfinite(self.thr_max) and self.thr_max > 0.0):
            msg = (f"AttenuatedShannon(alpha={self.alpha!r}, sinr_min_db={self.sinr_min_db!r}, "
                   f"thr_max={self.thr_max!r}): need 0 < alpha <= 1, finite SINR_MIN, Thr_MAX > 0")
            raise ModelError(msg)

    @property
    def sinr_max_db(self) -> float:
        """SINR (dB) at which ``alpha log2(1 + SINR)`` reaches ``thr_max``."""
        return 10.0 * math.log10(2.0 ** (self.thr_max / self.alpha) - 1.0)

    def efficiency(self, sinr_db: np.ndarray | float) -> np.ndarray:
        """Spectral efficiency (bit/s/Hz, float64) at each SINR (dB); NaN stays NaN."""
        sinr = np.asarray(sinr_db, dtype=np.float64)
        with np.errstate(over="ignore"):
            se = self.alpha * np.log2(1.0 + 10.0 ** (sinr / 10.0))
        se = np.minimum(se, self.thr_max)
        return np.where(sinr < self.sinr_min_db, 0.0, se)


#: LTE downlink: TR 36.942 Table A.2-1 (alpha 0.6, SINR_MIN -10 dB, Thr_MAX 4.4 bit/s/Hz).
LTE_DL = AttenuatedShannon(alpha=0.6, sinr_min_db=-10.0, thr_max=4.4)
#: LTE uplink: TR 36.942 Table A.2-1 (alpha 0.4, SINR_MIN -10 dB, Thr_MAX 2.0 bit/s/Hz).
LTE_UL = AttenuatedShannon(alpha=0.4, sinr_min_db=-10.0, thr_max=2.0)
#: NR downlink (assumption, see the module notes): alpha 0.6, SINR_MIN -10 dB, Thr_MAX 7.4063
#: bit per resource element (256QAM, R = 948/1024, TS 38.214 Table 5.1.3.1-2 MCS 27).
NR_DL = AttenuatedShannon(alpha=0.6, sinr_min_db=-10.0, thr_max=8.0 * 948.0 / 1024.0)


def lte_rate_mbps(efficiency: np.ndarray | float, bandwidth_mhz: float) -> np.ndarray:
    """LTE rate (Mb/s) at a spectral efficiency: efficiency x N_RB x 180 kHz (TS 36.101 N_RB)."""
    n_rb = resource_blocks(bandwidth_mhz)
    return np.asarray(efficiency, dtype=np.float64) * n_rb * RB_HZ / 1e6


def nr_rate_mbps(efficiency: np.ndarray | float, bandwidth_mhz: float, scs_khz: float, *,
                 layers: int = 1, overhead: float = NR_OVERHEAD_FR1_DL) -> np.ndarray:
    """NR rate (Mb/s) at an efficiency per resource element: TS 38.306 section 4.1.2.

    ``layers * efficiency * N_RB * 12 / T_s * (1 - overhead)`` with ``T_s = 1e-3 / (14 * 2**mu)``.
    """
    if layers < 1 or not 0.0 <= overhead < 1.0:
        msg = f"layers={layers!r} must be >= 1 and overhead={overhead!r} in [0, 1)"
        raise ModelError(msg)
    n_rb = nr_resource_blocks(bandwidth_mhz, scs_khz)
    symbols_per_s = 14.0 * 2 ** nr_numerology(scs_khz) * 1000.0
    re_per_s = n_rb * 12.0 * symbols_per_s
    return np.asarray(efficiency, dtype=np.float64) * layers * re_per_s * (1.0 - overhead) / 1e6


def cell_peak_rate_mbps(technology: str, sinr_db: np.ndarray | float, bandwidth_mhz: float, *,
                        scs_khz: float | None = None) -> np.ndarray:
    """Rate (Mb/s) a lone user gets at each SINR: :data:`LTE_DL` or :data:`NR_DL` on the channel.

    ``technology`` "4G" or "5G" (3G has no mapping here: :class:`ModelError`); ``scs_khz`` is
    required for 5G.
    """
    if technology == "4G":
        return lte_rate_mbps(LTE_DL.efficiency(sinr_db), bandwidth_mhz)
    if technology == "5G":
        if scs_khz is None:
            msg = "a 5G cell's rate needs its subcarrier spacing (scs_khz)"
            raise ModelError(msg)
        return nr_rate_mbps(NR_DL.efficiency(sinr_db), bandwidth_mhz, scs_khz)
    msg = f"technology={technology!r}: throughput is mapped for 4G and 5G only"
    raise ModelError(msg)


def loaded_throughput_mbps(peak_mbps: np.ndarray | float, load: np.ndarray | float) -> np.ndarray:
    """Mean user throughput in a cell of PRB load ``load``: peak x (1 - load), 0 at load >= 1."""
    rho = np.clip(np.asarray(load, dtype=np.float64), 0.0, 1.0)
    return np.asarray(peak_mbps, dtype=np.float64) * (1.0 - rho)

