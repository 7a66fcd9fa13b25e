"""The fuzz suite of issue 16: bad input of every family ends as one line and exit code 2.

Families: scenario and experiment file mutations (Hypothesis), ``--set`` items, command-line
flags, odd paths and names. Every case runs in-process through :func:`sim.cli.main`; an
exception escaping it (a traceback) fails the test. A case that turns out valid is not run (a
valid mutation could ask for 50,000 groups); its validity is what the loaders say. Store faults
are in tests/test_store_faults.py. ``HYPOTHESIS_PROFILE=explore`` draws new mutations each run.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli.commands import main, t_interval
from sim.experiments.experiment import load_experiment
from sim.model.scenario import ScenarioError, load_scenario, params, parse_overrides

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
QUICK = ROOT / "experiments" / "quick.toml"
KEYS = [p.key for p in params()]
ERROR = re.compile(r"^asocia( [a-z]+)?: error: \S")
FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def refused(capsys, argv, *fragments) -> str:
    """Run the CLI; assert exit 2 with one error line (argparse may print its usage first)."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:   # argparse's own errors: usage, then one line
        code = e.code
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 2, (argv, code, err)
    assert "Traceback" not in err + out
    assert lines and ERROR.match(lines[-1]), err
    assert len(lines) == 1 or lines[0].startswith("usage:"), err
    for frag in fragments:
        assert frag in lines[-1], (frag, lines[-1])
    return lines[-1]


# ---------------------------------------------------------------------- scenario file mutations
WRONG_VALUES = st.one_of(
    st.integers(-10**30, 10**30), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=20), st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3),
                                                                                 st.integers(), max_size=2))


@st.composite
def scenario_mutants(draw):
    data = tomllib.loads(BASELINE.read_text())
    kind = draw(st.sampled_from(["value", "unknown_key", "unknown_section", "section_type", "nest"]))
    if kind == "value":
        section, name = draw(st.sampled_from(KEYS)).split(".")
        data.setdefault(section, {})[name] = draw(WRONG_VALUES)
    elif kind == "unknown_key":
        section = draw(st.sampled_from(sorted(data)))
        data[section][draw(st.from_regex(r"[a-z_]{1,12}", fullmatch=True)) + "_x"] = 1
    elif kind == "unknown_section":
        data[draw(st.from_regex(r"[a-z]{1,10}", fullmatch=True)) + "_s"] = {"a": 1}
    elif kind == "section_type":
        data[draw(st.sampled_from(sorted(data)))] = draw(st.integers())
    else:
        depth = draw(st.integers(1, 3000))
        return "[meta]\nname = " + "[" * depth + "]" * depth + "\n"
    return tomli_w.dumps(data)


@FAST
@given(text=scenario_mutants())
def test_scenario_mutations_are_one_line_errors(tmp_path_factory, capsys, text):
    tmp = tmp_path_factory.mktemp("mut")
    path = tmp / "s.toml"
    path.write_text(text)
    try:
        load_scenario(path)
    except ScenarioError:
        refused(capsys, ["run", path, "--steps", "1", "--out", tmp / "o"], str(path))
        assert not (tmp / "o").exists()   # nothing written before the error


@FAST
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_as_a_scenario_are_one_line_errors(tmp_path_factory, capsys, data):
    path = tmp_path_factory.mktemp("bytes") / "s.toml"
    path.write_bytes(data)
    try:
        load_scenario(path)
    except ScenarioError:
        refused(capsys, ["run", path, "--steps", "1", "--out", path.parent / "o"], str(path))


@pytest.mark.parametrize("text", [
    "x = " + "[" * 5000 + "]" * 5000,
    "x = " + "{a=" * 3000 + "1" + "}" * 3000,
    "[meta]\nname = " + "[" * 999 + "]" * 999,
    ".".join(["a"] * 3000) + " = 1",
])
def test_deep_nesting_is_a_one_line_error(tmp_path, capsys, text):
    path = tmp_path / "deep.toml"
    path.write_text(text)
    refused(capsys, ["run", path, "--out", tmp_path / "o"], str(path))


# ---------------------------------------------------------------------- experiment file mutations
@st.composite
def experiment_mutants(draw):
    data = tomllib.loads(QUICK.read_text())
    data["experiment"]["scenario"] = str(BASELINE)
    kind = draw(st.sampled_from(["experiment", "factor", "factor_key", "section", "drop"]))
    if kind == "experiment":
        key = draw(st.sampled_from(["name", "design", "replications", "seed", "steps", "outcomes",
                                    "series", "samples", "seeds", "batch", "scenario", "levels"]))
        data["experiment"][key] = draw(WRONG_VALUES)
    elif kind == "factor":
        data["factors"]["rules.monitoring"] = draw(st.one_of(
            WRONG_VALUES, st.fixed_dictionaries({"levels": WRONG_VALUES}),
            st.fixed_dictionaries({"range": st.lists(st.floats(), max_size=3)})))
    elif kind == "factor_key":
        data["factors"][draw(st.text(min_size=1, max_size=15))] = {"levels": [1, 2]}
    elif kind == "section":
        data[draw(st.from_regex(r"[a-z]{1,10}", fullmatch=True)) + "_s"] = {"a": 1}
    else:
        del data[draw(st.sampled_from(["experiment", "factors"]))]
    return tomli_w.dumps(data)


@FAST
@given(text=experiment_mutants())
def test_experiment_mutations_are_one_line_errors(tmp_path_factory, capsys, text):
    tmp = tmp_path_factory.mktemp("exp")
    path = tmp / "e.toml"
    path.write_text(text)
    try:
        load_experiment(path).plan()
    except ScenarioError:   # ExperimentError is a ScenarioError
        # the line names the experiment file or the scenario file it points at
        refused(capsys, ["sweep", path, "--out", tmp / "o", "--no-progress"])


# ---------------------------------------------------------------------- --set
@pytest.mark.parametrize("item", [
    "rules.monitoring", "=1", "rules.monitoring=", "rules.monitoring=nan", "rules.monitoring=inf",
    "population.groups=1e9", "population.groups=3.5", "nosuch.key=1", "meta=1", "run.seed=-1",
    "run.seed=99999999999999999999999", "run.steps=0", "run.firm_table=some", "meta.name=../x",
    "meta.name=/etc/x", "meta.name=", "rules.monitoring=0x10", "population.active=0.5",
    "population.active=0.2389", ".=.", "a.b.c=1",
])
def test_bad_set_items_are_one_line_errors(tmp_path, capsys, item):
    line = refused(capsys, ["run", BASELINE, "--set", item, "--out", tmp_path / "o"])
    assert "--set" in line or str(BASELINE) in line
    assert not (tmp_path / "o").exists()


@FAST
@given(key=st.one_of(st.sampled_from(KEYS), st.text(max_size=20)), value=st.text(max_size=20))
def test_any_set_item_is_valid_or_a_one_line_error(tmp_path_factory, capsys, key, value):
    item = f"{key}={value}"
    try:
        load_scenario(BASELINE, parse_overrides([item]))
    except ScenarioError:
        tmp = tmp_path_factory.mktemp("set")
        refused(capsys, ["run", BASELINE, "--set", item, "--steps", "1", "--out", tmp / "o"])


# ---------------------------------------------------------------------- flags
@pytest.mark.parametrize("argv", [
    ["run", BASELINE, "--seed", "-1"], ["run", BASELINE, "--steps", "0"], ["run", BASELINE, "--steps", "999999"],
    ["run", BASELINE, "--seed", "x"], ["run", BASELINE, "--nosuch"], ["compare", BASELINE],
    ["compare", BASELINE, BASELINE, "--reps", "0"], ["compare", BASELINE, BASELINE, "--seed", "-5"],
    ["dashboard", "--port", "70000"], ["dashboard", "--port", "-1"], ["dashboard", "--port", "0"],
    ["dashboard", "--port", "http"], ["sweep", QUICK, "--scheduler", "nonsense"],
    ["sweep", QUICK, "--scheduler", "tcp://"], ["sweep", QUICK, "--scheduler", "tcp://host:notaport"],
    ["sweep", QUICK, "--scheduler", "://x"], ["sweep", QUICK, "--scheduler", "tcp://host:70000"],
    ["sweep", QUICK, "--workers", "0"], ["sweep", QUICK, "--engine", "spark"], ["params", "--lang", "fr"],
    ["results"], ["repair"], ["repair", "nosuch"], ["results", "nosuch"], ["nosuchcommand"], [],
])
def test_bad_flags_are_one_line_errors(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    refused(capsys, argv)
    assert not (tmp_path / "results").exists()


def test_workers_beyond_the_cpus_are_capped_with_a_message(tmp_path, capsys):
    path = tmp_path / "e.toml"
    path.write_text(QUICK.read_text().replace("../scenarios/baseline.toml", str(BASELINE))
                    .replace("replications = 4", "replications = 1").replace("steps = 52", "steps = 3"))
    assert main(["sweep", str(path), "--workers", "1000", "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert re.search(r"--workers 1000 capped at \d+ \(the CPUs", err)
    assert re.search(r"local engine, [12] workers?\)", out)


def test_a_run_that_cannot_fit_in_memory_is_refused_before_it_starts(tmp_path, capsys):
    path = tmp_path / "huge.toml"
    path.write_text("[population]\ngroups = 50000\n[run]\nsteps = 5000\n")
    line = refused(capsys, ["run", path, "--out", tmp_path / "o"], str(path), "GB of memory", "--force")
    assert "firm_table" in line and not (tmp_path / "o").exists()


# ---------------------------------------------------------------------- odd paths and names
@pytest.mark.parametrize("name", ['"/tmp/asocia-abs"', '"../../x"', '""', '"a\\nb"', '"a/b"', '".."', '".hidden"',
                                  '"-rf"', '"' + "x" * 65 + '"', '" x"', '"a\\\\b"', '"a\\tb"'])
def test_names_from_files_are_never_paths(tmp_path, capsys, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "s.toml"
    path.write_text(f"[meta]\nname = {name}\n")
    refused(capsys, ["run", path, "--steps", "2"], str(path), "meta.name", "never a path")
    exp = tmp_path / "e.toml"
    exp.write_text(QUICK.read_text().replace('name = "quick"', f"name = {name}")
                   .replace("../scenarios/baseline.toml", str(BASELINE)))
    refused(capsys, ["sweep", exp, "--no-progress"], "experiment.name")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.toml", "s.toml"]


def test_a_name_may_hold_spaces_accents_and_brackets(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "mi escenario.toml"
    path.write_text('[meta]\nname = "Año uno (v1.2), prueba"\n')
    assert main(["run", str(path), "--steps", "2"]) == 0
    assert "results/mi escenario-1/" in capsys.readouterr().out


@pytest.mark.parametrize("make", [
    lambda tmp: "/dev/zero", lambda tmp: str(tmp), lambda tmp: str(tmp / "missing.toml"),
    lambda tmp: (tmp / "big.toml").write_text("# " + "x" * (2 << 20)) and str(tmp / "big.toml"),
    lambda tmp: (tmp / "latin.toml").write_bytes(b"[meta]\nname = \"a\xf1o\"\n") and str(tmp / "latin.toml"),
])
def test_odd_scenario_paths_are_one_line_errors(tmp_path, capsys, make):
    path = make(tmp_path)
    refused(capsys, ["run", path, "--out", tmp_path / "o"], path)


@pytest.mark.parametrize("make", [
    lambda tmp: (tmp / "afile").write_text("x") and tmp / "afile",
    lambda tmp: (tmp / "afile").write_text("x") and tmp / "afile" / "sub",
    lambda tmp: Path("/proc/asocia-fuzz"),
    lambda tmp: (tmp / "notes.txt").write_text("mine") and tmp,
])
def test_odd_out_folders_are_one_line_errors(tmp_path, capsys, make):
    out = make(tmp_path)
    refused(capsys, ["run", BASELINE, "--steps", "2", "--out", out], str(out))


# ---------------------------------------------------------------------- the lower list
def test_participation_shares_must_sum_to_one_like_profile_shares(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("[population]\nactive = 0.3\npassive = 0.3\nbarely = 0.4009\n")
    with pytest.raises(ScenarioError, match="sum to 1.001; allowed: shares that sum to 1"):
        load_scenario(path)


def test_intervals_stay_within_what_the_outcome_can_take():
    mean, lo, hi = t_interval([0.99, 1.0, 0.7, 1.0], 0.0, 1.0)
    assert 0.0 <= lo <= mean <= hi == 1.0
    assert t_interval([0.99, 1.0, 0.7, 1.0])[2] > 1.0   # unclipped, the t-interval passes 1


def test_help_is_parsed_before_numpy_pandas_and_mesa_are_imported():
    code = ("import sys, contextlib, io\nfrom sim.cli.commands import build_parser\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
            "    build_parser().parse_args(['--help'])\n"
            "print(sorted(m for m in ('numpy', 'pandas', 'mesa', 'duckdb', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_memory_estimate_lets_ordinary_runs_pass_and_stops_huge_ones():
    from sim.results.run import memory_need, memory_refusal

    base = load_scenario(BASELINE)
    assert memory_need(base) < 5 << 20                       # 3 groups x 104 meetings: a few MB
    huge = base.replace({"population.groups": 50000, "run.steps": 5000})
    full = memory_need(huge)
    sampled = memory_need(huge.replace({"run.firm_table": "sampled"}))
    off = memory_need(huge.replace({"run.firm_table": "off"}))
    assert full > sampled > off > 100 << 30                  # the steps table alone is ~275 GB
    assert memory_need(base, process=True) - memory_need(base) == 200 << 20
    assert memory_refusal(memory_need(base), "x") is None
    why = memory_refusal(full, "huge.toml: this run")
    assert why.startswith("huge.toml: this run needs about ") and "--force" in why
    assert memory_refusal(full, "x", force=True) is None
