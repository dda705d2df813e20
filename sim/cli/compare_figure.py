"""compare.png: the runs of `ammsim compare` drawn together, a panel per pool and quantity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


class Run(Protocol):
    """A run as drawn: its label and its time series."""

    label: str
    timeseries: pd.DataFrame


def figure(runs: list[Run]) -> Figure:
    """Per pool: its price vs reference and its cumulative fees; LP vs HODL %; one colour per
    run. Each panel has its own scale, so pools priced 3,000 and 1e-6 are both readable."""
    from sim.report.figures import grid, plt, pool_names
    from sim.report.plotting import readable_y, shows_something

    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    pools = list(dict.fromkeys(p for r in runs for p in pool_names(r.timeseries)))
    panels: list[tuple[str, list[tuple[str, str, Any, Any, bool]]]] = []
    styles: dict[str, str] = {}  # LP vs HODL: one line style per pool
    for pool in pools:
        prices, fees = [], []
        for i, r in enumerate(runs):
            ts, c = r.timeseries, colours[i % len(colours)]
            if f"{pool}.price" in ts:
                t = ts["time_days"]
                prices.append((r.label, c, t, ts[f"{pool}.ref_price"], True))
                prices.append((r.label, c, t, ts[f"{pool}.price"], False))
            if f"{pool}.fees" in ts and shows_something(ts[f"{pool}.fees"]):
                fees.append((r.label, c, ts["time_days"], ts[f"{pool}.fees"], False))
        panels.append((f"{pool}: pool price (bold) vs reference (faint)", prices))
        if fees:
            panels.append((f"{pool}: cumulative fees (numeraire)", fees))
    lp = []
    for i, r in enumerate(runs):
        ts, c = r.timeseries, colours[i % len(colours)]
        for pool in pool_names(ts):
            v, h = f"{pool}.lp_value_per_share", f"{pool}.hodl_value_per_share"
            if v in ts and h in ts and ts[h].iloc[0]:
                pct = 100 * (ts[v] / ts[h] - 1)
                if shows_something(pct):
                    name = r.label if len(pools) == 1 else f"{r.label} · {pool}"
                    lp.append((name, c, ts["time_days"], pct, False))
                    styles[name] = ("-", "--", "-.", ":")[pools.index(pool) % 4]
    if lp:
        panels.append(("LP value vs HODL, % (fees included)", lp))
    panels = [p for p in panels if p[1]]
    cols, rows = grid(max(1, len(panels)))
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 4.2 * rows), layout="constrained")
    flat = list(axes.flat) if hasattr(axes, "flat") else [axes]
    for ax, (title, lines) in zip(flat, panels, strict=False):
        for label, c, t, y, faint in lines:
            if faint:
                ax.plot(t, y, color=c, lw=0.8, alpha=0.5)
            else:
                ax.plot(t, y, color=c, lw=1.1, ls=styles.get(label, "-"), label=label)
        readable_y(ax, [y for *_, y, _ in lines])
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("days")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    for ax in flat[len(panels) :]:
        ax.remove()
    return fig
