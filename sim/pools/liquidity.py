"""Adding and removing liquidity from a wallet, the same way for every pool kind (what a router does for an LP).

Each pool adapts its contract's own calls (`mint`/`add_liquidity`, `burn`/`remove_liquidity`)
behind the `Pool` interface's `deposit` and `withdraw`; this module moves the tokens: it
checks the wallet, debits what the pool took and credits what it paid. What LPs hold is read
from the pool itself (`Pool.lp_shares`, `lp_supply`, `claim`, `lp_claim`).
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.errors import InsufficientBalance
from sim.pools.base import Pool


def deposit(pool: Pool, holder: str, wallet: dict[str, int], amounts: Mapping[str, int]) -> int:
    """Deposit up to `amounts` from `wallet` into `pool`; returns LP tokens minted.

    The pool decides what it takes (`Pool.deposit`): a constant-product pool follows
    UniswapV2Router02.addLiquidity (the first deposit sets the price, later ones use the
    pool ratio and leave the excess in the wallet); a pool of ranged positions refuses.
    """
    for token, amount in amounts.items():
        if amount < 0 or amount > wallet.get(token, 0):
            raise InsufficientBalance(
                f"{holder} cannot deposit {amount} {token}: holds {wallet.get(token, 0)}"
            )
    used, minted = pool.deposit(holder, amounts)
    for token, amount in used.items():
        wallet[token] -= amount
    return minted


def withdraw(pool: Pool, holder: str, wallet: dict[str, int], shares: int) -> dict[str, int]:
    """Burn `shares` LP tokens of `holder` and credit the tokens paid out to `wallet`."""
    paid = pool.withdraw(holder, shares)
    for token, amount in paid.items():
        wallet[token] += amount
    return paid
