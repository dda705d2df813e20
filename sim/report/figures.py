"""The run's figure.png: a panel for each thing the run has to show, chosen from its data.

Each AMM pool gets its own price panel (the reference against the pool; a log axis when the
price moves by orders of magnitude); LP value against holding and cumulative fees follow, with
pools of very different size on separate panels so that no line lies flat at 0. Range LP
strategies, sandwiches, liquid staking and lending, liquidity mining and rug pulls get their
panels only in runs that have them, and a rug pull is marked on every time axis. A panel whose
lines would all be zero is left out, and the grid adapts to the number of panels.

The plot functions live in `pool_plots` and `protocol_plots`; notebooks and the dashboard
import them from here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.report.plotting import magnitude, magnitude_groups, mark_days, plt, shows_something
from sim.report.pool_plots import (
    fee_size,
    lp_vs_hodl_pct,
    lst_rate,
    plot_fees,
    plot_lp_vs_hodl,
    plot_price,
    plot_prices,
    pool_names,
    pool_tokens,
)
from sim.report.protocol_plots import (
    lending_markets,
    lst_lp_pools,
    lsts,
    plot_health,
    plot_lst_depeg,
    plot_mev,
    plot_pool_tvl,
    plot_range_lps,
    plot_rates,
    plot_reward_apr,
    plot_rug,
    pulled_rugs,
    rate_columns,
    reward_apr_columns,
)

__all__ = [
    "PNG_METADATA",
    "overview",
    "overview_panels",
    "plot_fees",
    "plot_lp_vs_hodl",
    "plot_lst_depeg",
    "plot_mev",
    "plot_pool_tvl",
    "plot_price",
    "plot_prices",
    "plot_range_lps",
    "plot_reward_apr",
    "plot_rug",
    "plt",
    "pool_names",
    "save",
]

PNG_METADATA = {"Software": None}
"""No version strings in PNGs, so the same run gives byte-identical images."""

Panel = Callable[[Axes], Any]
"""Draws one panel on the Axes it is given."""


def overview_panels(ts: pd.DataFrame, summary: dict[str, Any]) -> list[tuple[Panel, bool]]:
    """The panels of figure.png in order, each with whether its x axis is time (rugs are
    marked there); only panels with something to show."""
    n = str(summary.get("numeraire", ""))
    cuts = {str(r["pool"]): int(r["block"]) for r in pulled_rugs(summary) if r.get("pool")}
    pools = pool_names(ts)
    timed: list[Panel] = [
        partial(plot_price, ts, p) for p in pools if shows_something(ts[f"{p}.ref_price"])
    ]

    lp: dict[str, float] = {}
    for p in pools:
        pct = lp_vs_hodl_pct(ts, p, cuts.get(p))
        if pct is not None and shows_something(pct):  # IL(r) alone is a formula, not data
            lp[p] = max(magnitude(pct), magnitude(ts.get(f"{p}.il_formula_pct", [])))
    timed += [partial(_lp_panel, ts, g, cuts) for g in magnitude_groups(lp)]
    fees = {p: fee_size(ts, p) for p in pools}
    timed += [partial(_fee_panel, ts, g, n) for g in magnitude_groups(fees)]

    shown_with_pool = {pool_tokens(ts, p)[0] for p in pools if lst_rate(ts, p) is not None}
    depeg = [t for t in lsts(ts) if t not in shown_with_pool]
    if depeg:
        timed.append(partial(_depeg_panel, ts, depeg))
    tvl = [p for p in lst_lp_pools(summary) if f"{p}.tvl" in ts]
    if tvl:
        timed.append(partial(_tvl_panel, ts, tvl, n))
    markets = lending_markets(ts)
    if any(shows_something(ts[f"lending.{m}.min_hf"]) for m in markets):
        timed.append(partial(plot_health, ts, markets))
    if any(shows_something(ts[c]) for c in rate_columns(ts, markets)):
        timed.append(partial(_rates_panel, ts, markets, staking_yields(summary)))
    if reward_apr_columns(ts):
        timed.append(partial(_reward_panel, ts))

    other: list[Panel] = []
    if summary.get("range_lps"):
        other.append(partial(plot_range_lps, summary))
    if (summary.get("mev") or {}).get("sandwiches", 0):
        other.append(partial(plot_mev, summary))
    if pulled_rugs(summary):
        other.append(partial(plot_rug, summary))
    return [(p, True) for p in timed] + [(p, False) for p in other]


def overview(ts: pd.DataFrame, summary: dict[str, Any]) -> Figure:
    """The run's figure.png: the panels of `overview_panels` on a grid of up to four columns."""
    panels = overview_panels(ts, summary)
    cols, rows = grid(len(panels))
    fig = plt.figure(figsize=(5 * cols, 3.9 * rows + 0.3), layout="constrained")
    t = ts["time_days"]
    rugs = [(float(r["day"]), f"{r['pool']} rug") for r in pulled_rugs(summary) if "day" in r]
    for i, (draw, timed) in enumerate(panels):
        ax = fig.add_subplot(rows, cols, i + 1)
        draw(ax)
        if timed:
            mark_days(ax, rugs)
            if len(t) > 1 and t.iloc[-1] > t.iloc[0]:
                ax.set_xlim(t.iloc[0], t.iloc[-1])  # a line cut at a rug still spans the run
    if not panels:
        fig.text(0.5, 0.5, "nothing to draw: no pools or protocols recorded", ha="center")
    fig.suptitle(f"{summary['scenario']} (seed {summary['seed']})", fontsize=11)
    return fig


def grid(n: int) -> tuple[int, int]:
    """(columns, rows) for n panels: one row up to four, then three or four columns, whichever
    leaves fewer empty places (no axes is made for them)."""
    if n <= 4:
        return max(n, 1), 1
    cols = min((4, 3), key=lambda c: (-n) % c)
    return cols, -(-n // cols)


def save(fig: Figure, path: Any) -> None:
    """Save a figure deterministically and release it."""
    fig.savefig(path, dpi=110, metadata=PNG_METADATA)
    plt.close(fig)


def _lp_panel(ts: pd.DataFrame, pools: list[str], cuts: dict[str, int], ax: Axes) -> None:
    plot_lp_vs_hodl(ts, ax, pools, until={p: b for p, b in cuts.items() if p in pools})


def _fee_panel(ts: pd.DataFrame, pools: list[str], numeraire: str, ax: Axes) -> None:
    plot_fees(ts, ax, pools, numeraire)


def _depeg_panel(ts: pd.DataFrame, tokens: list[str], ax: Axes) -> None:
    plot_lst_depeg(ts, ax, tokens)
    ax.set_title("Depeg: LST pool price vs exchange rate")
    ax.legend(fontsize=7)


def _tvl_panel(ts: pd.DataFrame, pools: list[str], numeraire: str, ax: Axes) -> None:
    plot_pool_tvl(ts, pools, numeraire, ax)
    ax.set_title("LST pool TVL: its LPs leaving")
    ax.legend(fontsize=7)


def staking_yields(summary: dict[str, Any]) -> dict[str, float]:
    """Each liquid-staking token's staking APR from the summary, labelled for the rates panel."""
    return {
        f"{lst} staking APR": float(v["apr_pct"])
        for lst, v in (summary.get("staking") or {}).items()
        if isinstance(v, dict) and v.get("apr_pct") is not None
    }


def _rates_panel(ts: pd.DataFrame, markets: list[str], yields: dict[str, float], ax: Axes) -> None:
    plot_rates(ts, markets, ax, yields)


def _reward_panel(ts: pd.DataFrame, ax: Axes) -> None:
    plot_reward_apr(ts, ax)
    ax.legend(fontsize=7)
