"""Serve a workshop session on a free localhost port, as ``asocia workshop --resume`` does.

Used by the browser tests (tests/test_workshop_browser.py) and the capacity benchmark
(benchmarks/workshop_capacity.py). The browser itself comes from dashboards/devserver.py.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from dashboards.devserver import free_port, running

ROOT = Path(__file__).resolve().parent.parent


class ServerURL(str):
    """The server's base URL, which also knows the server's process id (for CPU-time measurements)."""

    pid: int


@contextlib.contextmanager
def serve_workshop(folder: Path, code: str, port: int | None = None, timeout: float = 120.0, log=None):
    """Run ``asocia workshop --resume CODE`` on 127.0.0.1; yields the base URL (ending in '/', with ``.pid``)."""
    port = port or free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "sim.cli", "workshop", "--resume", code, "--dir", str(folder),
           "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = ServerURL(f"http://127.0.0.1:{port}/")
    url.pid = proc.pid  # the command serves in its own process, so this is the server
    with running(proc, url, "workshop", timeout):
        yield url
