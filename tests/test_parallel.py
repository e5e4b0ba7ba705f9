"""The executor interface: same ordered results everywhere, one setup per worker, bounded imap,
the choice of executor from --scheduler/--workers and [execution], and its one-line errors."""

from __future__ import annotations

import os
import socket
import sys
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from netcover.config.scenario import scenario_from_dict
from netcover.config.sections import ExecutionSettings
from netcover.core import _worker_life, parallel
from netcover.core.executor import Executor
from netcover.core.parallel import (
    DaskExecutor,
    InProcess,
    ProcessPool,
    ThreadPool,
    check_scheduler,
    executor_for,
    executor_named,
    make_executor,
)
from netcover.errors import InputError, NetcoverError, ScenarioError

ITEMS = list(range(37))  # not a multiple of any chunk size


# --- jobs (module level: they travel to the workers by reference) ------------------------------

def _offset_setup(k: int) -> dict[str, Any]:
    return {"k": k}


def _affine(state: dict[str, Any], item: int) -> int:
    return 3 * item + state["k"]


def _marking_setup(folder: str) -> dict[str, Any]:
    """A state naming the process that made it, and a file recording each call."""
    token = uuid.uuid4().hex
    (Path(folder) / f"setup-{os.getpid()}-{token}").touch()
    return {"pid": os.getpid(), "token": token, "folder": folder}


def _who(state: dict[str, Any], item: int) -> tuple[int, int, str, int]:
    return item, os.getpid(), state["token"], state["pid"]


def _marked(state: dict[str, Any], item: int) -> int:
    (Path(state["folder"]) / f"ran-{item}").touch()
    return item


def _executors(dask_local: DaskExecutor) -> list[Executor]:
    return [InProcess(), ThreadPool(2), ProcessPool(2), dask_local]


def _numba_threads(_state: dict[str, Any], item: int) -> tuple[int, int, int]:
    import numba

    return item, threading.get_ident(), numba.get_num_threads()


# --- results and state ---------------------------------------------------------------------------

def test_every_executor_gives_the_same_ordered_results(dask_local: DaskExecutor) -> None:
    expected = [3 * i + 5 for i in ITEMS]
    for executor in _executors(dask_local):
        assert executor.map(_affine, ITEMS, setup=_offset_setup, setup_args=(5,)) == expected
        assert list(executor.imap(_affine, ITEMS, setup=_offset_setup, setup_args=(5,),
                                  chunk_size=4)) == expected
        assert executor.map(_affine, [], setup=_offset_setup, setup_args=(5,)) == []


def test_setup_runs_once_per_worker(dask_local: DaskExecutor, tmp_path: Path) -> None:
    for k, executor in enumerate(_executors(dask_local)):
        folder = tmp_path / str(k)
        folder.mkdir()
        rows = executor.map(_who, ITEMS, setup=_marking_setup, setup_args=(str(folder),))
        assert [r[0] for r in rows] == ITEMS
        tokens: dict[int, set[str]] = {}
        for _item, pid, token, state_pid in rows:
            assert state_pid == pid  # the state was made in the process that used it
            tokens.setdefault(pid, set()).add(token)
        assert all(len(t) == 1 for t in tokens.values())
        setups = [p.name.split("-")[1] for p in folder.iterdir()]
        assert len(setups) == len(set(setups)) <= executor.workers  # at most once per process
        assert {int(p) for p in setups} >= set(tokens)
        if isinstance(executor, InProcess):
            assert set(tokens) == {os.getpid()}


def test_progress_wraps_the_chunks() -> None:
    seen: list[tuple[int, str]] = []

    def progress(items: Any, label: str) -> Any:
        seen.append((len(items), label))
        return items

    result = InProcess().map(_affine, ITEMS, setup=_offset_setup, setup_args=(0,),
                             progress=progress, label="Loss rasters")
    assert result == [3 * i for i in ITEMS]
    assert seen == [(8, "Loss rasters")]  # 37 items, 8 chunks per worker: chunks of 5, the last 2


def test_imap_yields_before_everything_is_submitted(dask_local: DaskExecutor,
                                                    tmp_path: Path) -> None:
    items = list(range(40))
    for k, executor in enumerate(_executors(dask_local)):
        folder = tmp_path / str(k)
        folder.mkdir()
        results = executor.imap(_marked, items, setup=_marking_setup, setup_args=(str(folder),))
        assert next(results) == 0
        ran = len(list(folder.glob("ran-*")))
        assert 1 <= ran <= 2 * executor.workers + 1  # the bound in flight, plus the next one
        assert list(results) == items[1:]
        assert len(list(folder.glob("ran-*"))) == len(items)


def test_thread_pool_runs_single_threaded_kernels_on_threads_of_this_process() -> None:
    rows = ThreadPool(2).map(_numba_threads, ITEMS)
    assert [r[0] for r in rows] == ITEMS
    threads = {r[1] for r in rows}
    assert threading.get_ident() not in threads and 1 <= len(threads) <= 2
    assert {r[2] for r in rows} == {1}  # one numba thread each: one job per core


def test_thread_pool_runs_here_where_numba_cannot_launch_from_threads(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_worker_life, "threadsafe_numba", lambda: False)  # the workqueue layer
    rows = ThreadPool(2).map(_numba_threads, ITEMS)
    assert [r[0] for r in rows] == ITEMS
    assert {r[1] for r in rows} == {threading.get_ident()}


def _numba_in_worker(_state: dict[str, Any], item: int) -> tuple[int, bool, str | None, int]:
    loaded = "numba" in sys.modules
    import numba

    return item, loaded, os.environ.get("NUMBA_NUM_THREADS"), numba.get_num_threads()


def test_pool_workers_import_numba_only_for_jobs_that_need_it_then_on_one_thread() -> None:
    """A worker drawing maps never needs numba: its initializer does not import it (about 60 MB),
    and a job that does import it gets one thread, as the initializer's ``set_num_threads(1)``
    gave before."""
    with ProcessPool(1) as pool:
        rows = pool.map(_numba_in_worker, [0, 1])
    assert rows == [(0, False, "1", 1), (1, True, "1", 1)]


def test_local_pool_is_threads_of_the_usable_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "usable_cores", lambda: 3)
    pool = parallel.local_pool()
    assert type(pool) is ThreadPool and pool.workers == 3
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    assert type(parallel.local_pool()) is InProcess
    with pytest.raises(InputError, match="workers=0"):
        ThreadPool(0)


# --- choosing the executor -----------------------------------------------------------------------

class _FakeDask(Executor):
    def __init__(self, address: str | None = None, workers: int = 1):
        self.address, self.workers = address, workers


@pytest.fixture
def fake_dask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "DaskExecutor", _FakeDask)


@pytest.mark.usefixtures("fake_dask")
@pytest.mark.parametrize(("scheduler", "workers", "kind", "count", "address"), [
    ("", 1, InProcess, 1, None),
    ("", 3, ProcessPool, 3, None),
    ("inprocess", 4, InProcess, 1, None),
    ("processes", 1, ProcessPool, 1, None),
    ("local", 2, _FakeDask, 2, None),
    ("tcp://10.0.0.5:8786", 1, _FakeDask, 1, "tcp://10.0.0.5:8786"),
    ("scheduler.example.org:8786", 1, _FakeDask, 1, "scheduler.example.org:8786"),
])
def test_make_executor_chooses_the_class(scheduler: str, workers: int, kind: type, count: int,
                                         address: str | None) -> None:
    executor = make_executor(scheduler, workers)
    assert type(executor) is kind
    assert executor.workers == count
    if isinstance(executor, _FakeDask):
        assert executor.address == address


@pytest.mark.usefixtures("fake_dask")
def test_command_line_values_override_the_scenario() -> None:
    settings = ExecutionSettings(scheduler="processes", workers=3)
    assert executor_named(settings)
    chosen = executor_for(settings)
    assert type(chosen) is ProcessPool and chosen.workers == 3
    chosen = executor_for(settings, workers=2)
    assert type(chosen) is ProcessPool and chosen.workers == 2
    assert type(executor_for(settings, scheduler="inprocess")) is InProcess
    local = executor_for(settings, scheduler="local")
    assert isinstance(local, _FakeDask) and (local.address, local.workers) == (None, 3)
    assert not executor_named(ExecutionSettings())
    assert executor_named(ExecutionSettings(), scheduler="inprocess")
    assert executor_named(ExecutionSettings(), workers=1)
    assert type(executor_for(ExecutionSettings())) is InProcess


def test_bad_workers_are_refused_with_the_field_named() -> None:
    with pytest.raises(InputError, match="--workers"):
        make_executor("", 0)
    with pytest.raises(InputError, match="--workers"):
        executor_for(ExecutionSettings(), workers=0)
    with pytest.raises(ScenarioError, match=r"\[execution\] workers = 0"):
        ExecutionSettings(workers=0)
    with pytest.raises(ScenarioError, match="execution"):
        scenario_from_dict({"execution": {"workers": -2}})


@pytest.mark.parametrize("word", ["proceses", "LocalCluster", "tcp://", "tcp://host", "http://a:1",
                                  "host:port", "in process"])
def test_bad_scheduler_words_are_refused(word: str) -> None:
    with pytest.raises(InputError, match="--scheduler"):
        make_executor(word, 2)
    with pytest.raises(ScenarioError, match=r"\[execution\] scheduler"):
        ExecutionSettings(scheduler=word)


def test_a_misspelt_word_gets_a_suggestion() -> None:
    with pytest.raises(InputError, match="did you mean 'processes'"):
        check_scheduler("proceses")


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "tls://sched.example.org:8786",
                                     "10.0.0.5:8786", "localhost:8786", "tcp://[::1]:8786"])
def test_addresses_are_accepted(address: str) -> None:
    check_scheduler(address)
    assert ExecutionSettings(scheduler=address).scheduler == address


def test_execution_section_of_a_scenario() -> None:
    raw = {"execution": {"scheduler": "local", "workers": 4, "tile_size": 512}}
    assert scenario_from_dict(raw).execution == ExecutionSettings("local", 4, 512)
    assert scenario_from_dict({}).execution == ExecutionSettings()
    for tile in (0, 128, 300, 1000):
        with pytest.raises(ScenarioError, match="tile_size"):
            scenario_from_dict({"execution": {"tile_size": tile}})
    with pytest.raises(ScenarioError, match="did you mean 'workers'"):
        scenario_from_dict({"execution": {"worker": 2}})


# --- Dask errors ----------------------------------------------------------------------------------

def test_dask_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(NetcoverError, match=r'pip install "netcover\[dask\]"'):
        DaskExecutor(None, 2)
    with pytest.raises(NetcoverError, match=r'pip install "netcover\[dask\]"'):
        make_executor("tcp://10.0.0.5:8786")


def closed_port() -> int:
    """A local TCP port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_scheduler_is_one_clear_error() -> None:
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{closed_port()}"
    with pytest.raises(NetcoverError, match="cannot reach the Dask scheduler") as info:
        DaskExecutor(address, timeout=0.5)
    assert address in str(info.value) and "--scheduler" in str(info.value)


def test_local_cluster_describes_itself_and_its_memory(dask_local: DaskExecutor) -> None:
    assert dask_local.workers == 2
    assert "LocalCluster" in dask_local.describe()
    peaks = dask_local.peak_memory_mb()
    assert len(peaks) == 2 and all(mb > 0 for mb in peaks.values())
