"""Tick (sim/pools/uniswap_v3/tick.py): max liquidity per tick, update, cross and fee growth inside."""

from __future__ import annotations

from sim.pools.uniswap_v3.safe_cast import MAX_UINT128
from sim.pools.uniswap_v3.tick import (
    tick_spacing_to_max_liquidity_per_tick,
)


def test_max_liquidity_per_tick_matches_v3_core() -> None:
    assert tick_spacing_to_max_liquidity_per_tick(10) == 1917569901783203986719870431555990
    assert tick_spacing_to_max_liquidity_per_tick(60) == 11505743598341114571880798222544994
    assert tick_spacing_to_max_liquidity_per_tick(200) == 38350317471085141830651933667504588
    assert tick_spacing_to_max_liquidity_per_tick(887272) == MAX_UINT128 // 3
    assert tick_spacing_to_max_liquidity_per_tick(2302) == 441351967472034323558203122479595605
