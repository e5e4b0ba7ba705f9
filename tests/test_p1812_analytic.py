"""P.1812 per-profile model on synthetic profiles with known answers (no validation files needed)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import fresnel

from netcover.errors import ModelError
from netcover.radio import (
    free_space_loss,
    inverse_complementary_normal,
    p1812_profile_loss,
    path_centre_latitude,
)
from netcover.radio._diffraction import knife_edge_loss

AE_KM = 6371.0 * 157.0 / (157.0 - 45.0)  # median effective earth radius for delta_n = 45


def _flat(d_km: float, n: int = 101, height: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    return np.linspace(0.0, d_km, n), np.full(n, height)


def _fresnel_knife_edge(nu: float) -> float:
    """P.526 Eq 26: J(nu) = -20 log10( sqrt((1 - C - S)^2 + (C - S)^2) / 2 ), exact Fresnel integrals."""
    s, c = fresnel(nu)
    return -20.0 * math.log10(math.hypot(1.0 - c - s, c - s) / 2.0)


@settings(max_examples=40, deadline=None)
@given(d1=st.floats(0.5, 80.0), ratio=st.floats(1.05, 3.0), f_ghz=st.floats(0.1, 6.0))
def test_flat_earth_loss_grows_with_distance(d1, ratio, f_ghz):
    losses = []
    for d in (d1, d1 * ratio):
        dist, h = _flat(d)
        out = p1812_profile_loss(dist, h, 30.0, 1.5, f_ghz)
        losses.append(out)
    near, far = losses
    for key in ("Lbfs", "Ld50", "Lbd", "Lb"):
        assert far[key] >= near[key] - 1e-9, (key, near[key], far[key])
    assert far["Lbd"] > near["Lbd"]


def test_smooth_earth_short_path_is_free_space():
    dist, h = _flat(1.0, height=350.0)
    out = p1812_profile_loss(dist, h, 30.0, 10.0, 0.9)
    assert out["los"] == 1.0
    assert out["Ld50"] == pytest.approx(0.0, abs=1e-9)
    # P.1812 uses 92.4 dB (GHz, km), P.525 32.45 dB (MHz, km): the same law, 0.05 dB apart
    assert out["Lbfs"] == pytest.approx(float(free_space_loss(1.0, 900.0)), abs=0.06)
    assert out["Lb"] == pytest.approx(out["Lbfs"], abs=1e-6)  # p = 50: no multipath correction


@pytest.mark.parametrize("ridge_m", [-8.0, -3.0, 0.0, 10.0, 40.0, 120.0])
def test_single_knife_edge_matches_p526(ridge_m):
    # 2 km flat path at 100 m, antennas 10 m above ground, one ridge point 0.8 km from Tx.
    d_km, d1, f_ghz = 2.0, 0.8, 0.9
    dist, h = _flat(d_km, n=201, height=100.0)
    i = round(d1 / 0.01)
    h[i] = 110.0 + ridge_m  # ridge top ridge_m above the line between the antennas (110 m)
    out = p1812_profile_loss(dist, h, 10.0, 10.0, f_ghz)

    # P.526 single knife edge from the geometry: clearance includes the earth bulge d1 d2 / (2 ae)
    d2 = d_km - d1
    lam = 0.2998 / f_ghz
    clearance = ridge_m + 1000.0 * d1 * d2 / (2.0 * AE_KM)
    nu = clearance * math.sqrt(2.0 * (d1 + d2) * 1000.0 / (lam * d1 * 1000.0 * d2 * 1000.0))
    j_exact = _fresnel_knife_edge(nu) if nu > -0.78 else 0.0
    # Eq 21 adds the Bullington correction (1 - exp(-J/6)) (10 + 0.02 d) to the knife-edge loss
    expected = j_exact + (1.0 - math.exp(-j_exact / 6.0)) * (10.0 + 0.02 * d_km)
    assert out["Lbulla"] == pytest.approx(expected, abs=1.0)
    # and the kernel's J(nu) is within 1 dB of the exact P.526 value
    assert knife_edge_loss(nu) == pytest.approx(j_exact, abs=1.0)


def test_cell_behind_ridge_loses_more_than_without_ridge():
    dist, flat = _flat(6.0, n=121, height=500.0)
    ridge = flat.copy()
    ridge[55:65] += np.array([40, 80, 120, 150, 170, 170, 150, 120, 80, 40], dtype=float)
    bare = p1812_profile_loss(dist, flat, 30.0, 1.5, 0.9)
    shadowed = p1812_profile_loss(dist, ridge, 30.0, 1.5, 0.9)
    assert bare["los"] == 1.0 and shadowed["los"] == 0.0
    for key in ("Ld50", "Lbd", "Lb"):
        assert shadowed[key] > bare[key] + 10.0, key


def test_clutter_on_intermediate_points_adds_loss_but_not_at_terminals():
    dist, h = _flat(5.0, n=51, height=300.0)
    base = p1812_profile_loss(dist, h, 10.0, 1.5, 0.9)
    cluttered = p1812_profile_loss(dist, h, 10.0, 1.5, 0.9, r_m=np.full(51, 15.0))
    assert cluttered["Lbulla"] > base["Lbulla"]
    assert cluttered["hts"] == base["hts"] and cluttered["hrs"] == base["hrs"]


def test_time_percentage_and_sea_fraction():
    dist, h = _flat(40.0, height=0.0)
    zone = np.full(dist.size, 4)
    zone[20:80] = 1
    p50 = p1812_profile_loss(dist, h, 30.0, 10.0, 0.5, zone=zone, p=50.0)
    p10 = p1812_profile_loss(dist, h, 30.0, 10.0, 0.5, zone=zone, p=10.0)
    assert p50["omega"] == pytest.approx(0.6, abs=0.01)
    assert p50["Ldp"] == p50["Ld50"]
    assert p10["Ldp"] < p50["Ldp"]  # super-refraction lowers the loss exceeded 10 % of time
    assert p10["Lb"] <= p50["Lb"]


def test_caller_arrays_are_not_modified():
    dist, h = _flat(5.0, n=51, height=300.0)
    r = np.full(51, 10.0)
    copies = dist.copy(), h.copy(), r.copy()
    p1812_profile_loss(dist, h, 10.0, 1.5, 0.9, r_m=r)
    for arr, copy in zip((dist, h, r), copies, strict=True):
        np.testing.assert_array_equal(arr, copy)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"d_km": [0.0, 2.0, 1.0, 3.0]}, "strictly increasing"),
        ({"d_km": [0.5, 1.0, 2.0, 3.0]}, "must be 0"),
        ({"h_m": [1.0, 2.0, 3.0]}, "same length"),
        ({"d_km": [0.0, 1.0], "h_m": [0.0, 0.0]}, "at least 3"),
        ({"f_ghz": 7.0}, r"\[0.03, 6.0\] GHz"),
        ({"p": 60.0}, r"\[1.0, 50.0\] %"),
        ({"htg_m": 0.5}, "htg_m"),
        ({"pol": "circular"}, "pol"),
        ({"zone": [4, 2, 4, 4]}, "zone"),
        ({"r_m": [0.0, 1.0]}, "r_m"),
    ],
)
def test_invalid_inputs_raise_model_error(kwargs, match):
    args: dict[str, Any] = {"d_km": [0.0, 1.0, 2.0, 3.0], "h_m": [0.0, 5.0, 5.0, 0.0], "htg_m": 10.0,
            "hrg_m": 2.0, "f_ghz": 0.9}
    args.update(kwargs)
    with pytest.raises(ModelError, match=match):
        p1812_profile_loss(**args)


def test_helpers():
    assert inverse_complementary_normal(0.5) == pytest.approx(0.0, abs=1e-3)
    assert inverse_complementary_normal(0.1) == pytest.approx(1.28155, abs=0.00054)
    assert inverse_complementary_normal(0.9) == pytest.approx(-1.28155, abs=0.00054)
    assert path_centre_latitude(10.0, 105.0, 20.0, 105.0) == pytest.approx(15.0)
    # half of a 100 km profile along the meridian from 23 N: 50 km = 0.4497 deg north
    assert path_centre_latitude(23.0, 105.0, 30.0, 105.0, 100.0) == pytest.approx(
        23.0 + math.degrees(50.0 / 6371.0))
