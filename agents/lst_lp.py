"""Liquidity providers of an LST/underlying pool: stake half the capital, deposit both sides.

An `lst_lp` is a `liquidity_provider` whose pool trades a liquid staking token against its
underlying (stETH/ETH). It cannot be handed LST out of nothing: it is funded in the
underlying and stakes half of it at genesis (so every LST unit is backed), then deposits the
LST and the other half as balanced liquidity at the protocol's exchange rate, which is also
the price a rate-oracle pool reads.

It withdraws when the pool turns against it (`lst_lp_exit`): when the pool's *imbalance*
(the LST's share of the pool, valued at the exchange rate) passes its own
`withdraw_imbalance`, or its *loss against the peg* (its claim valued at the pool's price
against what it put in valued at the exchange rate) passes its own `withdraw_loss_pct`, it
takes everything out `withdraw_delay_blocks` later: in the underlying alone
(`remove_liquidity_one_coin`, which leaves the pool more imbalanced still, as the large
stETH/ETH LPs did in June 2022) or pro rata (`remove_liquidity`). A scheduled `exit_block`
leaves the same way (a large LP's exit as the triggering shock).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import mesa
from pydantic import Field

from agents.liquidity_provider import LiquidityProvider, LiquidityProviderSpec
from sim.chain.chain import Chain
from sim.chain.intents import Intent
from sim.chain.transactions import Call, Receipt, Tx
from sim.config import Amount, BlocksDist, sample
from sim.errors import PoolError, ProtocolError
from sim.market.world import world_of
from sim.pools.curve.stableswap import StableSwapPool
from sim.pools.liquidity import withdraw
from sim.protocols.staking import LiquidStaking


class LstLPSpec(LiquidityProviderSpec):
    """A cohort of liquidity providers in an LST/underlying pool."""

    kind: Literal["lst_lp"]
    lst: str = Field(description="liquid staking token of the pool (staked at genesis)")
    withdraw_imbalance: Amount = Field(
        2.0, description="LST share of the pool (0-1) past which the LP withdraws, per agent"
    )
    withdraw_loss_pct: Amount = Field(
        1e9, description="loss against the peg (%) past which the LP withdraws, per agent"
    )
    withdraw_delay_blocks: BlocksDist = Field(
        0.0, description="blocks between a threshold passed and the withdrawal, per agent"
    )
    withdraw_mode: Literal["one_coin", "balanced"] = Field(
        "one_coin", description="take the underlying only (one_coin) or every coin pro rata"
    )
    one_coin_max_cost_bps: float = Field(
        100.0,
        ge=0,
        le=10_000,
        description="a one-coin withdrawal goes pro rata instead when it pays this much less "
        "than the claim is worth at market prices",
    )
    slippage_bps: float = Field(
        50.0, ge=0, le=10_000, description="tolerance of a one-coin withdrawal on its quote"
    )


@dataclass(frozen=True, slots=True)
class LpExit:
    """One LP's own exit thresholds (drawn per agent)."""

    imbalance: float
    """LST share of the pool (0-1) past which it withdraws."""
    loss_pct: float
    """Loss against the peg, in percent, past which it withdraws."""
    delay_blocks: int
    """Blocks between the first threshold passed and the withdrawal."""


def wants_out(rule: LpExit, imbalance: float, loss_pct: float) -> bool:
    """The withdrawal rule: either threshold passed (strictly)."""
    return imbalance > rule.imbalance or loss_pct > rule.loss_pct


class LstLP(LiquidityProvider):
    kind: ClassVar[str] = "lst_lp"

    def __init__(
        self,
        model: mesa.Model,
        *,
        cohort: str,
        spec: LstLPSpec,
        exit_rule: LpExit | None = None,
    ) -> None:
        super().__init__(model, cohort=cohort, spec=spec)
        self.spec: LstLPSpec = spec
        self.lst = spec.lst
        self.staking: LiquidStaking = self.market.protocols.staking[spec.lst]
        self.underlying = self.staking.spec.underlying
        if set(self.pool.tokens) != {self.lst, self.underlying}:
            raise ProtocolError(
                f"pool {self.pool.name} trades {', '.join(self.pool.tokens)}, "
                f"not {self.lst} against {self.underlying}"
            )
        if spec.withdraw_mode == "one_coin" and not isinstance(self.pool, StableSwapPool):
            raise ProtocolError(
                f"pool {self.pool.name}: a one-coin withdrawal needs a StableSwap pool"
            )
        self.exit_rule = exit_rule or LpExit(imbalance=2.0, loss_pct=1e9, delay_blocks=0)
        self.alarmed_at: int | None = None
        """Block at which a threshold was first passed (the withdrawal follows the delay)."""
        self.withdrawn_at: int | None = None
        self.withdrawn: dict[str, int] = {}
        self.withdrawn_value = 0.0
        """Numeraire value of what the withdrawal paid, at the prices of its block."""

    def target_amounts(self) -> dict[str, int]:
        """Half the capital in the underlying, the other half in the LST at the exchange rate
        (a balanced deposit for a pool that reads the rate), as far as the wallet allows."""
        half = self.market.units(self.underlying, self.capital / 2)
        return {
            self.lst: min(self.staking.to_lst(half), self.wallet.get(self.lst, 0)),
            self.underlying: min(half, self.wallet.get(self.underlying, 0)),
        }

    # ---- what it watches ------------------------------------------------------------------------

    def imbalance(self) -> float:
        """The LST's share of the pool, both coins valued in the underlying at the exchange rate."""
        held = self.pool.holdings()
        lst = self.staking.to_underlying(held[self.lst])
        total = lst + held[self.underlying]
        return lst / total if total > 0 else 0.0

    def loss_pct(self) -> float:
        """1 - its claim at market prices / what it put in at the exchange rate, in percent."""
        put_in = self.deposited.get(self.underlying, 0)
        put_in += self.staking.to_underlying(self.deposited.get(self.lst, 0))
        value = self.market.value(self.underlying, put_in)
        return (1.0 - self.position_value() / value) * 100 if value > 0 else 0.0

    # ---- decisions ------------------------------------------------------------------------------

    def act(self) -> None:
        super().act()
        block = self.market.block
        if self.exited or not self.deposited or not self.pool.lp_shares(self.name):
            return
        if block == self.spec.exit_block:  # the scheduled exit is already on its way
            return
        if self.alarmed_at is None and wants_out(self.exit_rule, self.imbalance(), self.loss_pct()):
            self.alarmed_at = block
        if self.alarmed_at is not None and block - self.alarmed_at >= self.exit_rule.delay_blocks:
            chain = self.market.chain
            call = Call(self._exit, chain.gas.remove_liquidity, (self.pool,))
            chain.submit(Tx(self.name, call, 0.0, Intent.LP))

    def _exit(self, chain: Chain, sender: str) -> Receipt:
        """Withdraw everything: the underlying alone (`remove_liquidity_one_coin`, with the
        slippage tolerance on an exact quote) or every coin pro rata (`remove_liquidity`)."""
        pool = self.pool
        shares = pool.lp_shares(self.name)
        if shares <= 0:  # an earlier withdrawal already took it all
            raise ProtocolError(f"{self.name} has no liquidity left in {pool.name}")
        quote = self._one_coin_quote(shares)
        if quote is None:
            paid = withdraw(pool, self.name, self.wallet, shares)
            kind = "remove_liquidity"
        else:
            i = pool.tokens.index(self.underlying)
            min_out = int(quote * (1 - self.spec.slippage_bps / 10_000))
            out = pool.remove_liquidity_one_coin(shares, i, min_out, self.name)
            self.wallet[self.underlying] = self.wallet.get(self.underlying, 0) + out
            paid = {self.underlying: out}
            kind = "remove_liquidity_one_coin"
        self.exited = True
        self.withdrawn_at = self.market.block
        self.withdrawn = paid
        self.withdrawn_value = sum(self.market.value(t, a) for t, a in paid.items())
        return Receipt(kind=kind, pool=pool.name, detail=dict(paid))

    def _one_coin_quote(self, shares: int) -> int | None:
        """The underlying a one-coin withdrawal of `shares` pays, or None to go pro rata: in
        balanced mode, or when it costs more than `one_coin_max_cost_bps` of the claim."""
        pool = self.pool
        if self.spec.withdraw_mode == "balanced" or not isinstance(pool, StableSwapPool):
            return None
        try:
            quote = pool.calc_withdraw_one_coin(shares, pool.tokens.index(self.underlying))
        except PoolError:
            return None
        claim = self.position_value()
        paid = self.market.value(self.underlying, quote)
        if claim <= 0 or (1 - paid / claim) * 10_000 > self.spec.one_coin_max_cost_bps:
            return None
        return quote

    def report(self) -> dict[str, object]:
        dec = 10 ** self.market.decimals[self.underlying]
        return super().report() | {
            "withdrawn_at_block": self.withdrawn_at,
            "withdrawn_value": self.withdrawn_value,
            "withdrawn_underlying": self.withdrawn.get(self.underlying, 0) / dec,
        }


def build(model: mesa.Model, cohort: str, spec: LstLPSpec) -> list[LstLP]:
    """Create the cohort: each agent gets its capital in the underlying, stakes half of it, and
    draws its own exit thresholds."""
    rng = world_of(model).rng
    n = spec.count
    capital = sample(spec.capital, rng, n).clip(0, None)
    imbalance = sample(spec.withdraw_imbalance, rng, n)
    loss = sample(spec.withdraw_loss_pct, rng, n)
    delay = sample(spec.withdraw_delay_blocks, rng, n).clip(0, None)
    agents = []
    for i in range(n):
        rule = LpExit(float(imbalance[i]), float(loss[i]), round(float(delay[i])))
        a = LstLP(model, cohort=cohort, spec=spec, exit_rule=rule)
        a.capital = float(capital[i])
        market = a.market
        total = market.units(a.underlying, a.capital)
        market.ledger.mint(a.name, a.underlying, total)
        if total - total // 2 > 0:
            market.protocols.stake(a.name, a.lst, total - total // 2)
        a.fund(0.0, {}, spec.gas_reserve)
        agents.append(a)
    return agents
