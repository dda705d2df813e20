"""Shared fixtures: small, fast scenarios built in code."""

from __future__ import annotations

import copy
import os
import shutil
import sysconfig
from math import isqrt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from sim.pools.curve import newton
from sim.pools.curve.stableswap import StableSwapPool
from sim.pools.uniswap_v2.pair import ConstantProductPool

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


def encode_price_sqrt(reserve1: int, reserve0: int) -> int:
    """floor(sqrt(reserve1 / reserve0) * 2**96), as v3-core's test helper `encodePriceSqrt`."""
    return isqrt((reserve1 << 192) // reserve0)


def has_c_compiler() -> bool:
    """Whether the C compiler an install would build the StableSwap kernels with is here."""
    return shutil.which((sysconfig.get_config_var("CC") or "cc").split()[0]) is not None


@pytest.fixture(params=["native", "python"])
def stableswap_kernel(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a StableSwap test twice: on the C kernels of the 2-coin hot path, and on the Python
    reference of the same contract steps (tests/pools/curve/test_stableswap_native.py compares
    the two). Modules use it with `pytestmark = pytest.mark.usefixtures("stableswap_kernel")`."""
    if request.param == "python":
        monkeypatch.setattr(newton, "native_get_D_2", None)
        monkeypatch.setattr(newton, "native_get_y_2", None)
    elif newton.native_get_D_2 is None:
        pytest.skip("the native kernels are not built (no C compiler at install time)")
    return request.param


def make_v2_pool(
    reserve0: int = 1_000 * 10**18,
    reserve1: int = 3_000_000 * 10**6,
    decimals: tuple[int, int] = (18, 6),
    fee_bps: int = 30,
    fee_to: str | None = None,
) -> ConstantProductPool:
    """An ETH/USDC constant-product pool seeded with `reserve0` and `reserve1` (raw units)."""
    pool = ConstantProductPool("eth_usdc", ("ETH", "USDC"), decimals, fee_bps, fee_to)
    pool.mint("seed", reserve0, reserve1)
    return pool


def make_stableswap_pool(
    decimals: tuple[int, ...] = (18, 18),
    A: int = 100,
    fee: int = 4_000_000,
    admin_fee: int = 5_000_000_000,
    whole: tuple[int, ...] | None = None,
) -> StableSwapPool:
    """A StableSwap pool with tokens T0..Tn-1 seeded by `whole` coins of each (default 1M each)."""
    n = len(decimals)
    pool = StableSwapPool("test", tuple(f"T{k}" for k in range(n)), decimals, A, fee, admin_fee)
    whole = whole or (1_000_000,) * n
    pool.add_liquidity([w * 10**d for w, d in zip(whole, decimals, strict=True)], 0, "seed")
    return pool


def stableswap_state(pool: StableSwapPool) -> tuple[object, ...]:
    """A StableSwap pool's books and A ramp, to compare before and after a call."""
    return (
        list(pool.balances),
        list(pool.admin_balances),
        pool.total_supply,
        dict(pool.balance_of),
        pool.initial_A,
        pool.future_A,
        pool.initial_A_time,
        pool.future_A_time,
    )


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
            "capital": 1_000_000,
        },
        "retail": {
            "kind": "noise_trader",
            "count": 10,
            "pools": ["eth_usdc"],
            "trades_per_block": 0.3,
            "size": {"dist": "pareto", "scale": 200, "alpha": 1.5, "cap": 100_000},
            "capital": 200_000,
        },
        "arbs": {"kind": "arbitrageur", "count": 2, "capital": 2_000_000},
    },
}


@pytest.fixture
def raw() -> dict[str, Any]:
    """A fresh copy of a small valid scenario as a dict (edit freely)."""
    return copy.deepcopy(BASE)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of a Chromium binary, with Playwright importable; skips the test otherwise."""
    from browser import find_chromium

    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium binary (apt-get install chromium, or set AMMSIM_CHROMIUM)")
    return path
