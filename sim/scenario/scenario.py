"""Scenario files: TOML on disk, a frozen, typed `Scenario` in memory, and errors that say where.

A scenario is data only. Every field has a dotted path (`pools.eth_usdc.fee_bps`)
that error messages, `--set` overrides and sweeps use. Loading wraps TOML
syntax errors, pydantic validation errors and cross-reference checks into one
`ScenarioError` naming the file, each offending path, and what is allowed.
"""

from __future__ import annotations

import copy
import difflib
import math
import tomllib
import types
import typing
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PrivateAttr, ValidationError, model_validator

from agents.registry import AnyAgentSpec
from sim.chain.chain import ChainSpec
from sim.config import Constant, DistSpec, Spec, Uniform
from sim.errors import ScenarioError
from sim.market.pool_specs import PoolSpec
from sim.market.prices import PriceSpec
from sim.model.events import EventSpec, check_event
from sim.protocols.lending import LendingSpec
from sim.protocols.rewards import RewardsSpec
from sim.protocols.staking import StakingSpec
from sim.scenario.sweep_spec import SweepSpec

NAME = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"
Name = Annotated[str, Field(pattern=NAME)]


class ScenarioMeta(Spec):
    """What the scenario is and how long it runs."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
        description="short name; the run folder is outputs/<name>/",
    )
    description: str = Field("", max_length=4000, description="what the scenario shows")
    seed: int = Field(0, ge=0, lt=2**63, description="base seed of every random draw")
    replicate: int | None = Field(
        None,
        ge=0,
        lt=1_000_000,
        description="replicate index k: draws use SeedSequence(seed).spawn(k + 1)[k]",
    )
    blocks: int = Field(ge=1, le=50_000_000, description="number of blocks to simulate")
    block_time_s: float = Field(12.0, gt=0, le=86_400, description="seconds per block")
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


# ---------------------------------------------------------------------------------------------
# loading


def bundled_dir() -> Path:
    """Folder of the scenarios shipped with the package."""
    return Path(str(resources.files("sim.scenarios")))


def bundled() -> dict[str, Path]:
    """Bundled scenario names and their files."""
    return {p.stem: p for p in sorted(bundled_dir().glob("*.toml"))}


def resolve_path(name_or_path: str | Path) -> Path:
    """A scenario file from a path, or from a bundled scenario's name."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = bundled()
    key = path.stem if path.suffix == ".toml" and path.parent == Path(".") else str(name_or_path)
    if key in shipped and not path.exists():
        return shipped[key]
    if path.exists():
        raise ScenarioError(f"{path}: is not a file")
    hint = difflib.get_close_matches(str(key), shipped, n=1)
    suggest = f" (did you mean {hint[0]!r}?)" if hint else ""
    raise ScenarioError(
        f"no scenario file {str(name_or_path)!r}{suggest}; "
        f"bundled scenarios: {', '.join(shipped) or 'none'}"
    )


MAX_TOML_BYTES = 10_000_000
"""Scenario files larger than this are refused (a scenario is a few kilobytes)."""


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning syntax and encoding errors into `ScenarioError`."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_TOML_BYTES + 1)
        if len(data) > MAX_TOML_BYTES:
            raise ScenarioError(f"{path}: larger than {MAX_TOML_BYTES:,} bytes; not a scenario")
        return tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{path}: invalid TOML: {err}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: invalid TOML: nested too deeply") from None
    except UnicodeDecodeError as err:
        raise ScenarioError(f"{path}: not UTF-8 text: {err}") from None
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read: {err.strerror}") from None


def load_scenario(
    source: str | Path | Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    *,
    seed: int | None = None,
    blocks: int | None = None,
    replicate: int | None = None,
) -> Scenario:
    """Load, override and validate a scenario from a path, a bundled name, or a dict."""
    if isinstance(source, Mapping):
        raw, path = copy.deepcopy(dict(source)), None
    else:
        path = resolve_path(source)
        raw = read_toml(path)
    where = str(path) if path else "<scenario>"
    for dotted, value in (overrides or {}).items():
        set_path(raw, dotted, value, where=where)
    meta = raw.setdefault("scenario", {}) if isinstance(raw.get("scenario", {}), dict) else None
    if meta is not None:
        if seed is not None:
            meta["seed"] = seed
        if blocks is not None:
            meta["blocks"] = blocks
        if replicate is not None:
            meta["replicate"] = replicate
    scenario = validate(raw, where=where)
    scenario._source = path.resolve() if path else None
    return scenario


def validate(raw: Mapping[str, Any], where: str = "<scenario>") -> Scenario:
    """Validate a parsed scenario; every problem is reported with its dotted path."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(_format(where, _describe_all(err.errors(), raw))) from None
    problems = check_references(scenario)
    if problems:
        raise ScenarioError(_format(where, [f"{p}: {m}" for p, m in problems]))
    return scenario


def _format(where: str, lines: list[str]) -> str:
    lines = [line.replace("\r", "\\r").replace("\n", "\\n") for line in lines]  # one per problem
    head = f"{where}: invalid scenario ({len(lines)} problem{'s' * (len(lines) > 1)})"
    shown = lines[:20] + ([f"... and {len(lines) - 20} more"] if len(lines) > 20 else [])
    return head + "\n" + "\n".join(f"  - {line}" for line in shown)


def check_references(s: Scenario) -> list[tuple[str, str]]:
    """Cross-field checks pydantic cannot see: names that must refer to something."""
    out: list[tuple[str, str]] = []
    tokens = set(s.tokens)
    known = ", ".join(sorted(tokens))
    if s.scenario.numeraire not in tokens:
        out.append(("scenario.numeraire", f"{s.scenario.numeraire!r} is not in [tokens] ({known})"))
    if s.chain.native_token not in tokens and (s.chain.base_fee_gwei > 0):
        out.append(
            ("chain.native_token", f"{s.chain.native_token!r} pays gas but is not in [tokens]")
        )
    for name in s.prices:
        if name not in tokens:
            out.append((f"prices.{name}", f"no token {name!r} in [tokens] ({known})"))
        elif name == s.scenario.numeraire:
            out.append((f"prices.{name}", "the numeraire has price 1 by definition"))
    for pname, pool in s.pools.items():
        for i, t in enumerate(pool.tokens):
            if t not in tokens:
                out.append((f"pools.{pname}.tokens[{i}]", f"unknown token {t!r}; known: {known}"))
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
                out.append((f"agents.{aname}.{field}", f"unknown pool {ref!r}; pools: {pools}"))
        pair = getattr(agent, "pair", None)
        if pair:
            for i, t in enumerate(pair):
                if t not in tokens:
                    out.append((f"agents.{aname}.pair[{i}]", f"unknown token {t!r}"))
        for field in ("market", "lst"):
            ref = getattr(agent, field, None)
            known_refs = s.lending if field == "market" else {x.lst for x in s.staking.values()}
            if ref is not None and ref not in known_refs:
                out.append((f"agents.{aname}.{field}", f"unknown {field} {ref!r}"))
    for name, st in s.staking.items():
        for field in ("underlying", "lst"):
            if getattr(st, field) not in tokens:
                out.append((f"staking.{name}.{field}", f"unknown token {getattr(st, field)!r}"))
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
                out.append((where, f"staking.{source} issues {st.lst!r}, not {coin!r}"))
    for name, lm in s.lending.items():
        for asset in lm.assets:
            if asset not in tokens:
                out.append((f"lending.{name}.assets.{asset}", f"unknown token {asset!r}"))
    if s.rewards is not None:
        if s.rewards.token not in tokens:
            out.append(("rewards.token", f"unknown token {s.rewards.token!r}"))
        for pool in s.rewards.pools:
            if pool not in s.pools:
                out.append((f"rewards.pools.{pool}", f"unknown pool {pool!r}"))
    for name, ev in s.events.items():
        out.extend(check_event(name, ev, s))
    out.extend(_check_mining_and_rugs(s))
    out.extend(_check_amounts(s))
    return out


def _check_amounts(s: Scenario) -> list[tuple[str, str]]:
    """Agents' numeraire amounts (`capital_usd`, `size_usd`...) cannot be negative: a negative
    constant would otherwise be clipped to 0 silently, or fail only once the run starts."""
    out: list[tuple[str, str]] = []
    for aname, agent in s.agents.items():
        for field in type(agent).model_fields:
            if not field.endswith("_usd"):
                continue
            value = getattr(agent, field)
            where = f"agents.{aname}.{field}"
            if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
                out.append((where, f"an amount in the numeraire must be >= 0 (got {value!r})"))
            elif isinstance(value, Constant) and value.value < 0:
                out.append((f"{where}.value", f"must be >= 0 (got {value.value!r})"))
            elif isinstance(value, Uniform) and value.low < 0:
                out.append((f"{where}.low", f"must be >= 0 (got {value.low!r})"))
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
                    out.append((f"{where}.pools[{i}]", f"pool {p!r} has no [rewards.pools.{p}]"))
                elif p in s.pools and s.pools[p].kind == "concentrated":
                    out.append((f"{where}.pools[{i}]", "concentrated pools have no LP shares"))
        if kind in ("token_developer", "token_buyer"):
            token, pool = agent.token, agent.pool  # type: ignore[attr-defined]
            if token not in s.tokens:
                out.append((f"{where}.token", f"unknown token {token!r}"))
            elif pool in s.pools and token not in s.pools[pool].tokens:
                out.append((f"{where}.token", f"{token!r} does not trade in pool {pool!r}"))
        if kind == "token_developer":
            if agent.token in s.prices:  # type: ignore[attr-defined]
                out.append((f"{where}.token", "a launched token must have no price process"))
            pool = agent.pool  # type: ignore[attr-defined]
            if pool in s.pools and s.pools[pool].kind != "constant_product":
                out.append((f"{where}.pool", "the developer seeds a constant_product pool"))
    return out


# ---------------------------------------------------------------------------------------------
# dotted paths


def parse_value(text: str) -> Any:
    """A command-line value as TOML would read it: `30` -> 30, `0.8` -> 0.8, `true`, `[1, 2]`;
    anything else is a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return text


def get_path(raw: Mapping[str, Any], dotted: str) -> Any:
    """Value at `dotted` in a parsed scenario (KeyError if absent)."""
    node: Any = raw
    for key in dotted.split("."):
        node = node[key]
    return node


def set_path(raw: dict[str, Any], dotted: str, value: Any, where: str = "<scenario>") -> None:
    """Set `dotted` in a parsed scenario; the path must name a field the schema knows."""
    keys = dotted.split(".")
    if not all(keys):
        raise ScenarioError(f"{where}: {dotted!r} is not a dotted path like pools.eth_usdc.fee_bps")
    node: Any = raw
    for depth, key in enumerate(keys[:-1]):
        nxt = node.get(key) if isinstance(node, dict) else None
        if nxt is None:
            allowed = fields_at(keys[:depth], raw)
            if (allowed is not None and key not in allowed) or not isinstance(node, dict):
                raise ScenarioError(_unknown(where, keys[: depth + 1], key, allowed, node))
            nxt = node.setdefault(key, {})
        if not isinstance(nxt, dict):
            raise ScenarioError(f"{where}: {'.'.join(keys[: depth + 1])} is a value, not a table")
        node = nxt
    last = keys[-1]
    allowed = fields_at(keys[:-1], raw)
    if last not in node and allowed is not None and last not in allowed:
        raise ScenarioError(_unknown(where, keys, last, allowed, node))
    node[last] = value


def _unknown(where: str, keys: list[str], key: str, allowed: list[str] | None, node: Any) -> str:
    options = allowed if allowed is not None else list(node) if isinstance(node, dict) else []
    hint = difflib.get_close_matches(key, options, n=1)
    msg = f"{where}: {'.'.join(keys)}: unknown field {key!r}"
    if hint:
        msg += f" (did you mean {hint[0]!r}?)"
    if options:
        msg += f"; allowed here: {', '.join(options)}"
    return msg


def fields_at(path: list[str], raw: Mapping[str, Any]) -> list[str] | None:
    """Field names allowed at `path`, following the raw data through dicts and tagged unions.

    None when the level is a free-form table (e.g. the names under [pools]).
    """
    tp: Any = Scenario
    node: Any = raw
    for key in path:
        tp = _choose(tp, node)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            f = tp.model_fields.get(key)
            if f is None:
                return []
            tp = f.annotation
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            return None
        node = node.get(key) if isinstance(node, Mapping) else None
    tp = _choose(tp, node)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return None


def _choose(tp: Any, node: Any) -> Any:
    """Unwrap Annotated/Optional and pick the union member the data's tag selects."""
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in _union_members(tp) if a is not type(None)]
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            if len(members) == 1:
                tp = members[0]
                continue
            if not models:
                return tp
            tp = _by_tag(models, node)
        else:
            return tp


def _union_members(tp: Any) -> list[Any]:
    """Members of a union, with Annotated unwrapped and nested unions flattened
    (`Bounded | DistSpec` gives float and each distribution model)."""
    out: list[Any] = []
    for member in typing.get_args(tp):
        while typing.get_origin(member) is Annotated:
            member = typing.get_args(member)[0]
        if typing.get_origin(member) in (typing.Union, types.UnionType):
            out.extend(_union_members(member))
        else:
            out.append(member)
    return out


_TAGS = ("kind", "process", "dist", "schedule")


def _by_tag(models: list[type[BaseModel]], node: Any) -> Any:
    if isinstance(node, Mapping):
        for tag in _TAGS:
            value = node.get(tag)
            if value is None:
                continue
            for m in models:
                f = m.model_fields.get(tag)
                if f is not None and value in typing.get_args(f.annotation):
                    return m
    return models[0] if len(models) == 1 else None


_SHAPE_TABLE = {"model_attributes_type", "model_type", "dict_type"}
"""Errors of a union's table alternative when the value given is not a table."""
_SHAPE_SCALAR = {"float_type", "int_type", "string_type", "bool_type", "list_type"}
"""Errors of a union's scalar alternative when the value given is a table."""


def _describe_all(errors: list[Any], raw: Mapping[str, Any]) -> list[str]:
    """One line per problem. A value that fits neither alternative of a union such as
    `number | { dist = ... }` makes pydantic report both; only the alternative that matches the
    shape of what was given is kept, so the line says what is wrong with *that* value."""
    described = [(_path(e, raw), e) for e in errors]
    lines: list[str] = []
    for i, (path, e) in enumerate(described):
        given = e.get("input")
        rivals = [p for j, (p, _) in enumerate(described) if j != i and p[: len(path)] == path]
        if rivals and e["type"] in _SHAPE_TABLE and not isinstance(given, Mapping):
            continue
        if rivals and e["type"] in _SHAPE_SCALAR and isinstance(given, Mapping):
            continue
        lines.append(_describe(e, raw, path))
    return lines


def _path(e: Any, raw: Mapping[str, Any]) -> list[str]:
    """The path of a pydantic error in the file's own terms (union labels dropped)."""
    path: list[str] = []
    node: Any = raw
    loc = list(e["loc"])
    for i, part in enumerate(loc):
        if isinstance(part, int):
            path[-1:] = [f"{path[-1]}[{part}]"] if path else [f"[{part}]"]
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        if node is not None and not isinstance(node, Mapping):
            continue  # below a plain value: a union member pydantic tried (`constrained-float`)
        if isinstance(node, Mapping) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, Mapping) and part in [node.get(t) for t in _TAGS]:
            continue  # the union member pydantic tried, named by the data's own tag
        elif not str(part).isidentifier():
            continue  # a union member pydantic tried (`tagged-union[...]`): not a field name
        elif i == len(loc) - 1 or not isinstance(node, Mapping):
            path.append(part)
            node = None
        # else: a union tag or function-validator name pydantic inserted: not part of the file
    return path


_UNIONS: dict[str, Any] = {
    "agents": AnyAgentSpec,
    "pools": PoolSpec,
    "prices": PriceSpec,
    "events": EventSpec,
}
"""The tagged unions of the named tables, for listing the allowed tags when one is missing."""


def _union_tags(table: str, tag_field: str) -> list[str]:
    """The values `tag_field` may take in the tagged union of `table` (e.g. agent kinds)."""
    union = DistSpec if tag_field == "dist" else _UNIONS.get(table)
    if union is None:
        return []
    members = typing.get_args(typing.get_args(union)[0])
    tags = []
    for member in members:
        field = member.model_fields.get(tag_field)
        if field is not None:
            tags.extend(str(t) for t in typing.get_args(field.annotation))
    return tags


def _describe(e: Any, raw: Mapping[str, Any], path: list[str] | None = None) -> str:
    """One line per pydantic error: dotted path (union tags dropped), what is wrong, what is allowed."""
    if path is None:
        path = _path(e, raw)
    dotted = ".".join(path) or "(top level)"
    kind, msg = e["type"], e["msg"]
    ctx = e.get("ctx") or {}
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag_field = str(ctx.get("discriminator", "kind")).strip("'")
        where = f"{dotted}.{tag_field}" if path else tag_field
        expected = [t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(",")]
        expected = [t for t in expected if t]
        if kind == "union_tag_not_found":
            expected = expected or _union_tags(path[0] if path else "", tag_field)
            return f"{where}: required field is missing" + (
                f"; allowed: {', '.join(expected)}" if expected else ""
            )
        tag = ctx.get("tag")
        hint = difflib.get_close_matches(str(tag), expected, n=1)
        text = f"{where}: unknown {tag_field} {tag!r}"
        if hint:
            text += f" (did you mean {hint[0]!r}?)"
        return text + (f"; allowed: {', '.join(expected)}" if expected else "")
    if kind == "extra_forbidden":
        allowed = fields_at(path[:-1], raw) or []
        hint = difflib.get_close_matches(path[-1], allowed, n=1)
        text = f"{dotted}: unknown field"
        if hint:
            text += f" (did you mean {hint[0]!r}?)"
        return text + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    if kind == "missing":
        return f"{dotted}: required field is missing"
    given = e.get("input")
    shown = "" if isinstance(given, dict | list) else f" (got {given!r})"
    if isinstance(given, float) and not math.isfinite(given):
        shown = f" (got {given})"
    return f"{dotted}: {msg.removeprefix('Value error, ')}{shown}"
