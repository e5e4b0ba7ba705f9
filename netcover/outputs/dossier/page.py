"""One dossier page: an A4 portrait figure laid out for one proposal.

From the top: the proposal's name, place and purpose; the verdict with its reason on a band
coloured by the verdict; the map (left) beside the scores (own network and market), cost and the
better place (right); the terrain profile; then capacity, sharing and what to do after the site
is built (the ``netcover monitor measurements`` command, where it writes, and the drive test's
bias and RMSE once it has run). Every label is Vietnamese with the English under or beside it
(:mod:`netcover.outputs.dossier.text`); a value the scores table lacks reads "—".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netcover.outputs.dossier.panels import draw_map, draw_profile, profile_village
from netcover.outputs.dossier.text import (
    MISSING,
    advice_text,
    assumptions_line,
    both,
    is_missing,
    number,
    page_label,
    place_line,
    purpose_text,
    share,
    text_value,
    verdict_text,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from netcover.siting.plan import SitingProblem

__all__ = ["A4_IN", "CAPACITY_PURPOSES", "PageInput", "draw_page"]

#: A4 portrait in inches (210 x 297 mm: 595 x 842 PDF points).
A4_IN = (210 / 25.4, 297 / 25.4)
#: Purposes whose page shows the capacity effect.
CAPACITY_PURPOSES = ("capacity", "both")
_VERDICT_COLOURS = {"recommended": "#d8f0d2", "recommended with changes": "#fff1c1",
                    "not recommended": "#f8d3d3"}
_GREY, _BLUE = "#555555", "#1f3b73"


@dataclass(frozen=True)
class PageInput:
    """What one page shows besides the scores row: the proposal in the working CRS, its
    footprint (shapely geometry or None), its frequency, where a drive test's comparison is
    written (``measure_path``, as shown) and its summary when it exists (``measured``)."""

    x: float
    y: float
    frequency_mhz: float
    footprint: Any | None
    measure_command: str
    measure_path: str
    measured: dict[str, Any] | None


class _Cursor:
    """Writes lines down a column of the page (figure coordinates), heights in points."""

    def __init__(self, fig: Figure, left: float, right: float, top: float):
        self.fig, self.left, self.right, self.y = fig, left, right, top
        self._pt = 1.0 / 72.0 / fig.get_size_inches()[1]

    def down(self, points: float) -> None:
        self.y -= points * self._pt

    def heading(self, key: str) -> None:
        from matplotlib.lines import Line2D

        vi, en = both(key)
        self.fig.text(self.left, self.y, f"{vi} · {en}", fontsize=8.5, fontweight="bold",
                      va="top", color=_BLUE)
        self.down(12)
        self.fig.add_artist(Line2D([self.left, self.right], [self.y, self.y], lw=0.6,
                                   color=_BLUE))
        self.down(4)

    def row(self, vi: str, en: str, value: str, *, own: str | None = None) -> None:
        """A label (Vietnamese bold, English grey under it) and its value(s) on the right."""
        self.fig.text(self.left, self.y, vi, fontsize=7, fontweight="bold", va="top")
        self.fig.text(self.left, self.y - 8.5 * self._pt, en, fontsize=6, color=_GREY, va="top")
        lines = value.count("\n") + 1
        self.fig.text(self.right, self.y, value, fontsize=7.5, ha="right", va="top")
        if own is not None:
            self.fig.text(self.right - 0.28 * (self.right - self.left), self.y, own, fontsize=7.5,
                          ha="right", va="top")
        self.down(max(17.0, 9.0 * lines + 4.0))

    def line(self, text: str, *, size: float = 6.5, grey: bool = False, bold: bool = False,
             mono: bool = False) -> None:
        """A paragraph of ``text`` (already wrapped), under the previous one."""
        self.fig.text(self.left, self.y, text, fontsize=size, va="top",
                      color=_GREY if grey else "black", fontweight="bold" if bold else "normal",
                      family="DejaVu Sans Mono" if mono else "DejaVu Sans")
        self.down((text.count("\n") + 1) * size * 1.25 + 2.0)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or MISSING


def _scores(c: _Cursor, row: dict[str, Any]) -> None:
    """The right column: scores (own network | market), cost and the better place."""
    c.heading("scores")
    own_vi, own_en = both("own")
    market_vi, market_en = both("market")
    c.row("", "", f"{market_vi}\n{market_en}", own=f"{own_vi}\n{own_en}")
    for key, own in (("new_people", "new_people_own"), ("new_households", "new_households_own")):
        c.row(*both(key), number(row.get(key)), own=number(row.get(own)))
    c.row(*both("people_in_footprint"), number(row.get("people_in_footprint")))
    c.row(*both("overlap_share"), share(row.get("overlap_share")))
    c.row(*both("screening"), number(row.get("screening_new_people")))
    c.row(*both("gaps_closed"), _wrap(text_value(row, "gaps_closed"), 28))
    c.down(4)
    c.heading("cost_head")
    c.row(*both("cost"), number(row.get("cost")))
    c.row(*both("cost_per_new_person"), number(row.get("cost_per_new_person")))
    c.down(4)
    c.heading("better_head")
    vi, en = advice_text(row.get("advice"))
    c.line(_wrap(vi, 56))
    c.line(_wrap(en, 64), size=6, grey=True)
    c.row(*both("better_new_people"), number(row.get("better_new_people")))
    c.row(*both("extra_people"), number(row.get("extra_people")))


def _before_after(row: dict[str, Any], before: str, after: str, decimals: int = 1,
                  *, as_share: bool = False) -> str:
    if as_share:
        return f"{share(row.get(before))} → {share(row.get(after))}"
    return f"{number(row.get(before), decimals)} → {number(row.get(after), decimals)}"


def _capacity(c: _Cursor, row: dict[str, Any]) -> None:
    c.heading("capacity_head")
    if str(row.get("purpose") or "coverage") not in CAPACITY_PURPOSES:
        vi, en = both("no_capacity")
        c.line(vi)
        c.line(en, size=6, grey=True)
        return
    c.row(*both("users_offloaded"), number(row.get("users_offloaded")))
    c.row(*both("cells_offloaded"), _wrap(text_value(row, "cells_offloaded"), 24))
    c.row(*both("load"), _before_after(row, "load_before", "load_after", as_share=True))
    c.row(*both("throughput"), _before_after(row, "throughput_before_mbps",
                                             "throughput_after_mbps"))


def _sharing(c: _Cursor, row: dict[str, Any]) -> None:
    c.heading("sharing_head")
    c.line(_wrap(text_value(row, "sharing"), 80))
    c.row(*both("share_with"), _wrap(text_value(row, "share_with"), 24))
    c.row(*both("share_distance_m"), number(row.get("share_distance_m")))
    c.row(*both("sharing_saving"), number(row.get("sharing_saving")))


def _after(c: _Cursor, page: PageInput) -> None:
    """After the site is built: the command, where it writes, and the drive test's summary."""
    c.heading("after_head")
    vi, en = both("after")
    c.line(f"{vi} / {en}")
    c.line(_wrap(page.measure_command, 120), mono=True)
    w_vi, w_en = both("writes_to", path=page.measure_path)
    c.line(_wrap(f"{w_vi} / {w_en}", 150), size=6, grey=True)
    m = page.measured
    if m is None:
        vi, en = both("not_measured")
    else:
        vi, en = both("measured", points=number(m.get("points")), bias=number(m.get("bias_db"), 1),
                      rmse=number(m.get("rmse_db"), 1))
    c.line(f"{vi} / {en}", bold=True)


def _header(fig: Figure, row: dict[str, Any], n: int, total: int) -> None:
    pid = text_value(row, "proposal_id")
    vi, en = both("title", pid=pid)
    op_vi, op_en = both("operator", operator=text_value(row, "operator"))
    fig.text(0.05, 0.975, f"{vi} — {op_vi}", fontsize=14, fontweight="bold", va="top")
    fig.text(0.05, 0.952, f"{en} — {op_en}", fontsize=9, color=_GREY, va="top")
    p_vi, p_en = purpose_text(row.get("purpose"))
    where, height = place_line(row.get("lon"), row.get("lat")), number(row.get("height_m"))
    fig.text(0.05, 0.936, both("where", place=where, height=height, purpose=p_vi)[0], fontsize=7,
             va="top")
    fig.text(0.05, 0.925, both("where", place=where, height=height, purpose=p_en)[1],
             fontsize=6.5, color=_GREY, va="top")
    note = text_value(row, "note")
    if note != MISSING:
        fig.text(0.95, 0.952, _wrap(note, 60), fontsize=6.5, style="italic", ha="right", va="top")
    fig.text(0.95, 0.975, page_label(n, total), fontsize=6, color=_GREY, ha="right", va="top")


def _verdict(fig: Figure, row: dict[str, Any]) -> None:
    from matplotlib.patches import Rectangle

    value = row.get("verdict")
    colour = _VERDICT_COLOURS.get(str(value), "#eeeeee") if not is_missing(value) else "#eeeeee"
    ax = fig.add_axes((0.05, 0.862, 0.90, 0.05))
    ax.set_axis_off()
    ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, facecolor=colour,
                           edgecolor="#999999", lw=0.6))
    k_vi, k_en = both("verdict")
    v_vi, v_en = verdict_text(value)
    ax.text(0.015, 0.72, f"{k_vi}: {v_vi}", fontsize=11, fontweight="bold", va="center")
    ax.text(0.015, 0.36, f"{k_en}: {v_en}", fontsize=8, color=_GREY, va="center")
    r_vi, r_en = both("reason")
    reason = _wrap(text_value(row, "verdict_reason"), 80)
    ax.text(0.42, 0.5, f"{r_vi} / {r_en}:\n{reason}", fontsize=6.5, va="center")


def draw_page(fig: Figure, problem: SitingProblem, row: dict[str, Any], page: PageInput,
              n: int, total: int) -> None:
    """Lay out proposal ``row``'s page on the empty A4 figure ``fig`` (page ``n`` of ``total``)."""
    _header(fig, row, n, total)
    _verdict(fig, row)
    village = profile_village(problem, page.x, page.y, page.footprint)
    box = (0.05, 0.45, 0.50, 0.385)
    map_ax = fig.add_axes(box)
    title_vi, title_en = both("map_title")
    map_ax.set_title(f"{title_vi} / {title_en}", fontsize=8, loc="left")
    draw_map(map_ax, problem, row, (page.x, page.y), page.footprint, village,
             size_in=(box[2] * A4_IN[0], box[3] * A4_IN[1]))
    _scores(_Cursor(fig, 0.59, 0.95, 0.855), row)
    profile_ax = fig.add_axes((0.09, 0.285, 0.86, 0.115))
    height = float(row.get("height_m") or 0.0)
    draw_profile(profile_ax, problem, (page.x, page.y), height, page.frequency_mhz, village)
    left, right = _Cursor(fig, 0.05, 0.48, 0.215), _Cursor(fig, 0.52, 0.95, 0.215)
    _capacity(left, row)
    _sharing(right, row)
    after = _Cursor(fig, 0.05, 0.95, min(left.y, right.y) - 0.004)
    _after(after, page)
    footer = _Cursor(fig, 0.05, 0.95, 0.036)
    for text, grey in zip(assumptions_line(), (False, True), strict=True):
        footer.line(_wrap(text, 190), size=5, grey=grey)
