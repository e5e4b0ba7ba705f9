"""Static print maps (PNG and PDF) of a run: coverage, gaps, site plan and link plan.

Figures are plain :class:`matplotlib.figure.Figure` objects (no pyplot state, so nothing changes
the backend of a notebook or leaks memory). Each map has a hillshade of the DEM underneath, a
title, legend, scale bar, north arrow and the data date, in English or Vietnamese (matplotlib's
bundled DejaVu fonts have the Vietnamese diacritics, so nothing is fetched). :func:`save_figure`
writes files atomically and without creation dates, so the same results give identical files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from netcover.config.options import MAP_FORMATS, MAP_KINDS, MapFormat, MapKind
from netcover.config.radio import CLASS_NAMES, CoverageClass
from netcover.core.files import by_key
from netcover.core.i18n import Lang, tr
from netcover.core.io import atomic_path
from netcover.core.palette import (
    CLASS_COLOURS,
    CLASS_OPACITY,
    GAP_COLOUR,
    LINK_COLOURS,
    NEW_SITE_COLOUR,
    SITE_COLOUR,
    UNSERVED_COLOUR,
)
from netcover.core.textsafe import plot_text
from netcover.data.terrain import hillshade
from netcover.outputs.report._furniture import (
    Z_DECOR,
    Z_LINES,
    Z_MARKERS,
    Z_RASTER,
    decorations,
    label_point,
    polygon_patch,
)
from netcover.outputs.report._pixels import add_pixel_image

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from PIL import Image

    from netcover.outputs.results import Raster, RunFolder

__all__ = [
    "CLASS_KEYS", "COVERAGE_MAPS", "DISPLAY_CELLS", "MAP_SIZE_IN", "NEW_SITE_SIZE", "OUTSIDE_VEIL",
    "PHASE_STYLES", "PNG_COMPRESS_LEVEL", "PNG_DPI", "POOR_CLASSES", "Backdrop", "draw_map",
    "map_extent", "png_bytes", "print_maps", "read_backdrop", "render_rgb", "save_figure",
]


#: Coverage classes 0-3 (none, weak, fair, good): i18n keys (colours: :mod:`netcover.core.palette`).
CLASS_KEYS = tuple(f"class_{name}" for name in CLASS_NAMES)
#: Classes shown on the gap and site-plan maps (no service, weak).
POOR_CLASSES = (int(CoverageClass.NONE), int(CoverageClass.WEAK))
PHASE_STYLES: tuple[Literal["-", "--", ":", "-."], ...] = ("-", "--", ":", "-.")
#: Maps that show coverage classes, so carry the assumptions block and the uncalibrated banner.
COVERAGE_MAPS: tuple[MapKind, ...] = ("coverage", "gaps", "site_plan")
#: Print resolution of the PNGs (the PDFs are vector).
PNG_DPI = 300
#: Commune labels: font size, and the room (points) kept between a label and a marker's centre.
LABEL_PT, LABEL_MARGIN_PT = 7, 9
#: Opacity of the white veil over the land outside the communes.
OUTSIDE_VEIL = 0.45
#: Marker size (points²) of the new sites.
NEW_SITE_SIZE = 90
#: Rasters are decimated to at most this many cells a side for display.
DISPLAY_CELLS = 800
MAP_SIZE_IN = (9.0, 8.0)
#: The columns of the units and sites layers the maps show (with the geometry): a change in another
#: one (a tilt, a coverage statistic) does not draw a map again (:mod:`netcover.outputs.reuse`).
_UNIT_COLUMNS, _SITE_COLUMNS = ("name",), ("site_id",)


@dataclass(frozen=True)
class Backdrop:
    """A hillshade (values in [0, 1]) and its extent (left, right, bottom, top) in the run's CRS."""

    shade: np.ndarray
    extent: tuple[float, float, float, float]


def read_backdrop(run: RunFolder, *, max_cells: int = DISPLAY_CELLS) -> Backdrop | None:
    """The hillshade of the run's DEM (the input summary's ``dem.file``), decimated to at most
    ``max_cells`` a side; None if the DEM file is gone."""
    import rasterio

    dem = run.dem_file()
    if dem is None:
        return None
    with rasterio.open(dem) as src:
        step = max(1, int(np.ceil(max(src.height, src.width) / max_cells)))
        z = src.read(1, masked=True)[::step, ::step].astype("float64").filled(np.nan)  # shown cells only
        b = src.bounds
        cell = abs(src.transform.a) * step
    return Backdrop(hillshade(z, cell), (b.left, b.right, b.bottom, b.top))


def figure_stem(folder: Path, figure: str, lang: Lang) -> Path:
    """``folder/<figure>_<lang>``: where :func:`save_figure` writes a print map or chart
    (``print_png`` and ``print_pdf`` of :mod:`netcover.core.files`) without its suffix."""
    return by_key("print_png").of(figure=figure, lang=lang).in_step(folder).with_suffix("")


def save_figure(fig: Figure, stem: Path, formats: Sequence[MapFormat] = MAP_FORMATS, *,
                close: bool = False) -> list[Path]:
    """Save ``fig`` as ``stem.png`` / ``stem.pdf`` atomically, without dates (reproducible files).
    ``close``: clear the figure afterwards, so that its memory (tens of MB for a print map: its
    artists refer to each other) is freed now, not at the next garbage collection."""
    written = []
    for fmt in formats:
        final = stem.with_suffix(f".{fmt}")
        with atomic_path(final) as tmp:
            if fmt == "png":
                tmp.write_bytes(png_bytes(fig))
            else:
                fig.savefig(tmp, format="pdf", metadata={"CreationDate": None})
        written.append(final)
    if close:
        fig.clear()
    return written


#: zlib level of the palette PNGs: 5.5x faster than level 9 (``optimize``) for about 6 % more bytes
#: on the sample's print maps (measured: 0.08 s and 682 kB against 0.47 s and 646 kB).
PNG_COMPRESS_LEVEL = 6


def png_bytes(fig: Figure, *, colours: int = 256, dpi: float = PNG_DPI) -> bytes:
    """``fig`` as a PNG with a palette of ``colours`` (a third of the RGBA size), no metadata, at
    ``dpi`` (print resolution by default; less for a screen or a notebook).

    The figure is rendered once with Agg into memory and quantized from there (no RGBA PNG is
    encoded and decoded on the way); the same figure gives the same bytes.
    """
    import io

    from PIL import Image

    rgb = render_rgb(fig, dpi=dpi)
    image = rgb.quantize(colors=colours, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    image.save(out, format="png", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def render_rgb(fig: Figure, *, dpi: float = PNG_DPI) -> Image.Image:
    """``fig`` rendered by Agg at ``dpi`` as an RGB image (the pixels ``savefig`` would write to a
    PNG, without the PNG)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    previous = fig.canvas
    canvas = previous if isinstance(previous, FigureCanvasAgg) else FigureCanvasAgg(fig)
    was = fig.dpi
    fig.set_dpi(dpi)
    try:
        data, size = canvas.print_to_buffer()
        return Image.frombuffer("RGBA", size, data, "raw", "RGBA", 0, 1).convert("RGB")
    finally:
        fig.set_dpi(was)
        if canvas is not previous:  # the canvas made here goes, with its renderer's pixels
            fig.set_canvas(previous)


# ------------------------------------------------------------------------------------ map furniture
def _frame(run: RunFolder, title: str, lang: Lang, data_date: str,
           backdrop: Backdrop | None) -> tuple[Figure, Axes]:
    import textwrap

    from matplotlib.figure import Figure

    fig = Figure(figsize=MAP_SIZE_IN, layout="constrained")
    ax = fig.subplots()
    s = run.summary()
    left, bottom, right, top = map_extent(run)
    if backdrop is not None:
        add_pixel_image(ax, backdrop.shade, extent=backdrop.extent, cmap="gray", vmin=0, vmax=1,
                        interpolation="bilinear", zorder=0)
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(textwrap.fill(f"{title}: {plot_text(s.get('scenario', ''))}".rstrip(": "), 75), fontsize=12)
    foot = f"{tr('data_date', lang, date=data_date)} · {tr('made_with', lang, crs=s.get('crs', ''))}"
    ax.annotate(foot, xy=(1.0, 0.0), xycoords="axes fraction", xytext=(0, -3),
                textcoords="offset points", ha="right", va="top", fontsize=7)
    return fig, ax


def map_extent(run: RunFolder, *, margin: float = 0.04) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of the maps: the communes with a margin, within the DEM's extent
    (the DEM's extent when the run has no communes)."""
    left, bottom, right, top = (float(v) for v in run.summary()["extent_m"])
    units = run.units(columns=_UNIT_COLUMNS)
    if units is None or units.empty:
        return left, bottom, right, top
    x0, y0, x1, y1 = (float(v) for v in units.total_bounds)
    pad = margin * max(x1 - x0, y1 - y0)
    return max(left, x0 - pad), max(bottom, y0 - pad), min(right, x1 + pad), min(top, y1 + pad)


def _raster_extent(r: Raster) -> tuple[float, float, float, float]:
    t = r.transform
    h, w = r.values.shape
    return (t.c, t.c + w * t.a, t.f + h * t.e, t.f)


def _classes(ax: Axes, r: Raster, alpha: float, only: Sequence[int] | None = None) -> None:
    from matplotlib.colors import ListedColormap

    step = max(1, int(np.ceil(max(r.values.shape) / DISPLAY_CELLS)))
    v = r.values[::step, ::step].astype("float64")
    if r.nodata is not None:
        v[r.values[::step, ::step] == r.nodata] = np.nan
    if only is not None:
        v[~np.isin(v, only)] = np.nan
    add_pixel_image(ax, v, extent=_raster_extent(r), cmap=ListedColormap(CLASS_COLOURS), vmin=-0.5,
                    vmax=3.5, alpha=alpha, interpolation="nearest", zorder=Z_RASTER)


def _communes(ax: Axes, run: RunFolder, lang: Lang, handles: list[object],
              markers: np.ndarray | None = None) -> None:
    """Commune outlines and names, the names kept clear of ``markers`` (x, y); the land outside
    the communes veiled, as on the interactive map."""
    import shapely
    from matplotlib.lines import Line2D

    units = run.units(columns=_UNIT_COLUMNS)
    if units is None:
        return
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    outside = shapely.box(x0, y0, x1, y1).difference(shapely.union_all(units.geometry.values))
    if outside.area > 0:
        ax.add_patch(polygon_patch(outside, facecolor="white", alpha=OUTSIDE_VEIL, linewidth=0,
                                   zorder=Z_RASTER + 0.5))
    units.boundary.plot(ax=ax, color="0.15", linewidth=0.8, zorder=Z_LINES)
    per_pt = (x1 - x0) / (MAP_SIZE_IN[0] * 72 * 0.8)  # map units per point, about
    avoid = markers if markers is not None else np.zeros((0, 2))
    for geom, name in zip(units.geometry, units["name"], strict=True):
        half = ((0.32 * LABEL_PT * len(str(name)) + LABEL_MARGIN_PT) * per_pt,
                (0.6 * LABEL_PT + LABEL_MARGIN_PT) * per_pt)
        x, y = label_point(geom, avoid, half)
        ax.text(x, y, plot_text(name), fontsize=LABEL_PT, ha="center", va="center", zorder=Z_DECOR,
                bbox={"facecolor": "white", "alpha": 0.6, "edgecolor": "none", "pad": 0.5})
    handles.append(Line2D([], [], color="0.15", linewidth=0.8, label=tr("communes", lang)))


def _xy(gdf: object) -> np.ndarray:
    """(n, 2) coordinates of a point layer (empty when there is none)."""
    if gdf is None or len(gdf) == 0:  # type: ignore[arg-type]
        return np.zeros((0, 2))
    return np.column_stack([gdf.geometry.x, gdf.geometry.y])  # type: ignore[attr-defined]


def _markers(ax: Axes, run: RunFolder, lang: Lang, *points: np.ndarray) -> np.ndarray:
    """The run's sites and ``points``, for decorations to keep clear of; draws scale bar and
    north arrow accordingly."""
    sites = run.sites(columns=_SITE_COLUMNS)
    all_xy = np.vstack([_xy(sites.drop_duplicates("site_id") if sites is not None else None),
                        *points])
    decorations(ax, lang, all_xy)
    return all_xy


def _sites(ax: Axes, run: RunFolder, lang: Lang, handles: list[object]) -> None:
    from matplotlib.lines import Line2D

    sites = run.sites(columns=_SITE_COLUMNS)
    if sites is None or sites.empty:
        return
    one = sites.drop_duplicates("site_id")
    ax.scatter(one.geometry.x, one.geometry.y, s=22, marker="^", c=SITE_COLOUR, edgecolors="white",
               linewidths=0.5, zorder=Z_MARKERS)
    handles.append(Line2D([], [], marker="^", linestyle="", color=SITE_COLOUR,
                          label=f"{tr('existing_sites', lang)} ({len(one)})"))


def _class_handles(lang: Lang, classes: Sequence[int] = (0, 1, 2, 3)) -> list[object]:
    from matplotlib.patches import Patch

    return [Patch(facecolor=CLASS_COLOURS[k], alpha=CLASS_OPACITY, label=tr(CLASS_KEYS[k], lang))
            for k in classes]


def _legend(ax: Axes, handles: list[object]) -> None:
    """The legend under the map, so it hides nothing."""
    fig = ax.get_figure()
    assert fig is not None
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)


# ------------------------------------------------------------------------------------ the maps
def _coverage_map(ax: Axes, run: RunFolder, lang: Lang) -> bool:
    r = run.coverage_class()
    if r is None:
        return False
    _classes(ax, r, alpha=CLASS_OPACITY)
    handles = _class_handles(lang)
    _communes(ax, run, lang, handles, _markers(ax, run, lang))
    _sites(ax, run, lang, handles)
    _legend(ax, handles)
    return True


def _gap_areas(ax: Axes, run: RunFolder, lang: Lang, handles: list[object]) -> None:
    from matplotlib.patches import Patch

    gaps = run.gap_areas()
    if gaps is None or gaps.empty:
        return
    gaps.plot(ax=ax, facecolor="none", edgecolor=GAP_COLOUR, linewidth=1.2, zorder=Z_LINES)
    handles.append(Patch(facecolor="none", edgecolor=GAP_COLOUR, label=f"{tr('gap_areas', lang)} "
                         f"({len(gaps)})"))


def _gap_map(ax: Axes, run: RunFolder, lang: Lang) -> bool:
    from matplotlib.lines import Line2D

    r = run.coverage_class()
    if r is None:
        return False
    _classes(ax, r, alpha=CLASS_OPACITY, only=POOR_CLASSES)
    handles = _class_handles(lang, POOR_CLASSES)
    _gap_areas(ax, run, lang, handles)
    villages = run.settlements()
    bad = None
    if villages is not None and "usable_service" in villages.columns:
        bad = villages[~villages["usable_service"].astype(bool)]
        ax.scatter(bad.geometry.x, bad.geometry.y, s=28, marker="o", c=UNSERVED_COLOUR,
                   edgecolors="black", linewidths=0.7, zorder=Z_MARKERS)
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=UNSERVED_COLOUR,
                              markeredgecolor="black", label=f"{tr('unserved_villages', lang)} "
                              f"({len(bad)})"))
    _communes(ax, run, lang, handles, _markers(ax, run, lang, _xy(bad)))
    _sites(ax, run, lang, handles)
    _legend(ax, handles)
    return True


def _site_plan_map(ax: Axes, run: RunFolder, lang: Lang) -> bool:
    from matplotlib.lines import Line2D

    new = run.new_sites()
    if new is None or new.empty:
        return False
    handles: list[object] = []
    r = run.coverage_class()
    if r is not None:
        _classes(ax, r, alpha=CLASS_OPACITY, only=POOR_CLASSES)
        handles += _class_handles(lang, POOR_CLASSES)
    cands = run.candidate_sites()
    if cands is not None and not cands.empty:
        ax.scatter(cands.geometry.x, cands.geometry.y, s=4, c="0.35", zorder=Z_LINES)
        handles.append(Line2D([], [], marker="o", markersize=3, linestyle="", color="0.35",
                              label=f"{tr('candidates', lang)} ({len(cands)})"))
    _gap_areas(ax, run, lang, handles)
    _communes(ax, run, lang, handles, _markers(ax, run, lang, _xy(new)))
    _sites(ax, run, lang, handles)
    ax.scatter(new.geometry.x, new.geometry.y, s=NEW_SITE_SIZE, marker="*", c=NEW_SITE_COLOUR,
               edgecolors="black", linewidths=0.6, zorder=Z_MARKERS + 1, gid="new_sites")
    ranks = new["rank"] if "rank" in new.columns else range(1, len(new) + 1)
    for x, y, k in zip(new.geometry.x, new.geometry.y, ranks, strict=True):
        ax.annotate(str(k), (x, y), xytext=(7, 6), textcoords="offset points", fontsize=8,
                    fontweight="bold", zorder=Z_MARKERS + 2, gid="new_site_rank")
    handles.append(Line2D([], [], marker="*", markersize=11, linestyle="",
                          markerfacecolor=NEW_SITE_COLOUR,
                          markeredgecolor="black", label=f"{tr('new_sites', lang)} ({len(new)})"))
    _legend(ax, handles)
    return True


def _links_map(ax: Axes, run: RunFolder, lang: Lang) -> bool:
    from matplotlib.lines import Line2D

    links = run.links()
    if links is None or links.empty:
        return False
    handles: list[object] = []
    _communes(ax, run, lang, handles, _markers(ax, run, lang))
    _sites(ax, run, lang, handles)
    for kind, colour in LINK_COLOURS.items():
        part = links[links["type"] == kind]
        for phase in sorted(part["phase"].unique()):
            style = PHASE_STYLES[(int(phase) - 1) % len(PHASE_STYLES)]
            part[part["phase"] == phase].plot(ax=ax, color=colour, linewidth=2.0, linestyle=style,
                                              zorder=Z_LINES + 1)
        if len(part):
            handles.append(Line2D([], [], color=colour, linewidth=2.0,
                                  label=f"{tr(kind, lang)} ({len(part)})"))
    for phase in sorted(links["phase"].unique()):
        style = PHASE_STYLES[(int(phase) - 1) % len(PHASE_STYLES)]
        handles.append(Line2D([], [], color="0.2", linewidth=1.5, linestyle=style,
                              label=tr("phase", lang, n=int(phase))))
    _legend(ax, handles)
    return True


_DRAW: dict[MapKind, tuple[str, Callable[[Axes, RunFolder, Lang], bool]]] = {
    "coverage": ("map_coverage", _coverage_map),
    "gaps": ("map_gaps", _gap_map),
    "site_plan": ("map_site_plan", _site_plan_map),
    "links": ("map_links", _links_map),
}


def draw_map(run: RunFolder, kind: MapKind, lang: Lang, data_date: str,
             backdrop: Backdrop | None = None) -> Figure | None:
    """One print map as a matplotlib figure, or None when the run has no data for it."""
    from netcover.outputs.report._assumption_box import stamp_assumptions
    from netcover.outputs.report._context import record_of

    key, draw = _DRAW[kind]
    fig, ax = _frame(run, tr(key, lang), lang, data_date, backdrop)
    if not draw(ax, run, lang):
        return None
    if kind in COVERAGE_MAPS:  # maps showing coverage classes say what they assume
        stamp_assumptions(fig, record_of(run)[0], lang)
    ax.set_xlabel("")
    ax.set_ylabel("")
    return fig


def print_maps(run: RunFolder, folder: Path, lang: Lang, data_date: str, *,
               formats: Sequence[MapFormat] = MAP_FORMATS,
               backdrop: Backdrop | None = None) -> dict[MapKind, list[Path]]:
    """Write every print map the run has data for as ``folder/<kind>_<lang>.<fmt>``.

    Returns
    -------
    dict
        Map kind -> files written (kinds without data are left out).
    """
    written: dict[MapKind, list[Path]] = {}
    for kind in MAP_KINDS:
        fig = draw_map(run, kind, lang, data_date, backdrop)
        if fig is not None:
            written[kind] = save_figure(fig, figure_stem(folder, kind, lang), formats, close=True)
    return written
