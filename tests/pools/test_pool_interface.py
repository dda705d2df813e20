"""The Pool interface (sim/pools/base.py) on every pool kind: quote apart from apply, fork, LP claims."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from conftest import make_stableswap_pool

from sim.errors import InvalidAmount, PoolError, SlippageExceeded
from sim.pools.base import LpClaims, Pool, Swap, SwapQuote
from sim.pools.curve.rate_oracle import RateOracle
from sim.pools.curve.stableswap import StableSwapPool
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.pools.uniswap_v3.pool import ConcentratedPool

E18 = 10**18


def v2() -> ConstantProductPool:
    pool = ConstantProductPool("v2", ("T0", "T1"), (18, 6), 30, fee_to="treasury")
    pool.mint("lp", 1_000 * E18, 3_000_000 * 10**6)
    return pool


def curve() -> StableSwapPool:
    return make_stableswap_pool((18, 6), whole=(1_000_000, 1_200_000))


RATE = [11 * 10**17]  # coin 1 redeems for 1.1 of coin 0; tests move it


def curve_with_oracle() -> StableSwapPool:
    pool = StableSwapPool("lst", ("T0", "T1"), (18, 18), 100, 4_000_000)
    pool.set_rate_oracle(1, RateOracle("staking", lambda: RATE[0]))
    pool.add_liquidity([1_100_000 * E18, 1_000_000 * E18], 0, "lp")
    return pool


def curve3() -> StableSwapPool:
    return make_stableswap_pool((18, 6, 6), A=2000, whole=(1_000_000, 900_000, 1_100_000))


def v3() -> ConcentratedPool:
    pool = ConcentratedPool.from_price("v3", ("T0", "T1"), (18, 18), 3000, 1.0)
    pool.mint("alice", -6000, 6000, 10**24)
    pool.mint("bob", -600, 600, 10**24)
    pool.mint("carol", 1200, 2400, 10**23)
    return pool


KINDS: dict[str, Callable[[], Pool]] = {
    "v2": v2,
    "curve": curve,
    "curve_oracle": curve_with_oracle,
    "curve3": curve3,
    "v3": v3,
}
AMOUNT = {"v2": 5 * E18, "curve": 30_000 * E18, "curve_oracle": 30_000 * E18}


def amount_in(kind: str) -> int:
    return AMOUNT.get(kind, 20_000 * E18)


def plain(value: Any) -> Any:
    """Pool state as plain nested data (records as tuples, oracles by identity)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, dataclasses.astuple(value))
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(plain(v) for v in value)
    if isinstance(value, RateOracle):
        return ("oracle", id(value))
    return value


def state(pool: Pool) -> dict[str, Any]:
    return {k: plain(v) for k, v in vars(pool).items() if not k.startswith("_d_")}


# ---------------------------------------------------------------- quote apart from apply


@pytest.mark.parametrize("kind", KINDS)
def test_a_quote_is_frozen_exact_and_changes_nothing(kind: str) -> None:
    pool = KINDS[kind]()
    before = state(pool)
    quote = pool.quote_swap("T0", "T1", amount_in(kind))
    assert isinstance(quote, SwapQuote)
    assert state(pool) == before
    assert quote.pool is pool
    assert quote.amount_out == pool.quote_exact_in("T0", "T1", amount_in(kind)) > 0
    assert (quote.swap.token_in, quote.swap.token_out, quote.amount_in) == (
        "T0",
        "T1",
        amount_in(kind),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        quote.swap = quote.swap  # type: ignore[misc]


@pytest.mark.parametrize("kind", KINDS)
def test_applying_a_quote_is_swap_exact_in(kind: str) -> None:
    pool = KINDS[kind]()
    twin = pool.fork()
    quote = pool.quote_swap("T1", "T0", amount_in(kind))
    applied = pool.apply_swap(quote, quote.amount_out)
    direct = twin.swap_exact_in("T1", "T0", amount_in(kind), quote.amount_out)
    assert applied == direct == quote.swap
    assert isinstance(applied, Swap)
    assert state(pool) == state(twin)
    assert pool.holdings() == twin.holdings()


@pytest.mark.parametrize("kind", KINDS)
def test_a_quote_below_its_minimum_or_stale_or_foreign_is_refused(kind: str) -> None:
    pool = KINDS[kind]()
    quote = pool.quote_swap("T0", "T1", amount_in(kind))
    before = state(pool)
    with pytest.raises(SlippageExceeded):
        pool.apply_swap(quote, quote.amount_out + 1)
    assert state(pool) == before
    with pytest.raises(PoolError, match="cannot be applied to pool"):
        pool.fork().apply_swap(quote)
    pool.swap_exact_in("T1", "T0", amount_in(kind) // 7)
    after = state(pool)
    with pytest.raises(PoolError, match="stale quote"):
        pool.apply_swap(quote)
    assert state(pool) == after


@pytest.mark.parametrize("kind", KINDS)
def test_a_quote_is_valid_again_once_the_state_is_restored(kind: str) -> None:
    pool = KINDS[kind]()
    quote = pool.quote_swap("T0", "T1", amount_in(kind))
    saved = pool.snapshot()
    pool.swap_exact_in("T0", "T1", amount_in(kind))
    pool.restore(saved)
    assert pool.apply_swap(quote) == quote.swap


def test_every_input_of_a_swap_makes_a_quote_stale() -> None:
    pool = v2()
    quote = pool.quote_swap("T0", "T1", E18)
    pool.set_fee_bps(5)
    with pytest.raises(PoolError, match="stale"):
        pool.apply_swap(quote)
    stable = curve()
    quote = stable.quote_swap("T0", "T1", E18)
    stable.add_liquidity([E18, 0], 0, "lp")
    with pytest.raises(PoolError, match="stale"):
        stable.apply_swap(quote)
    lst = curve_with_oracle()
    quote = lst.quote_swap("T0", "T1", E18)
    RATE[0] += 10**15
    try:
        with pytest.raises(PoolError, match="stale"):
            lst.apply_swap(quote)
    finally:
        RATE[0] -= 10**15
    concentrated = v3()
    quote = concentrated.quote_swap("T0", "T1", E18)
    concentrated.mint("dave", -1200, -600, 10**22)  # out of range: only the ticks change
    with pytest.raises(PoolError, match="stale"):
        concentrated.apply_swap(quote)


def test_the_v3_quote_carries_the_swap_loop_result() -> None:
    pool = v3()
    quote = pool.quote_swap("T1", "T0", 2 * 10**23)  # crosses ticks 600 and 1200
    result = quote.after
    pool.apply_swap(quote)
    assert (pool.sqrt_price_x96, pool.tick, pool.liquidity) == (
        result.sqrt_price_x96,
        result.tick,
        result.liquidity,
    )
    assert pool.last_swap_ticks_crossed == len(result.crossings) > 0


# ---------------------------------------------------------------- fork


@pytest.mark.parametrize("kind", KINDS)
def test_a_fork_is_exact_and_detached(kind: str) -> None:
    pool = KINDS[kind]()
    before = state(pool)
    fork = pool.fork()
    assert type(fork) is type(pool)
    assert state(fork) == before
    fork.swap_exact_in("T0", "T1", amount_in(kind))
    fork.swap_exact_in("T1", "T0", amount_in(kind) // 3)
    assert state(pool) == before
    assert pool.quote_swap("T0", "T1", E18).swap == pool.fork().quote_swap("T0", "T1", E18).swap


def test_a_v3_fork_has_its_own_tick_and_position_records() -> None:
    pool = v3()
    fork = pool.fork()
    assert all(fork.ticks[t] is not pool.ticks[t] for t in pool.ticks)
    assert all(fork.positions[k] is not pool.positions[k] for k in pool.positions)
    fork.burn("bob", -600, 600, 10**23)
    assert pool.positions[("bob", -600, 600)].liquidity == 10**24


def test_a_curve_fork_shares_the_rate_oracle() -> None:
    pool = curve_with_oracle()
    fork = pool.fork()
    assert fork.rate_oracles[1] is pool.rate_oracles[1]
    assert fork.rate_oracles is not pool.rate_oracles
    assert fork.stored_rates() == pool.stored_rates() == (E18, RATE[0])


# ---------------------------------------------------------------- LP claims


def test_lp_claims_of_pool_shares() -> None:
    pair = v2()
    supply = pair.total_supply
    assert (pair.lp_supply(), pair.lp_shares("lp"), pair.lp_shares("nobody")) == (
        supply,
        supply - 1000,
        0,
    )
    assert pair.lp_reserves() == (1_000 * E18, 3_000_000 * 10**6)
    square = ConstantProductPool("p", ("A", "B"), (18, 18))
    square.mint("lp", 4 * E18, 9 * E18)  # supply sqrt(36e36) = 6e18
    assert square.claim(3 * E18 // 2) == {"A": E18, "B": 9 * E18 // 4}
    assert square.claim(3 * E18 // 2 - 1) == {"A": E18 - 1, "B": 9 * E18 // 4 - 2}
    assert pair.lp_claim("lp") == pair.claim(supply - 1000)
    assert pair.lp_fee_share() == 5 / 6
    pool = curve()
    pool.swap_exact_in("T0", "T1", 10_000 * E18)
    assert pool.lp_reserves() == tuple(pool.balances)
    assert pool.lp_reserves() != tuple(pool.holdings().values())  # admin fees are not the LPs'
    shares = pool.lp_shares("seed")
    assert pool.claim(shares) == dict(zip(pool.tokens, pool.balances, strict=True))
    assert pool.lp_fee_share() == 0.5
    assert make_stableswap_pool(admin_fee=0).lp_fee_share() == 1.0


def test_lp_claims_of_positions() -> None:
    pool = v3()
    assert (pool.lp_supply(), pool.lp_shares("alice"), pool.lp_reserves()) == (0, 0, (0, 0))
    assert pool.claim(0) == {"T0": 0, "T1": 0}
    a0, a1 = pool.position_amounts("alice", -6000, 6000)
    assert pool.lp_claim("alice") == {"T0": a0, "T1": a1}
    pool.swap_exact_in("T0", "T1", 10**22)
    pool.burn("bob", -600, 600, 0)  # credits bob's fees to tokens owed
    owed = pool.position("bob", -600, 600)
    b0, b1 = pool.position_amounts("bob", -600, 600)
    assert pool.lp_claim("bob") == {"T0": b0 + owed.tokens_owed0, "T1": b1 + owed.tokens_owed1}
    assert owed.tokens_owed0 > 0
    assert pool.lp_claim("nobody") == {"T0": 0, "T1": 0}
    assert pool.lp_fee_share() == 1.0
    pool.set_fee_protocol(4, 5)
    assert pool.lp_fee_share("T0") == 0.75
    assert pool.lp_fee_share("T1") == 0.8
    with pytest.raises(InvalidAmount, match="name the token"):
        pool.lp_fee_share()
    with pytest.raises(InvalidAmount, match="'concentrated' takes ranged positions, not deposits"):
        pool.deposit("alice", {"T0": E18, "T1": E18})
    with pytest.raises(InvalidAmount, match="'concentrated' takes ranged positions, not shares"):
        pool.withdraw("alice", 1)


def test_deposit_and_withdraw_through_the_interface() -> None:
    pair = ConstantProductPool("p", ("A", "B"), (18, 18))
    pair.mint("lp", 4 * E18, 9 * E18)
    used, minted = pair.deposit("bob", {"A": 2 * E18, "B": 10 * E18})
    assert used == {"A": 2 * E18, "B": 9 * E18 // 2}  # the pool ratio: B is left over
    assert minted == pair.lp_shares("bob") == 3 * E18
    assert pair.withdraw("bob", 3 * E18) == {"A": 2 * E18, "B": 9 * E18 // 2}
    assert pair.lp_shares("bob") == 0
    empty = ConstantProductPool("empty", ("A", "B"), (18, 18))
    assert empty.deposit("first", {"A": 4 * E18, "B": 9 * E18}) == (
        {"A": 4 * E18, "B": 9 * E18},
        6 * E18 - 1000,
    )
    pool = curve()
    used, minted = pool.deposit("bob", {"T1": 1_000 * 10**6})
    assert used == {"T0": 0, "T1": 1_000 * 10**6}
    assert minted == pool.lp_shares("bob")
    paid = pool.withdraw("bob", minted)
    assert list(paid) == ["T0", "T1"] and sum(paid.values()) > 0
    assert pool.lp_shares("bob") == 0


def test_each_kind_says_the_form_of_its_lp_claims() -> None:
    assert v2().lp_claims is curve().lp_claims is LpClaims.SHARES
    assert v3().lp_claims is LpClaims.POSITIONS
