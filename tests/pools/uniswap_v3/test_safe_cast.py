"""SafeCast (sim/pools/uniswap_v3/safe_cast.py): a cast passes at its bound and reverts one past it."""

from __future__ import annotations

import pytest

from sim.errors import InvalidAmount, PoolError
from sim.pools.uniswap_v3.safe_cast import (
    MAX_INT128,
    MAX_INT256,
    MAX_UINT160,
    MIN_INT128,
    to_int128,
    to_int256,
    to_uint160,
)


def test_casts_pass_at_their_bounds_and_revert_one_past() -> None:
    assert to_uint160(MAX_UINT160) == MAX_UINT160 == 2**160 - 1
    assert to_uint160(0) == 0
    with pytest.raises(PoolError, match="uint160"):
        to_uint160(MAX_UINT160 + 1)
    with pytest.raises(PoolError):
        to_uint160(-1)
    assert to_int128(MAX_INT128) == 2**127 - 1
    assert to_int128(MIN_INT128) == -(2**127)
    for bad in (MAX_INT128 + 1, MIN_INT128 - 1):
        with pytest.raises(InvalidAmount, match="int128"):
            to_int128(bad)
    assert to_int256(MAX_INT256) == 2**255 - 1
    with pytest.raises(InvalidAmount, match="int256"):
        to_int256(MAX_INT256 + 1)
