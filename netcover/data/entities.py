"""The things a link plan connects: input checks and one table of entities with their roles.

Every data-network point, BTS site, candidate site, village and hilltop becomes one row of the entity
table, with its role in the plan:

- ``root``: already on the existing network (contracted into the root of the Steiner tree);
- ``terminal``: must be connected;
- ``relay``: may carry a microwave hop (an existing tower that is neither, a hilltop);
- everything else is left out.

``owner`` is a site's operator ("" for data-network points, villages and hilltops): the link plan
marks a link that uses another owner's tower as shared. A site's ``backhaul`` (missing or empty:
"unknown") decides its role through ``LinkSettings.root_site_backhaul`` (by default fibre, microwave
and unknown: a site on air is taken as backhauled) and ``connect_site_backhaul`` (by default none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netcover.data.inputs import Inputs

from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from netcover.config.links import LinkSettings
from netcover.config.options import BACKHAULS, CONNECTIONS, POINT_TYPES, ROAD_CLASSES
from netcover.errors import CRSError, Problem, ValidationError

__all__ = [
    "ENTITY_COLUMNS", "REQUIRED_COLUMNS", "Role", "build_entities", "check_layers", "hilltop_entities",
    "missing_link_inputs", "site_backhaul",
]

Role = Literal["root", "terminal", "relay"]

ENTITY_COLUMNS = ("key", "name", "category", "role", "x", "y", "mast_m", "hop_end", "extra_cost",
                  "people", "households", "institutions", "sites", "benefit", "owner")

#: Columns the link planner needs in each layer.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "roads": ("road_id", "class"),
    "fibre_routes": ("route_id",),
    "points": ("point_id", "name", "type", "connection"),
    "sites": ("site_id", "height_m"),
    "settlements": ("settlement_id", "name", "households", "fibre_households"),
    "candidates": ("site_id", "height_m"),
}
_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("roads", "class"): ROAD_CLASSES,
    ("points", "type"): POINT_TYPES,
    ("points", "connection"): CONNECTIONS,
    ("sites", "backhaul"): BACKHAULS,
    ("candidates", "backhaul"): BACKHAULS,
}
_GEOM: dict[str, tuple[str, ...]] = {
    "roads": ("LineString", "MultiLineString"),
    "fibre_routes": ("LineString", "MultiLineString"),
    "points": ("Point",), "sites": ("Point",), "settlements": ("Point",), "candidates": ("Point",),
}


def check_layers(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Check CRSs, columns, geometry types and coded values of the input layers; raise on errors.

    Raises
    ------
    CRSError
        A layer has no CRS, a geographic CRS, or a CRS different from the roads'.
    ValidationError
        Listing every missing column, wrong geometry and unknown coded value found.
    """
    layers = {name: gdf for name, gdf in layers.items() if len(gdf)}  # empty layers: nothing
    if not layers:
        return
    _check_crs(layers)
    problems = [*_shape_problems(layers), *_choice_problems(layers), *_height_problems(layers)]
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems)


def _check_crs(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Every layer in one projected CRS, that of the first layer; :class:`CRSError` otherwise."""
    ref_name, ref = next(iter(layers.items()))
    for name, gdf in layers.items():
        crs = gdf.crs
        if crs is None or not crs.is_projected:
            msg = (f"{name}: CRS {crs} is not a projected (metric) CRS; reproject every layer to "
                   "the district's UTM zone with `to_crs()` (e.g. EPSG:32648)")
            raise CRSError(msg)
        if crs != ref.crs:
            msg = (f"{name} is in {crs.to_string()} but {ref_name} is in {ref.crs.to_string()}; "
                   "use `to_crs()` to reproject one of them")
            raise CRSError(msg)


def _shape_problems(layers: dict[str, gpd.GeoDataFrame]) -> list[Problem]:
    """Missing required columns and geometries of the wrong type, empty or missing."""
    problems: list[Problem] = []
    for name, gdf in layers.items():
        for col in REQUIRED_COLUMNS[name]:
            if col not in gdf.columns:
                problems.append(Problem(name, "required column is missing", field=col))
        if len(gdf):
            types = set(gdf.geom_type.dropna().unique()) - set(_GEOM[name])
            if types or gdf.geometry.isna().any() or gdf.geometry.is_empty.any():
                problems.append(Problem(name, f"geometries must be non-empty {_GEOM[name]}, "
                                              f"found {sorted(types) or 'empty/missing ones'}"))
    return problems


def _choice_problems(layers: dict[str, gpd.GeoDataFrame]) -> list[Problem]:
    """Coded values not in their option list (:data:`_CHOICES`; an empty backhaul is unknown)."""
    problems: list[Problem] = []
    for (name, col), allowed in _CHOICES.items():
        gdf = layers.get(name)
        if gdf is None or col not in gdf.columns:
            continue
        values = gdf[col].dropna().astype(str)
        bad = values[~values.isin(allowed)]
        if col == "backhaul":
            bad = bad[bad != ""]
        for idx, value in bad.items():
            problems.append(Problem(name, f"value {value!r} is not one of {list(allowed)}",
                                    where=f"row {idx}", field=col))
    return problems


def _height_problems(layers: dict[str, gpd.GeoDataFrame]) -> list[Problem]:
    """Tower heights of sites and candidates that are not numbers > 0."""
    problems: list[Problem] = []
    for name in ("sites", "candidates"):
        gdf = layers.get(name)
        if gdf is None or "height_m" not in gdf.columns:
            continue
        height = pd.to_numeric(gdf["height_m"], errors="coerce")
        for idx in gdf.index[~(height > 0)]:
            problems.append(Problem(name, f"tower height {gdf.at[idx, 'height_m']!r} must be a "
                                          "number > 0 (metres above ground)",
                                    where=f"row {idx}", field="height_m"))
    return problems


def site_backhaul(gdf: gpd.GeoDataFrame) -> pd.Series:
    """Each site's ``backhaul``, "unknown" where the column is missing or the value empty."""
    if "backhaul" not in gdf.columns:
        return pd.Series("unknown", index=gdf.index)
    return gdf["backhaul"].fillna("unknown").astype(str).replace("", "unknown")


def _frame(gdf: gpd.GeoDataFrame, **cols: object) -> pd.DataFrame:
    df = pd.DataFrame(cols, index=gdf.index)
    df["x"] = gdf.geometry.x.to_numpy()
    df["y"] = gdf.geometry.y.to_numpy()
    return df


def _site_rows(gdf: gpd.GeoDataFrame, category: str, settings: LinkSettings,
               always_terminal: bool) -> pd.DataFrame:
    backhaul = site_backhaul(gdf)
    if always_terminal:
        role = pd.Series("terminal", index=gdf.index)
    else:
        role = pd.Series("relay", index=gdf.index)
        role[backhaul.isin(settings.connect_site_backhaul)] = "terminal"
        role[backhaul.isin(settings.root_site_backhaul)] = "root"
    ids = gdf["site_id"].astype(str)
    op = gdf["operator"].astype(str) if "operator" in gdf.columns else pd.Series("", index=gdf.index)
    label = "candidate site" if always_terminal else "site"
    names = [f"{label} {i} ({o})" if o else f"{label} {i}" for i, o in zip(ids, op, strict=True)]
    return _frame(gdf, key=category + ":" + ids, name=names, category=category, role=role,
                  mast_m=gdf["height_m"].astype(float), hop_end=True, extra_cost=0.0, people=0.0,
                  households=0.0, institutions=0.0, sites=1.0, benefit=settings.benefit_site,
                  owner=op)


def _point_rows(points: gpd.GeoDataFrame, settings: LinkSettings) -> pd.DataFrame:
    conn = points["connection"].astype(str)
    prole = pd.Series("", index=points.index, dtype=object)
    prole[points["type"].isin(settings.terminal_types)
          & conn.isin(settings.connect_point_connections)] = "terminal"
    prole[conn.isin(settings.root_point_connections)] = "root"
    return _frame(points, key="point:" + points["point_id"].astype(str),
                  name=points["name"].astype(str), category=points["type"].astype(str),
                  role=prole, mast_m=settings.office_mast_m, hop_end=True, extra_cost=0.0,
                  people=0.0, households=0.0, institutions=1.0, sites=0.0,
                  benefit=settings.benefit_institution, owner="")


def build_entities(points: gpd.GeoDataFrame, sites: gpd.GeoDataFrame,
                   settlements: gpd.GeoDataFrame, settings: LinkSettings,
                   candidates: gpd.GeoDataFrame | None = None) -> pd.DataFrame:
    """One table of everything that is on the network, must be connected or may relay.

    Returns
    -------
    DataFrame
        Columns :data:`ENTITY_COLUMNS`, a fresh RangeIndex; ``key`` is unique
        ("point:P01", "site:S12", "candidate:C3", "village:V7"); ``owner`` is a site's operator,
        "" for the rest.
    """
    frames = []
    if len(points):
        frames.append(_point_rows(points, settings))
    if len(sites):
        frames.append(_site_rows(sites, "site", settings, always_terminal=False))
    if candidates is not None and len(candidates):
        frames.append(_site_rows(candidates, "candidate", settings, always_terminal=True))
    if settings.connect_villages and len(settlements):
        hh = settlements["households"].astype(float)
        fibre = settlements["fibre_households"].fillna(0).astype(float)
        sel = ((hh - fibre >= settings.village_min_households)
               & (fibre <= settings.village_max_fibre_share * hh))
        v = settlements[sel]
        people = v["population"].astype(float) if "population" in v.columns else 0.0
        frames.append(_frame(v, key="village:" + v["settlement_id"].astype(str),
                             name=v["name"].astype(str), category="village", role="terminal",
                             mast_m=0.0, hop_end=False, extra_cost=0.0, people=people,
                             households=hh[sel] - fibre[sel], institutions=0.0, sites=0.0,
                             benefit=hh[sel] - fibre[sel], owner=""))
    if not frames:
        return pd.DataFrame(columns=list(ENTITY_COLUMNS))
    table = pd.concat(frames, ignore_index=True)
    table = table[table["role"] != ""].reset_index(drop=True)
    dup = table["key"][table["key"].duplicated()]
    if len(dup):
        problems = [Problem(k.split(":")[0], "identifier is not unique; give one row per place "
                                              "(for sites, one row per mast: "
                                              "netcover.data.sites.site_table(cells))",
                            where=k, field="id") for k in dup.unique()]
        raise ValidationError(problems)
    return table.loc[:, list(ENTITY_COLUMNS)]


def hilltop_entities(dem: np.ndarray, origin_xy: tuple[float, float], cell_size_m: float,
                     settings: LinkSettings, start_index: int = 1) -> pd.DataFrame:
    """The ``n_hilltops`` highest local maxima of the DEM, ``hilltop_spacing_m`` apart, as relays.

    A hilltop is the highest cell of the square of side ``hilltop_spacing_m`` around it and rises at
    least ``hilltop_min_rise_m`` above the lowest cell of that square (plateaus are not hilltops).
    """
    from scipy.ndimage import maximum_filter, minimum_filter

    cols = list(ENTITY_COLUMNS)
    if settings.n_hilltops == 0 or dem.size == 0:
        return pd.DataFrame(columns=cols)
    size = max(3, int(np.ceil(settings.hilltop_spacing_m / cell_size_m)) | 1)
    peaks = dem >= maximum_filter(dem, size=size, mode="nearest")
    peaks &= dem - minimum_filter(dem, size=size, mode="nearest") >= settings.hilltop_min_rise_m
    peaks[[0, -1], :] = False
    peaks[:, [0, -1]] = False
    rows, colx = np.nonzero(peaks)
    order = np.argsort(-dem[rows, colx], kind="stable")
    x = origin_xy[0] + (colx[order] + 0.5) * cell_size_m
    y = origin_xy[1] - (rows[order] + 0.5) * cell_size_m
    z = dem[rows[order], colx[order]]
    kept: list[int] = []
    for i in range(len(order)):
        if len(kept) >= settings.n_hilltops:
            break
        if kept and np.min(np.hypot(x[kept] - x[i], y[kept] - y[i])) < settings.hilltop_spacing_m:
            continue
        kept.append(i)
    n = len(kept)
    numbers = range(start_index, start_index + n)
    return pd.DataFrame({
        "key": [f"hilltop:H{k}" for k in numbers],
        "name": [f"hilltop H{k} ({z[i]:.0f} m)" for k, i in zip(numbers, kept, strict=True)],
        "category": "hilltop", "role": "relay", "x": x[kept], "y": y[kept],
        "mast_m": settings.hilltop_mast_m, "hop_end": True,
        "extra_cost": settings.relay_site_cost, "people": 0.0, "households": 0.0,
        "institutions": 0.0, "sites": 0.0, "benefit": 0.0, "owner": "",
    }, columns=cols)


def missing_link_inputs(inputs: Inputs) -> list[str]:
    """Names of the inputs the link planner needs but the scenario lacks."""
    needed = {"roads": inputs.roads, "network": inputs.network_points,
              "settlements": inputs.settlements, "sites": inputs.cells}
    return [name for name, value in needed.items() if value is None]
