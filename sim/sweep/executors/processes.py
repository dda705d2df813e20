"""The local executor: a pool of worker processes, with a watchdog on both sides.

* A worker ignores Ctrl-C (the sweep stops the pool) and exits by itself when the sweep process
  is gone (SIGKILL, the OOM killer), even while it is an unreaped zombie (`lifeline`): no
  worker, forkserver or resource tracker outlives the sweep.
* A worker that dies (BrokenProcessPool) breaks the pool: every job then in flight is retried
  once on a fresh pool, one at a time, and a job whose worker dies while it runs alone is
  recorded as failed ("WorkerDied: ..."); the other jobs are unaffected.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from sim.errors import AmmSimError
from sim.sweep.executors.forkserver import mp_context
from sim.sweep.executors.lifeline import Identity, die_with_parent, identity, watch
from sim.sweep.job import Job, JobResult, failed_result, run_job
from sim.sweep.request import SweepRequest

WORKERS_DIE = (
    "worker processes die before finishing any run; if this sweep was started from a script, "
    "does the script guard its entry point with `if __name__ == '__main__':`?"
)
MAX_DEATHS = 3
"""Worker deaths before the first finished run that end the sweep (WORKERS_DIE)."""


class ProcessExecutor:
    """Runs jobs on `workers` local processes, at most two per worker in flight."""

    def __init__(self, request: SweepRequest) -> None:
        self.workers = request.workers or os.cpu_count() or 1

    def run(self, jobs: Iterable[Job]) -> Iterator[JobResult]:
        pending = ((job, 1) for job in jobs)
        retry: list[tuple[Job, int]] = []  # (job, attempt) whose worker died
        inflight: dict[cf.Future[JobResult], tuple[Job, int]] = {}
        deaths = n_ok = 0
        pool = self._pool()
        try:
            while True:
                while len(inflight) < max(2, 2 * self.workers):
                    if retry and inflight:
                        break  # after a worker died, suspects run one at a time
                    item = retry.pop(0) if retry else next(pending, None)
                    if item is None:
                        break
                    try:
                        inflight[pool.submit(run_job, item[0])] = item
                    except BrokenProcessPool as err:
                        deaths += 1
                        if deaths >= MAX_DEATHS and not n_ok:
                            raise AmmSimError(WORKERS_DIE) from err
                        retry.insert(0, item)
                        _stop(pool)
                        pool = self._pool()
                if not inflight:
                    break
                finished, _ = cf.wait(inflight, return_when=cf.FIRST_COMPLETED)
                broken = False
                for fut in sorted(finished, key=lambda f: inflight[f][0].run):
                    job, attempt = inflight.pop(fut)
                    try:
                        res = fut.result()
                    except BrokenProcessPool as err:
                        broken = True
                        if attempt < 2:
                            retry.append((job, attempt + 1))
                            continue
                        msg = f"WorkerDied: the worker process died running it ({err})"
                        res = failed_result(job, msg)
                        deaths += 1
                        if deaths >= MAX_DEATHS and not n_ok:
                            raise AmmSimError(WORKERS_DIE) from err
                    except Exception as err:
                        res = failed_result(job, f"{type(err).__name__}: {err}")
                    yield res
                    n_ok += res.error is None
                if broken:
                    _stop(pool)
                    pool = self._pool()
                    retry.sort(key=lambda item: item[0].run)
        except BaseException:  # Ctrl-C, or the stream closed early: abandon the runs in flight
            for fut in inflight:
                fut.cancel()
            _stop(pool)
            raise
        pool.shutdown(wait=True)

    def close(self) -> None:
        pass

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=mp_context(),
            initializer=_init_worker,
            initargs=(identity(os.getpid()),),
        )


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut a pool down without waiting for running jobs (their runs are simply redone)."""
    # shutdown() forgets the worker processes (`_processes = None`): take them first, or the
    # workers run out their current jobs and Ctrl-C waits for them
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.terminate()


def _init_worker(sweep: Identity) -> None:
    """Worker initializer: Ctrl-C is the sweep's to handle (it stops the workers), and a worker
    dies with the sweep however the sweep dies (see `lifeline`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()  # before the prctl: a parent lost in between is then seen by the watch
    if parent != sweep[0]:
        # forked by the forkserver (single-threaded, so the kernel's "parent thread" lives as
        # long as it does): die with it; a worker the sweep spawned itself relies on the watch
        die_with_parent()
    watch(sweep, parent)
