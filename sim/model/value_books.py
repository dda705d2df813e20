"""The value books: every agent's P&L at marks, and the check that value is conserved.

Tokens are conserved (`Ledger.check`); value is conserved too once every holding is marked at
one price per token (`sim.market.marks`). Over a run, the agents' P&L sums to

    price moves   the starting holdings' change in value as reference prices moved
  + minted        supply created or destroyed, by reason (reward emissions, staking yield,
                  gas burned, redemptions, ...), at end marks
  - outside       what venues and non-agent wallets hold beyond agents' claims (builder tips,
                  protocol fees, lending reserves, stake behind liquid-staking tokens,
                  emissions not yet harvested, the perp counterparty), its change at end marks

The terms come from the ledger and the venues (`sim.model.balance_sheet`); the P&L comes from
each agent's own valuation (`value()`, at the same marks). The residual is what the two views
disagree on: above 1e-9 of the value in the system it fails the run like a token leak does.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sim.errors import ConservationError
from sim.market.market import Market
from sim.market.marks import exit_marks
from sim.model.balance_sheet import Sheet, Units, outside, sheet, total

TOLERANCE = 1e-9
"""Largest residual allowed, as a fraction of the value in the system."""


class Valued(Protocol):
    """An agent as the value books see it: its name and its own valuation."""

    @property
    def name(self) -> str: ...

    def value(self) -> float: ...


@dataclass(frozen=True, slots=True)
class ValueClose:
    """The value books closed at one block: each agent's P&L and the terms that explain it."""

    block: int
    marks: dict[str, float]
    start_value: dict[str, float]
    end_value: dict[str, float]
    terms: dict[str, float]
    residual: float
    system_value: float

    @property
    def pnl(self) -> float:
        return sum(self.end_value.values()) - sum(self.start_value.values())

    @property
    def ok(self) -> bool:
        return abs(self.residual) <= TOLERANCE * max(self.system_value, 1.0)


class ValueBooks:
    """Snapshots the start (once genesis is in) and closes the books at any later block."""

    def __init__(self, market: Market, agents: Sequence[Valued]) -> None:
        self.market = market
        self.agents = agents
        self.start_sheets: dict[str, Units] = {}
        self.start_ref: dict[str, float] = {}
        self.start_flows: dict[str, dict[str, int]] = {}
        self.start_outside: dict[str, Units] = {}
        self.last: ValueClose | None = None

    def start(self) -> None:
        market = self.market
        sheets = {a.name: sheet(market, a.name) for a in self.agents}
        self.start_sheets = {n: total(s) for n, s in sheets.items()}
        self.start_ref = {t: float(p) for t, p in market.ref_prices.items()}
        self.start_ref[market.numeraire] = 1.0
        self.start_flows = copy.deepcopy(market.ledger.flows)
        self.start_outside = outside(market, sheets.values(), set(sheets))

    def close(self) -> ValueClose:
        """Every agent's start and end value at marks, the named terms and the residual."""
        market = self.market
        scale = market.scale
        sheets = {a.name: sheet(market, a.name) for a in self.agents}
        marks = exit_marks(market, _sold_on_exit(market, sheets.values()))
        # a token without a reference price has one mark, for start and end alike
        start_marks = {t: self.start_ref.get(t, m) for t, m in marks.items()}

        def worth(units: Mapping[str, int], at: Mapping[str, float]) -> float:
            return sum(a / scale[t] * at[t] for t, a in units.items() if a)

        start_value = {n: worth(u, start_marks) for n, u in self.start_sheets.items()}
        with market.marked_at(marks):
            end_value = {a.name: a.value() for a in self.agents}

        terms: dict[str, float] = {}
        start_held: Units = {}
        for units in self.start_sheets.values():
            for t, a in units.items():
                start_held[t] = start_held.get(t, 0) + a
        terms["price moves"] = sum(
            a / scale[t] * (marks[t] - start_marks[t]) for t, a in start_held.items() if a
        )
        for reason, by_token in market.ledger.flows.items():
            before = self.start_flows.get(reason, {})
            delta = {t: a - before.get(t, 0) for t, a in by_token.items()}
            if any(delta.values()):
                terms[reason] = worth(delta, marks)
        now_outside = outside(market, sheets.values(), set(sheets))
        for account in sorted(set(now_outside) | set(self.start_outside)):
            now, before = now_outside.get(account, {}), self.start_outside.get(account, {})
            delta = {t: now.get(t, 0) - before.get(t, 0) for t in set(now) | set(before)}
            if any(delta.values()):
                terms[account] = -worth(delta, marks)
        pnl = sum(end_value.values()) - sum(start_value.values())
        system = sum(abs(market.ledger.supply(t)) / scale[t] * marks[t] for t in market.decimals)
        return ValueClose(
            block=market.block,
            marks=marks,
            start_value=start_value,
            end_value=end_value,
            terms=terms,
            residual=pnl - sum(terms.values()),
            system_value=system,
        )

    def at_end(self) -> ValueClose:
        """The books as the run's final check closed them (closed afresh if not this block)."""
        last = self.last
        if last is not None and last.block == self.market.block:
            return last
        return self.close()

    def check(self) -> ValueClose:
        """Close the books; raise `ConservationError` if the residual is above tolerance."""
        closed = self.last = self.close()
        if not closed.ok:
            worst = self._worst_mismatch(closed)
            raise ConservationError(
                f"block {closed.block}: value created or lost: agents' P&L "
                f"{closed.pnl:+.6g} but the named terms sum to "
                f"{sum(closed.terms.values()):+.6g} (residual {closed.residual:+.6g}, "
                f"tolerance {TOLERANCE:g} of {closed.system_value:.6g}){worst}"
            )
        return closed

    def _worst_mismatch(self, closed: ValueClose) -> str:
        """The agent whose own valuation differs most from its balance sheet, if any does."""
        market = self.market
        with market.marked_at(closed.marks):
            gaps = {
                a.name: a.value()
                - sum(
                    u / market.scale[t] * closed.marks[t]
                    for t, u in total(sheet(market, a.name)).items()
                )
                for a in self.agents
            }
        if not gaps:
            return ""
        name = max(gaps, key=lambda n: abs(gaps[n]))
        return f"; largest gap: {name} values itself {gaps[name]:+.6g} above its balance sheet"


def _sold_on_exit(market: Market, sheets: Iterable[Sheet]) -> dict[str, int]:
    """Per token without a reference price: units agents hold outside its pricing pool."""
    held: dict[str, int] = {}
    for sheet_ in sheets:
        for account, units in sheet_.items():
            for t, a in units.items():
                via = market.price_pools.get(t)
                if via is None or account == f"pool:{via[0].name}":
                    continue
                held[t] = held.get(t, 0) + a
    return {t: max(0, a) for t, a in held.items()}
