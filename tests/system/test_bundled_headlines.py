"""Every bundled scenario shows its claim in its own output: its `scenario.headline` names
summary.json keys, its description names each of them, a short run has every one, and
`ammsim compare` shows them first."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import ROOT

from sim import run
from sim.cli.compare import Run, choose_metrics, matches
from sim.errors import ScenarioError
from sim.scenario.scenario import load_scenario
from sim.sweep.flat import flatten

SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
BLOCKS = 300


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_the_headline_is_described_and_in_the_summary(path: Path) -> None:
    raw = tomllib.loads(path.read_text())
    meta = raw["scenario"]
    heads = meta.get("headline") or []
    assert heads, f"{path.name}: no scenario.headline"
    description = " ".join(meta["description"].split())
    assert "look at" in description.lower()
    for key in heads:
        assert key in description, f"{path.name}: the description does not name {key}"
    result = run(path, blocks=BLOCKS, out=None)
    keys = flatten(result.summary)
    for key in heads:
        assert any(matches(k, key) for k in keys), f"{path.name}: {key} not in summary.json"
    # `ammsim compare` shows the headline first, before its common metrics
    shown = choose_metrics([Run(path, result.summary, pd.DataFrame(), raw)], None)
    first = shown[: len([k for k in keys if any(matches(k, h) for h in heads)])]
    assert all(any(matches(m, h) for h in heads) for m in first)
    assert {m for m in keys if any(matches(m, h) for h in heads)} <= set(first)


def test_a_headline_key_must_be_a_dotted_path(raw: dict[str, Any]) -> None:
    raw["scenario"]["headline"] = ["mev.bot_net", "range_lps.*.net_vs_hodl_pct", "not a key"]
    with pytest.raises(ScenarioError, match=r"scenario\.headline\[2\]"):
        load_scenario(raw)


def summary_run(summary: dict[str, Any], headline: list[str] | None = None) -> Run:
    scenario = {"scenario": {"headline": headline}} if headline is not None else {}
    return Run(Path("run"), summary, pd.DataFrame(), scenario)


def test_compare_shows_each_runs_headline_first_then_its_mechanisms() -> None:
    summary = {
        "mechanisms": ["amm", "range_lps"],
        "volume": 1.0,
        "range_lps": {"a": {"net_vs_hodl_pct": 1.0}, "b": {"net_vs_hodl_pct": 2.0}},
    }
    plain = choose_metrics([summary_run(summary)], None)
    assert plain[0] == "volume" and not any(m.startswith("mev.") for m in plain)
    shown = choose_metrics([summary_run(summary, ["range_lps.*.net_vs_hodl_pct"])], None)
    assert shown[:3] == ["range_lps.a.net_vs_hodl_pct", "range_lps.b.net_vs_hodl_pct", "volume"]
    # a run with sandwich bots brings the MEV numbers in, for both runs side by side
    bitten = {
        **summary,
        "mechanisms": ["amm", "range_lps", "mev"],
        "mev": {"sandwiches": 3, "bot_net": 1.0, "victim_loss": 2.0},
    }
    shown = choose_metrics([summary_run(summary), summary_run(bitten)], None)
    assert {"mev.bot_net", "mev.victim_loss"} <= set(shown)
