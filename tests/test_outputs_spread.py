"""Outputs handed out to this process and worker processes (:mod:`netcover.outputs.report._spread`):
every job made once, its result given back with its index; a job that cannot travel stays here."""

from __future__ import annotations

import threading
from operator import attrgetter

import pytest

from netcover.outputs.report._spread import Job, picklable, spread, two_threads, worker_pool


def _jobs() -> list[Job]:
    return [Job(f"j{k}", [k], len, 1.0, anywhere=k != 3) for k in range(7)]


def _here(job: Job) -> str:
    return job.name.upper()


def test_without_a_pool_every_job_is_made_here_in_order() -> None:
    assert list(spread(_jobs(), _here, attrgetter("name"), None, 0)) == [
        (k, f"J{k}") for k in range(7)]


def test_with_a_worker_every_job_is_made_once_somewhere() -> None:
    jobs = _jobs()
    with worker_pool(1) as pool:
        done = list(spread(jobs, _here, attrgetter("name"), pool, 1))
    assert sorted(index for index, _ in done) == list(range(7))
    made = dict(done)
    assert all(made[k] in (f"j{k}", f"J{k}") for k in range(7))
    assert made[3] == "J3"  # not to be sent: made here
    assert made[0] == "j0"  # the worker takes the first job
    assert made[6] == "J6"  # this process, the last


def test_only_what_pickles_travels() -> None:
    assert picklable(len) and picklable(Job("a", [], len, 0.0))
    assert not picklable(lambda run: [])


def test_two_threads_make_the_jobs_apart_one_by_one_in_a_second_thread() -> None:
    where: list[tuple[str, str]] = []

    def here(job: Job) -> str:
        where.append((job.name, threading.current_thread().name))
        return job.name.upper()

    done = list(two_threads(_jobs(), here, lambda job: job.name in ("j1", "j4", "j5")))
    assert sorted(done) == [(k, f"J{k}") for k in range(7)]
    assert [index for index, _ in done] == [0, 2, 3, 6, 1, 4, 5]  # this thread's, then the other's
    main = threading.main_thread().name
    assert [name for name, thread in where if thread == main] == ["j0", "j2", "j3", "j6"]
    apart = [(name, thread) for name, thread in where if thread != main]
    assert [name for name, _ in apart] == ["j1", "j4", "j5"]  # in their order, one thread
    assert len({thread for _, thread in apart}) == 1


def test_two_threads_of_one_kind_are_made_here_in_order() -> None:
    for apart in (lambda job: True, lambda job: False):
        assert list(two_threads(_jobs(), _here, apart)) == [(k, f"J{k}") for k in range(7)]


def test_a_job_failing_in_the_second_thread_raises_here() -> None:
    def here(job: Job) -> str:
        if job.name == "j4":
            raise OSError("disk full")
        return job.name

    with pytest.raises(OSError, match="disk full"):
        list(two_threads(_jobs(), here, lambda job: job.name in ("j1", "j4")))


def test_two_threads_call_first_once_here_before_this_threads_jobs() -> None:
    order: list[str] = []

    def here(job: Job) -> str:
        order.append(job.name if threading.current_thread() is threading.main_thread() else "apart")
        return job.name

    for apart in (lambda job: job.name == "j1", lambda job: True, lambda job: False):
        order.clear()
        done = list(two_threads(_jobs(), here, apart, lambda: order.append("first")))
        assert sorted(index for index, _ in done) == list(range(7))
        mine = [name for name in order if name != "apart"]
        assert mine[0] == "first" and mine.count("first") == 1
    assert list(two_threads([], here, bool, lambda: order.append("alone"))) == []
    assert order[-1] == "alone"
