"""The dashboard's panels: plain functions of the model that SolaraViz re-renders after each step batch.

The headline numbers and this run's settings as text, then matplotlib plots (rendered server-side
to PNG, so nothing is fetched from a CDN); `components` picks the panels a scenario needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")
import solara
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.report import figures as report
from sim.scenario.paths import get_path
from sim.scenario.schema import Scenario
from sim.viz.controls import controls
from sim.viz.model import DashboardModel


def _figure(draw: Callable[[Axes], Any], title: str | None = None) -> Any:
    fig = Figure(figsize=(6, 3.6))  # fixed margins: a layout engine doubles the render time
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.14, top=0.9)
    ax = fig.add_subplot()
    draw(ax)
    if title:
        ax.set_title(title)
    legend = ax.get_legend()
    if legend is not None:
        legend.set_loc("upper left")  # "best" searches the data for a free spot on every frame
    return solara.FigureMatplotlib(fig, format="png", dpi=90)


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
        if hodl:
            vs = (m.share_value(name) / hodl - 1) * 100
            fee = getattr(model.spec.pools[name], "fee_bps", None)
            label = f"{name} (fee {fee:g} bps)" if fee is not None else name
            lines.append(f"{label}: fees {m.pools[name].fees:,.2f} {n}, LP vs HODL {vs:+.4f}%")
    lines.append(f"arbitrage profit {m.arb_profit:,.2f} {n}")
    slip = m.slippage_summary()
    if slip["trades"]:
        lines.append(
            f"retail trades {slip['trades']:,}, mean slippage {slip['mean_bps']:.1f} bps, "
            f"p95 {slip['p95_bps']:.1f} bps"
        )
    if m.mev or m.sandwiches:
        lines.append(f"MEV extracted {m.mev:,.2f} {n} in {m.sandwiches} sandwiches")
    liq = model.market.protocols.liquidations
    if model.market.protocols.lending:
        lines.append(f"liquidations {len(liq)}")
    return "\n".join(lines)


def params_text(model: DashboardModel) -> str:
    """The settings this model was built with, one control per line (sliders show no numbers)."""
    lines = []
    for c in controls(model.spec):
        value = get_path(model.spec, c.path)
        lines.append(f"{c.path} = {value:g}" if isinstance(value, float) else f"{c.path} = {value}")
    return "\n".join(lines)


_PRE = "font-size: 13px; white-space: pre-wrap; margin: 0"


def Stats(model: DashboardModel) -> Any:
    """Model time and headline numbers, and the settings of the running model, as text."""
    return solara.Card(
        "Numbers",
        children=[
            solara.HTML(
                tag="pre", unsafe_innerHTML=stats_text(model), classes=["ammsim-stats"], style=_PRE
            ),
            solara.Text("This run's settings (move a slider, then press Reset):"),
            solara.HTML(
                tag="pre",
                unsafe_innerHTML=params_text(model),
                classes=["ammsim-params"],
                style=_PRE,
            ),
        ],
    )


def PricePlot(model: DashboardModel) -> Any:
    """Reference price against each pool's price."""
    df = model.frame()
    return _figure(lambda ax: report.plot_prices(df, ax))


def ReservesPlot(model: DashboardModel) -> Any:
    """Each pool's reserves, each token relative to its start (so different units share an axis)."""
    df = model.frame()

    def draw(ax: Axes) -> None:
        for col in df.columns:
            if ".reserve." in col and df[col].iloc[0]:
                ax.plot(df["time_days"], df[col] / df[col].iloc[0], lw=1.1, label=col)
        ax.set_title("Pool reserves (relative to start)")
        ax.set_xlabel("days")
        ax.legend(fontsize=7)

    return _figure(draw)


def LpPlot(model: DashboardModel) -> Any:
    """LP value per share against holding (fees included) and the IL formula alone."""
    df = model.frame()
    return _figure(lambda ax: report.plot_lp_vs_hodl(df, ax))


def FeesPlot(model: DashboardModel) -> Any:
    """Cumulative fees (and loss-versus-rebalancing)."""
    df = model.frame()
    return _figure(lambda ax: report.plot_fees(df, ax))


def SlippagePlot(model: DashboardModel) -> Any:
    """Histogram of retail trades' slippage (fee included), basis points."""
    xs = list(model.metrics.retail_slippage_bps)

    def draw(ax: Axes) -> None:
        if xs:
            ax.hist(xs, bins=40, color="tab:purple", alpha=0.8)
        else:
            ax.text(0.5, 0.5, "no retail trades yet", ha="center", transform=ax.transAxes)
        ax.set_title(f"Retail slippage, bps ({len(xs):,} trades)")
        ax.set_xlabel("bps below the reference value")

    return _figure(draw)


def ArbPlot(model: DashboardModel) -> Any:
    """Cumulative arbitrage profit net of gas (and MEV extracted when there is any)."""
    df = model.frame()
    n = model.market.numeraire

    def draw(ax: Axes) -> None:
        ax.plot(df["time_days"], df["arb_profit"], lw=1.2, label="arbitrage profit")
        if "mev" in df and df["mev"].abs().max() > 0:
            ax.plot(df["time_days"], df["mev"], lw=1.2, color="tab:red", label="MEV extracted")
        ax.set_title(f"Arbitrage profit and MEV, {n}")
        ax.set_xlabel("days")
        ax.legend(fontsize=7)

    return _figure(draw)


def LendingPlot(model: DashboardModel) -> Any:
    """Health factors of every borrower now, and liquidations so far."""
    protocols = model.market.protocols
    hfs: list[float] = []
    for market in protocols.lending.values():
        for account in market.accounts():
            hf = market.health_factor(account)
            if math.isfinite(hf):
                hfs.append(min(hf, 5.0))
    liq = len(protocols.liquidations)

    def draw(ax: Axes) -> None:
        if hfs:
            ax.hist(hfs, bins=30, color="tab:orange")
        ax.axvline(1.0, color="tab:red", lw=1)
        ax.set_title(f"Borrowers' health factors (capped at 5); {liq} liquidations")
        ax.set_xlabel("health factor")

    return _figure(draw)


def HealthPlot(model: DashboardModel) -> Any:
    """Health-factor percentiles of borrowers over time, and liquidations so far."""
    df = model.frame()
    markets = list(model.spec.lending)

    def draw(ax: Axes) -> None:
        for m in markets:
            for q, style in (("min", "-"), ("p10", "--"), ("median", ":")):
                col = f"lending.{m}.{q}_hf"
                if col in df:
                    ax.plot(
                        df["time_days"],
                        df[col].clip(upper=5.0),
                        ls=style,
                        lw=1.1,
                        label=f"{m} {q} HF",
                    )
        ax.axhline(1.0, color="tab:red", lw=0.8)
        ax.set_xlabel("days")
        ax.legend(fontsize=7)
        right = ax.twinx()
        ax.figure.subplots_adjust(right=0.86)  # room for the right axis
        for m in markets:
            col = f"lending.{m}.liquidations"
            if col in df:
                right.step(
                    df["time_days"],
                    df[col],
                    where="post",
                    color="black",
                    lw=0.9,
                    label=f"{m} liquidations",
                )
        right.set_ylabel("liquidations (cumulative)")
        n = len(model.market.protocols.liquidations)
        ax.set_title(f"Health factors over time (capped at 5); {n} liquidations")

    return _figure(draw)


def DepegPlot(model: DashboardModel) -> Any:
    """Pegged assets' reference price against their peg; LSTs' pool rate against their
    exchange rate (the depeg of a liquid-staking token)."""
    df = model.frame()
    pegged = {a: p.peg for a, p in model.spec.prices.items() if p.process == "peg"}

    def draw(ax: Axes) -> None:
        for asset, peg in pegged.items():
            col = f"ref_price.{asset}"
            if col in df:
                (line,) = ax.plot(df["time_days"], df[col], lw=1.2, label=f"{asset} reference")
                ax.axhline(peg, color=line.get_color(), lw=0.6, ls=":")
        report.plot_lst_depeg(df, ax)
        ax.set_title("Depeg: market price vs peg / exchange rate")
        ax.set_xlabel("days")
        ax.legend(fontsize=7)

    return _figure(draw)


def RewardsPlot(model: DashboardModel) -> Any:
    """Liquidity mining: headline reward APR per pool, miners' realised APR, reward price."""
    df = model.frame()
    rewards = model.spec.rewards
    assert rewards is not None

    def draw(ax: Axes) -> None:
        report.plot_reward_apr(df, ax)
        ax.legend(fontsize=7)
        col = f"rewards.{rewards.token}.price"
        if col in df:
            right = ax.twinx()
            ax.figure.subplots_adjust(right=0.86)  # room for the right axis
            right.plot(df["time_days"], df[col], lw=0.9, ls="--", color="tab:gray")
            right.set_ylabel(f"{rewards.token} price (dashed)")
        ax.set_title(f"Reward APR (headline vs realised) and {rewards.token} price")

    return _figure(draw)


def components(sc: Scenario) -> list[Callable[[DashboardModel], Any]]:
    """The panels for a scenario: the common ones, then rewards, lending and depeg when present."""
    out: list[Callable[[DashboardModel], Any]] = [
        Stats,
        PricePlot,
        LpPlot,
        FeesPlot,
        ReservesPlot,
        SlippagePlot,
        ArbPlot,
    ]
    if sc.rewards is not None:
        out.append(RewardsPlot)
    if sc.lending:
        out += [LendingPlot, HealthPlot]
    if sc.staking or any(p.process == "peg" for p in sc.prices.values()):
        out.append(DepegPlot)
    return out
