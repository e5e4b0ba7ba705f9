"""Outputs handed out to this process and worker processes (:mod:`netcover.outputs.report._spread`):
every job made once, its result given back with its index; a job that cannot travel stays here."""

from __future__ import annotations

from operator import attrgetter

from netcover.outputs.report._spread import Job, picklable, spread, worker_pool


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
