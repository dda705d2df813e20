"""Range LPs in a small model, for the tests of the range LP, its books and its hedge.

A flat reference price (sigma 0) unless a test needs it to move, and a test "whale" that
moves the pool price with ordinary swap transactions, so that every effect comes from the
agents' own transactions. Imported as `from range_lp_cases import ...` (tests/ is on the path).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from agents.range_lp import RangeLP
from sim.chain.transactions import Receipt, SwapExactIn, Tx
from sim.market.position_books import pair_value
from sim.model.model import MarketModel
from sim.model.position_books import RangeLPBooks
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.report.range_lps import PNL_PARTS, range_lp_row
from sim.scenario.scenario import load_scenario

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
    return {"kind": "range_lp", "pool": "v3", "strategy": strategy, "capital": 1e6, **kw}


DEEP = lp("full_range", capital=1_000_000_000)
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


def books(a: RangeLP) -> RangeLPBooks:
    """The books the model keeps for `a`."""
    model = a.model
    assert isinstance(model, MarketModel)
    return model.lp_books[a.name]


def report(a: RangeLP) -> dict[str, Any]:
    """`a`'s agents.csv columns."""
    return range_lp_row(books(a))


def usd(a: RangeLP, amount0: float, amount1: float) -> float:
    """Value of raw amounts of `a`'s pool tokens at reference prices."""
    return pair_value(a.market, a.pool.tokens, amount0, amount1)


PARTS = PNL_PARTS


def assert_adds_up(a: RangeLP) -> dict[str, Any]:
    """The pnl_* columns add up to the net result, and the rounding left over is negligible."""
    rep = report(a)
    net = rep["net_vs_hodl"]
    assert net == pytest.approx(a.value() - books(a).hodl_value(), abs=1e-9)
    assert math.fsum(rep[k] for k in PARTS) == pytest.approx(net, abs=1e-6)
    assert abs(rep["pnl_rounding"]) < 1e-6
    assert rep["pnl_il"] == pytest.approx(rep["il_bands"] + rep["il_recentre"])
    assert rep["pnl_swap_costs"] == pytest.approx(-(rep["swap_fees_paid"] + rep["swap_impact"]))
    return rep


NORMAL = {
    "full": lp("full_range", capital=60_000_000),
    "fixed": lp("fixed_band", band_pct=5, capital=5_000_000),
}
"""A normally liquid pool: 60M of full-range liquidity and a 5M +-5% band."""


def deployed_share(a: RangeLP) -> float:
    """Share of the agent's tokens (wallet, gas reserve excluded, + position principal) in
    the position, at reference prices."""
    position = usd(a, *a.position.amounts())
    return position / (position + usd(a, *a.inventory()))
