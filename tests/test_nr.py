"""5G NR: numerology, SS-RSRP per resource element by hand, the sites table's 5G rows."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from netcover.config.nr import default_scs_khz, nr_numerology, nr_resource_blocks
from netcover.config.radio import SS_RSRP_THRESHOLDS, CoverageClass, default_thresholds
from netcover.config.scenario import Scenario
from netcover.data.sites import check_sites
from netcover.errors import ModelError
from netcover.radio import budget


def test_resource_blocks_of_ts_38_101_1_table_5_3_2_1() -> None:
    assert nr_resource_blocks(100, 30) == 273
    assert nr_resource_blocks(20, 15) == 106
    assert nr_resource_blocks(50, 15) == 270
    assert nr_resource_blocks(40, 30) == 106
    assert nr_resource_blocks(100, 60) == 135
    assert nr_numerology(30) == 1
    with pytest.raises(ModelError, match="15 kHz"):
        nr_resource_blocks(100, 15)
    with pytest.raises(ModelError, match="subcarrier spacing"):
        nr_resource_blocks(20, 120)


def test_band_default_spacing() -> None:
    assert default_scs_khz(3500.0) == 30.0  # n78
    assert default_scs_khz(2600.0) == 30.0  # n41
    assert default_scs_khz(750.0) == 15.0  # n28


def test_ss_rsrp_by_hand() -> None:
    # 46 dBm over 100 MHz at 30 kHz: 273 RB x 12 = 3,276 RE; 46 - 10 log10(3276) = 10.8466 dBm
    ref = budget.cell_reference_power_dbm("5G", 46.0, 100.0, scs_khz=30.0)
    assert ref == pytest.approx(46.0 - 35.1534, abs=1e-3)
    # 43 dBm over 20 MHz at 15 kHz (n28): 106 x 12 = 1,272 RE: 11.955 dBm
    assert budget.ss_rsrp_power_dbm(43.0, 20.0, 15.0) == pytest.approx(43.0 - 31.0449, abs=1e-3)
    # noise per RE at 30 kHz, NF 7 dB: -174 + 44.771 + 7 = -122.229 dBm
    assert budget.reference_noise_dbm("5G", 7.0, scs_khz=30.0) == pytest.approx(-122.2288, abs=1e-3)
    # level = 10.85 + 18 dBi - 130 dB loss = -101.15 dBm: fair (>= -105, < -95)
    level = budget.received_level_dbm(ref, 18.0, 0.0, np.array([130.0]))
    assert float(level[0]) == pytest.approx(10.8466 + 18.0 - 130.0, abs=1e-3)
    assert budget.classify(level, SS_RSRP_THRESHOLDS)[0] == CoverageClass.FAIR
    with pytest.raises(ModelError, match="scs_khz"):
        budget.cell_reference_power_dbm("5G", 46.0, 100.0)


def test_5g_thresholds_are_defaults_of_a_scenario() -> None:
    assert default_thresholds("5G") is SS_RSRP_THRESHOLDS
    assert Scenario().thresholds["5G"] == SS_RSRP_THRESHOLDS
    assert Scenario().thresholds["4G"] == default_thresholds("4G")


def _cells(**columns: list[object]) -> pd.DataFrame:
    n = len(columns["technology"])
    base: dict[str, list[object]] = {
        "site_id": [f"S{i}" for i in range(n)], "cell_id": [f"C{i}" for i in range(n)],
        "operator": ["Op"] * n, "lon": [105.0 + i * 0.01 for i in range(n)], "lat": [23.0] * n,
        "height_m": [30.0] * n, "azimuth_deg": [0.0] * n, "mech_tilt_deg": [2.0] * n,
        "elec_tilt_deg": [2.0] * n, "frequency_mhz": [3500.0] * n, "bandwidth_mhz": [100.0] * n,
        "tx_power_dbm": [46.0] * n, "antenna_gain_dbi": [18.0] * n, "h_beamwidth_deg": [65.0] * n,
        "v_beamwidth_deg": [7.0] * n, "pattern_file": [""] * n}
    base.update(columns)
    return pd.DataFrame(base)


def test_sites_accept_nr_spellings_and_fill_the_spacing() -> None:
    df = _cells(technology=["NR", "5G NR", "5g", "LTE"], frequency_mhz=[3500.0, 2600.0, 750.0, 1800.0],
                bandwidth_mhz=[100.0, 40.0, 20.0, 20.0])
    gdf, problems = check_sites(df, label="sites.csv")
    assert problems == []
    assert gdf is not None
    assert gdf["technology"].tolist() == ["5G", "5G", "5G", "4G"]
    scs = gdf["scs_khz"].tolist()
    assert scs[:3] == [30.0, 30.0, 15.0] and math.isnan(scs[3])


def test_sites_refuse_a_bad_spacing_or_bandwidth() -> None:
    df = _cells(technology=["5G", "5G", "5G"], bandwidth_mhz=[100.0, 100.0, 20.0],
                frequency_mhz=[3500.0, 3300.0, 3500.0], scs_khz=["", "15", "45"])
    _, problems = check_sites(df, label="sites.csv")
    text = " | ".join(str(p) for p in problems)
    assert len(problems) == 2, text
    assert "100 MHz is not an NR channel bandwidth at 15 kHz" in text
    assert "'45' is not an NR subcarrier spacing" in text


def test_4g_only_tables_get_no_new_column() -> None:
    gdf, problems = check_sites(_cells(technology=["4G"], frequency_mhz=[1800.0],
                                       bandwidth_mhz=[20.0]), label="sites.csv")
    assert problems == [] and gdf is not None and "scs_khz" not in gdf.columns


def test_validation_accepts_5g_rows_and_fills_their_spacing(tmp_path) -> None:
    from netcover.config.scenario import load_scenario
    from netcover.data.inputs import load_inputs

    from .conftest import site_rows, write_mini_district, write_sites

    scenario = write_mini_district(tmp_path / "mini")
    rows = site_rows()
    rows[-1] = {**rows[-1], "technology": "NR", "frequency_mhz": 3500, "bandwidth_mhz": 100}
    write_sites(scenario.parent / "sites.csv", rows)
    inputs = load_inputs(load_scenario(scenario))  # no ValidationError
    assert inputs.cells is not None
    assert inputs.cells["technology"].tolist() == ["4G", "4G", "4G", "5G"]
    assert inputs.cells["scs_khz"].iloc[-1] == 30.0
    assert not [w for w in inputs.warnings if w.field in ("technology", "scs_khz")]
    from click.testing import CliRunner

    from netcover.app.cli import cli

    result = CliRunner().invoke(cli, ["validate", str(scenario)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "OK: the inputs are valid" in result.output and "5G: 1" in result.output


def test_one_carrier_of_an_operator_has_one_spacing() -> None:
    df = _cells(technology=["5G", "5G", "5G"], frequency_mhz=[2600.0, 2600.0, 700.0],
                bandwidth_mhz=[20.0, 20.0, 20.0], scs_khz=["15", "30", "30"])
    _, problems = check_sites(df, label="sites.csv")
    (problem,) = problems
    assert problem.field == "scs_khz" and "2600 MHz" in problem.message
    assert "15, 30 kHz" in problem.message and "row 2, row 3" in problem.message
    df["operator"] = ["A", "B", "A"]  # two operators' carriers: each has its one spacing
    assert check_sites(df, label="sites.csv")[1] == []
