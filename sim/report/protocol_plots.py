"""Pictures of the mechanisms a scenario may have besides AMM pools: liquid staking and lending,
liquidity mining, sandwiches, range LP strategies and rug pulls.

Time-series plots take the DataFrame, summary plots the summary dict; each takes an optional
Axes and returns it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from sim.report.plotting import axes, shows_something
from sim.report.pool_plots import colour


def lsts(ts: pd.DataFrame) -> list[str]:
    """Liquid-staking tokens with a market rate in the time series."""
    return [
        c.split(".")[1]
        for c in ts.columns
        if c.startswith("staking.") and c.endswith(".market_rate")
    ]


def lending_markets(ts: pd.DataFrame) -> list[str]:
    """Lending markets with health factors in the time series."""
    return [
        c.split(".")[1] for c in ts.columns if c.startswith("lending.") and c.endswith(".min_hf")
    ]


def plot_lst_depeg(ts: pd.DataFrame, ax: Axes | None = None, tokens: Sequence[str] = ()) -> Axes:
    """Each liquid-staking token's pool price (solid) against its exchange rate (dotted)."""
    ax = axes(ax)
    for lst in tokens or lsts(ts):
        (line,) = ax.plot(
            ts["time_days"], ts[f"staking.{lst}.market_rate"], lw=1.2, label=f"{lst} pool price"
        )
        ax.plot(
            ts["time_days"],
            ts[f"staking.{lst}.exchange_rate"],
            lw=0.9,
            ls=":",
            color=line.get_color(),
            label=f"{lst} exchange rate",
        )
    ax.ticklabel_format(axis="y", useOffset=False)
    ax.set_xlabel("days")
    return ax


def lst_lp_pools(summary: Mapping[str, Any]) -> list[str]:
    """Pools of liquid-staking tokens whose LPs the summary follows (`staking.<lst>.pool_lps`)."""
    staking = summary.get("staking") or {}
    return [
        str(st["pool_lps"]["pool"])
        for st in staking.values()
        if isinstance(st, Mapping) and st.get("pool_lps")
    ]


def plot_pool_tvl(
    ts: pd.DataFrame, pools: Sequence[str], numeraire: str = "", ax: Axes | None = None
) -> Axes:
    """Each pool's TVL over time (its LPs' withdrawals show as steps down)."""
    ax = axes(ax)
    for pool in pools:
        ax.plot(ts["time_days"], ts[f"{pool}.tvl"], lw=1.2, label=f"{pool} TVL")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("days")
    ax.set_ylabel(numeraire)
    return ax


def plot_health(ts: pd.DataFrame, markets: Sequence[str], ax: Axes | None = None) -> Axes:
    """Health-factor percentiles of the accounts with debt (capped at 5), and the cumulative
    liquidations on a right axis when there were any."""
    ax = axes(ax)
    t = ts["time_days"]
    right = None
    for m in markets:
        for q, style in (("min", "-"), ("p10", "--"), ("median", ":")):
            col = f"lending.{m}.{q}_hf"
            if col in ts:
                ax.plot(t, ts[col].clip(upper=5.0), ls=style, lw=1.1, label=f"{m} {q} HF")
        col = f"lending.{m}.liquidations"
        if col in ts and shows_something(ts[col]):
            right = right or ax.twinx()
            right.step(t, ts[col], where="post", color="black", lw=0.9)
            right.set_ylim(0, float(ts[col].max()) * 1.05)
    ax.axhline(1.0, color="tab:red", lw=0.8)
    if right is not None:
        right.set_ylabel("liquidations (cumulative, black)")
        ax.set_title("Health factors (capped at 5) and liquidations")
    else:
        ax.set_title("Health factors (capped at 5); no liquidations")
    ax.set_xlabel("days")
    ax.legend(fontsize=7)
    return ax


def rate_columns(ts: pd.DataFrame, markets: Sequence[str]) -> list[str]:
    """The borrow-rate columns of `markets`."""
    return [c for m in markets for c in ts.columns if c.startswith(f"lending.{m}.borrow_rate.")]


def plot_rates(
    ts: pd.DataFrame,
    markets: Sequence[str],
    ax: Axes | None = None,
    yields: Mapping[str, float] | None = None,
) -> Axes:
    """Each borrowable asset's borrow rate (solid, left axis) and utilization (dashed, right
    axis: a rate of a few % and a utilization near 80% would not be readable on one), with
    `yields` (label -> APR %, e.g. a staking yield) as dotted lines: looping pays while the
    borrow rate stays below them."""
    ax = axes(ax)
    t = ts["time_days"]
    right = None
    for col in rate_columns(ts, markets):
        m, asset = col.split(".")[1], col.rsplit(".", 1)[-1]
        (line,) = ax.plot(t, 100 * ts[col], lw=1.2, label=f"{m} {asset} borrow rate")
        util = f"lending.{m}.utilization.{asset}"
        if util in ts and shows_something(ts[util]):
            right = right or ax.twinx()
            right.plot(
                t,
                100 * ts[util],
                lw=0.9,
                ls="--",
                color=line.get_color(),
                label=f"{m} {asset} utilization",
            )
    for i, (label, apr) in enumerate((yields or {}).items()):
        ax.axhline(apr, lw=1.0, ls=":", color=f"C{i + 3}", label=label)
    ax.set_ylabel("borrow rate, % a year")
    ax.set_ylim(bottom=0)
    handles, labels = ax.get_legend_handles_labels()
    if right is not None:
        right.set_ylabel("utilization, % (dashed)")
        right.set_ylim(0, 100)
        more = right.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    ax.set_title("Borrow rate and utilization, %")
    ax.set_xlabel("days")
    ax.legend(handles, labels, fontsize=7)
    return ax


def reward_apr_columns(ts: pd.DataFrame) -> list[str]:
    """Reward APR columns (per mining pool, and the miners' realised) with something to show."""
    cols = [c for c in ts.columns if c.startswith("rewards.") and c.endswith("apr_pct")]
    return [c for c in cols if shows_something(ts[c])]


def plot_reward_apr(ts: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Each mining pool's headline reward APR against what miners realised (cumulative), %."""
    ax = axes(ax)
    for col in [
        c for c in ts.columns if c.startswith("rewards.") and c.endswith(".headline_apr_pct")
    ]:
        pool = col.split(".")[1]
        ax.plot(ts["time_days"], ts[col], lw=1.1, color=colour(ts, pool), label=f"{pool} headline")
    if "rewards.realised_apr_pct" in ts:
        ax.plot(
            ts["time_days"],
            ts["rewards.realised_apr_pct"],
            lw=1.3,
            color="black",
            label="miners' realised (cumulative)",
        )
    ax.set_yscale("symlog", linthresh=10.0)
    ax.set_title("Reward APR, % (headline vs realised)")
    ax.set_xlabel("days")
    return ax


def plot_miners(ts: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Mining LPs staked in each pool (entries and exits)."""
    ax = axes(ax)
    for col in [c for c in ts.columns if c.startswith("rewards.") and c.endswith(".miners")]:
        pool = col.split(".")[1]
        ax.step(ts["time_days"], ts[col], where="post", lw=1.1, color=colour(ts, pool), label=pool)
    ax.set_title("Miners staked in each pool (entries and exits)")
    ax.set_xlabel("days")
    ax.legend(fontsize=7)
    return ax


def plot_mev(summary: dict[str, Any], ax: Axes | None = None) -> Axes:
    """Who lost what to sandwiches (per victim cohort, with its slippage tolerance) and what bots took."""
    ax = axes(ax)
    mev = summary.get("mev") or {}
    cohorts = mev.get("by_victim_cohort", {})
    labels = [
        f"{c}\n({v['slippage_bps']:g} bps tol.)" if "slippage_bps" in v else c
        for c, v in cohorts.items()
    ]
    losses = [v["victim_loss"] for v in cohorts.values()]
    ax.bar(labels, losses, color="tab:red", label="victims' loss")
    ax.bar(
        ["sandwich bots"],
        [mev.get("bot_gross", 0.0)],
        color="tab:green",
        label="bots' gross gain",
    )
    if "bot_net" in mev:
        ax.bar(
            ["bots after gas"],
            [mev["bot_net"]],
            color="tab:olive",
            label="bots' net (after gas and priority fees)",
        )
        ax.axhline(0, color="grey", lw=0.6)
    ax.set_title(f"Sandwiches: {mev.get('sandwiches', 0)} ({summary['numeraire']})")
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=7)
    return ax


def pulled_rugs(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The rug pulls that happened (a developer that never pulled has no block)."""
    return [r for r in (summary.get("rug") or {}).get("rugs", []) if r.get("block") is not None]


def plot_rug(summary: dict[str, Any], ax: Axes | None = None) -> Axes:
    """What each rug-pulling developer gained (up) against what each cohort of victims lost
    (down), in the numeraire, from the rug books of summary.json. The LPs' loss is here, not in
    'LP vs HODL': a rug sinks the LP share and the tokens it started from alike."""
    ax = axes(ax)
    rug = summary.get("rug") or {}
    labels: list[str] = []
    values: list[float] = []
    colors: list[str] = []
    for r in pulled_rugs(summary):
        labels.append(f"{r['developer']}\n(developer, {r['variant']})")
        values.append(float(r.get("developer_gain") or 0.0))
        colors.append("tab:green")
    lost: dict[tuple[str, str], float] = {}
    for v in (rug.get("victims") or {}).values():
        key = (str(v.get("cohort")), str(v.get("kind")))
        lost[key] = lost.get(key, 0.0) + float(v.get("loss") or 0.0)
    for (cohort, kind), loss in sorted(lost.items(), key=lambda kv: -kv[1]):
        labels.append(f"{cohort}\n({kind})")
        values.append(-loss)
        colors.append("tab:red")
    bars = ax.bar(labels, values, color=colors)
    ax.bar_label(bars, labels=[f"{v:+,.0f}" for v in values], fontsize=7, padding=2)
    ax.margins(y=0.15)
    ax.axhline(0, color="grey", lw=0.6)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.tick_params(axis="x", labelsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_title(f"Rug pull: developer's gain vs victims' losses ({summary['numeraire']})")
    return ax


RANGE_LP_PARTS = (
    ("pnl_fees", "fees earned", "tab:blue"),
    ("pnl_il", "IL vs HODL (bands + re-centring)", "tab:red"),
    ("pnl_swap_costs", "rebalancing swaps (fee + impact)", "tab:orange"),
    ("pnl_gas", "gas", "tab:grey"),
    ("pnl_perp", "perp hedge (P&L + funding)", "tab:purple"),
)
"""The range-LP P&L parts drawn as stacked bars (with pnl_rounding they add up to the net)."""


def plot_range_lps(summary: dict[str, Any], ax: Axes | None = None) -> Axes:
    """Concentrated-liquidity strategies side by side: where each one's net result against
    holding comes from (stacked: gains up, losses down; the diamond is the net), and, for a
    regime-switching price, the net earned in calm and in volatile spells."""
    ax = axes(ax)
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
        [section[n].get("net_vs_hodl") or 0.0 for n in names],
        marker="D",
        color="black",
        zorder=3,
        label="net vs HODL",
    )
    colors = {"calm": "tab:green", "volatile": "tab:brown"}
    extremes = [*up, *down]
    for k, regime in enumerate(regimes):
        nets = [
            ((section[n].get("by_regime") or {}).get(regime) or {}).get("net_vs_hodl", 0.0)
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
