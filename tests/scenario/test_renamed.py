"""Fields renamed from their `_usd` names still load under the old name, and mean the new one."""

from __future__ import annotations

import pytest

from sim.errors import ScenarioError
from sim.scenario.files import read_toml, resolve_path
from sim.scenario.paths import parse_sets
from sim.scenario.renamed import RENAMED, canonical
from sim.scenario.scenario import load_scenario
from sim.sweep.values import parse_grid


def _quickstart_with_old_names() -> dict:
    raw = read_toml(resolve_path("quickstart"))
    for table in raw["agents"].values():
        for new_name in ("capital", "size"):
            if new_name in table:
                table[f"{new_name}_usd"] = table.pop(new_name)
    return raw


def test_a_scenario_written_with_old_names_loads_as_with_the_new_ones() -> None:
    raw = _quickstart_with_old_names()
    assert any("capital_usd" in t for t in raw["agents"].values())
    old = load_scenario(raw).model_dump()
    assert old == load_scenario(read_toml(resolve_path("quickstart"))).model_dump()


def test_old_paths_in_set_and_grid_name_the_new_field() -> None:
    assert parse_sets(["agents.retail.size_usd=250"]) == {"agents.retail.size": 250}
    assert parse_grid("agents.lps.capital_usd=1,2") == ("agents.lps.capital", [1, 2])
    sc = load_scenario("quickstart", {"agents.retail.size_usd": 250})
    assert (
        sc.agents["retail"].size
        == load_scenario("quickstart", {"agents.retail.size": 250}).agents["retail"].size
    )
    assert canonical("pools.eth_usdc.fee_bps") == "pools.eth_usdc.fee_bps"
    assert set(RENAMED.values()).isdisjoint(RENAMED)


def test_both_names_in_one_table_is_an_error() -> None:
    raw = read_toml(resolve_path("quickstart"))
    raw["agents"]["lps"]["capital_usd"] = 5
    with pytest.raises(ScenarioError, match=r"agents\.lps\.capital_usd and agents\.lps\.capital"):
        load_scenario(raw)
