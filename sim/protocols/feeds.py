"""The price feed each lending market reads, chosen by `lending.<m>.oracle`.

* `pool` / `reference`: the market price the model passes in (`Market.price`: a token's
  reference price; `pool` also reaches a pool's spot for a token without one, while a
  scenario check requires a reference price for every asset under `reference`);
* `exchange_rate`: an LST at its redemption rate times its underlying's price;
* `twap`: a mean of the market price over the last `twap_blocks` blocks (sampled each block);
* `pool_spot` / `pool_twap`: a pool's spot price or its on-chain TWAP
  (`sim.protocols.lending.pool_oracle`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping

from sim.pools.base import Pool
from sim.protocols.lending import LendingSpec, pool_oracle
from sim.protocols.staking import LiquidStaking

__all__ = ["market_feed"]

PriceFn = Callable[[str], float]


def market_feed(
    spec: LendingSpec,
    price: PriceFn,
    staking: Mapping[str, LiquidStaking],
    twap_samples: dict[str, deque[float]],
    pools: Mapping[str, Pool],
    numeraire: str,
    block_time_s: float,
) -> PriceFn:
    """The feed for `spec.oracle`; a `twap` feed registers its assets in `twap_samples`, which
    the caller fills each block."""
    if spec.oracle in pool_oracle.POOL_ORACLES:
        seconds = max(1, round(block_time_s))
        return pool_oracle.build(spec, pools, price, numeraire, seconds)
    if spec.oracle in ("pool", "reference"):
        return price
    if spec.oracle == "exchange_rate":

        def by_rate(asset: str) -> float:
            lst = staking.get(asset)
            if lst is None:
                return price(asset)
            return lst.exchange_rate() * price(lst.spec.underlying)

        return by_rate

    def twap(asset: str) -> float:
        hist = twap_samples.get(asset)
        if not hist:
            return price(asset)
        return sum(hist) / len(hist)

    for asset in spec.assets:
        # a window longer than any run is the whole history (deque's maxlen is a C size)
        twap_samples.setdefault(asset, deque(maxlen=min(spec.twap_blocks, 2**62)))
    return twap
