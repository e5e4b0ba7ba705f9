"""Free space, effective earth radius and Hata / COST-231 Hata against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from netcover.errors import ModelError
from netcover.radio import (
    effective_earth_radius_km,
    free_space_loss,
    hata_loss,
    hata_validity,
)


def test_free_space_1km_900mhz_is_91_5_db():
    # 32.45 + 20 log10(900) + 20 log10(1) = 32.45 + 59.085 = 91.535 dB
    assert float(free_space_loss(1.0, 900.0)) == pytest.approx(91.5, abs=0.05)


def test_free_space_broadcasts_and_leaves_inputs_alone():
    d = np.array([1.0, 10.0, 100.0])
    d_copy = d.copy()
    loss = free_space_loss(d, 900.0)
    assert loss.shape == (3,)
    np.testing.assert_allclose(np.diff(loss), [20.0, 20.0])  # 20 dB per decade of distance
    np.testing.assert_array_equal(d, d_copy)


@given(st.floats(0.01, 500.0), st.floats(30.0, 6000.0), st.floats(1.01, 10.0))
def test_free_space_grows_20_db_per_decade_of_frequency(d, f, factor):
    gain = float(free_space_loss(d, f * factor) - free_space_loss(d, f))
    assert gain == pytest.approx(20.0 * np.log10(factor), abs=1e-9)


@pytest.mark.parametrize("d, f", [(0.0, 900.0), (-1.0, 900.0), (1.0, 0.0), (np.nan, 900.0)])
def test_free_space_rejects_non_positive_inputs(d, f):
    with pytest.raises(ModelError, match="must be > 0"):
        free_space_loss(d, f)


def test_effective_earth_radius():
    # k50 = 157 / (157 - 45) = 1.40179; ae = 6371 k50 = 8930.78 km (the ITU logs' "ae (km)")
    assert effective_earth_radius_km(45.0) == pytest.approx(8930.776786, abs=1e-5)
    # delta_n = 39.25 gives the classical k = 4/3
    assert effective_earth_radius_km(39.25) == pytest.approx(6371.0 * 4.0 / 3.0)
    with pytest.raises(ModelError, match="delta_n"):
        effective_earth_radius_km(157.0)


def test_hata_textbook_values_900mhz():
    # Okumura-Hata, f 900 MHz, hb 30 m, hm 1.5 m, d 1 km, medium city:
    # a(hm) = (1.1*2.9542 - 0.7)*1.5 - (1.56*2.9542 - 0.8) = 0.0159 dB
    # L = 69.55 + 26.16*2.9542 - 13.82*1.4771 - 0.0159 + 0 = 126.40 dB
    assert float(hata_loss(1.0, 900.0, 30.0, 1.5, environment="urban")) == pytest.approx(126.40,
                                                                                     abs=0.02)
    # suburban: - 2 (log10(900/28))^2 - 5.4 = -4.54 - 5.4 dB
    assert float(hata_loss(1.0, 900.0, 30.0, 1.5, environment="suburban")) == pytest.approx(
        116.46, abs=0.02)
    # open (rural): - 4.78*2.9542^2 + 18.33*2.9542 - 40.94 = -28.51 dB
    assert float(hata_loss(1.0, 900.0, 30.0, 1.5, environment="rural")) == pytest.approx(97.90,
                                                                                     abs=0.02)
    # distance slope for hb = 30 m: 44.9 - 6.55 log10(30) = 35.22 dB/decade
    slope = float(hata_loss(10.0, 900.0, 30.0, 1.5) - hata_loss(1.0, 900.0, 30.0, 1.5))
    assert slope == pytest.approx(35.225, abs=0.01)


def test_cost231_hata_1800mhz_urban():
    # 46.3 + 33.9*3.2553 - 13.82*1.4771 - a(hm) with a(hm) = (1.1*3.2553-0.7)*1.5 - (1.56*3.2553-0.8)
    log_f, log_hb = np.log10(1800.0), np.log10(30.0)
    a_hm = (1.1 * log_f - 0.7) * 1.5 - (1.56 * log_f - 0.8)
    expected = 46.3 + 33.9 * log_f - 13.82 * log_hb - a_hm
    assert float(hata_loss(1.0, 1800.0, 30.0, 1.5, environment="urban")) == pytest.approx(expected)
    assert expected == pytest.approx(136.20, abs=0.01)


def test_hata_environment_order_and_unknown_environment():
    urban, suburban, rural = (float(hata_loss(5.0, 900.0, 40.0, 1.5, environment=e))
                              for e in ("urban", "suburban", "rural"))
    assert urban > suburban > rural
    with pytest.raises(ModelError, match="environment"):
        hata_loss(5.0, 900.0, 40.0, 1.5, environment="forest")  # type: ignore[arg-type]


def test_hata_validity_warnings():
    assert hata_validity(5.0, 900.0, 40.0, 1.5) == []
    warnings = hata_validity(np.array([0.5, 5.0, 25.0]), 2600.0, 20.0, 12.0)
    assert len(warnings) == 4
    joined = "\n".join(warnings)
    for name in ("f_mhz", "h_base_m", "h_mobile_m", "d_km"):
        assert name in joined
    assert "2 value(s), from 0.5 to 25 km" in joined


def test_hata_beyond_2000_mhz_computes_and_warns():
    loss = float(hata_loss(2.0, 2600.0, 40.0, 1.5, environment="urban"))
    assert np.isfinite(loss)
    assert loss > float(hata_loss(2.0, 1800.0, 40.0, 1.5, environment="urban"))
    assert any("frequency" in w for w in hata_validity(2.0, 2600.0, 40.0, 1.5))
