"""The ``asocia`` command line: run writes its tables and a manifest that re-runs them, compare
prints intervals, params lists the schema, and every user error is one line with exit code 2."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import SCENARIOS

import sim
from sim.cli.commands import COMPARE_OUTCOMES, format_summary, main, outcome_range
from sim.model.scenario import params
from sim.results.store import load_results, scenario_of

ASOCIA = Path(sys.executable).with_name("asocia")
BASELINE = str(SCENARIOS / "baseline.toml")
NO_RULES = str(SCENARIOS / "no_rules.toml")
TABLES = ("runs", "steps", "firms", "events")


def cli(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def assert_user_error(rc, out, err, *fragments):
    assert rc == 2
    assert "Traceback" not in err and "Traceback" not in out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("asocia: error: ")
    for frag in fragments:
        assert frag in lines[0], (frag, lines[0])


# ---------------------------------------------------------------------- asocia run
def test_run_prints_the_summary_and_writes_tables_and_manifest(capsys, tmp_path):
    out_dir = tmp_path / "out"
    rc, out, err = cli(capsys, "run", BASELINE, "--seed", "3", "--steps", "20", "--out", str(out_dir))
    assert rc == 0, err
    for name in TABLES:
        assert (out_dir / f"{name}.parquet").is_file()
    assert (out_dir / "manifest.json").is_file() and (out_dir / "scenario.toml").is_file()
    assert not list(out_dir.glob("*.csv"))
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["steps"] == 20
    assert set(manifest["checksums"]) == {f"{n}.parquet" for n in TABLES}
    # the summary states what the stored tables hold
    steps = pd.read_parquet(out_dir / "steps.parquet")
    o = sim.outcomes(steps, pd.read_parquet(out_dir / "firms.parquet"))
    assert out.startswith("Asocia · baseline")
    assert "seed 3 · 20 meetings · 3 groups" in out
    assert f"survival       {round(o['survival'] * 3)}/3 groups alive" in out
    assert f"members        {int(o['members'])} (started 24)" in out
    assert f"trust          {o['trust']:.2f}" in out
    assert f"income gain    {o['income_gain'] * 100:+.1f} % vs going alone" in out
    assert f"cooperation    {o['cooperation']:.2f}" in out
    for label in ("santo", "sólido ciudadano", "tengo que ganar", "oportunista"):
        assert label in out
    assert str(out_dir) in out
    assert len(steps) == 60


def test_summary_counts_are_singular_for_one_and_money_says_so():
    from sim.cli.commands import _count

    assert [_count(1, "exits"), _count(1, "entries"), _count(1, "expulsions")] == ["1 exit", "1 entry", "1 expulsion"]
    assert [_count(0, "exits"), _count(2.0, "entries")] == ["0 exits", "2 entries"]
    scenario = sim.load_scenario(BASELINE)
    text = format_summary(sim.run(scenario, seed=3, steps=60))
    assert " money per group · self-governance" in text and "programme      ends at meeting 52" in text


def test_run_writes_csv_on_request(capsys, tmp_path):
    rc, _, err = cli(capsys, "run", BASELINE, "--steps", "5", "--csv", "--out", str(tmp_path))
    assert rc == 0, err
    for name in TABLES:
        csv = pd.read_csv(tmp_path / f"{name}.csv")
        assert len(csv) == len(pd.read_parquet(tmp_path / f"{name}.parquet"))


def test_run_set_overrides_reach_the_run_and_its_record(capsys, tmp_path):
    rc, _, err = cli(
        capsys,
        "run",
        BASELINE,
        "--steps",
        "5",
        "--out",
        str(tmp_path),
        "--set",
        "rules.monitoring=0.6",
        "--set",
        "population.groups=2",
        "--set",
        "sanctions.enabled=false",
    )
    assert rc == 0, err
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    assert runs["rules.monitoring"].iloc[0] == 0.6
    assert runs["sanctions.enabled"].iloc[0] == False  # noqa: E712
    assert pd.read_parquet(tmp_path / "steps.parquet")["group"].nunique() == 2
    stored = scenario_of(tmp_path)
    assert stored.rules.monitoring == 0.6 and stored.population.groups == 2


def test_rerunning_from_the_stored_manifest_reproduces_the_steps_table(capsys, tmp_path):
    first = tmp_path / "first"
    rc, _, err = cli(
        capsys, "run", BASELINE, "--seed", "5", "--steps", "15", "--out", str(first), "--set", "rules.monitoring=0.7"
    )
    assert rc == 0, err
    stored = load_results(first)
    manifest = stored.manifest
    # 1. through the API: the stored scenario, seed and horizon
    again = sim.run(scenario_of(first), seed=manifest["seed"], steps=manifest["steps"])
    pd.testing.assert_frame_equal(again.steps.drop(columns="run"), stored.steps.drop(columns="run"), check_exact=True)
    assert len(stored.steps) == 45
    # 2. through the command the manifest prints, run next to the stored scenario.toml
    argv = shlex.split(manifest["rerun"])
    assert argv[:3] == ["asocia", "run", "scenario.toml"]
    second = tmp_path / "second"
    rc, _, err = cli(capsys, *argv[1:2], str(first / argv[2]), *argv[3:], "--out", str(second))
    assert rc == 0, err
    pd.testing.assert_frame_equal(
        pd.read_parquet(second / "steps.parquet").drop(columns="run"),
        stored.steps.drop(columns="run"),
        check_exact=True,
    )
    pd.testing.assert_frame_equal(
        pd.read_parquet(second / "firms.parquet").drop(columns="run"),
        stored.firms.drop(columns="run"),
        check_exact=True,
    )


def test_the_manifests_rerun_typed_in_the_run_folder_leaves_the_folder_as_it_was(capsys, tmp_path, monkeypatch):
    first = tmp_path / "first"
    original = ["run", BASELINE, "--seed", "5", "--steps", "6", "--out", str(first)]
    assert cli(capsys, *original)[0] == 0
    files = sorted(p.name for p in first.iterdir())
    argv = shlex.split(json.loads((first / "manifest.json").read_text())["rerun"])
    monkeypatch.chdir(first)   # literally: in the folder, next to scenario.toml
    rc, out, err = cli(capsys, *argv[1:])
    assert rc == 0, err
    assert sorted(p.name for p in first.iterdir()) == files   # nothing written into the folder
    again = tmp_path / "first-rerun"
    pd.testing.assert_frame_equal(pd.read_parquet(again / "steps.parquet"), pd.read_parquet(first / "steps.parquet"),
                                  check_exact=True)
    assert len(pd.read_parquet(again / "steps.parquet")) == 18
    # and the folder still takes its own run again
    monkeypatch.chdir(tmp_path)
    rc, _, err = cli(capsys, *original)
    assert rc == 0, err


def test_manifest_records_the_command_that_was_run(capsys, tmp_path):
    rc, _, _ = cli(capsys, "run", BASELINE, "--steps", "3", "--seed", "9", "--out", str(tmp_path))
    assert rc == 0
    command = json.loads((tmp_path / "manifest.json").read_text())["command"]
    assert command.startswith("asocia run ") and BASELINE in command and "--seed 9" in command


# ---------------------------------------------------------------------- user errors
def test_readme_error_example(capsys):
    rc, out, err = cli(capsys, "run", BASELINE, "--set", "rules.monitoring=2")
    assert_user_error(rc, out, err, f"{BASELINE}: key 'rules.monitoring' got 2.0; allowed: a number from 0 to 1")
    assert out == ""


@pytest.mark.parametrize(
    "extra,fragments",
    [
        (["--set", "rules.nope=1"], ["unknown key 'rules.nope'", "rules.monitoring"]),
        (["--set", "rules.monitoring"], ["must be written key=value"]),
        (["--set", "run.steps=many"], ["'run.steps'", "allowed: an integer from 1 to 5000"]),
        (["--set", "rules.decision=dictator"], ["'rules.decision'", "allowed: one of 'consensus'"]),
        (["--set", "population.santo=0.9"], ["allowed: shares that sum to 1"]),
    ],
)
def test_bad_set_is_one_line_exit_2(capsys, tmp_path, extra, fragments):
    rc, out, err = cli(capsys, "run", BASELINE, "--steps", "2", "--out", str(tmp_path / "x"), *extra)
    assert_user_error(rc, out, err, *fragments)
    assert not (tmp_path / "x").exists()  # nothing written for a run that never started


@pytest.mark.parametrize(
    "text,fragments",
    [
        ("[rules]\nmonitoring = 1.5\n", ["'rules.monitoring'", "allowed: a number from 0 to 1"]),
        ("[rulez]\n", ["unknown section 'rulez'", "allowed:"]),
        ("[rules\n", ["not valid TOML"]),
        # an experiment file given to 'asocia run': say which command takes it
        ('[experiment]\nscenario = "b.toml"\n', ["unknown section 'experiment' (an experiment file: 'asocia sweep'"]),
    ],
)
def test_bad_scenario_file_is_one_line_exit_2(capsys, tmp_path, text, fragments):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    rc, out, err = cli(capsys, "run", str(path), "--out", str(tmp_path / "x"))
    assert_user_error(rc, out, err, str(path), *fragments)


def test_missing_scenario_file_is_one_line_exit_2(capsys, tmp_path):
    missing = tmp_path / "nowhere.toml"
    rc, out, err = cli(capsys, "run", str(missing))
    assert_user_error(rc, out, err, str(missing), "no such scenario file")
    rc, out, err = cli(capsys, "compare", BASELINE, str(missing), "--reps", "2", "--steps", "2")
    assert_user_error(rc, out, err, str(missing))


def test_non_utf8_scenario_file_is_one_line_exit_2(capsys, tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('[meta]\nname = "año"\n'.encode("latin-1"))
    rc, out, err = cli(capsys, "run", str(path), "--out", str(tmp_path / "x"))
    assert_user_error(rc, out, err, str(path))


@pytest.mark.parametrize(
    "argv",
    [
        ["run", BASELINE, "--steps", "0"],
        ["run", BASELINE, "--steps", "-3"],
        ["run", BASELINE, "--seed", "-1", "--steps", "2"],
        ["run", BASELINE, "--seed", str(2**64), "--steps", "2"],
        ["compare", BASELINE, NO_RULES, "--reps", "-2", "--steps", "2"],
        ["compare", BASELINE, NO_RULES, "--reps", "2", "--steps", "0"],
        ["compare", BASELINE, NO_RULES, "--reps", "2", "--seed", "-1", "--steps", "2"],
    ],
    ids=["steps0", "steps-3", "seed-1", "seed2**64", "reps-2", "compare-steps0", "compare-seed-1"],
)
def test_out_of_range_seed_steps_reps_are_one_line_exit_2(capsys, tmp_path, argv):
    out_dir = ["--out", str(tmp_path / "x")] if argv[0] == "run" else []
    rc, out, err = cli(capsys, *argv, *out_dir)
    assert_user_error(rc, out, err, "allowed")


def test_out_that_is_a_file_is_one_line_exit_2(capsys, tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder")
    rc, out, err = cli(capsys, "run", BASELINE, "--steps", "2", "--out", str(target))
    assert_user_error(rc, out, err, str(target))


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["run", BASELINE, "--seed", "1.5"], ["asocia run: error: argument --seed: got '1.5'",
                                              f"allowed: an integer from 0 to {2**63 - 1}"]),
        (["run", BASELINE, "--steps", "ten"], ["argument --steps: got 'ten'", "allowed: an integer from 1 to 5000"]),
        (["compare", BASELINE, NO_RULES, "--reps", "2.5"], ["argument --reps: got '2.5'",
                                                            "allowed: a whole number from 1 to 100000"]),
        (["compare", BASELINE, NO_RULES, "--seed", "x"], ["argument --seed: got 'x'", "allowed: an integer from 0"]),
        (["sweep", "experiments/quick.toml", "--workers", "two"], ["argument --workers: got 'two'",
                                                                  "allowed: a whole number >= 1"]),
        (["run"], ["asocia run: error: the following arguments are required: scenario"]),
        (["frobnicate"], ["asocia: error: argument command: invalid choice: 'frobnicate'"]),
        (["run", BASELINE, "--bogus"], ["asocia: error: unrecognized arguments: --bogus"]),
    ],
    ids=["seed-float", "steps-word", "reps-float", "compare-seed-word", "workers-word", "no-scenario", "command",
         "unknown-flag"],
)
def test_argument_errors_are_one_line_saying_what_is_allowed_exit_2(capsys, argv, fragments):
    # argparse's own errors too: one line (no usage block), naming the option and what it takes
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "usage:" not in err and "Traceback" not in err + out, err
    assert lines[0].endswith("--help')"), lines[0]
    for frag in fragments:
        assert frag in lines[0], (frag, lines[0])


# ---------------------------------------------------------------------- asocia compare / params
def test_compare_prints_intervals_for_every_outcome(capsys):
    rc, out, err = cli(capsys, "compare", BASELINE, NO_RULES, "--reps", "3", "--steps", "20")
    assert rc == 0, err
    lines = out.splitlines()
    assert "3 replications per scenario" in lines[0] and "root seed 1" in lines[0]
    assert "baseline" in lines[1] and "no_rules" in lines[1]
    cell = re.compile(r"(-?\d+\.\d+) \[(-?\d+\.\d+), (-?\d+\.\d+)\]")
    table = lines[2:lines.index("")]  # the notes on the programme's rows follow a blank line
    rows = {line.split()[0]: line for line in table}
    assert set(rows) == set(COMPARE_OUTCOMES) and len(rows) == len(table)
    assert "cost_per_member_year_end" in rows and "per member-year" in out  # cost-effectiveness, explained
    # every row says its unit (money has none of its own: 'money/group', not a bare 696.15)
    assert lines[1].split()[:2] == ["outcome", "unit"]
    assert " money/group " in rows["programme_cost"] and " % vs going alone " in rows["income_gain"]
    assert " share of groups " in rows["alive_2y"] and " firms " in rows["exits"]
    first = [key for key in rows]
    assert first.index("income_gain") < first.index("programme_cost") < first.index("trust")  # money beside them
    widths = {len(line) for line in [lines[1], *table]}
    assert len(widths) == 1, widths  # columns aligned: cells never run together
    for key, line in rows.items():
        cells = cell.findall(line)
        assert len(cells) == 2 or "n/a" in line, line
        for mean, lo, hi in cells:
            assert float(lo) <= float(mean) <= float(hi), line
            low, high = outcome_range(key)  # shares within [0, 1], counts and money not below 0
            assert low <= float(lo) and float(hi) <= high, line
    assert outcome_range("alive_2y") == (0.0, 1.0) and outcome_range("cost_per_group_2y")[0] == 0.0


def test_compare_shows_a_scenario_without_programme_as_having_none(capsys, tmp_path):
    # no facilitator: the planned end is 0, which compare printed as '0.00 [0.00, 0.00]' meetings
    alone = tmp_path / "alone.toml"
    alone.write_text('[meta]\nname = "alone"\n\n[population]\ngroups = 2\n\n[facilitator]\nschedule = "none"\n')
    rc, out, err = cli(capsys, "compare", BASELINE, str(alone), "--reps", "2", "--steps", "5")
    assert rc == 0, err
    lines = out.splitlines()
    rows = {line.split()[0]: line for line in lines[2:lines.index("")]}
    for key in ("programme_end", "alive_end", "alive_2y", "self_governance_end", "cost_per_group_2y"):
        assert rows[key].endswith(" –"), rows[key]          # the scenario without a programme
    assert "52.00 [52.00, 52.00]" in rows["programme_end"]  # the baseline's programme ends at meeting 52
    assert rows["programme_cost"].endswith("0.00 [0.00, 0.00]")   # it paid nothing: a number, not a dash
    assert "–: no programme" in out
    rc, out, _ = cli(capsys, "compare", BASELINE, NO_RULES, "--reps", "1", "--steps", "3")
    assert rc == 0 and "no programme" not in out and " –" not in out   # the note only when it applies


def test_results_leaves_runs_without_programme_out_of_programme_end(capsys, tmp_path):
    (tmp_path / "e.toml").write_text(
        f'[experiment]\nname = "e"\nscenario = "{BASELINE}"\ndesign = "factorial"\nreplications = 1\n'
        'seed = 3\nsteps = 3\noutcomes = ["survival", "programme_end"]\n'
        '[factors]\n"facilitator.schedule" = { levels = ["none", "taper"] }\n')
    assert main(["sweep", str(tmp_path / "e.toml"), "--workers", "1", "--no-progress",
                 "--out", str(tmp_path / "s")]) == 0
    rc, out, err = cli(capsys, "results", str(tmp_path / "s"))
    assert rc == 0, err
    row = next(line for line in out.splitlines() if line.split()[:1] == ["programme_end"])
    # mean, sd, min, max of the one run with a programme (not 26 = the mean of 0 and 52); one value has no sd
    assert row.split()[-4:] == ["52.000", "–", "52.000", "52.000"], row
    assert "1 of 2 runs had no programme" in out


def test_compare_uses_the_same_replication_seeds_for_every_scenario():
    from sim.cli.commands import compare

    sc = sim.load_scenario(BASELINE)
    seeds, table = compare([sc, sim.load_scenario(NO_RULES)], reps=2, root_seed=4, steps=10)
    assert seeds == sim.results.seeds.replication_seeds(4, 2)
    alone = sim.run(sc, seed=seeds[1], steps=10).summary()
    pd.testing.assert_series_equal(pd.Series(table["baseline"][1]), pd.Series(alone))
    assert len(table["baseline"]) == len(table["no_rules"]) == 2


def test_params_lists_every_parameter(capsys):
    rc, out, _ = cli(capsys, "params")
    assert rc == 0
    keys = [line.split()[0] for line in out.splitlines()]
    assert keys == [p.key for p in params()]
    assert "rules.monitoring" in out and "a number from 0 to 1" in out
    starts = {line.index(p.en) for line, p in zip(out.splitlines(), params(), strict=True)}
    assert len(starts) == 1, starts   # every label in the same column, after the longest allowed text
    rc, out_es, _ = cli(capsys, "params", "--lang", "es")
    assert rc == 0 and "Control: probabilidad de detectar un acto furtivo" in out_es


@pytest.mark.parametrize("lang", ["en", "es"])
def test_params_prints_defaults_as_a_scenario_file_writes_them(capsys, lang):
    # it printed Python's True, False and 'baseline'; a scenario file is TOML: true, false, "baseline"
    import tomllib

    rc, out, _ = cli(capsys, "params", "--lang", lang)
    assert rc == 0
    start = len(max((p.key for p in params()), key=len)) + 2
    for p, line in zip(params(), out.splitlines(), strict=True):
        text = line[start:].split("  ")[0]
        assert tomllib.loads(f"v = {text}")["v"] == p.default, (p.key, text)
        assert not re.search(r"\b(True|False|None)\b|'", text), (p.key, text)
    lines = dict(zip((p.key for p in params()), out.splitlines(), strict=True))
    assert lines["export.dipat"].split()[1] == "false" and lines["rules.enabled"].split()[1] == "true"
    assert lines["meta.name"].split()[1] == '"baseline"'


def test_toml_value_writes_what_toml_reads():
    import tomllib

    from sim.cli.commands import toml_value

    for value in (True, False, 0, 2**63 - 1, 0.5, -0.004, 1e-9, "it's", "", (1, 2), ["a", True]):
        assert tomllib.loads(f"v = {toml_value(value)}")["v"] == (list(value) if isinstance(value, tuple) else value)
    assert toml_value((1, 2)) == "[1, 2]" and toml_value(None, "es") == "(sin valor)"


def test_params_in_spanish_says_what_is_allowed_and_the_units_in_spanish(capsys):
    from sim.model.vocabulary import UNITS

    rc, out, _ = cli(capsys, "params", "--lang", "es")
    assert rc == 0
    lines = dict(zip((p.key for p in params()), out.splitlines(), strict=True))
    assert "  un número de 0 a 1  " in lines["rules.monitoring"]
    assert "  un entero de 1 a 5000  " in lines["run.steps"] and lines["run.steps"].endswith("[reuniones]")
    assert "  uno de 'none', 'permanent', 'abrupt', 'taper'  " in lines["facilitator.schedule"]  # what a file takes
    assert "  true o false  " in lines["export.dipat"]
    for p in params():   # every label and unit in Spanish, none left in English
        assert p.es in lines[p.key], p.key
        assert not p.unit or lines[p.key].endswith(f"[{UNITS[p.unit]}]"), lines[p.key]
    for english in ("a number", "an integer", "one of", "a string", "true or false", "[meetings]", "[firms]"):
        assert english not in out, english
    starts = {line.index(p.es) for p, line in zip(params(), out.splitlines(), strict=True)}
    assert len(starts) == 1, starts


def test_params_into_a_closed_pipe_ends_without_traceback():
    # 'asocia params | head -2': the reader is gone before the table is written (closed here before
    # the command has even imported its modules, so the write always fails)
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "params"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent)
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err, err


# ---------------------------------------------------------------------- the console script
def test_console_script_runs_and_reports_errors_without_traceback(tmp_path):
    assert ASOCIA.exists(), ASOCIA
    ok = subprocess.run(
        [str(ASOCIA), "run", BASELINE, "--steps", "3", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("Asocia · baseline")
    assert load_results(tmp_path / "o").steps.shape[0] == 9
    bad = subprocess.run(
        [str(ASOCIA), "run", BASELINE, "--set", "rules.monitoring=2"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.strip() == (
        f"asocia: error: {BASELINE}: key 'rules.monitoring' got 2.0; allowed: a number from 0 to 1"
    )
    assert not (tmp_path / "results").exists()
