"""Design points played side by side: the scenario parameters that may differ between the replications of one batch.

A sweep plays many design points of a few replications each. Played one model per design point,
a point of 4 replications of 3 groups costs about 36 ms per replication on the benchmark machine,
against about 9 ms inside a batch of 50 (most of a small model's cost is per meeting, not per
group). So :func:`sim.results.run.run_batch` accepts one scenario per replication, and the model
reads the parameters listed in :data:`BATCHABLE` per group: a replication's tables are exactly
those of its scenario played alone (tests/test_batch.py checks every key).

A parameter is batchable when every place the model reads it takes one value per group. Adding
one: make each read go through ``AsociaModel._per_group`` (or index the per-replication values by
``rep_of``), add the key here, and tests/test_batch.py plays it mixed. The design points of a
sweep whose scenarios differ in any other parameter are played one batch per point, as before.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .vocabulary import NAMES

# what the shipped experiments vary (experiments/*.toml), the levers and conditions of a policy
# design: monitoring, sanctions, the facilitator's schedule, the profile mix, trust, costs, market
BATCHABLE = frozenset({
    "rules.monitoring",
    "sanctions.fine", "sanctions.expulsion_strikes",
    "trust.initial",
    "lifecycle.tc_base",
    "population.capacity_weak", "population.diversity",
    *(f"population.{name}" for name in NAMES),
    "export.lead_rate",
    "facilitator.trust_building", "facilitator.schedule", "facilitator.exit_at", "facilitator.taper_from",
})
# read only by the run/store layer (names and descriptions), never by the model
_LABELS = ("meta.",)


def differing(scenarios) -> dict[str, list[Any]]:
    """The parameters whose values differ between ``scenarios``, each with its value per scenario."""
    flats = [sc.flat() for sc in scenarios]
    first = flats[0]
    keys = sorted({k for f in flats[1:] for k in f if f[k] != first[k] and not k.startswith(_LABELS)})
    return {k: [f[k] for f in flats] for k in keys}


def not_batchable(scenarios) -> list[str]:
    """The differing parameters that cannot differ within one batch (empty: they can share one model)."""
    return [k for k in differing(scenarios) if k not in BATCHABLE]


def per_group(scenarios, groups_per_rep: int) -> dict[str, np.ndarray]:
    """Each differing parameter's value per group of a batch (replication ``r`` holds a block of groups).

    Raises:
        ValueError: a parameter outside :data:`BATCHABLE` differs.

    """
    bad = not_batchable(scenarios)
    if bad:
        raise ValueError("the replications of one batch may differ only in "
                         f"{', '.join(sorted(BATCHABLE))}; these differ too: {', '.join(bad)}")
    return {k: np.repeat(np.asarray(v), groups_per_rep) for k, v in differing(scenarios).items()}
