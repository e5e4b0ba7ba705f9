"""Checks of the columns of a table of cells, shared by the site inventory and the proposals.

Each check names every bad row and field and says the fix (a :class:`~netcover.errors.Problem`
each), and some normalise their column in place: technology names to "4G"/"5G"/"3G"
(:data:`TECH_ALIASES`), numbers to floats within their ranges (:func:`check_numbers`, also used by
the fibre history), LTE channel bandwidths, the optional ``backhaul`` column, unique cell ids and
one place per mast id, and positions on the terrain (:func:`outside_problems`, which says when
lon and lat look swapped). :func:`netcover.data.sites.check_sites` runs them on a site inventory,
:mod:`netcover.data.proposals` on proposed sites.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.config.options import BACKHAULS
from netcover.config.radio import LTE_RESOURCE_BLOCKS
from netcover.core.tables import not_a_number, numbers, row_label
from netcover.data.nr_sites import NR_ALIASES
from netcover.errors import Problem

if TYPE_CHECKING:
    from typing import TypeAlias

    from netcover.data.terrain import Terrain
    from netcover.data.window import DemSource

    Grid: TypeAlias = Terrain | DemSource

__all__ = [
    "TECH_ALIASES", "Range", "check_backhaul", "check_ids", "check_lte_bandwidth", "check_numbers",
    "check_technology", "outside_problems", "same_place_problems",
]

#: Technology names accepted in a site table, and what they mean.
TECH_ALIASES = {
    "4g": "4G", "lte": "4G", "eutra": "4G", "3g": "3G", "umts": "3G", "wcdma": "3G", "hspa": "3G",
    **NR_ALIASES,
}

#: A numeric column's check: (column, low, high, low inclusive, high inclusive, advice).
Range = tuple[str, float, float, bool, bool, str]


def check_backhaul(df: pd.DataFrame, label: str) -> list[Problem]:
    """Check the optional ``backhaul`` column in place (trimmed, lower case; empty stays empty).

    Values are those of :data:`~netcover.config.options.BACKHAULS`; empty means "unknown", which
    the link plan takes as backhauled (issue 14). The cells of one site must agree.
    """
    if "backhaul" not in df.columns:
        return []
    text = df["backhaul"].astype(object).where(df["backhaul"].notna(), "").astype(str)
    text = text.str.strip().str.lower()
    df["backhaul"] = text.where(text != "nan", "")
    allowed = ", ".join(BACKHAULS)
    problems = [Problem(label, f"backhaul {value!r} is not one of {allowed}; leave it empty when "
                               "the site's backhaul is not known (it is then taken as backhauled)",
                        row_label(i), "backhaul")
                for i, value in enumerate(df["backhaul"]) if value and value not in BACKHAULS]
    ids = df["site_id"].astype(str).str.strip()
    given = df["backhaul"].isin(BACKHAULS)
    for sid, values in df.loc[given, "backhaul"].groupby(ids[given]):
        if values.nunique() > 1:
            rows = ", ".join(row_label(i) for i in np.flatnonzero((given & (ids == sid)).to_numpy()))
            problems.append(Problem(label, f"site {sid!r} has cells with different backhaul "
                                    f"({', '.join(sorted(set(values)))}); one value per site",
                                    rows, "backhaul"))
    return problems


def check_technology(df: pd.DataFrame, label: str) -> list[Problem]:
    """Unknown ``technology`` values; known ones (LTE, NR, WCDMA...) become "4G"/"5G"/"3G" in place.

    Empty cells are left as they are (required or defaulted by the caller).
    """
    problems = []
    known: list[int] = []
    for k, tech in enumerate(df["technology"]):
        text = "" if pd.isna(tech) else str(tech).strip()
        if text and text.lower() not in TECH_ALIASES:
            msg = f"unknown technology {text!r}; use 4G (LTE), 5G (NR) or 3G (UMTS/WCDMA)"
            problems.append(Problem(label, msg, row_label(k), "technology"))
        elif text:
            known.append(k)
    if known:  # one assignment for all the rows (one per row took 0.2 ms each)
        column = df["technology"]
        names = [TECH_ALIASES[str(column.iat[k]).strip().lower()] for k in known]
        df.loc[df.index[known], "technology"] = names
    return problems


def check_numbers(df: pd.DataFrame, label: str, ranges: Sequence[Range], *,
                  required: bool = True) -> list[Problem]:
    """Check numeric columns in place: each cell a finite number within its range.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows of a table (index 0.. in file order; row labels via :func:`~netcover.core.tables.row_label`);
        the checked columns are replaced by floats (NaN where empty or not a number).
    label : str
        The file, for the problems.
    ranges : sequence of (column, low, high, low inclusive, high inclusive, advice)
        As :data:`~netcover.data.sites.SITE_RANGES`; columns absent from ``df`` are skipped.
    required : bool
        Whether an empty cell is a problem (False: empty means "use the default").

    Returns
    -------
    list of Problem
        One per bad cell, naming the row, the field, the value and the fix.
    """
    problems: list[Problem] = []
    for col, lo, hi, lo_in, hi_in, advice in ranges:
        if col not in df.columns:
            continue
        raw = df[col].astype(object).where(df[col].notna(), "").astype(str).str.strip()
        values = numbers(raw)
        v = values.to_numpy(dtype=float)
        bad_text = np.isnan(v) & ((raw != "").to_numpy() | required)
        for i in np.flatnonzero(bad_text):
            problems.append(Problem(label, f"{not_a_number(raw.iloc[i])}; give the {advice}",
                                    row_label(i), col))
        for i in np.flatnonzero(np.isinf(v)):
            problems.append(Problem(label, f"{raw.iloc[i]!r} is not a finite number; give the "
                                    f"{advice}", row_label(i), col))
        ok = ((v >= lo) if lo_in else (v > lo)) & ((v <= hi) if hi_in else (v < hi))
        for i in np.flatnonzero(~ok & np.isfinite(v)):
            problems.append(Problem(label, f"{v[i]:g} is out of range; give the {advice}",
                                    row_label(i), col))
        df[col] = values
    return problems


def check_lte_bandwidth(df: pd.DataFrame, label: str, *, technology: str = "") -> list[Problem]:
    """Rows of 4G cells whose ``bandwidth_mhz`` is not an LTE channel bandwidth.

    ``technology``: the technology of rows that leave it empty (or have no such column).
    """
    if "bandwidth_mhz" not in df.columns:
        return []
    allowed = sorted(LTE_RESOURCE_BLOCKS)
    given = df["technology"] if "technology" in df.columns else pd.Series("", index=df.index)
    given = given.astype(object).where(given.notna(), "").astype(str).str.strip()
    tech = given.where(given != "", technology).str.lower().map(TECH_ALIASES)
    bw = df["bandwidth_mhz"].to_numpy(dtype=float)
    ok = np.isclose(bw[:, None], np.array(allowed)[None, :]).any(axis=1)
    bad = (tech == "4G").to_numpy() & np.isfinite(bw) & ~ok
    text = ", ".join(f"{b:g}" for b in allowed)
    return [Problem(label, f"{bw[i]:g} MHz is not an LTE channel bandwidth; use one of {text}",
                    row_label(i), "bandwidth_mhz") for i in np.flatnonzero(bad)]


def check_ids(df: pd.DataFrame, label: str) -> list[Problem]:
    problems = []
    cells = df["cell_id"].astype(str).str.strip()
    for cid, rows in cells[cells.duplicated(keep=False)].groupby(cells).groups.items():
        where = ", ".join(row_label(int(i)) for i in rows)
        problems.append(Problem(label, f"cell_id {cid!r} is used more than once ({where}); "
                                "give every cell its own id", field="cell_id"))
    return problems + same_place_problems(df, "site_id", label)


def same_place_problems(df: pd.DataFrame, id_column: str, label: str) -> list[Problem]:
    """Rows sharing an id (one mast) must share a place: ids used for places > 50 m apart."""
    problems = []
    pos = df[["lon", "lat"]].apply(pd.to_numeric, errors="coerce")
    ids = df[id_column].astype(str).str.strip()
    groups = pos.groupby(ids)  # per id, in id order: its extent (NaN where a value is NaN, as ptp)
    extent = (groups.max() - groups.min()).where(~pos.isna().groupby(ids).any())
    spread = np.hypot(extent["lon"].to_numpy() * 102_000, extent["lat"].to_numpy() * 111_000)
    for sid, size, spread_m in zip(extent.index, groups.size().to_numpy(), spread, strict=True):
        if size > 1 and spread_m > 50:
            rows = ", ".join(row_label(i) for i in np.flatnonzero((ids == sid).to_numpy()))
            problems.append(Problem(label, f"{id_column} {sid!r} is used for places "
                                    f"{spread_m:.0f} m apart ({rows}); one id per mast position",
                                    field=id_column))
    return problems


def outside_problems(df: pd.DataFrame, id_column: str, label: str, terrain: Grid,
                     what: str = "site") -> list[Problem]:
    """A problem per id whose WGS84 ``lon``/``lat`` lies outside ``terrain`` (say when swapped).

    Rows whose position is not valid WGS84 are skipped (their values are reported elsewhere) unless
    lon and lat exchanged fall on the terrain: then the problem says they look swapped.
    """
    from pyproj import Transformer

    lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(dtype=float)
    to_crs = Transformer.from_crs("EPSG:4326", terrain.crs, always_xy=True)

    def inside(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(valid WGS84 position, valid and on the terrain) of lon ``a``, lat ``b``."""
        ok = np.isfinite(a) & np.isfinite(b) & (np.abs(a) <= 180) & (np.abs(b) <= 90)
        x, y = to_crs.transform(np.where(ok, a, 0.0), np.where(ok, b, 0.0))
        return ok, ok & terrain.contains(np.asarray(x, dtype=float), np.asarray(y, dtype=float))

    usable, on = inside(lon, lat)
    swapped = inside(lat, lon)[1]
    out = (usable & ~on) | (~usable & swapped)
    left, bottom, right, top = terrain.bounds
    problems = []
    ids = df[id_column].astype(str).str.strip()
    for pid in dict.fromkeys(ids[out]):
        rows = np.flatnonzero(out & (ids == pid).to_numpy())
        i = int(rows[0])
        where = ", ".join(row_label(k) for k in rows)
        if swapped[i]:
            msg = (f"{what} {pid!r} ({lon[i]:.5f}, {lat[i]:.5f}) lies outside the DEM, but with lon "
                   "and lat exchanged it lies inside: lon and lat look swapped; put the longitude "
                   f"({lat[i]:.5f}) in lon and the latitude ({lon[i]:.5f}) in lat")
        else:
            msg = (f"{what} {pid!r} ({lon[i]:.5f}, {lat[i]:.5f}) lies outside the DEM (x "
                   f"{left:.0f}-{right:.0f}, y {bottom:.0f}-{top:.0f} in {terrain.crs.name}); use a "
                   f"DEM that covers every {what} plus the coverage radius, or fix lon/lat")
        problems.append(Problem(label, msg, where, "lon,lat"))
    return problems
