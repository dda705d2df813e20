"""The perpetual venue (sim.protocols.perp): a position by hand, and the venue's conservation check."""

from __future__ import annotations

import pytest

from sim.protocols.perp import PerpPosition


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
