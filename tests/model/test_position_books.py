"""A range LP's books (sim.model.position_books): fees, IL vs HODL, drift, swap costs, gas, perp and LVR add up."""

from __future__ import annotations

import copy
import math

import pytest
from range_lp_cases import (
    DEEP,
    agent,
    assert_adds_up,
    books,
    build,
    lp,
    pool_of,
    push_price,
    report,
    whale_swap,
)

from sim.chain.transactions import Receipt, Tx
from sim.errors import InvalidAmount
from sim.pools.uniswap_v3.views import ranged_il, tick_to_price


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
                "size": 20_000,
                "capital": 1_000_000,
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
    assert narrow.position.rebalances >= 3 and swaps > 100
    earned = {"ETH": 0, "USDC": 0}
    for a in (narrow, full):
        u0, u1 = a.position.uncollected_fees()
        earned["ETH"] += books(a).fees_collected[0] + u0
        earned["USDC"] += books(a).fees_collected[1] + u1
        # uncollected fees are what the contract itself credits on a poke (burn of 0)
        pool.burn(a.name, a.position.tick_lower, a.position.tick_upper, 0)
        pos = pool.position(a.name, a.position.tick_lower, a.position.tick_upper)
        assert (pos.tokens_owed0, pos.tokens_owed1) == (u0, u1)
        assert a.position.uncollected_fees() == (u0, u1)
    # all swap fees go to the in-range LPs (the full-range one is always in range): equal up
    # to the contract's flooring, at most a few units per swap step
    for token in ("ETH", "USDC"):
        assert swap_fees[token] > 0
        assert 0 <= swap_fees[token] - earned[token] <= 4 * swaps
    # the report values exactly these amounts
    rep = report(narrow)
    u0, u1 = narrow.position.uncollected_fees()
    eth = model.market.price("ETH")
    assert rep["fees_uncollected"] == pytest.approx(u0 / 1e18 * eth + u1 / 1e6)
    assert rep["fees_earned"] == pytest.approx(
        rep["fees_collected_value"] + rep["fees_uncollected"]
    )
    assert books(narrow).fees_collected_value > 0
    model.check()


@pytest.mark.parametrize("factor", [1.04, 0.93, 1.15])
def test_ranged_il_matches_closed_form_across_a_move(factor: float) -> None:
    model = build({"fixed": lp("fixed_band", band_pct=10)})
    fixed = agent(model, "fixed")
    pool = pool_of(model)
    p0 = fixed.position.entry_price
    # a move inside the band (1.04, 0.93) and one beyond it (1.15: all USDC)
    whale_swap(model, "USDC" if factor > 1 else "ETH", 1)
    target = p0 * factor
    if factor > 1:
        whale_swap(model, "USDC", pool.arb_amount_in("USDC", "ETH", target))
    else:
        whale_swap(model, "ETH", pool.arb_amount_in("ETH", "USDC", 1 / target))
    p1 = pool.spot_price("ETH", "USDC")
    r = p1 / p0
    a = tick_to_price(fixed.position.tick_lower, 18, 6) / p0
    b = tick_to_price(fixed.position.tick_upper, 18, 6) / p0
    closed = ranged_il(r, a, b)
    if a < r < b:  # the in-band closed form written out
        assert closed == pytest.approx(
            (2 * math.sqrt(r) - 1 - r) / (1 + r - math.sqrt(a) - r / math.sqrt(b)), rel=1e-9
        )
    assert closed < 0
    measured = books(fixed).il_measured()
    assert measured is not None
    assert books(fixed).il_formula() == pytest.approx(closed, rel=1e-9)
    # the position's exact token amounts reproduce the closed form (integer rounding only)
    assert measured == pytest.approx(closed, rel=1e-6, abs=1e-9)
    assert report(fixed)["il_measured_pct"] == pytest.approx(100 * closed, rel=1e-6, abs=1e-7)


def test_net_decomposes_exactly_over_many_recentres() -> None:
    """narrow_1pct's audit gap: the fees, realised and unrealised band IL, re-centring drift,
    the rebalancing swaps' fee and impact, and gas add up to the net result, and the swap
    and gas terms are the ones the chain's own books hold."""
    model = build(
        {
            "full": DEEP,
            "narrow": lp("narrow_recentre", band_pct=1),
            "retail": {
                "kind": "noise_trader",
                "count": 5,
                "pools": ["v3"],
                "trades_per_block": 0.5,
                "size": 20_000,
                "capital": 1_000_000,
            },
        },
        base_fee=10.0,
    )
    narrow = agent(model, "narrow")
    for factor in (1.03, 1.025, 0.96, 0.97, 1.04):
        model.run_for(15)
        push_price(model, factor)
    model.run_for(15)
    rep = assert_adds_up(narrow)
    assert narrow.position.rebalances >= 5 and rep["bands"] == narrow.position.rebalances + 1
    # every part is really there: without any of them the sum would be off by thousands
    assert rep["pnl_fees"] > 1_000
    assert rep["il_bands_realised"] < -1_000
    assert rep["il_bands"] == pytest.approx(rep["il_bands_realised"] + rep["il_bands_unrealised"])
    assert rep["il_recentre"] != 0
    assert rep["swap_fees_paid"] > 100
    assert rep["pnl_gas"] < -10
    # the same swaps and gas as the chain's hook booked them (metrics.on_receipt)
    st = model.metrics.agent(narrow.name)
    assert rep["pnl_gas"] == pytest.approx(-st.gas_cost)
    assert rep["swap_fees_paid"] == pytest.approx(st.fees_paid, rel=1e-9)
    assert rep["pnl_swap_costs"] == pytest.approx(st.trade_pnl, rel=1e-9)
    # the deep full-range LP never moves: no realised IL, no drift but its gas-free mint
    full = assert_adds_up(agent(model, "full"))
    assert full["il_bands_realised"] == 0 and full["il_recentre"] == 0
    # the annualised figures are the same numbers over the capital and the days
    days = books(narrow).days()
    assert rep["il_apr_pct"] == pytest.approx(rep["pnl_il"] / 1e6 / days * 365 * 100)
    assert rep["swap_costs_apr_pct"] == pytest.approx(
        rep["pnl_swap_costs"] / 1e6 / days * 365 * 100
    )
    model.check()


def test_band_il_is_the_ranged_closed_form_accumulated_over_recentres() -> None:
    """Each band's realised IL is ranged_il(P/P0, a, b) x the value of the tokens minted into
    it (the reference price follows the pool here, so both valuations agree)."""
    model = build({"full": DEEP, "narrow": lp("narrow_recentre", band_pct=1)})
    narrow = agent(model, "narrow")
    expected = 0.0
    for factor in (1.02, 0.975, 1.03):
        model.run_for(3)
        p0 = narrow.position.entry_price
        a = tick_to_price(narrow.position.tick_lower, 18, 6) / p0
        b = tick_to_price(narrow.position.tick_upper, 18, 6) / p0
        m0, m1 = books(narrow).minted
        price = push_price(model, factor)
        hold = m0 / 1e18 * price + m1 / 1e6
        band_il = ranged_il(price / p0, min(a, 1.0), max(b, 1.0)) * hold
        assert report(narrow)["il_bands_unrealised"] == pytest.approx(band_il, rel=1e-6)
        before = books(narrow).il_realised
        moves = narrow.position.rebalances
        model.run_for(1)
        assert narrow.position.rebalances == moves + 1
        assert books(narrow).il_realised - before == pytest.approx(band_il, rel=1e-6)
        assert band_il < 0
        expected += band_il
    rep = assert_adds_up(narrow)
    assert rep["il_bands_realised"] == pytest.approx(expected, rel=1e-6)
    assert rep["il_bands_formula"] == pytest.approx(rep["il_bands"], rel=1e-5)


def test_recentre_drift_is_the_recentred_inventory_times_the_price_move() -> None:
    model = build({"full": DEEP, "narrow": lp("narrow_recentre", band_pct=3)})
    narrow = agent(model, "narrow")
    model.run_for(2)
    assert report(narrow)["il_recentre"] == 0  # genesis: held == funded
    push_price(model, 1.05)  # out of the band: all USDC, then re-centred around 3150
    model.run_for(1)
    assert narrow.position.rebalances == 1 and narrow.position.in_range()
    drift = report(narrow)["il_recentre"]
    held_eth = books(narrow).held()["ETH"]
    funded_eth = books(narrow).funded["ETH"]
    assert held_eth != funded_eth  # the re-centred inventory is not the funded one
    # a move inside the new band: the drift grows by exactly (held - funded) x the price change
    p_before = model.market.price("ETH")
    p_after = push_price(model, 1.01)
    model.run_for(1)
    assert narrow.position.rebalances == 1
    change = report(narrow)["il_recentre"] - drift
    assert change == pytest.approx((held_eth - funded_eth) / 1e18 * (p_after - p_before), rel=1e-9)
    assert abs(change) > 1
    assert_adds_up(narrow)


def test_position_lvr_is_its_share_of_the_pools_lvr() -> None:
    """A trade against two in-range positions: each one's LVR is what the trader gained
    against its principal at reference prices, fees excluded, so they split the pool's
    LVR (sim.model.books) in proportion to their liquidity."""
    model = build({"a": lp("full_range", capital=3e7), "b": lp("full_range", capital=1e7)})
    a, b = agent(model, "a"), agent(model, "b")
    model.run_for(1)
    # a large buy at a flat reference price 3000: the whale pays price impact, so what it
    # "gained" against the positions is negative (the LPs gain it until arbitrage comes)
    whale_swap(model, "USDC", 2_000_000 * 10**6)
    model.run_for(1)
    pool_lvr = model.metrics.pools["v3"].lvr
    assert pool_lvr < -1_000
    assert books(a).lvr() + books(b).lvr() == pytest.approx(pool_lvr, rel=1e-6)
    assert books(a).lvr() / books(b).lvr() == pytest.approx(
        a.position.liquidity / b.position.liquidity, rel=1e-6
    )
    # at a flat reference price the band IL is all LVR (no rebalancing gain), fees apart
    assert report(a)["il_bands"] == pytest.approx(-books(a).lvr(), rel=1e-6)
    assert report(a)["fees_minus_lvr"] == pytest.approx(books(a).fees() - books(a).lvr())
    # selling back into the pool above the reference is a gain against the LPs (arbitrage)
    whale_swap(model, "ETH", 300 * 10**18)
    model.run_for(1)
    assert model.metrics.pools["v3"].lvr > pool_lvr
    assert books(a).lvr() + books(b).lvr() == pytest.approx(model.metrics.pools["v3"].lvr, rel=1e-6)


def test_hedged_decomposition_books_the_perp_and_its_liquidation() -> None:
    events = {"pump": {"kind": "price_shock", "at_block": 20, "asset": "ETH", "factor": 1.6}}
    model = build(
        {"full": DEEP, "hedged": lp("hedged", band_pct=5, perp={"margin_fraction": 0.05})},
        events=events,
    )
    hedged = agent(model, "hedged")
    perp = hedged.perp
    assert perp is not None
    model.run_for(10)
    rep = assert_adds_up(hedged)
    assert rep["pnl_perp"] == pytest.approx(perp.funding, rel=1e-6)
    assert rep["pnl_perp"] > 0
    model.run_for(15)  # liquidated: the margin is gone, the loss beyond it is the venue's
    assert perp.liquidations == 1
    rep = assert_adds_up(hedged)
    assert rep["pnl_perp"] == pytest.approx(-perp.deposited, rel=1e-6)
    assert rep["perp_written_off"] > 0
    assert rep["pnl_perp"] == pytest.approx(
        rep["perp_pnl"] + rep["perp_funding"] - rep["perp_penalties"] + rep["perp_written_off"]
    )


def test_decomposition_holds_after_exit() -> None:
    model = build({"full": DEEP, "narrow": lp("narrow_recentre", band_pct=1, exit_block=12)})
    narrow = agent(model, "narrow")
    model.run_for(5)
    push_price(model, 1.03)
    model.run_for(10)
    assert narrow.position.exited and narrow.position.rebalances == 1
    rep = assert_adds_up(narrow)
    assert rep["il_bands_unrealised"] == 0 and rep["il_bands_realised"] < 0
    push_price(model, 1.02)  # after the exit, the wallet's mix still drifts against HODL
    model.run_for(1)
    assert assert_adds_up(narrow)["il_recentre"] != rep["il_recentre"]


def test_deployed_share_shows_idle_inventory() -> None:
    """Time in range says nothing about how much of the capital is in the band: deployed_pct
    and idle_end_pct do (the gas reserve and any unminted remainder stay in the wallet)."""
    model = build({"full": DEEP, "fixed": lp("fixed_band", band_pct=5)})
    fixed = agent(model, "fixed")
    model.run_for(10)
    rep = report(fixed)
    gas_reserve = 0.5 * 3000 / fixed.value()
    assert rep["deployed_pct"] == pytest.approx(100 * (1 - gas_reserve), abs=0.01)
    assert rep["idle_end_pct"] == pytest.approx(100 * gas_reserve, abs=0.01)
    # idle tokens: withdraw half of the position by hand (a burn + collect into the wallet)
    pool = pool_of(model)
    half = fixed.position.liquidity // 2
    p0, p1 = pool.burn(fixed.name, fixed.position.tick_lower, fixed.position.tick_upper, half)
    c0, c1 = pool.collect(
        fixed.name, fixed.position.tick_lower, fixed.position.tick_upper, 2**128 - 1, 2**128 - 1
    )
    fixed.wallet["ETH"] += c0
    fixed.wallet["USDC"] += c1
    fixed.position.liquidity -= half
    books(fixed).minted = (books(fixed).minted[0] - p0, books(fixed).minted[1] - p1)
    books(fixed).lvr_base = fixed.position.amounts()  # what the agent's own burn path records
    model.run_for(10)
    rep = report(fixed)
    assert rep["idle_end_pct"] == pytest.approx(50 + 50 * gas_reserve, abs=0.1)
    assert rep["deployed_pct"] == pytest.approx(100 * (1 - gas_reserve) - 25, abs=1)
    assert_adds_up(fixed)


def test_a_reverted_move_leaves_the_books_the_position_and_the_venue_as_they_were() -> None:
    """A move that reverts after burning, swapping, minting and hedging puts everything back:
    the books (every field), the position record, the wallets, the pool and the perp account."""
    model = build({"full": DEEP, "hedged": lp("hedged", band_pct=1, confirm_blocks=1)})
    hedged = agent(model, "hedged")
    pool = pool_of(model)
    model.run_for(2)
    push_price(model, 1.03)
    assert not hedged.position.in_range()
    b = books(hedged)
    shared = ("model", "market", "position", "perp", "wallet")  # compared on their own below
    before = copy.deepcopy({k: v for k, v in vars(b).items() if k not in shared})
    position = hedged.position.copy()
    wallets = copy.deepcopy(model.market.ledger.wallets)
    account = copy.copy(hedged.perp)
    pool_state = copy.deepcopy(vars(pool))

    def move_then_fail() -> None:
        hedged._withdraw_and_deploy(allow_swap=True)
        hedged._hedge()
        assert hedged.position.in_range() and b.bands == 2 and b.swap_fees_paid > 0
        raise InvalidAmount("the multicall's last step reverts")

    with pytest.raises(InvalidAmount, match="last step"):
        hedged._atomic(move_then_fail)
    after = {k: v for k, v in vars(b).items() if k not in shared}
    assert after == before
    assert hedged.position == position and hedged.perp == account
    assert model.market.ledger.wallets == wallets and vars(pool) == pool_state
    model.check()
