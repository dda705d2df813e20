"""Float views of a StableSwap pool (sim/pools/curve/views.py): spot prices from the exact D."""

from __future__ import annotations

import pytest
from conftest import make_stableswap_pool as make_pool
from hypothesis import HealthCheck, settings

pytestmark = pytest.mark.usefixtures("stableswap_kernel")
E18 = 10**18
PROPS = settings(
    max_examples=40,
    deadline=None,
    database=None,  # no .hypothesis directory in the work tree
    suppress_health_check=[HealthCheck.too_slow],
)


def test_fee_bps_and_spot_price_balanced() -> None:
    pool = make_pool((18, 6, 6), fee=4_000_000)
    assert pool.fee_bps == 4.0
    assert pool.spot_price("T0", "T1") == pytest.approx(1.0, abs=1e-15)
    assert pool.spot_price("T1", "T1") == 1.0


@pytest.mark.parametrize("A", [1, 10, 100, 2000])
def test_spot_price_matches_a_small_exact_trade(A: int) -> None:
    pool = make_pool((18, 6), A=A, fee=0, whole=(1_000_000, 150_000))
    for base, quote in (("T0", "T1"), ("T1", "T0")):
        d_in = 10 ** pool.decimals[pool.index(base)]
        d_out = 10 ** pool.decimals[pool.index(quote)]
        dx = 10 * d_in  # 10 whole coins: tiny against the pool, large against rounding
        small = pool.quote_exact_in(base, quote, dx) / d_out / (dx / d_in)
        assert pool.spot_price(base, quote) == pytest.approx(small, rel=1e-4)
    # the cheap coin (more of it in the pool) is worth less
    assert pool.spot_price("T0", "T1") < 1.0 < pool.spot_price("T1", "T0")
