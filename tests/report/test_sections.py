"""A section for each mechanism a run has, and nothing for those it lacks: in summary.json, the
printed summary, report.html and `ammsim compare` alike (short runs of the bundled scenarios)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim import run
from sim.cli.compare import Run, choose_metrics
from sim.cli.headlines import human_summary
from sim.model.mechanisms import Mechanism
from sim.report import html, html_protocols
from sim.report.html import render
from sim.report.result import RunResult
from sim.report.schema import summary_docs
from sim.report.sections import SECTION_KEYS, summary_mechanisms
from sim.report.summary import SUMMARY_FIELDS

RUNS: dict[str, tuple[str, int, dict[str, Any]]] = {
    "quickstart": ("quickstart", 150, {"agents.retail.count": 10}),
    "v3": ("v3_band_strategies", 150, {}),
    "sandwich": ("sandwich_attack", 150, {}),
    "depeg": ("steth_depeg", 450, {}),  # the contagion news at block 300 starts the trading
    "looping": ("looping_yield", 150, {}),
    "mining": ("liquidity_mining", 150, {}),
    "rug": ("rug_pull", 120, {}),
}
"""Short runs: name -> (bundled scenario, blocks, overrides)."""


class Outputs:
    """One run's summary.json, printed summary and report.html."""

    def __init__(self, result: RunResult) -> None:
        self.summary = result.summary
        self.text = human_summary(result.summary)
        self.page = render(result, b"\x89PNG\r\n\x1a\n")


@pytest.fixture(scope="module")
def outputs() -> Iterator[dict[str, Outputs]]:
    """The runs' outputs; report.html without drawing its figures (which sections appear is
    the point here, and drawing is most of the time)."""
    with pytest.MonkeyPatch.context() as mp:
        for module in (html, html_protocols):
            mp.setattr(module, "png", lambda fig: b"\x89PNG\r\n\x1a\n")
        for module, figure in (
            (html, "detail_figure"),
            (html_protocols, "mining_figure"),
            (html_protocols, "lending_figure"),
        ):
            mp.setattr(module, figure, lambda *args: None)
        yield _outputs()


def _outputs() -> dict[str, Outputs]:
    out = {}
    for name, (scenario, blocks, overrides) in RUNS.items():
        result = run(
            scenario, blocks=blocks, overrides={"output.record_every": 10, **overrides}, out=None
        )
        out[name] = Outputs(result)
    return out


# mechanism, a run that has it, a run that lacks it, its summary.json key, what the printed
# summary and report.html show for it
SECTIONS = [
    (Mechanism.AMM, "quickstart", "looping", "volume", "  volume  ", "<h2>AMM pools</h2>"),
    (Mechanism.RANGE_LPS, "v3", "quickstart", "range_lps", "range LPs", "<h2>Range LP strategies"),
    (Mechanism.MEV, "sandwich", "quickstart", "mev", "sandwiches", "<h2>MEV: sandwiches</h2>"),
    (Mechanism.LENDING, "looping", "quickstart", "lending", "lending aave", "aave: oracle"),
    (Mechanism.STAKING, "depeg", "quickstart", "staking", "stETH depeg", "stETH staking APR"),
    (
        Mechanism.MINING,
        "mining",
        "quickstart",
        "mining",
        "realised reward APR",
        "<h2>Liquidity mining",
    ),
    (Mechanism.LAUNCHES, "rug", "quickstart", "launches", "launch SCAM", "<h2>Token launches</h2>"),
    (Mechanism.RUGS, "rug", "mining", "rug", "rug victims", "<h2>Rug pull</h2>"),
]


@pytest.mark.parametrize(("mechanism", "has", "lacks", "key", "printed", "heading"), SECTIONS)
def test_a_section_appears_where_its_mechanism_is_and_nowhere_else(
    outputs: dict[str, Outputs],
    mechanism: Mechanism,
    has: str,
    lacks: str,
    key: str,
    printed: str,
    heading: str,
) -> None:
    yes, no = outputs[has], outputs[lacks]
    assert mechanism in yes.summary["mechanisms"] and key in yes.summary
    assert printed in yes.text and heading in yes.page
    assert mechanism not in no.summary["mechanisms"]
    assert not set(SECTION_KEYS[mechanism]) & set(no.summary)  # left out, not zero-filled
    assert printed not in no.text and heading not in no.page


def test_pools_nobody_traded_print_no_amm_lines(outputs: dict[str, Outputs]) -> None:
    """looping_yield's pool only serves deleveraging: six AMM lines of zeros before."""
    looping = outputs["looping"]
    assert looping.summary["pools"]["wsteth_eth"]["swaps"] == 0  # the pool is there, untraded
    for line in ("volume", "fees paid", "LP fee income", "LP vs HODL", "arbitrage", "LVR"):
        assert f"  {line}" not in looping.text
    assert "gas paid" in looping.text and "transactions" in looping.text  # the run's own


def test_lvr_is_said_to_be_unmeasured_where_no_reference_price_exists(
    outputs: dict[str, Outputs],
) -> None:
    """steth_depeg's pool trades stETH, valued at the pool's own price: LVR has nothing to be
    measured against, and was printed as "LVR 0.00 (fees - LVR: +0.00 ETH)"."""
    depeg = outputs["depeg"]
    s = depeg.summary
    assert s["fees"] > 0 and s["pools"]["steth_eth"]["lvr"] is None
    assert not {"lvr", "arb_gain", "lp_vs_rebalancing"} & set(s)
    why = s["not_measured"]["lvr"]
    assert "steth_eth" in why and "stETH has no reference price" in why
    assert (
        f"  LVR                 {why}" in depeg.text
        and "LVR                 0.00" not in depeg.text
    )
    assert "<td class='num'>not measured</td>" in depeg.page
    # nor is there an arbitrage line without arbitrageurs
    assert "arbitrage_profit" not in s and "arbitrage profit" not in depeg.text


def test_lvr_over_the_pools_it_can_be_measured_in(outputs: dict[str, Outputs]) -> None:
    """rug_pull: ETH/USDC has reference prices, FARM/ETH and SCAM/ETH do not."""
    s = outputs["rug"].summary
    pools = s["pools"]
    assert s["lvr"] == pools["eth_usdc"]["lvr"]
    assert s["lp_vs_rebalancing"] == pools["eth_usdc"]["lp_vs_rebalancing"]
    why = s["not_measured"]["lvr"]
    unmeasured = [n for n, p in pools.items() if p["swaps"] and p["lvr"] is None]
    assert "scam_eth" in unmeasured and "SCAM" in why
    assert all(n in why for n in unmeasured) and "eth_usdc" not in why
    assert why in outputs["rug"].text
    assert "not_measured" not in outputs["quickstart"].summary


def test_a_launch_section_describes_each_launched_token(outputs: dict[str, Outputs]) -> None:
    launches = outputs["rug"].summary["launches"]
    assert set(launches) == {"FARM", "SCAM"}
    farm, scam = launches["FARM"], launches["SCAM"]
    assert (farm["pull"], scam["pull"]) == ("never", "dump")
    assert farm["lp_locked_end_pct"] == 100.0 and scam["lp_locked_end_pct"] == 0.0
    assert scam["top_holder_end_pct"] == pytest.approx(80.0)  # the hidden allocation
    # an honest launch is a launch without a rug
    assert "launches" in outputs["mining"].summary and "rug" not in outputs["mining"].summary


def test_compare_shows_the_metrics_of_the_mechanisms_either_run_has(
    outputs: dict[str, Outputs],
) -> None:
    def runs(*names: str) -> list[Run]:
        return [Run(Path(n), outputs[n].summary, pd.DataFrame(), {}) for n in names]

    plain = choose_metrics(runs("quickstart"), None)
    assert "volume" in plain and not any(m.startswith(("mev.", "lending.")) for m in plain)
    with_mev = choose_metrics(runs("quickstart", "sandwich"), None)
    assert {"mev.sandwiches", "mev.bot_net", "mev.victim_loss"} <= set(with_mev)
    looping = choose_metrics(runs("looping"), None)
    assert "volume" not in looping and "lending.aave.liquidations" in looping
    v3 = choose_metrics(runs("v3"), None)
    assert any(m.startswith("range_lps.") and m.endswith(".net_vs_hodl") for m in v3)


def test_a_summary_from_before_the_mechanisms_list_reads_by_its_sections() -> None:
    old = {"volume": 1.0, "mev": {"sandwiches": 0}, "lending": {}}
    assert summary_mechanisms(old) == (Mechanism.AMM, Mechanism.MEV, Mechanism.LENDING)
    assert summary_mechanisms({"mechanisms": ["staking", "amm"]}) == (
        Mechanism.STAKING,
        Mechanism.AMM,
    )


def test_every_key_a_run_writes_is_documented_with_its_mechanism(
    outputs: dict[str, Outputs],
) -> None:
    meta = {"scenario", "seed", "replicate", "numeraire"}
    written = {k for o in outputs.values() for k in o.summary} - meta
    assert written <= set(SUMMARY_FIELDS)
    docs = summary_docs()
    for mechanism, keys in SECTION_KEYS.items():
        for key in keys:
            assert docs[key].endswith(f"[only in runs with {mechanism}]"), key
    assert "[only in runs" not in docs["gas_cost"]
    assert all(m in SUMMARY_FIELDS["mechanisms"] for m in Mechanism)
