"""The classroom workshop: a room of people plays the groups of a scenario, one firm each.

:mod:`~sim.workshop.workshop` runs a session (one live run per group, driven from the
participants' phones), :mod:`~sim.workshop.vote` the groups' reglamento vote,
:mod:`~sim.workshop.debrief` the reveal, the comparisons and the export afterwards. Imports
:mod:`sim.model` and :mod:`sim.results`; the pages are in ``dashboards/workshop_app.py``.
"""
