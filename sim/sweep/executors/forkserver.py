"""The forkserver local worker processes are forked from, started early with the simulator loaded.

Workers forked from a server that has already imported the simulator start in milliseconds; the
CLI starts the server while it plans, so the imports overlap the planning.
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.context import BaseContext

PRELOAD = [
    "__main__",
    "sim.sweep.job",
    "sim.sweep.executors.processes",
    "sim.sweep.executors.lifeline",
    "sim.runs.runner",
]
"""Modules the forkserver imports once, so local workers start with the simulator loaded."""


def mp_context() -> BaseContext:
    """The start method of local worker processes: the forkserver where there is one."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # workers forked from the server start with the simulator imported (per-process setting
        # of the server, not the global start method)
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


def start_forkserver(workers: int | None) -> None:
    """Start the process-pool server now: it imports the simulator while this process plans."""
    if (workers or os.cpu_count() or 1) < 2:
        return
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()
