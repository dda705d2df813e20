"""Token developers: launch a token, seed its pool, attract liquidity, and maybe pull the rug.

At genesis the developer mints the whole supply to itself (`ledger.mint`, an explicit mint),
seeds a TOKEN/QUOTE constant-product pool with `seed_fraction` of it plus `seed_value`
of the quote token (which sets the launch price), optionally locks the seeded LP shares in
the public locker for `lock_blocks`, and keeps the rest as its allocation. The launch is
public (`sim.protocols.launches.register_launch`): anyone can see the deployer, the pool and whether
the contract keeps a mint function (`mint_authority`).

A developer with `pull = "never"` is an honest project (e.g. the team of a farm's reward
token). Otherwise it pulls once, when the first of its triggers fires (pool TVL reached,
block reached, price multiple since launch reached), with a high priority fee so it runs
first in its block:

* `remove_liquidity`: withdraw every LP share it may (it waits while they are locked);
* `dump`: sell `dump_fraction` of its token allocation into the pool;
* `mint_and_dump`: mint `mint_multiple` × supply more (an explicit mint; reverts without
  mint authority) and sell it into the pool in the same transaction.

The rug is written to the event log (`World.note`) with its block and amounts, and a
public `rug:<TOKEN>` news flag goes up (the chain is public; everyone sees it next block).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, Literal

import mesa
from pydantic import Field, model_validator

from agents.base import AgentSpec, MarketAgent
from sim.chain.chain import Chain
from sim.chain.intents import Intent
from sim.chain.transactions import Call, Receipt, SwapExactIn, Tx
from sim.errors import ProtocolError
from sim.pools.liquidity import deposit, withdraw
from sim.protocols.launches import TokenLaunch, lock_lp, register_launch
from sim.protocols.lp_staking import free_lp_shares

PULL_PRIORITY_GWEI = 50.0
"""Priority fee of the rug transaction: it wants to be first in its block."""


def whole_units(tokens: float, scale: int) -> int:
    """Smallest units of `tokens` whole tokens, exact for the decimal the number was written as."""
    return int(Decimal(repr(tokens)) * scale)


class TokenDeveloperSpec(AgentSpec):
    """One developer launching `token` in `pool` (count must be 1)."""

    kind: Literal["token_developer"]
    count: int = Field(1, ge=1, le=1, description="always one developer per launch")
    token: str = Field(description="the token launched (in [tokens], without a price process)")
    pool: str = Field(description="constant-product pool TOKEN/QUOTE the developer seeds")
    supply: float = Field(
        gt=0, le=1e15, description="whole tokens minted to the developer at genesis"
    )
    seed_fraction: float = Field(
        0.5, gt=0, le=1, description="share of the supply deposited into the pool at genesis"
    )
    seed_value: float = Field(
        gt=0,
        le=1e15,
        description="numeraire value of the quote token seeded beside it (sets the price)",
    )
    lock_blocks: int = Field(
        0,
        ge=0,
        le=50_000_000,
        description="seeded LP shares locked in the public locker for this many blocks",
    )
    mint_authority: bool = Field(
        False, description="the token contract keeps a public mint function (visible to all)"
    )
    pull: Literal["never", "remove_liquidity", "dump", "mint_and_dump"] = Field(
        "never", description="what the developer does when a trigger fires; never = honest"
    )
    trigger_tvl: float | None = Field(
        None, gt=0, le=1e15, description="pull once the pool's TVL reaches this (numeraire)"
    )
    trigger_block: int | None = Field(
        None, ge=1, le=50_000_000, description="pull at this block at the latest"
    )
    trigger_price_multiple: float | None = Field(
        None,
        gt=0,
        le=1e6,
        description="pull once the token's pool price reaches this × launch price",
    )
    dump_fraction: float = Field(
        1.0, gt=0, le=1, description="share of the allocation sold by a dump"
    )
    mint_multiple: float = Field(
        10.0,
        gt=0,
        le=1e6,
        description="mint_and_dump mints this × the initial supply before selling",
    )

    @model_validator(mode="after")
    def _trigger(self) -> TokenDeveloperSpec:
        triggers = (self.trigger_tvl, self.trigger_block, self.trigger_price_multiple)
        if self.pull != "never" and all(t is None for t in triggers):
            raise ValueError(
                "a rug needs a trigger: trigger_tvl, trigger_block or trigger_price_multiple"
            )
        if self.pull == "mint_and_dump" and not self.mint_authority:
            raise ValueError("mint_and_dump needs mint_authority = true")
        return self


class TokenDeveloper(MarketAgent):
    kind: ClassVar[str] = "token_developer"

    def __init__(self, model: mesa.Model, *, cohort: str, spec: TokenDeveloperSpec) -> None:
        super().__init__(model, cohort=cohort)
        self.spec = spec
        self.pool = self.market.pools[spec.pool]
        self.token = spec.token
        self.quote = next(t for t in self.pool.tokens if t != spec.token)
        self.launch_price = 0.0
        self.pulled = False
        self.pending = False
        self.rug: dict[str, Any] | None = None
        self.seeded: dict[str, int] = {}

    # ---- genesis --------------------------------------------------------------------------

    def launch(self) -> None:
        """Mint the supply, seed the pool, lock the seed if promised, publish the launch."""
        market = self.market
        spec = self.spec
        scale = market.scale[self.token]
        supply = whole_units(spec.supply, scale)
        market.ledger.mint(self.name, self.token, supply)  # the genesis mint, explicit
        seed_tokens = supply * round(spec.seed_fraction * 1_000_000) // 1_000_000
        quote_units = market.units(self.quote, spec.seed_value)
        market.ledger.mint(self.name, self.quote, quote_units)
        before = dict(self.wallet)
        shares = deposit(
            self.pool, self.name, self.wallet, {self.token: seed_tokens, self.quote: quote_units}
        )
        self.seeded = {t: before[t] - self.wallet[t] for t in self.pool.tokens}
        if spec.lock_blocks:
            lock_lp(market.protocols, self.pool.name, self.name, shares, spec.lock_blocks)
        register_launch(
            market.protocols,
            TokenLaunch(self.token, self.name, self.pool.name, 0, spec.mint_authority),
        )
        self.launch_price = market.price(self.token)

    # ---- each block -----------------------------------------------------------------------

    def act(self) -> None:
        market = self.market
        if market.block == 1:
            self.world.note(
                self.name,
                f"launch {self.token}: minted {self.spec.supply:g} at genesis, seeded "
                f"{self.pool.name} with {self.seeded.get(self.token, 0) / market.scale[self.token]:g}"
                f" {self.token} + {self.seeded.get(self.quote, 0) / market.scale[self.quote]:g} "
                f"{self.quote}; LP locked {self.spec.lock_blocks} blocks; "
                f"mint authority {self.spec.mint_authority}",
            )
        if self.spec.pull == "never" or self.pulled or self.pending or not self.triggered():
            return
        if self.spec.pull == "remove_liquidity" and not free_lp_shares(
            market.protocols, self.pool, self.name, market.block
        ):
            return  # still locked (or nothing left): wait
        gas = market.chain.gas
        units = gas.remove_liquidity if self.spec.pull == "remove_liquidity" else gas.swap
        self.pending = True
        market.chain.submit(
            Tx(self.name, Call(self._pull, units, (self.pool,)), PULL_PRIORITY_GWEI, Intent.RUG)
        )

    def triggered(self) -> str | None:
        """Which trigger fired, judged on public state (None if none)."""
        spec, market = self.spec, self.market
        if spec.trigger_block is not None and market.block >= spec.trigger_block:
            return "block"
        tvl = market.wallet_value(self.pool.holdings())
        if spec.trigger_tvl is not None and tvl >= spec.trigger_tvl:
            return "tvl"
        multiple = spec.trigger_price_multiple
        if multiple is not None and market.price(self.token) >= multiple * self.launch_price > 0:
            return "price"
        return None

    # ---- the rug transaction --------------------------------------------------------------

    def _pull(self, chain: Chain, sender: str) -> Receipt:
        self.pending = False
        market = self.market
        block = market.block
        trigger = self.triggered() or "?"
        spec = self.spec
        tvl_before = market.wallet_value(self.pool.holdings())
        price_before = market.price(self.token)
        if spec.pull == "remove_liquidity":
            shares = free_lp_shares(market.protocols, self.pool, self.name, block)
            if not shares:
                raise ProtocolError("nothing to withdraw")
            paid = withdraw(self.pool, self.name, self.wallet, shares)
            taken = {self.quote: paid[self.quote], self.token: paid[self.token]}
            minted = 0
            receipt = Receipt(kind="remove_liquidity", pool=self.pool.name, detail=dict(paid))
        else:
            minted = 0
            if spec.pull == "mint_and_dump":
                minted = whole_units(spec.supply * spec.mint_multiple, market.scale[self.token])
                market.ledger.mint(
                    self.name, self.token, minted, "token developers' mints"
                )  # the rug's mint, explicit
                amount = self.wallet[self.token]
            else:
                ppm = round(spec.dump_fraction * 1_000_000)  # exact integer share
                amount = self.wallet[self.token] * ppm // 1_000_000
            if amount <= 0:
                raise ProtocolError("nothing to dump")
            swap = SwapExactIn(
                path=(self.pool,),
                tokens=(self.token, self.quote),
                amount_in=amount,
                amount_out_min=0,
                deadline_block=block,
                gas_units=market.chain.gas.swap,
            )
            receipt = swap.execute(chain, sender)
            taken = {self.quote: receipt.amount_out, self.token: -amount}
        self.pulled = True
        q = taken[self.quote] / market.scale[self.quote]
        self.rug = {
            "block": block,
            "day": block * self.world.block_time_s / 86_400,
            "variant": spec.pull,
            "trigger": trigger,
            "token": self.token,
            "pool": self.pool.name,
            "quote_token": self.quote,
            "quote_taken": q,
            "quote_taken_value": market.value(self.quote, taken[self.quote]),
            "token_moved": taken[self.token] / market.scale[self.token],
            "minted": minted / market.scale[self.token],
            "pool_tvl_before": tvl_before,
            "pool_tvl_after": market.wallet_value(self.pool.holdings()),
            "price_before": price_before,
            "price_after": market.price(self.token),
        }
        market.news.add(f"rug:{self.token}")
        self.world.note(
            "rug",
            f"{self.name} rug ({spec.pull}, trigger {trigger}) in {self.pool.name} at block "
            f"{block}: took {q:.6g} {self.quote} (${self.rug['quote_taken_value']:,.2f}); "
            f"{self.token} moved {self.rug['token_moved']:.6g}, minted {self.rug['minted']:.6g}; "
            f"TVL ${tvl_before:,.0f} -> ${self.rug['pool_tvl_after']:,.0f}; "
            f"price {price_before:.6g} -> {self.rug['price_after']:.6g}",
        )
        return receipt

    def report(self) -> dict[str, object]:
        return {
            "token": self.token,
            "pool": self.pool.name,
            "lp_shares": self.pool.lp_shares(self.name),
            "pulled": self.pulled,
            "rug_block": self.rug["block"] if self.rug else None,
            "rug_quote_taken": self.rug["quote_taken_value"] if self.rug else None,
        }

    def value(self) -> float:
        """Wallet plus the claim on its LP shares."""
        held = self.pool.lp_claim(self.name)
        return super().value() + sum(self.market.value(t, a) for t, a in held.items())


def build(model: mesa.Model, cohort: str, spec: TokenDeveloperSpec) -> list[TokenDeveloper]:
    """Create the developer; it launches before the first block (genesis)."""
    a = TokenDeveloper(model, cohort=cohort, spec=spec)
    a.launch()
    native = a.market.chain.native
    if spec.gas_reserve > 0 and native in a.market.decimals:
        a.market.ledger.mint(
            a.name, native, int(spec.gas_reserve * 10 ** a.market.decimals[native])
        )
    return [a]
