"""Curve's plain StableSwap pool (2 to 4 coins), integer for integer.

Mirrors curve-contract ``contracts/pool-templates/base/SwapTemplateBase.vy``
(the template with ``A_PRECISION = 100``). Every contract function keeps its
name in snake_case and its argument order; each one's integer arithmetic is the
contract's, in the same order, with Vyper's floor division on unsigned values.
A revert becomes one of the typed errors of `sim.errors`, carrying the
contract's reason:

* ``SlippageExceeded``: "Exchange resulted in fewer coins than expected",
  "Slippage screwed you", "Withdrawal resulted in fewer coins than expected",
  "Not enough coins removed".
* ``InvalidAmount``: a bad coin index, a zero or negative amount, an amount the
  pool's rounding turns into an unsigned underflow, burning more LP than held.
* ``InsufficientLiquidity``: `remove_liquidity_imbalance` asking for more than
  the pool holds.
* ``PoolError``: everything else (empty pool, ramp rules, uint256 overflow,
  a Newton loop that does not converge, which the contract's ``raise`` also does:
  e.g. get_D cycles at A = 1 with coins 1:10^4 apart).

Every state-changing method is atomic: it computes everything first and
mutates only once nothing can revert any more, like a reverted transaction.

Units. ``balances`` are in each coin's native units and exclude admin fees;
``admin_balances`` hold the admin fees not yet withdrawn, so
``balances[k] + admin_balances[k]`` is the contract's ERC20 balance of coin k
(`holdings`). ``xp`` values are balances scaled to 18 decimals by ``RATES``.

Rate oracles. A coin may carry a rate oracle (stableswap-ng's asset type 1, e.g.
wstETH/ETH or rETH/ETH pools): `set_rate_oracle` connects a callable returning the
coin's redemption rate as an integer scaled by 1e18, and every call reads
``RATES = _stored_rates()``, the coin's rate multiplier times the oracle rate // 1e18,
once, at the moment it runs (stableswap-ng ``_stored_rates``); all the invariant math
then runs on ``xp = balances * RATES // 1e18`` (``_xp_mem(rates, balances)``) and
outputs are converted back with ``* 1e18 // RATES[j]``, as in the ng contract. Without
oracles ``RATES`` are the template's constants and every result is unchanged. The
fee stays the template's constant fee (ng's dynamic off-peg fee is not mirrored).
``block_timestamp`` is the chain's clock: the simulation sets it every block and
the A ramp reads it wherever the contract reads ``block.timestamp``.

Speed. The contract recomputes the invariant D from unchanged balances in
almost every call (``get_dy`` then ``exchange``, a quote loop of an arbitrageur,
``D0`` of a deposit). The pool keeps the last D of the current state keyed on
``(xp, amp)`` and the coin rates it was computed under; any change of balances, A or
a rate changes the key, so a stale D can never be used. The Newton loops themselves are the contract's, so every
integer result is the contract's. For two coins (every swap and quote of the common pool), the
``_get_D`` and ``_get_y`` loops run in ``_stableswap_native.c`` when it is built: the same
uint256 steps on 64-bit limbs (for y, `newton_y_result`'s closed form where its proof vouches,
else the loop), two to four times faster than on Python integers. It answers only
where every intermediate fits in uint256 and the loop converges; otherwise, and wherever it is
not built or ``AMMSIM_PURE_PYTHON`` is set, the Python below runs (the reference the kernel is
tested against).

Not mirrored. The owner checks (the simulation decides who may ramp A or take
admin fees), `is_killed`, the fee and ownership commit/apply functions and
events. A zero `dx` in `get_dy`/`exchange` raises `InvalidAmount` (the contract
pays 0 or reverts). uint256 overflow is checked at the largest intermediates
(the D and y iterations, the input scaling, the LP supply), not at every
operation, so near the 2**256 limit a call could pass here that the contract
reverts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence

from sim.errors import InsufficientLiquidity, InvalidAmount, PoolError, SlippageExceeded
from sim.pools.base import Pool, Swap, search_arb_amount_in
from sim.solve import solve_decreasing

FEE_DENOMINATOR = 10**10
PRECISION = 10**18
A_PRECISION = 100
MAX_ADMIN_FEE = 10 * 10**9
MAX_FEE = 5 * 10**9
MAX_A = 10**6
MAX_A_CHANGE = 10
MIN_RAMP_TIME = 86400
MAX_UINT256 = 2**256 - 1
MAX_COINS = 4
MAX_ITERATIONS = 255

try:  # uint256 kernels of the 2-coin hot path, built by setup.py; the Python below is the reference
    from sim.pools.curve._stableswap_native import get_D_2 as _native_D_2
    from sim.pools.curve._stableswap_native import get_y_2 as _native_y_2
except ImportError:  # no C compiler at install time: the same integers, in Python
    _native_D_2 = _native_y_2 = None
if os.environ.get("AMMSIM_PURE_PYTHON"):
    _native_D_2 = _native_y_2 = None


def _overflow(what: str) -> PoolError:
    return PoolError(
        f"uint256 overflow in {what}: the amounts are too large for the contract's 256-bit math"
    )


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


def _decimals_items(decimals: tuple[int, ...]) -> list[tuple[str, object]]:
    """(label, value) pairs naming each coin's decimals for the constructor's type check."""
    return [(f"decimals[{k}]", d) for k, d in enumerate(decimals)]


def _require_int(pool_name: str, what: str, value: object) -> None:
    if type(value) is not int:
        raise InvalidAmount(
            f"pool {pool_name!r}: {what} must be a Python int in the coin's smallest unit, "
            f"got {value!r} ({type(value).__name__})"
        )


def newton_y_result(B: int, c: int, D: int) -> int | None:
    """The result of the contract's y loop (`y = (y*y + c) // (2*y + B)` from `y = D` until
    two iterates differ by at most 1), computed in closed form; None where unproven.

    With f(y) = y^2 + B*y - c and its larger root y*, each iterate is floor(N(y)) for
    Newton's N(y) = y - f(y)/f'(y), and N(y) - y* = (y - y*)^2 / (2y + B) >= 0. So from
    D > r + 1 the iterates stay in [r, D] with r = floor(y*) (no overflow once D*D + c
    fits, no zero denominator once 2r + B > 0), the error above y* at least halves each
    round (so D < 2**128 converges well within 255 rounds), and the loop can only stop
    (a step of at most 1, while every step is at least half the error) at an iterate in
    (y* - 1, y* + 2], returning floor(N(y)) <= floor(y* + 4 / (2r + B)). That is r unless
    y* lies within 4 / (2r + B) below r + 1, which the last check rules out exactly, using
    r + 1 - y* = f(r + 1) / (r + 1 + y* + B) > f(r + 1) / (2r + 2 + B).
    Checked against the loop itself by property tests (tests/test_stableswap.py).
    """
    if c < 0 or D * D + c > MAX_UINT256:
        return None
    s = math.isqrt(B * B + 4 * c)
    r = (s - B) // 2  # floor(y*) or one less
    r1 = r + 1
    f1 = r1 * r1 + B * r1 - c
    if f1 <= 0:
        r, r1 = r1, r1 + 1
        f1 = r1 * r1 + B * r1 - c
    slope = 2 * r + B
    if r1 >= D or slope <= 0 or f1 * slope <= 4 * (slope + 2):
        return None
    return r


def _get_D_2(x0: int, x1: int, amp: int) -> int | None:
    """SwapTemplateBase.vy _get_D for two coins, unrolled (the hot path of every swap);
    None where the contract's loop would revert (a zero balance, overflow, no convergence)."""
    if x0 <= 0 or x1 <= 0:
        return None
    S = x0 + x1
    D = S
    Ann = amp * 2
    a_term = Ann * S // A_PRECISION
    b_coef = Ann - A_PRECISION
    nx0 = x0 * 2
    nx1 = x1 * 2
    for _ in range(MAX_ITERATIONS):
        D_P = D * D // nx0 * D
        if D_P > MAX_UINT256:
            return None
        D_P //= nx1
        Dprev = D
        num = (a_term + D_P * 2) * D
        if num > MAX_UINT256:
            return None
        D = num // (b_coef * D // A_PRECISION + 3 * D_P)
        if Dprev < D:
            if D - Dprev <= 1:
                return D
        elif Dprev - D <= 1:
            return D
    return None


class StableSwapPool(Pool):
    """Curve plain StableSwap pool of 2 to 4 coins (SwapTemplateBase.vy)."""

    kind = "stableswap"

    def __init__(
        self,
        name: str,
        tokens: tuple[str, ...],
        decimals: tuple[int, ...],
        A: int,
        fee: int,
        admin_fee: int = 5_000_000_000,
    ) -> None:
        """Mirrors SwapTemplateBase.vy __init__ (A is `_A`, stored times A_PRECISION).

        `fee` and `admin_fee` use the contract's 1e10 precision: 4 bps is 4_000_000,
        half of the fee to the admin is 5_000_000_000.
        """
        tokens = tuple(tokens)
        decimals = tuple(decimals)
        n = len(tokens)
        if not 2 <= n <= MAX_COINS:
            raise PoolError(f"pool {name!r}: a plain StableSwap pool has 2 to 4 coins, not {n}")
        if len(set(tokens)) != n:
            raise PoolError(f"pool {name!r}: the coins must be distinct, got {tokens}")
        if len(decimals) != n:
            raise PoolError(
                f"pool {name!r}: {n} coins need {n} decimals, got {len(decimals)} ({decimals})"
            )
        for label, value in (
            ("A", A),
            ("fee", fee),
            ("admin_fee", admin_fee),
            *_decimals_items(decimals),
        ):
            if type(value) is not int:
                raise PoolError(
                    f"pool {name!r}: {label} must be a Python int (no floats in the pool math), "
                    f"got {value!r}"
                )
        for d in decimals:
            if not 0 <= d <= 18:
                raise PoolError(f"pool {name!r}: coin decimals must be 0 to 18, got {d}")
        if not 0 < A < MAX_A:
            raise PoolError(f"pool {name!r}: A must be between 1 and {MAX_A - 1}, got {A}")
        if not 0 <= fee <= MAX_FEE:
            raise PoolError(
                f"pool {name!r}: fee must be 0 to {MAX_FEE} (50% in 1e10 precision), got {fee}"
            )
        if not 0 <= admin_fee <= MAX_ADMIN_FEE:
            raise PoolError(
                f"pool {name!r}: admin_fee must be 0 to {MAX_ADMIN_FEE} (100%), got {admin_fee}"
            )
        self.name = name
        self.tokens = tokens
        self.decimals = decimals
        self.n = n
        # The template's constants, filled in from the coins' decimals.
        self.PRECISION_MUL: tuple[int, ...] = tuple(10 ** (18 - d) for d in decimals)
        self.rate_multipliers: tuple[int, ...] = tuple(10 ** (36 - d) for d in decimals)
        self.rate_oracles: list[RateOracle | None] = [None] * n
        self.fee = fee
        self.admin_fee = admin_fee
        self.balances: list[int] = [0] * n
        self.admin_balances: list[int] = [0] * n
        self.total_supply = 0
        self.balance_of: dict[str, int] = {}
        self.initial_A = A * A_PRECISION
        self.future_A = A * A_PRECISION
        self.initial_A_time = 0
        self.future_A_time = 0
        self.block_timestamp = 0
        # D of the last state seen by a current-state caller: ((*xp, amp), rates, D)
        self._d_key: tuple[int, ...] = ()
        self._d_rates: tuple[int, ...] = ()
        self._d_value = 0
        self.rebases = 0  # balance rebases of a rebasing coin so far (not trades: see `rebase`)

    def __repr__(self) -> str:
        return (
            f"StableSwapPool({self.name!r}, tokens={self.tokens}, decimals={self.decimals}, "
            f"A_precise={self.initial_A}->{self.future_A}, fee={self.fee}, "
            f"admin_fee={self.admin_fee}, balances={self.balances}, "
            f"admin_balances={self.admin_balances}, total_supply={self.total_supply})"
        )

    # ------------------------------------------------------------------ A ramp

    def _A(self) -> int:
        """Mirrors SwapTemplateBase.vy _A: A * A_PRECISION, linearly ramped in block time."""
        t1 = self.future_A_time
        A1 = self.future_A
        now = self.block_timestamp
        if now < t1:
            A0 = self.initial_A
            t0 = self.initial_A_time
            if now < t0:
                raise PoolError(
                    f"pool {self.name!r}: block_timestamp {now} is before the ramp start {t0}"
                )
            if A1 > A0:
                return A0 + (A1 - A0) * (now - t0) // (t1 - t0)
            return A0 - (A0 - A1) * (now - t0) // (t1 - t0)
        return A1

    def A(self) -> int:
        """Mirrors SwapTemplateBase.vy A: the amplification without A_PRECISION."""
        return self._A() // A_PRECISION

    def A_precise(self) -> int:
        """Mirrors SwapTemplateBase.vy A_precise: the amplification times A_PRECISION."""
        return self._A()

    def ramp_A(self, future_A: int, future_time: int) -> None:
        """Mirrors SwapTemplateBase.vy ramp_A: ramp A linearly to `future_A` at `future_time`."""
        _require_int(self.name, "future_A", future_A)
        _require_int(self.name, "future_time", future_time)
        now = self.block_timestamp
        if now < self.initial_A_time + MIN_RAMP_TIME:
            raise PoolError(
                f"pool {self.name!r}: ramp_A needs {MIN_RAMP_TIME} s since the last ramp started "
                f"(at {self.initial_A_time}); it is now {now}"
            )
        if future_time < now + MIN_RAMP_TIME:
            raise PoolError(
                f"pool {self.name!r}: ramp_A insufficient time: the ramp must last at least "
                f"{MIN_RAMP_TIME} s (ends {future_time}, now {now})"
            )
        initial_A = self._A()
        future_A_p = future_A * A_PRECISION
        if not 0 < future_A < MAX_A:
            raise PoolError(
                f"pool {self.name!r}: ramp_A target must be between 1 and {MAX_A - 1}, "
                f"got {future_A}"
            )
        if future_A_p < initial_A:
            ok = future_A_p * MAX_A_CHANGE >= initial_A
        else:
            ok = future_A_p <= initial_A * MAX_A_CHANGE
        if not ok:
            raise PoolError(
                f"pool {self.name!r}: ramp_A may change A by at most a factor {MAX_A_CHANGE}: "
                f"from {initial_A / A_PRECISION:g} to {future_A} is too far"
            )
        self.initial_A = initial_A
        self.future_A = future_A_p
        self.initial_A_time = now
        self.future_A_time = future_time

    def stop_ramp_A(self) -> None:
        """Mirrors SwapTemplateBase.vy stop_ramp_A: freeze A at its current value."""
        current_A = self._A()
        self.initial_A = current_A
        self.future_A = current_A
        self.initial_A_time = self.block_timestamp
        self.future_A_time = self.block_timestamp

    # ------------------------------------------------------------------- rates

    def set_rate_oracle(self, i: int, oracle: RateOracle | None) -> None:
        """Give coin `i` a rate oracle (stableswap-ng asset type 1), or remove it with None."""
        if not 0 <= i < self.n:
            raise InvalidAmount(f"pool {self.name!r}: coin index {i} out of range 0..{self.n - 1}")
        self.rate_oracles[i] = oracle

    def _stored_rates(self) -> tuple[int, ...]:
        """Mirrors stableswap-ng _stored_rates: rate multiplier * oracle rate // 1e18 per coin."""
        rates = self.rate_multipliers
        if not any(self.rate_oracles):
            return rates
        out = list(rates)
        for k, oracle in enumerate(self.rate_oracles):
            if oracle is not None:
                out[k] = out[k] * oracle.read() // PRECISION
        return tuple(out)

    def stored_rates(self) -> tuple[int, ...]:
        """Mirrors stableswap-ng stored_rates: each coin's rate, read now."""
        return self._stored_rates()

    @property
    def RATES(self) -> tuple[int, ...]:
        """The rates every call scales balances by (the template's constants without oracles)."""
        return self._stored_rates()

    # --------------------------------------------------------------- invariant

    def _xp(self, rates: Sequence[int] | None = None) -> list[int]:
        """Mirrors SwapTemplateBase.vy _xp: balances scaled to 18 decimals by RATES."""
        if rates is None:
            rates = self._stored_rates()
        return [b * r // PRECISION for b, r in zip(self.balances, rates, strict=True)]

    def _xp_mem(self, balances: Sequence[int], rates: Sequence[int] | None = None) -> list[int]:
        """Mirrors _xp_mem (stableswap-ng: `_xp_mem(_rates, _balances)`): `balances` * rates."""
        if rates is None:
            rates = self._stored_rates()
        return [b * r // PRECISION for b, r in zip(balances, rates, strict=True)]

    def get_D(self, xp: Sequence[int], amp: int) -> int:
        """Mirrors SwapTemplateBase.vy _get_D: the invariant D by Newton's method, in integers."""
        N = self.n
        if N == 2:
            D = _native_D_2(xp[0], xp[1], amp) if _native_D_2 else None
            if D is None:
                D = _get_D_2(xp[0], xp[1], amp)
            if D is not None:
                return D  # else the general loop below raises the contract's error
        S = 0
        for x in xp:
            S += x
        if S == 0:
            return 0
        nx = []
        for x in xp:
            if x <= 0:
                raise PoolError(
                    f"pool {self.name!r}: get_D divides by a zero balance "
                    "(an emptied coin: only remove_liquidity works)"
                )
            nx.append(x * N)
        D = S
        Ann = amp * N
        a_term = Ann * S // A_PRECISION
        b_coef = Ann - A_PRECISION
        n1 = N + 1
        two = N == 2
        if two:
            nx0, nx1 = nx
        for _ in range(MAX_ITERATIONS):
            if two:
                D_P = D * D // nx0 * D
                if D_P > MAX_UINT256:
                    raise _overflow("get_D")
                D_P //= nx1
            else:
                D_P = D
                for x in nx:
                    D_P *= D
                    if D_P > MAX_UINT256:
                        raise _overflow("get_D")
                    D_P //= x
            Dprev = D
            num = (a_term + D_P * N) * D
            if num > MAX_UINT256:
                raise _overflow("get_D")
            D = num // (b_coef * D // A_PRECISION + n1 * D_P)
            if Dprev < D:
                if D - Dprev <= 1:
                    return D
            elif Dprev - D <= 1:
                return D
        raise PoolError(f"pool {self.name!r}: get_D did not converge in {MAX_ITERATIONS} rounds")

    def _get_D_cached(self, xp: Sequence[int], amp: int, rates: Sequence[int] | None = None) -> int:
        """Mirrors SwapTemplateBase.vy _get_D, reusing the last result for unchanged
        (xp, amp) under unchanged coin rates (`rates`: those `xp` was scaled by)."""
        key = (*xp, amp)
        rates = tuple(rates) if rates is not None else self._stored_rates()
        if key == self._d_key and rates == self._d_rates:
            return self._d_value
        D = self.get_D(xp, amp)
        self._d_key = key
        self._d_rates = rates
        self._d_value = D
        return D

    def get_D_mem(
        self, balances: Sequence[int], amp: int, rates: Sequence[int] | None = None
    ) -> int:
        """Mirrors SwapTemplateBase.vy _get_D_mem: D of native-unit `balances`."""
        return self.get_D(self._xp_mem(balances, rates), amp)

    def get_virtual_price(self) -> int:
        """Mirrors SwapTemplateBase.vy get_virtual_price: D per LP token, scaled by 1e18."""
        rates = self._stored_rates()
        D = self._get_D_cached(self._xp(rates), self._A(), rates)
        if self.total_supply == 0:
            raise PoolError(f"pool {self.name!r} is empty: no virtual price without LP tokens")
        return D * PRECISION // self.total_supply

    def get_y(self, i: int, j: int, x: int, xp: Sequence[int]) -> int:
        """Mirrors SwapTemplateBase.vy _get_y: the new xp[j] when xp[i] becomes `x` at fixed D."""
        N = self.n
        if i == j:
            raise InvalidAmount(f"pool {self.name!r}: cannot exchange coin {i} for itself")
        if not (0 <= j < N and 0 <= i < N):
            raise InvalidAmount(f"pool {self.name!r}: coin index out of range 0..{N - 1}")
        amp = self._A()
        return self._y(i, j, x, xp, amp, self._get_D_cached(xp, amp))

    def _y(self, i: int, j: int, x: int, xp: Sequence[int], amp: int, D: int) -> int:
        """The body of SwapTemplateBase.vy _get_y for checked indices and a known D."""
        N = self.n
        Ann = amp * N
        c = D
        S = 0
        for k in range(N):
            if k == i:
                _x = x
            elif k != j:
                _x = xp[k]
            else:
                continue
            if _x <= 0:
                raise InvalidAmount(f"pool {self.name!r}: get_y divides by a zero balance")
            S += _x
            c *= D
            if c > MAX_UINT256:
                raise _overflow("get_y")
            c //= _x * N
        c = c * D * A_PRECISION
        if c > MAX_UINT256:
            raise _overflow("get_y")
        c //= Ann * N
        return self._solve_y(S + D * A_PRECISION // Ann, c, D, "get_y")

    def _solve_y(self, b: int, c: int, D: int, what: str) -> int:
        """Mirrors the Newton loop shared by SwapTemplateBase.vy _get_y and _get_y_D.

        `newton_y_result` gives the loop's result without running it whenever that is
        provably the same integer; otherwise the loop runs as the contract does.
        """
        y = newton_y_result(b - D, c, D)
        return self._newton_y(b, c, D, what) if y is None else y

    def _newton_y(self, b: int, c: int, D: int, what: str) -> int:
        """The contract's y loop itself, where `newton_y_result` cannot vouch for its result."""
        y = D
        for _ in range(MAX_ITERATIONS):
            y_prev = y
            num = y * y + c
            den = 2 * y + b - D
            if den <= 0:
                raise PoolError(f"pool {self.name!r}: {what} hit an unsigned underflow or 0/0")
            if num > MAX_UINT256:
                raise _overflow(what)
            y = num // den
            if y_prev < y:
                if y - y_prev <= 1:
                    return y
            elif y_prev - y <= 1:
                return y
        raise PoolError(f"pool {self.name!r}: {what} did not converge in {MAX_ITERATIONS} rounds")

    def get_y_D(self, A: int, i: int, xp: Sequence[int], D: int) -> int:
        """Mirrors SwapTemplateBase.vy _get_y_D: xp[i] that makes the invariant equal `D`."""
        N = self.n
        if not 0 <= i < N:
            raise InvalidAmount(f"pool {self.name!r}: coin index {i} out of range 0..{N - 1}")
        Ann = A * N
        c = D
        S = 0
        for k in range(N):
            if k == i:
                continue
            _x = xp[k]
            if _x <= 0:
                raise PoolError(f"pool {self.name!r}: get_y_D divides by a zero balance")
            S += _x
            c *= D
            if c > MAX_UINT256:
                raise _overflow("get_y_D")
            c //= _x * N
        c = c * D * A_PRECISION
        if c > MAX_UINT256:
            raise _overflow("get_y_D")
        c //= Ann * N
        b = S + D * A_PRECISION // Ann
        return self._solve_y(b, c, D, "get_y_D")

    # ---------------------------------------------------------------- exchange

    def _check_pair(self, i: int, j: int) -> None:
        n = self.n
        if not (0 <= i < n and 0 <= j < n):
            raise InvalidAmount(
                f"pool {self.name!r}: coin indices must be 0..{n - 1}, got i={i}, j={j}"
            )
        if i == j:
            raise InvalidAmount(f"pool {self.name!r}: cannot exchange coin {i} for itself")

    def _dy_before_fee(self, i: int, j: int, dx: int) -> tuple[int, tuple[int, ...]]:
        """The head shared by get_dy and exchange: (`xp[j] - y - 1`, checked, in 18-decimal
        units; the rates it was computed with)."""
        n = self.n
        if not (0 <= i < n and 0 <= j < n) or i == j:
            self._check_pair(i, j)
        if type(dx) is not int:
            _require_int(self.name, "the exchange amount", dx)
        if dx <= 0:
            raise InvalidAmount(f"pool {self.name!r}: exchange amount must be positive, got {dx}")
        rates = self._stored_rates() if any(self.rate_oracles) else self.rate_multipliers
        if n == 2:
            return self._dy_before_fee_2(i, dx, rates), rates
        xp = [b * r // PRECISION for b, r in zip(self.balances, rates, strict=True)]
        x = dx * rates[i]
        if x > MAX_UINT256:
            raise _overflow("the input amount")
        x = xp[i] + x // PRECISION
        if x > MAX_UINT256:
            raise _overflow("exchange")
        amp = self._A()
        y = self._y(i, j, x, xp, amp, self._get_D_cached(xp, amp, rates))
        dy = xp[j] - y - 1  # -1 just in case there were some rounding errors
        if dy < 0:
            raise InvalidAmount(
                f"pool {self.name!r}: {dx} units of coin {i} is too small to buy any of coin {j}"
            )
        return dy, rates

    def _dy_before_fee_2(self, i: int, dx: int, rates: tuple[int, ...]) -> int:
        """`_dy_before_fee` of a 2-coin pool: the same contract steps (_xp, _get_D, _get_y)
        unrolled for coins i and 1 - i, since every swap and quote goes through here."""
        b0, b1 = self.balances
        x = dx * rates[i]  # the contract's uint256 check on dx * rates[i]
        if x > MAX_UINT256:
            raise _overflow("the input amount")
        if rates is self.rate_multipliers:
            # No rate oracle: each rate is PRECISION_MUL * PRECISION, so `b * rate // PRECISION`
            # is exactly `b * PRECISION_MUL` (the same integers, without the long divisions).
            m0, m1 = self.PRECISION_MUL
            xp0, xp1 = b0 * m0, b1 * m1
            x = dx * (m0 if i == 0 else m1)
        else:
            r0, r1 = rates
            xp0, xp1 = b0 * r0 // PRECISION, b1 * r1 // PRECISION
            x //= PRECISION
        # _A(): outside a ramp it is future_A, read directly on this hot path
        amp = self.future_A if self.block_timestamp >= self.future_A_time else self._A()
        D = self._get_D_cached((xp0, xp1), amp, rates)
        x += xp0 if i == 0 else xp1
        if x > MAX_UINT256:
            raise _overflow("exchange")
        # _get_y with the one other coin at `x`: c = D * D / (x * N) * D * A_PRECISION / (Ann * N)
        if x <= 0:
            raise InvalidAmount(f"pool {self.name!r}: get_y divides by a zero balance")
        y = _native_y_2(x, D, amp) if _native_y_2 else None
        if y is None:
            y = self._get_y_2(x, D, amp)
        dy = (xp1 if i == 0 else xp0) - y - 1  # -1 just in case there were some rounding errors
        if dy < 0:
            raise InvalidAmount(
                f"pool {self.name!r}: {dx} units of coin {i} is too small to buy any of coin {1 - i}"
            )
        return dy

    def _get_y_2(self, x: int, D: int, amp: int) -> int:
        """_get_y of a 2-coin pool with the other coin at `x` > 0, in Python: the reference
        of the native kernel, and what raises the contract's errors where that declines."""
        Ann = amp * 2
        c = D * D
        if c > MAX_UINT256:
            raise _overflow("get_y")
        c = c // (x * 2) * D * A_PRECISION
        if c > MAX_UINT256:
            raise _overflow("get_y")
        c //= Ann * 2
        return self._solve_y(x + D * A_PRECISION // Ann, c, D, "get_y")

    def get_dy(self, i: int, j: int, dx: int) -> int:
        """Mirrors SwapTemplateBase.vy get_dy: output of coin j for `dx` of coin i, after fee.

        A zero or negative `dx` raises `InvalidAmount` (the contract either reverts
        or pays nothing for it).
        """
        dy, rates = self._dy_before_fee(i, j, dx)
        fee = self.fee * dy // FEE_DENOMINATOR
        return (dy - fee) * PRECISION // rates[j]

    def _exchange(self, i: int, j: int, dx: int, min_dy: int) -> tuple[int, int]:
        """Mirrors SwapTemplateBase.vy exchange; returns (dy, fee on the output in native units)."""
        dy, rates = self._dy_before_fee(i, j, dx)
        dy_fee = dy * self.fee // FEE_DENOMINATOR
        rate_j = rates[j]
        dy = (dy - dy_fee) * PRECISION // rate_j
        if dy < min_dy:
            raise SlippageExceeded(
                f"pool {self.name!r}: Exchange resulted in fewer coins than expected "
                f"({dy} < minimum {min_dy})"
            )
        dy_admin_fee = dy_fee * self.admin_fee // FEE_DENOMINATOR * PRECISION // rate_j
        balances = self.balances
        new_j = balances[j] - dy - dy_admin_fee
        if new_j < 0:
            raise InvalidAmount(f"pool {self.name!r}: the pool cannot pay out {dy} of coin {j}")
        balances[i] += dx
        balances[j] = new_j
        if dy_admin_fee:
            self.admin_balances[j] += dy_admin_fee
        return dy, dy_fee * PRECISION // rate_j

    def exchange(self, i: int, j: int, dx: int, min_dy: int) -> int:
        """Mirrors SwapTemplateBase.vy exchange: swap `dx` of coin i for >= `min_dy` of coin j.

        The fee is taken from the output; its admin share leaves `balances` for
        `admin_balances`. The caller moves the coins between wallet and pool.
        A zero or negative `dx` raises `InvalidAmount`, as does a `dx` so small
        that the contract's `xp[j] - y - 1` underflows.
        """
        return self._exchange(i, j, dx, min_dy)[0]

    # --------------------------------------------------------------- liquidity

    def _check_amounts(self, amounts: Sequence[int], what: str) -> list[int]:
        amounts = list(amounts)
        if len(amounts) != self.n:
            raise InvalidAmount(
                f"pool {self.name!r}: {what} needs {self.n} amounts, one per coin, "
                f"got {len(amounts)}"
            )
        for a in amounts:
            if type(a) is not int:
                _require_int(self.name, f"each {what} amount", a)
            if a < 0:
                raise InvalidAmount(f"pool {self.name!r}: {what} amounts cannot be negative")
        return amounts

    def calc_token_amount(self, amounts: Sequence[int], is_deposit: bool) -> int:
        """Mirrors SwapTemplateBase.vy calc_token_amount: LP minted or burned, without fees."""
        amounts = self._check_amounts(amounts, "calc_token_amount")
        amp = self._A()
        rates = self._stored_rates()
        balances = list(self.balances)
        D0 = self._get_D_cached(self._xp_mem(balances, rates), amp, rates)
        for k in range(self.n):
            if is_deposit:
                balances[k] += amounts[k]
            else:
                balances[k] -= amounts[k]
                if balances[k] < 0:
                    raise InvalidAmount(
                        f"pool {self.name!r}: cannot withdraw {amounts[k]} of coin {k}, "
                        f"the pool has {self.balances[k]}"
                    )
        D1 = self.get_D_mem(balances, amp, rates)
        if D0 == 0:
            raise PoolError(f"pool {self.name!r} is empty: calc_token_amount divides by D0 = 0")
        diff = D1 - D0 if is_deposit else D0 - D1
        if diff < 0:
            raise PoolError(f"pool {self.name!r}: calc_token_amount underflow (D moved backwards)")
        return diff * self.total_supply // D0

    def add_liquidity(self, amounts: Sequence[int], min_mint_amount: int, provider: str) -> int:
        """Mirrors SwapTemplateBase.vy add_liquidity: deposit `amounts`, mint LP to `provider`.

        An imbalanced deposit pays `fee * N / (4 * (N - 1))` on its distance from
        the ideal (proportional) balances; the first deposit needs every coin.
        """
        amounts = self._check_amounts(amounts, "add_liquidity")
        N = self.n
        amp = self._A()
        rates = self._stored_rates()
        old_balances = list(self.balances)
        D0 = self._get_D_cached(self._xp_mem(old_balances, rates), amp, rates)
        token_supply = self.total_supply
        new_balances = list(old_balances)
        for k in range(N):
            if token_supply == 0 and amounts[k] <= 0:
                raise InvalidAmount(
                    f"pool {self.name!r}: the initial deposit requires all coins "
                    f"({self.tokens[k]} is 0)"
                )
            new_balances[k] += amounts[k]
        D1 = self.get_D_mem(new_balances, amp, rates)
        if not D1 > D0:
            raise InvalidAmount(
                f"pool {self.name!r}: add_liquidity must increase the invariant (deposit something)"
            )
        fees = [0] * N
        stored = new_balances
        if token_supply > 0:
            if D0 == 0:
                raise PoolError(f"pool {self.name!r} has LP tokens but no coins (D0 = 0)")
            fee = self.fee * N // (4 * (N - 1))
            admin_fee = self.admin_fee
            stored = [0] * N
            for k in range(N):
                ideal_balance = D1 * old_balances[k] // D0
                new_balance = new_balances[k]
                difference = abs(ideal_balance - new_balance)
                fees[k] = fee * difference // FEE_DENOMINATOR
                stored[k] = new_balance - fees[k] * admin_fee // FEE_DENOMINATOR
                new_balances[k] -= fees[k]
            D2 = self.get_D_mem(new_balances, amp, rates)
            if D2 < D0:
                raise InvalidAmount(
                    f"pool {self.name!r}: this deposit is smaller than its imbalance fee "
                    "(the contract's D2 - D0 underflows)"
                )
            mint_amount = token_supply * (D2 - D0) // D0
        else:
            mint_amount = D1  # Take the dust if there was any
        if mint_amount < min_mint_amount:
            raise SlippageExceeded(
                f"pool {self.name!r}: Slippage screwed you (add_liquidity mints {mint_amount} "
                f"LP < minimum {min_mint_amount})"
            )
        if mint_amount > MAX_UINT256 or token_supply + mint_amount > MAX_UINT256:
            raise _overflow("add_liquidity")
        for k in range(N):
            self.admin_balances[k] += old_balances[k] + amounts[k] - stored[k]
        self.balances[:] = stored
        self.total_supply = token_supply + mint_amount
        self.balance_of[provider] = self.balance_of.get(provider, 0) + mint_amount
        return mint_amount

    def _burn(self, provider: str, amount: int) -> None:
        _require_int(self.name, "an LP amount", amount)
        held = self.balance_of.get(provider, 0)
        if amount > held:
            raise InvalidAmount(
                f"pool {self.name!r}: {provider!r} holds {held} LP tokens, cannot burn {amount}"
            )

    def remove_liquidity(self, amount: int, min_amounts: Sequence[int], provider: str) -> list[int]:
        """Mirrors SwapTemplateBase.vy remove_liquidity: `amount` LP for a share of every coin."""
        min_amounts = self._check_amounts(min_amounts, "remove_liquidity")
        _require_int(self.name, "the LP amount", amount)
        if amount < 0:
            raise InvalidAmount(f"pool {self.name!r}: cannot burn a negative LP amount {amount}")
        total_supply = self.total_supply
        if total_supply == 0:
            raise PoolError(f"pool {self.name!r} is empty: nothing to remove")
        self._burn(provider, amount)
        amounts = [b * amount // total_supply for b in self.balances]
        for k in range(self.n):
            if amounts[k] < min_amounts[k]:
                raise SlippageExceeded(
                    f"pool {self.name!r}: Withdrawal resulted in fewer coins than expected "
                    f"({self.tokens[k]}: {amounts[k]} < minimum {min_amounts[k]})"
                )
        for k in range(self.n):
            self.balances[k] -= amounts[k]
        self.total_supply = total_supply - amount
        self.balance_of[provider] -= amount
        return amounts

    def remove_liquidity_imbalance(
        self, amounts: Sequence[int], max_burn_amount: int, provider: str
    ) -> int:
        """Mirrors SwapTemplateBase.vy remove_liquidity_imbalance: withdraw `amounts`, burn LP (+1).

        Pays the same imbalance fee as `add_liquidity`.
        """
        amounts = self._check_amounts(amounts, "remove_liquidity_imbalance")
        N = self.n
        amp = self._A()
        rates = self._stored_rates()
        old_balances = list(self.balances)
        D0 = self._get_D_cached(self._xp_mem(old_balances, rates), amp, rates)
        new_balances = list(old_balances)
        for k in range(N):
            new_balances[k] -= amounts[k]
            if new_balances[k] < 0:
                raise InsufficientLiquidity(
                    f"pool {self.name!r}: cannot withdraw {amounts[k]} of {self.tokens[k]}, "
                    f"the pool holds {old_balances[k]}"
                )
        if D0 == 0:
            raise PoolError(f"pool {self.name!r} is empty: nothing to remove")
        try:
            D1 = self.get_D_mem(new_balances, amp, rates)
        except PoolError as exc:
            raise InvalidAmount(
                f"pool {self.name!r}: remove_liquidity_imbalance cannot empty a coin ({exc})"
            ) from None
        fee = self.fee * N // (4 * (N - 1))
        admin_fee = self.admin_fee
        fees = [0] * N
        stored = [0] * N
        for k in range(N):
            new_balance = new_balances[k]
            ideal_balance = D1 * old_balances[k] // D0
            difference = abs(ideal_balance - new_balance)
            fees[k] = fee * difference // FEE_DENOMINATOR
            stored[k] = new_balance - fees[k] * admin_fee // FEE_DENOMINATOR
            new_balances[k] = new_balance - fees[k]
            if stored[k] < 0 or new_balances[k] < 0:
                raise InvalidAmount(
                    f"pool {self.name!r}: withdrawing {amounts[k]} of coin {k} leaves too "
                    "little to pay its imbalance fee"
                )
        D2 = self.get_D_mem(new_balances, amp, rates)
        token_supply = self.total_supply
        token_amount = (D0 - D2) * token_supply // D0
        if token_amount <= 0:
            raise InvalidAmount(
                f"pool {self.name!r}: remove_liquidity_imbalance would burn zero LP tokens "
                "(withdraw something)"
            )
        token_amount += 1  # In case of rounding errors - make it unfavorable for the "attacker"
        if token_amount > max_burn_amount:
            raise SlippageExceeded(
                f"pool {self.name!r}: Slippage screwed you (remove_liquidity_imbalance burns "
                f"{token_amount} LP > maximum {max_burn_amount})"
            )
        self._burn(provider, token_amount)
        for k in range(N):
            self.admin_balances[k] += old_balances[k] - amounts[k] - stored[k]
        self.balances[:] = stored
        self.total_supply = token_supply - token_amount
        self.balance_of[provider] -= token_amount
        return token_amount

    def _calc_withdraw_one_coin(self, token_amount: int, i: int) -> tuple[int, int, int]:
        """Mirrors SwapTemplateBase.vy _calc_withdraw_one_coin: (dy, dy_fee, total_supply)."""
        N = self.n
        if not 0 <= i < N:
            raise InvalidAmount(f"pool {self.name!r}: coin index {i} out of range 0..{N - 1}")
        _require_int(self.name, "the LP amount", token_amount)
        if token_amount < 0:
            raise InvalidAmount(f"pool {self.name!r}: cannot burn a negative LP amount")
        amp = self._A()
        rates = self._stored_rates()
        xp = self._xp(rates)
        D0 = self._get_D_cached(xp, amp, rates)
        total_supply = self.total_supply
        if total_supply == 0:
            raise PoolError(f"pool {self.name!r} is empty: nothing to withdraw")
        D1 = D0 - token_amount * D0 // total_supply
        if D1 < 0:
            raise InvalidAmount(
                f"pool {self.name!r}: cannot burn {token_amount} LP, only {total_supply} exist"
            )
        new_y = self.get_y_D(amp, i, xp, D1)
        xp_reduced = list(xp)
        fee = self.fee * N // (4 * (N - 1))
        for k in range(N):
            if k == i:  # noqa: SIM108 (the contract's if/else)
                dx_expected = xp[k] * D1 // D0 - new_y
            else:
                dx_expected = xp[k] - xp[k] * D1 // D0
            if dx_expected < 0:
                raise PoolError(f"pool {self.name!r}: withdraw-one-coin rounding underflow")
            xp_reduced[k] -= fee * dx_expected // FEE_DENOMINATOR
        dy = xp_reduced[i] - self.get_y_D(amp, i, xp_reduced, D1)
        if dy < 1:
            raise InvalidAmount(
                f"pool {self.name!r}: burning {token_amount} LP is too little to withdraw "
                f"any of coin {i}"
            )
        # stableswap-ng divides by rates[i]; with the template's RATES = PRECISION_MUL * 1e18
        # that is the template's `// precisions[i]` exactly
        dy = (dy - 1) * PRECISION // rates[i]  # Withdraw less to account for rounding errors
        dy_0 = (xp[i] - new_y) * PRECISION // rates[i]  # w/o fees
        if dy_0 < dy:
            raise PoolError(f"pool {self.name!r}: withdraw-one-coin fee underflow")
        return dy, dy_0 - dy, total_supply

    def calc_withdraw_one_coin(self, token_amount: int, i: int) -> int:
        """Mirrors SwapTemplateBase.vy calc_withdraw_one_coin: coin i paid for `token_amount` LP."""
        return self._calc_withdraw_one_coin(token_amount, i)[0]

    def remove_liquidity_one_coin(
        self, token_amount: int, i: int, min_amount: int, provider: str
    ) -> int:
        """Mirrors SwapTemplateBase.vy remove_liquidity_one_coin: burn LP for coin i only."""
        dy, dy_fee, total_supply = self._calc_withdraw_one_coin(token_amount, i)
        if dy < min_amount:
            raise SlippageExceeded(
                f"pool {self.name!r}: Not enough coins removed ({dy} < minimum {min_amount})"
            )
        admin_part = dy_fee * self.admin_fee // FEE_DENOMINATOR
        new_balance = self.balances[i] - (dy + admin_part)
        if new_balance < 0:
            raise InvalidAmount(f"pool {self.name!r}: the pool cannot pay out {dy} of coin {i}")
        self._burn(provider, token_amount)
        self.balances[i] = new_balance
        self.admin_balances[i] += admin_part
        self.total_supply = total_supply - token_amount
        self.balance_of[provider] -= token_amount
        return dy

    def withdraw_admin_fees(self) -> list[int]:
        """Mirrors SwapTemplateBase.vy withdraw_admin_fees: pay out (and return) the admin fees."""
        paid = list(self.admin_balances)
        self.admin_balances[:] = [0] * self.n
        return paid

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

    def swap_exact_in(
        self, token_in: str, token_out: str, amount_in: int, min_amount_out: int = 0
    ) -> Swap:
        """Execute `exchange`; `Swap.fee` is the fee taken from the output, in `token_out` units."""
        dy, fee = self._exchange(
            self.index(token_in), self.index(token_out), amount_in, min_amount_out
        )
        return Swap(token_in, token_out, amount_in, dy, fee, token_out)

    def holdings(self) -> dict[str, int]:
        """Each coin's ERC20 balance of the pool: LP balances plus unwithdrawn admin fees."""
        return {
            t: b + a
            for t, b, a in zip(self.tokens, self.balances, self.admin_balances, strict=True)
        }

    def _marginal(self, i: int, j: int, rates: Sequence[int] | None = None) -> float:
        """d(xp_j)/d(xp_i) along the invariant at the current state (fee excluded), as a float."""
        if rates is None:
            rates = self._stored_rates()
        xp = self._xp(rates)
        if min(xp) <= 0:
            raise PoolError(f"pool {self.name!r} is empty: no spot price")
        amp = self._A()
        D = self._get_D_cached(xp, amp, rates)
        N = self.n
        Ann = amp * N / A_PRECISION
        # D_P = D^(N+1) / (N^N prod xp), in floats from ratios to stay in range
        d_p = float(D)
        for x in xp:
            d_p *= D / (N * x)
        return (Ann + d_p / xp[i]) / (Ann + d_p / xp[j])

    def spot_price(self, base: str, quote: str) -> float:
        """Marginal price of one whole `base` in whole `quote` (fee excluded), from the exact D.

        The derivative of the invariant Ann*S + D = Ann*D + D^(N+1)/(N^N prod x):
        d x_quote / d x_base = (Ann + D_P/x_base) / (Ann + D_P/x_quote), in 18-decimal units,
        which are whole-token units scaled by 1e18 times the coin's oracle rate: the price in
        whole tokens is that times rate_base / rate_quote (1 without oracles).
        """
        i, j = self.index(base), self.index(quote)
        if i == j:
            return 1.0
        rates = self._stored_rates()
        # the ratio first: exactly 1.0 without oracles, so the marginal price is unchanged
        return self._marginal(i, j, rates) * (
            self._whole_rate(i, rates) / self._whole_rate(j, rates)
        )

    def _whole_rate(self, k: int, rates: Sequence[int]) -> int:
        """xp units per whole token of coin k: 1e18 times its oracle rate (1e18 without one)."""
        return rates[k] * 10 ** self.decimals[k] // PRECISION

    def arb_amount_in(self, token_in: str, token_out: str, price_in_per_out: float) -> int:
        """Profit-maximising input: a float solve on the invariant, refined by exact get_dy quotes.

        Profit = out * price_in_per_out - in (in whole `token_in`), concave in size.
        The float step finds where the marginal output after fee equals
        1 / price_in_per_out; a short golden-section search on exact quotes
        around it settles the integer. Returns 0 when no trade pays.
        """
        i, j = self.index(token_in), self.index(token_out)
        if i == j or not price_in_per_out > 0 or not math.isfinite(price_in_per_out):
            return 0
        rates = self._stored_rates()
        xp = self._xp(rates)
        if min(xp) <= 0:
            return 0
        fee_keep = 1.0 - self.fee / FEE_DENOMINATOR
        # marginal xp_j per xp_i to reach: whole units scaled by each coin's rate
        scale = self._whole_rate(j, rates) / self._whole_rate(i, rates)  # 1.0 without oracles
        target = scale / (price_in_per_out * fee_keep)
        if self._marginal(i, j, rates) <= target:
            return 0
        rate_i = rates[i]
        unit_value = price_in_per_out * 10 ** self.decimals[i] / 10 ** self.decimals[j]

        quotes: dict[int, float] = {}

        def profit(amount: int) -> float:
            if amount <= 0:
                return 0.0
            if amount not in quotes:
                try:
                    quotes[amount] = self.get_dy(i, j, amount) * unit_value - amount
                except PoolError:
                    quotes[amount] = float("-inf")
            return quotes[amount]

        estimate = self._float_arb_xp(i, j, xp, target, rates)
        dx0 = int(estimate * PRECISION / rate_i)
        if dx0 <= 0 or profit(dx0) <= 0:
            return search_arb_amount_in(self, token_in, token_out, price_in_per_out)
        # exact quotes 0.1% either side confirm the float optimum is a maximum
        width = max(2, dx0 // 1000)
        a, b = max(1, dx0 - width), dx0 + width
        pa, p0, pb = profit(a), profit(dx0), profit(b)
        if pb > p0 or pa > p0:
            return search_arb_amount_in(self, token_in, token_out, price_in_per_out)
        # one parabolic step through the three (profit is concave, near-quadratic this close)
        candidates = [a, dx0, b]
        den = (dx0 - a) * (p0 - pb) - (dx0 - b) * (p0 - pa)
        if den != 0:
            num = (dx0 - a) ** 2 * (p0 - pb) - (dx0 - b) ** 2 * (p0 - pa)
            vertex = dx0 - 0.5 * num / den
            if a < vertex < b:
                candidates.append(int(vertex))
        best = max(candidates, key=profit)
        return best if profit(best) > 0 else 0

    def _float_arb_xp(
        self, i: int, j: int, xp: list[int], target: float, rates: Sequence[int]
    ) -> float:
        """Float input of coin i (xp units) that brings the marginal d xp_j/d xp_i to `target`."""
        N = self.n
        amp = self._A()
        D = float(self._get_D_cached(xp, amp, rates))
        Ann = amp * N / A_PRECISION
        others = [float(x) for k, x in enumerate(xp) if k not in (i, j)]

        def marginal_at(xi: float) -> float:
            # x_j on the curve for this x_i (closed-form root of y^2 + (b - D) y = c)
            s = xi + sum(others)
            c = D
            for v in (xi, *others):
                c = c * D / (v * N)
            c = c * D / (Ann * N)
            bm = s + D / Ann - D
            xj = (-bm + math.sqrt(bm * bm + 4 * c)) / 2
            if xj <= 0:
                return 0.0
            d_p = D
            for v in (xi, xj, *others):
                d_p *= D / (N * v)
            return (Ann + d_p / xi) / (Ann + d_p / xj)

        x0 = xp[i]
        lo, hi = x0, x0 * 2
        h_hi = marginal_at(hi) - target
        while h_hi > 0 and hi < x0 * 10**12:
            lo, hi = hi, hi * 2
            h_hi = marginal_at(hi) - target
        h_lo = marginal_at(lo) - target
        if h_lo < 0 or h_hi > 0:
            return float(lo - x0)
        # the marginal falls with the input: where it meets `target`, to 1e-13 of it
        return float(
            solve_decreasing(
                lambda x: marginal_at(x) - target, lo, h_lo, hi, h_hi, eps=abs(target) * 1e-13
            )
            - x0
        )
