"""Shared fixtures for the engine tests: paths and a small, fast version of the baseline."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def baseline() -> sim.Scenario:
    """The baseline scenario as shipped (3 groups of 8, 104 meetings)."""
    return sim.load_scenario(SCENARIOS / "baseline.toml")


@pytest.fixture(scope="session")
def small(baseline) -> sim.Scenario:
    """The baseline with 2 groups and 40 meetings: long enough to reach rules, sanctions and
    entries (the reglamento comes at meeting 13), short enough to run in a few milliseconds."""
    return baseline.replace({"population.groups": 2, "run.steps": 40})
