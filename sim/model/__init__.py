"""The model layer: one run's state and its meeting agenda, and nothing about storing or comparing runs.

:class:`AsociaModel` (in :mod:`sim.model.agenda`) holds the ``(groups, seats)`` arrays and plays one
meeting per ``step()``; the other modules are its parts: the scenario schema, the profiles and their
vocabulary, the games, trust, governance, the facilitator and its programme, the Mesa agent, seat
sums, the recorder that writes the tables and the narrative that writes the events' sentences.

This layer imports nothing from :mod:`sim.results`, :mod:`sim.experiments`, :mod:`sim.workshop` or
:mod:`sim.cli` (tests/test_layout.py checks it). ``AsociaModel`` is imported on first use, so that
the light modules here (``scenario``, ``vocabulary``) load without NumPy, pandas and Mesa.
"""

from __future__ import annotations

import importlib

__all__ = ["AsociaModel"]


def __getattr__(name: str):
    """Import ``AsociaModel`` from :mod:`sim.model.agenda` on first use."""
    if name != "AsociaModel":
        raise AttributeError(f"module 'sim.model' has no attribute {name!r}")
    value = importlib.import_module(".agenda", __name__).AsociaModel
    globals()[name] = value
    return value
