"""Predicted against measured for one site: the drive-test points it serves, and their errors.

After a site is built, a drive test around it says how well the prediction that justified it holds.
:func:`compare_site` keeps the points of a measurements file that the site serves and compares each
with the prediction of the site's own cell (not the network's best server):

- a row that names its serving cell (``cell_id``, checked against the inventory by
  :mod:`netcover.data.measurements`) belongs to the site when that cell is one of the site's, and is
  compared with that cell (rule ``"serving cell in the file"``);
- a row without a usable cell id belongs to the site when it lies within the site's computation
  radius (``[coverage] radius_km``) and the site is the predicted best server there, among the cells
  of the measured operator and technology; it is compared with the site's strongest cell there
  (rule ``"predicted best server"``).

Rows of another operator or technology than the site's cells are never the site's. The predicted
level is the coverage engine's median level (50 % of locations and of the time) in the DEM cell under
the point, calibrated when the scenario carries a ``[calibration]``. Errors are measured minus
predicted (dB); :func:`site_error_stats` summarises them (bias, RMSE, MAE, median, 90th percentile
of the absolute error) overall and per distance band (:data:`DISTANCE_BANDS_M`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from netcover.core.textsafe import safe_name
from netcover.errors import InputError
from netcover.monitor.compare import cell_levels_at_points, landcover_at, serving_rows

if TYPE_CHECKING:
    from netcover.data.inputs import Inputs
    from netcover.data.measurements import MeasurementSet

__all__ = [
    "BY_PREDICTION", "BY_SERVING_CELL", "DISTANCE_BANDS_M", "SITE_COLUMNS", "SiteComparison",
    "band_stats", "bearing_deg", "compare_site", "require_sites", "site_error_stats", "site_folder",
]

#: How a point was attributed to the site (the ``selected_by`` column).
BY_SERVING_CELL = "serving cell in the file"
BY_PREDICTION = "predicted best server"
#: Upper edges (m) of the distance bands of :func:`band_stats`; the last band is open.
DISTANCE_BANDS_M: tuple[float, ...] = (500.0, 1000.0, 2000.0, 5000.0, 10000.0)
#: Columns of a site comparison, in order (``site_comparison.csv``).
SITE_COLUMNS = ("point", "lon", "lat", "x", "y", "time", "operator", "technology", "cell",
                "selected_by", "distance_m", "bearing_deg", "predicted_dbm", "measured_dbm",
                "error_db", "landcover", "landcover_name")
#: How many known ids an unknown-site message lists.
_SHOWN_IDS = 8


@dataclass
class SiteComparison:
    """Predicted against measured for one site.

    Attributes
    ----------
    site_id : str
        The site, as the sites file spells it.
    points : pandas.DataFrame
        One row per drive-test point attributed to the site (columns :data:`SITE_COLUMNS`).
    summary : dict
        What ``site_summary.json`` holds: ``site_id``, ``points``, ``bias_db``, ``rmse_db``,
        ``mae_db``, ``median_error_db``, ``p90_abs_error_db``, ``std_db``, ``selected_by``,
        ``by_distance_band``, ``assumes``...
    files : list of Path
        Files written (empty until written).
    """

    site_id: str
    points: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)


def site_folder(out_dir: str | Path, site_id: str) -> Path:
    """The folder of one site's comparison: ``<out_dir>/site_<safe id>`` (``out_dir``: the
    measurements folder, e.g. ``<results>/measurements``). An id that is not already a safe file
    name (``netcover.core.textsafe.safe_name``) gets the first 8 hex digits of its SHA-256 after
    the safe name, so that two ids differing only in unsafe characters (``A/1`` and ``A 1``) never
    share a folder."""
    import hashlib

    safe = safe_name(site_id, fallback="site")
    if safe != site_id:
        safe += "-" + hashlib.sha256(str(site_id).encode("utf-8")).hexdigest()[:8]
    return Path(out_dir) / f"site_{safe}"


def bearing_deg(x0: float, y0: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bearing (degrees clockwise from grid north, 0..360) from ``(x0, y0)`` to each point."""
    return np.degrees(np.arctan2(np.asarray(x) - x0, np.asarray(y) - y0)) % 360.0


def site_error_stats(errors: np.ndarray) -> dict[str, float]:
    """``points``, ``bias_db`` (mean), ``rmse_db``, ``mae_db``, ``median_error_db``,
    ``p90_abs_error_db`` and ``std_db`` (population) of the finite errors (NaN when none)."""
    e = np.asarray(errors, dtype=float)
    e = e[np.isfinite(e)]
    if len(e) == 0:
        nan = float("nan")
        return {"points": 0, "bias_db": nan, "rmse_db": nan, "mae_db": nan,
                "median_error_db": nan, "p90_abs_error_db": nan, "std_db": nan}
    return {"points": len(e), "bias_db": float(e.mean()), "rmse_db": float(np.sqrt(np.mean(e ** 2))),
            "mae_db": float(np.abs(e).mean()), "median_error_db": float(np.median(e)),
            "p90_abs_error_db": float(np.percentile(np.abs(e), 90)), "std_db": float(e.std())}


def band_stats(errors: np.ndarray, distance_m: np.ndarray,
               edges_m: tuple[float, ...] = DISTANCE_BANDS_M) -> pd.DataFrame:
    """:func:`site_error_stats` per distance band (``band`` "0-500 m", ..., ``from_m``, ``to_m``);
    bands without a finite error are left out."""
    e, d = np.asarray(errors, dtype=float), np.asarray(distance_m, dtype=float)
    lows, highs = (0.0, *edges_m), (*edges_m, np.inf)
    rows = []
    for lo, hi in zip(lows, highs, strict=True):
        inside = (d >= lo) & (d < hi) & np.isfinite(e)
        if not inside.any():
            continue
        label = f"{lo:.0f}-{hi:.0f} m" if np.isfinite(hi) else f">= {lo:.0f} m"
        rows.append({"band": label, "from_m": lo, "to_m": hi, **site_error_stats(e[inside])})
    return pd.DataFrame(rows, columns=["band", "from_m", "to_m", "points", "bias_db", "rmse_db",
                                       "mae_db", "median_error_db", "p90_abs_error_db", "std_db"])


def _unknown_site(inputs: Inputs, site_id: str) -> InputError:
    cells = inputs.cells
    known = [] if cells is None else list(dict.fromkeys(cells["site_id"].astype(str)))
    shown = ", ".join(known[:_SHOWN_IDS]) + (f" and {len(known) - _SHOWN_IDS} more"
                                             if len(known) > _SHOWN_IDS else "")
    source = inputs.scenario.inputs.sites or "the sites file"
    return InputError(f"{source}: no site with site_id {site_id!r} (field 'site_id'; known: "
                      f"{shown or 'none'}); give a site of the inventory to --site")


def require_sites(inputs: Inputs, site_ids: list[str] | tuple[str, ...]) -> None:
    """Raise :class:`~netcover.errors.InputError` for the first of ``site_ids`` that the sites
    file does not have (naming the file, the field and the first known ids)."""
    known = set() if inputs.cells is None else set(inputs.cells["site_id"].astype(str))
    for site_id in site_ids:
        if str(site_id) not in known:
            raise _unknown_site(inputs, str(site_id))


def _site_group(inputs: Inputs, pts: pd.DataFrame, site_id: str, rows: np.ndarray,
                calibrated: bool) -> pd.DataFrame:
    """The points of one operator and technology (``pts``) that the site serves, with the level
    of the site's cell (``rows``: the competing cells, rows of ``inputs.cells``)."""
    cells = inputs.cells
    assert cells is not None
    ids = cells["cell_id"].astype(str).to_numpy()[rows]
    sites = cells["site_id"].astype(str).to_numpy()[rows]
    cell_site = dict(zip(cells["cell_id"].astype(str), cells["site_id"].astype(str), strict=True))
    mine = sites == site_id
    sx, sy = float(cells["x"].to_numpy()[rows][mine][0]), float(cells["y"].to_numpy()[rows][mine][0])
    given = pts["cell_id"].astype(str).to_numpy()
    named = given != ""
    x, y = pts["x"].to_numpy(dtype=float), pts["y"].to_numpy(dtype=float)
    distance = np.hypot(x - sx, y - sy)
    near = distance <= inputs.scenario.coverage.radius_km * 1000.0
    keep = np.where(named, [cell_site.get(g, "") == site_id for g in given], near)
    levels = cell_levels_at_points(inputs, rows, x[keep], y[keep], calibrated=calibrated)
    chosen = serving_rows(given[keep], ids, levels)
    ok = (chosen >= 0) & mine[np.maximum(chosen, 0)]
    take = np.flatnonzero(keep)[ok]
    chosen = chosen[ok]
    out = pts.iloc[take].copy()
    out["cell"] = ids[chosen]
    out["selected_by"] = np.where(named[take], BY_SERVING_CELL, BY_PREDICTION)
    out["distance_m"] = distance[take]
    out["bearing_deg"] = bearing_deg(sx, sy, x[take], y[take])
    out["predicted_dbm"] = levels[chosen, np.flatnonzero(ok)]
    return out


def compare_site(inputs: Inputs, ms: MeasurementSet, site_id: str, *, calibrated: bool = True,
                 labels: dict[int, str] | None = None) -> SiteComparison:
    """The drive-test points that ``site_id`` serves, each with the prediction of the site's cell.

    Parameters
    ----------
    inputs : Inputs
        The scenario's inputs (the site must be in its sites file).
    ms : MeasurementSet
        The checked measurements (:func:`netcover.data.measurements.read_measurements`).
    site_id : str
        The site, as the sites file's ``site_id`` spells it.
    calibrated : bool
        Predict with the scenario's ``[calibration]`` (when it has one), as ``monitor
        measurements`` does; False: the model's own levels.
    labels : dict, optional
        Land-cover class code -> name (the ``landcover_name`` column).

    Returns
    -------
    SiteComparison
        Its ``points`` (columns :data:`SITE_COLUMNS`) and ``summary`` (statistics only; the
        caller adds ``assumes``). A site without points gives an empty table.

    Raises
    ------
    InputError
        ``site_id`` is not in the sites file (the message lists the first known ids).
    """
    require_sites(inputs, [site_id])
    cells = inputs.cells
    assert cells is not None
    ops, techs = cells["operator"].astype(str).to_numpy(), cells["technology"].astype(str).to_numpy()
    is_site = (cells["site_id"].astype(str) == site_id).to_numpy()
    x, y = cells["x"].to_numpy(dtype=float), cells["y"].to_numpy(dtype=float)
    # a cell farther than twice the radius reaches no point within the radius of the site
    reach = 2 * inputs.scenario.coverage.radius_km * 1000.0 + 2 * inputs.terrain.cell_size
    within = np.hypot(x - x[is_site][0], y - y[is_site][0]) <= reach
    parts = []
    pts = ms.points
    for op, tech in sorted(set(zip(ops[is_site], techs[is_site], strict=True))):
        group = pts[(pts["operator"] == op) & (pts["technology"] == tech)]
        if len(group):
            rows = np.flatnonzero((ops == op) & (techs == tech) & (within | is_site))
            parts.append(_site_group(inputs, group, site_id, rows, calibrated))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=[*pts.columns, "cell", "selected_by", "distance_m", "bearing_deg", "predicted_dbm"])
    table = table.rename(columns={"row": "point"})
    table["error_db"] = table["measured_dbm"].astype(float) - table["predicted_dbm"].astype(float)
    codes = landcover_at(inputs.terrain, table["x"].to_numpy(dtype=float),
                         table["y"].to_numpy(dtype=float))
    table["landcover"] = codes
    table["landcover_name"] = [(labels or {}).get(int(c), "") for c in codes]
    table = table.sort_values("point", kind="stable").reset_index(drop=True)[list(SITE_COLUMNS)]
    return SiteComparison(str(site_id), table, _summary(site_id, table))


def _summary(site_id: str, table: pd.DataFrame) -> dict[str, Any]:
    errors = table["error_db"].to_numpy(dtype=float)
    counts = table["selected_by"].value_counts()
    bands = band_stats(errors, table["distance_m"].to_numpy(dtype=float))
    return {"site_id": str(site_id), **site_error_stats(errors),
            "points_without_prediction": int((~np.isfinite(errors)).sum()),
            "selected_by": {BY_SERVING_CELL: int(counts.get(BY_SERVING_CELL, 0)),
                            BY_PREDICTION: int(counts.get(BY_PREDICTION, 0))},
            "cells": sorted(set(table["cell"].astype(str))),
            "max_distance_m": float(table["distance_m"].max()) if len(table) else float("nan"),
            "by_distance_band": bands.replace({np.inf: None}).to_dict(orient="records")}
