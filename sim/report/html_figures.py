"""The figures report.html draws besides figure.png: reserves, TVL and slippage per trade; the
liquidity-mining and the staking-and-lending panels.

Plot functions take a DataFrame and an optional Axes and return it; each figure function
returns a matplotlib Figure for `sim.report.html_page.png` to inline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from sim.chain.intents import Intent
from sim.report.html_page import pyplot

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.report.result import RunResult


def reserves_change(ts: pd.DataFrame) -> bool:
    """Some pool's reserves moved (a pool nobody traded with has nothing to show here)."""
    cols = [c for c in ts.columns if ".reserve." in c]
    return any(ts[c].nunique(dropna=True) > 1 for c in cols)


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


def plot_tvl(
    ts: pd.DataFrame, ax: Axes | None = None, pools: Sequence[str] = (), numeraire: str = ""
) -> Axes:
    """Each pool's TVL in the numeraire (all pools, or those named)."""
    plt = pyplot()
    ax = ax or plt.figure().gca()
    for col in [c for c in ts.columns if c.endswith(".tvl")]:
        name = col.removesuffix(".tvl")
        if not pools or name in pools:
            ax.plot(ts["time_days"], ts[col], lw=1.1, label=name)
    ax.set_title(f"Pool TVL ({numeraire or 'numeraire'})")
    ax.set_xlabel("days")
    if ax.lines:
        ax.legend(fontsize=7)
    return ax


def trade_slippage(events: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Slippage (bps) and label of each successful non-arbitrage swap with a finite slippage;
    arbitrage is left out: its 'slippage' is the profit it takes."""
    import numpy as np
    import pandas as pd

    if events.empty or not {"label", "slippage_bps"} <= set(events.columns):
        return pd.Series(dtype=float), pd.Series(dtype=object)
    ev = events
    if "status" in ev:
        ev = ev[ev["status"] == "ok"]
    slip = pd.to_numeric(ev["slippage_bps"], errors="coerce")
    ok = slip.notna() & np.isfinite(slip) & (ev["label"] != Intent.ARBITRAGE.value)
    return slip[ok], ev["label"][ok]


def plot_slippage_hist(events: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Histogram of per-trade slippage (bps) of successful swaps, one colour per label.

    Arbitrage trades are left out: their 'slippage' is the profit they take.
    """
    import numpy as np

    plt = pyplot()
    ax = ax or plt.figure().gca()
    ax.set_title("Slippage per trade, bps")
    ax.set_xlabel("bps (fee + price impact + mispricing; tails clipped)")
    slip, labels = trade_slippage(events)
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
    """Reserves, TVL and the slippage histogram of a run; each panel only when it has data
    (reserves that moved, TVL, trades), and pools of very different TVL on separate panels."""
    from sim.report.plotting import magnitude, magnitude_groups

    plt = pyplot()
    ts = result.timeseries
    panels: list[Callable[[Axes], object]] = []
    if reserves_change(ts):
        panels.append(partial(plot_reserves, ts))
    tvl = {c.removesuffix(".tvl"): magnitude(ts[c]) for c in ts if c.endswith(".tvl")}
    n = str(result.summary.get("numeraire", ""))
    panels += [partial(plot_tvl, ts, pools=g, numeraire=n) for g in magnitude_groups(tvl)]
    events = _trade_events(result)
    if not trade_slippage(events)[0].empty:
        panels.append(partial(plot_slippage_hist, events))
    return _row(plt, panels, "no pool reserves, TVL or trades recorded")


def mining_figure(ts: pd.DataFrame, token: str, rugs: Sequence[float] = ()) -> Figure:
    """Headline vs realised reward APR, the reward token's price, miners in each pool (each when
    recorded); `rugs` are the days of rug pulls, marked on every panel."""
    from sim.report import protocol_plots as pp
    from sim.report.plotting import readable_y, shows_something

    plt = pyplot()
    panels: list[Callable[[Axes], object]] = []
    if pp.reward_apr_columns(ts):
        panels.append(lambda ax: pp.plot_reward_apr(ts, ax).legend(fontsize=7))
    col = f"rewards.{token}.price"
    if col in ts and shows_something(ts[col]):

        def price(ax: Axes) -> None:
            ax.plot(ts["time_days"], ts[col], lw=1.2, color="tab:purple")
            readable_y(ax, [ts[col]])
            ax.set_title(f"{token} price (its pool; sell pressure moves it)")
            ax.set_xlabel("days")

        panels.append(price)
    if any(c.startswith("rewards.") and c.endswith(".miners") for c in ts):
        panels.append(partial(pp.plot_miners, ts))
    fig = _row(plt, panels, "no liquidity-mining data recorded")
    for i, day in enumerate(rugs):
        for a in fig.axes:
            a.axvline(day, color="tab:red", lw=0.9, ls="--", label="rug pull" if i == 0 else None)
    if rugs and fig.axes:
        fig.axes[-1].legend(fontsize=7)
    return fig


def lending_figure(ts: pd.DataFrame, markets: list[str]) -> Figure:
    """The LST's pool price against its exchange rate (the depeg), health-factor percentiles
    with cumulative liquidations, and each borrowable asset's rate and utilization; each panel
    only when the run recorded it."""
    from sim.report import protocol_plots as pp
    from sim.report.plotting import shows_something

    plt = pyplot()
    panels: list[Callable[[Axes], object]] = []
    if pp.lsts(ts):

        def depeg(ax: Axes) -> None:
            pp.plot_lst_depeg(ts, ax)
            ax.set_title("Depeg: LST pool price vs exchange rate")
            ax.legend(fontsize=7)

        panels.append(depeg)
    if any(shows_something(ts.get(f"lending.{m}.min_hf", [])) for m in markets):
        panels.append(partial(pp.plot_health, ts, markets))
    if any(shows_something(ts[c]) for c in pp.rate_columns(ts, markets)):
        panels.append(partial(pp.plot_rates, ts, markets))
    return _row(plt, panels, "no staking or lending data recorded")


def _row(plt: Any, panels: Sequence[Callable[[Axes], object]], empty: str) -> Figure:
    """A figure of `panels` side by side (15 inches wide for three); a note when there is none."""
    fig = plt.figure(figsize=(5 * max(len(panels), 2), 4.0), layout="constrained")
    for i, draw in enumerate(panels):
        draw(fig.add_subplot(1, len(panels), i + 1))
    if not panels:
        fig.text(0.5, 0.5, empty, ha="center", va="center")
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
