"""Arbitrageurs: every swap they submit carries a minimum output at or above break-even."""

from __future__ import annotations

from typing import Any

import pytest

from agents.arbitrageur import Arbitrageur
from sim.model.event_log import EVENT_COLUMNS
from sim.model.model import MarketModel
from sim.scenario.scenario import load_scenario

BLOCKS = 600


def _race(raw: dict[str, Any], gas: str) -> MarketModel:
    """Two equal arbitrageurs on a GBM-moving pool, no base fee. `gas` "tips": a swap still
    uses gas units, paid as the priority fee each bids; "free": no gas units, no tips at all."""
    raw["scenario"]["blocks"] = BLOCKS
    if gas == "free":
        raw["chain"]["gas"] = {"swap": 0, "extra_hop": 0, "revert": 0}
    model = MarketModel(load_scenario(raw))
    for _ in range(BLOCKS):
        model.step()
    return model


def _arbitrage_rows(model: MarketModel) -> list[dict[str, Any]]:
    rows = (dict(zip(EVENT_COLUMNS, r, strict=True)) for r in model.events.rows)
    return [r for r in rows if r["label"] == "arbitrage"]


def _losses(rows: list[dict[str, Any]]) -> list[float]:
    """Each executed arbitrage swap's result at its block's reference prices, gas and tip
    paid included, where it is a loss (relative to the value put in)."""
    out = []
    for r in rows:
        if r["status"] == "ok" and r["kind"] == "swap":
            value_in = float(r["value_in"])
            net = float(r["value_out"]) - value_in - float(r["gas_cost"])
            if net < -1e-9 * value_in:  # events.csv keeps 12 significant digits
                out.append(net)
    return out


@pytest.mark.parametrize("gas", ["tips", "free"])
def test_no_executed_arbitrage_loses_and_the_race_loser_reverts(
    raw: dict[str, Any], gas: str
) -> None:
    rows = _arbitrage_rows(_race(raw, gas))
    executed = [r for r in rows if r["status"] == "ok"]
    reverted = [r for r in rows if r["status"] == "reverted"]
    assert len(executed) > 100
    assert _losses(rows) == []
    # the race loser's swap, sized on the state before the winner's, now reverts
    assert len(reverted) > 0.2 * len(executed)
    assert all("INSUFFICIENT_OUTPUT_AMOUNT" in r["note"] for r in reverted)


@pytest.mark.parametrize("gas", ["tips", "free"])
def test_without_the_floor_the_race_loser_executes_at_a_loss(
    raw: dict[str, Any], gas: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same race with the old minimum (the quote less `slippage_bps`, no break-even floor):
    on a thin opportunity 1 bp of tolerance exceeds the whole gap, so the loser's stale swap
    executes at a loss. The scenario above would catch a floor that went missing."""

    def quote_less_tolerance(
        self: Arbitrageur, t_in: str, amount: int, t_out: str, out: int, gas: int, tip: float
    ) -> int:
        return int(out * (1 - self.spec.slippage_bps / 10_000))

    monkeypatch.setattr(Arbitrageur, "min_out", quote_less_tolerance)
    rows = _arbitrage_rows(_race(raw, gas))
    executed = [r for r in rows if r["status"] == "ok"]
    losses = _losses(rows)
    assert losses and executed


def _arbitrageur(raw: dict[str, Any]) -> tuple[MarketModel, Arbitrageur]:
    raw["chain"]["base_fee_gwei"] = 10.0
    model = MarketModel(load_scenario(raw))
    arb = next(a for a in model.market_agents if isinstance(a, Arbitrageur))
    return model, arb


def test_break_even_is_the_input_value_plus_gas_and_tip(raw: dict[str, Any]) -> None:
    model, arb = _arbitrageur(raw)
    market = model.market
    amount = 2 * 10**18  # ETH in
    gas, tip = 120_000, 3.0
    floor = arb.break_even_out("ETH", amount, "USDC", gas, tip)
    need = market.value("ETH", amount) + market.gas_value(gas, tip)
    assert market.gas_value(gas, tip) > market.gas_value(gas) > 0
    assert market.value("USDC", floor) >= need
    assert market.value("USDC", floor - 10) < need  # at most a hair above
    # a cycle starts and ends in one token: the input itself plus the cost in that token
    cycle = arb.break_even_out("ETH", amount, "ETH", gas, tip)
    assert cycle - amount == arb.units_at_least("ETH", market.gas_value(gas, tip))
    assert cycle - amount == pytest.approx(gas * (10 + tip) * 10**9, rel=1e-9)


def test_the_minimum_is_the_tolerance_below_the_quote_raised_to_break_even(
    raw: dict[str, Any],
) -> None:
    model, arb = _arbitrageur(raw)
    market = model.market
    amount, gas, tip = 10**18, 120_000, 1.0
    floor = arb.break_even_out("ETH", amount, "USDC", gas, tip)
    fat = floor * 2  # a wide opportunity: the tolerance binds
    assert arb.min_out("ETH", amount, "USDC", fat, gas, tip) == int(fat * (1 - 1 / 10_000))
    thin = floor + 5  # a thin one: 1 bp below the quote would lose, break-even binds
    assert arb.min_out("ETH", amount, "USDC", thin, gas, tip) == floor
    # a quote below break-even (a bid of all the profit, or rounding) is not submitted
    assert arb.min_out("ETH", amount, "USDC", floor - 1, gas, tip) is None
    assert market.value("USDC", floor) > market.value("ETH", amount)
