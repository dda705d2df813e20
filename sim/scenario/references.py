"""Cross-field checks pydantic cannot see: names in one part of a scenario must refer to another.

A pool's tokens must be in `[tokens]`, an agent's pool in `[pools]`, an event's asset must have a
price process and the path it sets must be one an event may change (`sim.scenario.paths.settable`),
and so on. Each problem is a `(dotted path, message)` pair.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import ValidationError

from sim.errors import echo
from sim.market.prices import FIXED_PARAMS
from sim.protocols.lending import LendingSpec
from sim.scenario.events import Cohort, PriceShock, RampA, SetParam, Slash
from sim.scenario.paths import SETTABLE, settable
from sim.scenario.schema import Scenario


def check_references(s: Scenario) -> list[tuple[str, str]]:
    """Cross-field checks pydantic cannot see: names that must refer to something."""
    out: list[tuple[str, str]] = []
    tokens = set(s.tokens)
    known = ", ".join(sorted(tokens))
    if s.scenario.numeraire not in tokens:
        out.append(
            ("scenario.numeraire", f"{echo(s.scenario.numeraire)} is not in [tokens] ({known})")
        )
    if s.chain.native_token not in tokens and (s.chain.base_fee_gwei > 0):
        out.append(
            ("chain.native_token", f"{echo(s.chain.native_token)} pays gas but is not in [tokens]")
        )
    for name in s.prices:
        if name not in tokens:
            out.append((f"prices.{name}", f"no token {echo(name)} in [tokens] ({known})"))
        elif name == s.scenario.numeraire:
            out.append((f"prices.{name}", "the numeraire has price 1 by definition"))
    for pname, pool in s.pools.items():
        for i, t in enumerate(pool.tokens):
            if t not in tokens:
                out.append(
                    (f"pools.{pname}.tokens[{i}]", f"unknown token {echo(t)}; known: {known}")
                )
    priced = set(s.prices) | {s.scenario.numeraire}
    for t in sorted(tokens - priced):
        if not any(t in p.tokens for p in s.pools.values()):
            out.append(
                (f"tokens.{t}", "has no price process and no pool to price it; add [prices.{t}]")
            )
    pools = ", ".join(s.pools)
    for aname, agent in s.agents.items():
        refs = [("pool", getattr(agent, "pool", None))]
        refs += [(f"pools[{i}]", p) for i, p in enumerate(getattr(agent, "pools", None) or [])]
        for field, ref in refs:
            if ref is not None and ref not in s.pools:
                out.append((f"agents.{aname}.{field}", f"unknown pool {echo(ref)}; pools: {pools}"))
        pair = getattr(agent, "pair", None)
        if pair:
            for i, t in enumerate(pair):
                if t not in tokens:
                    out.append((f"agents.{aname}.pair[{i}]", f"unknown token {echo(t)}"))
        for field in ("market", "lst"):
            ref = getattr(agent, field, None)
            known_refs = s.lending if field == "market" else {x.lst for x in s.staking.values()}
            if ref is not None and ref not in known_refs:
                out.append((f"agents.{aname}.{field}", f"unknown {field} {echo(ref)}"))
    for name, st in s.staking.items():
        for field in ("underlying", "lst"):
            if getattr(st, field) not in tokens:
                out.append((f"staking.{name}.{field}", f"unknown token {echo(getattr(st, field))}"))
        if st.design == "rebasing":
            for pname, pool in s.pools.items():
                if st.lst in pool.tokens and pool.kind != "stableswap":
                    out.append(
                        (
                            f"pools.{pname}",
                            f"the rebasing {st.lst} can only be held by stableswap pools "
                            "(their balance follows the rebase); wrap it or use a stableswap pool",
                        )
                    )
            for lname, lm in s.lending.items():
                params = lm.assets.get(st.lst)
                if params is not None and params.borrowable:
                    out.append(
                        (
                            f"lending.{lname}.assets.{st.lst}.borrowable",
                            f"the rebasing {st.lst} cannot be borrowed (borrowers would keep "
                            "its rebase): set borrowable = false",
                        )
                    )
    for pname, pool in s.pools.items():
        for coin, source in (getattr(pool, "rate_oracles", None) or {}).items():
            where = f"pools.{pname}.rate_oracles.{coin}"
            st = s.staking.get(source)
            if st is None:
                known_st = ", ".join(s.staking) or "none"
                out.append((where, f"no [staking.{source}] (staking protocols: {known_st})"))
            elif st.lst != coin:
                out.append((where, f"staking.{source} issues {echo(st.lst)}, not {echo(coin)}"))
    for name, lm in s.lending.items():
        for asset in lm.assets:
            if asset not in tokens:
                out.append((f"lending.{name}.assets.{asset}", f"unknown token {echo(asset)}"))
        out.extend(_check_oracle(name, lm, s))
    if s.rewards is not None:
        if s.rewards.token not in tokens:
            out.append(("rewards.token", f"unknown token {echo(s.rewards.token)}"))
        for pool in s.rewards.pools:
            if pool not in s.pools:
                out.append((f"rewards.pools.{pool}", f"unknown pool {echo(pool)}"))
    for name, ev in s.events.items():
        out.extend(check_event(name, ev, s))
    out.extend(_check_mining_and_rugs(s))
    return out


def _check_mining_and_rugs(s: Scenario) -> list[tuple[str, str]]:
    """Issue 6 (liquidity mining, rug pulls): references of mining_lp, token_developer, token_buyer."""
    out: list[tuple[str, str]] = []
    rewarded = set(s.rewards.pools) if s.rewards is not None else set()
    for aname, agent in s.agents.items():
        kind = getattr(agent, "kind", "")
        where = f"agents.{aname}"
        if kind == "mining_lp":
            if s.rewards is None:
                out.append((f"{where}.pools", "mining_lp needs a [rewards] table"))
            for i, p in enumerate(agent.pools):  # type: ignore[attr-defined]
                if p in s.pools and p not in rewarded:
                    out.append(
                        (f"{where}.pools[{i}]", f"pool {echo(p)} has no [rewards.pools.{p}]")
                    )
                elif p in s.pools and s.pools[p].kind == "concentrated":
                    out.append((f"{where}.pools[{i}]", "concentrated pools have no LP shares"))
        if kind in ("token_developer", "token_buyer"):
            token, pool = agent.token, agent.pool  # type: ignore[attr-defined]
            if token not in s.tokens:
                out.append((f"{where}.token", f"unknown token {echo(token)}"))
            elif pool in s.pools and token not in s.pools[pool].tokens:
                out.append((f"{where}.token", f"{echo(token)} does not trade in pool {echo(pool)}"))
        if kind == "token_developer":
            if agent.token in s.prices:  # type: ignore[attr-defined]
                out.append((f"{where}.token", "a launched token must have no price process"))
            pool = agent.pool  # type: ignore[attr-defined]
            if pool in s.pools and s.pools[pool].kind != "constant_product":
                out.append((f"{where}.pool", "the developer seeds a constant_product pool"))
    return out


def check_event(name: str, ev: Any, scenario: Scenario) -> list[tuple[str, str]]:
    """Reference checks for one event (paths and names must exist)."""
    where = f"events.{name}"
    out: list[tuple[str, str]] = []
    match ev:
        case PriceShock(asset=a) if a not in scenario.prices:
            out.append((f"{where}.asset", f"no price process for {echo(a)}"))
        case RampA(pool=p) if p not in scenario.pools or scenario.pools[p].kind != "stableswap":
            out.append((f"{where}.pool", f"{echo(p)} is not a stableswap pool"))
        case Cohort(cohort=c) if c not in scenario.agents:
            out.append((f"{where}.cohort", f"no agent cohort {echo(c)}"))
        case Slash(lst=t) if t not in {st.lst for st in scenario.staking.values()}:
            out.append((f"{where}.lst", f"no liquid-staking protocol of {echo(t)} in [staking]"))
        case SetParam(path=path):
            if not settable(path, scenario):
                fixed = path.startswith("prices.") and path.rsplit(".", 1)[-1] in FIXED_PARAMS
                because = (
                    f"a price process's {', '.join(sorted(FIXED_PARAMS))} are fixed from block 0"
                    if fixed
                    else f"allowed: {', '.join(SETTABLE)}..."
                )
                out.append((f"{where}.path", f"{echo(path)} cannot change mid-run; {because}"))
            else:
                problem = _check_value(scenario, path.split("."), ev.value)
                if problem:
                    out.append((f"{where}.value", problem))
    return out


def _check_value(scenario: Scenario, parts: list[str], value: Any) -> str | None:
    """Would the scenario still be valid with this value at that path? (the field's own rules)"""
    raw = scenario.model_dump(mode="json", exclude_none=True)
    node = raw
    for key in parts[:-1]:
        node = node[key]
    node[parts[-1]] = value
    try:
        type(scenario).model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        return f"{echo(value)} is not a valid {'.'.join(parts)}: {first['msg']}"
    return None


def _check_oracle(name: str, lm: LendingSpec, s: Scenario) -> list[tuple[str, str]]:
    """A market's oracle reads what exists: a reference price for `reference`, a pool that
    trades one of its assets for `pool_spot` / `pool_twap` (one with an on-chain oracle)."""
    where = f"lending.{name}"
    numeraire = s.scenario.numeraire
    if lm.oracle == "reference":
        unpriced = [a for a in lm.assets if a != numeraire and a not in s.prices]
        if unpriced:
            return [(f"{where}.oracle", f"no [prices.{unpriced[0]}] for a reference oracle")]
    if lm.oracle not in ("pool_spot", "pool_twap"):
        return []
    pools = s.pools if lm.oracle_pool is None else {lm.oracle_pool: s.pools.get(lm.oracle_pool)}
    if lm.oracle_pool is not None and pools[lm.oracle_pool] is None:
        known = ", ".join(s.pools) or "none"
        return [(f"{where}.oracle_pool", f"unknown pool {echo(lm.oracle_pool)} (pools: {known})")]
    read = [
        (p, pool)
        for p, pool in pools.items()
        if pool is not None and any(a in pool.tokens and a != numeraire for a in lm.assets)
    ]
    if lm.oracle == "pool_twap":
        read = [(p, pool) for p, pool in read if pool.kind in ("constant_product", "concentrated")]
    if not read:
        kinds = " with an on-chain oracle (constant_product, concentrated)"
        what = kinds if lm.oracle == "pool_twap" else ""
        return [(f"{where}.oracle", f"{lm.oracle}: no pool{what} trades any of its assets")]
    return []


def oracle_choices(name: str, lm: LendingSpec, s: Scenario) -> list[str]:
    """The `oracle` values market `name` could take in scenario `s` (what the dashboard offers):
    each one whose sources exist (`_check_oracle`)."""
    values = typing.get_args(LendingSpec.model_fields["oracle"].annotation)
    return [v for v in values if not _check_oracle(name, lm.model_copy(update={"oracle": v}), s)]
