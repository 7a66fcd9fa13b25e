"""The results layer: one run played to the end, its tables and outcomes, and its folder on disk.

:func:`sim.results.run.run` plays a scenario and returns :class:`~sim.results.run.Results`
(``LiveRun`` plays it meeting by meeting for the dashboard); :mod:`~sim.results.store` saves and
loads a run folder; :mod:`~sim.results.seeds` derives replication seeds; :mod:`~sim.results.lifetime`
measures what each founding firm earned over the whole horizon. Imports :mod:`sim.model` only.
"""
