"""Shared fixtures: small, fast scenarios built in code."""

from __future__ import annotations

import copy
import os
import shutil
import sysconfig
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

# CI machines are shared and slow: no per-example deadline, and a fixed example sequence so a
# green run stays green. `HYPOTHESIS_PROFILE=explore` searches with fresh random examples.
settings.register_profile(
    "ci", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "explore", deadline=None, max_examples=500, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


ROOT = Path(__file__).resolve().parent.parent
"""The repository's root (tests live in folders mirroring the package)."""


def has_c_compiler() -> bool:
    """Whether the C compiler an install would build the StableSwap kernels with is here."""
    return shutil.which((sysconfig.get_config_var("CC") or "cc").split()[0]) is not None


BASE: dict[str, Any] = {
    "scenario": {"name": "tiny", "seed": 7, "blocks": 300, "block_time_s": 12, "numeraire": "USDC"},
    "chain": {"base_fee_gwei": 0.0},
    "tokens": {"ETH": {"decimals": 18}, "USDC": {"decimals": 6}},
    "prices": {"ETH": {"process": "gbm", "start": 3000.0, "sigma": 0.8}},
    "pools": {"eth_usdc": {"kind": "constant_product", "tokens": ["ETH", "USDC"], "fee_bps": 30}},
    "agents": {
        "lps": {
            "kind": "liquidity_provider",
            "count": 3,
            "pool": "eth_usdc",
            "capital_usd": 1_000_000,
        },
        "retail": {
            "kind": "noise_trader",
            "count": 10,
            "pools": ["eth_usdc"],
            "trades_per_block": 0.3,
            "size_usd": {"dist": "pareto", "scale": 200, "alpha": 1.5, "cap": 100_000},
            "capital_usd": 200_000,
        },
        "arbs": {"kind": "arbitrageur", "count": 2, "capital_usd": 2_000_000},
    },
}


@pytest.fixture
def raw() -> dict[str, Any]:
    """A fresh copy of a small valid scenario as a dict (edit freely)."""
    return copy.deepcopy(BASE)
