"""Formats planners have: Excel, ';' CSV with decimal commas, BOM or not, UTF-16; KML and others."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from netcover.config.scenario import load_scenario
from netcover.data.inputs import check_inputs
from netcover.data.reported import read_reported
from netcover.data.sites import SITE_COLUMNS, read_sites
from netcover.errors import DataFileError

from .conftest import site_rows, write_sites

NUMERIC = ["lon", "lat", "height_m", "azimuth_deg", "tx_power_dbm", "antenna_gain_dbi"]


def reference(tmp_path: Path) -> pd.DataFrame:
    cells, problems = read_sites(write_sites(tmp_path / "ref.csv"))
    assert problems == [] and cells is not None
    return cells


def locale_csv(rows: list[dict[str, object]]) -> str:
    """What Excel in a Vietnamese/European locale saves: ';' between fields, decimal commas."""
    lines = [";".join(SITE_COLUMNS)]
    for r in rows:
        lines.append(";".join(str(r[c]).replace(".", ",") if isinstance(r[c], float) else str(r[c])
                              for c in SITE_COLUMNS))
    return "\r\n".join(lines) + "\r\n"


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_semicolons_and_decimal_commas_read_as_the_csv(tmp_path: Path) -> None:
    rows = site_rows()
    rows[0]["antenna_gain_dbi"] = 17.5
    path = tmp_path / "sites_vi.csv"
    path.write_text(locale_csv(rows), encoding="utf-8-sig")
    cells, problems = read_sites(path)
    assert problems == [] and cells is not None
    ref = read_sites(write_sites(tmp_path / "ref.csv", rows))[0]
    assert ref is not None
    np.testing.assert_allclose(cells[NUMERIC].to_numpy(float), ref[NUMERIC].to_numpy(float))
    assert cells["antenna_gain_dbi"].iloc[0] == 17.5


def test_a_number_that_reads_two_ways_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "sites_vi.csv"
    text = locale_csv(site_rows()).replace(";1800;", ";1.800;", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        read_sites(path)
    msg = str(info.value)
    assert "sites_vi.csv: row 2, field 'frequency_mhz': '1.800' is ambiguous" in msg
    assert "write the number without a thousands separator" in msg


def test_a_decimal_comma_in_a_comma_file_gets_a_hint(tmp_path: Path) -> None:
    rows = site_rows()
    rows[0]["antenna_gain_dbi"] = "17,5"
    _cells, problems = read_sites(write_sites(tmp_path / "sites.csv", rows))
    p = next(p for p in problems if p.field == "antenna_gain_dbi")
    assert p.where == "row 2" and "decimal comma" in p.message


@pytest.mark.parametrize(("encoding", "sep"), [("utf-8", ";"), ("utf-16", "\t"),
                                               ("utf-8-sig", "\t")])
def test_encodings_and_delimiters(tmp_path: Path, encoding: str, sep: str) -> None:
    rows = site_rows()
    rows[0]["operator"] = "Viettel Hà Giang"
    path = tmp_path / "sites.csv"
    pd.DataFrame(rows).to_csv(path, index=False, sep=sep, encoding=encoding)
    cells, problems = read_sites(path)
    assert problems == [] and cells is not None
    assert cells["operator"].iloc[0] == "Viettel Hà Giang"
    assert list(cells.columns[:3]) == ["site_id", "cell_id", "operator"]


def test_not_utf8_is_refused_with_the_fix(tmp_path: Path) -> None:
    rows = site_rows()
    rows[0]["operator"] = "Viettel Hà Giang"
    path = tmp_path / "sites.csv"
    pd.DataFrame(rows).to_csv(path, index=False, encoding="cp1258")
    with pytest.raises(DataFileError, match=r"sites\.csv: the sites file is not UTF-8.*CSV UTF-8"):
        read_sites(path)


def test_sites_from_excel(tmp_path: Path) -> None:
    rows = site_rows()
    for r in rows:
        r["site_id"] = 1001 if r["site_id"] == "S1" else 1002
    ref = read_sites(write_sites(tmp_path / "ref.csv", rows))[0]
    path = write_xlsx(tmp_path / "sites.xlsx", list(SITE_COLUMNS),
                      [[None if r[c] == "" else r[c] for c in SITE_COLUMNS] for r in rows])
    cells, problems = read_sites(path)
    assert problems == [] and cells is not None and ref is not None
    assert list(cells["site_id"]) == ["1001", "1001", "1001", "1002"]
    np.testing.assert_allclose(cells[NUMERIC].to_numpy(float), ref[NUMERIC].to_numpy(float))
    assert list(cells["pattern_file"]) == [""] * 4


def test_excel_problems_name_the_sheet_row(tmp_path: Path) -> None:
    rows = site_rows()
    rows[2]["height_m"] = "cao"
    path = write_xlsx(tmp_path / "sites.xlsx", list(SITE_COLUMNS),
                      [[r[c] for c in SITE_COLUMNS] for r in rows])
    _cells, problems = read_sites(path)
    p = next(p for p in problems if p.field == "height_m")
    assert p.source.endswith("sites.xlsx") and p.where == "row 4"


def test_old_excel_is_refused_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "sites.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0 old workbook")
    from netcover.core.tables import read_table

    with pytest.raises(DataFileError, match=r"\.xls workbooks are not read.*\.xlsx"):
        read_table(path, "sites")


def test_reported_indicators_with_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "reported.csv"
    path.write_text("unit_code;period;share_internet_users\n001;2024-Q3;0,52\n", encoding="utf-8")
    frame = read_reported(path)
    assert frame["value"].tolist() == [0.52]
    assert frame["unit_code"].tolist() == ["001"]


# --------------------------------------------------------------------------- vectors


@pytest.mark.parametrize("suffix", [".kml", ".shp"])  # GeoPackage and GeoJSON: test_validation
def test_settlements_and_units_in_kml_and_shapefile(mini_scenario: Path, suffix: str) -> None:
    folder = mini_scenario.parent
    text = mini_scenario.read_text()
    for name in ("settlements", "communes"):
        layer = gpd.read_file(folder / f"{name}.gpkg").to_crs("EPSG:4326")
        out = folder / f"{name}_x{suffix}"
        layer.to_file(out, driver={".kml": "KML", ".geojson": "GeoJSON", ".shp": "ESRI Shapefile",
                                   ".gpkg": "GPKG"}[suffix])
        text = text.replace(f'"{name}.gpkg"', f'"{out.name}"')
    mini_scenario.write_text(text)
    inputs, problems = check_inputs(load_scenario(mini_scenario))
    assert [p for p in problems if p.severity == "error"] == []
    assert inputs is not None and inputs.settlements is not None and inputs.units is not None
    assert sorted(inputs.units["name"]) == ["Tây", "Đông"]
    assert sorted(inputs.units["code"]) == ["001", "002"]
    assert inputs.settlements["population"].sum() == 500
    assert inputs.settlements["households"].tolist() == [60.0, 40.0]


def test_households_are_optional_and_missing_not_zero(mini_scenario: Path) -> None:
    path = mini_scenario.parent / "settlements.gpkg"
    villages = gpd.read_file(path)
    villages.drop(columns=["households", "fibre_households"]).to_file(path)
    inputs, problems = check_inputs(load_scenario(mini_scenario))
    assert [p for p in problems if p.severity == "error"] == []
    assert inputs is not None and inputs.settlements is not None
    assert inputs.settlements["households"].isna().all()
    assert inputs.settlements["fibre_households"].isna().all()
