"""Tests for sim.market.prices.csv_replay: the strict reader and last-observation lookup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.input_files import InputRoots
from sim.market.prices import csv_replay
from sim.market.prices.csv_replay import (
    MAX_CSV_BYTES,
    CsvReplay,
    load_price_csv,
    replay_series,
    resolve_csv_path,
)

CSV = """Timestamp, Asset ,PRICE
1700000060,ETH,110
1700000000,ETH,100
2023-11-14T22:13:20Z,BTC,30000
1700000060,ETH,111
"""


def test_rows_become_per_asset_series_on_the_files_clock(tmp_path: Path) -> None:
    path = tmp_path / "px.csv"
    path.write_text(CSV)
    series = load_price_csv(path)
    assert sorted(series) == ["BTC", "ETH"]
    eth = series["ETH"]
    assert eth.rel_times.tolist() == [0.0, 60.0, 60.0]  # sorted, ties in file order
    assert eth.prices.tolist() == [100.0, 110.0, 111.0]
    assert eth.last_rel_time == 60.0
    assert series["BTC"].rel_times.tolist() == [0.0]  # 2023-11-14T22:13:20Z is 1700000000
    # the last row at or before each time; the last of equal timestamps wins
    assert eth.prices_at(np.array([-5.0, 0.0, 59.9, 60.0, 1e9])).tolist() == [
        100.0,
        100.0,
        100.0,
        111.0,
        111.0,
    ]


def test_paths_resolve_against_the_scenario_directory_and_stay_inside(tmp_path: Path) -> None:
    (tmp_path / "px.csv").write_text(CSV)
    (tmp_path / "in").mkdir()
    assert resolve_csv_path("px.csv", tmp_path) == (tmp_path / "px.csv").resolve()
    with pytest.raises(ScenarioError, match=f"pass --allow-path {tmp_path.resolve()}$"):
        resolve_csv_path("../px.csv", tmp_path / "in")
    assert resolve_csv_path("../px.csv", tmp_path / "in", [tmp_path]) == (tmp_path / "px.csv")
    with pytest.raises(ScenarioError, match="does not exist"):
        load_price_csv(tmp_path / "nope.csv")
    with pytest.raises(ScenarioError, match="not a regular file"):
        load_price_csv(tmp_path)


def test_a_bad_row_names_the_file_and_row(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,asset,price\n0,ETH,1\n\n60,,2\n")
    with pytest.raises(ScenarioError, match=r"bad\.csv'?: row 4: empty asset"):
        load_price_csv(path)


SECRET = "root:x:0:0:secret-token-31337"


@pytest.mark.parametrize(
    "text",
    [
        f"{SECRET}\nline two\n",  # no CSV header: the error names the missing columns only
        f"timestamp,asset,price\n0,ETH,1\n{SECRET},ETH,2\n",  # a bad timestamp cell
        f"timestamp,asset,price\n0,ETH,{SECRET}\n",  # a bad price cell
        f"timestamp,asset,price\n0,{SECRET},1\n",  # an asset the scenario did not ask for
    ],
)
def test_errors_never_repeat_what_the_file_holds(tmp_path: Path, text: str) -> None:
    (tmp_path / "s.csv").write_text(text)
    with pytest.raises(ScenarioError) as info:
        replay_series(CsvReplay(path="s.csv"), "ETH", InputRoots(tmp_path))
    message = str(info.value)
    assert "s.csv" in message
    assert "root:x" not in message and "secret-token" not in message


def test_bytes_that_are_not_utf8_are_not_quoted(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_bytes(b"timestamp,asset,price\n0,ETH,\xfe\xff\n")
    with pytest.raises(ScenarioError, match=r"not UTF-8 text$") as info:
        load_price_csv(tmp_path / "b.csv")
    assert "xfe" not in str(info.value) and "0xff" not in str(info.value)


def test_a_csv_over_the_limit_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert MAX_CSV_BYTES == 100_000_000  # the documented limit (README, docs)
    path = tmp_path / "px.csv"
    path.write_text(CSV)
    monkeypatch.setattr(csv_replay, "MAX_CSV_BYTES", len(CSV) - 1)
    with pytest.raises(ScenarioError, match=f"larger than {len(CSV) - 1} bytes"):
        load_price_csv(path)
    monkeypatch.setattr(csv_replay, "MAX_CSV_BYTES", len(CSV))
    assert sorted(load_price_csv(path)) == ["BTC", "ETH"]


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "px.csv"
    path.write_text("timestamp,asset,price\n0,ETH,100\n")
    roots = InputRoots(tmp_path)
    first = replay_series(CsvReplay(path="px.csv"), "ETH", roots)
    assert replay_series(CsvReplay(path="px.csv"), "ETH", roots) is first  # read once
    path.write_text("timestamp,asset,price\n0,ETH,2000\n")
    assert replay_series(CsvReplay(path="px.csv"), "ETH", roots).prices.tolist() == [2000.0]
    assert not first.prices.flags.writeable  # shared between models: read-only
