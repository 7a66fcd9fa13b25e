"""Store faults (issue 16.2, 16.3, 16.7): results are never overwritten, mixed or read unverified.

A small sweep is stored once; each test damages a copy the way a person, a crash or a disk would
(an edited index or manifest, a copied or truncated batch, a lost index, a glob character in the
path) and checks that every command refuses it with one line naming the file, or repairs it
from the checksummed Parquet batches and then reads exactly the original runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.sweepstore import SweepStore

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
ERROR = re.compile(r"^asocia: error: \S")
RUNS = 8   # 2 x 2 design points x 2 replications


def experiment(tmp: Path, reps: int = 2, steps: int = 6) -> Path:
    path = tmp / "exp.toml"
    path.write_text(
        f'[experiment]\nname = "faults"\nscenario = "{BASELINE.as_posix()}"\ndesign = "factorial"\n'
        f"replications = {reps}\nseed = 5\nsteps = {steps}\nbatch = 2\nseries = [\"trust\"]\n"
        '[factors]\n"rules.monitoring" = { levels = [0.1, 0.7] }\n'
        '"facilitator.schedule" = { levels = ["none", "taper"] }\n')
    return path


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def refused(capsys, *argv, names: str) -> str:
    code, out, err = cli(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 2, (argv, out, err)
    assert len(lines) == 1 and ERROR.match(lines[0]), err
    assert names in lines[0], (names, lines[0])
    return lines[0]


def parquet_runs(folder: Path) -> pd.DataFrame:
    files = sorted((folder / "batches").glob("*.runs.*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def same_runs(a: Path, b: Path) -> None:
    # timing, file names and the experiment file's path differ by design
    x, y = (SweepStore(f).runs().drop(columns=["batch", "elapsed", "source"]) for f in (a, b))
    assert len(x) == RUNS
    pd.testing.assert_frame_equal(x, y)


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("store")
    assert main(["sweep", str(experiment(tmp)), "--out", str(tmp / "st"), "--workers", "1",
                 "--no-progress"]) == 0
    return tmp / "st"


@pytest.fixture
def store(original, tmp_path):
    shutil.copytree(original, tmp_path / "st")
    experiment(tmp_path)
    return tmp_path / "st"


def sweep_again(store: Path, *flags):
    return ("sweep", store.parent / "exp.toml", "--out", store, "--workers", "1", "--no-progress", *flags)


def sql(store: Path, statement: str) -> None:
    with duckdb.connect(str(store / "index.duckdb")) as con:
        con.execute(statement)


# ---------------------------------------------------------------------- batches
def test_a_copied_batch_is_refused_not_counted_twice(store, original, capsys):
    src = sorted((store / "batches").glob("*.runs.*.parquet"))[0]
    sha = src.name.split(".")[2]
    copy = src.with_name(f"batch-00000000000000000001-abcdef.runs.{sha}.parquet")
    shutil.copy(src, copy)
    line = refused(capsys, *sweep_again(store), names=copy.name)
    assert "already stored" in line
    copy.unlink()
    assert cli(capsys, "results", store)[0] == 0
    same_runs(original, store)


def test_a_truncated_batch_is_named_then_redone_identically(store, original, capsys):
    victim = sorted((store / "batches").glob("*.runs.*.parquet"))[1]
    victim.write_bytes(victim.read_bytes()[:100])
    for command in (("results", store), ("sensitivity", store), ("report", store)):
        refused(capsys, *command, names=victim.name)
    refused(capsys, *sweep_again(store), names=victim.name)
    code, _, err = cli(capsys, *sweep_again(store, "--redo-damaged"))
    assert code == 0 and "redoing their 2 runs" in err
    same_runs(original, store)


def test_a_stray_file_in_batches_is_named(store, capsys):
    (store / "batches" / "notes.txt").write_text("mine")
    refused(capsys, *sweep_again(store), names="notes.txt")


# ---------------------------------------------------------------------- the index
@pytest.mark.parametrize("edit", [
    'UPDATE runs SET "outcome.survival" = 0 WHERE point = 1',
    "DELETE FROM runs WHERE point = 0 AND rep = 0",
    "INSERT INTO runs SELECT * FROM runs LIMIT 1",
    'ALTER TABLE runs DROP COLUMN "outcome.trust"',
    "DROP TABLE runs",
])
def test_an_edited_index_is_refused_and_repaired_from_the_batches(store, original, capsys, edit):
    sql(store, edit)
    for command in (("results", store), ("sensitivity", store), ("report", store)):
        line = refused(capsys, *command, names="index.duckdb")
        assert "asocia repair" in line
    refused(capsys, *sweep_again(store), names="index.duckdb")   # resuming would run it twice
    code, out, _ = cli(capsys, "repair", store)
    assert code == 0 and f"from 4 batches ({RUNS} runs)" in out
    same_runs(original, store)
    assert len(parquet_runs(store)) == RUNS


@pytest.mark.parametrize("damage", ["delete", "truncate", "garbage"])
def test_a_lost_or_damaged_index_is_rebuilt_by_redo_damaged(store, original, capsys, damage):
    index = store / "index.duckdb"
    if damage == "delete":
        index.unlink()
    elif damage == "truncate":
        with open(index, "r+b") as f:
            f.truncate(4096)
    else:
        index.write_bytes(b"not a database" * 500)
    refused(capsys, "results", store, names="index.duckdb")
    refused(capsys, *sweep_again(store), names="--redo-damaged")
    code, out, err = cli(capsys, *sweep_again(store, "--redo-damaged"))
    assert code == 0 and f"rebuilt {index} from 4 batches ({RUNS} runs)" in err
    assert f"{RUNS} already stored" in out   # nothing re-run
    same_runs(original, store)
    assert len(parquet_runs(store)) == RUNS
    # the series view of the rebuilt index reads the batches
    with duckdb.connect(str(index), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM series").fetchall()[0][0] == RUNS * 6  # a row per run and meeting


# ---------------------------------------------------------------------- manifest and design
@pytest.mark.parametrize(("key", "value"), [
    ("replications", 1), ("root_seed", 7), ("design", "sobol"), ("points", 3),
    ("factors", ["rules.fine"]), ("outcomes", ["survival"]), ("steps", 60), ("fingerprint", "0" * 16),
])
def test_an_edited_manifest_key_field_is_refused(store, capsys, key, value):
    path = store / "manifest.json"
    info = json.loads(path.read_text())
    info[key] = value
    path.write_text(json.dumps(info))
    for command in (("results", store), ("sensitivity", store), ("report", store)):
        refused(capsys, *command, names="manifest.json")


def test_a_session_note_in_the_manifest_is_not_a_key_field(store, capsys):
    path = store / "manifest.json"
    info = json.loads(path.read_text())
    info["sessions"][0]["note"] = "ran overnight"
    path.write_text(json.dumps(info))
    assert cli(capsys, "results", store)[0] == 0


@pytest.mark.parametrize("text", ["{", "[1, 2]", '{"kind": "run", "seed": 1}', ""])
def test_a_broken_manifest_is_named(store, capsys, text):
    (store / "manifest.json").write_text(text)
    refused(capsys, "results", store, names="manifest.json")


def test_an_edited_design_is_refused(store, capsys):
    d = pd.read_parquet(store / "design.parquet")
    d["rules.monitoring"] = 0.33
    d.to_parquet(store / "design.parquet", index=False)
    for command in (("results", store), ("sensitivity", store), ("report", store)):
        refused(capsys, *command, names="design.parquet")


# ---------------------------------------------------------------------- paths and kinds of folder
@pytest.mark.parametrize("char", ["*", "[", "{a,b}", "'"])
def test_a_glob_character_in_the_store_path_reads_only_this_store(original, tmp_path, capsys, char):
    shutil.copytree(original, tmp_path / "stXre")   # what DuckDB's glob would have matched too
    exp = experiment(tmp_path)
    out = tmp_path / f"st{char}re"
    assert cli(capsys, "sweep", exp, "--out", out, "--workers", "1", "--no-progress")[0] == 0
    code, text, _ = cli(capsys, "results", out)
    assert code == 0 and f"{RUNS} of {RUNS} stored" in text
    same_runs(original, out)
    assert len(SweepStore(out).series()) == RUNS * 6  # a row per run and meeting


def test_duckdb_running_out_of_memory_is_said_as_such_not_as_a_damaged_index(store, capsys, monkeypatch):
    # under a process memory limit DuckDB can fail the index check; that is not a mismatch to repair
    real = SweepStore.connect

    class Starved:
        def __init__(self, con):
            self.con = con

        def execute(self, sql, *args):
            if "EXCEPT ALL" in sql:
                raise duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate data of size 256.0 KiB")
            return self.con.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.con, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self.con.__exit__(*exc)

    monkeypatch.setattr(SweepStore, "connect", lambda self, *a, **k: Starved(real(self, *a, **k)))
    before = (store / "index.duckdb").read_bytes()
    line = refused(capsys, "results", store, names="index.duckdb")
    assert "ran out of memory" in line and "nothing was changed" in line
    assert "does not match" not in line and "rebuild" not in line
    assert (store / "index.duckdb").read_bytes() == before


def test_a_question_mark_in_the_store_path_is_refused_before_any_run(tmp_path, capsys):
    refused(capsys, "sweep", experiment(tmp_path), "--out", tmp_path / "st?re", "--no-progress", names="'?'")
    assert not (tmp_path / "st?re").exists()


def test_a_run_and_a_sweep_never_share_a_folder(store, tmp_path, capsys):
    refused(capsys, "run", BASELINE, "--steps", "2", "--out", store, names="sweep store")
    assert cli(capsys, "run", BASELINE, "--steps", "2", "--out", tmp_path / "r")[0] == 0
    refused(capsys, *sweep_again(tmp_path / "r"), names="asocia run")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("x")
    refused(capsys, *sweep_again(tmp_path / "mine"), names="notes.txt")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "x"
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.txt"]


# ---------------------------------------------------------------------- run folders
def test_default_run_folders_are_per_scenario_file_and_another_run_is_never_overwritten(tmp_path, capsys,
                                                                                       monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli(capsys, "run", BASELINE, "--steps", "3")[0] == 0
    first = (tmp_path / "results" / "baseline-1" / "manifest.json").read_text()
    (tmp_path / "empty.toml").write_text("")   # the defaults, also named "baseline"
    code, out, _ = cli(capsys, "run", tmp_path / "empty.toml", "--steps", "3")
    assert code == 0 and "results/empty-1/" in out
    (tmp_path / "copy").mkdir()
    edited = tmp_path / "copy" / "baseline.toml"
    edited.write_text(BASELINE.read_text())
    refused(capsys, "run", edited, "--steps", "3", "--set", "rules.monitoring=0.9", names="--force")
    assert (tmp_path / "results" / "baseline-1" / "manifest.json").read_text() == first
    assert cli(capsys, "run", BASELINE, "--steps", "3")[0] == 0   # the same run again: same tables
    assert cli(capsys, "run", edited, "--steps", "3", "--set", "rules.monitoring=0.9", "--force")[0] == 0
    assert json.loads((tmp_path / "results" / "baseline-1" / "manifest.json").read_text())["scenario_source"] \
        .endswith(str(edited))


def test_a_reused_run_folder_holds_only_the_current_files(tmp_path, capsys):
    out = tmp_path / "o"
    assert cli(capsys, "run", BASELINE, "--steps", "3", "--csv", "--out", out)[0] == 0
    assert len(list(out.glob("*.csv"))) == 4
    assert cli(capsys, "run", BASELINE, "--steps", "4", "--out", out, "--force")[0] == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["manifest.json", "scenario.toml", "runs.parquet", "steps.parquet", "firms.parquet", "events.parquet"])


def test_sigterm_early_in_a_sweep_ends_with_the_message(tmp_path):
    exp = experiment(tmp_path, reps=20, steps=40)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "sweep", str(exp), "--out", str(tmp_path / "o"),
                             "--workers", "1", "--no-progress"], stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 60
    while not (tmp_path / "o").exists() and time.time() < deadline:   # the store is being created
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err


def test_ctrl_c_just_after_a_batch_is_written_counts_it_as_stored(tmp_path, capsys, monkeypatch):
    # the signal lands inside the driver's save(): the batch is on disk (and indexed at the end),
    # the session's counter not yet raised; the message and the manifest must say what is stored
    real = SweepStore.write_batch
    calls = []

    def write_then_interrupt(self, runs, series=None):
        name = real(self, runs, series)
        calls.append(len(runs))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return name

    monkeypatch.setattr(SweepStore, "write_batch", write_then_interrupt)
    code, _, err = cli(capsys, "sweep", experiment(tmp_path), "--out", tmp_path / "o", "--workers", "1",
                       "--no-progress")
    assert code == 130
    stored = len(SweepStore(tmp_path / "o").runs())
    assert stored == sum(calls) == 4   # two batches of 2 runs
    lines = err.strip().splitlines()
    assert lines[-2].startswith(f"asocia: {stored} of {RUNS} runs are stored in "), err
    assert lines[-1] == "asocia: interrupted" and err.count("interrupted") == 1, err
    session = json.loads((tmp_path / "o" / "manifest.json").read_text())["sessions"][-1]
    assert session["status"] == "interrupted" and session["ran"] == stored
