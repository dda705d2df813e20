"""Mirrors Curve's SwapTemplateBase.vy (the plain StableSwap pool of 2 to 4 coins), integer for integer.

The template with ``A_PRECISION = 100``. Every contract function keeps its name in snake_case
and its argument order; its integer arithmetic is the contract's, in the same order, with
Vyper's floor division. The invariant's Newton loops are in `newton.py`. A revert raises a
typed error of `sim.errors` with the contract's reason ("Exchange resulted in fewer coins than
expected", "Slippage screwed you", ...): ``SlippageExceeded`` for a minimum or maximum not
met, ``InvalidAmount`` for a bad index or amount, ``InsufficientLiquidity`` for withdrawing
more than the pool holds, ``PoolError`` for the rest (empty pool, ramp rules, uint256
overflow, a Newton loop that does not converge). Every state-changing call is atomic: it
computes everything, then writes once nothing can revert. `exchange` is a quote
(`_quote_exchange`) then its application (`_apply_exchange`).

Units. ``balances`` are in native units and exclude admin fees (``admin_balances``); ``xp``
are balances scaled to 18 decimals by ``RATES`` (and a coin's rate oracle, `rate_oracle.py`).
``block_timestamp`` is the contract's ``block.timestamp``; the last D is kept, keyed on ``(xp, amp)``.

Not mirrored: the owner checks, `is_killed`, the fee and ownership commit/apply functions,
events, ng's dynamic off-peg fee. A zero `dx` in `get_dy`/`exchange` raises `InvalidAmount`.
uint256 overflow is checked at the largest intermediates, not at every operation.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.errors import InsufficientLiquidity, InvalidAmount, PoolError, SlippageExceeded
from sim.pools.curve import newton
from sim.pools.curve.newton import A_PRECISION, MAX_COIN_DECIMALS, uint256_overflow
from sim.pools.curve.rate_oracle import RateOracle
from sim.units import MAX_UINT256

FEE_DENOMINATOR = 10**10
PRECISION = 10**18
MAX_ADMIN_FEE = 10 * 10**9
MAX_FEE = 5 * 10**9
MAX_A = 10**6
MAX_A_CHANGE = 10
MIN_RAMP_TIME = 86400
MAX_COINS = 4


def _require_int(pool_name: str, what: str, value: object) -> None:
    if type(value) is not int:
        raise InvalidAmount(
            f"pool {pool_name!r}: {what} must be a Python int in the coin's smallest unit, "
            f"got {value!r} ({type(value).__name__})"
        )


class SwapTemplateBase:
    """The state and calls of a plain StableSwap pool of 2 to 4 coins (SwapTemplateBase.vy)."""

    name: str
    tokens: tuple[str, ...]
    decimals: tuple[int, ...]

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
            *((f"decimals[{k}]", d) for k, d in enumerate(decimals)),
        ):
            if type(value) is not int:
                raise PoolError(
                    f"pool {name!r}: {label} must be a Python int (no floats in the pool math), "
                    f"got {value!r}"
                )
        for d in decimals:
            if not 0 <= d <= MAX_COIN_DECIMALS:
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
        """Mirrors SwapTemplateBase.vy _get_D: the 2-coin C kernel where it answers, else Python."""
        kernel = newton.native_get_D_2
        if kernel is not None and len(xp) == 2:
            D = kernel(xp[0], xp[1], amp)
            if D is not None:
                return D
        return newton.get_D(xp, amp, self.name)

    def _get_D_cached(self, xp: Sequence[int], amp: int, rates: Sequence[int] | None = None) -> int:
        """_get_D, reusing the last D for unchanged (xp, amp) and rates (those `xp` is scaled by)."""
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
        return newton.get_y(i, j, x, xp, amp, self._get_D_cached(xp, amp), self.name)

    def get_y_D(self, A: int, i: int, xp: Sequence[int], D: int) -> int:
        """Mirrors SwapTemplateBase.vy _get_y_D: xp[i] that makes the invariant equal `D`."""
        return newton.get_y_D(A, i, xp, D, self.name)

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
            raise uint256_overflow("the input amount")
        x = xp[i] + x // PRECISION
        if x > MAX_UINT256:
            raise uint256_overflow("exchange")
        amp = self._A()
        y = newton.get_y(i, j, x, xp, amp, self._get_D_cached(xp, amp, rates), self.name)
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
            raise uint256_overflow("the input amount")
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
            raise uint256_overflow("exchange")
        if x <= 0:
            raise InvalidAmount(f"pool {self.name!r}: get_y divides by a zero balance")
        kernel = newton.native_get_y_2  # the C kernel where it answers, else the Python
        y = kernel(x, D, amp) if kernel is not None else None
        if y is None:
            y = newton.get_y_2(x, D, amp, self.name)
        dy = (xp1 if i == 0 else xp0) - y - 1  # -1 just in case there were some rounding errors
        if dy < 0:
            raise InvalidAmount(
                f"pool {self.name!r}: {dx} units of coin {i} is too small to buy any of coin {1 - i}"
            )
        return dy

    def get_dy(self, i: int, j: int, dx: int) -> int:
        """Mirrors SwapTemplateBase.vy get_dy: output of coin j for `dx` of coin i, after fee.

        A zero or negative `dx` raises `InvalidAmount` (the contract either reverts
        or pays nothing for it).
        """
        dy, rates = self._dy_before_fee(i, j, dx)
        fee = self.fee * dy // FEE_DENOMINATOR
        return (dy - fee) * PRECISION // rates[j]

    def _quote_exchange(self, i: int, j: int, dx: int) -> tuple[int, int, int]:
        """The computing half of SwapTemplateBase.vy exchange (nothing written): (dy, the fee
        on the output, its admin share), all in coin j's native units."""
        dy, rates = self._dy_before_fee(i, j, dx)
        dy_fee = dy * self.fee // FEE_DENOMINATOR
        rate_j = rates[j]
        dy = (dy - dy_fee) * PRECISION // rate_j
        dy_admin_fee = dy_fee * self.admin_fee // FEE_DENOMINATOR * PRECISION // rate_j
        return dy, dy_fee * PRECISION // rate_j, dy_admin_fee

    def _apply_exchange(
        self, i: int, j: int, dx: int, dy: int, dy_admin_fee: int, min_dy: int
    ) -> None:
        """The writing half of SwapTemplateBase.vy exchange: the minimum check, then balances."""
        if dy < min_dy:
            raise SlippageExceeded(
                f"pool {self.name!r}: Exchange resulted in fewer coins than expected "
                f"({dy} < minimum {min_dy})"
            )
        balances = self.balances
        new_j = balances[j] - dy - dy_admin_fee
        if new_j < 0:
            raise InvalidAmount(f"pool {self.name!r}: the pool cannot pay out {dy} of coin {j}")
        balances[i] += dx
        balances[j] = new_j
        if dy_admin_fee:
            self.admin_balances[j] += dy_admin_fee

    def _exchange(self, i: int, j: int, dx: int, min_dy: int) -> tuple[int, int]:
        """Mirrors SwapTemplateBase.vy exchange; returns (dy, fee on the output in native units)."""
        dy, fee, dy_admin_fee = self._quote_exchange(i, j, dx)
        self._apply_exchange(i, j, dx, dy, dy_admin_fee, min_dy)
        return dy, fee

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
            raise uint256_overflow("add_liquidity")
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
