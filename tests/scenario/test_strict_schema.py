"""The schema is strict: numbers are numbers, and each holds only values the model can use.

A number in quotes or a boolean is not a number; a whole-number field takes no decimal; negative
counts, sizes and leverage, and tolerances above 100%, are refused, for a plain number and for
every value a distribution could draw. Errors name the file, the field and what it takes, and
never repeat a huge input whole.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import tomli_w

from sim.cli.main import main
from sim.errors import ScenarioError, echo
from sim.scenario.scenario import load_scenario


def problems(raw: dict, overrides: dict) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(raw, overrides)
    return [line.removeprefix("  - ") for line in str(info.value).splitlines()[1:]]


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            "pools.eth_usdc.fee_bps",
            "30",
            "expected a whole number (e.g. 30), got the string '30' "
            "(write the number without quotes)",
        ),
        ("agents.retail.count", True, "expected a whole number (e.g. 30), got true (a boolean)"),
        ("pools.eth_usdc.fee_bps", 30.0, "expected a whole number (e.g. 30), got 30.0 (a decimal)"),
        (
            "prices.ETH.sigma",
            "0.8",
            "expected a number (e.g. 0.5), got the string '0.8' (write the number without quotes)",
        ),
        ("prices.ETH.sigma", False, "expected a number (e.g. 0.5), got false (a boolean)"),
        (
            "scenario.block_time_s",
            "twelve",
            "expected a number (e.g. 0.5), got the string 'twelve'",
        ),
        ("agents.retail.active", 1, "expected true or false, got 1"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_field_and_type(
    raw: dict, path: str, value: object, expected: str
) -> None:
    assert problems(raw, {path: value}) == [f"{path}: {expected}"]


def test_an_int_is_a_number_where_a_float_is_expected(raw: dict) -> None:
    sc = load_scenario(raw, {"scenario.block_time_s": 6, "prices.ETH.sigma": 1})
    assert sc.scenario.block_time_s == 6.0 and isinstance(sc.scenario.block_time_s, float)
    assert sc.prices["ETH"].sigma == 1.0  # type: ignore[union-attr]


def test_the_cli_refuses_a_quoted_number_with_exit_2(tmp_path: Path, raw: dict, capsys) -> None:
    raw["pools"]["eth_usdc"]["fee_bps"] = "30"
    path = tmp_path / "s.toml"
    path.write_text(tomli_w.dumps(raw))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: invalid scenario" in err and "pools.eth_usdc.fee_bps: expected a whole" in err


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("agents.lps.capital", -1_000, "out of range; allowed: >= 0 (got -1000)"),
        (
            "agents.retail.slippage_bps",
            20_000,
            "out of range; allowed: >= 0 and <= 10000 (got 20000)",
        ),
        (
            "agents.retail.slippage_bps",
            {"dist": "uniform", "low": 10, "high": 10_001},
            "a uniform draws values from 10 to 10001; allowed: >= 0 and <= 10000",
        ),
        (
            "agents.retail.slippage_bps",
            {"dist": "lognormal", "median": 50, "sigma": 1},
            "a lognormal draws values without an upper limit (use a uniform or a capped pareto); "
            "allowed: >= 0 and <= 10000",
        ),
        (
            "agents.retail.size",
            {"dist": "normal", "mean": 500, "std": 100},
            "a normal without `min` draws values without a lower limit (set `min`); allowed: >= 0",
        ),
        (
            "agents.retail.priority_fee_gwei",
            -1,
            "out of range; allowed: >= 0 and <= 100000 (got -1)",
        ),
    ],
)
def test_values_the_model_cannot_use_are_refused(
    raw: dict, path: str, value: object, expected: str
) -> None:
    assert problems(raw, {path: value}) == [f"{path}: {expected}"]


def test_distributions_inside_the_range_are_accepted(raw: dict) -> None:
    sc = load_scenario(
        raw,
        {
            "agents.retail.slippage_bps": {"dist": "pareto", "scale": 10, "alpha": 2, "cap": 500},
            "agents.retail.size": {"dist": "normal", "mean": 500, "std": 100, "min": 0},
            "agents.lps.capital": {"dist": "lognormal", "median": 1e5, "sigma": 1},
        },
    )
    assert sc.agents["retail"].slippage_bps.cap == 500  # type: ignore[union-attr]


def test_negative_leverage_is_refused() -> None:
    from lending_cases import BASE

    raw = {**BASE, "agents": {**BASE["agents"]}}
    raw["agents"]["loopers"] = {**raw["agents"]["loopers"], "target_leverage": -5}
    assert problems(raw, {}) == [
        "agents.loopers.target_leverage: out of range; allowed: >= 1 (got -5)"
    ]


def test_an_error_never_repeats_a_huge_value_whole(tmp_path: Path, raw: dict, capsys) -> None:
    big = "7" * 5_000_000
    raw["pools"]["eth_usdc"]["fee_bps"] = big
    raw["pools"]["eth_usdc"]["kind"] = "constant_product"
    raw["agents"]["retail"][big[:100_000]] = 1  # a huge unknown key too
    path = tmp_path / "s.toml"
    path.write_text(tomli_w.dumps(raw))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err) < 1_500
    assert "pools.eth_usdc.fee_bps: expected a whole number" in err and "…(5000002 chars)" in err
    assert "…(100000 chars): unknown field" in err


def test_echo_cuts_at_the_limit_and_says_how_long() -> None:
    assert echo("ab") == "'ab'"
    assert echo("x" * 200, limit=10) == "'xxxxxxxxx…(202 chars)"
    assert echo(math.pi) == repr(math.pi)
