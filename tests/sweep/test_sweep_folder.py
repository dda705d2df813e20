"""A sweep's folder and its plan file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sweep_cases import TINY

from sim.errors import UserInputError
from sim.sweep.folder import discard_if_unstarted, new_folder, read_plan, write_plan
from sim.sweep.plan import plan_sweep
from sim.sweep.request import SweepRequest


def test_a_new_folder_never_reuses_one(tmp_path: Path) -> None:
    first, second = new_folder(tmp_path, "my run"), new_folder(tmp_path, "my run")
    assert first.parent == second.parent == tmp_path / "my_run"
    assert first.name.startswith("sweep-") and first.name.endswith("Z")
    stamp = len("sweep-20261122T140720Z")
    assert second.name == f"{first.name}-2" or second.name[:stamp] > first.name[:stamp]


def test_the_plan_survives_its_folder(tmp_path: Path) -> None:
    plan = plan_sweep(SweepRequest(TINY, grid={"pools.eth_usdc.fee_bps": [5, 30]}, seeds=2))
    write_plan(tmp_path, plan)
    assert [p.name for p in tmp_path.iterdir()] == ["sweep.json"]  # no temporary file left
    assert read_plan(tmp_path) == plan
    data = json.loads((tmp_path / "sweep.json").read_text())
    assert (data["version"], data["runs"], data["configs"]) == (1, 4, [[5], [30]])
    with pytest.raises(UserInputError, match="not a sweep folder"):
        read_plan(tmp_path / "elsewhere")
    (tmp_path / "sweep.json").write_text('{"version": 2}')
    with pytest.raises(UserInputError, match=r"unsupported sweep\.json version 2"):
        read_plan(tmp_path)


def test_only_a_folder_without_runs_is_discarded(tmp_path: Path) -> None:
    kept, gone = new_folder(tmp_path / "a", "x"), new_folder(tmp_path / "b", "x")
    (kept / "results.jsonl").write_text('{"config": 0}\n')
    (gone / "results.jsonl").write_text("")
    discard_if_unstarted(kept)
    discard_if_unstarted(gone)
    assert kept.is_dir()
    assert not (tmp_path / "b" / "x").exists()  # the scenario's folder too, now empty
