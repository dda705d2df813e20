"""Sizing a range LP's rebalancing swap on exact executions, on a fork of the pool.

A move burns the band, swaps the inventory to the new band's token ratio and mints. Selling
d of the token in excess moves the pool price, and with it the band's token ratio (and,
via `band_ticks`, possibly the band). The gap left after the swap (`band_gap` of
(inventory - d, + the swap's exact output) at the exact post-swap price and band) falls
strictly as d grows: `SwapSizer.fit_swap` finds its root with `solve_decreasing` on exact
executions of the swap, each on a detached copy of the pool (`fork`: the live pool is never
touched), starting from the price-impact-free guess `rebalance_swap`, to a mismatch of 1e-9
of the inventory. So the mint that follows takes all but a rounding remainder.

The swap must fill within `swap_slippage_bps` of the reference price beyond the fee
(`min_out`): when the whole of it cannot (a thin pool, or one already off the reference),
the largest part that can is planned (`SwapPlan.capped`), and `must_wait` says whether the
move waits for a better pool rather than deploy less than `min_deploy_pct`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from agents.range_lp.spec import RangeLPSpec
from sim.errors import PoolError
from sim.market.market import Market
from sim.market.position_books import pair_value
from sim.pools.uniswap_v3.bands import band_gap, rebalance_swap
from sim.pools.uniswap_v3.liquidity_amounts import get_amounts_for_liquidity
from sim.pools.uniswap_v3.pool import ConcentratedPool
from sim.pools.uniswap_v3.tick_math import get_sqrt_ratio_at_tick
from sim.solve import solve_decreasing

__all__ = ["SwapPlan", "SwapSizer", "fork", "must_wait"]

Band = Callable[[ConcentratedPool], tuple[int, int]]
"""The band a strategy would deploy on a given pool (the live one or a fork)."""


def fork(pool: ConcentratedPool) -> ConcentratedPool:
    """A detached exact copy of `pool` to try a swap on; the live pool is never touched."""
    return pool.fork()


@dataclass(frozen=True, slots=True)
class SwapPlan:
    """The rebalancing swap of a move: sell `amount` of token index `side`.

    `wanted` is the amount that fits the inventory to the band exactly (at the pool's
    exact execution and post-swap price); `amount` is less when the pool cannot fill it
    within `swap_slippage_bps` (too thin, or already off the reference price), 0 when not
    even a small part fills. side -1: no swap needed. `share`: the share of the inventory
    (at reference prices) the mint after this swap takes. `thin`: the pool could not fill
    `wanted` within the tolerance even from its own current price (too thin for it, not
    just off the reference).
    """

    side: int
    amount: int
    wanted: int
    share: float = 1.0
    thin: bool = False

    @property
    def capped(self) -> bool:
        return self.amount < self.wanted


def must_wait(plan: SwapPlan, patient: bool, spec: RangeLPSpec) -> bool:
    """Whether a move waits for a better pool rather than deploy by `plan`.

    It waits while the mint would take less than `min_deploy_pct` of the inventory
    because the swap does not fill within the tolerance. For at most `max_wait_blocks`
    (while `patient`) whatever the cause: the pool may be off the reference price
    (another LP has just swapped; it sits at the edge of its no-arbitrage band) or
    momentarily thin (other LPs' liquidity is out while they move). After that only
    while the pool is not too thin for the swap (`SwapPlan.thin`), i.e. until the
    price comes back; a pool still too thin gets the part of the swap that fills and
    the LP deploys what it can. It never mints without the swap it wants.
    """
    if plan.wanted > 0 and plan.amount == 0:
        return True
    if plan.share * 100 >= spec.min_deploy_pct:
        return False
    return patient or not plan.thin


class SwapSizer:
    """One range LP's swap sizing: its spec's tolerances and its strategy's band."""

    def __init__(self, market: Market, spec: RangeLPSpec, band: Band) -> None:
        self.market = market
        self.spec = spec
        self.band = band

    @staticmethod
    def sides(pool: ConcentratedPool, side: int) -> tuple[str, str]:
        """(token in, token out) of selling token index `side`."""
        t0, t1 = pool.tokens
        return (t0, t1) if side == 0 else (t1, t0)

    def mint_share(self, pool: ConcentratedPool, amount0: int, amount1: int) -> float:
        """Share of (amount0, amount1), at reference prices, that a mint of the band wanted
        now would take at `pool`'s price (the rest would stay idle)."""
        tl, tu = self.band(pool)
        total = pair_value(self.market, pool.tokens, amount0, amount1)
        if not total:
            return 1.0
        liquidity = pool.liquidity_for_amounts(tl, tu, amount0, amount1)
        m0, m1 = get_amounts_for_liquidity(
            pool.sqrt_price_x96, get_sqrt_ratio_at_tick(tl), get_sqrt_ratio_at_tick(tu), liquidity
        )
        return pair_value(self.market, pool.tokens, m0, m1) / total

    def band_gap(self, pool: ConcentratedPool, amount0: int, amount1: int) -> float:
        """`band_gap` of the inventory against the band wanted now, at `pool`'s price."""
        tl, tu = self.band(pool)
        return band_gap(pool.sqrt_price_x96, tl, tu, amount0, amount1)

    def fit_swap(self, pool: ConcentratedPool, amount0: int, amount1: int) -> SwapPlan:
        """The swap after which the inventory fits the new band, on `pool` as it is now.

        No swap when its value is below `min_swap_pct` of the inventory; 0 planned when
        not even 1/1024 of it fills within the tolerance (module docstring).
        """
        gap0 = self.band_gap(pool, amount0, amount1)
        side = 0 if gap0 > 0 else 1
        have = amount0 if side == 0 else amount1
        total = pair_value(self.market, pool.tokens, amount0, amount1)
        if gap0 == 0 or have <= 0 or not total:
            return SwapPlan(-1, 0, 0, self.mint_share(pool, amount0, amount1))
        t_in, t_out = self.sides(pool, side)
        sign = 1.0 if side == 0 else -1.0

        def gap_after(d: int) -> float:
            """The gap (in the sold token's direction) after selling d: >= 0 sell more."""
            trial = fork(pool)
            try:
                out = trial.swap_exact_in(t_in, t_out, d).amount_out
                b0, b1 = (amount0 - d, amount1 + out) if side == 0 else (amount0 + out, amount1 - d)
                return sign * self.band_gap(trial, b0, b1)
            except PoolError:
                return -math.inf  # the pool cannot fill d: too much

        tl, tu = self.band(pool)
        _, guess = rebalance_swap(
            amount0, amount1, pool.sqrt_price_x96, tl, tu, pool.fee_pips / 1e6
        )
        h_have = gap_after(have)
        if h_have >= 0:
            wanted = have
        else:
            wanted = solve_decreasing(gap_after, 0, sign * gap0, have, h_have, first=guess)
        if wanted <= 0 or self.market.value(t_in, wanted) < total * self.spec.min_swap_pct / 100:
            return SwapPlan(-1, 0, 0, self.mint_share(pool, amount0, amount1))
        amount = self.fillable(pool, side, wanted)
        # too thin: even from the pool's own price the swap's impact would exceed the
        # tolerance (otherwise what caps it is the pool's distance from the reference)
        thin = amount < wanted and self.quote(pool, side, wanted) < self.min_out(
            pool, side, wanted, True
        )
        if not amount:
            return SwapPlan(side, 0, wanted, self.mint_share(pool, amount0, amount1), thin)
        trial = fork(pool)
        out = trial.swap_exact_in(t_in, t_out, amount).amount_out
        after = (
            (amount0 - amount, amount1 + out) if side == 0 else (amount0 + out, amount1 - amount)
        )
        return SwapPlan(side, amount, wanted, self.mint_share(trial, *after), thin)

    def quote(self, pool: ConcentratedPool, side: int, amount: int) -> int:
        """Exact output of selling `amount` of token index `side` now (0 if the pool cannot)."""
        t_in, t_out = self.sides(pool, side)
        try:
            return pool.quote_exact_in(t_in, t_out, amount)
        except PoolError:
            return 0

    def fillable(self, pool: ConcentratedPool, side: int, amount: int) -> int:
        """The largest part of `amount` the pool fills within the slippage tolerance
        (`min_out`): all of it, or (bisection to 2^-20 of it) the part the pool's depth
        allows, or 0 when not even amount/1024 fills (the pool is off the reference)."""

        def fills(d: int) -> bool:
            return self.quote(pool, side, d) >= self.min_out(pool, side, d)

        if fills(amount):
            return amount
        lo = max(1, amount >> 10)
        if not fills(lo):
            return 0
        hi = amount
        tol = max(1, amount >> 20)
        while hi - lo > tol:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if fills(mid) else (lo, mid)
        return lo

    def min_out(
        self, pool: ConcentratedPool, side: int, amount: int, at_pool_price: bool = False
    ) -> int:
        """Least output: the reference price (or the pool's own price) less the pool fee and
        `swap_slippage_bps`."""
        market = self.market
        t_in, t_out = self.sides(pool, side)
        if at_pool_price:
            price = pool.spot_price(t_in, t_out)
            fair = amount / 10 ** market.decimals[t_in] * price * 10 ** market.decimals[t_out]
        else:
            fair = market.value(t_in, amount) / market.price(t_out) * 10 ** market.decimals[t_out]
        keep = 1 - pool.fee_pips / 1e6
        return int(fair * keep * (1 - self.spec.swap_slippage_bps / 10_000))
