"""A scenario file is data from strangers: the files it names are confined, capped and never
echoed (issue 25, items 1 and 4). Each case goes through the `ammsim` command, as a student
running a shared scenario would."""

from __future__ import annotations

import contextlib
import copy
import io
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from conftest import BASE

from sim.cli.main import main
from sim.market.prices import csv_replay

SECRET = "zz-secret-9f3c1"
"""A marker planted in every file a scenario must not be able to show."""

GOOD_CSV = "timestamp,asset,price\n" + "".join(
    f"{60 * i},ETH,{3000 + 7 * (i % 5) - 3 * (i % 3)}\n" for i in range(40)
)


def ammsim(*argv: str) -> tuple[int, str]:
    """`ammsim ARGV` in-process: (exit code, stdout + stderr)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(list(argv))
    return code, out.getvalue()


def scenario_naming(folder: Path, csv_path: str) -> Path:
    raw: dict[str, Any] = copy.deepcopy(BASE)
    raw["prices"]["ETH"] = {"process": "csv", "path": csv_path}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "s.toml"
    path.write_text(tomli_w.dumps(raw))
    return path


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A secret outside the scenario's folder (tmp/x.csv), in a home folder, in the environment."""
    (tmp_path / "x.csv").write_text(f"{SECRET}:x:0:0\ntimestamp,asset,price\n")
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "x.csv").write_text(f"{SECRET}\n")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AMMSIM_TEST_PLANTED", SECRET)
    return tmp_path


EXTRA = {
    "run": ["--blocks", "5"],
    "validate": [],
    "sweep": ["--workers", "1", "--no-plots", "--no-progress"],
    "viz": ["--port", "1"],  # the scenario is loaded before any server starts
}


@pytest.mark.parametrize("command", EXTRA)
@pytest.mark.parametrize(
    "csv_path",
    ["/etc/passwd", "/proc/self/environ", "../x.csv", "~/x.csv", "x.csv/../../x.csv"],
)
def test_files_outside_the_scenarios_folder_are_refused_unread(
    planted: Path, command: str, csv_path: str
) -> None:
    scenario = scenario_naming(planted / "scen", csv_path)
    out = ["--out", str(planted / "out")] if command in ("run", "sweep") else []
    code, output = ammsim(command, str(scenario), *EXTRA[command], *out)
    assert code == 2
    assert f"{scenario}: prices.ETH.path: " in output  # the file and the dotted field
    assert "Traceback" not in output
    assert SECRET not in output and "root:x:0" not in output  # not a byte of any of them
    assert not (planted / "out").exists()  # refused before a run folder exists


def test_a_csv_override_through_set_is_confined_too(planted: Path) -> None:
    """The issue's example: a bundled scenario, its price process set to /etc/passwd."""
    code, output = ammsim(
        "run", "quickstart", "--set", 'prices.ETH={process="csv",path="/etc/passwd"}',
        "--blocks", "10", "--out", str(planted / "out"),
    )  # fmt: skip
    assert code == 2
    assert "prices.ETH.path" in output and "--allow-path /etc" in output
    assert "root:x:0" not in output


def test_an_allowed_folder_is_read_and_still_never_echoed(planted: Path) -> None:
    scenario = scenario_naming(planted / "scen", "../x.csv")
    code, output = ammsim("validate", str(scenario), "--allow-path", str(planted))
    assert code == 2  # allowed now, but not a price CSV: its header is named, not shown
    assert "lacks column(s) timestamp, asset, price" in output and SECRET not in output
    code, output = ammsim("validate", str(scenario), "--allow-path", "/proc")
    assert code == 2 and "outside the scenario's folder" in output


def test_an_allowed_folder_makes_an_outside_csv_run(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "px.csv").write_text(GOOD_CSV)
    scenario = scenario_naming(tmp_path / "scen", "../data/px.csv")
    out = str(tmp_path / "out")
    code, output = ammsim("run", str(scenario), "--blocks", "20", "--out", out, "--quiet")
    assert code == 2 and f"--allow-path {(tmp_path / 'data').resolve()}" in output
    allow = ("--allow-path", str(tmp_path / "data"))
    assert ammsim("validate", str(scenario), *allow)[0] == 0
    code, output = ammsim("run", str(scenario), "--blocks", "20", "--out", out, "--quiet", *allow)
    assert code == 0, output
    assert (Path(output.strip()) / "inputs" / "px.csv").read_text() == GOOD_CSV


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("timestamp,asset,price\n0,ETH,3000\n60,ETH,-1\n", "row 3: the price must be positive"),
        ("timestamp,asset\n0,ETH\n", "lacks column(s) price"),
        ("timestamp,asset,price\n0,BTC,3000\n", "no rows whose asset column is 'ETH'"),
        ("", "is empty"),
    ],
)
def test_validate_reads_the_csv_as_run_would(tmp_path: Path, text: str, expected: str) -> None:
    scenario = scenario_naming(tmp_path / "scen", "px.csv")
    (tmp_path / "scen" / "px.csv").write_text(text)
    code, output = ammsim("validate", str(scenario))
    assert code == 2
    assert f"{scenario}: prices.ETH.path: price CSV " in output and expected in output


def test_a_csv_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = scenario_naming(tmp_path / "scen", "px.csv")
    (tmp_path / "scen" / "px.csv").write_text(GOOD_CSV)
    monkeypatch.setattr(csv_replay, "MAX_CSV_BYTES", len(GOOD_CSV) - 1)
    code, output = ammsim("validate", str(scenario))
    assert code == 2 and f"larger than {len(GOOD_CSV) - 1:,} bytes" in output
    monkeypatch.setattr(csv_replay, "MAX_CSV_BYTES", len(GOOD_CSV))
    assert ammsim("validate", str(scenario))[0] == 0
