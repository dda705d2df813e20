"""How large a run fits: the memory figures README and docs/reliability.md cite, held by
tests/system/test_memory.py (one home, so the docs and the test cannot disagree).

Measured on the project machines (24 GiB, like CI) with `ammsim run` of noise traders in one
constant-product pool, run folder written (agents.csv with a row per agent, report.html).
"""

from __future__ import annotations

__all__ = ["MAX_AGENTS", "PEAK_RSS_MB_AT_MAX_AGENTS", "RSS_KB_PER_ACTIVE_AGENT"]

MAX_AGENTS = 200_000
"""Most agents a scenario may have in all (sim/scenario/schema.py refuses more; a test keeps
the two equal)."""

PEAK_RSS_MB_AT_MAX_AGENTS = 2_000
"""Peak resident memory, MB, of a MAX_AGENTS run of a few blocks, folder written. Measured:
1,356 MB for 3 blocks (3,387 MB for 2 blocks before the mempool ceiling and compact draw
buffers, growing ~160 MB a block)."""

RSS_KB_PER_ACTIVE_AGENT = 32
"""Memory, KB, that one more noise trader adds once it has traded (its wallet, books and
buffers of 1,024 pre-drawn arrivals, sizes and sides; measured: 22 KB). Buffers fill at an
agent's first trade and the mempool is capped, so per-agent memory stops growing once every
agent has traded: a long MAX_AGENTS run stays under about MAX_AGENTS x 32 KB + 0.2 GB = 6.3 GB
(4.4 GB at the measured 22 KB)."""
