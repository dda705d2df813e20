"""Running a plan: the runs not yet in results.jsonl, on the request's executor, each finished
run appended to the durable log as it arrives.

Identical plans give identical rows whatever the executor, worker count or completion order;
results.csv is sorted afterwards (see `results.finalize`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from sim.sweep.executors.factory import make_executor
from sim.sweep.job import Job
from sim.sweep.log import RunLog, index_log
from sim.sweep.plan import Plan
from sim.sweep.request import SweepRequest


def execute(plan: Plan, folder: Path, request: SweepRequest) -> tuple[int, int]:
    """Run every run of `plan` not yet in `folder`/results.jsonl (with `request.retry_failed`,
    also those recorded as failed); returns (ran, failed now). The request's engine and
    workers, where it leaves them open, are the plan's; the scheduler never is (a sweep folder
    may come from someone else: Dask's protocol unpickles, so only an address the caller gave
    is connected to; see `sweep.ignored_scheduler`)."""
    from tqdm import tqdm

    log_path = folder / "results.jsonl"
    log = RunLog(log_path)  # locks the sweep folder against a second writer
    try:
        done = index_log(log_path, plan, repair=True).done(request.retry_failed)
        todo = int(plan.runs - done.sum())
        executor = make_executor(
            dataclasses.replace(
                request,
                engine=request.engine or plan.engine,
                workers=request.workers or _plan_workers(plan),
                scheduler=request.scheduler,
            )
        )
    except BaseException:
        log.close()
        raise
    bar = tqdm(
        total=plan.runs,
        initial=plan.runs - todo,
        desc="sweep",
        unit="run",
        file=sys.stderr,
        disable=not request.progress,
        dynamic_ncols=True,
    )
    ran = n_failed = 0
    try:
        with contextlib.closing(executor.run(pending_jobs(plan, done, request.allow))) as results:
            for res in results:
                log.write(res.row)
                ran += 1
                n_failed += res.error is not None
                bar.update(1)
                bar.set_postfix_str(f"failed={n_failed}", refresh=False)
    finally:
        bar.close()
        log.close()
        executor.close()
    return ran, n_failed


def _plan_workers(plan: Plan) -> int | None:
    """The plan's worker count, at most this machine's CPU count (sweep.json may come from a
    bigger machine, or from a stranger asking for a million processes)."""
    if plan.workers is None:
        return None
    return max(1, min(int(plan.workers), os.cpu_count() or 1))


def pending_jobs(plan: Plan, done: np.ndarray, allow: Sequence[str | Path] = ()) -> Iterator[Job]:
    """The jobs of the runs not `done`, in (configuration, replicate) order; `allow`: folders
    their scenario may read files from (`--allow-path`, from the request, never the plan)."""
    allowed = tuple(str(Path(d).resolve()) for d in allow)
    for config in range(len(plan.configs)):
        params = plan.config_params(config)
        for rep in range(plan.seeds):
            run = config * plan.seeds + rep
            if done[run]:
                continue
            yield Job(
                run=run,
                config=config,
                replicate=rep,
                seed=plan.seed,
                blocks=plan.blocks,
                params=params,
                sets=plan.sets,
                scenario=plan.raw,
                source=plan.source,
                allow=allowed,
            )
