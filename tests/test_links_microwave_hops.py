"""Microwave hops an engineer would sign: P.838/P.530 figures worked by hand, dense profiles,
clutter on the path, availability per link class, capacity, hops short of capacity (issue #14)."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netcover.config._toml import build_section
from netcover.config.links import LinkSettings
from netcover.config.microwave import MODULATIONS, MicrowaveSettings
from netcover.errors import ModelError, ScenarioError
from netcover.links.hops import check_hops, hop_reason
from netcover.links.microwave import hop_climate, hops_below_demand
from netcover.links.profiles import dense_profile
from netcover.radio.area import profile_between
from netcover.radio.p530 import rain_attenuation_db
from netcover.radio.p838 import k_alpha_hv, specific_attenuation_db_per_km

CELL = 30.0


def _entities(xy: list[tuple[float, float]], mast_m: float) -> pd.DataFrame:
    roles = ["root"] + ["terminal"] * (len(xy) - 1)
    return pd.DataFrame({"x": [p[0] for p in xy], "y": [p[1] for p in xy], "hop_end": True,
                         "role": roles, "mast_m": mast_m})


# --- ITU-R P.838-3 and P.530-18 worked by hand -------------------------------------------------


@pytest.mark.parametrize(("freq", "table"), [
    # P.838-3 Table 5 (k_H, alpha_H, k_V, alpha_V), the link bands around 15 GHz.
    (13.0, (0.03041, 1.1586, 0.03266, 1.0901)),
    (18.0, (0.07078, 1.0818, 0.07708, 1.0025)),
    (23.0, (0.1286, 1.0214, 0.1284, 0.9630)),
])
def test_p838_coefficients_of_the_link_bands(freq: float, table: tuple[float, ...]) -> None:
    # Equations 2 (log10 k, sums of Gaussians in log10 f) and 3 (alpha) of P.838-3, Tables 1-4.
    k_h, a_h, k_v, a_v = (float(x) for x in k_alpha_hv(freq))
    assert k_h == pytest.approx(table[0], rel=5e-4)
    assert a_h == pytest.approx(table[1], abs=6e-5)
    assert k_v == pytest.approx(table[2], rel=5e-4)
    assert a_v == pytest.approx(table[3], abs=6e-5)


def test_p530_rain_attenuation_for_the_district_default() -> None:
    # The 15.4 km hop at 15 GHz, vertical, R0.01 = 73 mm/h (the [links.microwave] default).
    # P.838-3 eq. 1: gamma = k R^alpha = 0.05008 * 73^1.0440 = 0.05008 * 88.1676 = 4.4154 dB/km.
    climate = hop_climate(MicrowaveSettings())
    assert climate.r001_mm_h == 73.0
    gamma = float(specific_attenuation_db_per_km(73.0, 15.0))
    assert gamma == pytest.approx(4.4154, rel=2e-4)
    # P.530 section 2.4.1 step 3 (eq. 32 of P.530-17, same in -18): r = 1 / (0.477 d^0.633
    # R^(0.073 alpha) f^0.123 - 10.579 (1 - exp(-0.024 d))) = 1 / (2.69289 * 1.38678 * 1.39527
    # - 3.26880) = 1 / 1.94178 = 0.51499; step 4 (eq. 33): A0.01 = gamma d r = 4.4154 * 15.4 *
    # 0.51499 = 35.018 dB.
    # Step 5 (eqs. 34-35): C0 = 0.12 + 0.4 (log10 1.5)^0.8 = 0.21969, C1 = 0.07^C0 0.12^(1-C0)
    # = 0.10660, C2 = 0.855 C0 + 0.546 (1 - C0) = 0.61388, C3 = 0.139 C0 + 0.043 (1 - C0) = 0.06409;
    # A_p = A0.01 C1 p^-(C2 + C3 log10 p): p = 0.01 -> 35.018 * 0.10660 * 10^(2 * (0.61388 - 2 *
    # 0.06409)) = 34.951 dB; p = 0.001 -> 35.018 * 0.10660 * 10^(3 * (0.61388 - 3 * 0.06409))
    # = 68.690 dB.
    a = rain_attenuation_db([0.01, 0.001], 15.4, 15.0, climate=climate)
    np.testing.assert_allclose(a, [34.951, 68.690], rtol=3e-4)


# --- dense profiles: a crest between two DEM samples ---------------------------------------------


def _ridge_dem(height: float) -> tuple[np.ndarray, tuple[float, float]]:
    """A flat 30 m DEM (6 x 110 cells) with a ridge one cell wide across column 50."""
    dem = np.zeros((6, 110))
    dem[:, 50] = height
    return dem, (0.0, 6 * CELL)


def test_dense_profile_is_profile_between_at_half_a_cell() -> None:
    rng = np.random.default_rng(3)
    dem = rng.uniform(200.0, 1800.0, (70, 90)).astype(np.float32)
    origin = (500_000.0, 2_560_000.0)
    for _ in range(30):
        a = (origin[0] + rng.uniform(0, 90 * CELL), origin[1] - rng.uniform(0, 70 * CELL))
        b = (origin[0] + rng.uniform(0, 90 * CELL), origin[1] - rng.uniform(0, 70 * CELL))
        d_ref, h_ref = profile_between(dem, origin, CELL, a, b, step_m=CELL / 2)
        d_km, h_m = dense_profile(dem, origin, CELL, a, b)
        np.testing.assert_array_equal(d_km, d_ref)
        np.testing.assert_array_equal(h_m, h_ref)


def test_crest_between_two_dem_samples_is_found() -> None:
    # A 3 km hop along row 3 from column 0.5 to 100.5: the one-sample-per-cell profile has points at
    # columns 49.5 and 50.5, either side of the ridge's centre, and sees it at half its height.
    # 20 m masts, 15 GHz: mid-path F1 = 3.87 m, bulge 0.13 m, so a 18.5 m ridge leaves
    # (20 - 18.5 - 0.13) / 3.87 = 0.35 F1 < 0.6, while half of it (9.25 m) leaves 2.74 F1.
    dem, origin = _ridge_dem(18.5)
    y = origin[1] - 3.5 * CELL
    ends = _entities([(CELL, y), (101.0 * CELL, y)], 20.0)
    coarse = profile_between(dem, origin, CELL, (CELL, y), (101.0 * CELL, y))
    assert coarse[1].max() == pytest.approx(9.25)
    settings = LinkSettings()
    (check,) = check_hops(ends, dem, origin, CELL, settings).checks
    assert check.budget_ok and check.available
    assert check.clearance_ratio == pytest.approx((20.0 - 18.5 - 0.1325) / 3.873, abs=0.01)
    assert not check.clears and not check.feasible
    stepped = LinkSettings(microwave=MicrowaveSettings(profile="max_cell"))
    (check,) = check_hops(ends, dem, origin, CELL, stepped).checks
    assert not check.clears
    # A lower ridge (12 m: 2.0 F1) is cleared: the check is not refusing every hop.
    low, _ = _ridge_dem(12.0)
    (check,) = check_hops(ends, low, origin, CELL, settings).checks
    assert check.clears and check.feasible


def test_trees_on_the_path_break_clearance() -> None:
    # A low ridge (5 m: (20 - 5 - 0.13) / 3.87 = 3.8 F1 on bare earth) under 15 m forest.
    dem, origin = _ridge_dem(0.0)
    dem[:, 40:61] = 5.0
    trees = np.zeros_like(dem)
    trees[:, 45:56] = 15.0
    y = origin[1] - 3.5 * CELL
    ends = _entities([(CELL, y), (101.0 * CELL, y)], 20.0)
    bare = check_hops(ends, dem, origin, CELL, LinkSettings())
    wooded = check_hops(ends, dem, origin, CELL, LinkSettings(), clutter=trees)
    assert bare.checks[0].feasible
    assert wooded.checks[0].clearance_ratio < 0.0 and not wooded.checks[0].feasible
    # Switched off in [links.microwave], the layer is not used.
    off = LinkSettings(microwave=MicrowaveSettings(clutter=False))
    assert check_hops(ends, dem, origin, CELL, off, clutter=trees).checks[0].feasible
    # The kept hop's terrain keeps ground and clutter apart (for the profile plot).
    tree_top = check_hops(ends, dem + 1.0, origin, CELL, LinkSettings(), clutter=trees * 0.2)
    terrain = tree_top.terrain[(0, 1)]
    assert terrain.clutter_m.max() == pytest.approx(3.0)
    assert terrain.clutter_m[0] == 0.0 and terrain.clutter_m[-1] == 0.0
    np.testing.assert_allclose(tree_top.profiles[(0, 1)][1], terrain.ground_m + terrain.clutter_m)
    with pytest.raises(ModelError, match="shape"):
        check_hops(ends, dem, origin, CELL, LinkSettings(), clutter=trees[:3])


# --- availability per link class ----------------------------------------------------------------


def _long_hop() -> tuple[pd.DataFrame, np.ndarray, tuple[float, float]]:
    """The issue's hop: 15.43 km at 15 GHz over flat ground at 1100 m, 40 m masts."""
    dem = np.full((8, 530), 1100.0)
    origin = (0.0, 8 * CELL)
    y = origin[1] - 4.5 * CELL
    return _entities([(CELL, y), (CELL + 15_429.0, y)], 40.0), dem, origin


def test_long_15_ghz_hop_with_27_8_db_is_refused_at_four_nines_with_the_figure() -> None:
    ends, dem, origin = _long_hop()
    settings = LinkSettings(rx_threshold_dbm=-75.0)  # the sample's radio: 27.8 dB of margin
    hops = check_hops(ends, dem, origin, CELL, settings)
    (check,) = hops.checks
    assert check.fade_margin_db == pytest.approx(27.8, abs=0.05)
    assert check.budget_ok  # the old flat 25 dB criterion passed it
    assert check.required_availability_pct == 99.99
    assert check.availability_pct < 99.99 and not check.feasible
    assert math.isnan(check.clearance_ratio)  # refused before its profile was drawn
    # Rain dominates: A0.01 of this hop is 35.0 dB (see the worked test above), multipath adds
    # little on a 15 km hop; 35.0 dB is needed.
    assert check.margin_needed_db == pytest.approx(35.0, abs=0.3)
    text = check.availability_text()
    assert re.fullmatch(r"99\.98\d?% < 99\.99% needed: fade margin 27\.8 dB, 3[45]\.\d dB needed",
                        text), text
    assert text in hop_reason(1, hops, settings)
    # An office link (99.9%) gets it: the class, chosen by the caller, decides.
    office = check_hops(ends, dem, origin, CELL, settings,
                        required_availability_pct=settings.microwave.availability_office_pct)
    assert office.checks[0].feasible
    assert office.checks[0].availability_text().startswith("99.98")
    assert ">= 99.9% needed" in office.checks[0].availability_text()
    # The flat floor still applies: 30 dB refuses the hop however available it is.
    floor = dataclasses.replace(settings, fade_margin_db=30.0)
    (check,) = check_hops(ends, dem, origin, CELL, floor, required_availability_pct=99.9).checks
    assert not check.budget_ok and "fade margin 27.8 dB" in hop_reason(1, check_hops(
        ends, dem, origin, CELL, floor), floor)
    with pytest.raises(ModelError, match="required_availability_pct"):
        check_hops(ends, dem, origin, CELL, settings, required_availability_pct=100.0)


def test_more_rain_needs_more_margin() -> None:
    ends, dem, origin = _long_hop()
    need = [check_hops(ends, dem, origin, CELL, LinkSettings(
        microwave=MicrowaveSettings(rain_rate_mm_h=r))).checks[0].margin_needed_db
        for r in (50.0, 73.0, 100.0, 145.0)]
    assert need == sorted(need) and need[2] == pytest.approx(45.6, abs=0.3)  # the issue's ~45 dB


# --- capacity ------------------------------------------------------------------------------------


def test_capacity_and_threshold_from_the_modulation_table() -> None:
    # 28 MHz / (1 + 0.15 roll-off) = 24.348 Mbaud; 256-QAM: 8 bits * 0.88 code rate -> 171.4 Mbps.
    s = MicrowaveSettings(channel_mhz=28.0, modulation="256QAM")
    assert s.capacity_mbps() == pytest.approx(28.0 / 1.15 * 8 * 0.88)
    assert s.capacity_mbps() == pytest.approx(171.4, abs=0.05)
    assert s.threshold_dbm() == MODULATIONS["256QAM"].threshold_dbm_28mhz == -71.5
    # Twice the channel: twice the capacity, 3 dB more noise at the receiver.
    wide = MicrowaveSettings(channel_mhz=56.0, modulation="256QAM")
    assert wide.capacity_mbps() == pytest.approx(2 * s.capacity_mbps())
    assert wide.threshold_dbm() == pytest.approx(-71.5 + 10 * math.log10(2))
    # Denser constellations carry more and need more signal.
    caps = [m.capacity_mbps(28.0) for m in MODULATIONS.values()]
    thresholds = [m.threshold_dbm_28mhz for m in MODULATIONS.values()]
    assert caps == sorted(caps) and thresholds == sorted(thresholds)
    # The threshold sets the margin: 256-QAM leaves 3 dB less than 128-QAM (the default).
    ends, dem, origin = _long_hop()
    base = check_hops(ends, dem, origin, CELL, LinkSettings()).checks[0]
    dense = check_hops(ends, dem, origin, CELL, LinkSettings(microwave=s)).checks[0]
    assert base.fade_margin_db - dense.fade_margin_db == pytest.approx(3.0)
    assert dense.capacity_mbps == pytest.approx(171.4, abs=0.05)
    assert base.capacity_mbps == pytest.approx(MicrowaveSettings().capacity_mbps())


def test_hops_below_demand() -> None:
    # 0: fibre from the network (no limit); 1: hop on 0; 2: hop on 1; 3: fibre on 1; 4: hop on 0.
    parents = [None, 0, 1, 1, 0]
    capacity = [np.inf, 150.0, 100.0, np.nan, 50.0]
    demand = [0.0, 50.0, 60.0, 30.0, 50.0]
    # Behind 1: 50 + 60 + 30 = 140 <= 150; behind 2: 60 <= 100; behind 4: 50 <= 50.
    assert hops_below_demand(parents, capacity, demand) == []
    assert hops_below_demand(parents, [np.inf, 120.0, 100.0, np.nan, 49.0], demand) == [1, 4]
    # A link listed in any order: children before their parents.
    # Behind link 2: its own 5 and link 0's 5.
    assert hops_below_demand([2, None, 1], [10.0, 100.0, 9.0], [5.0, 0.0, 5.0]) == [2]
    assert hops_below_demand([2, None, 1], [10.0, 100.0, 10.0], [5.0, 0.0, 5.0]) == []
    with pytest.raises(ValueError, match="cycle"):
        hops_below_demand([1, 0], [1.0, 1.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="one entry per link"):
        hops_below_demand([None], [1.0, 2.0], [0.0])


# --- settings ------------------------------------------------------------------------------------


def test_links_microwave_section_from_toml() -> None:
    problems: list = []
    raw = {"freq_ghz": 15.0, "microwave": {"rain_rate_mm_h": 95.0, "modulation": "256QAM",
                                           "availability_office_pct": 99.95}}
    values = build_section(LinkSettings, raw, "links", "scenario.toml", Path("."), problems)
    assert problems == []
    s = LinkSettings(**values)
    assert s.microwave.rain_rate_mm_h == 95.0 and s.microwave.modulation == "256QAM"
    assert s.microwave.availability_backhaul_pct == 99.99  # default kept
    build_section(LinkSettings, {"microwave": {"rain_rate": 95.0}}, "links", "scenario.toml",
                  Path("."), problems)
    assert "rain_rate_mm_h" in problems[0].message
    assert LinkSettings().rx_threshold_dbm is None  # the modulation's threshold by default


@pytest.mark.parametrize(("field", "value", "match"), [
    ("modulation", "4096QAM", "modulation"), ("profile", "sparse", "profile"),
    ("samples_per_cell", 1, "samples_per_cell"), ("availability_backhaul_pct", 100.0, "between"),
    ("rain_rate_mm_h", 0.0, "rain_rate_mm_h"), ("polarisation", "slant", "polarisation"),
])
def test_microwave_settings_are_checked(field: str, value: object, match: str) -> None:
    with pytest.raises(ScenarioError, match=match):
        MicrowaveSettings(**{field: value})  # type: ignore[arg-type]


def test_profile_plot_shows_clutter_and_the_margin_against_the_need(tmp_path: Path) -> None:
    from PIL import Image

    from netcover.links.plan_tables import HopProfile
    from netcover.links.profile_plot import KEY_CHUNK, hop_key, plot_hop_profile

    d = np.linspace(0.0, 3.0, 201)
    clutter = np.where((d > 1.2) & (d < 1.8), 12.0, 0.0)
    hop = HopProfile("L001", "A", "B", d, 5.0 + clutter, 20.0, 20.0, 15.0, 4 / 3, 0.6, 1.1, 27.8,
                     99.981, 99.99, 35.0, 150.0, clutter)
    out = plot_hop_profile(hop, tmp_path / "hop.png")
    with Image.open(out) as img:
        assert img.info[KEY_CHUNK] == hop_key(hop)
    # What the plot shows is in its key: another need or no clutter is another plot.
    assert hop_key(dataclasses.replace(hop, margin_needed_db=30.0)) != hop_key(hop)
    assert hop_key(dataclasses.replace(hop, clutter_m=None)) != hop_key(hop)
    # A profile without the P.530 figures (built the old way) still draws.
    old = HopProfile("L002", "A", "B", d, 5.0 + 0 * d, 20.0, 20.0, 15.0, 4 / 3, 0.6, 3.0, 40.0)
    assert plot_hop_profile(old, tmp_path / "old.png").stat().st_size > 0


def test_adaptive_modulation_carries_what_the_spare_margin_allows() -> None:
    ref = MicrowaveSettings(adaptive_modulation=True)  # 128-QAM reference, -74.5 dBm
    assert ref.adaptive_capacity_mbps(-5.0) == ref.capacity_mbps()  # never below the reference
    assert ref.adaptive_capacity_mbps(3.0) == MODULATIONS["256QAM"].capacity_mbps(28.0)
    assert ref.adaptive_capacity_mbps(8.99) == MODULATIONS["512QAM"].capacity_mbps(28.0)
    assert ref.adaptive_capacity_mbps(40.0) == MODULATIONS["1024QAM"].capacity_mbps(28.0)
    fixed = MicrowaveSettings(adaptive_modulation=False)
    assert fixed.adaptive_capacity_mbps(40.0) == fixed.capacity_mbps()
    # In check_hops: the 3 km hop over the ridge has a margin far above its need (1024-QAM: 9 dB
    # more threshold than 128-QAM), the 15.4 km one at 99.9% has 27.8 - max(need, 25 dB floor)
    # = 2.8 dB to spare: not the 3 dB 256-QAM needs.
    dem, origin = _ridge_dem(0.0)
    y = origin[1] - 3.5 * CELL
    short = check_hops(_entities([(CELL, y), (101.0 * CELL, y)], 20.0), dem, origin, CELL,
                       LinkSettings(microwave=ref)).checks[0]
    assert short.fade_margin_db - short.margin_needed_db > 9.0
    assert short.capacity_mbps == MODULATIONS["1024QAM"].capacity_mbps(28.0)
    ends, dem, origin = _long_hop()
    long = check_hops(ends, dem, origin, CELL, LinkSettings(rx_threshold_dbm=-75.0, microwave=ref),
                      required_availability_pct=99.9).checks[0]
    assert long.feasible and long.capacity_mbps == ref.capacity_mbps()
