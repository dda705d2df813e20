"""`ammsim calc`: impermanent loss and LP return calculators (formulas in `sim.report.calc`).

::

    ammsim calc il --ratio 2                 IL of a full-range position after the price doubles
    ammsim calc il                           the classic IL table (and its r < 1 mirror)
    ammsim calc il --ratio 1.1 --band 0.8:1.25
    ammsim calc swap --reserves 1000,2000000 --in 10   one swap: amount out, new price, LP vs hold
    ammsim calc apr --volume 2e6 --tvl 5e6 --fee 0.3% [--days N] [--lp-share S] ...

Rates are fractions (0.003), percentages (0.3%) or basis points (30bps); `--il` is a
percentage per year.
"""

from __future__ import annotations

import argparse
import math

from sim.cli import calc_swap
from sim.errors import UserInputError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `ammsim calc il`, `calc swap` and `calc apr`."""
    p = sub.add_parser("calc", help="swap, impermanent-loss and APR calculators")
    calc_sub = p.add_subparsers(dest="calc_command", required=True, parser_class=type(p))

    il = calc_sub.add_parser(
        "il",
        help="impermanent loss of a full-range or ranged position",
        description="IL(r) = 2*sqrt(r)/(1+r) - 1 for a full-range constant-product position; "
        "with --band, the closed form for a concentrated (Uniswap V3) position.",
    )
    il.add_argument("--ratio", type=_number, metavar="R", help="price ratio r = P1/P0 (e.g. 2)")
    il.add_argument(
        "--table",
        action="store_true",
        help="print IL for r = 1.25 ... 5 and the mirror 1/r (the default without --ratio)",
    )
    il.add_argument(
        "--band",
        metavar="LOW:HIGH",
        help="price range relative to the entry price, e.g. 0.8:1.25 (0:inf is full range)",
    )
    il.set_defaults(handler=cmd_il)

    calc_swap.register(calc_sub, _rate)

    apr = calc_sub.add_parser(
        "apr",
        help="fee, reward and net APR of an LP position, and break-even",
        description="Fee APR = volume x fee x LP share / TVL x 365/days; reward APR = rewards per "
        "day x reward price / TVL x 365, made effective by (1 - sell pressure)(1 - price drop); "
        "net = fee + effective reward - IL - gas. Rates: 0.003, 0.3% or 30bps.",
    )
    apr.add_argument(
        "--volume", metavar="V", type=_number, required=True, help="pool volume over --days"
    )
    apr.add_argument(
        "--tvl", metavar="T", type=_number, required=True, help="pool TVL (same unit as volume)"
    )
    apr.add_argument(
        "--fee", metavar="F", type=_rate, required=True, help="swap fee rate, e.g. 0.3%% or 30bps"
    )
    apr.add_argument(
        "--days", metavar="N", type=_number, default=1.0, help="days the volume covers (1)"
    )
    apr.add_argument(
        "--lp-share",
        metavar="S",
        type=_rate,
        default=1.0,
        help="share of the fee LPs keep after protocol cut",
    )
    apr.add_argument(
        "--reward-per-day", metavar="R", type=_number, default=0.0, help="reward tokens per day"
    )
    apr.add_argument(
        "--reward-price", metavar="P", type=_number, default=0.0, help="price of a reward token"
    )
    apr.add_argument(
        "--sell-pressure", metavar="X", type=_rate, default=0.0, help="expected sell-pressure rate"
    )
    apr.add_argument(
        "--price-drop", metavar="Y", type=_rate, default=0.0, help="expected reward price drop"
    )
    apr.add_argument(
        "--il", type=_percent, default=0.0, metavar="PCT", help="impermanent loss, %% per year"
    )
    apr.add_argument(
        "--gas-per-adjustment", metavar="G", type=_number, default=0.0, help="gas per rebalance"
    )
    apr.add_argument("--adjustments-per-month", metavar="M", type=_number, default=0.0)
    apr.add_argument(
        "--capital", metavar="C", type=_number, help="your position's capital (for gas)"
    )
    apr.set_defaults(handler=cmd_apr)


def cmd_il(args: argparse.Namespace) -> int:
    from sim.report import calc

    if args.table and args.ratio is not None:
        raise UserInputError("calc il: give either --ratio R or --table, not both")
    band = _band(args.band) if args.band else None
    try:
        if args.ratio is None:
            print(_il_table(band))
            return 0
        r = args.ratio
        full = calc.impermanent_loss(r)
        if band is None:
            print(f"IL(r={r:g}) = 2*sqrt(r)/(1+r) - 1 = {_pct(full)}")
            return 0
        low, high = band
        ranged = calc.ranged_impermanent_loss(r, low, high)
        where = "inside" if low <= r <= high else "outside"
        print(f"band {low:g}:{high:g} of the entry price, r = {r:g} ({where} the band)")
        print(f"  ranged IL          {_pct(ranged)}")
        print(f"  full-range IL      {_pct(full)}")
        print(f"  capital efficiency {calc.capital_efficiency(low, high):.2f}x full range")
    except ValueError as err:
        raise UserInputError(f"calc il: {err}") from None
    return 0


def _il_table(band: tuple[float, float] | None) -> str:
    from sim.report import calc

    head = f"{'r':>8}  {'IL full range':>14}"
    if band:
        head += f"  {f'IL band {band[0]:g}:{band[1]:g}':>16}"
    lines = [head]
    for r, il in calc.il_table():
        line = f"{r:>8.4g}  {_pct(il, 1):>14}"
        if band:
            line += f"  {_pct(calc.ranged_impermanent_loss(r, *band), 1):>16}"
        lines.append(line)
    return "\n".join(lines)


def cmd_apr(args: argparse.Namespace) -> int:
    from sim.report import calc

    if (args.reward_per_day > 0) != (args.reward_price > 0):
        raise UserInputError("calc apr: --reward-per-day and --reward-price go together")
    gas_flags = (args.gas_per_adjustment, args.adjustments_per_month)
    if any(gas_flags) and (not all(gas_flags) or args.capital is None):
        raise UserInputError(
            "calc apr: gas needs --gas-per-adjustment, --adjustments-per-month and --capital"
        )
    inputs = calc.AprInputs(
        volume=args.volume,
        tvl=args.tvl,
        fee=args.fee,
        days=args.days,
        lp_share=args.lp_share,
        reward_per_day=args.reward_per_day,
        reward_price=args.reward_price,
        sell_pressure=args.sell_pressure,
        price_drop=args.price_drop,
        il_annual=args.il,
        gas_per_adjustment=args.gas_per_adjustment,
        adjustments_per_month=args.adjustments_per_month,
        capital=args.capital,
    )
    try:
        res = calc.lp_returns(inputs)
    except ValueError as err:
        raise UserInputError(f"calc apr: {err}") from None
    print(f"volume/TVL {args.volume / args.days / args.tvl:.4g} per day")
    print(f"  fee APR                {_pct(res.fee_apr)}")
    print(f"  reward APR             {_pct(res.reward_apr)}")
    print(f"  effective reward APR   {_pct(res.effective_reward_apr)}")
    print(f"  impermanent loss       {_pct(-res.il_annual)}")
    print(f"  gas                    {_pct(-res.gas_annual)}")
    print(f"  net APR                {_pct(res.net_apr)}")
    verdict = "breaks even" if res.break_even else "does not break even"
    if res.break_even_volume_per_day is not None:
        verdict += f" (break-even volume {res.break_even_volume_per_day:,.0f} per day)"
    print(f"  {verdict}")
    return 0


def _pct(x: float, digits: int = 2) -> str:
    return f"{100 * x:+.{digits}f}%"


def _number(text: str) -> float:
    try:
        value = float(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if math.isnan(value):
        raise argparse.ArgumentTypeError("NaN is not allowed")
    return value


def _rate(text: str) -> float:
    """A fraction (0.003), a percentage (0.3%) or basis points (30bps)."""
    t = text.strip().lower()
    if t.endswith("bps"):
        return _number(t.removesuffix("bps")) / 10_000
    if t.endswith("%"):
        return _number(t.removesuffix("%")) / 100
    value = _number(t)
    if value > 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is more than 100%; write {text}% or {text}bps if that is what you mean"
        )
    return value


def _percent(text: str) -> float:
    """A percentage, with or without the % sign, as a fraction."""
    return _number(text.strip().removesuffix("%")) / 100


def _band(text: str) -> tuple[float, float]:
    low, sep, high = text.partition(":")
    if not sep:
        raise UserInputError(f"--band expects LOW:HIGH (e.g. 0.8:1.25), got {text!r}")
    try:
        return _number(low), _number(high)
    except argparse.ArgumentTypeError as err:
        raise UserInputError(f"--band: {err}") from None
