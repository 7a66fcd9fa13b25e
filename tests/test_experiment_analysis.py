"""Sensitivity, scenario discovery and the report, on synthetic stores (known answers) and real sweeps."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.discovery import discover, format_discovery
from sim.experiments.experiment import load_experiment
from sim.experiments.report import build_html
from sim.experiments.sensitivity import analyse, format_table, main_effects
from sim.experiments.sweep import sweep
from sim.experiments.sweepstore import SweepStore

ROOT = Path(__file__).resolve().parent.parent
BASELINE = (ROOT / "scenarios" / "baseline.toml").as_posix()


FACTORS = ('"rules.monitoring" = { range = [0.0, 1.0] }\n'
           '"sanctions.fine" = { range = [0.0, 20.0] }\n')


def exp_file(tmp_path, design, samples, reps=3, steps=8, outcomes=None, factors=FACTORS):
    outs = outcomes or ["survival", "income_gain", "trust", "cooperation", "members"]
    path = tmp_path / f"{design}.toml"
    path.write_text(
        f'[experiment]\nscenario = "{BASELINE}"\ndesign = "{design}"\nsamples = {samples}\n'
        f"replications = {reps}\nseed = 5\nsteps = {steps}\noutcomes = {outs!r}\n".replace("'", '"')
        + "[factors]\n" + factors)
    return load_experiment(path)


def synthetic_store(folder, exp, outcome_fn):
    """A store whose outcomes are a known function of the factors and the replication."""
    plan = exp.plan()
    store = SweepStore.create_or_open(folder, exp, plan)
    rows = []
    for run in plan.runs:
        v = plan.values[run.point]
        rows.append({"point": run.point, "rep": run.rep, "seed": run.seed,
                     **{f"outcome.{k}": val for k, val in outcome_fn(v, run.rep).items()}})
    df = pd.DataFrame(rows)
    for _, chunk in df.groupby(df.index // 50):
        store.write_batch(chunk.reset_index(drop=True))
    store.flush()
    store.unlock()
    return folder


def test_sobol_indices_and_replication_variance_on_a_known_function(tmp_path):
    exp = exp_file(tmp_path, "sobol", 128, reps=4)
    noise = [-0.5, 0.5, -0.5, 0.5]  # seed effect: variance 0.25 within every design point

    def fn(v, rep):
        return {"survival": 4 * v["rules.monitoring"] + noise[rep], "income_gain": 0.1,
                "trust": v["sanctions.fine"] / 20 + v["rules.monitoring"], "cooperation": 0.5,
                "members": 8.0}

    res = analyse(synthetic_store(tmp_path / "s", exp, fn))
    t = res.table.set_index(["outcome", "factor"])
    assert res.method == "sobol" and set(t.columns) >= {"S1", "S1_conf", "ST", "ST_conf"}
    assert t.loc[("survival", "rules.monitoring"), "S1"] > 0.9
    assert abs(t.loc[("survival", "sanctions.fine"), "ST"]) < 0.05
    assert t.loc[("trust", "rules.monitoring"), "S1"] == pytest.approx(0.5, abs=0.1)
    n = res.noise.set_index("outcome")
    # Var(4U) = 16/12 between design points; the four replications +-0.5 have sample variance 1/3
    # (ddof = 1), and each point mean carries 1/3 / 4 of it: share = (1/3) / (1/3 + 16/12 - 1/12)
    assert n.loc["survival", "share_between_reps"] == pytest.approx((1 / 3) / (1 / 3 + 15 / 12), abs=0.03)
    assert (n["share_between_reps"] + n["share_design"]).to_numpy() == pytest.approx(1.0)
    assert any("income_gain" in note and "skipped" in note for note in res.notes)
    per = res.per_rep.set_index(["outcome", "factor"])
    assert per.loc[("survival", "rules.monitoring"), "reps"] == 4
    text = format_table(res)
    assert "survival" in text and "rules.monitoring" in text and "between replications" in text


def test_morris_ranks_the_influential_factor(tmp_path):
    exp = exp_file(tmp_path, "morris", 10, reps=2)
    res = analyse(synthetic_store(tmp_path / "m", exp, lambda v, r: {
        "survival": 3 * v["rules.monitoring"] + 0.01 * r, "income_gain": v["sanctions.fine"] / 100,
        "trust": 0.1 * r, "cooperation": 0.0, "members": 1.0}))
    t = res.table.set_index(["outcome", "factor"])
    assert res.method == "morris"
    assert t.loc[("survival", "rules.monitoring"), "mu_star"] == pytest.approx(3.0, rel=0.05)
    assert t.loc[("survival", "sanctions.fine"), "mu_star"] == pytest.approx(0.0, abs=1e-9)
    assert t.loc[("income_gain", "sanctions.fine"), "mu_star"] == pytest.approx(0.2, rel=0.05)


def test_main_effects_of_a_factorial_are_exact():
    x1, x2 = np.meshgrid([0, 1], [0, 1, 2], indexing="ij")
    X = np.c_[x1.ravel(), x2.ravel()]
    Y = 2.0 * X[:, 0]
    assert main_effects(X, Y) == pytest.approx([1.0, 0.0])


def test_discovery_finds_the_box_that_makes_groups_succeed(tmp_path):
    exp = exp_file(tmp_path, "lhs", 300, reps=2)
    folder = synthetic_store(tmp_path / "d", exp, lambda v, r: {
        "survival": 1.0 if v["rules.monitoring"] > 0.6 else 0.0,
        "income_gain": 0.05 if v["sanctions.fine"] < 12 else -0.02,
        "trust": 0.5, "cooperation": 0.5, "members": 8.0})
    d = discover(folder)
    truth = sum(1 for v in exp.plan().values if v["rules.monitoring"] > 0.6 and v["sanctions.fine"] < 12)
    assert d.successes == truth and d.points == 300
    box = d.boxes[0]
    assert box.density >= 0.8 and box.coverage >= 0.8
    lo_mon = box.limits["rules.monitoring"][0]
    hi_fine = box.limits["sanctions.fine"][1]
    assert 0.5 < lo_mon < 0.7 and 10 < hi_fine < 17  # density >= 0.8 lets the box overshoot a little
    text = format_discovery(d)
    assert re.search(r"rules\.monitoring >= 0\.\d+", text) and "sanctions.fine <=" in text
    # a Latin hypercube is analysed with RBD-FAST
    res = analyse(folder, outcomes=["survival", "income_gain"])
    t = res.table.set_index(["outcome", "factor"])
    assert res.method == "rbd_fast"
    assert t.loc[("survival", "rules.monitoring"), "S1"] > 0.8 > 0.1 > t.loc[("survival", "sanctions.fine"), "S1"]
    assert t.loc[("income_gain", "sanctions.fine"), "S1"] > 0.8


def test_discovery_when_nothing_succeeds(tmp_path):
    exp = exp_file(tmp_path, "lhs", 20, reps=1)
    folder = synthetic_store(tmp_path / "n", exp, lambda v, r: {
        "survival": 0.0, "income_gain": -1.0, "trust": 0.1, "cooperation": 0.1, "members": 0.0})
    d = discover(folder)
    assert d.successes == 0 and not d.boxes and "no design point succeeds" in d.note


def test_real_sweep_sensitivity_report_and_cli(tmp_path, capsys):
    # trust.initial acts from the first meeting (the reglamento only from meeting 13)
    exp = exp_file(tmp_path, "sobol", 4, reps=2, steps=10, factors=(
        '"trust.initial" = { range = [0.1, 0.9] }\n"lifecycle.tc_base" = { range = [0.5, 4.0] }\n'))
    out = tmp_path / "out"
    sweep(exp, out, workers=1, progress=False)
    assert main(["sensitivity", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Sobol" in printed and "trust.initial" in printed
    for name in ("sensitivity.csv", "sensitivity_noise.csv", "sensitivity.html"):
        assert (out / name).stat().st_size > 0
    assert main(["sensitivity", str(out), "--outcome", "happiness"]) == 2
    assert "happiness" in capsys.readouterr().err
    assert main(["report", str(out), "--out", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text()
    for section in ("Resumen", "Resultados por punto del diseño", "Qué factores pesan más",
                    "Compromisos entre resultados", "Dónde funcionan los grupos", "Anexo metodológico"):
        assert section in page
    assert "convergencia" not in page or "N ≥" in page
    assert "N = 4" in page  # Sobol diagnostics of the tiny design are shown
    assert page.count("Plotly.newPlot") >= 4
    assert len(page) > 1_000_000  # plotly.js is embedded, not fetched
    assert not re.search(r"<script[^>]+src=", page)


def test_report_of_an_incomplete_sweep_says_so(tmp_path):
    exp = exp_file(tmp_path, "sobol", 4, reps=1, steps=6)
    plan = exp.plan()
    store = SweepStore.create_or_open(tmp_path / "p", exp, plan)
    store.write_batch(pd.DataFrame([{"point": 0, "rep": 0, "seed": 1, "outcome.survival": 1.0,
                                     "outcome.income_gain": 0.1, "outcome.trust": 0.5,
                                     "outcome.cooperation": 0.5, "outcome.members": 8.0}]))
    store.flush()
    store.unlock()
    page = build_html(tmp_path / "p")
    assert "El barrido está incompleto: 1 de 16 simulaciones guardadas" in page
    assert "incomplete: 1 of 16 runs stored" in build_html(tmp_path / "p", lang="en")
    with pytest.raises(Exception, match="design points have no runs yet"):
        analyse(tmp_path / "p")


def test_replication_noise_share_is_unbiased_with_two_replications(tmp_path):
    # Var between points = Var(U(0, 2)) = 1/3; seed noise sd 0.5 -> variance 0.25; true share 0.4286
    exp = exp_file(tmp_path, "lhs", 400, reps=2)
    noise = np.random.default_rng(3).normal(0, 0.5, size=(400, 2))
    index = {v["rules.monitoring"]: i for i, v in enumerate(exp.plan().values)}
    res = analyse(synthetic_store(tmp_path / "u", exp, lambda v, r: {
        "survival": 2 * v["rules.monitoring"] + noise[index[v["rules.monitoring"]], r],
        "income_gain": v["sanctions.fine"], "trust": 0.1, "cooperation": 0.1, "members": 1.0}),
        outcomes=["survival"])
    n = res.noise.set_index("outcome").loc["survival"]
    assert n["share_between_reps"] == pytest.approx(0.25 / (0.25 + 1 / 3), abs=0.04)
    assert n["var_between_reps"] == pytest.approx(0.25, rel=0.12)
    assert n["share_between_reps"] + n["share_design"] == pytest.approx(1.0)


def test_sobol_diagnostics_warn_at_small_n_and_recommend_more(tmp_path, capsys):
    factors = FACTORS + '"trust.initial" = { range = [0.2, 0.7] }\n"lifecycle.tc_base" = { range = [0.5, 4.0] }\n'

    def fn(v, rep):
        x = v["rules.monitoring"] * 2 + v["sanctions.fine"] / 20 * v["trust.initial"] * 4
        return {"survival": x, "income_gain": np.sin(6 * v["lifecycle.tc_base"]) + x,
                "trust": 0.1, "cooperation": 0.1, "members": 1.0}

    small = analyse(synthetic_store(tmp_path / "a", exp_file(tmp_path, "sobol", 8, reps=1, factors=factors), fn))
    d = small.diagnostics.set_index("outcome")
    assert d.loc["survival", "N"] == 8 and d.loc["survival", "recommended_N"] > 8
    assert d.loc["survival", "warning"]
    assert set(small.convergence["N"]) == {2, 4, 8}
    assert "WARNING: N = 8 is too small" in format_table(small)
    big = analyse(synthetic_store(tmp_path / "b", exp_file(tmp_path, "sobol", 512, reps=1, factors=factors), fn),
                  outcomes=["survival"])
    db = big.diagnostics.set_index("outcome").loc["survival"]
    assert db["sum_S1"] <= 1.1 and db["negative_S1"] == 0 and db["change_from_half"] < 0.1
    assert db["recommended_N"] >= 512
