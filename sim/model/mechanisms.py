"""Which mechanisms a run has: the one answer every output asks before it shows a section.

The printed summary, summary.json (its `mechanisms` list), report.html and `ammsim compare`
show a section for each mechanism a run has and nothing for those it lacks, so a reader never
sees a column of zeros for something that was not there. A mechanism is present when the
scenario sets it up (a lending market, a staking protocol, rewards, a sandwich bot, range LPs,
a token launch); AMM pools count only when they traded, since a pool nobody swapped through
has no volume, fees, LVR or slippage to report.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sim.model.agent_views import developers, is_arbitrageur, is_sandwich_bot, oracle_attackers
from sim.protocols.launches import launches

if TYPE_CHECKING:
    from sim.model.model import MarketModel


class Mechanism(StrEnum):
    """A part of a market that gets its own section in the outputs (in their order)."""

    AMM = "amm"
    RANGE_LPS = "range_lps"
    MEV = "mev"
    LENDING = "lending"
    STAKING = "staking"
    MINING = "mining"
    LAUNCHES = "launches"
    RUGS = "rugs"
    ORACLE_ATTACKS = "oracle_attacks"


MECHANISM_DOCS: dict[Mechanism, str] = {
    Mechanism.AMM: "pools that traded: volume, fees, LP income, LP vs HODL, IL, arbitrage, "
    "LVR, slippage",
    Mechanism.RANGE_LPS: "concentrated-liquidity LPs (range_lp cohorts) and their P&L "
    "decomposition",
    Mechanism.MEV: "sandwich bots and their victims",
    Mechanism.LENDING: "lending markets: liquidations, bad debt, interest, loopers",
    Mechanism.STAKING: "liquid staking tokens: exchange rate, market rate, depeg",
    Mechanism.MINING: "liquidity-mining rewards ([rewards])",
    Mechanism.LAUNCHES: "tokens launched in the run by a token_developer",
    Mechanism.RUGS: "developers who may pull the rug (pull other than never)",
    Mechanism.ORACLE_ATTACKS: "oracle attackers (flash loan, pushed pool, borrow, walk away)",
}
"""What each mechanism covers (summary.json's documentation of `mechanisms`)."""


def mechanisms(model: MarketModel) -> tuple[Mechanism, ...]:
    """The mechanisms this run has, in `Mechanism` order."""
    market = model.market
    protocols = market.protocols
    agents = model.market_agents
    present = {
        Mechanism.AMM: bool(traded_pools(model)),
        Mechanism.RANGE_LPS: bool(model.lp_books),
        Mechanism.MEV: any(is_sandwich_bot(a) for a in agents),
        Mechanism.LENDING: bool(protocols.lending),
        Mechanism.STAKING: bool(protocols.staking),
        Mechanism.MINING: protocols.chef is not None,
        Mechanism.LAUNCHES: bool(launches(protocols)),
        Mechanism.RUGS: any(d.spec.pull != "never" for d in developers(agents)),
        Mechanism.ORACLE_ATTACKS: bool(oracle_attackers(agents)),
    }
    return tuple(m for m in Mechanism if present[m])


def traded_pools(model: MarketModel) -> list[str]:
    """Pools with at least one executed swap, in scenario order."""
    return [name for name, st in model.metrics.pools.items() if st.swaps]


def has_arbitrageurs(model: MarketModel) -> bool:
    """Whether any `arbitrageur` trades (its profit is a line of the AMM section only then)."""
    return any(is_arbitrageur(a) for a in model.market_agents)


def unpriced_tokens(model: MarketModel, pool: str) -> list[str]:
    """Tokens of `pool` without a reference price of their own (valued through a pool), for
    which loss-versus-rebalancing has nothing to measure against."""
    market = model.market
    return [
        t for t in market.pools[pool].tokens if t != market.numeraire and t not in market.ref_prices
    ]


def lvr_not_measured(model: MarketModel) -> str | None:
    """Why LVR leaves out some traded pools (None when it covers them all)."""
    books = model.metrics.pools
    pools = [p for p in traded_pools(model) if not books[p].priced]
    if not pools:
        return None
    tokens = list(dict.fromkeys(t for p in pools for t in unpriced_tokens(model, p)))
    if len(tokens) == 1:
        why = "has no reference price of its own (it is valued at a pool's price)"
    else:
        why = "have no reference price of their own (they are valued at a pool's price)"
    return (
        f"not measured in {_and(pools)}: {_and(tokens)} {why}, and LVR needs one for every "
        "token of a pool"
    )


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
