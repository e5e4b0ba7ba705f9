"""An obstacle exactly on the line of sight: the Bullington point is 0 / 0, nu takes its limit 0."""

from __future__ import annotations

import math

import numpy as np
import pytest

from netcover.radio._diffraction import (
    bullington_finish,
    bullington_profile,
    knife_edge_loss,
    nu_breakpoint,
)
from netcover.radio.p1812 import p1812_profile_loss

LAM = 0.3


def _lbull(h_mid: float, ce: float = 0.0) -> float:
    """Bullington loss of a 2 km flat-earth path, antennas 10 m, one obstacle at 1 km."""
    return bullington_profile(np.array([0.0, 1.0, 2.0]), np.array([0.0, h_mid, 0.0]), 10.0, 10.0,
                              ce, LAM)


def test_knife_edge_at_zero_is_6_03_db() -> None:
    assert knife_edge_loss(0.0) == pytest.approx(6.9 + 20.0 * math.log10(math.sqrt(1.01) - 0.1))
    assert knife_edge_loss(0.0) == pytest.approx(6.03, abs=0.005)


def test_nu_breakpoint_of_a_grazing_ray_is_zero() -> None:
    # Stim = Str = 0 and Srim = -Str = 0: the Bullington point is undefined (0 / 0).
    assert nu_breakpoint(0.0, 0.0, 10.0, 10.0, 2.0, LAM) == 0.0
    # Sloping ray, hts 10 m, hrs 30 m over 2 km: Str = 10 m/km, Srim = -10 m/km.
    assert nu_breakpoint(10.0, -10.0, 10.0, 30.0, 2.0, LAM) == 0.0


def test_grazing_obstacle_gives_j0_without_exception() -> None:
    assert _lbull(10.0) == pytest.approx(bullington_finish(knife_edge_loss(0.0), 2.0))


@pytest.mark.parametrize("eps", [1e-3, 1e-6, 1e-9])
def test_loss_is_continuous_through_grazing(eps: float) -> None:
    graze = _lbull(10.0)
    assert abs(_lbull(10.0 + eps) - graze) < 1e3 * eps + 1e-9  # above the ray: nu = +small
    assert abs(_lbull(10.0 - eps) - graze) < 1e3 * eps + 1e-9  # below: line of sight, nu = -small


def test_grazing_profile_through_the_full_model() -> None:
    """A flat earth is not available to p1812_profile_loss; an obstacle on the ray must still not
    raise and must sit between the losses just above and just below it."""
    d = np.array([0.0, 1.0, 2.0])
    hts = 10.0 + 5.0  # ground 5 m, antennas 10 m (both ends)
    ae = 6371.0 * 157.0 / (157.0 - 45.0)
    bulge = 500.0 * 1.0 * 1.0 / ae  # Earth bulge at mid-path (m)
    on_ray = hts - bulge
    losses = [p1812_profile_loss(d, np.array([5.0, on_ray + dh, 5.0]), 10.0, 10.0, 1.0)["Lbulla"]
              for dh in (-1e-6, 0.0, 1e-6)]
    assert losses[0] <= losses[1] + 1e-6 <= losses[2] + 2e-6
    assert losses[1] == pytest.approx(bullington_finish(knife_edge_loss(0.0), 2.0), abs=1e-3)
