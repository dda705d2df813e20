"""A sweep's figures: one per swept parameter, a heatmap for a two-parameter grid."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sweep_cases import TINY

from sim.sweep.figures import MAX_PANELS, write_figures
from sim.sweep.plan import Plan


def grid_summary() -> pd.DataFrame:
    rows = []
    for i, (a, b) in enumerate((a, b) for a in (1, 2, 3) for b in (0.5, 1.5)):
        row: dict[str, float] = {"config": i, "a.x": a, "b.y": b}
        for m, v in (("fees", a * b), ("lvr", a - b), ("empty", float("nan"))):
            row.update({f"{m}.n": 2, f"{m}.mean": v, f"{m}.std": 0.1})
        rows.append(row)
    return pd.DataFrame(rows)


def plan(grid: dict[str, list[float]]) -> Plan:
    configs = [[a, b] for a in grid["a.x"] for b in grid["b.y"]]
    return Plan(
        scenario_name="tiny", source=None, raw=TINY, sets={}, seed=1, seeds=2, blocks=None,
        grid=grid, sample=None, ranges={}, params=list(grid), configs=configs,
    )  # fmt: skip


def test_one_figure_per_parameter_and_a_heatmap(tmp_path: Path) -> None:
    p = plan({"a.x": [1, 2, 3], "b.y": [0.5, 1.5]})
    files = write_figures(grid_summary(), p, tmp_path, metrics=["fees", "empty", "lvr"])
    assert files == ["vs_a.x.png", "vs_b.y.png", "heatmap.png"]
    assert sorted(f.name for f in tmp_path.iterdir()) == sorted(files)  # no temporary files
    assert all((tmp_path / f).stat().st_size > 10_000 for f in files)
    assert MAX_PANELS == 9


def test_no_metric_with_values_draws_nothing(tmp_path: Path) -> None:
    p = plan({"a.x": [1, 2, 3], "b.y": [0.5, 1.5]})
    assert write_figures(grid_summary(), p, tmp_path, metrics=["empty", "absent"]) == []
    assert list(tmp_path.iterdir()) == []
