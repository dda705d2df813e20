"""The dashboard's token gate, driven as an ASGI app in process (no network)."""

from __future__ import annotations

import asyncio
from typing import Any

from sim.cli.viz_token import REFUSED, TokenGate, new_token

TOKEN = new_token()


async def _inner(scope: Any, receive: Any, send: Any) -> None:
    """The app behind the gate: answers 200 "inside" (a websocket: accepted)."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.accept"})
        return
    if scope["type"] == "lifespan":
        await send({"type": "lifespan.startup.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"inside"})


def _call(kind: str, query: str = "", cookie: str | None = None) -> list[dict[str, Any]]:
    headers = [(b"cookie", cookie.encode())] if cookie is not None else []
    scope = {"type": kind, "path": "/", "query_string": query.encode(), "headers": headers}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(message: Any) -> None:
        sent.append(dict(message))

    asyncio.run(TokenGate(_inner, TOKEN, 8765)(scope, receive, send))
    return sent


def test_the_token_in_the_query_lets_in_and_sets_the_cookie() -> None:
    start, body = _call("http", f"token={TOKEN}")
    assert (start["status"], body["body"]) == (200, b"inside")
    assert (
        b"set-cookie",
        f"ammsim_viz_8765={TOKEN}; Path=/; HttpOnly; SameSite=Strict".encode(),
    ) in start["headers"]


def test_the_cookie_lets_in_requests_and_websockets() -> None:
    cookie = f"solara-session-id=abc; ammsim_viz_8765={TOKEN}"
    start, body = _call("http", cookie=cookie)
    assert (start["status"], body["body"]) == (200, b"inside")
    assert all(name != b"set-cookie" for name, _ in start["headers"])
    assert _call("websocket", cookie=cookie) == [{"type": "websocket.accept"}]


def test_no_token_a_wrong_one_or_another_ports_cookie_is_refused() -> None:
    wrong = [
        ("", None),
        ("token=", None),
        (f"token={TOKEN[:-1]}", None),
        (f"token={TOKEN}x", None),
        ("", f"ammsim_viz_8766={TOKEN}"),  # another viz server's cookie
        ("", "ammsim_viz_8765=guess"),
        ("", 'bad"cookie'),
    ]
    for query, cookie in wrong:
        start, body = _call("http", query, cookie)
        assert (start["status"], body["body"]) == (403, REFUSED), (query, cookie)
        assert _call("websocket", query, cookie) == [{"type": "websocket.close", "code": 1008}]


def test_the_servers_own_lifespan_passes() -> None:
    assert _call("lifespan") == [{"type": "lifespan.startup.complete"}]


def test_tokens_are_fresh_and_long() -> None:
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50 and min(map(len, tokens)) >= 32
