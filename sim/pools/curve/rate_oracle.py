"""A coin's external redemption rate for a StableSwap pool (stableswap-ng's asset type 1).

wstETH/ETH or rETH/ETH pools price a coin by what it redeems for. `set_rate_oracle` connects
a `RateOracle` to a coin, and every pool call reads ``RATES = _stored_rates()`` once, as it
runs: the coin's rate multiplier times the oracle rate // 1e18 (stableswap-ng
``_stored_rates``). The invariant math then runs on ``xp = balances * RATES // 1e18`` and
outputs convert back with ``* 1e18 // RATES[j]``, as in the ng contract. Without oracles
``RATES`` are the template's constants and every result is the plain template's.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.errors import PoolError

__all__ = ["RateOracle"]


class RateOracle:
    """A coin's external rate source: `read()` returns the rate as an int scaled by 1e18.

    It refers to another contract (a staking protocol), not to pool state: copying a
    pool's state (a bundle's rollback, a snapshot) keeps the same oracle object. Until
    `fn` is connected, reading it raises `PoolError`.
    """

    __slots__ = ("fn", "source")

    def __init__(self, source: str, fn: Callable[[], int] | None = None) -> None:
        self.source = source
        self.fn = fn

    def read(self) -> int:
        if self.fn is None:
            raise PoolError(f"the rate oracle {self.source!r} is not connected to a protocol")
        rate = self.fn()
        if type(rate) is not int or rate <= 0:
            raise PoolError(
                f"the rate oracle {self.source!r} returned {rate!r}, not a positive int"
            )
        return rate

    def __copy__(self) -> RateOracle:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> RateOracle:
        return self

    def __repr__(self) -> str:
        return f"RateOracle({self.source!r}, connected={self.fn is not None})"
