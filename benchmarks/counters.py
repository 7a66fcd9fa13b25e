"""CPU-time counters put on functions for the length of a ``with`` block (the benchmarks' split of a run)."""

from __future__ import annotations

import contextlib
import time


@contextlib.contextmanager
def cpu_counters(targets):
    """Count the CPU time and calls of functions while the block runs, then put the functions back.

    ``targets``: ``(owner, name, key)`` triples; ``owner.name`` (a class's method or a module's
    function, taken from the owner's own ``__dict__``) is replaced by a wrapper that adds its CPU
    time to ``spent[key]`` and one to ``calls[key]``. Yields ``(spent, calls)``, filled as the
    block runs.
    """
    spent: dict[str, float] = {}
    calls: dict[str, int] = {}
    clock = time.process_time

    def counted(fn, key):
        def wrapper(*args, **kwargs):
            c0 = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] = spent.get(key, 0.0) + clock() - c0
                calls[key] = calls.get(key, 0) + 1
        return wrapper

    saved = []
    try:
        for owner, name, key in targets:
            fn = vars(owner)[name]
            saved.append((owner, name, fn))
            setattr(owner, name, counted(fn, key))
        yield spent, calls
    finally:
        for owner, name, fn in reversed(saved):
            setattr(owner, name, fn)


def clock_read() -> float:
    """The CPU time one ``time.process_time()`` read costs (what a counted call adds to its count)."""
    reads = [time.process_time() for _ in range(2001)]
    return (reads[-1] - reads[0]) / 2000
