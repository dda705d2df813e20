"""Reproducibility: same scenario and seed give byte-identical outputs, in one process and across
processes (with different hash seeds, so set/dict iteration order cannot leak into results);
the run folder holds what is needed to reproduce it."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from conftest import BASE

from sim.runs.runner import run

COMPARED = (
    "timeseries.csv",
    "agents.csv",
    "events.csv",
    "flows.csv",
    "summary.json",
    "figure.png",
    "scenario.toml",
)
"""Files that must be byte-identical (manifest.json records the machine and the command line;
report.html embeds them)."""


def _scenario() -> dict[str, Any]:
    """The fixture plus the random streams it leaves out: stochastic gas, a price shock, jumps."""
    data = copy.deepcopy(BASE)
    data["scenario"]["name"] = "repro"
    data["scenario"]["blocks"] = 250
    data["chain"] = {"base_fee_gwei": 3.0, "base_fee_volatility": 0.5, "ordering": "random"}
    data["prices"]["ETH"] = {
        "process": "jump_diffusion",
        "start": 3000.0,
        "sigma": 0.8,
        "jump_rate_per_year": 2000.0,
        "jump_mean": 0.0,
        "jump_std": 0.05,
    }
    data["events"] = {
        "shock": {"kind": "price_shock", "at_block": 100, "asset": "ETH", "factor": 0.8}
    }
    return data


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in COMPARED}


def _subprocess_run(scenario: Path, out: Path, hash_seed: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    return subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "run", str(scenario), "--out", str(out), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "repro.toml"
    path.write_text(tomli_w.dumps(_scenario()))
    return path


def test_same_seed_same_bytes_in_one_process(scenario_file: Path, tmp_path: Path) -> None:
    a = run(scenario_file, out=tmp_path / "a").path
    b = run(scenario_file, out=tmp_path / "b").path
    assert a is not None and b is not None
    fa, fb = _files(a), _files(b)
    for name in COMPARED:
        assert fa[name] == fb[name], name
    other = run(scenario_file, seed=8, out=tmp_path / "c").path
    assert other is not None and _files(other)["events.csv"] != fa["events.csv"]


def test_same_seed_same_bytes_across_processes(scenario_file: Path, tmp_path: Path) -> None:
    procs = [
        _subprocess_run(scenario_file, tmp_path / f"p{k}", hash_seed)
        for k, hash_seed in enumerate(("1", "2"))
    ]
    folders = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        folders.append(Path(stdout.strip().splitlines()[-1]))
    here = run(scenario_file, out=tmp_path / "here").path
    assert here is not None
    f0, f1, fh = _files(folders[0]), _files(folders[1]), _files(here)
    for name in COMPARED:
        assert f0[name] == f1[name], f"{name} differs between two processes"
        assert f0[name] == fh[name], f"{name} differs between a subprocess and this process"


def test_run_folder_records_how_to_reproduce_it(scenario_file: Path, tmp_path: Path) -> None:
    first = run(scenario_file, out=tmp_path / "first").path
    assert first is not None
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["ammsim"] and manifest["python"]
    for dep in ("mesa", "numpy", "pandas", "pydantic", "matplotlib"):
        assert manifest["dependencies"][dep] not in (None, "", "unknown"), dep
    assert manifest["seed"] == 7 and manifest["scenario"] == "repro"
    # the resolved scenario.toml alone reruns to the same bytes (seed and overrides included)
    again = run(first / "scenario.toml", out=tmp_path / "again").path
    assert again is not None
    fa, fb = _files(first), _files(again)
    for name in COMPARED:
        if name != "scenario.toml":  # its header names the file it came from
            assert fa[name] == fb[name], name


def test_overrides_and_seed_flags_are_recorded_in_scenario_toml(
    scenario_file: Path, tmp_path: Path
) -> None:
    first = run(
        scenario_file, seed=99, overrides={"pools.eth_usdc.fee_bps": 5}, out=tmp_path / "o"
    ).path
    assert first is not None
    again = run(first / "scenario.toml", out=tmp_path / "o2").path
    assert again is not None
    assert again.name.endswith("-seed99")
    assert _files(first)["events.csv"] == _files(again)["events.csv"]
    assert _files(first)["summary.json"] == _files(again)["summary.json"]
