"""Where a sweep's scenario comes from, and errors that name it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from sweep_cases import TINY, write_scenario

from sim.errors import ScenarioError
from sim.sweep.source import load_at, read_source


def test_a_mapping_is_copied_and_a_file_is_named(tmp_path: Path) -> None:
    raw, source, where = read_source(TINY)
    assert (raw, source, where) == (TINY, None, "<scenario>") and raw is not TINY
    raw["pools"]["eth_usdc"]["fee_bps"] = 1
    assert TINY["pools"]["eth_usdc"]["fee_bps"] == 30  # a deep copy
    path = write_scenario(tmp_path)
    raw, source, where = read_source(path)
    assert (raw, source, where) == (TINY, str(path.resolve()), str(path))


def test_errors_name_the_file_as_loading_it_would() -> None:
    bad = copy.deepcopy(TINY)
    bad["pools"]["eth_usdc"]["fee_bps"] = -3
    assert load_at(TINY, {"pools.eth_usdc.fee_bps": 5}, "x.toml").pools["eth_usdc"].fee_bps == 5
    with pytest.raises(
        ScenarioError, match=r"(?s)^x\.toml: invalid scenario.*pools\.eth_usdc\.fee_bps"
    ):
        load_at(bad, {}, "x.toml")
