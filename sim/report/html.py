"""A self-contained report.html for a run: description, key numbers, figures and the scenario.

Everything is inline (CSS, figures as base64 PNG), nothing is fetched from the network, and
the page is deterministic: the same run gives byte-identical HTML. The page shell is
`sim.report.html_page` (which `ammsim compare` reuses), the tables `html_tables`, the
protocol sections `html_protocols` and the extra figures `html_figures`.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from sim.model.mechanisms import Mechanism
from sim.report.html_figures import detail_figure
from sim.report.html_page import format_value, img, page, png, table, versions_line
from sim.report.html_protocols import protocol_sections
from sim.report.html_tables import amm_section, cohort_table, headline_table, mev_section, run_keys
from sim.report.sections import SECTION_TITLES, summary_mechanisms

if TYPE_CHECKING:
    from sim.report.result import RunResult


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
        + f" · {format_value('blocks', s.get('blocks'), n)} blocks of {meta.block_time_s:g} s"
        + f" ({format_value('days', s.get('days'), n)} days) · values in {html.escape(n)}"
    )
    body = [f"<h1>{html.escape(title)}</h1>", f"<p class='meta'>{head}</p>"]
    if meta.description:
        body.append(f"<p class='desc'>{html.escape(' '.join(meta.description.split()))}</p>")

    present = summary_mechanisms(s)
    has = ", ".join(SECTION_TITLES[m] for m in present) or "none of the mechanisms with a section"
    body.append(f"<p class='meta'>This run has: {html.escape(has)}.</p>")
    body.append("<h2>Key numbers</h2>")
    body.append(headline_table(s, run_keys(s, SUMMARY_FIELDS), SUMMARY_FIELDS))
    if Mechanism.AMM in present:
        body += amm_section(s, SUMMARY_FIELDS)
    cohorts = cohort_table(result.agents, n)
    if cohorts:
        body.append("<h2>Who earned, who lost (per cohort)</h2>")
        body.append(
            "<p class='meta'>Trade P&amp;L: what the cohort's swaps gained or lost at reference "
            "prices. P&amp;L: change of its whole portfolio, including the price move of "
            "everything it holds.</p>"
        )
        body.append(cohorts)
    if Mechanism.RANGE_LPS in present:
        body += range_lp_section(s["range_lps"], n)
    if Mechanism.MEV in present:
        body += mev_section(s)
    body += protocol_sections(result, present)

    body.append("<h2>Figures</h2>")
    body.append(img(figure_png, "reference vs pool price, LP value vs HODL, cumulative fees"))
    body.append(img(png(detail_figure(result)), "pool reserves, TVL and trade slippage"))

    toml = scenario_toml(result.scenario, result.inputs)
    body.append(
        "<h2>Scenario</h2><details><summary>resolved scenario.toml (rerun it with "
        "<code>ammsim run scenario.toml</code>)</summary>"
        f"<pre>{html.escape(toml)}</pre></details>"
    )
    body.append(f"<footer>{html.escape(versions_line())}</footer>")
    return page(f"{title} — ammsim report", body)


def range_lp_section(section: dict[str, Any], n: str) -> list[str]:
    """Concentrated-liquidity strategies: the P&L decomposition per cohort."""
    from sim.report.range_lps import range_lp_rows

    header, rows = range_lp_rows(section)
    return [
        "<h2>Range LP strategies: where the net result comes from</h2>",
        f"<p class='meta'>Per cohort, in {html.escape(n)}: fees + IL vs HODL + swap costs "
        "+ gas + perp + rounding = net vs HODL (per agent in agents.csv, pnl_* columns). "
        "IL vs HODL = every band's principal against the tokens minted into it (realised "
        "at each re-centre) + re-centring drift (the re-centred inventory against the "
        "funded tokens).</p>",
        # one column per cohort: a dozen and more items read down as each cohort's statement,
        # where as columns they would not fit the page
        table(
            [html.escape(header[0]), *(html.escape(r[0]) for r in rows)],
            [
                [(html.escape(h), "")] + [(html.escape(r[k]), "" if k < 2 else "num") for r in rows]
                for k, h in enumerate(header)
                if k
            ],
        ),
    ]
