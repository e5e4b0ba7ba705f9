"""The faster ways the outputs are drawn give the same pictures and pages: raster layers of the print
maps sampled at the output pixels (:mod:`netcover.outputs.report._pixels`) against matplotlib's
own drawing, the interactive page rendered without compiling branca's wrappers against folium's
rendering, and raster overlays kept in the cache folder between runs."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from pyproj import CRS
from rasterio.transform import from_origin

from netcover.core.files import Raster
from netcover.core.palette import CLASS_COLOURS
from netcover.outputs.maps import overlays
from netcover.outputs.maps._offline import add_popup, offline_map, render_page
from netcover.outputs.report._pixels import PixelImage, add_pixel_image
from netcover.outputs.report.printmaps import render_rgb


def _fields(rows: int = 130, cols: int = 155) -> tuple[np.ndarray, np.ndarray]:
    """A smooth shade in [0, 1] with a hole (NaN) and classes 0-3 in blobs with a band of NaN."""
    y, x = np.mgrid[0:rows, 0:cols]
    shade = 0.5 + 0.45 * np.sin(x / 9.0) * np.cos(y / 13.0)
    shade[:6, :9] = np.nan
    classes = np.floor(2 + 1.99 * np.sin(x / 17.0 + y / 23.0)).astype("float64")
    classes[60:70, :] = np.nan
    return shade, classes


def _figure(pixels: bool, size: tuple[float, float]) -> Figure:
    shade, classes = _fields()
    fig = Figure(figsize=size)
    ax = fig.subplots()
    show = add_pixel_image if pixels else (lambda a, v, **k: a.imshow(v, **k))
    extent = (1000.0, 1000.0 + 155 * 30, 5000.0, 5000.0 + 130 * 30)
    show(ax, shade, extent=extent, cmap="gray", vmin=0, vmax=1, interpolation="bilinear", zorder=0)
    show(ax, classes, extent=extent, cmap=ListedColormap(CLASS_COLOURS), vmin=-0.5, vmax=3.5,
         alpha=0.55, interpolation="nearest", zorder=1)
    ax.set_xlim(800.0, 5400.0)  # the map's frame cuts the rasters on two sides, shows margin on two
    ax.set_ylim(5100.0, 9100.0)
    return fig


@pytest.mark.parametrize(("size", "dpi"), [((9.0, 8.0), 300), ((4.0, 3.5), 300), ((6.0, 5.0), 97)])
def test_pixel_images_draw_the_picture_matplotlib_draws(size: tuple[float, float], dpi: int) -> None:
    ours = np.asarray(render_rgb(_figure(True, size), dpi=dpi)).astype(int)
    theirs = np.asarray(render_rgb(_figure(False, size), dpi=dpi)).astype(int)
    assert ours.shape == theirs.shape
    worst = np.abs(ours - theirs).max(axis=-1)
    # the same colours; only pixels on a cell edge may fall on the other side (sampling at the
    # pixel centres, where matplotlib's filter is offset by a fraction of a pixel)
    assert np.abs(ours - theirs).mean() < 2.0
    assert (worst > 8).mean() < 0.03


def test_pixel_images_are_pixel_images_and_draw_pdfs_as_matplotlib() -> None:
    fig = _figure(True, (4.0, 3.5))
    assert all(isinstance(im, PixelImage) for im in fig.axes[0].images)
    pdfs = []
    for pixels in (True, False):
        buf = io.BytesIO()
        _figure(pixels, (4.0, 3.5)).savefig(buf, format="pdf", metadata={"CreationDate": None})
        pdfs.append(buf.getvalue())
    assert pdfs[0] == pdfs[1]


def test_the_layout_pass_before_a_pdf_makes_no_image(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[bool] = []
    make = PixelImage.make_image

    def counted(self: PixelImage, renderer: object, *args: object, **kwargs: object) -> object:
        image = make(self, renderer, *args, **kwargs)  # type: ignore[arg-type]
        made.append(image[0] is not None)
        return image

    monkeypatch.setattr(PixelImage, "make_image", counted)
    pdfs = []
    for pixels in (True, False):
        fig = _figure(pixels, (4.0, 3.5))
        fig.set_layout_engine("constrained")  # as the print maps: savefig lays out first
        buf = io.BytesIO()
        fig.savefig(buf, format="pdf", metadata={"CreationDate": None})
        pdfs.append(buf.getvalue())
    assert pdfs[0] == pdfs[1]
    assert made == [False, False, True, True]  # the layout pass, then the PDF's two images


def test_an_image_outside_the_frame_draws_nothing() -> None:
    fig = Figure(figsize=(3.0, 3.0))
    ax = fig.subplots()
    add_pixel_image(ax, np.ones((4, 4)), extent=(0, 1, 0, 1), cmap="gray", vmin=0, vmax=1)
    ax.set_xlim(5, 6)
    ax.set_ylim(5, 6)
    white = np.asarray(render_rgb(fig, dpi=50))
    inside = white[20:-20, 20:-20]  # inside the axes frame
    assert (inside == 255).all()


def test_the_offline_page_renders_as_folium_renders_it() -> None:
    def page(fast: bool) -> str:
        import folium

        m = offline_map(location=[23.1, 104.9], zoom_start=11, tiles=None)
        for k in range(5):
            marker = folium.CircleMarker([23.1 + k / 100, 104.9], radius=4,
                                         tooltip=f"site {k} {{braces}} %").add_to(m)
            add_popup(marker, f"<b>site {k}</b>\r\nline two\n")
        import re

        text = render_page(m) if fast else m.get_root().render()
        return re.sub(r"_[0-9a-f]{32}", "_id", text)

    assert page(True) == page(False)


def test_the_page_renders_where_branca_lacks_the_internals_it_speeds_up(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    import folium

    from netcover.outputs.maps import _offline

    m = offline_map(location=[23.1, 104.9], zoom_start=11, tiles=None)
    folium.CircleMarker([23.1, 104.9], radius=4, tooltip="site").add_to(m)
    monkeypatch.setattr(_offline, "_branca_internals", lambda _module: (None, None))
    text = render_page(m)  # a branca release without Template or _camelify: the ordinary way
    assert "L.circleMarker(" in text
    assert re.sub(r"_[0-9a-f]{32}", "_id", text) == re.sub(r"_[0-9a-f]{32}", "_id",
                                                          m.get_root().render())


def test_overlays_are_kept_in_the_cache_folder_between_runs(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    values = np.arange(60 * 80, dtype="uint8").reshape(60, 80) % 4
    raster = Raster(values, from_origin(500000.0, 2560000.0, 30.0, 30.0), CRS.from_epsg(32648), 255)
    made: list[int] = []
    real = overlays._class_overlay

    def counted(*args: object) -> overlays.Overlay:
        made.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(overlays, "_class_overlay", counted)
    monkeypatch.setattr(overlays, "_KEPT", type(overlays._KEPT)())
    with overlays.stored_in(tmp_path / "cache"):
        first = overlays.class_overlay(raster)
    overlays._KEPT.clear()  # a new process
    with overlays.stored_in(tmp_path / "cache"):
        again = overlays.class_overlay(raster)
        other = overlays.class_overlay(Raster((values + 1) % 4, raster.transform, raster.crs, 255))
    assert again == first and len(made) == 2 and other != first
    overlays._KEPT.clear()
    assert overlays.class_overlay(raster) == first and len(made) == 3  # outside: not stored


def test_a_grey_image_is_sampled_in_two_channels_to_the_same_bytes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from netcover.outputs.report import _pixels

    is_grey = _pixels._is_grey
    assert is_grey(np.full((2, 3, 4), 7, dtype=np.uint8))
    assert not is_grey(np.array([[[1, 2, 1, 255]]], dtype=np.uint8))
    seen: list[bool] = []
    monkeypatch.setattr(_pixels, "_is_grey", lambda c: seen.append(is_grey(c)) or seen[-1])
    fast = np.asarray(render_rgb(_figure(True, (4.0, 3.5)), dpi=150))
    assert seen == [True]  # the hillshade (the classes are sampled nearest, not interpolated)
    monkeypatch.setattr(_pixels, "_is_grey", lambda _colours: False)
    every = np.asarray(render_rgb(_figure(True, (4.0, 3.5)), dpi=150))
    assert np.array_equal(fast, every)


def test_the_reports_screen_copies_are_kept_by_the_bytes_they_copy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    from netcover.outputs.report import document

    pngs = []
    for k, shade in enumerate((90, 91)):
        buf = io.BytesIO()
        Image.new("RGB", (300, 120), (shade, 120, 200)).save(buf, format="png")
        pngs.append(tmp_path / f"map_{k}.png")
        pngs[-1].write_bytes(buf.getvalue())
    made: list[int] = []
    real = document._screen_png

    def counted(data: bytes, max_px: int) -> bytes:
        made.append(max_px)
        return real(data, max_px)

    monkeypatch.setattr(document, "_screen_png", counted)
    plain = document.data_uri(pngs[0], max_px=100)  # outside a cache folder: made every time
    with overlays.stored_in(tmp_path / "cache"):
        first = document.data_uri(pngs[0], max_px=100)
    with overlays.stored_in(tmp_path / "cache"):
        again = document.data_uri(pngs[0], max_px=100)
        other = document.data_uri(pngs[1], max_px=100)
    assert plain == first == again and other != first
    assert made == [100, 100, 100]  # the second copy of the first map was read back
    with Image.open(io.BytesIO(base64.b64decode(first.split(",", 1)[1]))) as small:
        assert small.size == (100, 40)
