"""What is wrong with a scenario, one line per problem, in the file's own terms.

Pydantic reports errors at locations of its own (union labels, validator names, indexes); this
module turns each into `dotted.path: what is wrong; what is allowed` (with a did-you-mean), and
`format_problems` puts them under the name of the file, as `ScenarioError` messages read.
"""

from __future__ import annotations

import difflib
import math
import typing
from collections.abc import Mapping
from typing import Any

from agents.registry import AnyAgentSpec
from sim.config import DistSpec
from sim.errors import ECHO_LIMIT, clip, echo
from sim.market.pool_specs import PoolSpec
from sim.market.prices import PriceSpec
from sim.scenario.events import EventSpec
from sim.scenario.paths import TAGS, fields_at


def format_problems(where: str, lines: list[str]) -> str:
    """`where: invalid scenario (n problems)` and the problems, one per line (at most 20)."""
    lines = [clip(line.replace("\r", "\\r").replace("\n", "\\n")) for line in lines]  # one each
    head = f"{where}: invalid scenario ({len(lines)} problem{'s' * (len(lines) > 1)})"
    shown = lines[:20] + ([f"... and {len(lines) - 20} more"] if len(lines) > 20 else [])
    return head + "\n" + "\n".join(f"  - {line}" for line in shown)


_SHAPE_TABLE = {"model_attributes_type", "model_type", "dict_type"}
"""Errors of a union's table alternative when the value given is not a table."""
_SHAPE_SCALAR = {"float_type", "int_type", "string_type", "bool_type", "list_type"}
"""Errors of a union's scalar alternative when the value given is a table."""


def describe_all(errors: list[Any], raw: Mapping[str, Any]) -> list[str]:
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
        elif isinstance(node, Mapping) and part in [node.get(t) for t in TAGS]:
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
    dotted = ".".join(clip(str(p), ECHO_LIMIT) for p in path) or "(top level)"
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
        hint = difflib.get_close_matches(str(tag)[:200], expected, n=1)
        text = f"{where}: unknown {tag_field} {echo(tag)}"
        if hint:
            text += f" (did you mean {hint[0]!r}?)"
        return text + (f"; allowed: {', '.join(expected)}" if expected else "")
    if kind == "extra_forbidden":
        allowed = fields_at(path[:-1], raw) or []
        hint = difflib.get_close_matches(path[-1][:200], allowed, n=1)
        text = f"{dotted}: unknown field"
        if hint:
            text += f" (did you mean {hint[0]!r}?)"
        return text + (f"; allowed: {', '.join(allowed)}" if allowed else "")
    if kind == "missing":
        return f"{dotted}: required field is missing"
    given = e.get("input")
    if kind in _EXPECTED:
        return f"{dotted}: expected {_EXPECTED[kind]}, got {_what(given)}"
    shown = "" if isinstance(given, dict | list) else f" (got {echo(given)})"
    if isinstance(given, float) and not math.isfinite(given):
        shown = f" (got {given})"
    return f"{dotted}: {msg.removeprefix('Value error, ')}{shown}"


_EXPECTED = {
    "int_type": "a whole number (e.g. 30)",
    "float_type": "a number (e.g. 0.5)",
    "bool_type": "true or false",
    "string_type": "a string in quotes",
}
"""What a field of each type takes, for the error of a value of another type (the schema is
strict: no number in quotes, no boolean for a number, no 30.0 for a whole number)."""


def _what(given: Any) -> str:
    """A value as a scenario file would spell it, with what kind of value it is."""
    if isinstance(given, bool):
        return f"{str(given).lower()} (a boolean)"
    if isinstance(given, str):
        try:
            float(given)
        except ValueError:
            return f"the string {echo(given)}"
        return f"the string {echo(given)} (write the number without quotes)"
    if isinstance(given, float):
        return f"{given!r} (a decimal)" if math.isfinite(given) else str(given)
    if isinstance(given, Mapping):
        return "a table"
    if isinstance(given, list | tuple):
        return "an array"
    return echo(given)
