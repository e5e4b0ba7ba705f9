"""Service levels: where the handset is and for what share of locations coverage is claimed.

The engine predicts the median level (50% of locations, outdoors). A service level says what a
coverage figure is for: the environment (outdoor, in a car, indoor) and the location probability
(the share of locations within a prediction cell where the level must reach the threshold). Its
margin over the median level is computed by :mod:`netcover.coverage.service` from ITU-R P.1812-6
§4.8 (location variability), P.2109-2 (building entry loss) and the in-car loss below.

Scenario files list them as ``[[service_levels]]`` tables; ``[coverage] headline_service`` names the
level of the headline figure, ``[coverage] indoor_service`` the indoor level shown beside it.

Defaults (:data:`DEFAULT_SERVICE_LEVELS`): ``outdoor_50`` (the median prediction: the figure netcover
gave before service levels), ``outdoor_90`` (the headline: 90% of locations, a usual planning
target), ``in_car_90`` and ``indoor_90`` (traditional buildings; the same 90% as the headline, so
that the two figures beside each other are for the same share of locations).

In-car loss: 3GPP TR 38.901 (V16) §7.4.3.2 models the car penetration loss as normal with mean 9 dB
and standard deviation 5 dB (:data:`IN_CAR_LOSS_DB`, :data:`IN_CAR_SD_DB`); measurements from 600 to
2400 MHz (Tanghe et al., IEEE Trans. Veh. Technol. 2008) range from 3 to 24 dB by car and side.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal, TypeAlias, get_args

from netcover.errors import ScenarioError

__all__ = [
    "BUILDINGS", "DEFAULT_HEADLINE", "DEFAULT_INDOOR", "DEFAULT_SERVICE_LEVELS", "ENVIRONMENTS",
    "IN_CAR_LOSS_DB", "IN_CAR_SD_DB", "Building", "Environment", "ServiceLevel", "service_level",
]

#: Where the handset is.
Environment: TypeAlias = Literal["outdoor", "in_car", "indoor"]
ENVIRONMENTS: tuple[Environment, ...] = get_args(Environment)
#: Building classes of ITU-R P.2109 (indoor levels).
Building: TypeAlias = Literal["traditional", "thermally_efficient"]
BUILDINGS: tuple[Building, ...] = get_args(Building)

#: Median car penetration loss (dB), 3GPP TR 38.901 §7.4.3.2.
IN_CAR_LOSS_DB = 9.0
#: Its standard deviation (dB), 3GPP TR 38.901 §7.4.3.2.
IN_CAR_SD_DB = 5.0

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

_WORDS = {
    "outdoor": ("outdoor", "ngoài trời"),
    "in_car": ("in car", "trong ô tô"),
    "indoor": ("indoor", "trong nhà"),
    "traditional": ("traditional buildings", "nhà truyền thống"),
    "thermally_efficient": ("thermally efficient buildings", "nhà cách nhiệt"),
    "locations": ("{p}% of locations", "{p}% vị trí"),
}


@dataclass(frozen=True)
class ServiceLevel:
    """One service level (a ``[[service_levels]]`` table).

    Attributes
    ----------
    name : str
        Key used in file columns and ``[coverage] headline_service``: lower case letters, digits
        and underscores, starting with a letter (e.g. ``outdoor_90``).
    environment : {"outdoor", "in_car", "indoor"}
        Where the handset is.
    location_probability : float
        Percent of locations where the level must reach the class threshold, 50 <= p < 100.
    building : {"traditional", "thermally_efficient"}
        Building class of the P.2109 entry loss (indoor only).
    in_car_loss_db, in_car_sd_db : float
        Median and standard deviation (dB) of the car's penetration loss (in_car only); defaults
        from 3GPP TR 38.901 §7.4.3.2.
    """

    name: str
    environment: Environment = "outdoor"
    location_probability: float = 90.0
    building: Building = "traditional"
    in_car_loss_db: float = IN_CAR_LOSS_DB
    in_car_sd_db: float = IN_CAR_SD_DB

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            msg = (f"service level name {self.name!r} is not allowed; use lower case letters, "
                   "digits and underscores, starting with a letter (e.g. \"outdoor_90\")")
            raise ScenarioError(msg)
        checks = (
            (self.location_probability, 50.0, 100.0, "location_probability",
             "percent of locations, 50 <= p < 100 (e.g. 90)"),
            (self.in_car_loss_db, 0.0, 40.0, "in_car_loss_db", "median in-car loss in dB, 0 to 40"),
            (self.in_car_sd_db, 0.0, 20.0, "in_car_sd_db", "its standard deviation in dB, 0 to 20"),
        )
        for value, low, high, key, what in checks:
            if not isinstance(value, int | float) or isinstance(value, bool):
                continue  # a wrong type is reported by the scenario loader
            ok = math.isfinite(value) and low <= value and (
                value < high if key == "location_probability" else value <= high)
            if not ok:
                msg = f"service level {self.name!r} has {key} = {value!r}; give the {what}"
                raise ScenarioError(msg)

    def label(self, lang: str = "en") -> str:
        """What the level is, in words: "outdoor, 90% of locations" (``lang`` "en" or "vi")."""
        i = 1 if lang == "vi" else 0
        p = f"{self.location_probability:g}"
        where = _WORDS[self.environment][i]
        if self.environment == "indoor":
            where = f"{where} ({_WORDS[self.building][i]})"
        return f"{where}, {_WORDS['locations'][i].format(p=p.replace('.', ',') if i else p)}"


#: The service levels of a scenario that lists none.
DEFAULT_SERVICE_LEVELS: tuple[ServiceLevel, ...] = (
    ServiceLevel("outdoor_50", "outdoor", 50.0),
    ServiceLevel("outdoor_90", "outdoor", 90.0),
    ServiceLevel("in_car_90", "in_car", 90.0),
    ServiceLevel("indoor_90", "indoor", 90.0, "traditional"),
)
#: The level of the class rasters (``class*.tif``) and of the ``*_share_covered`` columns: P.1812's
#: median, outdoor at 50 % of locations (the other levels have files and columns of their own).
MEDIAN_SERVICE = DEFAULT_SERVICE_LEVELS[0]
#: ``[coverage] headline_service`` by default.
DEFAULT_HEADLINE = "outdoor_90"
#: ``[coverage] indoor_service`` by default: the first indoor level listed (``indoor_90``).
DEFAULT_INDOOR = "auto"


def service_level(levels: tuple[ServiceLevel, ...], name: str) -> ServiceLevel:
    """The level called ``name``, or :class:`ScenarioError` naming the levels there are."""
    for level in levels:
        if level.name == name:
            return level
    msg = (f"service level {name!r} is not defined; use one of "
           f"{', '.join(lv.name for lv in levels)} or add it as a [[service_levels]] table")
    raise ScenarioError(msg)
