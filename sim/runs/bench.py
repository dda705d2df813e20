"""The benchmark behind `ammsim bench`: reference workloads through the public `run()`.

Each workload runs in its own fresh Python process, so its peak memory is its own
and nothing warms up across workloads. Numbers reported: blocks/s and swaps/s on
wall-clock and on CPU time (CPU time is what one core delivers when the machine is
shared), peak resident memory, and the wall time of each phase of `run()`.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Any

from sim.pools.curve import newton

WORKLOADS = {"cpmm": "bench_cpmm", "stableswap": "bench_stableswap"}
SHORT_BLOCKS = 20_000


def measure(scenario: str, blocks: int | None) -> dict[str, Any]:
    """Run one workload in this process and return its measurements."""
    from sim.runs.runner import run

    phases: dict[str, float] = {}
    cpu0, wall0 = time.process_time(), time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(scenario, blocks=blocks, out=tmp, timings=phases)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        n_blocks = result.summary["blocks"]
        swaps = sum(p["swaps"] for p in result.summary["pools"].values())
    sim_wall = phases.get("simulate", wall)
    return {
        "scenario": scenario,
        "blocks": n_blocks,
        "swaps": swaps,
        "wall_s": wall,
        "cpu_s": cpu,
        "blocks_per_s": n_blocks / sim_wall,
        "swaps_per_s": swaps / sim_wall,
        "blocks_per_cpu_s": n_blocks / cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "phases_s": phases,
    }


def run_isolated(scenario: str, blocks: int | None) -> dict[str, Any]:
    """`measure` in a fresh interpreter (its peak memory and imports are its own)."""
    code = (
        "import json, sys; from sim.runs.bench import measure; "
        f"print(json.dumps(measure({scenario!r}, {blocks!r})))"
    )
    env = dict(os.environ, PYTHONHASHSEED="0")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        tail = out.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"benchmark {scenario} failed: {tail[0]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def exchange_rate(calls: int = 50_000) -> dict[str, Any]:
    """Microbenchmark: exact 2-coin StableSwap `exchange` calls per second (curvesim does ~40k)."""
    from sim.pools.curve.stableswap import StableSwapPool

    pool = StableSwapPool("bench", ("USDC", "USDT"), (6, 6), A=100, fee=4_000_000)
    pool.add_liquidity([10**14, 10**14], 0, "lp")
    size = 10**9
    cpu0 = time.process_time()
    for k in range(calls):
        i = k & 1
        pool.exchange(i, 1 - i, size, 0)
    cpu = time.process_time() - cpu0
    return {"calls": calls, "cpu_s": cpu, "exchange_per_cpu_s": calls / cpu}


def sweep_scaling(runs: int = 8, blocks: int = 14_400, repeats: int = 2) -> dict[str, Any]:
    """Wall time of `ammsim sweep` (`runs` seeds of the quickstart) on 1 and on 2 workers.

    Each sweep is the whole command in a fresh process, as a user runs it: both pay the
    interpreter's start and imports, and the 2-worker sweep starts its process server while
    the command plans. The two are taken in turn `repeats` times and the fastest of each
    kept, so that a slow minute of a shared machine does not land on one side only.
    """
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(repeats):
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as tmp:
                times[workers].append(_time_sweep(runs, blocks, workers, tmp))
    best = {w: min(t) for w, t in times.items()}
    return {
        "runs": runs,
        "blocks": blocks,
        "repeats": repeats,
        "wall_1_worker_s": best[1],
        "wall_2_workers_s": best[2],
        "ratio": best[2] / best[1],
        "all_s": {f"{w}_worker{'s' * (w > 1)}": t for w, t in times.items()},
    }


def _time_sweep(runs: int, blocks: int, workers: int, out: str) -> float:
    """Seconds `ammsim sweep quickstart` takes from start to exit (it must succeed)."""
    argv = ["sweep", "quickstart", f"--seeds={runs}", f"--blocks={blocks}"]
    argv += [f"--workers={workers}", f"--out={out}", "--no-plots", "--no-progress"]
    code = "import sys; from sim.cli.main import main; sys.exit(main(sys.argv[1:]))"
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"sweep on {workers} worker(s) failed: {tail[0]}")
    finished = sum(
        len(f.read_text().splitlines()) for f in Path(out).glob("*/sweep-*/results.jsonl")
    )
    if finished != runs:
        raise RuntimeError(f"sweep on {workers} worker(s) finished {finished} of {runs} runs")
    return wall


def interpreter() -> dict[str, Any]:
    """The Python running the benchmark and whether its configure flags show a PGO/LTO build.

    Pure-Python throughput depends on how the interpreter was compiled as much as on the
    machine: see the README's Performance section for what an optimised build changes.
    """
    flags = sysconfig.get_config_var("CONFIG_ARGS") or ""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "pgo": "--enable-optimizations" in flags,
        "lto": "--with-lto" in flags,
        "stableswap_kernels": "native" if newton.kernels_native() else "python",
    }


def describe(python: dict[str, Any]) -> str:
    """One line about the interpreter, with a pointer when its flags show no optimised build."""
    line = f"{python['implementation']} {python['python']} ({python['executable']})"
    if python["pgo"] and python["lto"]:
        line += ", built with PGO and LTO"
    else:
        line += (
            ": its configure flags show no PGO/LTO build (--enable-optimizations --with-lto);"
            " an optimised build runs these workloads faster (README, Performance)"
        )
    if python.get("stableswap_kernels") == "python":
        why = (
            "AMMSIM_PURE_PYTHON is set"
            if os.environ.get("AMMSIM_PURE_PYTHON")
            else "not built: reinstall with a C compiler"
        )
        line += f"\nStableSwap kernels: pure Python ({why}); the same integers, slower"
    else:
        line += "\nStableSwap kernels: native (sim/pools/_stableswap_native.c)"
    return line


def table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table of workload results."""
    head = f"{'workload':<18}{'blocks':>9}{'blocks/s':>10}{'swaps/s':>10}{'blocks/cpu-s':>14}{'peak MB':>9}  phases (s)"
    lines = [head, "-" * len(head)]
    for r in rows:
        phases = " ".join(f"{k}={v:.2f}" for k, v in r["phases_s"].items())
        lines.append(
            f"{r['scenario']:<18}{r['blocks']:>9,}{r['blocks_per_s']:>10,.0f}{r['swaps_per_s']:>10,.0f}"
            f"{r['blocks_per_cpu_s']:>14,.0f}{r['peak_rss_mb']:>9.0f}  {phases}"
        )
    return "\n".join(lines)
