"""BTS sites and their cells (sectors): reading and checking the operators' inventories.

One row per cell, with the columns of :data:`SITE_COLUMNS`. A table (CSV in any usual export, or an
Excel ``.xlsx``: see :mod:`netcover.core.tables`) gives positions as WGS84 ``lon``/``lat``; any vector
format GDAL reads gives them as point geometries in its own CRS (the ``lon``/``lat`` columns may then
be absent). An empty ``pattern_file`` means "no file"; a named pattern file is parsed when the sites
are read. The optional ``backhaul`` column (fibre, microwave, satellite, none; empty: not known,
taken as backhauled by the link plan) says how a site reaches its operator's network. Every problem
of the file is collected, each naming the row, the field and the fix; the checks of the columns
that proposals share (technology, numbers, bandwidths, backhaul, ids, positions) are in
:mod:`netcover.data.site_checks`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.core.io import read_vector, require_file
from netcover.core.tables import is_table, read_table, row_label
from netcover.data.nr_sites import SCS_COLUMN, check_nr_cells
from netcover.data.site_checks import (
    TECH_ALIASES,
    Range,
    check_backhaul,
    check_ids,
    check_lte_bandwidth,
    check_numbers,
    check_technology,
)
from netcover.errors import NetcoverError, Problem
from netcover.radio.msi import read_msi

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

__all__ = [
    "OPTIONAL_COLUMNS", "SITE_COLUMNS", "SITE_RANGES", "check_sites", "read_sites", "site_table",
    "to_working_crs",
]

SITE_COLUMNS: tuple[str, ...] = (
    "site_id", "cell_id", "operator", "technology", "lon", "lat", "height_m", "azimuth_deg",
    "mech_tilt_deg", "elec_tilt_deg", "frequency_mhz", "bandwidth_mhz", "tx_power_dbm",
    "antenna_gain_dbi", "h_beamwidth_deg", "v_beamwidth_deg", "pattern_file",
)
OPTIONAL_COLUMNS = frozenset({"pattern_file", SCS_COLUMN})

#: The numeric columns of a site inventory and their ranges.
SITE_RANGES: tuple[Range, ...] = (
    ("lon", -180, 180, True, True, "longitude in decimal degrees (WGS84)"),
    ("lat", -90, 90, True, True, "latitude in decimal degrees (WGS84)"),
    ("height_m", 0, 300, False, True, "antenna height above ground in metres, (0, 300]"),
    ("azimuth_deg", 0, 360, True, False, "degrees clockwise from north, [0, 360)"),
    ("mech_tilt_deg", -20, 45, True, True, "downtilt in degrees, [-20, 45]"),
    ("elec_tilt_deg", -20, 45, True, True, "downtilt in degrees, [-20, 45]"),
    ("frequency_mhz", 30, 6000, True, True, "carrier in MHz, [30, 6000]"),
    ("bandwidth_mhz", 0, 100, False, True, "channel bandwidth in MHz, (0, 100]"),
    ("tx_power_dbm", -10, 70, True, True, "transmit power per cell in dBm, [-10, 70]"),
    ("antenna_gain_dbi", -10, 30, True, True, "antenna gain in dBi, [-10, 30]"),
    ("h_beamwidth_deg", 0, 360, False, True, "horizontal 3 dB beamwidth, (0, 360]; 360 = omni"),
    ("v_beamwidth_deg", 0, 180, False, True, "vertical 3 dB beamwidth, (0, 180]"),
)


def read_sites(
    path: str | Path, *, max_height_m: float = 300.0
) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Read and check a site inventory.

    Parameters
    ----------
    path : str or Path
        CSV or Excel table with lon/lat columns, or a point layer (GeoPackage, Shapefile,
        GeoJSON, KML...).
    max_height_m : float
        Largest antenna height accepted.

    Returns
    -------
    (GeoDataFrame or None, list of Problem)
        One row per cell in the file's CRS (EPSG:4326 for CSV), ``technology`` normalised to
        "4G"/"3G"; None when the problems make the table unusable.
    """
    p = require_file(path, "sites")
    if is_table(p):
        return check_sites(read_table(p, "sites"), label=str(p), max_height_m=max_height_m,
                           base=p.parent)
    return check_sites(read_vector(p, "sites"), label=str(p), max_height_m=max_height_m,
                       base=p.parent)


def check_sites(
    frame: pd.DataFrame, *, label: str, max_height_m: float = 300.0, base: Path | None = None
) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Check a site inventory given as a table or a GeoDataFrame: the checks of :func:`read_sites`.

    Both the file path and the object path (``netcover.read_sites(gdf)``) come here, so a
    GeoDataFrame is refused or accepted exactly as the same rows in a file would be.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        One row per cell: WGS84 ``lon``/``lat`` columns (a table), or point geometries in a CRS
        (then ``lon``/``lat`` may be absent). Not modified.
    label : str
        Names the source in the problems (the file, or e.g. ``"<GeoDataFrame>"``).
    max_height_m : float
        Largest antenna height accepted.
    base : Path, optional
        Folder that relative ``pattern_file`` paths are relative to (default: the current folder).

    Returns
    -------
    (GeoDataFrame or None, list of Problem)
        As :func:`read_sites`.
    """
    geometry, df, problems = _split_geometry(frame, label)
    if problems:
        return None, problems
    problems = _check_columns(df, label, has_geometry=geometry is not None)
    if problems:
        return None, problems
    df = df.copy()
    if geometry is not None and ("lon" not in df or df["lon"].isna().all()):
        ll = geometry.to_crs("EPSG:4326")
        df["lon"], df["lat"] = ll.geometry.x.to_numpy(), ll.geometry.y.to_numpy()
    if "pattern_file" not in df:
        df["pattern_file"] = ""
    problems += _check_values(df, label, max_height_m, base if base is not None else Path.cwd())
    if any(pr.severity == "error" for pr in problems):
        return None, problems
    return _canonical_sites(df, geometry), problems


def _split_geometry(frame: pd.DataFrame, label: str
                    ) -> tuple[gpd.GeoDataFrame | None, pd.DataFrame, list[Problem]]:
    """The point geometries of ``frame`` (None for a plain table), its other columns, and the
    problem of geometries without a CRS."""
    import geopandas as gpd

    has_geometry = isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame
    if not has_geometry:
        return None, pd.DataFrame(frame).reset_index(drop=True).replace("", np.nan), []
    geometry = frame.reset_index(drop=True)
    if geometry.crs is None and len(geometry):
        return None, pd.DataFrame(), [Problem(
            label, "the sites have point geometries but no CRS; set one "
            "(gdf.set_crs('EPSG:4326') for lon/lat)", field="geometry")]
    return geometry, pd.DataFrame(geometry.drop(columns=geometry.geometry.name)), []


def _canonical_sites(df: pd.DataFrame, geometry: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Checked rows with canonical technology names and trimmed ids, as a GeoDataFrame (the given
    geometries, or points at lon/lat)."""
    import geopandas as gpd

    df["technology"] = [TECH_ALIASES[str(t).strip().lower()] for t in df["technology"]]
    for col in ("site_id", "cell_id", "operator"):
        df[col] = df[col].astype(str).str.strip()
    if geometry is not None:
        return gpd.GeoDataFrame(df, geometry=geometry.geometry.values, crs=geometry.crs)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")


def _check_columns(df: pd.DataFrame, label: str, *, has_geometry: bool) -> list[Problem]:
    optional = OPTIONAL_COLUMNS | ({"lon", "lat"} if has_geometry else set())
    missing = [c for c in SITE_COLUMNS if c not in df.columns and c not in optional]
    if not missing:
        if len(df) == 0:
            return [Problem(label, "the sites table has no rows; add one row per cell")]
        return []
    found = ", ".join(map(str, df.columns)) or "none"
    msg = (f"required column(s) missing: {', '.join(missing)} (columns found: {found}); "
           f"the header must have: {', '.join(SITE_COLUMNS)}")
    return [Problem(label, msg, field=",".join(missing))]


def _check_values(df: pd.DataFrame, label: str, max_height_m: float, base: Path) -> list[Problem]:
    problems: list[Problem] = []
    for col in ("site_id", "cell_id", "operator", "technology"):
        for i in np.flatnonzero(df[col].isna().to_numpy() | (df[col].astype(str).str.strip() == "")):
            problems.append(Problem(label, "is empty; every cell needs it", row_label(i), col))
    problems += check_technology(df, label)
    ranges = [(c, lo, max_height_m if c == "height_m" else hi, lo_in, hi_in, advice)
              for c, lo, hi, lo_in, hi_in, advice in SITE_RANGES]
    problems += check_numbers(df, label, ranges)
    problems += check_lte_bandwidth(df, label)
    problems += check_nr_cells(df, label)
    problems += check_ids(df, label)
    problems += _check_patterns(df, label, base)
    return problems + check_backhaul(df, label)


def _check_patterns(df: pd.DataFrame, label: str, base: Path) -> list[Problem]:
    """Resolve ``pattern_file`` paths (empty: no file) and parse each file once, now; warn where a
    file's GAIN disagrees with the row's ``antenna_gain_dbi`` (the gain used)."""
    problems = []
    names = df["pattern_file"].astype(object).where(df["pattern_file"].notna(), "")
    names = names.astype(str).str.strip()
    df["pattern_file"] = names.where(names.str.lower() != "nan", "")
    parsed: dict[Path, tuple[str, float | None]] = {}
    gains = df["antenna_gain_dbi"] if "antenna_gain_dbi" in df else pd.Series(np.nan, index=df.index)
    row_gain = pd.to_numeric(gains, errors="coerce")
    for i, name in enumerate(df["pattern_file"]):
        if not name:
            continue
        p = Path(name)
        p = p if p.is_absolute() else base / p
        if p not in parsed:
            parsed[p] = _pattern_problem(p)
        problem, file_gain = parsed[p]
        if problem:
            problems.append(Problem(label, problem, row_label(i), "pattern_file"))
            continue
        df.loc[df.index[i], "pattern_file"] = str(p)
        problems += _gain_mismatch(df, i, label, p, file_gain, float(row_gain.iloc[i]))
    return problems


#: Largest difference (dB) between a pattern file's GAIN and the row's antenna_gain_dbi without a warning.
GAIN_TOLERANCE_DB = 0.5


def _gain_mismatch(df: pd.DataFrame, i: int, label: str, p: Path, file_gain: float | None,
                   row_gain: float) -> list[Problem]:
    """A warning when the pattern file's GAIN (dBi) and the row's gain differ by over 0.5 dB."""
    if file_gain is None or not math.isfinite(row_gain) or abs(file_gain - row_gain) <= GAIN_TOLERANCE_DB:
        return []
    cell = str(df["cell_id"].iloc[i]) if "cell_id" in df else ""
    site = str(df["site_id"].iloc[i]) if "site_id" in df else ""
    msg = (f"site {site!r} cell {cell!r}: pattern file {p.name!r} gives GAIN {file_gain:g} dBi but "
           f"antenna_gain_dbi is {row_gain:g} dBi; the run uses {row_gain:g} dBi. Set "
           "antenna_gain_dbi to the file's gain (dBd + 2.15 = dBi) if the file is right")
    return [Problem(label, msg, row_label(i), "antenna_gain_dbi", severity="warning")]


def _pattern_problem(p: Path) -> tuple[str, float | None]:
    """What is wrong with a pattern file ("" when it parses) and its GAIN in dBi (None: none)."""
    if not p.is_file():
        return f"pattern file {str(p)!r} not found; paths are relative to the sites file", None
    try:
        pattern = read_msi(p)
    except NetcoverError as exc:
        return (f"pattern file {str(p)!r} cannot be used: {str(exc).removeprefix(f'{p}: ')}; "
                "fix the file or leave pattern_file empty to use the beamwidths"), None
    return "", pattern.gain_dbi


def site_table(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per site (first cell's position, tallest antenna), its cell count and technologies;
    ``backhaul`` (the first value given, "" when none) when the cells have that column."""
    more = {"backhaul": ("backhaul", _first_given)} if "backhaul" in cells.columns else {}
    agg = cells.groupby("site_id", sort=True).agg(
        operator=("operator", "first"), height_m=("height_m", "max"),
        cells=("cell_id", "count"),
        technologies=("technology", lambda s: "/".join(sorted(set(s)))),
        **more, geometry=("geometry", "first"),
    )
    import geopandas as gpd

    return gpd.GeoDataFrame(agg.reset_index(), geometry="geometry", crs=cells.crs)


def _first_given(values: pd.Series) -> str:
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    return str(text.iloc[0]) if len(text) else ""


def to_working_crs(cells: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """Project cells to the working CRS and add ``x``/``y`` columns in metres."""
    out = cells.to_crs(crs)
    out["x"] = out.geometry.x
    out["y"] = out.geometry.y
    return out
