"""Shared fixtures for the engine tests: paths and a small, fast version of the baseline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

import sim

# The property tests draw the same examples on every run ("ci", the default), so a red build means
# the code changed, not the draw: a randomly drawn case once failed one CI run out of many (the
# refund case in test_invariants.py). HYPOTHESIS_PROFILE=explore draws new examples each run, to
# hunt for such cases on purpose; a case it finds becomes a plain regression test.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

# Root of the claim tests' replication seeds (tests/test_claims.py, test_profile_claims.py,
# test_programme_claims.py, test_lab.py). CI uses 2026, the root every figure in docs/model.md was
# measured on. ASOCIA_CLAIMS_ROOT=<n> re-runs every claim on an independent set of seeds, to see
# whether a verdict depends on the draw (benchmarks/claims_robustness.py does it for several roots).
CLAIMS_ROOT = int(os.environ.get("ASOCIA_CLAIMS_ROOT", "2026"))
# ASOCIA_CLAIMS_SCALE=<k> plays k times as many seeds in every claim test (a larger sample's effect
# sizes, printed with pytest -s; CI uses 1).
CLAIMS_SCALE = int(os.environ.get("ASOCIA_CLAIMS_SCALE", "1"))


@pytest.fixture(scope="session")
def baseline() -> sim.Scenario:
    """The baseline scenario as shipped (3 groups of 8, 104 meetings)."""
    return sim.load_scenario(SCENARIOS / "baseline.toml")


@pytest.fixture(scope="session")
def small(baseline) -> sim.Scenario:
    """The baseline with 2 groups and 40 meetings: long enough to reach rules, sanctions and
    entries (the reglamento comes at meeting 13), short enough to run in a few milliseconds."""
    return baseline.replace({"population.groups": 2, "run.steps": 40})
