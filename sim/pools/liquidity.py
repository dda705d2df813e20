"""Adding and removing liquidity the same way across pool kinds (what a router does for an LP).

Pools keep their contracts' own deposit methods (`mint`/`add_liquidity`); this
module adapts them to wallets: it debits what the pool took, credits what it
paid, and values an LP's claim on the pool.
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.errors import InsufficientBalance, InvalidAmount
from sim.pools.base import Pool


def lp_shares(pool: Pool, holder: str) -> int:
    """LP tokens `holder` owns in `pool`."""
    return pool.balance_of.get(holder, 0)  # type: ignore[attr-defined]


def lp_supply(pool: Pool) -> int:
    """Total LP tokens of `pool`."""
    return pool.total_supply  # type: ignore[attr-defined]


def claim(pool: Pool, shares: int) -> dict[str, int]:
    """Tokens `shares` LP tokens would withdraw pro rata (no fees or imbalance penalties)."""
    supply = lp_supply(pool)
    if supply == 0 or shares == 0:
        return dict.fromkeys(pool.tokens, 0)
    if pool.kind == "constant_product":
        reserves = (pool.reserve0, pool.reserve1)  # type: ignore[attr-defined]
    else:
        reserves = tuple(pool.balances)  # type: ignore[attr-defined]
    return {t: r * shares // supply for t, r in zip(pool.tokens, reserves, strict=True)}


def deposit(pool: Pool, holder: str, wallet: dict[str, int], amounts: Mapping[str, int]) -> int:
    """Deposit up to `amounts` from `wallet` into `pool`; returns LP tokens minted.

    Constant product follows UniswapV2Router02.addLiquidity: the first deposit
    sets the price, later ones use the pool ratio and leave the excess in the wallet.
    """
    for token, amount in amounts.items():
        if amount < 0 or amount > wallet.get(token, 0):
            raise InsufficientBalance(
                f"{holder} cannot deposit {amount} {token}: holds {wallet.get(token, 0)}"
            )
    if pool.kind == "constant_product":
        t0, t1 = pool.tokens
        a0, a1 = amounts.get(t0, 0), amounts.get(t1, 0)
        if lp_supply(pool) == 0:
            minted = pool.mint(holder, a0, a1)  # type: ignore[attr-defined]
            used = (a0, a1)
        else:
            u0, u1, minted = pool.add_liquidity(holder, a0, a1)  # type: ignore[attr-defined]
            used = (u0, u1)
    elif pool.kind == "stableswap":
        used = tuple(amounts.get(t, 0) for t in pool.tokens)
        minted = pool.add_liquidity(list(used), 0, holder)  # type: ignore[attr-defined]
    else:
        raise InvalidAmount(f"pool kind {pool.kind!r} takes ranged positions, not deposits")
    for token, amount in zip(pool.tokens, used, strict=True):
        wallet[token] -= amount
    return minted


def withdraw(pool: Pool, holder: str, wallet: dict[str, int], shares: int) -> dict[str, int]:
    """Burn `shares` LP tokens of `holder` and credit the tokens paid out to `wallet`."""
    if pool.kind == "constant_product":
        amounts = pool.remove_liquidity(holder, shares)  # type: ignore[attr-defined]
    elif pool.kind == "stableswap":
        amounts = pool.remove_liquidity(shares, [0] * len(pool.tokens), holder)  # type: ignore[attr-defined]
    else:
        raise InvalidAmount(f"pool kind {pool.kind!r} takes ranged positions, not shares")
    paid = dict(zip(pool.tokens, amounts, strict=True))
    for token, amount in paid.items():
        wallet[token] += amount
    return paid
