"""Static print maps (PNG and PDF) of a run: coverage, gaps, site plan and link plan.

Figures are plain :class:`matplotlib.figure.Figure` objects (no pyplot state, so nothing changes
the backend of a notebook or leaks memory). The frame, backdrop and furniture each map shares are
:mod:`netcover.outputs.report.basemap`. :func:`save_figure` writes files atomically and without
creation dates, so the same results give identical files.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from netcover.config.options import MAP_FORMATS, MAP_KINDS, MapFormat, MapKind
from netcover.config.radio import CoverageClass
from netcover.core.files import by_key
from netcover.core.i18n import Lang, tr
from netcover.core.io import atomic_path
from netcover.core.palette import (
    CLASS_OPACITY,
    GAP_COLOUR,
    LINK_COLOURS,
    NEW_SITE_COLOUR,
    UNSERVED_COLOUR,
)
from netcover.outputs.report._furniture import Z_LINES, Z_MARKERS
from netcover.outputs.report.basemap import (
    Backdrop,
    class_handles,
    communes,
    draw_classes,
    existing_sites,
    frame,
    legend,
    marker_points,
    xy,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from PIL import Image

    from netcover.outputs.results import RunFolder

__all__ = [
    "COVERAGE_MAPS", "NEW_SITE_SIZE", "PHASE_STYLES", "PNG_COMPRESS_LEVEL", "PNG_DPI", "POOR_CLASSES",
    "draw_map", "png_bytes", "print_maps", "render_rgb", "save_figure",
]


#: Classes shown on the gap and site-plan maps (no service, weak).
POOR_CLASSES = (int(CoverageClass.NONE), int(CoverageClass.WEAK))
PHASE_STYLES: tuple[Literal["-", "--", ":", "-."], ...] = ("-", "--", ":", "-.")
#: Maps that show coverage classes, so carry the assumptions block and the uncalibrated banner.
COVERAGE_MAPS: tuple[MapKind, ...] = ("coverage", "gaps", "site_plan")
#: Print resolution of the PNGs (the PDFs are vector).
PNG_DPI = 300
#: Marker size (points²) of the new sites.
NEW_SITE_SIZE = 90


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



# ------------------------------------------------------------------------------------ the maps
def _coverage_map(ax: Axes, run: RunFolder, lang: Lang) -> bool:
    r = run.coverage_class()
    if r is None:
        return False
    draw_classes(ax, r, alpha=CLASS_OPACITY)
    handles = class_handles(lang)
    communes(ax, run, lang, handles, marker_points(ax, run, lang))
    existing_sites(ax, run, lang, handles)
    legend(ax, handles)
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
    draw_classes(ax, r, alpha=CLASS_OPACITY, only=POOR_CLASSES)
    handles = class_handles(lang, POOR_CLASSES)
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
    communes(ax, run, lang, handles, marker_points(ax, run, lang, xy(bad)))
    existing_sites(ax, run, lang, handles)
    legend(ax, handles)
    return True


def _site_plan_map(ax: Axes, run: RunFolder, lang: Lang) -> bool:
    from matplotlib.lines import Line2D

    new = run.new_sites()
    if new is None or new.empty:
        return False
    handles: list[object] = []
    r = run.coverage_class()
    if r is not None:
        draw_classes(ax, r, alpha=CLASS_OPACITY, only=POOR_CLASSES)
        handles += class_handles(lang, POOR_CLASSES)
    cands = run.candidate_sites()
    if cands is not None and not cands.empty:
        ax.scatter(cands.geometry.x, cands.geometry.y, s=4, c="0.35", zorder=Z_LINES)
        handles.append(Line2D([], [], marker="o", markersize=3, linestyle="", color="0.35",
                              label=f"{tr('candidates', lang)} ({len(cands)})"))
    _gap_areas(ax, run, lang, handles)
    communes(ax, run, lang, handles, marker_points(ax, run, lang, xy(new)))
    existing_sites(ax, run, lang, handles)
    ax.scatter(new.geometry.x, new.geometry.y, s=NEW_SITE_SIZE, marker="*", c=NEW_SITE_COLOUR,
               edgecolors="black", linewidths=0.6, zorder=Z_MARKERS + 1, gid="new_sites")
    ranks = new["rank"] if "rank" in new.columns else range(1, len(new) + 1)
    for x, y, k in zip(new.geometry.x, new.geometry.y, ranks, strict=True):
        ax.annotate(str(k), (x, y), xytext=(7, 6), textcoords="offset points", fontsize=8,
                    fontweight="bold", zorder=Z_MARKERS + 2, gid="new_site_rank")
    handles.append(Line2D([], [], marker="*", markersize=11, linestyle="",
                          markerfacecolor=NEW_SITE_COLOUR,
                          markeredgecolor="black", label=f"{tr('new_sites', lang)} ({len(new)})"))
    legend(ax, handles)
    return True


def _links_map(ax: Axes, run: RunFolder, lang: Lang) -> bool:
    from matplotlib.lines import Line2D

    links = run.links()
    if links is None or links.empty:
        return False
    handles: list[object] = []
    communes(ax, run, lang, handles, marker_points(ax, run, lang))
    existing_sites(ax, run, lang, handles)
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
    legend(ax, handles)
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
    fig, ax = frame(run, tr(key, lang), lang, data_date, backdrop)
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
