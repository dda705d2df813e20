"""UniswapV2Pair (sim/pools/uniswap_v2/pair.py): the pair's checks, mint and burn, the protocol fee, swaps through the
Pool interface, arbitrage sizing, and replays of ops run on the deployed V2 bytecode."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from math import isqrt
from pathlib import Path

import pytest
from conftest import make_v2_pool as make_pool
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.errors import InsufficientLiquidity, InvalidAmount, PoolError, SlippageExceeded
from sim.pools.uniswap_v2.library import UINT112_MAX, get_amount_in, get_amount_out
from sim.pools.uniswap_v2.pair import MINIMUM_LIQUIDITY, ZERO_ADDRESS, ConstantProductPool

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "uniswap_v2.json"
E18 = 10**18
PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def snapshot(pool: ConstantProductPool) -> tuple[object, ...]:
    return (pool.reserve0, pool.reserve1, pool.total_supply, dict(pool.balance_of), pool.k_last)


def test_worked_example_no_fee() -> None:
    """40,000 USDT / 2 BTC, no fee: 10,000 USDT buys exactly 0.4 BTC; price goes to 31,250."""
    pool = ConstantProductPool("usdt_btc", ("USDT", "BTC"), (6, 8), fee_bps=0)
    pool.mint("lp", 40_000 * 10**6, 2 * 10**8)
    assert pool.spot_price("BTC", "USDT") == 20_000.0
    assert pool.quote_exact_in("USDT", "BTC", 10_000 * 10**6) == 40_000_000
    swap = pool.swap_exact_in("USDT", "BTC", 10_000 * 10**6)
    assert (swap.amount_in, swap.amount_out, swap.fee) == (10_000 * 10**6, 40_000_000, 0)
    assert pool.holdings() == {"USDT": 50_000 * 10**6, "BTC": 160_000_000}
    assert pool.spot_price("BTC", "USDT") == 31_250.0
    assert pool.spot_price("USDT", "BTC") == 1 / 31_250


# ------------------------------------------------------------------- swap


@given(st.integers(1, 10**24), st.booleans(), st.sampled_from([0, 5, 30, 100, 1000]))
@PROPS
def test_exact_output_passes_and_one_wei_more_fails_k(
    amount_in: int, zero_for_one: bool, fee_bps: int
) -> None:
    pool = make_pool(fee_bps=fee_bps)
    r_in, r_out = (pool.reserve0, pool.reserve1) if zero_for_one else (pool.reserve1, pool.reserve0)
    out = get_amount_out(amount_in, r_in, r_out, fee_bps)
    assume(out + 1 < r_out)
    before = snapshot(pool)
    with pytest.raises(PoolError, match="UniswapV2: K"):
        if zero_for_one:
            pool.swap(0, out + 1, amount_in, 0)
        else:
            pool.swap(out + 1, 0, 0, amount_in)
    assert snapshot(pool) == before
    assume(out > 0)
    if zero_for_one:
        pool.swap(0, out, amount_in, 0)
        assert (pool.reserve0, pool.reserve1) == (r_in + amount_in, r_out - out)
    else:
        pool.swap(out, 0, 0, amount_in)
        assert (pool.reserve1, pool.reserve0) == (r_in + amount_in, r_out - out)


def test_swap_checks_mirror_the_pair() -> None:
    pool = make_pool(reserve0=10_000, reserve1=10_000)
    with pytest.raises(InvalidAmount, match="INSUFFICIENT_OUTPUT_AMOUNT"):
        pool.swap(0, 0, 100, 0)
    with pytest.raises(InsufficientLiquidity, match="INSUFFICIENT_LIQUIDITY"):
        pool.swap(0, 10_000, 10**9, 0)
    with pytest.raises(InvalidAmount, match="INSUFFICIENT_INPUT_AMOUNT"):
        pool.swap(0, 1, 0, 0)
    with pytest.raises(InvalidAmount, match="non-negative integers"):
        pool.swap(0, 1.0, 5, 0)  # type: ignore[arg-type]
    # a same-token flash swap is legal in the pair: take 1 out, put 2101 back
    pool.swap(1, 0, 2101, 0)
    assert (pool.reserve0, pool.reserve1) == (12_100, 10_000)


def test_swap_exact_in_interface() -> None:
    pool = make_pool()
    expected = get_amount_out(E18, pool.reserve0, pool.reserve1)
    assert pool.quote_exact_in("ETH", "USDC", E18) == expected
    before = snapshot(pool)
    with pytest.raises(SlippageExceeded, match=f"pays {expected} USDC, below the minimum"):
        pool.swap_exact_in("ETH", "USDC", E18, min_amount_out=expected + 1)
    assert snapshot(pool) == before
    swap = pool.swap_exact_in("ETH", "USDC", E18, min_amount_out=expected)
    assert (swap.token_in, swap.token_out, swap.amount_in, swap.amount_out) == (
        "ETH",
        "USDC",
        E18,
        expected,
    )
    assert (swap.fee, swap.fee_token) == (E18 * 30 // 10_000, "ETH")
    assert pool.holdings() == {"ETH": 1_001 * E18, "USDC": 3_000_000 * 10**6 - expected}
    back = pool.quote_exact_out("USDC", "ETH", E18)
    assert back == get_amount_in(E18, pool.reserve1, pool.reserve0)
    with pytest.raises(InvalidAmount, match="trades ETH, USDC, not 'BTC'"):
        pool.quote_exact_in("ETH", "BTC", 1)
    with pytest.raises(InvalidAmount, match="for itself"):
        pool.swap_exact_in("ETH", "ETH", 1)
    with pytest.raises(InvalidAmount, match=r"INSUFFICIENT_INPUT_AMOUNT.*pool 'eth_usdc'"):
        pool.swap_exact_in("ETH", "USDC", 0)
    with pytest.raises(InvalidAmount, match="INSUFFICIENT_OUTPUT_AMOUNT"):
        pool.swap(0, 0, 1, 0)
    assert pool.fee_bps == 30
    empty = ConstantProductPool("empty", ("A", "B"), (18, 18))
    with pytest.raises(InsufficientLiquidity, match="no liquidity"):
        empty.quote_exact_in("A", "B", 10)
    with pytest.raises(InsufficientLiquidity, match="empty"):
        empty.spot_price("A", "B")


def test_one_wei_swap_too_small_to_pay_reverts_cleanly() -> None:
    pool = make_pool()  # 1 wei of ETH buys 0 micro-USDC
    assert pool.quote_exact_in("ETH", "USDC", 1) == 0
    before = snapshot(pool)
    with pytest.raises(InvalidAmount, match="INSUFFICIENT_OUTPUT_AMOUNT"):
        pool.swap_exact_in("ETH", "USDC", 1)
    assert snapshot(pool) == before
    # the other way 1 micro-USDC buys about 3.3e8 wei
    swap = pool.swap_exact_in("USDC", "ETH", 1)
    assert swap.amount_out == get_amount_out(1, 3_000_000 * 10**6, 1_000 * E18)
    assert swap.amount_out > 0


# ---------------------------------------------------------- mint and burn


def test_first_mint_locks_minimum_liquidity() -> None:
    pool = ConstantProductPool("p", ("A", "B"), (18, 18))
    with pytest.raises(InsufficientLiquidity, match="INSUFFICIENT_LIQUIDITY_MINTED"):
        pool.mint("alice", 1000, 1000)  # sqrt is exactly 1000: nothing left to mint
    assert snapshot(pool) == (0, 0, 0, {}, 0)
    liquidity = pool.mint("alice", 4 * E18, 9 * E18)
    assert liquidity == 6 * E18 - 1000
    assert pool.balance_of == {ZERO_ADDRESS: MINIMUM_LIQUIDITY, "alice": 6 * E18 - 1000}
    assert pool.total_supply == 6 * E18
    # alice can never get the locked part back
    a0, a1 = pool.burn("alice", liquidity)
    assert (a0, a1) == (liquidity * 4 * E18 // (6 * E18), liquidity * 9 * E18 // (6 * E18))
    assert pool.total_supply == MINIMUM_LIQUIDITY
    assert pool.reserve0 > 0 and pool.reserve1 > 0


def test_later_mint_takes_minimum_share_and_excess_stays() -> None:
    pool = ConstantProductPool("p", ("A", "B"), (18, 18))
    pool.mint("alice", 1_000_000, 4_000_000)  # supply 2_000_000
    # bob sends the right ratio: 1% of each
    assert pool.mint("bob", 10_000, 40_000) == 20_000
    # carol sends 1% of A but 3% of B: she gets 1% of the supply, the extra B is a gift
    assert pool.mint("carol", 10_100, 123_456) == 10_100 * 2_020_000 // 1_010_000
    assert pool.reserve0 == 1_020_100
    assert pool.reserve1 == 4_163_456  # all of carol's B, excess included
    assert sum(pool.balance_of.values()) == pool.total_supply
    with pytest.raises(InsufficientLiquidity, match="deposit both tokens"):
        pool.mint("dave", 0, 10**6)


def test_burn_checks() -> None:
    pool = make_pool(reserve0=10**6, reserve1=10**6)
    with pytest.raises(InvalidAmount, match="'bob' holds 0 LP tokens"):
        pool.burn("bob", 1)
    pool.mint("bob", 1, 1)  # 1 LP token, exactly 1:1
    assert pool.balance_of["bob"] == 1
    before = snapshot(pool)
    with pytest.raises(InsufficientLiquidity, match="INSUFFICIENT_LIQUIDITY_BURNED"):
        pool.burn("bob", 0)
    assert pool.burn("bob", 1) == (1, 1)
    assert snapshot(pool) != before
    assert "bob" not in pool.balance_of


def test_router_add_and_remove_liquidity() -> None:
    pool = ConstantProductPool("p", ("A", "B"), (18, 18))
    assert pool.add_liquidity("alice", 10**6, 4 * 10**6) == (10**6, 4 * 10**6, 2 * 10**6 - 1000)
    # too much B: the router uses only what matches the A offered
    assert pool.add_liquidity("bob", 1000, 10**6)[:2] == (1000, 4000)
    # too much A: then A is trimmed to the B offered
    assert pool.add_liquidity("bob", 10**6, 4000)[:2] == (1000, 4000)
    before = snapshot(pool)
    with pytest.raises(SlippageExceeded, match="INSUFFICIENT_B_AMOUNT"):
        pool.add_liquidity("bob", 1000, 10**6, amount1_min=4001)
    with pytest.raises(SlippageExceeded, match="INSUFFICIENT_A_AMOUNT"):
        pool.add_liquidity("bob", 10**6, 4000, amount0_min=1001)
    with pytest.raises(SlippageExceeded, match="INSUFFICIENT_A_AMOUNT"):
        pool.remove_liquidity("bob", 4000, amount0_min=2001)
    assert snapshot(pool) == before
    assert pool.remove_liquidity("bob", 4000, 2000, 8000) == (2000, 8000)
    assert "bob" not in pool.balance_of  # a zero balance is dropped


# ---------------------------------------------------------- protocol fee


def test_protocol_fee_hand_computed() -> None:
    """mint, swaps, burn with fee_to set; every number below is worked out by hand."""
    pool = ConstantProductPool("p", ("A", "B"), (18, 18), fee_bps=30, fee_to="treasury")
    assert pool.mint("alice", 10_000, 10_000) == 9_000  # sqrt(10^8) - 1000
    assert pool.k_last == 100_000_000  # set because the fee is on
    # a same-token swap: 1 A out, 2101 A in -> reserves 12_100 / 10_000, k = 11_000^2
    pool.swap(1, 0, 2101, 0)
    assert pool.balance_of.get("treasury", 0) == 0  # never minted on a swap
    assert pool.k_last == 100_000_000
    # burn: rootK 11_000, rootKLast 10_000, supply 10_000:
    #   fee = 10_000 * 1_000 // (11_000 * 5 + 10_000) = 10_000_000 // 65_000 = 153
    #   supply becomes 10_153; alice's 9_000 pays 9_000 * 12_100 // 10_153 = 10_725 A
    #   and 9_000 * 10_000 // 10_153 = 8_864 B
    assert pool.burn("alice", 9_000) == (10_725, 8_864)
    assert pool.balance_of == {ZERO_ADDRESS: 1000, "treasury": 153}
    assert pool.total_supply == 1_153
    assert (pool.reserve0, pool.reserve1) == (1_375, 1_136)
    assert pool.k_last == 1_375 * 1_136
    # fee switched off: the next liquidity event resets k_last to 0 and mints nothing
    pool.fee_to = None
    pool.swap_exact_in("A", "B", 500)
    pool.mint("bob", 1_000, 1_000)
    assert pool.k_last == 0
    assert pool.balance_of["treasury"] == 153


def test_protocol_fee_with_swaps_is_one_sixth_of_sqrt_k_growth() -> None:
    pool = make_pool(reserve0=10**6 * E18, reserve1=10**6 * E18, decimals=(18, 18), fee_to="t")
    supply = pool.total_supply
    root_k_last = isqrt(pool.k_last)
    for _ in range(20):
        pool.swap_exact_in("ETH", "USDC", 10**5 * E18)
        pool.swap_exact_in("USDC", "ETH", 10**5 * E18)
    root_k = isqrt(pool.reserve0 * pool.reserve1)
    expected = supply * (root_k - root_k_last) // (5 * root_k + root_k_last)
    assert expected > 0
    pool.mint("bob", E18, E18)
    assert pool.balance_of["t"] == expected
    # the fee is 1/6 of the value growth: its share of sqrt(k) is (rootK - rootKLast) / 6
    share = Fraction(expected, supply + expected) * root_k
    assert abs(share - Fraction(root_k - root_k_last, 6)) < 1


# --------------------------------------------------------------- overflow


def test_uint112_overflow() -> None:
    pool = ConstantProductPool("big", ("A", "B"), (18, 18))
    with pytest.raises(InvalidAmount, match=r"OVERFLOW.*uint112"):
        pool.mint("alice", UINT112_MAX + 1, 10**6)
    assert snapshot(pool) == (0, 0, 0, {}, 0)
    pool.mint("alice", UINT112_MAX - 10**9, UINT112_MAX // 2)
    before = snapshot(pool)
    with pytest.raises(InvalidAmount, match="OVERFLOW"):
        pool.swap_exact_in("A", "B", 10**9 + 1)
    with pytest.raises(InvalidAmount, match="OVERFLOW"):
        pool.mint("bob", 10**9 + 1, UINT112_MAX // 2)
    assert snapshot(pool) == before
    pool.swap_exact_in("A", "B", 10**9)  # lands exactly on uint112
    assert pool.reserve0 == UINT112_MAX
    out = pool.quote_exact_in("B", "A", UINT112_MAX // 4)
    assert out > 0
    pool.swap_exact_in("B", "A", UINT112_MAX // 4)
    assert pool.reserve0 * pool.reserve1 >= (UINT112_MAX) * (UINT112_MAX // 2 + 1)


# ------------------------------------------------------------- arbitrage


# ---------------------------------------------------------------- properties


ops_strategy = st.lists(
    st.tuples(
        st.sampled_from(["swap", "swap", "swap", "mint", "burn"]),
        st.integers(0, 2),  # actor
        st.booleans(),  # direction
        st.floats(0.0, 1.0),  # size fraction
        st.floats(0.5, 2.0),  # mint ratio skew
    ),
    max_size=40,
)


@given(
    ops_strategy,
    st.sampled_from([0, 30, 100]),
    st.sampled_from([None, "treasury"]),
    st.integers(2_000, 10**26),
    st.integers(2_000, 10**26),
)
@PROPS
def test_no_sequence_creates_tokens(
    ops: list[tuple[str, int, bool, float, float]],
    fee_bps: int,
    fee_to: str | None,
    r0: int,
    r1: int,
) -> None:
    """Pool + wallets hold the same tokens after any mix of swaps, mints and burns."""
    pool = ConstantProductPool("p", ("A", "B"), (18, 18), fee_bps, fee_to)
    pool.mint("lp0", r0, r1)
    actors = ["lp0", "lp1", "lp2"]
    wallets = {who: [10 * r0, 10 * r1] for who in actors}
    total0 = pool.reserve0 + sum(w[0] for w in wallets.values())
    total1 = pool.reserve1 + sum(w[1] for w in wallets.values())
    k = pool.reserve0 * pool.reserve1
    value_per_share = Fraction(k, pool.total_supply**2)
    for kind, actor, zero_for_one, size, skew in ops:
        who = actors[actor]
        wallet = wallets[who]
        before = snapshot(pool)
        try:
            if kind == "swap":
                i = 0 if zero_for_one else 1
                amount = int(wallet[i] * size * 0.5)
                swap = pool.swap_exact_in("AB"[i], "AB"[1 - i], amount)
                wallet[i] -= swap.amount_in
                wallet[1 - i] += swap.amount_out
                new_k = pool.reserve0 * pool.reserve1
                assert new_k >= k  # k never decreases across a swap
                k = new_k
            elif kind == "mint":
                a0 = int(pool.reserve0 * size * 0.5)
                a1 = min(wallet[1], int(a0 * pool.reserve1 * skew) // pool.reserve0)
                a0 = min(a0, wallet[0])
                pool.mint(who, a0, a1)
                wallet[0] -= a0
                wallet[1] -= a1
                k = pool.reserve0 * pool.reserve1
            else:
                held = pool.balance_of.get(who, 0)
                got0, got1 = pool.burn(who, int(held * size))
                wallet[0] += got0
                wallet[1] += got1
                k = pool.reserve0 * pool.reserve1
        except PoolError:
            assert snapshot(pool) == before  # a revert changes nothing
        assert min(wallet) >= 0
        assert pool.reserve0 + sum(w[0] for w in wallets.values()) == total0
        assert pool.reserve1 + sum(w[1] for w in wallets.values()) == total1
        assert sum(pool.balance_of.values()) == pool.total_supply
        assert pool.balance_of[ZERO_ADDRESS] == MINIMUM_LIQUIDITY
        if fee_to is None:  # LP value per share (k / supply^2) never decreases
            new_value = Fraction(pool.reserve0 * pool.reserve1, pool.total_supply**2)
            assert new_value >= value_per_share
            value_per_share = new_value


@given(st.integers(1, 10**28), st.booleans(), st.sampled_from([0, 1, 30, 1000]))
@PROPS
def test_round_trip_never_profits(amount: int, zero_for_one: bool, fee_bps: int) -> None:
    pool = make_pool(fee_bps=fee_bps)
    t_in, t_out = ("ETH", "USDC") if zero_for_one else ("USDC", "ETH")
    k = pool.reserve0 * pool.reserve1
    try:
        got = pool.swap_exact_in(t_in, t_out, amount).amount_out
        back = pool.swap_exact_in(t_out, t_in, got).amount_out
    except PoolError:
        return
    assert back <= amount
    if fee_bps > 0:
        assert back < amount
    assert pool.reserve0 * pool.reserve1 >= k


@given(
    st.integers(1, 10**12),
    st.integers(1, 10**6),
    st.integers(1, 10**30),
    st.booleans(),
)
@PROPS
def test_imbalanced_pools_and_one_wei_trades(small: int, ratio: int, amount: int, up: bool) -> None:
    """Pools skewed up to 1:10^6 and beyond; 1-wei trades: exact, and K always holds."""
    r_small = 1000 + small
    r_big = r_small * ratio * 10**6
    assume(r_big <= UINT112_MAX)
    pool = ConstantProductPool("skew", ("S", "L"), (6, 18), 30)
    pool.mint("lp", r_small, r_big)
    for t_in, t_out, a in [("S", "L", 1), ("L", "S", 1), ("S", "L", amount), ("L", "S", amount)]:
        if not up:
            t_in, t_out = t_out, t_in
        k = pool.reserve0 * pool.reserve1
        try:
            out = pool.quote_exact_in(t_in, t_out, a)
            swap = pool.swap_exact_in(t_in, t_out, a)
        except PoolError as error:
            assert isinstance(error, InvalidAmount)  # zero output or uint112 overflow
            continue
        assert swap.amount_out == out > 0
        assert pool.reserve0 * pool.reserve1 >= k


# ---------------------------------------------------- real-contract vectors


def load_vectors() -> dict[str, object]:
    assert VECTORS.exists(), f"{VECTORS} missing: run tools/gen_v2_vectors.py"
    return json.loads(VECTORS.read_text())


def check_state(pool: ConstantProductPool, state: dict[str, object], where: str) -> None:
    assert pool.reserve0 == int(state["reserve0"]), where  # type: ignore[arg-type]
    assert pool.reserve1 == int(state["reserve1"]), where  # type: ignore[arg-type]
    assert pool.total_supply == int(state["total_supply"]), where  # type: ignore[arg-type]
    assert pool.k_last == int(state["k_last"]), where  # type: ignore[arg-type]
    expected = {k: int(v) for k, v in state["balance_of"].items()}  # type: ignore[attr-defined]
    assert {k: v for k, v in pool.balance_of.items() if v} == expected, where


def test_vectors_cover_what_they_claim() -> None:
    doc = load_vectors()
    ops = [op for sc in doc["scenarios"] for op in sc["ops"]]  # type: ignore[attr-defined]
    reasons = {op.get("revert") for op in ops} - {None}
    assert {
        "UniswapV2: K",
        "UniswapV2: OVERFLOW",
        "UniswapV2: INSUFFICIENT_LIQUIDITY_MINTED",
    } <= reasons
    assert sum(op["op"] == "burn" for op in ops) >= 5
    assert any(op.get("fee_to") for op in ops)
    assert len(ops) >= 100


@pytest.mark.parametrize("index", range(4))
def test_replay_real_uniswap_v2_vectors(index: int) -> None:
    """Replay the ops run on the deployed V2 bytecode; every integer must match."""
    doc = load_vectors()
    scenario = doc["scenarios"][index]  # type: ignore[index]
    pool = ConstantProductPool("v2", ("T0", "T1"), (18, 18), fee_bps=int(doc["fee_bps"]))  # type: ignore[call-overload]
    for n, op in enumerate(scenario["ops"]):
        where = f"{scenario['name']} op {n}: {op['op']}"
        kind = op["op"]
        if kind == "set_fee_to":
            pool.fee_to = op["fee_to"]
        elif kind == "mint":
            args = (op["to"], int(op["amount0"]), int(op["amount1"]))
            if "revert" in op:
                with pytest.raises(PoolError, match=re.escape(op["revert"])):
                    pool.mint(*args)
            else:
                assert pool.mint(*args) == int(op["liquidity"]), where
        elif kind == "burn":
            got = pool.burn(op["to"], int(op["liquidity"]))
            assert got == (int(op["amount0"]), int(op["amount1"])), where
        else:
            assert kind == "swap", where
            amounts = [
                int(op[k]) for k in ("amount0_out", "amount1_out", "amount0_in", "amount1_in")
            ]
            if "revert" in op:
                with pytest.raises(PoolError, match=re.escape(op["revert"])):
                    pool.swap(*amounts)
            else:
                r_in, r_out = (
                    (pool.reserve0, pool.reserve1) if amounts[2] else (pool.reserve1, pool.reserve0)
                )
                amount_in = amounts[2] or amounts[3]
                assert get_amount_out(amount_in, r_in, r_out) == max(amounts[:2]), where
                pool.swap(*amounts)
        check_state(pool, op["state"], where)
