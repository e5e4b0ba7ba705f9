"""ITU-R P.2109-2 building entry loss against ITU-R SG 3's reference values.

The reference values are those of ITU-R SG 3's "Clutter and BEL" validation workbook as listed in
``validate_p2109.m`` of github.com/eeveetza/p2109 (MIT-style licence, the reference MATLAB
implementation approved by WP 3K/3M; values copied here with that acknowledgement): traditional
building, f = 28 GHz, horizontal path, the loss not exceeded with probability P, given to 0.001 dB.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import ndtri

from netcover.errors import ModelError
from netcover.radio.p2109 import (
    COEFFICIENTS,
    building_entry_loss_db,
    building_entry_sd_db,
)

#: (P %, L_BEL dB) from validate_p2109.m: f = 28 GHz, traditional, elevation 0.
SG3_28GHZ_TRADITIONAL = [
    (1.0, 2.769), (3.981072, 4.34), (15.84893, 9.155), (22.38721, 11.494), (29.51209, 13.867),
    (38.90451, 16.812), (50.11872, 20.218), (58.88437, 22.924), (67.6083, 25.788),
    (77.62471, 29.546), (89.12509, 35.448), (98.17479, 46.164), (99.54054, 52.581),
]


@pytest.mark.parametrize(("p", "expected"), SG3_28GHZ_TRADITIONAL)
def test_matches_the_sg3_workbook(p: float, expected: float) -> None:
    assert float(building_entry_loss_db(28.0, p)) == pytest.approx(expected, abs=0.001)


def _by_hand(f: float, p: float, coeffs: tuple[float, ...], theta: float) -> float:
    """Eqs (1)-(10) of P.2109-2 written out again, term by term."""
    r, s, t, u, v, w, x, y, z = coeffs
    lf = math.log10(f)
    q = float(ndtri(p / 100))
    a = q * (u + v * lf) + r + s * lf + t * lf * lf + 0.212 * abs(theta)
    b = q * (y + z * lf) + w + x * lf
    return 10 * math.log10(10 ** (a / 10) + 10 ** (b / 10) + 10 ** (-0.3))


@pytest.mark.parametrize("building", ["traditional", "thermally_efficient"])
@pytest.mark.parametrize(("f", "p", "theta"), [(0.9, 50.0, 0.0), (1.8, 90.0, 0.0),
                                               (2.6, 10.0, 20.0), (0.08, 70.0, -30.0)])
def test_both_building_classes_follow_the_equations(building, f, p, theta) -> None:
    got = float(building_entry_loss_db(f, p, building=building, elevation_deg=theta))
    assert got == pytest.approx(_by_hand(f, p, COEFFICIENTS[building], theta), abs=1e-9)


def test_thermally_efficient_buildings_lose_more_and_loss_grows_with_p() -> None:
    f = np.array([0.7, 0.9, 1.8, 2.1, 2.6])
    trad = building_entry_loss_db(f, 50.0)
    eff = building_entry_loss_db(f, 50.0, building="thermally_efficient")
    assert np.all(eff > trad + 5)
    assert np.all(building_entry_loss_db(f, 90.0) > trad)
    # the median at 900 MHz of a traditional building: about 14.2 dB
    assert float(building_entry_loss_db(0.9, 50.0)) == pytest.approx(14.24, abs=0.01)


def test_spread_reproduces_the_loss_at_its_probability() -> None:
    for p in (60.0, 80.0, 90.0, 95.0):
        sd = float(building_entry_sd_db(1.8, p))
        median = float(building_entry_loss_db(1.8, 50.0))
        assert median + float(ndtri(p / 100)) * sd == pytest.approx(
            float(building_entry_loss_db(1.8, p)), abs=1e-9)
    assert float(building_entry_sd_db(1.8, 50.0)) > 0  # the slope about the median


@pytest.mark.parametrize(("f", "p", "building"), [(0.05, 50.0, "traditional"),
                                                  (120.0, 50.0, "traditional"),
                                                  (1.0, 100.0, "traditional"),
                                                  (1.0, 0.0, "traditional"),
                                                  (1.0, 50.0, "glass")])
def test_out_of_range_inputs_are_refused(f, p, building) -> None:
    with pytest.raises(ModelError):
        building_entry_loss_db(f, p, building=building)
