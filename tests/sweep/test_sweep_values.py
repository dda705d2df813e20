"""Command-line values of a sweep: --grid, --range and --sample read as TOML."""

from __future__ import annotations

import math

import pytest

from sim.errors import UserInputError
from sim.sweep.values import is_number, parse_grid, parse_range, parse_sample, split_top


def test_grid_and_range_arguments_parse_as_toml() -> None:
    assert parse_grid("pools.eth_usdc.fee_bps=5,30,100") == ("pools.eth_usdc.fee_bps", [5, 30, 100])
    assert parse_grid("prices.ETH.sigma=0.4, 0.8") == ("prices.ETH.sigma", [0.4, 0.8])
    assert parse_grid("a.b=[1, 2],[3, 4]")[1] == [[1, 2], [3, 4]]
    assert parse_grid("chain.ordering=fifo,random")[1] == ["fifo", "random"]
    assert parse_range("prices.ETH.sigma=0.2:1.5") == ("prices.ETH.sigma", [0.2, 1.5])
    for bad in ("nopath", "a.b="):
        with pytest.raises(UserInputError, match="--grid expects"):
            parse_grid(bad)
    with pytest.raises(UserInputError, match="--range expects"):
        parse_range("a.b=x:1")


def test_values_split_on_top_level_commas_only() -> None:
    assert split_top("1, [2, 3], {a = 4, b = 5},,6") == ["1", "[2, 3]", "{a = 4, b = 5}", "6"]
    assert split_top(" , ") == []


@pytest.mark.parametrize("text", ["x=1", "=0:1", "a.b=1", "a.b=0:true", "a.b=0:nan"])
def test_a_range_needs_a_path_and_two_finite_numbers(text: str) -> None:
    with pytest.raises(UserInputError, match="--range expects PATH=LO:HI"):
        parse_range(text)


def test_sample_is_a_method_and_a_positive_count() -> None:
    assert parse_sample("lhs:64") == ("lhs", 64)
    assert parse_sample("random:1") == ("random", 1)
    for bad in ("lhs:0", "lhs:-3", "lhs", "sobol:8", "random:1.5"):
        with pytest.raises(UserInputError, match="--sample expects lhs:N or random:N"):
            parse_sample(bad)


def test_numbers_are_finite_ints_and_floats_not_bools() -> None:
    assert is_number(3) and is_number(-0.5)
    assert not any(is_number(x) for x in (True, math.inf, math.nan, "1", None))
