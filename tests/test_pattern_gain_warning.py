"""A pattern file's GAIN that disagrees with the row's antenna_gain_dbi gives a warning."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from netcover.data.sites import check_sites
from netcover.radio.antenna import DIPOLE_GAIN_DBI
from netcover.radio.msi import read_msi


def _msi(path: Path, gain_line: str) -> Path:
    lines = ["NAME T", gain_line, "HORIZONTAL 2", "0 0", "180 20", "VERTICAL 2", "0 0", "180 20"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cells(pattern: str, gain_dbi: float) -> pd.DataFrame:
    row = {"site_id": "S1", "cell_id": "S1-A", "operator": "op", "technology": "LTE",
           "lon": 105.1, "lat": 23.1, "height_m": 30.0, "azimuth_deg": 0.0, "mech_tilt_deg": 0.0,
           "elec_tilt_deg": 0.0, "frequency_mhz": 1800.0, "bandwidth_mhz": 10.0,
           "tx_power_dbm": 43.0, "antenna_gain_dbi": gain_dbi, "h_beamwidth_deg": 65.0,
           "v_beamwidth_deg": 10.0, "pattern_file": pattern}
    return pd.DataFrame([row])


def _gain_warnings(tmp_path: Path, gain_line: str, row_gain: float) -> list:
    _msi(tmp_path / "ant.msi", gain_line)
    _, problems = check_sites(_cells("ant.msi", row_gain), label="sites.csv", base=tmp_path)
    assert [p for p in problems if p.severity == "error"] == []
    return [p for p in problems if p.field == "antenna_gain_dbi"]


def test_parsing_keeps_the_gain(tmp_path: Path) -> None:
    assert read_msi(_msi(tmp_path / "a.msi", "GAIN 17.5 dBi")).gain_dbi == 17.5
    assert read_msi(_msi(tmp_path / "b.msi", "GAIN 15 dBd")).gain_dbi == pytest.approx(
        15.0 + DIPOLE_GAIN_DBI)


def test_mismatch_warns_naming_cell_values_and_fix(tmp_path: Path) -> None:
    (w,) = _gain_warnings(tmp_path, "GAIN 15.85 dBd", 15.0)
    assert w.severity == "warning" and w.source == "sites.csv" and w.where == "row 2"
    assert "'S1'" in w.message and "'S1-A'" in w.message
    assert "18 dBi" in w.message and "15 dBi" in w.message  # 15.85 dBd = 18.0 dBi
    assert "Set antenna_gain_dbi" in w.message


@pytest.mark.parametrize(("gain_line", "row_gain"), [
    ("GAIN 17.5 dBi", 17.5), ("GAIN 17.5 dBi", 17.0), ("GAIN 15.35 dBd", 17.9),
    ("NAME again", 10.0),  # no GAIN line: nothing to compare
])
def test_no_warning_within_half_a_db_or_without_gain(tmp_path: Path, gain_line: str,
                                                     row_gain: float) -> None:
    assert _gain_warnings(tmp_path, gain_line, row_gain) == []


def test_just_over_half_a_db_warns(tmp_path: Path) -> None:
    assert len(_gain_warnings(tmp_path, "GAIN 17.5 dBi", 16.9)) == 1
