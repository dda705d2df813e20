"""Passive lenders: supply at genesis, earn the supply rate."""

from __future__ import annotations

from lending_cases import E18, make, of_kind

from agents.lending_supplier import LendingSupplier


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
