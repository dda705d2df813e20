"""Parameter sweeps: planning and validation, sampling, seeds, engines, resume, failures, CLI."""

from __future__ import annotations

import copy
import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tomli_w

from sim.cli.main import main
from sim.errors import ScenarioError, UserInputError
from sim.sweep import sweep

TINY: dict[str, Any] = {
    "scenario": {"name": "tiny", "seed": 7, "blocks": 150, "block_time_s": 12, "numeraire": "USDC"},
    "chain": {"base_fee_gwei": 0.0},
    "tokens": {"ETH": {"decimals": 18}, "USDC": {"decimals": 6}},
    "prices": {"ETH": {"process": "gbm", "start": 3000.0, "sigma": 0.8}},
    "pools": {"eth_usdc": {"kind": "constant_product", "tokens": ["ETH", "USDC"], "fee_bps": 30}},
    "agents": {
        "lps": {"kind": "liquidity_provider", "count": 2, "pool": "eth_usdc", "capital_usd": 1e6},
        "retail": {
            "kind": "noise_trader",
            "count": 5,
            "pools": ["eth_usdc"],
            "trades_per_block": 0.3,
            "size_usd": {"dist": "pareto", "scale": 200, "alpha": 1.5, "cap": 100_000},
            "capital_usd": 200_000,
        },
        "arbs": {"kind": "arbitrageur", "count": 1, "capital_usd": 2_000_000},
    },
}
GRID = {"pools.eth_usdc.fee_bps": [5, 30], "prices.ETH.sigma": [0.4, 1.2]}
SWEEP = {"grid": GRID, "seeds": 2, "seed": 11}  # 4 configurations x 2 seeds = 8 runs


def write_scenario(folder: Path, raw: dict[str, Any] | None = None) -> Path:
    path = folder / "tiny.toml"
    path.write_text(tomli_w.dumps(raw or TINY))
    return path


def only_sweep(out: Path) -> Path:
    (folder,) = (out / "tiny").glob("sweep-*")
    return folder


def log_rows(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_scenario(tmp_path_factory.mktemp("scenario"))


@pytest.fixture(scope="module")
def baseline(scenario_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference sweep: serial, in process, with figures."""
    out = tmp_path_factory.mktemp("baseline")
    result = sweep.run_sweep(scenario_file, out=out, workers=1, **SWEEP)
    assert (result.runs, result.ok, result.failed) == (8, 8, 0)
    return result.path


# ---------------------------------------------------------------------------------------------
# planning


def test_grid_and_range_arguments_parse_as_toml() -> None:
    assert sweep.parse_grid("pools.eth_usdc.fee_bps=5,30,100") == (
        "pools.eth_usdc.fee_bps",
        [5, 30, 100],
    )
    assert sweep.parse_grid("prices.ETH.sigma=0.4, 0.8") == ("prices.ETH.sigma", [0.4, 0.8])
    assert sweep.parse_grid("a.b=[1, 2],[3, 4]")[1] == [[1, 2], [3, 4]]
    assert sweep.parse_grid("chain.ordering=fifo,random")[1] == ["fifo", "random"]
    assert sweep.parse_range("prices.ETH.sigma=0.2:1.5") == ("prices.ETH.sigma", [0.2, 1.5])
    for bad in ("nopath", "a.b="):
        with pytest.raises(UserInputError, match="--grid expects"):
            sweep.parse_grid(bad)
    with pytest.raises(UserInputError, match="--range expects"):
        sweep.parse_range("a.b=x:1")


def test_plan_is_the_table_extended_by_arguments() -> None:
    raw = copy.deepcopy(TINY)
    raw["sweep"] = {"grid": {"pools.eth_usdc.fee_bps": [5, 30, 100]}, "seeds": 3}
    plan = sweep.plan_sweep(raw, grid={"prices.ETH.sigma": [0.4, 0.8]})
    assert plan.params == ["pools.eth_usdc.fee_bps", "prices.ETH.sigma"]
    assert plan.configs == [[f, s] for f in (5, 30, 100) for s in (0.4, 0.8)]
    assert (plan.seeds, plan.runs, plan.seed) == (3, 18, 7)
    # an argument replaces the table's values for the same path; --seeds overrides
    plan = sweep.plan_sweep(raw, grid={"pools.eth_usdc.fee_bps": [1]}, seeds=2, seed=5)
    assert (plan.configs, plan.runs, plan.seed) == ([[1]], 2, 5)
    # a sample runs for every grid combination
    plan = sweep.plan_sweep(raw, sample="lhs:4", ranges={"prices.ETH.sigma": [0.2, 1.0]})
    assert len(plan.configs) == 12 and plan.params[-1] == "prices.ETH.sigma"
    # the plan survives sweep.json
    again = sweep.Plan.from_json(json.loads(json.dumps(plan.to_json())))
    assert again.configs == plan.configs and again.raw == plan.raw


def test_bad_path_or_value_is_exit_2_before_any_run(
    scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    base = ["sweep", str(scenario_file), "--out", str(out), "--no-progress"]
    assert main([*base, "--grid", "pools.eth_usdc.fee_bsp=5,30"]) == 2
    err = capsys.readouterr().err
    assert "pools.eth_usdc.fee_bsp: unknown field 'fee_bsp'" in err and "fee_bps" in err
    assert main([*base, "--grid", "pools.eth_usdc.fee_bps=5,-3"]) == 2
    err = capsys.readouterr().err
    assert "configuration 1 of 2 (pools.eth_usdc.fee_bps=-3)" in err
    assert "pools.eth_usdc.fee_bps" in err.split("invalid scenario")[1]
    assert main([*base, "--range", "prices.ETH.sigma=0.1:0.9"]) == 2  # range without sample
    assert main([*base, "--grid", "prices.ETH.sigma=0.5", "--set", "prices.ETH.sigma=0.4"]) == 2
    assert not out.exists()  # nothing was created, nothing ran


@pytest.mark.parametrize("path", ["scenario.seed", "scenario.replicate", "sweep.seeds"])
def test_recursive_definitions_are_rejected(path: str) -> None:
    with pytest.raises(ScenarioError, match=f"{path}: cannot be swept"):
        sweep.plan_sweep(TINY, grid={path: [1, 2]})
    raw = copy.deepcopy(TINY)
    raw["sweep"] = {"grid": {path: [1, 2]}}
    with pytest.raises(ScenarioError, match="cannot be swept"):
        sweep.plan_sweep(raw)


def test_too_many_runs_is_refused_up_front() -> None:
    with pytest.raises(UserInputError, match=r"1,001,000 runs; at most 1,000,000"):
        sweep.plan_sweep(TINY, grid={"pools.eth_usdc.fee_bps": list(range(1, 1002))}, seeds=1000)


# ---------------------------------------------------------------------------------------------
# sampling


def test_latin_hypercube_hits_each_stratum_once_per_dimension() -> None:
    rng = np.random.default_rng(3)
    for n in (1, 7, 50):
        u = sweep.sample_unit("lhs", n, 3, rng)
        assert u.shape == (n, 3) and ((u >= 0) & (u < 1)).all()
        for j in range(3):
            assert sorted(np.floor(u[:, j] * n).astype(int)) == list(range(n))
    # plain random sampling does not (with overwhelming probability)
    u = sweep.sample_unit("random", 50, 1, rng)
    assert len(set(np.floor(u[:, 0] * 50).astype(int))) < 50


def test_sample_points_are_reproducible_and_integer_fields_rounded() -> None:
    ranges = {"pools.eth_usdc.fee_bps": [1, 100], "prices.ETH.sigma": [0.2, 1.0]}
    plan = sweep.plan_sweep(TINY, sample="lhs:20", ranges=ranges)
    fees = [c[0] for c in plan.configs]
    sigmas = [c[1] for c in plan.configs]
    assert all(type(f) is int and 1 <= f <= 100 for f in fees)
    assert all(type(s) is float for s in sigmas)
    assert sorted(math.floor((s - 0.2) / 0.8 * 20) for s in sigmas) == list(range(20))
    assert sweep.plan_sweep(TINY, sample="lhs:20", ranges=ranges).configs == plan.configs
    assert sweep.plan_sweep(TINY, sample="lhs:20", ranges=ranges, seed=8).configs != plan.configs


# ---------------------------------------------------------------------------------------------
# runs and seeds


def job(replicate: int, **params: Any) -> sweep.Job:
    return sweep.Job(
        run=0,
        config=0,
        replicate=replicate,
        seed=11,
        blocks=None,
        params=params,
        sets={},
        scenario=TINY,
    )


def test_replicates_differ_and_each_is_reproducible() -> None:
    a, b, a2 = (sweep.run_job(job(k)) for k in (0, 1, 0))
    assert a.error is None and a.row["status"] == "ok"
    assert a.row == a2.row
    assert a.row["volume_usd"] != b.row["volume_usd"]
    assert a.row["pools.eth_usdc.fees_usd"] > 0 and "slippage.mean_bps" in a.row


def test_sweep_row_is_reproduced_by_ammsim_run(
    baseline: Path, scenario_file: Path, tmp_path: Path
) -> None:
    row = next(r for r in log_rows(baseline) if (r["config"], r["replicate"]) == (3, 1))
    assert (row["pools.eth_usdc.fee_bps"], row["prices.ETH.sigma"], row["seed"]) == (30, 1.2, 11)
    argv = ["run", str(scenario_file), "--seed", "11", "--replicate", "1", "--quiet"]
    argv += ["--set", "pools.eth_usdc.fee_bps=30", "--set", "prices.ETH.sigma=1.2"]
    assert main([*argv, "--out", str(tmp_path)]) == 0
    (summary_json,) = tmp_path.glob("tiny/*/summary.json")
    metrics = sweep.flatten(json.loads(summary_json.read_text()))
    shared = [k for k in row if k in metrics and k not in ("seed", "replicate")]
    assert len(shared) > 15
    assert {k: row[k] for k in shared} == {k: metrics[k] for k in shared}


# ---------------------------------------------------------------------------------------------
# engines


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def test_engines_and_worker_counts_give_identical_files(
    baseline: Path, scenario_file: Path, tmp_path: Path, dask_scheduler: str
) -> None:
    expected = (baseline / "results.csv").read_bytes()
    expected_summary = (baseline / "summary.csv").read_bytes()
    pool = sweep.run_sweep(scenario_file, out=tmp_path / "pool", workers=2, plots=False, **SWEEP)
    dask = sweep.run_sweep(
        scenario_file,
        out=tmp_path / "dask",
        engine="dask",
        scheduler=dask_scheduler,
        plots=False,
        **SWEEP,
    )
    for result in (pool, dask):
        assert (result.ok, result.failed) == (8, 0)
        assert (result.path / "results.csv").read_bytes() == expected
        assert (result.path / "summary.csv").read_bytes() == expected_summary
    assert json.loads((dask.path / "sweep.json").read_text())["engine"]["name"] == "dask"


def test_missing_dask_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(UserInputError, match=r"pip install ammsim\[dask\]"):
        sweep.Engine("dask", 2, None)


# ---------------------------------------------------------------------------------------------
# durability, resume, failures


def test_resume_after_interruption_runs_exactly_the_missing_runs(
    baseline: Path, scenario_file: Path, tmp_path: Path
) -> None:
    with pytest.raises(KeyboardInterrupt):
        sweep.run_sweep(scenario_file, out=tmp_path, workers=1, stop_after=3, **SWEEP)
    folder = only_sweep(tmp_path)
    assert len(log_rows(folder)) == 3 and not (folder / "results.csv").exists()
    with (folder / "results.jsonl").open("a") as f:
        f.write('{"config": 3, "replicate": 1, "sta')  # torn last line of a killed process
    result = sweep.resume_sweep(folder, plots=False)
    rows = log_rows(folder)
    assert len(rows) == 8  # the 3 kept + the 5 missing, the torn line cut off
    assert sorted((r["config"], r["replicate"]) for r in rows) == [
        (c, k) for c in range(4) for k in range(2)
    ]
    assert (result.ok, result.failed) == (8, 0)
    assert (folder / "results.csv").read_bytes() == (baseline / "results.csv").read_bytes()


def test_interrupt_ends_the_workers_at_once(scenario_file: Path, tmp_path: Path) -> None:
    """Ctrl-C stops the pool's workers instead of letting them run out the long runs they hold
    (those are redone by --resume), so the sweep exits at once."""
    import multiprocessing
    import time

    before = set(multiprocessing.active_children())
    with pytest.raises(KeyboardInterrupt):  # after the first short run, long ones in flight
        sweep.run_sweep(
            scenario_file,
            out=tmp_path,
            workers=2,
            grid={"scenario.blocks": [20, 300_000]},
            seeds=2,
            plots=False,
            stop_after=1,
        )
    deadline = time.monotonic() + 10
    while True:
        left = [p for p in multiprocessing.active_children() if p not in before]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert left == [], f"{len(left)} worker(s) still running after the interrupt"


def test_cli_resume_fills_lines_deleted_from_the_log(
    baseline: Path, scenario_file: Path, tmp_path: Path
) -> None:
    argv = ["sweep", str(scenario_file), "--out", str(tmp_path), "--workers", "1"]
    argv += ["--grid", "pools.eth_usdc.fee_bps=5,30", "--grid", "prices.ETH.sigma=0.4,1.2"]
    argv += ["--seeds", "2", "--seed", "11", "--no-plots", "--no-progress"]
    assert main(argv) == 0
    folder = only_sweep(tmp_path)
    log = folder / "results.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:2] + lines[5:]))
    (folder / "results.csv").unlink()
    assert main(["sweep", "--resume", str(folder), "--no-plots", "--no-progress"]) == 0
    assert len(log.read_text().splitlines()) == 8
    assert (folder / "results.csv").read_bytes() == (baseline / "results.csv").read_bytes()
    assert main(["sweep", "--resume", str(folder), "--seeds", "3"]) == 2  # the plan is fixed


def test_a_raising_run_is_recorded_as_failed_and_exit_1(
    scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1e-9 USD of LP capital validates, but the pool's first deposit then reverts in the run
    # (reported as a scenario error naming the cohort)
    argv = ["sweep", str(scenario_file), "--out", str(tmp_path), "--workers", "1", "--seeds", "2"]
    argv += ["--grid", "agents.lps.capital_usd=1e-9,1000000", "--no-plots", "--no-progress"]
    assert main(argv) == 1
    assert "4 runs: 2 ok, 2 failed" in capsys.readouterr().out
    rows = {(r["config"], r["replicate"]): r for r in log_rows(only_sweep(tmp_path))}
    for k in (0, 1):
        assert rows[0, k]["status"] == "failed"
        assert rows[0, k]["error"].startswith(
            f"ScenarioError: {scenario_file.resolve()}: agents.lps: "
        )
        assert "cannot set up" in rows[0, k]["error"]
        assert "INSUFFICIENT_LIQUIDITY_MINTED" in rows[0, k]["error"]
        assert rows[1, k]["status"] == "ok" and rows[1, k]["error"] == ""
    summary = (only_sweep(tmp_path) / "summary.csv").read_text().splitlines()
    assert summary[1].split(",")[2:5] == ["2", "0", "2"]  # runs, ok, failed of config 0


def test_a_killed_worker_fails_only_its_own_run(scenario_file: Path, tmp_path: Path) -> None:
    result = sweep.run_sweep(
        scenario_file,
        out=tmp_path,
        workers=2,
        grid={"pools.eth_usdc.fee_bps": [5, 30]},
        seeds=2,
        plots=False,
        hooks={(0, 1): "exit"},
    )
    assert (result.ok, result.failed) == (3, 1)
    rows = {(r["config"], r["replicate"]): r for r in log_rows(result.path)}
    assert rows[0, 1]["status"] == "failed" and rows[0, 1]["error"].startswith("WorkerDied")
    assert len(rows) == 4


# ---------------------------------------------------------------------------------------------
# what a sweep writes


def test_summary_table_and_figures(baseline: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    plan = json.loads((baseline / "sweep.json").read_text())
    assert plan["runs"] == 8 and plan["grid"] == GRID and plan["seeds"] == 2
    runs = pd.read_csv(baseline / "results.csv")
    assert list(runs.columns[:7]) == [
        "config",
        "pools.eth_usdc.fee_bps",
        "prices.ETH.sigma",
        "seed",
        "replicate",
        "status",
        "error",
    ]
    assert list(zip(runs["config"], runs["replicate"], strict=True)) == [
        (c, k) for c in range(4) for k in range(2)
    ]
    summary = pd.read_csv(baseline / "summary.csv")
    assert len(summary) == 4 and (summary["ok"] == 2).all()
    for c in range(4):
        fees = runs.loc[runs["config"] == c, "fees_usd"]
        row = summary.loc[c]
        assert row["fees_usd.mean"] == pytest.approx(fees.mean())
        assert row["fees_usd.std"] == pytest.approx(fees.std())
        half = 12.706 * fees.std() / math.sqrt(2)  # Student t, 1 degree of freedom
        assert row["fees_usd.ci95_high"] == pytest.approx(fees.mean() + half)
    for name in ("heatmap.png", "vs_pools.eth_usdc.fee_bps.png", "vs_prices.ETH.sigma.png"):
        assert (baseline / name).stat().st_size > 10_000
    fig, ax = plt.subplots()
    assert sweep.plot_metric_vs_param(summary, "prices.ETH.sigma", "fees_usd", ax=ax) is ax
    assert sweep.plot_heatmap(summary, *GRID, "lp_vs_hodl_pct", ax=ax) is ax
    plt.close(fig)
    table = sweep.tidy_table(summary, list(GRID))
    assert len(table.splitlines()) == 5 and "lp_vs_hodl_pct" in table.splitlines()[0]


def test_a_sweep_folder_has_one_writer(tmp_path: Path) -> None:
    first = sweep.RunLog(tmp_path / "results.jsonl")
    try:
        with pytest.raises(UserInputError, match="another ammsim process is running this sweep"):
            sweep.RunLog(tmp_path / "results.jsonl")
    finally:
        first.close()
    sweep.RunLog(tmp_path / "results.jsonl").close()  # free again once the first is closed


# ---------------------------------------------------------------------------------------------
# which metrics the table and the figures show

SANDWICH: dict[str, Any] = copy.deepcopy(TINY)
SANDWICH["scenario"]["name"] = "tiny_sandwich"
SANDWICH["agents"]["retail"].update(trades_per_block=0.2, slippage_bps=100)
SANDWICH["agents"]["retail"]["size_usd"] = {"dist": "lognormal", "median": 20_000, "sigma": 0.5}
SANDWICH["agents"]["bot"] = {"kind": "sandwich_bot", "count": 1, "capital_usd": 2_000_000}


def fake_summary(values: dict[str, list[float]], param: list[float]) -> Any:
    """A summary.csv-like table: one swept parameter `p`, `<metric>.n` and `<metric>.mean`."""
    import pandas as pd

    cols: dict[str, list[float]] = {"config": list(range(len(param))), "p": param}
    for m, v in values.items():
        cols[f"{m}.n"], cols[f"{m}.mean"], cols[f"{m}.std"] = [2] * len(v), v, [0.0] * len(v)
    return pd.DataFrame(cols)


def plan_for(raw: dict[str, Any]) -> sweep.Plan:
    return sweep.Plan(
        scenario_name="x", source=None, raw=raw, sets={}, seed=1, seeds=2, blocks=None,
        grid={"p": [1, 2]}, sample=None, ranges={}, params=["p"], configs=[[1], [2]],
    )  # fmt: skip


def test_default_metrics_follow_what_the_scenario_contains() -> None:
    from sim.scenario.scenario import read_toml, resolve_path

    plain = sweep.default_metrics(TINY)
    assert plain[-len(sweep.KEY_METRICS) :] == list(sweep.KEY_METRICS)
    assert not any(m.startswith(("mev.", "lending.")) for m in plain)
    mev = sweep.default_metrics(read_toml(resolve_path("sandwich_attack")))
    assert [m for m in mev if m.startswith("mev.")] == list(sweep.MEV_METRICS)
    assert mev.index("mev.bot_gross_usd") < mev.index("lp_fee_income_usd")
    assert "impermanent_loss_pct" not in mev  # LP metrics shrink to two after MEV
    lending = sweep.default_metrics(read_toml(resolve_path("steth_depeg")))
    assert "lending.*.liquidations" in lending and "lending.*.bad_debt_usd" in lending
    assert not any(m.startswith("mev.") for m in lending)


def test_chosen_metrics_expand_cohort_patterns_and_skip_absent_groups() -> None:
    summary = fake_summary(
        {
            "lp_vs_hodl_pct": [0.1, 0.2],
            "lp_fee_income_usd": [5.0, 6.0],
            "mev.bot_gross_usd": [1.0, 3.0],
            "mev.bot_net_usd": [0.5, 2.0],
            "mev.victim_loss_usd": [2.0, 5.0],
            "mev.by_victim_cohort.tight.loss_per_volume_bps": [7.0, 7.0],
            "mev.by_victim_cohort.loose.loss_per_volume_bps": [25.0, 80.0],
            "lending.aave.liquidations": [0.0, 0.0],
        },
        [30, 100],
    )
    chosen = sweep.choose_metrics(summary, plan_for(SANDWICH))
    assert chosen[:3] == ["mev.bot_gross_usd", "mev.bot_net_usd", "mev.victim_loss_usd"]
    assert chosen[3:5] == [
        "mev.by_victim_cohort.tight.loss_per_volume_bps",
        "mev.by_victim_cohort.loose.loss_per_volume_bps",
    ]
    assert chosen[5:] == ["lp_fee_income_usd", "lp_vs_hodl_pct"]  # no lending market: none
    # without a bot the same table shows the LP metrics it has, and no MEV
    assert sweep.choose_metrics(summary, plan_for(TINY)) == ["lp_vs_hodl_pct", "lp_fee_income_usd"]


def test_explicit_metrics_win_and_a_misspelt_one_is_named(tmp_path: Path) -> None:
    summary = fake_summary(
        {"lp_vs_hodl_pct": [0.1, 0.2], "mev.by_victim_cohort.loose.victim_loss_usd": [1.0, 4.0]},
        [30, 100],
    )
    pick = ["mev.by_victim_cohort.*.victim_loss_usd", "lp_vs_hodl_pct"]
    assert sweep.choose_metrics(summary, plan_for(TINY), pick) == [
        "mev.by_victim_cohort.loose.victim_loss_usd",
        "lp_vs_hodl_pct",
    ]
    # the scenario's [sweep] metrics list, when there is one, is the default
    raw = {**TINY, "sweep": {"metrics": ["mev.by_victim_cohort.*.victim_loss_usd"]}}
    assert sweep.choose_metrics(summary, plan_for(raw)) == [
        "mev.by_victim_cohort.loose.victim_loss_usd"
    ]
    assert sweep.choose_metrics(summary, plan_for(TINY), "lp_vs_hodl_pct") == ["lp_vs_hodl_pct"]
    with pytest.warns(UserWarning, match=r"'lp_vs_hodl' is not in summary.csv.*lp_vs_hodl_pct"):
        chosen = sweep.choose_metrics(summary, plan_for(TINY), ["lp_vs_hodl"])
    assert chosen == ["lp_vs_hodl_pct"]  # nothing matched: the defaults


def test_a_sandwich_sweep_plots_and_tabulates_mev_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[tuple[str, str]] = []
    original = sweep.plot_metric_vs_param

    def spy(summary: Any, param: str, metric: str, **kw: Any) -> Any:
        drawn.append((param, metric))
        return original(summary, param, metric, **kw)

    monkeypatch.setattr(sweep, "plot_metric_vs_param", spy)
    grid = {"agents.retail.slippage_bps": [30, 300]}
    result = sweep.run_sweep(
        SANDWICH, out=tmp_path, grid=grid, seeds=2, seed=3, blocks=100, workers=1
    )
    assert (result.ok, result.failed) == (4, 0)
    import pandas as pd

    summary = pd.read_csv(result.path / "summary.csv")
    gross = summary["mev.bot_gross_usd.mean"].tolist()
    assert 0 < gross[0] < gross[1]  # a looser tolerance leaves the bot more
    metrics = [m for _, m in drawn]
    assert metrics[:3] == ["mev.bot_gross_usd", "mev.bot_net_usd", "mev.victim_loss_usd"]
    assert "mev.by_victim_cohort.retail.victim_loss_usd" in metrics
    assert "mev.by_victim_cohort.retail.loss_per_volume_bps" in metrics
    assert metrics[-2:] == ["lp_fee_income_usd", "lp_vs_hodl_pct"]
    assert result.files[-1] == "vs_agents.retail.slippage_bps.png"  # one parameter: no heatmap
    assert (result.path / result.files[-1]).stat().st_size > 10_000
    assert "mev.bot_gross_usd" in result.table.splitlines()[0]
    # the same folder summarised again (nothing is missing) with chosen metrics: only those
    drawn.clear()
    again = sweep.resume_sweep(result.path, workers=1, metrics=["mev.bot_net_usd"])
    assert drawn == [("agents.retail.slippage_bps", "mev.bot_net_usd")]
    assert "mev.bot_net_usd" in again.table and "lp_vs_hodl_pct" not in again.table


def test_metric_flag_picks_the_table_columns(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    argv = ["sweep", "quickstart", "--grid", "pools.eth_usdc.fee_bps=5,30", "--seeds", "1"]
    argv += ["--blocks", "40", "--workers", "1", "--out", str(tmp_path), "--no-progress"]
    argv += ["--metric", "volume_usd", "--metric", "pools.*.fees_usd", "--no-plots"]
    assert main(argv) == 0
    header = next(
        line for line in capsys.readouterr().out.splitlines() if "pools.eth_usdc.fee_bps" in line
    )
    assert header.split() == [
        "pools.eth_usdc.fee_bps",
        "ok",
        "volume_usd",
        "pools.eth_usdc.fees_usd",
    ]


def test_engine_that_cannot_start_leaves_no_sweep_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise UserInputError("cannot reach Dask scheduler tcp://nowhere:8786: timed out")

    monkeypatch.setattr(sweep, "Engine", unreachable)
    argv = ["sweep", "quickstart", "--seeds", "1", "--blocks", "10", "--out", str(tmp_path)]
    assert main([*argv, "--engine", "dask", "--scheduler", "tcp://nowhere:8786"]) == 2
    assert list(tmp_path.iterdir()) == []
