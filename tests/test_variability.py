"""ITU-R P.1812-6 §4.8 location variability and the margins of service levels.

Reference values of sigma_L are from ITU-R SG 3's reference code (``stdDev`` of
github.com/eeveetza/Py1812, P1812.py, MIT-style licence), computed at development time.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from netcover.errors import ModelError
from netcover.radio.p1812 import inverse_complementary_normal
from netcover.radio.variability import (
    location_correction_db,
    location_sd_db,
    normal_quantile,
    receiver_height_factor,
    service_margin_db,
)

#: (f GHz, h m, R m, w_a m, sigma_L dB) from Py1812's stdDev(f, h, R, wa).
PY1812 = [
    (0.9, 1.5, 15.0, 100.0, 1.966430744634869),
    (0.9, 1.5, 0.0, 100.0, 1.6714661329396385),
    (1.8, 1.5, 5.0, 30.0, 1.4596764370890576),
    (2.6, 1.5, 10.0, 500.0, 3.3184323426295634),
    (0.7, 12.0, 0.0, 100.0, 0.0),
    (2.1, 14.0, 10.0, 100.0, 1.242598334645195),
]


@pytest.mark.parametrize(("f", "h", "r", "wa", "expected"), PY1812)
def test_sigma_matches_the_reference_code(f, h, r, wa, expected) -> None:
    got = float(location_sd_db(f * 1000, rx_height_m=h, clutter_height_m=r, area_width_m=wa))
    assert got == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("f_mhz", [700.0, 900.0, 1800.0, 2100.0, 2600.0])
@pytest.mark.parametrize("wa", [30.0, 100.0, 500.0])
def test_sigma_is_the_formula_below_the_clutter(f_mhz, wa) -> None:
    expected = (0.52 + 0.024 * f_mhz / 1000) * wa**0.28  # Eq (66), u_h = 1 (Eq 67)
    got = float(location_sd_db(f_mhz, rx_height_m=1.5, clutter_height_m=20.0, area_width_m=wa))
    assert got == pytest.approx(expected, rel=1e-12)


def test_receiver_height_factor_is_linear_from_r_to_r_plus_10() -> None:
    r = np.array([0.0, 1.5, 5.0, 20.0])
    assert receiver_height_factor(1.5, r).tolist() == pytest.approx([0.85, 1.0, 1.0, 1.0])
    assert float(receiver_height_factor(11.5, 1.5)) == 0.0
    assert float(receiver_height_factor(6.5, 1.5)) == pytest.approx(0.5)


@pytest.mark.parametrize(("p", "z"), [(50.0, 0.0), (90.0, 1.2815515655446004),
                                      (95.0, 1.6448536269514722), (80.0, 0.8416212335729143)])
def test_correction_at_stated_percentiles(p, z) -> None:
    sigma = 5.5
    assert float(location_correction_db(p, sigma)) == pytest.approx(z * sigma, abs=1e-12)
    # P.1812 Attachment 2's approximation of I(x) = -F^-1(x) agrees within its stated 0.00054
    assert float(normal_quantile(p)) == pytest.approx(-inverse_complementary_normal(p / 100),
                                                      abs=0.00054)


def test_correction_is_zero_at_50_percent_for_any_sigma() -> None:
    assert np.all(location_correction_db(50.0, np.array([0.0, 1.0, 8.0])) == 0.0)


def test_indoor_margin_combines_the_spreads() -> None:
    got = float(service_margin_db(90.0, 3.0, median_extra_db=14.0, sigma_extra_db=4.0))
    assert got == pytest.approx(14.0 + 1.2815515655446004 * 5.0, abs=1e-12)
    assert float(service_margin_db(50.0, 3.0, median_extra_db=14.0, sigma_extra_db=4.0)) == 14.0
    assert float(service_margin_db(90.0, 0.0)) == 0.0


@pytest.mark.parametrize("p", [0.0, 100.0, math.nan])
def test_bad_probabilities_are_refused(p) -> None:
    with pytest.raises(ModelError):
        location_correction_db(p, 1.0)


def test_bad_area_is_refused() -> None:
    with pytest.raises(ModelError):
        location_sd_db(900.0, area_width_m=0.0)
