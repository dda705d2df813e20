"""Peak memory of large runs, held against the figures in `sim.runs.limits` (which README and
docs/reliability.md cite).

Each run is `ammsim run` in a child process, folder written; its peak resident memory is the
child's own `ru_maxrss` (`os.wait4`), so nothing else in the test process counts.

* normal suite: the memory one more agent adds, from two runs of different sizes in which
  every agent trades in every block (so every draw buffer is filled and the mempool sits at
  its ceiling), is within `RSS_KB_PER_ACTIVE_AGENT`;
* slow: a run of `MAX_AGENTS` agents for 3 blocks peaks under `PEAK_RSS_MB_AT_MAX_AGENTS`.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from conftest import BASE

from sim.runs.limits import MAX_AGENTS, PEAK_RSS_MB_AT_MAX_AGENTS, RSS_KB_PER_ACTIVE_AGENT
from sim.scenario.scenario import load_scenario
from sim.scenario.schema import Scenario

CLI = "import sys; from sim.cli.main import main; sys.exit(main())"
COHORT_MAX = 100_000  # agents.<cohort>.count's ceiling: MAX_AGENTS takes several cohorts


def crowd(agents: int, trades_per_block: float) -> dict[str, Any]:
    """BASE (3 LPs, 2 arbitrageurs) plus noise traders, `agents` in all."""
    data = copy.deepcopy(BASE)
    retail = data["agents"].pop("retail")
    left, i = agents - sum(c["count"] for c in data["agents"].values()), 0
    while left > 0:
        n = min(left, COHORT_MAX)
        data["agents"][f"retail{i}"] = {
            **retail,
            "count": n,
            "trades_per_block": trades_per_block,
            "capital": 1_000,
            "size": 10,
        }
        left, i = left - n, i + 1
    return data


def peak_rss_mb(tmp: Path, data: dict[str, Any], blocks: int) -> float:
    """Run `data` for `blocks` blocks in a child process; its peak RSS in MB."""
    path = tmp / f"{sum(c['count'] for c in data['agents'].values())}.toml"
    path.write_text(tomli_w.dumps(data))
    cmd = [sys.executable, "-c", CLI, "run", str(path), "--blocks", str(blocks)]
    cmd += ["--out", str(tmp / "out"), "--quiet"]
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.returncode == 0, err.decode()[-2000:]
    return usage.ru_maxrss / 1024


def test_the_schemas_ceiling_is_the_measured_one() -> None:
    load_scenario(crowd(MAX_AGENTS, 0.001))
    with pytest.raises(ValueError, match="at most"):
        Scenario.model_validate(crowd(MAX_AGENTS + 1, 0.001))


STEPPED = """
import sys
from sim.runs.runner import build
from sim.scenario.scenario import load_scenario
model = build(load_scenario(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    model.step()
status = open("/proc/self/status").read().split("VmHWM:")[1]
print(status.split()[0])
"""
# VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child forked from a large
# pytest process would report the parent's size; VmHWM belongs to the new program alone.


def stepped_rss_mb(tmp: Path, data: dict[str, Any], blocks: int) -> float:
    """Peak RSS in MB of a child that builds `data` and steps it `blocks` blocks: the model
    alone, without the report's figures (whose peak would hide the agents' memory)."""
    path = tmp / f"stepped-{sum(c['count'] for c in data['agents'].values())}.toml"
    path.write_text(tomli_w.dumps(data))
    out = subprocess.run(
        [sys.executable, "-c", STEPPED, str(path), str(blocks)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(out.split()[-1]) / 1024


def test_memory_per_active_agent_is_within_the_documented_figure(tmp_path: Path) -> None:
    small, large = 500, 4_000
    low = stepped_rss_mb(tmp_path, crowd(small, 1.0), blocks=2)
    high = stepped_rss_mb(tmp_path, crowd(large, 1.0), blocks=2)
    per_agent_kb = (high - low) * 1024 / (large - small)
    assert 0 < per_agent_kb <= RSS_KB_PER_ACTIVE_AGENT, per_agent_kb


@pytest.mark.slow
def test_a_run_of_the_most_agents_allowed_peaks_under_the_documented_figure(
    tmp_path: Path,
) -> None:
    """About 2-4 minutes (building 200,000 agents), hence `slow`; the test above is the
    normal suite's check that memory per agent stays where this figure needs it."""
    peak = peak_rss_mb(tmp_path, crowd(MAX_AGENTS, 40 * 12 / 86_400), blocks=3)
    assert peak <= PEAK_RSS_MB_AT_MAX_AGENTS, peak
