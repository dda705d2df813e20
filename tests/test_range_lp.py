"""Range LPs on a concentrated-liquidity pool: bands, re-centring rules, gas, fees, IL and the perp hedge.

The reference price is held flat (sigma 0) unless a test needs it to move, and a test
"whale" moves the pool price with ordinary swap transactions, so every effect below
comes from the agents' own transactions.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from agents.range_lp import (
    PERP_COUNTERPARTY,
    PerpPosition,
    RangeLP,
    band_ticks,
    max_usable_tick,
)
from sim.chain import Receipt, SwapExactIn, Tx
from sim.errors import ScenarioError
from sim.model import MarketModel
from sim.pools.concentrated import (
    ConcentratedPool,
    nearest_usable_tick,
    price_to_tick,
    ranged_il,
    tick_to_price,
)
from sim.prices import SECONDS_PER_YEAR, realised_vol
from sim.scenario import load_scenario

WHALE = "whale"


def scenario(
    agents: dict[str, Any],
    *,
    sigma: float = 0.0,
    base_fee: float = 0.0,
    events: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "scenario": {"name": "rl", "seed": 3, "blocks": 500, "block_time_s": 12},
        "chain": {"base_fee_gwei": base_fee},
        "tokens": {"ETH": {"decimals": 18}, "USDC": {"decimals": 6}},
        "prices": {"ETH": {"process": "gbm", "start": 3000.0, "sigma": sigma}},
        "pools": {"v3": {"kind": "concentrated", "tokens": ["ETH", "USDC"], "fee_bps": 30}},
        "agents": agents,
        "events": events or {},
    }


def lp(strategy: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "range_lp", "pool": "v3", "strategy": strategy, "capital_usd": 1e6, **kw}


DEEP = lp("full_range", capital_usd=1_000_000_000)
"""Deep full-range liquidity, so that re-centring swaps find a market near the reference price."""


def build(agents: dict[str, Any], **kw: Any) -> MarketModel:
    model = MarketModel(load_scenario(scenario(agents, **kw)), check_every_block=True)
    ledger = model.market.ledger
    ledger.mint(WHALE, "ETH", 100_000 * 10**18)
    ledger.mint(WHALE, "USDC", 300_000_000 * 10**6)
    return model


def agent(model: MarketModel, cohort: str) -> RangeLP:
    found = [a for a in model.market_agents if a.cohort == cohort]
    assert len(found) == 1 and isinstance(found[0], RangeLP)
    return found[0]


def pool_of(model: MarketModel) -> ConcentratedPool:
    pool = model.market.pools["v3"]
    assert isinstance(pool, ConcentratedPool)
    return pool


def whale_swap(model: MarketModel, token_in: str, amount: int) -> Receipt:
    """An outside trader's swap, executed at once as an ordinary transaction."""
    pool = pool_of(model)
    token_out = "USDC" if token_in == "ETH" else "ETH"
    receipts: list[Receipt | None] = []
    chain = model.market.chain
    hook = chain.on_receipt
    chain.on_receipt = lambda tx, r, reason, paid: (
        receipts.append(r),
        hook and hook(tx, r, reason, paid),
    )  # type: ignore[func-returns-value]
    chain.submit(
        Tx(WHALE, SwapExactIn((pool,), (token_in, token_out), amount, 0, 10**9, 120_000), 0.0)
    )
    chain.build_block()
    chain.on_receipt = hook
    assert receipts and receipts[0] is not None, "the whale's swap reverted"
    return receipts[0]


def push_price(model: MarketModel, factor: float) -> float:
    """A market move: the pool price moves by about `factor` (a whale swap) and the reference
    price follows it exactly (as if arbitrageurs had aligned them); returns the new price."""
    pool = pool_of(model)
    price = pool.spot_price("ETH", "USDC")
    target = price * factor
    if factor > 1:
        amount = pool.arb_amount_in("USDC", "ETH", target)
        whale_swap(model, "USDC", amount)
    else:
        amount = pool.arb_amount_in("ETH", "USDC", 1 / target)
        whale_swap(model, "ETH", amount)
    new = pool.spot_price("ETH", "USDC")
    model.prices.shock("ETH", new / model.market.price("ETH"))
    return new


# ---------------------------------------------------------------------------- bands


def test_genesis_bands_full_range_and_fixed_band_ticks() -> None:
    model = build({"full": DEEP, "fixed": lp("fixed_band", band_pct=5)})
    pool = pool_of(model)
    full, fixed = agent(model, "full"), agent(model, "fixed")
    top = max_usable_tick(60)
    assert (full.tick_lower, full.tick_upper) == (-top, top)
    p0 = 3000.0
    d = (18, 6)
    want_lower = nearest_usable_tick(price_to_tick(p0 * 0.95, *d), 60)
    want_upper = nearest_usable_tick(price_to_tick(p0 * 1.05, *d), 60)
    assert (fixed.tick_lower, fixed.tick_upper) == (want_lower, want_upper)
    # the rounded band is +-5% to within one tick spacing (0.6%)
    assert tick_to_price(fixed.tick_lower, *d) / p0 == pytest.approx(0.95, abs=0.006)
    assert tick_to_price(fixed.tick_upper, *d) / p0 == pytest.approx(1.05, abs=0.006)
    # the positions are really in the pool, and both are in range
    for a in (full, fixed):
        assert pool.position(a.name, a.tick_lower, a.tick_upper).liquidity == a.liquidity > 0
        assert a.in_range()
    assert pool.liquidity == full.liquidity + fixed.liquidity
    # funded in the band's ratio: almost nothing left idle beyond the gas reserve
    for a in (full, fixed):
        idle = model.market.value("ETH", a.inventory()[0]) + a.inventory()[1] / 1e6
        assert idle < 1e-3 * a.capital
        assert a.value() == pytest.approx(a.capital + 0.5 * 3000, rel=1e-6)


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
    band = (fixed.tick_lower, fixed.tick_upper)
    model.run_for(10)
    push_price(model, 1.06)
    assert not fixed.in_range()
    model.run_for(30)
    assert (fixed.tick_lower, fixed.tick_upper) == band and fixed.rebalances == 0
    assert fixed.blocks_deployed == 40 and fixed.blocks_in_range == 10
    assert fixed.report()["time_in_range_pct"] == pytest.approx(25.0)


def test_narrow_recentre_every_n_blocks_and_when_out_of_range() -> None:
    model = build({"full": DEEP, "narrow": lp("narrow_recentre", band_pct=1, recentre_every=20)})
    narrow = agent(model, "narrow")
    model.run_for(19)
    assert narrow.rebalances == 0
    model.run_for(1)  # block 20: the periodic re-centre
    assert narrow.rebalances == 1 and narrow.deployed_block == 20
    # out of range: re-centred in the very next block, around the new price
    price = push_price(model, 1.03)
    assert not narrow.in_range()
    model.run_for(1)
    assert narrow.rebalances == 2 and narrow.in_range()
    d = (18, 6)
    # centred on the pool price at the mint (after its own rebalancing swap)
    assert narrow.entry_price == pytest.approx(price, rel=0.01)
    assert tick_to_price(narrow.tick_lower, *d) / narrow.entry_price == pytest.approx(
        0.99, abs=0.007
    )
    assert tick_to_price(narrow.tick_upper, *d) / narrow.entry_price == pytest.approx(
        1.01, abs=0.007
    )
    assert narrow.swaps_done >= 1  # the one-sided inventory was swapped back to the band's ratio
    model.check()


def test_event_recentre_waits_k_blocks_outside() -> None:
    k = 6
    model = build({"full": DEEP, "event": lp("event_recentre", band_pct=1, confirm_blocks=k)})
    event = agent(model, "event")
    model.run_for(5)
    band = (event.tick_lower, event.tick_upper)
    push_price(model, 0.97)
    model.run_for(k - 1)
    assert event.rebalances == 0 and (event.tick_lower, event.tick_upper) == band
    assert event.out_count == k - 1
    model.run_for(1)
    assert event.rebalances == 1 and event.in_range()
    assert event.deployed_block == 5 + k
    # a brief excursion that returns inside the band resets the count: no move
    model.run_for(3)
    lower = tick_to_price(event.tick_lower, 18, 6)
    upper = tick_to_price(event.tick_upper, 18, 6)
    mid = math.sqrt(lower * upper)
    price = pool_of(model).spot_price("ETH", "USDC")
    push_price(model, upper * 1.01 / price)
    model.run_for(k - 2)
    push_price(model, mid / pool_of(model).spot_price("ETH", "USDC"))
    model.run_for(k + 2)
    assert event.rebalances == 1 and event.out_count == 0


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
    assert tick_to_price(vol.tick_lower, *d) / 3000 == pytest.approx(math.exp(-w0), abs=0.007)
    assert tick_to_price(vol.tick_upper, *d) / 3000 == pytest.approx(math.exp(w0), abs=0.007)
    model.run_for(lookback + 5)
    before = vol.rebalances
    push_price(model, 1.0 / math.exp(3 * w0) * 0.97)  # far below the band
    model.run_for(1)
    assert vol.rebalances == before + 1
    hist = list(vol.history)
    sigma = realised_vol(hist, 12)
    w = alpha * sigma * math.sqrt(lookback * 12 / SECONDS_PER_YEAR)
    price = pool_of(model).spot_price("ETH", "USDC")
    low, high = min([*hist, price]), max([*hist, price])
    assert tick_to_price(vol.tick_lower, *d) / (low * math.exp(-w)) == pytest.approx(1, abs=0.007)
    assert tick_to_price(vol.tick_upper, *d) / (high * math.exp(w)) == pytest.approx(1, abs=0.007)
    assert vol.in_range()


# ---------------------------------------------------------------------------- gas


def test_every_rebalance_pays_gas_from_the_wallet() -> None:
    base_fee = 20.0
    model = build({"full": DEEP, "narrow": lp("narrow_recentre", band_pct=1)}, base_fee=base_fee)
    narrow = agent(model, "narrow")
    gas = model.market.chain.gas
    rows: list[tuple[str, int, float]] = []
    hook = model.market.chain.on_receipt

    def spy(tx: Tx, r: Receipt | None, reason: str, paid: int) -> None:
        if tx.sender == narrow.name:
            rows.append((r.kind if r else "reverted", paid, model.market.price("ETH")))
        assert hook is not None
        hook(tx, r, reason, paid)

    model.market.chain.on_receipt = spy
    for factor in (1.03, 0.96, 1.025):
        push_price(model, factor)
        model.run_for(2)
    assert narrow.rebalances == 3 and len(rows) == 3
    per_move = gas.remove_liquidity + narrow.spec.collect_gas_units + gas.add_liquidity
    for kind, paid, _ in rows:
        units = per_move + (gas.swap if kind == "swap" else 0)
        assert paid == int(units * base_fee * 10**9)
    assert any(kind == "swap" for kind, _, _ in rows)
    paid_usd = sum(p / 1e18 * eth for _, p, eth in rows)
    assert model.metrics.agent(narrow.name).gas_usd == pytest.approx(paid_usd)
    assert narrow.report()["range_lp_gas_usd"] == pytest.approx(paid_usd)
    # the fixed band never moves and never pays
    assert model.metrics.agent(agent(model, "full").name).gas_usd == 0


# ---------------------------------------------------------------------------- fees


def test_fees_equal_collected_plus_uncollected_from_fee_growth() -> None:
    model = build(
        {
            "full": DEEP,
            "narrow": lp("narrow_recentre", band_pct=1),
            "retail": {
                "kind": "noise_trader",
                "count": 10,
                "pools": ["v3"],
                "trades_per_block": 0.5,
                "size_usd": 20_000,
                "capital_usd": 1_000_000,
            },
        }
    )
    pool = pool_of(model)
    swap_fees = {"ETH": 0, "USDC": 0}
    swaps = 0
    hook = model.market.chain.on_receipt

    def spy(tx: Tx, r: Receipt | None, reason: str, paid: int) -> None:
        nonlocal swaps
        if r is not None and r.kind == "swap":
            for hop in r.hops:
                swap_fees[hop.fee_token] += hop.fee
                swaps += 1
        assert hook is not None
        hook(tx, r, reason, paid)

    model.market.chain.on_receipt = spy
    for factor in (1.02, 0.97, 1.02):
        model.run_for(40)
        push_price(model, factor)
    model.run_for(40)
    narrow, full = agent(model, "narrow"), agent(model, "full")
    assert narrow.rebalances >= 3 and swaps > 100
    earned = {"ETH": 0, "USDC": 0}
    for a in (narrow, full):
        u0, u1 = a.uncollected_fees()
        earned["ETH"] += a.fees_collected[0] + u0
        earned["USDC"] += a.fees_collected[1] + u1
        # uncollected fees are what the contract itself credits on a poke (burn of 0)
        pool.burn(a.name, a.tick_lower, a.tick_upper, 0)
        pos = pool.position(a.name, a.tick_lower, a.tick_upper)
        assert (pos.tokens_owed0, pos.tokens_owed1) == (u0, u1)
        assert a.uncollected_fees() == (u0, u1)
    # all swap fees go to the in-range LPs (the full-range one is always in range): equal up
    # to the contract's flooring, at most a few units per swap step
    for token in ("ETH", "USDC"):
        assert swap_fees[token] > 0
        assert 0 <= swap_fees[token] - earned[token] <= 4 * swaps
    # the report values exactly these amounts
    rep = narrow.report()
    u0, u1 = narrow.uncollected_fees()
    eth = model.market.price("ETH")
    assert rep["fees_uncollected_usd"] == pytest.approx(u0 / 1e18 * eth + u1 / 1e6)
    assert rep["fees_earned_usd"] == pytest.approx(
        rep["fees_collected_usd"] + rep["fees_uncollected_usd"]
    )
    assert narrow.fees_collected_usd > 0
    model.check()


# ---------------------------------------------------------------------------- impermanent loss


@pytest.mark.parametrize("factor", [1.04, 0.93, 1.15])
def test_ranged_il_matches_closed_form_across_a_move(factor: float) -> None:
    model = build({"fixed": lp("fixed_band", band_pct=10)})
    fixed = agent(model, "fixed")
    pool = pool_of(model)
    p0 = fixed.entry_price
    # a move inside the band (1.04, 0.93) and one beyond it (1.15: all USDC)
    whale_swap(model, "USDC" if factor > 1 else "ETH", 1)
    target = p0 * factor
    if factor > 1:
        whale_swap(model, "USDC", pool.arb_amount_in("USDC", "ETH", target))
    else:
        whale_swap(model, "ETH", pool.arb_amount_in("ETH", "USDC", 1 / target))
    p1 = pool.spot_price("ETH", "USDC")
    r = p1 / p0
    a = tick_to_price(fixed.tick_lower, 18, 6) / p0
    b = tick_to_price(fixed.tick_upper, 18, 6) / p0
    closed = ranged_il(r, a, b)
    if a < r < b:  # the in-band closed form written out
        assert closed == pytest.approx(
            (2 * math.sqrt(r) - 1 - r) / (1 + r - math.sqrt(a) - r / math.sqrt(b)), rel=1e-9
        )
    assert closed < 0
    measured = fixed.il_measured()
    assert measured is not None
    assert fixed.il_formula() == pytest.approx(closed, rel=1e-9)
    # the position's exact token amounts reproduce the closed form (integer rounding only)
    assert measured == pytest.approx(closed, rel=1e-6, abs=1e-9)
    assert fixed.report()["il_measured_pct"] == pytest.approx(100 * closed, rel=1e-6, abs=1e-7)


# ---------------------------------------------------------------------------- the perp hedge


def test_perp_pnl_funding_and_liquidation_by_hand() -> None:
    perp = PerpPosition(
        funding_rate_annual=0.10, initial_margin=0.10, maintenance_margin=0.05, liquidation_fee=0.01
    )
    perp.collateral = 6_000.0
    perp.mark = 3_000.0
    # the initial margin caps the size: 6,000 / (10% x 3,000) = 20 ETH
    assert perp.resize(-50.0, 3_000.0) == pytest.approx(-20.0)
    assert perp.resize(-10.0, 3_000.0) == -10.0
    dt = 1 / 365
    pnl, funding = perp.accrue(3_300.0, dt)
    assert pnl == pytest.approx(-3_000.0)  # short 10 ETH, +300 each
    assert funding == pytest.approx(10 * 3_300 * 0.10 / 365)  # longs pay shorts
    assert perp.collateral == pytest.approx(6_000 - 3_000 + funding)
    assert not perp.should_liquidate()  # 3,009 > 5% x 33,000 = 1,650
    perp.accrue(3_500.0, 0.0)  # another -2,000: collateral 1,009 < 1,750
    assert perp.collateral == pytest.approx(1_000 + funding)
    assert perp.should_liquidate()
    back = perp.liquidate()
    assert back == pytest.approx(1_000 + funding - 0.01 * 35_000)
    assert perp.penalties == pytest.approx(350.0)
    assert (perp.size, perp.collateral, perp.liquidations) == (0.0, 0.0, 1)
    assert perp.pnl == pytest.approx(-5_000.0)
    # a negative funding rate is paid by the short
    neg = PerpPosition(-0.2, 0.1, 0.05, 0.0, size=-1.0, collateral=1_000.0, mark=2_000.0)
    _, f = neg.accrue(2_000.0, 0.5)
    assert f == pytest.approx(-1.0 * 2_000 * 0.2 * 0.5)


def test_hedged_agent_shorts_its_exposure_and_earns_funding() -> None:
    model = build(
        {
            "full": DEEP,
            "hedged": lp(
                "hedged",
                band_pct=5,
                perp={"funding_rate_annual": 0.5, "margin_fraction": 0.2, "hedge_ratio": 0.8},
            ),
        }
    )
    hedged = agent(model, "hedged")
    perp = hedged.perp
    assert perp is not None
    ledger = model.market.ledger
    # margin posted to the counterparty wallet; the short is 80% of the ETH exposure
    assert hedged.margin_posted == pytest.approx(200_000, rel=1e-6)
    assert perp.collateral == pytest.approx(200_000, rel=1e-6)
    assert perp.size == pytest.approx(-0.8 * hedged.exposure0(), rel=1e-9)
    assert perp.size < 0
    cp_start = ledger.wallet(PERP_COUNTERPARTY)["USDC"]
    n = 100
    model.run_for(n)
    # flat reference price: no price P&L, funding = |size| x price x rate x time
    expected = -perp.size * 3000 * 0.5 * n * 12 / SECONDS_PER_YEAR
    assert perp.pnl == pytest.approx(0.0, abs=1e-6)
    assert perp.funding == pytest.approx(expected, rel=1e-9)
    assert perp.collateral == pytest.approx(hedged.margin_posted + expected, rel=1e-9)
    assert hedged.report()["perp_funding_usd"] == pytest.approx(expected)
    assert ledger.wallet(PERP_COUNTERPARTY)["USDC"] == cp_start  # promised, not yet paid
    assert hedged.value() == pytest.approx(hedged.hodl_value() + expected, rel=1e-6)
    model.check()


def test_hedged_short_is_liquidated_when_margin_runs_out() -> None:
    events = {"pump": {"kind": "price_shock", "at_block": 20, "asset": "ETH", "factor": 1.6}}
    model = build(
        {
            "full": DEEP,
            "hedged": lp("hedged", band_pct=5, perp={"margin_fraction": 0.05}),
        },
        events=events,
    )
    hedged = agent(model, "hedged")
    perp = hedged.perp
    assert perp is not None and perp.size < 0
    ledger = model.market.ledger
    usdc_before = hedged.wallet["USDC"]
    model.run_for(19)
    assert perp.liquidations == 0
    size = perp.size
    collateral = perp.collateral
    model.run_for(1)  # ETH +60%: the short loses 0.6 x notional, far more than its 5% margin
    assert perp.liquidations == 1 and perp.size == 0.0 and perp.collateral == 0.0
    assert perp.pnl == pytest.approx(size * 3000 * 0.6, rel=1e-9)
    # nothing is left to pay back: collateral + loss < 0; the venue keeps the margin
    assert collateral + size * 3000 * 0.6 < 0
    assert hedged.wallet["USDC"] == usdc_before
    assert hedged.report()["perp_liquidations"] == 1
    # no more hedging after a liquidation
    model.run_for(200)
    assert perp.size == 0.0 and perp.liquidations == 1
    ledger.check(model.market.block)


def test_liquidation_pays_back_the_remaining_equity() -> None:
    # a short with 10% margin and a 7% move up: liquidated (maintenance 5%) with equity left
    events = {"pump": {"kind": "price_shock", "at_block": 5, "asset": "ETH", "factor": 1.07}}
    model = build(
        {
            "full": DEEP,
            "hedged": lp(
                "hedged",
                band_pct=20,
                perp={"margin_fraction": 0.04, "hedge_ratio": 1.0, "liquidation_fee": 0.01},
            ),
        },
        events=events,
    )
    hedged = agent(model, "hedged")
    perp = hedged.perp
    assert perp is not None
    model.run_for(4)
    size, collateral = perp.size, perp.collateral
    # the margin supports at most collateral / (10% x price) ETH; the cap binds here
    assert -size == pytest.approx(hedged.margin_posted / (0.1 * 3000), rel=1e-9)
    assert -size < hedged.exposure0()
    usdc = hedged.wallet["USDC"]
    cp = model.market.ledger.wallet(PERP_COUNTERPARTY)["USDC"]
    model.run_for(1)
    mark = model.market.price("ETH")
    equity = collateral + size * (mark - 3000) - size * mark * 0.10 * 12 / SECONDS_PER_YEAR
    assert 0 < equity < 0.05 * -size * mark  # below maintenance, above zero
    back = equity - 0.01 * -size * mark
    assert perp.liquidations == 1
    assert (hedged.wallet["USDC"] - usdc) / 1e6 == pytest.approx(back, abs=1e-5)
    assert (cp - model.market.ledger.wallet(PERP_COUNTERPARTY)["USDC"]) / 1e6 == pytest.approx(
        back, abs=1e-5
    )
    model.check()


def test_exit_withdraws_everything_and_closes_the_perp() -> None:
    model = build(
        {
            "full": DEEP,
            "hedged": lp("hedged", band_pct=5, exit_block=30),
        },
        base_fee=1.0,
    )
    hedged = agent(model, "hedged")
    pool = pool_of(model)
    model.run_for(29)
    key = (hedged.name, hedged.tick_lower, hedged.tick_upper)
    assert key in pool.positions
    equity = hedged.perp_equity()
    value = hedged.value()
    model.run_for(1)
    assert hedged.exited and hedged.liquidity == 0 and key not in pool.positions
    assert hedged.perp is not None and hedged.perp.size == 0 and hedged.perp_equity() == 0
    assert equity > 0
    # everything is back in the wallet, less the gas of the exit
    assert hedged.value() == pytest.approx(value, rel=1e-4)
    assert hedged.value() == pytest.approx(model.market.wallet_value(hedged.wallet))
    model.check()


def test_a_later_entry_mints_by_transaction_and_pays_gas() -> None:
    model = build({"full": DEEP, "late": lp("fixed_band", band_pct=3, enter_block=10)}, base_fee=10)
    late = agent(model, "late")
    assert not late.entered and late.liquidity == 0
    model.run_for(9)
    assert not late.entered
    model.run_for(1)
    assert late.entered and late.entry_block == 10 and late.in_range()
    pool = pool_of(model)
    assert pool.position(late.name, late.tick_lower, late.tick_upper).liquidity == late.liquidity
    gas = model.market.chain.gas
    wei = (gas.add_liquidity + gas.swap) * 10 * 10**9
    assert model.metrics.agent(late.name).gas_usd == pytest.approx(wei / 1e18 * 3000)
    model.check()
