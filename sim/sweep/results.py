"""What a sweep leaves: results.csv (one row per run) and summary.csv (per configuration: mean,
std and 95% CI across seeds), rebuilt from the durable log, then the printed table and figures.

Both files are streamed in (configuration, replicate) order, one configuration in memory at a
time, so the same sweep gives byte-identical files whatever executor, worker count or completion
order ran it.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.sweep.figures import write_figures
from sim.sweep.log import index_log, row_at
from sim.sweep.metrics import choose_metrics
from sim.sweep.plan import Plan
from sim.sweep.stats import stats
from sim.sweep.table import tidy_table

META_COLUMNS = ("seed", "replicate", "status", "error")
STAT_NAMES = ("n", "mean", "std", "ci95_low", "ci95_high")


@dataclass
class SweepResult:
    """What a sweep produced."""

    path: Path
    runs: int
    ok: int
    failed: int
    table: str = ""
    files: list[str] = field(default_factory=list)
    missing: int = 0
    """runs not in the log yet (an interrupted sweep: resume it)"""


def finalize(
    plan: Plan, folder: Path, *, plots: bool = True, metrics: Sequence[str] | None = None
) -> SweepResult:
    """results.csv and summary.csv from the durable log (streamed in (config, replicate) order,
    one configuration in memory at a time), then the printed table and the figures.

    `metrics` (names or `fnmatch` patterns of summary metrics) chooses what the table and the
    figures show; default: the scenario's `sweep.metrics`, else `default_metrics()`."""
    log_path = folder / "results.jsonl"
    index = index_log(log_path, plan)
    order = np.flatnonzero(index.offsets >= 0)
    fixed = ["config", *plan.params, *META_COLUMNS]
    numeric_so_far: dict[str, bool] = {}  # column -> numeric so far
    with log_path.open("rb") as f:
        for run in order:
            row = row_at(f, int(index.offsets[run]))
            for k, v in row.items():
                if k in fixed:
                    continue
                numeric = v is None or (isinstance(v, int | float) and not isinstance(v, bool))
                numeric_so_far[k] = numeric_so_far.get(k, True) and numeric
    columns = fixed + list(numeric_so_far)
    numeric_cols = [k for k, num in numeric_so_far.items() if num]
    ok = failed = 0
    res_tmp = folder / ".results.csv.tmp"
    sum_tmp = folder / ".summary.csv.tmp"
    with (
        log_path.open("rb") as f,
        res_tmp.open("w", newline="", encoding="utf-8") as rf,
        sum_tmp.open("w", newline="", encoding="utf-8") as sf,
    ):
        rw = csv.writer(rf, lineterminator="\n")
        sw = csv.writer(sf, lineterminator="\n")
        rw.writerow(columns)
        sw.writerow(
            ["config", *plan.params, "runs", "ok", "failed"]
            + [f"{m}.{s}" for m in numeric_cols for s in STAT_NAMES]
        )
        for config in range(len(plan.configs)):
            lo = np.searchsorted(order, config * plan.seeds)
            runs = order[lo : np.searchsorted(order, (config + 1) * plan.seeds)]
            values: dict[str, list[float]] = {m: [] for m in numeric_cols}
            n_ok = n_failed = 0
            for run in runs:
                row = row_at(f, int(index.offsets[run]))
                rw.writerow([_cell(row.get(c)) for c in columns])
                if row.get("status") == "ok":
                    n_ok += 1
                    for m in numeric_cols:
                        v = row.get(m)
                        if v is not None and math.isfinite(v):
                            values[m].append(float(v))
                else:
                    n_failed += 1
            ok, failed = ok + n_ok, failed + n_failed
            out: list[Any] = [config, *plan.configs[config], len(runs), n_ok, n_failed]
            for m in numeric_cols:
                out.extend(stats(values[m]))
            sw.writerow([_cell(v) for v in out])
    os.replace(res_tmp, folder / "results.csv")
    os.replace(sum_tmp, folder / "summary.csv")
    files = ["sweep.json", "results.jsonl", "results.csv", "summary.csv"]
    import pandas as pd

    summary = pd.read_csv(folder / "summary.csv")
    chosen = choose_metrics(summary, plan, metrics)
    table = tidy_table(summary, plan.params, metrics=chosen)
    if plots and ok:
        files += write_figures(summary, plan, folder, metrics=chosen)
    return SweepResult(folder, plan.runs, ok, failed, table, files, plan.runs - len(order))


def _cell(v: Any) -> str:
    """A CSV cell: floats by repr (exact), lists and dicts as JSON, None and NaN empty."""
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if math.isnan(v) else repr(v)
    if isinstance(v, list | dict):
        return json.dumps(v)
    return str(v)
