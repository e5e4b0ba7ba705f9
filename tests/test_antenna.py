"""Tests of netcover.radio.antenna: pattern laws, tilt geometry, the MSI reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netcover.errors import DataFileError, InputError
from netcover.radio.antenna import (
    DIPOLE_GAIN_DBI,
    OmniPattern,
    ParametricPattern,
    TabulatedPattern,
    relative_gain_db,
)
from netcover.radio.msi import pattern_for_sector, read_msi

H_BW, V_BW, AM, SLA = 65.0, 10.0, 25.0, 20.0
SECTOR = ParametricPattern(H_BW, V_BW, front_to_back_db=AM, side_lobe_db=SLA)


def _offset(angles: np.ndarray) -> np.ndarray:
    """Angular distance from 0 of one-degree table indices (0..180)."""
    return np.minimum(angles, 360 - angles).astype(np.float64)


def _tables() -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical cuts of SECTOR as an MSI file would list them."""
    k = np.arange(360)
    horizontal = np.minimum(12.0 * (_offset(k) / H_BW) ** 2, AM)
    # Vertical cut: front half (angles -90..90, i.e. 270..359 and 0..90) follows the 3GPP
    # vertical pattern; the back half sits at the front-to-back level.
    front = np.minimum(12.0 * (_offset(k) / V_BW) ** 2, SLA)
    vertical = np.where((k > 90) & (k < 270), AM, front)
    return horizontal, vertical


TABLE = TabulatedPattern(*_tables(), gain_dbi=17.0, name="synthetic")


def _gain(pattern, bearing, elevation, **kw):
    kw.setdefault("azimuth_deg", 0.0)
    return relative_gain_db(pattern, np.asarray(bearing, dtype=float),
                            np.asarray(elevation, dtype=float), **kw)


# --------------------------------------------------------------------------- parametric pattern


@pytest.mark.parametrize("pattern", [SECTOR, OmniPattern(V_BW), TABLE])
@pytest.mark.parametrize(("azimuth", "mech", "elec"), [(0.0, 0.0, 0.0), (120.0, 4.0, 0.0),
                                                        (240.0, 0.0, 6.0), (355.0, 3.0, 2.0)])
def test_boresight_is_the_maximum(pattern, azimuth, mech, elec):
    g = _gain(pattern, [azimuth], [-(mech + elec)], azimuth_deg=azimuth, mech_tilt_deg=mech,
              elec_tilt_deg=elec)
    assert g[0] == pytest.approx(0.0, abs=1e-9)


def test_half_power_at_half_beamwidth():
    g = _gain(SECTOR, [H_BW / 2, -H_BW / 2, 0.0, 0.0], [0.0, 0.0, V_BW / 2, -V_BW / 2])
    np.testing.assert_allclose(g, -3.0, atol=1e-9)


def test_front_to_back_and_side_lobe_limits():
    back = _gain(SECTOR, [180.0, 150.0, 210.0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(back, -AM)
    down = _gain(SECTOR, [0.0], [-60.0])
    assert down[0] == pytest.approx(-SLA)


def test_mechanical_and_electrical_tilt_agree_on_boresight_plane_only():
    tilt = 6.0
    elevations = np.linspace(-40.0, 30.0, 71)
    mech = _gain(SECTOR, np.zeros_like(elevations), elevations, mech_tilt_deg=tilt)
    elec = _gain(SECTOR, np.zeros_like(elevations), elevations, elec_tilt_deg=tilt)
    np.testing.assert_allclose(mech, elec, atol=1e-9)
    # At 90 deg off boresight on the horizon a mechanical tilt has no effect at all; an electrical
    # tilt lowers the gain there like everywhere else.
    side_mech = _gain(SECTOR, [90.0], [0.0], mech_tilt_deg=tilt)[0]
    side_flat = _gain(SECTOR, [90.0], [0.0])[0]
    side_elec = _gain(SECTOR, [90.0], [0.0], elec_tilt_deg=tilt)[0]
    assert side_mech == pytest.approx(-12.0 * (90.0 / H_BW) ** 2)
    assert side_mech == pytest.approx(side_flat)
    assert side_elec < side_mech - 1.0


def test_mechanical_tilt_fades_towards_the_side():
    # A mechanically tilted omni has its maximum on the antenna's tilted horizontal plane: at
    # bearing beta from the tilt direction that plane dips by atan(tan(t) cos(beta)) only.
    tilt = 8.0
    omni = OmniPattern(V_BW)
    for beta in (0.0, 45.0, 80.0, 135.0):
        elevations = np.linspace(-12.0, 12.0, 2401)
        g = _gain(omni, np.full_like(elevations, beta), elevations, mech_tilt_deg=tilt)
        expected = -np.degrees(np.arctan(np.tan(np.radians(tilt)) * np.cos(np.radians(beta))))
        assert elevations[np.argmax(g)] == pytest.approx(expected, abs=0.01)


def test_shapes_dtypes_and_nan():
    b = np.array([[0.0, np.nan], [90.0, 180.0]], dtype=np.float32)
    e = np.float32(0.0)
    g = relative_gain_db(SECTOR, b, e, azimuth_deg=0.0)
    assert g.shape == (2, 2)
    assert g.dtype == np.float32
    assert np.isnan(g[0, 1]) and np.isnan(g).sum() == 1
    assert relative_gain_db(SECTOR, [0.0, 10.0], 0.0, azimuth_deg=0.0).dtype == np.float64
    assert relative_gain_db(SECTOR, b, e, azimuth_deg=0.0, mech_tilt_deg=2.0).shape == (2, 2)


def test_inputs_are_not_modified():
    b = np.array([10.0, 200.0])
    e = np.array([-3.0, 1.0])
    relative_gain_db(TABLE, b, e, azimuth_deg=30.0, mech_tilt_deg=2.0)
    np.testing.assert_array_equal(b, [10.0, 200.0])
    np.testing.assert_array_equal(e, [-3.0, 1.0])


angles = st.floats(-180.0, 540.0, allow_nan=False)
elevations_st = st.floats(-89.0, 89.0, allow_nan=False)
tilts = st.floats(-10.0, 15.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(bearing=angles, elevation=elevations_st, azimuth=angles, mech=tilts, elec=tilts,
       shift=st.floats(-360.0, 360.0))
def test_gain_is_bounded_and_rotation_invariant(bearing, elevation, azimuth, mech, elec, shift):
    for pattern, floor in ((SECTOR, AM), (TABLE, AM), (OmniPattern(V_BW), SLA)):
        kw = {"mech_tilt_deg": mech, "elec_tilt_deg": elec}
        g = _gain(pattern, [bearing], [elevation], azimuth_deg=azimuth % 360.0, **kw)[0]
        assert -floor - 1e-9 <= g <= 1e-12
        turned = _gain(pattern, [bearing + shift], [elevation],
                       azimuth_deg=(azimuth + shift) % 360.0, **kw)[0]
        assert turned == pytest.approx(g, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(off=st.floats(0.0, 180.0), elevation=elevations_st, mech=tilts, elec=tilts)
def test_gain_is_symmetric_about_boresight(off, elevation, mech, elec):
    for pattern in (SECTOR, TABLE):
        g = _gain(pattern, [100.0 + off, 100.0 - off], [elevation, elevation], azimuth_deg=100.0,
                  mech_tilt_deg=mech, elec_tilt_deg=elec)
        assert g[0] == pytest.approx(g[1], abs=1e-6)


def test_omni_is_flat_in_azimuth():
    bearings = np.arange(0.0, 360.0, 7.5)
    g = _gain(OmniPattern(V_BW), bearings, np.full_like(bearings, -4.0), azimuth_deg=33.0,
              elec_tilt_deg=4.0)
    np.testing.assert_allclose(g, 0.0, atol=1e-9)


@pytest.mark.parametrize("args", [(0.0, 7.0), (-10.0, 7.0), (360.0, 7.0), (65.0, 0.0),
                                  (65.0, 200.0), (float("nan"), 7.0)])
def test_parametric_rejects_bad_beamwidths(args):
    with pytest.raises(InputError):
        ParametricPattern(*args)


def test_bad_tilt_is_rejected():
    with pytest.raises(InputError, match="mech_tilt_deg"):
        relative_gain_db(SECTOR, 0.0, 0.0, azimuth_deg=0.0, mech_tilt_deg=120.0)


def test_pattern_for_sector(tmp_path):
    assert isinstance(pattern_for_sector(360.0, 8.0), OmniPattern)
    assert pattern_for_sector(65.0, 8.0) == ParametricPattern(65.0, 8.0)
    path = _write_msi(tmp_path / "a.msi", *_tables())
    assert isinstance(pattern_for_sector(65.0, 8.0, path), TabulatedPattern)
    assert isinstance(pattern_for_sector(65.0, 8.0, ""), ParametricPattern)


# --------------------------------------------------------------------------- tabulated pattern


def _interp(table: np.ndarray, angles: np.ndarray) -> np.ndarray:
    return np.interp(np.asarray(angles) % 360.0, np.arange(361.0), np.append(table, table[0]))


def test_tabulated_matches_its_cuts():
    # Horizon (theta = 0): the horizontal cut, interpolated between degrees.
    phis = np.array([0.0, 12.5, 32.5, 90.0, 137.25, 180.0, -45.5])
    g = _gain(TABLE, phis, np.zeros_like(phis))
    np.testing.assert_allclose(g, -_interp(TABLE.horizontal_db, phis), atol=1e-9)
    # Boresight vertical plane (phi = 0): the front of the vertical cut.
    thetas = np.array([-30.0, -5.0, 0.0, 2.5, 5.0, 17.0])
    g = _gain(TABLE, np.zeros_like(thetas), -thetas)
    np.testing.assert_allclose(g, -_interp(TABLE.vertical_db, thetas), atol=1e-9)
    assert g[3] == pytest.approx(-(12.0 * (2.0 / V_BW) ** 2 + 12.0 * (3.0 / V_BW) ** 2) / 2)
    # Behind the antenna: the back of the vertical cut.
    g = _gain(TABLE, [180.0, 180.0], [-20.0, 20.0])
    np.testing.assert_allclose(g, -AM, atol=1e-9)


def test_tabulated_electrical_tilt_shifts_the_vertical_cut():
    h, v = _tables()
    tilted = TabulatedPattern(h, np.roll(v, 4), electrical_tilt_deg=4.0)  # beam 4 deg down
    g = _gain(tilted, [0.0, 0.0], [-4.0, 0.0], elec_tilt_deg=4.0)
    np.testing.assert_allclose(g, [0.0, -12.0 * (4.0 / V_BW) ** 2], atol=1e-9)
    more = _gain(tilted, [0.0], [-7.0], elec_tilt_deg=7.0)
    assert more[0] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("bad", [np.zeros(359), np.full(360, -1.0), np.full(360, np.nan)])
def test_tabulated_rejects_bad_tables(bad):
    with pytest.raises(InputError):
        TabulatedPattern(bad, np.zeros(360))


def test_tabulated_tables_are_read_only_copies():
    h, v = _tables()
    p = TabulatedPattern(h, v)
    h[0] = 99.0
    assert p.horizontal_db[0] == 0.0
    with pytest.raises(ValueError, match="read-only"):
        p.vertical_db[0] = 1.0


# --------------------------------------------------------------------------- MSI reader


def _write_msi(path: Path, horizontal: np.ndarray, vertical: np.ndarray, header: str = "",
               step: int = 1) -> Path:
    lines = [header or "NAME TEST-65-10\nFREQUENCY 1800\nGAIN 15.85 dBd\nTILT ELECTRICAL\n"
             "ELECTRICAL_TILT 0\nPOLARIZATION +45\nCOMMENT synthetic pattern for tests"]
    for key, table in (("HORIZONTAL", horizontal), ("VERTICAL", vertical)):
        idx = np.arange(0, 360, step)
        lines.append(f"{key} {idx.size}")
        lines.extend(f"{k}\t{table[k]:.4f}" for k in idx)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_msi_round_trip(tmp_path):
    h, v = _tables()
    p = read_msi(_write_msi(tmp_path / "k742.msi", h, v))
    np.testing.assert_allclose(p.horizontal_db, h, atol=1e-4)
    np.testing.assert_allclose(p.vertical_db, v, atol=1e-4)
    assert p.gain_dbi == pytest.approx(15.85 + DIPOLE_GAIN_DBI)
    assert p.name == "TEST-65-10"
    assert p.frequency_mhz == 1800.0
    assert p.electrical_tilt_deg == 0.0


def test_msi_header_variants_and_coarse_steps(tmp_path):
    h, v = _tables()
    header = "gain 17.5 dBi\ntilt 6\n"
    p = read_msi(_write_msi(tmp_path / "coarse.pln", h, v, header=header, step=2))
    assert p.gain_dbi == 17.5
    assert p.electrical_tilt_deg == 6.0
    assert p.name == "coarse"  # no NAME: the file's stem
    assert p.frequency_mhz is None
    np.testing.assert_allclose(p.horizontal_db[1::2], (h[0:-1:2] + np.roll(h, -2)[0:-1:2]) / 2,
                               atol=1e-4)
    plain = read_msi(_write_msi(tmp_path / "nogain.msi", h, v,
                                header="NAME x\nGAIN 15\nFREQUENCY 1710-1880\n"))
    assert plain.gain_dbi == pytest.approx(15.0 + DIPOLE_GAIN_DBI)  # no unit: dBd
    assert plain.frequency_mhz == 1795.0


def _corrupt(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(("old", "new", "line", "what"), [
    ("HORIZONTAL 360", "HORIZONTAL many", 8, "number of points"),
    ("\n5\t", "\n5x\t", 14, "not a number"),
    ("\n7\t", "\n360\t", 16, "outside"),
    ("\n3\t", "\n3\t-", 12, "negative"),
    ("\n4\t", "\n3\t", 8, "twice"),
    ("\n6\t", "\n6 0 ", 15, "field"),
    ("GAIN 15.85 dBd", "GAIN 15.85 W", 3, "unit"),
    ("VERTICAL 360", "VERTICAL 361", 369, "ends"),
    ("HORIZONTAL 360", "HORIZONTAL 359", 368, "data line outside"),
])
def test_msi_errors_name_file_and_line(tmp_path, old, new, line, what):
    path = _write_msi(tmp_path / "bad.msi", *_tables())
    path.write_text(_corrupt(path.read_text(), old, new))
    with pytest.raises(InputError, match=what) as info:
        read_msi(path)
    assert str(path) in str(info.value)
    assert f"line {line}:" in str(info.value)


def test_msi_missing_block_and_missing_file(tmp_path):
    path = tmp_path / "half.msi"
    path.write_text("NAME x\nHORIZONTAL 2\n0 0\n180 20\n")
    with pytest.raises(InputError, match="no VERTICAL block"):
        read_msi(path)
    path = _write_msi(tmp_path / "steep.msi", *_tables(), header="ELECTRICAL_TILT 95\n")
    with pytest.raises(InputError, match=r"steep\.msi: electrical_tilt_deg=95"):
        read_msi(path)
    with pytest.raises(DataFileError, match=r"nowhere\.msi"):
        read_msi(tmp_path / "nowhere.msi")
