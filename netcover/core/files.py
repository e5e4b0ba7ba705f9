"""The one registry of the files a run writes: where each lives, its format, how it is written and read.

Every step writes its results through an :class:`OutputFile` of this module and every reader
(:class:`netcover.outputs.results.RunFolder`, the report, the maps) reads them through the same
entry, so a file name is spelled once. An entry's :attr:`~OutputFile.name` may hold ``{fields}``
(``signal_{tech}.tif``); :meth:`OutputFile.of` fills them in.

Layout of a results folder (``netcover run``'s output folder), by sub-folder: see :data:`REGISTRY`
or :func:`listing`.

Writers and readers are generic per format: CSV through :func:`netcover.core.io.write_table`
(UTF-8 with BOM, formula-safe cells) and read back with pandas; JSON, Markdown, HTML and text as
UTF-8; GeoTIFF through :func:`netcover.core.io.write_raster` and read with rasterio into a
:class:`Raster`; GeoPackage through :func:`netcover.core.io.write_layers` and read with geopandas.
Figures, workbooks, KMZ and the history store are written by their own code (matplotlib, openpyxl,
the monitoring store) at the path the entry gives. All writes are atomic.
"""

from __future__ import annotations

import dataclasses
import json
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from netcover.errors import DataFileError, OutputError

if TYPE_CHECKING:
    import numpy as np
    from affine import Affine
    from pyproj import CRS

__all__ = [
    "REGISTRY", "STEP_FOLDERS", "FileFormat", "OutputFile", "Raster", "at", "by_key", "listing", "match",
    "missing_file_error",
]

#: Formats of the files a run writes.
FileFormat = Literal["csv", "json", "text", "markdown", "html", "geotiff", "gpkg", "png", "pdf",
                     "xlsx", "kmz", "sqlite"]
#: Sub-folders the steps write their results into, in the order the steps run.
STEP_FOLDERS = ("coverage", "siting", "proposals", "links", "monitoring")


@dataclass(frozen=True)
class Raster:
    """A raster read back: values, grid and CRS."""

    values: np.ndarray
    transform: Affine
    crs: CRS
    nodata: float | None


@dataclass(frozen=True)
class OutputFile:
    """One file of a results folder.

    Attributes
    ----------
    key : str
        Identifier (``"gaps"``, ``"signal"``).
    folder : str
        Sub-folder of the results folder ("" for the folder itself): a step's folder
        (:data:`STEP_FOLDERS`) or an output folder (``exports``, ``print``, ``tables``).
    name : str
        File name; ``{field}`` parts are filled in by :meth:`of`.
    format : FileFormat
        The file's format (picks the generic writer and reader).
    description : str
        What the file holds.
    sections : tuple of str
        Sections of ``skipped`` notes (:func:`netcover.core.notes.skipped`) that explain the
        file's absence: a run with such a note does not write it.
    layers : mapping
        GeoPackage layers -> sections of the ``skipped`` notes that explain the layer's absence.
    scope : {"run", "tiled"}
        Who writes it: ``netcover run`` and the single-step commands, or the tiled coverage run.
    """

    key: str
    folder: str
    name: str
    format: FileFormat
    description: str
    sections: tuple[str, ...] = ()
    layers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    scope: Literal["run", "tiled"] = "run"

    @property
    def relative(self) -> str:
        """The path inside a results folder (POSIX), fields unfilled."""
        return f"{self.folder}/{self.name}" if self.folder else self.name

    @property
    def fields(self) -> tuple[str, ...]:
        """The ``{fields}`` of :attr:`name` still to fill in."""
        return tuple(f for _, f, _, _ in string.Formatter().parse(self.name) if f)

    def of(self, **values: str) -> OutputFile:
        """This entry with the ``{fields}`` of its name filled in (``SIGNAL.of(tech="4G")``)."""
        return dataclasses.replace(self, name=self.name.format(**values))

    def in_step(self, step_folder: str | Path) -> Path:
        """The file in the folder its step writes into (e.g. ``<out>/coverage``)."""
        self._check_filled()
        return Path(step_folder) / self.name

    def in_run(self, results: str | Path) -> Path:
        """The file in a results folder."""
        self._check_filled()
        return Path(results) / self.relative

    def write(self, step_folder: str | Path, content: Any, **options: Any) -> Path:
        """Write ``content`` into ``step_folder`` with the format's writer; return the path.

        ``content``: a DataFrame (CSV), a JSON-ready object, a string (text formats), an array
        (GeoTIFF: ``transform``, ``crs``, ``nodata``, ``descriptions`` as options) or a mapping of
        layer name -> GeoDataFrame (GeoPackage). ``options`` go to the writer. CSV, GeoTIFF and
        GeoPackage writers take ``record=``: what the figures assume, put into the file as
        :mod:`netcover.core.record` says (constant columns, tags, layer metadata).
        """
        writer = _WRITERS.get(self.format)
        if writer is None:
            msg = f"{self.relative}: {self.format} files are written by their own code, not by the registry"
            raise OutputError(msg)
        return writer(self.in_step(step_folder), content, **options)

    def write_in_run(self, results: str | Path, content: Any, **options: Any) -> Path:
        """:meth:`write` into a results folder (the entry's sub-folder of ``results``)."""
        return self.write(Path(results) / self.folder, content, **options)

    def read(self, path: str | Path, **options: Any) -> Any:
        """Read the file at ``path`` with the format's reader (``options`` go to it)."""
        reader = _READERS.get(self.format)
        if reader is None:
            msg = f"{path}: {self.format} files are not read back"
            raise DataFileError(msg)
        return reader(Path(path), **options)

    def pattern(self) -> re.Pattern[str]:
        """A regular expression matching :attr:`relative` with any values of its fields."""
        parts = []
        for literal, name, _, _ in string.Formatter().parse(self.relative):
            parts.append(re.escape(literal))
            if name:
                parts.append(r"[^/]+")
        return re.compile("".join(parts))

    def _check_filled(self) -> None:
        if self.fields:
            msg = f"{self.relative}: fill in {', '.join(self.fields)} first (OutputFile.of)"
            raise ValueError(msg)


# ------------------------------------------------------------------------- generic writers/readers
def _write_csv(path: Path, df: Any, *, float_format: str | None = None,
               record: Mapping[str, object] | None = None) -> Path:
    from netcover.core.io import write_table
    from netcover.core.record import stamp_table

    return write_table(path, stamp_table(df, record), float_format=float_format)


def _write_json(path: Path, value: Any) -> Path:
    from netcover.core.io import write_text

    return write_text(path, json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def _write_text(path: Path, text: str) -> Path:
    from netcover.core.io import write_text

    return write_text(path, text)


def _write_geotiff(path: Path, array: Any, *, record: Mapping[str, object] | None = None,
                   **options: Any) -> Path:
    from netcover.core.io import write_raster
    from netcover.core.record import record_tags

    return write_raster(path, array, tags=record_tags(record), **options)


def _write_gpkg(path: Path, layers: Any, *, record: Mapping[str, object] | None = None) -> Path:
    from netcover.core.io import write_layers
    from netcover.core.record import record_tags

    return write_layers(path, layers, metadata=record_tags(record))


def _read_csv(path: Path, **options: Any) -> Any:
    import pandas as pd

    return pd.read_csv(path, encoding="utf-8-sig", **options)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _read_geotiff(path: Path) -> Raster:
    import rasterio
    from pyproj import CRS

    with rasterio.open(path) as src:
        return Raster(src.read(1), src.transform, CRS.from_user_input(src.crs), src.nodata)


def _read_gpkg(path: Path, *, layer: str) -> Any:
    import geopandas as gpd

    return gpd.read_file(path, layer=layer)


_WRITERS: dict[str, Callable[..., Path]] = {
    "csv": _write_csv, "json": _write_json, "text": _write_text, "markdown": _write_text,
    "html": _write_text, "geotiff": _write_geotiff, "gpkg": _write_gpkg,
}
_READERS: dict[str, Callable[..., Any]] = {
    "csv": _read_csv, "json": _read_json, "text": _read_text, "markdown": _read_text,
    "html": _read_text, "geotiff": _read_geotiff, "gpkg": _read_gpkg,
}


def missing_file_error(path: Path, entry: OutputFile, *, layer: str | None = None) -> DataFileError:
    """The error for a result file (or GeoPackage layer) a run should have written but did not."""
    what = f"layer {layer!r} of {path}" if layer else str(path)
    msg = (f"{what}: missing ({entry.description}); the run that wrote this results folder did not "
           "finish, or the file was moved or deleted; run `netcover run` again")
    return DataFileError(msg)


# ------------------------------------------------------------------------------------ the registry
def _entries() -> tuple[OutputFile, ...]:
    f = OutputFile
    return (
        f("input_summary", "", "input_summary.json", "json",
          "summary of the inputs: extent, CRS, counts, people, sites, notes"),
        f("input_summary_text", "", "input_summary.txt", "text", "the input summary as text"),
        f("timings", "", "timings.json", "json",
          "wall and CPU time per stage and peak memory (only with `netcover run --profile` or "
          "NETCOVER_TIMINGS=1)"),
        f("history", "", "history.sqlite", "sqlite",
          "monitoring history store (when the scenario names no other)", ("monitoring",)),
        # coverage/
        f("signal", "coverage", "signal_{tech}.tif", "geotiff",
          "best-server level of a technology (dBm: RSRP for 4G, SS-RSRP for 5G, RSCP for 3G)"),
        f("best_server", "coverage", "best_server_{tech}.tif", "geotiff",
          "best-server cell of a technology (row of cells.csv; -1 none)"),
        f("servers_within_6db", "coverage", "servers_within_6db_{tech}.tif", "geotiff",
          "cells within 6 dB of the best server"),
        f("sinr", "coverage", "sinr_{tech}.tif", "geotiff", "SINR of the best server (dB)"),
        f("class", "coverage", "class.tif", "geotiff",
          "best class any operator offers (0 none, 1 weak, 2 fair, 3 good)"),
        f("class_layer", "coverage", "class_{layer}.tif", "geotiff",
          "class of a technology or of one operator (0 none, 1 weak, 2 fair, 3 good)"),
        f("service_class", "coverage", "service_class_{service}.tif", "geotiff",
          "best class any operator offers at a service level (environment and location "
          "probability; 0 none, 1 weak, 2 fair, 3 good)"),
        f("throughput", "coverage", "throughput_{tech}.tif", "geotiff",
          "busy-hour user throughput of a technology (Mb/s; the best operator at each place)",
          ("siting",)),  # absent without people, as the siting step (its note says why)
        f("capacity_by_cell", "coverage", "capacity_by_cell.csv", "csv",
          "busy-hour users, PRB load and user throughput per cell (sector)", ("siting",)),
        f("capacity_by_unit", "coverage", "capacity_by_unit.csv", "csv",
          "busy-hour users and user throughput per unit against the target", ("siting", "units")),
        f("loss_min", "coverage", "loss_min.tif", "geotiff",
          "smallest basic transmission loss from any site (dB)"),
        f("assumptions", "coverage", "assumptions.json", "json",
          "what the coverage figures assume: model, diffraction, service level, location "
          "probability, land cover, calibration"),
        f("cells", "coverage", "cells.csv", "csv", "the cells; best-server rasters hold their row"),
        f("coverage_by_unit", "coverage", "coverage_by_unit.csv", "csv",
          "coverage statistics per unit (commune)", ("units",)),
        f("coverage_by_unit_md", "coverage", "coverage_by_unit.md", "markdown",
          "compact per-unit coverage table", ("units",)),
        f("coverage_by_settlement", "coverage", "coverage_by_settlement.csv", "csv",
          "coverage per settlement", ("settlements",)),
        f("coverage_by_service", "coverage", "coverage_by_service.csv", "csv",
          "people covered at each service level (outdoor, in car, indoor at a location "
          "probability) per unit, operator and for the district, with low-high ranges",
          ("siting",)),  # absent without people, as the siting step (its note says why)
        f("coverage_gpkg", "coverage", "coverage.gpkg", "gpkg",
          "units, settlements and sites with their coverage",
          layers={"units": ("units",), "settlements": ("settlements",), "sites": ()}),
        f("coverage_manifest", "coverage", "coverage_manifest.json", "json",
          "content key and SHA-256 of each coverage raster: the next run keeps a raster whose "
          "key is unchanged instead of writing it again"),
        f("coverage_area", "coverage", "coverage_area.csv", "csv",
          "km2 and people per class of each class layer", scope="tiled"),
        f("tiled_run", "coverage", "run.md", "markdown", "what the tiled run did", scope="tiled"),
        # siting/
        f("siting_gpkg", "siting", "siting.gpkg", "gpkg", "gap areas, candidates and new sites",
          ("siting",), layers={"gaps": (), "candidates": (), "new_sites": ()}),
        f("gaps", "siting", "gaps.csv", "csv", "coverage gaps, ranked", ("siting",)),
        f("candidates", "siting", "candidates.csv", "csv", "candidate sites", ("siting",)),
        f("site_plan", "siting", "site_plan.csv", "csv", "ranked new sites", ("siting",)),
        f("coverage_after_plan", "siting", "coverage_after_plan.csv", "csv",
          "coverage per unit after the plan", ("siting", "units")),
        f("site_plan_md", "siting", "site_plan.md", "markdown", "what the solver did",
          ("siting",)),
        # proposals/
        f("proposals_gpkg", "proposals", "proposals.gpkg", "gpkg",
          "proposals, better places and moves", ("proposals",),
          layers={"proposals": (), "better_places": (), "moves": ()}),
        f("proposals_scored", "proposals", "proposals_scored.csv", "csv", "scored site proposals",
          ("proposals",)),
        f("proposals_combined", "proposals", "proposals_combined.csv", "csv",
          "all proposals together", ("proposals",)),
        f("proposals_md", "proposals", "proposals.md", "markdown", "proposal assessments",
          ("proposals",)),
        f("proposals_dossier", "proposals", "dossier.pdf", "pdf",
          "one bilingual A4 page per proposal (only with `netcover evaluate --dossier`)",
          ("proposals",)),
        # links/
        f("links_gpkg", "links", "links.gpkg", "gpkg", "planned links (fibre and microwave)",
          ("links",), layers={"planned_links": ()}),
        f("links_ranked", "links", "links_ranked.csv", "csv", "the ranked link plan", ("links",)),
        f("links_terminals", "links", "links_terminals.csv", "csv",
          "technology, net present cost and the next option of every terminal", ("links",)),
        f("links_assumptions", "links", "links_assumptions.csv", "csv",
          "cost and demand figures of the link plan left at their default, with their source",
          ("links",)),
        f("hop_profile", "links", "hop_profiles/{hop}.png", "png", "terrain profile of a hop",
          ("links",)),
        f("links_manifest", "links", "links_manifest.json", "json",
          "key of every input of the link plan (the terminals' 4G level and throughput "
          "included), its summary and the SHA-256 of its files: the next run reuses the plan "
          "when the key is unchanged instead of planning again", ("links",)),
        # monitoring/
        f("monitoring_summary", "monitoring", "monitoring_summary.csv", "csv",
          "indicators against targets", ("monitoring",)),
        # outputs made from the results
        f("export_gpkg", "exports", "netcover_{slug}.gpkg", "gpkg",
          "every vector result in one GeoPackage"),
        f("raster_listing", "exports", "rasters.csv", "csv", "listing of the raster results"),
        f("kmz", "exports", "netcover_{slug}.kmz", "kmz", "coverage and sites for Google Earth"),
        f("print_png", "print", "{figure}_{lang}.png", "png", "print map or chart (300 dpi)"),
        f("print_pdf", "print", "{figure}_{lang}.pdf", "pdf", "print map or chart (vector)"),
        f("report_table", "tables", "{table}_{lang}.csv", "csv", "a table of the report"),
        f("report_workbook", "tables", "netcover_{slug}_{lang}.xlsx", "xlsx",
          "the report's tables, a sheet each"),
        f("report_md", "", "report_{lang}.md", "markdown", "the report in Markdown"),
        f("report_html", "", "report_{lang}.html", "html", "the report (self-contained HTML)"),
        f("map", "", "map_{lang}.html", "html", "the interactive map (offline)"),
        f("outputs_manifest", "", "outputs_manifest.json", "json",
          "content key of each map, chart and report and the SHA-256 of its files: the next "
          "run reuses an output whose key is unchanged instead of drawing it again"),
    )


#: Every file a run writes, by key.
REGISTRY: dict[str, OutputFile] = {e.key: e for e in _entries()}


def by_key(key: str) -> OutputFile:
    """The entry of ``key`` (KeyError naming the known keys otherwise)."""
    try:
        return REGISTRY[key]
    except KeyError:
        msg = f"no result file {key!r}; known: {', '.join(REGISTRY)}"
        raise KeyError(msg) from None


def match(relative: str | Path, entries: Iterable[OutputFile] | None = None) -> OutputFile | None:
    """The entry a path inside a results folder belongs to (None: an unregistered file).

    The entry whose literal parts are longest wins (``class.tif`` over ``class_{layer}.tif``).
    """
    text = Path(relative).as_posix()
    found = [e for e in (entries or REGISTRY.values()) if e.pattern().fullmatch(text)]
    return max(found, key=lambda e: len(re.sub(r"\{[^}]*\}", "", e.relative)), default=None)


def at(relative: str | Path) -> OutputFile:
    """The entry of a path inside a results folder, its fields filled in from the path.

    Raises
    ------
    KeyError
        No entry of the registry matches the path.
    """
    text = Path(relative).as_posix()
    entry = match(text)
    if entry is None:
        msg = f"{text}: not a file of the results registry (netcover.core.files)"
        raise KeyError(msg)
    return dataclasses.replace(entry, name=text.removeprefix(f"{entry.folder}/") if entry.folder
                               else text)


def listing() -> str:
    """A Markdown table of the registry: file, format, what it holds."""
    rows = ["| file | format | contents |", "| --- | --- | --- |"]
    rows += [f"| `{e.relative}` | {e.format} | {e.description} |" for e in REGISTRY.values()]
    return "\n".join(rows) + "\n"
