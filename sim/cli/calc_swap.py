"""`ammsim calc swap`: the first worked example of every impermanent-loss lesson.

A constant-product pool holds X of the first token and Y of the second; AMOUNT of the first
is swapped in. The amount out is `UniswapV2Library.getAmountOut` on 18-decimal raw amounts,
so it is the wei a real pair would pay; the rest (price, impact, LP against holding) follows
from the new reserves.

::

    ammsim calc swap --reserves 1000,2000000 --in 10            # 0.3% fee, Uniswap V2
    ammsim calc swap --reserves 1000,2000000 --in 10 --fee 5bps
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext

from sim.errors import PoolError, UserInputError
from sim.pools.uniswap_v2.library import UINT112_MAX, get_amount_out
from sim.report.calc import impermanent_loss
from sim.units import WAD  # the calculator's tokens have 18 decimals


def register(calc_sub: argparse._SubParsersAction, rate: object) -> None:  # type: ignore[type-arg]
    """Add `ammsim calc swap`; `rate` parses --fee as the other calculators do."""
    p = calc_sub.add_parser(
        "swap",
        help="one swap on a constant-product pool: amount out, new price, LP vs holding",
        description="A constant-product (Uniswap V2) pool holding X of the first token and Y of "
        "the second; AMOUNT of the first swapped in. Prints the amount out (exact, as "
        "UniswapV2Library.getAmountOut with 18-decimal tokens), the new price, and the pool's "
        "value against holding its starting reserves, in %% and in the first token.",
    )
    p.add_argument("--reserves", metavar="X,Y", required=True, help="the pool's reserves, X,Y")
    p.add_argument("--in", dest="amount_in", metavar="AMOUNT", required=True)
    p.add_argument(
        "--fee", metavar="F", type=rate, default=0.003, help="swap fee: 0.3%%, 30bps or 0.003"
    )
    p.set_defaults(handler=cmd_swap)


@dataclass(frozen=True)
class SwapResult:
    """One swap on a constant-product pool, in raw 18-decimal units."""

    reserve_in: int
    reserve_out: int
    amount_in: int
    amount_out: int

    @property
    def new_in(self) -> int:
        return self.reserve_in + self.amount_in

    @property
    def new_out(self) -> int:
        return self.reserve_out - self.amount_out

    def price(self) -> Decimal:
        """Second token per first token before the swap."""
        return Decimal(self.reserve_out) / Decimal(self.reserve_in)

    def new_price(self) -> Decimal:
        return Decimal(self.new_out) / Decimal(self.new_in)

    def lp_against_hold(self) -> tuple[Decimal, Decimal]:
        """The pool's reserves after the swap against the reserves it started with, both
        valued at the new price in the first token: (difference, difference as a fraction)."""
        p = self.new_price()
        pool = Decimal(self.new_in) + Decimal(self.new_out) / p
        hold = Decimal(self.reserve_in) + Decimal(self.reserve_out) / p
        return (pool - hold) / WAD, pool / hold - 1


def swap(reserves: tuple[Decimal, Decimal], amount: Decimal, fee_bps: int) -> SwapResult:
    """The swap of `amount` of the first token into a pool of `reserves`, mirrored in wei."""
    x, y, a = (_raw(v) for v in (*reserves, amount))
    if x + a > UINT112_MAX:
        raise UserInputError("calc swap: reserves above the pair's uint112 limit (about 5.2e15)")
    try:
        out = get_amount_out(a, x, y, fee_bps)
    except PoolError as err:
        raise UserInputError(f"calc swap: {err}") from None
    return SwapResult(x, y, a, out)


def cmd_swap(args: argparse.Namespace) -> int:
    with localcontext() as ctx:
        ctx.prec = 60  # raw amounts up to uint112 (34 digits) stay exact
        return _print_swap(args)


def _print_swap(args: argparse.Namespace) -> int:
    reserves = _reserves(args.reserves)
    amount = _positive("--in", args.amount_in)
    fee_bps = _fee_bps(args.fee)
    res = swap(reserves, amount, fee_bps)
    p0, p1 = res.price(), res.new_price()
    out = Decimal(res.amount_out) / WAD
    paid = out / amount
    diff, frac = res.lp_against_hold()
    print(
        f"constant-product pool {_n(reserves[0])} first : {_n(reserves[1])} second, "
        f"price {_n(p0)} second per first, fee {fee_bps / 100:g}%"
    )
    print(f"swap {_n(amount)} first in")
    print(f"  amount out        {_n(out)} second  ({res.amount_out} wei, getAmountOut)")
    print(f"  average price     {_n(paid)} second per first ({_pct(paid / p0 - 1)} against spot)")
    print(f"  new reserves      {_n(Decimal(res.new_in) / WAD)} : {_n(Decimal(res.new_out) / WAD)}")
    print(f"  new price         {_n(p1)} second per first ({_pct(p1 / p0 - 1)})")
    print(
        f"  LP vs holding     {_pct(frac)} ({_n(diff, signed=True)} first): the pool's "
        "reserves against its starting reserves, both at the new price"
    )
    r = p1 / p0
    print(
        f"  IL formula        {_pct(Decimal(impermanent_loss(float(r))))} "
        f"(2*sqrt(r)/(1+r) - 1 at r = {float(r):.6g}); the fee kept in the pool is the difference"
    )
    return 0


def _raw(value: Decimal) -> int:
    return int(value * WAD)


def _positive(flag: str, text: str) -> Decimal:
    try:
        value = Decimal(text.replace("_", "").replace(",", ""))
    except InvalidOperation:
        raise UserInputError(f"calc swap: {flag}: not a number: {text[:40]!r}") from None
    if not value.is_finite() or value <= 0:
        raise UserInputError(f"calc swap: {flag}: must be a positive number, got {text[:40]!r}")
    if value * WAD < 1:
        raise UserInputError(f"calc swap: {flag}: {text!r} is less than one wei (1e-18)")
    return value


def _reserves(text: str) -> tuple[Decimal, Decimal]:
    parts = text.split(",")
    if len(parts) != 2:
        raise UserInputError(f"calc swap: --reserves expects X,Y (e.g. 1000,2000000), got {text!r}")
    return _positive("--reserves", parts[0]), _positive("--reserves", parts[1])


def _fee_bps(fee: float) -> int:
    bps = fee * 10_000
    if not 0 <= bps < 10_000 or abs(bps - round(bps)) > 1e-9:
        raise UserInputError(
            f"calc swap: --fee must be a whole number of basis points below 100%, got {bps:g} bps"
        )
    return round(bps)


def _n(x: Decimal, signed: bool = False) -> str:
    sign = "+" if signed else ""
    return f"{float(x):{sign},.6g}" if abs(x) < 1000 else f"{float(x):{sign},.2f}"


def _pct(x: Decimal) -> str:
    return f"{100 * x:+.4f}%"
