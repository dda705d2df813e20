"""A self-contained report.html for a run: description, key numbers and figures embedded (no network)."""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.runner import RunResult


def render(result: RunResult, figure_png: bytes) -> str:
    """The report page as one HTML string (figures inlined as base64 PNG)."""
    s = result.summary
    desc = html.escape(result.scenario.scenario.description)
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(_fmt(v))}</td></tr>"
        for k, v in s.items()
        if not isinstance(v, dict)
    )
    img = base64.b64encode(figure_png).decode()
    buf = io.StringIO()
    buf.write(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(s['scenario'])}</title>"
        "</head><body>"
        f"<h1>{html.escape(s['scenario'])}</h1><p>{desc}</p>"
        f"<table>{rows}</table>"
        f"<img alt='overview' src='data:image/png;base64,{img}'>"
        "</body></html>\n"
    )
    return buf.getvalue()


def _fmt(v: object) -> str:
    return f"{v:,.6g}" if isinstance(v, float) else str(v)
