"""Copies of a V3 pool's records (sim/pools/uniswap_v3/state.py): forks are independent, restores exact."""

from __future__ import annotations

from sim.pools.uniswap_v3.position import PositionInfo
from sim.pools.uniswap_v3.state import (
    POSITION_FIELDS,
    TICK_FIELDS,
    copy_positions,
    copy_ticks,
    position_state,
    restore_records,
    save_records,
    tick_state,
)
from sim.pools.uniswap_v3.tick import TickInfo


def test_copies_have_new_records_with_the_same_values_and_order() -> None:
    ticks = {60: TickInfo(1, 1, 2, 3, True), -60: TickInfo(4, -4, 5, 6, True)}
    copied = copy_ticks(ticks)
    assert copied == ticks and list(copied) == [60, -60]
    assert all(copied[t] is not ticks[t] for t in ticks)
    copied[60].liquidity_net = 99
    assert ticks[60].liquidity_net == 1
    positions = {("a", -60, 60): PositionInfo(7, 1, 2, 3, 4)}
    (record,) = copy_positions(positions).values()
    assert record == positions[("a", -60, 60)] and record is not positions[("a", -60, 60)]


def test_restore_puts_back_the_same_record_objects_with_their_values() -> None:
    info = TickInfo(1, 1, 2, 3, True)
    ticks = {60: info}
    saved, values = save_records(ticks, tick_state)
    info.fee_growth_outside0_x128 = 77  # a crossing rewrites it in place
    ticks[120] = TickInfo(5, 5, 0, 0, True)  # a mint adds a tick
    restore_records(ticks, saved, values, tick_state, TICK_FIELDS)
    assert ticks == {60: TickInfo(1, 1, 2, 3, True)}
    assert ticks[60] is info  # the object held elsewhere is the one restored
    del ticks[60]  # a burn clears it
    restore_records(ticks, saved, values, tick_state, TICK_FIELDS)
    assert ticks[60] is info
    positions = {("a", 0, 60): PositionInfo(1, 0, 0, 0, 0)}
    saved_p, values_p = save_records(positions, position_state)
    positions[("a", 0, 60)].tokens_owed1 = 5
    restore_records(positions, saved_p, values_p, position_state, POSITION_FIELDS)
    assert positions[("a", 0, 60)].tokens_owed1 == 0
