"""Serve the dashboard on a free localhost port and open it in headless Chromium.

Used by the browser tests (tests/test_dashboard_browser.py) and the redraw benchmark
(benchmarks/dashboard_redraw.py): :func:`serve` starts the dashboard server (dashboards/server.py)
exactly as ``asocia dashboard`` does, optionally on another scenario folder, waits until it answers and
stops it afterwards; :func:`browser` launches Debian's ``/usr/bin/chromium`` through Playwright
(no browser download).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("ASOCIA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage"]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(scenarios: Path | None = None, port: int | None = None, timeout: float = 120.0, log=None,
          env: dict | None = None, proc_out: list | None = None):
    """Run the dashboard server; yields its URL.

    Args:
        scenarios: folder of scenario files to offer (default: the repository's scenarios/).
        port: port to listen on (default: a free one).
        timeout: seconds to wait for the server to answer.
        log: file object for the server's output (default: discarded).
        env: extra environment variables for the server process.
        proc_out: if given, the server's ``Popen`` is appended to it (to signal it in tests).

    """
    port = port or free_port()
    env = dict(os.environ, **(env or {}))
    env["PYTHONPATH"] = os.pathsep.join(x for x in (str(ROOT), env.get("PYTHONPATH", "")) if x)
    if scenarios is not None:
        env["ASOCIA_SCENARIOS"] = str(scenarios)
    cmd = [sys.executable, "-m", "dashboards.server", "--host", "127.0.0.1", "--port", str(port), "--no-open"]
    proc = subprocess.Popen(cmd, env=env, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    if proc_out is not None:
        proc_out.append(proc)
    url = f"http://127.0.0.1:{port}/"
    with running(proc, url, "dashboard", timeout):
        yield url


@contextlib.contextmanager
def running(proc: subprocess.Popen, url: str, what: str, timeout: float = 120.0):
    """Wait until the server ``proc`` answers on ``url`` (no proxy), then stop it when the block ends."""
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} server exited with code {proc.returncode}")
            try:
                with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{what} server did not answer on {url}") from None
                time.sleep(0.3)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def browser():
    """A headless Chromium (Debian's) driven by Playwright's sync API."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_dashboard(b, url: str, width: int = 1600, height: int = 1000, timeout: float = 90_000):
    """A new page on the dashboard, waited until the live charts are drawn."""
    # a context of its own (cookies: the Solara session), so a test can open more tabs in it
    page = b.new_context(viewport={"width": width, "height": height}, accept_downloads=True).new_page()
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot", timeout=timeout)
    page.wait_for_function("() => { const g = document.querySelector('.js-plotly-plot');"
                           " return g && g.data && g.data.length >= 27; }", timeout=timeout)
    return page
