"""The experiment layer: many runs of a design, stored, analysed and reported.

:mod:`~sim.experiments.experiment` reads an experiment file (the design),
:mod:`~sim.experiments.sweep` plays it (Dask), :mod:`~sim.experiments.sweepstore` keeps the runs,
:mod:`~sim.experiments.sensitivity`, :mod:`~sim.experiments.discovery` and
:mod:`~sim.experiments.robustness` analyse them, :mod:`~sim.experiments.report` and
:mod:`~sim.experiments.export` write them out. Imports :mod:`sim.model` and :mod:`sim.results`.
"""
