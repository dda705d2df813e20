"""One frozen request: a new sweep of a scenario, or the missing runs of a folder."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sweep_cases import GRID

from sim.errors import UserInputError
from sim.sweep.request import PLAN_FIELDS, SweepRequest


def test_a_request_is_frozen_and_takes_the_scenario_first() -> None:
    request = SweepRequest("quickstart", grid=GRID, seeds=3)
    assert (request.scenario, request.grid, request.seeds, request.engine) == (
        "quickstart",
        GRID,
        3,
        None,
    )
    assert (request.out, request.plots, request.progress) == ("outputs", True, False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(request, "seeds", 4)  # noqa: B010
    positional: list[Any] = ["quickstart", GRID]
    with pytest.raises(TypeError):
        SweepRequest(*positional)  # all but the scenario are keyword-only


def test_a_new_sweep_needs_a_scenario() -> None:
    with pytest.raises(UserInputError, match="a sweep needs a scenario"):
        SweepRequest()
    with pytest.raises(UserInputError, match="retry_failed only applies with resume"):
        SweepRequest("quickstart", retry_failed=True)


def test_a_resumed_sweep_keeps_its_plan() -> None:
    request = SweepRequest(resume="outputs/x/sweep-1", workers=2, retry_failed=True)
    assert (request.resume, request.workers, request.retry_failed) == ("outputs/x/sweep-1", 2, True)
    with pytest.raises(UserInputError, match="not both"):
        SweepRequest("quickstart", resume="outputs/x/sweep-1")
    assert PLAN_FIELDS == ("grid", "ranges", "sample", "seeds", "seed", "blocks", "sets")
    with pytest.raises(UserInputError, match=r"^seeds, sets: a resumed sweep keeps its plan"):
        SweepRequest(resume="outputs/x/sweep-1", seeds=3, sets={})
