"""A range LP's position record and the interface to its books (sim.market.position_books)."""

from __future__ import annotations

import mesa
import pytest
from range_lp_cases import DEEP, agent, build, lp

from sim.market.position_books import BandPosition, books_keeper, pair_value
from sim.model.position_books import RangeLPBooks
from sim.pools.uniswap_v3.pool import ConcentratedPool


def test_an_empty_position_holds_nothing_and_is_never_in_range() -> None:
    pool = ConcentratedPool.from_price("v3", ("ETH", "USDC"), (18, 6), 3000, 3000.0)
    pos = BandPosition(pool, "lp", tick_lower=-196_740, tick_upper=-195_780)
    assert pos.tick_lower <= pool.tick < pos.tick_upper
    assert not pos.in_range()  # no liquidity
    assert pos.amounts() == (0, 0) and pos.uncollected_fees() == (0, 0)


def test_a_minted_position_reads_its_principal_and_fees_off_the_pool() -> None:
    model = build({"full": DEEP, "fixed": lp("fixed_band", band_pct=5)})
    pos = agent(model, "fixed").position
    pool = pos.pool
    assert pos.in_range() and pos.liquidity > 0
    assert pos.amounts() == pool.position_amounts(pos.holder, pos.tick_lower, pos.tick_upper)
    assert pos.uncollected_fees() == (0, 0)


def test_restore_puts_every_field_back_in_place() -> None:
    pool = ConcentratedPool.from_price("v3", ("ETH", "USDC"), (18, 6), 3000, 3000.0)
    pos = BandPosition(pool, "lp", capital=1e6)
    saved = pos.copy()
    pos.tick_lower, pos.liquidity, pos.swaps_done, pos.mint_share_min = -60, 5, 2, 0.5
    pos.restore(saved)
    assert pos == BandPosition(pool, "lp", capital=1e6) and saved is not pos


def test_pair_value_truncates_to_units_at_reference_prices() -> None:
    model = build({"full": DEEP})
    assert pair_value(model.market, ("ETH", "USDC"), 2.9e18, 1_500_000.7) == 2.9 * 3000 + 1.5


def test_the_model_keeps_the_books_it_hands_to_each_range_lp() -> None:
    model = build({"full": DEEP, "fixed": lp("fixed_band", band_pct=5)})
    assert books_keeper(model) is model
    for name in ("full", "fixed"):
        a = agent(model, name)
        assert isinstance(a.books, RangeLPBooks) and model.lp_books[a.name] is a.books
        assert a.books.position is a.position and a.books.cohort == name
    with pytest.raises(TypeError, match="keeps no position books"):
        books_keeper(mesa.Model())
