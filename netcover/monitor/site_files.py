"""The files of one site's predicted-against-measured comparison (``monitor measurements --site``).

Into ``<measurements folder>/site_<safe id>/`` (:func:`~netcover.monitor.site_compare.site_folder`),
all at once (a staging folder renamed into place, :func:`netcover.core.io.staged_output`):

- ``site_comparison.csv``: one row per point (:data:`~netcover.monitor.site_compare.SITE_COLUMNS`),
  with the constant ``assumed_*`` columns of what the prediction assumes;
- ``site_summary.json``: ``site_id``, ``points``, ``bias_db``, ``rmse_db``, ``mae_db``,
  ``median_error_db``, ``p90_abs_error_db``, ``std_db``, how the points were selected, the
  statistics per distance band and ``assumes`` (model, diffraction, receiver height, land cover,
  calibration, the selection rule); missing values are ``null``;
- ``site_discrepancy.gpkg``: layers ``points`` (measured minus predicted per point) and ``site``
  (the site's position), in the scenario's working CRS, with the record as layer metadata;
- ``site_errors.png``: the error against the distance from the site, per cell.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from netcover.core.io import staged_output, write_layers, write_table, write_text
from netcover.core.record import record_tags, stamp_table
from netcover.core.textsafe import plot_text
from netcover.monitor.site_compare import BY_PREDICTION, BY_SERVING_CELL, site_folder

if TYPE_CHECKING:
    from netcover.monitor.site_compare import SiteComparison

__all__ = ["SITE_FILES", "SITE_RULE", "plot_site_errors", "write_site_files"]

#: File names of a site's folder.
SITE_FILES = {"comparison": "site_comparison.csv", "summary": "site_summary.json",
              "discrepancy": "site_discrepancy.gpkg", "plot": "site_errors.png"}
#: The selection rule, as ``assumes`` states it.
SITE_RULE = (f"'{BY_SERVING_CELL}': the row's cell_id is one of the site's cells; "
             f"'{BY_PREDICTION}': no cell_id, within [coverage] radius_km of the site and the site's "
             "cell is the strongest predicted cell of the measured operator and technology")


def _plain(value: Any) -> Any:
    """JSON-ready: NaN and infinities become None, numpy scalars Python numbers."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def plot_site_errors(comparison: SiteComparison, path: str | Path, *,
                     assumes: str = "") -> Path:
    """Write a PNG of measured minus predicted (dB) against the distance from the site (km), one
    colour per cell, with the zero line and the bias; ``assumes`` is printed under the plot."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from netcover.core.io import atomic_path

    pts = comparison.points
    ok = pts[np.isfinite(pts["error_db"].to_numpy(dtype=float))]
    fig, ax = plt.subplots(figsize=(7.5, 4.5), dpi=110)
    try:
        for k, (cell, g) in enumerate(ok.groupby("cell", sort=True)):
            ax.scatter(g["distance_m"] / 1000.0, g["error_db"], s=10, alpha=0.7, color=f"C{k % 10}",
                       label=plot_text(cell))
        ax.axhline(0.0, color="0.3", lw=0.8)
        bias = comparison.summary.get("bias_db", float("nan"))
        if isinstance(bias, float) and math.isfinite(bias):
            ax.axhline(bias, color="C3", ls="--", lw=1.2, label=f"bias {bias:+.1f} dB")
        ax.set_xlabel("distance from the site (km)")
        ax.set_ylabel("measured - predicted (dB)")
        ax.set_title(plot_text(f"Site {comparison.site_id}: {len(ok)} points, "
                               f"RMSE {comparison.summary.get('rmse_db', float('nan')):.1f} dB"))
        ax.grid(alpha=0.3)
        if len(ok):
            ax.legend(loc="best", fontsize=7)
        if assumes:
            fig.text(0.01, 0.01, plot_text(assumes), fontsize=6, color="0.35", wrap=True)
        fig.tight_layout(rect=(0, 0.05, 1, 1))
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png")
    finally:
        plt.close(fig)
    return Path(path)


def _layers(comparison: SiteComparison, crs: object, site_xy: tuple[float, float]) -> dict[str, Any]:
    import geopandas as gpd

    pts = comparison.points
    ok = pts[np.isfinite(pts["error_db"].to_numpy(dtype=float))]
    points = gpd.GeoDataFrame(ok.reset_index(drop=True),
                              geometry=gpd.points_from_xy(ok["x"], ok["y"]), crs=crs)
    site = gpd.GeoDataFrame({"site_id": [comparison.site_id],
                             "points": [int(comparison.summary.get("points", 0))]},
                            geometry=gpd.points_from_xy([site_xy[0]], [site_xy[1]]), crs=crs)
    return {"points": points, "site": site}


def write_site_files(comparison: SiteComparison, out_dir: str | Path, *, crs: object,
                     site_xy: tuple[float, float], record: dict[str, object]) -> list[Path]:
    """Write one site's files (see the module's doc) into :func:`site_folder` of ``out_dir``.

    Parameters
    ----------
    comparison : SiteComparison
        The comparison; its ``summary`` gets ``assumes`` (``record`` and the selection rule).
    out_dir : str or Path
        The measurements folder; the site's folder inside it is replaced as a whole.
    crs : object
        The working CRS of ``x``/``y`` (the scenario's).
    site_xy : tuple of float
        The site's position in that CRS.
    record : dict
        What the prediction assumes (``assumed_*`` names, as
        :meth:`~netcover.coverage.assumptions.Assumptions.csv_columns`).

    Returns
    -------
    list of Path
        The files written, at their final place.
    """
    folder = site_folder(out_dir, comparison.site_id)
    assumes = {k.removeprefix("assumed_"): v for k, v in record.items()}
    assumes["prediction"] = ("median level (50 % of locations and time) of the site's cell in the "
                             "DEM cell under the point; error = measured minus predicted")
    assumes["selection"] = SITE_RULE
    comparison.summary["assumes"] = assumes
    caption = ", ".join(f"{k}: {v}" for k, v in assumes.items() if k not in ("selection",
                                                                               "prediction"))
    with staged_output(folder) as stage:
        files = [write_table(stage / SITE_FILES["comparison"], stamp_table(comparison.points, record)),
                 write_text(stage / SITE_FILES["summary"],
                            json.dumps(_plain(comparison.summary), indent=2, ensure_ascii=False)
                            + "\n"),
                 write_layers(stage / SITE_FILES["discrepancy"], _layers(comparison, crs, site_xy),
                              metadata=record_tags(record)),
                 plot_site_errors(comparison, stage / SITE_FILES["plot"], assumes=caption)]
    comparison.files = [folder / p.relative_to(stage) for p in files]
    return comparison.files
