"""A Uniswap V3 pool in the full model: range LPs, noise traders and arbitrageurs together."""

from __future__ import annotations

import math
from typing import Any

import pytest
from conftest import ROOT

from agents.arbitrageur import Arbitrageur
from agents.noise_trader import NoiseTrader
from agents.range_lp import RangeLP
from sim.model.model import MarketModel
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.report.range_lps import PNL_PARTS
from sim.runs.runner import run
from sim.scenario.scenario import load_scenario

SCENARIO = ROOT / "scenarios" / "v3_band_strategies.toml"


def v3_scenario(fee_bps: int = 30, base_fee: float = 0.0, sigma: float = 1.5) -> dict[str, Any]:
    def lp(strategy: str, capital: float, **kw: Any) -> dict[str, Any]:
        return {
            "kind": "range_lp",
            "pool": "v3",
            "strategy": strategy,
            "capital": capital,
            **kw,
        }

    return {
        "scenario": {"name": "v3model", "seed": 5, "blocks": 400, "block_time_s": 12},
        "chain": {"base_fee_gwei": base_fee},
        "tokens": {"ETH": {"decimals": 18}, "USDC": {"decimals": 6}},
        "prices": {"ETH": {"process": "gbm", "start": 3000.0, "sigma": sigma}},
        "pools": {"v3": {"kind": "concentrated", "tokens": ["ETH", "USDC"], "fee_bps": fee_bps}},
        "agents": {
            "full": lp("full_range", 20_000_000),
            "fixed": lp("fixed_band", 2_000_000, band_pct=3),
            "narrow": lp("narrow_recentre", 1_000_000, band_pct=0.5),
            "event": lp("event_recentre", 1_000_000, band_pct=0.5, confirm_blocks=5),
            "retail": {
                "kind": "noise_trader",
                "count": 10,
                "pools": ["v3"],
                "trades_per_block": 0.3,
                "size": {"dist": "pareto", "scale": 500, "alpha": 1.5, "cap": 200_000},
                "capital": 1_000_000,
            },
            "arbs": {"kind": "arbitrageur", "count": 1, "capital": 20_000_000},
        },
    }


def test_v3_market_conserves_tokens_and_traders_trade() -> None:
    model = MarketModel(load_scenario(v3_scenario(base_fee=2.0)), check_every_block=True)
    pool = model.market.pools["v3"]
    assert isinstance(pool, ConcentratedPool)
    supply0 = model.market.ledger.supply("USDC")
    model.run_for(400)
    model.check()
    assert model.market.ledger.supply("USDC") == supply0  # trading and LPing move USDC only
    m = model.metrics
    traders = [a for a in model.market_agents if isinstance(a, NoiseTrader)]
    retail_swaps = sum(m.agent(a.name).swaps for a in traders)
    assert retail_swaps > 500
    assert sum(m.agent(a.name).reverts for a in traders) < 0.02 * retail_swaps
    arb = next(a for a in model.market_agents if isinstance(a, Arbitrageur))
    assert m.agent(arb.name).swaps > 20
    assert m.pools["v3"].swaps >= retail_swaps + m.agent(arb.name).swaps
    assert m.pools["v3"].fees > 0
    assert m.pools["v3"].lp_fees == pytest.approx(m.pools["v3"].fees)
    # the pool's books: balances cover every position's principal and owed tokens
    lps = [a for a in model.market_agents if isinstance(a, RangeLP)]
    owed0 = sum(a.position.amounts()[0] + a.position.uncollected_fees()[0] for a in lps)
    owed1 = sum(a.position.amounts()[1] + a.position.uncollected_fees()[1] for a in lps)
    assert owed0 <= pool.balance0 <= owed0 + 10_000
    assert owed1 <= pool.balance1 <= owed1 + 10_000
    # range LPs earned the fees traders paid (less the contract's rounding)
    earned = sum(model.lp_books[a.name].fees() for a in lps)
    assert earned == pytest.approx(m.pools["v3"].lp_fees, rel=0.02)
    assert sum(a.position.rebalances for a in lps) > 0


@pytest.mark.parametrize("fee_bps", [5, 30])
def test_arbitrage_keeps_v3_price_in_the_fee_band(fee_bps: int) -> None:
    """At the end of every block the pool is within the fee band of the reference price,
    unless a range LP's own rebalancing swap ran after the arbitrage (LPs bid no priority
    fee): that swap may leave the pool off by at most its own tolerance, and the next
    block's arbitrage closes the gap."""
    raw = v3_scenario(fee_bps=fee_bps, base_fee=0.0, sigma=2.0)
    raw["agents"].pop("retail")
    model = MarketModel(load_scenario(raw))
    pool = model.market.pools["v3"]
    arb = next(a for a in model.market_agents if isinstance(a, Arbitrageur))
    lps = [a for a in model.market_agents if isinstance(a, RangeLP)]
    fee = fee_bps / 10_000
    fee_band = -math.log(1 - fee) + 1e-9
    tolerance = lps[0].spec.swap_slippage_bps / 10_000
    checked = outside = lp_swap_blocks = 0
    for _ in range(300):
        swaps_before = sum(a.position.swaps_done for a in lps)
        model.step()
        assert pool.liquidity > 0  # type: ignore[attr-defined]  # full range is always in range
        ref = model.market.price("ETH")
        gap = abs(math.log(pool.spot_price("ETH", "USDC") / ref))
        if sum(a.position.swaps_done for a in lps) > swaps_before:
            lp_swap_blocks += 1
            # marginal price moves about twice the average one: fee + 2 x tolerance at most
            assert gap <= fee_band + 2 * tolerance + 1e-3
            continue
        checked += 1
        if gap > fee_band:
            trade = arb.best_trade(pool)
            if trade is not None and trade[4] > 1e-6:  # no gas: any profit left is a miss
                outside += 1
    assert outside == 0
    assert checked > 250 and lp_swap_blocks > 0


def test_bundled_scenario_runs_and_reports_every_strategy() -> None:
    # regime spells of ~130 blocks, so that 1,200 blocks see both regimes and some re-centres
    spells = {
        "prices.ETH.start_regime": "volatile",
        "prices.ETH.switch_to_calm_per_year": 20_000,
        "prices.ETH.switch_to_volatile_per_year": 20_000,
    }
    result = run(SCENARIO, out=None, blocks=1_200, overrides=spells)
    s = result.summary
    section = s["range_lps"]
    assert {v["strategy"] for v in section.values()} == {
        "full_range",
        "fixed_band",
        "vol_band",
        "narrow_recentre",
        "event_recentre",
        "hedged",
    }
    for v in section.values():
        assert v["fees_earned"] > 0
        assert 0 <= v["time_in_range_pct"] <= 100
        assert v["il_formula_pct"] <= 1e-9
    assert section["hedged_2pct"]["perp_funding"] != 0
    assert s["lp_fee_income"] == pytest.approx(sum(v["fees_earned"] for v in section.values()))
    agents = result.agents
    rl = agents[agents["kind"] == "range_lp"]
    assert len(rl) == 12
    for col in ("fees_earned", "time_in_range_pct", "il_formula_pct", "net_vs_hodl"):
        assert rl[col].notna().all()
    pool = s["pools"]["eth_usdc"]
    assert pool["kind"] == "concentrated" and pool["lp_fees"] > 0
    assert {"eth_usdc.tick", "eth_usdc.active_liquidity"} <= set(result.timeseries.columns)
    # the decomposition adds up per agent and per cohort (to rounding), in every regime
    parts = list(PNL_PARTS)
    for _, row in rl.iterrows():
        assert sum(row[k] for k in parts) == pytest.approx(row["net_vs_hodl"], abs=1e-6)
        assert abs(row["pnl_rounding"]) < 1e-6
        assert row["net_vs_hodl"] == pytest.approx(row["end_value"] - row["hodl_value"], abs=1e-6)
        # agents.csv's common LP columns are filled for concentrated positions too
        assert row["lp_fee_income"] == row["fees_earned"] > 0
        assert row["lp_lvr"] == row["lvr"] != 0
    for name, v in section.items():
        assert sum(v[k] for k in parts) == pytest.approx(v["net_vs_hodl"], abs=1e-5)
        regimes = v["by_regime"]
        assert set(regimes) == {"calm", "volatile"}
        for k in [*parts, "net_vs_hodl"]:
            assert sum(r[k] for r in regimes.values()) == pytest.approx(v[k], abs=1e-4), (name, k)
        assert sum(r["days"] for r in regimes.values()) == pytest.approx(s["days"], abs=1e-3)
        assert 0 < v["deployed_pct"] <= 100
    hedged = section["hedged_2pct"]
    assert hedged["pnl_perp"] == pytest.approx(
        hedged["perp_pnl"]
        + hedged["perp_funding"]
        - hedged["perp_penalties"]
        + hedged["perp_written_off"]
    )
    moving = [v for v in section.values() if v["rebalances"] > 0]
    assert moving
    for v in moving:
        assert v["il_bands_realised"] != 0 and v["swap_fees_paid"] > 0
    # the positions' LVR adds up to the pool's (sim.model.books books it per trade)
    assert rl["lp_lvr"].sum() == pytest.approx(pool["lvr"], rel=1e-6)
    # headline IL and LP vs HODL of a concentrated pool come from its range LPs
    hodl = rl["hodl_value"].sum()
    assert pool["impermanent_loss_pct"] == pytest.approx(rl["pnl_il"].sum() / hodl * 100)
    assert pool["lp_vs_hodl_pct"] == pytest.approx(rl["net_vs_hodl"].sum() / hodl * 100)
    assert "range LPs" in pool["impermanent_loss_basis"]
    assert s["impermanent_loss_pct"] == pool["impermanent_loss_pct"]
    assert s["lp_vs_hodl_pct"] == pytest.approx(pool["lp_vs_hodl_pct"])


def test_sandwich_bots_work_on_a_v3_pool() -> None:
    """Issue 4's 'every agent that trades': sandwich bots plan on the exact V3 swap loop
    (a forked pool), their bundles execute around the victim, every victim still gets its
    amount_out_min and no token is created. A 5 bp tier and large loose trades: on the
    30 bp tier this deep pool leaves nothing to take."""
    raw = v3_scenario(fee_bps=5, base_fee=1.0)
    raw["agents"]["retail"].update(slippage_bps=300, size=300_000)
    raw["agents"]["bot"] = {"kind": "sandwich_bot", "count": 2, "capital": 3_000_000}
    model = MarketModel(load_scenario(raw))
    checked = []
    hook = model.market.chain.on_bundle
    assert hook is not None

    def spy(bundle, receipts, alone):  # type: ignore[no-untyped-def]
        victim = receipts[len(bundle.before)]
        checked.append(alone >= victim.amount_out >= bundle.target.action.amount_out_min)
        hook(bundle, receipts, alone)

    model.market.chain.on_bundle = spy
    model.run_for(60)
    assert checked and all(checked)
    assert model.metrics.mev > 0
    model.check()


# ---------------------------------------------------------------- headline IL per pool kind


def two_pool_scenario(shock: float) -> dict[str, Any]:
    """USDT loses its peg by `shock` at block 5: a StableSwap and a constant-product pool of
    the same pair, each with passive LPs, and an arbitrageur that takes them to the new price."""
    return {
        "scenario": {"name": "il_kinds", "seed": 2, "blocks": 60, "block_time_s": 12},
        "chain": {"base_fee_gwei": 0.0},
        "tokens": {"USDC": {"decimals": 6}, "USDT": {"decimals": 6}, "ETH": {"decimals": 18}},
        "prices": {
            "USDT": {"process": "gbm", "start": 1.0, "sigma": 0.0},
            "ETH": {"process": "gbm", "start": 3000.0, "sigma": 0.0},
        },
        "pools": {
            "curve": {"kind": "stableswap", "tokens": ["USDT", "USDC"], "A": 50, "fee_bps": 4},
            "v2": {"kind": "constant_product", "tokens": ["USDT", "USDC"], "fee_bps": 30},
        },
        "agents": {
            "curve_lps": {
                "kind": "liquidity_provider",
                "count": 2,
                "pool": "curve",
                "capital": 1_000_000,
            },
            "v2_lps": {
                "kind": "liquidity_provider",
                "count": 2,
                "pool": "v2",
                "capital": 1_000_000,
            },
            "arbs": {"kind": "arbitrageur", "count": 1, "capital": 5_000_000},
        },
        "events": {
            "depeg": {"kind": "price_shock", "at_block": 5, "asset": "USDT", "factor": shock}
        },
    }


@pytest.mark.parametrize("shock", [0.97, 0.9])
def test_stableswap_headline_il_comes_from_the_invariant(shock: float) -> None:
    """The StableSwap pool's impermanent_loss_pct is its start balances moved along its own
    curve to the final prices (checked here with the pool's exact integer math and a
    fee-free copy of the pool), not the constant-product formula."""
    from sim.pools.curve.stableswap import StableSwapPool
    from sim.report.summary import summarize

    model = MarketModel(load_scenario(two_pool_scenario(shock)))
    model.run_for(60)
    s = summarize(model)
    curve = s["pools"]["curve"]
    assert "StableSwap invariant" in curve["impermanent_loss_basis"]
    # independent: a fee-free pool with the same A holding the start balances of all shares,
    # arbitraged with exact integer swaps to the final reference price
    live = model.market.pools["curve"]
    assert isinstance(live, StableSwapPool)
    start = model.metrics.pools["curve"].start_claim_per_share
    supply = live.total_supply
    pool = StableSwapPool("copy", live.tokens, live.decimals, live._A() // 100, 0, 0)
    pool.add_liquidity([round(c * supply) for c in start], 0, "lp")
    x0 = list(pool.balances)
    usdt = model.market.price("USDT")
    pool.swap_exact_in("USDT", "USDC", pool.arb_amount_in("USDT", "USDC", 1 / usdt), 0)
    assert pool.spot_price("USDT", "USDC") == pytest.approx(usdt, rel=1e-6)
    prices = (usdt, 1.0)
    lp = sum(p * b / 1e6 for p, b in zip(prices, pool.balances, strict=True))
    hold = sum(p * b / 1e6 for p, b in zip(prices, x0, strict=True))
    exact = (lp / hold - 1) * 100
    assert curve["impermanent_loss_pct"] == pytest.approx(exact, rel=1e-4)
    # far smaller than the constant-product IL of the same move (the curve is flat near 1)
    r = usdt
    cp = (2 * math.sqrt(r) / (1 + r) - 1) * 100
    assert curve["impermanent_loss_pct"] < 0
    assert abs(curve["impermanent_loss_pct"] - cp) > 0.5 * abs(cp)
    # the constant-product pool keeps the x*y=k formula
    v2 = s["pools"]["v2"]
    assert v2["impermanent_loss_pct"] == pytest.approx(cp, rel=1e-9)
    assert "x*y=k" in v2["impermanent_loss_basis"]


def test_stableswap_il_of_three_coins_matches_exact_arbitrage() -> None:
    from sim.pools.curve.stableswap import StableSwapPool
    from sim.pools.curve.views import stableswap_il

    tokens, decimals = ("A", "B", "C"), (18, 6, 18)
    pool = StableSwapPool("s", tokens, decimals, 100, 0, 0)
    pool.add_liquidity([1_000_000 * 10**d for d in decimals], 0, "lp")
    x0 = list(pool.balances)
    prices = [0.97, 1.0, 1.01]
    il = stableswap_il(pool, tuple(float(b) for b in x0), prices)
    for _ in range(40):  # exact fee-free arbitrage between every pair until nothing pays
        for i, a in enumerate(tokens):
            for j, b in enumerate(tokens):
                if i != j and (amount := pool.arb_amount_in(a, b, prices[j] / prices[i])) > 0:
                    pool.swap_exact_in(a, b, amount, 0)
    value = sum(p * b / 10**d for p, b, d in zip(prices, pool.balances, decimals, strict=True))
    hold = sum(p * b / 10**d for p, b, d in zip(prices, x0, decimals, strict=True))
    assert il is not None and il < 0
    assert il == pytest.approx(value / hold - 1, rel=1e-6)


def test_the_v3_oracle_runs_on_the_chain_clock() -> None:
    """The pool's first observation is block 0's time; each block's first tick move writes
    one at that block's `block.timestamp` (the model sets it), so `observe` reads the chain."""
    from sim.chain.chain import GENESIS_TIMESTAMP

    model = MarketModel(load_scenario(v3_scenario()))
    pool = model.market.pools["v3"]
    assert isinstance(pool, ConcentratedPool)
    assert pool.observations[0].block_timestamp == GENESIS_TIMESTAMP
    pool.increase_observation_cardinality_next(200)
    model.run_for(150)
    now = model.market.chain.timestamp
    assert pool.block_timestamp == now
    written = [o for o in pool.observations[1:] if o.initialized]
    assert len(written) == pool.observation_index  # no wrap yet: slots 1..index
    assert len(written) > 10  # the arbitrageurs move the tick in many blocks
    assert all((o.block_timestamp - GENESIS_TIMESTAMP) % 12 == 0 for o in written)
    assert len({o.block_timestamp for o in written}) == len(written)  # at most one a block
    (tick_now, tick_then), _ = pool.observe([0, 150 * 12])
    assert min(o.block_timestamp for o in written) > GENESIS_TIMESTAMP
    assert (tick_now - tick_then) // (150 * 12) == pytest.approx(pool.tick, abs=200)
