"""5G NR numerology: subcarrier spacings, resource blocks per channel and the bands' defaults.

A 5G NR cell of ``sites.csv`` gives its carrier frequency (MHz) and channel bandwidth as a 4G cell
does; its subcarrier spacing (SCS) comes from the optional ``scs_khz`` column, else from the
band's usual spacing (:func:`default_scs_khz`). The number of resource blocks of a channel is the
maximum transmission bandwidth configuration N_RB of 3GPP TS 38.101-1 (FR1, below 7.125 GHz)
Table 5.3.2-1.
"""

from __future__ import annotations

import math

from netcover.errors import ModelError

__all__ = ["NR_RESOURCE_BLOCKS", "NR_SCS_KHZ", "cell_scs_khz", "check_scs", "default_scs_khz",
           "nr_numerology", "nr_resource_blocks"]

#: Subcarrier spacings of NR FR1 data channels, kHz (numerology mu = 0, 1, 2: 15 * 2**mu).
NR_SCS_KHZ: tuple[float, ...] = (15.0, 30.0, 60.0)

#: SCS (kHz) -> channel bandwidth (MHz) -> N_RB: 3GPP TS 38.101-1 Table 5.3.2-1 (FR1).
NR_RESOURCE_BLOCKS: dict[float, dict[float, int]] = {
    15.0: {5: 25, 10: 52, 15: 79, 20: 106, 25: 133, 30: 160, 35: 188, 40: 216, 45: 242, 50: 270},
    30.0: {5: 11, 10: 24, 15: 38, 20: 51, 25: 65, 30: 78, 35: 92, 40: 106, 45: 119, 50: 133,
           60: 162, 70: 189, 80: 217, 90: 245, 100: 273},
    60.0: {10: 11, 15: 18, 20: 24, 25: 31, 30: 38, 35: 44, 40: 51, 45: 58, 50: 65, 60: 79,
           70: 93, 80: 107, 90: 121, 100: 135},
}

#: Carriers at or above this frequency (MHz) default to 30 kHz: the TDD bands n40 (2.3 GHz),
#: n41 (2.5 GHz), n77/n78 (3.3-4.2 GHz) and n79 (4.4-5 GHz) are deployed with 30 kHz; the FDD
#: bands below (n28 700 MHz, n8 900, n3 1800, n1 2100) with 15 kHz. An assumption of usual
#: deployments, not a 3GPP rule (TS 38.101-1 Table 5.3.5-1 allows several spacings per band):
#: give ``scs_khz`` in the sites table where a cell differs.
SCS_30_FROM_MHZ = 2300.0


def check_scs(scs_khz: float) -> float:
    """``scs_khz`` as one of :data:`NR_SCS_KHZ`, or :class:`ModelError` naming them."""
    for scs in NR_SCS_KHZ:
        if math.isclose(float(scs_khz), scs, abs_tol=1e-6):
            return scs
    allowed = ", ".join(f"{s:g}" for s in NR_SCS_KHZ)
    msg = f"scs_khz={scs_khz!r} is not an NR FR1 subcarrier spacing: use one of {allowed} (kHz)"
    raise ModelError(msg)


def default_scs_khz(frequency_mhz: float) -> float:
    """The usual subcarrier spacing of a band: 30 kHz from 2,300 MHz up, else 15 kHz."""
    if not (math.isfinite(frequency_mhz) and frequency_mhz > 0.0):
        msg = f"frequency_mhz={frequency_mhz!r} must be a positive number"
        raise ModelError(msg)
    return 30.0 if frequency_mhz >= SCS_30_FROM_MHZ else 15.0


def cell_scs_khz(scs_khz: object, frequency_mhz: float) -> float:
    """A cell's subcarrier spacing: ``scs_khz`` when given (checked), else the band's usual one.

    ``scs_khz`` None, NaN or empty (a sites table without the column, a planned sector) takes
    :func:`default_scs_khz` of ``frequency_mhz``, as reading the sites table does.
    """
    if scs_khz is None or (isinstance(scs_khz, str) and not scs_khz.strip()):
        return default_scs_khz(frequency_mhz)
    try:
        value = float(scs_khz)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        allowed = ", ".join(f"{s:g}" for s in NR_SCS_KHZ)
        msg = f"scs_khz={scs_khz!r} is not a number: use one of {allowed} (kHz) or leave it empty"
        raise ModelError(msg) from None
    return default_scs_khz(frequency_mhz) if math.isnan(value) else check_scs(value)


def nr_resource_blocks(bandwidth_mhz: float, scs_khz: float) -> int:
    """N_RB of an NR channel (TS 38.101-1 Table 5.3.2-1): 100 MHz at 30 kHz gives 273."""
    table = NR_RESOURCE_BLOCKS[check_scs(scs_khz)]
    for bw, n_rb in table.items():
        if math.isclose(float(bandwidth_mhz), bw, abs_tol=1e-6):
            return n_rb
    allowed = ", ".join(f"{bw:g}" for bw in table)
    msg = (f"bandwidth_mhz={bandwidth_mhz!r} is not an NR channel bandwidth at {scs_khz:g} kHz "
           f"subcarrier spacing: use one of {allowed}")
    raise ModelError(msg)


def nr_numerology(scs_khz: float) -> int:
    """The numerology mu of a subcarrier spacing: SCS = 15 kHz * 2**mu (TS 38.211 Table 4.2-1)."""
    return round(math.log2(check_scs(scs_khz) / 15.0))
