"""Policy analysis on synthetic stores with planted answers: robustness, stable discovery, CART."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiments.discovery import discover, discover_frame, format_discovery
from sim.experiments.experiment import load_experiment
from sim.experiments.robustness import from_store, robustness
from sim.experiments.sweepstore import SweepStore

ROOT = Path(__file__).resolve().parent.parent
BASELINE = (ROOT / "scenarios" / "baseline.toml").as_posix()

CROSSED = ('"facilitator.schedule" = { levels = ["none", "taper", "permanent"] }\n'
           '"sanctions.fine" = { levels = [0.0, 10.0] }\n'
           '"population.oportunista" = { range = [0.0, 0.4] }\n'
           '"lifecycle.tc_base" = { range = [0.5, 4.0] }\n')


def crossed(tmp_path, samples=40, reps=4, seed=3, name="policy.toml", factors=CROSSED, design="crossed"):
    path = tmp_path / name
    path.write_text(f'[experiment]\nscenario = "{BASELINE}"\ndesign = "{design}"\nsamples = {samples}\n'
                    f"replications = {reps}\nseed = {seed}\nsteps = 5\n"
                    'outcomes = ["survival", "income_gain", "facilitator_meetings", "programme_cost"]\n'
                    "[factors]\n" + factors)
    return load_experiment(path)


def store_of(folder, exp, fn):
    """A sweep store whose outcomes are ``fn(values, rng)``, rng seeded by the run's own seed."""
    plan = exp.plan()
    store = SweepStore.create_or_open(folder, exp, plan)
    rows = [{"point": r.point, "rep": r.rep, "seed": r.seed,
             **{f"outcome.{k}": v for k, v in fn(plan.values[r.point], np.random.default_rng(r.seed)).items()}}
            for r in plan.runs]
    df = pd.DataFrame(rows)
    for _, chunk in df.groupby(df.index // 200):
        store.write_batch(chunk.reset_index(drop=True))
    store.flush()
    store.unlock()
    return folder


COST = {"none": 0.0, "taper": 40.0, "permanent": 104.0}


def planted(v, rng):
    """The planted answer: taper with a fine succeeds in every context; permanent does too, at a
    higher cost; without a facilitator groups fail when opportunists pass 0.2; without a fine
    members earn less than alone when transaction costs pass 2."""
    alive = v["facilitator.schedule"] != "none" or v["population.oportunista"] < 0.2
    gain = 0.05 if v["sanctions.fine"] > 0 or v["lifecycle.tc_base"] < 2.0 else -0.03
    return {"survival": float(alive) * (0.9 + 0.1 * rng.random()), "income_gain": gain + 0.01 * rng.normal(),
            "facilitator_meetings": COST[v["facilitator.schedule"]]}


def test_robustness_ranks_the_planted_robust_policy_first(tmp_path):
    exp = crossed(tmp_path)
    rob = from_store(store_of(tmp_path / "s", exp, planted))
    t = rob.table
    assert rob.contexts == 40 and rob.levers == ["facilitator.schedule", "sanctions.fine"]
    assert len(t) == 6 and list(t["rank"]) == [1, 2, 3, 4, 5, 6]
    first, second = t.iloc[0], t.iloc[1]
    # both facilitated policies with a fine succeed everywhere; the cheaper one ranks first
    assert (first["facilitator.schedule"], first["sanctions.fine"]) == ("taper", 10.0)
    assert (second["facilitator.schedule"], second["sanctions.fine"]) == ("permanent", 10.0)
    assert first["satisficing"] == second["satisficing"] == 1.0
    assert first["cost"] == pytest.approx(40.0) and second["cost"] == pytest.approx(104.0)
    assert list(rob.robust["facilitator.schedule"]) == ["taper", "permanent"]
    # no facilitator and no fine: succeeds only where oportunistas < 0.2 and tc_base < 2 (about 1/4)
    worst = t.set_index(["facilitator.schedule", "sanctions.fine"]).loc[("none", 0.0)]
    assert 0.1 < worst["satisficing"] < 0.45 and not worst["robust"]
    assert worst["satisficing_lo"] < worst["satisficing"] < worst["satisficing_hi"]
    assert worst["regret_gain_max"] == pytest.approx(0.08, abs=0.04)
    assert first["regret_gain_max"] < 0.05
    assert t["best_share"].sum() == pytest.approx(1.0) and first["best_share"] + second["best_share"] > 0.95


def test_robustness_needs_levers_and_shared_contexts(tmp_path):
    runs = pd.DataFrame({"point": [0, 1], "rep": [0, 0], "outcome.survival": [1.0, 0.0],
                         "outcome.income_gain": [0.1, 0.1]})
    design = pd.DataFrame({"point": [0, 1], "rules.monitoring": [0.1, 0.5]})
    assert robustness(runs, design, [], ["rules.monitoring"]) is None          # no lever
    assert robustness(runs, design, ["rules.monitoring"], []) is None          # one context only
    assert robustness(runs.drop(columns="outcome.survival"), design, ["rules.monitoring"], []) is None
    # sampled levers and uncertainties: each point its own policy in its own context
    rng = np.random.default_rng(0)
    design = pd.DataFrame({"point": range(20), "rules.monitoring": rng.random(20), "trust.initial": rng.random(20)})
    runs = pd.DataFrame({"point": range(20), "rep": 0, "outcome.survival": 1.0, "outcome.income_gain": 0.1})
    assert robustness(runs, design, ["rules.monitoring"], ["trust.initial"]) is None


LHS = ('"rules.monitoring" = { range = [0.0, 1.0] }\n'
       '"sanctions.fine" = { range = [0.0, 20.0] }\n'
       '"population.oportunista" = { range = [0.0, 0.4] }\n'
       '"trust.initial" = { range = [0.2, 0.6] }\n')


def noisy_box(v, rng):
    """Runs succeed with probability 0.9 inside monitoring >= 0.6 and fine <= 12, 0.1 outside."""
    inside = v["rules.monitoring"] >= 0.6 and v["sanctions.fine"] <= 12
    ok = rng.random() < (0.9 if inside else 0.1)
    return {"survival": 1.0 if ok else 0.0, "income_gain": 0.05, "facilitator_meetings": 0.0}


def test_two_root_seeds_discover_the_same_box(tmp_path):
    boxes = []
    for seed in (11, 12345):
        exp = crossed(tmp_path, samples=400, reps=5, seed=seed, name=f"lhs{seed}.toml", factors=LHS,
                      design="lhs")
        d = discover(store_of(tmp_path / f"s{seed}", exp, noisy_box))
        box = d.boxes[0]
        assert box.is_rule and box.density >= 0.8 and box.coverage >= 0.7
        assert set(box.limits) == {"rules.monitoring", "sanctions.fine"}
        stab = {r.key: r.stability for r in box.restrictions}
        assert stab["rules.monitoring"] >= 0.8 and stab["sanctions.fine"] >= 0.8
        boxes.append(box.limits)
        text = format_discovery(d)
        assert "stability of box 1" in text and "CART leaf 1" in text
        assert d.cart and {r.key for r in d.cart[0].restrictions} == {"rules.monitoring", "sanctions.fine"}
    a, b = boxes
    assert abs(a["rules.monitoring"][0] - b["rules.monitoring"][0]) <= 0.05
    assert abs(a["sanctions.fine"][1] - b["sanctions.fine"][1]) <= 1.0
    for limits in boxes:  # rounded to 1/100 of the explored range
        assert limits["rules.monitoring"][0] == round(limits["rules.monitoring"][0], 2)
        assert limits["sanctions.fine"][1] == round(limits["sanctions.fine"][1], 1)


def test_a_box_below_the_target_density_is_a_candidate_not_a_rule():
    rng = np.random.default_rng(1)
    design = pd.DataFrame({"point": range(300), "rules.monitoring": rng.random(300)})
    # at most 60 % succeed anywhere: no box reaches 80 %
    p = np.where(design["rules.monitoring"] > 0.5, 0.6, 0.1)
    runs = pd.DataFrame({"point": np.repeat(design["point"], 3), "rep": np.tile([0, 1, 2], 300)})
    runs["outcome.survival"] = (rng.random(900) < np.repeat(p, 3)).astype(float)
    runs["outcome.income_gain"] = 0.1
    d = discover_frame(design, runs, ["rules.monitoring"], {"density": 0.8}, resamples=0)
    assert d.boxes and not d.boxes[0].is_rule and len(d.boxes) == 1
    assert "candidate" in d.boxes[0].text() and "target density of 80 %" in d.note


def test_cost_is_the_programme_money_when_kept(tmp_path):
    exp = crossed(tmp_path, samples=6, reps=2)
    rob = from_store(store_of(tmp_path / "s", exp, lambda v, rng: {
        **planted(v, rng), "programme_cost": 700.0 if v["facilitator.schedule"] == "none" else 100.0}))
    assert rob.cost == "programme_cost"
    assert set(rob.table.set_index("facilitator.schedule")["cost"].groupby(level=0).first()) == {700.0, 100.0}


def test_a_rule_must_lift_density_even_when_most_points_already_succeed():
    rng = np.random.default_rng(2)
    design = pd.DataFrame({"point": range(200), "rules.monitoring": rng.random(200)})
    runs = pd.DataFrame({"point": design["point"], "rep": 0, "outcome.income_gain": 0.1,
                         "outcome.survival": (design["rules.monitoring"] > 0.15).astype(float)})
    d = discover_frame(design, runs, ["rules.monitoring"], {"density": 0.8}, resamples=0)
    base = d.successes / d.points
    assert base > 0.8  # the whole space already reaches the target density
    box = d.boxes[0]  # so a rule must close half the gap to 100 %
    assert box.is_rule and box.density >= (1 + base) / 2 and 0.05 <= box.limits["rules.monitoring"][0] <= 0.2
    assert "already" in d.note
