"""`ammsim viz SCENARIO`: a live web dashboard (Solara, on Mesa's model) served on this machine.

The dashboard app is `sim.viz.dashboard`. It is served by solara's own Starlette app under
uvicorn, in this process, configured through solara's environment settings before solara is
imported:

- `SOLARA_ASSETS_PROXY=true`: page assets (Vue, Vuetify, require.js, fonts) are served by the
  server itself from the `solara-assets` package (installed under `<prefix>/share/solara/cdn`);
- `SOLARA_ASSETS_CDN=http://127.0.0.1:9/`: should an asset ever be missing there, the server's
  fallback fetch goes nowhere rather than to the public CDN;
- `SOLARA_TELEMETRY_MIXPANEL_ENABLE=false` and production mode: no telemetry, no version check.

So the dashboard works offline and no request leaves the machine. And only whoever has the
printed URL gets in: it carries a random token that every request must show (`viz_token`).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import os
import socket
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

from sim.cli.allow import add_allow_flag
from sim.cli.exits import EXIT_OK
from sim.errors import UserInputError

OFFLINE_ENV = {
    "SOLARA_ASSETS_PROXY": "true",
    "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    "SOLARA_MODE": "production",
    "SOLARA_THEME_SHOW_BANNER": "false",
}
"""Solara settings (read from the environment at import) that keep every request local."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `viz` subcommand."""
    p = sub.add_parser(
        "viz",
        help="live web dashboard of a scenario (sliders, step/play/reset, plots)",
        description="Serve an interactive dashboard of SCENARIO on this machine (works offline). "
        "Open the printed URL in a browser; Ctrl-C stops the server.",
    )
    p.add_argument("scenario", help="scenario file, or the name of a bundled scenario")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    p.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a scenario field")
    p.add_argument(
        "--ab",
        action="append",
        metavar="PATH=VALUE",
        help="A/B mode: run a second copy (B), same seed, with this field changed, stepped in "
        "lockstep with the first (A) and drawn on the same plots (repeatable)",
    )
    add_allow_flag(p)
    p.set_defaults(handler=cmd_viz)


def _check_port(host: str, port: int) -> None:
    """Fail with a user error (exit 2) when the address cannot be bound."""
    if not 0 < port < 65_536:
        raise UserInputError(f"--port must be between 1 and 65535, got {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise UserInputError(f"--host {host!r}: {err.strerror}") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise UserInputError(
                    f"port {port} on {host} is in use; pick another with --port"
                ) from None
            raise UserInputError(f"cannot listen on {host}:{port}: {err.strerror}") from None


def _server_class() -> type:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn, stopping at the first Ctrl-C: open browser sessions are not waited for."""

        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            self.force_exit = True
            # skipping the graceful wait cancels the app's lifespan task: not an error to show
            logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)

    return Server


def _ab_changes(
    scenario: str, sets: dict[str, Any], items: list[str] | None, allow: list[str]
) -> dict[str, Any]:
    """The `--ab` changes, parsed and checked as `--set` is (a bad one is exit 2 naming it)."""
    from sim.errors import ScenarioError
    from sim.scenario.paths import parse_sets
    from sim.scenario.scenario import load_scenario

    if not items:
        return {}
    try:
        ab = parse_sets(items)
        load_scenario(scenario, {**sets, **ab}, allow=allow)
    except (ScenarioError, UserInputError) as err:
        raise UserInputError(f"--ab: {str(err).replace('--set ', '')}") from None
    return ab


def cmd_viz(args: argparse.Namespace) -> int:
    from sim.scenario.paths import parse_sets
    from sim.scenario.scenario import load_scenario

    sets = parse_sets(args.set)
    allow = [str(Path(d).resolve()) for d in args.allow_path]
    sc = load_scenario(args.scenario, sets, allow=allow)  # a bad scenario fails here, first
    ab = _ab_changes(args.scenario, sets, args.ab, allow)
    source = str(sc.source) if sc.source else args.scenario
    _check_port(args.host, args.port)

    os.environ.update(OFFLINE_ENV)
    os.environ["AMMSIM_VIZ_SCENARIO"] = source
    os.environ["AMMSIM_VIZ_SETS"] = json.dumps(sets)
    os.environ["AMMSIM_VIZ_AB"] = json.dumps(ab)
    os.environ["AMMSIM_VIZ_ALLOW"] = json.dumps(allow)
    os.environ["SOLARA_APP"] = "sim.viz.dashboard"
    os.environ["SERVER_NAME"] = args.host
    os.environ["SERVER_PORT"] = str(args.port)

    import solara.server.settings as solara_settings  # reads the environment set above

    cdn = Path(solara_settings.assets.proxy_cache_dir)
    if not (cdn / "@widgetti").is_dir():
        raise UserInputError(
            f"solara's page assets are not installed (no {cdn}/@widgetti): "
            "pip install solara-assets (same version as solara)"
        )
    import uvicorn

    # solara warns on each page load over plain http that is not "localhost": not our case to fix
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    from solara.server.starlette import app

    from sim.cli.viz_token import TokenGate, new_token

    token = new_token()
    gated = TokenGate(app, token, args.port)
    config = uvicorn.Config(gated, host=args.host, port=args.port, log_level="warning")
    server = _server_class()(config)
    host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{host}:{args.port}/?token={token}"
    mode = f" (A/B: {', '.join(args.ab)})" if ab else ""
    print(f"ammsim viz: {sc.scenario.name}{mode} at {url}  (Ctrl-C to stop)")
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
        server.run()
    print("ammsim viz: stopped")
    sys.stdout.flush()
    sys.stderr.flush()
    if any(t.is_alive() for t in threading.enumerate() if t is not threading.main_thread()):
        # a browser session's worker thread (e.g. Play) would keep the interpreter from exiting,
        # and a daemon one (the dashboard's Play and redraw threads) can crash its finalisation
        os._exit(EXIT_OK)
    return EXIT_OK
