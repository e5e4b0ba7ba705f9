"""Results are the same, cell for cell, whichever executor ran the jobs (issue 8).

A small synthetic scenario (a seeded hilly DEM of 120 x 120 cells at 30 m, four sites of two
operators, one with two bands, 2 km radius) is computed in this process and on a Dask
``LocalCluster`` of two workers sharing one loss-cache folder; the candidate coverage matrix of the
siting step likewise. The command line is checked with ``--scheduler``/``--workers``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from click.testing import CliRunner
from pyproj import Transformer
from scipy.ndimage import gaussian_filter

from netcover.app.cli import cli
from netcover.app.pipeline import run_step
from netcover.config.scenario import load_scenario
from netcover.core import dask_executor
from netcover.core.parallel import DaskExecutor, InProcess
from netcover.coverage.engine import CoverageResult, compute_coverage
from netcover.coverage.losscache import LossCache
from netcover.data.inputs import load_inputs
from netcover.data.proposals import plan_sectors
from netcover.data.terrain import Terrain
from netcover.siting import SitingSettings
from netcover.siting import matrix as matrix_mod
from netcover.siting.matrix import DemandLookup, coverage_matrix, screening

from .conftest import CRS, X0, Y0, site_rows, write_dem, write_sites
from .test_parallel import closed_port

SIDE, CELL = 120, 30.0  # 3.6 km square


def _hills() -> np.ndarray:
    rng = np.random.default_rng(2841)
    return 900.0 + 400.0 * gaussian_filter(rng.random((SIDE, SIDE)), sigma=8.0)


def _sites() -> list[dict[str, object]]:
    to_ll = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    base = site_rows()[0]
    rows = []
    for sid, op, (x, y), bands in (("A1", "Viettel", (700, 800), (1800, 900)),
                                   ("A2", "Viettel", (2900, 1000), (1800,)),
                                   ("B1", "VNPT", (1500, 2700), (1800,)),
                                   ("B2", "VNPT", (3000, 3000), (1800,))):
        lon, lat = to_ll.transform(X0 + x, Y0 - y)
        for k, freq in enumerate(bands):
            for j, az in enumerate((0, 120, 240)):
                rows.append(dict(base, site_id=sid, cell_id=f"{sid}-{k}{j}", operator=op,
                                 lon=round(lon, 7), lat=round(lat, 7), azimuth_deg=az,
                                 frequency_mhz=freq))
    return rows


def _double(_state: dict[str, object], item: int) -> int:
    return 2 * item


@pytest.fixture(scope="module")
def hills_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hills")
    write_dem(folder / "dem.tif", _hills())
    write_sites(folder / "sites.csv", _sites())
    scenario = folder / "scenario.toml"
    scenario.write_text('[scenario]\nname = "Hills"\nslug = "hills"\n\n'
                        '[inputs]\ndem = "dem.tif"\nsites = "sites.csv"\n\n'
                        '[coverage]\nradius_km = 2.0\n', encoding="utf-8")
    return scenario


def _layers(result: CoverageResult) -> dict[str, np.ndarray]:
    out = {"classes": result.classes, "min_loss_db": result.min_loss_db}
    for tech, layers in result.technologies.items():
        for name, value in dataclasses.asdict(layers).items():
            out[f"{tech}.{name}"] = value
    out.update({f"classes.{op}": v for op, v in result.operator_classes.items()})
    out.update({f"level.{op}.{tech}": v for (op, tech), v in result.operator_levels.items()})
    return out


def test_coverage_is_the_same_in_process_and_on_a_local_cluster(
        hills_scenario: Path, dask_local: DaskExecutor, tmp_path: Path) -> None:
    inputs = load_inputs(load_scenario(hills_scenario))
    here = compute_coverage(inputs, cache=LossCache(tmp_path / "here"), executor=InProcess())
    shared = tmp_path / "shared"  # one folder every worker reads and writes
    there = compute_coverage(inputs, cache=LossCache(shared), executor=dask_local)
    assert here.jobs == there.jobs == 5  # four masts, one of them with two bands
    assert (here.cache_misses, there.cache_misses) == (5, 0)  # the workers filled the cache
    assert len(list(shared.rglob("*"))) > 5
    a, b = _layers(here), _layers(there)
    assert a.keys() == b.keys() and len(a) >= 9
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)  # NaN == NaN here
    assert np.isfinite(a["4G.level_dbm"]).any() and (a["4G.best_cell"] >= 0).any()


def test_candidate_matrix_is_the_same_in_process_and_on_a_local_cluster(
        hills_scenario: Path, dask_local: DaskExecutor, monkeypatch: pytest.MonkeyPatch) -> None:
    sc = load_scenario(hills_scenario)
    dem = Terrain(_hills(), Affine(CELL, 0, X0, 0, -CELL, Y0), CRS)
    settings = SitingSettings(screening_radius_km=1.5)
    screen = screening(sc, dem, Affine(100.0, 0, X0, 0, -100.0, Y0), (36, 36), settings)
    rng = np.random.default_rng(7)
    demand_x, demand_y = X0 + rng.uniform(0, 3600, 300), Y0 - rng.uniform(0, 3600, 300)
    lookup = DemandLookup(screen, demand_x, demand_y)
    n = 24
    x, y = X0 + rng.uniform(300, 3300, n), Y0 - rng.uniform(300, 3300, n)
    height = rng.choice([20.0, 30.0, 40.0], n)
    sectors = [plan_sectors(settings)] * n
    monkeypatch.setattr(matrix_mod, "PARALLEL_MIN", 2)  # farm out even a few candidates
    here = coverage_matrix(screen, lookup, x, y, height, sectors, executor=InProcess())
    there = coverage_matrix(screen, lookup, x, y, height, sectors, executor=dask_local)
    assert here.shape == there.shape == (300, n)
    assert 0 < here.nnz < 300 * n
    for part in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(here, part), getattr(there, part))


def test_a_scheduler_by_address_and_the_shared_cache_warning(
        hills_scenario: Path, dask_local: DaskExecutor, tmp_path: Path) -> None:
    address = dask_local.client.scheduler_info()["address"]
    sc = load_scenario(hills_scenario)
    with DaskExecutor(address) as remote:
        assert remote.address == address and remote.workers == 2
        said: list[str] = []
        run_step("coverage", sc, tmp_path / "a", report=said.append, executor=remote)
        assert any("set [coverage] cache_dir" in line for line in said)
        shared = dataclasses.replace(sc.coverage, cache_dir=tmp_path / "shared")
        said.clear()
        run_step("coverage", dataclasses.replace(sc, coverage=shared), tmp_path / "b",
                 report=said.append, executor=remote)
        assert not any("cache_dir" in line for line in said)
        assert any(f"losses on Dask on {address}" in line for line in said)
    assert dask_local.map(_double, [1, 2, 3]) == [2, 4, 6]  # closing the client left the cluster up
    rasters = sorted(p.name for p in (tmp_path / "a" / "coverage").glob("*.tif"))
    assert rasters
    for name in rasters:
        assert (tmp_path / "a" / "coverage" / name).read_bytes() == \
            (tmp_path / "b" / "coverage" / name).read_bytes(), name


def test_coverage_command_runs_on_a_process_pool(hills_scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["coverage", str(hills_scenario), "--out", str(out),
                                      "--workers", "2", "--scheduler", "processes"])
    assert result.exit_code == 0, result.output
    assert "losses on ProcessPool (2 workers)" in result.output
    assert (out / "coverage").is_dir() and any((out / "coverage").iterdir())


@pytest.mark.parametrize(("scheduler", "says"), [
    ("unreachable", "cannot reach the Dask scheduler at tcp://127.0.0.1:"),
    ("proceses", "did you mean 'processes'?"),
])
def test_coverage_command_fails_in_one_line(hills_scenario: Path, tmp_path: Path, scheduler: str,
                                            says: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if scheduler == "unreachable":
        pytest.importorskip("distributed")
        monkeypatch.setattr(dask_executor, "CONNECT_TIMEOUT_S", 0.5)
        scheduler = f"tcp://127.0.0.1:{closed_port()}"
    result = CliRunner().invoke(cli, ["coverage", str(hills_scenario), "--out",
                                      str(tmp_path / "out"), "--scheduler", scheduler])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], result.output
    assert not (tmp_path / "out").exists()
