"""The oracle attacker (agents/oracle_attacker.py): what it executes is what it quoted on forks,
its transaction is all or nothing, and it leaves a TWAP-priced market alone."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from agents.oracle_attacker import OracleAttacker
from sim.chain.chain import Chain
from sim.errors import ProtocolError
from sim.model.model import MarketModel
from sim.scenario.scenario import load_scenario

SCENARIO = Path(__file__).parents[2] / "scenarios" / "oracle_manipulation.toml"


def model(**overrides: Any) -> tuple[MarketModel, OracleAttacker]:
    m = MarketModel(load_scenario(SCENARIO, overrides, blocks=5))
    (attacker,) = [a for a in m.market_agents if isinstance(a, OracleAttacker)]
    return m, attacker


def books(m: MarketModel) -> tuple[object, ...]:
    lender = m.market.protocols.lending["lender"].reserves
    pool = m.market.pools["tkn_usdc"]
    wallets = {n: {t: a for t, a in w.items() if a} for n, w in m.market.ledger.wallets.items()}
    return (
        pool.reserve0,
        pool.reserve1,
        pool.oracle.price0_cumulative_last,
        {a: (r.cash, r.total_scaled_supply, dict(r.scaled_debt)) for a, r in lender.items()},
        {n: w for n, w in wallets.items() if w},
    )


def test_the_attack_it_sends_is_the_one_it_quoted() -> None:
    m, attacker = model()
    plan = attacker.best_plan()
    assert plan is not None and plan.profit > 100_000
    cash = m.market.protocols.lending["lender"].totals("USDC").cash
    m.step()
    assert attacker.attacks == 1
    assert attacker.borrowed == plan.borrow == cash  # the whole market's cash
    assert attacker.flash_borrowed == plan.pump
    gain = m.market.value("USDC", attacker.taken)  # the loot: borrowed + sold back - repaid
    expected = plan.profit + m.market.gas_value(attacker.spec.gas_units)
    assert gain == pytest.approx(expected, rel=1e-3)


def test_an_attack_that_no_longer_pays_reverts_untouched() -> None:
    m, attacker = model()
    plan = attacker.best_plan()
    assert plan is not None
    chain: Chain = m.market.chain
    before = books(m)
    with pytest.raises(ProtocolError, match="no longer pays"):
        attacker.execute(chain, attacker.name, plan, need=10**30)
    assert books(m) == before
    with pytest.raises(ProtocolError):  # a pump beyond the flash lender's cash
        attacker.execute(chain, attacker.name, replace(plan, pump=10**20), need=0)
    assert books(m) == before
    assert attacker.attacks == 0


@pytest.mark.parametrize("oracle", ["pool_twap", "reference"])
def test_nothing_to_take_when_the_oracle_does_not_follow_the_pool(oracle: str) -> None:
    m, attacker = model(**{"lending.lender.oracle": oracle})
    plan = attacker.best_plan()
    assert plan is not None and plan.profit < 0
    m.step()
    assert attacker.attempts == 0
