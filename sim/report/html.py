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

    from sim.report.result import RunResult

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
    "emission_per_day_start": "emission per day at the start",
    "emission_per_day_end": "emission per day at the end",
    "headline_apr_pct_peak": "headline reward APR peak, %",
    "headline_apr_pct_end": "headline reward APR at the end, %",
    "miners_peak": "miners staked, peak",
    "miners_end": "miners staked at the end",
    "entries": "entries",
    "exits": "exits",
}
"""Human names of summary keys (others are shown with underscores as spaces)."""

META_KEYS = frozenset({"scenario", "seed", "replicate", "numeraire", "pools"})
"""Summary keys shown in the header or their own table rather than as headline numbers."""

PROTOCOL = frozenset({"mining", "rug", "staking", "lending"})
"""Summary sections shown in their own tables and figures (`protocol_sections`)."""


def render(result: RunResult, figure_png: bytes) -> str:
    """The report page as one HTML string (figures inlined as base64 PNG)."""
    from sim.report.scenario_file import scenario_toml
    from sim.report.summary import SUMMARY_FIELDS

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
    body.append(headline_table(s, {k: v for k, v in SUMMARY_FIELDS.items() if k not in PROTOCOL}))
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

    if s.get("range_lps"):  # concentrated-liquidity strategies: the P&L decomposition
        from sim.report.range_lps import range_lp_rows

        header, rows = range_lp_rows(s["range_lps"])
        body.append("<h2>Range LP strategies: where the net result comes from</h2>")
        body.append(
            f"<p class='meta'>Per cohort, in {html.escape(n)}: fees + IL vs HODL + swap costs "
            "+ gas + perp + rounding = net vs HODL (per agent in agents.csv, pnl_* columns). "
            "IL vs HODL = every band's principal against the tokens minted into it (realised "
            "at each re-centre) + re-centring drift (the re-centred inventory against the "
            "funded tokens).</p>"
        )
        body.append(
            table(
                [html.escape(h) for h in header],
                [[(html.escape(c), "" if k < 2 else "num") for k, c in enumerate(r)] for r in rows],
            )
        )
    body += protocol_sections(result)

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
    from sim.report.figures import PNG_METADATA

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

    from sim.version import VERSION, version

    deps = ", ".join(f"{d} {version(d)}" for d in ("mesa", "numpy", "pandas", "matplotlib"))
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


# ---------------------------------------------------------------- mining, rugs, staking, lending


def _kv_table(rows: Iterable[tuple[str, str]]) -> str:
    return table(
        ["metric", "value"], [[(html.escape(k), ""), (html.escape(v), "num")] for k, v in rows]
    )


def _num(v: Any, fmt: str = ",.4g") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    return format(v, fmt)


def protocol_sections(result: RunResult) -> list[str]:
    """HTML sections (tables and one figure each) for liquidity mining, rug pulls, and liquid
    staking with lending; empty for scenarios without them."""
    s = result.summary
    n = str(s.get("numeraire", ""))
    ts = result.timeseries
    out: list[str] = []

    mining = s.get("mining") or {}
    if mining:
        token = html.escape(str(mining["reward_token"]))
        out.append("<h2>Liquidity mining</h2>")
        out.append(
            "<p class='meta'>Headline reward APR = emission per day × reward price × 365 / "
            "staked TVL, as a farm's front page shows it; realised APR = what miners actually "
            "got (sale proceeds plus unsold rewards at today's price) per dollar-day staked.</p>"
        )
        out.append(
            _kv_table(
                [
                    (
                        f"{mining['reward_token']} price (start → low → end)",
                        f"{_num(mining['reward_price_start'])} → "
                        f"{_num(mining['reward_price_min'])} → {_num(mining['reward_price_end'])}",
                    ),
                    (
                        "emitted / paid to miners",
                        f"{_num(mining['emitted'], ',.0f')} / "
                        f"{_num(mining['paid'], ',.0f')} {mining['reward_token']}",
                    ),
                    (
                        "not distributed (blocks with nothing staked)",
                        f"{_num(mining['undistributed'], ',.0f')} {mining['reward_token']}",
                    ),
                    (
                        "miners' realised reward APR at the end",
                        f"{_num(mining['realised_reward_apr_pct_end'], ',.1f')}%",
                    ),
                    ("miners who entered", f"{mining['miners_entered']} of {mining['miners']}"),
                    (
                        "exit reasons",
                        ", ".join(f"{k} {v}" for k, v in mining["exit_reasons"].items()) or "none",
                    ),
                ]
            )
        )
        out.append(pool_table(mining.get("pools") or {}, n))
        rugs = [r["day"] for r in (s.get("rug") or {}).get("rugs", []) if r.get("day") is not None]
        out.append(
            img(
                png(mining_figure(ts, str(mining["reward_token"]), rugs)),
                f"reward APR headline vs realised, {token} price, miners per pool",
            )
        )

    rug = s.get("rug") or {}
    if rug:
        out.append("<h2>Rug pull</h2>")
        rows = []
        for r in rug.get("rugs", []):
            if r.get("block") is None:
                rows.append(
                    [(html.escape(str(r.get("developer"))), ""), ("did not pull", "")]
                    + [("", "")] * 5
                )
                continue
            rows.append(
                [
                    (html.escape(str(r["developer"])), ""),
                    (html.escape(f"{r['variant']} (trigger {r['trigger']})"), ""),
                    (f"{r['block']:,} (day {r['day']:.2f})", "num"),
                    (
                        html.escape(
                            f"{_num(r['quote_taken'])} {r['quote_token']} = "
                            f"{_fmt('x_usd', r['quote_taken_usd'], n)}"
                        ),
                        "num",
                    ),
                    (html.escape(_fmt("x_usd", r["developer_gain_usd"], n)), "num"),
                    (
                        html.escape(
                            f"{_fmt('x_usd', r['pool_tvl_before_usd'], n)} → "
                            f"{_fmt('x_usd', r['pool_tvl_after_usd'], n)}"
                        ),
                        "num",
                    ),
                    (html.escape(f"{_num(r['price_before'])} → {_num(r['price_after'])}"), "num"),
                ]
            )
        out.append(
            table(
                [
                    "developer",
                    "pull",
                    "block",
                    "took from the pool",
                    "developer's gain",
                    "pool TVL",
                    "token price",
                ],
                rows,
            )
        )
        out.append(
            "<p class='meta'>Gains and losses: change of holdings (wallet plus pool claims) "
            "valued at the end prices, the pulled token at what selling it into its pool would "
            "fetch. Conservation: victims' losses = developer's gain + other "
            "agents' gains + gas + value left outside agents − rewards minted; residual "
            f"{html.escape(_fmt('x_usd', rug['conservation_residual_usd'], n))}.</p>"
        )
        out.append(
            _kv_table(
                [
                    ("victims' losses", _fmt("x_usd", rug["victims_loss_usd"], n)),
                    ("developer's gain", _fmt("x_usd", rug["developer_gain_usd"], n)),
                    ("other agents' gains", _fmt("x_usd", rug["others_gain_usd"], n)),
                    ("gas (burned and tipped)", _fmt("x_usd", rug["gas_usd"], n)),
                    ("rewards minted", _fmt("x_usd", rug["minted_usd"], n)),
                    ("change held outside agents", _fmt("x_usd", rug["outside_other_usd"], n)),
                ]
            )
        )
        groups = []
        for group in ("miners", "buyers"):
            for label_, g in (rug.get(group) or {}).items():
                groups.append(
                    [
                        (html.escape(f"{label_} {group}"), ""),
                        (f"{g['agents']:,}", "num"),
                        (f"{g['exposed']:,}", "num"),
                        (html.escape(_fmt("x_usd", g["lost_usd"], n)), "num"),
                        (html.escape(_fmt("x_usd", g["mean_gain_usd"], n)), "num"),
                    ]
                )
        if groups:
            out.append("<h3>Caution vs naivety</h3>")
            out.append(
                table(["group", "agents", "exposed to the rug", "lost", "mean gain"], groups)
            )
        victims = sorted(rug.get("victims", {}).items(), key=lambda kv: -kv[1]["loss_usd"])
        if victims:
            out.append(f"<details><summary>each victim's loss ({len(victims)})</summary>")
            out.append(
                table(
                    ["agent", "cohort", "kind", "cautious", "loss"],
                    [
                        [
                            (html.escape(name), ""),
                            (html.escape(str(v["cohort"])), ""),
                            (html.escape(str(v["kind"])), ""),
                            (html.escape(str(v["cautious"])), ""),
                            (html.escape(_fmt("x_usd", v["loss_usd"], n)), "num"),
                        ]
                        for name, v in victims
                    ],
                )
            )
            out.append("</details>")

    staking = s.get("staking") or {}
    lending = s.get("lending") or {}
    if staking or lending:
        out.append("<h2>Liquid staking and lending</h2>")
        rows_: list[tuple[str, str]] = []
        for lst, st in staking.items():
            rows_ += [
                (f"{lst} staking APR", f"{_num(st['apr_pct'], '.2f')}%"),
                (f"{lst} exchange rate at the end", _num(st["exchange_rate_end"], ".6f")),
                (
                    f"{lst} pool price: lowest / at the end",
                    f"{_num(st['min_market_rate'], '.4f')} / {_num(st['market_rate_end'], '.4f')}",
                ),
                (
                    f"{lst} deepest discount to the exchange rate (the depeg)",
                    f"{_num(st['max_discount_pct'], '.2f')}%",
                ),
            ]
        for name, lm in lending.items():
            apr = lm.get("looper_realised_apr_pct") or {}
            eq = lm.get("looper_equity_change_pct") or {}
            rows_ += [
                (f"{name}: oracle", str(lm["oracle"])),
                (
                    f"{name}: liquidations (accounts)",
                    f"{lm['liquidations']:,} ({lm['liquidated_accounts']:,})",
                ),
                (
                    f"{name}: debt repaid / collateral seized",
                    f"{_fmt('x_usd', lm['liquidated_debt_usd'], n)} / "
                    f"{_fmt('x_usd', lm['collateral_seized_usd'], n)}",
                ),
                (f"{name}: bad debt", _fmt("x_usd", lm["bad_debt_usd"], n)),
                (f"{name}: lowest health factor", _num(lm["min_health_factor"], ".4f")),
                (f"{name}: loopers liquidated", f"{lm['loopers_liquidated']} of {lm['loopers']}"),
                (
                    f"{name}: loopers' return over the run (mean, min, max) vs plain staking",
                    ", ".join(f"{_num(eq.get(k), '+.2f')}%" for k in ("mean", "min", "max"))
                    + f" vs {_num(lm.get('plain_staking_return_pct'), '+.3f')}%"
                    + f" (mean {_num(lm.get('looper_days_in_loop'), '.1f')} days in the loop)",
                ),
                (
                    f"{name}: loopers' realised APR (mean, min, max) vs plain staking "
                    "(only from 7 days in the loop)",
                    ", ".join(f"{_num(apr.get(k), ',.1f')}%" for k in ("mean", "min", "max"))
                    + f" vs {_num(lm['plain_staking_apr_pct'], '.2f')}%",
                ),
            ]
            for asset, i in (lm.get("interest") or {}).items():
                rows_.append(
                    (
                        f"{name}: {asset} interest: borrowers paid = suppliers + treasury",
                        f"{_num(i['borrow_interest'], ',.6g')} = {_num(i['to_suppliers'], ',.6g')}"
                        f" + {_num(i['to_treasury'], ',.6g')} {asset}; borrow rate "
                        f"{_num(i['borrow_rate_end_pct'], '.2f')}% at "
                        f"{_num(i['utilization_end_pct'], '.1f')}% utilization",
                    )
                )
            for liq, row in (lm.get("by_liquidator") or {}).items():
                rows_.append(
                    (
                        f"{name}: liquidator {liq}",
                        f"{row['count']} liquidations, {_fmt('x_usd', row['debt_repaid_usd'], n)} "
                        "repaid",
                    )
                )
        out.append(_kv_table(rows_))
        out.append(
            img(
                png(lending_figure(ts, list(lending))),
                "depeg path, health factors and liquidations, borrow rate and utilization",
            )
        )
    return out


def mining_figure(ts: pd.DataFrame, token: str, rugs: Sequence[float] = ()) -> Figure:
    """Headline vs realised reward APR, the reward token's price, miners in each pool;
    `rugs` are the days of rug pulls, marked on every panel."""
    plt = _pyplot()
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
    plt = _pyplot()
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


def _pyplot() -> Any:
    """matplotlib.pyplot, after sim.report.figures has chosen the non-interactive backend."""
    from sim.report.figures import (
        plt,  # sim.report.figures selects the Agg backend before importing pyplot
    )

    return plt
