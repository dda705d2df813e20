"""Range liquidity providers: concentrated-liquidity (Uniswap V3) positions managed by a strategy.

One agent holds at most one position `(tick_lower, tick_upper)` in one `concentrated` pool.
Its cohort's `strategy` decides the band and when to move it (`strategies`); a move burns,
collects, swaps the inventory to the new band's ratio (sized on a fork of the pool,
`sizing`) and mints, in one transaction (`agent`); the `hedged` strategy shorts its token0
exposure on the market's perp venue (`hedge`, `sim.protocols.perp`). Its books (the net
result against holding, decomposed exactly, and its LVR) are kept by the model
(`sim.model.position_books`) and reported by `sim.report.range_lps`. See
docs/v3_strategies.md.
"""

from agents.range_lp.agent import RangeLP, build
from agents.range_lp.spec import PerpSpec, RangeLPSpec

__all__ = ["PerpSpec", "RangeLP", "RangeLPSpec", "build"]
