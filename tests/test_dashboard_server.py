"""The dashboard server keeps to this machine: no outbound connection, Host and Origin checked,
localhost unless asked, and SIGTERM stops it (issue 16.6).

The outbound test runs the server with every proxy variable pointing at a local sink and with a
``sitecustomize`` that records each name the process resolves and each address it connects to;
a control process with the same set-up shows the recorder does catch a request to the package
index. The page is then loaded and played in headless chromium, which records every request it
makes off this machine.
"""

from __future__ import annotations

import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboards.devserver import CHROMIUM, browser, free_port, open_dashboard, serve  # noqa: E402
from dashboards.server import host_allowed, origin_allowed  # noqa: E402

ASOCIA = str(Path(sys.executable).with_name("asocia"))
LOCAL = ("127.0.0.1", "::1", "localhost", "0.0.0.0")

RECORDER = '''
import os, socket
_log = os.environ["ASOCIA_NET_LOG"]
_LOCAL = {"127.0.0.1", "::1", "localhost", "0.0.0.0", "", None}
def _note(kind, what):
    with open(_log, "a") as f:
        f.write(f"{os.getpid()} {kind} {what}\\n")
_gai = socket.getaddrinfo
def getaddrinfo(host, *a, **k):
    h = host.decode() if isinstance(host, bytes) else host
    if h not in _LOCAL and not str(h).startswith("127."):
        _note("resolve", h)
    return _gai(host, *a, **k)
socket.getaddrinfo = getaddrinfo
_connect = socket.socket.connect
def connect(self, address):
    if isinstance(address, tuple) and address[0] not in _LOCAL and not str(address[0]).startswith("127."):
        _note("connect", address)
    return _connect(self, address)
socket.socket.connect = connect
'''


def test_host_header_must_name_this_machine():
    for ok in ("127.0.0.1:8765", "localhost:8765", "[::1]:8765", "192.168.1.20:8765", "LOCALHOST"):
        assert host_allowed(ok), ok
    for bad in ("evil.example:8765", "127.0.0.1.nip.io:8765", "", "attacker.localhost.evil:80"):
        assert not host_allowed(bad), bad
    assert host_allowed("aula.local:8765", ("aula.local",))


def test_origin_must_be_the_dashboard_itself():
    assert origin_allowed(None, "127.0.0.1:8765")
    assert origin_allowed("http://127.0.0.1:8765", "127.0.0.1:8765")
    assert not origin_allowed("http://evil.example", "127.0.0.1:8765")
    assert not origin_allowed("http://localhost:8765", "127.0.0.1:8765")  # another origin
    assert not origin_allowed("null", "127.0.0.1:8765")


class _Sink(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        self.hits: list[bytes] = []
        sink = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.settimeout(2)
                try:
                    sink.hits.append(self.request.recv(200))
                except OSError:
                    sink.hits.append(b"")

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture()
def sink_env(tmp_path):
    """Environment that sends every proxied request to a local sink and records all sockets."""
    sink = _Sink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(RECORDER)
    log = tmp_path / "net.log"
    log.write_text("")
    proxy = f"http://127.0.0.1:{sink.server_address[1]}"
    env = {"HTTP_PROXY": proxy, "HTTPS_PROXY": proxy, "ALL_PROXY": proxy, "http_proxy": proxy,
           "https_proxy": proxy, "all_proxy": proxy, "NO_PROXY": "", "no_proxy": "",
           "ASOCIA_NET_LOG": str(log),
           "PYTHONPATH": os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    yield env, sink, log
    sink.shutdown()


def test_recorder_catches_an_outbound_request(sink_env):
    """The harness can fail: a request to the package index reaches the sink and the log."""
    env, sink, log = sink_env
    code = ("import requests\ntry:\n    requests.get('https://pypi.org/pypi/solara/json', timeout=3)\n"
            "except Exception:\n    pass")
    subprocess.run([sys.executable, "-c", code], env=dict(os.environ, **env), timeout=60, check=True)
    assert sink.hits, "the proxy sink saw nothing"
    assert "pypi.org" in log.read_text() or b"pypi.org" in b"".join(sink.hits)


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}")
def test_no_outbound_connection_from_server_or_page(sink_env, tmp_path):
    env, sink, log = sink_env
    offsite: list[str] = []
    with open(tmp_path / "server.log", "w") as out, serve(log=out, env=env) as url, browser() as b:
        page = open_dashboard(b, url, 1366, 768)
        page.on("request", lambda r: offsite.append(r.url) if not r.url.startswith(
            ("data:", "blob:", url.rstrip("/"))) else None)
        failed: list[str] = []  # e.g. the KaTeX files solara.Markdown asked for (404)
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.locator(".asocia-step").click()
        page.wait_for_function("() => document.querySelector('.js-plotly-plot').data[4].x.length >= 1")
        page.locator(".asocia-tab-explain").click()
        page.locator(".asocia-tab-compare").click()
        time.sleep(3)  # anything scheduled after start-up (telemetry is sent from a thread)
        page.reload()  # the run and its tab (Compare) come back
        page.wait_for_selector(".asocia-cmp-param", timeout=60_000)
        page.locator(".asocia-tab-run").click()
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        time.sleep(1)
    assert sink.hits == [], f"requests reached the proxy sink: {sink.hits[:3]}"
    assert log.read_text() == "", f"the server resolved or connected off this machine:\n{log.read_text()}"
    assert offsite == [], f"the page requested: {offsite[:5]}"
    assert failed == [], failed[:5]


def _handshake(port: int, host: str, origin: str | None) -> str:
    """Status line of a WebSocket handshake with the given Host and Origin."""
    lines = ["GET /jupyter/api/kernels/x/channels?session_id=y HTTP/1.1", f"Host: {host}",
             "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13",
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]
    if origin:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return s.recv(200).decode("latin-1").splitlines()[0]


def _get(url: str, headers: dict) -> int:
    req = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def _wait_up(port: int, proc, timeout: float = 180) -> None:
    # generous: a server started while other test processes compile the engine's kernels (a fresh
    # compile cache, e.g. after kernels.py changed) took over 60 s to answer on a busy 2-core machine
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "server exited"
        try:
            if _get(f"http://127.0.0.1:{port}/readyz", {}) < 500:
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("server did not answer")


def test_cross_site_requests_refused_and_sigterm_stops(tmp_path):
    """A page of another site cannot open the dashboard's WebSocket; SIGTERM ends the server."""
    port = free_port()
    proc = subprocess.Popen([ASOCIA, "dashboard", "--no-open", "--port", str(port)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_up(port, proc)
        here = f"127.0.0.1:{port}"
        assert _get(f"http://{here}/", {}) == 200
        assert _get(f"http://{here}/", {"Host": f"rebind.example:{port}"}) == 403  # DNS rebinding
        assert _get(f"http://{here}/", {"Origin": "http://evil.example"}) == 403
        assert " 403" in _handshake(port, here, "http://evil.example")  # cross-site WebSocket
        assert " 403" in _handshake(port, f"rebind.example:{port}", f"http://rebind.example:{port}")
        assert " 101" in _handshake(port, here, f"http://{here}")  # the page's own origin is let in
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=15)
        assert time.monotonic() - t0 < 10
        assert rc in (0, -signal.SIGTERM)  # uvicorn shuts down, then re-raises the signal it caught
        with socket.socket() as s:  # nobody listens on the port any more (TIME_WAIT aside)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_binding_beyond_localhost_needs_the_flag_and_warns(tmp_path):
    port = free_port()
    r = subprocess.run([ASOCIA, "dashboard", "--no-open", "--host", "0.0.0.0", "--port", str(port)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and "--allow-remote" in err[0] and "Traceback" not in r.stderr
    proc = subprocess.Popen([ASOCIA, "dashboard", "--no-open", "--host", "0.0.0.0", "--allow-remote",
                             "--port", str(port)], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _wait_up(port, proc)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        assert "WARNING" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.browser
def test_the_loading_screen_speaks_spanish_first():
    """Solara's "Loading resources" is replaced by the project's template (templates/index.html.j2)."""
    with serve() as url, browser() as b:
        page = b.new_page()
        page.goto(url)
        page.wait_for_function("window.app && window.app.loading_text !== undefined", timeout=30_000)
        assert page.evaluate("window.app.loading_text") == "Cargando… / Loading…"
