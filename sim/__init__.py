"""Asocia: trust and cooperation in associative groups of small firms (MiPyMEs).

Public surface: :func:`load_scenario`, :class:`Scenario`, :class:`ScenarioError`, :func:`run`,
:class:`Results`, :class:`LiveRun` and the profiles and deciders in :mod:`sim.profiles`.

The names are imported on first use, so ``asocia --help`` answers before NumPy, pandas and Mesa
are loaded. ``sim.run`` is the function :func:`sim.run.run`, as it always was: importing the
submodule ``sim.run`` (which Python records on the package) does not replace it.
"""

from __future__ import annotations

import importlib
import sys
import types

__all__ = ["LiveRun", "Results", "Scenario", "ScenarioError", "load_scenario", "outcomes", "replicate", "run",
           "run_batch"]
__version__ = "0.1.0"

_HOME = {"LiveRun": "run", "Results": "run", "outcomes": "run", "run": "run", "run_batch": "run", "replicate": "run",
         "Scenario": "scenario", "ScenarioError": "scenario", "load_scenario": "scenario"}


def __getattr__(name: str):
    """Import a public name from its module on first use."""
    if name not in _HOME:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """The package, keeping the public function ``run`` when the submodule ``run`` is imported."""

    def __setattr__(self, name, value):
        if name == "run" and isinstance(value, types.ModuleType):
            self.__dict__.pop("run", None)   # next access of sim.run imports the function
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
