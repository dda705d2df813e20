"""The figures report.html draws besides figure.png: reserves, TVL and slippage per trade; the
liquidity-mining and the staking-and-lending panels.

Plot functions take a DataFrame and an optional Axes and return it; each figure function
returns a matplotlib Figure for `sim.report.html_page.png` to inline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sim.chain.intents import Intent
from sim.report.html_page import pyplot

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.report.result import RunResult


def plot_reserves(ts: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Each pool's token reserves as % of their starting amounts."""
    plt = pyplot()
    ax = ax or plt.figure().gca()
    for col in [c for c in ts.columns if ".reserve." in c]:
        start = ts[col].iloc[0]
        if start:
            ax.plot(
                ts["time_days"], 100 * ts[col] / start, lw=1.1, label=col.replace(".reserve", "")
            )
    ax.set_title("Pool reserves, % of start")
    ax.set_xlabel("days")
    if ax.lines:
        ax.legend(fontsize=7)
    return ax


def plot_tvl(ts: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Each pool's TVL in the numeraire."""
    plt = pyplot()
    ax = ax or plt.figure().gca()
    for col in [c for c in ts.columns if c.endswith(".tvl_usd")]:
        ax.plot(ts["time_days"], ts[col], lw=1.1, label=col.removesuffix(".tvl_usd"))
    ax.set_title("Pool TVL (numeraire)")
    ax.set_xlabel("days")
    if ax.lines:
        ax.legend(fontsize=7)
    return ax


def plot_slippage_hist(events: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Histogram of per-trade slippage (bps) of successful swaps, one colour per label.

    Arbitrage trades are left out: their 'slippage' is the profit they take.
    """
    import numpy as np
    import pandas as pd

    plt = pyplot()
    ax = ax or plt.figure().gca()
    ax.set_title("Slippage per trade, bps")
    ax.set_xlabel("bps (fee + price impact + mispricing; tails clipped)")
    if events.empty or not {"label", "slippage_bps"} <= set(events.columns):
        ax.text(0.5, 0.5, "no trades", ha="center", va="center", transform=ax.transAxes)
        return ax
    ev = events
    if "status" in ev:
        ev = ev[ev["status"] == "ok"]
    slip = pd.to_numeric(ev["slippage_bps"], errors="coerce")
    ok = slip.notna() & np.isfinite(slip) & (ev["label"] != Intent.ARBITRAGE.value)
    slip, labels = slip[ok], ev["label"][ok]
    if slip.empty:
        ax.text(0.5, 0.5, "no trades", ha="center", va="center", transform=ax.transAxes)
        return ax
    lo, hi = (float(x) for x in np.percentile(slip, [0.5, 99.5]))
    bins = np.linspace(lo, hi if hi > lo else lo + 1, 41)
    for name in sorted(labels.unique()):
        values = slip[labels == name].clip(lower=bins[0], upper=bins[-1])
        ax.hist(values, bins=bins, alpha=0.6, label=f"{name} ({len(values):,})")
    ax.set_ylabel("trades")
    ax.legend(fontsize=7)
    return ax


def detail_figure(result: RunResult) -> Figure:
    """Reserves, TVL and the slippage histogram of a run."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.0), layout="constrained")
    plot_reserves(result.timeseries, axes[0])
    plot_tvl(result.timeseries, axes[1])
    plot_slippage_hist(_trade_events(result), axes[2])
    return fig


def mining_figure(ts: pd.DataFrame, token: str, rugs: Sequence[float] = ()) -> Figure:
    """Headline vs realised reward APR, the reward token's price, miners in each pool;
    `rugs` are the days of rug pulls, marked on every panel."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.0), layout="constrained")
    from sim.report import figures as report

    t = ts["time_days"]
    ax = report.plot_reward_apr(ts, axes[0])
    ax.set_title("Reward APR, % (headline vs realised)")
    ax.legend(fontsize=7)
    ax = axes[1]
    col = f"rewards.{token}.price"
    if col in ts:
        ax.plot(t, ts[col], lw=1.2, color="tab:purple")
    ax.set_title(f"{token} price (its pool; sell pressure moves it)")
    ax.set_xlabel("days")
    ax = axes[2]
    for col in [c for c in ts.columns if c.startswith("rewards.") and c.endswith(".miners")]:
        ax.step(t, ts[col], where="post", lw=1.1, label=col.split(".")[1])
    ax.set_title("Miners staked in each pool (entries and exits)")
    ax.set_xlabel("days")
    for i, day in enumerate(rugs):
        for a in axes:
            a.axvline(day, color="tab:red", lw=0.9, ls="--", label="rug pull" if i == 0 else None)
    if ax.lines:
        ax.legend(fontsize=7)
    return fig


def lending_figure(ts: pd.DataFrame, markets: list[str]) -> Figure:
    """The LST's pool price against its exchange rate (the depeg), health-factor percentiles
    with cumulative liquidations, and each borrowable asset's rate and utilization."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.0), layout="constrained")
    from sim.report import figures as report

    t = ts["time_days"]
    ax = report.plot_lst_depeg(ts, axes[0])
    ax.set_title("Depeg: LST pool price vs exchange rate")
    if ax.lines:
        ax.legend(fontsize=7)
    ax = axes[1]
    right = ax.twinx()
    for m in markets:
        for q, style in (("min", "-"), ("p10", "--"), ("median", ":")):
            col = f"lending.{m}.{q}_hf"
            if col in ts:
                ax.plot(t, ts[col].clip(upper=5.0), ls=style, lw=1.1, label=f"{m} {q} HF")
        col = f"lending.{m}.liquidations"
        if col in ts:
            right.step(t, ts[col], where="post", color="black", lw=0.9)
            right.set_ylim(0, max(1.0, float(ts[col].max()) * 1.05))
    ax.axhline(1.0, color="tab:red", lw=0.8)
    right.set_ylabel("liquidations (cumulative, black)")
    ax.set_title("Health factors (capped at 5) and liquidations")
    ax.set_xlabel("days")
    if ax.lines:
        ax.legend(fontsize=7)
    ax = axes[2]
    for m in markets:
        for col in [c for c in ts.columns if c.startswith(f"lending.{m}.borrow_rate.")]:
            asset = col.rsplit(".", 1)[-1]
            (line,) = ax.plot(t, 100 * ts[col], lw=1.2, label=f"{m} {asset} borrow rate %")
            util = f"lending.{m}.utilization.{asset}"
            if util in ts:
                ax.plot(
                    t,
                    100 * ts[util],
                    lw=0.9,
                    ls="--",
                    color=line.get_color(),
                    label=f"{m} {asset} utilization %",
                )
    ax.set_title("Borrow rate and utilization, %")
    ax.set_xlabel("days")
    if ax.lines:
        ax.legend(fontsize=7)
    return fig


def _trade_events(result: RunResult) -> pd.DataFrame:
    """label, status and slippage of every event, reading only those columns from disk."""
    import pandas as pd

    cols = ["label", "status", "slippage_bps"]
    if result._events is not None:
        ev = pd.DataFrame(result._events)
        return ev[cols] if set(cols) <= set(ev.columns) else pd.DataFrame()
    path = result.path / "events.csv" if result.path is not None else None
    if path is None or not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame()
    try:
        return pd.read_csv(path, usecols=cols)
    except (ValueError, pd.errors.EmptyDataError):
        return pd.DataFrame()
