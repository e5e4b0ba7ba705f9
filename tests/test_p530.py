"""Tests of netcover.radio.p530: rain and multipath outage of a hop (ITU-R P.530-18).

The worked values are arithmetic done from the Recommendation's formulas (written out in the
comments), for the issue's hop: 15.4 km at 15 GHz, vertical polarisation, R0.01 = 100 mm/h,
antennas at 1400 m and 1100 m above sea level, dN1 = -176, s_a = 250 m, latitude 23.1 N.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netcover.errors import ModelError
from netcover.radio.p530 import (
    HopClimate,
    availability,
    distance_factor,
    geoclimatic_factor,
    multipath_exceedance_percent,
    multipath_fade_depth_db,
    multipath_occurrence_percent,
    rain_attenuation_db,
    rain_exceedance_percent,
    required_fade_margin_db,
    worst_month_to_annual_percent,
)

D, F, H_E, H_R = 15.4, 15.0, 1400.0, 1100.0
# The worked values were done for R0.01 = 100 mm/h (the module's default is now the P.837-7 value
# for the district, 73 mm/h): the climate is given explicitly.
R100 = HopClimate(r001_mm_h=100.0)
ALPHA_V15 = 1.0440  # P.838-3 Table 5, 15 GHz vertical


def test_distance_factor_worked() -> None:
    # r = 1 / (0.477 d^0.633 R^(0.073 alpha) f^0.123 - 10.579 (1 - exp(-0.024 d)))
    # 0.477 * 15.4^0.633 = 0.477 * 5.6455 = 2.6929
    # 100^(0.073 * 1.0440) = 10^0.15242 = 1.4204
    # 15^0.123 = 1.3953
    # 10.579 * (1 - exp(-0.3696)) = 10.579 * 0.30899 = 3.2688
    # denominator = 2.6929 * 1.4204 * 1.3953 - 3.2688 = 5.3370 - 3.2688 = 2.0682 -> r = 0.4835
    r = float(distance_factor(D, F, r001_mm_h=100.0, alpha=ALPHA_V15))
    assert r == pytest.approx(0.4835, abs=2e-4)
    # Short hops hit the cap of 2.5 (at 0.2 km the formula gives 1 / 0.29 = 3.4).
    assert float(distance_factor(0.2, F, r001_mm_h=100.0, alpha=ALPHA_V15)) == 2.5


def test_rain_attenuation_worked() -> None:
    # gamma = 6.1329 dB/km (P.838-3, see test_p838), A0.01 = 6.1329 * 15.4 * 0.4835 = 45.665 dB.
    # Step 5 at 15 GHz: C0 = 0.12 + 0.4 (log10 1.5)^0.8 = 0.12 + 0.4 * 0.24924 = 0.21970,
    # C1 = 0.07^0.2197 * 0.12^0.7803 = 0.10657, C2 = 0.61389, C3 = 0.06409.
    # p = 0.01: C1 * 10^(2 (C2 - 2 C3)) = 0.10657 * 10^0.97142 = 0.9978 -> A = 45.56 dB
    # p = 0.1:  C1 * 10^(C2 - C3) = 0.10657 * 10^0.54980 = 0.37797 -> A = 17.26 dB
    a = rain_attenuation_db([0.01, 0.1], D, F, climate=R100)
    assert float(a[0]) == pytest.approx(45.665 * 0.9978, rel=1e-3)
    assert float(a[1]) == pytest.approx(45.665 * 0.37797, rel=1e-3)


def test_latitude_law_of_earlier_editions() -> None:
    # Below 30 deg: A_p / A0.01 = 0.12 p^-(0.546 + 0.043 log10 p);
    # p = 0.1: 0.12 * 10^(0.546 - 0.043) = 0.12 * 3.1842 = 0.38211; p = 0.01: 0.12 * 10^0.92 = 0.99811.
    # At or above 30 deg: 0.07 p^-(0.855 + 0.139 log10 p); p = 0.01: 0.07 * 10^1.154 = 0.99792.
    a001 = 45.665
    tropic = rain_attenuation_db([0.1, 0.01], D, F, law="latitude", climate=R100)
    np.testing.assert_allclose(tropic, [a001 * 0.38211, a001 * 0.99811], rtol=1e-3)
    north = rain_attenuation_db(0.01, D, F, law="latitude",
                                climate=HopClimate(r001_mm_h=100.0, latitude_deg=45.0))
    assert float(north) == pytest.approx(a001 * 0.99792, rel=1e-3)
    with pytest.raises(ModelError, match="scaling law"):
        rain_attenuation_db(0.01, D, F, law="zone")


@settings(max_examples=60, deadline=None)
@given(st.floats(0.001, 1.0), st.floats(1.0, 40.0), st.floats(5.0, 40.0), st.floats(20.0, 200.0))
def test_rain_inverse_round_trip(p: float, d: float, f: float, rate: float) -> None:
    climate = HopClimate(r001_mm_h=rate)
    a = rain_attenuation_db(p, d, f, climate=climate)
    assert float(rain_exceedance_percent(a, d, f, climate=climate)) == pytest.approx(p, rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.5, 40.0), st.floats(5.0, 60.0), st.floats(20.0, 200.0), st.floats(1.05, 1.5))
def test_rain_attenuation_grows_with_length_frequency_and_rain(d: float, f: float, rate: float,
                                                               factor: float) -> None:
    # The law of r makes A0.01 fall with d beyond about 50 km on light-rain paths: the range
    # checked here is the one of rural hops (up to 40 km), where it must rise.
    base = float(rain_attenuation_db(0.01, d, f, climate=HopClimate(r001_mm_h=rate)))
    assert float(rain_attenuation_db(0.01, min(d * factor, 40.0), f,
                                     climate=HopClimate(r001_mm_h=rate))) >= base
    assert float(rain_attenuation_db(0.01, d, f * factor,
                                     climate=HopClimate(r001_mm_h=rate))) > base
    assert float(rain_attenuation_db(0.01, d, f,
                                     climate=HopClimate(r001_mm_h=rate * factor))) > base


def test_multipath_worked() -> None:
    # K = 10^(-4.4 + 0.0027 * 176) (10 + 250)^-0.46 = 1.18905e-4 * 0.077466 = 9.2111e-6
    assert float(geoclimatic_factor(-176.0, 250.0)) == pytest.approx(9.2111e-6, rel=1e-4)
    # Quick method: K = 10^(-4.6 + 0.4752) = 7.5024e-5
    assert float(geoclimatic_factor(-176.0)) == pytest.approx(7.5024e-5, rel=1e-4)
    # eps_p = 300 / 15.4 = 19.4805 mrad; p0 = K d^3.4 (1 + eps)^-1.03 f^0.8 10^(-0.00076 * 1100)
    # = 9.2111e-6 * 10903.6 * 0.044598 * 8.7272 * 0.14588 = 5.7026e-3 %
    p0 = float(multipath_occurrence_percent(D, F, h_e_m=H_E, h_r_m=H_R))
    assert p0 == pytest.approx(5.7026e-3, rel=1e-4)
    # Quick: 7.5024e-5 * 15.4^3.1 * 20.4805^-1.29 * 8.7272 * 10^(-0.979) = 6.7105e-3 %
    quick = multipath_occurrence_percent(D, F, h_e_m=H_E, h_r_m=H_R,
                                         climate=HopClimate(s_a_m=None))
    assert float(quick) == pytest.approx(6.7105e-3, rel=1e-4)
    # Deep fading (A >= A_t = 25 + 1.2 log10 p0 = 22.31 dB): p_w = p0 10^(-A/10).
    assert float(multipath_exceedance_percent(30.0, p0)) == pytest.approx(p0 * 1e-3, rel=1e-12)
    # At 0 dB the shallow-fading interpolation gives 100 (1 - e^-1) = 63.21 %.
    assert float(multipath_exceedance_percent(0.0, p0)) == pytest.approx(63.212, rel=1e-4)


def test_worst_month_to_annual_worked() -> None:
    # dG = 10.5 - 5.6 log10(1.1 + |cos 46.2 deg|^0.7) - 2.7 log10 15.4 + 1.7 log10(20.4805)
    #    = 10.5 - 5.6 * 0.27252 - 2.7 * 1.18752 + 1.7 * 1.31135 = 7.9969 dB -> factor 0.15860
    p = worst_month_to_annual_percent(1.0, D, inclination_mrad=300.0 / 15.4, latitude_deg=23.1)
    assert float(p) == pytest.approx(0.15860, rel=2e-4)
    # dG is capped at 10.8 dB (short, steep hops).
    capped = worst_month_to_annual_percent(1.0, 0.1, inclination_mrad=1000.0, latitude_deg=23.1)
    assert float(capped) == pytest.approx(10 ** -1.08)


@settings(max_examples=60, deadline=None)
@given(st.floats(1e-4, 50.0), st.floats(0.0, 60.0))
def test_multipath_inverse_and_monotone(p0: float, depth: float) -> None:
    p_w = float(multipath_exceedance_percent(depth, p0))
    assert float(multipath_exceedance_percent(depth + 1.0, p0)) < p_w
    if depth > 0.01 and p_w > 1e-12:
        assert float(multipath_fade_depth_db(p_w, p0)) == pytest.approx(depth, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(st.floats(5.0, 60.0), st.floats(0.5, 20.0))
def test_more_margin_more_availability(margin: float, extra: float) -> None:
    low = availability(margin, D, F, h_e_m=H_E, h_r_m=H_R)
    high = availability(margin + extra, D, F, h_e_m=H_E, h_r_m=H_R)
    assert high.availability_percent > low.availability_percent
    assert low.total_percent == pytest.approx(low.rain_percent + low.multipath_annual_percent)
    assert low.availability_percent == pytest.approx(100.0 - low.total_percent)


def test_issue_hop_needs_about_45_db_for_four_nines() -> None:
    # Issue #14: a flat 25 dB margin is far from 99.99% on this hop; about 45 dB is needed.
    flat = availability(25.0, D, F, h_e_m=H_E, h_r_m=H_R, climate=R100)
    assert flat.availability_percent < 99.99
    need = required_fade_margin_db(99.99, D, F, h_e_m=H_E, h_r_m=H_R, climate=R100)
    assert 40.0 <= need <= 50.0
    assert availability(need, D, F, h_e_m=H_E, h_r_m=H_R,
                        climate=R100).availability_percent >= 99.99
    assert availability(need - 0.1, D, F, h_e_m=H_E, h_r_m=H_R,
                        climate=R100).availability_percent < 99.99
    # A lower target needs less margin; horizontal polarisation more.
    assert required_fade_margin_db(99.9, D, F, h_e_m=H_E, h_r_m=H_R, climate=R100) < need
    horizontal = HopClimate(r001_mm_h=100.0, polarisation="horizontal")
    assert required_fade_margin_db(99.99, D, F, h_e_m=H_E, h_r_m=H_R, climate=horizontal) > need


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ModelError, match="hop length"):
        rain_attenuation_db(0.01, 0.0, F)
    with pytest.raises(ModelError, match="target availability"):
        required_fade_margin_db(100.0, D, F, h_e_m=H_E, h_r_m=H_R)
    with pytest.raises(ModelError, match="fade depth"):
        multipath_exceedance_percent(-1.0, 0.1)
    with pytest.raises(ModelError, match="s_a"):
        geoclimatic_factor(-176.0, -5.0)
    assert math.isfinite(float(rain_exceedance_percent(1e6, D, F)))
