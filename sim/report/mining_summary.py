"""summary.json's `mining` section (issue 6; only with [rewards]): the reward token's price path,
emissions against payouts, headline against realised APR, miners' entries, exits and why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.model.agent_views import miners
from sim.report.readings import recorded

if TYPE_CHECKING:
    from sim.model.model import MarketModel


def mining_summary(model: MarketModel) -> dict[str, Any]:
    """Liquidity mining: reward token price path, emissions vs payouts, headline vs realised APR."""
    market = model.market
    chef = market.protocols.chef
    if chef is None:
        return {}
    acc = chef.accounts()
    scale = 10**chef.decimals
    mining_lps = miners(model.market_agents)
    token = chef.token
    prices = recorded(model, f"rewards.{token}.price")
    pools: dict[str, Any] = {}
    for pool in chef.pools:
        head = recorded(model, f"rewards.{pool}.headline_apr_pct")
        counts = recorded(model, f"rewards.{pool}.miners")
        emission = recorded(model, f"rewards.{pool}.emission_per_day")
        pools[pool] = {
            "emission_per_day_start": emission[0] if emission else None,
            "emission_per_day_end": emission[-1] if emission else None,
            "headline_apr_pct_peak": max(head) if head else None,
            "headline_apr_pct_end": head[-1] if head else None,
            "miners_peak": int(max(counts)) if counts else 0,
            "miners_end": int(counts[-1]) if counts else 0,
            "entries": sum(1 for a in mining_lps for e in a.entries if e["pool"] == pool),
            "exits": sum(1 for a in mining_lps for e in a.exits if e["pool"] == pool),
        }
    reasons: dict[str, int] = {}
    for a in mining_lps:
        for e in a.exits:
            key = str(e.get("signal", e["reason"]))
            reasons[key] = reasons.get(key, 0) + 1
    realised = recorded(model, "rewards.realised_apr_pct")
    return {
        "reward_token": token,
        "reward_price_start": prices[0] if prices else None,
        "reward_price_min": min(prices) if prices else None,
        "reward_price_end": prices[-1] if prices else None,
        "emitted": acc.emitted / scale,
        "undistributed": acc.undistributed / scale,
        "paid": acc.paid / scale,
        "pending": acc.pending / scale,
        "rounding_dust_units": acc.dust,
        "realised_reward_apr_pct_end": realised[-1] if realised else None,
        "miners": len(mining_lps),
        "miners_entered": sum(1 for a in mining_lps if a.entries),
        "exit_reasons": dict(sorted(reasons.items())),
        "pools": pools,
    }
