"""The Uniswap V3 pool as the rest of ammsim sees it: `ConcentratedPool`, the `Pool` interface over the core.

`UniswapV3Pool` (`core.py`) mirrors the contract; this class adds token symbols and the
simulation's interface: a quote is the swap loop run without writing (`_compute_swap`, a
`SwapResult`), applying it is `_commit_swap`. Unlike the raw `swap`, which like the contract
fills what it can up to the price limit, the token-symbol swaps raise `InsufficientLiquidity`
when the pool cannot fill the whole amount. Also here: the arbitrage sizing, LP claims
(positions, not shares), position views for agents, and exact fork/snapshot/restore
(`state.py`). Float views (prices, human amounts, ranged IL) are in `views.py`.
"""

from __future__ import annotations

import math
from typing import Any, Self

from sim.errors import InsufficientLiquidity, InvalidAmount, SlippageExceeded
from sim.pools.base import LpClaims, Pool, Swap, SwapQuote
from sim.pools.uniswap_v3.core import DEFAULT_TICK_SPACING, SwapResult, UniswapV3Pool
from sim.pools.uniswap_v3.fixed_point import Q128
from sim.pools.uniswap_v3.full_math import mul_div
from sim.pools.uniswap_v3.liquidity_amounts import (
    get_amounts_for_liquidity,
    get_liquidity_for_amounts,
)
from sim.pools.uniswap_v3.oracle_library import consult, get_quote_at_tick
from sim.pools.uniswap_v3.position import PositionInfo
from sim.pools.uniswap_v3.safe_cast import MAX_INT256
from sim.pools.uniswap_v3.state import (
    POSITION_FIELDS,
    TICK_FIELDS,
    copy_positions,
    copy_ticks,
    position_state,
    restore_records,
    save_records,
    tick_state,
)
from sim.pools.uniswap_v3.swap_math import FEE_DENOMINATOR_PIPS
from sim.pools.uniswap_v3.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO, get_sqrt_ratio_at_tick
from sim.pools.uniswap_v3.views import price_from_sqrt_price_x96, sqrt_price_x96_from_price
from sim.units import MAX_UINT256

__all__ = ["DEFAULT_TICK_SPACING", "ConcentratedPool", "SwapResult"]


class ConcentratedPool(UniswapV3Pool, Pool):
    """A Uniswap V3 pool: concentrated liquidity over tick ranges, integer-exact."""

    kind = "concentrated"
    lp_claims = LpClaims.POSITIONS

    @classmethod
    def from_price(
        cls,
        name: str,
        tokens: tuple[str, str],
        decimals: tuple[int, int],
        fee_pips: int,
        price: float,
        tick_spacing: int | None = None,
        block_timestamp: int = 0,
    ) -> ConcentratedPool:
        """A pool initialised at `price` whole token1 per whole token0, at `block_timestamp`
        (its first oracle observation)."""
        return cls(
            name,
            tokens,
            decimals,
            fee_pips,
            tick_spacing,
            sqrt_price_x96_from_price(price, decimals[0], decimals[1]),
            block_timestamp,
        )

    def __repr__(self) -> str:
        return (
            f"ConcentratedPool({self.name!r}, {self.tokens[0]}/{self.tokens[1]}, "
            f"fee={self.fee_pips}pips, tick={self.tick}, liquidity={self.liquidity})"
        )

    # ------------------------------------------------------------ Pool interface

    @property
    def fee_bps(self) -> float:
        """Swap fee in basis points (1 bp = 100 pips)."""
        return self.fee_pips / 100

    def _direction(self, token_in: str, token_out: str) -> bool:
        """zero_for_one for a token_in -> token_out trade."""
        i_in, i_out = self.index(token_in), self.index(token_out)
        if i_in == i_out:
            raise InvalidAmount(f"cannot swap {token_in} for itself in pool {self.name!r}")
        return i_in == 0

    @staticmethod
    def _extreme_limit(zero_for_one: bool) -> int:
        return MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1

    def _exact_in(self, token_in: str, token_out: str, amount_in: int) -> tuple[bool, SwapResult]:
        zero_for_one = self._direction(token_in, token_out)
        if type(amount_in) is not int or amount_in <= 0:
            raise InvalidAmount(f"amount_in must be a positive integer, got {amount_in!r}")
        result = self._compute_swap(
            zero_for_one, amount_in, self._extreme_limit(zero_for_one), stop_when_dry=True
        )
        taken = result.amount0 if zero_for_one else result.amount1
        if taken != amount_in:
            raise InsufficientLiquidity(
                f"pool {self.name!r} runs out of liquidity after taking {taken} of the "
                f"{amount_in} {token_in} offered"
            )
        return zero_for_one, result

    def quote_exact_in(self, token_in: str, token_out: str, amount_in: int) -> int:
        """Output of swapping exactly `amount_in` of `token_in`; never mutates state."""
        zero_for_one, result = self._exact_in(token_in, token_out, amount_in)
        return -(result.amount1 if zero_for_one else result.amount0)

    def _check_min_out(
        self, token_in: str, token_out: str, amount_in: int, amount_out: int, min_amount_out: int
    ) -> None:
        if amount_out < min_amount_out:
            raise SlippageExceeded(
                f"swap of {amount_in} {token_in} would pay {amount_out} {token_out}, "
                f"below the minimum {min_amount_out}"
            )

    def quote_swap(self, token_in: str, token_out: str, amount_in: int) -> SwapQuote:
        """The swap loop run on the current state; `after` is its `SwapResult`."""
        zero_for_one, result = self._exact_in(token_in, token_out, amount_in)
        amount_out = -(result.amount1 if zero_for_one else result.amount0)
        swap = Swap(token_in, token_out, amount_in, amount_out, result.fee_amount, token_in)
        return SwapQuote(self, swap, self._swap_state(), result)

    def _swap_state(self) -> tuple[Any, ...]:
        ticks = self.ticks
        return (
            self.sqrt_price_x96,
            self.tick,
            self.liquidity,
            self.fee_growth_global0_x128,
            self.fee_growth_global1_x128,
            self.fee_protocol,
            self.fee_pips,
            tuple((t, ticks[t].liquidity_net) for t in self.initialized_ticks),
        )

    def _apply_quote(self, quote: SwapQuote, min_amount_out: int) -> Swap:
        swap: Swap = quote.swap
        self._check_min_out(
            swap.token_in, swap.token_out, swap.amount_in, swap.amount_out, min_amount_out
        )
        self._commit_swap(swap.token_in == self.tokens[0], quote.after)
        return swap

    def swap_exact_in(
        self, token_in: str, token_out: str, amount_in: int, min_amount_out: int = 0
    ) -> Swap:
        """Swap exactly `amount_in`; raises `SlippageExceeded` below `min_amount_out`."""
        zero_for_one, result = self._exact_in(token_in, token_out, amount_in)
        amount_out = -(result.amount1 if zero_for_one else result.amount0)
        self._check_min_out(token_in, token_out, amount_in, amount_out, min_amount_out)
        self._commit_swap(zero_for_one, result)
        return Swap(token_in, token_out, amount_in, amount_out, result.fee_amount, token_in)

    def _exact_out(self, token_in: str, token_out: str, amount_out: int) -> tuple[bool, SwapResult]:
        zero_for_one = self._direction(token_in, token_out)
        if type(amount_out) is not int or amount_out <= 0:
            raise InvalidAmount(f"amount_out must be a positive integer, got {amount_out!r}")
        result = self._compute_swap(
            zero_for_one, -amount_out, self._extreme_limit(zero_for_one), stop_when_dry=True
        )
        got = -(result.amount1 if zero_for_one else result.amount0)
        if got != amount_out:
            raise InsufficientLiquidity(
                f"pool {self.name!r} can pay only {got} of the {amount_out} {token_out} asked"
            )
        return zero_for_one, result

    def quote_exact_out(self, token_in: str, token_out: str, amount_out: int) -> int:
        """Input of `token_in` (fee included) needed to receive exactly `amount_out`."""
        zero_for_one, result = self._exact_out(token_in, token_out, amount_out)
        return result.amount0 if zero_for_one else result.amount1

    def swap_exact_out(
        self, token_in: str, token_out: str, amount_out: int, max_amount_in: int | None = None
    ) -> Swap:
        """Swap for exactly `amount_out`; raises `SlippageExceeded` above `max_amount_in`."""
        zero_for_one, result = self._exact_out(token_in, token_out, amount_out)
        amount_in = result.amount0 if zero_for_one else result.amount1
        if max_amount_in is not None and amount_in > max_amount_in:
            raise SlippageExceeded(
                f"buying {amount_out} {token_out} would cost {amount_in} {token_in}, "
                f"above the maximum {max_amount_in}"
            )
        self._commit_swap(zero_for_one, result)
        return Swap(token_in, token_out, amount_in, amount_out, result.fee_amount, token_in)

    def holdings(self) -> dict[str, int]:
        """The pool's token balances: liquidity, uncollected fees, tokens owed, protocol fees."""
        return {self.tokens[0]: self.balance0, self.tokens[1]: self.balance1}

    def spot_price(self, base: str, quote: str) -> float:
        """Marginal price of one whole `base` in whole `quote` tokens, fee excluded."""
        if self.index(base) == self.index(quote):
            raise InvalidAmount(f"spot price of {base} in itself is meaningless")
        self._require_initialized()
        price0 = price_from_sqrt_price_x96(self.sqrt_price_x96, *self.decimals)
        return price0 if self.index(base) == 0 else 1.0 / price0

    def arb_amount_in(self, token_in: str, token_out: str, price_in_per_out: float) -> int:
        """Exact input that moves the pool to the fee-adjusted reference price (0 if none pays).

        Selling `token_in` pays while the pool's marginal output, (1 - fee) times its
        price, beats the reference; the optimum stops where they are equal. The input is
        found by running the swap loop (read-only) with that price as the limit.
        """
        zero_for_one = self._direction(token_in, token_out)
        if not (isinstance(price_in_per_out, int | float) and 0 < price_in_per_out < math.inf):
            raise InvalidAmount(f"reference price must be positive, got {price_in_per_out!r}")
        self._require_initialized()
        keep = (FEE_DENOMINATOR_PIPS - self.fee_pips) / FEE_DENOMINATOR_PIPS
        # target price of token0 in token1 (human units) where the marginal trade breaks even
        target = 1.0 / (keep * price_in_per_out) if zero_for_one else keep * price_in_per_out
        try:
            sqrt_target = sqrt_price_x96_from_price(target, *self.decimals)
        except (InvalidAmount, OverflowError, ZeroDivisionError):
            sqrt_target = 0 if zero_for_one else MAX_SQRT_RATIO
        if zero_for_one:
            limit = max(sqrt_target, MIN_SQRT_RATIO + 1)
            if limit >= self.sqrt_price_x96:
                return 0
        else:
            limit = min(sqrt_target, MAX_SQRT_RATIO - 1)
            if limit <= self.sqrt_price_x96:
                return 0
        result = self._compute_swap(zero_for_one, MAX_INT256, limit, stop_when_dry=True)
        amount_in = result.amount0 if zero_for_one else result.amount1
        amount_out = -(result.amount1 if zero_for_one else result.amount0)
        if amount_in <= 0:
            return 0
        d_in = 10 ** self.decimals[0 if zero_for_one else 1]
        d_out = 10 ** self.decimals[1 if zero_for_one else 0]
        if amount_out * price_in_per_out * d_in / d_out <= amount_in:
            return 0
        return amount_in

    # ------------------------------------------------------------ LP claims

    def lp_claim(self, holder: str) -> dict[str, int]:
        """What burning and collecting every position of `holder` would pay now: each one's
        principal (rounded down) plus its fees (credited, and accrued since its last poke,
        which the burn credits)."""
        amount0 = amount1 = 0
        for owner, tick_lower, tick_upper in self.positions:
            if owner == holder:
                a0, a1 = self.position_amounts(owner, tick_lower, tick_upper)
                f0, f1 = self.fees_owed(owner, tick_lower, tick_upper)
                amount0 += a0 + f0
                amount1 += a1 + f1
        return {self.tokens[0]: amount0, self.tokens[1]: amount1}

    def fees_owed(self, owner: str, tick_lower: int, tick_upper: int) -> tuple[int, int]:
        """Fees a poke would leave in the position's tokens owed: those credited plus those
        accrued since (`Position.update`: fee growth inside since last time x liquidity / Q128)."""
        pos = self.position(owner, tick_lower, tick_upper)
        if not pos.liquidity:
            return pos.tokens_owed0, pos.tokens_owed1
        g0, g1 = self.get_fee_growth_inside(tick_lower, tick_upper)
        owed0 = mul_div((g0 - pos.fee_growth_inside0_last_x128) & MAX_UINT256, pos.liquidity, Q128)
        owed1 = mul_div((g1 - pos.fee_growth_inside1_last_x128) & MAX_UINT256, pos.liquidity, Q128)
        return pos.tokens_owed0 + owed0, pos.tokens_owed1 + owed1

    def lp_fee_share(self, token: str | None = None) -> float:
        """1 - 1/n when the protocol takes 1/n of the fees in `token` (`set_fee_protocol`), else 1.

        Without `token`, both directions' protocol fees must agree.
        """
        n0, n1 = self.fee_protocol % 16, self.fee_protocol >> 4
        if token is not None:
            n = n0 if self.index(token) == 0 else n1
        elif n0 == n1:
            n = n0
        else:
            raise InvalidAmount(
                f"pool {self.name!r} takes different protocol fees on its two tokens "
                f"(1/{n0} and 1/{n1}): name the token the fee is paid in"
            )
        return 1.0 - 1.0 / n if n else 1.0

    # ------------------------------------------------------------ views for agents

    def position(self, owner: str, tick_lower: int, tick_upper: int) -> PositionInfo:
        """The position's record (an empty one if it does not exist); do not mutate it."""
        return self.positions.get((owner, tick_lower, tick_upper), PositionInfo())

    def position_amounts(self, owner: str, tick_lower: int, tick_upper: int) -> tuple[int, int]:
        """Tokens a full burn of the position would credit now (rounded down, fees excluded)."""
        liquidity = self.position(owner, tick_lower, tick_upper).liquidity
        return get_amounts_for_liquidity(
            self.sqrt_price_x96,
            get_sqrt_ratio_at_tick(tick_lower),
            get_sqrt_ratio_at_tick(tick_upper),
            liquidity,
        )

    def liquidity_for_amounts(
        self, tick_lower: int, tick_upper: int, amount0: int, amount1: int
    ) -> int:
        """Most liquidity `amount0` and `amount1` (raw units) can mint over the range now."""
        self._require_initialized()
        self._check_ticks(tick_lower, tick_upper)
        return get_liquidity_for_amounts(
            self.sqrt_price_x96,
            get_sqrt_ratio_at_tick(tick_lower),
            get_sqrt_ratio_at_tick(tick_upper),
            amount0,
            amount1,
        )

    def twap_price(self, base: str, quote: str, window_s: int) -> float:
        """Whole `quote` tokens per whole `base` at the pool's mean tick over the last
        `window_s` seconds (OracleLibrary.consult, then getQuoteAtTick of one whole `base`):
        the geometric-mean price a TWAP oracle reports. Raises 'OLD' (a `PoolError`) when
        the pool keeps no observation that old (`increase_observation_cardinality_next`)."""
        if self.index(base) == self.index(quote):
            raise InvalidAmount(f"TWAP of {base} in itself is meaningless")
        mean_tick, _ = consult(self, window_s)
        d_base, d_quote = self.decimals[self.index(base)], self.decimals[self.index(quote)]
        amount = get_quote_at_tick(mean_tick, 10**d_base, self.index(base) == 0)
        return amount / 10**d_quote

    # ------------------------------------------------------------ fork / snapshot / restore

    def fork(self) -> Self:
        """A detached, exact copy: its own tick and position records (`state.py`)."""
        twin = super().fork()
        twin.ticks = copy_ticks(self.ticks)
        twin.positions = copy_positions(self.positions)
        return twin

    def snapshot(self) -> Any:
        """An exact copy of the pool's state for `restore`, without copying any object.

        Scalars (slot0, liquidity, fee growth, balances) are immutable ints, kept by
        reference; `protocol_fees`, the tick list and the oracle's observations (immutable
        records) are copied; the `ticks` and
        `positions` dicts are copied (their keys and record objects), and of each
        record, mutated in place by a swap (a crossing rewrites a tick's fee growth
        outside) or by mint/burn/collect, the field values are read into tuples
        (`save_records`). Exact for every call, not only swaps.
        """
        return (
            vars(self).copy(),
            self.protocol_fees.copy(),
            self.initialized_ticks.copy(),
            self.observations.copy(),
            *save_records(self.ticks, tick_state),
            *save_records(self.positions, position_state),
        )

    def restore(self, snapshot: Any) -> None:
        """Put the pool back exactly as at `snapshot` (reusable; containers refilled in place)."""
        state, protocol_fees, initialized, observations, *records = snapshot
        ticks, tick_values, positions, position_values = records
        attrs = vars(self)
        if attrs.keys() != state.keys():
            attrs.clear()
        attrs.update(state)
        self.protocol_fees[:] = protocol_fees
        if self.initialized_ticks != initialized:
            self.initialized_ticks[:] = initialized
        if self.observations != observations:
            self.observations[:] = observations
        restore_records(self.ticks, ticks, tick_values, tick_state, TICK_FIELDS)
        restore_records(self.positions, positions, position_values, position_state, POSITION_FIELDS)
