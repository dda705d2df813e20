"""Float views of a StableSwap pool (sim/pools/curve/views.py): spot prices from the exact D, an LP's loss
against holding."""

from __future__ import annotations

import pytest
from conftest import make_stableswap_pool as make_pool

from sim.pools.curve.rate_oracle import RateOracle
from sim.pools.curve.stableswap import StableSwapPool
from sim.pools.curve.views import impermanent_loss, stableswap_il, whole_rate

pytestmark = pytest.mark.usefixtures("stableswap_kernel")


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


def test_whole_rate_is_xp_units_per_whole_token() -> None:
    assert whole_rate(10**30, 6) == 10**18  # a 6-decimal coin without an oracle
    assert whole_rate(10**18, 18) == 10**18
    assert whole_rate(11 * 10**17, 18) == 11 * 10**17  # an oracle rate of 1.1


def test_impermanent_loss_is_zero_at_the_start_prices_and_negative_after_a_depeg() -> None:
    pool = make_pool((18, 6), A=100, whole=(1_000_000, 1_000_000))
    start = tuple(b / pool.total_supply * 10**18 for b in pool.balances)
    assert impermanent_loss(pool, start, [1.0, 1.0]) == 0.0
    depeg = impermanent_loss(pool, start, [1.0, 0.9])
    assert depeg is not None and -0.05 < depeg < 0
    # without rate oracles the rate scaling is exactly 1: the same floats as stableswap_il
    assert depeg == stableswap_il(pool, start, [1.0, 0.9])
    assert impermanent_loss(pool, start, [1.0, float("nan")]) is None
    assert stableswap_il(pool, (0.0, 1.0), [1.0, 1.0]) is None


def test_impermanent_loss_of_a_rate_oracle_pool_is_in_whole_tokens() -> None:
    pool = StableSwapPool("lst", ("ETH", "stETH"), (18, 18), 100, 0)
    pool.set_rate_oracle(1, RateOracle("staking", lambda: 2 * 10**18))
    pool.add_liquidity([2_000_000 * 10**18, 1_000_000 * 10**18], 0, "lp")
    start = tuple(b / pool.total_supply * 10**18 for b in pool.balances)
    # stETH worth its rate of 2 ETH: the pool sits at that price, nothing is lost
    assert impermanent_loss(pool, start, [1.0, 2.0]) == pytest.approx(0.0, abs=1e-12)
    assert impermanent_loss(pool, start, [1.0, 1.8]) < -1e-4  # type: ignore[operator]


def test_a_depeg_costs_an_lp_more_the_flatter_the_curve() -> None:
    """At par nothing is lost; at a 3% depeg a flatter curve (higher A) takes on far more of the
    cheaper coin than x*y=k would, so its LPs lose more (-0.64% at A = 100)."""

    def il_pct(A: int, price: float) -> float:
        pool = StableSwapPool("s", ("A", "B"), (18, 18), A, 0, 0)
        pool.add_liquidity([10**18, 10**18], 0, "lp")
        fraction = stableswap_il(pool, (1e18, 1e18), [price, 1.0])
        assert fraction is not None
        return fraction * 100

    assert il_pct(100, 1.0) == pytest.approx(0.0, abs=1e-9)
    cp = (2 * (0.97**0.5) / 1.97 - 1) * 100
    losses = [il_pct(A, 0.97) for A in (1, 10, 100, 1000)]
    assert losses == sorted(losses, reverse=True)
    assert cp > losses[0] and losses[2] == pytest.approx(-0.64, abs=0.005)


def test_no_loss_figure_without_a_balance_or_a_price() -> None:
    pool = StableSwapPool("s", ("A", "B"), (18, 18), 100, 0, 0)
    pool.add_liquidity([10**18, 10**18], 0, "lp")
    assert stableswap_il(pool, (0.0, 1e18), [1.0, 1.0]) is None  # an empty coin
    assert stableswap_il(pool, (1e18, 1e18), [1.0, float("nan")]) is None  # a missing price
