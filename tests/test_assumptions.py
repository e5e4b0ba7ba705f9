"""Every coverage figure says what it assumes (#13): the record of :mod:`netcover.coverage.assumptions`,
its sentence (EN/VI) naming each item and changing with each setting, the "uncalibrated" banner
present exactly when nothing is calibrated, and the record carried by the CSV tables (constant
columns), rasters (tags), GeoPackage layers (metadata), the report, and the print and interactive
maps."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from affine import Affine

from netcover.config.calibration import Calibration
from netcover.config.scenario import Scenario
from netcover.config.service import MEDIAN_SERVICE
from netcover.core import files
from netcover.core.record import stamp_table
from netcover.coverage.assumptions import CSV_PREFIX, Assumptions
from netcover.data.terrain import Terrain

from .test_report_vi import english_words, hand_made_run

#: Pieces of the default sentence, one per item: model, diffraction, service level, environment,
#: location percentage, time percentage, handset height, land cover, calibration.
DEFAULT_PIECES = {
    "en": ("ITU-R P.1812", "Bullington", "outdoor_50", "outdoor reception", "50% of locations",
           "50% of the time", "1.5 m", "bare earth", "uncalibrated"),
    "vi": ("ITU-R P.1812", "Bullington", "outdoor_50", "ngoài trời", "50% vị trí", "50% thời gian",
           "1,5 m", "địa hình trần", "chưa hiệu chỉnh"),
}


@dataclasses.dataclass(frozen=True)
class Level:
    """Stand-in of H4's ``netcover.config.service.ServiceLevel`` (same attribute names)."""

    name: str = "indoor_90"
    environment: str = "indoor"
    location_probability: float = 90.0

    def label(self, lang: str = "en") -> str:
        return {"en": "indoor, 90% of locations", "vi": "trong nhà, 90% vị trí"}[lang]


def _terrain(landcover: bool) -> Terrain:
    z = np.zeros((4, 4), dtype="float32")
    codes = np.full((4, 4), 10, dtype="int16") if landcover else None
    return Terrain(z, Affine(30.0, 0, 0, 0, -30.0, 120.0), "EPSG:32648", landcover=codes)


# ------------------------------------------------------------------------------ the sentence
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_sentence_names_each_item(lang: str) -> None:
    said = Assumptions().sentence(lang)  # type: ignore[arg-type]
    for piece in DEFAULT_PIECES[lang]:
        assert piece in said, piece


def test_default_scenario_gives_todays_assumptions() -> None:
    # the class rasters and tables: the median level; the headline: outdoor at 90 % of locations
    assert Assumptions.from_scenario(Scenario(), service=MEDIAN_SERVICE) == Assumptions()
    assert Assumptions.from_scenario(Scenario(), terrain=_terrain(False),
                                     service="outdoor_50") == Assumptions()
    headline = Assumptions.from_scenario(Scenario())
    assert (headline.service_level, headline.location_probability) == ("outdoor_90", 90.0)


def test_sentence_changes_with_each_setting() -> None:
    base = Scenario()
    cov = dataclasses.replace(base.coverage, rx_height_m=3.0)
    cases = {
        "Okumura-Hata": dataclasses.replace(base, coverage=dataclasses.replace(base.coverage,
                                                                                model="hata")),
        "3.0 m": dataclasses.replace(base, coverage=cov),
        "calibrated with measurements (4G)": dataclasses.replace(
            base, calibration={"4G": Calibration(offset_db=-3.0)}),
    }
    default = Assumptions.from_scenario(base).sentence("en")
    for piece, scenario in cases.items():
        said = Assumptions.from_scenario(scenario).sentence("en")
        assert piece in said and said != default, piece
    hata = Assumptions.from_scenario(cases["Okumura-Hata"])
    assert hata.diffraction == "none" and "no terrain diffraction" in hata.sentence("en")
    land = Assumptions.from_scenario(base, terrain=_terrain(True)).sentence("en")
    assert "land cover from" in land and "bare earth" not in land
    indoor = Assumptions.from_scenario(base, service=Level()).sentence("en")
    assert "indoor_90" in indoor and "90% of locations" in indoor and "indoor reception" in indoor
    assert Assumptions().with_service(Level()).sentence("en") == indoor


def test_settings_of_the_other_helpers_are_read_by_their_names() -> None:
    """Diffraction (H2), service levels and the headline (H4), land cover (H3), calibration counts
    (H5): read by the interface names, whether or not the settings are merged yet."""
    scenario = SimpleNamespace(
        coverage=SimpleNamespace(model="p1812", rx_height_m=1.5, diffraction="deygout",
                                 headline_service="indoor_90"),
        inputs=SimpleNamespace(landcover=Path("data/worldcover.tif")),
        service_levels=(Level(name="outdoor_90", environment="outdoor"), Level()),
        calibration={"4G": Calibration(offset_db=-8.0, n=100, rmse_cv_db=6.0),
                     "3G": Calibration(offset_db=-2.0, n=300, rmse_cv_db=4.0),
                     "2G": Calibration(offset_db=-1.0)},  # written by hand: no count, no RMSE
    )
    a = Assumptions.from_scenario(scenario)  # type: ignore[arg-type]
    assert (a.diffraction, a.service_level, a.environment, a.location_probability) == (
        "deygout", "indoor_90", "indoor", 90.0)
    assert a.land_cover and a.land_cover_source == "worldcover.tif"
    assert a.calibrated == ("2G", "3G", "4G") and a.calibration_points is None
    assert a.calibration_rmse_db is None  # one calibration has no RMSE: none is stated
    said = a.sentence("en")
    for piece in ("Deygout", "indoor_90", "worldcover.tif"):
        assert piece in said, piece
    assert a.service_label("vi") == "trong nhà, 90% vị trí"
    del scenario.calibration["2G"]
    b = Assumptions.from_scenario(scenario)  # type: ignore[arg-type]
    assert b.calibration_points == 400 and "400 measurements" in b.sentence("en")
    # point-weighted RMS of 6 dB over 100 points and 4 dB over 300: sqrt((100*36 + 300*16) / 400)
    assert b.calibration_rmse_db == pytest.approx(np.sqrt((100 * 36 + 300 * 16) / 400), abs=0.005)
    assert "RMSE 4.6 dB" in b.sentence("en") and "RMSE sau hiệu chỉnh 4,6 dB" in b.sentence("vi")
    with pytest.raises(KeyError, match="outdoor_90, indoor_90"):
        Assumptions.from_scenario(scenario, service="in_car_90")  # type: ignore[arg-type]


def test_banner_iff_uncalibrated() -> None:
    for lang in ("en", "vi"):
        assert Assumptions().banner(lang) is not None  # type: ignore[arg-type]
        assert Assumptions(calibrated=("4G",)).banner(lang) is None  # type: ignore[arg-type]
    assert Assumptions().banner("en").startswith("Uncalibrated model:")  # type: ignore[union-attr]
    assert Assumptions().banner("vi").startswith("Mô hình chưa hiệu chỉnh:")  # type: ignore[union-attr]


def test_vietnamese_text_has_no_english() -> None:
    full = Assumptions(diffraction="deygout", land_cover=True, land_cover_source="lc.tif",
                       calibrated=("4G",), calibration_points=120, calibration_rmse_db=5.5)
    for a in (Assumptions(), full):
        text = " ".join([a.sentence("vi"), a.banner("vi") or "", *a.legend_lines("vi")])
        assert english_words(text) == [], text
        assert english_words(a.sentence("en"))  # the check does find English


# ------------------------------------------------------------------------------ records
def test_record_round_trips_through_json() -> None:
    a = Assumptions(diffraction="deygout", service_level="indoor_90", environment="indoor",
                    location_probability=90.0, service_labels=("in", "trong"), land_cover=True,
                    land_cover_source="lc.tif", calibrated=("4G",), calibration_points=10,
                    calibration_rmse_db=6.5, rx_height_m=2.0)
    assert Assumptions.from_dict(json.loads(json.dumps(a.as_dict()))) == a
    assert Assumptions.from_dict({"model": "fspl", "later_key": 1}).model == "fspl"


def test_csv_columns_and_stamping() -> None:
    cols = Assumptions().csv_columns()
    assert all(k.startswith(CSV_PREFIX) for k in cols)
    assert cols["assumed_service_level"] == "outdoor_50"
    assert cols["assumed_location_probability_pct"] == 50.0
    assert cols["assumed_land_cover"] == "none (bare earth)"
    assert cols["assumed_calibration"] == "uncalibrated"
    assert "assumed_service_level" not in Assumptions().csv_columns(service=False)
    table = pd.DataFrame({"name": ["A", "B"], "assumed_service_level": ["outdoor_90", "indoor_90"]})
    out = stamp_table(table, cols)
    assert list(out["assumed_service_level"]) == ["outdoor_90", "indoor_90"]  # the table's own wins
    assert list(out["assumed_model"]) == ["p1812", "p1812"] and list(table.columns) == [
        "name", "assumed_service_level"]  # the input is not changed
    assert list(stamp_table(table.iloc[:0], cols).columns)[-1] == "assumed_calibration"
    assert stamp_table(table, None) is table


def test_files_carry_the_record(tmp_path: Path) -> None:
    import pyogrio
    import rasterio
    from shapely.geometry import Point

    record = Assumptions().csv_columns()
    path = files.by_key("coverage_by_unit").write(tmp_path, pd.DataFrame({"name": ["A"], "people": [5]}),
                                                  record=record)
    first = path.read_text(encoding="utf-8-sig").splitlines()[0]
    assert first.startswith("name,people,assumed_model")  # a clean table: the header comes first
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back.loc[0, "assumed_model"] == "p1812" and back.loc[0, "assumed_rx_height_m"] == 1.5
    tif = files.by_key("class").write(tmp_path, np.zeros((3, 3), "uint8"),
                                      transform=Affine(30, 0, 0, 0, -30, 90), crs="EPSG:32648",
                                      record=record)
    with rasterio.open(tif) as src:
        assert src.tags()["assumed_service_level"] == "outdoor_50"
    import geopandas as gpd

    layer = gpd.GeoDataFrame({"name": ["A"]}, geometry=[Point(0, 0)], crs="EPSG:32648")
    gpkg = files.by_key("coverage_gpkg").write(tmp_path, {"units": layer, "sites": layer},
                                               record=record)
    for name in ("units", "sites"):
        assert pyogrio.read_info(gpkg, layer=name)["layer_metadata"]["assumed_calibration"] == (
            "uncalibrated")


def test_coverage_write_records_what_it_assumes(tmp_path: Path) -> None:
    import rasterio

    import netcover as nc
    from netcover.data.examples import example_dem, example_sites
    from netcover.outputs.results import RunFolder

    cov = nc.compute_coverage(example_sites(), example_dem(), radius_km=1)
    cov.write(tmp_path / "coverage")
    record = json.loads((tmp_path / "coverage" / "assumptions.json").read_text("utf-8"))
    median = Assumptions.of_inputs(cov.inputs, service=MEDIAN_SERVICE)  # what class.tif shows
    assert Assumptions.from_dict(record) == median
    assert RunFolder(tmp_path).assumptions() == median
    with rasterio.open(tmp_path / "coverage" / "class.tif") as src:
        assert src.tags()["assumed_model"] == cov.inputs.scenario.coverage.model


# ------------------------------------------------------------------------------ report and maps
def _calibrated_run(folder: Path) -> None:
    record = Assumptions(calibrated=("4G",), calibration_points=250, calibration_rmse_db=5.2)
    files.by_key("assumptions").write_in_run(folder, record.as_dict())


@pytest.mark.parametrize("calibrated", [False, True])
def test_report_states_the_record_and_banner_iff_uncalibrated(tmp_path: Path, calibrated: bool) -> None:
    from netcover.outputs.report import write_report

    run = hand_made_run(tmp_path / "run")
    if calibrated:
        _calibrated_run(run.path)
    for lang, banner, piece in (("en", "Uncalibrated model:", "250 measurements"),
                                ("vi", "Mô hình chưa hiệu chỉnh:", "250 điểm đo")):
        write_report(run, tmp_path / "out", lang, "2024-Q3")  # type: ignore[arg-type]
        html = (tmp_path / "out" / f"report_{lang}.html").read_text("utf-8")
        md = (tmp_path / "out" / f"report_{lang}.md").read_text("utf-8")
        assert (banner in html and "class=\"banner\"" in html and banner in md) is not calibrated
        assert (piece in html and piece in md) is calibrated
        sentence = Assumptions.from_dict(run.assumptions().as_dict()).sentence(lang) if calibrated \
            else Assumptions().sentence(lang)  # type: ignore[arg-type]
        assert md.count(sentence) >= 2  # the summary figures and the commune table
        table = pd.read_csv(tmp_path / "out" / "tables" / f"coverage_by_commune_{lang}.csv",
                            encoding="utf-8-sig")
        model = "Model" if lang == "en" else "Mô hình"
        assert set(table[model]) == {"ITU-R P.1812"}
        assert table.columns[0] in ("Commune", "Xã, thị trấn")  # still a table from its first line


def test_print_maps_carry_the_record_and_the_banner(tmp_path: Path) -> None:
    from matplotlib.text import Text

    from netcover.outputs.report.printmaps import draw_map

    run = hand_made_run(tmp_path / "run")
    for lang, banner, line in (("en", "Uncalibrated model", "Service level: outdoor, 50% of locations"),
                               ("vi", "Mô hình chưa hiệu chỉnh", "Mức dịch vụ: ngoài trời, 50% vị trí")):
        fig = draw_map(run, "coverage", lang, "2024-Q3")  # type: ignore[arg-type]
        assert fig is not None
        texts = " ".join(t.get_text() for t in fig.findobj(Text)).replace("\n", " ")
        assert banner in texts and line in texts
    _calibrated_run(run.path)
    fig = draw_map(run, "gaps", "en", "2024-Q3")
    assert fig is not None
    texts = " ".join(t.get_text() for t in fig.findobj(Text)).replace("\n", " ")
    assert "Uncalibrated" not in texts and "Calibration: calibrated with 250 measurements" in texts


def test_interactive_legend_carries_the_record_escaped() -> None:
    from netcover.outputs.maps.legend import banner_html, legend_html

    a = Assumptions(land_cover=True, land_cover_source="<b>x</b>.tif")
    html = legend_html("en", operators={}, signal_tech=None, links=False, assumptions=a)
    for line in ("Model: ITU-R P.1812", "Service level: outdoor, 50% of locations",
                 "Locations: 50%", "Land cover: land cover from &lt;b&gt;x&lt;/b&gt;.tif",
                 "Calibration: uncalibrated"):
        assert line in html, line
    assert "<b>x</b>" not in html
    assert "Mức dịch vụ" in legend_html("vi", operators={}, signal_tech=None, links=False,
                                        assumptions=a)
    assert "&lt;script&gt;" in banner_html("<script>")


def test_a_run_records_and_maps_what_it_assumes(tmp_path: Path) -> None:
    import shutil

    from netcover.outputs.maps import build_map
    from netcover.outputs.results import RunFolder

    from .test_maps import run_mini

    run = run_mini(tmp_path / "mini")
    # the mini district: default settings, the class rasters' median level
    assert run.assumptions() == Assumptions.from_scenario(Scenario(), service=MEDIAN_SERVICE)
    units = pd.read_csv(run.path / "coverage" / "coverage_by_unit.csv", encoding="utf-8-sig")
    assert set(units["assumed_calibration"]) == {"uncalibrated"} and "all_share_covered" in units
    page = build_map(run, tmp_path / "map.html").read_text("utf-8")
    assert "netcover-banner" in page and "Uncalibrated model" in page and "Calibration:" in page
    shutil.copytree(run.path, tmp_path / "calibrated")
    _calibrated_run(tmp_path / "calibrated")
    page = build_map(RunFolder(tmp_path / "calibrated"), tmp_path / "map_vi.html",
                     lang="vi").read_text("utf-8")
    assert "netcover-banner" not in page and "Hiệu chỉnh: đã hiệu chỉnh theo 250 điểm đo" in page
