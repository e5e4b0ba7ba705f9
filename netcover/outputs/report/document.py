"""The report of a run: one self-contained HTML file (images embedded as data URIs), the same in
Markdown, and its tables as CSV, in English or Vietnamese.

Sections (each only when the run has its data): summary figures, maps and charts, coverage by
commune, gaps, ranked new sites, ranked links, proposal assessments, indicators against targets,
data files. Every number is read from the results folder. How each table's columns are shown
(their kinds, rounding and translation) is :mod:`netcover.outputs.report.tables`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netcover.config.service import MEDIAN_SERVICE
from netcover.core.files import at, by_key
from netcover.core.i18n import Lang, column, fmt_number, fmt_share, listing_text, tr
from netcover.core.record import stamp_table
from netcover.core.textformat import markdown_table
from netcover.core.textsafe import html_text
from netcover.outputs.report.export import slug, write_workbook
from netcover.outputs.report.tables import (
    GAPS,
    LINK_ASSUMPTIONS,
    LINKS,
    MAX_ROWS,
    MONITORING,
    PROPOSALS,
    SITES,
    TERMINALS,
    Kind,
    currency,
    english_only,
    in_currency,
    raw,
    shown,
    unit_spec,
)

if TYPE_CHECKING:
    import pandas as pd

    from netcover.coverage.assumptions import Assumptions
    from netcover.outputs.results import RunFolder

__all__ = [
    "EMBED_MAX_PX", "Section", "build_sections", "data_uri", "render_html", "render_markdown",
    "summary_figures", "write_report",
]


@dataclass(frozen=True)
class Section:
    """One section of the report: a heading key, an optional note, table and images."""

    key: str
    table: pd.DataFrame | None = None
    csv: str | None = None
    note: str = ""
    images: tuple[Path, ...] = field(default_factory=tuple)
    items: tuple[str, ...] = field(default_factory=tuple)
    banner: str = ""


def summary_figures(run: RunFolder, lang: Lang) -> pd.DataFrame:
    """Item / value table of the run's headline figures."""
    import pandas as pd

    summary = run.summary()
    rows = [*_input_rows(summary, lang), *_headline_rows(summary.get("coverage_headline", {}), lang),
            *_coverage_rows(run.unit_coverage(), lang), *_plan_rows(run, lang)]
    return pd.DataFrame(rows, columns=[tr("item", lang), tr("value", lang)])


def _n(value: Any, lang: Lang, decimals: int = 0) -> str:
    return fmt_number(float(value), lang, decimals)


def _input_rows(s: Mapping[str, Any], lang: Lang) -> list[tuple[str, str]]:
    """Headline figures of the inputs: area, heights, communes, people, households, villages, sites."""
    rows: list[tuple[str, str]] = []
    dem = s.get("dem", {})
    units, villages, sites = s.get("units", {}), s.get("settlements", {}), s.get("sites", {})
    if units:  # the units' area; the DEM extends beyond the district by its margin
        rows.append((tr("fig_area", lang), _n(units["area_km2"], lang, 1)))
    if dem:
        rows.append((tr("fig_elevation", lang), f"{_n(dem['min_m'], lang)} - {_n(dem['max_m'], lang)}"))
    if units:
        rows.append((tr("fig_communes", lang), _n(units["count"], lang)))
        if "population" in units:
            rows.append((tr("fig_people", lang), _n(units["population"], lang)))
    if villages:
        if villages.get("households") is not None:
            rows.append((tr("fig_households", lang), _n(villages["households"], lang)))
        rows.append((tr("fig_settlements", lang), _n(villages["count"], lang)))
    if sites:
        rows.append((tr("fig_sites", lang), f"{_n(sites['sites'], lang)} ({_n(sites['cells'], lang)})"))
    return rows


def _headline_rows(headline: Mapping[str, Any], lang: Lang) -> list[tuple[str, str]]:
    """The headline share (``[coverage] headline_service``, outdoor at 90 % of locations by default)
    and the indoor one beside it, each at its service level and with its 80 % range."""
    rows: list[tuple[str, str]] = []
    for key in ("headline", "indoor"):
        fig = headline.get(key, {})
        if "share_people_covered" not in fig:
            continue
        level = fig["label_vi"] if lang == "vi" else fig["label"]
        value = tr("fig_share_range", lang, share=fmt_share(fig["share_people_covered"], lang),
                   low=fmt_share(fig["low"], lang), high=fmt_share(fig["high"], lang))
        rows.append((tr("fig_share_covered_at", lang, level=level), value))
    return rows


def _coverage_rows(cov: pd.DataFrame | None, lang: Lang) -> list[tuple[str, str]]:
    """Headline coverage figures from the per-unit table: people and households covered."""
    rows: list[tuple[str, str]] = []
    if cov is None or not len(cov):
        return rows
    if "all_share_covered" in cov:  # people known
        people = float(cov["people"].sum())
        covered = float((cov["all_share_covered"] * cov["people"]).sum())
        rows += [(tr("fig_people_covered", lang), _n(covered, lang)),
                 (tr("fig_share_covered_at", lang, level=MEDIAN_SERVICE.label(lang)),
                  fmt_share(covered / people if people else 0.0, lang))]
    if "all_households_covered" in cov:  # settlements known
        hh = cov["households"].sum(min_count=len(cov))  # NaN when any unit's households are unknown
        if hh > 0:
            rows.append((tr("fig_households_covered", lang),
                         fmt_share(float(cov["all_households_covered"].sum() / hh), lang)))
        rows.append((tr("fig_villages_unserved", lang),
                     _n(cov["all_villages_without_service"].sum(), lang)))
    return rows


def _plan_rows(run: RunFolder, lang: Lang) -> list[tuple[str, str]]:
    """Headline figures of the plans: new sites, links (count and cost), proposals."""
    rows: list[tuple[str, str]] = []
    for key, table in (("fig_new_sites", run.site_plan()), ("fig_links", run.ranked_links())):
        if table is not None:
            rows.append((tr(key, lang, currency=currency(table)),
                         f"{_n(len(table), lang)} ({_n(table['cost'].sum(), lang)})"))
    proposals = run.proposals()
    if proposals is not None:
        rows.append((tr("fig_proposals", lang), _n(len(proposals), lang)))
    return rows


def _table_sections(run: RunFolder, lang: Lang, assumed: Assumptions | None = None,
                    ) -> list[tuple[Section, pd.DataFrame]]:
    """The table sections the run has data for, each with its CSV content; the coverage table says
    what it assumes (``assumed``: the sentence in its note, the banner when uncalibrated, the
    record as constant columns of its CSV)."""
    monitoring = run.monitoring()
    if monitoring is not None and (monitoring["unit"] == "District").any():
        monitoring = monitoring[monitoring["unit"] == "District"]
    sources: list[tuple[str, str, pd.DataFrame | None, Callable[[pd.DataFrame], dict[str, Kind]], str]] = [
        ("sec_units", "coverage_by_commune", run.unit_coverage(), unit_spec,
         f"{tr('units_note', lang)} {assumed.sentence(lang) if assumed else ''}".strip()),
        ("sec_gaps", "gaps", run.gaps(), lambda _df: GAPS, ""),
        ("sec_sites", "ranked_sites", run.site_plan(), lambda _df: SITES, ""),
        ("sec_links", "ranked_links", in_currency(run.ranked_links(), "cost"),
         lambda _df: LINKS, ""),
        ("sec_link_terminals", "link_terminals",
         in_currency(run.table("links_terminals"), "npv", run.ranked_links()),
         lambda _df: english_only(TERMINALS, lang, "why"), ""),
        ("sec_link_assumptions", "link_assumptions", run.table("links_assumptions"),
         lambda _df: english_only(LINK_ASSUMPTIONS, lang, "source"), ""),
        ("sec_proposals", "proposals", run.proposals(), lambda _df: PROPOSALS, ""),
        ("sec_monitoring", "monitoring", monitoring, lambda _df: MONITORING, ""),
    ]
    out = []
    for key, name, df, spec_of, note in sources:
        if df is None:
            continue
        spec = spec_of(df)
        table: pd.DataFrame | None = shown(df.head(MAX_ROWS), spec, lang)
        if df.empty:
            note, table = f"{note} {tr('no_rows', lang)}".strip(), None
        elif len(df) > MAX_ROWS:
            note = f"{note} {tr('rows_shown', lang, shown=MAX_ROWS, total=len(df))}".strip()
        csv = by_key("report_table").of(table=name, lang=lang).relative
        said = assumed if key == "sec_units" else None
        csv_table = stamp_table(raw(df, spec, lang), said.table_columns(lang) if said else None)
        out.append((Section(key, table, csv, note, banner=_banner(said, lang)), csv_table))
    return out


def _banner(assumed: Assumptions | None, lang: Lang) -> str:
    return (assumed.banner(lang) or "") if assumed is not None else ""


def build_sections(run: RunFolder, lang: Lang, images: Sequence[Path] = (),
                   files: pd.DataFrame | None = None) -> tuple[list[Section], dict[str, pd.DataFrame]]:
    """The report's sections and the CSV tables (relative name -> table) behind them."""
    from netcover.outputs.report._context import assumptions, note_text, record_of, scenario_of

    scenario = scenario_of(run)
    coverage = run.unit_coverage() is not None or run.file(by_key("class")) is not None
    assumed = record_of(run, scenario)[0] if coverage else None
    sections = [Section("sec_summary", summary_figures(run, lang),
                        note=assumptions(run, lang, scenario) if coverage else "",
                        banner=_banner(assumed, lang))]
    if images:
        sections.append(Section("sec_maps", images=tuple(images)))
    tables: dict[str, pd.DataFrame] = {}
    for section, csv_table in _table_sections(run, lang, assumed):
        sections.append(section)
        assert section.csv is not None
        tables[section.csv] = csv_table
    notes = [note_text(n, lang) for n in run.notes()]
    sections.append(Section("sec_notes", items=tuple(notes) or (tr("no_notes", lang),)))
    if files is not None and len(files):
        listing = files.assign(layer=[listing_text(str(v), lang) for v in files["layer"]])
        sections.append(Section("sec_files", listing.rename(columns=lambda c: column(str(c), lang)),
                                note=tr("files_note", lang)))
    return sections, tables


def render_markdown(sections: Sequence[Section], title: str, lang: Lang, data_date: str,
                    base: Path) -> str:
    """The report in Markdown; images are linked relative to ``base`` (the report's folder)."""
    lines = [f"# {title}", "", tr("report_intro", lang), "", tr("data_date", lang, date=data_date), ""]
    for sec in sections:
        lines += [f"## {tr(sec.key, lang)}", ""]
        if sec.banner:
            lines += [f"> **⚠ {sec.banner}**", ""]
        if sec.note:
            lines += [sec.note, ""]
        if sec.items:
            lines += [*(f"- {item}" for item in sec.items), ""]
        for k, img in enumerate(sec.images, start=1):
            lines += [f"![{tr('figure', lang)} {k}]({img.relative_to(base).as_posix()})", ""]
        if sec.table is not None:
            lines += [markdown_table(sec.table), ""]
        if sec.csv:
            lines += [f"CSV: `{sec.csv}`", ""]
    return "\n".join(lines)


_CSS = """body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}table{border-collapse:collapse;font-size:.85em;margin:.5em 0 1.5em}th,td{border:1px solid #bbb;
padding:.2em .5em;text-align:left}th{background:#eee}img{max-width:100%;border:1px solid #ccc;
margin:.5em 0}h1{font-size:1.5em}h2{border-bottom:2px solid #1a9641;padding-bottom:.2em}.note{color:#555}
.banner{background:#fdecea;border:2px solid #c0392b;color:#7b1d12;font-weight:bold;padding:.6em .9em;
margin:.8em 0}"""


def _html_table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html_text(c)}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{html_text(v)}</td>" for v in rec) + "</tr>"
                   for rec in df.itertuples(index=False, name=None))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


#: Widest image (pixels) embedded in the HTML report; the print PNGs beside it keep their 300 dpi.
EMBED_MAX_PX = 1400


def data_uri(path: Path, max_px: int = EMBED_MAX_PX) -> str:
    """A PNG file as a ``data:`` URI, scaled down to at most ``max_px`` wide for the screen (inside
    :func:`~netcover.outputs.maps.overlays.stored_in`, the scaled PNG of the same file's bytes is
    kept in the cache folder: a report made again shows the print maps that did not change)."""
    from netcover.outputs.maps.overlays import stored_png
    from netcover.outputs.reuse import file_digest

    key = f"embed:{_EMBED_VERSION}:{max_px}:{file_digest(path)}"
    return "data:image/png;base64," + base64.b64encode(
        stored_png(key, lambda: _screen_png(path.read_bytes(), max_px))).decode("ascii")


#: Bump when :func:`_screen_png` makes other bytes of the same PNG, so kept ones are not reused.
_EMBED_VERSION = "1"


def _screen_png(data: bytes, max_px: int) -> bytes:
    """PNG bytes scaled down to at most ``max_px`` wide (as they are if they are not wider)."""
    import io

    from PIL import Image

    from netcover.outputs.report.printmaps import PNG_COMPRESS_LEVEL

    with Image.open(io.BytesIO(data)) as img:
        if img.width <= max_px:
            return data
        small = img.convert("RGB").resize((max_px, round(img.height * max_px / img.width)),
                                          Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    small.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(
        buf, format="png", compress_level=PNG_COMPRESS_LEVEL)
    return buf.getvalue()


def render_html(sections: Sequence[Section], title: str, lang: Lang, data_date: str) -> str:
    """The report as one self-contained HTML page (images embedded, no outside reference)."""
    e = html_text
    parts = [f"<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">",
             f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{e(title)}</h1><p>{e(tr('report_intro', lang))}</p>",
             f"<p class=\"note\">{e(tr('data_date', lang, date=data_date))}</p>"]
    for sec in sections:
        parts.append(f"<h2>{e(tr(sec.key, lang))}</h2>")
        if sec.banner:
            parts.append(f"<div class=\"banner\" role=\"alert\">⚠ {e(sec.banner)}</div>")
        if sec.note:
            parts.append(f"<p class=\"note\">{e(sec.note)}</p>")
        if sec.items:
            parts.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in sec.items) + "</ul>")
        for k, img in enumerate(sec.images, start=1):
            parts.append(f"<img src=\"{data_uri(img)}\" alt=\"{e(tr('figure', lang))} {k}\">")
        if sec.table is not None:
            parts.append(_html_table(sec.table))
        if sec.csv:
            parts.append(f"<p class=\"note\">CSV: {e(sec.csv)}</p>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_report(run: RunFolder, out_dir: Path, lang: Lang, data_date: str, *,
                 images: Sequence[Path] = (), files: pd.DataFrame | None = None) -> list[Path]:
    """Write ``report_<lang>.html``, ``report_<lang>.md`` and ``tables/*_<lang>.csv`` into ``out_dir``.

    ``images`` are PNG files (under ``out_dir``) shown in the maps section; ``files`` lists the
    data files (see :func:`netcover.outputs.report.export.file_listing`).
    """
    sections, tables = build_sections(run, lang, images, files)
    title = tr("report_title", lang, scenario=run.summary().get("scenario", run.path.name))
    written = [at(name).write_in_run(out_dir, table) for name, table in tables.items()]
    if tables:  # the same tables in one workbook, a sheet each
        sheets = {Path(name).stem.removesuffix(f"_{lang}"): table for name, table in tables.items()}
        workbook = by_key("report_workbook").of(slug=slug(run.slug), lang=lang)
        written.append(write_workbook(workbook.in_run(out_dir), sheets))
    written.append(by_key("report_md").of(lang=lang).write_in_run(
        out_dir, render_markdown(sections, title, lang, data_date, out_dir)))
    written.append(by_key("report_html").of(lang=lang).write_in_run(
        out_dir, render_html(sections, title, lang, data_date)))
    return written
