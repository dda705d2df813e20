"""Crash-safe outputs: `ammsim run` / `ammsim sweep` killed with SIGKILL at arbitrary points.

A SIGKILL runs no cleanup, so what is on disk afterwards is exactly what the atomic-folder
protocol of `sim.runs.folder.RunFolder` guarantees. After every kill, each entry of
`<out>/<scenario>/` must be either

* a complete run folder (visible name, every file, no `INCOMPLETE` marker), or
* a hidden `.<run-id>.partial` folder holding the `INCOMPLETE` marker (or, in the two
  sub-millisecond windows of the protocol, an empty `.partial` folder just created, or a
  complete one whose marker was removed right before the final rename: still hidden),

and an earlier complete run's folder is byte-identical to what it was before.

Kill points: right after start (during imports), at seeded random times across the run,
and during writing (as soon as the first result file appears in the `.partial` folder).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w
from conftest import BASE

RUN_FILES = {
    "scenario.toml",
    "summary.json",
    "timeseries.csv",
    "agents.csv",
    "events.csv",
    "flows.csv",
    "manifest.json",
    "figure.png",
    "report.html",
}
RANDOM_KILLS = int(os.environ.get("AMMSIM_CRASH_KILLS", "2"))


def _scenario(tmp: Path, blocks: int) -> Path:
    data = copy.deepcopy(BASE)
    data["scenario"]["name"] = "crashy"
    data["scenario"]["blocks"] = blocks
    path = tmp / "crashy.toml"
    path.write_text(tomli_w.dumps(data))
    return path


def _start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sim.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: workers can be found and cleaned up
    )


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process, then anything left in its process group (sweep workers)."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    if proc.stderr:
        proc.stderr.close()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def check_run_parent(parent: Path) -> dict[str, int]:
    """Every entry is a complete run folder or a marked `.partial` one; returns counts."""
    seen = {"complete": 0, "partial": 0}
    if not parent.exists():
        return seen
    for entry in parent.iterdir():
        assert entry.is_dir(), f"stray file {entry}"
        names = {p.name for p in entry.iterdir()}
        if entry.name.startswith("."):
            assert entry.name.endswith(".partial"), f"unexpected hidden entry {entry}"
            assert "INCOMPLETE" in names or not names or names >= RUN_FILES, (
                f"{entry}: a .partial folder without its INCOMPLETE marker: {sorted(names)}"
            )
            seen["partial"] += 1
        else:
            assert "INCOMPLETE" not in names, f"{entry} looks finished but is marked incomplete"
            assert names >= RUN_FILES, f"{entry} is missing {sorted(RUN_FILES - names)}"
            assert not [n for n in names if n.endswith(".tmp")], f"temp files left in {entry}"
            json.loads((entry / "summary.json").read_text())  # whole, not torn
            seen["complete"] += 1
    return seen


def _new_partial(parent: Path, old: set[Path]) -> bool:
    """True once a new `.partial` run folder (not in `old`) exists: the run is under way."""
    return parent.exists() and bool(set(parent.glob(".*.partial")) - old)


def _first_partial_file(parent: Path, old: set[Path]) -> bool:
    """True once a new `.partial` folder (not in `old`) receives its first result file."""
    if not parent.exists():
        return False
    for entry in set(parent.glob(".*.partial")) - old:
        try:
            names = {p.name for p in entry.iterdir()}
        except FileNotFoundError:  # renamed into place meanwhile
            continue
        if names & {"scenario.toml", ".scenario.toml.tmp", "timeseries.csv"}:
            return True
    return False


def test_sigkill_leaves_complete_or_marked_incomplete_folders(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, blocks=4_000)
    out = tmp_path / "out"
    parent = out / "crashy"
    argv = ["run", str(scenario), "--out", str(out), "--quiet"]

    # an earlier complete run, whose bytes must survive every later crash; timed from the
    # moment its folder exists (imports done) to the end, so that kills can land mid-run
    # however fast or slow the machine is at the time
    t0 = time.perf_counter()
    first = _start(*argv)
    opened = None
    while first.poll() is None:
        if opened is None and any(parent.glob(".*.partial")):
            opened = time.perf_counter()
        time.sleep(0.002)
    run_time = time.perf_counter() - (opened or t0)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err.decode()
    [done] = [p for p in parent.iterdir() if not p.name.startswith(".")]
    before = _digest(done)
    assert set(before) >= RUN_FILES

    rng = random.Random(11)
    delays = [rng.uniform(0.1, 0.6) * run_time for _ in range(RANDOM_KILLS)]
    kinds = ["right after start"] + ["random"] * RANDOM_KILLS + ["during writing"]
    partials = 0
    for kind, delay in zip(kinds, [None, *delays, None], strict=True):
        earlier = set(parent.glob(".*.partial"))
        proc = _start(*argv)
        try:
            if kind == "right after start":
                time.sleep(0.05)
            else:  # poll until the run's folder exists, or its result files are being written
                ready = _first_partial_file if delay is None else _new_partial
                deadline = time.monotonic() + 120
                while not ready(parent, earlier):
                    assert proc.poll() is None, f"the run finished before the kill ({kind})"
                    assert time.monotonic() < deadline, "the run never got that far"
                    time.sleep(0.002)
                if delay is not None:
                    time.sleep(delay)
        finally:
            _kill(proc)
        seen = check_run_parent(parent)
        if kind == "during writing":
            assert seen["partial"] == partials + 1, "the kill during writing left no .partial"
        partials = seen["partial"]
        assert _digest(done) == before, f"the earlier run changed after a kill ({kind})"
    assert partials >= 2, "no random kill landed mid-run: the scenario is too short for this"


def test_a_failed_run_does_not_touch_earlier_runs(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An exception (not a kill) mid-run: the folder stays `.partial` with the reason."""
    import sim.runs.runner
    from sim.runs.runner import run

    data = copy.deepcopy(BASE)
    data["scenario"]["blocks"] = 20
    done = run(data, out=tmp_path).path
    assert done is not None
    before = _digest(done)

    def boom(folder, result):  # type: ignore[no-untyped-def]
        folder.write_text("scenario.toml", "half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sim.runs.runner, "write_folder", boom)
    with pytest.raises(OSError):
        run(data, out=tmp_path)
    seen = check_run_parent(tmp_path / "tiny")
    assert seen == {"complete": 1, "partial": 1}
    [partial] = list((tmp_path / "tiny").glob(".*.partial"))
    assert "No space left" in (partial / "INCOMPLETE").read_text()
    assert _digest(done) == before


def _sweep_available() -> str | None:
    try:
        from sim.cli.main import build_parser

        build_parser().parse_args(["sweep", "x"])
    except Exception as err:
        return f"ammsim sweep is not available: {err}"
    return None


@pytest.mark.skipif(_sweep_available() is not None, reason=str(_sweep_available()))
def test_sigkill_of_a_sweep_leaves_a_resumable_folder(tmp_path: Path) -> None:
    """Kill a sweep mid-way: the log holds whole rows only, and `--resume` completes it."""
    from sim.cli.main import main

    scenario = _scenario(tmp_path, blocks=400)
    out = tmp_path / "out"
    argv = ["sweep", str(scenario), "--grid", "pools.eth_usdc.fee_bps=5,30,100", "--seeds", "4"]
    argv += ["--workers", "2", "--no-plots", "--no-progress", "--out", str(out)]
    proc = _start(*argv)
    try:
        deadline = time.monotonic() + 120
        log: Path | None = None
        while proc.poll() is None and time.monotonic() < deadline:
            logs = list(out.glob("crashy/sweep-*/results.jsonl"))
            if logs and logs[0].stat().st_size > 0:
                log = logs[0]
                break
            time.sleep(0.01)
    finally:
        _kill(proc)
    if log is None:
        pytest.skip("the sweep finished or never logged a run before the kill")
    folder = log.parent
    assert (folder / "sweep.json").is_file()
    for line in log.read_bytes().splitlines(keepends=True):
        if line.endswith(b"\n"):
            json.loads(line)  # every complete line is whole JSON (a torn last line is allowed)
    code = main(["sweep", "--resume", str(folder), "--no-plots", "--no-progress", "--workers", "1"])
    assert code == 0
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    assert {(r["config"], r["replicate"]) for r in rows} == {
        (c, s) for c in range(3) for s in range(4)
    }


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    members.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
    return members


@pytest.mark.skipif(_sweep_available() is not None, reason=str(_sweep_available()))
@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc to list processes")
def test_sigkill_of_a_sweep_leaves_no_orphan_processes(tmp_path: Path) -> None:
    scenario = _scenario(tmp_path, blocks=3_000)
    out = tmp_path / "out"
    argv = ["sweep", str(scenario), "--grid", "pools.eth_usdc.fee_bps=5,30", "--seeds", "5"]
    proc = _start(*argv, "--workers", "2", "--no-plots", "--no-progress", "--out", str(out))
    try:
        deadline = time.monotonic() + 60
        # wait for the pool: main, forkserver, resource tracker and both workers
        while len(_group_members(proc.pid)) < 5:
            assert proc.poll() is None, "the sweep ended before its pool was seen"
            assert time.monotonic() < deadline, "the sweep's worker pool never started"
            time.sleep(0.05)
        assert proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)  # the main process only, as a crash would
        proc.wait(timeout=30)
        deadline = time.monotonic() + 3
        while _group_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        orphans = _group_members(proc.pid)
    finally:
        _kill(proc)  # clean up whatever is left of the group we started
    assert orphans == [], f"{len(orphans)} process(es) outlived the killed sweep"
