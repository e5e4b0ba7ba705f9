"""Link budget and coverage classes.

Levels are *reference-signal* levels: per resource element for 4G (RSRP, 15 kHz) and 5G NR
(SS-RSRP, at the cell's subcarrier spacing) and the CPICH code power for 3G (RSCP). The chain for
one cell (sector) is

    level = reference power + antenna gain + relative gain (pattern) - basic loss
            + rx gain - feeder loss - body loss                         (:func:`received_level_dbm`)

and the coverage engine adds every cell's level raster to a best-server accumulator
(:mod:`netcover.radio.servers`); :func:`classify` turns levels into coverage classes.
"""

from __future__ import annotations

import math

import numpy as np

from netcover.config.nr import check_scs, nr_resource_blocks
from netcover.config.radio import (
    LTE_RESOURCE_BLOCKS,
    RSRP_THRESHOLDS,
    ClassThresholds,
    CoverageClass,
    check_technology,
)
from netcover.errors import ModelError

__all__ = [
    "NOISE_DENSITY_DBM_HZ", "RESOURCE_ELEMENT_HZ", "SUBCARRIERS_PER_RB", "UMTS_CHIP_RATE_HZ",
    "cell_reference_power_dbm", "classify", "pilot_power_dbm", "received_level_dbm",
    "reference_noise_dbm", "reference_signal_power_dbm", "resource_blocks", "ss_rsrp_power_dbm",
    "thermal_noise_dbm",
]

#: Subcarriers per LTE resource block.
SUBCARRIERS_PER_RB = 12
#: Bandwidth of one LTE resource element (subcarrier spacing), Hz: the noise bandwidth of RSRP.
RESOURCE_ELEMENT_HZ = 15_000.0
#: UMTS chip rate, Hz: the noise bandwidth of a 3G carrier.
UMTS_CHIP_RATE_HZ = 3_840_000.0
#: Thermal noise density at 290 K, dBm/Hz.
NOISE_DENSITY_DBM_HZ = -174.0


# --------------------------------------------------------------------------- powers and noise


def resource_blocks(bandwidth_mhz: float) -> int:
    """Number of LTE resource blocks of a channel bandwidth (1.4, 3, 5, 10, 15 or 20 MHz)."""
    for bw, n_rb in LTE_RESOURCE_BLOCKS.items():
        if math.isclose(bandwidth_mhz, bw, abs_tol=1e-6):
            return n_rb
    allowed = ", ".join(f"{bw:g}" for bw in LTE_RESOURCE_BLOCKS)
    msg = f"bandwidth_mhz={bandwidth_mhz!r} is not an LTE channel bandwidth: use one of {allowed}"
    raise ModelError(msg)


def reference_signal_power_dbm(tx_power_dbm: float, bandwidth_mhz: float) -> float:
    """LTE reference-signal power per resource element: total power over 12 N_RB subcarriers.

    Assumes the power spread evenly over all subcarriers (no RS boosting): 43 dBm over 20 MHz gives
    43 - 10 log10(1200) = 12.2 dBm.
    """
    n_re = SUBCARRIERS_PER_RB * resource_blocks(bandwidth_mhz)
    return tx_power_dbm - 10.0 * math.log10(n_re)


def ss_rsrp_power_dbm(tx_power_dbm: float, bandwidth_mhz: float, scs_khz: float) -> float:
    """NR SS-RSRP reference power per resource element: total power over 12 N_RB subcarriers.

    The SSB's resource elements carry the power per RE of the whole channel (no SSB boosting;
    TS 38.215 section 5.1.1 defines SS-RSRP per RE of the secondary synchronisation signal), with
    N_RB of TS 38.101-1 Table 5.3.2-1 at the subcarrier spacing: 46 dBm over 100 MHz at 30 kHz
    (273 RB) gives 46 - 10 log10(3276) = 10.85 dBm.
    """
    n_re = SUBCARRIERS_PER_RB * nr_resource_blocks(bandwidth_mhz, scs_khz)
    return tx_power_dbm - 10.0 * math.log10(n_re)


def pilot_power_dbm(tx_power_dbm: float, pilot_fraction_db: float = -10.0) -> float:
    """UMTS CPICH power: the cell's total power times the pilot fraction (typically 10 %)."""
    if not (math.isfinite(pilot_fraction_db) and pilot_fraction_db <= 0.0):
        msg = f"pilot_fraction_db={pilot_fraction_db!r} must be <= 0 (a fraction of the total)"
        raise ModelError(msg)
    return tx_power_dbm + pilot_fraction_db


def cell_reference_power_dbm(technology: str, tx_power_dbm: float, bandwidth_mhz: float, *,
                             pilot_fraction_db: float = -10.0,
                             scs_khz: float | None = None) -> float:
    """Reference power of a cell: RS power per resource element (4G), SS-RSRP power per resource
    element at ``scs_khz`` (5G, required) or CPICH power (3G).

    ``bandwidth_mhz`` is ignored for 3G (a UMTS carrier is always 5 MHz).
    """
    tech = check_technology(technology)
    if tech == "4G":
        return reference_signal_power_dbm(tx_power_dbm, bandwidth_mhz)
    if tech == "5G":
        return ss_rsrp_power_dbm(tx_power_dbm, bandwidth_mhz, _nr_scs(scs_khz))
    return pilot_power_dbm(tx_power_dbm, pilot_fraction_db)


def _nr_scs(scs_khz: float | None) -> float:
    if scs_khz is None:
        msg = ("a 5G cell's reference power and noise need its subcarrier spacing: pass scs_khz "
               "(the sites table's scs_khz, which reading the table fills with the band's default, "
               "netcover.config.nr.default_scs_khz, where empty)")
        raise ModelError(msg)
    return check_scs(scs_khz)


def thermal_noise_dbm(bandwidth_hz: float, noise_figure_db: float) -> float:
    """Receiver noise power: -174 dBm/Hz + 10 log10(B) + NF.

    For RSRP-based SINR use one resource element, ``bandwidth_hz = 15e3``
    (:data:`RESOURCE_ELEMENT_HZ`): with NF = 7 dB that is -125.2 dBm.
    """
    if not (math.isfinite(bandwidth_hz) and bandwidth_hz > 0.0):
        msg = f"bandwidth_hz={bandwidth_hz!r} must be > 0"
        raise ModelError(msg)
    if not (math.isfinite(noise_figure_db) and noise_figure_db >= 0.0):
        msg = f"noise_figure_db={noise_figure_db!r} must be >= 0"
        raise ModelError(msg)
    return NOISE_DENSITY_DBM_HZ + 10.0 * math.log10(bandwidth_hz) + noise_figure_db


def reference_noise_dbm(technology: str, noise_figure_db: float, *,
                        pilot_fraction_db: float = -10.0, scs_khz: float | None = None) -> float:
    """Noise on the scale of the reference levels, for :meth:`ServerAccumulator.sinr_db`.

    4G: noise in one resource element (15 kHz), so S/(I+N) from RSRP levels is the SINR of a fully
    loaded network. 5G: noise in one resource element at ``scs_khz`` (required): -174 + 10
    log10(30e3) + 7 = -122.2 dBm at 30 kHz and NF 7 dB. 3G: noise in the 3.84 MHz carrier scaled
    by the pilot fraction, so that RSCP_best / (sum of other RSCP + N) equals the geometry factor
    P_own / (P_others + N) of cells with equal pilot fractions at full load.
    """
    tech = check_technology(technology)
    if tech == "4G":
        return thermal_noise_dbm(RESOURCE_ELEMENT_HZ, noise_figure_db)
    if tech == "5G":
        return thermal_noise_dbm(_nr_scs(scs_khz) * 1e3, noise_figure_db)
    return thermal_noise_dbm(UMTS_CHIP_RATE_HZ, noise_figure_db) + pilot_fraction_db


def received_level_dbm(ref_power_dbm: float, antenna_gain_dbi: float,
                       relative_gain_db: np.ndarray | float, loss_db: np.ndarray | float, *,
                       rx_gain_dbi: float = 0.0, feeder_loss_db: float = 0.0,
                       body_loss_db: float = 0.0) -> np.ndarray:
    """Received reference level (dBm): the link budget of one cell towards many points.

    level = ref_power + antenna_gain + relative_gain - loss + rx_gain - feeder_loss - body_loss.
    Arrays broadcast together; NaN (e.g. outside the computed disc) propagates. The result is
    float32 when the arrays are float32 (the scalars do not promote them).
    """
    fixed = float(ref_power_dbm + antenna_gain_dbi + rx_gain_dbi - feeder_loss_db - body_loss_db)
    if not math.isfinite(fixed):
        msg = "received_level_dbm: powers, gains and losses must be finite numbers"
        raise ModelError(msg)
    return np.asarray(np.asarray(relative_gain_db) - np.asarray(loss_db) + fixed)


# --------------------------------------------------------------------------- coverage classes


def classify(level_dbm: np.ndarray, thresholds: ClassThresholds = RSRP_THRESHOLDS) -> np.ndarray:
    """Coverage class of each level (uint8, see :class:`CoverageClass`; NaN gives NODATA).

    A level equal to a threshold belongs to the class above it.
    """
    level = np.asarray(level_dbm)
    cls = ((level >= thresholds.weak).astype(np.uint8)
           + (level >= thresholds.fair) + (level >= thresholds.good)).astype(np.uint8)
    return np.where(np.isnan(level), np.uint8(CoverageClass.NODATA), cls)
