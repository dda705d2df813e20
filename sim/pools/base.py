"""What the rest of ammsim sees of any pool: one small interface over the contract math.

Each pool module mirrors its contract with the contract's own method names
(`get_amount_out`, `exchange`, `swap`, ...). This base class adds the few token-symbol
methods that the chain, agents and reports need, so that they can treat a Uniswap V2
pair, a Curve pool and a Uniswap V3 pool alike.

Swaps, quote apart from apply:

* `quote_swap(token_in, token_out, amount_in)`  a frozen `SwapQuote`; never mutates
* `apply_swap(quote, min_amount_out)`  executes a quote made on the current state, returns a `Swap`
* `swap_exact_in(token_in, token_out, amount_in, min_amount_out)`  quote, then apply
* `quote_exact_in(token_in, token_out, amount_in)`  only the output of `quote_swap`, as an int
* `arb_amount_in(token_in, token_out, price_in_per_out)`  the profit-maximising input

LP claims, pool shares and V3 positions alike (`lp_supply`, `lp_shares`, `lp_reserves`,
`claim`, `lp_claim`, `lp_fee_share`, `deposit`, `withdraw`); `lp_claims` says which form a
pool's take (`LpClaims`): a pool whose LPs hold ranged positions has no shares (supply 0),
refuses share deposits, and keeps each position's fees itself.

State: `holdings()` (every token unit the pool holds, for the conservation ledger),
`fork()` (a detached copy to try trades on), `snapshot()` / `restore(snapshot)` (save and
roll back the pool's whole state, exactly: the chain's revert of a failed bundle).
Views: `spot_price(base, quote)`, `price_impact`, `depth`, in human units.

All amounts are integers in the token's smallest unit. The caller moves tokens
between wallets and the pool: a swap only updates the pool's own books and says
what it took and what it paid.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, NamedTuple, Self

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


@dataclass(frozen=True, slots=True)
class SwapQuote:
    """An exact-input swap priced on one state of one pool, for `Pool.apply_swap` to execute.

    `swap` is what it would move (the `Swap` applying it returns). `state` is the pool's
    state as the quote saw it (`apply_swap` refuses the quote once that has changed), and
    `after` the pool's own record of what the swap writes (new reserves, new balances, V3's
    `SwapResult`): applying writes it without computing anything again.
    """

    pool: Pool
    swap: Swap
    state: Any
    after: Any

    @property
    def amount_in(self) -> int:
        return self.swap.amount_in

    @property
    def amount_out(self) -> int:
        return self.swap.amount_out

    @property
    def fee(self) -> int:
        return self.swap.fee


class LpClaims(StrEnum):
    """The form of a pool's LP claims, and so where LPs' fees accrue."""

    SHARES = "shares"
    """Fungible LP tokens, each a pro-rata claim on `lp_reserves`, which the fees grow."""
    POSITIONS = "positions"
    """Ranged positions (Uniswap V3): no shares; each position accrues its own fees in the
    pool (fee growth inside its range), credited when it is touched."""


_FLAT_CONTAINERS = (list, dict, set)


class Pool(ABC):
    """Common token-symbol interface over a pool's contract-mirroring math."""

    name: str
    kind: str
    tokens: tuple[str, ...]
    decimals: tuple[int, ...]
    lp_claims: ClassVar[LpClaims] = LpClaims.SHARES

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

    # ---------------------------------------------------------------- swaps

    @abstractmethod
    def quote_exact_in(self, token_in: str, token_out: str, amount_in: int) -> int:
        """Exact output of swapping `amount_in` of `token_in`; never mutates state.

        The same integer as `quote_swap(...).amount_out`, without building the quote.
        """

    @abstractmethod
    def quote_swap(self, token_in: str, token_out: str, amount_in: int) -> SwapQuote:
        """Price an exact-input swap on the current state; never mutates state.

        Raises what the swap itself would raise while pricing (a bad token, an amount the
        contract refuses); the checks the contract makes when it writes (the minimum
        output, the reserve caps) wait for `apply_swap`.
        """

    @abstractmethod
    def _swap_state(self) -> Any:
        """Everything the outcome of a swap depends on, comparable with `==` (for stale quotes)."""

    @abstractmethod
    def _apply_quote(self, quote: SwapQuote, min_amount_out: int) -> Swap:
        """Write `quote` (known to be current): the contract's checks at execution, then state."""

    def apply_swap(self, quote: SwapQuote, min_amount_out: int = 0) -> Swap:
        """Execute `quote`; raises `SlippageExceeded` (changing nothing) below `min_amount_out`.

        Refuses with `PoolError` a quote of another pool, or one made on a state that has
        changed since (a swap, a deposit, a new fee, a moved A or rate...): quote again.
        """
        if quote.pool is not self:
            raise PoolError(
                f"a quote of pool {quote.pool.name!r} cannot be applied to pool {self.name!r}"
            )
        if quote.state != self._swap_state():
            raise PoolError(
                f"stale quote: pool {self.name!r} has changed since this swap of "
                f"{quote.swap.amount_in} {quote.swap.token_in} was quoted; quote it again"
            )
        return self._apply_quote(quote, min_amount_out)

    @abstractmethod
    def swap_exact_in(
        self, token_in: str, token_out: str, amount_in: int, min_amount_out: int = 0
    ) -> Swap:
        """Execute an exact-input swap; raises `SlippageExceeded` below `min_amount_out`.

        The same as `apply_swap(quote_swap(token_in, token_out, amount_in), min_amount_out)`:
        each pool runs its own quote step then its apply step, without building the frozen
        quote in between (this is the hot path of every block).
        """

    def arb_amount_in(self, token_in: str, token_out: str, price_in_per_out: float) -> int:
        """Input of `token_in` maximising `out * price_out - in * price_in` (0 when no trade pays).

        `price_in_per_out` is the reference price of one whole `token_out` in whole
        `token_in`. The default is a search on exact quotes; pools override it
        with a closed form or a better-seeded solve.
        """
        return search_arb_amount_in(self, token_in, token_out, price_in_per_out)

    def set_fee_bps(self, fee_bps: float) -> None:
        """Change the swap fee (a governance action). Pools whose fee is fixed refuse."""
        raise PoolError(f"{self.kind} pool {self.name!r} has a fixed fee tier; it cannot change")

    # ---------------------------------------------------------------- LP claims

    def lp_supply(self) -> int:
        """LP tokens outstanding; 0 for a pool whose LPs hold ranged positions, not shares."""
        return 0

    def lp_shares(self, holder: str) -> int:
        """LP tokens `holder` owns (0 for a pool of ranged positions)."""
        return 0

    def lp_reserves(self) -> tuple[int, ...]:
        """Each token's amount that the LP tokens together claim pro rata (fees to LPs included)."""
        return (0,) * len(self.tokens)

    def claim(self, shares: int) -> dict[str, int]:
        """Tokens `shares` LP tokens would withdraw pro rata (no fees or imbalance penalties)."""
        supply = self.lp_supply()
        if supply == 0 or shares == 0:
            return dict.fromkeys(self.tokens, 0)
        reserves = self.lp_reserves()
        return {t: r * shares // supply for t, r in zip(self.tokens, reserves, strict=True)}

    def lp_claim(self, holder: str) -> dict[str, int]:
        """Every token `holder`'s LP claims on this pool would withdraw now (shares or positions)."""
        return self.claim(self.lp_shares(holder))

    def lp_fee_share(self, token: str | None = None) -> float:
        """Fraction of a swap fee charged in `token` that accrues to LPs (after protocol cuts)."""
        return 1.0

    def deposit(self, holder: str, amounts: Mapping[str, int]) -> tuple[dict[str, int], int]:
        """Deposit up to `amounts` for `holder`: (the amounts the pool took, LP tokens minted).

        The pool's own books only: the caller moves the tokens (`sim.pools.liquidity`).
        """
        raise InvalidAmount(f"pool kind {self.kind!r} takes ranged positions, not deposits")

    def withdraw(self, holder: str, shares: int) -> dict[str, int]:
        """Burn `shares` LP tokens of `holder`; returns the tokens paid out, by symbol."""
        raise InvalidAmount(f"pool kind {self.kind!r} takes ranged positions, not shares")

    # ---------------------------------------------------------------- state

    @abstractmethod
    def holdings(self) -> dict[str, int]:
        """Every unit of every token the pool holds (reserves plus any fees not yet paid out)."""

    def fork(self) -> Self:
        """A detached copy of the pool, exact: trades on it leave this pool untouched.

        What a searcher sizes a trade on (a forked chain state). The generic version copies
        the instance's attributes and, one level deep, each list, dict and set among them:
        exact for a pool whose containers hold only immutable values (ints, strings,
        tuples), as the constant-product and StableSwap pools' do; a pool with mutable
        records in its containers (Uniswap V3's ticks and positions) overrides it.
        Attributes that are other objects (a rate oracle) are shared: the pool does not
        own them and its calls do not change them.
        """
        twin = object.__new__(type(self))
        state = vars(twin)
        for key, value in vars(self).items():
            state[key] = value.copy() if type(value) in _FLAT_CONTAINERS else value
        return twin

    def snapshot(self) -> Any:
        """An opaque copy of the pool's whole state, for `restore` (the chain's bundle revert).

        The generic version copies the instance's attributes and, one level deep, each
        list, dict and set among them (exact under the same condition as `fork`); Uniswap
        V3 overrides both methods.
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

    # ---------------------------------------------------------------- float views

    @abstractmethod
    def spot_price(self, base: str, quote: str) -> float:
        """Marginal price of one whole `base` token in whole `quote` tokens, fee excluded."""

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
