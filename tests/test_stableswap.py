"""Tests of sim/pools/stableswap.py, the port of Curve's SwapTemplateBase.vy plain pool."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.errors import InsufficientLiquidity, InvalidAmount, PoolError, SlippageExceeded
from sim.pools.base import Pool, search_arb_amount_in
from sim.pools.curve import stableswap
from sim.pools.curve.stableswap import (
    A_PRECISION,
    FEE_DENOMINATOR,
    MIN_RAMP_TIME,
    RateOracle,
    StableSwapPool,
    newton_y_result,
)

VECTORS = Path(__file__).parent / "vectors" / "stableswap.json"
E18 = 10**18
PROPS = settings(
    max_examples=40,
    deadline=None,
    database=None,  # no .hypothesis directory in the work tree
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(autouse=True, params=["native", "python"])
def kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here runs twice: on the C kernels of the 2-coin hot path, and on the Python
    reference of the same contract steps (tests/test_stableswap_native.py compares the two)."""
    if request.param == "python":
        monkeypatch.setattr(stableswap, "_native_D_2", None)
        monkeypatch.setattr(stableswap, "_native_y_2", None)
    elif stableswap._native_D_2 is None:
        pytest.skip("the native kernels are not built (no C compiler at install time)")
    return request.param


def make_pool(
    decimals: tuple[int, ...] = (18, 18),
    A: int = 100,
    fee: int = 4_000_000,
    admin_fee: int = 5_000_000_000,
    whole: tuple[int, ...] | None = None,
) -> StableSwapPool:
    """A pool with tokens T0..Tn-1 seeded by `whole` coins of each (default 1M each)."""
    n = len(decimals)
    pool = StableSwapPool("test", tuple(f"T{k}" for k in range(n)), decimals, A, fee, admin_fee)
    whole = whole or (1_000_000,) * n
    pool.add_liquidity([w * 10**d for w, d in zip(whole, decimals, strict=True)], 0, "seed")
    return pool


def snapshot(pool: StableSwapPool) -> tuple[object, ...]:
    return (
        list(pool.balances),
        list(pool.admin_balances),
        pool.total_supply,
        dict(pool.balance_of),
        pool.initial_A,
        pool.future_A,
        pool.initial_A_time,
        pool.future_A_time,
    )


# --------------------------------------------------------------- worked examples


def test_balanced_first_deposit_mints_the_sum_and_virtual_price_is_one() -> None:
    # For x0 == x1 the invariant is exactly D = x0 + x1, so the first mint is the sum.
    pool = make_pool()
    assert pool.total_supply == 2_000_000 * E18
    assert pool.balance_of == {"seed": 2_000_000 * E18}
    assert pool.get_virtual_price() == E18
    assert pool.holdings() == {"T0": 10**24, "T1": 10**24}
    assert pool.kind == "stableswap"
    assert isinstance(pool, Pool)


def test_3pool_decimals_rates_and_first_deposit() -> None:
    pool = make_pool((18, 6, 6), A=2000, fee=1_000_000)
    assert pool.RATES == (10**18, 10**30, 10**30)
    assert pool.PRECISION_MUL == (1, 10**12, 10**12)
    assert pool._xp() == [10**24] * 3
    assert pool.total_supply == 3_000_000 * E18
    assert pool.get_virtual_price() == E18
    # 1 wei of a 6-decimal coin is 1e12 wei of the 18-decimal coin, less the 1 bp fee
    assert pool.get_dy(1, 0, 1) == 999_900_000_000
    # 1 USDC buys 0.9999 USDT minus the -1 wei rounding on 1e18-scaled balances
    assert pool.get_dy(1, 2, 10**6) == 999_899


def test_fee_is_taken_from_the_output_and_admin_share_leaves_balances() -> None:
    no_fee = make_pool(fee=0, whole=(1_000_000, 3_000_000))
    with_fee = make_pool(fee=4_000_000, whole=(1_000_000, 3_000_000))
    dx = 12_345 * E18
    raw = no_fee.get_dy(0, 1, dx)  # xp[j] - y - 1 for 18 decimals
    expected_fee = raw * 4_000_000 // FEE_DENOMINATOR
    before = list(with_fee.balances)
    swap = with_fee.swap_exact_in("T0", "T1", dx)
    assert swap.amount_out == raw - expected_fee
    assert swap.fee == expected_fee
    assert swap.fee_token == "T1"
    admin = expected_fee * 5_000_000_000 // FEE_DENOMINATOR
    assert with_fee.admin_balances == [0, admin]
    assert with_fee.balances == [before[0] + dx, before[1] - swap.amount_out - admin]
    assert with_fee.holdings()["T1"] == before[1] - swap.amount_out
    assert with_fee.withdraw_admin_fees() == [0, admin]
    assert with_fee.admin_balances == [0, 0]


def test_get_dy_equals_exchange_output_and_quote_never_mutates() -> None:
    pool = make_pool((18, 6, 6), A=2000, fee=1_000_000, whole=(2_000_000, 900_000, 1_500_000))
    before = snapshot(pool)
    q = pool.quote_exact_in("T1", "T0", 50_000 * 10**6)
    assert snapshot(pool) == before
    assert pool.exchange(1, 0, 50_000 * 10**6, q) == q


def test_fee_bps_and_spot_price_balanced() -> None:
    pool = make_pool((18, 6, 6), fee=4_000_000)
    assert pool.fee_bps == 4.0
    assert pool.spot_price("T0", "T1") == pytest.approx(1.0, abs=1e-15)
    assert pool.spot_price("T1", "T1") == 1.0


@pytest.mark.parametrize("A", [1, 10, 100, 2000])
def test_spot_price_matches_a_small_exact_trade(A: int) -> None:
    pool = make_pool((18, 6), A=A, fee=0, whole=(1_000_000, 150_000))
    for base, quote in (("T0", "T1"), ("T1", "T0")):
        d_in = 10 ** pool.decimals[pool.index(base)]
        d_out = 10 ** pool.decimals[pool.index(quote)]
        dx = 10 * d_in  # 10 whole coins: tiny against the pool, large against rounding
        small = pool.quote_exact_in(base, quote, dx) / d_out / (dx / d_in)
        assert pool.spot_price(base, quote) == pytest.approx(small, rel=1e-4)
    # the cheap coin (more of it in the pool) is worth less
    assert pool.spot_price("T0", "T1") < 1.0 < pool.spot_price("T1", "T0")


def test_imbalanced_add_liquidity_pays_the_imbalance_fee() -> None:
    pool = make_pool(fee=4_000_000)
    balanced = make_pool(fee=4_000_000)
    one_sided = pool.add_liquidity([100_000 * E18, 0], 0, "alice")
    even = balanced.add_liquidity([50_000 * E18, 50_000 * E18], 0, "alice")
    assert one_sided < even  # same value deposited, the imbalanced one pays
    assert even == 100_000 * E18  # balanced deposit: no fee, exact proportional mint
    assert pool.calc_token_amount([100_000 * E18, 0], True) > 0
    # a fee-free calc_token_amount overstates the fee-paying mint
    fresh = make_pool(fee=4_000_000)
    assert fresh.calc_token_amount([100_000 * E18, 0], True) > one_sided
    assert pool.admin_balances[0] > 0 and pool.admin_balances[1] > 0


def test_remove_liquidity_is_proportional_and_rounds_down() -> None:
    pool = make_pool((18, 6), whole=(1_000_000, 3_000_000))
    supply = pool.total_supply
    burn = supply // 3 + 1
    expected = [b * burn // supply for b in pool.balances]
    assert pool.remove_liquidity(burn, expected, "seed") == expected
    assert pool.total_supply == supply - burn
    assert pool.balance_of["seed"] == supply - burn


def test_remove_liquidity_one_coin_matches_calc_and_charges_admin_fee() -> None:
    pool = make_pool((18, 6, 6), A=2000, fee=1_000_000)
    lp = 10_000 * E18
    quote = pool.calc_withdraw_one_coin(lp, 1)
    dy, dy_fee, supply = pool._calc_withdraw_one_coin(lp, 1)
    assert (quote, supply) == (dy, pool.total_supply)
    before = pool.balances[1]
    assert pool.remove_liquidity_one_coin(lp, 1, quote, "seed") == quote
    assert pool.admin_balances[1] == dy_fee * 5_000_000_000 // FEE_DENOMINATOR
    assert pool.balances[1] == before - quote - pool.admin_balances[1]
    assert 9_990 * 10**6 < quote < 10_000 * 10**6


def test_remove_liquidity_imbalance_burns_one_extra_and_at_least_calc() -> None:
    pool = make_pool((18, 6, 6), A=2000, fee=1_000_000)
    amounts = [1000 * E18, 0, 3000 * 10**6]
    calc = pool.calc_token_amount(amounts, False)
    burned = pool.remove_liquidity_imbalance(amounts, calc * 2, "seed")
    assert burned > calc
    with pytest.raises(SlippageExceeded, match="Slippage screwed you"):
        pool.remove_liquidity_imbalance(amounts, calc, "seed")


# ------------------------------------------------------------------------ reverts


def test_reverts_are_typed_and_atomic() -> None:
    pool = make_pool((18, 6, 6))
    before = snapshot(pool)
    q = pool.get_dy(0, 1, E18)
    cases = [
        (SlippageExceeded, "fewer coins than expected", lambda: pool.exchange(0, 1, E18, q + 1)),
        (InvalidAmount, "itself", lambda: pool.exchange(1, 1, E18, 0)),
        (InvalidAmount, "0..2", lambda: pool.exchange(0, 3, E18, 0)),
        (InvalidAmount, "positive", lambda: pool.exchange(0, 1, 0, 0)),
        (InvalidAmount, "positive", lambda: pool.get_dy(0, 1, -5)),
        (InvalidAmount, "not 'X'", lambda: pool.quote_exact_in("X", "T0", 1)),
        (InvalidAmount, "3 amounts", lambda: pool.add_liquidity([1, 2], 0, "a")),
        (InvalidAmount, "negative", lambda: pool.add_liquidity([1, -2, 3], 0, "a")),
        (InvalidAmount, "increase", lambda: pool.add_liquidity([0, 0, 0], 0, "a")),
        (
            SlippageExceeded,
            "Slippage screwed",
            lambda: pool.add_liquidity([E18, 0, 0], 10**30, "a"),
        ),
        (InvalidAmount, "holds 0 LP", lambda: pool.remove_liquidity(1, [0, 0, 0], "nobody")),
        (
            SlippageExceeded,
            "Withdrawal resulted in fewer",
            lambda: pool.remove_liquidity(E18, [10**30, 0, 0], "seed"),
        ),
        (
            SlippageExceeded,
            "Not enough coins",
            lambda: pool.remove_liquidity_one_coin(E18, 0, E18, "seed"),
        ),
        (InvalidAmount, "holds 0 LP", lambda: pool.remove_liquidity_one_coin(E18, 0, 0, "nobody")),
        (InvalidAmount, "out of range", lambda: pool.calc_withdraw_one_coin(E18, 5)),
        (
            InvalidAmount,
            "zero LP",
            lambda: pool.remove_liquidity_imbalance([0, 0, 0], 10**30, "seed"),
        ),
        (
            InsufficientLiquidity,
            "cannot withdraw",
            lambda: pool.remove_liquidity_imbalance([10**30, 0, 0], 10**40, "seed"),
        ),
        (
            InvalidAmount,
            "holds 0 LP",
            lambda: pool.remove_liquidity_imbalance([E18, 0, 0], 10**30, "x"),
        ),
    ]
    for error, message, call in cases:
        with pytest.raises(error, match=message):
            call()
        assert snapshot(pool) == before


def test_floats_never_enter_the_pool_math() -> None:
    pool = make_pool()
    before = snapshot(pool)
    with pytest.raises(InvalidAmount, match="must be a Python int"):
        pool.exchange(0, 1, 1e18, 0)  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount, match="must be a Python int"):
        pool.get_dy(0, 1, True)
    with pytest.raises(InvalidAmount, match="must be a Python int"):
        pool.add_liquidity([1.5, 2], 0, "a")  # type: ignore[list-item]
    with pytest.raises(InvalidAmount, match="must be a Python int"):
        pool.remove_liquidity_one_coin(1e18, 0, 0, "seed")  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount, match="must be a Python int"):
        pool.ramp_A(200.0, 10**9)  # type: ignore[arg-type]
    assert snapshot(pool) == before
    with pytest.raises(PoolError, match="A must be a Python int"):
        StableSwapPool("p", ("A", "B"), (18, 18), 100.0, 0)  # type: ignore[arg-type]
    with pytest.raises(PoolError, match=r"decimals\[1\] must be a Python int"):
        StableSwapPool("p", ("A", "B"), (18, 6.0), 100, 0)  # type: ignore[arg-type]


def test_first_deposit_needs_every_coin_and_empty_pool_reverts() -> None:
    pool = StableSwapPool("p", ("A", "B"), (18, 18), 100, 4_000_000)
    with pytest.raises(InvalidAmount, match="initial deposit requires all coins"):
        pool.add_liquidity([E18, 0], 0, "a")
    with pytest.raises(PoolError, match="empty"):
        pool.get_virtual_price()
    with pytest.raises(PoolError, match="empty"):
        pool.calc_token_amount([E18, E18], True)
    assert pool.arb_amount_in("A", "B", 2.0) == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tokens": ("A",), "decimals": (18,)}, "2 to 4 coins"),
        ({"tokens": ("A", "B", "C", "D", "E"), "decimals": (18,) * 5}, "2 to 4 coins"),
        ({"tokens": ("A", "A"), "decimals": (18, 18)}, "distinct"),
        ({"decimals": (18,)}, "need 2 decimals"),
        ({"decimals": (18, 19)}, "decimals must be 0 to 18"),
        ({"A": 0}, "A must be between"),
        ({"A": 10**6}, "A must be between"),
        ({"fee": 5 * 10**9 + 1}, "fee must be"),
        ({"admin_fee": 10**10 + 1}, "admin_fee must be"),
    ],
)
def test_constructor_rejects_bad_parameters(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "name": "p",
        "tokens": ("A", "B"),
        "decimals": (18, 18),
        "A": 100,
        "fee": 4_000_000,
    }
    args.update(kwargs)
    with pytest.raises(PoolError, match=message):
        StableSwapPool(**args)  # type: ignore[arg-type]


# -------------------------------------------------------------------------- ramp A


def contract_A(A0: int, A1: int, t0: int, t1: int, now: int) -> int:
    """SwapTemplateBase.vy _A written out independently, in A_PRECISION units."""
    if now >= t1:
        return A1
    if A1 > A0:
        return A0 + (A1 - A0) * (now - t0) // (t1 - t0)
    return A0 - (A0 - A1) * (now - t0) // (t1 - t0)


@pytest.mark.parametrize(("start", "target"), [(100, 1000), (1000, 100), (7, 63), (500, 51)])
def test_ramp_A_interpolates_like_the_contract(start: int, target: int) -> None:
    pool = make_pool(A=start)
    t0 = 1_700_000_000
    t1 = t0 + 7 * 86400 + 1234
    pool.block_timestamp = t0
    pool.ramp_A(target, t1)
    for now in (t0, t0 + 1, t0 + 3600, t0 + 86400, (t0 + t1) // 2, t1 - 1, t1, t1 + 10**6):
        pool.block_timestamp = now
        expected = contract_A(start * A_PRECISION, target * A_PRECISION, t0, t1, now)
        assert pool.A_precise() == expected
        assert pool.A() == expected // A_PRECISION
    # mid-ramp the swap math uses the interpolated, non-integer A
    pool.block_timestamp = t0 + 100_003
    assert pool.A_precise() % A_PRECISION != 0
    q = pool.get_dy(0, 1, 1000 * E18)
    assert pool.exchange(0, 1, 1000 * E18, 0) == q


def test_ramp_A_rules_and_stop_ramp_A() -> None:
    pool = make_pool(A=100)
    pool.block_timestamp = MIN_RAMP_TIME - 1
    with pytest.raises(PoolError, match="since the last ramp"):
        pool.ramp_A(200, 10 * MIN_RAMP_TIME)
    now = 10 * MIN_RAMP_TIME
    pool.block_timestamp = now
    with pytest.raises(PoolError, match="insufficient time"):
        pool.ramp_A(200, now + MIN_RAMP_TIME - 1)
    with pytest.raises(PoolError, match="factor 10"):
        pool.ramp_A(1001, now + MIN_RAMP_TIME)
    with pytest.raises(PoolError, match="factor 10"):
        pool.ramp_A(9, now + MIN_RAMP_TIME)
    with pytest.raises(PoolError, match="between 1 and"):
        pool.ramp_A(0, now + MIN_RAMP_TIME)
    pool.ramp_A(1000, now + MIN_RAMP_TIME)  # the limits themselves are allowed
    pool.block_timestamp = now + MIN_RAMP_TIME // 4
    frozen = pool.A_precise()
    assert frozen == 100 * A_PRECISION + 900 * A_PRECISION // 4
    pool.stop_ramp_A()
    pool.block_timestamp = now + 10 * MIN_RAMP_TIME
    assert pool.A_precise() == frozen
    # a second ramp must wait MIN_RAMP_TIME after the stop
    pool.block_timestamp = now + MIN_RAMP_TIME // 4 + MIN_RAMP_TIME - 1
    with pytest.raises(PoolError, match="since the last ramp"):
        pool.ramp_A(frozen // A_PRECISION, pool.block_timestamp + MIN_RAMP_TIME)


def test_changing_A_changes_D_and_the_cache_follows() -> None:
    pool = make_pool(A=10, whole=(1_000_000, 5_000_000))
    d_low = pool.get_D(pool._xp(), pool.A_precise())
    q_low = pool.get_dy(0, 1, 100_000 * E18)
    pool.block_timestamp = 10 * MIN_RAMP_TIME
    pool.ramp_A(100, 20 * MIN_RAMP_TIME)
    pool.block_timestamp = 20 * MIN_RAMP_TIME
    d_high = pool.get_D(pool._xp(), pool.A_precise())
    assert d_high > d_low  # an imbalanced pool's D grows with A
    q_high = pool.get_dy(0, 1, 100_000 * E18)
    assert q_high < q_low  # T0 is scarce: on the flatter curve it buys less of T1
    # the cached D of the current state equals a fresh computation
    assert pool._get_D_cached(pool._xp(), pool._A()) == d_high
    pool.balances[0] += E18  # even a direct edit of balances invalidates the cache
    assert pool._get_D_cached(pool._xp(), pool._A()) == pool.get_D(pool._xp(), pool._A())


def test_D_is_carried_between_calls_on_an_unchanged_state() -> None:
    pool = make_pool((18, 6, 6), whole=(1_000_000, 2_000_000, 3_000_000))
    computed: list[list[int]] = []
    real_get_D = pool.get_D

    def counting_get_D(xp: list[int], amp: int) -> int:
        computed.append(list(xp))
        return real_get_D(xp, amp)

    pool.get_D = counting_get_D  # type: ignore[method-assign]
    quote = pool.get_dy(0, 1, 10**21)
    pool.get_dy(0, 2, 10**21)
    pool.calc_withdraw_one_coin(10**21, 2)
    pool.get_virtual_price()
    assert pool.exchange(0, 1, 10**21, quote) == quote
    assert len(computed) == 1  # one D for four views and the exchange on the same state
    pool.get_dy(1, 0, 10**6)
    assert len(computed) == 2  # the exchange changed the balances: a fresh D
    assert computed[1] == pool._xp()


# ---------------------------------------------------------------- reference vectors


def _vector_cases() -> list[dict[str, object]]:
    return json.loads(VECTORS.read_text())["cases"]


@pytest.mark.parametrize("case", _vector_cases(), ids=lambda c: c["name"])
def test_reference_vectors_replay_exactly(case: dict) -> None:
    n = len(case["decimals"])
    pool = StableSwapPool(
        case["name"],
        tuple(f"T{k}" for k in range(n)),
        tuple(case["decimals"]),
        case["A"],
        case["fee"],
        case["admin_fee"],
    )
    assert pool.add_liquidity(case["first_deposit"], 0, "lp") == case["first_mint"]
    for step, op in enumerate(case["ops"]):
        args = op["args"]
        where = f"{case['name']} step {step} {op['op']}"
        if op["op"] == "exchange":
            i, j, dx = args
            assert pool.get_dy(i, j, dx) == op["result"], where
            swap = pool.swap_exact_in(pool.tokens[i], pool.tokens[j], dx, op["result"])
            result = swap.amount_out
            assert swap.fee == op["fee"], where
        elif op["op"] == "add_liquidity":
            result = pool.add_liquidity(args[0], 0, "lp")
        elif op["op"] == "remove_liquidity_one_coin":
            assert pool.calc_withdraw_one_coin(args[0], args[1]) == op["result"], where
            result = pool.remove_liquidity_one_coin(args[0], args[1], op["result"], "lp")
        elif op["op"] == "remove_liquidity_imbalance":
            result = pool.remove_liquidity_imbalance(args[0], op["result"], "lp")
        else:
            result = pool.remove_liquidity(args[0], op["result"], "lp")
        assert result == op["result"], where
        state = op["state"]
        assert pool.balances == state["balances"], where
        assert pool.admin_balances == state["admin_balances"], where
        assert pool.total_supply == state["total_supply"], where
        assert pool.get_virtual_price() == state["virtual_price"], where


def _evm_cases() -> list[dict[str, object]]:
    return json.loads(VECTORS.read_text())["evm_cases"]


LIQUIDITY_OPS = {
    "add_liquidity",
    "remove_liquidity",
    "remove_liquidity_imbalance",
    "remove_liquidity_one_coin",
}


@pytest.mark.parametrize("case", _evm_cases(), ids=lambda c: c["name"])
def test_contract_vectors_replay_exactly_with_ramps_and_reverts(case: dict) -> None:
    """Replays SwapTemplateBase.vy itself (vyper 0.2.16 on py-evm), block time included."""
    n = len(case["decimals"])
    pool = StableSwapPool(
        case["name"],
        tuple(f"T{k}" for k in range(n)),
        tuple(case["decimals"]),
        case["A"],
        case["fee"],
        case["admin_fee"],
    )
    pool.block_timestamp = case["start_time"]
    assert pool.add_liquidity(case["first_deposit"], 0, "lp") == case["first_mint"]
    for step, op in enumerate(case["ops"]):
        where = f"{case['name']} step {step} {op['op']}"
        pool.block_timestamp = op["time"]
        if op["op"] != "sleep":
            args = list(op["args"]) + (["lp"] if op["op"] in LIQUIDITY_OPS else [])
            call = getattr(pool, op["op"])
            if op.get("revert"):
                before = snapshot(pool)
                with pytest.raises(PoolError):
                    call(*args)
                assert snapshot(pool) == before, where
            else:
                if op["op"] == "exchange":
                    assert pool.get_dy(*args[:3]) == op["result"], where
                assert call(*args) == op["result"], where
        state = op["state"]
        assert pool.A_precise() == state["A_precise"], where
        assert pool.balances == state["balances"], where
        assert pool.admin_balances == state["admin_balances"], where
        assert pool.total_supply == state["total_supply"], where
        assert pool.get_virtual_price() == state["virtual_price"], where


def test_contract_vectors_run_mid_ramp_and_include_reverts() -> None:
    ops = [op for c in _evm_cases() for op in c["ops"]]
    mid_ramp = [op for op in ops if op["state"]["A_precise"] % A_PRECISION]
    assert len(mid_ramp) > len(ops) // 2  # A_PRECISION's rounding is exercised
    reverted = {op["op"] for op in ops if op.get("revert")}
    assert {"exchange", "ramp_A"} <= reverted
    assert any(c["decimals"] == [18, 6, 6] for c in _evm_cases())


def test_vectors_cover_two_and_three_coins_and_every_operation() -> None:
    cases = _vector_cases()
    assert {len(c["decimals"]) for c in cases} >= {2, 3}
    assert any(c["decimals"] == [18, 6, 6] for c in cases)
    ops = {op["op"] for c in cases for op in c["ops"]}
    assert ops >= {
        "exchange",
        "add_liquidity",
        "remove_liquidity_one_coin",
        "remove_liquidity_imbalance",
    }


# ------------------------------------------------------------------ property tests

DECIMALS = st.sampled_from([18, 6, 8])


@st.composite
def pools(draw: st.DrawFn, n: int) -> StableSwapPool:
    decimals = tuple(draw(DECIMALS) for _ in range(n))
    A = draw(st.sampled_from([1, 5, 50, 200, 2000, 10_000]))
    fee = draw(st.sampled_from([0, 1_000_000, 4_000_000, 30_000_000]))
    admin_fee = draw(st.sampled_from([0, 5_000_000_000, 10_000_000_000]))
    whole = tuple(draw(st.integers(1_000, 10**9)) for _ in range(n))
    try:
        return make_pool(decimals, A, fee, admin_fee, whole)
    except PoolError:
        # get_D can cycle at low A and large imbalance: the contract reverts that deposit
        assume(False)
        raise


def amount_of(balance: int, exponent: int, mantissa: int) -> int:
    """`mantissa/10 * 10**exponent` of `balance`, at least 1 unit."""
    return max(1, balance * mantissa * 10**9 // 10 // 10 ** (9 - exponent))


OPS = st.lists(
    st.tuples(
        st.sampled_from(["exchange", "add", "one_coin", "imbalance", "remove"]),
        st.integers(0, 3),
        st.integers(0, 3),
        st.integers(-9, 0),  # size exponent relative to the balance
        st.integers(1, 10),  # size mantissa
    ),
    min_size=1,
    max_size=12,
)


def invariant_and_price(pool: StableSwapPool) -> tuple[int, int] | None:
    """(D, virtual price) of the pool, or None once the contract itself could not compute them.

    Draining a coin to a few wei (e.g. one LP withdrawing everything in one coin)
    leaves a pool whose get_D no longer converges in 255 rounds: the contract
    reverts there too, and only remove_liquidity works.
    """
    try:
        return pool.get_D(pool._xp(), pool._A()), pool.get_virtual_price()
    except PoolError:
        return None


def run_ops(
    pool: StableSwapPool, ops: list[tuple[str, int, int, int, int]], strict: bool = False
) -> None:
    """Apply `ops` checking conservation, atomic reverts and a non-decreasing virtual price.

    The contract's D is exact only to its integer Newton loops: where the LPs earn
    no fee (fee 0 or admin fee 100%) and the loops settle off the true root (low A,
    large imbalance), D may dip by a few wei (seen: 4 wei on 4.5e23 after an
    exchange) and the virtual price by a few units (seen: 33 on 1e18 after a
    one-coin withdrawal at A = 1). Unless `strict`, a dip of 1e-16 relative is
    allowed, and nothing more: any fee-sized leak is far larger.
    """
    n = pool.n
    # wallets: what the trader and the LP hold outside the pool, and the admin's take
    trader = [10**40] * n
    lp_wallet = [10**40] * n
    admin = [0] * n
    totals = [
        h + t + w for h, t, w in zip(pool.holdings().values(), trader, lp_wallet, strict=True)
    ]
    for kind, a, b, exponent, mantissa in ops:
        i, j = a % n, b % n
        state = invariant_and_price(pool)
        if state is None:
            return
        d_before, vp = state
        before = snapshot(pool)
        try:
            if kind == "exchange":
                if i == j:
                    j = (i + 1) % n
                dx = amount_of(pool.balances[i], exponent, mantissa)
                quote = pool.get_dy(i, j, dx)
                dy = pool.exchange(i, j, dx, quote)
                assert dy == quote
                trader[i] -= dx
                trader[j] += dy
            elif kind == "add":
                amounts = [
                    0 if (k == i and n > 2) else amount_of(pool.balances[k], exponent, mantissa)
                    for k in range(n)
                ]
                pool.add_liquidity(amounts, 0, "lp")
                lp_wallet = [w - x for w, x in zip(lp_wallet, amounts, strict=True)]
            elif kind == "one_coin":
                burn = amount_of(pool.balance_of.get("lp", 0) or 1, exponent, mantissa)
                lp_wallet[i] += pool.remove_liquidity_one_coin(burn, i, 0, "lp")
            elif kind == "imbalance":
                amounts = [0] * n
                amounts[i] = amount_of(pool.balances[i], min(exponent, -1), mantissa)
                amounts[j] += amount_of(pool.balances[j], min(exponent, -1), mantissa // 2 + 1)
                calc = pool.calc_token_amount(amounts, False)
                burned = pool.remove_liquidity_imbalance(amounts, 10**60, "lp")
                assert burned >= calc
                lp_wallet = [w + x for w, x in zip(lp_wallet, amounts, strict=True)]
            else:
                burn = amount_of(pool.balance_of.get("lp", 0) or 1, exponent, mantissa)
                paid = pool.remove_liquidity(burn, [0] * n, "lp")
                lp_wallet = [w + x for w, x in zip(lp_wallet, paid, strict=True)]
        except PoolError:
            assert snapshot(pool) == before  # a revert changes nothing
            continue
        if kind in ("add", "exchange"):
            # the admin may withdraw at any time; its take is conserved too
            admin = [x + y for x, y in zip(admin, pool.withdraw_admin_fees(), strict=True)]
        holdings = list(pool.holdings().values())
        now = [sum(v) for v in zip(holdings, trader, lp_wallet, admin, strict=True)]
        assert now == totals, f"tokens created or lost by {kind}"
        assert sum(pool.balance_of.values()) == pool.total_supply
        assert all(x >= 0 for x in pool.balances + pool.admin_balances)
        if pool.total_supply == 0:
            return
        state = invariant_and_price(pool)
        if state is None:
            return
        d_after, new_vp = state
        d_slack, vp_slack = (0, 0) if strict else (4 + d_before // 10**16, 1 + vp // 10**16)
        if kind == "exchange":
            assert d_after >= d_before - d_slack, f"D fell on exchange: {d_before} -> {d_after}"
        assert new_vp >= vp - vp_slack, f"virtual price fell on {kind}: {vp} -> {new_vp}"


@pytest.mark.parametrize("n", [2, 3, 4])
def test_operation_sequences_conserve_tokens_and_never_lower_virtual_price(n: int) -> None:
    @PROPS
    @given(pool=pools(n), ops=OPS)
    def check(pool: StableSwapPool, ops: list[tuple[str, int, int, int, int]]) -> None:
        pool.balance_of["lp"] = pool.balance_of.pop("seed")
        run_ops(pool, ops)

    check()


@st.composite
def healthy_pools(draw: st.DrawFn, n: int) -> StableSwapPool:
    """Pools where LPs keep part of a non-zero fee and D's Newton loop is well conditioned."""
    decimals = tuple(draw(DECIMALS) for _ in range(n))
    A = draw(st.sampled_from([50, 200, 2000, 10_000]))
    fee = draw(st.sampled_from([1_000_000, 4_000_000, 30_000_000]))
    admin_fee = draw(st.sampled_from([0, 5_000_000_000]))
    whole = tuple(draw(st.integers(100_000, 10**7)) for _ in range(n))
    return make_pool(decimals, A, fee, admin_fee, whole)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_fee_earning_pools_never_lower_D_or_virtual_price_at_all(n: int) -> None:
    @PROPS
    @given(pool=healthy_pools(n), ops=OPS)
    def check(pool: StableSwapPool, ops: list[tuple[str, int, int, int, int]]) -> None:
        pool.balance_of["lp"] = pool.balance_of.pop("seed")
        run_ops(pool, ops, strict=True)

    check()


@pytest.mark.parametrize("n", [2, 3, 4])
def test_round_trip_never_profits_and_larger_inputs_never_pay_less(n: int) -> None:
    @PROPS
    @given(
        pool=pools(n),
        i=st.integers(0, 3),
        j=st.integers(0, 3),
        exponent=st.integers(-12, 0),
        mantissa=st.integers(1, 10),
        extra=st.integers(1, 10**6),
    )
    def check(
        pool: StableSwapPool, i: int, j: int, exponent: int, mantissa: int, extra: int
    ) -> None:
        i, j = i % n, j % n
        assume(i != j)
        dx = amount_of(pool.balances[i], exponent, mantissa)
        try:
            small = pool.get_dy(i, j, dx)
        except InvalidAmount:
            small = 0  # too small to buy anything
        try:
            large = pool.get_dy(i, j, dx + extra)
        except PoolError:
            return  # the contract reverts this one (its Newton loop, not the size)
        assert large >= small
        if small == 0:
            return
        back_dy = pool.exchange(i, j, dx, small)
        try:
            back = pool.exchange(j, i, back_dy, 0)
        except PoolError:
            back = 0  # a reverted way back returns nothing either
        # The contract's guard against round-trip profit is its fee: with fee = 0 its Newton
        # rounding (and so this port's) can return a few dozen wei more than went in, in
        # extreme states such as A = 1 with one coin 300x the others. Strict wherever a fee is.
        if pool.fee:
            assert back <= dx

    check()


def test_two_coin_shortcut_without_oracles_equals_the_contracts_rate_divisions() -> None:
    """Without rate oracles the 2-coin path scales balances by PRECISION_MUL instead of
    `rate // PRECISION`; an oracle reading exactly 1e18 forces the contract's divisions
    on the same rates, so every quote and swap must agree to the wei."""

    @PROPS
    @given(
        pool=pools(2),
        i=st.integers(0, 1),
        exponent=st.integers(-12, 0),
        mantissa=st.integers(1, 10),
    )
    def check(pool: StableSwapPool, i: int, exponent: int, mantissa: int) -> None:
        twin = copy.deepcopy(pool)
        twin.set_rate_oracle(i, RateOracle("unit", lambda: E18))
        assert twin._stored_rates() == pool.rate_multipliers
        assert twin._stored_rates() is not twin.rate_multipliers  # the division path
        dx = amount_of(pool.balances[i], exponent, mantissa)
        try:
            quote = pool.get_dy(i, 1 - i, dx)
        except PoolError as err:
            with pytest.raises(type(err)):
                twin.get_dy(i, 1 - i, dx)
            return
        assert twin.get_dy(i, 1 - i, dx) == quote
        assert pool.exchange(i, 1 - i, dx, 0) == twin.exchange(i, 1 - i, dx, 0) == quote
        assert pool.balances == twin.balances
        assert pool.admin_balances == twin.admin_balances

    check()


# ------------------------------------------------------------------------- edges


def test_one_wei_trades() -> None:
    pool = make_pool((18, 6))
    # 1 wei of an 18-decimal coin buys nothing of a 6-decimal one: the pool keeps it
    before = pool.holdings()
    assert pool.exchange(0, 1, 1, 0) == 0
    assert pool.holdings() == {"T0": before["T0"] + 1, "T1": before["T1"]}
    assert pool.get_dy(0, 1, 10**12) == 0  # the -1 wei and the fee eat one micro-coin
    assert pool.get_dy(0, 1, 2 * 10**12) == 1
    # 1 wei of the 6-decimal coin buys 1e12 wei of the other, less fee and the -1 rounding
    out = pool.exchange(1, 0, 1, 0)
    assert out == (10**12 - 1 - (10**12 - 1) * 4_000_000 // FEE_DENOMINATOR)
    same = make_pool((18, 18))
    assert same.get_dy(0, 1, 2) == 1
    assert same.exchange(0, 1, 2, 1) == 1
    # here Newton lands on y == xp[j], so `xp[j] - y - 1` underflows: the contract
    # reverts (curvesim's port gives dy = -1 for the same state)
    odd = StableSwapPool("odd", ("A", "B"), (18, 18), 1, 0, 0)
    odd.add_liquidity([8784274279797043531745143, 120553056774785006788298], 0, "lp")
    before = snapshot(odd)
    with pytest.raises(InvalidAmount, match="too small to buy"):
        odd.exchange(0, 1, 1, 0)
    assert snapshot(odd) == before


def test_pool_imbalanced_one_to_a_million() -> None:
    pool = make_pool((18, 18), A=100, whole=(1, 1_000_000))
    assert pool.spot_price("T1", "T0") < 0.01  # the plentiful coin is nearly worthless
    # buying the scarce coin: the pool can never pay out more than it holds
    out = pool.exchange(1, 0, 10_000_000 * E18, 0)
    assert 0 < out < E18
    assert pool.balances[0] > 0
    # selling the scarce coin back pays a lot of the plentiful one
    assert pool.get_dy(0, 1, E18 // 10) > 1000 * E18
    run_ops(pool_with_lp(pool), [("exchange", 0, 1, -3, 5), ("one_coin", 0, 0, -2, 3)])


def pool_with_lp(pool: StableSwapPool) -> StableSwapPool:
    pool.balance_of["lp"] = pool.balance_of.pop("seed")
    return pool


def test_get_D_cycles_like_the_contract_at_A_1_and_large_imbalance() -> None:
    # Traced by hand: the contract's integer Newton step alternates between
    # ...710457 and ...710461 for xp = [1e25, 1e21], A = 1, never within 1 wei,
    # so its 255-round loop ends in `raise` (a revert). The mirror does the same.
    pool = StableSwapPool("p", ("A", "B"), (18, 18), 1, 0)
    with pytest.raises(PoolError, match="did not converge"):
        pool.get_D([10**25, 10**21], 1 * A_PRECISION)
    with pytest.raises(PoolError, match="did not converge"):
        pool.add_liquidity([10**25, 10**21], 0, "a")
    assert pool.total_supply == 0
    # the same coins in the other order converge (the floor divisions differ)
    assert pool.get_D([10**21, 10**25], 1 * A_PRECISION) > 0


@pytest.mark.parametrize("A", [1, 2, 10, 100, 1000, 10_000])
def test_A_from_1_to_10000(A: int) -> None:
    pool = make_pool((18, 18), A=A, whole=(1_000_000, 4_000_000))
    dx = 100_000 * E18
    out = pool.get_dy(0, 1, dx)
    assert pool.exchange(0, 1, dx, out) == out
    # higher A: flatter curve, closer to 1:1 (checked against the next A up)
    if A < 10_000:
        flatter = make_pool((18, 18), A=A * 10, whole=(1_000_000, 4_000_000))
        assert flatter.get_dy(0, 1, dx) < out  # T0 is scarce: a flat curve pays less for it


def test_large_amounts_and_uint256_overflow() -> None:
    big = 10**14  # a hundred trillion coins of each
    pool = make_pool((18, 18, 18), A=1000, whole=(big, big, big))
    out = pool.exchange(0, 1, big * E18 // 2, 0)
    assert 0 < out < big * E18
    assert pool.get_virtual_price() >= E18
    with pytest.raises(PoolError, match="overflow"):
        make_pool((18, 18), A=10_000, whole=(10**30, 10**30))


# --------------------------------------------------------------------- arbitrage


def profit(pool: StableSwapPool, t_in: str, t_out: str, price: float, amount: int) -> float:
    if amount == 0:
        return 0.0
    d_in = 10 ** pool.decimals[pool.index(t_in)]
    d_out = 10 ** pool.decimals[pool.index(t_out)]
    return pool.quote_exact_in(t_in, t_out, amount) / d_out * price - amount / d_in


@pytest.mark.parametrize("decimals", [(18, 18), (18, 6), (6, 18, 6)])
@pytest.mark.parametrize("price", [1.002, 1.01, 1.2])
def test_arb_amount_in_finds_the_best_trade(decimals: tuple[int, ...], price: float) -> None:
    pool = make_pool(decimals, A=200, fee=4_000_000, whole=(1_000_000,) * len(decimals))
    amount = pool.arb_amount_in("T0", "T1", price)
    assert amount > 0
    best = profit(pool, "T0", "T1", price, amount)
    assert best > 0
    for factor in (0.9, 0.99, 1.01, 1.1):
        assert profit(pool, "T0", "T1", price, int(amount * factor)) <= best
    baseline = search_arb_amount_in(pool, "T0", "T1", price)
    # equal up to the output's integer granularity: one unit of T1 is worth price / 10**dec
    unit = price / 10 ** pool.decimals[1]
    assert best >= profit(pool, "T0", "T1", price, baseline) - 2 * unit - 1e-9 * best


def test_arb_amount_in_is_zero_inside_the_fee_band() -> None:
    pool = make_pool((18, 6), fee=4_000_000)
    assert pool.arb_amount_in("T0", "T1", 1.0) == 0
    assert pool.arb_amount_in("T0", "T1", 1.0003) == 0  # 3 bps < 4 bps fee
    assert pool.arb_amount_in("T0", "T1", 0.5) == 0
    assert pool.arb_amount_in("T0", "T1", float("nan")) == 0
    assert pool.arb_amount_in("T0", "T1", 1.001) > 0


# --------------------------------------------------------------- the y loop in closed form


def contract_y_loop(B: int, c: int, D: int) -> int | str:
    """The contract's y iteration itself (from y = D), with its reverts as strings."""
    y = D
    for _ in range(255):
        y_prev = y
        num, den = y * y + c, 2 * y + B
        if den <= 0:
            return "underflow"
        if num > 2**256 - 1:
            return "overflow"
        y = num // den
        if abs(y - y_prev) <= 1:
            return y
    return "no convergence"


@settings(max_examples=3000, deadline=None, database=None)
@given(
    D=st.integers(1, 2**128),
    c=st.integers(0, 2**250),
    B=st.integers(-(2**128), 2**128),
)
def test_closed_form_y_equals_the_contract_loop_wherever_it_answers(B: int, c: int, D: int) -> None:
    fast = newton_y_result(B, c, D)
    if fast is not None:
        assert fast == contract_y_loop(B, c, D)
    check_native_y(B, c, D)


def check_native_y(B: int, c: int, D: int) -> None:
    """The C kernel's y (one Newton step from a float estimate where its closed form vouches,
    else the loop from y = D) must be the loop's result, and None exactly where it reverts."""
    if stableswap._native_y_2 is None or B + D < 0 or c < 0:  # the Python run, or not uint256
        return
    from sim.pools.curve._stableswap_native import y_from

    expected = contract_y_loop(B, c, D)
    assert y_from(B + D, c, D) == (expected if isinstance(expected, int) else None)


@settings(max_examples=2000, deadline=None, database=None)
@given(
    r=st.integers(1, 2**100),
    below=st.integers(1, 64),
    spread=st.integers(2, 2**100),
    data=st.data(),
)
def test_closed_form_y_near_an_integer_root_falls_back_or_agrees(
    r: int, below: int, spread: int, data: st.DataObject
) -> None:
    """Roots just below an integer are where a shortcut could be off by one: both must agree."""
    B = data.draw(st.integers(-r, r))
    c = (r + 1) ** 2 + B * (r + 1) - below  # f(r + 1) = below: the root sits just under r + 1
    D = r + spread
    fast = newton_y_result(B, c, D)
    if fast is not None:
        assert fast == contract_y_loop(B, c, D)
    check_native_y(B, c, D)


def test_closed_form_y_answers_for_real_pool_states() -> None:
    """On ordinary pools the shortcut applies (else it would not make anything faster)."""
    pool = make_pool(decimals=(6, 6), whole=(25_000_000, 25_000_000))
    xp = pool._xp()
    amp = pool._A()
    D = pool.get_D(xp, amp)
    Ann = amp * 2
    for dx in (1, 10**6, 10**12, 10**13):
        x = xp[0] + dx * 10**12
        c = D * D // (x * 2) * D * A_PRECISION // (Ann * 2)
        b = x + D * A_PRECISION // Ann
        assert newton_y_result(b - D, c, D) is not None
        assert newton_y_result(b - D, c, D) == contract_y_loop(b - D, c, D)
