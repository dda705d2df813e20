"""Tests for sim.market.prices.correlations: pairs or a matrix, validated, in any asset order."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sim.market.prices.correlations import Correlations


def test_a_bare_table_is_pairs_and_unlisted_pairs_are_zero() -> None:
    corr = Correlations.model_validate({"ETH:BTC": 0.8, "SOL : ETH": -0.2})
    assert corr.pairs == {"ETH:BTC": 0.8, "SOL : ETH": -0.2}
    assert corr.named() == {"ETH", "BTC", "SOL"}
    assert corr.matrix_for(["BTC", "ETH", "SOL", "DOGE"]).tolist() == [
        [1.0, 0.8, 0.0, 0.0],
        [0.8, 1.0, -0.2, 0.0],
        [0.0, -0.2, 1.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ]


def test_a_full_matrix_is_reordered_to_the_assets_asked_for() -> None:
    corr = Correlations(assets=["A", "B"], matrix=[[1.0, 0.3], [0.3, 1.0]])
    assert corr.matrix_for(["C", "B", "A"]).tolist() == [
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.3],
        [0.0, 0.3, 1.0],
    ]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"ETH-BTC": 0.5}, "must look like 'A:B'"),
        ({"ETH:ETH": 0.5}, "with itself"),
        ({"ETH:BTC": 1.5}, "outside"),
        ({"ETH:BTC": 0.5, "BTC:ETH": 0.4}, "twice"),
        ({"assets": ["A", "B"]}, "together"),
        ({"assets": ["A", "B"], "matrix": [[1.0, 0.2], [0.3, 1.0]]}, "symmetric"),
        ({"assets": ["A", "B"], "matrix": [[2.0, 0.2], [0.2, 1.0]]}, "diagonal"),
        ({"assets": ["A", "A"], "matrix": [[1.0, 0.2], [0.2, 1.0]]}, "duplicates"),
    ],
)
def test_invalid_correlations_are_rejected(data: dict, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        Correlations.model_validate(data)
