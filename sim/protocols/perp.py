"""A perpetual-futures venue: linear perps on a token, marked to its reference price.

Positions are floats in the numeraire (an off-chain venue's books); collateral is real
numeraire tokens on the ledger. A trader posts margin by a ledger transfer to the venue's
counterparty wallet (`PERP_COUNTERPARTY`), which stands for every trader on the other side
and is funded by explicit ledger mints (`PerpVenue.fund`); equity comes back from it on
closing or liquidation. Every settlement accrues price P&L and funding into the collateral
(variation margin), so the collateral is the position's equity, unrealised P&L included;
the venue liquidates a position whose collateral falls below `maintenance_margin` times the
notional and keeps `liquidation_fee` of the notional.

`PerpVenue.check` holds the venue's conservation: the counterparty wallet holds exactly
what was minted into it plus the margins posted less the equity paid back (integer units),
and each account's collateral is its margins plus price P&L and funding, less penalties and
the equity released, plus the losses beyond the collateral the venue wrote off (floats, to
their rounding). The model runs it with every other protocol's check (`Protocols.check`).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, fields

from sim.chain.ledger import Ledger
from sim.errors import ConservationError, ProtocolError
from sim.protocols.hub import Protocols

__all__ = ["PERP_COUNTERPARTY", "PerpPosition", "PerpTerms", "PerpVenue", "perp_venue"]

PERP_COUNTERPARTY = "perp_counterparty"
"""Wallet of the perpetual venue's other side (funded by explicit mints, `PerpVenue.fund`)."""

VENUE = "perp"
"""The venue's name among the market's protocols (`Protocols.venues`)."""


@dataclass(frozen=True, slots=True)
class PerpTerms:
    """The venue's rules for one account."""

    funding_rate_annual: float
    initial_margin: float
    maintenance_margin: float
    liquidation_fee: float


@dataclass(slots=True)
class PerpPosition:
    """A linear perpetual future on token0 quoted in the numeraire, marked to the reference.

    `size` is in whole token0 (negative = short); `collateral` in numeraire. `accrue`
    settles price P&L and funding into the collateral (variation margin), so the
    collateral is the position's equity. The last six fields are the venue's records of
    the account's flows (`PerpVenue.check`).
    """

    funding_rate_annual: float
    initial_margin: float
    maintenance_margin: float
    liquidation_fee: float
    size: float = 0.0
    collateral: float = 0.0
    mark: float = 0.0
    pnl: float = 0.0  # cumulative price P&L
    funding: float = 0.0  # cumulative funding received (paid if negative)
    liquidations: int = 0
    penalties: float = 0.0
    deposited: float = 0.0  # margin posted, numeraire
    paid_back: float = 0.0  # equity the venue paid back, numeraire
    deposited_units: int = 0
    paid_units: int = 0
    released: float = 0.0  # equity released on closing or liquidation (before payment)
    written_off: float = 0.0  # losses beyond the collateral, absorbed by the venue

    @classmethod
    def from_terms(cls, terms: PerpTerms) -> PerpPosition:
        return cls(
            terms.funding_rate_annual,
            terms.initial_margin,
            terms.maintenance_margin,
            terms.liquidation_fee,
        )

    def notional(self, mark: float | None = None) -> float:
        return abs(self.size) * (self.mark if mark is None else mark)

    def accrue(self, mark: float, dt_years: float) -> tuple[float, float]:
        """Move the mark to `mark` after `dt_years`: returns (price P&L, funding) credited."""
        pnl = self.size * (mark - self.mark) if self.mark else 0.0
        # funding on the notional at the new mark: longs pay shorts when the rate is positive
        funding = -self.size * mark * self.funding_rate_annual * dt_years
        self.collateral += pnl + funding
        self.pnl += pnl
        self.funding += funding
        self.mark = mark
        return pnl, funding

    def maintenance(self) -> float:
        return self.maintenance_margin * self.notional()

    def should_liquidate(self) -> bool:
        return self.size != 0.0 and self.collateral < self.maintenance()

    def max_size(self, mark: float) -> float:
        """Largest |size| the collateral supports at the initial margin."""
        if mark <= 0 or self.collateral <= 0:
            return 0.0
        return self.collateral / (self.initial_margin * mark)

    def resize(self, target: float, mark: float) -> float:
        """Trade to `target` size at `mark` (capped by the initial margin); returns the new size."""
        if self.mark and mark != self.mark:
            raise ValueError("accrue to the current mark before trading")
        self.mark = mark
        self.size = math.copysign(min(abs(target), self.max_size(mark)), target)
        return self.size

    def liquidate(self) -> float:
        """The venue closes the position at the mark; returns the equity paid back (>= 0)."""
        penalty = min(max(self.collateral, 0.0), self.liquidation_fee * self.notional())
        back = max(0.0, self.collateral - penalty)
        self.penalties += penalty
        self.liquidations += 1
        self._closed(back)
        return back

    def close(self) -> float:
        """Close at the mark; returns the equity paid back (>= 0, a deficit is the venue's loss)."""
        back = max(0.0, self.collateral)
        self._closed(back)
        return back

    def _closed(self, back: float) -> None:
        self.released += back
        self.written_off += max(0.0, -self.collateral)
        self.size = 0.0
        self.collateral = 0.0


class PerpVenue:
    """The venue: its counterparty wallet on the ledger and one account per holder."""

    def __init__(
        self, ledger: Ledger, token: str, decimals: int, wallet: str = PERP_COUNTERPARTY
    ) -> None:
        self.ledger = ledger
        self.token = token
        self.decimals = decimals
        self.wallet = wallet
        self.funded_units = 0
        self.accounts: dict[str, PerpPosition] = {}

    def fund(self, units: int) -> None:
        """Mint `units` of the collateral token into the counterparty wallet (explicit supply)."""
        self.ledger.mint(self.wallet, self.token, units, "perp venue funding")
        self.funded_units += units

    def open(self, holder: str, terms: PerpTerms) -> PerpPosition:
        """A new, empty account of `holder` under `terms`."""
        if holder in self.accounts:
            raise ProtocolError(f"perp venue: {holder} already has an account")
        account = self.accounts[holder] = PerpPosition.from_terms(terms)
        return account

    def units(self, value: float) -> int:
        """Collateral-token units worth `value` numeraire (rounded down)."""
        return int(value * 10**self.decimals)

    def payable(self, holder: str) -> int:
        """Collateral-token units the venue would pay `holder` now: its equity, rounded down to
        whole units as a close pays it (the one valuation of a perp account)."""
        account = self.accounts.get(holder)
        return self.units(account.collateral) if account and account.collateral > 0 else 0

    def deposit(self, holder: str, units: int, mark: float) -> None:
        """`holder` posts `units` of collateral (a ledger transfer) and the account is marked."""
        self.ledger.transfer(holder, self.wallet, self.token, units)
        account = self.accounts[holder]
        value = units / 10**self.decimals
        account.deposited += value
        account.deposited_units += units
        account.collateral += value
        account.mark = mark

    def settle(self, holder: str, mark: float, dt_years: float) -> None:
        """The per-block settlement of an open account: variation margin, funding, liquidation."""
        account = self.accounts[holder]
        if not account.mark:
            return
        account.accrue(mark, dt_years)
        if account.should_liquidate():
            self.pay_back(holder, account.liquidate())

    def trade(self, holder: str, target: float, mark: float) -> float:
        """Re-size `holder`'s position to `target` at `mark`; returns the new size."""
        account = self.accounts[holder]
        if account.mark != mark:
            account.accrue(mark, 0.0)
        return account.resize(target, mark)

    def close(self, holder: str) -> None:
        """Close `holder`'s position and pay its equity back."""
        self.pay_back(holder, self.accounts[holder].close())

    def pay_back(self, holder: str, value: float) -> None:
        """Pay `value` numeraire of equity to `holder`, as far as the counterparty can."""
        units = min(self.units(value), self.ledger.wallet(self.wallet)[self.token])
        if units > 0:
            self.ledger.transfer(self.wallet, holder, self.token, units)
            account = self.accounts[holder]
            account.paid_back += units / 10**self.decimals
            account.paid_units += units

    # ---- reverts --------------------------------------------------------------------------

    def snapshot(self, holder: str) -> tuple[dict[str, int], PerpPosition]:
        """The counterparty wallet and `holder`'s account, for `restore` (a reverted call)."""
        return dict(self.ledger.wallet(self.wallet)), copy.copy(self.accounts[holder])

    def restore(self, holder: str, snapshot: tuple[dict[str, int], PerpPosition]) -> None:
        """Put the wallet and the account back as at `snapshot` (the account object in place)."""
        wallet, saved = snapshot
        live = self.ledger.wallet(self.wallet)
        live.clear()
        live.update(wallet)
        account = self.accounts[holder]
        for f in fields(PerpPosition):
            setattr(account, f.name, getattr(saved, f.name))

    # ---- conservation ----------------------------------------------------------------------

    def check(self) -> None:
        """Raise `ConservationError` naming what broke unless the venue's books balance."""
        held = self.ledger.wallets.get(self.wallet, {}).get(self.token, 0)
        margins = sum(a.deposited_units for a in self.accounts.values())
        paid = sum(a.paid_units for a in self.accounts.values())
        if held != self.funded_units + margins - paid:
            raise ConservationError(
                f"perp venue: {self.wallet} holds {held} {self.token} units, its books "
                f"{self.funded_units + margins - paid} (funded {self.funded_units} + margins "
                f"{margins} - paid back {paid})"
            )
        for holder, a in self.accounts.items():
            flows = a.deposited + a.pnl + a.funding - a.penalties - a.released + a.written_off
            size = a.deposited + abs(a.pnl) + abs(a.funding) + a.penalties + a.released
            if abs(a.collateral - flows) > 1e-9 * (size + a.written_off) + 1e-9:
                raise ConservationError(
                    f"perp venue: {holder}'s collateral {a.collateral!r} is not its margins + "
                    f"P&L + funding - penalties - equity released + written off ({flows!r})"
                )


def perp_venue(protocols: Protocols, token: str, decimals: int) -> PerpVenue:
    """The market's perp venue settling in `token`, opened (and registered for the model's
    checks) on first use."""
    venue = protocols.venues.get(VENUE)
    if venue is None:
        venue = PerpVenue(protocols.ledger, token, decimals)
        protocols.venues[VENUE] = venue
    if not isinstance(venue, PerpVenue) or venue.token != token:
        raise ProtocolError(f"the market's perp venue does not settle in {token}")
    return venue


def payable_value(protocols: Protocols, holder: str) -> float:
    """Numeraire the market's perp venue would pay `holder` now (0 without a venue)."""
    venue = protocols.venues.get(VENUE)
    return venue.payable(holder) / 10**venue.decimals if isinstance(venue, PerpVenue) else 0.0
