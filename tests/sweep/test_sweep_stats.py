"""Mean, std and the 95% confidence interval across seeds, and their exact pooling."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.sweep.stats import pooled, stats, t975


def test_t_quantiles_are_tabled_to_30_and_approximated_beyond() -> None:
    assert (t975(1), t975(2), t975(10), t975(30)) == (12.706, 4.303, 2.228, 2.042)
    assert t975(31) == 1.959964 + 2.3722 / 31
    assert t975(1000) == pytest.approx(1.962339, abs=1e-5)  # the exact quantile, 1.9623391
    assert math.isnan(t975(0))


def test_stats_of_a_few_seeds() -> None:
    n, mean, std, lo, hi = stats([1.0, 2.0, 3.0])
    assert (n, mean, std) == (3, 2.0, 1.0)
    assert (lo, hi) == (2.0 - 4.303 / math.sqrt(3), 2.0 + 4.303 / math.sqrt(3))
    one = stats([5.0])
    assert one[:2] == (1, 5.0) and all(math.isnan(x) for x in one[2:])
    none = stats([])
    assert none[0] == 0 and all(math.isnan(x) for x in none[1:])


def test_pooling_configurations_equals_the_stats_of_all_their_runs() -> None:
    a, b = [1.0, 2.0, 4.0], [10.0, 11.0]
    rows = []
    for p, q, xs in [(1, "x", a), (1, "y", b), (2, "x", [7.0]), (2, "y", [])]:
        n, mean, std, _, _ = stats(xs)
        rows.append({"p": p, "q": q, "m.n": n, "m.mean": mean, "m.std": std})
    out = pooled(pd.DataFrame(rows), ["p"], "m")
    assert out["p"].tolist() == [1, 2] and out["n"].tolist() == [5, 1]
    n, mean, _, _, hi = stats(a + b)
    assert out.loc[0, "mean"] == pytest.approx(mean, rel=1e-15)
    assert out.loc[0, "half"] == pytest.approx(hi - mean, rel=1e-12)
    assert out.loc[1, "mean"] == 7.0 and math.isnan(out.loc[1, "half"])
