"""A run's results folder, read back: what maps, reports and exports are made from.

``netcover run`` writes ``input_summary.json``, ``coverage/``, ``links/``, ``siting/``,
``proposals/`` and ``monitoring/`` into its output folder (every file: the registry
:mod:`netcover.core.files`); :class:`RunFolder` finds those files through the registry and loads
them. A file the run did not make is None only when the run says why (a ``skipped`` note, e.g. a
scenario without roads has no ``links/``, or a step that was not run); a file that should be there
and is not raises :class:`~netcover.errors.DataFileError` naming it, so a report section never
vanishes silently. Maps and reports are built from a :class:`RunFolder`, so they can be made again
from the files alone (``netcover report OUT``).
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcover.config.radio import TECHNOLOGIES
from netcover.core.files import STEP_FOLDERS, OutputFile, Raster, by_key, missing_file_error
from netcover.core.io import file_identity
from netcover.core.notes import Note, skipped
from netcover.errors import DataFileError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from netcover.config.scenario import Scenario
    from netcover.coverage.assumptions import Assumptions

__all__ = ["STEP_FOLDERS", "TECHNOLOGIES", "Raster", "RunFolder", "RunResults"]


#: Technologies whose coverage layers may be present.
#: Result files whose extent and CRS describe a folder without ``input_summary.json``.
_EXTENT_SOURCES = tuple(by_key(k) for k in ("class", "coverage_gpkg", "siting_gpkg",
                                            "proposals_gpkg", "links_gpkg"))


def _has_results(folder: Path) -> bool:
    return any(f.in_run(folder).exists() for f in _EXTENT_SOURCES)


def _derived(run: RunFolder) -> dict[str, Any]:
    """A minimal summary of a folder without ``input_summary.json``: its slug, the CRS and extent
    (metres and degrees) of the first of :data:`_EXTENT_SOURCES` it holds."""
    import pyogrio
    import rasterio
    from pyproj import CRS, Transformer

    out: dict[str, Any] = {"scenario": run.path.resolve().name, "slug": run.path.resolve().name}
    for entry in _EXTENT_SOURCES:
        p = entry.in_run(run.path)
        if not p.exists():
            continue
        if entry.format == "geotiff":
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
        if _SUMMARY.in_run(folder).is_file() or _has_results(folder):
            return cls(folder)
        if folder.name in STEP_FOLDERS and _has_results(folder.parent):
            return cls(folder.parent)
        msg = (f"{folder}: not a netcover results folder (no {_SUMMARY.name} and none of "
               f"{', '.join(f'{d}/' for d in STEP_FOLDERS)}); give the folder `netcover run`, "
               "`coverage`, `plan-sites` or `evaluate` wrote (--out), e.g. reports/quan-ba")
        raise DataFileError(msg)

    @property
    def slug(self) -> str:
        """The scenario's slug (the folder's name for results of older runs)."""
        return str(self.summary().get("slug") or self.path.resolve().name)

    def file(self, entry: OutputFile | str) -> Path | None:
        """Path of a result file (a registry entry, or a path inside the folder) if the run wrote it."""
        p = entry.in_run(self.path) if isinstance(entry, OutputFile) else self.path / entry
        return p if p.exists() else None

    def read(self, entry: OutputFile | str, *, layer: str | None = None) -> Any:
        """A result file (``layer``: of a GeoPackage) read with its format's reader.

        Returns None when the run did not make it for a reason it recorded: a ``skipped`` note of
        one of the entry's (or the layer's) sections, or a step that was not run (its folder is
        absent: see :meth:`notes`).

        Raises
        ------
        DataFileError
            The file or layer is absent though the run should have written it.
        """
        entry = by_key(entry) if isinstance(entry, str) else entry
        sections = entry.sections + (tuple(entry.layers.get(layer, ())) if layer else ())
        p = entry.in_run(self.path)
        if not p.exists():
            if self._excused(entry, sections):
                return None
            raise missing_file_error(p, entry)
        if layer is None:
            return _read_once(entry, p)
        if layer not in _layer_names(p):
            if self._excused(entry, sections):
                return None
            raise missing_file_error(p, entry, layer=layer)
        return _read_once(entry, p, layer)

    def _excused(self, entry: OutputFile, sections: tuple[str, ...]) -> bool:
        """Whether the run says why it has no ``entry``: its step was not run, or a ``skipped``
        note of one of ``sections``; a tiled run writes only its own coverage files; results
        without an input summary (older versions, hand-copied step folders) cannot say, so any
        file may be absent."""
        if entry.folder in STEP_FOLDERS and not (self.path / entry.folder).is_dir():
            return True
        if not _SUMMARY.in_run(self.path).is_file():  # older results: what was skipped is unknown
            return True
        if entry.folder == "coverage" and entry.scope == "run" and self.file(_TILED) is not None:
            return True
        skipped = {n.params.get("section") for n in self.notes() if n.code == "skipped"}
        return bool(skipped & set(sections))

    # ---------------------------------------------------------------- summary and tables
    def summary(self) -> dict[str, Any]:
        """The input summary (extent, CRS, counts, people, sites per operator); for the results
        of a single step without one, the CRS and extent of its files (see :func:`_derived`)."""
        p = _SUMMARY.in_run(self.path)
        if not p.is_file():
            return _derived(self)
        return dict(_SUMMARY.read(p))

    def notes(self) -> list[Note]:
        """What the run's figures assume or skipped (``notes`` of the input summary), and a
        ``skipped`` note (reason ``not_run``) for each step whose folder the results lack."""
        recorded = [Note.from_dict(n) for n in self.summary().get("notes", [])]
        said = {n.params.get("section") for n in recorded if n.code == "skipped"}
        absent = [skipped(step, "not_run") for step in STEP_FOLDERS
                  if step not in said and not (self.path / step).is_dir()]
        return [*recorded, *absent]

    def dem_file(self) -> Path | None:
        """The DEM the run was made from (the input summary's ``dem.file``); None when the summary
        names none or the file is gone (maps then have no hillshade)."""
        recorded = self.summary().get("dem", {}).get("file")
        return Path(recorded) if recorded and Path(recorded).is_file() else None

    def scenario(self) -> Scenario | None:
        """The scenario the run was made from (the input summary's ``scenario_file``), or None if
        it is not recorded or cannot be read."""
        from netcover.config.scenario import load_scenario
        from netcover.errors import NetcoverError

        path = self.summary().get("scenario_file")
        if not path:
            return None
        try:
            return load_scenario(path)
        except (NetcoverError, OSError, ValueError):
            return None

    def assumptions(self) -> Assumptions | None:
        """What the run's coverage figures assume (``coverage/assumptions.json``: model,
        diffraction, service level, location probability, land cover, calibration); None for
        results without that record (older runs, a step without coverage)."""
        from netcover.coverage.assumptions import Assumptions

        entry = by_key("assumptions")
        if self.file(entry) is None and entry.relative not in getattr(self, "memory", {}):
            return None
        return Assumptions.from_dict(self.read(entry))

    def table(self, entry: OutputFile | str) -> pd.DataFrame | None:
        """A CSV result as a DataFrame (None: the run says why it has none; see :meth:`read`)."""
        return self.read(entry)

    def unit_coverage(self) -> pd.DataFrame | None:
        """Per-unit coverage statistics (``coverage/coverage_by_unit.csv``)."""
        return self.table("coverage_by_unit")

    def settlement_coverage(self) -> pd.DataFrame | None:
        """Per-settlement coverage (``coverage/coverage_by_settlement.csv``)."""
        return self.table("coverage_by_settlement")

    def cells(self) -> pd.DataFrame | None:
        """The cells table whose ``index`` the best-server rasters hold."""
        return self.table("cells")

    def ranked_links(self) -> pd.DataFrame | None:
        """The ranked link plan (``links/links_ranked.csv``)."""
        return self.table("links_ranked")

    def site_plan(self) -> pd.DataFrame | None:
        """The ranked new sites (``siting/site_plan.csv``)."""
        return self.table("site_plan")

    def gaps(self) -> pd.DataFrame | None:
        """The coverage gaps table (``siting/gaps.csv``)."""
        return self.table("gaps")

    def proposals(self) -> pd.DataFrame | None:
        """Scored site proposals (``proposals/proposals_scored.csv``)."""
        return self.table("proposals_scored")

    def monitoring(self) -> pd.DataFrame | None:
        """Indicators against targets (``monitoring/monitoring_summary.csv``)."""
        return self.table("monitoring_summary")

    # ---------------------------------------------------------------- layers
    def layer(self, entry: OutputFile | str, layer: str, *,
              columns: Sequence[str] | None = None) -> gpd.GeoDataFrame | None:
        """A vector layer of a GeoPackage result (None: the run says why it has none); with
        ``columns``, only those of them the layer has, and the geometry (an output built from
        them is made again only when they change: :mod:`netcover.outputs.reuse`)."""
        gdf = self.read(entry, layer=layer)
        if gdf is None or columns is None:
            return gdf
        return gdf[[c for c in gdf.columns if c in columns or c == gdf.geometry.name]]

    def units(self, *, columns: Sequence[str] | None = None) -> gpd.GeoDataFrame | None:
        """Unit polygons with their coverage statistics (``columns``: see :meth:`layer`)."""
        return self.layer("coverage_gpkg", "units", columns=columns)

    def settlements(self) -> gpd.GeoDataFrame | None:
        """Settlement points with their coverage class."""
        return self.layer("coverage_gpkg", "settlements")

    def sites(self, *, columns: Sequence[str] | None = None) -> gpd.GeoDataFrame | None:
        """Cells (one point per sector) with their parameters (``columns``: see :meth:`layer`)."""
        return self.layer("coverage_gpkg", "sites", columns=columns)

    def links(self) -> gpd.GeoDataFrame | None:
        """Planned links (fibre and microwave) with phase and cost."""
        return self.layer("links_gpkg", "planned_links")

    def gap_areas(self) -> gpd.GeoDataFrame | None:
        """Gap polygons from the site plan."""
        return self.layer("siting_gpkg", "gaps")

    def new_sites(self) -> gpd.GeoDataFrame | None:
        """Ranked new sites of the plan."""
        return self.layer("siting_gpkg", "new_sites")

    def candidate_sites(self) -> gpd.GeoDataFrame | None:
        """All candidate sites considered."""
        return self.layer("siting_gpkg", "candidates")

    # ---------------------------------------------------------------- rasters
    def raster(self, entry: OutputFile | str) -> Raster | None:
        """A raster result (None: the run says why it has none; see :meth:`read`)."""
        return self.read(entry)

    def coverage_class(self, operator: str | None = None) -> Raster | None:
        """Class raster (0 none, 1 weak, 2 fair, 3 good): the best of all operators, or one."""
        if operator is None:
            return self.raster("class")
        slug = re.sub(r"[^A-Za-z0-9]+", "_", operator).strip("_").lower()
        return self.raster(by_key("class_layer").of(layer=slug))

    def signal(self, technology: str = "4G") -> Raster | None:
        """Best-server level (dBm) of a technology."""
        return self.raster(by_key("signal").of(tech=technology))

    def best_server(self, technology: str = "4G") -> Raster | None:
        """Best-server cell (row of :meth:`cells`; -1 none) of a technology."""
        return self.raster(by_key("best_server").of(tech=technology))

    def technologies(self) -> list[str]:
        """Technologies the run has coverage layers for."""
        return [t for t in TECHNOLOGIES if self.file(by_key("signal").of(tech=t)) is not None]


@dataclass(frozen=True)
class RunResults(RunFolder):
    """The results of a run just made: the objects its steps returned, over the folder they were
    written to, with the interface of :class:`RunFolder` (maps and reports take either).

    ``memory`` holds results by their path in the folder (``input_summary.json``,
    ``coverage/class.tif``...; a GeoPackage layer as ``<path>#<layer>``), as :meth:`RunFolder.read`
    returns them; what it lacks is read from the folder.
    """

    memory: Mapping[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The input summary the run wrote (from memory when given)."""
        known = self.memory.get(_SUMMARY.relative)
        return copy.deepcopy(dict(known)) if known is not None else super().summary()

    def read(self, entry: OutputFile | str, *, layer: str | None = None) -> Any:
        """As :meth:`RunFolder.read`; a raster in memory comes as a copy (readers may change it)."""
        entry = by_key(entry) if isinstance(entry, str) else entry
        known = self.memory.get(entry.relative if layer is None else f"{entry.relative}#{layer}")
        if known is None:
            return super().read(entry, layer=layer)
        if isinstance(known, Raster):
            return dataclasses.replace(known, values=known.values.copy())
        return known


_SUMMARY = by_key("input_summary")
_TILED = by_key("tiled_run")


#: Tables and layers already read in this process (a copy is handed out each time), by path, layer
#: and the file's identity (files are replaced by renames, so a new file is a new inode); rasters are
#: not kept (their memory). Maps, charts and reports of one build read the same layers many times.
_READ: OrderedDict[tuple[object, ...], Any] = OrderedDict()
_READ_KEPT = 48


def _read_once(entry: OutputFile, path: Path, layer: str | None = None) -> Any:
    """``entry.read(path)`` (of ``layer``), a table or layer read once per file in this process."""
    if entry.format not in ("csv", "gpkg"):
        return entry.read(path) if layer is None else entry.read(path, layer=layer)
    key = (*file_identity(path), layer or "")
    if key not in _READ:
        _READ[key] = entry.read(path) if layer is None else entry.read(path, layer=layer)
        while len(_READ) > _READ_KEPT:
            _READ.popitem(last=False)
    _READ.move_to_end(key)
    return _READ[key].copy(deep=True)


def _layer_names(path: Path) -> set[str]:
    import pyogrio

    key = file_identity(path)
    if key not in _LAYERS:
        _LAYERS[key] = frozenset(str(r[0]) for r in pyogrio.list_layers(path))
    return set(_LAYERS[key])


#: Layer names of the GeoPackages already listed in this process.
_LAYERS: dict[tuple[str, int, int, int, int], frozenset[str]] = {}
