"""Retail slippage per pool in summary.json and in the printed summary (`sim.report.pool_slippage`)."""

from __future__ import annotations

from array import array
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import ROOT

from sim import run
from sim.cli.headlines import human_summary
from sim.model.totals import PoolStats
from sim.report.pool_slippage import pool_slippage_lines, slippage_by_pool


def model_with(**slippages: list[float]) -> Any:
    """What `slippage_by_pool` reads of a model: the books' per-pool stats."""
    pools = {name: PoolStats(retail_slippage_bps=array("d", xs)) for name, xs in slippages.items()}
    return SimpleNamespace(metrics=SimpleNamespace(pools=pools))


def test_each_pool_gets_its_stats_and_the_ratio_of_the_means() -> None:
    out = slippage_by_pool(model_with(curve=[1.0, 3.0, 2.0], univ2=[10.0, 30.0]))
    assert out["by_pool"]["curve"] == {
        "trades": 3,
        "mean_bps": 2.0,
        "p50_bps": 2.0,
        "p95_bps": 3.0,
        "worst_bps": 3.0,
    }
    assert out["by_pool"]["univ2"]["trades"] == 2 and out["by_pool"]["univ2"]["mean_bps"] == 20.0
    assert out["by_pool_mean_ratio"] == 10.0
    line = pool_slippage_lines(out)
    assert line == [
        "  slippage by pool    mean per retail trade: curve 2.0 bps, univ2 20.0 bps (10.0x)"
    ]


def test_one_pool_has_no_by_pool_section() -> None:
    assert slippage_by_pool(model_with(eth_usdc=[5.0])) == {}


def test_a_pool_without_retail_trades_is_listed_but_neither_compared_nor_printed() -> None:
    out = slippage_by_pool(model_with(curve=[4.0], univ2=[], farm=[]))
    assert out["by_pool"]["univ2"]["trades"] == 0 and out["by_pool"]["univ2"]["mean_bps"] is None
    assert "by_pool_mean_ratio" not in out
    assert pool_slippage_lines(out) == []
    # two traded pools of three: those two are compared
    out = slippage_by_pool(model_with(curve=[4.0], univ2=[40.0], farm=[]))
    assert out["by_pool_mean_ratio"] == 10.0
    assert "farm" not in pool_slippage_lines(out)[0]


@pytest.fixture(scope="module")
def lesson() -> Any:
    return run(ROOT / "scenarios" / "stableswap_vs_constant_product.toml", blocks=1_000, out=None)


def test_the_stableswap_lesson_trades_both_pools_and_prints_the_ratio(lesson: Any) -> None:
    slip = lesson.summary["slippage"]
    curve, univ2 = slip["by_pool"]["curve"], slip["by_pool"]["univ2"]
    assert curve["trades"] > 50 and univ2["trades"] > 50
    assert curve["trades"] + univ2["trades"] == slip["trades"]  # single-hop retail only
    assert slip["by_pool_mean_ratio"] == univ2["mean_bps"] / curve["mean_bps"]
    # the lesson's point, with a wide margin (about 10x over the full two days)
    assert slip["by_pool_mean_ratio"] > 4
    text = human_summary(lesson.summary)
    assert (
        f"slippage by pool    mean per retail trade: curve {curve['mean_bps']:.1f} bps, "
        f"univ2 {univ2['mean_bps']:.1f} bps ({slip['by_pool_mean_ratio']:.1f}x)"
    ) in text
