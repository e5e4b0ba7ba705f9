"""The offline interactive map and the KMZ, on the miniature district's run."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pytest
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pyproj import CRS

from netcover.core.palette import CLASS_COLOURS
from netcover.data.terrain import hillshade
from netcover.errors import InputError
from netcover.outputs.maps import build_map, write_kmz
from netcover.outputs.maps._offline import external_references, leaflet_css, leaflet_js
from netcover.outputs.maps.kmz import KML_NS, OVERLAY_NAME, kml_colour
from netcover.outputs.maps.labels import LABELS, label
from netcover.outputs.maps.overlays import class_overlay, palette_png, warp
from netcover.outputs.maps.vectors import wedge_ring
from netcover.outputs.results import Raster, RunFolder

from .conftest import write_mini_district

UTM = CRS.from_epsg(32648)


def run_mini(folder: Path) -> RunFolder:
    """Run the miniature district into ``folder``/out (private loss cache) and open the results."""
    from netcover.app.pipeline import run
    from netcover.config.scenario import load_scenario

    scenario = write_mini_district(folder / "inputs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NETCOVER_CACHE_DIR", str(folder / "loss-cache"))
        run(load_scenario(scenario), folder / "out")
    return RunFolder.open(folder / "out")


@pytest.fixture(scope="module")
def mini_run(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    return run_mini(tmp_path_factory.mktemp("maps"))


@pytest.fixture(scope="module")
def mini_map(mini_run: RunFolder, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = build_map(mini_run, tmp_path_factory.mktemp("map") / "map.html")
    return path.read_text(encoding="utf-8")


def in_page(text: str, page: str) -> bool:
    """``text`` is in the page as HTML or as a JSON string (folium escapes non-ASCII in scripts)."""
    return text in page or json.dumps(text)[1:-1] in page


def layer_names(page: str) -> list[str]:
    """Names of the overlays listed in the page's layer switcher."""
    block = re.search(r"overlays\s*:\s*{(.*?)}", page, re.DOTALL)
    assert block is not None, "no layer control in the page"
    return [re.sub(r"<[^>]+>", "", json.loads(name))  # names in their group's <span>
            for name in re.findall(r'^\s*("(?:[^"\\]|\\.)*")\s*:', block.group(1), re.MULTILINE)]


# ---------------------------------------------------------------- the HTML map
def test_map_needs_no_network(mini_map: str) -> None:
    assert external_references(mini_map) == []
    scripts = re.findall(r"<script[^>]*>", mini_map)
    assert scripts and not any("src=" in s for s in scripts)
    assert "<link" not in mini_map
    assert "L.tileLayer" not in mini_map.replace("L.tileLayer.wms", "")  # no tile server by default
    assert "Leaflet 1.9.4" in mini_map  # inlined, with its licence header


def test_map_has_the_layers(mini_map: str) -> None:
    names = layer_names(mini_map)
    expected = [label("hillshade", "en"), label("coverage_all", "en"),
                label("coverage_op", "en", operator="Viettel"), label("signal", "en", tech="4G"),
                label("best_server", "en", tech="4G"), label("communes", "en"),
                label("boundaries", "en"), label("villages", "en"),
                label("links_phase", "en", phase=1), label("sites", "en")]
    assert [n for n in names if n in expected] == expected
    assert "bindPopup(" in mini_map and "$(`" not in mini_map  # popups without jQuery
    assert "L.Control.Layers" in mini_map
    assert "netcover-legend" in mini_map
    assert mini_map.count("data:image/png;base64,") >= 4  # hillshade, coverage, operator, signal
    assert in_page("Tây", mini_map) and in_page("Đông", mini_map)  # communes' popups


def test_map_shows_gaps_and_ranked_new_sites(mini_run: RunFolder, tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point, box

    from netcover.core.io import write_layers

    folder = tmp_path / "run"
    shutil.copytree(mini_run.path, folder)
    cells = mini_run.sites()
    assert cells is not None
    x, y = cells.geometry.x.mean(), cells.geometry.y.mean()
    gaps = gpd.GeoDataFrame({"gap_id": ["G1"], "rank": [1], "people": [123.4], "households": [30.0],
                             "commune": ["Tây"], "villages": [1], "area_km2": [0.04]},
                            geometry=[box(x - 100, y - 100, x + 100, y + 100)], crs=cells.crs)
    new = gpd.GeoDataFrame({"rank": [1, 2], "candidate_id": ["C7", "C3"], "commune": ["Tây", "Đông"],
                            "new_people": [80.0, 20.0], "cost": [95000.0, 90000.0]},
                           geometry=[Point(x - 300, y), Point(x + 300, y)], crs=cells.crs)
    write_layers(folder / "siting" / "siting.gpkg", {"gaps": gaps, "new_sites": new})
    page = build_map(RunFolder.open(folder), tmp_path / "map.html").read_text(encoding="utf-8")
    names = layer_names(page)
    assert label("gaps", "en") in names and label("new_sites", "en") in names
    assert "123" in page and "C7" in page  # the gap's people and the candidate in popups
    assert page.count("L.divIcon(") == 2  # numbered badges (folium escapes their HTML in JSON)
    assert "\\u003e1\\u003c/div" in page and "\\u003e2\\u003c/div" in page
    assert external_references(page) == []


def test_hillshade_from_the_given_terrain_or_none(mini_run: RunFolder, tmp_path: Path) -> None:
    from netcover.data.terrain import read_dem

    folder = tmp_path / "run"
    shutil.copytree(mini_run.path, folder)
    summary = json.loads((folder / "input_summary.json").read_text(encoding="utf-8"))
    dem_file = summary["dem"]["file"]
    summary["dem"]["file"] = str(tmp_path / "moved-away.tif")
    (folder / "input_summary.json").write_text(json.dumps(summary), encoding="utf-8")
    run = RunFolder.open(folder)
    hill = label("hillshade", "en")
    assert hill not in layer_names(build_map(run, tmp_path / "a.html").read_text(encoding="utf-8"))
    terrain = read_dem(dem_file)[0]
    page = build_map(run, tmp_path / "b.html", dem=terrain).read_text(encoding="utf-8")
    assert layer_names(page)[0] == hill


def test_map_in_vietnamese(mini_run: RunFolder, tmp_path: Path) -> None:
    text = build_map(mini_run, tmp_path / "vi.html", lang="vi").read_text(encoding="utf-8")
    assert in_page("Cấp phủ sóng (tốt nhất của các doanh nghiệp)", text)
    assert in_page("Địa hình (bóng đổ)", text)
    assert "vùng phủ sóng di động" in text  # the page title, as HTML
    assert not in_page(label("coverage_all", "en"), text)


def test_online_tiles_only_when_asked(mini_run: RunFolder, tmp_path: Path) -> None:
    text = build_map(mini_run, tmp_path / "online.html", online_tiles=True).read_text(encoding="utf-8")
    assert "tile.openstreetmap.org" in text
    assert external_references(text) == []  # tiles are requested by Leaflet, not linked


def test_unknown_language_is_refused(mini_run: RunFolder, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="language 'fr'"):
        build_map(mini_run, tmp_path / "fr.html", lang="fr")
    assert not (tmp_path / "fr.html").exists()


def test_importing_maps_does_not_import_folium() -> None:
    code = "import sys, netcover.outputs.maps; print('folium' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_labels_have_both_languages() -> None:
    for key, pair in LABELS.items():
        assert len(pair) == 2 and all(pair), key
        assert re.findall(r"{\w+}", pair[0]) == re.findall(r"{\w+}", pair[1]), key


def test_external_references_finds_links() -> None:
    page = ('<script src="https://cdn/x.js"></script><link rel="stylesheet" href="//cdn/y.css">'
            '<div style="background:url(http://t/1.png)"></div><style>a{b:url(z.png)}</style>'
            '<img src="data:image/png;base64,AA"><script>var u = "url(http://in.js/string)"</script>')
    assert external_references(page) == ["https://cdn/x.js", "//cdn/y.css", "http://t/1.png", "z.png"]
    assert external_references(f"<style>{leaflet_css()}</style><script>{leaflet_js()}</script>") == []


# ---------------------------------------------------------------- the KMZ
def test_kmz(mini_run: RunFolder, tmp_path: Path) -> None:
    path = write_kmz(mini_run, tmp_path / "mini.kmz")
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist()[0] == "doc.kml"
        root = ET.fromstring(zf.read("doc.kml"))
        png = Image.open(io.BytesIO(zf.read(OVERLAY_NAME)))
    ns = {"k": KML_NS}
    ground = root.find(".//k:GroundOverlay", ns)
    assert ground is not None and ground.findtext("k:Icon/k:href", namespaces=ns) == OVERLAY_NAME
    box = {t: float(ground.findtext(f"k:LatLonBox/k:{t}", namespaces=ns) or "nan")
           for t in ("north", "south", "east", "west")}
    west, _, _, north = mini_run.summary()["extent_lonlat"]
    assert box["south"] < box["north"] and box["west"] < box["east"]
    assert box["west"] == pytest.approx(west, abs=2e-3) and box["north"] == pytest.approx(north, abs=2e-3)
    assert png.mode == "P" and png.size[0] > 0
    names = {p.findtext("k:name", namespaces=ns) for p in root.iterfind(".//k:Placemark", ns)}
    cells = mini_run.sites()
    links = mini_run.links()
    assert cells is not None and links is not None
    assert set(cells["site_id"]) <= names
    assert set(links["link_id"]) <= names
    assert len(root.findall(".//k:LineString", ns)) >= len(links)


def test_kml_colour() -> None:
    assert kml_colour("#112233") == "ff332211"
    assert kml_colour("#aabbcc", 0x80) == "80ccbbaa"


# ---------------------------------------------------------------- overlays and geometry
def test_class_overlay_palette_and_transparency() -> None:
    blocks = np.array([[0, 1, 2, 3], [255, 3, 3, 0]], dtype="uint8")
    values = np.kron(blocks, np.ones((10, 10), dtype="uint8"))
    raster = Raster(values, Affine(100, 0, 480000, 0, -100, 2550000), UTM, 255)
    overlay = class_overlay(raster, "EPSG:4326", max_px=400)
    img = Image.open(io.BytesIO(overlay.png))
    assert img.mode == "P"
    rgba = np.asarray(img.convert("RGBA"))
    corner_nw, corner_sw = rgba[2, 2], rgba[-3, 2]
    assert tuple(corner_nw[:3]) == tuple(int(CLASS_COLOURS[0][i:i + 2], 16) for i in (1, 3, 5))
    assert corner_sw[3] == 0  # nodata is transparent
    south, west, north, east = overlay.bounds
    assert south < north and west < east


def test_the_same_raster_gives_the_overlay_made_before_and_a_changed_one_a_new_one() -> None:
    values = np.kron(np.array([[0, 1], [2, 3]], dtype="uint8"), np.ones((10, 10), dtype="uint8"))
    raster = Raster(values, Affine(100, 0, 480000, 0, -100, 2550000), UTM, 255)
    first = class_overlay(raster, max_px=400)
    assert class_overlay(Raster(values.copy(), raster.transform, UTM, 255), max_px=400) is first
    changed = values.copy()
    changed[0, 0] = 3
    again = class_overlay(Raster(changed, raster.transform, UTM, 255), max_px=400)
    assert again is not first and again.png != first.png
    assert class_overlay(raster, max_px=300) is not first  # other settings


def test_warp_downsamples_to_max_px() -> None:
    values = np.arange(300 * 500, dtype="float32").reshape(300, 500)
    raster = Raster(values, Affine(30, 0, 480000, 0, -30, 2550000), UTM, None)
    out, _ = warp(raster, "EPSG:3857", max_px=100)
    assert max(out.shape) == 100


def test_palette_png_refuses_too_many_colours() -> None:
    with pytest.raises(ValueError, match="256"):
        palette_png(np.zeros((2, 2), dtype="uint8"), [(0, 0, 0, 0)] * 257)


def test_hillshade_flat_and_facing_the_sun() -> None:
    flat = hillshade(np.full((5, 5), 800.0), 30.0, altitude_deg=45.0)
    assert np.allclose(flat, np.sin(np.radians(45.0)))
    # heights rising to the west (low columns): the slope faces east, away from a western sun
    x = np.arange(6, dtype="float64")
    west_high = np.tile(-x * 30.0, (6, 1))
    lit_west = hillshade(west_high, 30.0, azimuth_deg=270.0)
    lit_east = hillshade(west_high, 30.0, azimuth_deg=90.0)
    assert (lit_east > lit_west).all()
    heights = np.tile(x, (6, 1))
    before = heights.copy()
    hillshade(heights, 30.0)
    assert np.array_equal(heights, before)


@settings(max_examples=50, deadline=None)
@given(az=st.floats(0, 360), bw=st.floats(1, 360), r=st.floats(10, 5000))
def test_wedge_ring_is_closed_and_on_its_radius(az: float, bw: float, r: float) -> None:
    ring = wedge_ring(1000.0, 2000.0, az, bw, r)
    assert np.array_equal(ring[0], ring[-1]) and np.array_equal(ring[0], [1000.0, 2000.0])
    dist = np.hypot(ring[1:-1, 0] - 1000.0, ring[1:-1, 1] - 2000.0)
    assert np.allclose(dist, r)
    mid = ring[len(ring) // 2]
    bearing = np.degrees(np.arctan2(mid[0] - 1000.0, mid[1] - 2000.0)) % 360
    assert min(abs(bearing - az % 360), 360 - abs(bearing - az % 360)) < 1e-6


def test_same_results_give_the_same_files(mini_run: RunFolder, tmp_path: Path) -> None:
    first = [build_map(mini_run, tmp_path / "a.html"), write_kmz(mini_run, tmp_path / "a.kmz")]
    again = [build_map(mini_run, tmp_path / "b.html"), write_kmz(mini_run, tmp_path / "b.kmz")]
    for a, b in zip(first, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_map_opens_on_the_units_else_the_sites(mini_run: RunFolder, tmp_path: Path) -> None:
    from netcover.outputs.maps.interactive import opening_view

    units, sites = mini_run.units(), mini_run.sites()
    assert units is not None and sites is not None
    np.testing.assert_allclose(opening_view(mini_run), units.to_crs("EPSG:4326").total_bounds)
    np.testing.assert_allclose(opening_view(mini_run, units.iloc[:0]),
                               sites.to_crs("EPSG:4326").total_bounds)
    page = build_map(mini_run, tmp_path / "map.html").read_text(encoding="utf-8")
    assert in_page(label("boundaries", "en"), page) and "fitBounds" in page


def test_overlays_made_beside_are_the_ones_the_map_shows(mini_run: RunFolder, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from netcover.outputs.maps import overlays
    from netcover.outputs.maps import rasters as interactive

    warped: list[str] = []
    real = overlays.warp

    def counted(raster: Raster, *args: object, **kwargs: object) -> object:
        warped.append(interactive.threading.current_thread().name)
        return real(raster, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(overlays, "warp", counted)
    monkeypatch.setattr(overlays, "_KEPT", type(overlays._KEPT)())
    alone = build_map(mini_run, tmp_path / "alone.html").read_bytes()
    made_alone = len(warped)
    overlays._KEPT.clear()
    warped.clear()
    with interactive.overlays_beside(mini_run):
        pass  # the block's end waits for the thread
    assert len(warped) == made_alone and set(warped) == {"netcover-overlays"}
    beside = build_map(mini_run, tmp_path / "beside.html").read_bytes()
    assert beside == alone and len(warped) == made_alone  # the map drew none again
    with interactive.overlays_beside(None):  # no map to make: no thread
        assert "netcover-overlays" not in {t.name for t in interactive.threading.enumerate()}


def test_an_overlay_being_made_in_another_thread_is_waited_for() -> None:
    import threading

    from netcover.outputs.maps import overlays

    started, go = threading.Event(), threading.Event()
    made: list[str] = []
    overlay = overlays.Overlay(b"png", (0.0, 0.0, 1.0, 1.0), 1, 1)

    def slow() -> overlays.Overlay:
        made.append("slow")
        started.set()
        go.wait(10)
        return overlay

    got: list[overlays.Overlay] = []
    thread = threading.Thread(target=lambda: got.append(overlays._remembered("k-wait", slow)))
    thread.start()
    started.wait(10)
    waiter = threading.Thread(target=lambda: got.append(
        overlays._remembered("k-wait", lambda: made.append("again") or overlay)))
    waiter.start()
    go.set()
    thread.join(10)
    waiter.join(10)
    assert made == ["slow"] and got == [overlay, overlay] and "k-wait" not in overlays._MAKING

    def failing() -> overlays.Overlay:
        started.set()
        go.wait(10)
        raise OSError("no room")

    started.clear()
    go.clear()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            overlays._remembered("k-fail", failing)
        except OSError as exc:
            errors.append(exc)

    thread = threading.Thread(target=first)
    thread.start()
    started.wait(10)
    second = threading.Thread(target=lambda: got.append(overlays._remembered("k-fail", lambda: overlay)))
    second.start()
    go.set()
    thread.join(10)
    second.join(10)
    assert len(errors) == 1 and got[-1] is overlay  # the waiter made it after the failure
    overlays._KEPT.pop("k-wait", None)
    overlays._KEPT.pop("k-fail", None)


def test_geo_json_is_the_geo_interface_read_ring_by_ring() -> None:
    import shapely
    from shapely.geometry import LineString, MultiLineString, Point, Polygon

    from netcover.outputs.maps.vectors import geo_json

    holed = shapely.box(0, 0, 10, 10).difference(shapely.box(2, 2, 3.5, 3))
    shapes = [holed, shapely.union_all([holed, shapely.box(20, 20, 21.25, 21)]), holed.boundary,
              LineString([(0, 0), (1, 2.5), (3, 3)]), MultiLineString([[(0, 0), (1, 1)], [(2, 2), (3, 1)]]),
              shapely.box(-180, -85, 180, 85).difference(holed), Point(1, 2), Polygon(),
              LineString([(0, 0, 1), (1, 1, 2)])]
    for shape in shapes:
        assert geo_json(shape) == shape.__geo_interface__, shape.geom_type
        assert json.dumps(geo_json(shape)) == json.dumps(shape.__geo_interface__)
