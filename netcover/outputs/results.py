"""A run's results folder, read back: what maps, reports and exports are made from.

``netcover run`` writes ``input_summary.json``, ``coverage/``, ``links/``, ``siting/``,
``proposals/`` and ``monitoring/`` into its output folder; :class:`RunFolder` finds those files and
loads them, each only if the run produced it (a scenario without roads has no ``links/``, for
example). Maps and reports are built from a :class:`RunFolder`, never from a run's memory, so they
can be made again from the files alone (``netcover report OUT``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcover.core.notes import Note
from netcover.errors import DataFileError

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    from affine import Affine
    from pyproj import CRS

__all__ = ["STEP_FOLDERS", "TECHNOLOGIES", "Raster", "RunFolder"]

#: Technologies whose coverage layers may be present.
TECHNOLOGIES = ("4G", "3G")
#: Sub-folders the steps write their results into.
STEP_FOLDERS = ("coverage", "siting", "proposals", "links", "monitoring")
#: Result files whose extent and CRS describe a folder without ``input_summary.json``.
_EXTENT_SOURCES = ("coverage/class.tif", "coverage/coverage.gpkg", "siting/siting.gpkg",
                   "proposals/proposals.gpkg", "links/links.gpkg")


def _has_results(folder: Path) -> bool:
    return any((folder / f).exists() for f in _EXTENT_SOURCES)


def _derived(run: RunFolder) -> dict[str, Any]:
    """A minimal summary of a folder without ``input_summary.json``: its slug, the CRS and extent
    (metres and degrees) of the first of :data:`_EXTENT_SOURCES` it holds."""
    import pyogrio
    import rasterio
    from pyproj import CRS, Transformer

    out: dict[str, Any] = {"scenario": run.path.resolve().name, "slug": run.path.resolve().name}
    for relative in _EXTENT_SOURCES:
        p = run.path / relative
        if not p.exists():
            continue
        if p.suffix == ".tif":
            with rasterio.open(p) as src:
                crs, bounds = CRS.from_user_input(src.crs), tuple(src.bounds)
        else:
            layer = str(pyogrio.list_layers(p)[0][0])
            info = pyogrio.read_info(p, layer=layer)
            crs, bounds = CRS.from_user_input(info["crs"]), tuple(info["total_bounds"])
        left, bottom, right, top = (float(v) for v in bounds)
        to_ll = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        (lon0, lon1), (lat0, lat1) = to_ll.transform([left, right], [bottom, top])
        out.update(crs=crs.to_string(), extent_m=[left, bottom, right, top],
                   extent_lonlat=[lon0, lat0, lon1, lat1])
        break
    return out


@dataclass(frozen=True)
class Raster:
    """A raster read back: values, grid and CRS."""

    values: np.ndarray
    transform: Affine
    crs: CRS
    nodata: float | None


@dataclass(frozen=True)
class RunFolder:
    """The results of one run (see the module's doc for the layout)."""

    path: Path

    @classmethod
    def open(cls, path: str | Path) -> RunFolder:
        """Open a results folder: of ``netcover run``, or of ``coverage``, ``plan-sites``,
        ``evaluate`` or ``plan-links`` (their ``--out`` folder, or the step's own sub-folder).

        Raises
        ------
        DataFileError
            The folder holds no results.
        """
        folder = Path(path)
        if (folder / "input_summary.json").is_file() or _has_results(folder):
            return cls(folder)
        if folder.name in STEP_FOLDERS and _has_results(folder.parent):
            return cls(folder.parent)
        msg = (f"{folder}: not a netcover results folder (no input_summary.json and none of "
               f"{', '.join(f'{d}/' for d in STEP_FOLDERS)}); give the folder `netcover run`, "
               "`coverage`, `plan-sites` or `evaluate` wrote (--out), e.g. reports/quan-ba")
        raise DataFileError(msg)

    @property
    def slug(self) -> str:
        """The scenario's slug (the folder's name for results of older runs)."""
        return str(self.summary().get("slug") or self.path.resolve().name)

    def file(self, relative: str) -> Path | None:
        """Path of a result file if the run wrote it."""
        p = self.path / relative
        return p if p.exists() else None

    # ---------------------------------------------------------------- summary and tables
    def summary(self) -> dict[str, Any]:
        """The input summary (extent, CRS, counts, people, sites per operator); for the results
        of a single step without one, the CRS and extent of its files (see :func:`_derived`)."""
        p = self.path / "input_summary.json"
        if not p.is_file():
            return _derived(self)
        return dict(json.loads(p.read_text(encoding="utf-8")))

    def notes(self) -> list[Note]:
        """What the run's figures assume or skipped (``notes`` of the input summary)."""
        return [Note.from_dict(n) for n in self.summary().get("notes", [])]

    def table(self, relative: str) -> pd.DataFrame | None:
        """A CSV result as a DataFrame (None if absent)."""
        import pandas as pd

        p = self.file(relative)
        return pd.read_csv(p, encoding="utf-8-sig") if p is not None else None

    def unit_coverage(self) -> pd.DataFrame | None:
        """Per-unit coverage statistics (``coverage/coverage_by_unit.csv``)."""
        return self.table("coverage/coverage_by_unit.csv")

    def settlement_coverage(self) -> pd.DataFrame | None:
        """Per-settlement coverage (``coverage/coverage_by_settlement.csv``)."""
        return self.table("coverage/coverage_by_settlement.csv")

    def cells(self) -> pd.DataFrame | None:
        """The cells table whose ``index`` the best-server rasters hold."""
        return self.table("coverage/cells.csv")

    def ranked_links(self) -> pd.DataFrame | None:
        """The ranked link plan (``links/links_ranked.csv``)."""
        return self.table("links/links_ranked.csv")

    def site_plan(self) -> pd.DataFrame | None:
        """The ranked new sites (``siting/site_plan.csv``)."""
        return self.table("siting/site_plan.csv")

    def gaps(self) -> pd.DataFrame | None:
        """The coverage gaps table (``siting/gaps.csv``)."""
        return self.table("siting/gaps.csv")

    def proposals(self) -> pd.DataFrame | None:
        """Scored site proposals (``proposals/proposals_scored.csv``)."""
        return self.table("proposals/proposals_scored.csv")

    def monitoring(self) -> pd.DataFrame | None:
        """Indicators against targets (``monitoring/monitoring_summary.csv``)."""
        return self.table("monitoring/monitoring_summary.csv")

    # ---------------------------------------------------------------- layers
    def layer(self, relative: str, layer: str) -> gpd.GeoDataFrame | None:
        """A vector layer of a GeoPackage result (None if the file or the layer is absent)."""
        import geopandas as gpd
        import pyogrio

        p = self.file(relative)
        if p is None or layer not in {str(r[0]) for r in pyogrio.list_layers(p)}:
            return None
        return gpd.read_file(p, layer=layer)

    def units(self) -> gpd.GeoDataFrame | None:
        """Unit polygons with their coverage statistics."""
        return self.layer("coverage/coverage.gpkg", "units")

    def settlements(self) -> gpd.GeoDataFrame | None:
        """Settlement points with their coverage class."""
        return self.layer("coverage/coverage.gpkg", "settlements")

    def sites(self) -> gpd.GeoDataFrame | None:
        """Cells (one point per sector) with their parameters."""
        return self.layer("coverage/coverage.gpkg", "sites")

    def links(self) -> gpd.GeoDataFrame | None:
        """Planned links (fibre and microwave) with phase and cost."""
        return self.layer("links/links.gpkg", "planned_links")

    def gap_areas(self) -> gpd.GeoDataFrame | None:
        """Gap polygons from the site plan."""
        return self.layer("siting/siting.gpkg", "gaps")

    def new_sites(self) -> gpd.GeoDataFrame | None:
        """Ranked new sites of the plan."""
        return self.layer("siting/siting.gpkg", "new_sites")

    def candidate_sites(self) -> gpd.GeoDataFrame | None:
        """All candidate sites considered."""
        return self.layer("siting/siting.gpkg", "candidates")

    # ---------------------------------------------------------------- rasters
    def raster(self, relative: str) -> Raster | None:
        """A raster result (None if absent)."""
        import rasterio
        from pyproj import CRS

        p = self.file(relative)
        if p is None:
            return None
        with rasterio.open(p) as src:
            return Raster(src.read(1), src.transform, CRS.from_user_input(src.crs), src.nodata)

    def coverage_class(self, operator: str | None = None) -> Raster | None:
        """Class raster (0 none, 1 weak, 2 fair, 3 good): the best of all operators, or one."""
        if operator is None:
            return self.raster("coverage/class.tif")
        import re

        slug = re.sub(r"[^A-Za-z0-9]+", "_", operator).strip("_").lower()
        return self.raster(f"coverage/class_{slug}.tif")

    def signal(self, technology: str = "4G") -> Raster | None:
        """Best-server level (dBm) of a technology."""
        return self.raster(f"coverage/signal_{technology}.tif")

    def best_server(self, technology: str = "4G") -> Raster | None:
        """Best-server cell (row of :meth:`cells`; -1 none) of a technology."""
        return self.raster(f"coverage/best_server_{technology}.tif")

    def technologies(self) -> list[str]:
        """Technologies the run has coverage layers for."""
        return [t for t in TECHNOLOGIES if self.file(f"coverage/signal_{t}.tif") is not None]
