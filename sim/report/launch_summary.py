"""summary.json's `launches` section (only when a `token_developer` launched a token): per token,
what a block explorer shows about it at the end, beside its price since the launch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.model.agent_views import developers
from sim.model.reporters import price_or_nan
from sim.protocols.launches import holder_concentration, launches, locked_lp_share
from sim.report.readings import finite

if TYPE_CHECKING:
    from sim.model.model import MarketModel


def launch_summary(model: MarketModel) -> dict[str, Any]:
    """Per launched token: deployer, pool, mint rights, price at launch and at the end, the share
    of its pool's LP still locked and of its supply in the largest wallet."""
    market = model.market
    protocols = market.protocols
    by_token = {d.token: d for d in developers(model.market_agents)}
    out: dict[str, Any] = {}
    for launch in launches(protocols):
        dev = by_token.get(launch.token)
        start = dev.launch_price if dev is not None else None
        end = finite(price_or_nan(market, launch.token))
        out[launch.token] = {
            "deployer": launch.deployer,
            "pool": launch.pool,
            "block": launch.block,
            "mint_authority": launch.mint_authority,
            "pull": dev.spec.pull if dev is not None else None,
            "price_launch": start,
            "price_end": end,
            "price_change_pct": (end / start - 1) * 100 if start and end is not None else None,
            "lp_locked_end_pct": locked_lp_share(protocols, market.pools[launch.pool], market.block)
            * 100,
            "top_holder_end_pct": holder_concentration(market.ledger, launch.token) * 100,
        }
    return out
