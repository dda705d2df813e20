"""Tests for sim.protocols.lp_staking: LP shares staked in the chef, free shares, emissions."""

from __future__ import annotations

import pytest

from sim.chain.ledger import Ledger
from sim.errors import ProtocolError
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.protocols.hub import Protocols
from sim.protocols.launches import lock_lp
from sim.protocols.lp_staking import (
    emission_per_day,
    free_lp_shares,
    stake_lp,
    staked_lp,
    unstake_lp,
)
from sim.protocols.rewards import EmissionSpec, RewardsSpec

E18 = 10**18


def setup(rewards: bool = True) -> tuple[Protocols, ConstantProductPool, int]:
    protocols = Protocols(Ledger({"ETH": 18, "USDC": 6, "SUSHI": 18}))
    pool = ConstantProductPool("eth_usdc", ("ETH", "USDC"), (18, 6))
    pool.add_liquidity("lp", 100 * E18, 200_000 * 10**6)
    protocols.attach_pools({"eth_usdc": pool})
    if rewards:
        emission = EmissionSpec(schedule="constant", per_day=72, end_block=7_200)
        protocols.add_rewards(RewardsSpec(token="SUSHI", pools={"eth_usdc": emission}), 12.0, 18)
    return protocols, pool, pool.balance_of["lp"]


def test_free_shares_are_held_less_staked_less_locked() -> None:
    protocols, pool, shares = setup()
    assert free_lp_shares(protocols, pool, "lp", 0) == shares
    lock_lp(protocols, "eth_usdc", "lp", 1_000, until_block=50)
    assert stake_lp(protocols, pool, "lp", 2_000, 0) == 0  # nothing pending yet
    assert staked_lp(protocols, "eth_usdc", "lp") == 2_000
    assert pool.balance_of["lp"] == shares  # staked shares stay in the holder's balance
    assert free_lp_shares(protocols, pool, "lp", 0) == shares - 3_000
    assert free_lp_shares(protocols, pool, "lp", 50) == shares - 2_000  # the lock expired
    with pytest.raises(ProtocolError, match=f"has {shares - 3_000} free LP shares"):
        stake_lp(protocols, pool, "lp", shares - 2_999, 0)


def test_unstaking_pays_the_rewards_into_the_wallet() -> None:
    protocols, pool, _ = setup()
    stake_lp(protocols, pool, "lp", 2_000, 0)
    paid = unstake_lp(protocols, pool, "lp", 2_000, 10)
    assert paid == 10 * 10**16  # ten blocks at 0.01 SUSHI, all to the only staker
    assert protocols.ledger.wallets["lp"]["SUSHI"] == paid
    assert staked_lp(protocols, "eth_usdc", "lp") == 0
    assert protocols.ledger.discrepancies() == {}


def test_emissions_per_day_and_a_market_without_rewards() -> None:
    protocols, pool, _ = setup()
    assert emission_per_day(protocols, "eth_usdc", 0) == 72.0
    assert emission_per_day(protocols, "eth_usdc", 7_200) == 0.0  # after end_block
    assert emission_per_day(protocols, "other", 0) == 0.0
    bare, pool, shares = setup(rewards=False)
    assert staked_lp(bare, "eth_usdc", "lp") == 0 and emission_per_day(bare, "eth_usdc", 0) == 0.0
    assert free_lp_shares(bare, pool, "lp", 0) == shares
    with pytest.raises(ProtocolError, match=r"stake_lp: this market has no \[rewards\]"):
        stake_lp(bare, pool, "lp", 1, 0)
    with pytest.raises(ProtocolError, match=r"unstake_lp: this market has no \[rewards\]"):
        unstake_lp(bare, pool, "lp", 1, 0)
