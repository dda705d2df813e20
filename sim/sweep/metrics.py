"""Which metrics a sweep's table and figures show: those that matter for the scenario (its MEV,
lending, mining or rug metrics before the LP ones), or those the caller names, as names or
`fnmatch` patterns over the metrics of summary.csv."""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from sim.sweep.plan import Plan

if TYPE_CHECKING:
    import pandas as pd

KEY_METRICS = (
    "lp_vs_hodl_pct",
    "lp_fee_income",
    "lvr",
    "lp_vs_rebalancing",
    "impermanent_loss_pct",
    "fees",
)
"""LP metrics: what the printed table and the figures show for a plain AMM scenario."""
MEV_METRICS = (
    "mev.bot_gross",
    "mev.bot_net",
    "mev.victim_loss",
    "mev.by_victim_cohort.*.victim_loss",
    "mev.by_victim_cohort.*.loss_per_volume_bps",
)
"""Shown first when the scenario has a sandwich bot (`*` matches each victim cohort)."""
LENDING_METRICS = (
    "lending.*.liquidations",
    "lending.*.liquidated_debt",
    "lending.*.bad_debt",
    "lending.*.deficit_created",
    "lending.*.min_health_factor",
    "lending.*.looper_equity_change_pct.mean",
    "staking.*.max_discount_pct",
)
"""Shown first when the scenario has a lending market."""
RUG_METRICS = ("rug.victims_loss", "rug.developer_gain")
MINING_METRICS = ("mining.realised_reward_apr_pct_end", "mining.pools.*.headline_apr_pct_peak")


def summary_metrics(summary: pd.DataFrame) -> list[str]:
    """The numeric metrics of a summary.csv table, in column order (`fees`, `mev.bot_net`,
    ...): every `<metric>.mean` column that has its `<metric>.n`."""
    return [
        c.removesuffix(".mean")
        for c in summary.columns
        if c.endswith(".mean") and f"{c.removesuffix('.mean')}.n" in summary.columns
    ]


def expand_metrics(
    patterns: Sequence[str], available: Sequence[str]
) -> tuple[list[str], list[str]]:
    """Metric names and `fnmatch` patterns (`mev.by_victim_cohort.*.victim_loss`) -> (the
    available metrics they name, in pattern order without repeats; the patterns matching none)."""
    out: list[str] = []
    unmatched = []
    for pat in patterns:
        hits = [pat] if pat in available else [a for a in available if fnmatchcase(a, pat)]
        if not hits:
            unmatched.append(pat)
        out.extend(h for h in hits if h not in out)
    return out, unmatched


def _agent_kinds(raw: Mapping[str, Any]) -> set[str]:
    agents = raw.get("agents")
    if not isinstance(agents, Mapping):
        return set()
    return {a.get("kind") for a in agents.values() if isinstance(a, Mapping)}


def default_metrics(raw: Mapping[str, Any]) -> list[str]:
    """The metric patterns that matter for a scenario (its parsed TOML), most important first:
    rug metrics (they exist only when a developer can rug), MEV metrics when it has a sandwich
    bot, lending and staking metrics when it has a lending market, mining metrics when it has
    rewards, then the LP metrics: only LP fee income and LP vs HODL after one of those groups,
    all of `KEY_METRICS` otherwise."""
    groups: list[str] = []
    if "sandwich_bot" in _agent_kinds(raw):
        groups += MEV_METRICS
    if raw.get("lending"):
        groups += LENDING_METRICS
    if raw.get("rewards"):
        groups += MINING_METRICS
    lp = ["lp_fee_income", "lp_vs_hodl_pct"] if groups else list(KEY_METRICS)
    return [*RUG_METRICS, *groups, *lp]


def choose_metrics(
    summary: pd.DataFrame, plan: Plan, metrics: Sequence[str] | None = None
) -> list[str]:
    """What a sweep's table and figures show, most important first: `metrics` if given, else the
    scenario's `sweep.metrics`, else `default_metrics()`; each a metric name or an `fnmatch`
    pattern over the summary's metrics. An explicitly requested metric that matches nothing is
    reported with a warning (the names that exist are in summary.csv)."""
    sweep_table = plan.raw.get("sweep")
    explicit = metrics
    if explicit is None and isinstance(sweep_table, Mapping):
        explicit = sweep_table.get("metrics")
    if isinstance(explicit, str):
        explicit = [explicit]
    available = summary_metrics(summary)
    if explicit:
        chosen, unmatched = expand_metrics(list(explicit), available)
        for pat in unmatched:
            close = difflib.get_close_matches(pat, available, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            warnings.warn(f"sweep metric {pat!r} is not in summary.csv{hint}", stacklevel=2)
        if chosen:
            return chosen
    chosen, _ = expand_metrics(default_metrics(plan.raw), available)
    return chosen
