"""The Curve StableSwap pool as the rest of ammsim sees it: `StableSwapPool`, the `Pool` interface over the template.

`SwapTemplateBase` (`template.py`) mirrors the contract; this class adds token symbols and
the simulation's interface. A quote is the computing half of `exchange` (its output, the
fee on it and the fee's admin share), applying it the writing half; the fee is taken from
the output, so `Swap.fee` is in `token_out` units. LP claims are the pool's LP tokens
against its `balances` (admin fees excluded). Also here: stableswap-ng's rebasing coin
(`rebase`), and the float views and arbitrage sizing of `views.py` and `arbitrage.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.errors import InvalidAmount
from sim.pools.base import Pool, Swap, SwapQuote, search_arb_amount_in
from sim.pools.curve import views
from sim.pools.curve.arbitrage import optimal_exchange_in
from sim.pools.curve.template import FEE_DENOMINATOR, MAX_FEE, SwapTemplateBase

__all__ = ["StableSwapPool"]


class StableSwapPool(SwapTemplateBase, Pool):
    """Curve plain StableSwap pool of 2 to 4 coins (SwapTemplateBase.vy)."""

    kind = "stableswap"

    def __repr__(self) -> str:
        return (
            f"StableSwapPool({self.name!r}, tokens={self.tokens}, decimals={self.decimals}, "
            f"A_precise={self.initial_A}->{self.future_A}, fee={self.fee}, "
            f"admin_fee={self.admin_fee}, balances={self.balances}, "
            f"admin_balances={self.admin_balances}, total_supply={self.total_supply})"
        )

    def rebase(self, i: int, num: int, den: int) -> int:
        """A rebasing coin's balance scaled by num/den (stableswap-ng `_balances()`): the pool's
        ERC20 balance (LP balances plus admin fees) rebases and the LPs take the whole change;
        stored admin fees do not move. Returns the change of the pool's holdings."""
        balances, admin = self.balances, self.admin_balances
        held = balances[i] + admin[i]
        change = held * num // den - held
        if change < 0 and balances[i] + change < 0:  # a penalty larger than the LPs' balance
            admin[i] += balances[i] + change
            balances[i] = 0
        else:
            balances[i] += change
        self.rebases += 1
        return change

    # ------------------------------------------------------- Pool interface

    def set_fee_bps(self, fee_bps: float) -> None:
        """Mirrors commit_new_fee/apply_new_fee (without the admin delay): fee in basis points."""
        fee = round(fee_bps * 1_000_000)
        if not 0 <= fee <= MAX_FEE:
            raise InvalidAmount(
                f"fee {fee_bps} bps is above Curve's maximum of {MAX_FEE / 1e6} bps"
            )
        self.fee = fee

    @property
    def fee_bps(self) -> float:
        """Swap fee in basis points (the contract's fee is in 1e10 precision)."""
        return self.fee / 1e6

    def quote_exact_in(self, token_in: str, token_out: str, amount_in: int) -> int:
        """Exact output of `amount_in` of `token_in` (= get_dy); never mutates state."""
        return self.get_dy(self.index(token_in), self.index(token_out), amount_in)

    def quote_swap(self, token_in: str, token_out: str, amount_in: int) -> SwapQuote:
        """`exchange` computed on the current state; `after` is what applying it writes:
        (i, j, the admin share of the fee)."""
        i, j = self.index(token_in), self.index(token_out)
        dy, fee, dy_admin_fee = self._quote_exchange(i, j, amount_in)
        swap = Swap(token_in, token_out, amount_in, dy, fee, token_out)
        return SwapQuote(self, swap, self._swap_state(), (i, j, dy_admin_fee))

    def _swap_state(self) -> tuple[Any, ...]:
        return tuple(self.balances), self._A(), self._stored_rates(), self.fee, self.admin_fee

    def _apply_quote(self, quote: SwapQuote, min_amount_out: int) -> Swap:
        swap: Swap = quote.swap
        i, j, dy_admin_fee = quote.after
        self._apply_exchange(i, j, swap.amount_in, swap.amount_out, dy_admin_fee, min_amount_out)
        return swap

    def swap_exact_in(
        self, token_in: str, token_out: str, amount_in: int, min_amount_out: int = 0
    ) -> Swap:
        """Execute `exchange`, its quote then its application (`quote_swap`, `apply_swap`);
        `Swap.fee` is the fee taken from the output, in `token_out` units."""
        i, j = self.index(token_in), self.index(token_out)
        dy, fee, dy_admin_fee = self._quote_exchange(i, j, amount_in)
        self._apply_exchange(i, j, amount_in, dy, dy_admin_fee, min_amount_out)
        return Swap(token_in, token_out, amount_in, dy, fee, token_out)

    def holdings(self) -> dict[str, int]:
        """Each coin's ERC20 balance of the pool: LP balances plus unwithdrawn admin fees."""
        return {
            t: b + a
            for t, b, a in zip(self.tokens, self.balances, self.admin_balances, strict=True)
        }

    def spot_price(self, base: str, quote: str) -> float:
        """Marginal price of one whole `base` in whole `quote` (fee excluded), from the exact D."""
        return views.spot_price(self, self.index(base), self.index(quote))

    def arb_amount_in(self, token_in: str, token_out: str, price_in_per_out: float) -> int:
        """Profit-maximising input: a float solve on the invariant, refined by exact get_dy
        quotes (`arbitrage.py`), or a search on exact quotes where the float optimum fails."""
        amount = optimal_exchange_in(
            self, self.index(token_in), self.index(token_out), price_in_per_out
        )
        if amount is None:
            return search_arb_amount_in(self, token_in, token_out, price_in_per_out)
        return amount

    # ------------------------------------------------------------ LP claims

    def lp_supply(self) -> int:
        """The pool's LP token supply (`totalSupply`)."""
        return self.total_supply

    def lp_shares(self, holder: str) -> int:
        """LP tokens of `holder` (`balanceOf`)."""
        return self.balance_of.get(holder, 0)

    def lp_reserves(self) -> tuple[int, ...]:
        """The LPs' `balances` (admin fees excluded): what `remove_liquidity` pays pro rata."""
        return tuple(self.balances)

    def lp_fee_share(self, token: str | None = None) -> float:
        """The part of the fee left to LPs: 1 - admin_fee (in the contract's 1e10 precision)."""
        return 1.0 - self.admin_fee / FEE_DENOMINATOR

    def deposit(self, holder: str, amounts: Mapping[str, int]) -> tuple[dict[str, int], int]:
        """`add_liquidity` of `amounts` (0 for a coin not named), no minimum: takes them all."""
        used = tuple(amounts.get(t, 0) for t in self.tokens)
        minted = self.add_liquidity(list(used), 0, holder)
        return dict(zip(self.tokens, used, strict=True)), minted

    def withdraw(self, holder: str, shares: int) -> dict[str, int]:
        """`remove_liquidity` of `shares` with no minimums: every coin pro rata."""
        amounts = self.remove_liquidity(shares, [0] * len(self.tokens), holder)
        return dict(zip(self.tokens, amounts, strict=True))
