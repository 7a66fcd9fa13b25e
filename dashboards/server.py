"""The dashboard's web server: Solara's app served by uvicorn, kept on this machine and guarded.

``asocia dashboard`` (and the browser tests, through devserver.py) start the dashboard here
rather than through ``solara run``, so that what the server does is decided in code, not left
to the user's environment:

* **Nothing leaves the machine.** Solara's start-up version check against the package index is
  never called (it lives in ``solara run`` only), its usage telemetry (Mixpanel, with a public-IP
  lookup) is switched off in its settings before the server starts, and its asset route
  ``/_solara/cdn/`` serves only the files installed with ``solara-assets``: a file not installed
  gets 404 here instead of being fetched from cdn.jsdelivr.net.
* **Host and Origin are checked** on every HTTP request and WebSocket: the Host header must be
  ``localhost`` or an IP address (a DNS-rebinding page reaches the server under its own domain
  name, which is refused), and a request that carries an Origin must come from the page the
  server itself serves (a cross-site WebSocket from another tab is refused with 403).
* **Bound to localhost** unless ``allow_remote`` is given explicitly; then a warning names the
  addresses the dashboard is reachable on.
* **SIGTERM and Ctrl-C stop it**: uvicorn runs in this process (no child process left behind)
  and closes open sessions within a few seconds.
"""

from __future__ import annotations

import ipaddress
import os
import sys
import threading
import webbrowser
from pathlib import Path
from urllib.parse import urlsplit

APP = Path(__file__).resolve().parent / "app.py"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
CDN = "/_solara/cdn/"
SHUTDOWN_GRACE = 3  # seconds uvicorn waits for open WebSockets to close on SIGTERM


def _hostname(value: str) -> str:
    """The host part of a Host header or URL netloc (without port or IPv6 brackets)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def host_allowed(host: str, extra: tuple[str, ...] = ()) -> bool:
    """Whether a Host header names this machine: localhost, an IP literal, or an allowed name.

    DNS rebinding serves an attacker's page under the attacker's own domain name, resolved to
    127.0.0.1 later; the browser then sends that name as Host, so refusing names other than
    ``localhost`` (and any the user allowed) refuses the attack.
    """
    name = _hostname(host)
    if not name:
        return False
    if name in ("localhost",) or name in {_hostname(e) for e in extra}:
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def origin_allowed(origin: str | None, host: str) -> bool:
    """Whether a request's Origin is the dashboard's own page (or absent, as for non-browsers)."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.strip().lower()


class GuardMiddleware:
    """ASGI middleware refusing requests whose Host or Origin is not this dashboard's own."""

    def __init__(self, app, extra_hosts: tuple[str, ...] = (), assets: Path | None = None):
        """Wrap ``app``; ``extra_hosts`` are names accepted as Host besides localhost and IPs.

        ``assets`` is the folder of installed front-end files behind ``/_solara/cdn/``.
        """
        self.app = app
        self.extra_hosts = tuple(extra_hosts)
        self.assets = assets

    def _installed(self, path: str) -> bool:
        """Whether a ``/_solara/cdn/`` file is installed (Solara would otherwise download it)."""
        rel = path[len(CDN):]
        parts = [p for p in rel.split("/") if p]
        if self.assets is None or not parts or ".." in parts:
            return False
        file = self.assets.joinpath(*parts)
        return (file / "__main.js").is_file() if len(parts) == 1 else file.is_file()

    async def __call__(self, scope, receive, send):
        """Pass the request on, or answer 403 (HTTP) / close before accepting (WebSocket)."""
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        ok = host_allowed(host, self.extra_hosts) and origin_allowed(headers.get("origin"), host)
        if ok and scope["type"] == "http" and scope["path"].startswith(CDN) and not self._installed(scope["path"]):
            return await _refuse(send, 404, b"not installed with solara-assets (not fetched from the internet)\n")
        if ok:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            await receive()  # the websocket.connect message
            await send({"type": "websocket.close", "code": 1008})
            return
        await _refuse(send, 403, b"request refused (Host or Origin is not this dashboard)\n")


async def _refuse(send, status: int, body: bytes) -> None:
    body = b"asocia dashboard: " + body
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def keep_local() -> None:
    """Switch off everything in Solara that would contact a service outside this machine."""
    import warnings

    import solara.server.settings as settings

    # Solara warns on every page load served under an IP address that its cookie cannot be
    # SameSite=None over plain http; lax is what a local dashboard wants
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    settings.telemetry.mixpanel_enable = False
    settings.main.mode = "production"
    settings.theme.show_banner = False  # the English "This website runs on Solara" over the charts
    settings.theme.title = "Asocia"
    # a closed browser tab frees its session after this long without a connection (a reload
    # within it reconnects to the same run; see app.py)
    settings.kernel.cull_timeout = "2m"


def is_local(host: str) -> bool:
    """Whether binding ``host`` serves only this machine."""
    return _hostname(host) in LOCAL_HOSTS or host.startswith("127.")


def build_app(extra_hosts: tuple[str, ...] = (), app: Path = APP):
    """Solara's ASGI app for ``app`` (default dashboards/app.py), behind :class:`GuardMiddleware`."""
    os.environ["SOLARA_APP"] = str(app)
    keep_local()
    import solara.server.settings as settings
    from solara.server.starlette import app

    return GuardMiddleware(app, extra_hosts, Path(settings.assets.proxy_cache_dir))


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True,
          allow_remote: bool = False, log_level: str = "warning", app: Path = APP,
          extra_hosts: tuple[str, ...] = ()) -> int:
    """Run the dashboard (or another Solara page, ``app``) until SIGTERM or Ctrl-C; returns the exit code.

    Raises:
        ValueError: ``host`` is not local and ``allow_remote`` is False, or the port is invalid.

    """
    if not 0 < port < 65536:
        raise ValueError(f"--port: got {port}; allowed: a whole number from 1 to 65535")
    if not is_local(host) and not allow_remote:
        raise ValueError(f"--host: got {host!r}; serving beyond this machine needs --allow-remote "
                         f"(allowed without it: {', '.join(LOCAL_HOSTS)})")
    import uvicorn

    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    asgi = build_app(extra_hosts, app)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/"
    if not is_local(host):
        print(f"asocia dashboard: WARNING: serving on {host}:{port}, reachable by every machine that "
              f"can reach this one on that address; anyone there can run and watch your sessions.",
              file=sys.stderr, flush=True)
    config = uvicorn.Config(asgi, host=host, port=port, log_level=log_level, access_log=False,
                            timeout_graceful_shutdown=SHUTDOWN_GRACE, lifespan="on")
    server = uvicorn.Server(config)
    print(f"asocia dashboard: serving {url} (Ctrl-C to stop)", flush=True)
    if open_browser:
        def opener():
            import time

            while not server.started and not server.should_exit:
                time.sleep(0.1)
            if server.started:
                webbrowser.open(url)
        threading.Thread(target=opener, daemon=True).start()
    server.run()
    return 0 if server.started else 1


def main(argv: list[str] | None = None) -> int:
    """``python -m dashboards.server [--host H] [--port N] [--no-open] [--allow-remote]``."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m dashboards.server")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--no-open", action="store_true")
    p.add_argument("--allow-remote", action="store_true")
    a = p.parse_args(argv)
    try:
        return serve(a.host, a.port, not a.no_open, a.allow_remote)
    except ValueError as e:
        print(f"asocia dashboard: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
