"""Liquid staking: a Lido-style pool of staked underlying (ETH) and its liquid staking token (LST).

Both designs share one book, Lido's shares (`StETH.sol`): the protocol holds
`total_pooled` underlying and `total_shares` shares, and each account holds shares.
One share is worth ``total_pooled / total_shares`` underlying. What differs is
what the token's *balance* means:

* **rebasing** (stETH): a balance is an amount of underlying,
  ``shares * total_pooled // total_shares`` (`getPooledEthByShares`). Rewards raise
  `total_pooled`, so **every holder's integer balance grows without any transfer**
  (a rebase); `exchange_rate()` stays 1.0. `transfer` converts the amount to shares
  (`getSharesByPooledEth`, rounding down) and moves shares. Because balances are
  derived, a conservation checker must count a rebasing LST in **shares**
  (`shares_of`, `total_shares`, the `shares` field of every event): the sum of
  all shares equals `total_shares` exactly, while the sum of balances equals
  `total_supply()` (= `total_pooled`) only to within one wei per holder.
* **reward-bearing** (wstETH, rETH, cbETH): a balance is a number of units (= shares);
  it changes only by stake, transfer and withdrawal, and `exchange_rate()` (underlying
  per unit) grows instead. A ledger can hold it as an ordinary integer token; `rate_wad`
  is the integer rate a pool's rate oracle reads (wstETH `stEthPerToken`).

In a simulated market (`sim.protocols.hub`) every LST in circulation belongs to one omnibus
account here; for the rebasing design `Protocols` passes each change of the share price
on to every holder's integer balance (explicit mints and burns).

Yield: `accrue(blocks)` compounds `total_pooled` per block at ``apr / blocks_per_year``
(a nominal APR compounded every block, so one year gives ``(1 + apr/N)^N``). That
yield is **new underlying created by the consensus layer**, not moved from anyone:
it is recorded as a ``mint`` event of the underlying (reason ``"reward"``, no
account) so that a ledger can add it to the underlying's supply
(`Ledger.minted_to_venue`). For the rebasing design a ``rebase`` event also records
the growth of the LST's total supply.

Penalties: `slash(fraction)` is a validator penalty (slashing, or an offline/exit loss): the
pooled underlying shrinks by that share, so every share, and the exchange rate of a
reward-bearing LST, loses it. The lost underlying is destroyed: a ``burn`` event of the
underlying (reason ``"penalty"``) for `Ledger.burned_in_venue`. Requests already in the
withdrawal queue keep their fixed amount.

Withdrawals: ``instant`` pays underlying at once (`withdraw_instant`); ``queue``
mirrors Lido's `WithdrawalQueue`: `request_withdrawal` burns the LST at today's
rate (the request earns no further rewards) and `claim` pays it after
`queue_delay_blocks`. The pool's clock advances only through `accrue`.

Modules: `spec` (StakingSpec, StakingEvent, WithdrawalRequest), `liquid_staking` (the
protocol's books, `LiquidStaking`).
"""

from __future__ import annotations

from sim.protocols.staking.liquid_staking import LiquidStaking
from sim.protocols.staking.spec import StakingEvent, StakingSpec, WithdrawalRequest

__all__ = ["LiquidStaking", "StakingEvent", "StakingSpec", "WithdrawalRequest"]
