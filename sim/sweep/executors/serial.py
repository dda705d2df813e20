"""The serial executor: each run in this process, one after another (`--workers 1`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sim.sweep.job import Job, JobResult, failed_result, run_job
from sim.sweep.request import SweepRequest


class SerialExecutor:
    """Runs each job here, in order; nothing to start or stop."""

    def __init__(self, request: SweepRequest) -> None:
        del request  # one process: no workers, no scheduler

    def run(self, jobs: Iterable[Job]) -> Iterator[JobResult]:
        for job in jobs:
            try:
                res = run_job(job)
            except Exception as err:  # run_job returns its failures; this guards against a bug
                res = failed_result(job, f"{type(err).__name__}: {err}")
            yield res

    def close(self) -> None:
        pass
