"""The dashboard's plots of AMM pools, and which plots a scenario gets.

Each plot draws one snapshot (`sim.viz.figure`), mostly with the report's own plot functions
(`sim.report.figures`), so the dashboard and figure.png show the same things the same way.
`panels_for` picks the plots from the scenario's mechanisms (`sim.model.mechanisms`) and its
agents, so that every plot has something to draw: slippage only where retail trades, the
arbitrage plot only where arbitrageurs or sandwich bots are, range-LP strategies instead of
LP-token shares for concentrated pools, lending, staking, mining where they are.
"""

from __future__ import annotations

from matplotlib.axes import Axes

from sim.model.mechanisms import Mechanism, mechanisms
from sim.report import figures as report
from sim.viz.figure import Panel, Run
from sim.viz.model import DashboardModel
from sim.viz.protocol_panels import (
    HEADLINE_DIFF,
    LENDING,
    RANGE_LP_DECOMPOSITION,
    RANGE_LPS,
    depeg,
    rewards,
)
from sim.viz.snapshot import Snapshot


def _prices(ax: Axes, s: Snapshot, run: Run) -> None:
    report.plot_prices(s.frame, ax)


def _lp_vs_hodl(ax: Axes, s: Snapshot, run: Run) -> None:
    report.plot_lp_vs_hodl(s.frame, ax)


def _fees(ax: Axes, s: Snapshot, run: Run) -> None:
    report.plot_fees(s.frame, ax)


def _reserves(ax: Axes, s: Snapshot, run: Run) -> None:
    """Each pool's reserves, each token relative to its start (so different units share an axis)."""
    df = s.frame
    for col in df.columns:
        if ".reserve." in col and df[col].iloc[0]:
            ax.plot(df["time_days"], df[col] / df[col].iloc[0], lw=1.1, label=col)
    ax.set_title("Pool reserves (relative to start)")
    ax.set_xlabel("days")


def _slippage(ax: Axes, s: Snapshot, run: Run) -> None:
    """Histogram of retail trades' slippage (fee included), basis points."""
    xs = s.slippage_bps
    if xs:
        ax.hist(
            xs,
            bins=40,
            histtype="stepfilled",
            alpha=0.8 if run.count == 1 else 0.5,
            label="retail trades",
        )
    ax.set_title(
        f"Retail slippage, bps ({len(xs):,} trades)" if run.count == 1 else "Retail slippage, bps"
    )
    ax.set_xlabel("bps below the reference value")


def _arbitrage(ax: Axes, s: Snapshot, run: Run) -> None:
    """Cumulative arbitrage profit net of gas (and MEV extracted when there is any)."""
    df = s.frame
    ax.plot(df["time_days"], df["arb_profit"], lw=1.2, label="arbitrage profit")
    if "mev" in df and df["mev"].abs().max() > 0:
        ax.plot(df["time_days"], df["mev"], lw=1.2, color="tab:red", label="MEV extracted")
    ax.set_title(f"Arbitrage profit and MEV, {s.numeraire}")
    ax.set_xlabel("days")


PRICES = Panel("prices", _prices)
LP_VS_HODL = Panel("lp_vs_hodl", _lp_vs_hodl)
FEES = Panel("fees", _fees)
RESERVES = Panel("reserves", _reserves)
SLIPPAGE = Panel("slippage", _slippage)
ARBITRAGE = Panel("arbitrage", _arbitrage)


TRADERS = frozenset(
    {
        "noise_trader",
        "arbitrageur",
        "sandwich_bot",
        "panic_seller",
        "lst_arbitrageur",
        "token_buyer",
    }
)
"""Agent kinds that swap through pools on their own (so pools earn fees and LPs move)."""


def panels_for(model: DashboardModel, ab: bool = False) -> list[Panel]:
    """The plots for a model's scenario (at block 0), in page order; with A/B, the headline
    differences first and no plot that only one run can show (the P&L decomposition bars)."""
    sc = model.spec
    present = set(mechanisms(model))
    kinds = {a.kind for a in sc.agents.values()}
    out: list[Panel] = [HEADLINE_DIFF] if ab else []
    if sc.pools:
        out.append(PRICES)
        if kinds & TRADERS:  # else no swaps: no fees, and LP shares keep their value
            if any(p.kind != "concentrated" for p in sc.pools.values()):
                out.append(LP_VS_HODL)
            out.append(FEES)
        out.append(RESERVES)
    if "noise_trader" in kinds:
        out.append(SLIPPAGE)
    if kinds & {"arbitrageur", "sandwich_bot"}:
        out.append(ARBITRAGE)
    if Mechanism.RANGE_LPS in present:
        out += RANGE_LPS if ab else [*RANGE_LPS, RANGE_LP_DECOMPOSITION]
    if Mechanism.LENDING in present:
        out += LENDING
    if Mechanism.STAKING in present or any(p.process == "peg" for p in sc.prices.values()):
        out.append(depeg(model))
    if Mechanism.MINING in present:
        out.append(rewards(model))
    return out
