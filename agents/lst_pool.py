"""Which pool trades a liquid staking token against its underlying: the one lookup that every
LST agent (loopers, panic sellers, mint/redeem arbitrageurs) shares."""

from __future__ import annotations

from sim.errors import ProtocolError
from sim.market.market import Market
from sim.pools.base import Pool


def lst_pool(market: Market, lst: str, underlying: str, name: str | None) -> Pool | None:
    """The pool named `name`, or the first pool trading both `lst` and `underlying`."""
    pools = market.pools
    if name is not None:
        return pools[name]
    found = market.pools_with(lst, underlying)
    return found[0] if found else None


def require_lst_pool(market: Market, lst: str, underlying: str, name: str | None) -> Pool:
    """`lst_pool`, for agents that cannot act without one."""
    pool = lst_pool(market, lst, underlying, name)
    if pool is None:
        raise ProtocolError(f"no pool trades {lst} against {underlying}")
    return pool
