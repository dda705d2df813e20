"""Argument checks every protocol makes before it touches its books (one copy of each).

Amounts are integers in a token's smallest unit; clocks advance by whole blocks of a whole
number of seconds. A failed check on a call is a revert (`ProtocolError`); a bad clock at
construction is a configuration error (`ValueError`).
"""

from __future__ import annotations

from sim.errors import InsufficientBalance, ProtocolError

__all__ = ["check_amount", "check_blocks", "check_seconds_per_block", "require_balance"]


def check_amount(amount: int, what: str) -> None:
    """Revert unless `amount` is a positive integer (not a bool, not a float)."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise ProtocolError(f"{what} amount must be an integer in smallest units: {amount!r}")
    if amount <= 0:
        raise ProtocolError(f"{what} amount must be positive: {amount}")


def check_blocks(blocks: int) -> None:
    """Revert unless `blocks` (a clock advance) is a non-negative integer."""
    if not isinstance(blocks, int) or blocks < 0:
        raise ProtocolError(f"blocks must be a non-negative integer: {blocks!r}")


def check_seconds_per_block(seconds_per_block: float) -> int:
    """The block time as an integer number of seconds; `ValueError` unless it is one (> 0)."""
    if seconds_per_block <= 0 or int(seconds_per_block) != seconds_per_block:
        raise ValueError(f"seconds_per_block must be a positive integer: {seconds_per_block}")
    return int(seconds_per_block)


def require_balance(wallet: dict[str, int], holder: str, token: str, amount: int) -> None:
    """`InsufficientBalance` unless `holder`'s `wallet` can pay `amount` (>= 0) of `token`."""
    if amount < 0 or amount > wallet.get(token, 0):
        raise InsufficientBalance(f"{holder} holds {wallet.get(token, 0)} {token}, needs {amount}")
