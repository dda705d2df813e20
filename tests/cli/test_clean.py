"""`ammsim clean`: lists unfinished run folders and killed sweeps' temporary files, removes them
with --yes, and never touches finished runs, sweep results or a run still going."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.runs.folder import RunFolder


@pytest.fixture
def outputs(tmp_path: Path) -> dict[str, Path]:
    """An outputs folder with one of everything: leftovers and things to keep."""
    out = tmp_path / "outputs"
    dead = RunFolder(out, "quickstart", 42, None)
    dead.fail(KeyboardInterrupt())
    finished = RunFolder(out, "quickstart", 43, None)
    finished.write_text("summary.json", "{}\n")
    finished.finish()
    sweep = out / "tiny" / "sweep-20261207T000000Z"
    sweep.mkdir(parents=True)
    (sweep / "results.jsonl").write_text('{"run": 0}\n')
    old_tmp = sweep / ".results.csv.tmp"
    old_tmp.write_text("config,replicate\n")
    hour_ago = time.time() - 3600
    os.utime(old_tmp, (hour_ago, hour_ago))
    fresh_tmp = sweep / ".summary.csv.tmp"  # a sweep may be writing it right now
    fresh_tmp.write_text("config\n")
    return {
        "out": out,
        "dead": dead.path,
        "finished": finished.path,
        "results": sweep / "results.jsonl",
        "old_tmp": old_tmp,
        "fresh_tmp": fresh_tmp,
    }


def test_clean_lists_then_removes_only_leftovers(
    outputs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = outputs["out"]
    live = RunFolder(out, "quickstart", 44, None)  # a run still going in this process
    try:
        assert main(["clean", "--outputs", str(out)]) == 0
        listed = capsys.readouterr().out
        assert f"{outputs['dead']}/" in listed and "run interrupted: KeyboardInterrupt" in listed
        assert str(outputs["old_tmp"]) in listed
        assert "2 leftover(s)" in listed and f"ammsim clean --outputs {out} --yes" in listed
        assert f"{live.path}/  (kept: its run is still going)" in listed
        for kept in ("finished", "fresh_tmp", "results"):
            assert str(outputs[kept]) not in listed
        assert outputs["dead"].is_dir() and outputs["old_tmp"].is_file()  # listing removes nothing

        assert main(["clean", "--outputs", str(out), "--yes"]) == 0
        assert "removed 2 leftover(s)" in capsys.readouterr().out
        assert not outputs["dead"].exists() and not outputs["old_tmp"].exists()
        assert live.path.is_dir()
        for kept in ("finished", "fresh_tmp", "results"):
            assert outputs[kept].exists()
    finally:
        live.discard()
    assert main(["clean", "--outputs", str(out)]) == 0
    assert f"no leftovers under {out}/" in capsys.readouterr().out


def test_a_partial_folder_is_free_once_its_run_is_over(tmp_path: Path) -> None:
    from sim.runs.folder import in_use

    folder = RunFolder(tmp_path, "quickstart", 1, None)
    assert in_use(folder.path)
    folder.fail(RuntimeError("boom"))
    assert not in_use(folder.path)
    assert (folder.path / "INCOMPLETE").read_text() == "run failed: RuntimeError: boom\n"


def test_clean_of_a_folder_that_does_not_exist_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["clean", "--outputs", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_a_finished_folder_is_never_marked_by_a_late_interrupt(tmp_path: Path) -> None:
    folder = RunFolder(tmp_path, "quickstart", 2, None)
    final = folder.finish()
    assert not folder.fail(KeyboardInterrupt())  # Ctrl-C just after the rename
    assert not (final / "INCOMPLETE").exists()
