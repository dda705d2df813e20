"""One run of a sweep as plain data in and plain data out, so that any executor can carry it.

`run_job(job) -> JobResult(row, error)` is top-level and picklable (radCAD's shape): a worker
process, a Dask worker or this process runs it alike. A run that raises comes back as a failed
row, never as an exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.scenario.scenario import load_scenario
from sim.sweep.flat import flatten


@dataclass(frozen=True)
class Job:
    """One run as plain data (what a worker receives)."""

    run: int
    config: int
    replicate: int
    seed: int
    blocks: int | None
    params: dict[str, Any]
    sets: dict[str, Any]
    scenario: dict[str, Any]
    source: str | None = None
    allow: tuple[str, ...] = ()


@dataclass
class JobResult:
    """One finished run as plain data: the results row, and the error text when it failed."""

    row: dict[str, Any]
    error: str | None = None


def run_job(job: Job) -> JobResult:
    """Run one configuration x replicate in memory (no files, no event log) and return its row."""
    row: dict[str, Any] = {"config": job.config, **job.params}
    row.update(seed=job.seed, replicate=job.replicate)
    try:
        from sim.runs.runner import run

        overrides = {**job.sets, **job.params, "output.events": "none"}
        sc = load_scenario(
            job.scenario,
            overrides,
            seed=job.seed,
            blocks=job.blocks,
            replicate=job.replicate,
            origin=job.source,  # relative paths resolve as in the file
            allow=job.allow,
        )
        summary = run(sc, out=None).summary
    except Exception as err:
        msg = f"{type(err).__name__}: {err}"
        row.update(status="failed", error=msg)
        return JobResult(row, msg)
    row.update(status="ok", error="")
    for k, v in flatten(summary).items():
        if k not in row and k not in ("scenario", "seed", "replicate"):
            row[k] = v
    return JobResult(row)


def failed_result(job: Job, msg: str) -> JobResult:
    """The row of a run that never returned (its worker died, its task was lost)."""
    row: dict[str, Any] = {"config": job.config, **job.params}
    row.update(seed=job.seed, replicate=job.replicate, status="failed", error=msg)
    return JobResult(row, msg)
