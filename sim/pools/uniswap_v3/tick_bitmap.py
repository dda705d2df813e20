"""Mirrors v3-core's TickBitmap on a sorted list of initialized ticks, 256-tick words included.

The contract keeps one bit per usable tick in 256-bit words and searches a word at a time.
A sorted list answers the same questions; `next_initialized_tick_within_one_word` stops at
the same word edges, so a swap takes exactly the contract's steps (and roundings).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort


def flip_tick(initialized_ticks: list[int], tick: int) -> None:
    """Mirrors TickBitmap.flipTick: add `tick` to the sorted list, or remove it if present."""
    i = bisect_left(initialized_ticks, tick)
    if i < len(initialized_ticks) and initialized_ticks[i] == tick:
        del initialized_ticks[i]
    else:
        insort(initialized_ticks, tick)


def next_initialized_tick_within_one_word(
    initialized_ticks: list[int], tick: int, tick_spacing: int, lte: bool
) -> tuple[int, bool]:
    """Mirrors TickBitmap.nextInitializedTickWithinOneWord, including its 256-tick words.

    Returns `(next_tick, initialized)`: the next initialized tick at or left of
    `tick` (lte) or strictly right of it, if one lies in the same bitmap word,
    else the word's edge with `initialized` False.
    """
    ticks = initialized_ticks
    compressed = tick // tick_spacing  # floor, as the contract's round toward -infinity
    if lte:
        word_start = ((compressed >> 8) << 8) * tick_spacing
        i = bisect_right(ticks, compressed * tick_spacing) - 1
        if i >= 0 and ticks[i] >= word_start:
            return ticks[i], True
        return word_start, False
    nxt = compressed + 1
    word_end = (((nxt >> 8) << 8) + 255) * tick_spacing
    i = bisect_left(ticks, nxt * tick_spacing)
    if i < len(ticks) and ticks[i] <= word_end:
        return ticks[i], True
    return word_end, False
