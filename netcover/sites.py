"""BTS sites and their cells (sectors): reading and checking the operators' inventories.

One row per cell, with the columns of :data:`SITE_COLUMNS`. A CSV gives positions as WGS84
``lon``/``lat``; any vector format GDAL reads gives them as point geometries in its own CRS (the
``lon``/``lat`` columns may then be absent). Every problem of the file is collected, each naming
the row, the field and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import DataFileError, Problem
from .io import read_vector, require_file
from .radio import LTE_RESOURCE_BLOCKS

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

SITE_COLUMNS: tuple[str, ...] = (
    "site_id", "cell_id", "operator", "technology", "lon", "lat", "height_m", "azimuth_deg",
    "mech_tilt_deg", "elec_tilt_deg", "frequency_mhz", "bandwidth_mhz", "tx_power_dbm",
    "antenna_gain_dbi", "h_beamwidth_deg", "v_beamwidth_deg", "pattern_file",
)
OPTIONAL_COLUMNS = frozenset({"pattern_file"})

_TECH_ALIASES = {
    "4g": "4G", "lte": "4G", "eutra": "4G", "3g": "3G", "umts": "3G", "wcdma": "3G", "hspa": "3G",
}

# (column, low, high, low inclusive, high inclusive, advice)
_RANGES: tuple[tuple[str, float, float, bool, bool, str], ...] = (
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
        CSV with lon/lat columns, or a point layer (GeoPackage, Shapefile, GeoJSON...).
    max_height_m : float
        Largest antenna height accepted.

    Returns
    -------
    (GeoDataFrame or None, list of Problem)
        One row per cell in the file's CRS (EPSG:4326 for CSV), ``technology`` normalised to
        "4G"/"3G"; None when the problems make the table unusable.
    """
    import geopandas as gpd

    p = require_file(path, "sites")
    label = str(p)
    if p.suffix.lower() in (".csv", ".txt"):
        df = _read_csv(p)
        geometry = None
    else:
        gdf = read_vector(p, "sites")
        df = pd.DataFrame(gdf.drop(columns="geometry"))
        geometry = gdf
    problems = _check_columns(df, label, has_geometry=geometry is not None)
    if problems:
        return None, problems
    df = df.copy()
    if geometry is not None and ("lon" not in df or df["lon"].isna().all()):
        ll = geometry.to_crs("EPSG:4326")
        df["lon"], df["lat"] = ll.geometry.x.to_numpy(), ll.geometry.y.to_numpy()
    if "pattern_file" not in df:
        df["pattern_file"] = ""
    problems += _check_values(df, label, max_height_m, p.parent)
    if any(pr.severity == "error" for pr in problems):
        return None, problems
    df["technology"] = [_TECH_ALIASES[str(t).strip().lower()] for t in df["technology"]]
    for col in ("site_id", "cell_id", "operator"):
        df[col] = df[col].astype(str).str.strip()
    df["pattern_file"] = df["pattern_file"].fillna("").astype(str)
    if geometry is not None:
        out = gpd.GeoDataFrame(df, geometry=geometry.geometry.values, crs=geometry.crs)
    else:
        out = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]),
                               crs="EPSG:4326")
    return out, problems


def _read_csv(p: Path) -> pd.DataFrame:
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                         skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        msg = f"{p}: cannot read the sites CSV ({exc}); save it as UTF-8 CSV with a header row"
        raise DataFileError(msg) from exc
    df.columns = [c.strip() for c in df.columns]
    return df.replace("", np.nan)


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


def _row(i: int | np.integer) -> str:
    return f"row {int(i) + 2}"  # header is line 1 of the file


def _check_values(df: pd.DataFrame, label: str, max_height_m: float, base: Path) -> list[Problem]:
    problems: list[Problem] = []
    for col in ("site_id", "cell_id", "operator", "technology"):
        for i in np.flatnonzero(df[col].isna().to_numpy() | (df[col].astype(str).str.strip() == "")):
            problems.append(Problem(label, "is empty; every cell needs it", _row(i), col))
    for j, tech in enumerate(df["technology"]):
        if isinstance(tech, str) and tech.strip() and tech.strip().lower() not in _TECH_ALIASES:
            msg = f"unknown technology {tech!r}; use 4G (LTE) or 3G (UMTS/WCDMA)"
            problems.append(Problem(label, msg, _row(j), "technology"))
    for col, lo, hi, lo_in, hi_in, advice in _RANGES:
        if col == "height_m":
            hi = max_height_m
        values = pd.to_numeric(df[col], errors="coerce")
        for i in np.flatnonzero(values.isna().to_numpy()):
            raw = df[col].iloc[i]
            what = "is empty" if pd.isna(raw) else f"{raw!r} is not a number"
            problems.append(Problem(label, f"{what}; give the {advice}", _row(i), col))
        v = values.to_numpy(dtype=float)
        ok = ((v >= lo) if lo_in else (v > lo)) & ((v <= hi) if hi_in else (v < hi))
        for i in np.flatnonzero(~ok & np.isfinite(v)):
            problems.append(Problem(label, f"{v[i]:g} is out of range; give the {advice}",
                                    _row(i), col))
        df[col] = values
    problems += _check_lte_bandwidth(df, label)
    problems += _check_ids(df, label)
    problems += _check_patterns(df, label, base)
    return problems


def _check_lte_bandwidth(df: pd.DataFrame, label: str) -> list[Problem]:
    allowed = sorted(LTE_RESOURCE_BLOCKS)
    tech = df["technology"].astype(str).str.strip().str.lower().map(_TECH_ALIASES)
    bw = df["bandwidth_mhz"].to_numpy(dtype=float)
    ok = np.isclose(bw[:, None], np.array(allowed)[None, :]).any(axis=1)
    bad = (tech == "4G").to_numpy() & np.isfinite(bw) & ~ok
    text = ", ".join(f"{b:g}" for b in allowed)
    return [Problem(label, f"{bw[i]:g} MHz is not an LTE channel bandwidth; use one of {text}",
                    _row(i), "bandwidth_mhz") for i in np.flatnonzero(bad)]


def _check_ids(df: pd.DataFrame, label: str) -> list[Problem]:
    problems = []
    cells = df["cell_id"].astype(str).str.strip()
    for cid, rows in cells[cells.duplicated(keep=False)].groupby(cells).groups.items():
        where = ", ".join(_row(int(i)) for i in rows)
        problems.append(Problem(label, f"cell_id {cid!r} is used more than once ({where}); "
                                "give every cell its own id", field="cell_id"))
    pos = df[["lon", "lat"]].apply(pd.to_numeric, errors="coerce")
    for sid, group in pos.groupby(df["site_id"].astype(str).str.strip()):
        spread_m = float(np.hypot(np.ptp(group["lon"]) * 102_000, np.ptp(group["lat"]) * 111_000))
        if len(group) > 1 and spread_m > 50:
            problems.append(Problem(label, f"site_id {sid!r} is used for places {spread_m:.0f} m "
                                    "apart; one site id per mast position", field="site_id"))
    return problems


def _check_patterns(df: pd.DataFrame, label: str, base: Path) -> list[Problem]:
    problems = []
    for i, name in enumerate(df["pattern_file"]):
        if isinstance(name, str) and name.strip():
            p = Path(name.strip())
            p = p if p.is_absolute() else base / p
            if not p.is_file():
                msg = f"pattern file {str(p)!r} not found; paths are relative to the sites file"
                problems.append(Problem(label, msg, _row(i), "pattern_file"))
            else:
                df.loc[df.index[i], "pattern_file"] = str(p)
    return problems


def site_table(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per site (first cell's position and height), with its cell count and technologies."""
    agg = cells.groupby("site_id", sort=True).agg(
        operator=("operator", "first"), height_m=("height_m", "max"),
        cells=("cell_id", "count"),
        technologies=("technology", lambda s: "/".join(sorted(set(s)))),
        geometry=("geometry", "first"),
    )
    import geopandas as gpd

    return gpd.GeoDataFrame(agg.reset_index(), geometry="geometry", crs=cells.crs)


def to_working_crs(cells: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """Project cells to the working CRS and add ``x``/``y`` columns in metres."""
    out = cells.to_crs(crs)
    out["x"] = out.geometry.x
    out["y"] = out.geometry.y
    return out
