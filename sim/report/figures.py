"""Pictures that explain a run: reference vs pool price, LP value vs HODL, cumulative fees.

Plot functions take a time-series DataFrame and an optional Axes and return the
Axes, so notebooks, the dashboard and `ammsim compare` can reuse them.
"""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

PNG_METADATA = {"Software": None}
"""No version strings in PNGs, so the same run gives byte-identical images."""


def pool_names(ts: pd.DataFrame) -> list[str]:
    """Pools present in a time series (those with both a price and a reference price column)."""
    cols = set(ts.columns)
    return [
        c.removesuffix(".price")
        for c in ts.columns
        if c.endswith(".price") and c.replace(".price", ".ref_price") in cols
    ]


def plot_prices(ts: pd.DataFrame, ax: Axes | None = None, pools: list[str] | None = None) -> Axes:
    """Each pool's price against the reference price of the same pair."""
    ax = ax or plt.figure().gca()
    for name in pools or pool_names(ts):
        (line,) = ax.plot(
            ts["time_days"], ts[f"{name}.ref_price"], lw=1.2, label=f"{name} reference"
        )
        ax.plot(
            ts["time_days"],
            ts[f"{name}.price"],
            lw=0.8,
            ls="--",
            color=line.get_color(),
            alpha=0.8,
            label=f"{name} pool",
        )
    ax.set_title("Reference price vs pool price")
    ax.set_xlabel("days")
    ax.legend(fontsize=7)
    return ax


def plot_lp_vs_hodl(
    ts: pd.DataFrame, ax: Axes | None = None, pools: list[str] | None = None
) -> Axes:
    """LP share value against holding its starting tokens, in % (fees included), with IL(r) alone."""
    ax = ax or plt.figure().gca()
    for name in pools or pool_names(ts):
        v, h = ts[f"{name}.lp_value_per_share_usd"], ts[f"{name}.hodl_value_per_share_usd"]
        if not h.iloc[0]:
            continue
        (line,) = ax.plot(
            ts["time_days"], 100 * (v / h - 1), lw=1.2, label=f"{name} LP vs HODL (with fees)"
        )
        il = f"{name}.il_formula_pct"
        if il in ts:
            ax.plot(
                ts["time_days"],
                ts[il],
                lw=1,
                ls=":",
                color=line.get_color(),
                label=f"{name} IL(r) alone",
            )
    ax.axhline(0, color="grey", lw=0.6)
    if not ax.get_legend_handles_labels()[0]:
        ax.text(
            0.5,
            0.5,
            "no LP-token pools\n(see agents.csv for ranged LPs)",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
    ax.set_title("LP value vs HODL, %")
    ax.set_xlabel("days")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    return ax


def plot_fees(ts: pd.DataFrame, ax: Axes | None = None, pools: list[str] | None = None) -> Axes:
    """Cumulative swap fees per pool, in the numeraire."""
    ax = ax or plt.figure().gca()
    for name in pools or pool_names(ts):
        (line,) = ax.plot(ts["time_days"], ts[f"{name}.fees_usd"], lw=1.2, label=f"{name} fees")
        lvr = f"{name}.lvr_usd"
        if lvr in ts and ts[lvr].abs().max() > 0:
            ax.plot(
                ts["time_days"], ts[lvr], lw=1, ls="--", color=line.get_color(), label=f"{name} LVR"
            )
    ax.set_title("Cumulative fees and loss-versus-rebalancing")
    ax.set_xlabel("days")
    ax.legend(fontsize=7)
    return ax


def plot_lst_depeg(ts: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Each liquid-staking token's pool price (solid) against its exchange rate (dotted)."""
    ax = ax or plt.figure().gca()
    for col in [c for c in ts.columns if c.startswith("staking.") and c.endswith(".market_rate")]:
        lst = col.split(".")[1]
        (line,) = ax.plot(ts["time_days"], ts[col], lw=1.2, label=f"{lst} pool price")
        ax.plot(
            ts["time_days"],
            ts[f"staking.{lst}.exchange_rate"],
            lw=0.9,
            ls=":",
            color=line.get_color(),
            label=f"{lst} exchange rate",
        )
    ax.set_xlabel("days")
    return ax


def plot_reward_apr(ts: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Each mining pool's headline reward APR against what miners realised (cumulative), %."""
    ax = ax or plt.figure().gca()
    for col in [
        c for c in ts.columns if c.startswith("rewards.") and c.endswith(".headline_apr_pct")
    ]:
        ax.plot(ts["time_days"], ts[col], lw=1.1, label=f"{col.split('.')[1]} headline")
    if "rewards.realised_apr_pct" in ts:
        ax.plot(
            ts["time_days"],
            ts["rewards.realised_apr_pct"],
            lw=1.3,
            color="black",
            label="miners' realised (cumulative)",
        )
    ax.set_yscale("symlog", linthresh=10.0)
    ax.set_xlabel("days")
    return ax


def plot_mev(summary: dict[str, Any], ax: Axes | None = None) -> Axes:
    """Who lost what to sandwiches (per victim cohort, with its slippage tolerance) and what bots took."""
    ax = ax or plt.figure().gca()
    mev = summary.get("mev") or {}
    cohorts = mev.get("by_victim_cohort", {})
    labels = [
        f"{c}\n({v['slippage_bps']:g} bps tol.)" if "slippage_bps" in v else c
        for c, v in cohorts.items()
    ]
    losses = [v["victim_loss_usd"] for v in cohorts.values()]
    ax.bar(labels, losses, color="tab:red", label="victims' loss")
    ax.bar(
        ["sandwich bots"],
        [mev.get("bot_gross_usd", 0.0)],
        color="tab:green",
        label="bots' gross gain",
    )
    if "bot_net_usd" in mev:
        ax.bar(
            ["bots after gas"],
            [mev["bot_net_usd"]],
            color="tab:olive",
            label="bots' net (after gas and priority fees)",
        )
        ax.axhline(0, color="grey", lw=0.6)
    ax.set_title(f"Sandwiches: {mev.get('sandwiches', 0)} ({summary['numeraire']})")
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=7)
    return ax


RANGE_LP_PARTS = (
    ("pnl_fees_usd", "fees earned", "tab:blue"),
    ("pnl_il_usd", "IL vs HODL (bands + re-centring)", "tab:red"),
    ("pnl_swap_costs_usd", "rebalancing swaps (fee + impact)", "tab:orange"),
    ("pnl_gas_usd", "gas", "tab:grey"),
    ("pnl_perp_usd", "perp hedge (P&L + funding)", "tab:purple"),
)
"""The range-LP P&L parts drawn as stacked bars (with pnl_rounding_usd they add up to the net)."""


def plot_range_lps(summary: dict[str, Any], ax: Axes | None = None) -> Axes:
    """Concentrated-liquidity strategies side by side: where each one's net result against
    holding comes from (stacked: gains up, losses down; the diamond is the net), and, for a
    regime-switching price, the net earned in calm and in volatile spells."""
    ax = ax or plt.figure().gca()
    section = summary.get("range_lps") or {}
    names = list(section)
    x = list(range(len(names)))
    regimes = sorted({r for v in section.values() for r in v.get("by_regime") or {}})
    width = 0.42 if regimes else 0.6
    main = [i - 0.2 if regimes else i for i in x]
    up = [0.0] * len(names)
    down = [0.0] * len(names)
    for key, label, color in RANGE_LP_PARTS:
        values = [section[n].get(key) or 0.0 for n in names]
        if not any(values):
            continue
        bottoms = [up[i] if v >= 0 else down[i] for i, v in enumerate(values)]
        ax.bar(main, values, width, bottom=bottoms, color=color, label=label)
        for i, v in enumerate(values):
            if v >= 0:
                up[i] += v
            else:
                down[i] += v
    ax.scatter(
        main,
        [section[n].get("net_vs_hodl_usd") or 0.0 for n in names],
        marker="D",
        color="black",
        zorder=3,
        label="net vs HODL",
    )
    colors = {"calm": "tab:green", "volatile": "tab:brown"}
    extremes = [*up, *down]
    for k, regime in enumerate(regimes):
        nets = [
            ((section[n].get("by_regime") or {}).get(regime) or {}).get("net_vs_hodl_usd", 0.0)
            for n in names
        ]
        extremes += nets
        ax.bar(
            [i + 0.12 + 0.16 * k for i in x],
            nets,
            0.16,
            color=colors.get(regime, f"C{k + 5}"),
            label=f"net in {regime} spells",
        )
    if extremes:
        lo, hi = min(0.0, *extremes), max(0.0, *extremes)
        pad = 0.08 * (hi - lo) or 1.0
        ax.set_ylim(lo - pad, hi + pad)
    ax.set_xticks(x, names, fontsize=7, rotation=20)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.tick_params(axis="y", labelsize=7)
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_title(f"Range LP strategies: net vs HODL and its parts ({summary['numeraire']})")
    ax.legend(fontsize=6, loc="best")
    return ax


def overview(ts: pd.DataFrame, summary: dict[str, Any]) -> Figure:
    """The run's figure.png: prices, LP vs HODL (or the range LP strategies when only
    concentrated pools hold liquidity), fees and LVR, and sandwiches when there were any."""
    sandwiches = (summary.get("mev") or {}).get("sandwiches", 0)
    n = 4 if sandwiches else 3
    fig, axes = plt.subplots(1, n, figsize=(5 * n, 4.2), layout="constrained")
    plot_prices(ts, axes[0])
    plot_lp_vs_hodl(ts, axes[1])
    if summary.get("range_lps") and not axes[1].get_legend_handles_labels()[0]:
        axes[1].clear()
        plot_range_lps(summary, axes[1])
    plot_fees(ts, axes[2])
    if sandwiches:
        plot_mev(summary, axes[3])
    fig.suptitle(f"{summary['scenario']} (seed {summary['seed']})", fontsize=11)
    return fig


def save(fig: Figure, path: Any) -> None:
    """Save a figure deterministically and release it."""
    fig.savefig(path, dpi=110, metadata=PNG_METADATA)
    plt.close(fig)
