"""Tests for sim.protocols.rebasing: a rebasing LST's share price reaches every balance."""

from __future__ import annotations

import pytest

from sim.chain.ledger import Ledger
from sim.errors import ProtocolError
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.protocols.lending import AssetParams, LendingMarket, LendingSpec
from sim.protocols.rebasing import book_venue_change, refuse_untracked_holders, sync_rebase
from sim.protocols.staking import LiquidStaking, StakingSpec

E18 = 10**18


def setup() -> tuple[LiquidStaking, Ledger, LendingMarket]:
    protocol = LiquidStaking(StakingSpec(apr=0.0365, design="rebasing", lst="stETH"), 12)
    protocol.stake("circulating", 100 * E18)
    ledger = Ledger({"ETH": 18, "stETH": 18})
    ledger.mint("alice", "stETH", 60 * E18)
    ledger.mint("bob", "stETH", 30 * E18)
    spec = LendingSpec(
        assets={"stETH": AssetParams(ltv=0.7, liquidation_threshold=0.8, borrowable=False)}
    )
    market = LendingMarket(spec, {"stETH": 18}, {"stETH": 1.0}.__getitem__)
    market.supply("carol", "stETH", 10 * E18)  # the last 10 stETH sit in the market
    ledger.minted["stETH"] += 10 * E18
    ledger.add_venue("lending", market.holdings)
    return protocol, ledger, market


def test_the_first_sync_only_records_the_share_price() -> None:
    protocol, ledger, market = setup()
    index, rebased = {"stETH": (0, 0)}, {"stETH": 0}
    assert sync_rebase(protocol, index, rebased, ledger, [], [market]) == 0
    assert index == {"stETH": (100 * E18, 100 * E18)} and rebased == {"stETH": 0}
    assert sync_rebase(protocol, index, rebased, ledger, [], [market]) == 0  # unchanged


def test_yield_grows_wallets_and_market_balances_by_the_share_price_rounded_down() -> None:
    protocol, ledger, market = setup()
    index, rebased = {"stETH": (100 * E18, 100 * E18)}, {"stETH": 0}
    reward = protocol.accrue(1)
    assert reward == 1_388_888_888_888
    pooled = 100 * E18 + reward
    total = sync_rebase(protocol, index, rebased, ledger, [], [market])
    alice = 60 * E18 * pooled // (100 * E18)
    bob = 30 * E18 * pooled // (100 * E18)
    cash = 10 * E18 * pooled // (100 * E18)
    assert ledger.wallets["alice"]["stETH"] == alice and ledger.wallets["bob"]["stETH"] == bob
    assert market.holdings() == {"stETH": cash}
    assert total == rebased["stETH"] == alice + bob + cash - 100 * E18
    assert index == {"stETH": (pooled, 100 * E18)}
    assert ledger.discrepancies() == {}  # wallet mints and the venue's growth are booked


def test_a_penalty_shrinks_every_balance() -> None:
    protocol, ledger, market = setup()
    index, rebased = {"stETH": (100 * E18, 100 * E18)}, {"stETH": 0}
    assert protocol.slash(0.01) == E18
    total = sync_rebase(protocol, index, rebased, ledger, [], [market])
    assert ledger.wallets["alice"]["stETH"] == 594 * E18 // 10
    assert ledger.wallets["bob"]["stETH"] == 297 * E18 // 10
    assert market.holdings() == {"stETH": 99 * E18 // 10}
    assert total == -E18 and ledger.discrepancies() == {}


def test_pools_that_do_not_follow_a_rebase_are_refused() -> None:
    pool = ConstantProductPool("steth_eth", ("stETH", "ETH"), (18, 18))
    with pytest.raises(ProtocolError, match="cannot hold the rebasing stETH"):
        refuse_untracked_holders([pool], "stETH")
    refuse_untracked_holders([pool], "wstETH")  # other tokens are fine


def test_venue_changes_are_booked_as_supply() -> None:
    ledger = Ledger({"stETH": 18})
    book_venue_change(ledger, "stETH", 5)
    book_venue_change(ledger, "stETH", -2)
    book_venue_change(ledger, "stETH", 0)
    assert ledger.minted == {"stETH": 5} and ledger.burned == {"stETH": 2}
