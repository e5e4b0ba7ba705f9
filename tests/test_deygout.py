"""The three-edge Deygout diffraction of :mod:`netcover.radio.deygout` and its P.1812 option.

Knife-edge cases are checked against the formulas of ITU-R P.526 written out here by hand: J(nu) of
P.526-16 Eq 31, nu of an edge over the line between the ends of its (sub-)path, the Deygout
construction for two isolated edges (P.526 Section 4.3) and the empirical combination
Lp + T (Lt + Lr + C).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS as ProjCRS

from netcover.config.scenario import scenario_from_dict
from netcover.config.sections import CoverageSettings
from netcover.coverage.losscache import LossCache, dem_fingerprint
from netcover.coverage.losses import LossJob, site_loss_key
from netcover.data.terrain import Terrain
from netcover.errors import ModelError, ScenarioError
from netcover.radio import p1812_profile_loss
from netcover.radio.deygout import (
    delta_deygout_between,
    delta_deygout_loss,
    deygout_edges_between,
    deygout_loss,
    deygout_profile_loss,
)

F_GHZ = 0.9
LAM = 0.2998 / F_GHZ
FLAT = 1e15  # effective earth radius (km) of a flat earth: bulge below 1e-10 m


def j_hand(nu: float) -> float:
    """Knife-edge loss J(nu), ITU-R P.526-16 Eq 31 (0 for nu <= -0.78)."""
    if nu <= -0.78:
        return 0.0
    return 6.9 + 20.0 * math.log10(math.sqrt((nu - 0.1) ** 2 + 1.0) + nu - 0.1)


def nu_hand(h_edge: float, d1: float, d2: float, h_a: float, h_b: float) -> float:
    """nu of an edge d1 km from end A (height h_a m) and d2 km from end B (h_b m), flat earth."""
    line = h_a + (h_b - h_a) * d1 / (d1 + d2)
    return (h_edge - line) * math.sqrt(0.002 * (d1 + d2) / (LAM * d1 * d2))


def finish_hand(lp: float, lt: float, lr: float, d_km: float) -> float:
    """Lp + T (Lt + Lr + C) with T = 1 - exp(-Lp / 6) and C = 8 + 0.04 D."""
    return lp + (1.0 - math.exp(-lp / 6.0)) * (lt + lr + 8.0 + 0.04 * d_km)


def flat_profile(d_km: float = 10.0, n: int = 101) -> tuple[np.ndarray, np.ndarray]:
    return np.linspace(0.0, d_km, n), np.zeros(n)


def test_single_knife_edge_is_j_of_nu() -> None:
    d, h = flat_profile()
    h[40] = 35.0  # 4 km from the transmitter, 6 km from the receiver
    out = deygout_profile_loss(d, h, 10.0, 20.0, F_GHZ, ae_km=FLAT)
    lp = j_hand(nu_hand(35.0, 4.0, 6.0, 10.0, 20.0))
    assert out["Lp"] == pytest.approx(lp, abs=1e-9)
    assert out["Lt"] == 0.0 and out["Lr"] == 0.0  # the flat ground clears both sub-paths
    assert out["d_p"] == pytest.approx(4.0) and math.isnan(out["d_t"]) and math.isnan(out["d_r"])
    assert out["L"] == pytest.approx(finish_hand(lp, 0.0, 0.0, 10.0), abs=1e-9)


def test_two_isolated_edges_deygout_construction() -> None:
    """P.526 Section 4.3: J(nu1) of the main edge, then the second edge over the line M1 -> Rx."""
    d, h = flat_profile()
    h[30], h[70] = 60.0, 50.0
    out = deygout_profile_loss(d, h, 10.0, 10.0, F_GHZ, ae_km=FLAT)
    nu1 = nu_hand(60.0, 3.0, 7.0, 10.0, 10.0)
    nu2 = nu_hand(50.0, 7.0, 3.0, 10.0, 10.0)
    assert nu1 > nu2  # the first ridge is the principal edge
    nu2_sub = nu_hand(50.0, 4.0, 3.0, 60.0, 10.0)  # over the line from the top of M1 to the Rx
    assert out["Lp"] == pytest.approx(j_hand(nu1), abs=1e-9)
    assert out["Lr"] == pytest.approx(j_hand(nu2_sub), abs=1e-9)
    assert out["Lt"] == 0.0
    assert (out["d_p"], out["d_r"]) == pytest.approx((3.0, 7.0))
    expected = finish_hand(j_hand(nu1), 0.0, j_hand(nu2_sub), 10.0)
    assert out["L"] == pytest.approx(expected, abs=1e-9)
    assert expected > finish_hand(j_hand(nu1), 0.0, 0.0, 10.0) + 10.0  # the second edge counts


def test_edge_below_the_cut_gives_no_loss() -> None:
    d, h = flat_profile()
    h[50] = 5.0  # 25 m under a ray at 30 m: nu well below -0.78
    nu = nu_hand(5.0, 5.0, 5.0, 30.0, 30.0)
    assert nu < -0.78
    out = deygout_profile_loss(d, h, 30.0, 30.0, F_GHZ, ae_km=FLAT)
    assert out == {"L": 0.0, "Lp": 0.0, "Lt": 0.0, "Lr": 0.0, "d_p": pytest.approx(math.nan,
                                                                                     nan_ok=True),
                   "d_t": pytest.approx(math.nan, nan_ok=True),
                   "d_r": pytest.approx(math.nan, nan_ok=True)}


def test_secondary_edge_below_the_cut_is_ignored() -> None:
    d, h = flat_profile()
    h[50] = 40.0
    h[20] = 10.0  # 12 m under the line from the Tx (10 m) to the top of the principal edge (40 m)
    assert nu_hand(10.0, 2.0, 3.0, 10.0, 40.0) < -0.78
    out = deygout_profile_loss(d, h, 10.0, 10.0, F_GHZ, ae_km=FLAT)
    assert out["Lt"] == 0.0 and math.isnan(out["d_t"])
    h[20] = 14.0  # 8 m under it: nu above the cut, a small loss
    nu = nu_hand(14.0, 2.0, 3.0, 10.0, 40.0)
    assert -0.78 < nu < 0.0
    out = deygout_profile_loss(d, h, 10.0, 10.0, F_GHZ, ae_km=FLAT)
    assert out["Lt"] == pytest.approx(j_hand(nu), abs=1e-9) and out["d_t"] == pytest.approx(2.0)


def test_three_edges_order_and_max_edges() -> None:
    d, h = flat_profile(12.0, 121)
    h[20], h[60], h[100] = 45.0, 70.0, 40.0  # 2, 6 and 10 km
    full = deygout_profile_loss(d, h, 10.0, 10.0, F_GHZ, ae_km=FLAT)
    assert (full["d_t"], full["d_p"], full["d_r"]) == pytest.approx((2.0, 6.0, 10.0))
    lt = j_hand(nu_hand(45.0, 2.0, 4.0, 10.0, 70.0))
    lr = j_hand(nu_hand(40.0, 4.0, 2.0, 70.0, 10.0))
    assert (full["Lt"], full["Lr"]) == pytest.approx((lt, lr), abs=1e-9)
    assert full["L"] == pytest.approx(finish_hand(full["Lp"], lt, lr, 12.0), abs=1e-9)
    one = deygout_profile_loss(d, h, 10.0, 10.0, F_GHZ, ae_km=FLAT, max_edges=1)
    assert (one["Lt"], one["Lr"]) == (0.0, 0.0) and one["Lp"] == full["Lp"]
    two = deygout_profile_loss(d, h, 10.0, 10.0, F_GHZ, ae_km=FLAT, max_edges=2)
    stronger = max(lt, lr)
    assert two["Lt"] + two["Lr"] == pytest.approx(stronger, abs=1e-9)
    assert one["L"] < two["L"] < full["L"]


def test_earth_bulge_enters_nu() -> None:
    """On flat ground the earth bulge 500 d1 d2 / a (m) is the only obstacle."""
    d, h = flat_profile(40.0, 3)  # one intermediate point at mid-path
    ae = 8496.0
    out = deygout_profile_loss(d, h, 20.0, 20.0, F_GHZ, ae_km=ae)
    bulge = 500.0 * 20.0 * 20.0 / ae
    assert out["Lp"] == pytest.approx(j_hand(nu_hand(bulge, 20.0, 20.0, 20.0, 20.0)), abs=1e-9)


def test_reversed_profile_gives_the_same_loss() -> None:
    rng = np.random.default_rng(13)
    d = np.linspace(0.0, 15.0, 301)
    h = 400.0 + np.cumsum(rng.normal(0.0, 6.0, d.size))
    hts, hrs = h[0] + 30.0, h[-1] + 1.5
    ahead = deygout_profile_loss(d, h, hts, hrs, 1.8, ae_km=8496.0)
    back = deygout_profile_loss(d[-1] - d[::-1], h[::-1], hrs, hts, 1.8, ae_km=8496.0)
    assert ahead["L"] > 0.0
    assert back["L"] == pytest.approx(ahead["L"], abs=1e-9)
    assert back["Lt"] == pytest.approx(ahead["Lr"], abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), raise_at=st.integers(1, 98), by=st.floats(0.0, 80.0))
def test_properties_on_random_profiles(seed: int, raise_at: int, by: float) -> None:
    """Loss >= 0, more edges never less loss, reversal symmetric, higher terrain never lowers Lp."""
    rng = np.random.default_rng(seed)
    d = np.sort(np.concatenate(([0.0, 8.0], rng.uniform(0.05, 7.95, 98))))
    h = 500.0 + np.cumsum(rng.normal(0.0, 10.0, d.size))
    hts, hrs = h[0] + 25.0, h[-1] + 1.5
    out = [deygout_profile_loss(d, h, hts, hrs, 0.9, max_edges=k) for k in (1, 2, 3)]
    assert 0.0 <= out[0]["L"] <= out[1]["L"] <= out[2]["L"]
    back = deygout_profile_loss(d[-1] - d[::-1], h[::-1], hrs, hts, 0.9)
    assert back["L"] == pytest.approx(out[2]["L"], abs=1e-9)
    higher = h.copy()
    higher[raise_at] += by
    assert deygout_profile_loss(d, higher, hts, hrs, 0.9)["Lp"] >= out[2]["Lp"]


def test_line_of_sight_path_has_no_loss() -> None:
    d, h = flat_profile()
    h += np.linspace(0.0, 50.0, d.size)  # a slope under a ray 40 m above it
    assert deygout_profile_loss(d, h, 40.0, 90.0, F_GHZ, ae_km=FLAT)["L"] == 0.0


def test_kernel_matches_the_wrapper() -> None:
    d, h = flat_profile()
    h[30], h[70] = 60.0, 50.0
    kernel = deygout_loss(d, h, 10.0, 10.0, 8496.0, F_GHZ)
    assert kernel == deygout_profile_loss(d, h, 10.0, 10.0, F_GHZ, ae_km=8496.0)["L"]


def test_radial_form_matches_the_profile() -> None:
    """Samples 1..m of a radial with the receiver cell beyond them: the same loss as the profile."""
    rng = np.random.default_rng(7)
    step = 0.03
    samples = 600.0 + np.cumsum(rng.normal(0.0, 8.0, 200))
    dist = np.arange(samples.size) * step
    hts, m, d_rx, h_rx = samples[0] + 30.0, 150, 150 * step + 0.017, samples[151] - 5.0
    d = np.concatenate((dist[:m + 1], [d_rx]))
    g = np.concatenate((samples[:m + 1], [h_rx]))
    hstd, hsrd = samples[0] - 12.0, h_rx - 20.0
    for ap in (8496.0, 3.0 * 6371.0):
        want = delta_deygout_loss(d, g, hts, h_rx + 1.5, hstd, hsrd, ap, 1.8, 1, 0.0, 3)
        got = delta_deygout_between(dist, samples, 1, m, d_rx, hts, h_rx + 1.5, hts - hstd,
                                    h_rx + 1.5 - hsrd, ap, 1.8, 1, 0.0, 3)
        assert got == pytest.approx(want, abs=1e-9)
        assert want[1] > 0.0
        smooth = deygout_loss(d, np.zeros_like(g), hts - hstd, h_rx + 1.5 - hsrd, ap, 1.8)
        assert want[2] == pytest.approx(smooth, abs=1e-9)  # relief 0 is the zero-height profile


def test_smooth_earth_bisection_finds_the_scan_maximum() -> None:
    """relief 0 (bisection, O(log n)) gives the edges a scan of a zero-height profile gives."""
    rng = np.random.default_rng(11)
    shadowed = 0
    for _ in range(3000):
        n = int(rng.integers(3, 400))
        d = np.sort(rng.uniform(0.0, 1.0, n)) * rng.uniform(1.0, 80.0)
        dr = d[-1] * (1.0 + rng.uniform(1e-4, 0.05))
        htc, hrc = 10.0 ** rng.uniform(-0.3, 2.5, 2)
        ce, lam = 1.0 / rng.uniform(6000.0, 30000.0), 0.2998 / rng.uniform(0.03, 6.0)
        zeros = np.zeros(n)
        fast = deygout_edges_between(d, zeros, 0, n - 1, dr, htc, hrc, 0.0, ce, lam, 3)
        scan = deygout_edges_between(d, zeros, 0, n - 1, dr, htc, hrc, 1.0, ce, lam, 3)
        assert fast == scan
        shadowed += fast[1] > 0.0 and fast[2] > 0.0
    assert shadowed > 1000  # most cases have all three edges: the sub-path searches are tested


@pytest.mark.parametrize(("kwargs", "word"), [
    ({"max_edges": 4}, "max_edges"), ({"ae_km": 0.0}, "ae_km"), ({"ae_km": math.inf}, "ae_km")])
def test_wrapper_refuses_bad_options(kwargs: dict[str, float], word: str) -> None:
    d, h = flat_profile()
    with pytest.raises(ModelError, match=word):
        deygout_profile_loss(d, h, 10.0, 10.0, F_GHZ, **kwargs)  # type: ignore[arg-type]


def test_wrapper_refuses_a_bad_profile() -> None:
    with pytest.raises(ModelError, match="strictly increasing"):
        deygout_profile_loss([0.0, 2.0, 1.0], [0.0, 0.0, 0.0], 10.0, 10.0, F_GHZ)
    with pytest.raises(ModelError, match="at least 3"):
        deygout_profile_loss([0.0, 1.0], [0.0, 0.0], 10.0, 10.0, F_GHZ)


# --- the P.1812 option ---------------------------------------------------------------------------

def ridges_profile() -> tuple[np.ndarray, np.ndarray]:
    """Three ridges between a site on a hill and a valley receiver, 9 km."""
    d = np.linspace(0.0, 9.0, 181)
    h = 500.0 + 40.0 * np.sin(d * 1.3) ** 2
    for centre, top in ((2.5, 690.0), (5.0, 720.0), (7.2, 660.0)):
        h = np.maximum(h, top - 120.0 * np.abs(d - centre))
    return d, h


def test_p1812_default_is_bullington() -> None:
    d, h = ridges_profile()
    default = p1812_profile_loss(d, h, 30.0, 1.5, F_GHZ)
    assert default == p1812_profile_loss(d, h, 30.0, 1.5, F_GHZ, diffraction="bullington")
    assert "Lbulla" in default and "Ldeyga" not in default


def test_p1812_deygout_more_loss_behind_ridges() -> None:
    d, h = ridges_profile()
    bull = p1812_profile_loss(d, h, 30.0, 1.5, F_GHZ)
    deyg = p1812_profile_loss(d, h, 30.0, 1.5, F_GHZ, diffraction="deygout")
    assert deyg["Ld50"] > bull["Ld50"] + 10.0
    assert deyg["Lb"] > bull["Lb"] + 10.0
    # Only the diffraction terms change.
    for key in ("Lbfs", "Lb0p", "Lbs", "Lba", "theta", "b0"):
        assert deyg[key] == bull[key]
    assert deyg["Lbd50"] == pytest.approx(deyg["Lbfs"] + deyg["Ld50"])
    assert deyg["Ld50"] == pytest.approx(deyg["Ldeyga"] + max(deyg["Ldsph"] - deyg["Ldeygs"], 0.0))


def test_p1812_deygout_on_smooth_earth_is_the_spherical_earth_loss() -> None:
    """Over a smooth earth the spherical-earth term dominates both methods alike (Eq 39 form)."""
    d = np.linspace(0.0, 60.0, 241)
    h = np.zeros_like(d)
    bull = p1812_profile_loss(d, h, 10.0, 1.5, F_GHZ)
    deyg = p1812_profile_loss(d, h, 10.0, 1.5, F_GHZ, diffraction="deygout")
    assert deyg["Ldsph"] == bull["Ldsph"] and deyg["Ldsph"] > deyg["Ldeyga"]
    assert deyg["Ld50"] == pytest.approx(deyg["Ldsph"]) and bull["Ld50"] == pytest.approx(bull["Ldsph"])


def test_p1812_deygout_line_of_sight_is_unchanged() -> None:
    d, h = flat_profile(3.0, 61)
    bull = p1812_profile_loss(d, h, 40.0, 30.0, F_GHZ)
    deyg = p1812_profile_loss(d, h, 40.0, 30.0, F_GHZ, diffraction="deygout")
    assert deyg["Ld50"] == 0.0 == bull["Ld50"]
    assert deyg["Lb"] == bull["Lb"]


def test_p1812_deygout_uses_clutter() -> None:
    d, h = ridges_profile()
    bare = p1812_profile_loss(d, h, 30.0, 1.5, F_GHZ, diffraction="deygout")
    r = np.full_like(d, 15.0)
    forest = p1812_profile_loss(d, h, 30.0, 1.5, F_GHZ, r_m=r, diffraction="deygout")
    assert forest["Ldeyga"] > bare["Ldeyga"]


def test_p1812_refuses_an_unknown_diffraction() -> None:
    d, h = ridges_profile()
    with pytest.raises(ModelError, match=r"bullington.*deygout"):
        p1812_profile_loss(d, h, 30.0, 1.5, F_GHZ, diffraction="epstein")  # type: ignore[arg-type]


# --- the [coverage] setting and the loss cache key -----------------------------------------------

def test_scenario_diffraction_setting() -> None:
    assert scenario_from_dict({}, source=Path("s.toml")).coverage.diffraction == "bullington"
    chosen = scenario_from_dict({"coverage": {"diffraction": "deygout"}}, source=Path("s.toml"))
    assert chosen.coverage.diffraction == "deygout"
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict({"coverage": {"diffraction": "epstein"}}, source=Path("s.toml"))
    text = str(info.value)
    assert "coverage.diffraction" in text and "bullington" in text and "deygout" in text


def _site() -> tuple[Terrain, LossJob]:
    heights = np.random.default_rng(5).uniform(300.0, 900.0, (20, 20)).astype("float32")
    site = Terrain(heights, Affine(30.0, 0.0, 500000.0, 0.0, -30.0, 2500000.0),
                   ProjCRS("EPSG:32648"))
    return site, LossJob("S1", 500300.0, 2499700.0, 30.0, 900.0, (0,))


def test_loss_key_unchanged_for_bullington_and_new_for_deygout() -> None:
    site, job = _site()
    cov = CoverageSettings()
    place = (*site.index_origin, site.cell_size, *site.offset)
    before = LossCache.loss_key(  # the key as it was before the diffraction setting existed
        dem_fingerprint(site.heights, place, site.crs.to_wkt()), x=round(job.x, 3),
        y=round(job.y, 3), height_m=job.height_m, frequency_mhz=job.frequency_mhz, model=cov.model,
        radius_m=cov.radius_km * 1000.0, rx_height_m=cov.rx_height_m, delta_n=cov.delta_n,
        polarization=cov.polarization, n0=cov.n0, hata_environment="")
    assert site_loss_key(site, job, cov) == before
    deygout = site_loss_key(site, job, replace(cov, diffraction="deygout"))
    assert deygout != before
    hata = replace(cov, model="hata")
    assert site_loss_key(site, job, replace(hata, diffraction="deygout")) == site_loss_key(
        site, job, hata)  # the setting is P.1812's only
