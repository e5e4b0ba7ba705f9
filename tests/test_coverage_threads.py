"""The coverage jobs on a thread pool: the same results bit for bit, one loss per job, order kept.

A small synthetic scenario (a seeded hilly DEM of 90 x 90 cells at 30 m, 1.5 km radius): three
masts of two operators, one mast carrying two technologies on two bands and one mast shared by
both operators on the same band, so that one loss job serves two operator/technology groups.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from pyproj import Transformer
from scipy.ndimage import gaussian_filter

from netcover.config.scenario import load_scenario
from netcover.coverage.combine import GroupResult, combine_groups
from netcover.coverage.engine import CoverageResult, compute_coverage
from netcover.coverage.groups import accumulators, fold_levels, group_noise_dbm
from netcover.coverage.losscache import LossCache
from netcover.coverage.losses import grid_loss, loss_jobs
from netcover.coverage.schedule import Task, plan_tasks, recorded_warnings, run_tasks
from netcover.coverage.sectors import SectorLevels
from netcover.data.inputs import Inputs, load_inputs

from .conftest import CRS, X0, Y0, site_rows, write_dem, write_sites

SIDE = 90


def _sites() -> list[dict[str, object]]:
    to_ll = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    base = site_rows()[0]
    rows = []
    for sid, op, (x, y), carriers in (
            ("A1", "Viettel", (700, 900), (("4G", 1800), ("3G", 2100))),
            ("T1", "Viettel", (1900, 1500), (("4G", 1800),)),
            ("T1", "VNPT", (1900, 1500), (("4G", 1800),)),  # the same mast and band
            ("B1", "VNPT", (2200, 2300), (("4G", 900),))):
        lon, lat = to_ll.transform(X0 + x, Y0 - y)
        for tech, freq in carriers:
            for j, az in enumerate((30, 150, 270)):
                rows.append(dict(base, site_id=sid, cell_id=f"{sid}-{op}-{tech}-{j}", operator=op,
                                 technology=tech, lon=round(lon, 7), lat=round(lat, 7),
                                 azimuth_deg=(az + 10 * len(rows)) % 360, frequency_mhz=freq))
    return rows


@pytest.fixture(scope="module")
def shared_mast(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    folder = tmp_path_factory.mktemp("shared-mast")
    rng = np.random.default_rng(1812)
    write_dem(folder / "dem.tif", 800.0 + 300.0 * gaussian_filter(rng.random((SIDE, SIDE)), 6.0))
    write_sites(folder / "sites.csv", _sites())
    (folder / "scenario.toml").write_text(
        '[scenario]\nname = "Shared mast"\nslug = "shared"\n\n[inputs]\ndem = "dem.tif"\n'
        'sites = "sites.csv"\n\n[coverage]\nradius_km = 1.5\n', encoding="utf-8")
    return load_inputs(load_scenario(folder / "scenario.toml"))


def _layers(result: CoverageResult) -> dict[str, np.ndarray]:
    out = {"classes": result.classes, "min_loss_db": result.min_loss_db}
    for tech, layers in result.technologies.items():
        out.update({f"{tech}.{k}": v for k, v in dataclasses.asdict(layers).items()})
    for key, v in result.operator_levels.items():
        out[f"level.{key}"] = v
        out[f"best.{key}"] = result.operator_best_cell[key]
    for name, s in result.service.items():
        for part in ("classes", "low", "high"):
            out.update({f"{name}.{part}.{k}": v for k, v in getattr(s, part).items()})
    return out


def _assert_same(a: CoverageResult, b: CoverageResult) -> None:
    la, lb = _layers(a), _layers(b)
    assert la.keys() == lb.keys()
    for name in la:
        assert la[name].dtype == lb[name].dtype, name
        np.testing.assert_array_equal(la[name], lb[name], err_msg=name)


def test_the_scenario_has_a_job_of_two_groups(shared_mast: Inputs) -> None:
    assert shared_mast.cells is not None
    jobs = loss_jobs(shared_mast.cells)
    groups = [{(str(shared_mast.cells.iloc[i]["operator"]), str(shared_mast.cells.iloc[i]["technology"]))
               for i in job.cells} for job in jobs]
    assert len(jobs) == 4 and max(len(g) for g in groups) == 2


def test_any_number_of_threads_gives_the_same_result_bit_for_bit(shared_mast: Inputs) -> None:
    one = compute_coverage(shared_mast, threads=1)
    for threads in (2, 3):
        _assert_same(one, compute_coverage(shared_mast, threads=threads))
    assert np.isfinite(one.technologies["4G"].level_dbm).any()
    assert set(one.operator_levels) == {("VNPT", "4G"), ("Viettel", "3G"), ("Viettel", "4G")}


def test_groups_one_at_a_time_equal_all_groups_filled_together(shared_mast: Inputs) -> None:
    """The engine folds one operator/technology at a time; each accumulator still sees its cells
    in job order, so the result is that of filling every group in one pass over the jobs."""
    cells, sc, terrain = shared_mast.cells, shared_mast.scenario, shared_mast.terrain
    assert cells is not None
    todo = accumulators(cells, terrain.shape, skip=set())
    apply = SectorLevels(terrain, sc.coverage, sc.receiver, calibration=sc.calibration)
    for job in loss_jobs(cells):
        loss = grid_loss(terrain, job, sc.coverage, LossCache(None), [])
        fold_levels(apply, todo, job, loss, [(i, cells.iloc[i]) for i in job.cells])
    groups = {g: GroupResult.from_accumulator(acc, group_noise_dbm(sc, g[1]))
              for g, acc in todo.items()}
    together = combine_groups(groups, sc, terrain, cells)
    engine = compute_coverage(shared_mast, threads=2)
    together.min_loss_db = engine.min_loss_db  # not part of the fold
    _assert_same(together, engine)


def test_a_job_of_two_groups_computes_its_loss_once(shared_mast: Inputs, tmp_path: Path) -> None:
    cold = compute_coverage(shared_mast, cache=LossCache(tmp_path / "c"), threads=2)
    assert (cold.jobs, cold.losses_computed, cold.losses_cached, cold.cache_misses) == (4, 4, 0, 4)
    assert cold.groups == 3
    warm = compute_coverage(shared_mast, cache=LossCache(tmp_path / "c"), threads=2)
    assert (warm.losses_computed, warm.groups_reused) == (0, 3)
    _assert_same(cold, warm)


def test_tasks_go_group_by_group_and_jobs_in_order() -> None:
    job_cells = [(0, 1), (2,), (3, 4), (5,)]
    cell_groups = [("B", "4G"), ("A", "4G"), ("A", "4G"), ("B", "4G"), ("A", "3G"), ("C", "4G")]
    groups = [("A", "3G"), ("A", "4G"), ("B", "4G")]
    tasks = plan_tasks(job_cells, cell_groups, groups, all_jobs=False)
    assert tasks == [Task(2, ("A", "3G"), (4,)), Task(0, ("A", "4G"), (1,)),
                     Task(1, ("A", "4G"), (2,)), Task(0, ("B", "4G"), (0,)),
                     Task(2, ("B", "4G"), (3,))]
    with_min = plan_tasks(job_cells, cell_groups, groups, all_jobs=True)
    assert with_min == [*tasks, Task(3, None, ())]


def test_run_tasks_keeps_order_makes_each_loss_once_and_stays_a_few_tasks_ahead() -> None:
    rng = np.random.default_rng(5)
    tasks = [Task(int(j), ("op", "4G"), (k,)) for k, j in enumerate(rng.integers(0, 12, 60))]
    delays = rng.uniform(0.0, 0.004, len(tasks))
    made: list[int] = []
    lock = threading.Lock()
    started = [0]

    def loss(job: int) -> int:
        with lock:
            made.append(job)
        return 1000 * job

    def work(task: Task, value: int) -> int:
        with lock:
            started[0] += 1
        time.sleep(delays[task.cells[0]])
        return value + task.cells[0]

    threads = 3
    expected = [1000 * t.job + t.cells[0] for t in tasks]
    for n in (1, threads):
        made.clear()
        started[0] = 0
        got = []
        for k, (value, result) in enumerate(run_tasks(tasks, loss, work, threads=n)):
            assert value == 1000 * tasks[k].job
            got.append(result)
            assert started[0] <= k + 1 + n + 1  # a few tasks ahead of the consumer at most
        assert got == expected
        assert sorted(made) == sorted(set(made)) == sorted({t.job for t in tasks})


def test_run_tasks_starts_little_while_the_consumer_finishes_a_group() -> None:
    """When the consumer gets the first task of another group (it then reads off and stores the
    group it finished), at most one later task has been started, however many threads."""
    groups = [("a", "3G")] * 5 + [("a", "4G")] * 7 + [("b", "4G")] * 6 + [None] * 3
    tasks = [Task(k % 4, g, (k,) if g else ()) for k, g in enumerate(groups)]
    started: list[int] = []
    lock = threading.Lock()

    def work(task: Task, value: int) -> int:
        with lock:
            started.append(task.cells[0] if task.cells else -1)
        time.sleep(0.002)
        return value + len(task.cells)

    got = []
    for k, (_value, result) in enumerate(run_tasks(tasks, lambda job: 10 * job, work, threads=3)):
        got.append(result)
        if k in (5, 12, 18):  # first tasks of a group: the pool had time to run ahead
            time.sleep(0.05)
            with lock:
                assert len(started) <= k + 2
    assert got == [10 * t.job + len(t.cells) for t in tasks]


def test_recorded_warnings_are_those_of_the_thread() -> None:
    """Two threads record at once; each gets its own warnings, every time (the same warning from
    a netcover module three times), and the main thread's go where they went before."""
    barrier = threading.Barrier(3)
    caught: dict[str, list[str]] = {}
    registry: dict[object, object] = {}  # shared: "default" would show each warning once

    def worker(name: str) -> None:
        with recorded_warnings() as mine:
            barrier.wait()
            for k in range(3):
                warnings.warn_explicit(f"{name} says hello", UserWarning, "model.py", 7,
                                       module="netcover.radio.model", registry=registry)
                time.sleep(0.001 * k)
            barrier.wait()
        caught[name] = [str(w.message) for w in mine]

    with warnings.catch_warnings(record=True) as outside:
        before = list(warnings.filters)
        threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
        for t in threads:
            t.start()
        barrier.wait()
        warnings.warn_explicit("main thread", UserWarning, "main.py", 1, module="elsewhere",
                               registry={})
        barrier.wait()
        for t in threads:
            t.join()
        assert warnings.filters == before
    assert caught == {"a": ["a says hello"] * 3, "b": ["b says hello"] * 3}
    assert [str(w.message) for w in outside] == ["main thread"]


def test_sector_levels_and_the_cache_travel_to_worker_processes(shared_mast: Inputs,
                                                               tmp_path: Path) -> None:
    """Their locks stay behind: a process pool pickles them (the siting step's candidates)."""
    import pickle

    sc, terrain = shared_mast.scenario, shared_mast.terrain
    apply = SectorLevels(terrain, sc.coverage, sc.receiver, cache=LossCache(tmp_path))
    cells = shared_mast.cells
    assert cells is not None
    job = loss_jobs(cells)[0]
    loss = grid_loss(terrain, job, sc.coverage, LossCache(None), [])
    here = apply.levels(job.x, job.y, job.height_m, loss, [cells.iloc[i] for i in job.cells])
    there = pickle.loads(pickle.dumps(apply))
    again = there.levels(job.x, job.y, job.height_m, loss, [cells.iloc[i] for i in job.cells])
    for a, b in zip(here, again, strict=True):
        np.testing.assert_array_equal(a, b)
    cache = pickle.loads(pickle.dumps(LossCache(tmp_path)))
    assert cache.folder == tmp_path and cache.get("0" * 32) is None and cache.misses == 1


def test_layers_lost_from_the_cache_during_the_run_are_a_clear_error(
        shared_mast: Inputs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The layers a run computes are stored and read back; a cache emptied meanwhile is named."""
    from netcover.errors import DataFileError

    monkeypatch.setattr(LossCache, "get_arrays", lambda self, key: None)
    with pytest.raises(DataFileError, match="lost the operator/technology layers"):
        compute_coverage(shared_mast, cache=LossCache(tmp_path / "c"), threads=2)
    monkeypatch.undo()
    assert compute_coverage(shared_mast, cache=LossCache(None), threads=2).groups == 3


@pytest.mark.parametrize(("given", "kept"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_openmp_threads_sleep_after_a_kernel_unless_told_otherwise(
        monkeypatch: pytest.MonkeyPatch, given: str | None, kept: str) -> None:
    from netcover.core import _worker_life

    if given is None:
        monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    else:
        monkeypatch.setenv("OMP_WAIT_POLICY", given)
    _worker_life.threadsafe_numba.__wrapped__()  # type: ignore[attr-defined]
    assert os.environ["OMP_WAIT_POLICY"] == kept


def test_operator_layers_own_their_memory_where_they_were_combined(shared_mast: Inputs,
                                                                    tmp_path: Path) -> None:
    """With a cache, the groups a run computes are stored and read back (views of the whole entry,
    server count and SINR with them): a run that combines them keeps copies of the levels and best
    cells only; a run that reads its combined layers keeps the views (no copies to pay for). The
    values are those of a run without cache either way."""
    plain = compute_coverage(shared_mast, cache=LossCache(None), threads=1)
    for combined in ("computed", "cached"):
        found = compute_coverage(shared_mast, cache=LossCache(tmp_path / "c"), threads=1)
        assert found.combined == combined
        owned = [a.base is None for layers in (found.operator_levels, found.operator_best_cell)
                 for a in layers.values()]
        assert owned and all(owned) == (combined == "computed")
        assert set(found.operator_levels) == set(plain.operator_levels)
        for g, level in plain.operator_levels.items():
            np.testing.assert_array_equal(found.operator_levels[g], level)
            np.testing.assert_array_equal(found.operator_best_cell[g], plain.operator_best_cell[g])


def test_a_run_keeps_the_service_classes_and_drops_their_ranges(shared_mast: Inputs) -> None:
    """After the coverage step's tables, a run keeps what the maps read of the service levels
    (their classes), not the ranges only the service table reads."""
    from netcover.app.pipeline import _without_service_ranges
    from netcover.coverage.write import raster_layers

    result = compute_coverage(shared_mast, cache=LossCache(None), threads=1)
    before = raster_layers(result)
    classes = {name: dict(s.classes) for name, s in result.service.items()}
    assert classes and all(s.low and s.high for s in result.service.values())
    _without_service_ranges(result)
    assert all(not s.low and not s.high for s in result.service.values())
    assert {name: s.classes for name, s in result.service.items()} == classes
    after = raster_layers(result)
    assert list(after) == list(before)
    for stem, array in before.items():
        np.testing.assert_array_equal(after[stem], array)
