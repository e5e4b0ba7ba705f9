"""The map's legend: one fixed box with a section per kind of layer, plain HTML and CSS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from netcover.core.palette import (
    CLASS_COLOURS,
    CLASS_OPACITY,
    GAP_COLOUR,
    LINK_COLOURS,
    SHARE_OPACITY,
    SIGNAL_OPACITY,
    over_backdrop,
    share_colour,
)
from netcover.core.textsafe import html_text
from netcover.outputs.maps.labels import class_label, label
from netcover.outputs.maps.overlays import SIGNAL_RANGE_DBM, signal_colours

if TYPE_CHECKING:
    from netcover.core.i18n import Lang
    from netcover.coverage.assumptions import Assumptions

__all__ = ["banner_html", "legend_html"]

_BOX = ("position:absolute;bottom:48px;left:10px;z-index:1000;background:rgba(255,255,255,0.92);"
        "padding:6px 9px;border-radius:5px;box-shadow:0 1px 5px rgba(0,0,0,0.4);"
        "font:12px/1.35 sans-serif;max-height:70%;overflow-y:auto")


def _swatch(colour: str, text: str, *, line: str | None = None) -> str:
    style = (f"display:inline-block;width:22px;height:0;border-top:3px {line} {colour};"
             "vertical-align:middle;margin-right:5px") if line else (
        f"display:inline-block;width:14px;height:11px;background:{colour};"
        "vertical-align:middle;margin-right:5px;border:1px solid #777")
    return f"<div><span style='{style}'></span>{html_text(text)}</div>"


def _ramp(colours: Sequence[str], low: str, high: str) -> str:
    """A horizontal colour bar with its end labels."""
    cells = "".join(f"<span style='display:inline-block;width:{140 // len(colours)}px;height:10px;"
                    f"background:{c}'></span>" for c in colours)
    return (f"<div style='white-space:nowrap'>{cells}</div><div style='display:flex;"
            f"justify-content:space-between;width:140px'><span>{html_text(low)}</span>"
            f"<span>{html_text(high)}</span></div>")


def _section(title: str, rows: Sequence[str]) -> str:
    return f"<div style='margin-top:4px'><b>{html_text(title)}</b>{''.join(rows)}</div>"


def legend_html(lang: Lang, *, operators: Mapping[str, str], signal_tech: str | None,
                links: bool, gaps: bool = False, new_sites: bool = False,
                assumptions: Assumptions | None = None) -> str:
    """The legend box: coverage classes, signal scale, gaps, operators, new sites, link types,
    commune shares (each section only when the map has that layer), and what the coverage assumes
    (model, diffraction, service level, location probability, land cover, calibration)."""
    parts = [_section(label("coverage_all", lang),
                      [_swatch(over_backdrop(c, CLASS_OPACITY), class_label(k, lang))
                       for k, c in enumerate(CLASS_COLOURS)])]
    if signal_tech is not None:
        lo, hi, step = SIGNAL_RANGE_DBM
        parts.append(_section(label("signal", lang, tech=signal_tech),
                              [_ramp([over_backdrop(c, SIGNAL_OPACITY) for c in signal_colours()],
                                     f"{lo:.0f}", f"≥ {hi - step:.0f}")]))
    if gaps:
        parts.append(_section(label("gaps", lang), [_swatch(GAP_COLOUR, label("gaps", lang),
                                                             line="dashed")]))
    if operators:
        parts.append(_section(label("sites", lang),
                              [_swatch(c, name) for name, c in operators.items()]))
    if new_sites:
        badge = ("display:inline-block;width:16px;height:16px;border-radius:8px;background:#111;"
                 "color:#fff;font:bold 10px/16px sans-serif;text-align:center;margin-right:5px")
        parts.append(_section(label("new_sites", lang),
                              [f"<div><span style='{badge}'>1</span>{html_text(label('rank', lang))}"
                               "</div>"]))
    if links:
        parts.append(_section(label("links_phase", lang, phase="1, 2, …"),
                              [_swatch(LINK_COLOURS["fibre"], label("fibre", lang), line="solid"),
                               _swatch(LINK_COLOURS["microwave"], label("microwave", lang),
                                       line="dashed")]))
    parts.append(_section(label("communes", lang),
                          [_ramp([over_backdrop(share_colour(k / 10), SHARE_OPACITY) for k in range(11)],
                                 "0 %", "100 %")]))
    if assumptions is not None:
        from netcover.core.i18n import tr

        parts.append(_section(tr("lg_title", lang),
                              [f"<div class='netcover-assumption' style='max-width:260px'>"
                               f"{html_text(line)}</div>" for line in assumptions.legend_lines(lang)]))
    return (f"<div class='netcover-legend' style='{_BOX}'><b>{html_text(label('legend', lang))}"
            f"</b>{''.join(parts)}</div>")


_BANNER = ("position:absolute;top:10px;left:50%;transform:translateX(-50%);z-index:1001;"
           "max-width:60%;background:#fdecea;border:2px solid #b03a2e;color:#7b1d12;"
           "padding:6px 10px;border-radius:5px;font:bold 12px/1.35 sans-serif;"
           "box-shadow:0 1px 5px rgba(0,0,0,0.4)")


def banner_html(text: str) -> str:
    """A warning fixed at the top of the map (the "Uncalibrated model" banner); text escaped."""
    return f"<div class='netcover-banner' role='alert' style='{_BANNER}'>⚠ {html_text(text)}</div>"
