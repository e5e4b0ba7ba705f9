"""The all-in-one export: every vector result of a run in one GeoPackage, and a listing of the
raster results (already tiled, compressed GeoTIFF files, so they are listed rather than copied).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcover.core.files import OutputFile, by_key
from netcover.core.io import atomic_path
from netcover.core.textsafe import sheet_cell

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from netcover.outputs.results import RunFolder
    from netcover.outputs.reuse import Reuse

__all__ = [
    "VECTOR_LAYERS", "export_path", "file_listing", "is_missing", "raster_listing", "slug", "vector_layers",
    "write_export", "write_workbook",
]

#: Export layer -> (result file, layer in it), in the order written.
VECTOR_LAYERS: dict[str, tuple[OutputFile, str]] = {
    "units": (by_key("coverage_gpkg"), "units"),
    "settlements": (by_key("coverage_gpkg"), "settlements"),
    "sites": (by_key("coverage_gpkg"), "sites"),
    "planned_links": (by_key("links_gpkg"), "planned_links"),
    "gaps": (by_key("siting_gpkg"), "gaps"),
    "candidates": (by_key("siting_gpkg"), "candidates"),
    "new_sites": (by_key("siting_gpkg"), "new_sites"),
    "proposals": (by_key("proposals_gpkg"), "proposals"),
    "proposal_better_places": (by_key("proposals_gpkg"), "better_places"),
    "proposal_moves": (by_key("proposals_gpkg"), "moves"),
}


def slug(text: str) -> str:
    """A file-name-safe lower-case slug (ASCII letters, digits, hyphens)."""
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return s or "run"


def export_path(run: RunFolder, out_dir: Path) -> Path:
    """``out_dir/exports/netcover_<slug>.gpkg``, the scenario's slug."""
    return by_key("export_gpkg").of(slug=slug(run.slug)).in_run(out_dir)


def vector_layers(run: RunFolder) -> dict[str, gpd.GeoDataFrame]:
    """Every vector result the run has, in the run's CRS (layers the run lacks are left out)."""
    crs = run.summary().get("crs")
    layers = {}
    for name, (entry, layer) in VECTOR_LAYERS.items():
        gdf = run.layer(entry, layer)
        if gdf is None:
            continue
        if crs and gdf.crs is not None and not gdf.crs.equals(crs):
            gdf = gdf.to_crs(crs)
        layers[name] = gdf
    return layers


def raster_listing(run: RunFolder) -> pd.DataFrame:
    """The raster results: file (relative), contents, CRS, size in cells, tiling, compression, MB."""
    import pandas as pd
    import rasterio

    rows = []
    for p in sorted(run.path.rglob("*.tif")):
        if any(part.startswith(".") for part in p.relative_to(run.path).parts):
            continue  # staging or temporary files
        with rasterio.open(p) as src:
            desc = src.descriptions[0] if src.descriptions and src.descriptions[0] else p.stem
            rows.append({"file": p.relative_to(run.path).as_posix(), "band": desc,
                         "crs": src.crs.to_string() if src.crs else "",
                         "width": src.width, "height": src.height, "dtype": src.dtypes[0],
                         "tiled": bool(src.profile.get("tiled", False)),
                         "compress": str(src.profile.get("compress", "")).lower(),
                         "size_mb": round(p.stat().st_size / 1e6, 2)})
    columns = ["file", "band", "crs", "width", "height", "dtype", "tiled", "compress", "size_mb"]
    return pd.DataFrame(rows, columns=columns)


def file_listing(run: RunFolder, gpkg: Path | None, layers: dict[str, gpd.GeoDataFrame],
                 rasters: pd.DataFrame | None = None) -> pd.DataFrame:
    """The data files of the run for the report: the export's layers and the rasters
    (``rasters``: the run's :func:`raster_listing`, if already made)."""
    import pandas as pd

    rows = []
    if gpkg is not None:
        name = gpkg.relative_to(run.path).as_posix() if gpkg.is_relative_to(run.path) else gpkg.name
        rows += [{"file": name, "layer": layer, "rows": len(gdf), "crs": str(gdf.crs.to_string())}
                 for layer, gdf in layers.items()]
    rasters = raster_listing(run) if rasters is None else rasters
    rows += [{"file": r.file, "layer": r.band, "rows": f"{r.width} x {r.height}", "crs": r.crs}
             for r in rasters.itertuples(index=False)]
    return pd.DataFrame(rows, columns=["file", "layer", "rows", "crs"])


def write_export(run: RunFolder, out_dir: Path, *,
                 reuse: Reuse | None = None) -> tuple[list[Path], pd.DataFrame]:
    """Write the GeoPackage (if the run has any vector result) and ``exports/rasters.csv``.

    ``reuse``: the build's :class:`~netcover.outputs.reuse.Reuse`; the GeoPackage of the previous
    build is linked when the layers it holds are unchanged.

    Returns
    -------
    files : list of Path
        The files written.
    listing : DataFrame
        :func:`file_listing` of the export, for the report.
    """
    layers: dict[str, gpd.GeoDataFrame] = {}

    def gpkg(results: RunFolder) -> list[Path]:
        layers.update(vector_layers(results))
        return [by_key("export_gpkg").of(slug=slug(results.slug)).write_in_run(out_dir, layers)
                ] if layers else []

    written = reuse.output(run, "export", [], gpkg) if reuse is not None else gpkg(run)
    if written and not layers:  # reused: the listing still names the layers
        layers.update(vector_layers(run))
    rasters = raster_listing(run)  # every raster file opened once
    listing = file_listing(run, written[0] if written else None, layers, rasters)
    written.append(by_key("raster_listing").write_in_run(out_dir, rasters))
    return written, listing


#: Date stamped into workbooks (so that the same tables give the same bytes).
_FIXED_STAMP = "2000-01-01T00:00:00Z"


def write_workbook(path: Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Write ``tables`` (sheet name -> table) as one Excel workbook, atomically and reproducibly.

    Sheet names are cut to Excel's 31 characters; numbers stay numbers; text goes through
    :func:`netcover.core.textsafe.sheet_cell` (no formulas, no XML-invalid characters); the header row
    is bold and frozen.
    """
    import io
    import zipfile

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    for name, df in tables.items():
        ws = wb.create_sheet(re.sub(r"[\[\]:*?/\\]", "_", name)[:31])
        ws.append([sheet_cell(str(c)) for c in df.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in df.itertuples(index=False, name=None):
            ws.append([None if is_missing(v) else sheet_cell(v.item() if hasattr(v, "item") else v)
                       for v in row])
        ws.freeze_panes = "A2"
        for k, col in enumerate(df.columns, start=1):
            width = max([len(str(col)), *(len(str(v)) for v in df[col].head(200))]) + 2
            ws.column_dimensions[ws.cell(1, k).column_letter].width = min(width, 60)
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, atomic_path(path) as tmp, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", _FIXED_STAMP.encode(), data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)
    return path


def is_missing(value: Any) -> bool:
    """``value`` is None, NaN or NA (a table cell with nothing in it)."""
    import pandas as pd

    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))
