"""Which executor runs a sweep: one registry of the three, one factory that picks from it.

Tests (or an extension) swap an executor by replacing its entry in `EXECUTORS`.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from sim.errors import UserInputError
from sim.sweep.executors.base import Executor
from sim.sweep.executors.dask_cluster import DaskExecutor, import_dask
from sim.sweep.executors.processes import ProcessExecutor
from sim.sweep.executors.serial import SerialExecutor
from sim.sweep.request import SweepRequest

ENGINES = ("local", "dask")
"""What a request's `engine` may be: `local` is `serial` on one worker, else `processes`."""

EXECUTORS: dict[str, Callable[[SweepRequest], Executor]] = {
    "serial": SerialExecutor,
    "processes": ProcessExecutor,
    "dask": DaskExecutor,
}
"""Executor kind -> constructor from a request."""


def executor_kind(request: SweepRequest) -> str:
    """`dask` for the dask engine, else `serial` on one worker and `processes` on more."""
    if request.engine == "dask":
        return "dask"
    return "serial" if (request.workers or os.cpu_count() or 1) == 1 else "processes"


def make_executor(request: SweepRequest) -> Executor:
    """The executor the request asks for (a Dask engine connects, or starts its cluster, now)."""
    return EXECUTORS[executor_kind(request)](request)


def check_engine(engine: str, workers: int | None, scheduler: str | None = None) -> None:
    """Refuse, before anything runs, an engine that cannot start: an unknown name, fewer than one
    worker, or the dask engine without dask installed (or, for a local cluster, cryptography)."""
    if engine not in ENGINES:
        raise UserInputError(f"--engine must be local or dask, got {engine!r}")
    if workers is not None and workers < 1:
        raise UserInputError(f"--workers must be >= 1, got {workers}")
    if engine == "dask":
        import_dask(local=not scheduler)
