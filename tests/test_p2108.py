"""ITU-R P.2108-1 section 3.1 terminal clutter loss: formulas by hand and ITU's reference values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from netcover.config.landcover import WORLDCOVER, LandCoverClass, LandCoverTable
from netcover.errors import ModelError
from netcover.radio.p2108 import knife_edge_j, landcover_terminal_loss, terminal_clutter_loss


def _by_hand(f_ghz: float, h: float, r: float, eq_2b: bool, ws: float = 27.0) -> float:
    """Eqs (2a)-(2g) written out with scalars, one step at a time."""
    if h >= r:
        return 0.0
    k_nu = 0.342 * math.sqrt(f_ghz)
    k_h2 = 21.8 + 6.2 * math.log10(f_ghz)
    h_dif = r - h
    theta = math.degrees(math.atan(h_dif / ws))
    nu = k_nu * math.sqrt(h_dif * theta)
    if eq_2b:
        return -k_h2 * math.log10(h / r)
    j = 6.9 + 20 * math.log10(math.sqrt((nu - 0.1) ** 2 + 1) + nu - 0.1) if nu > -0.78 else 0.0
    return j - 6.03


@pytest.mark.parametrize("f_ghz", [0.1, 0.9, 1.8, 2.6])
@pytest.mark.parametrize(("h", "r"), [(1.5, 15.0), (1.5, 10.0), (5.0, 20.0), (9.9, 10.0)])
@pytest.mark.parametrize("eq_2b", [True, False])
def test_matches_the_formulas(f_ghz, h, r, eq_2b):
    got = terminal_clutter_loss(f_ghz, h, r, eq_2b)
    assert float(got) == pytest.approx(_by_hand(f_ghz, h, r, eq_2b), abs=1e-12)


@pytest.mark.parametrize(("r", "eq_2b", "ref"), [
    (10.0, True, 16.0), (4.0, True, 6.9), (10.0, False, 20.45), (4.0, False, 9.24),
    (15.0, False, 24.5), (20.0, False, 27.1),
])
def test_itu_reference_values(r, eq_2b, ref):
    """f = 1.5 GHz, h = 2 m, ws = 27 m: the values of ITU-R SG3's Clutter and BEL workbook, as
    eeveetza/p2108 ``validate_p2108.m`` (tests 1-10) checks them, with its tolerance 0.01 dB."""
    assert float(terminal_clutter_loss(1.5, 2.0, r, eq_2b)) == pytest.approx(ref, abs=0.01)


def test_height_gain_at_a_tenth_of_the_clutter_is_k_h2():
    """Eq (2b) with h = R/10: -K_h2 log10(0.1) = K_h2 = 21.8 + 6.2 log10(f)."""
    got = terminal_clutter_loss(0.9, 1.5, 15.0, True)
    assert float(got) == pytest.approx(21.8 + 6.2 * math.log10(0.9), abs=1e-12)


def test_no_loss_at_or_above_the_clutter():
    got = terminal_clutter_loss(0.9, [1.5, 10.0, 20.0], [0.0, 10.0, 15.0], [False, True, False])
    np.testing.assert_array_equal(got, 0.0)


def test_knife_edge_j():
    assert float(knife_edge_j(0.0)) == pytest.approx(6.9 + 20 * math.log10(math.sqrt(1.01) - 0.1))
    assert float(knife_edge_j(-0.78)) == 0.0
    assert float(knife_edge_j(-2.0)) == 0.0


def test_vectorised_over_cells():
    h = np.full((2, 3), 1.5)
    r = np.array([[0.0, 10.0, 15.0], [15.0, 20.0, 0.0]])
    eq = np.array([[True, False, False], [True, False, True]])
    got = terminal_clutter_loss(1.8, h, r, eq)
    assert got.shape == (2, 3)
    for idx in np.ndindex(2, 3):
        assert got[idx] == pytest.approx(_by_hand(1.8, 1.5, r[idx], bool(eq[idx])), abs=1e-12)


@pytest.mark.parametrize(("f", "h"), [(0.01, 1.5), (7.0, 1.5), (0.9, 0.0)])
def test_bad_input(f, h):
    with pytest.raises(ModelError):
        terminal_clutter_loss(f, h, 15.0, False)


def test_per_class_grid_with_band_losses():
    table = LandCoverTable((
        LandCoverClass(1, "forest", 15.0, "urban/trees/forest", ((900.0, 2.0), (1800.0, 4.0))),
        LandCoverClass(2, "field", 0.0, "open/rural"),
    ), nodata_code=2)
    grid = np.array([[1, 2], [2, 1]], dtype=np.int16)
    for f_mhz, extra in ((900.0, 2.0), (1842.5, 4.0), (2600.0, 0.0)):
        got = landcover_terminal_loss(grid, table, f_mhz, 1.5)
        forest = _by_hand(f_mhz / 1000, 1.5, 15.0, False) + extra
        np.testing.assert_allclose(got, [[forest, 0.0], [0.0, forest]], atol=1e-4)


def test_worldcover_defaults_give_loss_only_in_trees_mangroves_and_built_up():
    codes = np.array(WORLDCOVER.codes, dtype=np.int16)
    got = landcover_terminal_loss(codes, WORLDCOVER, 900.0, 1.5)
    lossy = {int(c) for c, v in zip(codes, got, strict=True) if v > 0}
    assert lossy == {10, 50, 95}
    assert float(got[list(codes).index(10)]) == pytest.approx(_by_hand(0.9, 1.5, 15.0, False),
                                                              abs=1e-4)


def test_without_p2108_only_the_band_losses_remain():
    table = LandCoverTable((LandCoverClass(1, "forest", 15.0, "urban/trees/forest",
                                           ((900.0, 2.5),)),), nodata_code=1)
    got = landcover_terminal_loss(np.ones((2, 2), dtype=np.int16), table, 900.0, 1.5, p2108=False)
    np.testing.assert_array_equal(got, 2.5)
