"""One long-lived process pool per run: started once for all its calls, the setup state kept by
its workers for calls with the same payload, payload files and workers gone when it is closed, a
new pool after a call that failed."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from netcover.core._worker_life import KEPT_STATES, PayloadFiles
from netcover.core.parallel import ProcessPool

ITEMS = list(range(23))


def _marking_setup(folder: str, k: int = 0) -> dict[str, Any]:
    """A state naming the process that made it; one file per setup."""
    (Path(folder) / f"setup-{os.getpid()}-{uuid.uuid4().hex}").touch()
    return {"pid": os.getpid(), "k": k}


def _who(state: dict[str, Any], item: int) -> tuple[int, int, int]:
    return item + state["k"], os.getpid(), state["pid"]


def _fails_on_three(_state: dict[str, Any], item: int) -> int:
    if item == 3:
        msg = "three"
        raise ValueError(msg)
    return item


def _setups(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("setup-*"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def test_calls_share_one_pool_and_its_kept_states(tmp_path: Path) -> None:
    with ProcessPool(2) as pool:
        first = pool.map(_who, ITEMS, setup=_marking_setup, setup_args=(str(tmp_path),))
        made = _setups(tmp_path)
        assert 1 <= len(made) <= 2  # once per worker that got items
        other = pool.map(_who, ITEMS, setup=_marking_setup, setup_args=(str(tmp_path), 100))
        assert [r[0] for r in other] == [i + 100 for i in ITEMS]
        after_two = _setups(tmp_path)
        assert len(after_two) <= len(made) + 2  # the second payload: once per worker
        again = pool.map(_who, ITEMS, setup=_marking_setup, setup_args=(str(tmp_path),))
        assert [r[0] for r in again] == [r[0] for r in first] == ITEMS
        # the third call's payload equals the first's: its state is kept (KEPT_STATES >= 2), a
        # worker that made it does not make it again
        assert KEPT_STATES >= 2
        first_makers = {r[1] for r in first}
        assert len(set(_setups(tmp_path)) - set(after_two)) <= 2 - len(first_makers)
        assert pool.starts == 1
        pids = {r[1] for r in first + other + again}
        assert len(pids) <= 2  # the same workers served every call
        assert all(r[1] == r[2] for r in first + other + again)
    deadline = time.monotonic() + 30.0
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in pids), "workers outlived close()"


def test_payload_files_are_written_once_and_deleted_on_close() -> None:
    files = PayloadFiles()
    token, path = files.add(_marking_setup, ("x",))
    assert files.add(_marking_setup, ("x",)) == (token, path)  # same content, same file
    token2, path2 = files.add(_marking_setup, ("y",))
    assert token2 != token and Path(path).is_file() and Path(path2).is_file()
    folder = Path(path).parent
    files.clear()
    assert not folder.exists()


def test_a_failed_call_stops_the_pool_and_the_next_one_starts_another(tmp_path: Path) -> None:
    with ProcessPool(2) as pool:
        with pytest.raises(ValueError, match="three"):
            pool.map(_fails_on_three, ITEMS)
        assert pool.map(_who, ITEMS, setup=_marking_setup, setup_args=(str(tmp_path),))[-1][0] == 22
        assert pool.starts == 2


def test_closed_pool_starts_again_when_used() -> None:
    pool = ProcessPool(1)
    try:
        assert pool.map(_fails_on_three, [1, 2]) == [1, 2]
        pool.close()
        assert pool.map(_fails_on_three, [4]) == [4]
        assert pool.starts == 2
    finally:
        pool.close()


def test_a_chunk_gives_its_freed_memory_back(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    from netcover.core import _worker_life

    trims: list[int] = []
    monkeypatch.setattr(_worker_life, "_malloc_trim", lambda: trims.append)
    files = PayloadFiles()
    try:
        token, path = files.add(_marking_setup, (str(tmp_path),))
        assert _worker_life.run_shared_chunk(_who, [1, 2, 3], token, path)[0][0] == 1
        assert trims == [0]  # once per chunk, after its items
        with pytest.raises(ValueError, match="three"):
            _worker_life.run_shared_chunk(_fails_on_three, [2, 3], token, path)
        assert trims == [0, 0]  # a failed chunk too
    finally:
        files.clear()
        _worker_life.forget_states()


def test_giving_memory_back_is_a_no_op_without_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    from netcover.core import _worker_life

    monkeypatch.setattr(_worker_life, "_malloc_trim", lambda: None)
    _worker_life.give_back_free_memory()  # no error where there is no malloc_trim


def _slow(_state: dict[str, Any], item: int) -> int:
    time.sleep(0.3)
    return item


def _pool_threads() -> list[str]:
    import threading
    from concurrent.futures.process import _ExecutorManagerThread

    return [t.name for t in threading.enumerate()
            if isinstance(t, _ExecutorManagerThread) and t.is_alive()]


def test_a_stopped_call_leaves_no_pool_thread_running() -> None:
    """A call stopped in the middle (a signal, the caller gone) ends its pool's manager thread
    before it returns: left closing the pool's pipes while the interpreter exits, it raced with
    ``concurrent.futures``' exit handler, which printed ``OSError: [Errno 9] Bad file descriptor``
    after the ``netcover`` command's "stopped by SIGTERM" (a CI run of tests/test_sigterm.py)."""
    assert not _pool_threads()
    with ProcessPool(2) as pool:
        results = pool.imap(_slow, list(range(12)))
        assert next(results) == 0
        workers = [p.pid for p in pool._pool._processes.values()]
        results.close()  # the caller gone: the call's workers are terminated
        assert pool._pool is None
        assert not _pool_threads()
        assert not any(_alive(p) for p in workers)
