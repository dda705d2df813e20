"""The dashboard's plots of range-LP strategies, lending, staking and mining, and of A - B.

Range LPs and the headline differences are drawn from the summary numbers `ammsim run`
reports (`sim.report.summary`), followed over time in the snapshot's `history`; lending,
staking and mining from the time series, as in figure.png.
"""

from __future__ import annotations

from collections.abc import Mapping

from matplotlib.axes import Axes

from sim.report import figures as report
from sim.report.protocol_plots import plot_reward_apr
from sim.viz.figure import Panel, Run
from sim.viz.model import DashboardModel
from sim.viz.snapshot import Snapshot


def _cohort_columns(s: Snapshot, field: str) -> dict[str, str]:
    """Range-LP cohort -> history column of `field` (`range_lps.<cohort>.<field>`)."""
    return {
        c.split(".")[1]: c
        for c in s.history.columns
        if c.startswith("range_lps.") and c.endswith(f".{field}")
    }


def _range_net(ax: Axes, s: Snapshot, run: Run) -> None:
    """Each strategy's net result against holding its starting tokens, % of HODL, over time."""
    h = s.history
    for i, (cohort, col) in enumerate(_cohort_columns(s, "net_vs_hodl_pct").items()):
        ax.plot(h["time_days"], h[col], lw=1.2, color=f"C{i}", label=cohort)
    ax.axhline(0.0, color="black", lw=0.6)
    ax.set_title("Range-LP strategies: net vs HODL, % (fees - IL - costs)")
    ax.set_xlabel("days")


def _range_bars(ax: Axes, s: Snapshot, run: Run) -> None:
    """Time in range (bars, left) and fees earned (diamonds, right) per strategy, now."""
    section = s.summary.get("range_lps") or {}
    names = list(section)
    width = 0.8 / run.count
    x = [i - 0.4 + width * (run.index + 0.5) for i in range(len(names))]
    ax.bar(
        x,
        [section[n].get("time_in_range_pct") or 0.0 for n in names],
        width,
        color="tab:blue" if run.index == 0 else "tab:cyan",
        label="time in range, %",
    )
    ax.set_ylim(0, 105)
    ax.set_ylabel("time in range, %")
    ax.set_xticks(range(len(names)), names, rotation=20, fontsize=7)
    right = ax.figure.axes[1] if len(ax.figure.axes) > 1 else ax.twinx()
    right.scatter(
        x,
        [section[n].get("fees_earned") or 0.0 for n in names],
        marker="D",
        color="tab:orange" if run.index == 0 else "tab:red",
        label=f"fees earned, {s.numeraire}",
        zorder=3,
    )
    right.set_ylabel(f"fees earned, {s.numeraire}")
    right.set_ylim(bottom=0)
    ax.set_title("Range-LP strategies: time in range and fees")


def _range_decomposition(ax: Axes, s: Snapshot, run: Run) -> None:
    report.plot_range_lps(s.summary, ax)


RANGE_LPS = [Panel("range_lp_net", _range_net), Panel("range_lp_in_range", _range_bars)]
RANGE_LP_DECOMPOSITION = Panel("range_lp_pnl", _range_decomposition)


def _markets(s: Snapshot) -> list[str]:
    return sorted({c.split(".")[1] for c in s.frame.columns if c.startswith("lending.")})


def _health(ax: Axes, s: Snapshot, run: Run) -> None:
    """Borrowers' health factors over time (min, 10th percentile, median; capped at 5)."""
    df = s.frame
    for m in _markets(s):
        for q, style in (("min", "-"), ("p10", "-."), ("median", ":")):
            col = f"lending.{m}.{q}_hf"
            if col in df:
                ax.plot(
                    df["time_days"], df[col].clip(upper=5.0), ls=style, lw=1.1, label=f"{m} {q} HF"
                )
    ax.axhline(1.0, color="tab:red", lw=0.8)
    ax.set_title("Health factors (capped at 5): below 1 can be liquidated")
    ax.set_xlabel("days")


def _liquidations(ax: Axes, s: Snapshot, run: Run) -> None:
    """Cumulative liquidations (left) and debt repaid by them and bad debt (right)."""
    df = s.frame
    t = df["time_days"]
    right = ax.figure.axes[1] if len(ax.figure.axes) > 1 else ax.twinx()
    for m in _markets(s):
        ax.step(t, df[f"lending.{m}.liquidations"], where="post", lw=1.2, label=f"{m} liquidations")
        right.plot(
            t,
            df[f"lending.{m}.liquidated_debt"],
            lw=0.9,
            color="tab:orange",
            label=f"{m} debt liquidated",
        )
        right.plot(t, df[f"lending.{m}.bad_debt"], lw=0.9, color="tab:red", label=f"{m} bad debt")
    ax.set_ylabel("liquidations")
    right.set_ylabel(f"debt, {s.numeraire}")
    ax.set_title(f"Liquidations: {s.liquidations} so far" if run.count == 1 else "Liquidations")
    ax.set_xlabel("days")


def _utilisation(ax: Axes, s: Snapshot, run: Run) -> None:
    """Each borrowable asset's utilisation and borrow rate, % (from the interest-rate model)."""
    df = s.frame
    t = df["time_days"]
    for c in df.columns:
        if c.startswith("lending.") and ".utilization." in c:
            m, asset = c.split(".")[1], c.rsplit(".", 1)[-1]
            (line,) = ax.plot(t, 100 * df[c], lw=1.2, label=f"{m} {asset} utilisation")
            rate = f"lending.{m}.borrow_rate.{asset}"
            if rate in df:
                ax.plot(
                    t,
                    100 * df[rate],
                    lw=0.9,
                    ls=":",
                    color=line.get_color(),
                    label=f"{m} {asset} borrow rate",
                )
    ax.set_ylim(bottom=0)
    ax.set_title("Utilisation and borrow rate, %")
    ax.set_xlabel("days")


LENDING = [
    Panel("health", _health),
    Panel("liquidations", _liquidations),
    Panel("utilisation", _utilisation),
]


def depeg(model: DashboardModel) -> Panel:
    """Pegged assets' reference price against their peg; LSTs' pool rate against their
    exchange rate (the depeg of a liquid-staking token)."""
    pegged = {a: p.peg for a, p in model.spec.prices.items() if p.process == "peg"}

    def draw(ax: Axes, s: Snapshot, run: Run) -> None:
        df = s.frame
        for asset, peg in pegged.items():
            col = f"ref_price.{asset}"
            if col in df:
                (line,) = ax.plot(df["time_days"], df[col], lw=1.2, label=f"{asset} reference")
                ax.axhline(peg, color=line.get_color(), lw=0.6, ls=":")
        report.plot_lst_depeg(df, ax)
        ax.set_title("Depeg: market price vs peg / exchange rate")
        ax.set_xlabel("days")

    return Panel("depeg", draw)


def rewards(model: DashboardModel) -> Panel:
    """Liquidity mining: headline reward APR per pool against miners' realised APR."""
    token = model.spec.rewards.token if model.spec.rewards else ""

    def draw(ax: Axes, s: Snapshot, run: Run) -> None:
        plot_reward_apr(s.frame, ax)
        ax.set_title(f"Reward APR, % (headline vs realised; {token} rewards)")

    return Panel("rewards", draw)


DIFF_LINES = 6
"""Headline differences drawn at most (in the headline's order; the Numbers card lists all)."""


def _headline_diff(ax: Axes, snaps: Mapping[str, Snapshot]) -> None:
    """B - A of each of the scenario's headline numbers over time (same blocks in both)."""
    a, b = (s.history for s in snaps.values())
    n = min(len(a), len(b))
    keys = [k for k in next(iter(snaps.values())).headline if k in a.columns and k in b.columns]
    shown = keys[:DIFF_LINES]
    if n:
        a, b = a.iloc[:n], b.iloc[:n]
        for i, key in enumerate(shown):
            ax.plot(a["time_days"], b[key] - a[key], lw=1.2, color=f"C{i}", label=f"{key} (B - A)")
    ax.axhline(0.0, color="black", lw=0.6)
    more = f" (first {len(shown)} of {len(keys)}; all in Numbers)" if len(keys) > len(shown) else ""
    ax.set_title(f"Headline numbers: B - A{more}")
    ax.set_xlabel("days")


HEADLINE_DIFF = Panel("headline_diff", draw_all=_headline_diff)
