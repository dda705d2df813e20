"""Sampled configurations: Latin hypercube strata and the sample's own random stream."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import UserInputError
from sim.sweep.sampling import SAMPLE_KEY, sample_points, sample_unit


def test_latin_hypercube_hits_each_stratum_once_per_dimension() -> None:
    rng = np.random.default_rng(3)
    for n in (1, 7, 50):
        u = sample_unit("lhs", n, 3, rng)
        assert u.shape == (n, 3) and ((u >= 0) & (u < 1)).all()
        for j in range(3):
            assert sorted(np.floor(u[:, j] * n).astype(int)) == list(range(n))
    # plain random sampling does not (with overwhelming probability)
    u = sample_unit("random", 50, 1, rng)
    assert len(set(np.floor(u[:, 0] * 50).astype(int))) < 50


def test_random_points_come_from_the_documented_stream_of_the_base_seed() -> None:
    points = sample_points("random", 4, {"a.x": [2.0, 4.0], "a.n": [1, 10]}, 42, {"a.n": True})
    u = np.random.default_rng(np.random.SeedSequence(42, spawn_key=(SAMPLE_KEY,))).random((4, 2))
    assert [p["a.x"] for p in points] == [2.0 + float(v) * 2.0 for v in u[:, 0]]
    assert [p["a.n"] for p in points] == [round(1.0 + float(v) * 9.0) for v in u[:, 1]]
    assert all(type(p["a.n"]) is int for p in points)


def test_rounded_integers_stay_inside_a_range_narrower_than_one() -> None:
    # [0.4, 1.6] holds one integer: the points that round to 0 or 2 are kept at 1 (the first and
    # last of 20 strata lie below 0.5 and above 1.5)
    points = sample_points("lhs", 20, {"k": [0.4, 1.6]}, 5, {"k": True})
    assert {p["k"] for p in points} == {1}


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(UserInputError, match="unknown sample method 'sobol'"):
        sample_unit("sobol", 2, 1, np.random.default_rng(0))
