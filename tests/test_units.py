"""Tests for sim.units: the exact scales, and that no other module defines them again."""

from __future__ import annotations

import ast
from pathlib import Path

import sim.units
from sim.units import BPS, GWEI, MAX_UINT256, RAY, SECONDS_PER_DAY, SECONDS_PER_YEAR, WAD

ROOT = Path(__file__).resolve().parents[1]


def test_exact_values() -> None:
    assert SECONDS_PER_DAY == 86_400
    assert SECONDS_PER_YEAR == 31_536_000  # 365 days: Aave's MathUtils.SECONDS_PER_YEAR
    assert WAD == 1_000_000_000_000_000_000
    assert RAY == WAD * 1_000_000_000
    assert BPS == 10_000
    assert GWEI == 1_000_000_000
    assert MAX_UINT256 == 2**256 - 1 == (1 << 256) - 1  # the EVM word


def test_each_unit_has_one_definition() -> None:
    """A module-level assignment of a unit's name anywhere else is a second definition."""
    names = set(sim.units.__all__)
    found = []
    for folder in ("sim", "agents"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "sim" / "units.py":
                continue
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign)
                    else [node.target]
                    if isinstance(node, ast.AnnAssign)
                    else []
                )
                found += [
                    f"{path.relative_to(ROOT)}:{node.lineno} {t.id}"
                    for t in targets
                    if isinstance(t, ast.Name) and t.id in names
                ]
    assert found == []
