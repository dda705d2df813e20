"""Pool invariants, checked while a run goes (every block with `--check`, and at the end).

The ledger proves that no token leaks between wallets and venues; these checks prove
that each pool's own books are sound, from outside its contract math:

* constant product (Uniswap V2): LP balances add up to the total supply, and
  sqrt(k) per LP token never falls (swaps raise k, mints and burns round in the
  pool's favour; the protocol fee the pair would mint now counts as supply);
* StableSwap (Curve): the cached invariant D equals D recomputed from the balances,
  LP balances add up to the supply, and the virtual price never falls while A,
  the coin rates and a rebasing coin's balance stay put (fees raise D; a zero-fee pool may lose rounding dust);
* concentrated liquidity (Uniswap V3): the active liquidity is the sum of the
  initialized ticks' `liquidity_net` at or below the current tick, each tick's
  `liquidity_gross` is the sum of the positions that use it, the tick matches the
  price, and the pool holds at least what it owes (every position burned now with
  its fees, tokens owed and protocol fees).

A failed check raises `InvariantError` naming the block, the pool and what broke.
"""

from __future__ import annotations

from math import isqrt

from sim.errors import ConservationError
from sim.pools.base import Pool
from sim.pools.curve.stableswap import StableSwapPool
from sim.pools.uniswap_v2.pair import ConstantProductPool
from sim.pools.uniswap_v3.fixed_point import Q128
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.pools.uniswap_v3.tick_math import get_sqrt_ratio_at_tick, get_tick_at_sqrt_ratio
from sim.units import MAX_UINT256

VIRTUAL_PRICE_DUST = 2
"""Virtual price units (1e-18) a zero-fee StableSwap pool may lose to rounding per check."""


class InvariantError(ConservationError):
    """A pool's own books broke an invariant."""


class PoolWatch:
    """Remembers what a pool's invariants compare against between two checks."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    def check(self, block: int) -> None:
        """Raise `InvariantError` if any invariant of the pool fails now."""
        problem = self.problem()
        if problem:
            raise InvariantError(f"block {block}: pool {self.pool.name!r}: {problem}")

    def problem(self) -> str | None:
        """What is wrong with the pool now, or None (pool kinds without checks: nothing)."""
        return None


def _lp_supply_problem(balance_of: dict[str, int], supply: int) -> str | None:
    held = sum(balance_of.values())
    if held != supply:
        return f"LP balances add up to {held} but the total supply is {supply}"
    return None


class ConstantProductWatch(PoolWatch):
    def __init__(self, pool: ConstantProductPool) -> None:
        super().__init__(pool)
        self.cp = pool
        self._last = self._state()

    def _state(self) -> tuple[int, int]:
        """(sqrt(k), LP supply including the protocol fee the pair would mint now)."""
        pool = self.cp
        r0, r1 = pool.reserve0, pool.reserve1
        return isqrt(r0 * r1), pool.total_supply + pool._protocol_fee_liquidity(r0, r1)

    def problem(self) -> str | None:
        pool = self.cp
        (root_k0, supply0), (root_k, supply) = self._last, self._state()
        self._last = (root_k, supply)
        # sqrt(k) per LP token never falls; one unit of slack for isqrt and fee rounding
        if supply0 and supply and (root_k + 1) * supply0 < root_k0 * (supply - 1):
            return (
                f"sqrt(k) per LP token fell from {root_k0 / supply0:.12g} to "
                f"{root_k / supply:.12g} (sqrt(k) {root_k0} -> {root_k}, "
                f"supply {supply0} -> {supply})"
            )
        return _lp_supply_problem(pool.balance_of, pool.total_supply)


class StableSwapWatch(PoolWatch):
    def __init__(self, pool: StableSwapPool) -> None:
        super().__init__(pool)
        self.ss = pool
        self._last = self._state()

    def _state(self) -> tuple[int, tuple[int, ...], int, int]:
        """(A, coin rates, rebases so far, virtual price or -1 while the pool is empty)."""
        pool = self.ss
        vp = pool.get_virtual_price() if pool.total_supply else -1
        return pool._A(), tuple(pool.RATES), pool.rebases, vp

    def problem(self) -> str | None:
        pool = self.ss
        xp, amp = pool._xp(), pool._A()
        if pool._d_key == (*xp, amp) and pool.get_D(xp, amp) != pool._d_value:
            return f"cached D {pool._d_value} differs from D {pool.get_D(xp, amp)} of the balances"
        before, now = self._last, self._state()
        self._last = now
        # A, a coin rate or a rebase of a rebasing coin (a validator penalty) may lower D
        same_curve = now[:3] == before[:3] and before[3] >= 0 and now[3] >= 0
        dust = VIRTUAL_PRICE_DUST if pool.fee == 0 else 0
        if same_curve and now[3] < before[3] - dust:
            return (
                f"virtual price fell from {before[3]} to {now[3]} (1e18 = 1.0) "
                "with A, the coin rates and the balances' rebases unchanged"
            )
        return _lp_supply_problem(pool.balance_of, pool.total_supply)


class ConcentratedWatch(PoolWatch):
    def __init__(self, pool: ConcentratedPool) -> None:
        super().__init__(pool)
        self.v3 = pool

    def problem(self) -> str | None:
        return self._active_liquidity() or self._ticks() or self._solvency()

    def _active_liquidity(self) -> str | None:
        pool = self.v3
        active = sum(pool.ticks[t].liquidity_net for t in pool.initialized_ticks if t <= pool.tick)
        if active != pool.liquidity:
            return (
                f"active liquidity {pool.liquidity} but the ticks at or below "
                f"{pool.tick} net {active}"
            )
        if pool.sqrt_price_x96:
            at = get_tick_at_sqrt_ratio(pool.sqrt_price_x96)
            on_boundary = get_sqrt_ratio_at_tick(at) == pool.sqrt_price_x96
            if pool.tick != at and not (on_boundary and pool.tick == at - 1):
                return f"tick {pool.tick} does not match the price (tick {at})"
        return None

    def _ticks(self) -> str | None:
        pool = self.v3
        gross: dict[int, int] = {}
        for (_, lower, upper), pos in pool.positions.items():
            if pos.liquidity:
                gross[lower] = gross.get(lower, 0) + pos.liquidity
                gross[upper] = gross.get(upper, 0) + pos.liquidity
        initialized = sorted(t for t, info in pool.ticks.items() if info.liquidity_gross)
        if initialized != pool.initialized_ticks:
            return "the initialized tick list does not match the ticks holding liquidity"
        for tick in initialized:
            if pool.ticks[tick].liquidity_gross != gross.get(tick, 0):
                return (
                    f"tick {tick} has liquidity_gross {pool.ticks[tick].liquidity_gross} "
                    f"but its positions hold {gross.get(tick, 0)}"
                )
        return None

    def _solvency(self) -> str | None:
        pool = self.v3
        owed0, owed1 = pool.protocol_fees
        for (owner, lower, upper), pos in pool.positions.items():
            a0, a1 = pool.position_amounts(owner, lower, upper)
            inside0, inside1 = pool.get_fee_growth_inside(lower, upper)
            fees0 = ((inside0 - pos.fee_growth_inside0_last_x128) & MAX_UINT256) * pos.liquidity
            fees1 = ((inside1 - pos.fee_growth_inside1_last_x128) & MAX_UINT256) * pos.liquidity
            owed0 += a0 + pos.tokens_owed0 + fees0 // Q128
            owed1 += a1 + pos.tokens_owed1 + fees1 // Q128
        if owed0 > pool.balance0 or owed1 > pool.balance1:
            t0, t1 = pool.tokens
            return (
                f"owes {owed0} {t0} and {owed1} {t1} to its positions and protocol "
                f"but holds {pool.balance0} {t0} and {pool.balance1} {t1}"
            )
        return None


def watch(pool: Pool) -> PoolWatch:
    """The invariant watch for `pool`'s kind, remembering its state as of now."""
    if isinstance(pool, ConstantProductPool):
        return ConstantProductWatch(pool)
    if isinstance(pool, StableSwapPool):
        return StableSwapWatch(pool)
    if isinstance(pool, ConcentratedPool):
        return ConcentratedWatch(pool)
    return PoolWatch(pool)
