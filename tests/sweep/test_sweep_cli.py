"""`ammsim sweep`: exit codes, resume, failures, the table it prints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sweep_cases import log_rows, only_sweep, reference_sweep, write_scenario

from sim.cli.main import main
from sim.errors import UserInputError
from sim.sweep.executors.factory import EXECUTORS


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_scenario(tmp_path_factory.mktemp("scenario"))


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reference_sweep(tmp_path_factory)


def test_bad_path_or_value_is_exit_2_before_any_run(
    scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    base = ["sweep", str(scenario_file), "--out", str(out), "--no-progress"]
    assert main([*base, "--grid", "pools.eth_usdc.fee_bsp=5,30"]) == 2
    err = capsys.readouterr().err
    assert "pools.eth_usdc.fee_bsp: unknown field 'fee_bsp'" in err and "fee_bps" in err
    assert main([*base, "--grid", "pools.eth_usdc.fee_bps=5,-3"]) == 2
    err = capsys.readouterr().err
    assert "configuration 1 of 2 (pools.eth_usdc.fee_bps=-3)" in err
    assert "pools.eth_usdc.fee_bps" in err.split("invalid scenario")[1]
    assert main([*base, "--range", "prices.ETH.sigma=0.1:0.9"]) == 2  # range without sample
    assert main([*base, "--grid", "prices.ETH.sigma=0.5", "--set", "prices.ETH.sigma=0.4"]) == 2
    assert not out.exists()  # nothing was created, nothing ran


def test_flags_that_contradict_each_other_are_exit_2(
    scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = {
        ("sweep", str(scenario_file), "--resume", str(tmp_path)): "not both",
        ("sweep",): "give a SCENARIO (or --resume DIR)",
        ("sweep", str(scenario_file), "--retry-failed"): "--retry-failed only applies",
        ("sweep", str(scenario_file), "--scheduler", "tcp://x:1", "--engine", "local"): (
            "--scheduler needs --engine dask"
        ),
        ("sweep", "--resume", str(tmp_path), "--grid", "a=1", "--set", "b=2"): (
            "--grid, --set: a resumed sweep keeps its plan"
        ),
        ("sweep", "--resume", str(tmp_path)): "not a sweep folder",
    }
    for argv, message in cases.items():
        assert main(list(argv)) == 2
        assert message in capsys.readouterr().err


def test_cli_resume_fills_lines_deleted_from_the_log(
    baseline: Path, scenario_file: Path, tmp_path: Path
) -> None:
    argv = ["sweep", str(scenario_file), "--out", str(tmp_path), "--workers", "1"]
    argv += ["--grid", "pools.eth_usdc.fee_bps=5,30", "--grid", "prices.ETH.sigma=0.4,1.2"]
    argv += ["--seeds", "2", "--seed", "11", "--no-plots", "--no-progress"]
    assert main(argv) == 0
    folder = only_sweep(tmp_path)
    log = folder / "results.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:2] + lines[5:]))
    (folder / "results.csv").unlink()
    assert main(["sweep", "--resume", str(folder), "--no-plots", "--no-progress"]) == 0
    assert len(log.read_text().splitlines()) == 8
    assert (folder / "results.csv").read_bytes() == (baseline / "results.csv").read_bytes()
    assert main(["sweep", "--resume", str(folder), "--seeds", "3"]) == 2  # the plan is fixed


def test_a_raising_run_is_recorded_as_failed_and_exit_1(
    scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1e-9 USD of LP capital validates, but the pool's first deposit then reverts in the run
    # (reported as a scenario error naming the cohort)
    argv = ["sweep", str(scenario_file), "--out", str(tmp_path), "--workers", "1", "--seeds", "2"]
    argv += ["--grid", "agents.lps.capital=1e-9,1000000", "--no-plots", "--no-progress"]
    assert main(argv) == 1
    assert "4 runs: 2 ok, 2 failed" in capsys.readouterr().out
    rows = {(r["config"], r["replicate"]): r for r in log_rows(only_sweep(tmp_path))}
    for k in (0, 1):
        assert rows[0, k]["status"] == "failed"
        assert rows[0, k]["error"].startswith(
            f"ScenarioError: {scenario_file.resolve()}: agents.lps: "
        )
        assert "cannot set up" in rows[0, k]["error"]
        assert "INSUFFICIENT_LIQUIDITY_MINTED" in rows[0, k]["error"]
        assert rows[1, k]["status"] == "ok" and rows[1, k]["error"] == ""
    summary = (only_sweep(tmp_path) / "summary.csv").read_text().splitlines()
    assert summary[1].split(",")[2:5] == ["2", "0", "2"]  # runs, ok, failed of config 0


def test_metric_flag_picks_the_table_columns(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    argv = ["sweep", "quickstart", "--grid", "pools.eth_usdc.fee_bps=5,30", "--seeds", "1"]
    argv += ["--blocks", "40", "--workers", "1", "--out", str(tmp_path), "--no-progress"]
    argv += ["--metric", "volume", "--metric", "pools.*.fees", "--no-plots"]
    assert main(argv) == 0
    header = next(
        line for line in capsys.readouterr().out.splitlines() if "pools.eth_usdc.fee_bps" in line
    )
    assert header.split() == [
        "pools.eth_usdc.fee_bps",
        "ok",
        "volume",
        "pools.eth_usdc.fees",
    ]


def test_engine_that_cannot_start_leaves_no_sweep_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise UserInputError("cannot reach Dask scheduler tcp://nowhere:8786: timed out")

    monkeypatch.setitem(EXECUTORS, "dask", unreachable)
    argv = ["sweep", "quickstart", "--seeds", "1", "--blocks", "10", "--out", str(tmp_path)]
    assert main([*argv, "--engine", "dask", "--scheduler", "tcp://nowhere:8786"]) == 2
    assert list(tmp_path.iterdir()) == []
