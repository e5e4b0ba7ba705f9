"""SINR -> spectral efficiency -> throughput against the cited tables (TR 36.942 A.2, TS 38.306)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from netcover.errors import ModelError
from netcover.radio.throughput import (
    LTE_DL,
    LTE_UL,
    NR_DL,
    AttenuatedShannon,
    cell_peak_rate_mbps,
    loaded_throughput_mbps,
    lte_rate_mbps,
    nr_rate_mbps,
)


def test_lte_parameters_are_tr_36_942_table_a2_1() -> None:
    # Table A.2-1: DL alpha 0.6, SINR_MIN -10 dB, Thr_MAX 4.4 bps/Hz; UL 0.4, -10 dB, 2.0 bps/Hz
    assert (LTE_DL.alpha, LTE_DL.sinr_min_db, LTE_DL.thr_max) == (0.6, -10.0, 4.4)
    assert (LTE_UL.alpha, LTE_UL.sinr_min_db, LTE_UL.thr_max) == (0.4, -10.0, 2.0)
    # SINR_MAX where alpha log2(1 + SINR) reaches Thr_MAX: 22.05 dB (DL), 14.91 dB (UL)
    assert LTE_DL.sinr_max_db == pytest.approx(22.0485, abs=1e-3)
    assert LTE_UL.sinr_max_db == pytest.approx(14.9136, abs=1e-3)


def test_the_three_branches_of_the_attenuated_shannon_bound() -> None:
    se = LTE_DL.efficiency(np.array([-10.001, -10.0, 0.0, 10.0, 22.0, 22.1, 40.0, np.nan]))
    assert se[0] == 0.0  # below SINR_MIN
    assert se[1] == pytest.approx(0.6 * math.log2(1.1))
    assert se[2] == pytest.approx(0.6)  # 0 dB: log2(2) = 1
    assert se[3] == pytest.approx(0.6 * math.log2(11.0))
    assert se[4] < 4.4
    assert se[5] == se[6] == 4.4  # Thr_MAX above SINR_MAX
    assert np.isnan(se[7])
    assert np.all(np.diff(LTE_DL.efficiency(np.linspace(-15, 40, 200))) >= 0)


def test_lte_rate_over_the_resource_blocks() -> None:
    # 20 MHz = 100 RB x 180 kHz = 18 MHz; at Thr_MAX 4.4 bps/Hz: 79.2 Mb/s
    assert float(lte_rate_mbps(4.4, 20.0)) == pytest.approx(79.2)
    assert float(cell_peak_rate_mbps("4G", 30.0, 10.0)) == pytest.approx(4.4 * 50 * 0.18)
    with pytest.raises(ModelError, match="LTE channel bandwidth"):
        lte_rate_mbps(1.0, 12.0)


def test_nr_peak_rate_is_ts_38_306_formula() -> None:
    # 100 MHz at 30 kHz (273 RB), 256QAM R = 948/1024, 4 layers, OH 0.14: 2,337 Mb/s
    assert NR_DL.thr_max == pytest.approx(8 * 948 / 1024)
    assert float(nr_rate_mbps(NR_DL.thr_max, 100.0, 30.0, layers=4)) == pytest.approx(2337.0, abs=0.01)
    # one layer, 20 MHz at 15 kHz (106 RB): 7.40625 * 106 * 12 * 14000 * 0.86 / 1e6
    expected = 7.40625 * 106 * 12 * 14_000 * 0.86 / 1e6
    assert float(cell_peak_rate_mbps("5G", 60.0, 20.0, scs_khz=15.0)) == pytest.approx(expected)
    assert NR_DL.sinr_max_db == pytest.approx(37.158, abs=1e-3)


def test_loaded_throughput_and_refusals() -> None:
    assert loaded_throughput_mbps(np.array([50.0, 50.0, 50.0]), np.array([0.0, 0.4, 1.3])).tolist() \
        == pytest.approx([50.0, 30.0, 0.0])
    with pytest.raises(ModelError, match="4G and 5G"):
        cell_peak_rate_mbps("3G", 10.0, 5.0)
    with pytest.raises(ModelError, match="scs_khz"):
        cell_peak_rate_mbps("5G", 10.0, 20.0)
    with pytest.raises(ModelError):
        AttenuatedShannon(alpha=0.0, sinr_min_db=-10.0, thr_max=4.4)
    with pytest.raises(ModelError):
        nr_rate_mbps(1.0, 100.0, 15.0)  # 100 MHz is not a 15 kHz channel
