"""Tests for sim.market.prices.csv_replay: the strict reader and last-observation lookup."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.market.prices.csv_replay import load_price_csv, resolve_csv_path

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
