"""The table a sweep prints: parameters, runs ok, the key metrics in numbers for people."""

from __future__ import annotations

import pandas as pd

from sim.sweep.table import num, tidy_table


def test_numbers_for_people() -> None:
    assert [num(x) for x in (1234567.8, -1000.0, 999.96, 0.000123456, 12.0)] == [
        "1,234,568",
        "-1,000",
        "1000",
        "0.0001235",
        "12",
    ]


def test_one_line_per_configuration_with_short_cohort_names() -> None:
    summary = pd.DataFrame(
        {
            "config": [0, 1, 2],
            "fee": [5, 30, 100],
            "ok": [2, 2, 1],
            "fees.mean": [1500.0, 2.5, 0.125],
            "mev.by_victim_cohort.loose.victim_loss.mean": [1.0, 2.0, 3.0],
            "lvr.mean": [9.0, 9.0, 9.0],
        }
    )
    metrics = ["fees", "absent", "mev.by_victim_cohort.loose.victim_loss", "lvr"]
    text = tidy_table(summary, ["fee"], metrics=metrics, max_metrics=2)
    assert text.splitlines() == [
        " fee  ok  fees  mev.loose.victim_loss",
        "   5   2 1,500                      1",
        "  30   2   2.5                      2",
        " 100   1 0.125                      3",
    ]
    short = tidy_table(summary, ["fee"], max_rows=1)
    assert short.splitlines()[0].split() == ["fee", "ok", "lvr", "fees"]
    assert short.splitlines()[-1] == "... 2 more configurations in summary.csv"
