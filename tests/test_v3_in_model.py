"""A Uniswap V3 pool in the full model: range LPs, noise traders and arbitrageurs together."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from agents.arbitrageur import Arbitrageur
from agents.noise_trader import NoiseTrader
from agents.range_lp import RangeLP
from sim.model import MarketModel
from sim.pools.concentrated import ConcentratedPool
from sim.runner import run
from sim.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "v3_band_strategies.toml"


def v3_scenario(fee_bps: int = 30, base_fee: float = 0.0, sigma: float = 1.5) -> dict[str, Any]:
    def lp(strategy: str, capital: float, **kw: Any) -> dict[str, Any]:
        return {
            "kind": "range_lp",
            "pool": "v3",
            "strategy": strategy,
            "capital_usd": capital,
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
                "size_usd": {"dist": "pareto", "scale": 500, "alpha": 1.5, "cap": 200_000},
                "capital_usd": 1_000_000,
            },
            "arbs": {"kind": "arbitrageur", "count": 1, "capital_usd": 20_000_000},
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
    assert m.pools["v3"].fees_usd > 0
    assert m.pools["v3"].lp_fees_usd == pytest.approx(m.pools["v3"].fees_usd)
    # the pool's books: balances cover every position's principal and owed tokens
    lps = [a for a in model.market_agents if isinstance(a, RangeLP)]
    owed0 = sum(a.position_amounts()[0] + a.uncollected_fees()[0] for a in lps)
    owed1 = sum(a.position_amounts()[1] + a.uncollected_fees()[1] for a in lps)
    assert owed0 <= pool.balance0 <= owed0 + 10_000
    assert owed1 <= pool.balance1 <= owed1 + 10_000
    # range LPs earned the fees traders paid (less the contract's rounding)
    earned = sum(a.fees_usd() for a in lps)
    assert earned == pytest.approx(m.pools["v3"].lp_fees_usd, rel=0.02)
    assert sum(a.rebalances for a in lps) > 0


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
        swaps_before = sum(a.swaps_done for a in lps)
        model.step()
        assert pool.liquidity > 0  # type: ignore[attr-defined]  # full range is always in range
        ref = model.market.price("ETH")
        gap = abs(math.log(pool.spot_price("ETH", "USDC") / ref))
        if sum(a.swaps_done for a in lps) > swaps_before:
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
    result = run(SCENARIO, out=None, blocks=1_200)
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
        assert v["fees_earned_usd"] > 0
        assert 0 <= v["time_in_range_pct"] <= 100
        assert v["il_formula_pct"] <= 1e-9
    assert section["hedged_2pct"]["perp_funding_usd"] != 0
    assert s["lp_fee_income_usd"] == pytest.approx(
        sum(v["fees_earned_usd"] for v in section.values())
    )
    agents = result.agents
    rl = agents[agents["kind"] == "range_lp"]
    assert len(rl) == 12
    for col in ("fees_earned_usd", "time_in_range_pct", "il_formula_pct", "net_vs_hodl_usd"):
        assert rl[col].notna().all()
    pool = s["pools"]["eth_usdc"]
    assert pool["kind"] == "concentrated" and pool["lp_fees_usd"] > 0
    assert {"eth_usdc.tick", "eth_usdc.active_liquidity"} <= set(result.timeseries.columns)


def test_sandwich_bots_work_on_a_v3_pool() -> None:
    """Issue 4's 'every agent that trades': sandwich bots plan on the exact V3 swap loop
    (a forked pool), their bundles execute around the victim, every victim still gets its
    amount_out_min and no token is created. A 5 bp tier and large loose trades: on the
    30 bp tier this deep pool leaves nothing to take."""
    raw = v3_scenario(fee_bps=5, base_fee=1.0)
    raw["agents"]["retail"].update(slippage_bps=300, size_usd=300_000)
    raw["agents"]["bot"] = {"kind": "sandwich_bot", "count": 2, "capital_usd": 3_000_000}
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
    assert model.metrics.mev_usd > 0
    model.check()
