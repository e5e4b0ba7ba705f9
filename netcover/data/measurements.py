"""Field measurements: drive tests or crowdsourced samples, read and checked row by row.

The CSV has ``lon``, ``lat`` (WGS84), ``time``, ``operator``, ``technology`` (4G/LTE, 5G/NR or
3G/UMTS), the measured level in ``rsrp_dbm`` (4G), ``ss_rsrp_dbm`` (5G) and/or ``rscp_dbm`` (3G)
(``rsrp``, ``rscp`` or one ``level_dbm`` column are accepted too; a 5G row may give its SS-RSRP as
``rsrp_dbm``) and optionally ``cell_id``.

Operator names are matched to the site inventory's without regard to case. Bad rows are never
fatal: a row that cannot be compared with a prediction is dropped and counted
with the reason (:data:`DROP_REASONS`); a row that can still be used but is doubtful is kept and
flagged (:data:`FLAG_REASONS`). Only a file without the required columns is an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np
import pandas as pd

from netcover.core.io import require_file
from netcover.core.tables import read_table
from netcover.data.nr_sites import NR_ALIASES
from netcover.errors import InputError

if TYPE_CHECKING:
    from netcover.data.inputs import Inputs

__all__ = [
    "DROP_REASONS", "FLAG_REASONS", "LEVEL_COLUMNS", "LEVEL_RANGE_DBM", "REQUIRED", "DropReason",
    "FlagReason", "MeasurementSet", "check_measurements", "read_measurements",
]

DropReason = Literal["no position", "outside the DEM", "unknown technology", "no level",
                     "level out of range", "operator not in the inventory", "duplicate"]
FlagReason = Literal["time unreadable", "cell id not in the inventory",
                     "cell id of another operator or technology"]
DROP_REASONS: tuple[str, ...] = get_args(DropReason)
FLAG_REASONS: tuple[str, ...] = get_args(FlagReason)
REQUIRED = ("lon", "lat", "time", "operator", "technology")
#: Accepted level columns per technology, in order of preference.
LEVEL_COLUMNS: dict[str, tuple[str, ...]] = {"4G": ("rsrp_dbm", "rsrp", "level_dbm"),
                                             "3G": ("rscp_dbm", "rscp", "level_dbm"),
                                             "5G": ("ss_rsrp_dbm", "rsrp_dbm", "rsrp", "level_dbm")}
#: Plausible measured levels (dBm): RSRP and RSCP outside this are logging errors.
LEVEL_RANGE_DBM = (-140.0, -25.0)
_TECH = {"4g": "4G", "lte": "4G", "3g": "3G", "umts": "3G", "wcdma": "3G", "hspa": "3G", **NR_ALIASES}


@dataclass
class MeasurementSet:
    """Measurements ready to compare with predictions, and what was left out.

    Attributes
    ----------
    points : pandas.DataFrame
        Kept rows: ``row`` (line of the file), ``lon``, ``lat``, ``x``, ``y`` (working CRS),
        ``time``, ``operator``, ``technology``, ``measured_dbm``, ``cell_id`` ("" = unknown) and
        ``flags`` ("; "-separated, "" = none).
    dropped : pandas.DataFrame
        ``row`` and ``reason`` of every dropped row.
    source : str
        The file read.
    """

    points: pd.DataFrame
    dropped: pd.DataFrame
    source: str = ""

    def counts(self) -> pd.DataFrame:
        """Rows kept, dropped per reason and flagged per reason (``what``, ``reason``, ``rows``)."""
        rows = [{"what": "kept", "reason": "", "rows": len(self.points)}]
        for reason, n in self.dropped["reason"].value_counts().items():
            rows.append({"what": "dropped", "reason": reason, "rows": int(n)})
        flags = self.points["flags"].str.split("; ").explode()
        for reason, n in flags[flags != ""].value_counts().items():
            rows.append({"what": "flagged", "reason": reason, "rows": int(n)})
        return pd.DataFrame(rows)


def read_measurements(path: str | Path, inputs: Inputs) -> MeasurementSet:
    """Read and check a measurements CSV against the scenario's DEM and site inventory.

    Raises
    ------
    DataFileError
        The file is missing or unreadable.
    InputError
        Required columns are missing (bad rows are dropped or flagged, never errors).
    """
    p = require_file(path, "measurements")
    df = read_table(p, "measurements")
    df.columns = [c.lower() for c in df.columns]
    _check_columns(df, p)
    return check_measurements(df, inputs, source=str(p))


def _check_columns(df: pd.DataFrame, p: Path) -> None:
    missing = [c for c in REQUIRED if c not in df.columns]
    levels = {c for cols in LEVEL_COLUMNS.values() for c in cols}
    if not levels & set(df.columns):
        missing.append("rsrp_dbm or rscp_dbm")
    if missing:
        found = ", ".join(df.columns) or "none"
        msg = (f"{p}: column(s) missing: {', '.join(missing)} (found: {found}); the header needs "
               "lon,lat,time,operator,technology,rsrp_dbm (and/or rscp_dbm)[,cell_id]")
        raise InputError(msg)


def check_measurements(df: pd.DataFrame, inputs: Inputs, *, source: str = "") -> MeasurementSet:
    """Check a table of raw measurement rows (strings); see :func:`read_measurements`."""
    from pyproj import Transformer

    n = len(df)
    reason = np.full(n, "", dtype=object)

    def drop(mask: np.ndarray, why: DropReason) -> None:
        reason[(reason == "") & mask] = why

    lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(dtype=float)
    bad_pos = ~(np.isfinite(lon) & np.isfinite(lat)) | (np.abs(lon) > 180) | (np.abs(lat) > 90)
    drop(bad_pos, "no position")
    to_crs = Transformer.from_crs("EPSG:4326", inputs.crs, always_xy=True)
    x, y = to_crs.transform(np.where(bad_pos, 0.0, lon), np.where(bad_pos, 0.0, lat))
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    drop(~inputs.terrain.contains(x, y), "outside the DEM")
    tech = df["technology"].str.strip().str.lower().map(_TECH).fillna("").to_numpy(dtype=object)
    drop(tech == "", "unknown technology")
    level = _levels(df, tech)
    drop(~np.isfinite(level), "no level")
    lo, hi = LEVEL_RANGE_DBM
    drop(np.isfinite(level) & ((level < lo) | (level > hi)), "level out of range")
    cells = inputs.cells
    known = {str(o).lower(): str(o) for o in cells["operator"]} if cells is not None else {}
    given = df["operator"].str.strip()
    operator = given.map(lambda o: known.get(o.lower(), o)).to_numpy(dtype=object)
    drop(~given.str.lower().isin(list(known)).to_numpy(), "operator not in the inventory")
    key = pd.DataFrame({"lon": lon, "lat": lat, "t": df["time"].str.strip(), "op": operator,
                        "tech": tech, "level": level,
                        "cell": df["cell_id"].str.strip() if "cell_id" in df.columns else ""})
    drop(key.duplicated().to_numpy(), "duplicate")
    flags = _flags(df, operator, tech, cells)
    keep = reason == ""
    points = pd.DataFrame({
        "row": np.arange(n)[keep] + 2, "lon": lon[keep], "lat": lat[keep], "x": x[keep],
        "y": y[keep], "time": df["time"].str.strip().to_numpy()[keep],
        "operator": operator[keep], "technology": tech[keep], "measured_dbm": level[keep],
        "cell_id": _cell_ids(df, flags)[keep], "flags": flags[keep],
    })
    dropped = pd.DataFrame({"row": np.flatnonzero(~keep) + 2, "reason": reason[~keep]})
    return MeasurementSet(points.reset_index(drop=True), dropped, source)


def _levels(df: pd.DataFrame, tech: np.ndarray) -> np.ndarray:
    """Each row's level from the first non-empty column accepted for its technology."""
    out = np.full(len(df), np.nan)
    for t, columns in LEVEL_COLUMNS.items():
        rows = tech == t
        for col in columns:
            if col in df.columns:
                vals = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
                fill = rows & np.isnan(out) & np.isfinite(vals)
                out[fill] = vals[fill]
    return out


def _flags(df: pd.DataFrame, operator: np.ndarray, tech: np.ndarray,
           cells: pd.DataFrame | None) -> np.ndarray:
    flags: list[list[FlagReason]] = [[] for _ in range(len(df))]
    times = pd.to_datetime(df["time"].str.strip(), errors="coerce", utc=True, format="mixed")
    for k in np.flatnonzero(times.isna().to_numpy()):
        flags[int(k)].append("time unreadable")
    if "cell_id" in df.columns and cells is not None:
        # a dict, not .at on an indexed frame: 20 us a row less (the cell ids are unique)
        table = dict(zip(cells["cell_id"].astype(str),
                         zip(cells["operator"], cells["technology"], strict=True), strict=True))
        ids = df["cell_id"].str.strip()
        for i, cid in enumerate(ids):
            if not cid:
                continue
            if cid not in table:
                flags[i].append("cell id not in the inventory")
            elif table[cid] != (operator[i], tech[i]):
                flags[i].append("cell id of another operator or technology")
    return np.array(["; ".join(f) for f in flags], dtype=object)


def _cell_ids(df: pd.DataFrame, flags: np.ndarray) -> np.ndarray:
    """Cell ids that can be used ("" where absent or flagged as unusable)."""
    if "cell_id" not in df.columns:
        return np.full(len(df), "", dtype=object)
    ids = df["cell_id"].str.strip().to_numpy(dtype=object)
    unusable = np.array(["cell id" in f for f in flags])
    return np.where(unusable, "", ids).astype(object)
