"""The base of every print map: the figure and its frame over a hillshade of the DEM
(:class:`Backdrop`, :func:`read_backdrop`), the extent of the maps, and the furniture the map kinds
share: coverage classes, commune outlines and names, existing sites, scale bar and north arrow,
legend.

Each map has a hillshade of the DEM underneath, a title, legend, scale bar, north arrow and the data
date, in English or Vietnamese (matplotlib's bundled DejaVu fonts have the Vietnamese diacritics, so
nothing is fetched). The map kinds themselves are drawn by :mod:`netcover.outputs.report.printmaps`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from netcover.config.radio import CLASS_NAMES
from netcover.core.i18n import Lang, tr
from netcover.core.palette import CLASS_COLOURS, CLASS_OPACITY, SITE_COLOUR
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

    from netcover.outputs.results import Raster, RunFolder

__all__ = [
    "CLASS_KEYS", "DISPLAY_CELLS", "LABEL_MARGIN_PT", "LABEL_PT", "MAP_SIZE_IN", "OUTSIDE_VEIL",
    "Backdrop", "class_handles", "communes", "draw_classes", "existing_sites", "frame", "legend",
    "map_extent", "marker_points", "read_backdrop", "xy",
]


#: Coverage classes 0-3 (none, weak, fair, good): i18n keys (colours: :mod:`netcover.core.palette`).
CLASS_KEYS = tuple(f"class_{name}" for name in CLASS_NAMES)
#: Commune labels: font size, and the room (points) kept between a label and a marker's centre.
LABEL_PT, LABEL_MARGIN_PT = 7, 9
#: Opacity of the white veil over the land outside the communes.
OUTSIDE_VEIL = 0.45
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


def frame(run: RunFolder, title: str, lang: Lang, data_date: str,
          backdrop: Backdrop | None) -> tuple[Figure, Axes]:
    """A print map's figure and axes: the ``backdrop`` under the map's extent, the title with the
    scenario's name and the data date in the foot."""
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


def draw_classes(ax: Axes, r: Raster, alpha: float, only: Sequence[int] | None = None) -> None:
    """The coverage classes of ``r`` (only those in ``only``, if given), decimated for display."""
    from matplotlib.colors import ListedColormap

    step = max(1, int(np.ceil(max(r.values.shape) / DISPLAY_CELLS)))
    v = r.values[::step, ::step].astype("float64")
    if r.nodata is not None:
        v[r.values[::step, ::step] == r.nodata] = np.nan
    if only is not None:
        v[~np.isin(v, only)] = np.nan
    add_pixel_image(ax, v, extent=_raster_extent(r), cmap=ListedColormap(CLASS_COLOURS), vmin=-0.5,
                    vmax=3.5, alpha=alpha, interpolation="nearest", zorder=Z_RASTER)


def communes(ax: Axes, run: RunFolder, lang: Lang, handles: list[object],
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


def xy(gdf: object) -> np.ndarray:
    """(n, 2) coordinates of a point layer (empty when there is none)."""
    if gdf is None or len(gdf) == 0:  # type: ignore[arg-type]
        return np.zeros((0, 2))
    return np.column_stack([gdf.geometry.x, gdf.geometry.y])  # type: ignore[attr-defined]


def marker_points(ax: Axes, run: RunFolder, lang: Lang, *points: np.ndarray) -> np.ndarray:
    """The run's sites and ``points``, for decorations to keep clear of; draws scale bar and
    north arrow accordingly."""
    sites = run.sites(columns=_SITE_COLUMNS)
    all_xy = np.vstack([xy(sites.drop_duplicates("site_id") if sites is not None else None),
                        *points])
    decorations(ax, lang, all_xy)
    return all_xy


def existing_sites(ax: Axes, run: RunFolder, lang: Lang, handles: list[object]) -> None:
    """The run's existing sites (one marker per site) and their legend entry."""
    from matplotlib.lines import Line2D

    sites = run.sites(columns=_SITE_COLUMNS)
    if sites is None or sites.empty:
        return
    one = sites.drop_duplicates("site_id")
    ax.scatter(one.geometry.x, one.geometry.y, s=22, marker="^", c=SITE_COLOUR, edgecolors="white",
               linewidths=0.5, zorder=Z_MARKERS)
    handles.append(Line2D([], [], marker="^", linestyle="", color=SITE_COLOUR,
                          label=f"{tr('existing_sites', lang)} ({len(one)})"))


def class_handles(lang: Lang, classes: Sequence[int] = (0, 1, 2, 3)) -> list[object]:
    """Legend entries of the coverage ``classes``."""
    from matplotlib.patches import Patch

    return [Patch(facecolor=CLASS_COLOURS[k], alpha=CLASS_OPACITY, label=tr(CLASS_KEYS[k], lang))
            for k in classes]


def legend(ax: Axes, handles: list[object]) -> None:
    """The legend under the map, so it hides nothing."""
    fig = ax.get_figure()
    assert fig is not None
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
