"""Layer 6, sweeps: many runs of one scenario over a grid or a sample of fields, with replicate
seeds, on one of interchangeable executors (this process, a process pool, a Dask cluster).

The modules, in the order a sweep uses them: `request` (one `SweepRequest`), `values` (command-line
values), `plan` (with `sampling`, `fields`, `source`), `folder` (sweep.json), `execute` (the runs
missing from the durable `log`, on an executor from `executors`, each a `job`), `results`
(results.csv, summary.csv from `stats`; the printed `table`; `figures` of the `metrics` that
matter). `sweep.run_sweep` ties them together.

Names are imported lazily so that importing a part (the CLI does) stays light::

    from sim.sweep import SweepRequest, run_sweep
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__all__ = [
    "Job",
    "JobResult",
    "Plan",
    "SweepRequest",
    "SweepResult",
    "finalize",
    "plan_sweep",
    "plot_heatmap",
    "plot_metric_vs_param",
    "run_job",
    "run_sweep",
]

_WHERE = {
    "Job": "sim.sweep.job",
    "JobResult": "sim.sweep.job",
    "Plan": "sim.sweep.plan",
    "SweepRequest": "sim.sweep.request",
    "SweepResult": "sim.sweep.results",
    "finalize": "sim.sweep.results",
    "plan_sweep": "sim.sweep.plan",
    "plot_heatmap": "sim.sweep.figures",
    "plot_metric_vs_param": "sim.sweep.figures",
    "run_job": "sim.sweep.job",
    "run_sweep": "sim.sweep.sweep",
}

if TYPE_CHECKING:
    from sim.sweep.figures import plot_heatmap, plot_metric_vs_param
    from sim.sweep.job import Job, JobResult, run_job
    from sim.sweep.plan import Plan, plan_sweep
    from sim.sweep.request import SweepRequest
    from sim.sweep.results import SweepResult, finalize
    from sim.sweep.sweep import run_sweep


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'sim.sweep' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
