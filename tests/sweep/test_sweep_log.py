"""The durable log: one writer, torn lines dropped, the latest row of a run wins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sweep_cases import TINY

from sim.errors import UserInputError
from sim.sweep.log import RunLog, index_log, row_at
from sim.sweep.plan import plan_sweep
from sim.sweep.request import SweepRequest


def test_a_sweep_folder_has_one_writer(tmp_path: Path) -> None:
    first = RunLog(tmp_path / "results.jsonl")
    try:
        with pytest.raises(UserInputError, match="another ammsim process is running this sweep"):
            RunLog(tmp_path / "results.jsonl")
    finally:
        first.close()
    RunLog(tmp_path / "results.jsonl").close()  # free again once the first is closed


def test_the_index_keeps_whole_lines_and_the_latest_row_of_each_run(tmp_path: Path) -> None:
    plan = plan_sweep(SweepRequest(TINY, grid={"pools.eth_usdc.fee_bps": [5, 30]}, seeds=2))
    path = tmp_path / "results.jsonl"
    log = RunLog(path)
    for config, rep, status in [(0, 0, "ok"), (1, 1, "failed"), (0, 1, "failed"), (1, 1, "ok")]:
        log.write({"config": config, "replicate": rep, "status": status})
    log.close()
    whole = path.stat().st_size
    with path.open("a") as f:
        f.write("not json\n")  # a bad whole line: skipped
        f.write('{"config": 9, "replicate": 0, "status": "ok"}\n')  # not in the plan: skipped
        f.write('{"config": 1, "replicate": 0, "sta')  # torn by a kill
    index = index_log(path, plan)
    assert index.offsets[2] == -1  # (1, 0): only the torn line
    assert index.failed.tolist() == [False, True, False, False]  # (1, 1) failed, then ok
    assert index.done().tolist() == [True, True, False, True]
    assert index.done(retry_failed=True).tolist() == [True, False, False, True]
    with path.open("rb") as f:
        assert row_at(f, int(index.offsets[3])) == {"config": 1, "replicate": 1, "status": "ok"}
    assert path.read_text().endswith("sta")  # reading repairs nothing
    index_log(path, plan, repair=True)
    good = whole + len("not json\n") + len('{"config": 9, "replicate": 0, "status": "ok"}\n')
    assert path.stat().st_size == good  # the torn line is cut off, the whole ones stay
    assert json.loads(path.read_text().splitlines()[-1])["config"] == 9
