"""Print maps, charts, the bilingual report and the export, on the miniature district's results."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point

from netcover.app.pipeline import run
from netcover.config.scenario import load_scenario
from netcover.core.i18n import COLUMNS, INDICATORS, STATUSES, STRINGS, column, fmt_number, fmt_share
from netcover.core.io import write_layers, write_table
from netcover.coverage.engine import compute_coverage
from netcover.data.inputs import load_inputs
from netcover.data.terrain import hillshade
from netcover.errors import InputError
from netcover.outputs.report import LANGS, build_outputs, check_lang, tr
from netcover.outputs.report._furniture import nice_length
from netcover.outputs.report.charts import share_by_unit, signal_histogram, target_share
from netcover.outputs.results import RunFolder
from netcover.siting import SitingSettings, run_siting

from .conftest import X0, Y0, write_mini_district

DATE = "2024-09-30"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> RunFolder:
    """A results folder of the miniature district."""
    base = tmp_path_factory.mktemp("report")
    scenario = write_mini_district(base / "mini")
    out = base / "out"
    sc = load_scenario(scenario)
    run(sc, out)
    if not (out / "siting").exists():  # until `netcover run` plans sites itself
        inputs = load_inputs(sc)
        run_siting(inputs, compute_coverage(inputs), SitingSettings(), out / "siting", lambda _: None)
    return RunFolder.open(out)


def with_plan(results: RunFolder, folder: Path) -> RunFolder:
    """A copy of ``results`` with a made-up one-site plan (the mini district has no gap)."""
    shutil.copytree(results.path, folder)
    crs = results.summary()["crs"]
    x, y = X0 + 1200.0, Y0 - 600.0
    site = {"rank": [1], "candidate_id": ["C0001"], "commune": ["Tây"], "lon": [104.9],
            "lat": [23.1], "new_people": [12.0], "cumulative_share_covered": [0.99],
            "cost": [100_000.0], "cost_per_new_person": [8_333.0], "gaps_closed": ["G1"]}
    gap = {"gap_id": ["G1"], "commune": ["Tây"], "people": [12.0], "households": [3.0],
           "area_km2": [0.03], "village_names": ["Thôn Một"]}
    write_layers(folder / "siting" / "siting.gpkg", {
        "gaps": gpd.GeoDataFrame(gap, geometry=[Point(x, y).buffer(100.0)], crs=crs),
        "candidates": gpd.GeoDataFrame({"candidate_id": ["C0001", "C0002"]},
                                       geometry=[Point(x, y), Point(x + 300.0, y)], crs=crs),
        "new_sites": gpd.GeoDataFrame(site, geometry=[Point(x, y)], crs=crs)})
    write_table(folder / "siting" / "site_plan.csv", pd.DataFrame(site))
    write_table(folder / "siting" / "gaps.csv", pd.DataFrame(gap))
    return RunFolder.open(folder)


@pytest.fixture(scope="module")
def built(results: RunFolder, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("built")
    return out, build_outputs(results, out, date=DATE)


# ---------------------------------------------------------------------------- text
def test_every_text_has_both_languages_and_vietnamese_is_translated() -> None:
    for table in (STRINGS, COLUMNS, INDICATORS, STATUSES):
        for key, pair in table.items():
            assert len(pair) == len(LANGS) and all(pair), key
    assert tr("sec_gaps", "vi") == "Vùng lõm sóng"
    assert tr("phase", "vi", n=2) == "Giai đoạn 2"
    assert column("Viettel_share_covered", "en") == "People covered (%): Viettel"
    assert column("unknown_column", "vi") == "unknown_column"


def test_unknown_language_is_refused_with_the_choices() -> None:
    with pytest.raises(InputError, match="en, vi"):
        check_lang("fr")


def test_numbers_follow_each_language() -> None:
    assert fmt_number(57200.46, "en", 1) == "57,200.5"
    assert fmt_number(57200.46, "vi", 1) == "57.200,5"
    assert fmt_share(0.947, "vi") == "94,7%"
    assert fmt_share(float("nan"), "en") == "-"


# ---------------------------------------------------------------------------- kernels
def test_hillshade_of_flat_ground_is_the_sun_elevation_and_slopes_facing_the_sun_are_lighter() -> None:
    flat = hillshade(np.full((5, 5), 100.0), 30.0, altitude_deg=45.0)
    np.testing.assert_allclose(flat, np.sin(np.radians(45.0)))
    rows, cols = np.mgrid[0:9, 0:9].astype(float)
    faces_se = 1000.0 - 10.0 * (rows + cols)  # rises towards the north-west: faces south-east
    faces_nw = 1000.0 + 10.0 * (rows + cols)  # rises towards the south-east: faces the NW sun
    assert hillshade(faces_nw, 30.0).mean() > hillshade(faces_se, 30.0).mean()


@given(st.floats(min_value=10.0, max_value=1e7))
def test_scale_bar_length_is_round_and_near_a_fifth_of_the_width(span: float) -> None:
    length = nice_length(span)
    mantissa = length / 10.0 ** np.floor(np.log10(length))
    assert round(mantissa, 9) in (1.0, 2.0, 5.0)
    assert span / 25.0 < length <= span / 5.0


def test_signal_histogram_counts_area_and_skips_nodata() -> None:
    values = np.array([[-100.5, -99.0, -98.9], [np.nan, -9999.0, -71.0]])
    edges, area = signal_histogram(values, 0.01, nodata=-9999.0, bin_db=2.0)
    assert edges[0] == -102.0 and edges[-1] == -70.0
    assert np.isclose(area.sum(), 4 * 0.01)
    assert np.isclose(area[0], 0.01)  # -100.5 in [-102, -100)
    assert np.isclose(area[1], 0.02)  # -99.0 and -98.9 in [-100, -98)


def test_share_by_unit_sorts_and_flags_the_target() -> None:
    units = pd.DataFrame({"name": ["A", "B", "C"], "all_share_covered": [0.995, 0.90, 0.99],
                          "people": [10, 20, 30]})
    table = share_by_unit(units, 0.99)
    assert list(table["name"]) == ["B", "C", "A"]
    assert list(table["met"]) == [False, True, True]


# ---------------------------------------------------------------------------- outputs of a run
def test_build_writes_maps_charts_reports_and_export_in_both_languages(
        built: tuple[Path, list[Path]]) -> None:
    out, files = built
    assert all(p.is_file() for p in files)
    for lang in LANGS:
        for name in ("report_{}.html", "report_{}.md", "print/coverage_{}.png", "print/coverage_{}.pdf",
                     "print/gaps_{}.png", "print/share_by_commune_{}.png", "print/signal_{}.png",
                     "tables/coverage_by_commune_{}.csv"):
            assert (out / name.format(lang)).is_file(), name.format(lang)
    # the mini district is covered: its site plan is empty, so no site-plan map, and the
    # ranked-sites section says there is none
    assert not (out / "print" / "site_plan_en.png").exists()
    md = (out / "report_en.md").read_text(encoding="utf-8")
    assert f"## {tr('sec_sites', 'en')}\n\n{tr('no_rows', 'en')}" in md


def test_a_site_plan_gets_its_map_section_and_layers(results: RunFolder, tmp_path: Path) -> None:
    planned = with_plan(results, tmp_path / "run")
    out = tmp_path / "out"
    build_outputs(planned, out, langs=("vi",), date=DATE, formats=("png",))
    assert (out / "print" / "site_plan_vi.png").is_file()
    md = (out / "report_vi.md").read_text(encoding="utf-8")
    assert f"## {tr('sec_sites', 'vi')}" in md and "| C0001 " in md and "8.333" in md
    assert "Thôn Một" in md
    gpkg = next((out / "exports").glob("*.gpkg"))
    assert {"gaps", "candidates", "new_sites"} <= {str(r[0]) for r in pyogrio.list_layers(gpkg)}


def test_html_report_is_self_contained(built: tuple[Path, list[Path]]) -> None:
    out, _ = built
    text = (out / "report_vi.html").read_text(encoding="utf-8")
    assert "<h2>Vùng phủ theo xã, thị trấn</h2>" in text
    assert "http://" not in text and "https://" not in text
    sources = re.findall(r'src="([^"]*)"', text)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r'href="[^#]', text)


def test_report_numbers_come_from_the_results(results: RunFolder,
                                              built: tuple[Path, list[Path]]) -> None:
    out, _ = built
    units = results.unit_coverage()
    assert units is not None
    md = {lang: (out / f"report_{lang}.md").read_text(encoding="utf-8") for lang in LANGS}
    people = int(results.summary()["units"]["population"])
    assert f"| {tr('fig_people', 'en')} " in md["en"]
    assert fmt_number(people, "en") in md["en"] and fmt_number(people, "vi") in md["vi"]
    for share in units["all_share_covered"]:
        assert fmt_share(share, "en") in md["en"] and fmt_share(share, "vi") in md["vi"]
    csv = pd.read_csv(out / "tables" / "coverage_by_commune_vi.csv", encoding="utf-8-sig")
    # shares in % (the header says so), rounded as people read them
    np.testing.assert_allclose(csv[column("all_share_covered", "vi")],
                               100 * units["all_share_covered"], atol=0.005)
    assert pd.api.types.is_integer_dtype(csv[column("people", "vi")])


def test_chart_target_comes_from_the_run_unless_given(results: RunFolder) -> None:
    mon = results.monitoring()
    assert mon is not None
    assert target_share(results, 0.5) == 0.5
    assert 0.0 < target_share(results) <= 1.0


def test_export_holds_every_vector_result_with_its_crs(results: RunFolder,
                                                       built: tuple[Path, list[Path]]) -> None:
    out, _ = built
    gpkg = out / "exports" / f"netcover_{results.slug}.gpkg"
    layers = {str(r[0]) for r in pyogrio.list_layers(gpkg)}
    assert {"units", "settlements", "sites"} <= layers
    for layer in layers:
        assert pyogrio.read_info(gpkg, layer=layer)["crs"] == results.summary()["crs"]
    rasters = pd.read_csv(out / "exports" / "rasters.csv", encoding="utf-8-sig")
    assert "coverage/class.tif" in set(rasters["file"])


def test_same_results_give_identical_files(results: RunFolder, built: tuple[Path, list[Path]],
                                           tmp_path: Path) -> None:
    out, _ = built
    again = build_outputs(results, tmp_path, langs=("vi",), date=DATE)
    for p in again:
        if p.suffix in (".png", ".pdf", ".html", ".md", ".csv"):
            assert p.read_bytes() == (out / p.relative_to(tmp_path)).read_bytes(), p.name


def test_map_builder_is_called_once_with_the_run(results: RunFolder, tmp_path: Path) -> None:
    calls: list[tuple[RunFolder, Path]] = []

    def builder(run_folder: RunFolder, out: Path) -> Path:
        calls.append((run_folder, out))
        return (out / "map.html").resolve()

    files = build_outputs(results, tmp_path, langs=("en",), date=DATE, formats=("png",),
                          map_builder=builder)
    assert calls == [(results, tmp_path)]
    assert files[-1].name == "map.html"
    assert not list((tmp_path / "print").glob("*.pdf"))


def test_importing_the_report_package_does_not_import_matplotlib() -> None:
    import subprocess
    import sys

    code = "import sys, netcover.outputs.report; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_link_ends_and_years_read_naturally_in_vietnamese() -> None:
    from netcover.outputs.report.tables import LINKS, MONITORING, shown

    links = pd.DataFrame({"from_name": ["existing network (UBND)", "road junction"],
                          "to_name": ["site S1 (Viettel)", "Trường"], "type": ["fibre", "microwave"]})
    table = shown(links, LINKS, "vi")
    assert list(table[column("from_name", "vi")]) == ["mạng hiện có (UBND)", "điểm nối trên đường"]
    assert list(table[column("to_name", "vi")]) == ["trạm S1 (Viettel)", "Trường"]
    assert list(table[column("type", "vi")]) == ["cáp quang", "vi ba"]
    mon = pd.DataFrame({"indicator": ["share_people_4g"], "by": [2030.0], "latest": ["94.7%"]})
    row = shown(mon, MONITORING, "vi").iloc[0]
    assert row[column("by", "vi")] == "2030" and row[column("latest", "vi")] == "94,7%"
    assert row[column("indicator", "vi")] == "Tỷ lệ dân số được phủ 4G"


def test_vietnamese_report_of_a_real_run_has_no_english(built: tuple[Path, list[Path]]) -> None:
    from .test_report_vi import english_words

    out, _ = built
    assert english_words((out / "report_vi.html").read_text(encoding="utf-8")) == []
    assert english_words((out / "report_en.html").read_text(encoding="utf-8"))  # the list works
