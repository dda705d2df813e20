"""Sweeps and the files a scenario names: relative CSVs resolve from the scenario's folder in
every run, `--allow-path` reaches the workers, and a failed run's error never carries a byte of
a file into results.jsonl or results.csv (issue 25, item 1)."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path
from typing import Any

import tomli_w
from sweep_cases import TINY, log_rows, only_sweep

from sim.cli.main import main

SECRET = "zz-secret-7d21"
CSV = "timestamp,asset,price\n" + "".join(
    f"{60 * i},ETH,{3000 + 9 * (i % 6) - 4 * (i % 5)}\n" for i in range(40)
)
FLAGS = ["--workers", "1", "--blocks", "30", "--no-plots", "--no-progress"]


def ammsim(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(list(argv))
    return code, out.getvalue()


def csv_scenario(folder: Path, csv_path: str) -> Path:
    raw: dict[str, Any] = copy.deepcopy(TINY)
    raw["prices"]["ETH"] = {"process": "csv", "path": csv_path}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny.toml").write_text(tomli_w.dumps(raw))
    return folder / "tiny.toml"


def test_a_sweep_reads_relative_csvs_and_needs_the_flag_for_others(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "px.csv").write_text(CSV)
    scenario = csv_scenario(tmp_path / "scen", "../data/px.csv")
    grid = ["--grid", "pools.eth_usdc.fee_bps=5,30"]
    code, output = ammsim("sweep", str(scenario), "--out", str(tmp_path / "out"), *grid, *FLAGS)
    assert code == 2 and "prices.ETH.path" in output and "--allow-path" in output
    assert not (tmp_path / "out").exists()  # refused while planning: nothing ran
    allow = ["--allow-path", str(tmp_path / "data")]
    code, output = ammsim(
        "sweep", str(scenario), "--out", str(tmp_path / "out"), *grid, *FLAGS, *allow
    )
    assert code == 0, output
    rows = log_rows(only_sweep(tmp_path / "out"))
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert "--allow-path" not in (only_sweep(tmp_path / "out") / "sweep.json").read_text()


def test_a_resumed_sweep_naming_a_foreign_file_fails_its_runs_without_its_bytes(
    tmp_path: Path,
) -> None:
    """A sweep folder received from someone else, its plan edited to read files around it."""
    (tmp_path / "scen").mkdir()
    (tmp_path / "scen" / "px.csv").write_text(CSV)
    (tmp_path / "x.csv").write_text(f"{SECRET}\ntimestamp,asset,price\n")
    scenario = csv_scenario(tmp_path / "scen", "px.csv")
    out = tmp_path / "out"
    assert ammsim("sweep", str(scenario), "--out", str(out), "--seeds", "3", *FLAGS)[0] == 0
    folder = only_sweep(out)
    plan = json.loads((folder / "sweep.json").read_text())
    plan["scenario"]["raw"]["prices"]["ETH"]["path"] = "../x.csv"
    (folder / "sweep.json").write_text(json.dumps(plan))
    (folder / "results.jsonl").write_text("")
    code, _ = ammsim("sweep", "--resume", str(folder), "--no-plots", "--no-progress")
    assert code == 1
    errors = [r["error"] for r in log_rows(folder)]
    assert len(errors) == 3
    assert all(f"{scenario.resolve()}: prices.ETH.path: " in e and "outside" in e for e in errors)
    code, _ = ammsim(
        "sweep", "--resume", str(folder), "--retry-failed", "--no-plots", "--no-progress",
        "--allow-path", str(tmp_path),
    )  # fmt: skip
    assert code == 1  # allowed, read, and not a price CSV
    errors = [r["error"] for r in log_rows(folder)][3:]  # the retried runs' rows
    assert len(errors) == 3 and all("lacks column(s)" in e for e in errors)
    for name in ("results.jsonl", "results.csv"):
        assert SECRET not in (folder / name).read_text()
