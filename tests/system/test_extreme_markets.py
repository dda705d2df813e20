"""Extreme markets: the model keeps running and reports what happened, or stops with a clear error.

Each scenario pushes one thing to its limit: a pool drained by trades far larger than its
liquidity, a reference price that jumps x100 or /100 in one block, gas that exceeds any
profit, and every liquidity provider leaving. For each, the run must

* finish with token conservation checked after every block (`check_every_block=True`) and
  at the end (`model.check()` inside `run`), and
* produce a summary that is strict JSON: numbers are finite or None, never NaN/inf
  (`json.dumps(allow_nan=False)` succeeds), and the time series holds no inf.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.model.model import MarketModel
from sim.report.result import RunResult
from sim.runs.runner import run
from sim.scenario.scenario import load_scenario


def _strict(summary: dict[str, Any]) -> None:
    json.dumps(summary, allow_nan=False)  # raises ValueError on NaN or inf anywhere

    def walk(x: Any, path: str) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, f"{path}.{k}")
        elif isinstance(x, list):
            for i, v in enumerate(x):
                walk(v, f"{path}[{i}]")
        elif isinstance(x, float):
            assert math.isfinite(x), path

    walk(summary, "summary")


def _finite_series(result: RunResult) -> None:
    numeric = result.timeseries.select_dtypes("number")
    assert not np.isinf(numeric.to_numpy(dtype=float)).any(), "inf in the time series"


def _run(raw: dict[str, Any], blocks: int, out: Path | None = None) -> RunResult:
    raw["scenario"]["blocks"] = blocks
    result = run(raw, out=out, check_every_block=True)
    _strict(result.summary)
    _finite_series(result)
    return result


def test_pool_drained_by_trades_far_larger_than_its_liquidity(raw: dict) -> None:
    raw["agents"]["lps"]["capital"] = 2_000  # a thin pool ...
    raw["agents"]["lps"]["count"] = 1
    raw["agents"]["retail"]["size"] = 5_000_000  # ... against whale-sized trades
    raw["agents"]["retail"]["capital"] = 50_000_000
    raw["agents"]["retail"]["trades_per_block"] = 1.0
    raw["agents"]["retail"]["slippage_bps"] = 9_999  # accept almost any price ...
    raw["agents"]["retail"]["max_price_impact_bps"] = 10_000  # and no price-impact guard
    model = MarketModel(load_scenario(dict(raw, scenario={**raw["scenario"], "blocks": 150})))
    model.check_every_block = True
    pool = model.market.pools["eth_usdc"]
    start, lowest = dict(pool.holdings()), 1.0
    for _ in range(150):
        model.step()
        held = pool.holdings()
        assert all(v > 0 for v in held.values()), f"a reserve was emptied: {held}"
        lowest = min(lowest, *(held[t] / start[t] for t in start))
    model.check()
    assert lowest < 0.01, "the trades never drained the pool: the test lost its point"
    _run(raw, blocks=150)


@pytest.mark.parametrize("factor", [100.0, 0.01])
def test_price_jumps_x100_or_div100_in_one_block(raw: dict, factor: float) -> None:
    raw["events"] = {
        "shock": {"kind": "price_shock", "at_block": 40, "asset": "ETH", "factor": factor}
    }
    model = MarketModel(load_scenario(dict(raw, scenario={**raw["scenario"], "blocks": 120})))
    model.check_every_block = True
    pool = model.market.pools["eth_usdc"]
    model.run_for(39)
    before, spot_before = model.market.price("ETH"), pool.spot_price("ETH", "USDC")
    model.run_for(1)
    assert model.market.price("ETH") / before == pytest.approx(factor, rel=0.2)
    model.run_for(80)
    model.check()
    # arbitrage moved the pool a long way toward the new price (as far as the arbitrageurs'
    # capital allows: a x100 move needs ~9x the pool's numeraire reserve)
    moved = math.log(pool.spot_price("ETH", "USDC") / spot_before)
    assert moved * math.log(factor) > 0 and abs(moved) > 0.5
    _run(raw, blocks=120)


def test_price_shock_run_writes_a_complete_folder(raw: dict, tmp_path: Path) -> None:
    raw["events"] = {
        "up": {"kind": "price_shock", "at_block": 20, "asset": "ETH", "factor": 100.0},
        "down": {"kind": "price_shock", "at_block": 60, "asset": "ETH", "factor": 1e-4},
    }
    result = _run(raw, blocks=100, out=tmp_path)
    assert result.path is not None
    names = {p.name for p in result.path.iterdir()}
    assert {"summary.json", "figure.png", "report.html"} <= names and "INCOMPLETE" not in names
    json.loads((result.path / "summary.json").read_text(), parse_constant=_no_constants)


def _no_constants(name: str) -> Any:
    raise AssertionError(f"summary.json holds {name}")


def test_gas_above_any_profit_drops_transactions_and_keeps_running(raw: dict) -> None:
    raw["chain"]["base_fee_gwei"] = 100_000.0  # the maximum allowed: a swap costs > $30,000
    raw["agents"]["retail"]["capital"] = 1_000  # traders cannot afford a single swap
    result = _run(raw, blocks=100)
    s = result.summary
    assert s["blocks"] == 100
    events = result.events
    assert set(events.status) <= {"ok", "reverted", "dropped"}
    retail = events[events.sender.astype(str).str.startswith("retail")]
    assert len(retail) > 0 and (retail.status != "ok").all(), "a trader paid more gas than it had"
    # arbitrage is never worth it at this gas price: no arbitrage executes
    arbs = events[events.sender.astype(str).str.startswith("arbs") & (events.status == "ok")]
    assert len(arbs) == 0


def _all_lps_leave(raw: dict, arbitrageurs: bool) -> None:
    raw["agents"]["lps"]["exit_block"] = 50
    if not arbitrageurs:
        del raw["agents"]["arbs"]
    result = _run(raw, blocks=150)
    lps = result.agents[result.agents.kind == "liquidity_provider"]
    assert len(lps) == 3
    # after the exit the pool holds only the locked minimum liquidity, and the run goes on
    model = MarketModel(load_scenario(dict(raw, scenario={**raw["scenario"], "blocks": 150})))
    model.check_every_block = True
    pool = model.market.pools["eth_usdc"]
    assert any(h.startswith("lps") and v > 0 for h, v in pool.balance_of.items())
    model.run_for(60)
    assert all(v == 0 for h, v in pool.balance_of.items() if h.startswith("lps"))
    model.run_for(90)
    model.check()


def test_every_liquidity_provider_leaves_while_traders_keep_trading(raw: dict) -> None:
    _all_lps_leave(raw, arbitrageurs=False)


def test_every_liquidity_provider_leaves_with_arbitrageurs_around(raw: dict) -> None:
    _all_lps_leave(raw, arbitrageurs=True)


# ---------------------------------------------------------------------------------------------
# the conservation ledger, through the command line


def _write(raw: dict, tmp_path: Path) -> Path:
    import tomli_w

    path = tmp_path / "s.toml"
    path.write_text(tomli_w.dumps(raw))
    return path


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from sim.cli.main import main

    code = main(argv)
    return code, capsys.readouterr().err


def test_run_check_flag_checks_conservation_after_every_block(
    raw: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sim.chain.ledger import Ledger

    checked: list[int] = []
    real = Ledger.check

    def spy(self: Ledger, block: int) -> None:
        checked.append(block)
        real(self, block)

    monkeypatch.setattr(Ledger, "check", spy)
    path = _write(raw, tmp_path)
    out = str(tmp_path / "out")
    code, err = _cli(
        ["run", str(path), "--blocks", "7", "--check", "--out", out, "--quiet"], capsys
    )
    assert code == 0, err
    assert checked == [1, 2, 3, 4, 5, 6, 7, 7]  # after every block, then the final check
    checked.clear()
    code, err = _cli(["run", str(path), "--blocks", "7", "--out", out, "--quiet"], capsys)
    assert code == 0, err
    assert checked == [7]  # without --check: only the final check


@pytest.mark.parametrize("per_block", [True, False])
def test_a_pool_paying_one_unit_too_much_fails_the_run_with_exit_1(
    raw: dict,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    per_block: bool,
) -> None:
    from sim.pools.uniswap_v2.pair import ConstantProductPool

    real = ConstantProductPool.swap_exact_in
    leaks: list[str] = []

    def leaky(self, token_in, token_out, amount_in, min_amount_out=0):  # type: ignore[no-untyped-def]
        swap = real(self, token_in, token_out, amount_in, min_amount_out)
        leaks.append(token_out)
        return swap._replace(amount_out=swap.amount_out + 1)  # 1 unit created out of thin air

    monkeypatch.setattr(ConstantProductPool, "swap_exact_in", leaky)
    path = _write(raw, tmp_path)
    argv = ["run", str(path), "--blocks", "20", "--out", str(tmp_path / "out"), "--quiet"]
    code, err = _cli([*argv, "--check"] if per_block else argv, capsys)
    assert code == 1
    assert leaks, "no swap happened: the leak was never exercised"
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err

    m = re.search(r"block (\d+): tokens created or lost: (\w+): held - supply = (\d+) units", err)
    assert m, err
    block, token, diff = int(m.group(1)), m.group(2), int(m.group(3))
    assert token in set(leaks)
    if per_block:  # caught at the first block with a swap, with exactly that block's leaks
        assert block < 20
        assert 1 <= diff <= len(leaks)
    else:
        assert block == 20 and diff >= 1
    # the failed run's folder is left marked incomplete, never as a finished one
    [folder] = list((tmp_path / "out" / "tiny").iterdir())
    assert folder.name.endswith(".partial") and (folder / "INCOMPLETE").exists()


def test_retail_refuses_quotes_beyond_its_price_impact_limit(raw: dict) -> None:
    """The same whales with the default guard (15%): a wallet refuses to sell at a third of value."""
    raw["agents"]["lps"]["capital"] = 2_000
    raw["agents"]["lps"]["count"] = 1
    raw["agents"]["retail"]["size"] = 5_000_000
    raw["agents"]["retail"]["capital"] = 50_000_000
    raw["agents"]["retail"]["trades_per_block"] = 1.0
    raw["agents"]["retail"]["arrivals"] = "fixed"  # exactly one attempt per trader and block
    raw["agents"]["retail"]["slippage_bps"] = 9_999
    model = MarketModel(load_scenario(dict(raw, scenario={**raw["scenario"], "blocks": 30})))
    model.run_for(30)
    retail = [a for a in model.market_agents if a.cohort == "retail"]
    assert sum(a.skipped for a in retail) >= 30 * len(retail) - 1
    assert sum(model.metrics.agent(a.name).swaps for a in retail) <= 1
