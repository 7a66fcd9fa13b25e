"""Sweeps: worker-count independence, resume, kill -9, damaged batches, Dask, store, CLI."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.experiment import load_experiment
from sim.experiments.sweep import default_workers, sweep
from sim.experiments.sweepstore import StoreError, SweepStore

ROOT = Path(__file__).resolve().parent.parent
BASELINE = (ROOT / "scenarios" / "baseline.toml").as_posix()
VOLATILE = ["elapsed", "batch", "source"]  # timing, file names and the origin text differ by design


def experiment(tmp_path, levels="[0.1, 0.7]", reps=3, steps=12, batch=2, name="exp.toml", extra=""):
    path = tmp_path / name
    path.write_text(
        f'[experiment]\nname = "t"\nscenario = "{BASELINE}"\ndesign = "factorial"\n'
        f"replications = {reps}\nseed = 11\nsteps = {steps}\nbatch = {batch}\n"
        f'series = ["trust", "members"]\n{extra}\n'
        f'[factors]\n"rules.monitoring" = {{ levels = {levels} }}\n'
        '"facilitator.schedule" = { levels = ["none", "taper"] }\n')
    return path


def stored(folder) -> pd.DataFrame:
    return SweepStore(folder).runs().drop(columns=VOLATILE).reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted sweep (1 worker) that other sweeps must reproduce."""
    tmp = tmp_path_factory.mktemp("ref")
    exp = load_experiment(experiment(tmp))
    rep = sweep(exp, tmp / "out", workers=1, progress=False)
    assert rep.ran == rep.total == 12
    return tmp / "out"


def test_two_workers_store_identical_outcomes(tmp_path, reference):
    exp = load_experiment(experiment(tmp_path, batch=1))
    sweep(exp, tmp_path / "out", workers=2, progress=False)
    a, b = stored(reference), stored(tmp_path / "out")
    assert len(a) == 12
    pd.testing.assert_frame_equal(a, b)
    assert [c for c in a.columns if c.startswith("outcome.")]
    sa, sb = SweepStore(reference).series(), SweepStore(tmp_path / "out").series()
    assert len(sa) == 12 * 12  # one row per run and meeting (summed or averaged over the groups)
    pd.testing.assert_frame_equal(sa, sb)


def test_store_layout_manifest_and_duckdb(reference):
    man = SweepStore(reference).manifest()
    assert man["fingerprint"] and man["versions"]["asocia"] and "spawn_key=(point, rep)" in man["replication_seeds"]
    assert man["roles"] == {"rules.monitoring": "lever", "facilitator.schedule": "lever"}
    assert man["sessions"][-1]["status"] == "complete"
    for name in ("experiment.toml", "base_scenario.toml", "design.parquet", "index.duckdb", "data_dictionary.csv"):
        assert (reference / name).exists()
    con = duckdb.connect(str(reference / "index.duckdb"), read_only=True)
    n, seeds = con.execute("SELECT count(*), count(DISTINCT seed) FROM runs").fetchone()
    assert (n, seeds) == (12, 12)  # seeds drawn per design point and replication
    per_point = con.execute('SELECT point, avg("outcome.survival") FROM runs GROUP BY point').fetchall()
    assert len(per_point) == 4
    assert con.execute("SELECT sum(rows) FROM batches").fetchone()[0] == 12
    params = con.execute('SELECT DISTINCT "rules.monitoring", "facilitator.schedule", '
                         '"run.firm_table" FROM runs').fetchall()
    assert {p[:2] for p in params} == {(m, s) for m in (0.1, 0.7) for s in ("none", "taper")}
    assert {p[2] for p in params} == {"off"}
    con.close()
    # the stored experiment re-runs into the same folder: nothing to do
    rep = sweep(load_experiment(reference / "experiment.toml"), reference, workers=1, progress=False)
    assert rep.ran == 0 and rep.skipped == 12


def test_resume_runs_only_missing_and_added_replications(tmp_path, reference):
    exp = load_experiment(experiment(tmp_path, reps=2))
    assert sweep(exp, tmp_path / "out", workers=1, progress=False).ran == 8
    more = load_experiment(experiment(tmp_path, reps=3))
    rep = sweep(more, tmp_path / "out", workers=2, progress=False)
    assert (rep.ran, rep.skipped) == (4, 8)
    pd.testing.assert_frame_equal(stored(reference), stored(tmp_path / "out"))


def test_other_experiment_in_same_folder_is_refused(tmp_path, reference, capsys):
    path = experiment(tmp_path, levels="[0.2, 0.7]")
    assert main(["sweep", str(path), "--out", str(reference), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "manifest.json" in err and "another experiment" in err and "Traceback" not in err


def test_kill_9_and_resume_loses_and_redoes_nothing(tmp_path, reference):
    path = experiment(tmp_path, reps=12, batch=2)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(path), "--out", str(out), "--workers", "2",
           "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and len(list((out / "batches").glob("*.runs.*.parquet"))) < 3:
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the pool's workers, started by this test
        except ProcessLookupError:
            pass
    assert proc.returncode == -signal.SIGKILL
    total = 2 * 2 * 12
    partial = len(list((out / "batches").glob("*.runs.*.parquet")))
    assert 3 <= partial < total // 2 // 2  # batches of 2 runs: killed well before half the runs
    exp = load_experiment(path)
    rep = sweep(exp, out, workers=2, progress=False)
    assert rep.skipped + rep.ran == total and rep.skipped >= 6
    runs = SweepStore(out).runs()
    assert len(runs) == total and not runs.duplicated(["point", "rep"]).any()
    # the same sweep, never interrupted
    clean = tmp_path / "clean"
    sweep(exp, clean, workers=1, progress=False)  # in-process: also a different worker count
    pd.testing.assert_frame_equal(stored(out), stored(clean))
    pd.testing.assert_frame_equal(SweepStore(out).series(), SweepStore(clean).series())
    # replications extend deterministically: the first three equal the 3-replication reference
    first = stored(out).query("rep < 3").reset_index(drop=True)
    pd.testing.assert_frame_equal(first, stored(reference))
    assert not list((out / "batches").glob("*.tmp"))


def test_corrupt_batch_is_reported_then_redone(tmp_path, reference, capsys):
    exp = load_experiment(experiment(tmp_path))
    out = tmp_path / "out"
    sweep(exp, out, workers=1, progress=False)
    victim = sorted((out / "batches").glob("*.runs.*.parquet"))[1]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    for argv in (["results", str(out)], ["sensitivity", str(out)], ["report", str(out)],
                 ["sweep", str(tmp_path / "exp.toml"), "--out", str(out), "--no-progress"]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert victim.name in err and "corrupt" in err and "Traceback" not in err
    assert main(["sweep", str(tmp_path / "exp.toml"), "--out", str(out), "--no-progress",
                 "--redo-damaged"]) == 0
    assert "redoing their 2 runs" in capsys.readouterr().err
    pd.testing.assert_frame_equal(stored(reference), stored(out))


def test_half_written_and_unindexed_batches_after_a_crash(tmp_path, reference):
    exp = load_experiment(experiment(tmp_path))
    out = tmp_path / "out"
    sweep(exp, out, workers=1, progress=False)
    store = SweepStore(out)
    last = sorted((out / "batches").glob("*.runs.*.parquet"))[-1]
    with duckdb.connect(str(out / "index.duckdb")) as con:  # as if killed between rename and index
        con.execute("DELETE FROM runs WHERE batch = ?", [last.name])
        con.execute("DELETE FROM batches WHERE file = ?", [last.name])
    (out / "batches" / "batch-x.runs.parquet.tmp").write_bytes(b"PAR1 half")
    # a series file whose runs file never landed: its runs were in flight
    (out / "batches" / "batch-z.series.0123456789ab.parquet").write_bytes(b"x")
    rep = sweep(exp, out, workers=1, progress=False)
    assert rep.ran == 0 and rep.adopted == [last.name]
    assert rep.discarded == ["batch-x.runs.parquet.tmp", "batch-z.series.0123456789ab.parquet"]
    pd.testing.assert_frame_equal(stored(reference), stored(out))
    # a renamed but unreadable file outside the index is named, not read
    # a renamed file whose bytes do not match the checksum in its name is named, not read
    bad = out / "batches" / "batch-y.runs.0123456789ab.parquet"
    bad.write_bytes(b"garbage")
    with pytest.raises(StoreError, match="batch-y.runs.0123456789ab.parquet: corrupt"):
        sweep(exp, out, workers=1, progress=False)
    bad.rename(out / "batches" / "notes.txt")
    with pytest.raises(StoreError, match="notes.txt: not a batch"):
        sweep(exp, out, workers=1, progress=False)
    assert len(store.runs()) == 12


def test_dask_local_cluster_matches_local_pool(tmp_path, reference):
    exp = load_experiment(experiment(tmp_path))
    rep = sweep(exp, tmp_path / "out", workers=2, engine="dask", progress=False)
    assert rep.engine == "dask" and rep.ran == 12
    pd.testing.assert_frame_equal(stored(reference), stored(tmp_path / "out"))


def test_existing_scheduler_address(tmp_path, reference):
    from dask.distributed import LocalCluster

    exp = load_experiment(experiment(tmp_path))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        rep = sweep(exp, tmp_path / "out", scheduler=cluster.scheduler_address, progress=False)
    assert (rep.engine, rep.workers, rep.ran) == ("dask", 2, 12)
    assert SweepStore(tmp_path / "out").manifest()["sessions"][-1]["scheduler"] == cluster.scheduler_address
    pd.testing.assert_frame_equal(stored(reference), stored(tmp_path / "out"))


def test_scheduler_chunks_follow_the_cluster_not_the_driver(tmp_path, monkeypatch):
    """24 runs on 6 worker threads: 6 x 4 chunks wanted, so one run per batch (cut for the driver's
    2 CPUs it would be 3 runs per batch); --workers still overrides."""
    from dask.distributed import LocalCluster

    monkeypatch.setattr("sim.experiments.sweep.default_workers", lambda: 2)
    exp = load_experiment(experiment(tmp_path, levels="[0.1, 0.3, 0.5, 0.7]", reps=3, steps=3, batch=0))
    with LocalCluster(n_workers=3, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        rep = sweep(exp, tmp_path / "a", scheduler=cluster.scheduler_address, progress=False)
        assert (rep.workers, rep.ran) == (6, 24)
        assert len(SweepStore(tmp_path / "a").indexed()) == 24
        rep = sweep(exp, tmp_path / "b", scheduler=cluster.scheduler_address, workers=1, progress=False)
        assert len(SweepStore(tmp_path / "b").indexed()) == 4  # cut for one worker: 4 chunks of 6 runs


@pytest.mark.parametrize(("runs", "workers", "sizes"), [
    (1000, 2, [250] * 4),                    # figure 4 of the engine benchmark: 2 chunks a worker
    (1152, 2, [192] * 6),                    # more than 250 a chunk: 6, still 3 a worker, equal
    (2048, 2, [205] * 9 + [203]),
    (7, 2, [2, 2, 2, 1]),
    (12, 1, [6, 6]),
])
def test_local_chunks_are_equal_and_as_many_for_each_worker(runs, workers, sizes):
    from sim.experiments.sweep import LOCAL_CHUNKS_PER_WORKER, _chunks

    chunks = _chunks(list(range(runs)), workers, 0, LOCAL_CHUNKS_PER_WORKER)
    assert [len(c) for c in chunks] == sizes
    assert sum(chunks, []) == list(range(runs))
    assert [len(c) for c in _chunks(list(range(runs)), workers, 5, LOCAL_CHUNKS_PER_WORKER)][0] == 5   # batch = 5


def test_unreachable_scheduler_is_a_user_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sim.experiments.sweep.CONNECT_TIMEOUT", "1s")
    path = experiment(tmp_path)
    code = main(["sweep", str(path), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:1",
                 "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "tcp://127.0.0.1:1" in err and "Traceback" not in err


def test_results_command_and_missing_folder(reference, tmp_path, capsys):
    assert main(["results", str(reference)]) == 0
    out = capsys.readouterr().out
    assert "12 of 12 stored" in out and "survival" in out
    assert main(["results", str(tmp_path / "nothing")]) == 2
    assert "no such sweep folder" in capsys.readouterr().err


def test_a_lost_worker_is_replaced_and_nothing_is_lost(tmp_path, reference):
    import psutil

    # 160 runs in 80 chunks: when the second batch is on disk most chunks are still to come, so the
    # kill lands while the pool has work (with 48 runs a fast machine finished them all first)
    path = experiment(tmp_path, reps=40, batch=2)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(path), "--out", str(out), "--workers", "2",
           "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and len(list((out / "batches").glob("*.runs.*.parquet"))) < 2:
            time.sleep(0.05)
        workers = [c for c in psutil.Process(proc.pid).children() if "spawn_main" in " ".join(c.cmdline())]
        assert workers
        os.kill(workers[0].pid, signal.SIGKILL)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, stderr
    assert "a worker process died" in stderr and "160 runs" in stdout, (stdout, stderr)
    runs = SweepStore(out).runs()
    assert len(runs) == 160 and not runs.duplicated(["point", "rep"]).any()
    pd.testing.assert_frame_equal(stored(out).query("rep < 3").reset_index(drop=True), stored(reference))


DRIVER = r'''
import json, sys
from sim.cli import main
code = main(["sweep", sys.argv[1], "--out", sys.argv[2], "--workers", "2", "--no-progress"])
heavy = ("mesa", "numba", "scipy", "networkx", "sim.model.kernels", "sim.model.agenda", "sim.results.run")
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules]}))
'''


@pytest.mark.skipif(default_workers() < 2, reason="with one CPU the sweep runs in the driver")
def test_the_driver_of_a_sweep_never_loads_the_engine(tmp_path):
    """'asocia sweep --workers 2' reads the experiment, prepares the store and stores the results
    without Mesa, numba and the kernels: only its workers need them (about 2 CPU-s of start-up each)."""
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(experiment(tmp_path, reps=1, steps=3)),
                           str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got == {"code": 0, "loaded": []}
    assert len(SweepStore(tmp_path / "out").runs()) == 4


def test_batches_indexed_together_or_apart_are_every_run_once(tmp_path, monkeypatch):
    """Batches flushed at once go to the index's runs table in one insert while their columns and types
    agree, and apart where they do not; either way the index equals the batches, row for row."""
    monkeypatch.setattr("sim.experiments.sweepstore.FLUSH_SECONDS", 1e9)   # one flush, at the end
    exp = load_experiment(experiment(tmp_path, reps=3))
    plan = exp.plan()
    store = SweepStore.create_or_open(tmp_path / "out", exp, plan)
    rows = pd.DataFrame([{"point": r.point, "rep": r.rep, "seed": r.seed, "outcome.trust": r.rep / 10}
                         for r in plan.runs])
    parts = [rows.iloc[i:i + 3].reset_index(drop=True) for i in range(0, 12, 3)]
    parts[0]["outcome.note"] = 1.5             # a column the others lack
    parts[3]["outcome.trust"] = parts[3]["outcome.trust"].astype("float32")   # another type
    for part in parts:
        store.write_batch(part)
    assert len(store._pending) == 4
    store.flush()
    store.unlock()
    got = SweepStore(tmp_path / "out").runs()   # refuses an index whose runs differ from the batches
    assert len(got) == 12 and not got.duplicated(["point", "rep"]).any()
    assert got["outcome.note"].notna().sum() == 3
    with duckdb.connect(str(tmp_path / "out" / "index.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*), count(DISTINCT batch) FROM runs").fetchone() == (12, 4)


def test_throughput_benchmark_runs(capsys, tmp_path):
    sys.path.insert(0, str(ROOT))
    from benchmarks.sweep_throughput import main as bench

    assert bench(["--quick", "--reps", "4", "--serial", "2", "--skip-dask", "--json", str(tmp_path / "b.json")]) == 0
    out = capsys.readouterr().out
    assert "local pool" in out and "runs/s" in out and "peak MB" in out
    assert (tmp_path / "b.json").stat().st_size > 0


def test_design_points_share_a_batch_and_each_run_is_its_run_alone(tmp_path):
    """A chunk plays the design points whose scenarios differ only in batchable parameters as one batch
    (here monitoring x facilitator schedule: all twelve runs in one model); every stored outcome is that of
    the point's scenario played alone with the run's seed."""
    import numpy as np

    import sim
    from sim.experiments.sweep import run_chunk

    exp = load_experiment(experiment(tmp_path, steps=40))
    plan = exp.plan()
    tasks = [(r.point, r.rep, r.seed, plan.scenarios[r.point]) for r in plan.runs]
    calls = []
    run_module = sys.modules["sim.results.run"]
    real = run_module._play_batch

    def spy(scenarios, seeds, steps, tables):
        calls.append(len(seeds))
        return real(scenarios, seeds, steps, tables)

    run_module._play_batch = spy
    try:
        runs, series = run_chunk(tasks, exp.horizon, list(exp.outcomes), ["trust", "members"], 5)
    finally:
        run_module._play_batch = real
    assert calls == [len(tasks)]
    from sim.experiments.sweep import compact_series

    for (point, rep, seed, sc), (_, row) in zip(tasks, runs.iterrows(), strict=True):
        result = sim.run(sc, seed=seed, steps=exp.horizon)
        alone = result.runs.iloc[0]
        assert (row["point"], row["rep"]) == (point, rep)
        mine = series[(series["point"] == point) & (series["rep"] == rep)].drop(columns=["point", "rep"])
        want = compact_series(result.steps, ["trust", "members"], 5)
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), want, check_exact=True)
        for name in set(exp.outcomes) - {"facilitator_meetings"}:   # that one the sweep reads off the steps
            a, b = alone[f"outcome.{name}"], row[f"outcome.{name}"]
            assert (np.isnan(a) and np.isnan(b)) or a == b, (point, name)


def test_a_batchs_series_and_facilitator_time_are_those_of_each_run():
    """The sweep reads a batch as a whole: each run's series and facilitator time equal its own table's."""
    import sim
    from sim.experiments.sweep import (
        _facilitator_meetings,
        _series_by_replication,
        compact_series,
        facilitator_meetings,
    )
    from sim.results.run import play_batches

    sc = sim.load_scenario("scenarios/weak_firms.toml")
    batch, = play_batches(sc, [1, 2, 3, 4], 60, tables=("runs", "steps"))
    table, bounds = batch.frames["steps"]
    columns = ["alive", "members", "trust", "cooperation", "income_gain", "facilitator", "manager"]
    run_of, out = _series_by_replication(table, bounds, columns, 7)
    cost = _facilitator_meetings(table, bounds)
    for r, (lo, hi) in enumerate(bounds):
        own = table.iloc[lo:hi].reset_index(drop=True)
        mine = pd.DataFrame({k: v[run_of == r] for k, v in out.items()})
        pd.testing.assert_frame_equal(mine, compact_series(own, columns, 7), check_exact=True)
        assert cost[r] == facilitator_meetings(own)
        assert cost[r] == float(own.loc[own["alive"].astype(bool), "facilitator"].sum() / own["group"].nunique())
