"""summary.json's `value` section and its printed lines: where the agents' P&L came from.

The value books (`sim.model.value_books`) close the run: every agent valued at one mark per
token, and the terms through which value entered or left the agents (price moves, supply
minted or burned by reason, what protocols and non-agent wallets kept). Here they get names a
reader knows and one sentence each.
"""

from __future__ import annotations

from typing import Any

from sim.market.marks import MARKING_RULE
from sim.model.value_books import TOLERANCE, ValueClose

REASONS: dict[str, tuple[str, str]] = {
    "gas": ("gas burned", "base fees burned by the chain (EIP-1559)"),
    "reward emissions": ("reward emissions", "reward tokens the liquidity-mining chef emitted"),
    "staking yield": ("staking yield", "underlying created by staking rewards (and rebases)"),
    "staking": ("liquid-staking tokens minted", "LSTs minted for underlying staked"),
    "redemptions": ("liquid-staking tokens redeemed", "LSTs burned for withdrawals"),
    "slashing": ("slashing", "stake destroyed by validator penalties"),
    "perp venue funding": ("perp venue funding", "collateral minted into the perp counterparty"),
    "token developers' mints": ("token developers' mints", "supply a developer minted itself"),
    "funding": ("funding", "tokens minted into agents' wallets after the start"),
}
"""Ledger reasons -> (name in the summary, what it is)."""


def _account(account: str) -> tuple[str, str]:
    """A venue or non-agent wallet -> (name in the summary, what it holds beyond claims)."""
    kind, _, name = account.partition(":")
    if account == "block_builder":
        return "builder tips", "priority fees paid to the block builder"
    if kind == "pool":
        return (
            f"kept by pool {name}",
            "what the pool holds for no LP: locked minimum liquidity, protocol or admin fees",
        )
    if kind == "lending" and name.endswith(":treasury"):
        return (
            f"lending {name.split(':')[0]} treasury",
            "the treasury's share: reserve-factor interest, liquidation protocol fees, "
            "flash-loan premiums",
        )
    if kind == "lending" and name.endswith(":deficit"):
        return (
            f"lending {name.split(':')[0]} deficit",
            "bad debt written off (Aave v3.3's reserve deficit): suppliers' claims with "
            "nothing behind them",
        )
    if kind == "lending" and name.endswith(":unowned"):
        return (
            f"lending {name.split(':')[0]} accounts of no agent",
            "supplies less debts of borrowers that are no agent's (an attacker's abandoned "
            "accounts): a debt they never repay is value agents took",
        )
    if kind == "lending":
        return f"kept by lending {name}", "rounding kept by the reserves"
    if kind == "staking":
        return f"kept by staking {name}", "stake behind its liquid-staking token"
    if account == "rewards":
        return "rewards not harvested", "emitted rewards still in the chef"
    return f"kept by {account}", "held by an account that is not an agent"


def value_section(closed: ValueClose) -> dict[str, Any]:
    """summary.json's `value`: the marking rule, marks, the terms and the residual."""
    terms: dict[str, dict[str, Any]] = {}
    for key, amount in closed.terms.items():
        if key == "price moves":
            name, what = key, "starting holdings' change in value as reference prices moved"
        elif key in REASONS:
            name, what = REASONS[key]
        else:
            name, what = _account(key)
        entry = terms.setdefault(name, {"value": 0.0, "what": what})
        entry["value"] += amount
    return {
        "marking": MARKING_RULE,
        "marks": closed.marks,
        "pnl": closed.pnl,
        "terms": terms,
        "residual": closed.residual,
        "tolerance": TOLERANCE * max(closed.system_value, 1.0),
        "system_value": closed.system_value,
    }


def value_lines(value: dict[str, Any], numeraire: str) -> list[str]:
    """The printed lines: agents' P&L, then each term that moved it, then the residual."""
    terms = value["terms"]
    shown = sorted(terms.items(), key=lambda kv: -abs(kv[1]["value"]))
    parts = ", ".join(f"{name} {t['value']:+,.2f}" for name, t in shown if abs(t["value"]) >= 0.005)
    return [
        f"  agents' P&L         {value['pnl']:+,.2f} {numeraire} = {parts or 'nothing'}"
        f" (residual {value['residual']:+.2g})"
    ]
