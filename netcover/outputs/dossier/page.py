"""One dossier page: an A4 portrait figure laid out for one proposal.

From the top: the proposal's name, place and purpose; the verdict with its reason on a band
coloured by the verdict; the map (left) beside the scores (own network and market), cost and the
better place (right); the terrain profile; then capacity, sharing and what to do after the site
is built (the ``netcover monitor measurements`` command, where it writes, and the drive test's
bias and RMSE once it has run); the footer says what the figures assume. Every label is
Vietnamese with the English under or beside it (:mod:`netcover.outputs.dossier.text`); a value
the scores table lacks reads "—".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from netcover.outputs.dossier.layout import LEADING, Column, fit
from netcover.outputs.dossier.panels import draw_map, draw_profile, profile_village
from netcover.outputs.dossier.text import (
    MISSING,
    assumptions_line,
    both,
    explained,
    id_list,
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

__all__ = ["A4_IN", "BOXES", "CAPACITY_PURPOSES", "PageInput", "draw_page"]

#: A4 portrait in inches (210 x 297 mm: 595 x 842 PDF points).
A4_IN = (210 / 25.4, 297 / 25.4)
#: Purposes whose page shows the capacity effect.
CAPACITY_PURPOSES = ("capacity", "both")
_VERDICT_COLOURS = {"recommended": "#d8f0d2", "recommended with changes": "#fff1c1",
                    "not recommended": "#f8d3d3"}
_GREY = "#555555"


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


#: The page's fixed boxes (left, right, top, bottom in figure fractions): nothing drawn in one
#: reaches into another, whatever the length of its text.
BOXES: dict[str, tuple[float, float, float, float]] = {
    "title": (0.05, 0.80, 0.975, 0.950), "page": (0.82, 0.95, 0.975, 0.960),
    "subtitle": (0.05, 0.56, 0.952, 0.910), "note": (0.58, 0.95, 0.952, 0.910),
    "verdict": (0.05, 0.95, 0.905, 0.853), "verdict_title": (0.06, 0.46, 0.901, 0.857),
    "reason": (0.48, 0.94, 0.901, 0.857), "map": (0.05, 0.55, 0.830, 0.475),
    "scores": (0.59, 0.95, 0.847, 0.450), "profile": (0.09, 0.95, 0.415, 0.345),
    "capacity": (0.05, 0.48, 0.280, 0.146), "sharing": (0.52, 0.95, 0.280, 0.146),
    "after": (0.05, 0.95, 0.140, 0.074), "footer": (0.05, 0.95, 0.070, 0.006),
}


def _column(fig: Figure, name: str) -> Column:
    return Column(fig, BOXES[name])


def _scores(c: Column, row: dict[str, Any]) -> None:
    """The right column: scores (own network | market), cost and the better place."""
    c.heading("scores")
    own_vi, own_en = both("own")
    market_vi, market_en = both("market")
    c.row("", "", f"{market_vi}\n{market_en}", own=f"{own_vi}\n{own_en}", size=6.5)
    for key, own in (("new_people", "new_people_own"), ("new_households", "new_households_own")):
        c.row(*both(key), number(row.get(key)), own=number(row.get(own)))
    c.row(*both("people_in_footprint"), number(row.get("people_in_footprint")))
    c.row(*both("overlap_share"), share(row.get("overlap_share")))
    c.row(*both("screening"), number(row.get("screening_new_people")))
    c.row(*both("gaps_closed"), text_value(row, "gaps_closed"))
    c.down(4)
    c.heading("cost_head")
    c.row(*both("cost"), number(row.get("cost")))
    site = text_value(row, "added_to_site")
    if site != MISSING:  # a capacity proposal on an existing mast: the cost of that addition
        vi, en = both("cost_added", site=site)
        c.line(vi, size=6)
        c.line(en, size=5.5, grey=True)
    c.row(*both("cost_per_new_person"), number(row.get("cost_per_new_person")))
    c.down(4)
    c.heading("better_head")
    _explanation(c, row.get("advice"))
    c.row(*both("better_new_people"), number(row.get("better_new_people")))
    c.row(*both("extra_people"), number(row.get("extra_people")))


def _explanation(c: Column, value: object) -> None:
    """An explanation of the scores table (:func:`explained`): Vietnamese, then English in grey
    under it (one without a Vietnamese wording is written once)."""
    vi, en = explained(value)
    c.line(vi)
    if en != vi:
        c.line(en, size=6, grey=True)


def _before_after(row: dict[str, Any], before: str, after: str, decimals: int = 1,
                  *, as_share: bool = False) -> str:
    if as_share:
        return f"{share(row.get(before))} → {share(row.get(after))}"
    return f"{number(row.get(before), decimals)} → {number(row.get(after), decimals)}"


def _capacity(c: Column, row: dict[str, Any]) -> None:
    c.heading("capacity_head")
    if str(row.get("purpose") or "coverage") not in CAPACITY_PURPOSES:
        vi, en = both("no_capacity")
        c.line(vi)
        c.line(en, size=6, grey=True)
        return
    c.row(*both("users_offloaded"), number(row.get("users_offloaded")))
    c.row(*both("cells_offloaded"), id_list(row.get("cells_offloaded")))
    c.row(*both("load"), _before_after(row, "load_before", "load_after", as_share=True))
    c.row(*both("throughput"), _before_after(row, "throughput_before_mbps",
                                             "throughput_after_mbps"))


def _sharing(c: Column, row: dict[str, Any], distance_m: float) -> None:
    """Sharing: the suggestion, or that no other operator's mast or proposal is near enough."""
    c.heading("sharing_head")
    partner = text_value(row, "share_with")
    if partner == MISSING:
        vi, en = both("no_sharing", distance=number(distance_m))
        c.line(vi)
        c.line(en, size=6, grey=True)
    else:
        _explanation(c, row.get("sharing"))
    c.row(*both("share_with"), partner)
    c.row(*both("share_distance_m"), number(row.get("share_distance_m")))
    c.row(*both("sharing_saving"),
          MISSING if partner == MISSING else number(row.get("sharing_saving")))


def _after(c: Column, page: PageInput) -> None:
    """After the site is built: the command, where it writes, and the drive test's summary."""
    c.heading("after_head")
    vi, en = both("after")
    m = page.measured
    if m is None:
        r_vi, r_en = both("not_measured")
    else:
        r_vi, r_en = both("measured", points=number(m.get("points")),
                          bias=number(m.get("bias_db"), 1), rmse=number(m.get("rmse_db"), 1))
    c.line(f"{r_vi} / {r_en}", bold=True)  # first: the box cuts what does not fit from the end
    c.line(f"{vi} / {en}")
    c.line(page.measure_command, mono=True)
    w_vi, w_en = both("writes_to", path=page.measure_path)
    c.line(f"{w_vi} / {w_en}", size=6, grey=True)


def _header(fig: Figure, row: dict[str, Any], n: int, total: int) -> None:
    pid = text_value(row, "proposal_id")
    vi, en = both("title", pid=pid)
    op_vi, op_en = both("operator", operator=text_value(row, "operator"))
    title = _column(fig, "title")
    title.line(f"{vi} — {op_vi}", size=14, bold=True)
    note = text_value(row, "note")
    box = BOXES["subtitle"]
    sub = Column(fig, box if note != MISSING else (box[0], *BOXES["note"][1:]))  # whole width
    sub.line(f"{en} — {op_en}", size=9, grey=True)
    p_vi, p_en = purpose_text(row.get("purpose"))
    where, height = place_line(row.get("lon"), row.get("lat")), number(row.get("height_m"))
    sub.line(both("where", place=where, height=height, purpose=p_vi)[0], size=7)
    sub.line(both("where", place=where, height=height, purpose=p_en)[1], size=6.5, grey=True)
    if note != MISSING:
        box = BOXES["note"]
        lines, size = fit(note, (box[1] - box[0]) * A4_IN[0] * 72.0,
                          (box[2] - box[3]) * A4_IN[1] * 72.0, 6.5)
        fig.text(box[1], box[2], "\n".join(lines), fontsize=size, style="italic", ha="right",
                 va="top", linespacing=LEADING)
    fig.text(BOXES["page"][1], BOXES["page"][2], page_label(n, total), fontsize=6, color=_GREY,
             ha="right", va="top")


def _verdict(fig: Figure, row: dict[str, Any]) -> None:
    """The verdict band: the verdict (shrunk to its box) on the left, its reason on the right."""
    from matplotlib.patches import Rectangle

    value = row.get("verdict")
    colour = _VERDICT_COLOURS.get(str(value), "#eeeeee") if not is_missing(value) else "#eeeeee"
    left, right, top, bottom = BOXES["verdict"]
    fig.add_artist(Rectangle((left, bottom), right - left, top - bottom, transform=fig.transFigure,
                             facecolor=colour, edgecolor="#999999", lw=0.6, zorder=0))
    k_vi, k_en = both("verdict")
    v_vi, v_en = verdict_text(value)
    title = _column(fig, "verdict_title")
    title.line(f"{k_vi}: {v_vi}", size=11, bold=True)
    title.line(f"{k_en}: {v_en}", size=8, grey=True)
    r_vi, r_en = both("reason")
    reason = _column(fig, "reason")
    vi, en = explained(row.get("verdict_reason"))
    reason.line(f"{r_vi}: {vi}", size=6.5)
    if en != vi:
        reason.line(f"{r_en}: {en}", size=6, grey=True)


def _footer(fig: Figure, problem: SitingProblem) -> None:
    """The footer in its own band at the foot of the page: what the figures are, and what the
    coverage they are counted on assumes (model, median service level, land cover, calibration:
    :class:`~netcover.coverage.assumptions.Assumptions`, as the scores table's ``assumed_*``
    columns)."""
    from netcover.config.service import MEDIAN_SERVICE
    from netcover.coverage.assumptions import Assumptions

    record = Assumptions.of_inputs(problem.inputs, service=MEDIAN_SERVICE)
    footer = _column(fig, "footer")
    lines = assumptions_line((record.sentence("vi"), record.sentence("en")))
    for text, grey in zip(lines, (False, True), strict=True):
        footer.line(text, size=5, grey=grey)


def draw_page(fig: Figure, problem: SitingProblem, row: dict[str, Any], page: PageInput,
              n: int, total: int) -> None:
    """Lay out proposal ``row``'s page on the empty A4 figure ``fig`` (page ``n`` of ``total``),
    each part in its box of :data:`BOXES`."""
    _header(fig, row, n, total)
    _verdict(fig, row)
    village = profile_village(problem, page.x, page.y, page.footprint)
    left, right, top, bottom = BOXES["map"]
    map_ax = fig.add_axes((left, bottom, right - left, top - bottom))
    title_vi, title_en = both("map_title")
    map_ax.set_title(f"{title_vi} / {title_en}", fontsize=8, loc="left")
    draw_map(map_ax, problem, row, (page.x, page.y), page.footprint, village,
             size_in=((right - left) * A4_IN[0], (top - bottom) * A4_IN[1]))
    _scores(_column(fig, "scores"), row)
    left, right, top, bottom = BOXES["profile"]
    profile_ax = fig.add_axes((left, bottom, right - left, top - bottom))
    height = float(row.get("height_m") or 0.0)
    draw_profile(profile_ax, problem, (page.x, page.y), height, page.frequency_mhz, village)
    _capacity(_column(fig, "capacity"), row)
    _sharing(_column(fig, "sharing"), row, _sharing_distance(problem, row))
    _after(_column(fig, "after"), page)
    _footer(fig, problem)


def _sharing_distance(problem: SitingProblem, row: dict[str, Any]) -> float:
    """The sharing distance the scores assumed (their column), else the settings'."""
    value = row.get("assumed_sharing_distance_m")
    if value is not None and not is_missing(value):
        return float(value)
    return float(problem.settings.sharing_distance_m)
