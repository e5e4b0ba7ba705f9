"""The Vietnamese report is wholly Vietnamese, and both reports state what their figures assume
(model, receiver, calibration) and the run's data notes; tables are numbers, with a workbook.

The results folder is made by hand (no model run): two communes, a few sites, new sites, scored
proposals with the advice ``netcover evaluate`` writes, a monitoring table, a link plan table and
notes of every code.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import LineString, Point, box

from netcover.core.i18n import advice
from netcover.core.io import write_layers, write_raster, write_table
from netcover.core.notes import Note
from netcover.outputs.report import build_outputs
from netcover.outputs.results import RunFolder

CRS = "EPSG:32648"
X0, Y0, SIDE = 500_000.0, 2_500_000.0, 10_000.0
#: Names of the communes (proper names, allowed in every language).
COMMUNES = ("Thị trấn Tam Sơn", "Cao Mã Pờ")

NOTES = [
    Note("coarse_dem", "The DEM's cells are 250 m wide (coarser than about 100 m); coverage is "
         "optimistic.", {"cell_m": 250}),
    Note("population_census", "People come from the communes' census totals (field population), "
         "spread over the area below 30 degrees of slope.",
         {"method": "area_slope", "field": "population", "max_slope_deg": 30}),
    Note("units_overlap", "2 pairs of unit polygons overlap by 0.4 km²; each cell is given to one "
         "unit.", {"pairs": 2, "km2": 0.4}),
    Note("skipped", "Links were not planned: the scenario has no roads layer.",
         {"section": "links", "reason": "no_roads"}),
    Note("siting_no_roads", "No roads layer: the access cost of candidates comes from straight-line "
         "distance.", {}),
    Note("skipped", "Villages: skipped, the scenario has no settlements.",
         {"section": "settlements", "reason": "no_settlements"}),
]

ADVICE = ["move it 1,970 m north-west (104.96435, 23.11590) and it reaches 91 more people",
          "move it 1,745 m west onto a hilltop or ridge (104.98412, 23.16409) and it reaches 410 "
          "more people",
          "no place within 2,000 m adds more people"]


def hand_made_run(folder: Path, *, notes: list[Note] = NOTES, scenario_file: str | None = None,
                  new_sites: list[tuple[float, float]] | None = None) -> RunFolder:
    """A results folder written without running a model (see the module's doc)."""
    folder.mkdir(parents=True, exist_ok=True)
    units = gpd.GeoDataFrame(
        {"code": ["001", "002"], "name": list(COMMUNES), "people": [6471.0, 3514.0],
         "households": [1658.0, 716.0], "all_share_covered": [0.9979, 0.8345],
         "all_share_households_covered": [1.0, 0.919], "all_households_covered": [1658.0, 658.0],
         "all_villages_without_service": [0, 1]},
        geometry=[box(X0, Y0, X0 + SIDE / 2, Y0 + SIDE), box(X0 + SIDE / 2, Y0, X0 + SIDE, Y0 + SIDE)],
        crs=CRS)
    sites = gpd.GeoDataFrame({"site_id": ["S1", "S2"], "cell_id": ["S1-1", "S2-1"],
                              "operator": ["Viettel", "VNPT"], "technology": ["4G", "4G"],
                              "azimuth_deg": [0.0, 120.0], "h_beamwidth_deg": [65.0, 65.0],
                              "height_m": [30.0, 35.0], "frequency_mhz": [1800.0, 1800.0],
                              "index": [0, 1]},
                             geometry=[Point(X0 + 2000, Y0 + 8000), Point(X0 + 8000, Y0 + 2000)],
                             crs=CRS)
    write_layers(folder / "coverage" / "coverage.gpkg", {"units": units, "sites": sites})
    write_table(folder / "coverage" / "coverage_by_unit.csv", pd.DataFrame(units.drop(columns="geometry")))
    xy = new_sites or [(X0 + 3000, Y0 + 3000), (X0 + 7000, Y0 + 6000)]
    new = gpd.GeoDataFrame({"rank": range(1, len(xy) + 1),
                            "candidate_id": [f"C{k:04d}" for k in range(len(xy))],
                            "commune": [COMMUNES[0]] * len(xy), "new_people": 540.7,
                            "cost": 116687.0},
                           geometry=[Point(x, y) for x, y in xy], crs=CRS)
    gap = gpd.GeoDataFrame({"gap_id": ["G1"], "commune": [COMMUNES[1]], "people": [120.0]},
                           geometry=[box(X0 + 6000, Y0 + 6000, X0 + 7000, Y0 + 7000)], crs=CRS)
    write_layers(folder / "siting" / "siting.gpkg", {"gaps": gap, "candidates": new[["geometry"]],
                                                     "new_sites": new})
    write_table(folder / "siting" / "gaps.csv", pd.DataFrame(gap.drop(columns="geometry")))
    classes = np.full((10, 10), 3, dtype="uint8")  # good everywhere
    write_raster(folder / "coverage" / "class.tif", classes,
                 Affine(SIDE / 10, 0, X0, 0, -SIDE / 10, Y0 + SIDE), CRS, nodata=255)
    write_table(folder / "siting" / "site_plan.csv", pd.DataFrame({
        "rank": [1, 2], "candidate_id": ["C0062", "C0027"], "commune": list(COMMUNES),
        "lon": [105.036252, 104.984124], "lat": [23.005825, 23.164092], "new_people": [540.7, 464.5],
        "cumulative_share_covered": [0.9565, 0.9646], "cost": [116687.0, 114822.0],
        "cost_per_new_person": [216.0, 247.0], "gaps_closed": ["G2; G5", "G3"]}))
    spots = [Point(X0 + 2000, Y0 + 3000), Point(X0 + 5000, Y0 + 5000), Point(X0 + 8000, Y0 + 8000)]
    moved = Point(X0 + 5500, Y0 + 5500)
    write_layers(folder / "proposals" / "proposals.gpkg", {
        "proposals": gpd.GeoDataFrame({"proposal_id": ["VTL-P01", "MBF-P01", "VNP-P01"]},
                                      geometry=spots, crs=CRS),
        "better_places": gpd.GeoDataFrame({"proposal_id": ["MBF-P01"]}, geometry=[moved], crs=CRS),
        "moves": gpd.GeoDataFrame({"proposal_id": ["MBF-P01"]},
                                  geometry=[LineString([spots[1], moved])], crs=CRS)})
    write_table(folder / "proposals" / "proposals_scored.csv", pd.DataFrame({
        "proposal_id": ["VTL-P01", "MBF-P01", "VNP-P01"], "operator": ["Viettel", "MobiFone", "VNPT"],
        "new_people": [5.9, 54.8, 320.3], "new_households": [1.2, 11.5, 67.2],
        "overlap_share": [0.9995, 0.8959, 0.815], "nearest_site": ["S1", "S2", "S1"],
        "nearest_site_m": [0, 1300, 4101], "gaps_closed": ["", "G16", "G2; G24"], "advice": ADVICE}))
    write_table(folder / "links" / "links_ranked.csv", pd.DataFrame({
        "rank": [1, 2], "link_id": ["L001", "L002"], "phase": [1, 2], "type": ["fibre", "microwave"],
        "from_name": ["existing network (Bưu điện huyện)", "site S1 (Viettel)"],
        "to_name": ["site S1 (Viettel)", "road junction"], "length_km": [0.316254, 4.2],
        "cost": [2530.03, 20000.0], "people": [3513.999996, 0.0], "households": [716.0, 0.0],
        "institutions": [0, 0], "sites": [2, 1], "benefit_per_kusd": [118.576, 0.0]}))
    write_table(folder / "monitoring" / "monitoring_summary.csv", pd.DataFrame({
        "indicator": ["share_fibre_households", "share_people_4g", "share_people_4g",
                      "share_people_4g", "sites"],
        "unit": ["District", "District", COMMUNES[0], COMMUNES[1], "District"],
        "period": ["2024-Q3"] * 5, "latest": ["61.0%", "94.7%", "99.8%", "83.2%", "47"],
        "target": ["80.0%", "99.0%", "99.0%", "99.0%", ""], "by": [2025.0, 2030.0, 2030.0, 2030.0, None],
        "status": ["no trend", "not met", "met", "not met", "no target"],
        "trend": ["-", "rising", "flat", "falling", "-"]}))
    summary = {"scenario": "Quản Bạ", "slug": "quan-ba", "scenario_file": scenario_file,
               "crs": CRS, "extent_m": [X0 - 1000, Y0 - 1000, X0 + SIDE + 1000, Y0 + SIDE + 1000],
               "extent_lonlat": [104.9, 22.5, 105.1, 22.7],
               "units": {"count": 2, "area_km2": 100.0, "population": 9985, "names": list(COMMUNES)},
               "notes": [n.as_dict() for n in notes]}
    (folder / "input_summary.json").write_text(json.dumps(summary, ensure_ascii=False), "utf-8")
    return RunFolder.open(folder)


#: Common English words: none may remain in the Vietnamese report outside names and units.
ENGLISH = frozenset("""the and of to in is are for with from on by at it its this that be as or
not no more people move reaches place within adds north south east west hilltop ridge site sites
network road junction fibre microwave met target trend rising falling flat none households share
covered coverage village villages commune communes data date period cells row best server level
smallest loss units settlements gaps candidates proposals links planned new figure value item
report assumes assumed model outdoor receiver height locations time bare earth calibrated
uncalibrated notes note census spread area overlap skipped straight line distance optimistic
coarser wide advice rank phase type cost benefit latest status indicator file layer rows""".split())

#: Names and units allowed in any language (organisations, codes, units, formats).
NAMES = ("Viettel", "VNPT", "MobiFone", "netcover", "GeoPackage", "QGIS", "GeoTIFF", "CSV", "USD",
         "ITU-R P.1812", "SINR", "dBm", "dB", "km²", "EPSG", "LAN", "Internet", "DEM", "sector",
         "cell")


def english_words(page: str) -> list[str]:
    """English words of an HTML page's visible text, after removing names, codes and units."""
    text = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.DOTALL)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    for name in (*NAMES, *COMMUNES, "Quản Bạ"):
        text = text.replace(name, " ")
    text = re.sub(r"\b[\w./-]*[_/.][\w./-]*\b", " ", text)  # file names, codes, coordinates
    words = re.findall(r"[^\W\d_]+", text)  # whole words: "toàn" is not "to"
    return sorted({w for w in words if w.lower() in ENGLISH})


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("vi")
    run = hand_made_run(folder / "run")
    build_outputs(run, folder / "out", formats=("png",))
    return {lang: (folder / "out" / f"report_{lang}.html").read_text("utf-8") for lang in ("en", "vi")}


def test_no_english_sentence_in_the_vietnamese_report(reports: dict[str, str]) -> None:
    assert english_words(reports["vi"]) == []
    assert len(english_words(reports["en"])) > 20  # the word list does find English


def test_proposal_advice_in_vietnamese() -> None:
    assert advice(ADVICE[0], "vi") == ("dời 1.970 m về phía tây bắc (104,96435, 23,11590) thì phủ "
                                       "thêm được 91 người")
    assert "lên đỉnh đồi" in advice(ADVICE[1], "vi")
    assert advice(ADVICE[2], "vi").startswith("không có vị trí nào trong phạm vi 2.000 m")
    assert advice(ADVICE[0], "en") == ADVICE[0]


def test_both_reports_state_what_coverage_assumes(reports: dict[str, str]) -> None:
    en, vi = reports["en"], reports["vi"]
    for piece in ("ITU-R P.1812", "outdoor", "1.5 m", "50% of locations", "bare earth",
                  "uncalibrated"):
        assert piece in en, piece
    for piece in ("ITU-R P.1812", "ngoài trời", "1,5 m", "50% vị trí", "địa hình trần",
                  "chưa hiệu chỉnh"):
        assert piece in vi, piece


def test_calibration_status_and_settings_come_from_the_scenario(tmp_path: Path) -> None:
    from netcover.outputs.report._context import assumptions

    scenario = tmp_path / "scenario.toml"
    scenario.write_text('[scenario]\nname = "t"\n\n[coverage]\nrx_height_m = 2.0\n\n'
                        '[calibration.4G]\noffset_db = -3.0\n', "utf-8")
    said = assumptions(hand_made_run(tmp_path / "run", scenario_file=str(scenario)), "en")
    assert "calibrated with measurements (4G)" in said and "2.0 m" in said
    scenario.write_text('[scenario]\nname = "t"\n', "utf-8")
    said = assumptions(hand_made_run(tmp_path / "plain", scenario_file=str(scenario)), "vi")
    assert "chưa hiệu chỉnh" in said and "1,5 m" in said


def test_notes_rendered_in_both_languages(reports: dict[str, str]) -> None:
    en, vi = (html.unescape(reports[lang]) for lang in ("en", "vi"))
    assert "Assumptions and data notes" in en and "Giả định và ghi chú về dữ liệu" in vi
    for note in NOTES:
        assert note.text in en
        assert note.text not in vi
    assert "250 m" in vi and "độ dốc dưới 30°" in vi and "2 cặp" in vi
    assert "tuyến truyền dẫn không được lập" in vi.lower() or "Phần tuyến truyền dẫn" in vi


def test_unknown_note_code_falls_back_to_english(tmp_path: Path) -> None:
    from netcover.outputs.report._context import note_text

    odd = Note("a_new_code", "Something the report cannot translate yet.", {"n": 3})
    assert note_text(odd, "vi") == odd.text
    broken = Note("coarse_dem", "The DEM is coarse.", {})  # a parameter is missing
    assert note_text(broken, "vi") == broken.text


def test_tables_are_numbers_with_a_workbook(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    run = hand_made_run(tmp_path / "run")
    build_outputs(run, tmp_path / "out", langs=("vi",), formats=("png",))
    tables = tmp_path / "out" / "tables"
    mon = pd.read_csv(tables / "monitoring_vi.csv", encoding="utf-8-sig")
    assert mon.iloc[:, 2].tolist()[:2] == [61.0, 94.7]  # "61.0%" -> 61.0, a number
    text = (tables / "monitoring_vi.csv").read_text("utf-8-sig")
    assert ",2025," in text and "2025.0" not in text  # years as integers
    links = pd.read_csv(tables / "ranked_links_vi.csv", encoding="utf-8-sig")
    assert links.iloc[0, 8] == 3514  # 3513.999996 people -> 3514
    assert links.iloc[1, 3] == "vi ba"
    book = load_workbook(tables / "netcover_quan-ba_vi.xlsx")
    assert {"monitoring", "ranked_links", "proposals"} <= set(book.sheetnames)
    sheet = book["monitoring"]
    assert sheet.cell(2, 3).value == 61.0 and sheet.cell(2, 5).value == 2025
    first = (tables / "netcover_quan-ba_vi.xlsx").read_bytes()
    build_outputs(run, tmp_path / "out", langs=("vi",), formats=("png",))
    assert (tables / "netcover_quan-ba_vi.xlsx").read_bytes() == first  # reproducible


def test_data_period_is_the_monitoring_period(tmp_path: Path) -> None:
    from netcover.outputs.report import data_date

    run = hand_made_run(tmp_path / "run")
    assert data_date(run) == "2024-Q3"
    shutil.rmtree(tmp_path / "run" / "monitoring")  # the step was not run
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", data_date(run))  # no period known: the run's date


def test_monitoring_chart_titles_in_vietnamese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.axes import Axes

    from netcover.monitor.charts import plot_indicator

    titles: list[str] = []
    monkeypatch.setattr(Axes, "set_title", lambda self, t, *a, **k: titles.append(t))
    history = pd.DataFrame({"period": ["2024-Q2", "2024-Q3"], "unit_code": "district",
                            "unit_name": "District", "indicator": "share_fibre_households",
                            "value": [0.5, 0.61]})
    plot_indicator(history, "share_fibre_households", tmp_path / "a.png", target=0.8,
                   target_year=2025, lang="vi")
    assert titles == ["Tỷ lệ hộ có cáp quang"]


def test_coverage_tables_are_rounded_as_people_read_them() -> None:
    from netcover.core.textformat import rounded

    df = pd.DataFrame({"name": ["A", "B"], "people": [3513.999996, 6470.99999240227],
                       "households": [1658.0, 716.0], "all_people_weak": [383.4401923, 13.4177],
                       "all_share_covered": [0.8344809636102857, 0.997875923339495]})
    out = rounded(df)
    assert out["people"].tolist() == [3514, 6471] and str(out["people"].dtype) == "Int64"
    assert str(out["households"].dtype) == "Int64"
    assert out["all_people_weak"].tolist() == [383.4, 13.4]
    assert out["all_share_covered"].tolist() == [0.8345, 0.9979]
    assert out["name"].tolist() == ["A", "B"]
