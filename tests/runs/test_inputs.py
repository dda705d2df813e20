"""Tests for sim.runs.inputs: a run folder holds the files its scenario read, and its
scenario.toml reruns from the folder alone, byte for byte (issue 25, item 8)."""

from __future__ import annotations

import contextlib
import copy
import io
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from conftest import BASE

from sim.cli.main import main
from sim.errors import ScenarioError
from sim.runs.runner import run
from sim.scenario.scenario import load_scenario

CSV = "timestamp,asset,price\n" + "".join(
    f"{60 * i},ETH,{3000 + 11 * (i % 7) - 5 * (i % 4)}\n" for i in range(60)
)
SAME = ("summary.json", "timeseries.csv", "agents.csv", "events.csv", "flows.csv", "scenario.toml")


def ammsim_run(scenario: Path, out: Path) -> Path:
    """`ammsim run SCENARIO --quiet`: the run folder it prints."""
    text = io.StringIO()
    with contextlib.redirect_stdout(text), contextlib.redirect_stderr(io.StringIO()):
        code = main(["run", str(scenario), "--out", str(out), "--quiet"])
    assert code == 0
    return Path(text.getvalue().strip())


def test_a_run_folder_reruns_its_relative_csvs_byte_for_byte(tmp_path: Path) -> None:
    raw: dict[str, Any] = copy.deepcopy(BASE)
    raw["scenario"]["blocks"] = 200  # 40 minutes of 12-second blocks: the CSV covers an hour
    raw["prices"]["ETH"] = {"process": "csv", "path": "data/px.csv"}
    raw["prices"]["BTC"] = {"process": "csv", "path": "./data/px.csv", "asset": "ETH"}
    raw["tokens"]["BTC"] = {"decimals": 8}
    (tmp_path / "scen" / "data").mkdir(parents=True)
    (tmp_path / "scen" / "data" / "px.csv").write_text(CSV)
    (tmp_path / "scen" / "s.toml").write_text(tomli_w.dumps(raw))

    first = ammsim_run(tmp_path / "scen" / "s.toml", tmp_path / "out")
    assert sorted(p.name for p in (first / "inputs").iterdir()) == ["px.csv"]  # one copy
    assert (first / "inputs" / "px.csv").read_text() == CSV
    saved = tomllib.loads((first / "scenario.toml").read_text())
    assert saved["prices"]["ETH"]["path"] == saved["prices"]["BTC"]["path"] == "inputs/px.csv"

    shutil.rmtree(tmp_path / "scen")  # the folder alone must suffice
    moved = shutil.copytree(first, tmp_path / "elsewhere")  # wherever it is
    again = ammsim_run(moved / "scenario.toml", tmp_path / "out2")
    for name in SAME:
        assert (again / name).read_bytes() == (first / name).read_bytes(), name
    assert (again / "inputs" / "px.csv").read_text() == CSV


def test_python_callers_allow_folders_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`run(scenario, allow=[DIR])` widens where a Scenario built in code may read from."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "px.csv").write_text(CSV)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")  # a scenario built in code starts from the working folder
    raw: dict[str, Any] = copy.deepcopy(BASE)
    raw["scenario"]["blocks"] = 20
    raw["prices"]["ETH"] = {"process": "csv", "path": str(tmp_path / "data" / "px.csv")}
    sc = load_scenario(raw)
    with pytest.raises(ScenarioError, match="outside the scenario's folder"):
        run(sc, out=None)
    assert run(sc, out=None, allow=[tmp_path / "data"]).summary["blocks"] == 20
    with pytest.raises(ScenarioError, match="outside the scenario's folder"):
        load_scenario(raw, origin=tmp_path / "cwd" / "s.toml")  # a known file: checked on load
    assert load_scenario(raw, origin=tmp_path / "cwd" / "s.toml", allow=[tmp_path / "data"])
