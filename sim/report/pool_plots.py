"""Pictures of AMM pools from a run's time series: each pool's price against its reference, LP
value against holding, cumulative fees and loss-versus-rebalancing.

Plot functions take the time-series DataFrame and an optional Axes and return the Axes, so
notebooks, the dashboard and the run's figures reuse them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sim.report.plotting import axes, magnitude, magnitude_groups, readable_y, shows_something

EMPTIED = 1e-9
"""A pool whose TVL falls below this fraction of its largest is empty: its spot price and share
value are then ratios of dust, so its lines stop there."""


def pool_names(ts: pd.DataFrame) -> list[str]:
    """Pools present in a time series (those with both a price and a reference price column)."""
    cols = set(ts.columns)
    return [
        c.removesuffix(".price")
        for c in ts.columns
        if c.endswith(".price") and c.replace(".price", ".ref_price") in cols
    ]


def pool_tokens(ts: pd.DataFrame, pool: str) -> tuple[str, ...]:
    """The pool's tokens in its own order (the price is of the first in the second)."""
    prefix = f"{pool}.reserve."
    return tuple(c.removeprefix(prefix) for c in ts.columns if c.startswith(prefix))


def colour(ts: pd.DataFrame, pool: str) -> str:
    """The pool's colour, the same in every panel."""
    names = pool_names(ts)
    return f"C{names.index(pool) % 10}" if pool in names else "C0"


def live(ts: pd.DataFrame, pool: str) -> pd.Series:
    """Rows where the pool still holds something (see EMPTIED)."""
    tvl = ts.get(f"{pool}.tvl")
    if tvl is None:
        return pd.Series(True, index=ts.index)
    return tvl > EMPTIED * magnitude(tvl)


def _until(ts: pd.DataFrame, block: int | None) -> pd.Series:
    """Rows recorded before `block` (all rows when None)."""
    if block is None or "block" not in ts:
        return pd.Series(True, index=ts.index)
    return ts["block"] < block


def lp_vs_hodl_pct(ts: pd.DataFrame, pool: str, until: int | None = None) -> pd.Series | None:
    """LP share value against holding its starting tokens, % (fees included), while the pool
    holds something and before block `until`; None for a pool without LP shares."""
    v, h = ts.get(f"{pool}.lp_value_per_share"), ts.get(f"{pool}.hodl_value_per_share")
    if v is None or h is None or not h.iloc[0]:
        return None
    pct = 100 * (v / h.where(h != 0) - 1)
    return pct.where(live(ts, pool) & _until(ts, until))


def lst_rate(ts: pd.DataFrame, pool: str) -> pd.Series | None:
    """The exchange rate of the pool's first token when it is a liquid-staking token and the
    pool prices it in its underlying (the LST's market rate is then the pool price), else None."""
    tokens = pool_tokens(ts, pool)
    rate = ts.get(f"staking.{tokens[0]}.exchange_rate") if tokens else None
    market = ts.get(f"staking.{tokens[0]}.market_rate") if tokens else None
    if rate is None or market is None:
        return None
    return rate if np.allclose(market, ts[f"{pool}.price"], equal_nan=True) else None


def plot_price(ts: pd.DataFrame, pool: str, ax: Axes | None = None) -> Axes:
    """One pool's price against its reference price; for a liquid-staking token priced in its
    underlying, also the exchange rate it is redeemable at (the peg that matters)."""
    ax = axes(ax)
    t, keep = ts["time_days"], live(ts, pool)
    ref, spot = ts[f"{pool}.ref_price"].where(keep), ts[f"{pool}.price"].where(keep)
    c = colour(ts, pool)
    ax.plot(t, ref, lw=1.2, color=c, label="reference")
    ax.plot(t, spot, lw=0.8, ls="--", color=c, alpha=0.8, label="pool")
    shown = [ref, spot]
    tokens = pool_tokens(ts, pool)
    rate = lst_rate(ts, pool)
    if rate is not None:
        ax.plot(t, rate, lw=1.0, ls=":", color="black", label=f"{tokens[0]} exchange rate")
        shown.append(rate)
    readable_y(ax, shown)
    pair = f"{tokens[0]} in {tokens[1]}" if len(tokens) == 2 else "price"
    gone = t[~keep & (t >= t[keep].max())] if keep.any() else t
    emptied = f" (emptied on day {gone.iloc[0]:.2f})" if len(gone) else ""
    ax.set_title(f"{pool}: {pair}{emptied}")
    ax.set_xlabel("days")
    ax.legend(fontsize=7)
    return ax


def plot_prices(ts: pd.DataFrame, ax: Axes | None = None, pools: list[str] | None = None) -> Axes:
    """Each pool's price against the reference price of the same pair, on one axes: in their
    own units when they are of a size, else each as % of its start (so none lies flat at 0)."""
    ax = axes(ax)
    names = [p for p in pools or pool_names(ts) if shows_something(ts[f"{p}.ref_price"])]
    sizes = {p: magnitude(ts[f"{p}.ref_price"]) for p in names}
    scaled = len(magnitude_groups(sizes)) > 1
    shown = []
    for name in names:
        ref, spot = ts[f"{name}.ref_price"], ts[f"{name}.price"]
        if scaled:
            start = ref[np.isfinite(ref) & (ref != 0)].iloc[0]
            ref, spot = 100 * ref / start, 100 * spot / start
        (line,) = ax.plot(
            ts["time_days"], ref, lw=1.2, color=colour(ts, name), label=f"{name} reference"
        )
        ax.plot(
            ts["time_days"],
            spot,
            lw=0.8,
            ls="--",
            color=line.get_color(),
            alpha=0.8,
            label=f"{name} pool",
        )
        shown += [ref, spot]
    readable_y(ax, shown)
    if scaled:
        ax.set_title("Reference vs pool price, % of each reference's start")
    else:
        ax.set_title("Reference price vs pool price")
    ax.set_xlabel("days")
    ax.legend(fontsize=7)
    return ax


def plot_lp_vs_hodl(
    ts: pd.DataFrame,
    ax: Axes | None = None,
    pools: list[str] | None = None,
    until: Mapping[str, int] | None = None,
) -> Axes:
    """LP share value against holding its starting tokens, in % (fees included), with IL(r)
    alone; pools whose line stays at 0 (nobody traded) are left out. A pool in `until` (pool -> block, e.g. of its rug pull) is drawn up to that block:
    after a rug both sides of the ratio collapse and their quotient no longer says how LPs did."""
    ax = axes(ax)
    until = until or {}
    for name in pools or pool_names(ts):
        pct = lp_vs_hodl_pct(ts, name, until.get(name))
        if pct is None or not shows_something(pct):
            continue
        upto = ", until its rug" if name in until else ""
        (line,) = ax.plot(
            ts["time_days"],
            pct,
            lw=1.2,
            color=colour(ts, name),
            label=f"{name} LP vs HODL (with fees){upto}",
        )
        il = f"{name}.il_formula_pct"
        if il in ts and shows_something(ts[il]):
            ax.plot(
                ts["time_days"],
                ts[il].where(pct.notna()),
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


def fee_size(ts: pd.DataFrame, pool: str) -> float:
    """How large a pool's fee and LVR lines get (0 when it earned nothing and lost nothing)."""
    lvr = ts.get(f"{pool}.lvr")
    return max(magnitude(ts[f"{pool}.fees"]), magnitude(lvr) if lvr is not None else 0.0)


def plot_fees(
    ts: pd.DataFrame,
    ax: Axes | None = None,
    pools: list[str] | None = None,
    numeraire: str = "",
) -> Axes:
    """Cumulative swap fees per pool, and loss-versus-rebalancing where there is some, in the
    numeraire."""
    ax = axes(ax)
    for name in [p for p in pools or pool_names(ts) if fee_size(ts, p)]:
        (line,) = ax.plot(
            ts["time_days"],
            ts[f"{name}.fees"],
            lw=1.2,
            color=colour(ts, name),
            label=f"{name} fees",
        )
        lvr = f"{name}.lvr"
        if lvr in ts and shows_something(ts[lvr]):
            ax.plot(
                ts["time_days"], ts[lvr], lw=1, ls="--", color=line.get_color(), label=f"{name} LVR"
            )
    unit = f" ({numeraire})" if numeraire else ""
    ax.set_title(f"Cumulative fees and loss-versus-rebalancing{unit}")
    ax.set_xlabel("days")
    if ax.lines:
        ax.legend(fontsize=7)
    else:
        ax.text(0.5, 0.5, "no fees", ha="center", va="center", transform=ax.transAxes)
    return ax
