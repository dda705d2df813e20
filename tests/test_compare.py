"""`ammsim compare`: reading run folders, labels, table, figure and page, and its errors."""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from sim import run
from sim.cli.compare import label_runs, load_run
from sim.cli.main import main


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two tiny runs of one scenario that differ only in the pool fee."""
    from conftest import BASE  # tests/ is on sys.path under pytest's rootdir conftest

    out = tmp_path_factory.mktemp("runs")
    paths = []
    for fee in (30, 5):
        res = run(BASE, blocks=80, overrides={"pools.eth_usdc.fee_bps": fee}, out=out)
        assert res.path is not None
        paths.append(res.path)
    return paths


def test_compare_prints_table_and_writes_files(
    runs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    assert main(["compare", *map(str, runs), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    # labelled by the one field that differs, not by a run id
    assert "pools.eth_usdc.fee_bps=30" in text and "pools.eth_usdc.fee_bps=5" in text
    a, b = (load_run(p).summary for p in runs)
    assert f"{a['fees']:,.2f} USDC" in text and f"{b['fees']:,.2f} USDC" in text
    assert str(out) in text
    png = (out / "compare.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    page = (out / "compare.html").read_text()
    assert "<link" not in page.lower() and "src='http" not in page and 'src="http' not in page
    (data,) = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)
    assert base64.b64decode(data) == png
    assert "What differs" in page and "fee_bps" in page
    assert f"{b['volume']:,.2f} USDC" in page


def test_compare_selected_metrics(
    runs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["compare", *map(str, runs), "--out", str(tmp_path), "--metric", "slippage.p95_bps"]
    argv += ["--metric", "pools.eth_usdc.fee_bps"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [
        line.split()[0]
        for line in lines
        if line.startswith(("slippage", "pools", "volume")) and not line.split()[0].endswith(":")
    ]
    assert rows == ["slippage.p95_bps", "pools.eth_usdc.fee_bps"]
    fee_row = next(line for line in lines if line.startswith("pools.eth_usdc.fee_bps"))
    assert "30 bps" in fee_row and "5 bps" in fee_row


def test_unknown_metric_is_a_user_error(
    runs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", *map(str, runs), "--out", str(tmp_path), "--metric", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown metric 'nope'" in err and "volume" in err


def test_missing_folder_exits_2(
    runs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["compare", str(runs[0]), str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    assert "no such run folder" in capsys.readouterr().err
    assert not (tmp_path / "compare.png").exists()


def test_incomplete_folder_exits_2(
    runs: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(runs[1], broken)
    (broken / "INCOMPLETE").write_text("run failed: KeyboardInterrupt\n")
    assert main(["compare", str(runs[0]), str(broken), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "not a complete run" in err and "KeyboardInterrupt" in err

    # a folder from elsewhere whose marker links to a file to be kept private: not shown
    secret = tmp_path / "secret.txt"
    secret.write_text("zz-private-4411\n")
    (broken / "INCOMPLETE").unlink()
    (broken / "INCOMPLETE").symlink_to(secret)
    assert main(["compare", str(runs[0]), str(broken), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "not a plain file" in err and "zz-private" not in err

    no_summary = tmp_path / "no_summary"
    shutil.copytree(runs[1], no_summary)
    (no_summary / "summary.json").unlink()
    assert main(["compare", str(runs[0]), str(no_summary), "--out", str(tmp_path / "o")]) == 2
    assert "missing summary.json" in capsys.readouterr().err


def test_labels(runs: list[Path], tmp_path: Path) -> None:
    # identical configurations: scenario name and run id (the folder name)
    twin = tmp_path / "twin"
    shutil.copytree(runs[0], twin)
    loaded = [load_run(runs[0]), load_run(twin)]
    label_runs(loaded)
    assert [r.label for r in loaded] == [f"tiny {runs[0].name}", "tiny twin"]
    # same folder name twice: the full path tells them apart
    (tmp_path / "x").mkdir()
    other_twin = tmp_path / "x" / runs[0].name
    shutil.copytree(runs[0], other_twin)
    loaded = [load_run(runs[0]), load_run(other_twin)]
    label_runs(loaded)
    assert loaded[0].label != loaded[1].label and str(other_twin) in loaded[1].label
    # different scenarios: scenario name and run id
    other = [load_run(runs[0]), load_run(runs[1])]
    other[1].summary["scenario"] = "other"
    label_runs(other)
    assert other[0].label == f"tiny {runs[0].name}"
    assert other[1].label == f"other {runs[1].name}"


def test_default_out_folder(
    runs: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["compare", *map(str, runs)]) == 0
    (folder,) = (tmp_path / "outputs").glob("compare-*")
    assert (folder / "compare.html").is_file() and (folder / "compare.png").is_file()
    assert str(folder.relative_to(tmp_path)) in capsys.readouterr().out


def test_default_metrics_include_what_a_protocol_scenario_is_about(runs: list[Path]) -> None:
    """Depeg, liquidation, mining and rug numbers are shown by default when the runs have them
    (a with/without-liquidators comparison is about the discount and the liquidations)."""
    from sim.cli.compare import choose_metrics

    plain = [load_run(p) for p in runs]
    assert not any(
        m.startswith(("lending.", "staking.", "mining.", "rug."))
        for m in choose_metrics(plain, None)
    )
    a, b = (load_run(p) for p in runs)
    for r, n in ((a, 17), (b, 0)):
        r.summary["staking"] = {"stETH": {"max_discount_pct": 8.5, "apr_pct": 4.0}}
        r.summary["lending"] = {"aave": {"liquidations": n, "bad_debt": 0.0, "oracle": "twap"}}
        r.summary["mechanisms"] += ["lending", "staking"]
    a.summary["mining"] = {"reward_price_end": 0.3, "pools": {"eth_usdc": {"miners_end": 9}}}
    a.summary["mechanisms"].append("mining")  # one run has it: its metrics are shown
    metrics = choose_metrics([a, b], None)
    assert metrics[: len(choose_metrics(plain, None))] == choose_metrics(plain, None)
    extra = metrics[len(choose_metrics(plain, None)) :]
    assert extra == [
        "lending.aave.liquidations",
        "lending.aave.bad_debt",
        "staking.stETH.max_discount_pct",
        "mining.reward_price_end",
        "mining.pools.eth_usdc.miners_end",
    ]


def test_each_pool_gets_its_own_price_axes(tmp_path: Path) -> None:
    """rug_pull has pools priced ~3,000 (ETH/USDC), ~1.7e-4 (FARM) and ~1.7e-7 (SCAM): on one
    axes the small ones lie flat at 0, so each pool's price has a panel of its own."""
    from sim.cli.compare_figure import figure

    paths = [run("rug_pull", blocks=150, seed=s, out=tmp_path).path for s in (5, 9)]
    runs = [load_run(p) for p in paths if p is not None]
    label_runs(runs)
    fig = figure(runs)
    price_axes = [ax for ax in fig.axes if "pool price" in ax.get_title()]
    assert sorted(ax.get_title().split(":")[0] for ax in price_axes) == [
        "eth_usdc",
        "farm_eth",
        "scam_eth",
    ]
    for ax in fig.axes:
        lines = [ln.get_ydata() for ln in ax.get_lines() if len(ln.get_ydata())]
        assert lines, f"empty panel {ax.get_title()!r}"
        tops = [max(abs(float(v)) for v in y) for y in lines]
        assert max(tops) <= 20 * max(min(tops), 1e-300) or "LP value" in ax.get_title()
