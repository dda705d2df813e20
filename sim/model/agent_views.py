"""What reporters and reports read of particular agent kinds: one narrow, typed path.

The books (`sim.model.books`) hold what every agent paid, received and holds. A few
numbers a report shows are still kept by the agents that produce them (a miner's entries
and exit reasons, a developer's rug, a passive LP's deposit). Reports read them here, by
the agent's `kind` and through a `Protocol` of the public attributes read, never by
importing agent classes: this module is the whole of what the report layer knows of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, TypeGuard, runtime_checkable

from sim.pools.base import Pool


@runtime_checkable
class AgentView(Protocol):
    """Every market agent: its name, cohort and kind."""

    @property
    def name(self) -> str: ...

    @property
    def cohort(self) -> str: ...

    @property
    def kind(self) -> str: ...

    def report(self) -> dict[str, object]: ...


@runtime_checkable
class PassiveLP(AgentView, Protocol):
    """A `liquidity_provider` (or `lst_lp`): one deposit, held, maybe withdrawn."""

    @property
    def exited(self) -> bool: ...

    def position_value(self) -> float:
        """Numeraire value of its claim on the pool."""
        ...

    def hodl_value(self) -> float:
        """Numeraire value today of the tokens it deposited."""
        ...


@runtime_checkable
class Miner(AgentView, Protocol):
    """A `mining_lp`: enters and leaves farms, harvests and sells rewards."""

    @property
    def entries(self) -> list[dict[str, object]]:
        """One row per entry: block, pool, value and expected APRs."""
        ...

    @property
    def exits(self) -> list[dict[str, object]]:
        """One row per exit: block, pool, value, reason and its signal."""
        ...

    @property
    def pools_entered(self) -> set[str]: ...

    @property
    def cautious(self) -> bool: ...

    @property
    def staked_value_days(self) -> float:
        """Numeraire value staked, integrated over days."""
        ...

    def reward_value(self) -> float:
        """Rewards realised so far: sale proceeds plus unsold rewards at today's price."""
        ...


@runtime_checkable
class TokenBuyer(AgentView, Protocol):
    """A `token_buyer` of a launched token."""

    @property
    def token(self) -> str: ...

    @property
    def bought(self) -> int:
        """Buys made."""
        ...

    @property
    def cautious(self) -> bool: ...


class PullSpec(Protocol):
    @property
    def pull(self) -> str:
        """What the developer does when a trigger fires ("never" for an honest one)."""
        ...


@runtime_checkable
class Developer(AgentView, Protocol):
    """A `token_developer`: launches `token` in `pool` against `quote`, maybe rugs."""

    @property
    def spec(self) -> PullSpec: ...

    @property
    def token(self) -> str: ...

    @property
    def quote(self) -> str: ...

    @property
    def pool(self) -> Pool: ...

    @property
    def pulled(self) -> bool: ...

    @property
    def launch_price(self) -> float:
        """The token's price right after the launch seeded its pool (numeraire)."""
        ...

    @property
    def rug(self) -> dict[str, Any] | None:
        """The rug as it happened (block, variant, trigger, amounts, prices), if it did."""
        ...


def is_passive_lp(agent: AgentView) -> TypeGuard[PassiveLP]:
    return agent.kind in ("liquidity_provider", "lst_lp")


def is_arbitrageur(agent: AgentView) -> bool:
    return agent.kind == "arbitrageur"


def is_sandwich_bot(agent: AgentView) -> bool:
    return agent.kind == "sandwich_bot"


def is_miner(agent: AgentView) -> TypeGuard[Miner]:
    return agent.kind == "mining_lp"


def is_token_buyer(agent: AgentView) -> TypeGuard[TokenBuyer]:
    return agent.kind == "token_buyer"


def is_developer(agent: AgentView) -> TypeGuard[Developer]:
    return agent.kind == "token_developer"


def cautious(agent: AgentView) -> bool | None:
    """Whether a miner or token buyer is of the cautious kind (None for other agents)."""
    if is_miner(agent) or is_token_buyer(agent):
        return agent.cautious
    return None


def passive_lps(agents: Iterable[AgentView]) -> list[PassiveLP]:
    return [a for a in agents if is_passive_lp(a)]


def miners(agents: Iterable[AgentView]) -> list[Miner]:
    return [a for a in agents if is_miner(a)]


def developers(agents: Iterable[AgentView]) -> list[Developer]:
    return [a for a in agents if is_developer(a)]


class OracleAttacker(AgentView, Protocol):
    """An `oracle_attacker`: its exploit accounts and what it took (agents/oracle_attacker.py)."""

    asset: str
    attacks: int
    attempts: int
    flash_borrowed: int
    borrowed: int
    premiums: int
    taken: int
    exploits: list[str]


def oracle_attackers(agents: Iterable[AgentView]) -> list[OracleAttacker]:
    return [a for a in agents if a.kind == "oracle_attacker"]  # type: ignore[misc]
