"""What every market agent shares: a wallet on the ledger, initial funding, and a mark-to-market value.

Agents see the market only through `sim.market.market.Market`'s public methods and
the pools' public interface, and act only by submitting transactions to the
chain. They never touch another agent or a pool's internals.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

import mesa
import numpy as np
from pydantic import Field

from sim.config import Dist, Spec, sample
from sim.errors import EmptyPool
from sim.market.world import World, world_of
from sim.units import GWEI

if TYPE_CHECKING:
    from sim.chain.transactions import Tx
    from sim.market.market import Market


class AgentSpec(Spec):
    """Fields common to every agent cohort."""

    count: int = Field(1, ge=0, le=100_000, description="number of agents in this cohort")
    active: bool = Field(
        True, description="whether the cohort acts from the start (an `agents` event can switch it)"
    )
    gas_reserve: float = Field(
        0.5,
        ge=0,
        le=1e15,
        description="native-token units (e.g. ETH) each agent holds for gas, on top of its capital",
    )


# what bots competing for inclusion bid (arbitrageurs, liquidators, sandwich bots)
BidShare = Annotated[
    float,
    Field(
        ge=0,
        le=1,
        description=(
            "share of expected profit (after gas at the base fee) bid as priority fee, capped "
            "at what its native balance can pay"
        ),
    ),
]


class MarketAgent(mesa.Agent):
    """A Mesa agent with a wallet. Subclasses implement `act()` (and searchers `search()`)."""

    kind: ClassVar[str] = "agent"
    searcher: ClassVar[bool] = False

    def __init__(self, model: mesa.Model, *, cohort: str) -> None:
        super().__init__(model)
        self.cohort = cohort
        self.name = f"{cohort}#{self.unique_id}"
        self.world: World = world_of(model)
        self.market: Market = self.world.market
        self.wallet = self.market.ledger.wallet(self.name)
        self.initial_value = 0.0
        self.initial_wallet: dict[str, int] = {}
        self.active = True
        self.gas_short_block: int | None = None
        """First block in which it could not pay the tip it wanted, or gas at all (None: never)."""
        self.bids_capped = 0
        """Bids cut below the tip it wanted because its native balance could not pay more."""
        self.bids_skipped = 0
        """Opportunities it let go because its native balance could not pay the gas."""

    def fund(self, capital: float, weights: Mapping[str, float], gas_reserve: float) -> None:
        """Mint `capital` numeraire worth of tokens split by `weights`, plus native gas money."""
        market = self.market
        ledger = market.ledger
        total = sum(weights.values()) or 1.0
        for token, w in weights.items():
            amount = market.units(token, capital * w / total)
            if amount > 0:
                ledger.mint(self.name, token, amount)
        native = market.chain.native
        if gas_reserve > 0 and native in market.decimals:
            ledger.mint(self.name, native, int(gas_reserve * 10 ** market.decimals[native]))

    def mark_start(self) -> None:
        """Remember the starting wallet and its value (for profit and loss)."""
        self.initial_wallet = dict(self.wallet)
        self.initial_value = self.value()

    def value(self) -> float:
        """Marked-to-market value of everything the agent owns, in the numeraire."""
        return self.market.wallet_value(self.wallet)

    def max_tip_gwei(self, gas_units: int) -> float:
        """The highest priority fee (gwei per gas unit) the wallet's native balance pays for
        `gas_units` on top of the current base fee; negative when it cannot pay even the base
        fee, in which case the chain would drop the transaction."""
        if gas_units <= 0:
            return math.inf  # a scenario may make some transactions free of gas
        chain = self.market.chain
        have = self.wallet.get(chain.native, 0)
        # a hair under the balance, so that the chain's integer rounding never exceeds it
        return have / (gas_units * GWEI) * (1 - 1e-9) - chain.base_fee_gwei

    def tip_for(self, gas_units: int, value: float) -> float | None:
        """Priority fee worth `value` numeraire on `gas_units` (what a bot bids for inclusion),
        capped at what the wallet can pay; None when it cannot pay even the base fee. A cap or a
        None is counted (`short_of_gas`): a bot out of gas money says so in the summary."""
        room = self.max_tip_gwei(gas_units)
        if room < 0:
            self.short_of_gas(skipped=True)
            return None
        want = self.market.priority_fee_for(gas_units, value)
        if want > room:
            self.short_of_gas(skipped=False)
            return room
        return want

    def short_of_gas(self, *, skipped: bool) -> None:
        """Count a bid its native balance could not pay: skipped whole, or capped below the tip
        it wanted; the first one's block is kept."""
        if self.gas_short_block is None:
            self.gas_short_block = self.market.block
        if skipped:
            self.bids_skipped += 1
        else:
            self.bids_capped += 1

    def gas_money(self) -> dict[str, object]:
        """agents.csv columns of a bot that bids for inclusion: when its gas money fell short."""
        return {
            "gas_short_block": self.gas_short_block,
            "bids_capped": self.bids_capped,
            "bids_skipped": self.bids_skipped,
        }

    def units_at_least(self, token: str, value: float) -> int:
        """Smallest units of `token` worth at least `value` numeraire at this block's reference
        prices, a hair (1e-12) above so that float rounding never leaves it short; a token
        without a price can cover nothing (2**255)."""
        if value <= 0:
            return 0
        price = self.market.price(token)
        if price <= 0:
            return 1 << 255
        return math.ceil(value * (1 + 1e-12) / price * self.market.scale[token])

    def break_even_out(
        self,
        token_in: str,
        amount_in: int,
        token_out: str,
        gas_units: int,
        tip_gwei: float,
        margin: float = 0.0,
    ) -> int:
        """The output of a trade that breaks even: worth, at the reference prices of the block
        it is decided in, the input plus the gas and tip it pays (plus `margin` numeraire).

        A bot's minimum output at or above it makes a trade gone stale (a competitor traded
        first) revert, paying only the revert's gas, instead of executing at a loss.
        """
        cost = self.market.gas_value(gas_units, tip_gwei) + margin
        if token_in == token_out:  # a cycle: no price enters, only the cost
            return amount_in + self.units_at_least(token_out, cost)
        return self.units_at_least(token_out, self.market.value(token_in, amount_in) + cost)

    def withdraw_pending(self, label: str | None = None) -> list[Tx]:
        """Withdraw this agent's transactions still waiting in the mempool (all, or those with
        `label`) so it can decide afresh, as a resend with the same nonce would; returns them."""
        chain = self.market.chain
        txs = chain.pending_from(self.name, label)
        chain.cancel(txs)
        return txs

    def enter_at_genesis(self) -> None:
        """Provide liquidity that exists before the first block (default: none)."""

    def step_if_active(self) -> None:
        if self.active:
            with suppress(EmptyPool):  # every LP left a pool it reads: it sits the block out
                self.act()

    def search_if_active(self) -> None:
        if self.active:
            with suppress(EmptyPool):
                self.search()

    def act(self) -> None:
        """Submit this block's transactions (default: nothing)."""

    def search(self) -> None:
        """Searchers read the mempool after everyone submitted (default: nothing)."""

    def report(self) -> dict[str, object]:
        """Extra per-agent columns for agents.csv."""
        return {}


Fill = Callable[[np.random.Generator, int], np.ndarray]


class Draws:
    """Random draws from the model's generator in blocks (one numpy call per 1024 draws).

    A fill returning a 2-D array gives one row (a tuple) per draw. The block is kept as a
    compact `array.array` (8 bytes a float, 1 a small count) rather than a list of Python
    objects: every agent holds a buffer, and at 200,000 agents lists cost gigabytes
    (`sim.limits`). The values, and what is drawn from the generator, are the same.
    """

    __slots__ = ("_buf", "_fill", "_rng", "_width")

    def __init__(self, rng: np.random.Generator, fill: Fill) -> None:
        self._rng = rng
        self._fill = fill
        self._buf: array[Any] | list[Any] = []
        self._width = 1

    def next(self) -> Any:
        buf = self._buf
        if not buf:
            values = self._fill(self._rng, DRAWS_PER_FILL)
            self._width = 1 if values.ndim == 1 else values.shape[1]
            buf = self._buf = _compact(values.ravel()[::-1])
        if self._width == 1:
            return buf.pop()
        return tuple(buf.pop() for _ in range(self._width))


DRAWS_PER_FILL = 1024

_INT_CODES = (("b", 2**7), ("h", 2**15), ("i", 2**31), ("q", 2**63))


def _compact(values: np.ndarray) -> array[Any] | list[Any]:
    """`values` in the narrowest array that gives back the same Python numbers (a list for
    any other dtype)."""
    if values.dtype == np.float64:
        return array("d", values.tobytes())
    if values.dtype.kind in "iu" and values.size:
        low, high = int(values.min()), int(values.max())
        for code, bound in _INT_CODES:
            if -bound <= low and high < bound:
                return array(code, values.astype(f"i{array(code).itemsize}").tobytes())
    return values.tolist()


def sampler(dist: Dist) -> Fill:
    """A `fill(rng, n)` function for `Draws` from a distribution spec."""

    def fill(rng: np.random.Generator, n: int) -> np.ndarray:
        return sample(dist, rng, n)

    return fill
