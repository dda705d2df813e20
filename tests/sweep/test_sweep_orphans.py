"""A sweep killed with SIGKILL leaves no process behind, even while its parent has not reaped it.

The parent here is the test process: it starts `ammsim sweep` with pipes on stdout and stderr,
SIGKILLs it and does not wait for it (the sweep stays a zombie), then expects every process the
sweep started (workers, forkserver, resource tracker, Dask's worker processes) gone and its own
reads of the pipes at EOF within 5 s.
"""

from __future__ import annotations

import copy
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT
from sweep_cases import TINY, write_scenario

from sim.sweep.executors.lifeline import alive, identity

GONE_WITHIN_S = 5.0


def _children() -> dict[int, list[int]]:
    """ppid -> pids of every process on the machine (psutil where installed, else /proc)."""
    tree: dict[int, list[int]] = {}
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        for proc in psutil.process_iter(["pid", "ppid"]):
            tree.setdefault(proc.info["ppid"], []).append(proc.info["pid"])
        return tree
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # exited meanwhile
            tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        kids = tree.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _read_to_eof(pipes: list, timeout_s: float) -> bool:
    """Drain the pipes; True when every one reached EOF before the timeout."""
    open_fds = [p.fileno() for p in pipes]
    end = time.monotonic() + timeout_s
    while open_fds and time.monotonic() < end:
        ready, _, _ = select.select(open_fds, [], [], 0.1)
        for fd in ready:
            if not os.read(fd, 65536):
                open_fds.remove(fd)
    return not open_fds


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table")
@pytest.mark.parametrize("engine", ["local", pytest.param("dask", marks=pytest.mark.slow)])
def test_a_sigkilled_sweep_leaves_no_process_and_closes_its_pipes(
    engine: str, tmp_path: Path
) -> None:
    if engine == "dask":
        pytest.importorskip("dask.distributed")
        pytest.importorskip("cryptography")  # the local cluster's TLS
    raw = copy.deepcopy(TINY)
    raw["scenario"]["blocks"] = 50_000  # runs that are still going when the sweep is killed
    scenario = write_scenario(tmp_path, raw)
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(scenario), "--engine", engine]
    cmd += ["--grid", "pools.eth_usdc.fee_bps=5,30,100", "--seeds", "2", "--workers", "2"]
    cmd += ["--out", str(tmp_path / "out"), "--no-progress", "--no-plots"]
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    sweep = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    started: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sweep.poll() is None:
            started = _descendants(sweep.pid)
            # local: resource tracker + forkserver + 2 workers; dask: tracker + 2 workers
            if len(started) >= (4 if engine == "local" else 3):
                break
            time.sleep(0.2)
        assert sweep.poll() is None, sweep.stderr.read().decode()[-2000:]
        time.sleep(1.0)  # let the workers start their runs
        started = _descendants(sweep.pid)
        ids = [identity(pid) for pid in started]
        os.kill(sweep.pid, signal.SIGKILL)  # and no wait(): the sweep stays a zombie

        t0 = time.monotonic()
        assert _read_to_eof([sweep.stdout, sweep.stderr], GONE_WITHIN_S)
        while any(alive(who) for who in ids) and time.monotonic() - t0 < GONE_WITHIN_S:
            time.sleep(0.1)
        assert not alive(identity(sweep.pid))  # a zombie, unreaped: dead to the workers
        left = [pid for pid, started_at in ids if alive((pid, started_at))]
        assert left == [], f"still running {time.monotonic() - t0:.1f} s after SIGKILL: {left}"
    finally:
        for pid in started:  # never leave a process behind, even when the test fails
            if alive(identity(pid)):
                os.kill(pid, signal.SIGKILL)
        sweep.kill()
        sweep.wait()
        sweep.stdout.close()
        sweep.stderr.close()


def test_an_unreaped_zombie_is_not_alive_though_its_pid_exists() -> None:
    pid = os.posix_spawn(sys.executable, [sys.executable, "-c", "pass"], os.environ)
    try:
        who = identity(pid)
        deadline = time.monotonic() + 5
        while alive(who) and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(pid, 0)  # the pid still exists: the check the old watchdog made
        assert not alive(who)
    finally:
        os.waitpid(pid, 0)
    assert not alive(who)


def test_a_new_process_reusing_a_pid_is_not_the_one_watched() -> None:
    me = identity(os.getpid())
    assert alive(me)
    assert not alive((me[0], str(int(me[1]) - 1)))  # same pid, another start time
