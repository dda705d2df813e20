"""Shared by the sweep tests: a tiny scenario, its reference sweep, and helpers to read a folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import tomli_w

import sim.sweep.execute as sweep_execute
from sim.sweep.log import RunLog
from sim.sweep.request import SweepRequest
from sim.sweep.sweep import run_sweep

TINY: dict[str, Any] = {
    "scenario": {"name": "tiny", "seed": 7, "blocks": 150, "block_time_s": 12, "numeraire": "USDC"},
    "chain": {"base_fee_gwei": 0.0},
    "tokens": {"ETH": {"decimals": 18}, "USDC": {"decimals": 6}},
    "prices": {"ETH": {"process": "gbm", "start": 3000.0, "sigma": 0.8}},
    "pools": {"eth_usdc": {"kind": "constant_product", "tokens": ["ETH", "USDC"], "fee_bps": 30}},
    "agents": {
        "lps": {"kind": "liquidity_provider", "count": 2, "pool": "eth_usdc", "capital": 1e6},
        "retail": {
            "kind": "noise_trader",
            "count": 5,
            "pools": ["eth_usdc"],
            "trades_per_block": 0.3,
            "size": {"dist": "pareto", "scale": 200, "alpha": 1.5, "cap": 100_000},
            "capital": 200_000,
        },
        "arbs": {"kind": "arbitrageur", "count": 1, "capital": 2_000_000},
    },
}
GRID = {"pools.eth_usdc.fee_bps": [5, 30], "prices.ETH.sigma": [0.4, 1.2]}
SWEEP: dict[str, Any] = {"grid": GRID, "seeds": 2, "seed": 11}  # 4 configs x 2 seeds = 8 runs


def write_scenario(folder: Path, raw: dict[str, Any] | None = None) -> Path:
    path = folder / "tiny.toml"
    path.write_text(tomli_w.dumps(raw or TINY))
    return path


def only_sweep(out: Path) -> Path:
    (folder,) = (out / "tiny").glob("sweep-*")
    return folder


def log_rows(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]


_REFERENCE: dict[str, Path] = {}


def reference_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference sweep of TINY x SWEEP: serial, in process, with figures; run once per test
    session and shared by the modules that compare against it (none may change it)."""
    if "folder" not in _REFERENCE:
        out = tmp_path_factory.mktemp("baseline")
        scenario = write_scenario(tmp_path_factory.mktemp("baseline_scenario"))
        result = run_sweep(SweepRequest(scenario, out=out, workers=1, **SWEEP))
        assert (result.runs, result.ok, result.failed) == (8, 8, 0)
        _REFERENCE["folder"] = result.path
    return _REFERENCE["folder"]


def interrupt_after(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    """Make the next sweep raise KeyboardInterrupt, as Ctrl-C would, once `rows` rows are on disk."""

    class InterruptedLog(RunLog):
        written = 0

        def write(self, row: Any) -> None:
            super().write(row)
            self.written += 1
            if self.written == rows:
                raise KeyboardInterrupt

    monkeypatch.setattr(sweep_execute, "RunLog", InterruptedLog)
