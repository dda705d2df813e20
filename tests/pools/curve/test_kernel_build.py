"""Whether the StableSwap kernels were built: apart from the kernel tests, which skip
themselves when the kernels are missing, so that this check runs in exactly that case."""

from __future__ import annotations

import importlib
import os

import pytest
from conftest import has_c_compiler

from sim.pools.curve import newton


def test_the_kernels_are_built_where_a_c_compiler_is_available() -> None:
    """An install with a compiler must not silently fall back to the slow path."""
    if not has_c_compiler():
        pytest.skip("no C compiler on this machine")
    assert not os.environ.get("AMMSIM_PURE_PYTHON")
    native = importlib.import_module("sim.pools.curve._stableswap_native")  # fails if not built
    assert newton.native_get_D_2 is native.get_D_2
    assert newton.native_get_y_2 is native.get_y_2
