"""The published figures the synthetic Quản Bạ sample is calibrated to.

Everything here comes from ``FACTS.md`` (the district's 2024 reporting, GSO commune codes, the
approximate commune seats and areas, an older census used only for population shares). The other
modules of :mod:`netcover.samplegen` read these constants; nothing else in the generator encodes
facts about the place.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "COMMUNES", "CRS_UTM", "CRS_WGS84", "DISTRICT_BBOX_LONLAT", "EXTENT_UTM", "FIBRE_HOUSEHOLDS",
    "N_BTS_SITES", "N_NETWORK_POINTS", "PASS_ELEVATION_M", "PASS_LONLAT", "TOTAL_HOUSEHOLDS",
    "TOTAL_POPULATION", "TOWN_ELEVATION_M", "TOWN_LONLAT", "Commune", "commune_populations",
    "largest_remainder",
]

#: Projected CRS of every layer except ``sites.csv`` (UTM zone 48N).
CRS_UTM = "EPSG:32648"
#: CRS of ``sites.csv`` longitudes and latitudes.
CRS_WGS84 = "EPSG:4326"

#: District bounding box in degrees (west, south, east, north).
DISTRICT_BBOX_LONLAT = (104.80, 22.94, 105.15, 23.20)
#: Extent of the rasters in UTM metres (west, south, east, north): the district bbox plus about 5 km,
#: rounded to multiples of 300 m so that 30 m, 60 m, 100 m and 150 m grids all align on it.
EXTENT_UTM = (474_300.0, 2_531_700.0, 520_800.0, 2_570_700.0)

#: Today's district population ("over 57,000") and its other headline figures.
TOTAL_POPULATION = 57_200
TOTAL_HOUSEHOLDS = 12_000
FIBRE_HOUSEHOLDS = 7_320
N_BTS_SITES = 47
N_NETWORK_POINTS = 58

#: The district town (Tam Sơn) and the Quản Bạ pass ("Heaven's Gate") on QL4C south of it.
TOWN_LONLAT = (104.9703, 23.0711)
PASS_LONLAT = (104.9745, 23.0455)
TOWN_ELEVATION_M = 1000.0
PASS_ELEVATION_M = 1500.0


@dataclass(frozen=True)
class Commune:
    """One commune of FACTS.md.

    Attributes
    ----------
    code : str
        GSO code, five digits.
    name : str
        Official name with diacritics.
    lat, lon : float
        Approximate seat (commune office), WGS84 degrees.
    area_km2 : float
        Published area.
    census_old : int
        Older census head count, used only for each commune's share of today's total.
    """

    code: str
    name: str
    lat: float
    lon: float
    area_km2: float
    census_old: int

    @property
    def is_town(self) -> bool:
        """True for the district town (thị trấn)."""
        return self.name.startswith("Thị trấn")


COMMUNES: tuple[Commune, ...] = (
    Commune("00874", "Thị trấn Tam Sơn", 23.0711, 104.9703, 12.30, 4083),
    Commune("00877", "Bát Đại Sơn", 23.1467, 104.9739, 52.72, 2217),
    Commune("00880", "Nghĩa Thuận", 23.1469, 104.9133, 41.36, 2459),
    Commune("00883", "Cán Tỷ", 23.1019, 105.0436, 39.42, 3488),
    Commune("00886", "Cao Mã Pờ", 23.1075, 104.8419, 39.22, 1764),
    Commune("00889", "Thanh Vân", 23.1014, 104.9686, 39.56, 3395),
    Commune("00892", "Tùng Vài", 23.0761, 104.8833, 74.15, 3009),
    Commune("00895", "Đông Hà", 23.0239, 105.0272, 34.08, 2017),
    Commune("00898", "Quản Bạ", 23.0453, 105.0097, 18.95, 2320),
    Commune("00901", "Lùng Tám", 23.0375, 105.0847, 48.16, 2644),
    Commune("00904", "Quyết Tiến", 23.0044, 104.9669, 60.00, 5306),
    Commune("00907", "Tả Ván", 23.0147, 104.8614, 43.64, 1618),
    Commune("00910", "Thái An", 22.9797, 105.0892, 46.82, 1770),
)


def commune_populations(total: int = TOTAL_POPULATION) -> dict[str, int]:
    """Today's population per commune code: the old census shares scaled to ``total``.

    Rounded with the largest-remainder method so that the figures sum exactly to ``total``.
    """
    census = [c.census_old for c in COMMUNES]
    return dict(zip([c.code for c in COMMUNES], largest_remainder(census, total), strict=True))


def largest_remainder(weights: list[int] | list[float], total: int) -> list[int]:
    """Split the integer ``total`` in proportion to ``weights`` (largest-remainder rounding).

    Ties are broken by position, so the result is deterministic.
    """
    wsum = float(sum(weights))
    if wsum <= 0.0:
        msg = "largest_remainder: weights must have a positive sum"
        raise ValueError(msg)
    exact = [w * total / wsum for w in weights]
    floors = [int(e) for e in exact]
    short = total - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:short]:
        floors[i] += 1
    return floors
