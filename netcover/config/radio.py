"""Radio option lists and coverage classes: the one definition every layer uses.

Technologies, LTE channel bandwidths and the coverage classes (names, raster values and their
default level thresholds per technology).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal, TypeAlias, cast, get_args

from netcover.errors import InputError, ModelError

__all__ = [
    "CLASS_NAMES", "LTE_RESOURCE_BLOCKS", "NODATA_CLASS", "RSCP_THRESHOLDS", "RSRP_THRESHOLDS",
    "TECHNOLOGIES", "ClassThresholds", "CoverageClass", "Technology", "check_technology",
    "default_thresholds",
]

#: Radio technologies of ``sites.csv``.
Technology: TypeAlias = Literal["4G", "3G"]


TECHNOLOGIES: tuple[Technology, ...] = get_args(Technology)


#: LTE channel bandwidth (MHz) -> number of resource blocks (3GPP TS 36.101, Table 5.6-1).
LTE_RESOURCE_BLOCKS: dict[float, int] = {1.4: 6, 3.0: 15, 5.0: 25, 10.0: 50, 15.0: 75, 20.0: 100}


def check_technology(value: str) -> Technology:
    """``value`` as a :data:`Technology`, or :class:`InputError` naming the allowed values."""
    if value not in TECHNOLOGIES:
        msg = f"technology={value!r} unknown: use one of {', '.join(TECHNOLOGIES)}"
        raise InputError(msg)
    return cast(Technology, value)


class CoverageClass(IntEnum):
    """Coverage classes of :func:`classify` (uint8 raster values)."""

    NONE = 0
    WEAK = 1
    FAIR = 2
    GOOD = 3
    NODATA = 255


@dataclass(frozen=True)
class ClassThresholds:
    """Lower bounds (dBm) of the good, fair and weak classes; ``good > fair > weak``."""

    good: float
    fair: float
    weak: float

    def __post_init__(self) -> None:
        values = (self.good, self.fair, self.weak)
        if not all(math.isfinite(v) for v in values) or not self.good > self.fair > self.weak:
            msg = (f"ClassThresholds(good={self.good!r}, fair={self.fair!r}, weak={self.weak!r}): "
                   "need finite values with good > fair > weak")
            raise ModelError(msg)


#: 4G RSRP classes: good >= -95, fair >= -105, weak >= -115 dBm.
RSRP_THRESHOLDS = ClassThresholds(good=-95.0, fair=-105.0, weak=-115.0)


#: 3G RSCP classes: good >= -85, fair >= -95, weak >= -105 dBm. These are the bands customary in
#: UMTS drive-test and planning practice (roughly indoor / in-car / outdoor service), not values
#: from a 3GPP specification; adjust them to the operator's own design targets.
RSCP_THRESHOLDS = ClassThresholds(good=-85.0, fair=-95.0, weak=-105.0)


def default_thresholds(technology: str) -> ClassThresholds:
    """:data:`RSRP_THRESHOLDS` for 4G, :data:`RSCP_THRESHOLDS` for 3G."""
    return RSRP_THRESHOLDS if check_technology(technology) == "4G" else RSCP_THRESHOLDS


#: Coverage class codes of the class rasters (255: outside the DEM / not computed).
CLASS_NAMES: tuple[str, ...] = ("none", "weak", "fair", "good")


NODATA_CLASS = 255
