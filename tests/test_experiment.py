"""Experiment files: validation messages, designs, seeds, fingerprints."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.experiments.experiment import DERIVED_OUTCOMES, ExperimentError, known_outcomes, known_series, load_experiment
from sim.model.scenario import Scenario, ScenarioError
from sim.results.seeds import replication_seeds

ROOT = Path(__file__).resolve().parent.parent
BASELINE = (ROOT / "scenarios" / "baseline.toml").as_posix()


def write(tmp_path, body: str, name: str = "exp.toml") -> Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def exp_text(design="factorial", extra="", factors=None, samples=None):
    factors = factors if factors is not None else '"rules.monitoring" = { levels = [0.1, 0.5] }\n'
    s = f"samples = {samples}\n" if samples else ""
    return (f'[experiment]\nscenario = "{BASELINE}"\ndesign = "{design}"\n{s}replications = 3\n'
            f"seed = 7\nsteps = 5\n{extra}\n[factors]\n{factors}")


def test_quick_experiment_plan():
    exp = load_experiment(ROOT / "experiments" / "quick.toml")
    plan = exp.plan()
    assert len(plan.X) == 4 and len(plan.runs) == 4 * exp.replications
    assert {tuple(sorted(v.items())) for v in plan.values} == {
        (("facilitator.schedule", s), ("rules.monitoring", m)) for s in ("none", "taper") for m in (0.1, 0.6)}
    # by default every design point draws its own replication seeds (no shared seed luck)
    seeds = [r.seed for r in plan.runs]
    assert len(set(seeds)) == len(seeds) == 4 * exp.replications
    assert all(s.run.firm_table == "off" for s in plan.scenarios)


def test_common_random_numbers_are_a_named_option(tmp_path):
    exp = load_experiment(write(tmp_path, exp_text(extra='seeds = "common"')))
    seeds = replication_seeds(exp.seed, exp.replications)
    assert [r.seed for r in exp.plan().runs] == seeds * 2


CROSSED = ('"facilitator.schedule" = { levels = ["none", "taper", "permanent"] }\n'
           '"sanctions.fine" = { range = [0.0, 10.0], points = 2 }\n'
           '"population.oportunista" = { range = [0.0, 0.4] }\n'
           '"lifecycle.tc_base" = { range = [0.5, 4.0] }\n'
           '"trust.initial" = { range = [0.2, 0.6], role = "lever" }\n')


def test_crossed_design_plays_every_policy_in_the_same_contexts(tmp_path):
    exp = load_experiment(write(tmp_path, exp_text("crossed", factors=CROSSED, samples=5)))
    assert [f.role for f in exp.factors] == ["lever", "lever", "uncertainty", "uncertainty", "lever"]
    assert [f.key for f in exp.levers] == ["facilitator.schedule", "sanctions.fine", "trust.initial"]
    plan = exp.plan()
    assert len(plan.X) == exp.size() == 3 * 2 * 2 * 5
    values = pd.DataFrame(plan.values)
    values["policy"], values["context"] = zip(*(exp.policy_context(p) for p in range(len(values))),
                                              strict=True)
    levers = ["facilitator.schedule", "sanctions.fine", "trust.initial"]
    # one policy = one combination of lever levels, constant over its contexts
    assert (values.groupby("policy")[levers].nunique() == 1).all().all()
    assert len(values.drop_duplicates(levers)) == 12
    # the same 5 contexts for every policy
    ctx = values.pivot_table(index="context", columns="policy", values="lifecycle.tc_base")
    assert ctx.nunique(axis=1).eq(1).all() and ctx.iloc[:, 0].nunique() == 5
    assert np.array_equal(load_experiment(tmp_path / "exp.toml").design_matrix(), plan.X)


def test_shipped_policy_experiments_load():
    for name in ("policy", "policy_quick"):
        exp = load_experiment(ROOT / "experiments" / f"{name}.toml")
        assert exp.design == "crossed" and exp.levers and exp.uncertainties
        assert len(exp.plan().runs) == exp.size() * exp.replications


@pytest.mark.parametrize("design,samples,k,expected", [
    ("lhs", 10, 3, 10), ("sobol", 8, 3, 8 * (3 + 2)), ("morris", 4, 3, 4 * (3 + 1))])
def test_sampled_design_sizes_and_bounds(tmp_path, design, samples, k, expected):
    factors = ('"rules.monitoring" = { range = [0.1, 0.8] }\n'
               '"sanctions.expulsion_strikes" = { range = [1, 5] }\n'
               '"facilitator.schedule" = { levels = ["none", "taper", "permanent"] }\n')
    exp = load_experiment(write(tmp_path, exp_text(design, factors=factors, samples=samples)))
    plan = exp.plan()
    assert len(plan.X) == expected and plan.X.shape[1] == k
    mon = [v["rules.monitoring"] for v in plan.values]
    strikes = [v["sanctions.expulsion_strikes"] for v in plan.values]
    assert min(mon) >= 0.1 and max(mon) <= 0.8
    assert all(isinstance(s, int) and 1 <= s <= 5 for s in strikes)
    assert {v["facilitator.schedule"] for v in plan.values} <= {"none", "taper", "permanent"}
    assert len({v["facilitator.schedule"] for v in plan.values}) > 1
    # the design is reproducible from the root seed
    assert np.array_equal(load_experiment(tmp_path / "exp.toml").design_matrix(), plan.X)


def test_profile_shares_are_rebalanced(tmp_path):
    factors = '"population.oportunista" = { range = [0.0, 0.6] }\n'
    exp = load_experiment(write(tmp_path, exp_text("lhs", factors=factors, samples=12)))
    for sc, v in zip(exp.plan().scenarios, exp.plan().values, strict=True):
        shares = sc.profile_shares()
        assert abs(sum(shares.values()) - 1) < 1e-9
        assert shares["oportunista"] == pytest.approx(v["population.oportunista"])
        assert shares["solido"] / shares["santo"] == pytest.approx(0.4 / 0.2)


def test_independent_seeds_do_not_depend_on_replication_count(tmp_path):
    a = load_experiment(write(tmp_path, exp_text(extra='seeds = "independent"'), "a.toml")).plan()
    seeds = [r.seed for r in a.runs]
    assert len(set(seeds)) == len(seeds)
    b = load_experiment(write(tmp_path, exp_text(extra='seeds = "independent"').replace(
        "replications = 3", "replications = 5"), "b.toml"))
    assert {(r.point, r.rep, r.seed) for r in a.runs if r.point == 0} <= {
        (r.point, r.rep, r.seed) for r in b.plan().runs if r.point == 0}


def test_fingerprint_ignores_replications_but_not_factors(tmp_path):
    a = load_experiment(write(tmp_path, exp_text(), "a.toml"))
    b = load_experiment(write(tmp_path, exp_text().replace("replications = 3", "replications = 9"), "b.toml"))
    c = load_experiment(write(tmp_path, exp_text().replace("0.5]", "0.6]"), "c.toml"))
    assert a.fingerprint() == b.fingerprint() != c.fingerprint()


def test_normalized_toml_reloads_to_same_experiment(tmp_path):
    exp = load_experiment(ROOT / "experiments" / "sobol_baseline.toml")
    (tmp_path / "base_scenario.toml").write_text(exp.base.to_toml())
    again = load_experiment(write(tmp_path, exp.normalized_toml(), "experiment.toml"))
    assert again.fingerprint() == exp.fingerprint()
    assert np.array_equal(again.design_matrix(), exp.design_matrix())


BAD = [
    ("[experiment]\nscenario = 'x.toml'\n[oops]\n", "unknown table 'oops'"),
    (exp_text(extra="colour = 1"), "experiment.colour"),
    (exp_text(design="grid"), "experiment.design"),
    (exp_text(design="sobol", samples=10), "power of 2"),
    (exp_text(factors='"rules.monitorin" = { range = [0.0, 1.0] }\n'), "rules.monitorin"),
    (exp_text(design="lhs", factors='"rules.monitoring" = { range = [0.0, 1.5] }\n'),
     "factors.rules.monitoring.range"),
    (exp_text(design="lhs", factors='"rules.decision" = { range = [0, 1] }\n'), "levels"),
    (exp_text(factors='"rules.decision" = { levels = ["vote"] }\n'), "rules.decision"),
    (exp_text(factors='"run.seed" = { levels = [1, 2] }\n'), "run.seed"),
    # issue 16.4: a factor must vary something a run does
    (exp_text(factors='"run.steps" = { levels = [5, 50] }\n'), "factors.run.steps"),
    (exp_text(factors='"run.firm_table" = { levels = ["full", "off"] }\n'), "recording option"),
    (exp_text(factors='"meta.name" = { levels = ["a", "b"] }\n'), "factors.meta.name"),
    (exp_text(factors='"rules.monitoring" = {}\n'), "empty table"),
    (exp_text(factors='[factors.rules]\nmonitoring = {}\n').replace("[factors]\n", ""), "factors.rules.monitoring"),
    (exp_text(factors='"rules.monitoring" = { levels = [] }\n'), "one or more"),
    (exp_text(factors='"rules.monitoring" = { levels = [0.1, 0.3], role = "policy" }\n'), "role"),
    (exp_text(extra="[set]\n\"rules.monitoring\" = 0.2\n").replace("[set]", "\n[set]"), "also fixed in [set]"),
    (exp_text(extra="[set]\n\"run.steps\" = 9\n").replace("[set]", "\n[set]"), "set.run.steps"),
    (exp_text(design="crossed", samples=4), "needs at least one lever and one uncertainty"),
    (exp_text(samples=8), "experiment.samples"),
    (exp_text(design="lhs", samples=1), "experiment.samples"),
    (exp_text(design="lhs", samples=4, factors='"rules.monitoring" = { range = [0.0, nan] }\n'), "range"),
    (exp_text(extra='name = "../../x"'), "experiment.name"),
    (exp_text(extra='name = "/abs/x"'), "experiment.name"),
    (exp_text(extra='name = ""'), "experiment.name"),
    (exp_text(extra='name = "a\\nb"'), "experiment.name"),
    (exp_text(extra="description = 3"), "experiment.description"),
    (exp_text(extra="outcomes = []"), "at least one"),
    (exp_text(extra='outcomes = ["trust", "trust"]'), "distinct"),
    (exp_text(extra="steps = 0").replace("steps = 5\n", ""), "experiment.steps"),
    (exp_text(extra="series_every = -1"), "experiment.series_every"),
    (exp_text(extra="replications = 100000").replace("replications = 3\n", "").replace(
        "{ levels = [0.1, 0.5] }", "{ range = [0.0, 1.0], points = 200 }"), "at most"),
    # [discovery] thresholds are range-checked
    (exp_text(extra="\n[discovery]\ndensity = 5\n"), "discovery.density"),
    (exp_text(extra="\n[discovery]\ndensity = -1\n"), "discovery.density"),
    (exp_text(extra="\n[discovery]\ndensity = nan\n"), "discovery.density"),
    (exp_text(extra="\n[discovery]\nsurvival_min = 1.5\n"), "discovery.survival_min"),
    (exp_text(extra="\n[discovery]\nincome_gain_min = inf\n"), "discovery.income_gain_min"),
    (exp_text(extra="\n[discovery]\nrobust_share = true\n"), "discovery.robust_share"),
    (exp_text(extra="\n[discovery]\nlift = 2\n"), "discovery.lift"),
    (exp_text(extra='outcomes = ["happiness"]'), "happiness"),
    (exp_text(extra='series = ["mood"]'), "experiment.series"),
    (exp_text(extra="replications = 0").replace("replications = 3\n", ""), "experiment.replications"),
    (exp_text(design="lhs", samples=4, factors='"population.santo" = { range = [0.0, 0.7] }\n'
              '"population.oportunista" = { range = [0.0, 0.6] }\n'), "sum to"),
    (exp_text(factors=""), "[factors]"),
    (exp_text().replace(BASELINE, "nowhere.toml"), "nowhere.toml"),
    (exp_text(extra="[set]\n\"rules.monitoring\" = 7.0\n").replace("[set]", "\n[set]"), "rules.monitoring"),
    ("[experiment\n", "not valid TOML"),
]


@pytest.mark.parametrize("body,fragment", BAD)
def test_bad_experiments_name_file_and_key(tmp_path, body, fragment):
    path = write(tmp_path, body)
    with pytest.raises(ScenarioError) as err:
        load_experiment(path).plan()
    msg = str(err.value)
    assert fragment in msg
    assert "exp.toml" in msg or "nowhere.toml" in msg


def test_a_missing_base_scenario_names_the_experiment_file_and_its_key(tmp_path):
    path = write(tmp_path, exp_text().replace(BASELINE, "../scenarios/nowhere.toml"))
    with pytest.raises(ExperimentError) as err:
        load_experiment(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: key 'experiment.scenario' got '../scenarios/nowhere.toml'"), msg
    assert "allowed: a scenario TOML path, relative to the experiment file" in msg


def test_a_scenario_file_given_as_experiment_says_which_command_plays_it():
    with pytest.raises(ExperimentError, match=r"unknown table 'meta' \(a scenario file: 'asocia run' plays it\)"):
        load_experiment(BASELINE)


def test_experiment_error_is_a_scenario_error():
    assert issubclass(ExperimentError, ScenarioError)


def test_cli_reports_bad_experiment_without_traceback(tmp_path, capsys):
    path = write(tmp_path, exp_text(extra='outcomes = ["happiness"]'))
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "exp.toml" in err and "happiness" in err and "allowed" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_missing_experiment_file(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "none.toml")]) == 2
    assert "no such experiment file" in capsys.readouterr().err


def test_known_outcomes_and_series_are_those_a_run_gives():
    """An experiment's outcomes and series are checked against names known without playing a meeting
    (sim.model.columns, so the sweep's driver never loads the engine): they must be, in order, the
    keys of a run's summary and the columns of its steps table, alone and in a batch."""
    tiny = Scenario().replace({"population.groups": 1, "run.firm_table": "off"})
    res = sim.run(tiny, seed=1, steps=1)
    assert known_outcomes() == (*res.summary(), *DERIVED_OUTCOMES)
    assert known_series() == tuple(c for c in res.steps.columns if c != "run")
    batch = sim.run_batch(tiny, [1, 2], steps=3, tables=("runs", "steps"))
    for r in batch:
        assert (*r.summary(), *DERIVED_OUTCOMES) == known_outcomes()
        assert [c[len("outcome."):] for c in r.runs.columns if c.startswith("outcome.")] == list(r.summary())
