"""Flash loans and all-or-nothing transactions, over the market's ledger, pools and lending.

`atomic` is what the EVM gives every transaction: if anything inside reverts, every pool,
lending market and wallet is back as it was. `flash_loan_simple` is Aave v3's
`Pool.flashLoanSimple` with its token flows: the reserve's cash goes to the receiver, the
receiver's operation runs, and ``amount + premium`` must be back in its wallet at the end, or
the whole transaction reverts (the books: `sim.protocols.lending.flash_loan_simple`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sim.errors import ProtocolError
from sim.protocols.lending.flash_loan_simple import (
    FLASHLOAN_PREMIUM_TO_PROTOCOL_BPS,
    FLASHLOAN_PREMIUM_TOTAL_BPS,
    flash_loan_out,
    handle_flash_loan_repayment,
)
from sim.protocols.lending.reserve import reserve_of

if TYPE_CHECKING:
    from sim.protocols.hub import Protocols

__all__ = ["atomic", "flash_loan_simple"]


@contextmanager
def atomic(protocols: Protocols) -> Iterator[None]:
    """Run a transaction's body all or nothing: on any exception every pool, lending market,
    wallet and liquidation record is restored exactly, then the exception propagates."""
    ledger = protocols.ledger
    pools = [(p, p.snapshot()) for p in protocols.pools.values()]
    markets = {name: copy.deepcopy(m.reserves) for name, m in protocols.lending.items()}
    wallets = {name: dict(w) for name, w in ledger.wallets.items()}
    liquidations = len(protocols.liquidations)
    try:
        yield
    except BaseException:
        for pool, state in pools:
            pool.restore(state)
        for name, reserves in markets.items():
            live = protocols.lending[name].reserves
            live.clear()
            live.update(reserves)
        for name, w in ledger.wallets.items():
            saved = wallets.get(name, {})
            if w != saved:
                w.clear()
                w.update(saved)
        del protocols.liquidations[liquidations:]
        raise


def flash_loan_simple(
    protocols: Protocols,
    market: str,
    receiver: str,
    asset: str,
    amount: int,
    operation: Callable[[int], None],
    *,
    premium_total_bps: int = FLASHLOAN_PREMIUM_TOTAL_BPS,
    premium_to_protocol_bps: int = FLASHLOAN_PREMIUM_TO_PROTOCOL_BPS,
) -> int:
    """`Pool.flashLoanSimple(receiver, asset, amount, params, 0)`; returns the premium paid.

    `operation(premium)` is the receiver's `executeOperation`: it raises to fail. Then the pool
    pulls ``amount + premium`` from the receiver's wallet; one unit short reverts everything.
    """
    lm = protocols.lending[market]
    wallet = protocols.ledger.wallet(receiver)
    with atomic(protocols):
        r = reserve_of(lm.reserves, asset)
        premium = flash_loan_out(r, amount, premium_total_bps)
        wallet[asset] = wallet.get(asset, 0) + amount
        operation(premium)
        due = amount + premium
        r = reserve_of(lm.reserves, asset)  # the same object unless a nested revert restored it
        if wallet.get(asset, 0) < due:
            raise ProtocolError(
                f"SafeERC20: transferFrom failed: {receiver} holds {wallet.get(asset, 0)} "
                f"{asset}, owes the flash loan {amount} + premium {premium}"
            )
        wallet[asset] -= due
        handle_flash_loan_repayment(r, amount, premium, premium_to_protocol_bps)
    return premium
