"""Mirrors UniswapV2Pair in exact integers: the constant-product pool, with the router's liquidity calls.

`ConstantProductPool` keeps the pair's state: `reserve0`, `reserve1`, `total_supply`,
`balance_of` (LP tokens by holder id), `k_last`, `MINIMUM_LIQUIDITY` locked to the
zero address, the uint112 reserve cap, `mint`/`burn`/`swap` with the pair's checks
and the protocol fee (`_mint_fee`, 1/6 of the growth of sqrt(k)). The pair reads
its token balances to learn what was sent in; here the caller states it
(`mint(to, amount0, amount1)`, `swap(..., amount0_in, amount1_in)`) and the pool
assumes balances equal reserves after every call, as they do after the pair's `_update`.
Every call is atomic: a call that raises (a revert) leaves the state unchanged.

The oracle (`oracle.py`): every reserve change goes through `_update`, which first adds the
old reserve ratios times the seconds since the last change to `price0CumulativeLast` and
`price1CumulativeLast` (the model sets `block_timestamp` each block). Tokens sent to the pair by
a plain transfer (`transfer_in`) are held beyond the reserves until the next `mint`, `burn`,
`swap` or `sync` counts them, or `skim` pays them out, as the pair's `balanceOf` would.

`add_liquidity` / `remove_liquidity` mirror the router's `_addLiquidity` and
`removeLiquidity`. Pricing is `UniswapV2Library`'s (`library.py`), the arbitrage sizing
`arbitrage.py`'s. The `Pool` interface methods are thin token-symbol wrappers: a quote is
`getAmountOut` on the reserves, applying it is the router's minimum check then `swap`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from math import isqrt
from typing import Any, NoReturn, Self

from sim.errors import (
    EmptyPool,
    InsufficientLiquidity,
    InvalidAmount,
    PoolError,
    SlippageExceeded,
)
from sim.pools.base import Pool, Swap, SwapQuote
from sim.pools.uniswap_v2.arbitrage import optimal_arb_input
from sim.pools.uniswap_v2.library import (
    FEE_DENOMINATOR,
    UINT112_MAX,
    check_fee_bps,
    get_amount_in,
    get_amount_out,
    quote,
)
from sim.pools.uniswap_v2.oracle import CumulativePrices

__all__ = ["MINIMUM_LIQUIDITY", "ZERO_ADDRESS", "ConstantProductPool"]

MINIMUM_LIQUIDITY = 1000
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def _check_amount(what: str, value: int) -> None:
    """Reject anything but a non-negative int (floats would silently break the integer math)."""
    if type(value) is not int or value < 0:
        raise InvalidAmount(f"{what} must be a non-negative integer in raw units, got {value!r}")


class ConstantProductPool(Pool):
    """A Uniswap V2 pair (x * y = k) with a configurable swap fee and the optional protocol fee."""

    kind = "constant_product"
    MINIMUM_LIQUIDITY = MINIMUM_LIQUIDITY
    ZERO_ADDRESS = ZERO_ADDRESS

    def __init__(
        self,
        name: str,
        tokens: tuple[str, str],
        decimals: tuple[int, int],
        fee_bps: int = 30,
        fee_to: str | None = None,
    ) -> None:
        if len(tokens) != 2 or tokens[0] == tokens[1]:
            raise InvalidAmount(f"pool {name!r} needs two different tokens, got {tokens!r}")
        if len(decimals) != 2 or any(type(d) is not int or not 0 <= d <= 36 for d in decimals):
            raise InvalidAmount(
                f"pool {name!r} needs two integer decimals between 0 and 36, got {decimals!r}"
            )
        check_fee_bps(fee_bps)
        self.name = name
        self.tokens = (tokens[0], tokens[1])
        self.decimals = (decimals[0], decimals[1])
        self._fee_bps = fee_bps
        self.fee_to = fee_to
        self.reserve0 = 0
        self.reserve1 = 0
        self.total_supply = 0
        self.balance_of: dict[str, int] = {}
        self.k_last = 0
        self.block_timestamp = 0
        """`block.timestamp` of the current block (set by the model)."""
        self.oracle = CumulativePrices()
        self.excess0 = 0
        self.excess1 = 0
        """Tokens the pair holds beyond its reserves (`balanceOf(pair) - reserve`)."""

    def __repr__(self) -> str:
        t0, t1 = self.tokens
        return (
            f"ConstantProductPool({self.name!r}, {self.reserve0} {t0}, {self.reserve1} {t1}, "
            f"fee {self._fee_bps} bps, LP supply {self.total_supply})"
        )

    # ------------------------------------------------------------------ pair
    @property
    def fee_bps(self) -> int:
        """Swap fee in basis points (30 is Uniswap V2's 0.3%)."""
        return self._fee_bps

    def set_fee_bps(self, fee_bps: float) -> None:
        """Change the swap fee (V2 forks with governable fees); whole basis points only."""
        if fee_bps != int(fee_bps):
            raise InvalidAmount(
                f"pool {self.name!r}: fee must be whole basis points, got {fee_bps}"
            )
        check_fee_bps(int(fee_bps))
        self._fee_bps = int(fee_bps)

    def get_reserves(self) -> tuple[int, int]:
        """Mirrors UniswapV2Pair.getReserves (without the timestamp: `block_timestamp_last`)."""
        return self.reserve0, self.reserve1

    @property
    def price0_cumulative_last(self) -> int:
        """`price0CumulativeLast`: token1 per token0 (UQ112x112) summed over seconds."""
        return self.oracle.price0_cumulative_last

    @property
    def price1_cumulative_last(self) -> int:
        """`price1CumulativeLast`: token0 per token1 (UQ112x112) summed over seconds."""
        return self.oracle.price1_cumulative_last

    @property
    def block_timestamp_last(self) -> int:
        """`blockTimestampLast`: uint32 time of the last reserve change."""
        return self.oracle.block_timestamp_last

    def _update(self, balance0: int, balance1: int) -> None:
        """Mirrors UniswapV2Pair._update: check the uint112 cap, accumulate the old prices
        into the oracle, then set the reserves to the balances (nothing left in excess)."""
        self._check_overflow(balance0, balance1)
        self.oracle.accumulate(self.reserve0, self.reserve1, self.block_timestamp)
        self.reserve0, self.reserve1 = balance0, balance1
        self.excess0 = self.excess1 = 0

    def transfer_in(self, amount0: int, amount1: int) -> None:
        """Tokens sent to the pair by a plain ERC-20 transfer (the caller moved them): held,
        not yet reserves, credited to whoever calls `mint`, `swap` or `sync` next. The
        transfer itself never hits the uint112 cap (an ERC-20 balance is a uint256): the next
        `_update` does ('UniswapV2: OVERFLOW'), and `skim` can still pay the excess out."""
        _check_amount("amount0", amount0)
        _check_amount("amount1", amount1)
        self.excess0 += amount0
        self.excess1 += amount1

    def skim(self) -> tuple[int, int]:
        """Mirrors UniswapV2Pair.skim: pay out the balances above the reserves (the caller
        credits them to `to`); the reserves and the oracle do not change."""
        paid = (self.excess0, self.excess1)
        self.excess0 = self.excess1 = 0
        return paid

    def sync(self) -> None:
        """Mirrors UniswapV2Pair.sync: make the reserves the balances (taking in any excess)."""
        self._update(self.reserve0 + self.excess0, self.reserve1 + self.excess1)

    def _protocol_fee_liquidity(self, reserve0: int, reserve1: int) -> int:
        """LP tokens `_mint_fee` would mint to `fee_to` now (pure; 0 when the fee is off)."""
        if self.fee_to is None or self.k_last == 0:
            return 0
        root_k = isqrt(reserve0 * reserve1)
        root_k_last = isqrt(self.k_last)
        if root_k <= root_k_last:
            return 0
        numerator = self.total_supply * (root_k - root_k_last)
        denominator = root_k * 5 + root_k_last
        return numerator // denominator

    def _mint_fee(self, reserve0: int, reserve1: int) -> bool:
        """Mirrors UniswapV2Pair._mintFee: mint 1/6 of the sqrt(k) growth to `fee_to`.

        Returns whether the protocol fee is on. With the fee off, a stale `k_last`
        is reset to 0, as in the pair.
        """
        if self.fee_to is not None:
            liquidity = self._protocol_fee_liquidity(reserve0, reserve1)
            if liquidity > 0:
                self._mint(self.fee_to, liquidity)
            return True
        if self.k_last != 0:
            self.k_last = 0
        return False

    def _mint(self, to: str, value: int) -> None:
        """Mirrors UniswapV2ERC20._mint."""
        self.total_supply += value
        self.balance_of[to] = self.balance_of.get(to, 0) + value

    def _burn(self, holder: str, value: int) -> None:
        """Mirrors UniswapV2ERC20._burn."""
        left = self.balance_of.get(holder, 0) - value
        if left:
            self.balance_of[holder] = left
        else:
            self.balance_of.pop(holder, None)
        self.total_supply -= value

    def _check_overflow(self, balance0: int, balance1: int) -> None:
        """The reserve cap of UniswapV2Pair._update ('UniswapV2: OVERFLOW')."""
        if balance0 > UINT112_MAX or balance1 > UINT112_MAX:
            t0, t1 = self.tokens
            raise InvalidAmount(
                f"UniswapV2: OVERFLOW: pool {self.name!r} would hold {balance0} {t0} and "
                f"{balance1} {t1}; each reserve must fit in uint112 (at most {UINT112_MAX})"
            )

    def mint(self, to: str, amount0: int, amount1: int) -> int:
        """Mirrors UniswapV2Pair.mint: add `amount0`/`amount1` (already sent in), mint LP to `to`.

        The first deposit mints isqrt(amount0 * amount1) - 1000 and locks 1000 at the
        zero address. Later deposits get the smaller of the two pro-rata shares; any
        excess of the other token stays in the pool as reserves (a gift to all LPs).
        """
        _check_amount("amount0", amount0)
        _check_amount("amount1", amount1)
        reserve0, reserve1 = self.reserve0, self.reserve1
        amount0 += self.excess0  # balanceOf(pair) - reserve: everything sent in counts
        amount1 += self.excess1
        balance0, balance1 = reserve0 + amount0, reserve1 + amount1
        fee_liquidity = self._protocol_fee_liquidity(reserve0, reserve1)
        total_supply = self.total_supply + fee_liquidity
        t0, t1 = self.tokens
        if total_supply == 0:
            liquidity = isqrt(amount0 * amount1) - MINIMUM_LIQUIDITY
            if liquidity <= 0:
                raise InsufficientLiquidity(
                    f"UniswapV2: INSUFFICIENT_LIQUIDITY_MINTED: the first deposit into pool "
                    f"{self.name!r} must have sqrt({amount0} * {amount1}) (smallest units of "
                    f"{t0} and {t1}) above {MINIMUM_LIQUIDITY} (that many LP tokens are "
                    "locked forever)"
                )
        else:
            liquidity = min(amount0 * total_supply // reserve0, amount1 * total_supply // reserve1)
            if liquidity <= 0:
                raise InsufficientLiquidity(
                    f"UniswapV2: INSUFFICIENT_LIQUIDITY_MINTED: depositing {amount0} and "
                    f"{amount1} smallest units of {t0} and {t1} into pool {self.name!r} "
                    f"(reserves {reserve0} and {reserve1}) is worth less than one LP token; "
                    "deposit both tokens"
                )
        self._check_overflow(balance0, balance1)
        # all checks passed: apply (the pair's order of effects)
        fee_on = self._mint_fee(reserve0, reserve1)
        if self.total_supply == 0:
            self._mint(ZERO_ADDRESS, MINIMUM_LIQUIDITY)
        self._mint(to, liquidity)
        self._update(balance0, balance1)
        if fee_on:
            self.k_last = balance0 * balance1
        return liquidity

    def _burn_amounts(self, holder: str, liquidity: int) -> tuple[int, int]:
        """What `burn(holder, liquidity)` would pay; raises as the pair would (pure)."""
        _check_amount("liquidity", liquidity)
        held = self.balance_of.get(holder, 0)
        if liquidity > held:
            raise InvalidAmount(
                f"{holder!r} holds {held} LP tokens of pool {self.name!r}, cannot burn {liquidity}"
            )
        reserve0, reserve1 = self.reserve0, self.reserve1
        total_supply = self.total_supply + self._protocol_fee_liquidity(reserve0, reserve1)
        balance0, balance1 = reserve0 + self.excess0, reserve1 + self.excess1
        amount0 = liquidity * balance0 // total_supply if total_supply else 0
        amount1 = liquidity * balance1 // total_supply if total_supply else 0
        if amount0 <= 0 or amount1 <= 0:
            t0, t1 = self.tokens
            raise InsufficientLiquidity(
                f"UniswapV2: INSUFFICIENT_LIQUIDITY_BURNED: burning {liquidity} of "
                f"{total_supply} LP tokens of pool {self.name!r} would pay {amount0} {t0} and "
                f"{amount1} {t1}; both must be positive"
            )
        return amount0, amount1

    def burn(self, to: str, liquidity: int) -> tuple[int, int]:
        """Mirrors UniswapV2Pair.burn: burn `liquidity` LP tokens of `to`, pay `to` pro rata.

        Returns (amount0, amount1) paid out (rounded down; the dust stays with the pool).
        """
        amount0, amount1 = self._burn_amounts(to, liquidity)
        # `_update`'s cap, checked before any effect (excess sent in may exceed uint112)
        self._check_overflow(
            self.reserve0 + self.excess0 - amount0, self.reserve1 + self.excess1 - amount1
        )
        fee_on = self._mint_fee(self.reserve0, self.reserve1)
        self._burn(to, liquidity)
        self._update(self.reserve0 + self.excess0 - amount0, self.reserve1 + self.excess1 - amount1)
        if fee_on:
            self.k_last = self.reserve0 * self.reserve1
        return amount0, amount1

    def swap(self, amount0_out: int, amount1_out: int, amount0_in: int, amount1_in: int) -> None:
        """Mirrors UniswapV2Pair.swap: pay the outputs, take the stated inputs, enforce K.

        The K check uses the fee-adjusted balances, `balance * 10_000 - amount_in * fee_bps`,
        exactly as the pair's `balance * 1000 - amount_in * 3`. An output even one
        wei above `get_amount_out` for the given input fails it ('UniswapV2: K').
        """
        if (
            type(amount0_out) is not int
            or type(amount1_out) is not int
            or type(amount0_in) is not int
            or type(amount1_in) is not int
            or amount0_out < 0
            or amount1_out < 0
            or amount0_in < 0
            or amount1_in < 0
        ):
            raise InvalidAmount(
                f"swap amounts must be non-negative integers in raw units, got "
                f"out ({amount0_out!r}, {amount1_out!r}), in ({amount0_in!r}, {amount1_in!r})"
            )
        self._swap(amount0_out, amount1_out, amount0_in, amount1_in)

    def _swap(self, amount0_out: int, amount1_out: int, amount0_in: int, amount1_in: int) -> None:
        """The body of UniswapV2Pair.swap for amounts already known to be non-negative ints."""
        if amount0_out == 0 and amount1_out == 0:
            raise InvalidAmount(
                f"UniswapV2: INSUFFICIENT_OUTPUT_AMOUNT: a swap in pool {self.name!r} "
                f"must pay out something (this input is too small to buy even 1 raw unit)"
            )
        reserve0, reserve1 = self.reserve0, self.reserve1
        if amount0_out >= reserve0 or amount1_out >= reserve1:
            t0, t1 = self.tokens
            raise InsufficientLiquidity(
                f"UniswapV2: INSUFFICIENT_LIQUIDITY: swap output {amount0_out} {t0} and "
                f"{amount1_out} {t1} must stay below the reserves {reserve0} {t0} and "
                f"{reserve1} {t1} of pool {self.name!r}"
            )
        if self.excess0 or self.excess1:  # sent in before the call: part of the input
            amount0_in += self.excess0
            amount1_in += self.excess1
        if amount0_in == 0 and amount1_in == 0:
            raise InvalidAmount(
                f"UniswapV2: INSUFFICIENT_INPUT_AMOUNT: a swap in pool {self.name!r} "
                f"must take some input"
            )
        balance0 = reserve0 - amount0_out + amount0_in
        balance1 = reserve1 - amount1_out + amount1_in
        fee = self._fee_bps
        balance0_adjusted = balance0 * FEE_DENOMINATOR - amount0_in * fee
        balance1_adjusted = balance1 * FEE_DENOMINATOR - amount1_in * fee
        if balance0_adjusted * balance1_adjusted < reserve0 * reserve1 * 100_000_000:
            t0, t1 = self.tokens
            raise InsufficientLiquidity(
                f"UniswapV2: K: in pool {self.name!r} paying out {amount0_out} {t0} and "
                f"{amount1_out} {t1} for {amount0_in} {t0} and {amount1_in} {t1} would "
                f"lower the fee-adjusted product reserve0 * reserve1; ask for less output"
            )
        self._update(balance0, balance1)

    # ---------------------------------------------------------------- router
    def add_liquidity(
        self,
        to: str,
        amount0_desired: int,
        amount1_desired: int,
        amount0_min: int = 0,
        amount1_min: int = 0,
    ) -> tuple[int, int, int]:
        """Mirrors UniswapV2Router02.addLiquidity (via _addLiquidity): deposit at the pool ratio.

        Returns (amount0, amount1, liquidity): the amounts actually taken and the LP
        tokens minted to `to`. Raises `SlippageExceeded` if an amount used would be
        below its minimum.
        """
        for what, value in (
            ("amount0_desired", amount0_desired),
            ("amount1_desired", amount1_desired),
            ("amount0_min", amount0_min),
            ("amount1_min", amount1_min),
        ):
            _check_amount(what, value)
        reserve0, reserve1 = self.reserve0, self.reserve1
        t0, t1 = self.tokens
        if reserve0 == 0 and reserve1 == 0:
            amount0, amount1 = amount0_desired, amount1_desired
        else:
            amount1_optimal = quote(amount0_desired, reserve0, reserve1)
            if amount1_optimal <= amount1_desired:
                if amount1_optimal < amount1_min:
                    raise SlippageExceeded(
                        f"UniswapV2Router: INSUFFICIENT_B_AMOUNT: at the ratio of pool "
                        f"{self.name!r}, {amount0_desired} {t0} pairs with only "
                        f"{amount1_optimal} {t1}, below the minimum {amount1_min} {t1}"
                    )
                amount0, amount1 = amount0_desired, amount1_optimal
            else:
                amount0_optimal = quote(amount1_desired, reserve1, reserve0)
                if amount0_optimal > amount0_desired:  # the router's assert
                    raise PoolError(
                        f"UniswapV2Router: _addLiquidity: {amount0_optimal} {t0} needed for "
                        f"{amount1_desired} {t1} exceeds the {amount0_desired} {t0} offered"
                    )
                if amount0_optimal < amount0_min:
                    raise SlippageExceeded(
                        f"UniswapV2Router: INSUFFICIENT_A_AMOUNT: at the ratio of pool "
                        f"{self.name!r}, {amount1_desired} {t1} pairs with only "
                        f"{amount0_optimal} {t0}, below the minimum {amount0_min} {t0}"
                    )
                amount0, amount1 = amount0_optimal, amount1_desired
        liquidity = self.mint(to, amount0, amount1)
        return amount0, amount1, liquidity

    def remove_liquidity(
        self, to: str, liquidity: int, amount0_min: int = 0, amount1_min: int = 0
    ) -> tuple[int, int]:
        """Mirrors UniswapV2Router02.removeLiquidity: burn `to`'s LP tokens, check the minimums.

        Raises `SlippageExceeded` (and changes nothing) if a payout is below its minimum.
        """
        _check_amount("amount0_min", amount0_min)
        _check_amount("amount1_min", amount1_min)
        amount0, amount1 = self._burn_amounts(to, liquidity)
        t0, t1 = self.tokens
        if amount0 < amount0_min:
            raise SlippageExceeded(
                f"UniswapV2Router: INSUFFICIENT_A_AMOUNT: burning {liquidity} LP tokens of "
                f"pool {self.name!r} pays {amount0} {t0}, below the minimum {amount0_min} {t0}"
            )
        if amount1 < amount1_min:
            raise SlippageExceeded(
                f"UniswapV2Router: INSUFFICIENT_B_AMOUNT: burning {liquidity} LP tokens of "
                f"pool {self.name!r} pays {amount1} {t1}, below the minimum {amount1_min} {t1}"
            )
        return self.burn(to, liquidity)

    # ------------------------------------------------------------ Pool API
    def _bad_pair(self, token_in: str, token_out: str) -> NoReturn:
        """Raise `InvalidAmount` for a token pair this pool cannot swap."""
        self.index(token_in)
        self.index(token_out)
        raise InvalidAmount(f"cannot swap {token_in!r} for itself in pool {self.name!r}")

    def _direction(self, token_in: str, token_out: str) -> bool:
        """True for token0 -> token1, False for token1 -> token0; raises for anything else."""
        t0, t1 = self.tokens
        if token_in == t0 and token_out == t1:
            return True
        if token_in == t1 and token_out == t0:
            return False
        self._bad_pair(token_in, token_out)

    def _reraise(self, error: PoolError, token_in: str, token_out: str) -> PoolError:
        """The same error with the pool and its tokens named (for the error path only)."""
        t0, t1 = self.tokens
        return type(error)(
            f"{error} [pool {self.name!r}, {token_in} -> {token_out}, reserves "
            f"{self.reserve0} {t0} / {self.reserve1} {t1}]"
        )

    def _below_minimum(
        self, token_in: str, token_out: str, amount_in: int, amount_out: int, min_amount_out: int
    ) -> SlippageExceeded:
        """The router's revert when the output is below the caller's minimum."""
        return SlippageExceeded(
            f"UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT: swapping {amount_in} {token_in} "
            f"in pool {self.name!r} pays {amount_out} {token_out}, below the minimum "
            f"{min_amount_out} {token_out}"
        )

    def quote_exact_in(self, token_in: str, token_out: str, amount_in: int) -> int:
        """Output of swapping `amount_in` of `token_in` (UniswapV2Library.getAmountOut); pure."""
        t0, t1 = self.tokens
        if token_in == t0 and token_out == t1:
            reserve_in, reserve_out = self.reserve0, self.reserve1
        elif token_in == t1 and token_out == t0:
            reserve_in, reserve_out = self.reserve1, self.reserve0
        else:
            self._bad_pair(token_in, token_out)
        try:
            return get_amount_out(amount_in, reserve_in, reserve_out, self._fee_bps)
        except PoolError as error:
            raise self._reraise(error, token_in, token_out) from None

    def quote_swap(self, token_in: str, token_out: str, amount_in: int) -> SwapQuote:
        """The swap priced on the current reserves (`quote_exact_in`); `after` is the reserves
        it leaves."""
        amount_out = self.quote_exact_in(token_in, token_out, amount_in)
        fee = amount_in * self._fee_bps // FEE_DENOMINATOR
        if token_in == self.tokens[0]:
            after = (self.reserve0 + amount_in, self.reserve1 - amount_out)
        else:
            after = (self.reserve0 - amount_out, self.reserve1 + amount_in)
        swap = Swap(token_in, token_out, amount_in, amount_out, fee, token_in)
        return SwapQuote(self, swap, self._swap_state(), after)

    def _swap_state(self) -> tuple[int, int, int]:
        return self.reserve0, self.reserve1, self._fee_bps

    def _apply_quote(self, quote: SwapQuote, min_amount_out: int) -> Swap:
        """The router's minimum check, then UniswapV2Pair.swap of the quoted amounts."""
        swap: Swap = quote.swap
        amount_in, amount_out = swap.amount_in, swap.amount_out
        if amount_out < min_amount_out:
            raise self._below_minimum(
                swap.token_in, swap.token_out, amount_in, amount_out, min_amount_out
            )
        if swap.token_in == self.tokens[0]:
            self._swap(0, amount_out, amount_in, 0)
        else:
            self._swap(amount_out, 0, 0, amount_in)
        return swap

    def swap_exact_in(
        self, token_in: str, token_out: str, amount_in: int, min_amount_out: int = 0
    ) -> Swap:
        """Mirrors UniswapV2Router02.swapExactTokensForTokens on one pair: getAmountOut, swap.

        `quote_swap` then `apply_swap`, written out (the hot path of every block): the quote
        step as in `quote_exact_in`, the apply step as in `_apply_quote`. Raises
        `SlippageExceeded` (changing nothing) if the output is below `min_amount_out`.
        """
        t0, t1 = self.tokens
        fee = self._fee_bps
        if token_in == t0 and token_out == t1:
            zero_for_one = True
            reserve_in, reserve_out = self.reserve0, self.reserve1
        elif token_in == t1 and token_out == t0:
            zero_for_one = False
            reserve_in, reserve_out = self.reserve1, self.reserve0
        else:
            self._bad_pair(token_in, token_out)
        try:
            amount_out = get_amount_out(amount_in, reserve_in, reserve_out, fee)
        except PoolError as error:
            raise self._reraise(error, token_in, token_out) from None
        if amount_out < min_amount_out:
            raise self._below_minimum(token_in, token_out, amount_in, amount_out, min_amount_out)
        if zero_for_one:  # get_amount_out took a positive int input and gave a non-negative int
            self._swap(0, amount_out, amount_in, 0)
        else:
            self._swap(amount_out, 0, 0, amount_in)
        return Swap(
            token_in, token_out, amount_in, amount_out, amount_in * fee // FEE_DENOMINATOR, token_in
        )

    def quote_exact_out(self, token_in: str, token_out: str, amount_out: int) -> int:
        """Input needed to receive `amount_out` of `token_out` (UniswapV2Library.getAmountIn)."""
        if self._direction(token_in, token_out):
            reserve_in, reserve_out = self.reserve0, self.reserve1
        else:
            reserve_in, reserve_out = self.reserve1, self.reserve0
        try:
            return get_amount_in(amount_out, reserve_in, reserve_out, self._fee_bps)
        except PoolError as error:
            raise self._reraise(error, token_in, token_out) from None

    # ------------------------------------------------------------ fork / snapshot / restore

    def fork(self) -> Self:
        """A detached, exact copy; its own oracle slots, so that a trade on the copy leaves
        this pair's cumulative prices alone."""
        twin = super().fork()
        twin.oracle = replace(self.oracle)
        return twin

    def snapshot(self) -> Any:
        """The generic snapshot plus a copy of the oracle slots (`_update` changes them)."""
        return super().snapshot(), replace(self.oracle)

    def restore(self, snapshot: Any) -> None:
        state, oracle = snapshot
        super().restore(state)
        self.oracle = replace(oracle)

    # ------------------------------------------------------------ LP claims

    def lp_supply(self) -> int:
        """The pair's `totalSupply` of LP tokens."""
        return self.total_supply

    def lp_shares(self, holder: str) -> int:
        """The pair's `balanceOf(holder)`."""
        return self.balance_of.get(holder, 0)

    def lp_reserves(self) -> tuple[int, int]:
        """The pair's balances (reserves and any excess): `burn` pays them pro rata."""
        return self.reserve0 + self.excess0, self.reserve1 + self.excess1

    def lp_fee_share(self, token: str | None = None) -> float:
        """5/6 with the protocol fee on (`_mint_fee` takes 1/6 of the growth of sqrt(k)), else 1."""
        return 5 / 6 if self.fee_to else 1.0

    def deposit(self, holder: str, amounts: Mapping[str, int]) -> tuple[dict[str, int], int]:
        """UniswapV2Router02.addLiquidity: the first deposit sets the price (`mint` of both
        amounts); later ones take the pool ratio and leave the excess with the caller."""
        t0, t1 = self.tokens
        a0, a1 = amounts.get(t0, 0), amounts.get(t1, 0)
        if self.total_supply == 0:
            minted = self.mint(holder, a0, a1)
            used = (a0, a1)
        else:
            u0, u1, minted = self.add_liquidity(holder, a0, a1)
            used = (u0, u1)
        return {t0: used[0], t1: used[1]}, minted

    def withdraw(self, holder: str, shares: int) -> dict[str, int]:
        """UniswapV2Router02.removeLiquidity without minimums: burn `shares`, pay pro rata."""
        amounts = self.remove_liquidity(holder, shares)
        return dict(zip(self.tokens, amounts, strict=True))

    def holdings(self) -> dict[str, int]:
        """The pool's token balances by symbol: the reserves and any excess sent in."""
        t0, t1 = self.tokens
        return {t0: self.reserve0 + self.excess0, t1: self.reserve1 + self.excess1}

    def spot_price(self, base: str, quote: str) -> float:
        """Marginal price of one whole `base` in whole `quote` (reserve ratio), fee excluded."""
        base_is_0 = self._direction(base, quote)
        r_base, r_quote = (
            (self.reserve0, self.reserve1) if base_is_0 else (self.reserve1, self.reserve0)
        )
        if r_base == 0 or r_quote == 0:
            raise EmptyPool(f"pool {self.name!r} is empty, so it has no price of {base} in {quote}")
        d_base = self.decimals[0 if base_is_0 else 1]
        d_quote = self.decimals[1 if base_is_0 else 0]
        return (r_quote * 10**d_base) / (r_base * 10**d_quote)

    def arb_amount_in(self, token_in: str, token_out: str, price_in_per_out: float) -> int:
        """Closed-form profit-maximising input, refined to the integer optimum on exact math.

        Maximises `get_amount_out(a) * P - a` with `P` = `price_in_per_out` converted to
        raw units (token_in units per token_out unit). The continuous optimum is
        `a* = (sqrt(g * R_in * R_out * P) - R_in) / g` with `g = 1 - fee`, computed in
        exact integers; then a hill climb over neighbouring "step starts" (the
        smallest inputs that reach each output) finds the integer local optimum of the
        exact, rounded-down output. Returns 0 when no trade pays.
        """
        zero_for_one = self._direction(token_in, token_out)
        if not isinstance(price_in_per_out, int | float) or not math.isfinite(price_in_per_out):
            raise InvalidAmount(f"price_in_per_out must be a finite number, got {price_in_per_out}")
        if price_in_per_out < 0:
            raise InvalidAmount(f"price_in_per_out must not be negative, got {price_in_per_out}")
        if zero_for_one:
            r_in, r_out = self.reserve0, self.reserve1
            d_in, d_out = self.decimals
        else:
            r_in, r_out = self.reserve1, self.reserve0
            d_out, d_in = self.decimals
        if price_in_per_out == 0 or r_in == 0 or r_out == 0:
            return 0
        price = Fraction(price_in_per_out) * 10**d_in / 10**d_out
        return optimal_arb_input(r_in, r_out, self._fee_bps, price.numerator, price.denominator)
