"""Tests of netcover.radio.budget and netcover.radio.servers: link budget, best server accumulation,
SINR, coverage classes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netcover.config.radio import (
    RSCP_THRESHOLDS,
    RSRP_THRESHOLDS,
    ClassThresholds,
    CoverageClass,
    default_thresholds,
)
from netcover.errors import InputError, ModelError
from netcover.radio.budget import (
    cell_reference_power_dbm,
    classify,
    pilot_power_dbm,
    received_level_dbm,
    reference_noise_dbm,
    reference_signal_power_dbm,
    resource_blocks,
    thermal_noise_dbm,
)
from netcover.radio.servers import ServerAccumulator

# --------------------------------------------------------------------------- powers and noise


@pytest.mark.parametrize(("bw", "n_rb"), [(1.4, 6), (3, 15), (5, 25), (10, 50), (15, 75),
                                          (20, 100)])
def test_resource_blocks(bw, n_rb):
    assert resource_blocks(bw) == n_rb


@pytest.mark.parametrize("bw", [0.0, 7.0, 25.0, float("nan")])
def test_resource_blocks_rejects_other_bandwidths(bw):
    with pytest.raises(ModelError, match="LTE channel bandwidth"):
        resource_blocks(bw)


def test_reference_signal_power():
    assert reference_signal_power_dbm(43.0, 20.0) == pytest.approx(12.2, abs=0.01)
    assert reference_signal_power_dbm(43.0, 20.0) == pytest.approx(43.0 - 10 * math.log10(1200))
    assert reference_signal_power_dbm(46.0, 10.0) == pytest.approx(46.0 - 10 * math.log10(600))


def test_pilot_and_cell_reference_power():
    assert pilot_power_dbm(43.0) == 33.0
    assert pilot_power_dbm(43.0, -13.0) == 30.0
    with pytest.raises(ModelError, match="pilot_fraction_db"):
        pilot_power_dbm(43.0, 3.0)
    assert cell_reference_power_dbm("3G", 43.0, 5.0) == 33.0
    assert cell_reference_power_dbm("4G", 43.0, 20.0) == reference_signal_power_dbm(43.0, 20.0)
    with pytest.raises(InputError, match="technology='6G'"):
        cell_reference_power_dbm("6G", 43.0, 20.0)


def test_thermal_noise():
    n = thermal_noise_dbm(15e3, 7.0)
    assert n == pytest.approx(-174.0 + 10 * math.log10(15e3) + 7.0)
    assert n == pytest.approx(-125.24, abs=0.01)
    assert reference_noise_dbm("4G", 7.0) == n
    assert reference_noise_dbm("3G", 7.0) == pytest.approx(thermal_noise_dbm(3.84e6, 7.0) - 10.0)
    for bad in ((0.0, 7.0), (15e3, -1.0), (float("inf"), 7.0)):
        with pytest.raises(ModelError):
            thermal_noise_dbm(*bad)


def test_received_level():
    loss = np.array([[100.0, np.nan], [140.0, 120.0]], dtype=np.float32)
    rel = np.array([[0.0, 0.0], [-3.0, -25.0]], dtype=np.float32)
    lv = received_level_dbm(12.2, 17.0, rel, loss, rx_gain_dbi=0.0, feeder_loss_db=2.0,
                            body_loss_db=1.0)
    assert lv.dtype == np.float32
    np.testing.assert_allclose(lv, [[-73.8, np.nan], [-116.8, -118.8]], atol=1e-4)
    assert float(received_level_dbm(10.0, 15.0, 0.0, 100.0, rx_gain_dbi=2.0)) == -73.0
    with pytest.raises(ModelError):
        received_level_dbm(float("nan"), 15.0, 0.0, 100.0)


# --------------------------------------------------------------------------- best server


def _window(value: float, shape: tuple[int, int] = (3, 3)) -> np.ndarray:
    return np.full(shape, value, dtype=np.float32)


def test_best_server_of_two_overlapping_windows():
    acc = ServerAccumulator((5, 5), [1800.0])
    a = _window(-80.0)
    b = _window(-90.0)
    b[1, 1] = -70.0  # grid (2, 2): cell 1 wins
    b[0, 1] = -84.0  # grid (1, 2): cell 0 wins by 4 dB, both count
    acc.add(0, 1800.0, 0, 0, a)
    acc.add(1, 1800.0, 1, 1, b)
    best = acc.best_level_dbm()
    cells = acc.best_cell()
    assert best.dtype == np.float32 and cells.dtype == np.int32
    assert cells[0, 0] == 0 and best[0, 0] == -80.0
    assert cells[2, 2] == 1 and best[2, 2] == -70.0
    assert cells[1, 1] == 0 and best[1, 1] == -80.0  # overlap, cell 0 stronger
    assert cells[3, 3] == 1 and best[3, 3] == -90.0
    assert cells[0, 4] == -1 and np.isnan(best[0, 4])
    assert np.isnan(best[4, 0]) and cells[4, 0] == -1
    count = acc.server_count()
    assert count.dtype == np.uint8
    assert count[1, 2] == 2 and count[1, 1] == 1 and count[0, 0] == 1 and count[4, 0] == 0
    freq = acc.best_frequency_mhz()
    assert freq[0, 0] == 1800.0 and np.isnan(freq[4, 4])


def test_tie_goes_to_lower_cell_index_in_any_order():
    for order in ((3, 5), (5, 3)):
        acc = ServerAccumulator((2, 2), [900.0])
        for cell in order:
            acc.add(cell, 900.0, 0, 0, _window(-85.0, (2, 2)))
        np.testing.assert_array_equal(acc.best_cell(), 3)
        np.testing.assert_array_equal(acc.server_count(), 2)


def test_sinr_of_two_equal_cells_on_one_frequency():
    noise = thermal_noise_dbm(15e3, 7.0)
    acc = ServerAccumulator((2, 3), [1800.0])
    acc.add(0, 1800.0, 0, 0, _window(-80.0, (2, 3)))
    acc.add(1, 1800.0, 0, 0, _window(-80.0, (2, 3)))
    expected = -10 * math.log10(1.0 + 10 ** ((noise + 80.0) / 10))  # 0 dB minus noise effect
    assert expected == pytest.approx(-0.0001, abs=0.0001)
    np.testing.assert_allclose(acc.sinr_db(noise), expected, atol=1e-5)
    np.testing.assert_allclose(acc.total_power_dbm(1800.0), -80.0 + 10 * math.log10(2), atol=1e-4)


def test_different_frequencies_do_not_interfere():
    noise = -125.0
    acc = ServerAccumulator((2, 2), [1800.0, 900.0])
    acc.add(0, 1800.0, 0, 0, _window(-80.0, (2, 2)))
    acc.add(1, 900.0, 0, 0, _window(-82.0, (2, 2)))
    np.testing.assert_allclose(acc.sinr_db(noise), 45.0, atol=1e-4)
    # ... while a third cell on 1800 MHz does.
    acc.add(2, 1800.0, 0, 0, _window(-90.0, (2, 2)))
    expected = -80.0 - 10 * math.log10(10 ** (-9.0) + 10 ** (noise / 10))
    np.testing.assert_allclose(acc.sinr_db(noise), expected, atol=1e-4)
    np.testing.assert_array_equal(acc.server_count(), 2)  # counts cover all carriers


def test_sinr_is_nan_where_no_cell_reaches():
    acc = ServerAccumulator((3, 3), [1800.0])
    window = _window(-100.0, (2, 2))
    window[0, 0] = np.nan
    acc.add(0, 1800.0, 1, 1, window)
    sinr = acc.sinr_db(-125.0)
    assert sinr.dtype == np.float32
    assert np.isnan(sinr[0, 0]) and np.isnan(sinr[1, 1])
    assert sinr[2, 2] == pytest.approx(25.0, abs=1e-4)
    assert np.isnan(acc.total_power_dbm(1800.0)[0, 0])


def _random_cells(rng: np.random.Generator, shape: tuple[int, int], n_cells: int,
                  freqs: list[float]) -> list[tuple[int, float, int, int, np.ndarray]]:
    cells = []
    for cell in range(n_cells):
        h = int(rng.integers(1, shape[0] + 1))
        w = int(rng.integers(1, shape[1] + 1))
        r0 = int(rng.integers(0, shape[0] - h + 1))
        c0 = int(rng.integers(0, shape[1] - w + 1))
        # Levels on a 1 dB lattice make ties and exact margin boundaries frequent.
        level = rng.integers(-100, -80, size=(h, w)).astype(np.float32)
        level[rng.random((h, w)) < 0.2] = np.nan
        cells.append((cell, freqs[cell % len(freqs)], r0, c0, level))
    return cells


def _brute_force(shape, cells, margin, cap):
    stack = np.full((len(cells), *shape), np.nan)
    for cell, _f, r0, c0, level in cells:
        stack[cell, r0:r0 + level.shape[0], c0:c0 + level.shape[1]] = level
    filled = np.where(np.isnan(stack), -np.inf, stack)
    best = filled.max(axis=0)
    best_cell = np.where(np.isfinite(best), filled.argmax(axis=0), -1)
    count = np.minimum((filled >= best - margin).sum(axis=0), cap)
    count[~np.isfinite(best)] = 0
    return np.where(np.isfinite(best), best, np.nan), best_cell, count


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cap=st.integers(1, 6))
def test_accumulator_matches_brute_force_in_any_order(seed, cap):
    rng = np.random.default_rng(seed)
    shape = (6, 7)
    freqs = [1800.0, 2100.0]
    cells = _random_cells(rng, shape, 9, freqs)
    results = []
    for order in (range(len(cells)), rng.permutation(len(cells))):
        acc = ServerAccumulator(shape, freqs, overlap_margin_db=6.0, max_counted=cap)
        for k in order:
            acc.add(*cells[k])
        results.append((acc.best_level_dbm(), acc.best_cell(), acc.server_count(),
                        acc.sinr_db(-120.0)))
    best, best_cell, count = _brute_force(shape, cells, 6.0, cap)
    for got in results:
        np.testing.assert_array_equal(got[0], best)
        np.testing.assert_array_equal(got[1], best_cell)
        np.testing.assert_array_equal(got[2], count)
    np.testing.assert_allclose(results[0][3], results[1][3], atol=1e-4)


def test_accumulator_does_not_modify_the_window():
    acc = ServerAccumulator((2, 2), [1800.0])
    window = _window(-80.0, (2, 2))
    acc.add(0, 1800.0, 0, 0, window)
    np.testing.assert_array_equal(window, -80.0)


@pytest.mark.parametrize(("args", "match"), [
    ((0, 1800.0, 3, 0, _window(-80.0)), "leaves the 4 x 4 grid"),
    ((0, 1800.0, -1, 0, _window(-80.0)), "leaves the 4 x 4 grid"),
    ((0, 2600.0, 0, 0, _window(-80.0)), "not one of"),
    ((0, 1800.0, 0, 0, np.zeros(3, dtype=np.float32)), "2-D"),
    ((-2, 1800.0, 0, 0, _window(-80.0)), "non-negative"),
    ((0, 1800.0, 0, 0, _window(np.inf)), r"\+inf"),
])
def test_accumulator_rejects_bad_windows(args, match):
    acc = ServerAccumulator((4, 4), [1800.0, 900.0])
    with pytest.raises(InputError, match=match):
        acc.add(*args)


def test_accumulator_rejects_a_cell_on_two_frequencies_and_bad_setup():
    acc = ServerAccumulator((4, 4), [1800.0, 900.0])
    acc.add(0, 1800.0, 0, 0, _window(-80.0))
    with pytest.raises(InputError, match="cell 0 was added on 1800 MHz"):
        acc.add(0, 900.0, 0, 0, _window(-80.0))
    for shape, freqs in (((0, 4), [1800.0]), ((4, 4), []), ((4, 4), [900.0, 900.0])):
        with pytest.raises(InputError):
            ServerAccumulator(shape, freqs)
    with pytest.raises(InputError, match="max_counted"):
        ServerAccumulator((4, 4), [900.0], max_counted=0)


# --------------------------------------------------------------------------- coverage classes


def test_class_boundaries():
    levels = np.array([-94.9, -95.0, -95.01, -105.0, -105.5, -115.0, -115.01, -140.0, np.nan])
    expected = [3, 3, 2, 2, 1, 1, 0, 0, 255]
    got = classify(levels)
    assert got.dtype == np.uint8
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(classify(np.array([-85.0, -95.0, -105.0, -106.0]),
                                           RSCP_THRESHOLDS),
                                  [CoverageClass.GOOD, CoverageClass.FAIR, CoverageClass.WEAK,
                                   CoverageClass.NONE])
    assert classify(np.float32(-100.0)).shape == ()


@settings(max_examples=100, deadline=None)
@given(a=st.floats(-200.0, 0.0), b=st.floats(-200.0, 0.0),
       tech=st.sampled_from(["4G", "3G"]))
def test_classes_are_monotone_in_level(a, b, tech):
    low, high = sorted((a, b))
    got = classify(np.array([low, high]), default_thresholds(tech))
    assert got[0] <= got[1] <= CoverageClass.GOOD


def test_thresholds_are_validated():
    assert default_thresholds("4G") == RSRP_THRESHOLDS
    assert default_thresholds("3G") == RSCP_THRESHOLDS
    for bad in ((-105.0, -95.0, -115.0), (-95.0, -95.0, -115.0), (float("nan"), -105.0, -115.0)):
        with pytest.raises(ModelError, match="good > fair > weak"):
            ClassThresholds(*bad)
