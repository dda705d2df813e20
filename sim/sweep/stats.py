"""Statistics across replicate seeds: mean, std and the 95% confidence interval of the mean
(Student t), per configuration and pooled over configurations that share some values."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t975(df: int) -> float:
    """97.5% quantile of Student's t (two-sided 95% CI) with `df` degrees of freedom."""
    if df < 1:
        return math.nan
    if df <= 30:
        return _T975[df - 1]
    return 1.959964 + 2.3722 / df  # within 0.002 of the exact value for df > 30


def stats(xs: Sequence[float]) -> tuple[int, float, float, float, float]:
    """n, mean, std (ddof 1), 95% CI low and high of the mean (t); NaN where undefined."""
    n = len(xs)
    if n == 0:
        return 0, math.nan, math.nan, math.nan, math.nan
    mean = math.fsum(xs) / n
    if n < 2:
        return n, mean, math.nan, math.nan, math.nan
    std = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
    half = t975(n - 1) * std / math.sqrt(n)
    return n, mean, std, mean - half, mean + half


def pooled(summary: pd.DataFrame, by: Sequence[str], metric: str) -> pd.DataFrame:
    """Mean and 95% CI of `metric` over all runs of the configurations sharing `by` values
    (exact pooling of the per-configuration n, mean and std)."""
    rows = []
    n_col, m_col, s_col = f"{metric}.n", f"{metric}.mean", f"{metric}.std"
    for key, g in summary.groupby(list(by), sort=True, dropna=False):
        g = g[g[n_col] > 0]
        n = int(g[n_col].sum())
        if n == 0:
            continue
        mean = float((g[n_col] * g[m_col]).sum() / n)
        ss = float(((g[n_col] - 1) * g[s_col].fillna(0.0) ** 2).sum())
        ss += float((g[n_col] * (g[m_col] - mean) ** 2).sum())
        half = t975(n - 1) * math.sqrt(ss / (n - 1)) / math.sqrt(n) if n > 1 else math.nan
        keys = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, keys, strict=True)), "n": n, "mean": mean, "half": half})
    import pandas as pd

    return pd.DataFrame(rows)
