"""The sweep runner: every design point x replication of an experiment, in parallel, resumable.

:func:`sweep` plans the runs (sim/experiment.py), skips those already in the store
(sim/sweepstore.py), cuts the rest into chunks and hands them to an engine: a local process pool
(default, no set-up) or Dask distributed (an embedded ``LocalCluster``, or an existing scheduler
given by address). Workers only compute (:func:`run_chunk` calls :func:`sim.run`) and return
small tables; the driver writes each finished chunk as one batch, so a kill loses at most the
chunks in flight and re-running the same command resumes. Seeds come from the plan, never from
the worker, so results do not depend on worker count or order.
"""

from __future__ import annotations

import atexit
import gc
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .sweepstore import StoreError, SweepStore

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from .experiment import Experiment

# NumPy and pandas are imported by the functions that use them: 'asocia sweep' starts its workers
# (start_pool) before the driver loads anything heavy, and the driver never needs the engine

ENGINES = ("local", "dask")
CONNECT_TIMEOUT = "10s"  # how long to try an existing Dask scheduler before giving up
WAIT_WORKERS = 120  # seconds to wait for the first worker of a scheduler (batch jobs start late)
DROP = ("run", "schema")


@dataclass
class SweepReport:
    """What a sweep did: runs in the experiment, already stored, run now, time and engine."""

    folder: Path
    total: int
    skipped: int
    ran: int
    seconds: float
    engine: str
    workers: int
    discarded: list[str]
    adopted: list[str]

    @property
    def rate(self) -> float:
        """Runs per second in this session."""
        return self.ran / self.seconds if self.seconds > 0 else float("nan")


# per-step columns that add up over a run's groups; "alive" becomes the share of groups alive and
# every other column the mean over the groups alive at that meeting
SUMMED = ("members", "entries", "exits", "expulsions", "conflicts", "violations", "furtive_acts")


def facilitator_meetings(steps: pd.DataFrame) -> float:
    """The programme's cost of a run: facilitator presence summed over meetings, per group.

    A group with the facilitator at full presence for 52 meetings costs 52; at half presence, 26.
    """
    return float(_facilitator_meetings(steps, [(0, len(steps))])[0])


def _facilitator_meetings(steps: pd.DataFrame, bounds) -> np.ndarray:
    """:func:`facilitator_meetings` of each run of a batch's steps table (``bounds``: each run's rows).

    The sum over each run's live rows is NumPy's on the same values in the same order as a
    pandas ``Series.sum`` of the run's own rows (NaN counted as 0), so the numbers are the same.
    """
    import numpy as np

    from ..results.run import _Segments

    seg = _Segments(bounds)
    alive = steps["alive"].to_numpy().astype(bool)
    groups = steps["group"].to_numpy().astype(np.int64)
    width = int(groups.max()) + 1 if len(groups) else 1
    n_groups = np.bincount(np.unique(seg.row * width + groups) // width, minlength=seg.n)
    return seg.sum(steps["facilitator"].to_numpy(), alive) / n_groups


def compact_series(steps: pd.DataFrame, columns, every: int) -> pd.DataFrame:
    """A run's group-level series, one row per kept meeting (every ``every``-th and the last).

    NumPy on the columns (a pandas groupby per column and run cost ~14 ms a run, more than
    playing it in a batch): counts and sums with ``bincount`` over the kept meetings.
    """
    import pandas as pd

    _, out = _series_by_replication(steps, [(0, len(steps))], columns, every)
    return pd.DataFrame(out)


def _series_by_replication(steps: pd.DataFrame, bounds, columns, every: int) -> tuple[np.ndarray, dict]:
    """:func:`compact_series` of each run of a batch's steps table at once (``bounds``: each run's rows).

    Returns the run (index into ``bounds``) of every output row and the columns. A run's rows are
    binned by (run, kept meeting); ``bincount`` adds each bin's values in the order of the rows, so
    every number is the one the run's own table gives.
    """
    import numpy as np

    from ..results.run import _Segments

    seg = _Segments(bounds)
    step = steps["step"].to_numpy()
    last = seg.spread(seg.reduce(np.maximum, step))
    sel = (step % every == 0) | (step == last)
    width = int(step.max()) + 1 if len(step) else 1
    kept, at = np.unique(seg.row[sel] * width + step[sel], return_inverse=True)
    alive = steps["alive"].to_numpy()[sel].astype(bool)
    n_rows = np.bincount(at, minlength=len(kept)).astype(float)
    n_alive = np.bincount(at, weights=alive, minlength=len(kept))
    out = {"step": (kept % width).astype(step.dtype)}
    for c in columns:
        if c == "alive":
            out[c] = n_alive / n_rows
            continue
        x = steps[c].to_numpy()[sel].astype(float)
        if c in SUMMED:
            out[c] = np.bincount(at, weights=x, minlength=len(kept))
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                out[c] = np.bincount(at, weights=np.where(alive, x, 0.0), minlength=len(kept)) / n_alive
            out[c][n_alive == 0] = np.nan
    return kept // width, out


def run_chunk(tasks, steps: int, outcomes, series, every: int = 1):
    """Play a chunk of runs; returns (runs table, series table or None). Runs in a worker.

    The chunk's runs are played as batches (:func:`sim.results.run.play_batches`: the same tables as
    separate runs, at a fraction of the cost): the replications of a design point, and the design
    points whose scenarios differ only in parameters a batch can vary per group
    (:data:`sim.model.points.BATCHABLE`), share one model. Only the tables a sweep keeps are built:
    the runs rows and the steps table their outcomes and series come from, no firm rows and no
    event sentences. The rows and series of a batch's runs are read from the batch's tables at once
    (the same numbers as from each run's own tables). ``elapsed`` is the batch's time shared equally
    among its runs.

    Args:
        tasks: list of (point, rep, seed, scenario).
        steps: meetings per run.
        outcomes: outcome names to keep (``outcome.<name>`` columns).
        series: per-step columns to keep, aggregated over the run's groups ([] for none).
        every: meetings between kept series points (the last meeting is always kept).

    """
    import numpy as np
    import pandas as pd

    from ..model.points import not_batchable
    from ..results.run import play_batches

    rows, frames = [], []
    keep = {f"outcome.{o}" for o in outcomes}
    groups, compatible = [], {}
    for task in tasks:   # consecutive runs whose scenarios a batch can hold together
        sc = task[3]
        if groups:
            first = groups[-1][0][3]
            if id(sc) not in compatible:
                compatible[id(sc)] = sc is first or not not_batchable([first, sc])
            if compatible[id(sc)]:
                groups[-1].append(task)
                continue
        groups.append([task])
        compatible = {id(sc): True}
    for same in groups:
        t0 = time.perf_counter()
        batches = play_batches([sc for _, _, _, sc in same], [seed for _, _, seed, _ in same], steps,
                               tables=("runs", "steps"))
        elapsed = (time.perf_counter() - t0) / len(same)
        runs = iter([(point, rep) for point, rep, _, _ in same])
        for batch in batches:
            table, bounds = batch.frames["steps"]
            mine = [next(runs) for _ in bounds]
            cost = _facilitator_meetings(table, bounds) if "outcome.facilitator_meetings" in keep else None
            names = [k for k in batch.rows[0] if not (k in DROP or k.startswith("version.")
                                                      or (k.startswith("outcome.") and k not in keep))]
            for r, ((point, rep), values) in enumerate(zip(mine, batch.rows, strict=True)):
                row = {"point": point, "rep": rep, **{k: values[k] for k in names}}
                if cost is not None:
                    row["outcome.facilitator_meetings"] = float(cost[r])
                row["elapsed"] = elapsed
                rows.append(row)
            if series:
                run_of, out = _series_by_replication(table, bounds, series, every)
                ids = np.asarray(mine, np.int64).reshape(-1, 2)
                frames.append(pd.DataFrame({"point": ids[run_of, 0], "rep": ids[run_of, 1], **out}))
    return pd.DataFrame(rows), (pd.concat(frames, ignore_index=True) if frames else None)


def _init_worker(driver: int) -> None:
    """Leave Ctrl-C to the driver, exit if the driver dies (even by kill -9), load the engine."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch():
        while os.getppid() == driver:
            time.sleep(0.5)
        os._exit(3)  # orphaned: nobody will store this worker's results

    threading.Thread(target=watch, daemon=True, name="asocia-driver-watch").start()
    # import the engine and load its compiled kernels now (what the first chunk would do), so a
    # pool started early (start_pool) is ready when the driver hands out the chunks
    try:
        from ..model.scenario import Scenario
        from ..results.run import play_batches

        play_batches(Scenario().replace({"population.groups": 1, "run.firm_table": "off"}), [1], 1,
                     tables=("runs", "steps"))
    except Exception:  # noqa: BLE001 - only a warm-up: the chunks report any real problem
        pass
    # at exit, the objects of the libraries imported (Mesa, SciPy, NetworkX, numba...) out of the
    # collector's reach: their final collections cost a worker about 0.4 s, which the driver waits for
    atexit.register(gc.freeze)


def _nothing() -> None:
    """A task that only makes a pool start a worker."""


def start_pool(workers: int | None, engine: str = "local", scheduler: str | None = None):
    """A local process pool whose workers start now, or None when :func:`sweep` will not use one.

    ``asocia sweep`` starts the pool before it reads the experiment, so the workers import the
    engine while the driver reads the experiment and prepares the store (about 2 s each on the
    2-core machine). Hand it to :func:`sweep`, and pass it to :func:`stop_pool` in any case.
    """
    if engine != "local" or scheduler:
        return None
    n = min(workers or default_workers(), default_workers())
    if n < 2:
        return None
    pool = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker, initargs=(os.getpid(),))
    for _ in range(n):   # a worker is started per task until there are n
        pool.submit(_nothing)
    return pool


def stop_pool(pool) -> None:
    """End a pool from :func:`start_pool` that :func:`sweep` did not use up (None: nothing to do)."""
    if pool is not None:
        _stop(pool)


def default_workers() -> int:
    """Worker processes when none are asked for: the CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


# automatic chunks: a chunk's replications of a design point are one batch, whose meetings cost
# less per replication the more it holds (baseline: 3.8 ms CPU a replication in a batch of 125,
# 3.1 in one of 250, 4.5 of 50; measured alternately in one process on the shared machine).
# A local pool's workers are alike (one machine): LOCAL_CHUNKS_PER_WORKER equal chunks each balance
# them; Dask's may not be (other machines and loads): CHUNKS_PER_WORKER a worker thread. Chunks hold
# at most MAX_CHUNK runs (then more chunks, still a multiple of the workers), and a kill loses at
# most the chunks in flight
CHUNKS_PER_WORKER = 4
LOCAL_CHUNKS_PER_WORKER = 2
MAX_CHUNK = 250


def _chunks(tasks, workers: int, batch: int, per_worker: int = CHUNKS_PER_WORKER):
    """``tasks`` cut into chunks of ``batch`` runs, or automatically into equal ones (see above)."""
    if batch:
        size = batch
    else:
        n = max(workers * per_worker, math.ceil(len(tasks) / MAX_CHUNK))
        n = math.ceil(n / workers) * workers   # each worker gets as many
        size = max(1, math.ceil(len(tasks) / n))
    return [tasks[i:i + size] for i in range(0, len(tasks), size)]


def sweep(experiment: Experiment, out, workers: int | None = None, engine: str = "local",
          scheduler: str | None = None, progress: bool = True, redo_damaged: bool = False,
          log=None, force: bool = False, pool=None) -> SweepReport:
    """Run (or resume) an experiment into the store folder ``out``.

    Args:
        experiment: a loaded experiment (:func:`sim.experiments.experiment.load_experiment`).
        out: the store folder; created, or resumed if it holds the same experiment.
        workers: processes (local) or workers of the embedded LocalCluster; default: CPUs. With a
            ``scheduler``, the work is cut for this many workers; default: the threads of the
            workers connected to the scheduler (waiting up to ``WAIT_WORKERS`` for the first).
        engine: ``"local"`` (process pool) or ``"dask"``.
        scheduler: address of a running Dask scheduler (``tcp://host:8786``); implies Dask.
        progress: show a tqdm progress bar on stderr.
        redo_damaged: drop batches that are missing or corrupt and redo their runs, and rebuild
            a lost or damaged index from the batches.
        log: where to print notes (default stderr).
        force: start even when the memory estimate says the runs will not fit.
        pool: a process pool from :func:`start_pool` to use for the local engine (its workers
            already started); the caller stops it afterwards with :func:`stop_pool`.

    Raises:
        StoreError: the folder belongs to another experiment, or a batch is damaged, or the
            runs would not fit in memory (without ``force``).

    """
    from ..model.scenario import check_name
    from ..results.environment import memory_need, memory_refusal

    log = log or sys.stderr
    if engine not in ENGINES:
        raise StoreError(f"--engine got {engine!r}; allowed: {', '.join(ENGINES)}")
    check_name(experiment.name, f"{experiment.path}: key 'experiment.name'")
    if scheduler:
        engine = "dask"
        _check_address(scheduler)
    cpus = default_workers()
    if workers is not None and workers > cpus and not scheduler:
        # more processes than CPUs only share the same cores, each with its own copy of the model
        print(f"asocia: --workers {workers} capped at {cpus} (the CPUs this process may use)", file=log)
    # with a scheduler, the cluster's own size decides the chunking (found once connected)
    workers = min(workers or cpus, cpus) if not scheduler else workers
    plan = experiment.plan()
    # each worker is a new process; remote Dask workers use their own machine's memory
    parallel = min(workers, len(plan.runs)) if not scheduler else 0
    need = max(memory_need(sc, experiment.horizon, process=parallel > 1) for sc in plan.scenarios)
    why = memory_refusal(need * max(parallel, 1) if parallel else 0,
                         f"{experiment.path}: {parallel} run(s) at once", force)
    if why:
        raise StoreError(why)
    store = SweepStore.create_or_open(out, experiment, plan)
    previous = None
    try:
        if threading.current_thread() is threading.main_thread():  # SIGTERM (e.g. scancel) = Ctrl-C
            previous = signal.signal(signal.SIGTERM, _interrupt)
        return _sweep(experiment, plan, store, workers, engine, scheduler, progress, redo_damaged, log, pool)
    finally:
        store.unlock()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _check_address(scheduler: str) -> None:
    """Refuse a malformed scheduler address before anything starts (Dask's own parser)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, loc = parse_address(scheduler)   # no scheme: tcp, as Dask's Client reads it
        if scheme not in ("tcp", "tls", "ws", "wss", "ucx", "inproc"):
            raise ValueError(f"unknown scheme {scheme!r}")
        if scheme != "inproc":   # an in-process cluster (tests) has no host and port
            host, port = parse_host_port(loc)
            if not host or not 0 < int(port) < 65536:
                raise ValueError("a host and a port from 1 to 65535 are needed")
    except (ValueError, TypeError) as e:
        raise StoreError(f"--scheduler got {scheduler!r} ({e}); allowed: an address such as "
                         "tcp://host:8786") from None


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _sweep(experiment, plan, store, workers, engine, scheduler, progress, redo_damaged, log, pool=None):
    from ..results.environment import versions

    _heal(store, redo_damaged, log)
    discarded, adopted = store.recover()
    if discarded:
        print(f"asocia: discarded {len(discarded)} half-written file(s) of runs that were in flight: "
              + ", ".join(discarded), file=log)
    if adopted:
        print(f"asocia: adopted {len(adopted)} finished batch(es) written just before an interruption",
              file=log)
    manifest = store.manifest()
    if manifest.get("versions", {}).get("git") != versions().get("git"):
        print(f"asocia: note: {store.folder} was started with code {manifest['versions'].get('git')}; "
              f"this session runs {versions().get('git')} (both recorded in the manifest)", file=log)
    done = store.done()
    todo = [(r.point, r.rep, r.seed, plan.scenarios[r.point]) for r in plan.runs
            if (r.point, r.rep) not in done]
    session = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "engine": engine, "workers": workers,
               "scheduler": scheduler, "todo": len(todo), "status": "running", "versions": versions(),
               "command": " ".join(["asocia", *sys.argv[1:]])}
    manifest["replications"] = max(manifest.get("replications", 0), experiment.replications)
    manifest.setdefault("sessions", []).append(session)
    store.write_manifest(manifest)
    t0 = time.perf_counter()
    ran = 0
    status = "interrupted"
    wait_workers = None
    try:
        if todo:
            args = (experiment.horizon, list(experiment.outcomes), list(experiment.series),
                    experiment.every)
            with _bar(len(plan.runs), len(plan.runs) - len(todo), experiment.name, progress) as bar:
                def save(result):
                    nonlocal ran
                    runs, series = result
                    store.write_batch(runs, series)
                    ran += len(runs)
                    bar.update(len(runs))

                if engine == "local" and workers == 1:  # no pool to start: run in this process
                    for chunk in _chunks(todo, workers, experiment.batch, LOCAL_CHUNKS_PER_WORKER):
                        save(run_chunk(chunk, *args))
                elif engine == "local":
                    chunks = _chunks(todo, workers, experiment.batch, LOCAL_CHUNKS_PER_WORKER)
                    wait_workers = _run_local(chunks, args, workers, save, pool=pool)
                else:
                    workers = _run_dask(todo, experiment.batch, args, workers, scheduler, save)
                    session["workers"] = workers
        status = "complete"
    finally:
        store.flush(tries=600)  # up to a minute, should a reader hold the index open
        if status != "complete":
            # the signal may land inside save(), after a batch is written but before it is counted:
            # what is stored is what the index now holds
            ran = len(store.done()) - len(done)
            if sys.exc_info()[0] is KeyboardInterrupt:
                # the command ends with "asocia: interrupted" (sim/cli), so the word is not said twice
                print(f"\nasocia: {len(done) + ran} of {len(plan.runs)} runs are stored in {store.folder}; "
                      "run the same command again to resume", file=log)
        session.update(status=status, ran=ran, finished=time.strftime("%Y-%m-%dT%H:%M:%S"),
                       seconds=round(time.perf_counter() - t0, 3))
        store.write_manifest(manifest)
        store.refresh_views()
        if status == "complete":
            from .export import data_dictionary

            data_dictionary(store.folder, store.columns()).to_csv(store.folder / "data_dictionary.csv", index=False)
        if wait_workers is not None:   # they were exiting while the store was finished
            wait_workers()
    return SweepReport(store.folder, len(plan.runs), len(plan.runs) - len(todo), ran,
                       time.perf_counter() - t0, engine, workers, discarded, adopted)


def _heal(store, redo_damaged, log) -> None:
    """Damaged batches and a lost or damaged index: refused, or with --redo-damaged repaired."""
    try:
        damage, problem = store.check(), None
    except StoreError as e:   # the index itself cannot be read
        damage, problem = [], str(e).split("; rebuild")[0]
    if damage and not redo_damaged:
        store.verify()
    if damage:
        n = store.drop(damage)
        print(f"asocia: dropped {len(damage)} damaged batch file(s); redoing their {n} runs", file=log)
    problem = problem or store.index_problem()
    if problem and not redo_damaged:
        raise StoreError(f"{problem}; re-run with --redo-damaged to rebuild the index from the batches")
    if problem:
        batches, runs, dropped = store.rebuild_index()
        print(f"asocia: rebuilt {store.folder / 'index.duckdb'} from {batches} batches ({runs} runs)"
              + (f"; deleted {len(dropped)} damaged batch file(s), their runs are redone" if dropped else ""),
              file=log)


def _bar(total, initial, name, progress):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=name, unit="run", file=sys.stderr,
                disable=not progress, smoothing=0.1, dynamic_ncols=True)


def _run_local(chunks, args, workers, save, retries: int = 3, pool=None):
    """Process pool; a lost worker breaks the pool, so unfinished chunks go to a fresh one.

    ``pool``: one already started (:func:`start_pool`) for the first attempt, if it has as many
    workers as wanted. Returns a function that waits for the workers to exit (:func:`_close`).
    """
    # spawn: workers are the driver's own children (no fork of a process holding DuckDB threads)
    ctx = multiprocessing.get_context("spawn")
    pending = list(chunks)
    if pool is not None and pool._max_workers != workers:
        pool = None   # the plan has fewer runs than the pool has workers: a pool of the right size
    for attempt in range(retries + 1):
        if attempt or pool is None:
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                       initargs=(os.getpid(),))
        futures = {pool.submit(run_chunk, chunk, *args): i for i, chunk in enumerate(pending)}
        finished = set()
        try:
            for fut in as_completed(futures):
                save(fut.result())
                finished.add(futures[fut])
            return _close(pool)
        except BrokenProcessPool:
            _stop(pool)
            pending = [c for i, c in enumerate(pending) if i not in finished]
            if attempt == retries:
                raise StoreError(f"a worker process died {retries + 1} times; {sum(map(len, pending))} "
                                 "runs were not run (re-run the same command to resume)") from None
            print(f"\nasocia: a worker process died; restarting the pool for {len(pending)} chunks",
                  file=sys.stderr)
        except BaseException:
            _stop(pool)
            raise


def _close(pool):
    """Let a pool whose work is done end its workers; returns a function that waits until they have.

    The workers exit while the driver finishes the store (the last index flush, the data
    dictionary), instead of before it.
    """
    manager = pool._executor_manager_thread   # joins the workers; shutdown() forgets it when not waiting
    pool.shutdown(wait=False)
    return manager.join if manager is not None else (lambda: None)


def _stop(pool) -> None:
    """Cancel queued chunks and end the pool's workers now (chunks in flight are lost)."""
    procs = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.join(5)


def cluster_size(client) -> int:
    """Worker threads connected to a Dask scheduler (each runs one chunk at a time)."""
    try:
        info = client.scheduler_info(n_workers=-1)  # every worker (some versions list only 5 by default)
    except TypeError:  # older distributed: all workers are listed
        info = client.scheduler_info()
    return sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())


def _run_dask(todo, batch, args, workers, scheduler, save) -> int:
    """Dask distributed: an existing scheduler, or an embedded LocalCluster; returns the workers used.

    The runs are cut into chunks only once connected, for ``workers`` or, when it is None, for the
    worker threads the scheduler has (so a 200-worker cluster gets about 1,600 chunks, not 16).
    """
    import logging

    from dask.distributed import Client, KilledWorker, LocalCluster
    from dask.distributed import as_completed as dask_completed

    cluster = None
    try:
        if scheduler:
            try:
                client = Client(scheduler, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as e:
                raise StoreError(f"--scheduler {scheduler}: cannot connect ({e}); start one with "
                                 "'dask scheduler' and 'dask worker ADDRESS'") from None
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
        with client:
            n = workers
            if n is None:
                try:
                    client.wait_for_workers(1, timeout=WAIT_WORKERS)
                except TimeoutError:
                    raise StoreError(f"--scheduler {scheduler}: no worker joined within {WAIT_WORKERS} s; "
                                     "start some with 'dask worker ADDRESS' (or scale the cluster)") from None
                n = cluster_size(client) or 1
            futures = [client.submit(run_chunk, chunk, *args, pure=False) for chunk in _chunks(todo, n, batch)]
            try:
                for fut in dask_completed(futures):
                    save(fut.result())
            except KilledWorker as e:
                raise StoreError(f"Dask gave up on a chunk after its workers died ({e}); finished runs "
                                 "are stored: re-run the same command to resume") from None
            except BaseException:
                client.cancel(futures)
                raise
        return n
    finally:
        if cluster is not None:
            cluster.close()
