"""Tests for sim.protocols.hub: the Protocols container wires staking, lending and rewards into
a market's ledger, does their per-block work, and checks the LSTs in circulation are backed."""

from __future__ import annotations

import pytest

from sim.chain.ledger import Ledger
from sim.errors import ConservationError, InsufficientBalance
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.protocols.hub import CIRCULATING, Protocols
from sim.protocols.lending import AssetParams, LendingSpec
from sim.protocols.rewards import EmissionSpec, RewardsSpec
from sim.protocols.staking import StakingSpec
from sim.units import RAY

E18 = 10**18
BT = 12.0
PRICES = {"ETH": 2000.0, "USDC": 1.0, "wstETH": 2100.0, "stETH": 1990.0}
# 3.65% a year over 2_628_000 twelve-second blocks: the per-block rate in RAY, exactly
RATE_PER_BLOCK_RAY = 365 * 10**23 // 2_628_000


def make(design: str = "reward_bearing", lst: str = "wstETH") -> Protocols:
    ledger = Ledger({"ETH": 18, "USDC": 6, "wstETH": 18, "stETH": 18, "SUSHI": 18})
    protocols = Protocols(ledger)
    protocols.add_staking("lido", StakingSpec(apr=0.0365, design=design, lst=lst), BT)
    ledger.mint("alice", "ETH", 100 * E18)
    return protocols


def test_staking_is_a_ledger_venue_and_a_stake_moves_wallet_and_books_together() -> None:
    protocols = make()
    ledger, lido = protocols.ledger, protocols.staking["wstETH"]
    assert protocols.staking_by_name == {"lido": lido}
    assert "staking:lido" in ledger.venues
    assert protocols.preview_stake("wstETH", 40 * E18) == 40 * E18  # first stake is 1:1
    assert protocols.stake("alice", "wstETH", 40 * E18) == 40 * E18
    assert ledger.wallets["alice"] == {
        "ETH": 60 * E18,
        "USDC": 0,
        "wstETH": 40 * E18,
        "stETH": 0,
        "SUSHI": 0,
    }
    assert lido.shares == {CIRCULATING: 40 * E18}
    assert ledger.supply("wstETH") == 40 * E18 and ledger.discrepancies() == {}
    protocols.check()
    with pytest.raises(InsufficientBalance, match="alice holds 60000000000000000000 ETH, needs"):
        protocols.stake("alice", "wstETH", 61 * E18)


def test_check_fails_when_the_ledger_holds_an_lst_the_protocol_does_not_back() -> None:
    protocols = make()
    protocols.stake("alice", "wstETH", 10 * E18)
    protocols.ledger.mint("mallory", "wstETH", 1)  # one unit nobody staked for
    with pytest.raises(
        ConservationError,
        match=r"wstETH: the ledger holds 10000000000000000001 units, the protocol backs 10000000000000000000",
    ):
        protocols.check()


def test_on_block_accrues_staking_yield_as_an_explicit_mint() -> None:
    protocols = make()
    protocols.stake("alice", "wstETH", 100 * E18)
    before = protocols.ledger.supply("ETH")
    protocols.on_block(1, PRICES.__getitem__)
    reward = 100 * E18 * (RAY + RATE_PER_BLOCK_RAY) // RAY - 100 * E18
    assert reward == 1_388_888_888_888  # 0.0365 / 2_628_000 of 100 ETH, rounded down
    assert protocols.staking["wstETH"].total_pooled == 100 * E18 + reward
    assert protocols.ledger.supply("ETH") == before + reward
    assert protocols.ledger.discrepancies() == {}
    protocols.check()


def test_on_block_rebases_every_holder_of_a_rebasing_lst() -> None:
    protocols = make("rebasing", "stETH")
    ledger = protocols.ledger
    protocols.stake("alice", "stETH", 100 * E18)
    ledger.transfer("alice", "bob", "stETH", 25 * E18)
    protocols.on_block(1, PRICES.__getitem__)
    reward = 100 * E18 * (RAY + RATE_PER_BLOCK_RAY) // RAY - 100 * E18
    # each balance grows by the share price's growth, rounded down per holder
    alice = 75 * E18 * (100 * E18 + reward) // (100 * E18)
    bob = 25 * E18 * (100 * E18 + reward) // (100 * E18)
    assert ledger.wallets["alice"]["stETH"] == alice
    assert ledger.wallets["bob"]["stETH"] == bob
    assert protocols.rebased["stETH"] == alice + bob - 100 * E18
    assert protocols.rebase_dust("stETH") == 100 * E18 + reward - alice - bob >= 0
    assert ledger.discrepancies() == {}
    protocols.check()


def test_lending_gets_its_oracle_and_accrues_each_block() -> None:
    protocols = make()
    params = AssetParams(ltv=0.7, liquidation_threshold=0.8)
    spec = LendingSpec(assets={"wstETH": params, "ETH": params}, oracle="exchange_rate")
    market = protocols.add_lending("aave", spec, {"wstETH": 18, "ETH": 18}, PRICES.__getitem__, BT)
    assert "lending:aave" in protocols.ledger.venues
    protocols.stake("alice", "wstETH", 10 * E18)
    # the exchange-rate oracle prices the LST as its rate times the underlying's price
    assert market.oracle("wstETH") == 1.0 * 2000.0
    assert market.oracle("ETH") == 2000.0
    protocols.supply("aave", "alice", "wstETH", 4 * E18)
    assert protocols.ledger.wallets["alice"]["wstETH"] == 6 * E18
    assert market.holdings() == {"wstETH": 4 * E18, "ETH": 0}
    protocols.on_block(1, PRICES.__getitem__)
    assert market.block == 1 and market.timestamp_s == 12
    assert protocols.ledger.discrepancies() == {}


def test_a_twap_oracle_averages_the_prices_sampled_each_block() -> None:
    protocols = make()
    spec = LendingSpec(
        assets={"ETH": AssetParams(ltv=0.7, liquidation_threshold=0.8)},
        oracle="twap",
        twap_blocks=2,
    )
    prices = dict(PRICES)
    market = protocols.add_lending("aave", spec, {"ETH": 18}, prices.__getitem__, BT)
    assert market.oracle("ETH") == 2000.0  # nothing sampled yet: the price now
    for block, price in enumerate((1000.0, 2000.0, 4000.0), start=1):
        prices["ETH"] = price
        protocols.on_block(block, prices.__getitem__)
    assert market.oracle("ETH") == 3000.0  # the last two samples


def test_reward_emissions_become_explicit_mints() -> None:
    protocols = make()
    pool = ConstantProductPool("eth_usdc", ("ETH", "USDC"), (18, 6))
    protocols.attach_pools({"eth_usdc": pool})
    spec = RewardsSpec(
        token="SUSHI", pools={"eth_usdc": EmissionSpec(schedule="constant", per_day=72)}
    )
    chef = protocols.add_rewards(spec, BT, 18)
    assert "rewards" in protocols.ledger.venues
    chef.deposit("eth_usdc", "alice", 10, 0)
    for block in range(1, 4):
        protocols.on_block(block, PRICES.__getitem__)
    # 72 a day at 12 s blocks is 0.01 SUSHI a block; three blocks minted to the chef
    assert protocols.ledger.supply("SUSHI") == 3 * 10**16 == chef.balance
    assert protocols.ledger.discrepancies() == {}
    assert protocols.harvest("eth_usdc", "alice", 3) == 3 * 10**16
    assert protocols.ledger.wallets["alice"]["SUSHI"] == 3 * 10**16
    assert protocols.ledger.discrepancies() == {}
