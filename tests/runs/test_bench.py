"""`ammsim bench`: the reference workloads run end to end and report what they measured."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.runs.bench import describe, interpreter, sweep_scaling


def test_bench_measures_the_workload_it_names(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    assert main(["bench", "--blocks", "300", "--only", "cpmm", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    (row,) = report["workloads"]
    assert row["scenario"] == "bench_cpmm"
    assert row["blocks"] == 300
    # ten noise traders swap once a block (a few may be refused), plus the arbitrageur
    assert 2_700 <= row["swaps"] <= 3_600
    assert row["blocks_per_s"] > 0 and row["peak_rss_mb"] > 0
    assert set(row["phases_s"]) >= {"simulate", "write"}
    assert report["python"]["python"] == platform.python_version()
    assert report["stableswap_exchange"]["exchange_per_cpu_s"] > 0


def test_the_interpreter_line_says_whether_the_build_is_optimised() -> None:
    python = interpreter()
    assert python["executable"]
    optimised = describe({**python, "pgo": True, "lto": True})
    plain = describe({**python, "pgo": False, "lto": True})
    assert optimised.splitlines()[0].endswith("built with PGO and LTO")
    assert "no PGO/LTO build" in plain and "README" in plain


def test_the_interpreter_line_says_which_stableswap_kernels_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    python = interpreter()
    native = describe({**python, "stableswap_kernels": "native"})
    assert native.splitlines()[1].startswith("StableSwap kernels: native")
    monkeypatch.setenv("AMMSIM_PURE_PYTHON", "1")
    pure = describe({**python, "stableswap_kernels": "python"})
    assert "pure Python (AMMSIM_PURE_PYTHON is set)" in pure


def test_the_sweep_timing_runs_the_command_on_each_worker_count() -> None:
    scaling = sweep_scaling(runs=2, blocks=40, repeats=1)
    one, two = scaling["all_s"]["1_worker"], scaling["all_s"]["2_workers"]
    assert len(one) == len(two) == 1 and min(one + two) > 0
    assert scaling["ratio"] == pytest.approx(two[0] / one[0])


def test_the_sweep_timing_refuses_a_sweep_that_failed() -> None:
    with pytest.raises(RuntimeError, match="sweep on 1 worker"):
        sweep_scaling(runs=2, blocks=0, repeats=1)
