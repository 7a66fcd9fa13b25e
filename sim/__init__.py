"""Asocia: trust and cooperation in associative groups of small firms (MiPyMEs).

Public surface: :func:`load_scenario`, :class:`Scenario`, :class:`ScenarioError`, :func:`run`,
:class:`Results`, :class:`LiveRun` and the profiles and deciders in :mod:`sim.profiles`.
"""

from .run import LiveRun, Results, outcomes, run
from .scenario import Scenario, ScenarioError, load_scenario

__all__ = ["LiveRun", "Results", "Scenario", "ScenarioError", "load_scenario", "outcomes", "run"]
__version__ = "0.1.0"
