"""docs/experiments.md is a test: its quick start runs, its SQL runs, its experiment files load."""

import re
import shlex
from pathlib import Path

import duckdb

from sim.cli import main
from sim.experiment import load_experiment

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "experiments.md").read_text()


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC, flags=re.S)


def test_quick_start_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # results/quick lands in tmp_path, never in the repository
    commands = [line.split("#")[0].strip() for line in blocks("bash")[0].splitlines()]
    commands = [c for c in commands if c.startswith("asocia ")]
    assert [c.split()[1] for c in commands] == ["sweep", "results", "sensitivity", "report"]
    for command in commands:
        argv = shlex.split(command)[1:]
        argv = [str(ROOT / a) if a.startswith("experiments/") else a for a in argv]
        assert main(argv) == 0, command
    out = capsys.readouterr().out
    assert "16 of 16 stored" in out and "Scenario discovery" in out
    assert (tmp_path / "results" / "quick" / "report.html").stat().st_size > 1_000_000
    # and again: resumes, skips everything
    assert main(["sweep", str(ROOT / "experiments" / "quick.toml"), "--out", "results/quick"]) == 0
    assert "16 already stored, skipped" in capsys.readouterr().out
    # the SQL examples run on the store as written
    python = next(b for b in blocks("python") if "duckdb.connect" in b)
    exec(compile(python, "docs/experiments.md", "exec"), {"duckdb": duckdb})
    n = duckdb.sql("SELECT count(*) FROM 'results/quick/batches/*.runs.*.parquet'").fetchall()[0][0]
    assert n == 16


def test_shipped_experiments_load_and_match_the_table():
    for name, runs in (("quick", 16), ("sobol_baseline", 2048), ("morris_baseline", 396)):
        exp = load_experiment(ROOT / "experiments" / f"{name}.toml")
        assert len(exp.plan().runs) == runs, name
        assert f"`{name}.toml`" in DOC and f"| {runs:,} |" in DOC


def test_readme_runs_the_same_commands():
    readme = (ROOT / "README.md").read_text()
    docs = [line.split("#")[0].strip() for line in blocks("bash")[0].splitlines() if line.startswith("asocia")]
    shown = [line.split("#")[0].strip().removeprefix(".venv/bin/")
             for line in readme.splitlines() if line.startswith(".venv/bin/asocia ")]
    for command in docs:
        assert command in shown, command
