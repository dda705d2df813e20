"""Range LP strategies in the model: where each puts its band (ticks), and when it moves it.

The reference price is held flat (sigma 0) unless a test needs it to move, and a test
"whale" moves the pool price with ordinary swap transactions, so every effect below
comes from the agents' own transactions.
"""

from __future__ import annotations

import math
from typing import Any, get_args

import pytest
from range_lp_cases import (
    DEEP,
    agent,
    build,
    lp,
    pool_of,
    push_price,
    report,
    scenario,
)

from agents.range_lp.spec import RangeLPSpec, StrategyName
from agents.range_lp.strategies import STRATEGIES, strategy_for
from sim.errors import ScenarioError
from sim.market.prices import realised_vol
from sim.model.model import MarketModel
from sim.pools.uniswap_v3.bands import band_ticks, max_usable_tick
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.pools.uniswap_v3.views import nearest_usable_tick, price_to_tick, tick_to_price
from sim.scenario.scenario import load_scenario
from sim.units import SECONDS_PER_YEAR


def test_genesis_bands_full_range_and_fixed_band_ticks() -> None:
    model = build({"full": DEEP, "fixed": lp("fixed_band", band_pct=5)})
    pool = pool_of(model)
    full, fixed = agent(model, "full"), agent(model, "fixed")
    top = max_usable_tick(60)
    assert (full.position.tick_lower, full.position.tick_upper) == (-top, top)
    p0 = 3000.0
    d = (18, 6)
    want_lower = nearest_usable_tick(price_to_tick(p0 * 0.95, *d), 60)
    want_upper = nearest_usable_tick(price_to_tick(p0 * 1.05, *d), 60)
    assert (fixed.position.tick_lower, fixed.position.tick_upper) == (want_lower, want_upper)
    # the rounded band is +-5% to within one tick spacing (0.6%)
    assert tick_to_price(fixed.position.tick_lower, *d) / p0 == pytest.approx(0.95, abs=0.006)
    assert tick_to_price(fixed.position.tick_upper, *d) / p0 == pytest.approx(1.05, abs=0.006)
    # the positions are really in the pool, and both are in range
    for a in (full, fixed):
        assert (
            pool.position(a.name, a.position.tick_lower, a.position.tick_upper).liquidity
            == a.position.liquidity
            > 0
        )
        assert a.position.in_range()
    assert pool.liquidity == full.position.liquidity + fixed.position.liquidity
    # funded in the band's ratio: almost nothing left idle beyond the gas reserve
    for a in (full, fixed):
        idle = model.market.value("ETH", a.inventory()[0]) + a.inventory()[1] / 1e6
        assert idle < 1e-3 * a.position.capital
        assert a.value() == pytest.approx(a.position.capital + 0.5 * 3000, rel=1e-6)


def test_a_range_lp_needs_a_concentrated_pool() -> None:
    raw = scenario({"bad": lp("fixed_band")})
    raw["pools"]["v3"] = {"kind": "constant_product", "tokens": ["ETH", "USDC"]}
    with pytest.raises(ScenarioError, match=r"agents\.bad\.pool: .*concentrated"):
        MarketModel(load_scenario(raw))


def test_band_keeps_current_tick_inside() -> None:
    model = build({"full": DEEP})
    pool = pool_of(model)
    # a band that rounds to nothing around the price is widened to one spacing containing it
    tl, tu = band_ticks(pool, 3000.0, 3000.0)
    assert tl <= pool.tick < tu and tu - tl >= pool.tick_spacing
    assert tl % 60 == 0 and tu % 60 == 0


def test_fixed_band_never_moves_and_reports_time_in_range() -> None:
    model = build({"full": DEEP, "fixed": lp("fixed_band", band_pct=2)})
    fixed = agent(model, "fixed")
    band = (fixed.position.tick_lower, fixed.position.tick_upper)
    model.run_for(10)
    push_price(model, 1.06)
    assert not fixed.position.in_range()
    model.run_for(30)
    assert (
        fixed.position.tick_lower,
        fixed.position.tick_upper,
    ) == band and fixed.position.rebalances == 0
    assert fixed.position.blocks_deployed == 40 and fixed.position.blocks_in_range == 10
    assert report(fixed)["time_in_range_pct"] == pytest.approx(25.0)


def test_narrow_recentre_every_n_blocks_and_when_out_of_range() -> None:
    model = build({"full": DEEP, "narrow": lp("narrow_recentre", band_pct=1, recentre_every=20)})
    narrow = agent(model, "narrow")
    model.run_for(19)
    assert narrow.position.rebalances == 0
    model.run_for(1)  # block 20: the periodic re-centre
    assert narrow.position.rebalances == 1 and narrow.position.deployed_block == 20
    # out of range: re-centred in the very next block, around the new price
    price = push_price(model, 1.03)
    assert not narrow.position.in_range()
    model.run_for(1)
    assert narrow.position.rebalances == 2 and narrow.position.in_range()
    d = (18, 6)
    # centred on the pool price at the mint (after its own rebalancing swap)
    assert narrow.position.entry_price == pytest.approx(price, rel=0.01)
    assert tick_to_price(
        narrow.position.tick_lower, *d
    ) / narrow.position.entry_price == pytest.approx(0.99, abs=0.007)
    assert tick_to_price(
        narrow.position.tick_upper, *d
    ) / narrow.position.entry_price == pytest.approx(1.01, abs=0.007)
    assert (
        narrow.position.swaps_done >= 1
    )  # the one-sided inventory was swapped back to the band's ratio
    model.check()


def test_event_recentre_waits_k_blocks_outside() -> None:
    k = 6
    model = build({"full": DEEP, "event": lp("event_recentre", band_pct=1, confirm_blocks=k)})
    event = agent(model, "event")
    model.run_for(5)
    band = (event.position.tick_lower, event.position.tick_upper)
    push_price(model, 0.97)
    model.run_for(k - 1)
    assert (
        event.position.rebalances == 0
        and (event.position.tick_lower, event.position.tick_upper) == band
    )
    assert event.out_count == k - 1
    model.run_for(1)
    assert event.position.rebalances == 1 and event.position.in_range()
    assert event.position.deployed_block == 5 + k
    # a brief excursion that returns inside the band resets the count: no move
    model.run_for(3)
    lower = tick_to_price(event.position.tick_lower, 18, 6)
    upper = tick_to_price(event.position.tick_upper, 18, 6)
    mid = math.sqrt(lower * upper)
    price = pool_of(model).spot_price("ETH", "USDC")
    push_price(model, upper * 1.01 / price)
    model.run_for(k - 2)
    push_price(model, mid / pool_of(model).spot_price("ETH", "USDC"))
    model.run_for(k + 2)
    assert event.position.rebalances == 1 and event.out_count == 0


def test_vol_band_is_sized_from_realised_volatility() -> None:
    lookback, alpha = 120, 2.0
    model = build(
        {
            "full": DEEP,
            "vol": lp("vol_band", vol_lookback_blocks=lookback, vol_alpha=alpha, vol_prior=0.5),
        },
        sigma=1.0,
    )
    vol = agent(model, "vol")
    d = (18, 6)
    # genesis: no history, the prior sigma around the initial price
    w0 = alpha * 0.5 * math.sqrt(lookback * 12 / SECONDS_PER_YEAR)
    assert tick_to_price(vol.position.tick_lower, *d) / 3000 == pytest.approx(
        math.exp(-w0), abs=0.007
    )
    assert tick_to_price(vol.position.tick_upper, *d) / 3000 == pytest.approx(
        math.exp(w0), abs=0.007
    )
    model.run_for(lookback + 5)
    before = vol.position.rebalances
    push_price(model, 1.0 / math.exp(3 * w0) * 0.97)  # far below the band
    model.run_for(1)
    assert vol.position.rebalances == before + 1
    hist = list(vol.history)
    sigma = realised_vol(hist, 12)
    w = alpha * sigma * math.sqrt(lookback * 12 / SECONDS_PER_YEAR)
    price = pool_of(model).spot_price("ETH", "USDC")
    low, high = min([*hist, price]), max([*hist, price])
    assert tick_to_price(vol.position.tick_lower, *d) / (low * math.exp(-w)) == pytest.approx(
        1, abs=0.007
    )
    assert tick_to_price(vol.position.tick_upper, *d) / (high * math.exp(w)) == pytest.approx(
        1, abs=0.007
    )
    assert vol.position.in_range()


# ---------------------------------------------------------------------------- the registry


def spec_of(strategy: str, **kw: Any) -> RangeLPSpec:
    return RangeLPSpec.model_validate(
        {"kind": "range_lp", "pool": "v3", "strategy": strategy, **kw}
    )


def test_every_strategy_a_scenario_can_name_has_a_class() -> None:
    assert set(STRATEGIES) == set(get_args(StrategyName))
    for name, cls in STRATEGIES.items():
        strategy = strategy_for(spec_of(name), 12.0)
        assert type(strategy) is cls and strategy.name == name
    assert [n for n, cls in STRATEGIES.items() if cls.hedged] == ["hedged"]


@pytest.mark.parametrize(
    ("name", "moves"),
    [
        # (inside, block, deployed_block, out_count) -> moves?
        ("full_range", [False, False, False, False]),
        ("fixed_band", [False, False, False, False]),
        ("narrow_recentre", [False, True, True, True]),
        ("vol_band", [False, True, True, True]),
        ("event_recentre", [False, False, False, True]),
        ("hedged", [False, False, False, True]),
    ],
)
def test_when_each_strategy_moves_its_band(name: str, moves: list[bool]) -> None:
    strategy = strategy_for(spec_of(name, recentre_every=50, confirm_blocks=3), 12.0)
    cases = [
        (True, 60, 20, 0),  # inside, 40 blocks since the mint
        (True, 70, 20, 0),  # inside, 50 blocks since the mint: periodic re-centre due
        (False, 21, 20, 2),  # outside for two blocks
        (False, 22, 20, 3),  # outside for confirm_blocks
    ]
    assert [strategy.should_rebalance(*c) for c in cases] == moves


def test_a_fixed_band_uses_the_pool_price_without_a_reference() -> None:
    pool = ConcentratedPool.from_price("v3", ("ETH", "USDC"), (18, 6), 3000, 3000.0)
    strategy = strategy_for(spec_of("fixed_band", band_pct=5), 12.0)
    price = pool.spot_price("ETH", "USDC")
    want = band_ticks(pool, price * 0.95, price * 1.05)
    assert strategy.band(pool, lambda: 0.0, []) == want == (-196_740, -195_780)
    top = max_usable_tick(60)
    assert strategy_for(spec_of("full_range"), 12.0).band(pool, lambda: 0.0, []) == (-top, top)
