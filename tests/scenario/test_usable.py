"""Input that used to pass `validate` and then fail `run` with an internal error (issue 25).

Each case is refused by `validate` and by `run` alike: exit 2, one message naming the scenario
file and the dotted field, before any block (`sim.scenario.usable`, the initial market that
`validate` now builds, and the `[sweep]` table it now plans).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from conftest import ROOT

from sim.cli.main import main

S = ROOT / "scenarios"
SHOCK = 'events.s={kind="price_shock",at_block=5,asset="ETH",factor=%s}'

CASES: list[tuple[str, list[str], str]] = [
    ("quickstart", ['agents.retail.pair=["ETH","ETH"]'], "agents.retail.pair"),
    ("looping_yield", ["agents.liquidators.debt_asset=BTC"], "agents.liquidators.debt_asset"),
    ("looping_yield", ["agents.liquidators.debt_asset=wstETH"], "agents.liquidators.debt_asset"),
    ("steth_depeg", ["agents.lenders.asset=DAI"], "agents.lenders.asset"),
    ("bench_stableswap", ["tokens.USDT.decimals=36"], "tokens.USDT.decimals"),
    ("quickstart", [SHOCK % "1e-300"], "events.s.factor"),
    ("quickstart", [SHOCK % "1e5", SHOCK.replace("s=", "t=") % "1e5"], "events.t.factor"),
    ("looping_yield", ["lending.aave.assets.ETH.rate.kink=1e-308"], "rate.kink"),
    ("looping_yield", ["agents.pool_lps.count=0"], "tokens.wstETH"),
    (
        "steth_depeg",
        [
            f"agents.{c}.count=0"
            for c in ("curve_lps", "curve_lps_balanced", "sticky_lps", "whale_lp")
        ],
        "tokens.stETH",
    ),
    (
        "v3_band_strategies",
        ['events.s={kind="set",at_block=5,path="pools.eth_usdc.fee_bps",value=5}'],
        "events.s.path",
    ),
    (
        "looping_yield",
        ['events.s={kind="ramp_A",at_block=5,pool="wsteth_eth",future_A=1}'],
        "events.s.future_A",
    ),
    ("looping_yield", ["pools.wsteth_eth.A=1000000"], "pools.wsteth_eth.A"),
    ("sweep_fee_vs_volatility", ['sweep.grid={"pools.eth_usdc.fee_bps"=[5, nan]}'], "fee_bps"),
    ("sweep_fee_vs_volatility", ['sweep.grid={"pools.eth_usdc.fee_bsp"=[5]}'], "fee_bsp"),
    ("sweep_fee_vs_volatility", ["sweep.seeds=100000", "sweep.sample='lhs:99'"], "sweep"),
    ("quickstart", ["agents.retail.count=" + "9" * 5000], "agents.retail.count"),
    ("bench_cpmm", ["scenario.block_time_s=1e-308"], "scenario.block_time_s"),
]


def cli(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, err.getvalue()


@pytest.mark.parametrize(("name", "sets", "field"), CASES, ids=[c[2] for c in CASES])
def test_validate_and_run_refuse_it_naming_file_and_field(
    name: str, sets: list[str], field: str, tmp_path: Path
) -> None:
    path = str(S / f"{name}.toml")
    flags = [f for s in sets for f in ("--set", s)]
    for argv in (
        ["validate", path, *flags],
        ["run", path, "--blocks", "5", "--out", str(tmp_path), "--quiet", *flags],
    ):
        code, err = cli(*argv)
        assert code == 2, err
        assert path in err and field in err, err
    assert not [p for p in tmp_path.rglob("*") if p.is_file()], "refused before block 1: no files"


def test_the_same_scenarios_without_the_change_validate() -> None:
    for name in {c[0] for c in CASES}:
        assert cli("validate", str(S / f"{name}.toml")) == (0, "")


def test_an_event_past_any_run_never_fires_and_runs(tmp_path: Path) -> None:
    """The latest day the schema allows is past any run: the event never fires; beyond it
    (1e308, which overflowed once) is refused naming the field."""
    path = str(S / "quickstart.toml")
    too_late = 'events.s={kind="price_shock",at_day=1e308,asset="ETH",factor=2}'
    code, err = cli("validate", path, "--set", too_late)
    assert code == 2 and "events.s.at_day" in err, err
    late = 'events.s={kind="price_shock",at_day=1e6,asset="ETH",factor=2}'
    assert cli("validate", path, "--set", late)[0] == 0
    assert (
        cli("run", path, "--blocks", "5", "--out", str(tmp_path), "--quiet", "--set", late)[0] == 0
    )


def test_a_shock_the_run_takes_out_of_range_names_event_block_and_file(tmp_path: Path) -> None:
    """A shock within range of the start passes at load time; a path that has drifted near the
    top by then is only known while running: exit 2 naming the file, the event and its block."""
    path = str(S / "quickstart.toml")
    sets = [
        "scenario.block_time_s=86400",  # a day a block: +10%/year drift moves 2.7% a block
        "prices.ETH.start=9e11",
        "prices.ETH.sigma=0",
        "prices.ETH.drift=10",
        SHOCK % "1.0",  # at block 5 the price is 9e11 * exp(5 * 10 / 365) > 1e12
    ]
    flags = [f for s in sets for f in ("--set", s)]
    assert cli("validate", path, *flags)[0] == 0
    code, err = cli("run", path, "--blocks", "10", "--out", str(tmp_path), "--quiet", *flags)
    assert code == 2, err
    assert path in err and "events.s: at block 5" in err, err
