"""Liquidity from a wallet (sim/pools/liquidity.py): what the pool takes is debited, what it pays credited."""

from __future__ import annotations

import pytest
from conftest import make_stableswap_pool

from sim.errors import InsufficientBalance, InvalidAmount
from sim.pools.liquidity import deposit, withdraw
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.pools.uniswap_v3.pool import ConcentratedPool

E18 = 10**18


def test_a_deposit_debits_only_what_the_pool_took_and_a_withdrawal_credits_the_payout() -> None:
    pool = ConstantProductPool("p", ("A", "B"), (18, 18))
    pool.mint("lp", 4 * E18, 9 * E18)
    wallet = {"A": 5 * E18, "B": 10 * E18, "C": 7}
    assert deposit(pool, "bob", wallet, {"A": 2 * E18, "B": 10 * E18}) == 3 * E18
    assert wallet == {"A": 3 * E18, "B": 10 * E18 - 9 * E18 // 2, "C": 7}
    assert pool.lp_shares("bob") == 3 * E18
    assert pool.lp_supply() == 9 * E18
    assert pool.claim(3 * E18) == {"A": 2 * E18, "B": 9 * E18 // 2}
    assert withdraw(pool, "bob", wallet, 3 * E18) == {"A": 2 * E18, "B": 9 * E18 // 2}
    assert wallet == {"A": 5 * E18, "B": 10 * E18, "C": 7}


def test_a_stableswap_deposit_takes_every_amount_and_a_balanced_one_comes_back_whole() -> None:
    pool = make_stableswap_pool((18, 6))
    wallet = {"T0": 10 * E18, "T1": 10 * 10**6}
    minted = deposit(pool, "bob", wallet, {"T0": E18, "T1": 10**6})
    assert wallet == {"T0": 9 * E18, "T1": 9 * 10**6}
    assert minted == pool.lp_shares("bob") == 2 * E18  # balanced: D grows by the sum, no fee
    assert withdraw(pool, "bob", wallet, minted) == {"T0": E18, "T1": 10**6}
    assert wallet == {"T0": 10 * E18, "T1": 10 * 10**6}


def test_a_deposit_beyond_the_wallet_is_refused_before_the_pool_sees_it() -> None:
    pool = ConstantProductPool("p", ("A", "B"), (18, 18))
    wallet = {"A": E18, "B": E18}
    with pytest.raises(InsufficientBalance, match="cannot deposit 1000000000000000001 A"):
        deposit(pool, "bob", wallet, {"A": E18 + 1, "B": E18})
    with pytest.raises(InsufficientBalance):
        deposit(pool, "bob", wallet, {"A": -1, "B": E18})
    assert (pool.total_supply, wallet) == (0, {"A": E18, "B": E18})


def test_a_pool_of_ranged_positions_refuses_share_deposits_and_withdrawals() -> None:
    pool = ConcentratedPool.from_price("v3", ("A", "B"), (18, 18), 3000, 1.0)
    wallet = {"A": E18, "B": E18}
    with pytest.raises(InvalidAmount, match="takes ranged positions, not deposits"):
        deposit(pool, "bob", wallet, {"A": E18, "B": E18})
    with pytest.raises(InvalidAmount, match="takes ranged positions, not shares"):
        withdraw(pool, "bob", wallet, 1)
    assert wallet == {"A": E18, "B": E18}
    assert (pool.lp_supply(), pool.lp_shares("bob"), pool.claim(0)) == (0, 0, {"A": 0, "B": 0})
