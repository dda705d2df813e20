"""The page shell of report.html and compare.html: stylesheet, document, tables, inline images.

Everything a page needs is inline (CSS, figures as base64 PNG) and deterministic (no
timestamps, PNGs without version metadata at a fixed dpi), so the same run gives
byte-identical HTML. Values are formatted here with their units, chosen from the key.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sim.report.value_names import is_value

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;
padding:1.5rem;color:#1d2330;line-height:1.45;overflow-wrap:break-word}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #d8dde6;padding-bottom:.2rem}
.meta{color:#5b6475;margin-top:0}.desc{font-size:1.05rem;background:#f4f6fa;padding:.8rem 1rem;
border-left:4px solid #4a72c4}
.tbl{overflow-x:auto;margin:.5rem 0}
table{border-collapse:collapse;font-size:.92rem}
th,td{padding:.3rem .6rem;border-bottom:1px solid #e3e7ee;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.long{white-space:normal;min-width:9rem;overflow-wrap:anywhere}td.path{overflow-wrap:anywhere}
td.expl{color:#5b6475;font-size:.85rem;min-width:16rem}thead th{background:#f4f6fa}
img{max-width:100%;height:auto;display:block;margin:.5rem 0}
details{margin:.5rem 0}summary{cursor:pointer;font-weight:600}
pre{background:#f4f6fa;padding:.8rem;overflow-x:auto;font-size:.82rem}
footer{margin-top:2rem;color:#5b6475;font-size:.8rem}
@media (max-width:640px){
body{padding:.8rem}h1{font-size:1.5rem}h2{font-size:1.2rem}
.tbl table,.tbl tbody,.tbl tr,.tbl td{display:block}.tbl thead{display:none}
.tbl tr{border-bottom:1px solid #d8dde6;padding:.35rem 0}
.tbl td{border:0;padding:.05rem 0;text-align:left;min-width:0;overflow-wrap:anywhere}
.tbl td.num{white-space:normal}.tbl td:first-child{font-weight:600}.tbl td:empty{display:none}
.tbl td[data-label]::before{content:attr(data-label) ": ";color:#5b6475;font-weight:400}
}
""".strip()
"""The stylesheet. Every table sits in a `.tbl` box that scrolls sideways by itself if it is
ever wider than the page, so the page never does; text cells wrap. Below 640 px each table row
becomes a card: the first cell as its title, then one line per cell, named by `data-label`."""

LONG_VALUE = 24
"""A value cell with more characters than this wraps (class `long`) instead of staying on one
line, so a composite value (a dict, `a = b + c`) cannot widen its table beyond the page."""

DPI = 100
"""Resolution of the figures this module renders (fixed, for byte-identical output)."""

LABELS: dict[str, str] = {
    "blocks": "blocks",
    "days": "days",
    "volume": "volume",
    "fees": "fees paid",
    "lp_fee_income": "LP fee income",
    "lp_vs_hodl_pct": "LP vs HODL",
    "impermanent_loss_pct": "impermanent loss alone",
    "arbitrage_profit": "arbitrage profit",
    "gas_cost": "gas paid",
    "txs": "transactions",
    "reverts": "reverted",
    "mempool_evicted": "evicted from a full mempool",
    "slippage": "retail slippage",
    "lvr": "LVR",
    "arb_gain": "arbitrageurs' gain",
    "lp_vs_rebalancing": "LPs vs rebalancing",
    "lvr_apr_pct": "LVR APR",
    "fee_bps": "fee",
    "lp_fees": "LP fees",
    "tvl_end": "TVL at the end",
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

    plt = pyplot()

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata=PNG_METADATA)
    plt.close(fig)
    return buf.getvalue()


def table(
    header: Sequence[str], rows: Iterable[Sequence[tuple[str, str]]], *, labels: bool = True
) -> str:
    """An HTML table in a `.tbl` box; each cell is (text, css class), text already escaped.

    With `labels`, every cell after the first (except explanations) carries its column's
    header as `data-label`, which names it when a narrow screen shows the row as a card.
    """
    names = [_attr(h) if labels and k else "" for k, h in enumerate(header)]
    th = "".join(f"<th>{h}</th>" for h in header)
    trs = "".join(
        "<tr>"
        + "".join(_td(t, c, names[k] if k < len(names) else "") for k, (t, c) in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<div class='tbl'><table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table></div>"


def _td(text: str, css: str, name: str) -> str:
    """One cell; a long value wraps (`LONG_VALUE`); `name` becomes its data-label."""
    if css == "num" and len(_TAG.sub("", html.unescape(text))) > LONG_VALUE:
        css = "num long"
    attrs = (f" class='{css}'" if css else "") + (
        f" data-label='{name}'" if name and css != "expl" else ""
    )
    return f"<td{attrs}>{text}</td>"


_TAG = re.compile(r"<[^>]*>")


def _attr(header_html: str) -> str:
    """A header cell's text (markup dropped, still escaped) for a single-quoted attribute."""
    return _TAG.sub("", header_html).replace("'", "&#x27;")


def versions_line() -> str:
    """Versions of ammsim and its main dependencies (the same on every run of one install)."""
    import platform

    from sim.version import VERSION, version

    deps = ", ".join(f"{d} {version(d)}" for d in ("mesa", "numpy", "pandas", "matplotlib"))
    return f"ammsim {VERSION} · python {platform.python_version()} · {deps}"


def kv_table(rows: Iterable[tuple[str, str]]) -> str:
    """A two-column table of (metric, value) text pairs (escaped here)."""
    return table(
        ["metric", "value"],
        [[(html.escape(k), ""), (html.escape(v), "num")] for k, v in rows],
        labels=False,
    )


def format_number(v: Any, fmt: str = ",.4g") -> str:
    """`v` in format `fmt`, or "n/a" when missing or not finite."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    return format(v, fmt)


def label(key: str) -> str:
    """Human name of a summary key."""
    return LABELS.get(key, key.removesuffix("_pct").replace("_", " "))


def format_value(key: str, v: Any, numeraire: str) -> str:
    """A summary value with its unit, chosen from the key's suffix (`ammsim compare` too)."""
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
        return ", ".join(f"{k} {format_value(k, x, numeraire)}" for k, x in v.items())
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    if is_value(key):
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


def pyplot() -> Any:
    """matplotlib.pyplot, after sim.report.figures has chosen the non-interactive backend."""
    from sim.report.figures import (
        plt,  # sim.report.figures selects the Agg backend before importing pyplot
    )

    return plt
