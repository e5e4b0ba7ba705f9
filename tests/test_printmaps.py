"""Print maps keep their data visible: no new-site marker is covered by a label, the north
arrow, the scale bar or the legend (window extents from matplotlib's renderer); PNGs at 300 dpi;
charts compare like with like and state their bins."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

from netcover.outputs.report.basemap import map_extent
from netcover.outputs.report.printmaps import PNG_DPI, draw_map, png_bytes

from .test_report_vi import SIDE, X0, Y0, hand_made_run


def covering_artists(fig: object) -> list[tuple[str, Bbox]]:
    """Window extents of everything drawn over the map that is not data: texts (labels, rank
    numbers of other sites, title, footer), the north arrow, scale-bar boxes, legends."""
    canvas = FigureCanvasAgg(fig)  # type: ignore[arg-type]
    canvas.draw()
    renderer = canvas.get_renderer()
    out: list[tuple[str, Bbox]] = []
    for text in fig.findobj(Text):  # type: ignore[attr-defined]
        if text.get_visible() and text.get_text().strip():
            out.append((f"text {text.get_text()!r}", text.get_window_extent(renderer)))
        if isinstance(text, Annotation) and text.arrow_patch is not None:
            out.append(("north arrow", text.arrow_patch.get_window_extent(renderer)))
    for rect in fig.findobj(Rectangle):  # type: ignore[attr-defined]
        if rect.get_zorder() > 1 and rect.axes is not None and rect.get_width() < 1e5:
            out.append(("scale bar", rect.get_window_extent(renderer)))
    out += [("legend", legend.get_window_extent(renderer)) for legend in fig.legends]  # type: ignore[attr-defined]
    return out


def marker_boxes(fig: object) -> list[Bbox]:
    """Window extents of the new-site markers (centre +- half the marker size)."""
    ax = fig.axes[0]  # type: ignore[attr-defined]
    stars = [c for c in ax.collections if isinstance(c, PathCollection) and c.get_gid() == "new_sites"]
    assert len(stars) == 1, "the new sites are drawn as one scatter with gid 'new_sites'"
    half = np.sqrt(stars[0].get_sizes()[0]) / 2 * fig.dpi / 72  # type: ignore[attr-defined]
    centres = ax.transData.transform(stars[0].get_offsets())
    return [Bbox.from_extents(x - half, y - half, x + half, y + half) for x, y in centres]


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_no_new_site_marker_is_covered(tmp_path: Path, lang: str) -> None:
    # new sites exactly where a commune's label, the north arrow and the scale bar would go
    run = hand_made_run(tmp_path / "run", new_sites=[(X0, Y0)])
    left, bottom, right, top = map_extent(run)
    w, h = right - left, top - bottom
    units = run.units()
    assert units is not None
    middle = units.geometry.iloc[0].representative_point()
    spots = [(middle.x, middle.y), (left + 0.95 * w, bottom + 0.90 * h),
             (left + 0.12 * w, bottom + 0.06 * h), (X0 + 0.75 * SIDE, Y0 + 0.5 * SIDE)]
    run = hand_made_run(tmp_path / "run", new_sites=spots)
    fig = draw_map(run, "site_plan", lang, "2024-Q3")  # type: ignore[arg-type]
    assert fig is not None
    covers = covering_artists(fig)
    stars = marker_boxes(fig)
    assert len(stars) == len(spots)
    for k, star in enumerate(stars, start=1):
        hidden = [name for name, box in covers
                  if box.overlaps(star) and name != f"text {str(k)!r}"]
        assert hidden == [], f"new site #{k} is covered by {hidden}"


def test_pngs_are_for_print() -> None:
    from io import BytesIO

    from matplotlib.figure import Figure
    from PIL import Image

    assert PNG_DPI >= 300
    fig = Figure(figsize=(2.0, 1.0))
    fig.subplots().plot([0, 1])
    with Image.open(BytesIO(png_bytes(fig))) as img:
        assert img.size == (2 * PNG_DPI, PNG_DPI)


def test_commune_chart_is_4g_against_the_4g_target(tmp_path: Path) -> None:
    from netcover.outputs.report.charts import unit_4g_shares, write_charts

    run = hand_made_run(tmp_path / "run")
    shares = unit_4g_shares(run)
    assert shares is not None
    by_name = dict(zip(shares["name"], shares["all_share_covered"], strict=True))
    assert by_name == pytest.approx({"Thị trấn Tam Sơn": 0.998, "Cao Mã Pờ": 0.832})
    written = write_charts(run, tmp_path / "print", "en", "2024-Q3", formats=("png",))
    assert "share_by_commune" in written


def test_signal_histogram_states_its_bin_width() -> None:
    from affine import Affine
    from pyproj import CRS

    from netcover.outputs.report.charts import SIGNAL_BIN_DB, signal_chart
    from netcover.outputs.results import Raster

    values = np.linspace(-120, -70, 400).reshape(20, 20)
    fig = signal_chart({"4G": Raster(values, Affine(30, 0, 0, 0, -30, 0), CRS.from_epsg(32648),
                                      None)}, "vi", "2024-Q3")
    assert f"{SIGNAL_BIN_DB:g} dB" in fig.axes[0].get_xlabel()
    assert "Kỳ số liệu: 2024-Q3" in fig.axes[0].get_xlabel()
