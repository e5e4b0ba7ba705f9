"""Radio option lists and coverage classes: the one definition every layer uses.

Technologies, propagation models, diffraction methods, polarisations, Hata environments, LTE
channel bandwidths and the coverage classes. :class:`CoverageClass` is the definition of the
classes; their names (:data:`CLASS_NAMES`), the usable classes (:data:`UsableClass`, :data:`USABLE_CLASSES`,
:data:`CLASS_LEVELS`), the fields of :class:`ClassThresholds` and the class colours
(:data:`CLASS_COLOURS`) derive from it and are checked against it on import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Literal, TypeAlias, cast, get_args

from netcover.core import palette
from netcover.errors import InputError, ModelError

__all__ = [
    "CLASS_NAMES", "DIFFRACTIONS", "LTE_RESOURCE_BLOCKS", "NODATA_CLASS", "RSCP_THRESHOLDS",
    "RSRP_THRESHOLDS", "SS_RSRP_THRESHOLDS", "TECHNOLOGIES", "ClassThresholds", "CoverageClass",
    "Diffraction",
    "Technology", "check_technology", "default_thresholds",
]

#: Radio technologies of ``sites.csv`` (5G: NR in FR1, see :mod:`netcover.config.nr`).
Technology: TypeAlias = Literal["4G", "3G", "5G"]
TECHNOLOGIES: tuple[Technology, ...] = get_args(Technology)

#: Propagation models of ``[coverage] model``.
Model: TypeAlias = Literal["p1812", "hata", "fspl"]
MODELS: tuple[Model, ...] = get_args(Model)

#: Terrain diffraction methods of the P.1812 model (``[coverage] diffraction``): the single
#: equivalent edge of P.1812's delta-Bullington, or the Deygout construction of up to three edges
#: (:mod:`netcover.radio.deygout`), more pessimistic behind several ridges.
Diffraction: TypeAlias = Literal["bullington", "deygout"]
DIFFRACTIONS: tuple[Diffraction, ...] = get_args(Diffraction)

#: Antenna polarisations of P.1812 (``[coverage] polarization``).
Polarisation: TypeAlias = Literal["vertical", "horizontal"]
POLARISATIONS: tuple[Polarisation, ...] = get_args(Polarisation)

#: Environments of the Okumura-Hata model (``[coverage] hata_environment``).
Environment: TypeAlias = Literal["urban", "suburban", "rural"]
ENVIRONMENTS: tuple[Environment, ...] = get_args(Environment)


#: LTE channel bandwidth (MHz) -> number of resource blocks (3GPP TS 36.101, Table 5.6-1).
LTE_RESOURCE_BLOCKS: dict[float, int] = {1.4: 6, 3.0: 15, 5.0: 25, 10.0: 50, 15.0: 75, 20.0: 100}


def check_technology(value: str) -> Technology:
    """``value`` as a :data:`Technology`, or :class:`InputError` naming the allowed values."""
    if value not in TECHNOLOGIES:
        msg = f"technology={value!r} unknown: use one of {', '.join(TECHNOLOGIES)}"
        raise InputError(msg)
    return cast(Technology, value)


class CoverageClass(IntEnum):
    """Coverage classes of :func:`classify` (uint8 raster values); the definition of the classes."""

    NONE = 0
    WEAK = 1
    FAIR = 2
    GOOD = 3
    NODATA = 255


#: Raster value of cells outside the DEM / not computed.
NODATA_CLASS = int(CoverageClass.NODATA)
#: The coverage classes in raster-value order (index = class value), without NODATA.
CLASSES: tuple[CoverageClass, ...] = tuple(c for c in CoverageClass if c is not CoverageClass.NODATA)
#: Names of the coverage classes (index = class value): column names and scenario values.
CLASS_NAMES: tuple[str, ...] = tuple(c.name.lower() for c in CLASSES)

#: Classes from which people count as covered (``[coverage] usable_class``): every class but none.
UsableClass: TypeAlias = Literal["weak", "fair", "good"]
USABLE_CLASSES: tuple[UsableClass, ...] = get_args(UsableClass)
#: Usable class name -> its raster value (1 weak, 2 fair, 3 good).
CLASS_LEVELS: dict[str, int] = {name: int(CoverageClass[name.upper()]) for name in USABLE_CLASSES}

#: Colour of each coverage class (:data:`netcover.core.palette.CLASS_COLOURS`, index = class value).
CLASS_COLOURS: dict[CoverageClass, str] = dict(zip(CLASSES, palette.CLASS_COLOURS, strict=True))

if USABLE_CLASSES != CLASS_NAMES[1:]:  # pragma: no cover - a guard against editing one form only
    raise AssertionError(f"UsableClass {USABLE_CLASSES} must be the classes {CLASS_NAMES[1:]}")


def class_level(name: str) -> int:
    """Raster value of the usable class ``name``, or :class:`InputError` naming the allowed ones."""
    if name not in CLASS_LEVELS:
        msg = f"usable class {name!r} unknown: use one of {', '.join(USABLE_CLASSES)}"
        raise InputError(msg)
    return CLASS_LEVELS[name]


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

    def bound(self, usable_class: str) -> float:
        """Lower bound (dBm) of the class named ``usable_class`` (one of :data:`USABLE_CLASSES`)."""
        return float(getattr(self, usable_class))


#: 4G RSRP classes: good >= -95, fair >= -105, weak >= -115 dBm.
RSRP_THRESHOLDS = ClassThresholds(good=-95.0, fair=-105.0, weak=-115.0)


#: 3G RSCP classes: good >= -85, fair >= -95, weak >= -105 dBm. These are the bands customary in
#: UMTS drive-test and planning practice (roughly indoor / in-car / outdoor service), not values
#: from a 3GPP specification; adjust them to the operator's own design targets.
RSCP_THRESHOLDS = ClassThresholds(good=-85.0, fair=-95.0, weak=-105.0)


#: 5G NR SS-RSRP classes: good >= -95, fair >= -105, weak >= -115 dBm. 3GPP defines SS-RSRP
#: (TS 38.215 section 5.1.1: power per resource element of the SSB's secondary synchronisation
#: signal) but sets no service classes. *Assumption*: the 4G RSRP classes, as operators' NR
#: drive-test legends commonly use the same bands. At equal power spectral density an NR cell at
#: 30 kHz reads 3 dB above LTE's 15 kHz RSRP (its resource element is twice as wide; so is its
#: noise, the SINR is the same): with these bounds a 30 kHz cell reaches each class where an LTE
#: cell of the same density falls 3 dB short, i.e. the 5G classes are 3 dB more lenient at 30 kHz.
#: Set ``[thresholds.5G]`` in the scenario where the operator's own design targets differ.
SS_RSRP_THRESHOLDS = ClassThresholds(good=-95.0, fair=-105.0, weak=-115.0)

_DEFAULT_THRESHOLDS: dict[str, ClassThresholds] = {
    "4G": RSRP_THRESHOLDS, "3G": RSCP_THRESHOLDS, "5G": SS_RSRP_THRESHOLDS}


def default_thresholds(technology: str) -> ClassThresholds:
    """:data:`RSRP_THRESHOLDS` for 4G, :data:`RSCP_THRESHOLDS` for 3G, :data:`SS_RSRP_THRESHOLDS`
    for 5G."""
    return _DEFAULT_THRESHOLDS[check_technology(technology)]


if tuple(f.name for f in fields(ClassThresholds)) != tuple(reversed(USABLE_CLASSES)):
    raise AssertionError("ClassThresholds fields must be the usable classes")  # pragma: no cover
