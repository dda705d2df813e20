"""Which metrics the table and the figures show."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from sweep_cases import TINY

from sim.sweep import figures
from sim.sweep.metrics import (
    KEY_METRICS,
    MEV_METRICS,
    choose_metrics,
    default_metrics,
    expand_metrics,
)
from sim.sweep.plan import Plan
from sim.sweep.request import SweepRequest
from sim.sweep.sweep import run_sweep

SANDWICH: dict[str, Any] = copy.deepcopy(TINY)
SANDWICH["scenario"]["name"] = "tiny_sandwich"
SANDWICH["agents"]["retail"].update(trades_per_block=0.2, slippage_bps=100)
SANDWICH["agents"]["retail"]["size"] = {"dist": "lognormal", "median": 20_000, "sigma": 0.5}
SANDWICH["agents"]["bot"] = {"kind": "sandwich_bot", "count": 1, "capital": 2_000_000}


def fake_summary(values: dict[str, list[float]], param: list[float]) -> Any:
    """A summary.csv-like table: one swept parameter `p`, `<metric>.n` and `<metric>.mean`."""
    import pandas as pd

    cols: dict[str, list[float]] = {"config": list(range(len(param))), "p": param}
    for m, v in values.items():
        cols[f"{m}.n"], cols[f"{m}.mean"], cols[f"{m}.std"] = [2] * len(v), v, [0.0] * len(v)
    return pd.DataFrame(cols)


def plan_for(raw: dict[str, Any]) -> Plan:
    return Plan(
        scenario_name="x", source=None, raw=raw, sets={}, seed=1, seeds=2, blocks=None,
        grid={"p": [1, 2]}, sample=None, ranges={}, params=["p"], configs=[[1], [2]],
    )  # fmt: skip


def test_default_metrics_follow_what_the_scenario_contains() -> None:
    from sim.scenario.files import read_toml, resolve_path

    plain = default_metrics(TINY)
    assert plain[-len(KEY_METRICS) :] == list(KEY_METRICS)
    assert not any(m.startswith(("mev.", "lending.")) for m in plain)
    mev = default_metrics(read_toml(resolve_path("sandwich_attack")))
    assert [m for m in mev if m.startswith("mev.")] == list(MEV_METRICS)
    assert mev.index("mev.bot_gross") < mev.index("lp_fee_income")
    assert "impermanent_loss_pct" not in mev  # LP metrics shrink to two after MEV
    lending = default_metrics(read_toml(resolve_path("steth_depeg")))
    assert "lending.*.liquidations" in lending and "lending.*.bad_debt" in lending
    assert not any(m.startswith("mev.") for m in lending)


def test_patterns_expand_in_order_without_repeats() -> None:
    available = ["a.x.v", "a.y.v", "b", "a.x.w"]
    assert expand_metrics(["b", "a.*.v", "a.x.v", "zz*"], available) == (
        ["b", "a.x.v", "a.y.v"],
        ["zz*"],
    )


def test_chosen_metrics_expand_cohort_patterns_and_skip_absent_groups() -> None:
    summary = fake_summary(
        {
            "lp_vs_hodl_pct": [0.1, 0.2],
            "lp_fee_income": [5.0, 6.0],
            "mev.bot_gross": [1.0, 3.0],
            "mev.bot_net": [0.5, 2.0],
            "mev.victim_loss": [2.0, 5.0],
            "mev.by_victim_cohort.tight.loss_per_volume_bps": [7.0, 7.0],
            "mev.by_victim_cohort.loose.loss_per_volume_bps": [25.0, 80.0],
            "lending.aave.liquidations": [0.0, 0.0],
        },
        [30, 100],
    )
    chosen = choose_metrics(summary, plan_for(SANDWICH))
    assert chosen[:3] == ["mev.bot_gross", "mev.bot_net", "mev.victim_loss"]
    assert chosen[3:5] == [
        "mev.by_victim_cohort.tight.loss_per_volume_bps",
        "mev.by_victim_cohort.loose.loss_per_volume_bps",
    ]
    assert chosen[5:] == ["lp_fee_income", "lp_vs_hodl_pct"]  # no lending market: none
    # without a bot the same table shows the LP metrics it has, and no MEV
    assert choose_metrics(summary, plan_for(TINY)) == ["lp_vs_hodl_pct", "lp_fee_income"]


def test_explicit_metrics_win_and_a_misspelt_one_is_named() -> None:
    summary = fake_summary(
        {"lp_vs_hodl_pct": [0.1, 0.2], "mev.by_victim_cohort.loose.victim_loss": [1.0, 4.0]},
        [30, 100],
    )
    pick = ["mev.by_victim_cohort.*.victim_loss", "lp_vs_hodl_pct"]
    assert choose_metrics(summary, plan_for(TINY), pick) == [
        "mev.by_victim_cohort.loose.victim_loss",
        "lp_vs_hodl_pct",
    ]
    # the scenario's [sweep] metrics list, when there is one, is the default
    raw = {**TINY, "sweep": {"metrics": ["mev.by_victim_cohort.*.victim_loss"]}}
    assert choose_metrics(summary, plan_for(raw)) == ["mev.by_victim_cohort.loose.victim_loss"]
    assert choose_metrics(summary, plan_for(TINY), "lp_vs_hodl_pct") == ["lp_vs_hodl_pct"]
    with pytest.warns(UserWarning, match=r"'lp_vs_hodl' is not in summary.csv.*lp_vs_hodl_pct"):
        chosen = choose_metrics(summary, plan_for(TINY), ["lp_vs_hodl"])
    assert chosen == ["lp_vs_hodl_pct"]  # nothing matched: the defaults


def test_a_sandwich_sweep_plots_and_tabulates_mev_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[tuple[str, str]] = []
    original = figures.plot_metric_vs_param

    def spy(summary: Any, param: str, metric: str, **kw: Any) -> Any:
        drawn.append((param, metric))
        return original(summary, param, metric, **kw)

    monkeypatch.setattr(figures, "plot_metric_vs_param", spy)
    grid = {"agents.retail.slippage_bps": [30, 300]}
    result = run_sweep(
        SweepRequest(SANDWICH, out=tmp_path, grid=grid, seeds=2, seed=3, blocks=100, workers=1)
    )
    assert (result.ok, result.failed) == (4, 0)
    import pandas as pd

    summary = pd.read_csv(result.path / "summary.csv")
    gross = summary["mev.bot_gross.mean"].tolist()
    assert 0 < gross[0] < gross[1]  # a looser tolerance leaves the bot more
    metrics = [m for _, m in drawn]
    assert metrics[:3] == ["mev.bot_gross", "mev.bot_net", "mev.victim_loss"]
    assert "mev.by_victim_cohort.retail.victim_loss" in metrics
    assert "mev.by_victim_cohort.retail.loss_per_volume_bps" in metrics
    assert metrics[-2:] == ["lp_fee_income", "lp_vs_hodl_pct"]
    assert result.files[-1] == "vs_agents.retail.slippage_bps.png"  # one parameter: no heatmap
    assert (result.path / result.files[-1]).stat().st_size > 10_000
    assert "mev.bot_gross" in result.table.splitlines()[0]
    # the same folder summarised again (nothing is missing) with chosen metrics: only those
    drawn.clear()
    again = run_sweep(SweepRequest(resume=result.path, workers=1, metrics=["mev.bot_net"]))
    assert drawn == [("agents.retail.slippage_bps", "mev.bot_net")]
    assert "mev.bot_net" in again.table and "lp_vs_hodl_pct" not in again.table
