"""report.html's oracle-attack section (only with an oracle_attacker cohort): what the attacks
took and the bad debt each lending market is left with, at end prices."""

from __future__ import annotations

from typing import Any

from sim.report.html_page import format_number, format_value, kv_table


def oracle_attack_section(s: dict[str, Any], n: str) -> list[str]:
    """The `oracle_attack` summary section as a table (nothing when the summary has none)."""
    attack = s.get("oracle_attack") or {}
    if not attack:
        return []
    rows = [
        ("attacks sent (attempts)", f"{attack['attacks']:,} ({attack['attack_attempts']:,})"),
        ("flash-borrowed", format_value("value", attack["flash_borrowed"], n)),
        ("borrowed against pushed collateral", format_value("value", attack["borrowed"], n)),
        ("flash-loan premiums paid", format_value("value", attack["flash_premiums"], n)),
        (
            "attackers' profit (gas paid, debt abandoned)",
            format_value("value", attack["attacker_profit"], n),
        ),
    ]
    for name, m in attack.get("markets", {}).items():
        window = f", {m['twap_window_s']:,} s" if "twap_window_s" in m else ""
        rows.append(
            (
                f"{name} ({m['oracle']}{window}): bad debt at end prices, share of its supplies",
                f"{format_value('value', m['bad_debt'], n)}, "
                f"{format_number(m['suppliers_loss_pct'], '.2f')}%",
            )
        )
    return ["<h2>Oracle attacks</h2>", kv_table(rows)]
