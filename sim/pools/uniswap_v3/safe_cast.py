"""Mirrors v3-core's SafeCast library, with the Solidity integer bounds the libraries check against.

A cast that does not fit reverts in the contract; here it raises the typed error the
pool's callers expect (`PoolError` for a sqrt price, `InvalidAmount` for an amount).
"""

from __future__ import annotations

from sim.errors import InvalidAmount, PoolError

MAX_UINT128: int = (1 << 128) - 1
MAX_UINT160: int = (1 << 160) - 1
MIN_INT128: int = -(1 << 127)
MAX_INT128: int = (1 << 127) - 1
MAX_INT256: int = (1 << 255) - 1
MIN_INT256: int = -(1 << 255)


def to_uint160(value: int) -> int:
    """Mirrors SafeCast.toUint160: reverts when the value does not fit in 160 bits."""
    if not 0 <= value <= MAX_UINT160:
        raise PoolError(f"value {value} does not fit in uint160 (a sqrt price overflowed)")
    return value


def to_int128(value: int) -> int:
    """Mirrors SafeCast.toInt128: reverts when the value does not fit in int128."""
    if not MIN_INT128 <= value <= MAX_INT128:
        raise InvalidAmount(f"liquidity {value} does not fit in int128")
    return value


def to_int256(value: int) -> int:
    """Mirrors SafeCast.toInt256: reverts when the value does not fit in int256."""
    if value > MAX_INT256:
        raise InvalidAmount(f"amount {value} does not fit in int256")
    return value
