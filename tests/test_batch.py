"""A replication gives the same tables alone, inside a batch, in batches of any size (issue 13, item 2-3).

Every (replication, group) draws from its own stream at fixed places (sim/model/streams.py) and every sum
within a group is taken over that group alone, so these are exact equalities of whole tables.
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

import sim
from sim.results.seeds import replication_seeds

SEEDS = [3, 11, 12345]
run_module = importlib.import_module("sim.results.run")


def _same(a: sim.Results, b: sim.Results, tables=sim.Results.TABLES) -> None:
    for name in tables:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)


@pytest.mark.parametrize("path, steps", [
    ("scenarios/baseline.toml", 60),
    ("scenarios/rushed_formalisation.toml", 60),     # conflicts that erupt, pairs that walk out
    ("scenarios/dipat_consortium.toml", 60),         # founders drawn without repeated products
    ("scenarios/lab/strangers_pgg.toml", 10),        # re-matching across a replication's groups
    ("scenarios/lab/partners_punishment.toml", 10),  # peer punishment
])
def test_a_replication_in_a_batch_has_the_tables_of_its_run_alone(path, steps):
    sc = sim.load_scenario(path)
    batch = sim.run_batch(sc, SEEDS, steps=steps)
    assert [r.runs["seed"].iloc[0] for r in batch] == SEEDS
    for seed, res in zip(SEEDS, batch, strict=True):
        _same(sim.run(sc, seed=seed, steps=steps), res)


def test_the_size_of_the_batch_does_not_matter(monkeypatch):
    sc = sim.load_scenario("scenarios/baseline.toml")
    whole = sim.run_batch(sc, SEEDS + [7, 8], steps=30)
    monkeypatch.setattr(run_module, "BATCH_GROUPS", 2 * sc.population.groups)   # models of 2 replications
    cut = sim.run_batch(sc, SEEDS + [7, 8], steps=30)
    for a, b in zip(whole, cut, strict=True):
        _same(a, b)


def test_a_group_does_not_depend_on_how_many_groups_are_played():
    """Group g draws from the g-th child of its run's seed: groups 0-2 of a 5-group run equal a 3-group run."""
    sc = sim.load_scenario("scenarios/baseline.toml")
    three = sim.run(sc, seed=9, steps=40).steps
    five = sim.run(sc.replace({"population.groups": 5}), seed=9, steps=40).steps
    five = five[five["group"] < 3].reset_index(drop=True)
    pd.testing.assert_frame_equal(three.drop(columns="run"), five.drop(columns="run"), check_exact=True)


def test_tables_on_demand_skip_firm_rows_and_sentences_but_keep_the_outcomes():
    sc = sim.load_scenario("scenarios/baseline.toml")
    full = sim.run(sc, seed=4, steps=40)
    lean, = sim.run_batch(sc, [4], steps=40, tables=("runs", "steps"))
    assert lean.firms.empty and "message" not in lean.events
    _same(full, lean, ("runs", "steps"))


def test_replicate_uses_the_replication_seeds_of_its_root():
    sc = sim.load_scenario("scenarios/baseline.toml")
    reps = sim.replicate(sc, seed=77, reps=3, steps=5, tables=("runs", "steps"))
    assert [int(r.runs["seed"].iloc[0]) for r in reps] == replication_seeds(77, 3)


def test_bad_batch_requests_are_refused():
    sc = sim.load_scenario("scenarios/baseline.toml")
    with pytest.raises(ValueError, match="allowed"):
        sim.run_batch(sc, [1], steps=3, tables=("runs", "nonsense"))
    with pytest.raises(ValueError, match="steps"):
        sim.run_batch(sc, [1], steps=0)
    with pytest.raises(TypeError, match="seed"):
        sim.run_batch(sc, ["1"], steps=3)


# one design point per batchable parameter (the profile shares move together, summing to 1)
POINTS = [
    {"rules.monitoring": 0.9},
    {"sanctions.fine": 1.0},
    {"sanctions.expulsion_strikes": 2},
    {"trust.initial": 0.3},
    {"lifecycle.tc_base": 3.0},
    {"population.capacity_weak": 0.3},
    {"population.diversity": 0.8},
    {"population.santo": 0.05, "population.solido": 0.25, "population.tengo": 0.2, "population.oportunista": 0.5},
    {"export.lead_rate": 2.0},
    {"facilitator.trust_building": 0.0},
    {"facilitator.schedule": "abrupt", "facilitator.exit_at": 20},
    {"facilitator.schedule": "none"},
    {"facilitator.taper_from": 10, "facilitator.exit_at": 40},
]


def test_design_points_played_side_by_side_have_the_tables_of_their_runs_alone():
    """A batch of design points (one scenario per replication) gives each point's runs alone, exactly.

    Every parameter of sim.model.points.BATCHABLE differs in some point, and each point's run differs
    from the reference's, so a parameter read once for the whole batch would show.
    """
    from sim.model.points import BATCHABLE

    base = sim.load_scenario("scenarios/baseline.toml").replace({"population.groups": 2, "sanctions.fine": 6.0})
    assert set().union(*POINTS) == BATCHABLE
    scenarios = [base] + [base.replace(p) for p in POINTS]
    seeds = [5] * len(scenarios)   # the same seed: only the parameters tell the runs apart
    batch = sim.run_batch(scenarios, seeds, steps=80)
    reference = sim.run(base, seed=5, steps=80)
    for sc, res, point in zip(scenarios, batch, [{}] + POINTS, strict=True):
        alone = sim.run(sc, seed=5, steps=80)
        _same(alone, res)
        if point:
            assert not alone.steps.equals(reference.steps) or not alone.firms.equals(reference.firms), point


def test_a_batch_of_design_points_that_differ_elsewhere_is_refused():
    base = sim.load_scenario("scenarios/baseline.toml")
    other = base.replace({"population.group_size": 6, "rules.monitoring": 0.2})
    with pytest.raises(ValueError, match="these differ too: population.group_size"):
        sim.run_batch([base, other], [1, 2], steps=5)
    with pytest.raises(ValueError, match="2 scenarios for 3 seeds"):
        sim.run_batch([base, base], [1, 2, 3], steps=5)
    assert sim.run_batch(base, []) == [] and sim.run_batch([], []) == []


@pytest.mark.parametrize("path", ["scenarios/weak_firms.toml", "scenarios/facilitator_abrupt.toml"])
def test_outcomes_computed_for_the_whole_batch_equal_those_of_each_replications_tables(path):
    """The batch computes every replication's outcomes at once; each equals sim.outcomes of its own tables."""
    import numpy as np

    from sim.model import programme

    sc = sim.load_scenario(path)
    end = programme.planned_end(sc)
    batch = sim.run_batch(sc, list(range(40, 52)), tables=("runs", "steps"))
    dissolved = 0
    for res in batch:
        want = sim.outcomes(res.steps, programme_end=end, events=res.events)
        got = {k[len("outcome."):]: v for k, v in res.runs.iloc[0].items() if k.startswith("outcome.")}
        assert list(got) == list(want)
        for k, v in want.items():
            assert (np.isnan(v) and np.isnan(got[k])) or v == got[k], (k, v, got[k])
        dissolved += not np.isnan(want["dissolved_at"])
    assert dissolved > 0   # the case that needs the per-group minimum was exercised


def test_segment_sums_and_means_are_each_replications_own_numpy_reductions():
    """_Segments reduces replications of equal length together; every number is that of the slice alone."""
    rng = np.random.default_rng(5)
    sizes = [0, 7, 8, 9, 129, 312, 312, 1000, 9000, 0, 1, 129]
    bounds = list(zip(np.cumsum([0, *sizes[:-1]]).tolist(), np.cumsum(sizes).tolist(), strict=True))
    n = sum(sizes)
    x = rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 6, n)
    x[rng.random(n) < 0.01] = np.nan
    ints = rng.integers(-5, 50, n).astype(np.int32)
    mask = rng.random(n) < 0.7
    seg = run_module._Segments(bounds)
    for m in (None, mask):
        parts = [x[lo:hi] if m is None else x[lo:hi][m[lo:hi]] for lo, hi in bounds]
        clean = [np.where(np.isnan(p), 0.0, p) for p in parts]
        assert seg.plain_sum(x, m).tobytes() == np.array([p.sum() for p in parts]).tobytes()
        assert seg.sum(x, m).tobytes() == np.array([p.sum() for p in clean]).tobytes()
        want = [run_module._mean(p) for p in parts]
        assert np.array_equal(seg.mean(x, m), np.array(want, np.float64), equal_nan=True)
        with np.errstate(invalid="ignore"):
            want = [p.mean() if p.size else np.nan for p in parts]
        assert np.array_equal(seg.plain_mean(x, m), np.array(want), equal_nan=True)
        got = seg.int_sum(ints if m is None else np.where(m, ints, 0))
        assert got.tolist() == [int(ints[lo:hi][True if m is None else m[lo:hi]].sum()) for lo, hi in bounds]
    assert seg.count(mask).tolist() == [int(mask[lo:hi].sum()) for lo, hi in bounds]


def test_a_replications_tables_are_its_own_and_pickle_as_plain_results():
    import pickle

    sc = sim.load_scenario("scenarios/baseline.toml")
    a, b = sim.run_batch(sc, [5, 6], steps=20)
    pd.testing.assert_series_equal(pd.Series(a.summary()), pd.Series(sim.run(sc, seed=5, steps=20).summary()),
                                   check_exact=True)   # from the batch's outcomes
    before = b.steps.copy()
    a.steps.loc[:, "trust"] = -1.0        # copy-on-write: the batch and the other replication keep theirs
    pd.testing.assert_frame_equal(b.steps, before, check_exact=True)
    assert (sim.run_batch(sc, [5, 6], steps=20)[1].steps["trust"] == before["trust"]).all()
    assert a.summary()["trust"] == -1.0   # a table read (and changed): summary comes from the tables
    plain = pickle.loads(pickle.dumps(b))
    assert type(plain) is sim.Results
    _same(plain, b)


@pytest.mark.parametrize("groups", [1, 3])
def test_the_draws_kernels_read_are_contiguous_at_any_number_of_groups(groups):
    """What a compiled kernel reads from the draws is C-contiguous whether one group is played or many.

    numba compiles a kernel once per argument layout: a strided slice for many groups and a
    contiguous one for a single group (large_cluster) compiled the five kernels that read draws
    twice, about 6 CPU-s more on a fresh cache for the first run of the other size.
    """
    numba = pytest.importorskip("numba")
    from sim.model.streams import Draws

    draws = Draws([7, 8], groups, 5)
    for t in (0, 1, 9):   # the first block, a later meeting in it, the next block
        draws.meeting(t)
        for name, (_, width) in draws.layout.slots().items():
            for x in (draws.u(name, contiguous=True), draws.u1(name, contiguous=True)) if width == 1 else (
                    draws.u(name, contiguous=True),):
                assert x.flags.c_contiguous and numba.typeof(x).layout == "C", (name, t)
                assert np.array_equal(x, draws.u(name) if x.ndim == 2 else draws.u1(name)), (name, t)
            assert draws.u(name).shape[0] == 2 * groups


def test_a_kernel_that_reads_draws_is_compiled_once_for_one_group_and_many():
    """A one-group run after a three-group one adds no second compiled version of a kernel both play."""
    numba = pytest.importorskip("numba")
    from sim.model import kernels

    if numba.config.DISABLE_JIT:
        pytest.skip("nothing is compiled under NUMBA_DISABLE_JIT")

    def versions():
        return {name: len(k.signatures) for name, k in vars(kernels).items()
                if isinstance(k, numba.core.dispatcher.Dispatcher)}

    sim.run(sim.load_scenario("scenarios/baseline.toml"), seed=2, steps=12)
    before = versions()
    sim.run(sim.load_scenario("scenarios/large_cluster.toml"), seed=2, steps=12)
    after = versions()
    assert not [name for name, n in before.items() if n and after[name] > n]


def test_the_draws_read_by_name_are_the_groups_own_stream_at_the_layout_s_place():
    """``draws.u(name)`` and ``u1(name)`` read each group's own generator, ``Layout.size`` uniforms a
    meeting, ``name`` at its slot: the by-name copy of a block holds the stream's values in place."""
    from sim.model.streams import BLOCK, Draws, Layout, spawn

    seeds, groups, seats = [7, 8], 3, 5
    draws = Draws(seeds, groups, seats)
    slots, K = Layout(seats).slots(), Layout(seats).size
    # each group's stream: a block of BLOCK meetings of K uniforms, then BLOCK x 2 normals
    expected = []
    for seed in seeds:
        for gen in spawn(seed, groups)[1]:
            blocks = []
            for _ in range(2):
                blocks.append(gen.random((BLOCK, K)))
                gen.standard_normal((BLOCK, 2))
            expected.append(np.concatenate(blocks))
    expected = np.stack(expected)   # (groups of both seeds, meetings, K)
    for t in range(2 * BLOCK):
        draws.meeting(t)
        for name, (at, width) in slots.items():
            assert np.array_equal(draws.u(name), expected[:, t, at:at + width]), (name, t)
            assert np.array_equal(draws.u1(name), expected[:, t, at]), (name, t)
