"""Names on a dossier map that do not overlap: villages, sites, and the legend's corner.

A map of a large footprint holds dozens of villages; writing every name makes a blot. The page
names a few (:data:`netcover.outputs.dossier.panels.MAP_NAMES`), in order of interest, and
:class:`MapNames` writes each only where its box (measured with the font's metrics, in points)
overlaps no name already written, the legend, the scale bar or the north arrow, trying the four
sides of its point; a name that fits nowhere is skipped. The legend goes in the corner
(:func:`legend_corner`: lower right or upper left) that hides fewer of the points that matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from netcover.core.textsafe import plot_text
from netcover.outputs.dossier.layout import text_width

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["LEGEND_SIZE", "MapName", "MapNames", "legend_corner"]

#: The legend's font size (points): :func:`legend_corner` sizes its box with it.
LEGEND_SIZE = 5.5
#: Rectangles in points from the map's lower left corner: (x0, y0, x1, y1).
Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class MapName:
    """A name to write on the map: text, anchor (working CRS), offset (points) and style."""

    text: str
    x: float
    y: float
    offset: tuple[float, float]
    size: float
    bold: bool = False
    colour: str = "black"


class MapNames:
    """Names written on a map, none overlapping another (greedy: a name whose box overlaps one
    already written, or leaves the map, is skipped). Boxes in points from the map's lower left
    corner, from the map's window and size in inches (the window has the axes' shape)."""

    def __init__(self, ax: Axes, box: tuple[float, float, float, float],
                 size_in: tuple[float, float]):
        self.ax, self.box = ax, box
        self.w_pt, self.h_pt = size_in[0] * 72.0, size_in[1] * 72.0
        self.drawn: list[Rect] = []

    def point_box(self, x: float, y: float, half: float) -> Rect:
        """A square of side ``2 * half`` points around the point ``x``, ``y`` (working CRS)."""
        x0, x1, y0, y1 = self.box
        px = (x - x0) / (x1 - x0) * self.w_pt
        py = (y - y0) / (y1 - y0) * self.h_pt
        return (px - half, py - half, px + half, py + half)

    def add(self, name: MapName) -> bool:
        """Write ``name`` right of its anchor, else left of it, above or below, unless every
        place overlaps another name or leaves the map; whether written."""
        text = plot_text(name.text)
        x0, x1, y0, y1 = self.box
        px = (name.x - x0) / (x1 - x0) * self.w_pt
        py = (name.y - y0) / (y1 - y0) * self.h_pt
        width = text_width(text, name.size, bold=name.bold)
        dx, dy = name.offset
        for offset in ((dx, dy), (-dx - width, dy), (dx, -dy - name.size),
                       (-dx - width, -dy - name.size)):
            rect = (px + offset[0], py + offset[1] - 0.25 * name.size,
                    px + offset[0] + width, py + offset[1] + name.size)
            if (rect[0] >= 0 and rect[2] <= self.w_pt and rect[1] >= 0 and rect[3] <= self.h_pt
                    and not any(_overlap(rect, r) for r in self.drawn)):
                self.drawn.append(rect)
                self.ax.annotate(text, (name.x, name.y), xytext=offset,
                                 textcoords="offset points", zorder=7, fontsize=name.size,
                                 color=name.colour,
                                 fontweight="bold" if name.bold else "normal").set_clip_on(True)
                return True
        return False


def _overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _legend_box(names: MapNames, corner: str, labels: list[str]) -> Rect:
    """Where a legend of ``labels`` stands in ``corner`` (a generous estimate, in points)."""
    width = max(text_width(t, LEGEND_SIZE) for t in labels) + 30.0
    height = len(labels) * LEGEND_SIZE * 1.55 + 10.0
    if corner == "lower right":
        return (names.w_pt - width, 0.0, names.w_pt, height)
    return (0.0, names.h_pt - height, width, names.h_pt)


def legend_corner(names: MapNames, keep: list[tuple[float, float]], labels: list[str]) -> str:
    """The legend's corner: lower right unless it hides more of the points ``keep`` (working
    CRS: the proposal, the better place, the profile's village) than the upper left. The legend,
    scale bar (lower left) and north arrow (upper right) boxes are then kept free of names."""
    best, hidden = "lower right", len(keep) + 1
    for corner in ("lower right", "upper left"):
        box = _legend_box(names, corner, labels)
        n = sum(_overlap(box, names.point_box(x, y, 8.0)) for x, y in keep)
        if n < hidden:
            best, hidden = corner, n
    w, h = names.w_pt, names.h_pt
    names.drawn += [_legend_box(names, best, labels), (0.0, 0.0, 0.3 * w, 0.1 * h),
                    (0.88 * w, 0.8 * h, w, h)]
    return best
