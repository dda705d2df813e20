"""The printed IL line says its basis; range LPs' net result is split on that same basis."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ROOT

from sim import run
from sim.cli.headlines import human_summary
from sim.report.il_lines import il_text, range_lp_lines


def cohort(**kw: float) -> dict[str, Any]:
    row = dict.fromkeys(
        [
            "pnl_fees",
            "pnl_il",
            "pnl_swap_costs",
            "pnl_gas",
            "pnl_perp",
            "net_vs_hodl",
            "il_bands_realised",
        ],
        0.0,
    )
    row.update(kw, rebalances=int(kw.get("rebalances", 0)), perp_pnl=kw.get("perp_pnl"))
    return row


def test_the_il_names_its_basis_and_its_pool() -> None:
    one = {"impermanent_loss_pct": -0.004, "pools": {"eth_usdc": {"kind": "constant_product"}}}
    assert il_text(one) == "impermanent loss alone: -0.004%, x*y=k at the final price ratio"
    two = {
        "impermanent_loss_pct": -0.0001,
        "pools": {"curve": {"kind": "stableswap"}, "univ2": {"kind": "constant_product"}},
    }
    assert il_text(two) == (
        "impermanent loss alone in curve: -0.000%, the start balances moved along the curve"
    )
    assert il_text({"impermanent_loss_pct": None, "pools": one["pools"]}) == (
        "impermanent loss alone: n/a"
    )


def test_range_lps_net_is_split_on_their_hodl_value() -> None:
    s = {
        "range_lps": {
            "narrow": cohort(
                hodl_value=600.0,
                pnl_fees=60.0,
                pnl_il=-48.0,
                il_bands_realised=-42.0,
                pnl_swap_costs=-6.0,
                net_vs_hodl=6.0,
                rebalances=7,
            ),
            "wide": cohort(hodl_value=400.0, pnl_fees=4.0, pnl_il=-2.0, net_vs_hodl=2.0),
        }
    }
    assert range_lp_lines(s) == [
        "  range LPs           +0.800% = fees +6.400% + IL -5.000% (-4.200% realised at 7 band "
        "moves) + swap costs -0.600% + gas +0.000%"
    ]
    s["range_lps"]["wide"]["perp_pnl"] = 1.0
    assert range_lp_lines(s)[0].endswith(" + perp +0.000%")
    assert range_lp_lines({}) == []


@pytest.fixture(scope="module")
def v3() -> dict[str, Any]:
    return run(ROOT / "scenarios" / "v3_band_strategies.toml", blocks=600, out=None).summary


def test_the_v3_headline_il_is_the_range_lps_il_on_the_basis_of_lp_vs_hodl(
    v3: dict[str, Any],
) -> None:
    """LP vs HODL, the headline IL and the range LPs' line are one basis: their HODL value."""
    line = next(x for x in human_summary(v3).splitlines() if x.startswith("  range LPs"))
    assert line.startswith(f"  range LPs           {v3['lp_vs_hodl_pct']:+.3f}% = ")
    assert f" + IL {v3['impermanent_loss_pct']:+.3f}% (" in line
    cohorts = v3["range_lps"].values()
    hodl = sum(c["hodl_value"] for c in cohorts)
    il = sum(c["pnl_il"] for c in cohorts) / hodl * 100
    assert v3["impermanent_loss_pct"] == pytest.approx(il, rel=1e-12)
    assert "% of their HODL value" in human_summary(v3)
