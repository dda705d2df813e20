"""Pool invariants checked during runs (sim/invariants.py): they pass on honest books and
name the block, the pool and the broken invariant when the books are tampered with."""

from __future__ import annotations

import random

import pytest

from sim.model.invariants import InvariantError, watch
from sim.model.model import MarketModel
from sim.pools.curve.stableswap import StableSwapPool
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.pools.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO
from sim.scenario.scenario import load_scenario

E18 = 10**18


def cp_pool(fee_to: str | None = None) -> ConstantProductPool:
    pool = ConstantProductPool("eth_usdc", ("ETH", "USDC"), (18, 6), 30, fee_to)
    pool.mint("lp", 100 * E18, 300_000 * 10**6)
    return pool


def test_constant_product_books_pass_through_swaps_mints_and_burns() -> None:
    pool = cp_pool(fee_to="treasury")
    w = watch(pool)
    rng = random.Random(3)
    for block in range(300):
        action = rng.random()
        if action < 0.8:
            token_in = rng.choice(pool.tokens)
            token_out = pool.tokens[1 - pool.tokens.index(token_in)]
            scale = E18 if token_in == "ETH" else 10**6
            pool.swap_exact_in(token_in, token_out, rng.randint(1, 5_000) * scale // 100)
        elif action < 0.9:
            pool.mint(f"lp{block}", rng.randint(1, 10) * E18, rng.randint(1, 30_000) * 10**6)
        elif pool.balance_of.get("lp", 0) > 10**6:
            pool.burn("lp", pool.balance_of["lp"] // 7)
        w.check(block)


def test_constant_product_lost_reserve_or_stray_shares_are_caught() -> None:
    pool = cp_pool()
    w = watch(pool)
    pool.reserve1 -= 1  # a token leaves the pool without a trade paying for it
    with pytest.raises(InvariantError, match=r"block 7: pool 'eth_usdc': sqrt\(k\) per LP token"):
        w.check(7)
    pool = cp_pool()
    w = watch(pool)
    pool.balance_of["lp"] += 1  # an LP token nobody minted
    with pytest.raises(InvariantError, match="LP balances add up to"):
        w.check(8)


def ss_pool(fee: int = 4_000_000) -> StableSwapPool:
    pool = StableSwapPool("usdc_usdt", ("USDC", "USDT"), (6, 6), A=100, fee=fee)
    pool.add_liquidity([10**13, 10**13], 0, "lp")
    return pool


def test_stableswap_books_pass_through_trading_and_an_A_ramp() -> None:
    pool = ss_pool()
    pool.block_timestamp = 10**6
    w = watch(pool)
    rng = random.Random(5)
    for block in range(200):
        pool.block_timestamp += 12
        i = rng.randint(0, 1)
        pool.exchange(i, 1 - i, rng.randint(1, 10**11), 0)
        if block == 50:
            pool.ramp_A(1000, pool.block_timestamp + 86_400)  # D moves with A: not a loss
        w.check(block)


def test_stableswap_stale_D_or_a_leak_is_caught() -> None:
    pool = ss_pool()
    w = watch(pool)
    pool.get_virtual_price()  # caches D for the current balances
    pool._d_value += 1
    with pytest.raises(InvariantError, match="cached D"):
        w.check(1)
    pool = ss_pool()
    w = watch(pool)
    pool.balances[0] -= 10**9  # 1,000 USDC vanish from the pool's books
    with pytest.raises(InvariantError, match="virtual price fell"):
        w.check(2)


def v3_pool() -> ConcentratedPool:
    pool = ConcentratedPool.from_price("v3", ("T0", "T1"), (18, 18), 3000, 1.0)
    for owner, (lower, upper) in {"a": (-6000, 6000), "b": (-600, 600), "c": (120, 1800)}.items():
        pool.mint(owner, lower, upper, 10**21)
    return pool


def test_v3_books_pass_through_tick_crossing_swaps_burns_and_collects() -> None:
    pool = v3_pool()
    w = watch(pool)
    rng = random.Random(11)
    for block in range(120):
        zero_for_one = rng.random() < 0.5
        limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
        pool.swap(zero_for_one, rng.randint(1, 40) * E18 // 2, limit)
        if block == 60:
            pool.burn("b", -600, 600, 10**20)
            pool.collect("b", -600, 600, 2**128 - 1, 2**128 - 1)
        w.check(block)


def test_v3_wrong_liquidity_or_an_insolvent_pool_is_caught() -> None:
    pool = v3_pool()
    w = watch(pool)
    pool.liquidity += 1
    with pytest.raises(InvariantError, match="active liquidity"):
        w.check(3)
    pool = v3_pool()
    w = watch(pool)
    pool.balance0 -= 10**18  # the pool can no longer pay its positions
    with pytest.raises(InvariantError, match="owes"):
        w.check(4)


def test_model_check_covers_pool_invariants_with_block_and_pool() -> None:
    model = MarketModel(load_scenario("quickstart"), check_every_block=True)
    for _ in range(50):
        model.step()  # every block checked: honest books pass
    pool = model.market.pools["eth_usdc"]
    pool.balance_of["intruder"] = 5  # LP tokens minted out of thin air
    with pytest.raises(InvariantError, match=r"block 51: pool 'eth_usdc': LP balances"):
        model.step()
