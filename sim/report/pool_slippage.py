"""Retail slippage per pool: what a trader pays in each pool of a scenario with several.

The lesson of `stableswap_vs_constant_product` is the ratio of two pools' slippage for the
same flow; the books keep each pool's retail trades (`PoolStats.retail_slippage_bps`), and
this module puts them in summary.json (`slippage.by_pool`) and in the printed summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.model.totals import slippage_stats

if TYPE_CHECKING:
    from sim.model.model import MarketModel

__all__ = ["pool_slippage_lines", "slippage_by_pool"]


def slippage_by_pool(model: MarketModel) -> dict[str, Any]:
    """`by_pool` (each pool's retail slippage stats) and `by_pool_mean_ratio` (the highest
    pool mean over the lowest, when two or more pools have retail trades); {} with one pool."""
    pools = model.metrics.pools
    if len(pools) < 2:
        return {}
    by_pool = {name: slippage_stats(st.retail_slippage_bps) for name, st in pools.items()}
    out: dict[str, Any] = {"by_pool": by_pool}
    means = [float(s["mean_bps"] or 0.0) for s in by_pool.values() if s["trades"]]
    if len(means) >= 2 and min(means) > 0:
        out["by_pool_mean_ratio"] = max(means) / min(means)
    return out


def pool_slippage_lines(slippage: dict[str, Any]) -> list[str]:
    """The printed line comparing pools, when two or more pools have retail trades:
    `slippage by pool    mean per retail trade: curve 4.0 bps, univ2 41.1 bps (10.3x)`."""
    traded = {k: v for k, v in (slippage.get("by_pool") or {}).items() if v["trades"]}
    if len(traded) < 2:
        return []
    text = ", ".join(f"{name} {v['mean_bps']:.1f} bps" for name, v in traded.items())
    ratio = slippage.get("by_pool_mean_ratio")
    if ratio is not None:
        text += f" ({ratio:.1f}x)"
    return [f"  {'slippage by pool':<19} mean per retail trade: {text}"]
