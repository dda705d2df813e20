"""Passive lenders: supply at genesis, earn the supply rate."""

from __future__ import annotations

from pathlib import Path

from lending_cases import E18, make, of_kind

from agents.lending_supplier import LendingSupplier
from sim.runs.runner import run

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_suppliers_supply_their_capital_at_genesis() -> None:
    model = make()
    suppliers = of_kind(model, LendingSupplier)
    assert len(suppliers) == 2
    for s in suppliers:
        assert s.principal == 10_000 * E18  # the numeraire is ETH
        assert s.supplied() == 10_000 * E18
        assert s.interest_earned() == 0
        assert s.wallet["ETH"] == E18 // 2  # only the gas reserve is left
        assert s.value() == s.market.wallet_value(s.wallet) + 10_000.0


def test_suppliers_earn_what_the_borrowers_pay() -> None:
    model = make()
    for _ in range(50):
        model.step()
    (s, _) = of_kind(model, LendingSupplier)
    earned = s.interest_earned()
    assert earned > 0
    assert earned == s.supplied() - s.principal
    report = s.report()
    assert report["interest_earned"] == earned / E18
    assert report["supply_rate_pct"] == s.lending.supply_rate("ETH") * 100 > 0


def test_an_lst_supplier_stakes_its_underlying_so_every_lst_unit_is_backed() -> None:
    """Supplying stETH, a lender is funded in ETH and stakes it at the protocol first: the
    LST it supplies is minted by staking, never out of nothing (the backing check holds)."""
    plain = make()
    model = make(agents__lenders__asset="stETH")
    lido = model.market.protocols.staking["stETH"]
    staked_more = lido.deposited - plain.market.protocols.staking["stETH"].deposited
    suppliers = of_kind(model, LendingSupplier)
    assert staked_more == 2 * 10_000 * E18  # each lender's capital, in ETH, staked
    for s in suppliers:
        assert s.principal == s.supplied() == lido.to_lst(10_000 * E18)
        assert s.wallet.get("stETH", 0) == 0 and s.wallet["ETH"] == E18 // 2
    for _ in range(20):
        model.step()
        model.check()  # conservation and each LST backed by its protocol, every block


def test_the_lst_supplier_scenario_runs_checked(tmp_path: Path) -> None:
    """`ammsim run steth_depeg --set agents.lenders.asset=stETH --blocks 20 --check`."""
    result = run(
        SCENARIOS / "steth_depeg.toml",
        blocks=20,
        overrides={"agents.lenders.asset": "stETH"},
        check_every_block=True,
        out=None,
    )
    lenders = [a for a in result.agents.to_dict("records") if a["cohort"] == "lenders"]
    assert lenders and all(a["supplied"] > 0 for a in lenders)
