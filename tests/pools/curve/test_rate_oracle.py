"""A coin's rate oracle (sim/pools/curve/rate_oracle.py): what it returns, and that copies share it."""

from __future__ import annotations

import copy

import pytest

from sim.errors import PoolError
from sim.pools.curve.rate_oracle import RateOracle


def test_a_connected_oracle_reads_a_positive_int_and_anything_else_is_refused() -> None:
    oracle = RateOracle("staking:stETH", lambda: 10**18 + 5)
    assert oracle.read() == 10**18 + 5
    with pytest.raises(PoolError, match="not connected"):
        RateOracle("nowhere").read()
    for bad in (0, -1, 1.5):
        with pytest.raises(PoolError, match="not a positive int"):
            RateOracle("bad", lambda bad=bad: bad).read()  # type: ignore[misc]


def test_copies_of_a_pool_keep_the_same_oracle() -> None:
    oracle = RateOracle("staking:stETH", lambda: 10**18)
    assert copy.copy(oracle) is oracle
    assert copy.deepcopy([oracle])[0] is oracle
    assert repr(oracle) == "RateOracle('staking:stETH', connected=True)"
