"""Sweep throughput: runs per second and memory for 1,000 replications of the baseline scenario.

    python benchmarks/sweep_throughput.py            # 1,000 replications, local pool and Dask
    python benchmarks/sweep_throughput.py --quick    # 60 replications (seconds; CI)

Each engine runs the same experiment (the baseline scenario as shipped, 104 meetings, one design
point x N replications, firm table off, outcomes only) into a fresh store: the single-process
reference (``--workers 1``, in this process), the local process pool and Dask distributed on an
embedded LocalCluster, both with ``--workers`` (default: the CPUs available). Reported: wall time
from the call to ``sweep`` to the last batch indexed (pool or cluster start-up included), runs/s,
and the peak resident memory of the whole process tree (driver + workers, sampled every 0.1 s with
psutil). Target (issue 5): 1,000 replications well under a minute on 2 cores with the local pool.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 60.0
WELL_UNDER = 45.0


class TreeMonitor:
    """Peak summed RSS and CPU seconds of this process and all its descendants (sampled)."""

    def __init__(self, every: float = 0.1):
        import psutil

        self.proc = psutil.Process()
        self.every = every
        self.peak = 0
        self.cpu: dict[int, float] = {}
        t = self.proc.cpu_times()
        self.cpu0 = t.user + t.system
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil

        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            try:
                total += p.memory_info().rss
                t = p.cpu_times()
                self.cpu[p.pid] = t.user + t.system
            except psutil.Error:
                pass
        self.peak = max(self.peak, total)

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            time.sleep(self.every)

    @property
    def cpu_seconds(self) -> float:
        """CPU time used by the tree since the start (workers: as last seen alive)."""
        return sum(v for k, v in self.cpu.items() if k != self.proc.pid) + (
            self.cpu.get(self.proc.pid, self.cpu0) - self.cpu0)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._sample()
        self._stop.set()
        self._thread.join()


def experiment_file(folder: Path, reps: int) -> Path:
    """One design point (the baseline as shipped) x ``reps`` replications."""
    from sim.model.scenario import load_scenario

    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    path = folder / "throughput.toml"
    path.write_text(
        f'[experiment]\nname = "throughput"\nscenario = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"\n'
        f'design = "factorial"\nreplications = {reps}\nseed = 1\n'
        'outcomes = ["survival", "members", "trust", "cooperation", "income_gain"]\nseries = []\n'
        f'[factors]\n"rules.monitoring" = {{ levels = [{base.rules.monitoring}] }}\n')
    return path


def measure(label, exp, out, workers, engine) -> dict:
    from sim.experiments.sweep import sweep
    from sim.experiments.sweepstore import SweepStore

    load0 = os.getloadavg()[0]
    with TreeMonitor() as mem:
        t0 = time.perf_counter()
        rep = sweep(exp, out, workers=workers, engine=engine, progress=False)
        wall = time.perf_counter() - t0
    n = len(SweepStore(out).runs())
    assert n == rep.total == rep.ran, (n, rep)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return {"engine": label, "workers": workers, "runs": rep.ran, "seconds": round(wall, 2),
            "runs_per_s": round(rep.ran / wall, 1), "peak_memory_mb": round(mem.peak / 2**20),
            "store_mb": round(size / 2**20, 1), "cpu_seconds": round(mem.cpu_seconds, 1),
            "runs_per_cpu_s": round(rep.ran / mem.cpu_seconds, 2) if mem.cpu_seconds else None,
            "load_before": round(load0, 2), "load_after": round(os.getloadavg()[0], 2)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="60 replications instead of 1,000")
    p.add_argument("--reps", type=int, help="replications (default 1000, or 60 with --quick)")
    p.add_argument("--workers", type=int, help="workers for the pool and Dask (default: CPUs)")
    p.add_argument("--serial", type=int, default=None,
                   help="replications for the single-process reference (default reps/10)")
    p.add_argument("--skip-dask", action="store_true")
    p.add_argument("--json", help="write the measurements to this file")
    args = p.parse_args(argv)

    from sim.experiments.experiment import load_experiment
    from sim.experiments.sweep import default_workers

    reps = args.reps or (60 if args.quick else 1000)
    workers = args.workers or default_workers()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        serial_reps = args.serial or max(10, reps // 10)
        rows.append(measure("single process", load_experiment(experiment_file(tmp, serial_reps)),
                            tmp / "serial", 1, "local"))
        exp = load_experiment(experiment_file(tmp, reps))
        rows.append(measure("local pool", exp, tmp / "local", workers, "local"))
        if not args.skip_dask:
            rows.append(measure("dask LocalCluster", exp, tmp / "dask", workers, "dask"))
    print(f"Sweep throughput · baseline scenario (104 meetings) · {reps} replications · "
          f"{os.cpu_count()} CPUs · Python {sys.version.split()[0]}")
    print(f"  {'engine':<20}{'workers':>8}{'runs':>7}{'seconds':>9}{'runs/s':>9}{'peak MB':>9}"
          f"{'store MB':>10}{'CPU s':>8}{'runs/CPU-s':>11}{'load':>12}")
    for r in rows:
        print(f"  {r['engine']:<20}{r['workers']:>8}{r['runs']:>7}{r['seconds']:>9}{r['runs_per_s']:>9}"
              f"{r['peak_memory_mb']:>9}{r['store_mb']:>10}{r['cpu_seconds']:>8}{r['runs_per_cpu_s']:>11}"
              f"{r['load_before']:>6}/{r['load_after']:<5}")
    local = rows[1]
    est = 1000 / local["runs_per_s"]
    verdict = ("well under a minute: meets the target" if est <= WELL_UNDER else
               "under a minute but not well under: short of the target" if est < TARGET_SECONDS else
               "over a minute: misses the target")
    print(f"  1,000 replications with the local pool: {est:.1f} s measured -> {verdict} "
          f"('well under' taken as <= {WELL_UNDER:.0f} s)"
          + ("" if not args.quick else " [--quick: timings mean little]"))
    idle = 1000 / (local["runs_per_cpu_s"] * min(workers, os.cpu_count() or 1))
    print(f"  on an otherwise idle machine (CPU time / {min(workers, os.cpu_count() or 1)} cores): "
          f"about {idle:.1f} s for 1,000 replications")
    print("  load = 1-minute load average before/after; other processes on a shared machine slow "
          "wall time, not CPU time")
    if args.json:
        Path(args.json).write_text(json.dumps({"reps": reps, "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
