"""Which summary.json keys make each mechanism's section, and which mechanisms a summary has.

The printed summary, report.html and `ammsim compare` read a finished summary, not the model:
they ask `summary_mechanisms` which sections to show and `SECTION_KEYS` what goes in each.
The mechanisms themselves are detected once, in `sim.model.mechanisms`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.model.mechanisms import Mechanism

SECTION_KEYS: dict[Mechanism, tuple[str, ...]] = {
    Mechanism.AMM: (
        "volume",
        "fees",
        "lp_fee_income",
        "lp_vs_hodl_pct",
        "impermanent_loss_pct",
        "arbitrage_profit",
        "lvr",
        "arb_gain",
        "lp_vs_rebalancing",
        "slippage",
        "not_measured",
    ),
    Mechanism.RANGE_LPS: ("range_lps",),
    Mechanism.MEV: ("mev",),
    Mechanism.LENDING: ("lending",),
    Mechanism.STAKING: ("staking",),
    Mechanism.MINING: ("mining",),
    Mechanism.LAUNCHES: ("launches",),
    Mechanism.RUGS: ("rug",),
    Mechanism.ORACLE_ATTACKS: ("oracle_attack",),
}
"""Top-level summary.json keys of each mechanism's section (absent when it is)."""

SECTION_TITLES: dict[Mechanism, str] = {
    Mechanism.AMM: "AMM pools",
    Mechanism.RANGE_LPS: "range LPs",
    Mechanism.MEV: "MEV",
    Mechanism.LENDING: "lending",
    Mechanism.STAKING: "liquid staking",
    Mechanism.MINING: "liquidity mining",
    Mechanism.LAUNCHES: "token launches",
    Mechanism.RUGS: "rug pulls",
    Mechanism.ORACLE_ATTACKS: "oracle attacks",
}
"""What a reader calls each mechanism."""

SECTION_OF: dict[str, Mechanism] = {k: m for m, keys in SECTION_KEYS.items() for k in keys}
"""The mechanism a top-level summary key belongs to (keys of no mechanism are the run's)."""


def summary_mechanisms(summary: Mapping[str, Any]) -> tuple[Mechanism, ...]:
    """The mechanisms of a summary: its `mechanisms` list, or, for a summary written before
    that list existed, those whose section keys it has."""
    listed = summary.get("mechanisms")
    if isinstance(listed, list):
        known = {str(m) for m in Mechanism}
        return tuple(Mechanism(m) for m in listed if m in known)
    return tuple(m for m, keys in SECTION_KEYS.items() if any(k in summary for k in keys))
