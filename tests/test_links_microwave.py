"""Microwave hop maths: Fresnel zone, earth bulge, clearance, link budget; link settings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netcover.errors import ScenarioError
from netcover.links import (
    LinkSettings,
    earth_bulge_m,
    free_space_loss_db,
    fresnel_radius_m,
    gaseous_specific_db_per_km,
    link_budget,
    min_clearance,
)

C = 299_792_458.0


def test_fresnel_radius_at_midpoint() -> None:
    lam = C / 15e9
    assert fresnel_radius_m(5.0, 5.0, 15.0) == pytest.approx(math.sqrt(lam * 5000 * 5000 / 10000))
    assert fresnel_radius_m(0.0, 10.0, 15.0) == 0.0


def test_earth_bulge_standard_atmosphere() -> None:
    # 50 km hop, midpoint, k = 4/3: d1 d2 / (2 k R) = 25 km * 25 km / (2 * 4/3 * 6371 km)
    expected = 25_000.0 * 25_000.0 / (2 * (4 / 3) * 6_371_000.0)
    assert earth_bulge_m(25.0, 25.0, 4 / 3) == pytest.approx(expected)
    assert expected == pytest.approx(36.79, abs=0.01)


def _knife_edge(lift_m: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Flat ground at 0 m, 30 m masts, 10 km, one knife edge at the midpoint at 0.6 F1 below LoS."""
    d = np.linspace(0.0, 10.0, 101)
    h = np.zeros_like(d)
    f1 = fresnel_radius_m(5.0, 5.0, 15.0)
    bulge = earth_bulge_m(5.0, 5.0, 4 / 3)
    h[50] = 30.0 - bulge - 0.6 * f1 + lift_m
    return d, h, f1


def test_knife_edge_exactly_at_sixty_percent_of_first_zone() -> None:
    d, h, _ = _knife_edge(0.0)
    ratio, worst = min_clearance(d, h, 30.0, 30.0, 15.0, 4 / 3)
    assert worst == 50
    assert ratio == pytest.approx(0.6, abs=1e-9)
    # one centimetre higher fails the 0.6 criterion, one centimetre lower passes it
    assert min_clearance(*_knife_edge(0.01)[:2], 30.0, 30.0, 15.0, 4 / 3)[0] < 0.6
    assert min_clearance(*_knife_edge(-0.01)[:2], 30.0, 30.0, 15.0, 4 / 3)[0] > 0.6


def test_clearance_counts_earth_curvature() -> None:
    d = np.linspace(0.0, 40.0, 401)
    h = np.zeros_like(d)
    flat, _ = min_clearance(d, h, 10.0, 10.0, 15.0, 1e9)
    curved, worst = min_clearance(d, h, 10.0, 10.0, 15.0, 4 / 3)
    assert curved < flat
    assert worst == 200  # the bulge is largest at the midpoint
    f1 = fresnel_radius_m(20.0, 20.0, 15.0)
    assert curved == pytest.approx((10.0 - earth_bulge_m(20.0, 20.0, 4 / 3)) / f1)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.5, 50.0), st.integers(1, 18))
def test_clearance_monotone_in_terrain_and_masts(seed: int, bump: float, where: int) -> None:
    rng = np.random.default_rng(seed)
    d = np.linspace(0.0, 8.0, 20)
    h = 1000.0 + rng.uniform(-30.0, 30.0, d.size)
    base, _ = min_clearance(d, h, 20.0, 20.0, 11.0, 4 / 3)
    higher = h.copy()
    higher[where] += bump
    assert min_clearance(d, higher, 20.0, 20.0, 11.0, 4 / 3)[0] <= base + 1e-12
    assert min_clearance(d, h, 20.0 + bump, 20.0 + bump, 11.0, 4 / 3)[0] >= base - 1e-12


def test_profile_shape_is_checked() -> None:
    with pytest.raises(ValueError, match="equal length"):
        min_clearance(np.zeros(5), np.zeros(4), 10.0, 10.0, 15.0, 4 / 3)


def test_free_space_loss_reference_value() -> None:
    assert free_space_loss_db(1.0, 0.9) == pytest.approx(91.5, abs=0.05)
    assert free_space_loss_db(20.0, 15.0) - free_space_loss_db(10.0, 15.0) == pytest.approx(
        20 * math.log10(2))


def test_gaseous_loss_has_the_water_line_at_22_ghz() -> None:
    g = {f: gaseous_specific_db_per_km(f) for f in (7.0, 10.0, 15.0, 18.0, 22.235, 26.0)}
    assert g[7.0] < 0.02
    assert g[7.0] < g[10.0] < g[15.0] < g[18.0] < g[22.235]
    assert 0.15 < g[22.235] < 0.25
    assert g[26.0] < g[22.235]
    assert gaseous_specific_db_per_km(22.235, water_vapour_g_m3=0.0) < 0.03


def test_link_budget_adds_up() -> None:
    b = link_budget(10.0, 15.0, tx_power_dbm=20.0, antenna_gain_dbi=38.0, misc_loss_db=3.0,
                    rx_threshold_dbm=-75.0)
    expected_rx = 20.0 + 76.0 - 3.0 - free_space_loss_db(10.0, 15.0) - b.gaseous_loss_db
    assert b.rx_level_dbm == pytest.approx(expected_rx)
    assert b.fade_margin_db == pytest.approx(expected_rx + 75.0)
    assert b.gaseous_loss_db == pytest.approx(10.0 * gaseous_specific_db_per_km(15.0))


def test_settings_defaults_and_validation() -> None:
    s = LinkSettings()
    assert s.road_cost_per_km("national") > s.road_cost_per_km("track")
    assert "freq_ghz" in LinkSettings.field_names()
    with pytest.raises(ScenarioError, match="terminal_types"):
        LinkSettings(terminal_types=("school", "hospital"))
    with pytest.raises(ScenarioError, match="freq_ghz"):
        LinkSettings(freq_ghz=80.0)
    with pytest.raises(ScenarioError, match="max_hop_km"):
        LinkSettings(max_hop_km=0.0)
    with pytest.raises(ScenarioError, match="both"):
        LinkSettings(connect_site_backhaul=("none", "fibre"))
    with pytest.raises(ScenarioError, match="both"):
        LinkSettings(root_point_connections=("fibre", "lan"))
    with pytest.raises(ScenarioError, match="root_point_connections"):
        LinkSettings(root_point_connections=("wifi",))
    with pytest.raises(ScenarioError, match="road class"):
        s.road_cost_per_km("motorway")


def test_hop_window_gives_the_same_profile_as_the_whole_dem() -> None:
    from netcover.links.hops import _window
    from netcover.radio.area import profile_between

    rng = np.random.default_rng(11)
    dem = rng.uniform(300.0, 1900.0, (60, 80))
    origin = (500_000.0, 2_560_000.0)
    for _ in range(20):
        a = np.array([origin[0] + rng.uniform(0, 80 * 30.0), origin[1] - rng.uniform(0, 60 * 30.0)])
        b = np.array([origin[0] + rng.uniform(0, 80 * 30.0), origin[1] - rng.uniform(0, 60 * 30.0)])
        win, w_origin = _window(dem, origin, 30.0, a, b)
        assert win.base is dem  # a view, not a copy
        d_full, h_full = profile_between(dem, origin, 30.0, tuple(a), tuple(b))
        d_win, h_win = profile_between(win, w_origin, 30.0, tuple(a), tuple(b))
        np.testing.assert_allclose(d_win, d_full)
        np.testing.assert_allclose(h_win, h_full, rtol=0, atol=1e-9)


def test_settings_accept_lists_from_toml_and_stay_hashable() -> None:
    s = LinkSettings(terminal_types=["school"])  # type: ignore[arg-type]
    assert s.terminal_types == ("school",)
    assert hash(s) == hash(LinkSettings(terminal_types=("school",)))
