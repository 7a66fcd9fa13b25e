"""The names of a run's steps columns and of its outcomes, from the vocabulary alone.

Light (NumPy at most; no pandas, Mesa or numba): an experiment file's ``outcomes`` and ``series``
are checked against these names (:func:`sim.experiments.experiment.known_outcomes`) by the sweep's
driver, which never plays a meeting. The recorder builds the steps table with exactly
:data:`STEP_COLUMNS` (:meth:`sim.model.recorder.Recorder.steps_frame`), and
:func:`sim.results.run.outcomes` and its batch twin return exactly :data:`OUTCOMES`, in this order;
tests/test_experiment.py compares both with a one-meeting run, and tests/test_registry.py with a
registered profile. A registered profile or game adds its own names (read from
:mod:`sim.model.vocabulary` when this module is imported, as the recorder does).
"""

from __future__ import annotations

from .programme import MILESTONES
from .vocabulary import GAMES, NAMES

GAME_INCOME = tuple(f"{g.name}_income" for g in GAMES)   # registered games (vocabulary.register_game)

STEP_COLUMNS = ["step", "group", "alive", "phase", "facilitator", "self_governance", "coordination",
                "members", "entries", "exits", "expulsions", "attendance", "trust", "cooperation",
                *(f"coop_{p}" for p in NAMES), "purchase_placed", "volume", "discount",
                "supplier_bill", "member_payments", "leads", "leads_routed", "leads_kept",
                "leads_missed", "quotas", "commissions", "fines", "promotion", "refunds", "fund",
                "conflicts", "violations", "furtive_acts", "detection", "transaction_cost",
                "leadership", "programme_cost", "facilitator_copay", "subsidy", "programme_left",
                "manager", "manager_pay", "manager_fund", "founders", "income_members", "income_alone", "income_gain",
                *GAME_INCOME]

# the keys of sim.results.run.outcomes (and Results.summary): the run's own, then the programme's
# (sim.model.programme.outcomes) and its milestones (sim.model.programme.milestones)
OUTCOMES = ("survival", "members", "trust", "cooperation", "income_gain", "exits", "expulsions", "entries",
            "conflicts", "violations", "furtive_acts", "dissolved_at", *(f"coop_{p}" for p in NAMES),
            "programme_end", "programme_cost", "facilitator_copay", "manager_cost",
            "alive_end", "cost_per_group_end", "cost_per_member_year_end", "self_governance_end",
            "alive_2y", "cost_per_group_2y", "cost_per_member_year_2y", "founders_kept", "founders_kept_y3",
            *(f"{m}_{what}" for m in MILESTONES for what in ("at", "share")))
