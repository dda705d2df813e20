"""Aave v3's flashLoanSimple (sim/protocols/lending/flash_loan_simple.py and
sim/protocols/flash_loans.py): the premium to the wei, its split between the treasury and the
suppliers, and a repayment one unit short reverting everything."""

from __future__ import annotations

import pytest

from sim.chain.ledger import Ledger
from sim.errors import ProtocolError
from sim.protocols.flash_loans import flash_loan_simple
from sim.protocols.hub import Protocols
from sim.protocols.lending import AssetParams, LendingSpec
from sim.protocols.lending.flash_loan_simple import flash_premium
from sim.units import RAY
from tests.conftest import make_v2_pool

USDC = 10**6


def market() -> Protocols:
    ledger = Ledger({"ETH": 18, "USDC": 6})
    protocols = Protocols(ledger)
    pool = make_v2_pool()
    protocols.attach_pools({"eth_usdc": pool})
    ledger.add_venue("pool:eth_usdc", pool.holdings)
    spec = LendingSpec(assets={"USDC": AssetParams(collateral=False)}, oracle="reference")
    protocols.add_lending("aave", spec, {"USDC": 6}, lambda a: 1.0, 12)
    ledger.mint("lender", "USDC", 10_000_000 * USDC)
    protocols.supply("aave", "lender", "USDC", 10_000_000 * USDC)
    return protocols


def state(p: Protocols) -> tuple[object, ...]:
    r = p.lending["aave"].reserves["USDC"]
    pool = p.pools["eth_usdc"]
    return (
        r.cash,
        r.liquidity_index,
        r.total_scaled_supply,
        r.treasury_scaled,
        pool.reserve0,
        pool.reserve1,
        {
            n: {t: a for t, a in w.items() if a}
            for n, w in p.ledger.wallets.items()
            if any(w.values())
        },
    )


@pytest.mark.parametrize(
    ("amount", "premium"),
    [(1_000_000 * USDC, 500 * USDC), (1, 0), (999, 0), (1_000, 1), (2_999, 1), (3_000, 2)],
)
def test_premium_is_percent_mul_of_five_bps(amount: int, premium: int) -> None:
    # percentMul rounds half up: (amount * 5 + 5000) // 10000
    assert flash_premium(amount) == premium


def test_repaid_in_full_the_premium_goes_to_the_treasury() -> None:
    p = market()
    p.ledger.mint("bot", "USDC", 500 * USDC)  # to pay the premium
    seen: list[int] = []
    paid = flash_loan_simple(p, "aave", "bot", "USDC", 1_000_000 * USDC, seen.append)
    r = p.lending["aave"].reserves["USDC"]
    assert paid == 500 * USDC
    assert seen == [paid]  # the receiver's operation is told the premium
    assert r.cash == 10_000_500 * USDC
    assert r.treasury() == 500 * USDC
    assert r.liquidity_index == RAY  # all of it to the protocol (v3 Ethereum's setting)
    assert p.ledger.wallets["bot"]["USDC"] == 0
    minted = p.ledger.flows["funding"]["USDC"]
    assert r.cash + sum(w["USDC"] for w in p.ledger.wallets.values()) == minted


def test_suppliers_share_grows_the_liquidity_index() -> None:
    p = market()
    p.ledger.mint("bot", "USDC", 500 * USDC)
    flash_loan_simple(
        p, "aave", "bot", "USDC", 1_000_000 * USDC, lambda fee: None, premium_to_protocol_bps=0
    )
    lm = p.lending["aave"]
    r = lm.reserves["USDC"]
    # cumulateToLiquidityIndex: (500 / 10,000,000) as a ray, plus one, times the index
    assert r.liquidity_index == RAY + 500 * USDC * RAY // (10_000_000 * USDC)
    assert lm.supplied("lender", "USDC") == 10_000_500 * USDC
    assert r.treasury_scaled == 0
    assert r.totals().dust >= 0


def test_one_unit_short_reverts_everything() -> None:
    p = market()
    p.ledger.mint("bot", "USDC", 500 * USDC - 1)  # the premium, one unit short
    pool = p.pools["eth_usdc"]

    def trade(premium: int) -> None:  # swaps in the pool, then comes back short
        w = p.ledger.wallets["bot"]
        out = pool.swap_exact_in("USDC", "ETH", 1_000 * USDC).amount_out
        w["USDC"] -= 1_000 * USDC
        w["ETH"] += out
        back = pool.swap_exact_in("ETH", "USDC", out).amount_out
        w["ETH"] -= out
        w["USDC"] += back + 1_000 * USDC - back  # as if the trade had cost nothing

    before = state(p)
    with pytest.raises(ProtocolError, match="transferFrom failed"):
        flash_loan_simple(p, "aave", "bot", "USDC", 1_000_000 * USDC, trade)
    assert state(p) == before
    p.ledger.mint("bot", "USDC", 1)
    flash_loan_simple(p, "aave", "bot", "USDC", 1_000_000 * USDC, lambda fee: None)
    assert p.lending["aave"].reserves["USDC"].cash == 10_000_500 * USDC


def test_more_than_the_cash_cannot_be_lent() -> None:
    p = market()
    before = state(p)
    with pytest.raises(ProtocolError, match="exceeds"):
        flash_loan_simple(p, "aave", "bot", "USDC", 10_000_001 * USDC, lambda fee: None)
    assert state(p) == before
