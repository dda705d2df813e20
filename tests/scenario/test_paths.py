"""`sim.scenario.paths`: which dotted paths exist, how they are read and set, and which may change."""

from __future__ import annotations

from typing import Any

import pytest

from sim.errors import ScenarioError, UserInputError
from sim.scenario.events import SetParam
from sim.scenario.paths import (
    NOT_SWEPT,
    SETTABLE,
    bounds,
    field_rows,
    fields_at,
    get_path,
    is_integer_field,
    parse_sets,
    parse_value,
    set_path,
    settable,
    sweepable,
)
from sim.scenario.scenario import load_scenario
from sim.scenario.schema import Scenario


def load(raw: dict[str, Any], overrides: Any, where: str) -> Scenario:
    return load_scenario(raw, overrides)


# ---- the fields that exist


def test_fields_at_follows_tables_and_tagged_unions(raw: dict) -> None:
    assert fields_at(["pools", "eth_usdc"], raw) == ["kind", "tokens", "fee_bps", "protocol_fee"]
    assert fields_at(["pools"], raw) is None  # free-form names
    assert fields_at(["nosuch"], raw) == []
    assert "trades_per_block" in (fields_at(["agents", "retail"], raw) or [])
    assert "trades_per_block" not in (fields_at(["agents", "lps"], raw) or [])


def test_field_rows_document_each_variant_with_its_type_and_default() -> None:
    rows = [r for r in field_rows() if r["path"] == "pools.<name>.fee_bps"]
    assert [(r["type"], r["default"], r["when"]) for r in rows] == [
        ("int", "30", "kind = 'constant_product'"),
        ("float", "4.0", "kind = 'stableswap'"),
        ("float", "30", "kind = 'concentrated'"),
    ]
    seed = next(r for r in field_rows() if r["path"] == "scenario.seed")
    assert seed == {
        "path": "scenario.seed",
        "type": "int",
        "default": "0",
        "description": "base seed of every random draw",
        "when": "",
    }


def test_bounds_are_the_declared_ge_and_le(raw: dict) -> None:
    sc = load_scenario(raw)
    assert bounds(sc.pools["eth_usdc"], "fee_bps") == (0, 9999)
    assert bounds(sc.agents["retail"], "count") == (0, 100_000)


# ---- reading and writing


def test_get_path_reads_parsed_and_validated_scenarios(raw: dict) -> None:
    assert get_path(raw, "pools.eth_usdc.fee_bps") == 30
    sc = load_scenario(raw)
    assert get_path(sc, "pools.eth_usdc.fee_bps") == 30
    assert get_path(sc, "agents.retail.trades_per_block") == 0.3
    with pytest.raises(KeyError):
        get_path(raw, "pools.nope.fee_bps")


def test_set_path_creates_tables_the_schema_knows(raw: dict) -> None:
    set_path(raw, "output.record_every", 10)
    assert raw["output"] == {"record_every": 10}


def test_a_misspelt_path_names_the_file_the_path_and_a_suggestion(raw: dict) -> None:
    with pytest.raises(ScenarioError) as info:
        set_path(raw, "pools.eth_usdc.fee_bsp", 5, where="s.toml")
    assert str(info.value) == (
        "s.toml: pools.eth_usdc.fee_bsp: unknown field 'fee_bsp' (did you mean 'fee_bps'?); "
        "allowed here: kind, tokens, fee_bps, protocol_fee"
    )
    with pytest.raises(ScenarioError, match=r"^<scenario>: 'pools\.\.x' is not a dotted path"):
        set_path(raw, "pools..x", 1)
    with pytest.raises(ScenarioError, match=r"pools\.eth_usdc\.fee_bps is a value, not a table$"):
        set_path(raw, "pools.eth_usdc.fee_bps.x", 1)
    assert raw["pools"]["eth_usdc"]["fee_bps"] == 30


def test_parse_sets_reads_values_as_toml() -> None:
    assert parse_sets(["pools.a.fee_bps=5", " chain.ordering = fifo", "x.y=[1, 2]"]) == {
        "pools.a.fee_bps": 5,
        "chain.ordering": "fifo",
        "x.y": [1, 2],
    }
    assert parse_sets(None) == {}
    assert parse_value("1e-3") == 0.001
    with pytest.raises(UserInputError) as info:
        parse_sets(["pools.a.fee_bps"])
    assert str(info.value) == (
        "--set expects PATH=VALUE (e.g. pools.eth_usdc.fee_bps=5), got 'pools.a.fee_bps'"
    )


# ---- which may change


def test_settable_paths_match_the_patterns_in_this_scenario(raw: dict) -> None:
    sc = load_scenario(raw)
    assert settable("pools.eth_usdc.fee_bps", sc)
    assert settable("prices.ETH.sigma", sc)
    assert settable("chain.base_fee_gwei", sc)
    assert not settable("pools.eth_usdc.tokens", sc)
    assert not settable("pools.nope.fee_bps", sc)
    assert not settable("prices.ETH", sc)
    assert not settable("chain.ordering", sc)
    assert not settable("rewards.pools.eth_usdc.per_day", sc)  # no [rewards]
    raw["rewards"] = {
        "token": "ETH",
        "pools": {"eth_usdc": {"schedule": "constant", "per_day": 100.0}},
    }
    with_rewards = load_scenario(raw)
    assert settable("rewards.pools.eth_usdc.per_day", with_rewards)
    assert not settable("rewards.pools.other.per_day", with_rewards)


def test_settable_prefixes_and_the_set_event_document_the_same_patterns() -> None:
    assert SETTABLE == ("prices.", "pools.", "chain.base_fee_gwei", "rewards.pools.")
    assert SetParam.model_fields["path"].description == (
        "one of prices.<asset>.<param>, pools.<pool>.fee_bps, chain.base_fee_gwei, "
        "rewards.pools.<pool>.per_day"
    )


def test_a_sweep_may_not_vary_its_seeds_or_its_own_table() -> None:
    assert NOT_SWEPT == ("scenario.seed", "scenario.replicate")
    for path in ("scenario.seed", "scenario.replicate", "sweep", "sweep.seeds"):
        assert not sweepable(path), path
    for path in ("scenario.blocks", "pools.eth_usdc.fee_bps", "sweeper.x"):
        assert sweepable(path), path


def test_integer_fields_are_told_from_the_validated_value(raw: dict) -> None:
    assert is_integer_field(raw, {}, "pools.eth_usdc.fee_bps", [5, 100], "s.toml", load=load)
    assert not is_integer_field(raw, {}, "prices.ETH.sigma", [0.2, 1.5], "s.toml", load=load)
    assert is_integer_field(raw, {}, "agents.retail.count", [1.5, 9], "s.toml", load=load)


def test_integer_probe_errors_name_the_range_path(raw: dict) -> None:
    with pytest.raises(ScenarioError) as info:  # ceil(0.5) = 1 > 0.7: 0.5 itself is tried
        is_integer_field(raw, {}, "pools.eth_usdc.fee_bps", [0.5, 0.7], "s.toml", load=load)
    assert str(info.value).startswith(
        "sweep.ranges: pools.eth_usdc.fee_bps: value 0.5 is not accepted: <scenario>: "
        "invalid scenario (1 problem)"
    )
    with pytest.raises(ScenarioError) as info:
        is_integer_field(raw, {}, "agents.retail.active", [0, 1], "s.toml", load=load)
    assert str(info.value) == "s.toml: sweep.ranges: agents.retail.active is not a number field"


@pytest.mark.parametrize(
    ("path", "table", "nearest"),
    [
        ("pools.eth_usd.fee_bps", "pools", "eth_usdc"),
        ("agents.retial.count", "agents", "retail"),
        ("prices.ETHH.sigma", "prices", "ETH"),
    ],
)
def test_a_misspelt_name_is_refused_not_created(path: str, table: str, nearest: str) -> None:
    from sim.scenario.files import bundled, read_toml

    raw = read_toml(bundled()["quickstart"])
    before = set(raw[table])
    with pytest.raises(ScenarioError) as err:
        set_path(raw, path, 5, where="q.toml")
    msg = str(err.value)
    name = path.split(".")[1]
    assert msg.startswith(f"q.toml: {table}.{name}: the scenario has no {name!r} in [{table}]")
    assert f"did you mean {nearest!r}" in msg and "set the whole table" in msg
    assert set(raw[table]) == before  # nothing half-made was left behind


def test_a_whole_new_table_may_still_be_added() -> None:
    from sim.scenario.files import bundled, read_toml

    raw = read_toml(bundled()["quickstart"])
    cohort = {"kind": "noise_trader", "count": 2, "pools": ["eth_usdc"]}
    set_path(raw, "agents.extra", cohort, where="q.toml")
    assert raw["agents"]["extra"] == cohort
