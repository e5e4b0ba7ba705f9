"""Candidate footprints: evaluated on the demand cells only (the same answer as on the whole grid),
kept in the loss cache folder (a warm call computes none; what changes a footprint computes it
again; a damaged entry is recomputed with a warning), progress per footprint, one pool for several
calls.

A seeded hilly DEM of 120 x 120 cells at 30 m is screened on a 100 m grid with a 1.5 km radius.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from scipy.ndimage import gaussian_filter

from netcover.config.scenario import scenario_from_dict
from netcover.core._worker_life import PayloadFiles
from netcover.core.parallel import ProcessPool, ThreadPool
from netcover.coverage.losscache import CacheWarning, LossCache
from netcover.data.proposals import plan_sectors
from netcover.data.terrain import Terrain
from netcover.radio.area import site_loss_grid
from netcover.siting import SitingSettings
from netcover.siting import matrix as matrix_mod
from netcover.siting.footprints import FootprintStore, near_cells, screening_digest
from netcover.siting.matrix import DemandLookup, Screening, coverage_matrix, footprint, screening

from .conftest import CRS, X0, Y0

SIDE, CELL = 120, 30.0  # 3.6 km square
SETTINGS = SitingSettings(screening_radius_km=1.5)
N = 12


def _hills() -> np.ndarray:
    rng = np.random.default_rng(2841)
    return 900.0 + 400.0 * gaussian_filter(rng.random((SIDE, SIDE)), sigma=8.0)


@pytest.fixture(scope="module")
def screen() -> Screening:
    sc = scenario_from_dict({"scenario": {"name": "Hills"}, "inputs": {"dem": "dem.tif"}})
    dem = Terrain(_hills(), Affine(CELL, 0, X0, 0, -CELL, Y0), CRS)
    return screening(sc, dem, Affine(100.0, 0, X0, 0, -100.0, Y0), (36, 36), SETTINGS)


def _demand(screen: Screening, n: int = 150, seed: int = 7, keep: int | None = None) -> DemandLookup:
    """Demand at n seeded places (only the first ``keep`` of them, if given)."""
    rng = np.random.default_rng(seed)
    x, y = X0 + rng.uniform(0, 3600, n), Y0 - rng.uniform(0, 3600, n)
    return DemandLookup(screen, x[:keep], y[:keep])


def _candidates(n: int = N, seed: int = 11) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (X0 + rng.uniform(300, 3300, n), Y0 - rng.uniform(300, 3300, n),
            rng.choice([20.0, 30.0, 40.0], n))


def _columns(a: Any) -> list[np.ndarray]:
    return [a.indices[a.indptr[j]:a.indptr[j + 1]] for j in range(a.shape[1])]


def test_only_the_chosen_cells_are_computed_each_as_on_the_whole_grid() -> None:
    dem = _hills()
    mask = np.random.default_rng(3).random(dem.shape) < 0.05
    args = (dem, (X0, Y0), CELL, (X0 + 1700.0, Y0 - 1900.0), 30.0, 1.5, 900.0, 1500.0)
    whole = site_loss_grid(*args)
    some = site_loss_grid(*args, cells=mask)
    assert (some.row_off, some.col_off) == (whole.row_off, whole.col_off)
    rows, cols = some.loss_db.shape
    window = mask[some.row_off:some.row_off + rows, some.col_off:some.col_off + cols]
    assert np.isfinite(some.loss_db).sum() > 100
    np.testing.assert_array_equal(some.loss_db[window], whole.loss_db[window])  # bit for bit
    assert np.isnan(some.loss_db[~window]).all()


def test_matrix_of_demand_cells_equals_the_whole_footprints(screen: Screening) -> None:
    lookup = _demand(screen)
    x, y, h = _candidates()
    sectors = plan_sectors(SETTINGS)
    a = coverage_matrix(screen, lookup, x, y, h, [sectors] * N)
    assert 0 < a.nnz < a.shape[0] * N
    for j, col in enumerate(_columns(a)):
        np.testing.assert_array_equal(col, lookup.rows_of(footprint(screen, x[j], y[j], h[j],
                                                                    sectors)))


def test_a_warm_call_computes_no_footprint(screen: Screening, tmp_path: Path) -> None:
    lookup = _demand(screen)
    x, y, h = _candidates()
    sectors = [plan_sectors(SETTINGS)] * N
    cache = LossCache(tmp_path)
    seen: list[tuple[int, str]] = []

    def progress(items: Any, label: str) -> Any:
        seen.append((len(items), label))
        return items

    cold_counts: dict[str, int] = {}
    cold = coverage_matrix(screen, lookup, x, y, h, sectors, progress, cache=cache,
                           counts=cold_counts)
    assert cold_counts == {"cached": 0, "computed": N}
    assert seen == [(N, "Candidates")]  # one item per footprint computed
    warm_counts: dict[str, int] = {}
    warm = coverage_matrix(screen, lookup, x, y, h, sectors, progress, cache=cache,
                           counts=warm_counts)
    assert warm_counts == {"cached": N, "computed": 0}
    assert len(seen) == 1  # nothing to compute: no progress
    for part in ("indptr", "indices"):
        np.testing.assert_array_equal(getattr(cold, part), getattr(warm, part))
    # less demand (e.g. a better existing network): the entries serve it
    fewer = _demand(screen, keep=60)
    counts: dict[str, int] = {}
    again = coverage_matrix(screen, fewer, x, y, h, sectors, cache=cache, counts=counts)
    assert counts == {"cached": N, "computed": 0}
    for col, fresh in zip(_columns(again), _columns(coverage_matrix(screen, fewer, x, y, h, sectors)),
                          strict=True):
        np.testing.assert_array_equal(col, fresh)


def test_an_unchanged_call_reads_its_footprints_from_one_entry(screen: Screening,
                                                              tmp_path: Path) -> None:
    lookup = _demand(screen)
    x, y, h = _candidates()
    sectors = [plan_sectors(SETTINGS)] * N
    cache = LossCache(tmp_path)
    cold = coverage_matrix(screen, lookup, x, y, h, sectors, cache=cache)
    joint = FootprintStore(cache, screen)
    keys = [joint.key(x[j], y[j], h[j], sectors[j]) for j in range(N)]
    needed = [near_cells(lookup.cells, screen, float(x[j]), float(y[j])) for j in range(N)]
    for key in keys:  # without the candidates' own entries, the joint one serves
        next(tmp_path.rglob(f"{key}.npz")).unlink()
    _, found = joint.get_all(keys, needed)
    assert joint.read_at_once and joint.cached == N
    assert [len(lookup.rows_at(f)) for f in found] == [len(c) for c in _columns(cold)]
    counts: dict[str, int] = {}
    warm = coverage_matrix(screen, lookup, x, y, h, sectors, cache=cache, counts=counts)
    assert counts == {"cached": N, "computed": 0}
    for part in ("indptr", "indices"):
        np.testing.assert_array_equal(getattr(cold, part), getattr(warm, part))
    fewer = _demand(screen, keep=60)  # other demand cells: not the joint entry, nor the others
    other = FootprintStore(cache, screen)
    _, missing = other.get_all(keys, [near_cells(fewer.cells, screen, float(x[j]), float(y[j]))
                                      for j in range(N)])
    assert not other.read_at_once and all(m is None for m in missing)


def test_what_changes_a_footprint_computes_it_again(screen: Screening, tmp_path: Path) -> None:
    lookup = _demand(screen)
    x, y, h = _candidates(4)
    base = plan_sectors(SETTINGS)
    cache = LossCache(tmp_path)
    coverage_matrix(screen, lookup, x, y, h, [base] * 4, cache=cache)
    louder = [pd.Series(dict(s, tx_power_dbm=float(s["tx_power_dbm"]) + 3.0)) for s in base]
    variants = {
        "power": (screen, lookup, x, h, [louder] * 4),
        "height": (screen, lookup, x, h + 5.0, [base] * 4),
        "place": (screen, lookup, x + 50.0, h, [base] * 4),
        "threshold": (Screening(screen.terrain, screen.inside, screen.coverage,
                                screen.threshold_dbm + 6.0, screen.levels), lookup, x, h, [base] * 4),
        "new demand near the masts": (screen, _demand(screen, n=400, seed=8), x, h, [base] * 4),
    }
    for what, (scr, look, xs, hs, secs) in variants.items():
        counts: dict[str, int] = {}
        coverage_matrix(scr, look, xs, y, hs, secs, cache=cache, counts=counts)
        assert counts == {"cached": 0, "computed": 4}, what
    assert screening_digest(variants["threshold"][0]) != screening_digest(screen)


def test_a_damaged_entry_is_computed_again_with_a_warning(screen: Screening, tmp_path: Path) -> None:
    lookup = _demand(screen)
    x, y, h = _candidates(3)
    sectors = [plan_sectors(SETTINGS)] * 3
    cache = LossCache(tmp_path)
    cold = coverage_matrix(screen, lookup, x, y, h, sectors, cache=cache)
    store = FootprintStore(cache, screen)
    keys = [store.key(x[j], y[j], h[j], sectors[j]) for j in range(3)]
    (joint,) = [p for p in tmp_path.rglob("*.npz") if p.stem not in keys]  # the three together
    (entry,) = tmp_path.rglob(f"{keys[1]}.npz")
    for damaged in (joint, entry):
        damaged.write_bytes(damaged.read_bytes()[:-10])
    counts: dict[str, int] = {}
    with pytest.warns(CacheWarning, match="computed again"):
        warm = coverage_matrix(screen, lookup, x, y, h, sectors, cache=cache, counts=counts)
    assert counts == {"cached": 2, "computed": 1}
    np.testing.assert_array_equal(cold.indices, warm.indices)
    counts = {}
    coverage_matrix(screen, lookup, x, y, h, sectors, cache=cache, counts=counts)
    assert counts == {"cached": 3, "computed": 0}  # rewritten


def test_near_cells_hold_every_cell_of_the_disc(screen: Screening) -> None:
    lookup = _demand(screen, n=600)
    x, y = X0 + 1800.0, Y0 - 1700.0
    near = near_cells(lookup.cells, screen, x, y)
    t = screen.terrain
    sl = site_loss_grid(t.heights, t.origin_xy, t.cell_size, (x, y), 30.0, 1.5, 900.0,
                        screen.coverage.radius_km * 1000.0, cells=lookup.mask)
    rr, cc = np.nonzero(np.isfinite(sl.loss_db))
    in_disc = (rr + sl.row_off) * t.shape[1] + cc + sl.col_off
    assert 0 < len(in_disc) < len(near) < len(lookup.cells)
    assert set(in_disc) <= set(near)


def test_calls_on_one_pool_start_it_once_and_match_in_process(
        screen: Screening, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matrix_mod, "PARALLEL_MIN", 2)
    lookup = _demand(screen)
    x, y, h = _candidates()
    sectors = [plan_sectors(SETTINGS)] * N
    here = coverage_matrix(screen, lookup, x, y, h, sectors)
    with ProcessPool(2) as pool:
        first = coverage_matrix(screen, lookup, x, y, h, sectors, executor=pool)
        second = coverage_matrix(screen, lookup, x[::-1], y[::-1], h[::-1], sectors, executor=pool)
        assert pool.starts == 1
    np.testing.assert_array_equal(here.indices, first.indices)
    for a, b in zip(_columns(here), _columns(second)[::-1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_footprints_on_threads_match_in_process_and_leave_the_warning_filters(
        screen: Screening, monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads share one screening (read only); each footprint drops its kernel's warnings without
    swapping the process's warning filters under the other thread."""
    monkeypatch.setattr(matrix_mod, "PARALLEL_MIN", 2)
    lookup = _demand(screen)
    x, y, h = _candidates()
    sectors = [plan_sectors(SETTINGS)] * N
    here = coverage_matrix(screen, lookup, x, y, h, sectors)
    before = list(warnings.filters)
    threaded = coverage_matrix(screen, lookup, x, y, h, sectors, executor=ThreadPool(2))
    assert list(warnings.filters) == before
    np.testing.assert_array_equal(here.indptr, threaded.indptr)
    np.testing.assert_array_equal(here.indices, threaded.indices)


def test_equal_screenings_make_one_payload_for_the_pool_workers() -> None:
    """The candidates and the proposals build their screening apart: equal content pickles to one
    payload, which a long-lived pool's workers keep (the grid travels once per run)."""
    sc = scenario_from_dict({"scenario": {"name": "Hills"}, "inputs": {"dem": "dem.tif"}})
    dem = Terrain(_hills(), Affine(CELL, 0, X0, 0, -CELL, Y0), CRS)
    made = [screening(sc, dem, Affine(100.0, 0, X0, 0, -100.0, Y0), (36, 36), SETTINGS)
            for _ in range(2)]
    x, y, h = _candidates(2)
    footprint(made[0], x[0], y[0], h[0], plan_sectors(SETTINGS))  # memoises patterns, geometry
    files = PayloadFiles()
    try:
        tokens = {files.add(matrix_mod._init_worker,
                            (matrix_mod._without_memos(s), _demand(s)))[0] for s in made}
    finally:
        files.clear()
    assert len(tokens) == 1
