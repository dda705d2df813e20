"""Every JSON file ammsim writes is strict JSON: a non-finite number is null, listed with why."""

from __future__ import annotations

import json
import math
from pathlib import Path
from unittest.mock import ANY

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.runs import strict_json
from sim.runs.runner import run
from sim.sweep.log import RunLog

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _strict_load(text: str) -> object:
    """Parse as a strict reader does: Infinity and NaN are errors."""

    def refuse(token: str) -> None:
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def test_non_finite_numbers_become_null_with_a_reason_by_dotted_key() -> None:
    data = {
        "a": 1.5,
        "pools": {"p": {"apr": math.inf, "k": [0.0, -math.inf, np.float32("nan")]}},
        "n": np.int64(3),
    }
    out = _strict_load(strict_json.dumps(data))
    assert out["a"] == 1.5 and out["n"] == 3
    assert out["pools"]["p"]["apr"] is None and out["pools"]["p"]["k"] == [0.0, None, None]
    notes = out[strict_json.NOT_FINITE]
    assert set(notes) == {"pools.p.apr", "pools.p.k[1]", "pools.p.k[2]"}
    assert notes["pools.p.apr"].startswith("+inf") and notes["pools.p.k[1]"].startswith("-inf")
    assert notes["pools.p.k[2]"].startswith("NaN")
    assert strict_json.NOT_FINITE not in _strict_load(strict_json.dumps({"a": 1.0}))


def test_finite_data_is_written_exactly_as_json_would() -> None:
    data = {"x": 0.1 + 0.2, "y": [1, 2.5e-308, True, None, "s"], "z": {"w": np.float64(1 / 3)}}
    assert strict_json.dumps(data, indent=2) == json.dumps(data, indent=2)


def test_a_block_time_that_would_overflow_is_refused(tmp_path: Path) -> None:
    """1e-308 s blocks annualised a fee APR to +inf once; the schema now refuses them."""
    with pytest.raises(ScenarioError, match=r"scenario\.block_time_s"):
        run(SCENARIOS / "bench_cpmm.toml", blocks=10, overrides={"scenario.block_time_s": 1e-308})


def test_summary_json_of_a_run_meeting_inf_is_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever non-finite number a run's summary meets is written as null with a reason."""
    import sim.runs.runner as runner

    def summarize_with_inf(model: object) -> dict:
        summary = runner_summarize(model)
        pool = next(iter(summary["pools"]))
        summary["pools"][pool]["fee_apr_pct"] = math.inf
        return summary

    runner_summarize = runner.summarize
    monkeypatch.setattr(runner, "summarize", summarize_with_inf)
    result = run(SCENARIOS / "bench_cpmm.toml", blocks=10, out=tmp_path)
    assert result.path is not None
    for name in ("summary.json", "manifest.json"):
        _strict_load((result.path / name).read_text())
    summary = _strict_load((result.path / "summary.json").read_text())
    pool = next(iter(summary["pools"]))
    assert summary[strict_json.NOT_FINITE] == {f"pools.{pool}.fee_apr_pct": ANY}
    assert summary["pools"][pool]["fee_apr_pct"] is None


def test_a_sweep_row_with_inf_is_a_strict_json_line(tmp_path: Path) -> None:
    log = RunLog(tmp_path / "results.jsonl")
    log.write({"config": 0, "replicate": 0, "status": "ok", "pools.p.fee_apr_pct": math.inf})
    log.close()
    row = _strict_load((tmp_path / "results.jsonl").read_text())
    assert row["pools.p.fee_apr_pct"] is None
    assert row[strict_json.NOT_FINITE] == {"pools.p.fee_apr_pct": strict_json.reason(math.inf)}


def test_nothing_non_finite_can_slip_through_a_custom_encoder() -> None:
    with pytest.raises(ValueError):
        strict_json.dumps({"x": object()}, default=lambda o: math.nan)
