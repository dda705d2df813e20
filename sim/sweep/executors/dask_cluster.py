"""The Dask executor: runs on a Dask cluster, a running one (`scheduler`) or a local one it starts.

Jobs carry the parsed scenario, so workers need no access to the scenario file. A worker lost
mid-run is Dask's to handle (the task is rescheduled); a task that still fails (KilledWorker)
is recorded as a failed row.

A local cluster listens on loopback, where any user of the machine could connect, and Dask's
protocol unpickles (runs code): so it speaks TLS with a throwaway certificate made in memory for
this sweep (`Security.temporary()`, needs `cryptography`) and requires it of every peer, so
only this process and the workers it starts can talk to the scheduler.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
from collections.abc import Iterable, Iterator
from typing import Any

from sim.errors import UserInputError
from sim.sweep.job import Job, JobResult, failed_result, run_job
from sim.sweep.request import SweepRequest


def import_dask(local: bool = False) -> tuple[Any, Any]:
    """`(Client, LocalCluster)`, or a UserInputError naming the extra to install; `local`: a
    local cluster is wanted, which needs `cryptography` for its private channel too."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UserInputError(
            "the dask engine needs dask.distributed: pip install ammsim[dask]"
        ) from None
    if local:
        try:
            import cryptography  # noqa: F401
        except ImportError:
            raise UserInputError(
                "a local Dask cluster needs the cryptography package for its private TLS "
                "channel: pip install ammsim[dask] (or use --engine local, or --scheduler)"
            ) from None
    return Client, LocalCluster


def private_security() -> Any:
    """TLS with a certificate made for this cluster alone, required of every connection."""
    from distributed.security import Security

    return Security.temporary()  # require_encryption=True: plain tcp is refused


class DaskExecutor:
    """Connects to `request.scheduler`, or starts a local cluster of `request.workers`
    single-threaded worker processes; at most two jobs per worker thread in flight."""

    def __init__(self, request: SweepRequest) -> None:
        Client, LocalCluster = import_dask(local=not request.scheduler)
        self._cluster: Any = None
        if request.scheduler:
            try:
                self._client = Client(request.scheduler, timeout="20s")
            except OSError as err:
                raise UserInputError(
                    f"cannot reach Dask scheduler {request.scheduler}: {err}"
                ) from None
        else:
            security = private_security()
            self._cluster = LocalCluster(
                n_workers=request.workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                host="127.0.0.1",
                protocol="tls://",
                security=security,
            )
            self._client = Client(self._cluster, security=security)
        self.workers = max(1, sum(self._client.nthreads().values()))

    def run(self, jobs: Iterable[Job]) -> Iterator[JobResult]:
        pending = iter(jobs)
        inflight: dict[cf.Future[JobResult], Job] = {}
        pool = self._client.get_executor(pure=False)
        try:
            while True:
                while len(inflight) < max(2, 2 * self.workers):
                    job = next(pending, None)
                    if job is None:
                        break
                    inflight[pool.submit(run_job, job)] = job
                if not inflight:
                    break
                finished, _ = cf.wait(inflight, return_when=cf.FIRST_COMPLETED)
                for fut in sorted(finished, key=lambda f: inflight[f].run):
                    job = inflight.pop(fut)
                    try:
                        res = fut.result()
                    except Exception as err:  # e.g. a Dask KilledWorker
                        res = failed_result(job, f"{type(err).__name__}: {err}")
                    yield res
        except BaseException:  # Ctrl-C, or the stream closed early: cancel what is in flight
            for fut in inflight:
                fut.cancel()
            pool.shutdown(wait=False)  # a Dask ClientExecutor cancels on shutdown(wait=False)
            raise
        pool.shutdown(wait=True)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
