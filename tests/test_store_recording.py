"""What is recorded never changes what is measured: every outcome is the same whether the firms
table is kept in full, sampled or off (issue 16.5), so a sweep (table off) reproduces with
``asocia run`` (table full) and the dashboard."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import SCENARIOS

import sim
from sim.experiments.experiment import DERIVED_OUTCOMES, known_outcomes
from sim.model.profiles import NAMES

MODES = ("full", "sampled", "off")


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize(("scenario", "seed"), [("baseline.toml", 5), ("baseline.toml", 11),
                                                 ("large_cluster.toml", 3), ("no_rules.toml", 8),
                                                 ("dipat_consortium.toml", 2)])
def test_every_outcome_is_identical_with_the_firm_table_full_sampled_or_off(scenario, seed):
    base = sim.load_scenario(SCENARIOS / scenario, {"population.groups": 2})
    results = {m: sim.run(base.replace({"run.firm_table": m, "run.sample_every": 7}), seed=seed, steps=60)
               for m in MODES}
    assert len(results["full"].firms) > len(results["sampled"].firms) > 0 == len(results["off"].firms)
    full = results["full"].summary()
    # every outcome a sweep can keep is compared (the derived ones come from the steps table alone)
    assert set(full) == set(known_outcomes()) - set(DERIVED_OUTCOMES)
    assert {f"coop_{p}" for p in NAMES} <= set(full)
    for mode in ("sampled", "off"):
        other = results[mode].summary()
        assert set(other) == set(full)
        differ = {k: (full[k], other[k]) for k in full if not _same(full[k], other[k])}
        assert not differ, (mode, differ)
        cols = [c for c in results["full"].runs.columns if c.startswith("outcome.")]
        assert len(cols) == len(full)
        pd.testing.assert_frame_equal(results["full"].runs[cols], results[mode].runs[cols])
    # the by-profile outcome is the mean of the steps table's by-profile column
    steps = results["full"].steps
    assert full["coop_solido"] == pytest.approx(steps["coop_solido"].mean(), rel=1e-12)
