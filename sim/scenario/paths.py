"""Dotted paths (`pools.eth_usdc.fee_bps`): the one module that knows which exist and which may change.

Every field of a scenario has a dotted path; `--set`, sweeps, events, the dashboard and
`ammsim schema` name fields by it. This module answers every question about them, by walking the
typed schema (`sim.scenario.schema`) and the declarations made next to the fields themselves
(types, bounds, descriptions; the paths a `set` event names, the fields a sweep sets itself):

- which fields exist at a path (`fields_at`), and every field with its type, default and
  description (`field_rows`) and its bounds (`bounds`);
- reading and writing a path in a parsed scenario (`get_path`, `set_path`), and a command line's
  `PATH=VALUE` (`parse_value`, `parse_sets`);
- which may change mid-run by a `set` event (`settable`), which a sweep may not vary
  (`NOT_SWEPT`, `sweepable`), and which hold integers (`is_integer_field`).

Which the dashboard offers live, with ranges that keep a scenario valid, is `sim.scenario.tunables`.
"""

from __future__ import annotations

import difflib
import math
import tomllib
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sim.config import DistSpec, Within
from sim.errors import ScenarioError, UserInputError, echo
from sim.market.prices import FIXED_PARAMS
from sim.scenario.events import SETTABLE_PATTERNS
from sim.scenario.renamed import canonical
from sim.scenario.schema import Scenario
from sim.scenario.sweep_spec import NOT_SWEPT as NOT_SWEPT  # what a sweep may not vary
from sim.scenario.sweep_spec import sweepable as sweepable

TAGS = ("kind", "process", "dist", "schedule")
"""The fields that select a variant of a tagged union (a pool kind, a price process...)."""
DIST_MODELS = tuple(typing.get_args(typing.get_args(DistSpec)[0]))
"""The distribution tables (`{ dist = "lognormal", ... }`) a `Dist` field accepts."""


# ---------------------------------------------------------------------------------------------
# the fields that exist


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


def _by_tag(models: list[type[BaseModel]], node: Any) -> Any:
    if isinstance(node, Mapping):
        for tag in TAGS:
            value = node.get(tag)
            if value is None:
                continue
            for m in models:
                f = m.model_fields.get(tag)
                if f is not None and value in typing.get_args(f.annotation):
                    return m
    return models[0] if len(models) == 1 else None


def field_rows(
    model: type[BaseModel] = Scenario,
    prefix: str = "",
    seen: frozenset[type] = frozenset(),
    when: str = "",
) -> list[dict[str, str]]:
    """One row per field, depth first, with dotted paths (`<name>` for free-form table keys).

    Distribution tables are documented once (`DIST_MODELS`), not under every field that takes
    one; fields of a tagged variant (a pool kind, an agent kind...) say which in `when`.
    """
    rows: list[dict[str, str]] = []
    for name, f in model.model_fields.items():
        path = f"{prefix}{name}"
        if f.default_factory is not None:
            default = "(table)"
        elif f.is_required() or f.default is PydanticUndefined:
            default = "required"
        else:
            default = repr(f.get_default(call_default_factory=False))
        rows.append(
            {
                "path": path,
                "type": _type_name(f.annotation),
                "default": default,
                "description": f.description
                or ("selects this variant" if name in TAGS and when else ""),
                "range": field_range(f),
                "when": when,
            }
        )
        sub = [m for m in _models(f.annotation) if m not in DIST_MODELS and m not in seen]
        key = _placeholder(f.annotation)
        for m in sub:
            tag = next((t for t in TAGS if t in m.model_fields), None)
            label = when
            if tag and len(sub) > 1:
                value = typing.get_args(m.model_fields[tag].annotation)[0]
                label = f"{tag} = {value!r}"
            nested = f"{path}.{key}." if key else f"{path}."
            rows.extend(field_rows(m, nested, seen | {m}, label))
    return rows


def field_range(f: FieldInfo) -> str:
    """The values a field takes, as the reference shows them (`>= 0 and <= 10000`; "" for any):
    its `ge`/`gt`/`le`/`lt` bounds, or for a distribution field the range of every draw."""
    parts = []
    for rule in f.metadata:
        if isinstance(rule, Within):
            return f"{rule.describe()} (every draw)"
        for attr, sign in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            v = getattr(rule, attr, None)
            if v is not None:
                parts.append(f"{sign} {v if isinstance(v, int) else format(v, 'g')}")
    return " and ".join(parts)


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _type_name(typing.get_args(tp)[0])
    if origin is Literal:
        return " | ".join(repr(a) for a in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in typing.get_args(tp))
    if origin is dict:
        return f"table of {_type_name(typing.get_args(tp)[1])}"
    if origin in (list, tuple):
        return f"list of {_type_name(typing.get_args(tp)[0])}"
    if tp is type(None):
        return "none"
    return getattr(tp, "__name__", str(tp))


def _models(tp: Any) -> list[type[BaseModel]]:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _models(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType, list, tuple):
        return [m for a in typing.get_args(tp) for m in _models(a)]
    if origin is dict:
        return _models(typing.get_args(tp)[1])
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    return []


def _placeholder(tp: Any) -> str | None:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _placeholder(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        for a in typing.get_args(tp):
            p = _placeholder(a)
            if p:
                return p
    return "<name>" if origin is dict else None


def bounds(spec: BaseModel, field: str) -> tuple[float, float]:
    """The `ge`/`le` bounds a spec model declares for a field (-inf/inf when none)."""
    lo, hi = -math.inf, math.inf
    for rule in type(spec).model_fields[field].metadata:
        lo = max(lo, getattr(rule, "ge", -math.inf))
        hi = min(hi, getattr(rule, "le", math.inf))
    return lo, hi


# ---------------------------------------------------------------------------------------------
# reading and writing a path


def get_path(node: Any, dotted: str) -> Any:
    """Value at `dotted` in a parsed scenario (a dict) or a validated one (`Scenario`); KeyError
    or AttributeError when absent."""
    for key in dotted.split("."):
        node = node[key] if isinstance(node, Mapping) else getattr(node, key)
    return node


def set_path(raw: dict[str, Any], dotted: str, value: Any, where: str = "<scenario>") -> None:
    """Set `dotted` in a parsed scenario; the path must name a field the schema knows (a field's
    former name means the field: `sim.scenario.renamed`)."""
    keys = canonical(dotted).split(".")
    if not all(keys):
        raise ScenarioError(
            f"{where}: {echo(dotted)} is not a dotted path like pools.eth_usdc.fee_bps"
        )
    node: Any = raw
    for depth, key in enumerate(keys[:-1]):
        nxt = node.get(key) if isinstance(node, dict) else None
        if nxt is None:
            allowed = fields_at(keys[:depth], raw)
            if allowed is None and isinstance(node, dict):
                raise ScenarioError(_no_such_name(where, keys[:depth], key, node))
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


def _no_such_name(where: str, table: list[str], key: str, node: dict[str, Any]) -> str:
    """A path into a named table (a pool, cohort, price...) that the scenario does not have:
    setting a field of it must not quietly create a new, half-filled one."""
    prefix = ".".join(table)
    hint = difflib.get_close_matches(key, list(node), n=1)
    msg = f"{where}: {prefix}.{key}: the scenario has no {key!r} in [{prefix}]"
    if hint:
        msg += f" (did you mean {hint[0]!r}?)"
    msg += f"; it has: {', '.join(node) or 'none'}"
    return msg + f"; to add one, set the whole table: {prefix}.{key}={{...}}"


def _unknown(where: str, keys: list[str], key: str, allowed: list[str] | None, node: Any) -> str:
    options = allowed if allowed is not None else list(node) if isinstance(node, dict) else []
    hint = difflib.get_close_matches(key, options, n=1)
    msg = f"{where}: {'.'.join(keys)}: unknown field {echo(key)}"
    if hint:
        msg += f" (did you mean {hint[0]!r}?)"
    if options:
        msg += f"; allowed here: {', '.join(options)}"
    return msg


def parse_value(text: str) -> Any:
    """A command-line value as TOML would read it: `30` -> 30, `0.8` -> 0.8, `true`, `[1, 2]`;
    anything else is a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return text
    except ValueError:  # an integer of more than 4,300 digits: kept as text, which no number is
        return text


def parse_sets(items: Sequence[str] | None) -> dict[str, Any]:
    """`--set PATH=VALUE` pairs; values are read as TOML (numbers, booleans, lists), else strings."""
    out: dict[str, Any] = {}
    for item in items or ():
        path, sep, value = item.partition("=")
        if not sep or not path.strip():
            raise UserInputError(
                f"--set expects PATH=VALUE (e.g. pools.eth_usdc.fee_bps=5), got {echo(item)}"
            )
        out[canonical(path.strip())] = parse_value(value.strip())
    return out


# ---------------------------------------------------------------------------------------------
# which may change: mid-run (events), across a sweep

SETTABLE = tuple(pattern.split("<")[0] for pattern in SETTABLE_PATTERNS)
"""What `SETTABLE_PATTERNS` start with, as error messages list them (`prices.`, `pools.`...)."""


def settable(path: str, scenario: Scenario) -> bool:
    """Whether a `set` event may change `path` mid-run: it matches one of `SETTABLE_PATTERNS`,
    each `<name>` an entry of that table in `scenario` (of a spec's fields, any: the value is
    validated against the field afterwards), except a price process's `FIXED_PARAMS` (its start,
    its kind: what shapes the path from block 0)."""
    keys = path.split(".")
    if keys[0] == "prices" and keys[-1] in FIXED_PARAMS:
        return False
    return any(_matches(p.split("."), keys, scenario) for p in SETTABLE_PATTERNS)


def _matches(pattern: list[str], keys: list[str], node: Any) -> bool:
    if len(pattern) != len(keys):
        return False
    for want, key in zip(pattern, keys, strict=True):
        if not want.startswith("<"):
            if want != key:
                return False
        elif isinstance(node, Mapping):
            if key not in node:
                return False
        elif not isinstance(node, BaseModel):
            return False  # the table is absent (no [rewards])
        node = node.get(key) if isinstance(node, Mapping) else getattr(node, key, None)
    return True


def is_integer_field(
    raw: dict[str, Any],
    sets: Mapping[str, Any],
    path: str,
    lohi: Sequence[float],
    where: str,
    *,
    load: Callable[[dict[str, Any], Mapping[str, Any], str], Scenario],
) -> bool:
    """Whether the validated scenario stores `path` as an int (a sweep then rounds the values it
    samples from `lohi`). `load(raw, overrides, where)` is the caller's loader: a value is tried
    at `path`, and its errors are the caller's."""
    # an int where one fits: a float field takes it (and stores a float), an int field too
    probe: float = math.ceil(lohi[0]) if math.ceil(lohi[0]) <= lohi[1] else float(lohi[0])
    try:
        sc = load(raw, {**sets, path: probe}, where)
    except ScenarioError as err:
        if not _is_number(get_path(load(raw, sets, where).model_dump(), path)):
            raise ScenarioError(f"{where}: sweep.ranges: {path} is not a number field") from None
        raise ScenarioError(f"sweep.ranges: {path}: value {probe} is not accepted: {err}") from None
    value = get_path(sc.model_dump(), path)
    if not _is_number(value):
        raise ScenarioError(f"{where}: sweep.ranges: {path} is not a number field")
    return isinstance(value, int)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
