"""Scenario fields that were renamed, so files written for earlier versions still load.

Amounts in the numeraire were once named with a `_usd` suffix (`capital_usd`), which claimed a
currency they do not hold when the numeraire is ETH. They are now bare (`capital`); a scenario
file, a `--set` path or a sweep field may still use the old name, and means the new one.
"""

from __future__ import annotations

from typing import Any

from sim.errors import ScenarioError

RENAMED: dict[str, str] = {
    "capital_usd": "capital",
    "size_usd": "size",
    "min_profit_usd": "min_profit",
    "max_trade_usd": "max_trade",
    "seed_value_usd": "seed_value",
    "buy_capital_usd": "buy_capital",
    "trigger_tvl_usd": "trigger_tvl",
    "sell_size_usd": "sell_size",
    "counterparty_usd": "counterparty",
}
"""Old field name -> its name now."""

NUMERAIRE_INPUTS: frozenset[str] = frozenset(RENAMED.values())
"""Agents' input amounts in the numeraire (they cannot be negative)."""


def canonical(dotted: str) -> str:
    """A dotted path with an old field name as its last part, in today's name."""
    head, _, last = dotted.rpartition(".")
    new = RENAMED.get(last)
    return f"{head}.{new}" if new and head else dotted


def upgrade(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """Rename old fields in the `agents` tables of a parsed scenario, in place; both names in
    one table is an error."""

    def walk(node: Any, path: str) -> None:
        if not isinstance(node, dict):
            return
        for old, new in RENAMED.items():
            if old in node:
                if new in node:
                    raise ScenarioError(
                        f"{where}: {path}.{old} and {path}.{new} are the same field "
                        f"({old} is its former name): keep {new}"
                    )
                node[new] = node.pop(old)
        for key, child in node.items():
            walk(child, f"{path}.{key}")

    agents = raw.get("agents")
    if isinstance(agents, dict):
        for name, table in agents.items():
            walk(table, f"agents.{name}")
    return raw
