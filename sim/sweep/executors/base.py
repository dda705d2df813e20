"""What every sweep executor offers: run jobs, hand back each result as it finishes, clean up."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from sim.sweep.job import Job, JobResult


class Executor(Protocol):
    """Runs `run_job` over jobs; `run()` yields each job's result as it finishes (in any order).

    Closing the iterator before it is exhausted (Ctrl-C, an error while a row is written) stops
    the runs in flight at once: they are abandoned, and a resumed sweep runs them again. A run
    that raises, or whose worker is lost, still yields a failed row; it never ends the stream.
    """

    def run(self, jobs: Iterable[Job]) -> Iterator[JobResult]:
        """Run every job; yield each result as it finishes."""
        ...

    def close(self) -> None:
        """Release what the executor started (a cluster, a client); call once, after `run`."""
        ...
