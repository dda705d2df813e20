"""`ammsim compare RUN_DIR RUN_DIR ...`: summary metrics side by side, overlaid figures, a report.

Reads finished run folders (summary.json, timeseries.csv and, for labels, scenario.toml),
prints one table, and writes `compare.png` and a self-contained `compare.html` into `--out`
(default `outputs/compare-<UTC time>/`). Runs of one scenario are labelled by the fields
in which they differ (e.g. `pools.eth_usdc.fee_bps=5`); others by scenario name and run id.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import UserInputError
from sim.model.mechanisms import Mechanism
from sim.report.sections import summary_mechanisms
from sim.sweep.flat import flatten, matches

if TYPE_CHECKING:
    import pandas as pd

RUN_METRICS: tuple[str, ...] = ("days", "gas_cost", "txs", "reverts")
"""Shown by default for every run (those missing from every run are skipped)."""

MECHANISM_METRICS: dict[Mechanism, tuple[str, ...]] = {
    Mechanism.AMM: (
        "volume",
        "fees",
        "lp_fee_income",
        "lp_vs_hodl_pct",
        "impermanent_loss_pct",
        "arbitrage_profit",
        "lvr",
        "lp_vs_rebalancing",
        "slippage.mean_bps",
        "slippage.p95_bps",
    ),
    Mechanism.RANGE_LPS: ("range_lps.*.net_vs_hodl", "range_lps.*.net_vs_hodl_pct"),
    Mechanism.MEV: (
        "mev.sandwiches",
        "mev.bot_net",
        "mev.victim_loss",
        "mev.by_victim_cohort.*.victim_loss",
    ),
    Mechanism.LENDING: (
        "lending.*.liquidations",
        "lending.*.liquidated_debt",
        "lending.*.bad_debt",
        "lending.*.deficit_created",
        "lending.*.min_health_factor",
    ),
    Mechanism.STAKING: ("staking.*.max_discount_pct",),
    Mechanism.MINING: (
        "mining.reward_price_end",
        "mining.realised_reward_apr_pct_end",
        "mining.pools.*.headline_apr_pct_end",
        "mining.pools.*.miners_end",
    ),
    Mechanism.LAUNCHES: ("launches.*.price_change_pct",),
    Mechanism.RUGS: ("rug.developer_gain", "rug.victims_loss"),
}
"""Shown by default for each mechanism either run has (`*` is any pool, cohort, token or
market name): what a scenario with it is about."""

MAX_LABEL_FIELDS = 4
"""Runs that differ in more scenario fields than this are labelled by name and run id."""

MAX_SHOWN_FIELDS = 20
"""compare.html folds its "What differs" table away when more fields than this differ."""

MAX_SMALL_FILE_BYTES = 100_000_000
"""summary.json and scenario.toml larger than this are not a run folder's (they are kilobytes)."""
MAX_REASON_BYTES = 500
"""How much of an INCOMPLETE marker is shown."""


@dataclass
class Run:
    """One finished run folder, read back."""

    path: Path
    summary: dict[str, Any]
    timeseries: pd.DataFrame
    scenario: dict[str, Any]
    label: str = ""

    @property
    def run_id(self) -> str:
        return self.path.name


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `compare` subcommand."""
    p = sub.add_parser(
        "compare",
        help="compare run folders side by side (table, compare.png, compare.html)",
        description="Print summary metrics of several runs side by side and write overlaid "
        "figures (compare.png) and a self-contained page (compare.html).",
    )
    p.add_argument("runs", nargs="+", metavar="RUN_DIR", help="finished run folders")
    p.add_argument(
        "--out", help="folder for compare.png and compare.html (default outputs/compare-<time>/)"
    )
    p.add_argument(
        "--metric",
        action="append",
        metavar="M",
        help="summary metric to show, a dotted path such as lp_vs_hodl_pct, slippage.p95_bps "
        "or pools.eth_usdc.fee_apr_pct (repeatable; default: the headline numbers)",
    )
    p.set_defaults(handler=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    runs = [load_run(Path(p)) for p in args.runs]
    label_runs(runs)
    metrics = choose_metrics(runs, args.metric)
    print(text_table(runs, metrics))
    out = Path(args.out) if args.out else default_out()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserInputError(f"cannot create output folder {out}: {err.strerror}") from None
    from sim.cli.compare_figure import figure
    from sim.report.figures import save

    save(figure(runs), out / "compare.png")
    (out / "compare.html").write_text(html_page(runs, metrics, (out / "compare.png").read_bytes()))
    print(f"\ncomparison: {out}/")
    print("  compare.png  compare.html")
    return 0


# ---------------------------------------------------------------- reading


def load_run(path: Path) -> Run:
    """A finished run folder; exit-2 errors for anything else."""
    import pandas as pd

    if not path.exists():
        raise UserInputError(f"no such run folder: {path}")
    if not path.is_dir():
        raise UserInputError(f"{path} is not a folder (expected a run folder)")
    marker = path / "INCOMPLETE"
    if marker.exists() or marker.is_symlink():
        raise UserInputError(f"{path} is not a complete run ({_marker_reason(marker)})")
    missing = [f for f in ("summary.json", "timeseries.csv") if not (path / f).is_file()]
    if missing:
        raise UserInputError(f"{path} is not a complete run folder: missing {', '.join(missing)}")
    for name in ("summary.json", "scenario.toml"):
        if (path / name).is_file() and (path / name).stat().st_size > MAX_SMALL_FILE_BYTES:
            raise UserInputError(
                f"{path / name}: larger than {MAX_SMALL_FILE_BYTES:,} bytes; not ammsim's"
            )
    try:
        summary = json.loads((path / "summary.json").read_text())
    except json.JSONDecodeError as err:
        raise UserInputError(f"{path / 'summary.json'}: not valid JSON ({err})") from None
    if not isinstance(summary, dict):
        raise UserInputError(f"{path / 'summary.json'}: expected a JSON object")
    try:
        ts = pd.read_csv(path / "timeseries.csv")
    except (ValueError, pd.errors.EmptyDataError) as err:
        raise UserInputError(f"{path / 'timeseries.csv'}: cannot read it ({err})") from None
    scenario: dict[str, Any] = {}
    toml = path / "scenario.toml"
    if toml.is_file():
        try:
            scenario = tomllib.loads(toml.read_text())
        except tomllib.TOMLDecodeError as err:
            raise UserInputError(f"{toml}: not valid TOML ({err})") from None
    return Run(path, summary, ts, scenario)


def _marker_reason(marker: Path) -> str:
    """The first line of a run's INCOMPLETE marker, only from a plain file ammsim could have
    written (a folder from elsewhere may hold a link to a file that is not to be shown)."""
    if marker.is_symlink() or not marker.is_file():
        return "its INCOMPLETE marker is not a plain file"
    with marker.open("rb") as f:
        head = f.read(MAX_REASON_BYTES).decode("utf-8", errors="replace")
    return head.strip().splitlines()[0] if head.strip() else "marked INCOMPLETE"


# ---------------------------------------------------------------- labels and metrics


def differing_fields(runs: list[Run]) -> list[str]:
    """Scenario fields (dotted paths) whose values are not the same in every run."""
    flat = [flatten(r.scenario) for r in runs]
    keys = sorted({k for f in flat for k in f} - {"scenario.description", "scenario.headline"})
    return [k for k in keys if len({json.dumps(f.get(k), sort_keys=True) for f in flat}) > 1]


def label_runs(runs: list[Run]) -> None:
    """Label each run by its differing scenario fields, else by scenario name and run id."""
    names = {str(r.summary.get("scenario", "?")) for r in runs}
    diff = differing_fields(runs) if all(r.scenario for r in runs) else []
    by_fields = len(names) == 1 and 0 < len(diff) <= MAX_LABEL_FIELDS
    for r in runs:
        if by_fields:
            flat = flatten(r.scenario)
            r.label = ", ".join(
                f"{k.removeprefix('scenario.')}={_short(flat.get(k))}" for k in diff
            )
        else:
            r.label = f"{r.summary.get('scenario', '?')} {r.run_id}"
    seen: dict[str, int] = {}
    for r in runs:
        seen[r.label] = seen.get(r.label, 0) + 1
    for r in runs:
        if seen[r.label] > 1:
            r.label = f"{r.label} ({r.path})"


def _short(v: Any) -> str:
    if v is None:
        return "unset"
    if isinstance(v, float):
        return f"{v:g}"
    return v if isinstance(v, str) else json.dumps(v)


def metric_value(summary: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of a summary (None when absent)."""
    node: Any = summary
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def headline_patterns(runs: list[Run]) -> list[str]:
    """The runs' scenario headlines (`scenario.headline` of each scenario.toml), in order."""
    out: list[str] = []
    for r in runs:
        meta = r.scenario.get("scenario")
        keys = meta.get("headline") if isinstance(meta, dict) else None
        out += [k for k in keys or [] if isinstance(k, str)]
    return list(dict.fromkeys(out))


def choose_metrics(runs: list[Run], requested: list[str] | None) -> list[str]:
    """The metric paths to show; unknown requested ones are a user error.

    By default: each scenario's headline first, then the run's own numbers, then those of
    each mechanism any of the runs has."""
    available = sorted({k for r in runs for k in flatten(r.summary)})
    if not requested:
        heads = [m for p in headline_patterns(runs) for m in available if matches(m, p)]
        present = {m for r in runs for m in summary_mechanisms(r.summary)}
        patterns = list(RUN_METRICS)
        for mechanism, metrics in MECHANISM_METRICS.items():
            if mechanism in present:
                patterns += metrics
        chosen = [m for pattern in patterns for m in available if matches(m, pattern)]
        return list(dict.fromkeys([*heads, *chosen]))
    unknown = [m for m in requested if m not in available]
    if unknown:
        raise UserInputError(
            f"--metric: unknown metric {', '.join(map(repr, unknown))}; "
            f"available: {', '.join(available)}"
        )
    return list(dict.fromkeys(requested))


def format_metric(path: str, value: Any, numeraire: str) -> str:
    """A metric with its unit (chosen from the last part of its path)."""
    from sim.report.html_page import format_value

    return format_value(path.rsplit(".", 1)[-1], value, numeraire)


def text_table(runs: list[Run], metrics: list[str]) -> str:
    """The side-by-side table printed to the terminal."""
    short = all(len(r.label) <= 28 for r in runs)
    heads = [r.label if short else f"run {i}" for i, r in enumerate(runs, 1)]
    cells = [
        [format_metric(m, metric_value(r.summary, m), r.summary.get("numeraire", "")) for r in runs]
        for m in metrics
    ]
    w0 = max([len("metric"), *(len(m) for m in metrics)])
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(heads)]
    lines = []
    if not short:
        lines += [f"run {i}: {r.label}" for i, r in enumerate(runs, 1)] + [""]
    lines.append(
        "  ".join([f"{'metric':<{w0}}", *(f"{h:>{w}}" for h, w in zip(heads, widths, strict=True))])
    )
    lines.append("  ".join(["-" * w0, *("-" * w for w in widths)]))
    for m, row in zip(metrics, cells, strict=True):
        lines.append(
            "  ".join([f"{m:<{w0}}", *(f"{c:>{w}}" for c, w in zip(row, widths, strict=True))])
        )
    lines.append("")
    lines += [f"{h}: {r.path}" for h, r in zip(heads, runs, strict=True)] if short else []
    return "\n".join(lines).rstrip()


# ---------------------------------------------------------------- figure and page


def html_page(runs: list[Run], metrics: list[str], png: bytes) -> str:
    """compare.html: runs, differing fields, metric table and the figure, all inline."""
    import html

    from sim.report.html_page import img, label, page, table, versions_line
    from sim.report.summary import SUMMARY_FIELDS

    esc = html.escape

    def name(text: str) -> str:
        """A dotted path, run label or folder, escaped, with a line-break opportunity after
        each dot and slash, so it wraps on a narrow screen instead of widening the page."""
        return esc(text).replace(".", ".<wbr>").replace("/", "/<wbr>")

    body = ["<h1>Comparison of runs</h1>"]
    body.append(
        table(
            ["label", "scenario", "seed", "run folder"],
            [
                [
                    (name(r.label), ""),
                    (esc(str(r.summary.get("scenario", ""))), ""),
                    (esc(str(r.summary.get("seed", ""))), "num"),
                    (name(str(r.path)), "path"),
                ]
                for r in runs
            ],
        )
    )
    diff = differing_fields(runs) if all(r.scenario for r in runs) else []
    if diff:
        body.append("<h2>What differs</h2>")
        flats = [flatten(r.scenario) for r in runs]
        fields = table(
            ["field", *(name(r.label) for r in runs)],
            [[(name(k), ""), *((esc(_short(f.get(k))), "num") for f in flats)] for k in diff],
        )
        if len(diff) > MAX_SHOWN_FIELDS:  # runs of different scenarios: folded, not pages long
            fields = f"<details><summary>{len(diff)} scenario fields</summary>{fields}</details>"
        body.append(fields)
    body.append("<h2>Metrics</h2>")
    rows = []
    for m in metrics:
        top = m.split(".", 1)[0]
        rows.append(
            [(name(label(m) if "." not in m else m), "")]
            + [
                (
                    esc(
                        format_metric(m, metric_value(r.summary, m), r.summary.get("numeraire", ""))
                    ),
                    "num",
                )
                for r in runs
            ]
            + [(esc(SUMMARY_FIELDS.get(top, "") if top == m or top == "slippage" else ""), "expl")]
        )
    body.append(table(["metric", *(name(r.label) for r in runs), "what it means"], rows))
    body.append("<h2>Figures</h2>")
    body.append(img(png, "pool price vs reference, LP vs HODL and cumulative fees per run"))
    body.append(f"<footer>{esc(versions_line())}</footer>")
    return page("ammsim comparison", body)


def default_out() -> Path:
    """outputs/compare-<UTC time>/, with a suffix if that exists already."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = Path("outputs") / f"compare-{stamp}"
    out, k = base, 1
    while out.exists():
        k += 1
        out = base.with_name(f"{base.name}-{k}")
    return out
