"""Furniture of the print maps: scale bar, north arrow and commune labels, placed where they hide
no data marker (see :func:`decorations` and :func:`label_point`), and polygon patches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from netcover.core.i18n import Lang, tr

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.patches import Patch

#: Drawing order: rasters, then lines, then decorations (labels, scale bar, north arrow), then the
#: data markers on top of everything, so nothing hides a site.
Z_RASTER, Z_LINES, Z_DECOR, Z_MARKERS = 1, 3, 5, 8


def decorations(ax: Axes, lang: Lang, markers: np.ndarray) -> None:
    """Scale bar and north arrow, each in the corner with the fewest ``markers`` (x, y) under it."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    fx = (markers[:, 0] - x0) / (x1 - x0) if len(markers) else np.zeros(0)
    fy = (markers[:, 1] - y0) / (y1 - y0) if len(markers) else np.zeros(0)

    def crowd(left: float, bottom: float, right: float, top: float) -> int:
        return int(((fx >= left) & (fx <= right) & (fy >= bottom) & (fy <= top)).sum())

    # scale bar: bottom-left or bottom-right; north arrow: top-right or top-left
    bar = min((0.04, 0.64), key=lambda a: crowd(a - 0.02, 0.0, a + 0.32, 0.12))
    scale_bar(ax, bar)
    arrow = min((0.95, 0.05), key=lambda a: crowd(a - 0.06, 0.80, a + 0.06, 1.0))
    north_arrow(ax, tr("north", lang), arrow)


def nice_length(span_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 x 10^k metres) near a fifth of ``span_m``."""
    target = max(span_m / 5.0, 1e-9)
    base = 10.0 ** np.floor(np.log10(target))
    return float(max(m * base for m in (1.0, 2.0, 5.0) if m * base <= target))


def scale_bar(ax: Axes, at: float = 0.04) -> None:
    """A black and white scale bar of a round length, ``at`` (axes fraction) from the left."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length(x1 - x0)
    bx, by = x0 + at * (x1 - x0), y0 + 0.04 * (y1 - y0)
    h = 0.012 * (y1 - y0)
    for k, colour in enumerate(("black", "white")):
        ax.add_patch(_rect(bx + k * length / 2, by, length / 2, h, colour))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx + length / 2, by + 1.6 * h, label, ha="center", va="bottom", fontsize=8, zorder=Z_DECOR,
            bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1})


def _rect(x: float, y: float, w: float, h: float, colour: str) -> Patch:
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, facecolor=colour, edgecolor="black", linewidth=0.8,
                     zorder=Z_DECOR)


def north_arrow(ax: Axes, letter: str, at: float = 0.95) -> None:
    """A north arrow with ``letter`` under it, ``at`` (axes fraction) from the left, at the top."""
    ax.annotate(letter, xy=(at, 0.95), xytext=(at, 0.86), xycoords="axes fraction",
                ha="center", va="center", fontsize=12, fontweight="bold", zorder=Z_DECOR,
                arrowprops={"facecolor": "black", "width": 4, "headwidth": 11, "headlength": 10})


def label_point(geom: object, markers: np.ndarray, half: tuple[float, float],
                grid: int = 11) -> tuple[float, float]:
    """Where a polygon's label goes: the point inside it nearest its representative point whose
    label box (``half`` width and height, map units) holds none of the ``markers`` (n, 2); the
    point with the fewest markers in the box when no point is clear."""
    import shapely

    p = geom.representative_point()  # type: ignore[attr-defined]
    x0, y0, x1, y1 = geom.bounds  # type: ignore[attr-defined]
    gx, gy = np.meshgrid(np.linspace(x0, x1, grid + 2)[1:-1], np.linspace(y0, y1, grid + 2)[1:-1])
    xy = np.column_stack([gx.ravel(), gy.ravel()])
    xy = np.vstack([[p.x, p.y], xy[shapely.contains_xy(geom, xy[:, 0], xy[:, 1])]])
    if len(markers):
        dx = np.abs(xy[:, None, 0] - markers[None, :, 0])
        dy = np.abs(xy[:, None, 1] - markers[None, :, 1])
        hits = ((dx < half[0]) & (dy < half[1])).sum(axis=1)
    else:
        hits = np.zeros(len(xy), dtype=int)
    far = np.hypot(xy[:, 0] - p.x, xy[:, 1] - p.y)
    best = xy[np.lexsort((far, hits))[0]]
    return float(best[0]), float(best[1])


def polygon_patch(geom: object, **style: object) -> Patch:
    """A matplotlib patch of a (multi)polygon with holes."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    polygons = [p for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon"]
    rings = [ring for p in polygons for ring in (p.exterior, *p.interiors)]
    codes = [c for ring in rings for c in
             [MplPath.MOVETO, *[MplPath.LINETO] * (len(ring.coords) - 2), MplPath.CLOSEPOLY]]
    vertices = [xy for ring in rings for xy in ring.coords]
    return PathPatch(MplPath(vertices, codes), **style)
