"""docs/experiments.md is a test: its quick start runs, its SQL runs, its experiment files load."""

import re
import shlex
from pathlib import Path

import duckdb

from sim.cli import main
from sim.experiments.experiment import load_experiment

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
    for name, runs in (("quick", 16), ("sobol_baseline", 2048), ("morris_baseline", 396), ("policy_quick", 64),
                       ("policy", 1152)):
        exp = load_experiment(ROOT / "experiments" / f"{name}.toml")
        assert len(exp.plan().runs) == runs, name
        assert f"`{name}.toml`" in DOC and f"| {runs:,} |" in DOC


def test_policy_quick_start_runs_as_written(tmp_path, monkeypatch, capsys):
    import openpyxl

    monkeypatch.chdir(tmp_path)
    commands = [line.split("#")[0].strip() for line in blocks("bash")[1].splitlines()]
    commands = [c for c in commands if c.startswith("asocia ")]
    assert [c.split()[1] for c in commands] == ["sweep", "report", "report", "results"]
    for command in commands:
        argv = [str(ROOT / a) if a.startswith("experiments/") else a for a in shlex.split(command)[1:]]
        assert main(argv) == 0, command
    out = capsys.readouterr().out
    assert "64 runs" in out and "exported" in out
    folder = tmp_path / "results" / "policy-quick"
    spanish = (folder / "report.html").read_text()
    assert "Qué políticas son robustas" in spanish and "Se probaron 4 políticas" in spanish
    assert "Which policies are robust" in (folder / "report.en.html").read_text()
    assert {"runs", "policies", "dictionary"} <= set(openpyxl.load_workbook(
        tmp_path / "results" / "policy-quick.xlsx", read_only=True).sheetnames)
    assert (folder / "data_dictionary.csv").exists()


def test_dask_jobqueue_example_runs_with_a_stand_in_cluster(tmp_path, monkeypatch, capsys):
    """The SLURM example as written, with a LocalCluster behind SLURMCluster's arguments."""
    import sys
    import types

    from dask.distributed import LocalCluster

    class SLURMCluster(LocalCluster):
        def __init__(self, cores, processes, memory, walltime, job_extra_directives=()):
            self.per_job = processes
            super().__init__(n_workers=0, threads_per_worker=1, processes=False, dashboard_address=None)

        def scale(self, jobs=None, **kw):  # a "job" starts processes workers
            return super().scale(min(jobs * self.per_job, 32))

    monkeypatch.setitem(sys.modules, "dask_jobqueue", types.SimpleNamespace(SLURMCluster=SLURMCluster))
    code = next(b for b in blocks("python") if "dask_jobqueue" in b)
    small = tmp_path / "small.toml"
    small.write_text(f'[experiment]\nscenario = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"\n'
                     'design = "factorial"\nreplications = 32\nsteps = 2\n[factors]\n'
                     '"rules.monitoring" = { levels = [0.1, 0.6] }\n')
    code = code.replace('"experiments/sobol_baseline.toml"', repr(str(small))).replace(
        '"results/sobol"', repr(str(tmp_path / "sobol")))
    exec(compile(code, "docs/experiments.md", "exec"), {})
    assert capsys.readouterr().out.strip() == "32 workers, 64 runs"
    # cut for 32 workers: one run per batch (cut for 2 CPUs it would be 16 batches of 4 runs)
    assert len(list((tmp_path / "sobol" / "batches").glob("*.runs.*.parquet"))) == 64


def test_readme_runs_the_same_commands():
    readme = (ROOT / "README.md").read_text()
    docs = [line.split("#")[0].strip() for b in blocks("bash")[:2] for line in b.splitlines()
            if line.startswith("asocia")]
    shown = [line.split("#")[0].strip().removeprefix(".venv/bin/")
             for line in readme.splitlines() if line.startswith(".venv/bin/asocia ")]
    for command in docs:
        assert command in shown, command
