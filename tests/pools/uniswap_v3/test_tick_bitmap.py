"""TickBitmap (sim/pools/uniswap_v3/tick_bitmap.py): v3-core's nextInitializedTickWithinOneWord vectors."""

from __future__ import annotations

from sim.pools.uniswap_v3.tick_bitmap import flip_tick, next_initialized_tick_within_one_word


def test_next_initialized_tick_matches_v3_core_bitmap_vectors() -> None:
    ticks: list[int] = []  # tick spacing 1
    for tick in (-200, -55, -4, 70, 78, 84, 139, 240, 535):
        flip_tick(ticks, tick)

    def nxt(tick: int, lte: bool) -> tuple[int, bool]:
        return next_initialized_tick_within_one_word(ticks, tick, 1, lte)

    assert nxt(78, False) == (84, True)
    assert nxt(-55, False) == (-4, True)
    assert nxt(77, False) == (78, True)
    assert nxt(-56, False) == (-55, True)
    assert nxt(255, False) == (511, False)
    assert nxt(-257, False) == (-200, True)
    assert nxt(508, False) == (511, False)
    assert nxt(383, False) == (511, False)
    assert nxt(78, True) == (78, True)
    assert nxt(79, True) == (78, True)
    assert nxt(258, True) == (256, False)
    assert nxt(256, True) == (256, False)
    assert nxt(72, True) == (70, True)
    assert nxt(-257, True) == (-512, False)
    assert nxt(1023, True) == (768, False)
    assert nxt(900, True) == (768, False)
    flip_tick(ticks, 340)
    assert nxt(328, False) == (340, True)
    flip_tick(ticks, 340)  # flipping again clears it
    assert nxt(328, False) == (511, False)
    flip_tick(ticks, 329)
    assert nxt(456, True) == (329, True)
