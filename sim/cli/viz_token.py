"""The dashboard's door: every request must carry the token `ammsim viz` printed in its URL.

Solara (without solara-enterprise's OAuth, which needs an outside identity provider) serves
anyone who can reach the port, and on a shared machine that is every user of it. So the server
is wrapped in this ASGI gate: a request is let in when its query has `token=<token>` (the printed
URL), and that first page sets a cookie (HttpOnly, SameSite=Strict) that lets the page's own
assets and websocket in afterwards. Anything else gets 403 (a websocket: closed with 1008,
policy violation). The token is random per server start.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REFUSED = b"ammsim viz: open the URL printed in the terminal (it carries the access token)\n"


def new_token() -> str:
    """A fresh random token (192 bits), safe in a URL."""
    return secrets.token_urlsafe(24)


class TokenGate:
    """ASGI middleware admitting only requests that carry `token` (query or cookie)."""

    def __init__(self, app: ASGIApp, token: str, port: int) -> None:
        self.app = app
        self.token = token
        self.cookie = f"ammsim_viz_{port}"  # cookies ignore ports: one name per server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan: the server's own, not a request
            return
        in_query = self._matches(_query_token(scope))
        if not (in_query or self._matches(self._cookie_token(scope))):
            await _refuse(scope, send)
            return
        if in_query and scope["type"] == "http":
            send = self._setting_cookie(send)
        await self.app(scope, receive, send)

    def _matches(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def _cookie_token(self, scope: Scope) -> str | None:
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                try:
                    jar = SimpleCookie(value.decode("latin-1"))
                except CookieError:
                    continue
                if self.cookie in jar:
                    return jar[self.cookie].value
        return None

    def _setting_cookie(self, send: Send) -> Send:
        header = f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict".encode()

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {
                    **message,
                    "headers": [*message.get("headers", ()), (b"set-cookie", header)],
                }
            await send(message)

        return sending


def _query_token(scope: Scope) -> str | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
    return values[0] if values else None


async def _refuse(scope: Scope, send: Send) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": REFUSED})
