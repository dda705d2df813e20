"""Tests for sim.chain.ledger: mints, burns and transfers conserve supply; `check` names a leak."""

from __future__ import annotations

import pytest

from sim.chain.ledger import Ledger
from sim.errors import ConservationError, InsufficientBalance

E18 = 10**18


def make() -> Ledger:
    return Ledger({"ETH": 18, "USDC": 6})


def test_a_wallet_starts_with_every_token_at_zero_and_is_kept() -> None:
    ledger = make()
    wallet = ledger.wallet("alice")
    assert wallet == {"ETH": 0, "USDC": 0}
    assert ledger.wallet("alice") is wallet is ledger.wallets["alice"]


def test_mint_transfer_burn_keep_supply_equal_to_holdings() -> None:
    ledger = make()
    ledger.mint("alice", "ETH", E18)
    ledger.transfer("alice", "bob", "ETH", 3 * E18 // 10)
    ledger.burn("bob", "ETH", E18 // 10)
    assert ledger.wallets["alice"]["ETH"] == 7 * E18 // 10
    assert ledger.wallets["bob"]["ETH"] == 2 * E18 // 10
    assert ledger.minted == {"ETH": E18} and ledger.burned == {"ETH": E18 // 10}
    assert ledger.supply("ETH") == 9 * E18 // 10
    assert ledger.totals() == {"ETH": 9 * E18 // 10, "USDC": 0}
    assert ledger.discrepancies() == {}
    ledger.check(1)  # balanced: no error


def test_venue_holdings_and_supply_made_inside_a_venue_count() -> None:
    ledger = make()
    pool = {"USDC": 0}
    ledger.add_venue("pool", lambda: dict(pool))
    ledger.mint("alice", "USDC", 10_000_000)
    ledger.wallets["alice"]["USDC"] -= 4_000_000  # alice pays the pool
    pool["USDC"] += 4_000_000
    ledger.check(2)
    pool["USDC"] += 123  # yield created inside the pool, booked as such
    ledger.minted_to_venue("USDC", 123)
    ledger.check(3)
    pool["USDC"] -= 23
    ledger.burned_in_venue("USDC", 23)
    ledger.check(4)
    assert ledger.supply("USDC") == 10_000_100
    assert ledger.totals()["USDC"] == 6_000_000 + 4_000_100


def test_check_names_block_token_and_difference_of_a_token_made_outside_mint() -> None:
    ledger = make()
    ledger.mint("alice", "ETH", E18)
    ledger.wallets["alice"]["ETH"] += 5  # five wei from nowhere
    assert ledger.discrepancies() == {"ETH": 5}
    with pytest.raises(ConservationError) as info:
        ledger.check(42)
    assert (
        str(info.value)
        == "block 42: tokens created or lost: ETH: held - supply = 5 units (5e-18 ETH)"
    )


def test_check_reports_a_lost_token_as_a_negative_difference() -> None:
    ledger = make()
    ledger.mint("alice", "USDC", 2_000_000)
    ledger.wallets["alice"]["USDC"] -= 1_500_000  # paid to no one
    with pytest.raises(
        ConservationError, match=r"^block 7: .*USDC: held - supply = -1500000 units \(-1\.5 USDC\)$"
    ):
        ledger.check(7)


def test_a_negative_wallet_is_a_conservation_error() -> None:
    ledger = make()
    ledger.wallet("alice")["USDC"] = -1
    ledger.mint("bob", "USDC", 1)
    with pytest.raises(ConservationError, match=r"negative wallet balances: \{'alice:USDC': -1\}"):
        ledger.discrepancies()


def test_overdraws_raise_and_change_nothing() -> None:
    ledger = make()
    ledger.mint("alice", "ETH", 100)
    with pytest.raises(InsufficientBalance, match="alice cannot burn 101 ETH: holds 100"):
        ledger.burn("alice", "ETH", 101)
    with pytest.raises(InsufficientBalance, match="alice cannot send 101 ETH: holds 100"):
        ledger.transfer("alice", "bob", "ETH", 101)
    with pytest.raises(InsufficientBalance):
        ledger.transfer("alice", "bob", "ETH", -1)
    with pytest.raises(InsufficientBalance):
        ledger.burn("alice", "ETH", -1)
    with pytest.raises(ValueError, match="negative"):
        ledger.mint("alice", "ETH", -1)
    assert ledger.wallets["alice"]["ETH"] == 100
    assert ledger.minted == {"ETH": 100} and ledger.burned == {}
    ledger.transfer("alice", "bob", "ETH", 100)  # exactly the balance is fine
    assert ledger.wallets["alice"]["ETH"] == 0 and ledger.wallets["bob"]["ETH"] == 100
