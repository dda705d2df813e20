"""A self-contained report.html for a run: description, key numbers, figures and the scenario.

Everything is inline (CSS, figures as base64 PNG), nothing is fetched from the network, and
the page is deterministic: the same run gives byte-identical HTML (no timestamps, PNGs saved
without version metadata at a fixed dpi). `ammsim compare` reuses the page helpers.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from sim.runner import RunResult

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;
padding:1.5rem;color:#1d2330;line-height:1.45}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #d8dde6;padding-bottom:.2rem}
.meta{color:#5b6475;margin-top:0}.desc{font-size:1.05rem;background:#f4f6fa;padding:.8rem 1rem;
border-left:4px solid #4a72c4}
table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}
th,td{padding:.3rem .7rem;border-bottom:1px solid #e3e7ee;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.expl{color:#5b6475;font-size:.85rem}thead th{background:#f4f6fa}
img{max-width:100%;height:auto;display:block;margin:.5rem 0}
details{margin:.5rem 0}summary{cursor:pointer;font-weight:600}
pre{background:#f4f6fa;padding:.8rem;overflow-x:auto;font-size:.82rem}
footer{margin-top:2rem;color:#5b6475;font-size:.8rem}
""".strip()

DPI = 100
"""Resolution of the figures this module renders (fixed, for byte-identical output)."""

LABELS: dict[str, str] = {
    "blocks": "blocks",
    "days": "days",
    "volume_usd": "volume",
    "fees_usd": "fees paid",
    "lp_fee_income_usd": "LP fee income",
    "lp_vs_hodl_pct": "LP vs HODL",
    "impermanent_loss_pct": "impermanent loss alone",
    "arbitrage_profit_usd": "arbitrage profit",
    "gas_usd": "gas paid",
    "txs": "transactions",
    "reverts": "reverted",
    "slippage": "retail slippage",
    "fee_bps": "fee",
    "lp_fees_usd": "LP fees",
    "tvl_end_usd": "TVL at the end",
    "fee_apr_pct": "fee APR",
    "price_end": "price at the end",
}
"""Human names of summary keys (others are shown with underscores as spaces)."""

META_KEYS = frozenset({"scenario", "seed", "replicate", "numeraire", "pools"})
"""Summary keys shown in the header or their own table rather than as headline numbers."""


def render(result: RunResult, figure_png: bytes) -> str:
    """The report page as one HTML string (figures inlined as base64 PNG)."""
    from sim.runner import scenario_toml
    from sim.summary import SUMMARY_FIELDS

    s = result.summary
    meta = result.scenario.scenario
    n = str(s.get("numeraire", ""))
    title = str(s.get("scenario", meta.name))
    head = (
        f"seed {s.get('seed')}"
        + (f", replicate {s['replicate']}" if s.get("replicate") is not None else "")
        + f" · {_fmt('blocks', s.get('blocks'), n)} blocks of {meta.block_time_s:g} s"
        + f" ({_fmt('days', s.get('days'), n)} days) · values in {html.escape(n)}"
    )
    body = [f"<h1>{html.escape(title)}</h1>", f"<p class='meta'>{head}</p>"]
    if meta.description:
        body.append(f"<p class='desc'>{html.escape(' '.join(meta.description.split()))}</p>")

    body.append("<h2>Key numbers</h2>")
    body.append(headline_table(s, SUMMARY_FIELDS))
    pools = s.get("pools") or {}
    if pools:
        body.append("<h2>Per pool</h2>")
        body.append(pool_table(pools, n))
    cohorts = cohort_table(result.agents, n)
    if cohorts:
        body.append("<h2>Who earned, who lost (per cohort)</h2>")
        body.append(
            "<p class='meta'>Trade P&amp;L: what the cohort's swaps gained or lost at reference "
            "prices. P&amp;L: change of its whole portfolio, including the price move of "
            "everything it holds.</p>"
        )
        body.append(cohorts)

    body.append("<h2>Figures</h2>")
    body.append(img(figure_png, "reference vs pool price, LP value vs HODL, cumulative fees"))
    body.append(img(png(detail_figure(result)), "pool reserves, TVL and trade slippage"))

    toml = scenario_toml(result.scenario)
    body.append(
        "<h2>Scenario</h2><details><summary>resolved scenario.toml (rerun it with "
        "<code>ammsim run scenario.toml</code>)</summary>"
        f"<pre>{html.escape(toml)}</pre></details>"
    )
    body.append(f"<footer>{html.escape(versions_line())}</footer>")
    return page(f"{title} — ammsim report", body)


# ---------------------------------------------------------------- page helpers


def page(title: str, body: Iterable[str]) -> str:
    """A complete HTML document with the inline stylesheet."""
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def img(png_bytes: bytes, alt: str) -> str:
    """An <img> with the PNG inlined as a data: URI."""
    data = base64.b64encode(png_bytes).decode("ascii")
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{data}'>"


def png(fig: Figure) -> bytes:
    """A figure as deterministic PNG bytes (no version metadata, fixed dpi); closes the figure."""
    from sim.report import PNG_METADATA

    plt = _pyplot()

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata=PNG_METADATA)
    plt.close(fig)
    return buf.getvalue()


def table(header: Sequence[str], rows: Iterable[Sequence[tuple[str, str]]]) -> str:
    """An HTML table; each cell is (text, css class), text already escaped."""
    th = "".join(f"<th>{h}</th>" for h in header)
    trs = "".join(
        "<tr>"
        + "".join(f"<td class='{c}'>{t}</td>" if c else f"<td>{t}</td>" for t, c in row)
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"


def versions_line() -> str:
    """Versions of ammsim and its main dependencies (the same on every run of one install)."""
    import platform

    from sim.runner import VERSION, _version

    deps = ", ".join(f"{d} {_version(d)}" for d in ("mesa", "numpy", "pandas", "matplotlib"))
    return f"ammsim {VERSION} · python {platform.python_version()} · {deps}"


# ---------------------------------------------------------------- tables


def label(key: str) -> str:
    """Human name of a summary key."""
    return LABELS.get(key, key.removesuffix("_usd").removesuffix("_pct").replace("_", " "))


def headline_table(summary: Mapping[str, Any], explanations: Mapping[str, str]) -> str:
    """Headline metrics: name, formatted value with unit, one-line explanation."""
    n = str(summary.get("numeraire", ""))
    keys = [k for k in explanations if k in summary and k not in META_KEYS]
    keys += [
        k
        for k, v in summary.items()
        if k not in explanations and k not in META_KEYS and not isinstance(v, dict | list)
    ]
    rows = [
        [
            (html.escape(label(k)), ""),
            (html.escape(_fmt(k, summary[k], n)), "num"),
            (html.escape(explanations.get(k, "")), "expl"),
        ]
        for k in keys
    ]
    return table(["metric", "value", "what it means"], rows)


def pool_table(pools: Mapping[str, Mapping[str, Any]], numeraire: str) -> str:
    """One row per pool, one column per per-pool summary key."""
    keys: list[str] = []
    for p in pools.values():
        keys += [k for k in p if k not in keys]
    rows = [
        [(html.escape(name), "")]
        + [
            (html.escape(_fmt(k, p.get(k), numeraire)), "" if isinstance(p.get(k), str) else "num")
            for k in keys
        ]
        for name, p in pools.items()
    ]
    return table(["pool", *(html.escape(label(k)) for k in keys)], rows)


def cohort_table(agents: pd.DataFrame, numeraire: str) -> str:
    """Agents summed per cohort: volume, trade P&L, fees, gas, LP fee income, P&L ('' if none).

    P&L is the change of the whole portfolio at reference prices, so it includes the price move
    of everything held; trade P&L is what the agent's swaps gained or lost.
    """
    if agents is None or agents.empty or "cohort" not in agents:
        return ""
    cols = [
        c
        for c in (
            "volume_usd",
            "trade_pnl_usd",
            "fees_paid_usd",
            "gas_usd",
            "lp_fee_income_usd",
            "pnl_usd",
        )
        if c in agents
    ]
    grouped = agents.groupby("cohort", sort=False)
    rows = []
    for cohort, g in grouped:
        row = [
            (html.escape(str(cohort)), ""),
            (html.escape(str(g["kind"].iloc[0]) if "kind" in g else ""), ""),
            (f"{len(g):,}", "num"),
        ]
        row += [(html.escape(_fmt(c, float(g[c].sum()), numeraire)), "num") for c in cols]
        rows.append(row)
    names = {
        "pnl_usd": "P&amp;L (incl. price moves)",
        "trade_pnl_usd": "trade P&amp;L",
        "fees_paid_usd": "fees paid",
    }
    header = ["cohort", "kind", "agents", *(names.get(c, html.escape(label(c))) for c in cols)]
    return table(header, rows)


def _fmt(key: str, v: Any, numeraire: str) -> str:
    """A value with its unit, chosen from the key's suffix."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if isinstance(v, dict):
        if key == "slippage" and "trades" in v:
            if not v.get("trades"):
                return "no trades"
            parts = [
                f"{name} {v[k]:.1f} bps"
                for name, k in (("mean", "mean_bps"), ("p95", "p95_bps"), ("worst", "worst_bps"))
                if v.get(k) is not None
            ]
            return ", ".join(parts) + f" over {v['trades']:,} trades"
        return ", ".join(f"{k} {_fmt(k, x, numeraire)}" for k, x in v.items())
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    if key.endswith("_usd"):
        return f"{v:,.2f} {numeraire}".strip()
    if key.endswith("_pct"):
        return f"{v:+.2g}%" if 0 < abs(v) < 0.001 else f"{v:+.3f}%"
    if key.endswith("_bps"):
        return f"{v:,.1f} bps" if isinstance(v, float) else f"{v:,} bps"
    if key == "days":
        return f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:,.6g}"


# ---------------------------------------------------------------- figures


def plot_reserves(ts: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Each pool's token reserves as % of their starting amounts."""
    plt = _pyplot()
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
    plt = _pyplot()
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

    plt = _pyplot()
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
    ok = slip.notna() & np.isfinite(slip) & (ev["label"] != "arbitrage")
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
    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.0), layout="constrained")
    plot_reserves(result.timeseries, axes[0])
    plot_tvl(result.timeseries, axes[1])
    plot_slippage_hist(_trade_events(result), axes[2])
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


def _pyplot() -> Any:
    """matplotlib.pyplot, after sim.report has chosen the non-interactive backend."""
    from sim.report import plt  # sim.report selects the Agg backend before importing pyplot

    return plt
