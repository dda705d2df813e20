"""Swaps booked in batches give exactly the numbers of booking each one as it executes.

Without an event log, `Metrics` keeps one-pool swaps and books them together with numpy
(`Metrics.flush`); with an event log, every swap is booked on arrival with its row. Both
must give the same bits: every summary figure, time series, agent row and flow.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from sim.runner import run


def _same(a: Any, b: Any) -> bool:
    """Equal, with NaN equal to NaN (a float that is undefined in both runs)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@pytest.mark.parametrize(
    ("scenario", "blocks"),
    [
        ("quickstart", 600),  # retail, arbitrage with gas, LPs entering and leaving
        ("stableswap_vs_constant_product", 400),  # fee taken from the output; two pools
        ("sandwich_attack", 300),  # bundles between batched swaps
        ("rug_pull", 400),  # a token with no reference price: LVR undefined
        ("v3_band_strategies", 300),  # concentrated liquidity: no LP supply
    ],
)
def test_batched_booking_matches_booking_each_swap(scenario: str, blocks: int) -> None:
    each = run(scenario, blocks=blocks, out=None, overrides={"output.events": "all"})
    batched = run(scenario, blocks=blocks, out=None, overrides={"output.events": "none"})
    assert len(each.events) and not len(batched.events)  # the two paths really were taken
    assert _same(each.summary, batched.summary)
    assert each.timeseries.equals(batched.timeseries)
    assert each.agents.equals(batched.agents)
    assert each.flows == batched.flows
    assert batched.summary["pools"] and any(
        p["swaps"] for p in batched.summary["pools"].values()
    )
