"""A sweep from request to results: a new folder or a resumed one; the public names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sweep_cases import TINY

import sim.sweep
from sim.errors import UserInputError
from sim.sweep.executors.factory import EXECUTORS
from sim.sweep.request import SweepRequest
from sim.sweep.sweep import open_sweep, run_missing


def test_a_new_sweep_opens_a_folder_with_its_plan_only(tmp_path: Path) -> None:
    plan, folder = open_sweep(SweepRequest(TINY, out=tmp_path, seeds=2, workers=1))
    assert folder.parent == tmp_path / "tiny" and [p.name for p in folder.iterdir()] == [
        "sweep.json"
    ]
    assert json.loads((folder / "sweep.json").read_text())["runs"] == plan.runs == 2
    again, same = open_sweep(SweepRequest(resume=folder))
    assert (again, same) == (plan, folder)


def test_an_engine_that_cannot_start_removes_a_new_folder_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(request: SweepRequest) -> None:
        raise UserInputError("cannot start")

    plan, folder = open_sweep(SweepRequest(TINY, out=tmp_path, workers=1))
    monkeypatch.setitem(EXECUTORS, "serial", unreachable)
    with pytest.raises(UserInputError, match="cannot start"):
        run_missing(plan, folder, SweepRequest(resume=folder))
    assert (folder / "sweep.json").is_file()  # a folder the caller resumes is theirs
    with pytest.raises(UserInputError, match="cannot start"):
        run_missing(plan, folder, SweepRequest(TINY, out=tmp_path, workers=1))
    assert not (tmp_path / "tiny").exists()


def test_the_public_names_are_all_there() -> None:
    assert dir(sim.sweep) == sorted(sim.sweep.__all__)
    for name in sim.sweep.__all__:
        assert getattr(sim.sweep, name).__name__ == name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = sim.sweep.nope
