"""The dashboard's numbers as text: the model's time and headline numbers, and its settings.

Both are read by people (the Numbers card) and by the browser tests, so their wording is kept
stable: `block N of M`, `<pool> (fee F bps): fees X`, `<path> = value`.
"""

from __future__ import annotations

from sim.scenario.paths import get_path
from sim.viz.controls import controls
from sim.viz.model import DashboardModel


def stats_text(model: DashboardModel) -> str:
    """The headline numbers as text lines (the browser test reads them)."""
    m = model.metrics
    n = model.market.numeraire
    block = model.market.block
    days = block * model.block_time_s / 86_400
    lines = [f"block {block:,} of {model.block_limit:,}  (day {days:.3f})"]
    fees = sum(p.fees for p in m.pools.values())
    lines.append(f"fees {fees:,.2f} {n}")
    for name in model.market.pools:
        hodl = m.share_hodl(name)
        fee = getattr(model.spec.pools[name], "fee_bps", None)
        label = f"{name} (fee {fee:g} bps)" if fee is not None else name
        line = f"{label}: fees {m.pools[name].fees:,.2f} {n}"
        if hodl:
            line += f", LP vs HODL {(m.share_value(name) / hodl - 1) * 100:+.4f}%"
        lines.append(line)
    lines.append(f"arbitrage profit {m.arb_profit:,.2f} {n}")
    slip = m.slippage_summary()
    if slip["trades"]:
        lines.append(
            f"retail trades {slip['trades']:,}, mean slippage {slip['mean_bps']:.1f} bps, "
            f"p95 {slip['p95_bps']:.1f} bps"
        )
    if m.mev or m.sandwiches:
        lines.append(f"MEV extracted {m.mev:,.2f} {n} in {m.sandwiches} sandwiches")
    if model.market.protocols.lending:
        lines.append(f"liquidations {len(model.market.protocols.liquidations)}")
    return "\n".join(lines)


def params_text(model: DashboardModel) -> str:
    """The settings this model was built with, one control per line."""
    lines = []
    for c in controls(model.spec):
        value = get_path(model.spec, c.path)
        lines.append(f"{c.path} = {value:g}" if isinstance(value, float) else f"{c.path} = {value}")
    return "\n".join(lines)
