"""Calibration per band and land-cover class: recovered from a synthetic drive test, refused with
too few points, applied cell by cell by the engine and by siting, old scenario files still valid."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Transformer

from netcover.config.calibration import Calibration, CalibrationEntry
from netcover.config.scenario import Scenario, load_scenario
from netcover.config.siting import SitingSettings
from netcover.coverage.engine import compute_coverage
from netcover.coverage.losscache import CachedLoss, LossCache
from netcover.coverage.sectors import SectorLevels
from netcover.data.inputs import Inputs, load_inputs
from netcover.data.measurements import read_measurements
from netcover.data.proposals import plan_sectors
from netcover.data.terrain import Terrain
from netcover.errors import ScenarioError
from netcover.monitor.calibrate import (
    MeasuredErrors,
    calibrate,
    fit_calibration,
    write_calibrated_scenario,
)
from netcover.monitor.compare import landcover_at, predict
from netcover.monitor.model_choice import compare_models, model_variants
from netcover.samplegen.history import drive_test
from netcover.siting.matrix import footprint, screening

from .conftest import CELL, CRS, X0, Y0, ridge_heights, write_mini_district

FOREST, CROPS, BUILT, WATER = 10, 40, 50, 80
#: Offsets injected per class (dB): what the calibration must find within +-1 dB.
TRUE_DB = {FOREST: -12.0, CROPS: -3.0, BUILT: -8.0}
NOISE_DB = 3.0


def class_grid(shape: tuple[int, int], seed: int = 4) -> np.ndarray:
    """Blocks of 8 x 8 cells of forest, crops or built-up (seeded), and one water cell."""
    rng = np.random.default_rng(seed)
    blocks = rng.choice(list(TRUE_DB), size=(shape[0] // 8 + 1, shape[1] // 8 + 1))
    grid = np.kron(blocks, np.ones((8, 8), dtype=np.int64))[:shape[0], :shape[1]]
    grid[3, 3] = WATER
    return grid.astype(np.int16)


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> tuple[Inputs, Path]:
    folder = tmp_path_factory.mktemp("classes")
    path = write_mini_district(folder)
    # a loss cache of its own: module fixtures run before the per-test private cache is set
    path.write_text(path.read_text(encoding="utf-8")
                    + f'cache_dir = "{(folder / "cache").as_posix()}"\n', encoding="utf-8")
    sc = load_scenario(path)
    inputs = load_inputs(sc)
    terrain = dataclasses.replace(inputs.terrain, landcover=class_grid(inputs.terrain.shape))
    return dataclasses.replace(inputs, terrain=terrain), path


@pytest.fixture(scope="module")
def compared(district: tuple[Inputs, Path]) -> pd.DataFrame:
    """A drive test of the model plus the per-class offsets plus 3 dB of seeded noise."""
    inputs, path = district
    table = drive_test(inputs, n_points=900, seed=5, bias_db={}, noise_db=NOISE_DB,
                       bad_rows=False, along_roads=False)
    to_xy = Transformer.from_crs("EPSG:4326", inputs.crs, always_xy=True)
    x, y = to_xy.transform(table["lon"].to_numpy(), table["lat"].to_numpy())
    offset = pd.Series(landcover_at(inputs.terrain, x, y)).map(TRUE_DB).fillna(0.0).to_numpy()
    table["rsrp_dbm"] = (table["rsrp_dbm"] + offset).round(1)
    csv = path.parent / "drive.csv"
    table.to_csv(csv, index=False)
    return predict(inputs, read_measurements(csv, inputs))


def test_per_class_offsets_are_recovered_within_a_decibel(compared: pd.DataFrame) -> None:
    result = calibrate(compared, folds=5, seed=2, labels={FOREST: "tree cover"})
    cal = result.corrections["4G"]
    found = {e.landcover: e for e in cal.entries}
    assert set(found) == set(TRUE_DB)
    for code, true in TRUE_DB.items():
        entry = found[code]
        assert entry.band_mhz == 1800.0 and entry.n >= 100
        d = compared.loc[compared["landcover"] == code, "distance_m"].to_numpy() / 1000.0
        assert float(np.mean(entry.correction(d))) == pytest.approx(true, abs=1.0), code
        assert entry.offset_db == pytest.approx(true, abs=1.0), code
        # after calibration only the injected noise is left, cross-validated
        assert entry.rmse_cv_db == pytest.approx(NOISE_DB, abs=0.5)
        assert entry.rmse_cv_db < entry.rmse_before_db
    assert found[FOREST].label == "tree cover"
    row = result.table.set_index("technology").loc["4G"]
    assert row["rmse_cv_db"] < row["rmse_before_db"] and row["rmse_cv_db"] < 1.2 * NOISE_DB
    assert cal.residual_sd_db == pytest.approx(row["residual_sd_db"])
    assert cal.residual_sd_db == pytest.approx(NOISE_DB, abs=0.5)
    # the technology-wide fit alone leaves the spread of the class offsets
    assert cal.rmse_before_db is not None and cal.rmse_before_db > 4.0


def test_a_class_with_too_few_points_is_refused_with_a_note(compared: pd.DataFrame) -> None:
    assert 0 < (compared["landcover"] == WATER).sum() < 10 or WATER not in set(compared["landcover"])
    rng = np.random.default_rng(1)
    few = compared.iloc[:4].assign(landcover=WATER, error_db=rng.normal(20.0, 1.0, 4))
    result = calibrate(pd.concat([compared, few], ignore_index=True), seed=2)
    assert WATER not in {e.landcover for e in result.corrections["4G"].entries}
    assert any("land cover 80 refused" in n and "fewer than 10" in n and "technology-wide" in n
               for n in result.notes), result.notes
    refused = result.detail[result.detail["status"] == "refused"]
    assert refused["landcover"].tolist() == [WATER] and refused["n"].iloc[0] >= 4
    assert refused["offset_db"].isna().all()


def test_a_band_with_too_few_points_falls_back_with_its_classes() -> None:
    rng = np.random.default_rng(3)
    n = 300
    band = np.where(np.arange(n) < 295, 1800.0, 900.0)
    lc = rng.choice([FOREST, CROPS], n)
    e = np.where(lc == FOREST, -12.0, -3.0) + np.where(band == 900.0, 5.0, 0.0)
    pts = MeasuredErrors(e + rng.normal(0, 1, n), 10 ** rng.uniform(-1, 0.5, n), band, lc)
    cal, refused = fit_calibration(pts)
    assert refused == [(900.0, None)]
    keys = {(x.band_mhz, x.landcover) for x in cal.entries}
    assert keys == {(1800.0, None), (1800.0, FOREST), (1800.0, CROPS)}
    # a 900 MHz sector gets the technology-wide correction whatever the class
    assert cal.term(900.0, FOREST) is cal
    assert cal.term(1795.0, FOREST).landcover == FOREST  # within 5 % of the band
    assert cal.spread_db(1800.0) is None  # fitted, not yet cross-validated


def test_the_engine_applies_the_class_correction_cell_by_cell(
        district: tuple[Inputs, Path], tmp_path: Path) -> None:
    inputs, _ = district
    entries = (CalibrationEntry(1800.0, FOREST, "", -12.0, 0.0),
               CalibrationEntry(1800.0, BUILT, "", -8.0, 3.0),
               CalibrationEntry(2600.0, CROPS, "", 20.0, 0.0))  # another band: not applied
    cal = Calibration(-1.0, 0.0, entries=entries)
    plain = compute_coverage(inputs, cache=LossCache(tmp_path / "c"))
    sc = dataclasses.replace(inputs.scenario, calibration={"4G": cal})
    done = compute_coverage(dataclasses.replace(inputs, scenario=sc), cache=LossCache(tmp_path / "c"))
    diff = done.operator_levels[("Viettel", "4G")] - plain.operator_levels[("Viettel", "4G")]
    lc = inputs.terrain.landcover
    assert lc is not None
    ok = np.isfinite(diff)
    np.testing.assert_allclose(diff[ok & (lc == FOREST)], -12.0, atol=1e-3)
    np.testing.assert_allclose(diff[ok & ((lc == CROPS) | (lc == WATER))], -1.0, atol=1e-3)
    built = diff[ok & (lc == BUILT)]
    assert built.min() < -8.5 and built.max() > -8.0  # the slope: a function of distance
    assert ok.sum() > 1000


def test_sector_levels_follow_the_window_of_the_loss() -> None:
    heights = np.full((40, 40), 500.0, dtype=np.float32)
    lc = np.zeros((40, 40), dtype=np.int16)
    lc[:, 20:] = FOREST
    terrain = Terrain(heights, Affine(CELL, 0, X0, 0, -CELL, Y0), CRS, landcover=lc)
    row = pd.Series(plan_sectors(SitingSettings())[0])
    loss = CachedLoss(np.full((10, 12), 100.0, dtype=np.float32), 15, 14)
    x, y = X0 + 20 * CELL, Y0 - 20 * CELL
    rx = Scenario().receiver
    cal = Calibration(2.0, 0.0, entries=(CalibrationEntry(None, FOREST, "", -10.0, 0.0),))
    base = SectorLevels(terrain, Scenario().coverage, rx).levels(x, y, 30.0, loss, [row])[0]
    level = SectorLevels(terrain, Scenario().coverage, rx,
                         calibration={str(row["technology"]): cal}).levels(x, y, 30.0, loss, [row])[0]
    expected = np.where(lc[15:25, 14:26] == FOREST, -10.0, 2.0)
    np.testing.assert_allclose(level - base, expected, atol=1e-4)
    assert (expected == 2.0).any() and (expected == -10.0).any()


def test_a_negative_calibration_shrinks_a_candidate_footprint() -> None:
    dem = Terrain(ridge_heights(), Affine(CELL, 0, X0, 0, -CELL, Y0), CRS)
    settings = SitingSettings(screening_radius_km=2.0)
    like, shape = Affine(100.0, 0, X0, 0, -100.0, Y0), (24, 24)
    sectors = plan_sectors(settings)
    tech = str(sectors[0]["technology"])
    sizes = []
    for offset in (0.0, -30.0):
        sc = Scenario(calibration={tech: Calibration(offset)} if offset else {})
        screen = screening(sc, dem, like, shape, settings)
        sizes.append(int(footprint(screen, X0 + 600, Y0 - 1200, 30.0, sectors).covered.sum()))
    assert sizes[0] > 0 and sizes[1] < sizes[0]


def test_old_calibration_sections_still_load(tmp_path: Path) -> None:
    path = write_mini_district(tmp_path)
    path.write_text(path.read_text() + "\n[calibration.4G]\noffset_db = -4.0\n"
                    "slope_db_per_decade = 2.0\n", encoding="utf-8")
    sc = load_scenario(path)
    assert sc.calibration["4G"] == Calibration(-4.0, 2.0)
    assert sc.calibration_spread_db("4G") is None and sc.calibration_spread_db("3G") is None
    d = np.array([0.5, 1.0, 4.0])
    np.testing.assert_allclose(sc.calibration["4G"].correction(d, band_mhz=900.0,
                                                               landcover=np.array([10, 40, 50])),
                               -4.0 + 2.0 * np.log10(d))


def test_the_calibrated_scenario_round_trips_its_entries(compared: pd.DataFrame,
                                                        district: tuple[Inputs, Path],
                                                        tmp_path: Path) -> None:
    _, path = district
    result = calibrate(compared, seed=2, labels={FOREST: "tree cover"})
    out = write_calibrated_scenario(load_scenario(path), result, tmp_path / "cal.toml")
    text = out.read_text(encoding="utf-8")
    assert "[[calibration.4G.entries]]" in text and 'label = "tree cover"' in text
    sc = load_scenario(out)
    assert sc.calibration == result.corrections
    cal = sc.calibration["4G"]
    assert sc.calibration_spread_db("4G") == cal.residual_sd_db
    assert sc.calibration_spread_db("4G", 1800.0) == cal.residual_sd_db  # one band: no band entry


@pytest.mark.parametrize(("entry", "field", "says"), [
    ("band_mhz = 1800.0\nlandcover = 10\noffset_db = -70.0", "entries[0].offset_db", "implausible"),
    ("offset_db = -3.0", "entries[0]", "names a band_mhz"),
    ("band_mhz = 5.0\noffset_db = -3.0", "entries[0].band_mhz", "not a mobile band"),
])
def test_bad_entries_are_named(tmp_path: Path, entry: str, field: str, says: str) -> None:
    path = write_mini_district(tmp_path)
    path.write_text(path.read_text() + f"\n[calibration.4G]\noffset_db = -4.0\n\n"
                    f"[[calibration.4G.entries]]\n{entry}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    problems = info.value.problems  # type: ignore[attr-defined]
    assert any(p.field == f"calibration.4G.{field}" and says in str(p) for p in problems), problems


def test_two_entries_for_one_band_and_class_are_refused(tmp_path: Path) -> None:
    path = write_mini_district(tmp_path)
    one = "[[calibration.4G.entries]]\nlandcover = 10\noffset_db = -3.0\n"
    path.write_text(path.read_text() + "\n[calibration.4G]\noffset_db = -4.0\n\n" + one + one,
                    encoding="utf-8")
    with pytest.raises(ScenarioError, match="second entry"):
        load_scenario(path)


def test_calibration_picks_the_model_the_measurements_came_from(compared: pd.DataFrame,
                                                                district: tuple[Inputs, Path]
                                                                ) -> None:
    inputs, path = district
    ms = read_measurements(path.parent / "drive.csv", inputs)
    ranked = compare_models(inputs, ms, variants=[{"model": "fspl"}, {"model": "p1812"}], seed=2)
    assert ranked["variant"].tolist() == ["p1812", "fspl"]
    assert ranked["best"].tolist() == [True, False] and ranked["scenario"].tolist() == [True, False]
    p1812, fspl = ranked["rmse_cv_db"]
    assert p1812 == pytest.approx(NOISE_DB, abs=0.5) and fspl > p1812 + 1.0


def test_model_variants_add_the_diffraction_methods_when_there_are_some() -> None:
    @dataclasses.dataclass(frozen=True)
    class WithoutDiffraction:
        model: str = "p1812"

    got = model_variants(Scenario().coverage)
    assert got[:2] == [{"model": "p1812", "diffraction": "bullington"},
                       {"model": "p1812", "diffraction": "deygout"}]
    assert got[2:] == [{"model": "hata"}, {"model": "fspl"}]
    assert model_variants(WithoutDiffraction()) == [  # type: ignore[arg-type]
        {"model": m} for m in ("p1812", "hata", "fspl")]


def test_measurements_against_the_calibrated_scenario_have_no_class_bias(
        compared: pd.DataFrame, district: tuple[Inputs, Path]) -> None:
    inputs, path = district
    result = calibrate(compared, seed=2)
    sc = dataclasses.replace(inputs.scenario, calibration=result.corrections)
    ms = read_measurements(path.parent / "drive.csv", inputs)
    again = predict(dataclasses.replace(inputs, scenario=sc), ms, calibrated=True)
    for code in TRUE_DB:
        before = compared.loc[compared["landcover"] == code, "error_db"]
        after = again.loc[again["landcover"] == code, "error_db"]
        assert abs(after.mean()) < 0.3 < abs(before.mean()), code
    raw = predict(dataclasses.replace(inputs, scenario=sc), ms)  # the model's: what is fitted
    np.testing.assert_allclose(raw["error_db"], compared["error_db"])


def test_scenario_toml_writes_any_label_and_arrays_of_tables() -> None:
    import tomllib

    from netcover.monitor.calibrated_toml import dumps_toml

    label = 'rừng "núi đá"\\ \n\t\x7f\x01 end'
    data = {"calibration": {"4G": {"offset_db": -1.0, "residual_sd_db": None, "entries": (
        {"band_mhz": None, "landcover": 10, "label": label}, {"band_mhz": 900.0}), "x": ()}}}
    back = tomllib.loads(dumps_toml(data))
    assert back == {"calibration": {"4G": {"offset_db": -1.0, "entries": [
        {"landcover": 10, "label": label}, {"band_mhz": 900.0}]}}}


@given(st.lists(st.tuples(st.sampled_from([None, 900.0, 1800.0]), st.sampled_from([None, 10, 40, 95]),
                          st.floats(-20, 20), st.floats(-5, 5)), max_size=8),
       st.sampled_from([None, 900.0, 1850.0, 2600.0]))
def test_the_correction_of_each_cell_is_its_most_specific_term(entries: list, band: float | None
                                                                ) -> None:
    unique = {(b, c): (o, s) for b, c, o, s in entries if (b, c) != (None, None)}
    cal = Calibration(1.5, -2.0, entries=tuple(CalibrationEntry(b, c, "", o, s)
                                               for (b, c), (o, s) in unique.items()))
    rng = np.random.default_rng(len(entries))
    lc = rng.choice(np.array([-1, 10, 40, 95, 7], dtype=np.int16), (6, 7))
    d = rng.uniform(0.01, 20.0, (6, 7))
    got = cal.correction(d, band_mhz=band, landcover=lc)
    for i, j in np.ndindex(lc.shape):
        code = int(lc[i, j])
        t = cal.term(band, code if code >= 0 else None)
        if band is None:  # an unknown band: only every-band entries apply
            assert t.band_mhz is None if isinstance(t, CalibrationEntry) else True
        want = t.offset_db + t.slope_db_per_decade * np.log10(max(d[i, j], 0.05))
        assert got[i, j] == pytest.approx(want, abs=1e-9)
    assert got.shape == d.shape


def test_band_and_class_beat_class_beat_band_beat_technology() -> None:
    both, cls, band = (CalibrationEntry(1800.0, 10, "", -1.0), CalibrationEntry(None, 10, "", -2.0),
                       CalibrationEntry(1800.0, None, "", -3.0))
    near = CalibrationEntry(1850.0, 10, "", -4.0)
    cal = Calibration(-5.0, entries=(both, cls, band, near))
    assert cal.term(1800.0, 10) is both and cal.term(1840.0, 10) is near
    assert cal.term(900.0, 10) is cls and cal.term(None, 10) is cls
    assert cal.term(1800.0, 40) is band and cal.term(1800.0, None) is band
    assert cal.term(900.0, 40) is cal and cal.term(None, None) is cal
    d = np.ones(4)
    np.testing.assert_allclose(cal.correction(d, band_mhz=1800.0,
                                              landcover=np.array([10, 40, -1, 32767])),
                               [-1.0, -3.0, -3.0, -3.0])
