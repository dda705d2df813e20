"""Which pool trades an LST against its underlying."""

from __future__ import annotations

import pytest
from lending_cases import make

from agents.lst_pool import lst_pool, require_lst_pool
from sim.errors import ProtocolError


def test_the_named_pool_or_the_first_that_trades_the_pair() -> None:
    market = make().market
    pool = market.pools["steth_eth"]
    assert lst_pool(market, "stETH", "ETH", None) is pool
    assert lst_pool(market, "stETH", "ETH", "steth_eth") is pool
    assert require_lst_pool(market, "stETH", "ETH", None) is pool


def test_without_such_a_pool() -> None:
    market = make().market
    assert lst_pool(market, "stETH", "USDC", None) is None
    with pytest.raises(ProtocolError, match="no pool trades stETH against USDC"):
        require_lst_pool(market, "stETH", "USDC", None)
    with pytest.raises(KeyError):
        lst_pool(market, "stETH", "ETH", "nope")
