"""Fitting text into the fixed boxes of a dossier page: measure, wrap, shrink, clip.

A page is cut into fixed boxes (header, verdict, scores, capacity, sharing, after the site is
built, footer), so that a long value cannot push one panel into the next. Text is measured with
the font's own metrics and a margin for hinted rendering (:func:`text_width`, in points), wrapped
to its box's width (:func:`wrap`: at spaces, a word wider than the box broken where it must be), shrunk
a little when it has too many lines for the room left (:func:`fit`), and cut with "…" when even the
smallest size does not fit. :class:`Column` writes headings, label/value rows and paragraphs down
one box and draws nothing below its bottom.

A map of a large footprint holds dozens of villages; writing every name makes a blot. The page
names a few (:data:`netcover.outputs.dossier.panels.MAP_NAMES`), in order of interest, and
:class:`MapNames` writes each only where its box (measured likewise) overlaps no name already
written, the legend, the scale bar or the north arrow, trying the four sides of its point; a name
that fits nowhere is skipped. The legend goes in the corner (:func:`legend_corner`: lower right or
upper left) that hides fewer of the points that matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from netcover.core.textsafe import plot_text
from netcover.outputs.dossier.text import both

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["ELLIPSIS", "LEADING", "LEGEND_SIZE", "RENDER_SLACK", "Column", "MapName", "MapNames", "fit",
           "legend_corner", "text_width", "wrap"]

#: Line height over font size.
LEADING = 1.25
#: Ends a text cut to fit its box.
ELLIPSIS = "…"
#: Smallest share of its size a text is shrunk to before it is cut.
_MIN_SCALE = 0.8
#: Widths are taken this much wider than the font's metrics say. A PDF lays glyphs out by the
#: metrics; the Agg renderer (PNG copies, the README's page) hints them to whole pixels, which at
#: 5-8.5 pt and 100-200 dpi makes a line up to 6% wider (measured on Vietnamese and English
#: lines; up to 13% at 72 dpi). Text that fits the wider measure fits both.
RENDER_SLACK = 1.07
_GREY, _BLUE = "#555555", "#1f3b73"
_SANS, _MONO = "DejaVu Sans", "DejaVu Sans Mono"


@lru_cache(maxsize=4096)
def text_width(text: str, size: float, *, bold: bool = False, mono: bool = False) -> float:
    """The width of one line of ``text`` at ``size`` points, in points: the font's metrics times
    :data:`RENDER_SLACK`, so that the line also fits where it is rendered with hinting."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=_MONO if mono else _SANS, size=size,
                          weight="bold" if bold else "normal")
    width = TextToPath().get_text_width_height_descent(text, prop, ismath=False)[0]
    return float(width) * RENDER_SLACK


def _break_word(word: str, width: float, size: float, bold: bool, mono: bool) -> list[str]:
    """``word`` cut into pieces no wider than ``width`` (at least one character each)."""
    pieces, piece = [], ""
    for ch in word:
        if piece and text_width(piece + ch, size, bold=bold, mono=mono) > width:
            pieces.append(piece)
            piece = ""
        piece += ch
    return [*pieces, piece] if piece else pieces


def wrap(text: str, width: float, size: float, *, bold: bool = False,
         mono: bool = False) -> list[str]:
    """The lines of ``text`` (its own line breaks kept) no wider than ``width`` points."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, size, bold=bold, mono=mono) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            pieces = _break_word(word, width, size, bold, mono)
            lines += pieces[:-1]
            line = pieces[-1] if pieces else ""
        lines.append(line)
    return lines


def _cut(line: str, width: float, size: float, bold: bool, mono: bool) -> str:
    """``line`` ended by "…", no wider than ``width``."""
    while line and text_width(line + ELLIPSIS, size, bold=bold, mono=mono) > width:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS


def fit(text: str, width: float, height: float, size: float, *, bold: bool = False,
        mono: bool = False) -> tuple[list[str], float]:
    """``text`` wrapped into a box ``width`` x ``height`` points: (lines, font size). The size
    shrinks by half points down to 80% of ``size`` until every line fits; then the lines that
    fit are kept, the last cut with "…". No line fits: ([], size)."""
    smallest = size * _MIN_SCALE
    current = size
    while True:
        lines = wrap(text, width, current, bold=bold, mono=mono)
        if len(lines) * current * LEADING <= height + 1e-6:
            return lines, current
        if current - 0.5 < smallest - 1e-9:
            break
        current -= 0.5
    room = int((height + 1e-6) // (current * LEADING))
    if room <= 0:
        return [], size
    kept = lines[:room]
    kept[-1] = _cut(kept[-1], width, current, bold, mono)
    return kept, current


class Column:
    """Writes headings, rows and paragraphs down a fixed box of the page (figure coordinates),
    never below its ``bottom``; heights in points."""

    def __init__(self, fig: Figure, box: tuple[float, float, float, float]):
        self.fig = fig
        self.left, self.right, self.y, self.bottom = box
        w_in, h_in = fig.get_size_inches()
        self._pt = 1.0 / 72.0 / h_in
        self.width = (self.right - self.left) * w_in * 72.0

    @property
    def room(self) -> float:
        """The points left above the bottom."""
        return max((self.y - self.bottom) / self._pt, 0.0)

    def down(self, points: float) -> None:
        self.y -= points * self._pt

    def _text(self, x: float, lines: list[str], size: float, **style: object) -> None:
        self.fig.text(x, self.y, "\n".join(lines), fontsize=size, va="top",
                      linespacing=LEADING, **style)  # type: ignore[arg-type]

    def heading(self, key: str) -> None:
        """A panel's title (Vietnamese · English) over a rule."""
        from matplotlib.lines import Line2D

        if self.room < 20.0:
            self.y = self.bottom
            return
        vi, en = both(key)
        lines, size = fit(f"{vi} · {en}", self.width, 11.0, 8.5, bold=True)
        self._text(self.left, lines[:1], size, fontweight="bold", color=_BLUE)
        self.down(12)
        self.fig.add_artist(Line2D([self.left, self.right], [self.y, self.y], lw=0.6,
                                   color=_BLUE))
        self.down(4)

    def line(self, text: str, *, size: float = 6.5, grey: bool = False, bold: bool = False,
             mono: bool = False) -> None:
        """A paragraph of ``text``, wrapped to the box, under the previous one."""
        lines, size = fit(text, self.width, self.room, size, bold=bold, mono=mono)
        if not lines:
            self.y = self.bottom
            return
        self._text(self.left, lines, size, color=_GREY if grey else "black",
                   fontweight="bold" if bold else "normal", family=_MONO if mono else _SANS)
        self.down(len(lines) * size * LEADING + 2.0)

    def row(self, vi: str, en: str, value: str, *, own: str | None = None,
            size: float = 7.5) -> None:
        """A label (Vietnamese bold, English grey under it) and its value(s) on the right; the
        value takes the width the label leaves (30-65%; 30% each with ``own``)."""
        room = self.room
        if room < 17.0:
            self.y = self.bottom
            return
        label_natural = max(text_width(vi, 7.0, bold=True), text_width(en, 6.0))
        share = (0.3 if own is not None else
                 min(max((self.width - label_natural - 8.0) / self.width, 0.3), 0.65))
        value_lines, v_size = fit(value, share * self.width - 4.0, room, size)
        used = max((text_width(t, v_size) for t in value_lines), default=0.0)
        columns = [(self.right, value_lines, v_size)]
        if own is not None:
            own_lines, o_size = fit(own, share * self.width - 4.0, room, size)
            used = (share * self.width
                    + max((text_width(t, o_size) for t in own_lines), default=0.0))
            columns.append((self.right - share * (self.right - self.left), own_lines, o_size))
        label_w = max(self.width - used - 6.0, 0.3 * self.width)
        vi_lines, vi_size = fit(vi, label_w, min(room, 18.0), 7.0, bold=True) if vi else ([], 7.0)
        head = len(vi_lines) * vi_size * LEADING
        en_lines, en_size = fit(en, label_w, max(room - head, 0.0), 6.0) if en else ([], 6.0)
        if vi_lines:
            self._text(self.left, vi_lines, vi_size, fontweight="bold")
        if en_lines:
            self.fig.text(self.left, self.y - head * self._pt, "\n".join(en_lines),
                          fontsize=en_size, color=_GREY, va="top", linespacing=LEADING)
        for x, lines, v in columns:
            if lines:
                self.fig.text(x, self.y, "\n".join(lines), fontsize=v, ha="right",
                              va="top", linespacing=LEADING)
        label_h = head + len(en_lines) * en_size * LEADING
        value_h = max(len(lines) * v for _, lines, v in columns) * LEADING
        self.down(max(17.0, label_h + 2.0, value_h + 2.0))


#: The legend's font size (points): :func:`legend_corner` sizes its box with it.
LEGEND_SIZE = 5.5
#: Rectangles in points from the map's lower left corner: (x0, y0, x1, y1).
Rect = tuple[float, float, float, float]
#: The corners a map's legend may take (the scale bar is lower left, the north arrow upper right).
Corner = Literal["lower right", "upper left"]


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
        """Write ``name`` right of its anchor, else left of it, below right or left, centred
        above or below, unless every place overlaps another name or leaves the map; whether
        written."""
        text = plot_text(name.text)
        x0, x1, y0, y1 = self.box
        px = (name.x - x0) / (x1 - x0) * self.w_pt
        py = (name.y - y0) / (y1 - y0) * self.h_pt
        width = text_width(text, name.size, bold=name.bold)
        dx, dy = name.offset
        low = -dy - name.size
        for offset in ((dx, dy), (-dx - width, dy), (dx, low), (-dx - width, low),
                       (-width / 2, dy + 2), (-width / 2, low - 2)):
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


def _legend_box(names: MapNames, corner: Corner, labels: list[str]) -> Rect:
    """Where a legend of ``labels`` stands in ``corner`` (a generous estimate, in points)."""
    width = max(text_width(t, LEGEND_SIZE) for t in labels) + 30.0
    height = len(labels) * LEGEND_SIZE * 1.55 + 10.0
    if corner == "lower right":
        return (names.w_pt - width, 0.0, names.w_pt, height)
    return (0.0, names.h_pt - height, width, names.h_pt)


def legend_corner(names: MapNames, keep: list[tuple[float, float]],
                  labels: list[str]) -> Corner:
    """The legend's corner: lower right unless it hides more of the points ``keep`` (working
    CRS: the proposal, the better place, the profile's village) than the upper left. The legend,
    scale bar (lower left) and north arrow (upper right) boxes are then kept free of names."""
    best: Corner = "lower right"
    hidden = len(keep) + 1
    corners: tuple[Corner, ...] = ("lower right", "upper left")
    for corner in corners:
        box = _legend_box(names, corner, labels)
        n = sum(_overlap(box, names.point_box(x, y, 8.0)) for x, y in keep)
        if n < hidden:
            best, hidden = corner, n
    w, h = names.w_pt, names.h_pt
    names.drawn += [_legend_box(names, best, labels), (0.0, 0.0, 0.3 * w, 0.1 * h),
                    (0.88 * w, 0.8 * h, w, h)]
    return best
