"""The perpetual venue (sim.protocols.perp): a position by hand, and the venue's conservation check."""

from __future__ import annotations

import pytest
from range_lp_cases import DEEP, build, lp

from sim.chain.ledger import Ledger
from sim.errors import ConservationError, ProtocolError
from sim.protocols.hub import Protocols
from sim.protocols.perp import PERP_COUNTERPARTY, PerpPosition, PerpTerms, PerpVenue, perp_venue

TERMS = PerpTerms(
    funding_rate_annual=0.10, initial_margin=0.10, maintenance_margin=0.05, liquidation_fee=0.01
)


def venue_with_a_trader(margin_usdc: int = 10_000) -> tuple[Ledger, PerpVenue]:
    """A venue funded with 1M USDC and one trader who posted `margin_usdc` and is short 10 ETH."""
    ledger = Ledger({"USDC": 6, "ETH": 18})
    venue = PerpVenue(ledger, "USDC", 6)
    venue.fund(1_000_000 * 10**6)
    ledger.mint("alice", "USDC", margin_usdc * 10**6)
    venue.open("alice", TERMS)
    venue.deposit("alice", margin_usdc * 10**6, 3_000.0)
    assert venue.trade("alice", -10.0, 3_000.0) == -10.0
    return ledger, venue


def test_perp_pnl_funding_and_liquidation_by_hand() -> None:
    perp = PerpPosition(
        funding_rate_annual=0.10, initial_margin=0.10, maintenance_margin=0.05, liquidation_fee=0.01
    )
    perp.collateral = 6_000.0
    perp.mark = 3_000.0
    # the initial margin caps the size: 6,000 / (10% x 3,000) = 20 ETH
    assert perp.resize(-50.0, 3_000.0) == pytest.approx(-20.0)
    assert perp.resize(-10.0, 3_000.0) == -10.0
    dt = 1 / 365
    pnl, funding = perp.accrue(3_300.0, dt)
    assert pnl == pytest.approx(-3_000.0)  # short 10 ETH, +300 each
    assert funding == pytest.approx(10 * 3_300 * 0.10 / 365)  # longs pay shorts
    assert perp.collateral == pytest.approx(6_000 - 3_000 + funding)
    assert not perp.should_liquidate()  # 3,009 > 5% x 33,000 = 1,650
    perp.accrue(3_500.0, 0.0)  # another -2,000: collateral 1,009 < 1,750
    assert perp.collateral == pytest.approx(1_000 + funding)
    assert perp.should_liquidate()
    back = perp.liquidate()
    assert back == pytest.approx(1_000 + funding - 0.01 * 35_000)
    assert perp.penalties == pytest.approx(350.0)
    assert (perp.size, perp.collateral, perp.liquidations) == (0.0, 0.0, 1)
    assert perp.pnl == pytest.approx(-5_000.0)
    # a negative funding rate is paid by the short
    neg = PerpPosition(-0.2, 0.1, 0.05, 0.0, size=-1.0, collateral=1_000.0, mark=2_000.0)
    _, f = neg.accrue(2_000.0, 0.5)
    assert f == pytest.approx(-1.0 * 2_000 * 0.2 * 0.5)


def test_the_venue_books_margins_settlements_and_payouts_exactly() -> None:
    ledger, venue = venue_with_a_trader()
    a = venue.accounts["alice"]
    assert (a.deposited, a.deposited_units, a.collateral, a.mark) == (
        10_000.0,
        10**10,
        10_000.0,
        3_000.0,
    )
    assert ledger.wallet(PERP_COUNTERPARTY)["USDC"] == 1_010_000 * 10**6
    venue.settle("alice", 2_900.0, 0.0)  # the short gains 10 x 100
    assert (a.pnl, a.collateral) == (1_000.0, 11_000.0)
    venue.check()
    venue.close("alice")
    assert (a.size, a.collateral, a.released, a.paid_back, a.paid_units) == (
        0.0,
        0.0,
        11_000.0,
        11_000.0,
        11 * 10**9,
    )
    assert ledger.wallet("alice")["USDC"] == 11 * 10**9
    assert ledger.wallet(PERP_COUNTERPARTY)["USDC"] == 999_000 * 10**6
    venue.check()
    ledger.check(0)


def test_a_liquidation_beyond_the_collateral_is_written_off_and_still_balances() -> None:
    ledger, venue = venue_with_a_trader(margin_usdc=3_000)
    a = venue.accounts["alice"]
    venue.settle("alice", 3_500.0, 0.0)  # short 10 ETH, +500 each: -5,000 on 3,000 of margin
    assert a.liquidations == 1 and a.written_off == 2_000.0 and a.penalties == 0.0
    assert a.paid_back == 0.0 and ledger.wallet("alice")["USDC"] == 0
    venue.check()


def test_the_venue_check_fails_when_its_wallet_moves_outside_its_books() -> None:
    ledger, venue = venue_with_a_trader()
    venue.check()
    ledger.transfer(PERP_COUNTERPARTY, "thief", "USDC", 1)
    with pytest.raises(
        ConservationError, match=r"perp venue: perp_counterparty holds 1009999999999"
    ):
        venue.check()


def test_the_venue_check_fails_when_an_account_collateral_is_not_its_flows() -> None:
    _, venue = venue_with_a_trader()
    venue.settle("alice", 2_950.0, 1 / 365)
    venue.check()
    venue.accounts["alice"].collateral += 0.01  # one cent from nowhere
    with pytest.raises(ConservationError, match="alice's collateral"):
        venue.check()


def test_restore_puts_the_wallet_and_the_account_back_in_place() -> None:
    ledger, venue = venue_with_a_trader()
    account = venue.accounts["alice"]
    saved = venue.snapshot("alice")
    venue.settle("alice", 3_100.0, 0.0)
    venue.close("alice")
    venue.restore("alice", saved)
    assert venue.accounts["alice"] is account
    assert (account.size, account.collateral, account.paid_back) == (-10.0, 10_000.0, 0.0)
    assert ledger.wallet(PERP_COUNTERPARTY)["USDC"] == 1_010_000 * 10**6
    venue.check()


def test_one_venue_per_market_checked_with_the_other_protocols() -> None:
    ledger = Ledger({"USDC": 6})
    protocols = Protocols(ledger)
    venue = perp_venue(protocols, "USDC", 6)
    assert perp_venue(protocols, "USDC", 6) is venue and protocols.venues["perp"] is venue
    with pytest.raises(ProtocolError, match="does not settle in DAI"):
        perp_venue(protocols, "DAI", 18)
    venue.fund(100)
    protocols.check()
    ledger.transfer(PERP_COUNTERPARTY, "thief", "USDC", 1)
    with pytest.raises(ConservationError, match="perp venue"):
        protocols.check()


def test_the_model_checks_the_venue_every_block() -> None:
    model = build({"full": DEEP, "hedged": lp("hedged", band_pct=5)})
    model.run_for(3)
    model.market.ledger.transfer(PERP_COUNTERPARTY, "thief", "USDC", 10**6)
    with pytest.raises(ConservationError, match=r"block 3: perp venue: perp_counterparty holds"):
        model.check()
