"""How the printed summary states impermanent loss: on which basis, and for range LPs the parts
of their net result against holding, each as a % of the same HODL value.

The headline `impermanent_loss_pct` is the first pool's, by the formula its kind needs
(`sim.report.summary.IL_BASIS`). For a passive LP it is the loss of holding the position from
start to end, fees excluded. For range LPs it is what their bands lost against holding,
realised at every re-centre, so it grows with each move even when the price ends near where
it started: the line says so, next to the fees and costs it is set against.
"""

from __future__ import annotations

from typing import Any

__all__ = ["il_text", "range_lp_lines"]

IL_BASIS_SHORT = {
    "constant_product": "x*y=k at the final price ratio",
    "stableswap": "the start balances moved along the curve",
    "concentrated": "range LPs' bands and re-centring, % of their HODL value",
}
"""The basis of the headline IL per pool kind, in a few words (summary.json has it in full)."""


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:+.3f}%"


def il_text(s: dict[str, Any]) -> str:
    """`impermanent loss alone: -0.004%, x*y=k at the final price ratio` (names the pool when
    there are several: the headline is the first pool's)."""
    pools = s.get("pools") or {}
    name, pool = next(iter(pools.items()), ("", {}))
    where = f" in {name}" if len(pools) > 1 else ""
    basis = IL_BASIS_SHORT.get(pool.get("kind", ""))
    text = f"impermanent loss alone{where}: {_pct(s.get('impermanent_loss_pct'))}"
    return f"{text}, {basis}" if basis and s.get("impermanent_loss_pct") is not None else text


def range_lp_lines(s: dict[str, Any]) -> list[str]:
    """Range LPs' net result against holding = fees + IL + swap costs + gas + perp, each as a %
    of their HODL value (what the tokens they were funded with are worth now), IL split into
    what was realised at band moves and the rest."""
    cohorts = list((s.get("range_lps") or {}).values())
    hodl = sum(c["hodl_value"] for c in cohorts)
    if not hodl:
        return []

    def part(key: str) -> float:
        return sum(c[key] for c in cohorts) / hodl * 100

    moves = sum(c["rebalances"] for c in cohorts)
    terms = [
        f"fees {_pct(part('pnl_fees'))}",
        f"IL {_pct(part('pnl_il'))} ({_pct(part('il_bands_realised'))} realised at "
        f"{moves:,} band moves)",
        f"swap costs {_pct(part('pnl_swap_costs'))}",
        f"gas {_pct(part('pnl_gas'))}",
    ]
    if any(c.get("perp_pnl") is not None for c in cohorts):
        terms.append(f"perp {_pct(part('pnl_perp'))}")
    return [f"  {'range LPs':<19} {_pct(part('net_vs_hodl'))} = " + " + ".join(terms)]
