"""What a print map's coverage assumes, on the map: the record's lines under the legend and, when
the model is uncalibrated, a red banner above the title (:mod:`netcover.coverage.assumptions`).

Both are outside the map frame (the block under its bottom-left corner, opposite the footer; the
banner as the figure's title), placed by matplotlib's constrained layout, so they hide no data (the
print-map tests check that no marker is covered).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from netcover.core.i18n import Lang, tr
from netcover.core.textsafe import plot_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from netcover.coverage.assumptions import Assumptions

__all__ = ["BANNER_COLOUR", "assumption_text", "stamp_assumptions"]

#: Colour of the "uncalibrated" banner (text and frame).
BANNER_COLOUR = "#b03a2e"
#: Characters per line of the banner and of the assumption lines.
_WIDTH = 95


def assumption_text(assumed: Assumptions, lang: Lang) -> str:
    """The legend's block: a title line, then model, service level, locations, land cover and
    calibration, one a line (long lines wrapped)."""
    lines = [tr("lg_title", lang), *assumed.legend_lines(lang)]
    return "\n".join(textwrap.fill(plot_text(line), _WIDTH, subsequent_indent="    ") for line in lines)


def stamp_assumptions(fig: Figure, assumed: Assumptions, lang: Lang) -> None:
    """Put the assumptions under the legend and, uncalibrated, the banner above the title."""
    ax = fig.axes[0]
    ax.annotate(assumption_text(assumed, lang), xy=(0.0, 0.0), xycoords="axes fraction", xytext=(0, -3),
                textcoords="offset points", ha="left", va="top", fontsize=6.5, linespacing=1.3)
    banner = assumed.banner(lang)
    if banner:
        fig.suptitle(textwrap.fill(f"⚠ {plot_text(banner)}", _WIDTH), color=BANNER_COLOUR, fontsize=8,
                     fontweight="bold",
                     bbox={"facecolor": "#fdecea", "edgecolor": BANNER_COLOUR, "boxstyle": "round,pad=0.4"})
