"""Claims about programme design as multi-seed tests with stated effect sizes (issue 12).

Each test plays arms of the baseline on the same replication seeds (``SeedSequence.spawn`` from
one root), 20 groups per run, and asserts an effect size with a margin and the direction in most
seeds. Measured values are printed (``pytest -s``) and recorded in docs/model.md §5. A claim the
model does not reproduce is marked ``xfail(strict=True)`` with the measured figure, not tuned.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.scenario import Scenario
from sim.seeds import replication_seeds

SEEDS = replication_seeds(2026, 6)
BASE = Scenario()
GROUPS = 20
ROOT = Path(__file__).resolve().parent.parent

# three ways of spending the same budget (the default [programme] budget)
TAPER = {}
ABRUPT = {"facilitator.schedule": "abrupt", "facilitator.exit_at": 5000, "facilitator.empowerment": 0.0}
LAST_DAY = {"facilitator.schedule": "permanent"}


def arm(overrides=None, *, groups=GROUPS, seeds=SEEDS):
    """Runs of the baseline with overrides, one per replication seed."""
    sc = BASE.replace({"population.groups": groups, "run.firm_table": "off", **(overrides or {})})
    return [sim.run(sc, seed=k) for k in seeds]


def per_seed(runs, fn):
    return np.array([fn(r) for r in runs], dtype=float)


def outcome(key):
    return lambda r: r.summary()[key]


def report(name, **values):
    print(f"\n[{name}] " + ", ".join(f"{k}={v:.3f}" for k, v in values.items()))


def year3(r, fn):
    st = r.steps
    return fn(st[(st.step >= 52) & (st.step < 78)])


@pytest.fixture(scope="module")
def designs():
    """The default budget spent three ways, on the same seeds."""
    return {"taper": arm(TAPER), "abrupt": arm(ABRUPT), "last_day": arm(LAST_DAY)}


@pytest.mark.slow
def test_programme_claim_01_taper_with_handover_beats_abrupt_exit(designs):
    """At equal budget, a gradual taper with hand-over leaves more groups alive than an abrupt exit.

    (004:L1091-1102.) The default budget spent two ways: the planned taper (full presence for a
    year, then a linear decline to meeting 52, tasks handed over as it steps back), and a
    facilitator who does the work herself and leaves at once when the money ends. Two years after
    each programme's end the taper keeps at least 0.15 more groups alive (measured 0.77 vs 0.58),
    never fewer in any seed, and costs less per group alive then (measured 896 vs 1196).
    """
    a_t, a_a = (per_seed(designs[k], outcome("alive_2y")) for k in ("taper", "abrupt"))
    c_t, c_a = (per_seed(designs[k], outcome("programme_cost")) for k in ("taper", "abrupt"))
    k_t, k_a = (per_seed(designs[k], outcome("cost_per_group_2y")) for k in ("taper", "abrupt"))
    report("programme claim 1", alive_2y_taper=a_t.mean(), abrupt=a_a.mean(), cost_taper=c_t.mean(),
           cost_abrupt=c_a.mean(), cost_per_alive_taper=k_t.mean(), abrupt_=k_a.mean())
    # equal budget: each design spends (almost) all of it (groups that dissolve spend less)
    budget = BASE.programme.budget
    assert all(abs(c.mean() - budget) <= 0.05 * budget for c in (c_t, c_a))
    assert a_t.mean() - a_a.mean() >= 0.15
    assert (a_t >= a_a).all()
    assert k_t.mean() < k_a.mean()


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "measured: alive two years after 0.767 (taper) vs 0.725 (to the last day), +0.042 (asserted "
    "+0.04, holds), cheaper per group alive (896 vs 953), but the taper is worse in 2 of 6 seeds "
    "(asserted never). Groups carried to the last day recover: after the exit self-governance "
    "grows at the full hand-over rate, and the trust the facilitator built carries them through"))
def test_programme_claim_02_taper_with_handover_beats_staying_to_the_last_day(designs):
    """At equal budget, a gradual taper leaves more groups alive than staying to the last day.

    (004:L1091-1102: "si el facilitador fracasa a este respecto, la supervivencia del grupo
    dependerá de su presencia".) The same budget spent on a facilitator at full presence (default
    empowerment) until the money ends: two years after each programme's end the taper keeps at
    least 0.04 more groups alive and is never worse in a seed.
    """
    a_t, a_l = (per_seed(designs[k], outcome("alive_2y")) for k in ("taper", "last_day"))
    k_t, k_l = (per_seed(designs[k], outcome("cost_per_group_2y")) for k in ("taper", "last_day"))
    report("programme claim 2", alive_2y_taper=a_t.mean(), last_day=a_l.mean(),
           cost_per_alive_taper=k_t.mean(), last_day_=k_l.mean())
    assert k_t.mean() < k_l.mean()
    assert a_t.mean() - a_l.mean() >= 0.04
    assert (a_t >= a_l).all()


@pytest.mark.slow
def test_programme_claim_03_manager_keeps_founders_through_year_3():
    """A manager hired at about 1.5 years keeps founders and shrinks the year-3 crisis.

    (004 Tabla 4; L1423-1429; L2683-2686.) The baseline with and without a manager paid from the
    group's fund, hired once the group coordinates a quarter of its work itself: at least 0.10
    more of the founding members are still members at the end of year 3 (measured 0.45 -> 0.60),
    joint purchases fail in year 3 at most half as often (measured 0.37 -> 0.17), and year 3
    holds a smaller share of all exits and expulsions (measured 0.52 -> 0.40).
    """
    without, with_ = arm({"manager.enabled": False}), arm()
    f_n, f_m = per_seed(without, outcome("founders_kept_y3")), per_seed(with_, outcome("founders_kept_y3"))

    def failed(r):
        return year3(r, lambda s: 1.0 - s[s.alive].purchase_placed.mean())

    def exit_share(r):
        st = r.steps
        gone = st.exits + st.expulsions
        return year3(r, lambda s: (s.exits + s.expulsions).sum()) / max(gone.sum(), 1)

    x_n, x_m = per_seed(without, failed), per_seed(with_, failed)
    e_n, e_m = per_seed(without, exit_share), per_seed(with_, exit_share)
    report("programme claim 3", founders_y3_without=f_n.mean(), with_manager=f_m.mean(),
           y3_failures_without=x_n.mean(), with_=x_m.mean(), y3_exit_share_without=e_n.mean(),
           with__=e_m.mean())
    assert f_m.mean() - f_n.mean() >= 0.10
    assert int((f_m > f_n).sum()) >= 5
    assert x_m.mean() <= 0.5 * x_n.mean()
    assert e_m.mean() < e_n.mean()


def test_programme_claims_are_documented():
    """docs/model.md §5 names every claim test of this file, and names none that is missing."""
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(test_programme_claim_\d+_[a-z0-9_]+)`", text))
    source = Path(__file__).read_text(encoding="utf-8")
    defined = set(re.findall(r"^def (test_programme_claim_\d+_[a-z0-9_]+)\(", source, flags=re.M))
    assert defined and named == defined
