"""The one exception tree of ammsim.

::

    AmmSimError                      root: everything ammsim raises on purpose
    ├── ScenarioError(ValueError)    a scenario file or override is wrong (CLI exit 2)
    ├── UserInputError(ValueError)   a bad flag, path or argument (CLI exit 2)
    ├── PoolError                    a pool call a contract would reject (a revert)
    │   ├── InvalidAmount            zero, negative or out-of-range amounts, unknown coin
    │   ├── InsufficientLiquidity    the pool cannot pay that much out
    │   ├── SlippageExceeded         output below the caller's minimum (or input above max)
    │   └── InvariantViolated        a state change broke the pool's invariant (a bug)
    ├── ProtocolError                lending / staking / rewards reject a call (a revert)
    │   └── InsufficientBalance      a wallet cannot pay
    └── ConservationError            a token was created or lost outside mint/burn (a bug)

Pool and protocol errors are *reverts*: the chain catches them, marks the
transaction failed and charges gas. Conservation errors are bugs: CLI exit 1.
"""

from __future__ import annotations


class AmmSimError(Exception):
    """Root of every error ammsim raises on purpose."""


class ScenarioError(AmmSimError, ValueError):
    """A scenario is invalid; the message names the file and the dotted field path."""


class UserInputError(AmmSimError, ValueError):
    """A command-line flag, path or argument is invalid."""


class PoolError(AmmSimError):
    """A pool call that the mirrored contract would revert."""


class InvalidAmount(PoolError):
    """Zero, negative or out-of-range amount, or an unknown coin."""


class InsufficientLiquidity(PoolError):
    """The pool does not hold enough to pay this out."""


class EmptyPool(InsufficientLiquidity):
    """The pool holds nothing (every LP left): it has no price to read."""


class SlippageExceeded(PoolError):
    """The trade would pay out less than the caller's minimum."""


class InvariantViolated(PoolError):
    """A state change broke the pool invariant (this is a bug, not a user error)."""


class ProtocolError(AmmSimError):
    """A lending, staking or rewards call that the protocol would revert."""


class InsufficientBalance(ProtocolError):
    """A wallet does not hold enough of a token."""


class ConservationError(AmmSimError):
    """A token total changed other than through an explicit mint or burn."""


ECHO_LIMIT = 80
"""Characters of a user's input an error message repeats at most."""


def echo(value: object, limit: int = ECHO_LIMIT) -> str:
    """`repr(value)` for an error message, cut to `limit` characters and followed by its length
    (`'xxxx…(5000002 chars)'`): an error never repeats a huge input whole."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…({len(text)} chars)"


def clip(text: str, limit: int = 1000) -> str:
    """A whole message line cut to `limit` characters (a safety net under `echo`)."""
    return text if len(text) <= limit else f"{text[:limit]}…({len(text)} chars)"
