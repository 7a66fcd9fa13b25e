"""Where a browser's run waits across a reload, and when a closed session's run is let go.

A page reload (or a phone waking up) opens a new Solara kernel, and each kernel would start a
new run. :class:`Parking` keeps every session's state keyed by the browser's session cookie and
the kernel that owns it: a new page of the same browser adopts the state of a kernel that has no
page connected any more (a reload, a dropped connection), so the run, its charts and its edits
carry on. A second tab whose first tab is still open gets a run of its own.

A state whose kernel is gone and that nobody adopts within ``ttl`` seconds is dropped, so a
closed tab's run is freed; the play loop asks :meth:`Parking.active` and stops as soon as its
kernel is no longer the owner (adopted elsewhere) or has no page connected.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

PARK_TTL = 600.0  # s a closed session's run waits for its browser to come back


def kernel_connected(kernel_id: str) -> bool:
    """Whether a Solara kernel is open with at least one page connected."""
    from solara.server import kernel_context

    ctx = kernel_context.contexts.get(kernel_id)
    if ctx is None or ctx.closed_event.is_set():
        return False
    return kernel_context.PageStatus.CONNECTED in ctx.page_status.values()


def kernel_open(kernel_id: str) -> bool:
    """Whether a Solara kernel exists and is not closed (pages may be reconnecting)."""
    from solara.server import kernel_context

    ctx = kernel_context.contexts.get(kernel_id)
    return ctx is not None and not ctx.closed_event.is_set()


class Parking:
    """Every session's state, by browser session and owning kernel."""

    def __init__(self, ttl: float = PARK_TTL, connected: Callable[[str], bool] = kernel_connected,
                 alive: Callable[[str], bool] = kernel_open):
        """A registry; ``connected``/``alive`` tell whether a kernel has a page / is open."""
        self.ttl = ttl
        self.connected = connected
        self.alive = alive
        self.lock = threading.Lock()
        self._states: dict[int, dict[str, Any]] = {}  # id(state) -> {state, session, kernel, seen}

    def claim(self, session_id: str, kernel_id: str, make: Callable[[], Any]) -> tuple[Any, bool]:
        """The state for a new page: adopted from a disconnected kernel of this browser, or new.

        Returns:
            (state, adopted).

        """
        self.reap()
        with self.lock:
            mine = [e for e in self._states.values()
                    if e["session"] == session_id and e["kernel"] != kernel_id and not self.connected(e["kernel"])]
            if mine:
                entry = max(mine, key=lambda e: e["seen"])
                entry["kernel"], entry["seen"] = kernel_id, time.monotonic()
                return entry["state"], True
        state = make()
        with self.lock:
            self._states[id(state)] = {"state": state, "session": session_id, "kernel": kernel_id,
                                       "seen": time.monotonic()}
        return state, False

    def owns(self, state, kernel_id: str) -> bool:
        """Whether ``kernel_id`` still owns ``state`` and is open (else its play loop must stop)."""
        with self.lock:
            entry = self._states.get(id(state))
            return entry is not None and entry["kernel"] == kernel_id and self.alive(kernel_id)

    def active(self, state, kernel_id: str) -> bool:
        """Whether a play loop of ``kernel_id`` may go on: it owns the state and a page watches.

        A tab that is closed or loses its connection stops playing at once (the kernel itself
        is closed by Solara a little later); a reload then finds the run paused where it was.
        """
        return self.owns(state, kernel_id) and self.connected(kernel_id)

    def touch(self, state) -> None:
        """Note that the owning page is in use (a reload adopts the most recent state)."""
        with self.lock:
            entry = self._states.get(id(state))
            if entry is not None:
                entry["seen"] = time.monotonic()

    def reap(self) -> int:
        """Drop states whose kernel is gone for longer than ``ttl``; returns how many."""
        now = time.monotonic()
        dropped = 0
        with self.lock:
            for key, entry in list(self._states.items()):
                if self.alive(entry["kernel"]):
                    entry["gone_at"] = None
                    continue
                gone = entry.get("gone_at") or now
                entry["gone_at"] = gone
                if now - gone >= self.ttl:
                    del self._states[key]
                    dropped += 1
        return dropped

    def __len__(self) -> int:
        """States kept (live and parked)."""
        with self.lock:
            return len(self._states)

    def start_reaper(self, period: float = 30.0) -> None:
        """Reap every ``period`` seconds in a daemon thread (once per process)."""
        if getattr(self, "_reaper", None) is not None:
            return

        def loop():
            while True:
                time.sleep(period)
                self.reap()
        self._reaper = threading.Thread(target=loop, daemon=True, name="asocia-parking-reaper")
        self._reaper.start()
