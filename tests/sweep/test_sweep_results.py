"""What a sweep writes: results.csv, summary.csv, the table and the figures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from sweep_cases import GRID, reference_sweep

from sim.sweep.figures import plot_heatmap, plot_metric_vs_param
from sim.sweep.folder import read_plan
from sim.sweep.results import finalize
from sim.sweep.table import tidy_table


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reference_sweep(tmp_path_factory)


def test_summary_table_and_figures(baseline: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    plan = json.loads((baseline / "sweep.json").read_text())
    assert plan["runs"] == 8 and plan["grid"] == GRID and plan["seeds"] == 2
    runs = pd.read_csv(baseline / "results.csv")
    assert list(runs.columns[:7]) == [
        "config",
        "pools.eth_usdc.fee_bps",
        "prices.ETH.sigma",
        "seed",
        "replicate",
        "status",
        "error",
    ]
    assert list(zip(runs["config"], runs["replicate"], strict=True)) == [
        (c, k) for c in range(4) for k in range(2)
    ]
    summary = pd.read_csv(baseline / "summary.csv")
    assert len(summary) == 4 and (summary["ok"] == 2).all()
    for c in range(4):
        fees = runs.loc[runs["config"] == c, "fees"]
        row = summary.loc[c]
        assert row["fees.mean"] == pytest.approx(fees.mean())
        assert row["fees.std"] == pytest.approx(fees.std())
        half = 12.706 * fees.std() / math.sqrt(2)  # Student t, 1 degree of freedom
        assert row["fees.ci95_high"] == pytest.approx(fees.mean() + half)
    for name in ("heatmap.png", "vs_pools.eth_usdc.fee_bps.png", "vs_prices.ETH.sigma.png"):
        assert (baseline / name).stat().st_size > 10_000
    fig, ax = plt.subplots()
    assert plot_metric_vs_param(summary, "prices.ETH.sigma", "fees", ax=ax) is ax
    assert plot_heatmap(summary, *GRID, "lp_vs_hodl_pct", ax=ax) is ax
    plt.close(fig)
    table = tidy_table(summary, list(GRID))
    assert len(table.splitlines()) == 5 and "lp_vs_hodl_pct" in table.splitlines()[0]


def test_results_are_rebuilt_from_the_log_alone(baseline: Path, tmp_path: Path) -> None:
    """The same log, in another order and with a failed row retried, gives the same files."""
    folder = tmp_path / "copy"
    folder.mkdir()
    (folder / "sweep.json").write_bytes((baseline / "sweep.json").read_bytes())
    lines = (baseline / "results.jsonl").read_text().splitlines(keepends=True)
    first = json.loads(lines[0])
    failed = {**{k: first[k] for k in ("config", "replicate", "seed")}, "status": "failed"}
    (folder / "results.jsonl").write_text(
        json.dumps({**failed, "error": "X: y"}) + "\n" + "".join(reversed(lines))
    )
    result = finalize(read_plan(folder), folder, plots=False)
    assert (result.runs, result.ok, result.failed, result.missing) == (8, 8, 0, 0)
    assert result.files == ["sweep.json", "results.jsonl", "results.csv", "summary.csv"]
    for name in ("results.csv", "summary.csv"):
        assert (folder / name).read_bytes() == (baseline / name).read_bytes()
