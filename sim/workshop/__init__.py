"""The classroom workshop: a room of people plays the groups of a scenario, one firm each.

:mod:`~sim.workshop.workshop` runs a session (one live run per group, driven from the
participants' phones), :mod:`~sim.workshop.vote` the groups' reglamento vote,
:mod:`~sim.workshop.debrief` the reveal, the comparisons and the export afterwards. Imports
:mod:`sim.model` and :mod:`sim.results`; the pages are in ``dashboards/workshop_app.py``.
"""

# what a session's settings may take (whole numbers, both ends allowed): declared here, where nothing
# heavy is imported, so 'asocia workshop' checks its flags while parsing, before NumPy and pandas load
LIMITS = {"groups": (1, 12), "seats": (1, 40), "round_seconds": (1, 3600), "idle_rounds": (0, 100),
          "seed": (0, 2**63 - 1)}
