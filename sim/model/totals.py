"""Running totals of one pool and of one agent: the rows of the books (`sim.model.books`).

A pool's volume, fees (and the LPs' share of them), loss-versus-rebalancing, the per-LP-share
accumulators and its retail trades' slippage; an agent's volume, fees and gas paid, trade P&L,
LP income and MEV. All in the numeraire, at the reference prices of the block each trade
happened in.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

import numpy as np


@dataclass(slots=True)
class PoolStats:
    """Running totals for one pool."""

    volume: float = 0.0
    fees: float = 0.0
    lp_fees: float = 0.0
    swaps: int = 0
    fee_per_share: float = 0.0  # LP-attributable fee value per LP token (accumulator)
    lvr_per_share: float = 0.0  # loss-versus-rebalancing per LP token (accumulator)
    lvr: float = 0.0  # traders' gain against the pool at reference prices, fees excluded
    arb_gain: float = 0.0  # the arbitrageurs' part of it (they also take back retail impact)
    lp_fee_share: float = 1.0  # fraction of fees that accrues to LPs
    priced: bool = True  # every token has a reference price (else LVR has no meaning)
    start_ratio: float = 0.0  # reference price ratio token0/token1 at start
    start_value_per_share: float = 0.0
    start_claim_per_share: tuple[float, ...] = ()
    # each retail swap's shortfall against the reference price through this pool, bps (a
    # multi-hop trade: its hop's own); `slippage_stats` summarises it
    retail_slippage_bps: array[float] = field(default_factory=lambda: array("d"))

    @property
    def vs_rebalancing(self) -> float:
        """LP value minus a portfolio making the same trades at reference prices: fees - LVR."""
        return self.fees - self.lvr


@dataclass(slots=True)
class AgentStats:
    """Running totals for one agent (numeraire)."""

    volume: float = 0.0
    fees_paid: float = 0.0
    gas_cost: float = 0.0
    swaps: int = 0
    reverts: int = 0
    dropped: int = 0
    trade_pnl: float = 0.0  # value received minus value paid, at reference prices
    lp_fee_income: float = 0.0
    lp_lvr: float = 0.0
    mev_gained: float = 0.0
    mev_lost: float = 0.0
    lp_shares_seen: dict[str, tuple[int, float, float]] = field(default_factory=dict)

    @property
    def slippage(self) -> float:
        """Execution shortfall of its swaps against the reference price, beyond the fees."""
        return -(self.trade_pnl + self.fees_paid)


def slippage_stats(xs: array[float]) -> dict[str, float | int | None]:
    """Slippage of a set of trades: count, mean and quantiles in bps (None without trades)."""
    if not xs:
        return {"trades": 0, "mean_bps": None, "p50_bps": None, "p95_bps": None, "worst_bps": None}
    # numpy over the array's own buffer: a year of trades would be 170 MB as a sorted list
    ordered = np.sort(np.frombuffer(xs, dtype=np.float64))
    n = len(ordered)
    return {
        "trades": n,
        "mean_bps": float(ordered.sum() / n),
        "p50_bps": float(ordered[n // 2]),
        "p95_bps": float(ordered[min(n - 1, int(0.95 * n))]),
        "worst_bps": float(ordered[-1]),
    }
