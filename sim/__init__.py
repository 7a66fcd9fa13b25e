"""Asocia: trust and cooperation in associative groups of small firms (MiPyMEs).

Public surface: :func:`load_scenario`, :class:`Scenario`, :class:`ScenarioError`, :func:`run`,
:class:`Results`, :class:`LiveRun`, :func:`outcomes` and the profiles and deciders in
:mod:`sim.model.profiles`.

The names are imported on first use, so ``asocia --help`` answers before NumPy, pandas and Mesa
are loaded. ``sim.run`` is the function :func:`sim.results.run.run`. The code is in layers
(docs/architecture.md, "Layout"): :mod:`sim.model`, :mod:`sim.results`, :mod:`sim.experiments`,
:mod:`sim.workshop` and :mod:`sim.cli`.
"""

from __future__ import annotations

import importlib

__all__ = ["LiveRun", "Results", "Scenario", "ScenarioError", "load_scenario", "outcomes", "run"]
__version__ = "0.1.0"

_HOME = {"LiveRun": "results.run", "Results": "results.run", "outcomes": "results.run", "run": "results.run",
         "Scenario": "model.scenario", "ScenarioError": "model.scenario", "load_scenario": "model.scenario"}


def __getattr__(name: str):
    """Import a public name from its module on first use."""
    if name not in _HOME:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value
