"""Nested dicts as dotted keys (results rows, `ammsim compare`)."""

from __future__ import annotations

from types import MappingProxyType

from sim.sweep.flat import flatten


def test_nested_mappings_become_dotted_keys_in_order() -> None:
    nested = {"fees": 1.5, "pools": {"eth_usdc": {"fees": 2, "tags": [1, 2]}}, "x": None}
    assert flatten(nested) == {
        "fees": 1.5,
        "pools.eth_usdc.fees": 2,
        "pools.eth_usdc.tags": [1, 2],
        "x": None,
    }
    assert list(flatten(nested)) == [
        "fees",
        "pools.eth_usdc.fees",
        "pools.eth_usdc.tags",
        "x",
    ]
    assert flatten({"a": MappingProxyType({"b": 1})}, "top.") == {"top.a.b": 1}
    assert flatten({"empty": {}}) == {}
