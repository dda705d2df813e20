"""A miner's windows on its candidate farms and the APRs it estimates from them."""

from __future__ import annotations

import pytest

from agents.mining_watch import AprEstimate, PoolWindow, trimmed_total


def test_trimmed_volume_ignores_one_burst() -> None:
    steady = [i * 100.0 for i in range(11)]
    burst = steady[:5] + [v + 1e6 for v in steady[5:]]
    assert trimmed_total(steady) == pytest.approx(1000.0)
    assert trimmed_total(burst) == pytest.approx(1000.0)
