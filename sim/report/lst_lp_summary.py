"""summary.json's `staking.<lst>.pool_lps`: the LST pool's liquidity providers who left and the
pool's TVL path (only when the scenario has `lst_lp` providers in a pool of that LST)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.report.readings import recorded

if TYPE_CHECKING:
    from sim.model.model import MarketModel


def lst_pool_lps(model: MarketModel, lst: str) -> dict[str, Any] | None:
    """The first pool of `lst` that `lst_lp` providers hold: LPs, withdrawals (count, value at
    the prices of their blocks) and its TVL at the start, at its lowest record and at the end."""
    market = model.market
    rows = [a.report() for a in model.market_agents if a.kind == "lst_lp"]
    rows = [r for r in rows if lst in market.pools[str(r["pool"])].tokens]
    if not rows:
        return None
    pool = str(rows[0]["pool"])
    rows = [r for r in rows if r["pool"] == pool]
    out = [r for r in rows if r.get("withdrawn_at_block") is not None]
    tvl = recorded(model, f"{pool}.tvl")
    end = market.wallet_value(market.pools[pool].holdings())
    start = tvl[0] if tvl else None
    low = min([*tvl, end])
    return {
        "pool": pool,
        "lps": len(rows),
        "withdrawals": len(out),
        "withdrawn_value": sum(_number(r["withdrawn_value"]) for r in out),
        "first_withdrawal_block": min(
            (int(_number(r["withdrawn_at_block"])) for r in out), default=None
        ),
        "tvl_start": start,
        "tvl_min": low,
        "tvl_end": end,
        "tvl_lost_pct": (1 - low / start) * 100 if start else None,
    }


def _number(x: object) -> float:
    """A number an agent's report gives (0 for anything else)."""
    return float(x) if isinstance(x, int | float) else 0.0
