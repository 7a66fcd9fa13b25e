"""The ``asocia`` command line.

:mod:`~sim.cli.commands` holds the parser and the commands (run, compare, dashboard, ...), with the
experiment commands in :mod:`~sim.cli.experiment_cli` and the workshop's in :mod:`~sim.cli.workshop_cli`.

``sim.cli.main`` is the console script's entry point (``asocia = "sim.cli:main"``), imported from
:mod:`sim.cli.commands` on first use. Only light modules are imported at the top of these files, so
that ``asocia --help`` answers before NumPy, pandas and Mesa load; everything else is imported
inside the command that needs it.
"""

from __future__ import annotations

import importlib

__all__ = ["main"]


def __getattr__(name: str):
    """Import the entry point ``main`` from :mod:`sim.cli.commands` on first use."""
    if name != "main":
        raise AttributeError(f"module 'sim.cli' has no attribute {name!r}")
    value = importlib.import_module(".commands", __name__).main
    globals()[name] = value
    return value
