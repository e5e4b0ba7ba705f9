"""Vector inputs other than sites: units (communes), settlements, roads, the data network.

Each kind of layer has a :class:`LayerSpec` (required fields, geometry type); :func:`read_layer`
reads any format GDAL knows, in any CRS, checks it against the spec and projects it to the working
CRS. Problems are collected, each naming the file, the feature and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from netcover.core.io import read_vector
from netcover.core.notes import Note
from netcover.errors import NetcoverError, Problem

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

__all__ = [
    "FIBRE_ROUTES", "LONG_FIELDS", "NETWORK_POINTS", "POPULATION_POINTS", "ROADS", "SETTLEMENTS", "UNITS",
    "LayerSpec", "check_choices", "check_counts", "check_units_on_dem", "check_units_tiling", "read_layer",
    "unit_overlaps", "units_overlap_notes",
]


@dataclass(frozen=True)
class LayerSpec:
    """What a layer must contain.

    ``numeric`` fields are counts >= 0; ``optional`` fields may be absent, and are then added as
    missing values (NaN), never 0, so later steps can tell "no data" from "none".
    """

    what: str
    fields: tuple[str, ...]
    geometry: tuple[str, ...]
    numeric: tuple[str, ...] = ()
    layer: str | None = None
    optional: tuple[str, ...] = ()


UNITS = LayerSpec("units", ("name",), ("Polygon", "MultiPolygon"))
SETTLEMENTS = LayerSpec(
    "settlements", ("name", "population"), ("Point",),
    numeric=("population", "households", "fibre_households"),
    optional=("households", "fibre_households"))
ROADS = LayerSpec("roads", ("class",), ("LineString", "MultiLineString"), layer="roads")
NETWORK_POINTS = LayerSpec("network points", ("name", "type", "connection"), ("Point",),
                           layer="points")
FIBRE_ROUTES = LayerSpec("fibre routes", (), ("LineString", "MultiLineString"),
                         layer="fibre_routes")
#: Field names longer than a Shapefile keeps (10 characters) that netcover reads somewhere.
LONG_FIELDS = ("settlement_id", "commune_code", "fibre_households", "population", "households",
               "connection")
POPULATION_POINTS = LayerSpec("population points", ("population",), ("Point",),
                              numeric=("population",))


def read_layer(
    path: str | Path,
    spec: LayerSpec,
    crs: CRS,
    *,
    layer: str | None = None,
    extra_fields: tuple[str, ...] = (),
) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Read one layer, check it against ``spec`` and project it to ``crs``.

    Returns
    -------
    (GeoDataFrame or None, list of Problem)
        None when the layer cannot be used (missing fields, no features, unreadable).
    """
    label = str(path)
    try:
        gdf = read_vector(path, spec.what, layer=layer or _pick_layer(Path(path), spec))
    except NetcoverError as exc:
        return None, [Problem(label, str(exc).removeprefix(f"{path}: "))]
    fields = spec.fields + extra_fields
    if Path(path).suffix.lower() == ".shp":
        gdf = _untruncate(gdf, fields + spec.optional + spec.numeric + LONG_FIELDS)
    unusable = _unusable(gdf, fields, spec, label)
    if unusable is not None:
        return None, [unusable]
    for col in spec.optional:
        if col not in gdf.columns:
            gdf[col] = np.nan
    problems = _check_geometry(gdf, spec, label) + _check_numeric(gdf, spec, label)
    if any(p.severity == "error" for p in problems):
        return None, problems
    for col in spec.numeric:
        gdf[col] = gdf[col].astype(float)
    return gdf.to_crs(crs), problems


def _unusable(gdf: gpd.GeoDataFrame, fields: tuple[str, ...], spec: LayerSpec,
              label: str) -> Problem | None:
    """Why the layer cannot be used at all (required fields missing, no features), or None."""
    missing = [f for f in fields if f not in gdf.columns]
    if missing:
        found = ", ".join(c for c in gdf.columns if c != "geometry") or "none"
        msg = (f"required field(s) missing: {', '.join(missing)} (fields found: {found}); "
               "rename the field in QGIS or name the field to use in the scenario")
        return Problem(label, msg, field=",".join(missing))
    if len(gdf) == 0:
        return Problem(label, f"the {spec.what} layer has no features")
    return None


def _untruncate(gdf: gpd.GeoDataFrame, names: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Give back the names a Shapefile cut to 10 characters (``fibre_hous`` -> ``fibre_households``)."""
    renames = {name[:10]: name for name in names
               if len(name) > 10 and name not in gdf.columns and name[:10] in gdf.columns}
    return gdf.rename(columns=renames)


def _pick_layer(path: Path, spec: LayerSpec) -> str | None:
    """The spec's layer name when the file has it, else the file's only/first layer."""
    import pyogrio

    if spec.layer is None or not path.is_file():
        return None
    try:
        names = [str(r[0]) for r in pyogrio.list_layers(path)]
    except Exception:
        return None
    return spec.layer if spec.layer in names else None


def _check_geometry(gdf: gpd.GeoDataFrame, spec: LayerSpec, label: str) -> list[Problem]:
    problems = []
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    for i in np.flatnonzero(empty.to_numpy()):
        problems.append(Problem(label, "has no geometry; draw it or delete the feature",
                                f"feature {i + 1}", "geometry"))
    types = gdf.geometry.geom_type
    bad_type = ~empty & ~types.isin(spec.geometry)
    for i in np.flatnonzero(bad_type.to_numpy()):
        msg = f"is a {types.iloc[i]}, expected {' or '.join(spec.geometry)}"
        problems.append(Problem(label, msg, f"feature {i + 1}", "geometry"))
    invalid = ~empty & ~bad_type & ~gdf.geometry.is_valid
    if invalid.any():
        from shapely.validation import explain_validity

        for i in np.flatnonzero(invalid.to_numpy()):
            why = explain_validity(gdf.geometry.iloc[i])
            msg = (f"invalid geometry ({why}); repair it with QGIS 'Fix geometries' "
                   "or shapely.make_valid")
            problems.append(Problem(label, msg, f"feature {i + 1}", "geometry"))
    return problems


def _check_numeric(gdf: gpd.GeoDataFrame, spec: LayerSpec, label: str) -> list[Problem]:
    import pandas as pd

    problems = []
    for col in spec.numeric:
        if col in spec.optional and gdf[col].isna().all():
            continue  # absent: no data
        values = pd.to_numeric(gdf[col], errors="coerce").to_numpy(dtype=float)
        for i in np.flatnonzero(~np.isfinite(values) | (values < 0)):
            msg = f"{gdf[col].iloc[i]!r} is not a count >= 0; fill in a whole number"
            problems.append(Problem(label, msg, f"feature {i + 1}", col))
    return problems


def check_choices(gdf: gpd.GeoDataFrame, label: str, column: str, allowed: tuple[str, ...], *,
                  severity: str = "error", effect: str = "") -> list[Problem]:
    """A problem per distinct unknown value of a coded field, naming its features and the values.

    ``effect`` says what happens to the features (for a warning), e.g. "they are left out".
    """
    if column not in gdf.columns:
        return []
    values = gdf[column].astype(object).where(gdf[column].notna(), "").astype(str).str.strip()
    problems = []
    for value in dict.fromkeys(values[~values.isin(allowed)]):
        idx = np.flatnonzero((values == value).to_numpy())
        where = ", ".join(f"feature {i + 1}" for i in idx[:10]) + (
            f" and {len(idx) - 10} more" if len(idx) > 10 else "")
        what = "is empty" if not value else f"{value!r} is not a known value"
        msg = f"{what}; use one of {', '.join(allowed)}" + (f" ({effect})" if effect else "")
        problems.append(Problem(label, msg, where, column, severity))
    return problems


def unit_overlaps(units: gpd.GeoDataFrame) -> list[tuple[int, int, float]]:
    """(row, row, m2) of every pair of unit polygons that overlap by more than 1 m2."""
    from shapely import area, intersection

    geoms = units.geometry.to_numpy()
    left, right = units.sindex.query(geoms, predicate="intersects")
    keep = left < right
    pairs = [(int(a), int(b), float(area(intersection(geoms[a], geoms[b]))))
             for a, b in zip(left[keep], right[keep], strict=True)]
    return [p for p in pairs if p[2] > 1.0]


def _winner(units: gpd.GeoDataFrame, a: int, b: int) -> int:
    """The unit that keeps the cells and points two units share: the lower code (as text)."""
    code_a, code_b = str(units.iloc[a]["code"]), str(units.iloc[b]["code"])
    return b if code_b < code_a else a


def check_units_tiling(units: gpd.GeoDataFrame, label: str) -> list[Problem]:
    """Warn when unit polygons overlap, saying which unit the shared cells and points go to."""
    problems = []
    for a, b, shared in unit_overlaps(units):
        win = units.iloc[_winner(units, a, b)]
        msg = (f"units {units.iloc[a]['name']!r} and {units.iloc[b]['name']!r} overlap by "
               f"{shared / 1e6:.3f} km2; people, cells and points there are counted once, in "
               f"{win['name']!r} (code {win['code']}, the lower code) unless a point's unit code "
               "says otherwise; fix the boundaries (QGIS Topology Checker, rule 'must not "
               "overlap') for exact per-unit figures")
        problems.append(Problem(label, msg, severity="warning"))
    return problems


def units_overlap_notes(units: gpd.GeoDataFrame) -> list[Note]:
    """A ``units_overlap`` note when unit polygons overlap (none otherwise)."""
    pairs = unit_overlaps(units)
    if not pairs:
        return []
    km2 = round(sum(p[2] for p in pairs) / 1e6, 3)
    text = (f"{len(pairs)} pair(s) of unit polygons overlap ({km2:g} km2 in all); each cell and "
            "point there is counted once, in the unit with the lower code.")
    return [Note("units_overlap", text, {"pairs": len(pairs), "km2": km2})]


def check_units_on_dem(units: gpd.GeoDataFrame, bounds: tuple[float, float, float, float],
                       label: str) -> list[Problem]:
    """An error naming the units wholly outside the DEM; a warning for units partly outside."""
    from shapely import box

    dem = box(*bounds)
    area = units.geometry.area.to_numpy()
    inside = units.geometry.intersection(dem).area.to_numpy()
    problems = []
    outside = [f"{n!r} ({c})" for n, c, a in zip(units["name"], units["code"], inside, strict=True)
               if a <= 0]
    if outside:
        msg = (f"{len(outside)} unit(s) lie wholly outside the DEM: {', '.join(outside)}; use a DEM "
               "that covers every unit, or remove these units from the layer")
        problems.append(Problem(label, msg, field="geometry"))
    for i in np.flatnonzero((inside > 0) & (inside < 0.99 * area)):
        row = units.iloc[i]
        msg = (f"unit {row['name']!r} ({row['code']}): {1 - inside[i] / area[i]:.0%} of its area "
               "lies outside the DEM; people there count as not covered")
        problems.append(Problem(label, msg, f"feature {i + 1}", "geometry", severity="warning"))
    return problems


def check_counts(gdf: gpd.GeoDataFrame, field: str, label: str) -> list[Problem]:
    """Errors for values of a count field that are not finite numbers >= 0 (census totals)."""
    import pandas as pd

    problems = _check_numeric(gdf, LayerSpec("units", (field,), (), numeric=(field,)), label)
    values = pd.to_numeric(gdf[field], errors="coerce").to_numpy(dtype=float)
    for i in np.flatnonzero(np.isposinf(values)):
        problems.append(Problem(label, f"{gdf[field].iloc[i]!r} is not a count; fill in a whole "
                                "number", f"feature {i + 1}", field))
    return problems
