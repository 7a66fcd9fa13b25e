"""Reproducibility asserted over whole tables: one integer seed gives one set of tables, whichever
way the run is played (at once, meeting by meeting, with or without the firms table), and
replication seeds are derived from a root seed with SeedSequence.spawn."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model import AsociaModel
from sim.model.profiles import Scripted
from sim.results.seeds import replication_seeds, to_seed

STEPS = 40


def assert_same_tables(a: sim.Results, b: sim.Results) -> dict[str, int]:
    """Every table equal, column by column and row by row; returns the rows compared."""
    compared = {}
    for name in ("runs", "steps", "firms", "events"):
        x, y = getattr(a, name), getattr(b, name)
        pd.testing.assert_frame_equal(x, y, check_exact=True)
        compared[name] = len(x)
    return compared


def test_same_seed_gives_identical_tables(small):
    a = sim.run(small, seed=7, steps=STEPS)
    b = sim.run(small, seed=7, steps=STEPS)
    n = assert_same_tables(a, b)
    groups = small.population.groups
    assert n["runs"] == 1 and n["steps"] == groups * STEPS
    # every founder appears at every meeting until it leaves: far more than a handful of rows
    assert n["firms"] >= STEPS * groups * small.population.group_size // 2
    assert n["events"] >= 10
    assert a.manifest["seed"] == 7 and a.runs["seed"].iloc[0] == 7


def test_same_seed_identical_with_random_matching_and_scripted_partners(small):
    sc = small.replace({"joint_purchase.matching": "random", "lifecycle.consortium_at": 10, "lifecycle.patient": False})
    ids = AsociaModel(sc, seed=3).firm_id[0, :3].tolist()

    def play():
        return sim.run(sc, seed=3, steps=STEPS, deciders={i: Scripted("CDF") for i in ids})

    n = assert_same_tables(play(), play())
    assert n["steps"] == sc.population.groups * STEPS and n["firms"] > 0


def test_different_seeds_give_different_tables(small):
    a = sim.run(small, seed=1, steps=STEPS)
    b = sim.run(small, seed=2, steps=STEPS)
    for name in ("steps", "firms", "events"):
        with pytest.raises(AssertionError):
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    # the founders themselves differ (profiles, capacities, products are drawn from the seed)
    first = ["profile", "capacity", "product", "disposition"]
    fa = a.firms[a.firms["step"] == 0][first].reset_index(drop=True)
    fb = b.firms[b.firms["step"] == 0][first].reset_index(drop=True)
    assert not fa.equals(fb)


def test_default_seed_is_the_scenarios(small):
    n = assert_same_tables(sim.run(small, steps=10), sim.run(small, seed=small.run.seed, steps=10))
    assert n["steps"] == 10 * small.population.groups


def test_run_ignores_global_random_state(small):
    np.random.seed(0)
    random.seed(0)
    a = sim.run(small, seed=5, steps=20)
    np.random.seed(12345)
    random.seed(12345)
    np.random.random(100)
    b = sim.run(small, seed=5, steps=20)
    assert assert_same_tables(a, b)["steps"] == 20 * small.population.groups


def test_run_equals_live_run_played_meeting_by_meeting(small):
    whole = sim.run(small, seed=11, steps=STEPS)
    live = sim.LiveRun(small, seed=11)
    chunks_steps, chunks_events = [], []
    for _ in range(STEPS):
        live.advance(1)
        s, e = live.new_rows()
        assert len(s) == small.population.groups  # one new row per group per meeting
        chunks_steps.append(s)
        chunks_events.append(e)
    assert live.step == STEPS
    n = assert_same_tables(whole, live.results())
    assert n["steps"] == small.population.groups * STEPS
    # the rows handed out incrementally add up to the whole tables
    cols = [c for c in whole.steps.columns if c != "run"]
    inc = pd.concat(chunks_steps, ignore_index=True)
    pd.testing.assert_frame_equal(inc[cols], whole.steps[cols], check_exact=True)
    ev_cols = [c for c in whole.events.columns if c != "run"]
    inc_ev = pd.concat([e for e in chunks_events if len(e)], ignore_index=True)
    assert len(inc_ev) == len(whole.events)
    pd.testing.assert_frame_equal(inc_ev[ev_cols], whole.events[ev_cols], check_exact=True)


def test_live_run_in_uneven_chunks_equals_run(small):
    live = sim.LiveRun(small, seed=11)
    for n in (1, 7, 0, 12, 20):
        live.advance(n)
    n = assert_same_tables(sim.run(small, seed=11, steps=40), live.results())
    assert n["steps"] == 80


@pytest.mark.parametrize("mode", ["sampled", "off"])
def test_recording_less_does_not_change_the_run(small, mode):
    full = sim.run(small, seed=9, steps=STEPS)
    lean = sim.run(small.replace({"run.firm_table": mode, "run.sample_every": 5}), seed=9, steps=STEPS)
    pd.testing.assert_frame_equal(full.steps, lean.steps, check_exact=True)
    pd.testing.assert_frame_equal(full.events, lean.events, check_exact=True)
    if mode == "off":
        assert len(lean.firms) == 0
    else:
        kept = full.firms[full.firms["step"] % 5 == 0].reset_index(drop=True)
        assert sorted(lean.firms["step"].unique()) == list(range(0, STEPS, 5))
        pd.testing.assert_frame_equal(lean.firms, kept, check_exact=True)
        assert len(kept) > 0


# ---------------------------------------------------------------------- seeds
@pytest.mark.parametrize("bad", ["42", 42.0, True, b"42", [42]])
def test_model_refuses_seeds_that_are_not_integers(small, bad):
    with pytest.raises(TypeError, match="seed must be an int"):
        AsociaModel(small, seed=bad)


def test_run_refuses_a_string_seed(small):
    with pytest.raises(TypeError, match="seed must be an int"):
        sim.run(small, seed="42", steps=1)


@pytest.mark.parametrize("bad", ["42", 4.7, True])
def test_live_run_refuses_seeds_that_are_not_integers(small, bad):
    with pytest.raises(TypeError, match="seed must be an int"):
        sim.LiveRun(small, bad)


def test_numpy_integer_seed_is_the_same_seed(small):
    n = assert_same_tables(sim.run(small, seed=np.int64(42), steps=10), sim.run(small, seed=42, steps=10))
    assert n["steps"] == 10 * small.population.groups


def test_to_seed_converts_what_a_person_types():
    assert to_seed("42") == 42
    assert to_seed(" 7 ") == 7
    assert to_seed(42) == 42
    assert to_seed("0") == 0
    assert to_seed(str(2**63 - 1)) == 2**63 - 1


@pytest.mark.parametrize("bad", ["-1", "abc", "4.2", "", "1e3", True, str(2**63)])
def test_to_seed_refuses_what_is_not_a_seed(bad):
    with pytest.raises(ValueError, match="allowed: a whole number"):
        to_seed(bad, origin="dashboard seed")


def test_to_seed_message_names_its_origin():
    with pytest.raises(ValueError, match="^dashboard seed: 'x' is not a seed"):
        to_seed("x", origin="dashboard seed")


def test_replication_seeds_are_stable_distinct_and_prefix_independent():
    ten = replication_seeds(2024, 10)
    assert ten == replication_seeds(2024, 10)
    assert len(set(ten)) == 10
    assert all(isinstance(s, int) and 0 <= s < 2**32 for s in ten)
    for k in (1, 3, 7):
        assert replication_seeds(2024, k) == ten[:k]
    assert replication_seeds(2024, 100)[:10] == ten
    assert replication_seeds(2025, 10) != ten
    assert replication_seeds(2024, 0) == []


def test_replication_seeds_match_seedsequence_spawn():
    children = np.random.SeedSequence(7).spawn(4)
    want = [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
    assert replication_seeds(7, 4) == want


def test_a_replication_reruns_on_its_own(small):
    seeds = replication_seeds(1, 3)
    alone = sim.run(small, seed=replication_seeds(1, 3)[2], steps=15)
    n = assert_same_tables(sim.run(small, seed=seeds[2], steps=15), alone)
    assert n["steps"] == 15 * small.population.groups
