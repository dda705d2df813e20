"""sim.report.calc formulas and the `ammsim calc` command."""

from __future__ import annotations

import math

import pytest

from sim.cli.main import main
from sim.report import calc

# DOMAIN.md: r -> IL, to one decimal of a percent
IL_TABLE = {1.25: -0.6, 1.5: -2.0, 1.75: -3.8, 2.0: -5.7, 3.0: -13.4, 4.0: -20.0, 5.0: -25.5}


@pytest.mark.parametrize(("r", "pct"), IL_TABLE.items())
def test_il_table_matches_domain_notes(r: float, pct: float) -> None:
    assert round(100 * calc.impermanent_loss(r), 1) == pct


@pytest.mark.parametrize("r", [1.01, 1.25, 2.0, 3.7, 10.0, 1e6])
def test_il_is_symmetric_and_never_positive(r: float) -> None:
    assert calc.impermanent_loss(r) == pytest.approx(calc.impermanent_loss(1 / r), abs=1e-15)
    assert calc.impermanent_loss(r) < 0
    assert calc.impermanent_loss(1.0) == 0.0


def test_il_table_has_mirror_rows() -> None:
    rows = dict(calc.il_table())
    assert len(rows) == 14
    assert rows[0.5] == pytest.approx(calc.impermanent_loss(2.0))
    assert rows[0.2] == pytest.approx(-0.2546, abs=1e-4)


@pytest.mark.parametrize("r", [0.3, 0.8, 1.0, 1.3, 2.0, 5.0])
def test_full_range_band_is_exactly_the_constant_product_formula(r: float) -> None:
    assert calc.ranged_impermanent_loss(r, 0.0, math.inf) == pytest.approx(
        calc.impermanent_loss(r), abs=1e-15
    )


@pytest.mark.parametrize("r", [0.5, 0.9, 1.2, 2.0])
def test_wide_band_approaches_full_range(r: float) -> None:
    full = calc.impermanent_loss(r)
    errors = [abs(calc.ranged_impermanent_loss(r, 1 / k, k) - full) for k in (10, 100, 1e4, 1e8)]
    assert errors == sorted(errors, reverse=True)  # shrinks as the band widens
    assert errors[-1] < 1e-3 * abs(full)  # converges like 1/sqrt(k)


@pytest.mark.parametrize("r", [0.85, 0.95, 1.1, 1.2])
def test_narrow_band_loses_more_inside_the_band(r: float) -> None:
    ils = [calc.ranged_impermanent_loss(r, 1 / k, k) for k in (1.25, 1.5, 3.0, 100.0)]
    assert ils == sorted(ils)  # narrowest band first: most negative
    assert ils[0] < calc.impermanent_loss(r)


def test_ranged_il_hand_computed_value() -> None:
    # band 0.8:1.25, r = 1.1: V = 2*sqrt(1.1) - 1.1/sqrt(1.25) - sqrt(0.8),
    # H = 1.1*(1 - 1/sqrt(1.25)) + 1 - sqrt(0.8)
    v = 2 * math.sqrt(1.1) - 1.1 / math.sqrt(1.25) - math.sqrt(0.8)
    h = 1.1 * (1 - 1 / math.sqrt(1.25)) + 1 - math.sqrt(0.8)
    assert calc.ranged_impermanent_loss(1.1, 0.8, 1.25) == pytest.approx(v / h - 1, rel=1e-12)
    assert v / h - 1 == pytest.approx(-0.010745, abs=1e-6)


def test_ranged_il_outside_the_band() -> None:
    # above the band the position is all token1 (value fixed), below it all token0
    a, b = 0.8, 1.25
    above = calc.ranged_impermanent_loss(2.0, a, b)
    hodl = 2.0 * (1 - 1 / math.sqrt(b)) + 1 - math.sqrt(a)
    assert above == pytest.approx((math.sqrt(b) - math.sqrt(a)) / hodl - 1)
    below = calc.ranged_impermanent_loss(0.5, a, b)
    hodl = 0.5 * (1 - 1 / math.sqrt(b)) + 1 - math.sqrt(a)
    assert below == pytest.approx(0.5 * (1 / math.sqrt(a) - 1 / math.sqrt(b)) / hodl - 1)


def test_capital_efficiency() -> None:
    assert calc.capital_efficiency(0.0, math.inf) == 1.0
    assert calc.capital_efficiency(0.8, 1.25) == pytest.approx(
        2 / (2 - math.sqrt(0.8) - 1 / math.sqrt(1.25))
    )


@pytest.mark.parametrize(
    ("r", "low", "high"), [(-1, 0.5, 2), (0, 0.5, 2), (1, 1.2, 2), (1, 0.5, 0.9), (1, -0.1, 2)]
)
def test_invalid_inputs_raise(r: float, low: float, high: float) -> None:
    with pytest.raises(ValueError):
        calc.ranged_impermanent_loss(r, low, high)


def test_apr_arithmetic_by_hand() -> None:
    res = calc.lp_returns(
        calc.AprInputs(
            volume=14e6,  # over 7 days
            tvl=5e6,
            fee=0.003,
            days=7,
            lp_share=5 / 6,
            reward_per_day=1_000,
            reward_price=2.0,
            sell_pressure=0.5,
            price_drop=0.2,
            il_annual=-0.05,
            gas_per_adjustment=20,
            adjustments_per_month=4,
            capital=10_000,
        )
    )
    fee = 14e6 * 0.003 * (5 / 6) / 5e6 * 365 / 7  # 0.365
    assert res.fee_apr == pytest.approx(fee)
    assert res.fee_apr == pytest.approx(0.365)
    assert res.reward_apr == pytest.approx(0.146)
    assert res.effective_reward_apr == pytest.approx(0.146 * 0.5 * 0.8)
    assert res.il_annual == pytest.approx(0.05)
    assert res.gas_annual == pytest.approx(20 * 4 * 12 / 10_000)
    assert res.net_apr == pytest.approx(0.365 + 0.0584 - 0.05 - 0.096)
    assert res.break_even
    # at the break-even volume the net APR is zero
    be = res.break_even_volume_per_day
    assert be is not None
    again = calc.lp_returns(
        calc.AprInputs(
            volume=be,
            tvl=5e6,
            fee=0.003,
            lp_share=5 / 6,
            reward_per_day=1_000,
            reward_price=2.0,
            sell_pressure=0.5,
            price_drop=0.2,
            il_annual=0.05,
            gas_per_adjustment=20,
            adjustments_per_month=4,
            capital=10_000,
        )
    )
    assert again.net_apr == pytest.approx(0.0, abs=1e-12)


def test_apr_not_break_even() -> None:
    res = calc.lp_returns(calc.AprInputs(volume=1e5, tvl=1e8, fee=0.0005, il_annual=0.02))
    assert res.net_apr < 0 and not res.break_even


# ---------------------------------------------------------------- CLI


def test_cli_il_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calc", "il", "--ratio", "2"]) == 0
    assert "-5.72%" in capsys.readouterr().out


def test_cli_il_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calc", "il", "--table"]) == 0
    out = capsys.readouterr().out
    for pct in IL_TABLE.values():
        assert out.count(f"{pct:+.1f}%") == 2  # r and its mirror 1/r


def test_cli_il_without_flags_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calc", "il", "--table"]) == 0
    table = capsys.readouterr().out
    assert main(["calc", "il"]) == 0
    assert capsys.readouterr().out == table


def test_cli_il_band(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calc", "il", "--ratio", "1.1", "--band", "0.8:1.25"]) == 0
    out = capsys.readouterr().out
    assert "-1.07%" in out and "-0.11%" in out and "inside" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["calc", "il", "--ratio", "-1"],
        ["calc", "il", "--ratio", "0"],
        ["calc", "il", "--ratio", "2", "--table"],
        ["calc", "swap", "--reserves", "1000", "--in", "1"],
        ["calc", "swap", "--reserves", "1000,0", "--in", "1"],
        ["calc", "swap", "--reserves", "1000,2000", "--in", "nan"],
        ["calc", "swap", "--reserves", "1000,2000", "--in", "1e-19"],
        ["calc", "swap", "--reserves", "1000,2000", "--in", "1", "--fee", "0.5bps"],
        ["calc", "swap", "--reserves", "5e15,1", "--in", "2e14"],
        ["calc", "il", "--ratio", "2", "--band", "1.1:2"],
        ["calc", "il", "--ratio", "2", "--band", "oops"],
        ["calc", "apr", "--volume", "1", "--tvl", "0", "--fee", "0.3%"],
        ["calc", "apr", "--volume", "1", "--tvl", "1", "--fee", "30"],
        ["calc", "apr", "--volume", "1", "--tvl", "1", "--fee", "1%", "--reward-per-day", "5"],
        ["calc", "apr", "--volume", "1", "--tvl", "1", "--fee", "1%", "--gas-per-adjustment", "5"],
    ],
)
def test_cli_user_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("error:")


def test_cli_apr(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["calc", "apr", "--volume", "2e6", "--tvl", "5e6", "--fee", "30bps", "--il", "5"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "+43.80%" in out  # 2e6 * 0.003 / 5e6 * 365
    assert "+38.80%" in out  # minus 5% IL
    assert "breaks even" in out and "228,311" in out  # 0.05 / (0.003 / 5e6 * 365)


# ---------------------------------------------------------------- calc swap


def test_swap_amount_out_is_get_amount_out_to_the_wei() -> None:
    from decimal import Decimal
    from fractions import Fraction

    from sim.cli.calc_swap import swap

    res = swap((Decimal(1000), Decimal(2_000_000)), Decimal(10), 30)
    x, y, a = 1000 * 10**18, 2_000_000 * 10**18, 10 * 10**18
    exact = Fraction(a * 9970 * y, x * 10_000 + a * 9970)
    assert res.amount_out <= exact < res.amount_out + 1  # the floor: one wei more fails
    assert res.new_in == x + a and res.new_out == y - res.amount_out


def test_swap_without_fee_loses_exactly_the_il_formula() -> None:
    from decimal import Decimal

    from sim.cli.calc_swap import swap
    from sim.report.calc import impermanent_loss

    res = swap((Decimal(1000), Decimal(2_000_000)), Decimal(10), 0)
    _, frac = res.lp_against_hold()
    r = float(res.new_price() / res.price())
    assert float(frac) == pytest.approx(impermanent_loss(r), rel=1e-9)
    with_fee = swap((Decimal(1000), Decimal(2_000_000)), Decimal(10), 30)
    assert with_fee.lp_against_hold()[1] > frac  # the fee kept in the pool offsets part of it


def test_cli_swap_prints_the_worked_example(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["calc", "swap", "--reserves", "1000,2000000", "--in", "10", "--fee", "0.3%"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "19743160687941225977009 wei" in out  # 10 * 0.997 * 2e6 / (1000 + 9.97), floored
    assert "19,743.16 second" in out
    assert "new price         1,960.65" in out
    assert "LP vs holding     -0.0035%" in out


def test_list_shows_whole_descriptions(capsys: pytest.CaptureFixture[str]) -> None:
    from sim.scenario.files import bundled, read_toml

    assert main(["list"]) == 0
    out = capsys.readouterr().out
    names = [line.split()[0] for line in out.splitlines() if not line.startswith(" ")]
    assert names == list(bundled())
    flat = " ".join(out.split())
    for path in bundled().values():
        desc = " ".join(str(read_toml(path)["scenario"]["description"]).split())
        assert desc in flat  # every sentence, not only the first
