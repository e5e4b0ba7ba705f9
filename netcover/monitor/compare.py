"""Predictions against measurements: the model's level at each measured point and serving cell.

The predicted level of a cell at a point is the coverage engine's (same loss, from the loss cache
when it holds it, same antenna and link budget), read in the DEM cell under the point. With a
``cell_id`` the measurement is compared with that cell; without one, with the strongest cell of
the measured operator and technology there (what a phone in idle mode camps on).

Error statistics are of measured minus predicted (dB): ``bias`` (mean), ``rmse`` and ``std``,
overall, per technology, per site and per commune; the discrepancy layer holds the same per point
and per square of a grid.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netcover.monitor.indicators import unit_of_points

if TYPE_CHECKING:
    import geopandas as gpd

    from netcover.data.inputs import Inputs
    from netcover.data.measurements import MeasurementSet
    from netcover.data.terrain import Terrain

__all__ = [
    "STAT_COLUMNS", "cell_levels_at_points", "comparison_tables", "discrepancy_layers", "error_stats",
    "landcover_at", "predict", "serving_rows", "stats_by", "write_discrepancy",
]

STAT_COLUMNS = ("n", "bias_db", "rmse_db", "std_db")


def cell_levels_at_points(inputs: Inputs, cell_rows: np.ndarray, x: np.ndarray,
                          y: np.ndarray, *, calibrated: bool = False) -> np.ndarray:
    """Predicted level (dBm) of each of ``cell_rows`` (rows of ``inputs.cells``) at each point:
    the model's, or with ``calibrated`` the scenario's ``[calibration]`` added as the engine adds
    it (per band and land-cover class).

    Returns
    -------
    numpy.ndarray
        (len(cell_rows), len(x)); NaN where a cell's computation radius does not reach a point.
    """
    from netcover.coverage.losscache import LossCache, default_cache_dir, grid_fingerprint
    from netcover.coverage.losses import grid_loss, loss_jobs
    from netcover.coverage.sectors import SectorLevels

    cells = inputs.cells
    assert cells is not None
    sc, terrain = inputs.scenario, inputs.terrain
    cache = LossCache(sc.coverage.cache_dir or default_cache_dir())
    digest = grid_fingerprint(terrain.heights, terrain)
    apply = SectorLevels(terrain, sc.coverage, sc.receiver, cache=LossCache(cache.folder),
                         dem_digest=digest, calibration=sc.calibration if calibrated else None)
    left, top = terrain.origin_xy
    row = np.floor((top - y) / terrain.cell_size).astype(np.int64)
    col = np.floor((x - left) / terrain.cell_size).astype(np.int64)
    wanted = {int(c): k for k, c in enumerate(cell_rows)}
    out = np.full((len(cell_rows), len(x)), np.nan)
    notes: list[str] = []
    for job in loss_jobs(cells):
        mine = [i for i in job.cells if i in wanted]
        if not mine:
            continue
        loss = grid_loss(terrain, job, sc.coverage, cache, notes)
        rows = [cells.iloc[i] for i in mine]
        r, c = row - loss.row_off, col - loss.col_off
        h, w = loss.loss_db.shape
        inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        for i, level in zip(mine, apply.levels(job.x, job.y, job.height_m, loss, rows),
                            strict=True):
            out[wanted[i], inside] = level[r[inside], c[inside]]
    return out


def predict(inputs: Inputs, ms: MeasurementSet, *, calibrated: bool = False) -> pd.DataFrame:
    """The measurements with ``predicted_dbm``, ``serving_cell``, ``site_id``, ``distance_m``,
    ``band_mhz`` (the serving cell's frequency), ``landcover`` (class code of the point's DEM cell,
    -1 without a land-cover layer), ``unit_code`` and ``error_db`` (measured minus predicted) added.

    Points no cell of their operator and technology reaches keep NaN predictions. The
    predictions are the model's (what a calibration is fitted to), or with ``calibrated`` the
    calibrated scenario's.
    """
    cells = inputs.cells
    assert cells is not None
    pts = ms.points.copy()
    x, y = pts["x"].to_numpy(), pts["y"].to_numpy()
    ids = cells["cell_id"].astype(str).to_numpy()
    ops, techs = cells["operator"].astype(str).to_numpy(), cells["technology"].astype(str).to_numpy()
    pred = np.full(len(pts), np.nan)
    serving = np.full(len(pts), -1, dtype=np.int64)
    for (op, tech), group in pts.groupby(["operator", "technology"]):
        candidates = np.flatnonzero((ops == op) & (techs == tech))
        if len(candidates) == 0:
            continue
        idx = group.index.to_numpy()
        levels = cell_levels_at_points(inputs, candidates, x[idx], y[idx], calibrated=calibrated)
        chosen = serving_rows(group["cell_id"].to_numpy(dtype=str), ids[candidates], levels)
        ok = chosen >= 0
        pred[idx[ok]] = levels[chosen[ok], np.flatnonzero(ok)]
        serving[idx[ok]] = candidates[chosen[ok]]
    has = serving >= 0
    pts["predicted_dbm"] = pred
    pts["serving_cell"] = np.where(has, ids[np.maximum(serving, 0)], "")
    pts["site_id"] = np.where(has, cells["site_id"].astype(str).to_numpy()[np.maximum(serving, 0)],
                              "")
    sx, sy = cells["x"].to_numpy()[np.maximum(serving, 0)], cells["y"].to_numpy()[np.maximum(serving, 0)]
    pts["distance_m"] = np.where(has, np.hypot(x - sx, y - sy), np.nan)
    freq = cells["frequency_mhz"].to_numpy(dtype=float)[np.maximum(serving, 0)]
    pts["band_mhz"] = np.where(has, freq, np.nan)
    pts["landcover"] = landcover_at(inputs.terrain, x, y)
    pts["error_db"] = pts["measured_dbm"] - pts["predicted_dbm"]
    if inputs.units is not None:
        pts["unit_code"] = unit_of_points(_points_frame(pts, inputs.crs), inputs.units)
    return pts


def landcover_at(terrain: Terrain, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Land-cover class code of the DEM cell under each point (-1: no land-cover layer, or a
    point off the grid)."""
    out = np.full(len(x), -1, dtype=np.int64)
    if terrain.landcover is None:
        return out
    row, col = terrain.fractional_index(np.asarray(x, float), np.asarray(y, float))
    r, c = np.rint(row).astype(np.int64), np.rint(col).astype(np.int64)
    rows, cols = terrain.landcover.shape
    ok = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
    out[ok] = terrain.landcover[r[ok], c[ok]]
    return out


def serving_rows(given: np.ndarray, candidate_ids: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Row of ``levels`` serving each point: the given cell (``given``: its id, "" = unknown;
    ``candidate_ids``: the id of each row of ``levels``), else the strongest (-1 if none)."""
    filled = np.where(np.isnan(levels), -np.inf, levels)
    best = np.argmax(filled, axis=0)
    best = np.where(np.isfinite(filled[best, np.arange(levels.shape[1])]), best, -1)
    position = {cid: k for k, cid in enumerate(candidate_ids)}
    named = np.array([position.get(g, -1) for g in given], dtype=np.int64)
    return np.where(named >= 0, named, best)


def error_stats(errors: np.ndarray) -> dict[str, float]:
    """``n``, ``bias_db`` (mean), ``rmse_db`` and ``std_db`` (population) of finite errors."""
    e = np.asarray(errors, dtype=float)
    e = e[np.isfinite(e)]
    if len(e) == 0:
        return {"n": 0, "bias_db": np.nan, "rmse_db": np.nan, "std_db": np.nan}
    return {"n": len(e), "bias_db": float(e.mean()), "rmse_db": float(np.sqrt(np.mean(e ** 2))),
            "std_db": float(e.std())}


def stats_by(compared: pd.DataFrame, by: str | list[str] | None = None) -> pd.DataFrame:
    """:func:`error_stats` of ``error_db`` overall (``by`` None) or per group."""
    if by is None:
        return pd.DataFrame([error_stats(compared["error_db"].to_numpy())])
    rows = []
    for key, g in compared.groupby(by, sort=True):
        label = dict(zip([by] if isinstance(by, str) else by,
                         key if isinstance(key, tuple) else (key,), strict=True))
        rows.append({**label, **error_stats(g["error_db"].to_numpy())})
    return pd.DataFrame(rows)


def comparison_tables(compared: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Error statistics ``overall``, ``by_technology``, ``by_operator``, ``by_site``, ``by_unit``."""
    out = {"overall": stats_by(compared), "by_technology": stats_by(compared, "technology"),
           "by_operator": stats_by(compared, ["operator", "technology"]),
           "by_site": stats_by(compared[compared["site_id"] != ""], "site_id")}
    if "unit_code" in compared:
        out["by_unit"] = stats_by(compared[compared["unit_code"] != ""], "unit_code")
    return out


def _points_frame(pts: pd.DataFrame, crs: object) -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame(pts, geometry=gpd.points_from_xy(pts["x"], pts["y"]), crs=crs)


def discrepancy_layers(compared: pd.DataFrame, crs: object, *,
                       cell_m: float = 500.0) -> dict[str, gpd.GeoDataFrame]:
    """Map layers of measured minus predicted: ``points`` and ``grid`` (squares of ``cell_m``)."""
    import geopandas as gpd
    from shapely.geometry import box

    ok = compared[np.isfinite(compared["error_db"])]
    points = _points_frame(ok.drop(columns=["x", "y"]).assign(x=ok["x"], y=ok["y"]), crs)
    gx = np.floor(ok["x"].to_numpy() / cell_m).astype(np.int64)
    gy = np.floor(ok["y"].to_numpy() / cell_m).astype(np.int64)
    rows = []
    for (i, j), g in ok.groupby([gx, gy]):
        rows.append({**error_stats(g["error_db"].to_numpy()),
                     "measured_mean_dbm": float(g["measured_dbm"].mean()),
                     "geometry": box(i * cell_m, j * cell_m, (i + 1) * cell_m, (j + 1) * cell_m)})
    grid = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs) if rows else gpd.GeoDataFrame(
        {"n": []}, geometry=gpd.GeoSeries([], crs=crs))
    return {"points": points, "grid": grid}


def write_discrepancy(compared: pd.DataFrame, crs: object, path: str | Path, *,
                      cell_m: float = 500.0) -> Path:
    """Write :func:`discrepancy_layers` as a GeoPackage (atomically)."""
    from netcover.core.io import write_layers

    return write_layers(path, discrepancy_layers(compared, crs, cell_m=cell_m))
