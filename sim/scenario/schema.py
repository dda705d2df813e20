"""The typed scenario: `Scenario` and the sections it assembles from every subsystem's specs.

A scenario is data only, frozen and strict (`extra="forbid"`). Each subsystem declares its own
`Spec` next to the code it configures (pools, prices, chain, protocols, agents); this module adds
the scenario's own sections (`[scenario]`, `[tokens]`, `[output]`) and puts them together. Every
field has a dotted path (`pools.eth_usdc.fee_bps`): `sim.scenario.paths` walks this schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, model_validator

from agents.registry import AnyAgentSpec
from sim.chain.chain import ChainSpec
from sim.config import Spec
from sim.input_files import InputRoots
from sim.market.pool_specs import PoolSpec
from sim.market.prices import PriceSpec
from sim.protocols.lending import LendingSpec
from sim.protocols.rewards import RewardsSpec
from sim.protocols.staking import StakingSpec
from sim.scenario.events import EventSpec
from sim.scenario.files import bundled_dir
from sim.scenario.sweep_spec import SweepSpec

NAME = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"
Name = Annotated[str, Field(pattern=NAME)]
SummaryKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9_*]{1,64}(\.[A-Za-z0-9_*]{1,64}){0,7}$")]
"""A dotted summary.json key; a `*` part stands for any one name (a pool, a cohort)."""


class ScenarioMeta(Spec):
    """What the scenario is and how long it runs."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="short name; the run folder is outputs/<name>/",
    )
    description: str = Field("", max_length=4000, description="what the scenario shows")
    headline: tuple[SummaryKey, ...] = Field(
        (),
        max_length=16,
        strict=False,  # a TOML array is a list; strictness is for numbers
        description="the summary.json keys that show the scenario's point (dotted, e.g. "
        "mev.bot_net; `*` for any one pool or cohort name); the description names each, "
        "and `ammsim compare` shows them first",
    )
    seed: int = Field(0, ge=0, lt=2**63, description="base seed of every random draw")
    replicate: int | None = Field(
        None,
        ge=0,
        lt=1_000_000,
        description="replicate index k: draws use SeedSequence(seed).spawn(k + 1)[k]",
    )
    blocks: int = Field(ge=1, le=50_000_000, description="number of blocks to simulate")
    block_time_s: float = Field(
        12.0, ge=0.001, le=86_400, description="seconds per block (1 ms to one day)"
    )
    numeraire: Name = Field("USDC", description="token every value is reported in")


class TokenSpec(Spec):
    """A token and its smallest unit."""

    decimals: int = Field(18, ge=0, le=36, description="decimals of the token's smallest unit")


class OutputSpec(Spec):
    """What a run records."""

    record_every: int = Field(1, ge=1, le=10_000_000, description="blocks between time-series rows")
    events: Literal["all", "none"] = Field(
        "all", description="write every transaction to events.csv, or none"
    )


class Scenario(Spec):
    """A whole scenario file."""

    scenario: ScenarioMeta = Field(description="name, description, seed and length of the run")
    chain: ChainSpec = Field(default_factory=ChainSpec, description="block building and gas")
    tokens: dict[Name, TokenSpec] = Field(min_length=1, description="tokens by symbol")
    prices: dict[Name, PriceSpec] = Field(
        default_factory=dict, description="reference price process per token, in the numeraire"
    )
    pools: dict[Name, PoolSpec] = Field(min_length=1, description="pools by name")
    agents: dict[Name, AnyAgentSpec] = Field(default_factory=dict, description="agent cohorts")
    staking: dict[Name, StakingSpec] = Field(
        default_factory=dict, description="liquid-staking protocols by name"
    )
    lending: dict[Name, LendingSpec] = Field(
        default_factory=dict, description="lending markets by name"
    )
    rewards: RewardsSpec | None = Field(None, description="liquidity-mining emissions")
    events: dict[Name, EventSpec] = Field(
        default_factory=dict, description="scheduled events by name"
    )
    output: OutputSpec = Field(default_factory=OutputSpec, description="what a run records")
    sweep: SweepSpec | None = Field(None, description="parameter sweep used by `ammsim sweep`")

    _source: Path | None = PrivateAttr(default=None)
    _allow: tuple[Path, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _population(self) -> Scenario:
        total = sum(a.count for a in self.agents.values())
        if total > 200_000:
            raise ValueError(f"{total} agents in all; at most 200,000 are allowed")
        return self

    @property
    def source(self) -> Path | None:
        """The file this scenario was loaded from (None when built in code)."""
        return self._source

    @property
    def base_dir(self) -> Path:
        """Directory relative paths in the scenario (e.g. a CSV price file) are resolved from."""
        return self._source.parent if self._source else Path.cwd()

    @property
    def allowed_dirs(self) -> tuple[Path, ...]:
        """Folders outside `base_dir` the user allowed files from (`--allow-path`)."""
        return self._allow

    @property
    def input_roots(self) -> InputRoots:
        """Where files this scenario names may be read from: its own folder, the bundled
        scenarios' folder, and the folders the user allowed (see `sim.input_files`)."""
        return InputRoots(self.base_dir, (bundled_dir(), *self._allow))
