"""A sweep from a request to its results: plan (or read the plan of a folder to resume), run what
is missing, summarise. `run_sweep(request)` is the Python entry point; the CLI calls the same
three steps with its messages between them.

    from sim.sweep import SweepRequest, run_sweep
    result = run_sweep(SweepRequest("quickstart", grid={"pools.eth_usdc.fee_bps": [5, 30]}))
    result.path / "summary.csv"
"""

from __future__ import annotations

from pathlib import Path

from sim.errors import UserInputError
from sim.sweep.execute import execute
from sim.sweep.folder import discard_if_unstarted, new_folder, read_plan, write_plan
from sim.sweep.plan import Plan, plan_sweep
from sim.sweep.request import SweepRequest
from sim.sweep.results import SweepResult, finalize


def open_sweep(request: SweepRequest) -> tuple[Plan, Path]:
    """A new sweep: its validated plan and a new folder holding sweep.json (nothing has run).
    A resumed sweep (`request.resume`): the plan of that folder, and the folder."""
    if request.resume is not None:
        folder = Path(request.resume)
        return read_plan(folder), folder
    plan = plan_sweep(request)
    folder = new_folder(request.out, plan.scenario_name)
    write_plan(folder, plan)
    return plan, folder


def ignored_scheduler(plan: Plan, request: SweepRequest) -> str | None:
    """What to tell the user when a resumed sweep's sweep.json names a Dask scheduler the request
    does not: it is not connected to (the folder may come from a stranger, and Dask's protocol
    unpickles what the scheduler sends); the runs go to a local cluster instead."""
    if request.resume is None or not plan.scheduler or request.scheduler:
        return None
    named = repr(str(plan.scheduler)[:120])
    return (
        f"sweep.json names the Dask scheduler {named}; a resumed sweep connects only to a "
        "--scheduler given on its own command line, so these runs go to a local Dask cluster "
        "(pass --scheduler ADDRESS to use a cluster you trust)"
    )


def run_missing(plan: Plan, folder: Path, request: SweepRequest) -> tuple[int, int]:
    """Run the runs missing from the folder; returns (ran, failed). A new folder whose engine
    cannot start (an unreachable Dask scheduler) is removed again."""
    try:
        return execute(plan, folder, request)
    except UserInputError:
        if request.resume is None:
            discard_if_unstarted(folder)
        raise


def run_sweep(request: SweepRequest) -> SweepResult:
    """Plan, validate, run and summarise a sweep (or finish one, `resume=DIR`); returns where it
    is and how many runs failed."""
    plan, folder = open_sweep(request)
    run_missing(plan, folder, request)
    return finalize(plan, folder, plots=request.plots, metrics=request.metrics)
