"""Every JSON file ammsim writes is strict JSON: a non-finite number is null, listed with why."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

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


def test_summary_json_of_an_overflowing_run_is_strict(tmp_path: Path) -> None:
    """A near-zero block time annualises a fee APR to +inf: it is written as null with a reason."""
    result = run(
        SCENARIOS / "bench_cpmm.toml",
        blocks=10,
        overrides={"scenario.block_time_s": 1e-308},
        out=tmp_path,
    )
    assert result.path is not None
    overflowed = {
        f"pools.{p}.{k}"
        for p, row in result.summary["pools"].items()
        for k, v in row.items()
        if isinstance(v, float) and not math.isfinite(v)
    }
    assert overflowed  # the premise: the run meets a non-finite value
    for name in ("summary.json", "manifest.json"):
        _strict_load((result.path / name).read_text())
    summary = _strict_load((result.path / "summary.json").read_text())
    assert set(summary[strict_json.NOT_FINITE]) == overflowed
    for key in overflowed:
        _, pool, field = key.split(".")
        assert summary["pools"][pool][field] is None


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
