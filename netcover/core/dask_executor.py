"""The Dask executor: :class:`DaskExecutor` runs the jobs on a ``dask.distributed`` cluster.

The cluster is a scheduler at an address (waited for at most :data:`CONNECT_TIMEOUT_S` seconds) or
a ``LocalCluster`` of single-threaded worker processes started here (``pip install
"netcover[dask]"``). The ``setup`` state of a call is scattered once to every worker and made there
on its first item (:func:`netcover.core._worker_life.run_dask_chunk`); at most about two chunks per
worker are in flight. A script starting a ``LocalCluster`` needs the ``if __name__ == "__main__":``
guard (its workers are spawned processes, which re-import ``__main__``).

:mod:`netcover.core.parallel` re-exports :class:`DaskExecutor` and chooses it for ``--scheduler
local`` or an address (:func:`netcover.core.parallel.make_executor`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from netcover.core._worker_life import DaskPayload, forget_dask_state, run_dask_chunk
from netcover.core.executor import Executor, Job, Setup, bounded, peak_rss_mb
from netcover.errors import InputError, NetcoverError

__all__ = ["CONNECT_TIMEOUT_S", "DaskExecutor"]

T = TypeVar("T")
R = TypeVar("R")

#: Seconds :class:`DaskExecutor` waits for a scheduler given by address.
CONNECT_TIMEOUT_S = 20.0


class DaskExecutor(Executor):
    """Runs the jobs on a ``dask.distributed`` cluster.

    Parameters
    ----------
    address : str, optional
        Scheduler address (``tcp://host:8786``); None starts a ``LocalCluster`` of ``workers``
        single-threaded worker processes here, closed by :meth:`close`.
    workers : int
        Workers of the local cluster (ignored with an address: the cluster's own count is used).
    timeout : float, optional
        Seconds to wait for the scheduler at ``address`` (default :data:`CONNECT_TIMEOUT_S`).
    """

    def __init__(self, address: str | None = None, workers: int = 1, *,
                 timeout: float | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            msg = ('running on Dask needs dask.distributed: pip install "netcover[dask]" '
                   "(or run without --scheduler)")
            raise NetcoverError(msg) from exc
        self._cluster = None
        self._address = address
        if address is None:
            if workers < 1:
                msg = f"workers={workers!r}: use 1 or more"
                raise InputError(msg)
            self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None, silence_logs=logging.ERROR,
                                         # no dashboard; its HTTP server on any free local port
                                         scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
            self.client = Client(self._cluster)
        else:
            try:
                wait = CONNECT_TIMEOUT_S if timeout is None else timeout
                self.client = Client(address, timeout=f"{wait}s")
            except OSError as exc:
                msg = (f"cannot reach the Dask scheduler at {address} ({exc}); start it "
                       "(dask scheduler) or check the address given to --scheduler")
                raise NetcoverError(msg) from exc
        self.workers = max(1, sum(self.client.nthreads().values()))

    @property
    def address(self) -> str | None:
        """The scheduler's address; None for the ``LocalCluster`` started here."""
        return self._address

    def describe(self) -> str:
        where = "LocalCluster" if self._cluster is not None else str(self._address)
        return f"Dask on {where} ({self.workers} worker thread{'s' * (self.workers != 1)})"

    def _run_chunks(self, func: Job[T, R], chunks: list[Sequence[T]], setup: Setup | None,
                    setup_args: tuple[Any, ...]) -> Iterator[list[R]]:
        token = uuid.uuid4().hex
        # hash=False: a fresh key per call (equal payloads would share one, released by the
        # first call while the next still needs it)
        payload = self.client.scatter(DaskPayload(setup, setup_args), broadcast=True, hash=False)
        try:
            yield from bounded(
                lambda chunk: self.client.submit(run_dask_chunk, func, chunk, payload, token,
                                                 pure=False),
                chunks, 2 * self.workers, lambda fut: fut.result())
        finally:
            self.client.run(forget_dask_state, token)
            payload.release()

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def peak_memory_mb(self) -> dict[str, float]:
        """Peak resident memory of each worker process so far (MB), by worker address."""
        return {str(k): float(v) for k, v in self.client.run(peak_rss_mb).items()}
