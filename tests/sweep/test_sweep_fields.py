"""Which dotted paths a sweep may vary, and which hold integers."""

from __future__ import annotations

import copy

import pytest
from sweep_cases import TINY

from sim.errors import ScenarioError
from sim.scenario.paths import NOT_SWEPT
from sim.sweep.fields import check_path, is_integer_field
from sim.sweep.plan import plan_sweep
from sim.sweep.request import SweepRequest


@pytest.mark.parametrize("path", ["scenario.seed", "scenario.replicate", "sweep.seeds"])
def test_recursive_definitions_are_rejected(path: str) -> None:
    with pytest.raises(ScenarioError, match=f"{path}: cannot be swept"):
        plan_sweep(SweepRequest(TINY, grid={path: [1, 2]}))
    raw = copy.deepcopy(TINY)
    raw["sweep"] = {"grid": {path: [1, 2]}}
    with pytest.raises(ScenarioError, match="cannot be swept"):
        plan_sweep(SweepRequest(raw))


def test_each_refusal_says_what_to_use_instead() -> None:
    assert NOT_SWEPT == ("scenario.seed", "scenario.replicate")
    expected = {
        "scenario.seed": "--set scenario.seed: cannot be swept (use --seed for the base seed)",
        "scenario.replicate": "--set scenario.replicate: cannot be swept "
        "(use --seeds for the number of replicates)",
        "sweep": "--set sweep: cannot be swept (a sweep cannot sweep its own definition)",
    }
    for path, message in expected.items():
        with pytest.raises(ScenarioError) as err:
            check_path(path, "--set", False)
        assert str(err.value) == message
    check_path("sweeps.x", "--set", False)  # only the sweep table itself is refused
    check_path("scenario.blocks", "sweep.grid:", False)
    with pytest.raises(ScenarioError, match="also fixes blocks"):
        check_path("scenario.blocks", "sweep.grid:", True)


def test_integer_fields_are_told_from_float_fields() -> None:
    assert is_integer_field(TINY, {}, "pools.eth_usdc.fee_bps", [1, 100], "<scenario>") is True
    assert is_integer_field(TINY, {}, "prices.ETH.sigma", [0.2, 1.0], "<scenario>") is False
    with pytest.raises(ScenarioError, match=r"sweep\.ranges: chain\.ordering"):
        is_integer_field(TINY, {}, "chain.ordering", [1, 2], "<scenario>")
