"""What the rest of ammsim sees of any pool: one small interface over the contract math.

Each pool module mirrors its contract with the contract's own method names
(`get_amount_out`, `exchange`, `get_dy`, ...). This base class adds the few
token-symbol methods that the chain, agents and reports need, so that they can
treat a Uniswap V2 pair, a Curve pool and a Uniswap V3 pool alike:

* `quote_exact_in(token_in, token_out, amount_in)`  exact output, never mutates
* `swap_exact_in(token_in, token_out, amount_in, min_amount_out)`  executes, returns a `Swap`
* `holdings()`  every token unit the pool holds (for the conservation ledger)
* `spot_price(base, quote)`  a float view: marginal price of `base` in `quote`, human units
* `arb_amount_in(token_in, token_out, price_in_per_out)`  the profit-maximising input
* `snapshot()` / `restore(snapshot)`  save and roll back the pool's whole state, exactly

All amounts are integers in the token's smallest unit. The caller moves tokens
between wallets and the pool: `swap_exact_in` only updates the pool's own books and says
what it took and what it paid.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, NamedTuple

from sim.errors import InvalidAmount, PoolError


class Swap(NamedTuple):
    """What a swap moved: the pool took `amount_in` of `token_in` and paid `amount_out` of `token_out`.

    `fee` is the part of `amount_in` (for fee-on-input pools) or of the output
    (for fee-on-output pools, in `fee_token`) kept as LP/protocol fee.
    """

    token_in: str
    token_out: str
    amount_in: int
    amount_out: int
    fee: int
    fee_token: str


_FLAT_CONTAINERS = (list, dict, set)


class Pool(ABC):
    """Common token-symbol interface over a pool's contract-mirroring math."""

    name: str
    kind: str
    tokens: tuple[str, ...]
    decimals: tuple[int, ...]

    def index(self, token: str) -> int:
        """Coin index of `token` in this pool; raises `InvalidAmount` for a token the pool lacks."""
        try:
            return self.tokens.index(token)
        except ValueError:
            raise InvalidAmount(
                f"pool {self.name!r} trades {', '.join(self.tokens)}, not {token!r}"
            ) from None

    @property
    @abstractmethod
    def fee_bps(self) -> float:
        """Swap fee in basis points."""

    @abstractmethod
    def quote_exact_in(self, token_in: str, token_out: str, amount_in: int) -> int:
        """Exact output of swapping `amount_in` of `token_in`; never mutates state."""

    @abstractmethod
    def swap_exact_in(
        self, token_in: str, token_out: str, amount_in: int, min_amount_out: int = 0
    ) -> Swap:
        """Execute an exact-input swap; raises `SlippageExceeded` below `min_amount_out`."""

    @abstractmethod
    def holdings(self) -> dict[str, int]:
        """Every unit of every token the pool holds (reserves plus any fees not yet paid out)."""

    @abstractmethod
    def spot_price(self, base: str, quote: str) -> float:
        """Marginal price of one whole `base` token in whole `quote` tokens, fee excluded."""

    def arb_amount_in(self, token_in: str, token_out: str, price_in_per_out: float) -> int:
        """Input of `token_in` maximising `out * price_out - in * price_in` (0 when no trade pays).

        `price_in_per_out` is the reference price of one whole `token_out` in whole
        `token_in`. The default is a search on exact quotes; pools override it
        with a closed form or a better-seeded solve.
        """
        return search_arb_amount_in(self, token_in, token_out, price_in_per_out)

    def snapshot(self) -> Any:
        """An opaque copy of the pool's whole state, for `restore` (a searcher's fork, a bundle).

        The generic version copies the instance's attributes and, one level deep, each
        list, dict and set among them. That is exact for a pool whose containers hold
        only immutable values (ints, strings, tuples), as the constant-product and
        StableSwap pools' do; a pool that keeps mutable objects inside its containers
        (Uniswap V3's tick and position records) overrides both methods. Attributes
        that are other objects (a shared oracle, say) are kept by reference: the pool
        does not own them and its calls do not change them.
        """
        state = vars(self).copy()
        flat = [(v, v.copy()) for v in state.values() if type(v) in _FLAT_CONTAINERS]
        return state, flat

    def restore(self, snapshot: Any) -> None:
        """Put the pool back exactly as it was when `snapshot` was taken (reusable).

        Containers are refilled in place, so references to them held elsewhere stay valid.
        """
        state, flat = snapshot
        attrs = vars(self)
        if attrs.keys() != state.keys():
            attrs.clear()
        attrs.update(state)
        for live, saved in flat:
            if live != saved:
                if type(live) is list:
                    live[:] = saved
                else:
                    live.clear()
                    live.update(saved)

    def set_fee_bps(self, fee_bps: float) -> None:
        """Change the swap fee (a governance action). Pools whose fee is fixed refuse."""
        raise PoolError(f"{self.kind} pool {self.name!r} has a fixed fee tier; it cannot change")

    def price_impact(self, token_in: str, token_out: str, amount_in: int) -> float:
        """Fractional shortfall of the execution price against the spot price (fee included)."""
        out = self.quote_exact_in(token_in, token_out, amount_in)
        d_in = 10 ** self.decimals[self.index(token_in)]
        d_out = 10 ** self.decimals[self.index(token_out)]
        spot = self.spot_price(token_in, token_out)  # whole token_out per whole token_in
        return 1.0 - (out / d_out) / (amount_in / d_in) / spot

    def depth(self, token_in: str, token_out: str, pct: float) -> int:
        """Largest input of `token_in` whose price impact stays within `pct` percent."""
        lo, hi = 0, max(1, self.holdings()[token_in])
        while hi - lo > max(1, hi // 10**6):
            mid = (lo + hi) // 2
            try:
                ok = mid == 0 or self.price_impact(token_in, token_out, mid) <= pct / 100
            except PoolError:
                ok = False
            lo, hi = (mid, hi) if ok else (lo, mid)
        return lo


def search_arb_amount_in(pool: Pool, token_in: str, token_out: str, price_in_per_out: float) -> int:
    """Profit-maximising input by golden-section search on exact quotes (profit is concave in size)."""
    d_in = 10 ** pool.decimals[pool.index(token_in)]
    d_out = 10 ** pool.decimals[pool.index(token_out)]
    # value of one unit of token_out measured in units of token_in
    unit_value = price_in_per_out * d_in / d_out

    def profit(amount: int) -> float:
        if amount <= 0:
            return 0.0
        try:
            return pool.quote_exact_in(token_in, token_out, amount) * unit_value - amount
        except PoolError:
            return float("-inf")

    # probe: is a tiny trade profitable at all? (marginal price check on exact math)
    reserve_in = pool.holdings().get(token_in, 0)
    probe = max(1, reserve_in // 10**9)
    if profit(probe) <= 0:
        return 0
    lo, hi = 0, max(probe, reserve_in * 4)
    while profit(hi) > profit(hi // 2) and hi < reserve_in * 10**6:
        hi *= 4
    invphi = (5**0.5 - 1) / 2
    a, b = lo, hi
    c = b - int((b - a) * invphi)
    d = a + int((b - a) * invphi)
    fc, fd = profit(c), profit(d)
    while b - a > 2:
        if fc < fd:
            a, c, fc = c, d, fd
            d = a + int((b - a) * invphi)
            if d <= c:
                d = c + 1
            fd = profit(d)
        else:
            b, d, fd = d, c, fc
            c = b - int((b - a) * invphi)
            if c >= d:
                c = d - 1
            fc = profit(c)
    best = max(range(a, b + 1), key=profit)
    return best if profit(best) > 0 else 0
