"""Issue 13's engine figures: Asocia against the fair anchor (benchmarks/anchor.py), side by side.

Part of ``python -m benchmarks`` (``--engine`` runs only this section, ``--skip-engine`` leaves it
out). Every comparison is made in this one process, repetition by repetition (anchor, then
Asocia, then the next repetition), on CPU time (``time.process_time``); each figure is printed as
median [min - max] over the repetitions with its target from issue 13 item 5 next to it:

1. one baseline run with all four tables (``sim.run`` of scenarios/baseline.toml: 3 groups of 8,
   104 meetings) vs the anchor at the same size: Asocia at least 2x faster;
2. one replication of the baseline inside a batch (``sim.run_batch``, when it exists) vs the
   anchor's run: at least 20x (until the batch API exists: sequential ``sim.run``, for information);
3. 2,000 firms x 100 meetings and 10,000 x 200 (the baseline resized with
   ``population.groups`` / ``population.group_size``), with all tables, vs the anchor at the same
   size: at least 30x; Mesa's BoltzmannWealth is timed in the same loop at the largest size as a
   second reference;
4. 1,000 baseline replications through ``asocia sweep`` on 2 workers: under 5 s wall (idle machine);
5. the baseline in a fresh process with an empty ``NUMBA_CACHE_DIR`` (compile included), again
   with that cache warm, and once with a cache folder that cannot be created: under 20 s and 3 s;
6. 100,000 firms with the firm table sampled: peak RSS under 8 GB (the scaling section's figure,
   measured once).

Under figures 1 to 3, one more run of Asocia is timed with :func:`compiled_share`: the part of its
CPU time spent in the compiled kernels and the random draws. Figures 2 and 3 print the bound it
sets: the anchor's time over that part is the most any engine could reach while it does the same
arithmetic and draws, with everything else (Python, NumPy glue, Mesa, pandas) free.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import anchor

# what a replication inside a batch builds: the tables a sweep keeps (issue 13 item 4: no firm
# table, no event sentences). Passed to sim.run_batch(scenario, seeds, tables=...).
BATCH_TABLES = ("runs", "steps")

# the verdict names of the sizes of item 3, in the order of Sizes.engine_sizes
SIZE_CHECKS = ("engine_2000_x", "engine_10000_x")

# the code a fresh interpreter runs for item 5: import, one baseline run, report; the parent
# times the whole process from outside
_FRESH = """
import json, sys, time
c0 = time.process_time()
import sim
sc = sim.load_scenario(sys.argv[1])
steps = int(sys.argv[2]) or None
t0 = time.perf_counter()
sim.run(sc, seed=1, steps=steps)
print(json.dumps({"run_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0,
                  "numba": "numba" in sys.modules}))
"""


def _bench():
    """The shared helpers of benchmarks/__main__.py (imported late: it imports this module)."""
    from benchmarks import __main__ as bench

    return bench


def time_anchor(scenario, groups: int | None, group_size: int | None, meetings: int | None,
                seed: int = 1) -> dict:
    """One run of the anchor (construction, meetings and its DataCollector)."""
    t0, c0 = time.perf_counter(), time.process_time()
    model = anchor.run(scenario, groups, group_size, meetings, seed=seed)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    g = scenario.population.groups if groups is None else groups
    n = scenario.population.group_size if group_size is None else group_size
    m = scenario.run.steps if meetings is None else meetings
    return {"seconds": seconds, "cpu": cpu, "firm_steps": g * n * m,
            "rows": len(model.datacollector.get_agent_vars_dataframe())}


def time_baseline_run(scenario, seed: int) -> dict:
    """One ``sim.run`` of the baseline with all four tables."""
    import sim

    t0, c0 = time.perf_counter(), time.process_time()
    res = sim.run(scenario, seed=seed)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu": cpu, "rows": {k: len(v) for k, v in res.tables().items()}}


def batch_api():
    """``(name, callable)`` of the batch API when the engine has one, else ``(None, None)``."""
    import sim

    for name in ("run_batch", "replicate"):
        try:
            fn = getattr(sim, name)
        except AttributeError:
            continue
        return name, fn
    return None, None


def time_batch(scenario, reps: int, first_seed: int) -> dict:
    """``reps`` replications of the baseline in one batch: CPU and wall per replication.

    Without a batch API, sequential ``sim.run`` calls with all tables (reported for information).
    """
    import sim

    name, fn = batch_api()
    seeds = list(range(first_seed, first_seed + reps))
    t0, c0 = time.perf_counter(), time.process_time()
    if name == "run_batch":
        results = fn(scenario, seeds, tables=BATCH_TABLES)
    elif name == "replicate":
        results = fn(scenario, first_seed, reps, tables=BATCH_TABLES)
    else:
        results = [sim.run(scenario, seed=s) for s in seeds]
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    if len(results) != reps:
        raise RuntimeError(f"sim.{name} returned {len(results)} results for {reps} replications")
    return {"api": name or "sequential sim.run", "reps": reps, "seconds": seconds / reps, "cpu": cpu / reps}


def replication_experiment(folder: Path, replications: int, steps: int | None = None) -> Path:
    """An experiment file that plays the baseline ``replications`` times (and nothing else).

    Experiment files need a factor: a one-level factorial on ``rules.monitoring`` at the
    baseline's own value is one design point, the baseline itself, played ``replications`` times
    with independent seeds.
    """
    import sim

    sc = sim.load_scenario(_bench().BASELINE)
    path = folder / "baseline_replications.toml"
    lines = ["[experiment]", 'name = "baseline-replications"',
             f"scenario = {json.dumps(str(_bench().BASELINE))}", 'design = "factorial"',
             f"replications = {replications}", "seed = 2024"]
    if steps:
        lines.append(f"steps = {steps}")
    lines += ["", "[factors]", f'"rules.monitoring" = {{ levels = [{sc.rules.monitoring!r}] }}', ""]
    path.write_text("\n".join(lines))
    return path


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def time_sweep(replications: int, workers: int, steps: int | None = None) -> dict:
    """``asocia sweep`` of ``replications`` baseline runs on ``workers`` workers: wall and CPU time."""
    bench = _bench()
    with tempfile.TemporaryDirectory(prefix="asocia-bench-sweep-") as tmp:
        exp = replication_experiment(Path(tmp), replications, steps)
        cmd = [*bench.asocia_command(), "sweep", str(exp), "--workers", str(workers),
               "--out", str(Path(tmp) / "store"), "--no-progress"]
        cpu0, t0 = _children_cpu(), time.perf_counter()
        proc = subprocess.run(cmd, cwd=bench.ROOT, capture_output=True, text=True, check=False)
        seconds, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return {"seconds": seconds, "cpu": cpu, "replications": replications, "workers": workers,
            "command": f"asocia sweep <{replications} baseline replications> --workers {workers} --no-progress",
            "output": proc.stdout.strip().splitlines()[-3:]}


def fresh_run(cache_dir: str, steps: int = 0) -> dict:
    """The baseline in a fresh interpreter with ``NUMBA_CACHE_DIR=cache_dir``, process start to exit."""
    bench = _bench()
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    cmd = [sys.executable, "-c", _FRESH, str(bench.BASELINE), str(steps)]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=bench.ROOT, env=env, capture_output=True, text=True, check=False)
    seconds, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    out = {"seconds": seconds, "cpu": cpu, "returncode": proc.returncode,
           "stderr": proc.stderr.strip().splitlines()[-3:]}
    if proc.returncode == 0:
        out.update(json.loads(proc.stdout.strip().splitlines()[-1]))
    cache = Path(cache_dir)
    out["cache_files"] = sum(1 for p in cache.rglob("*") if p.is_file()) if cache.is_dir() else 0
    return out


def compiled_share(fn, *args, **kwargs) -> dict:
    """Run ``fn(*args, **kwargs)`` once: its CPU time, and the part spent in compiled arithmetic and random draws.

    For that run every numba-compiled function of ``sim.model.kernels`` is counted where the
    engine's Python calls it (an attribute of that module; kernels calling each other inside
    compiled code are not affected, so nothing is counted twice), and so is ``Draws.meeting``,
    which fills each group's block of random draws with NumPy's generators
    (benchmarks/counters.py). What is counted is the arithmetic of the meeting as it stands, the
    tables' compiled passes (``firm_rows``, ``group_rows``) and the draws: a rewrite of the Python
    around them, however complete, still pays it. So ``anchor / compiled`` bounds the ratio any
    such rewrite could reach. The bound is generous to Asocia only by the calls' argument passing,
    which is counted in (a few microseconds a call). The counters' own clock reads are subtracted.

    Use it only on code that already ran once with the same sizes: a kernel compiled while the
    counters are in place would see them instead of the compiled functions.
    """
    import numba

    from benchmarks.counters import clock_read, cpu_counters
    from sim.model import kernels, streams

    targets = [(kernels, name, "compiled") for name, fn in vars(kernels).items()
               if isinstance(fn, numba.core.dispatcher.Dispatcher)]
    with cpu_counters([*targets, (streams.Draws, "meeting", "compiled")]) as (spent, calls):
        c0 = time.process_time()
        fn(*args, **kwargs)
        cpu = time.process_time() - c0
    n = calls.get("compiled", 0)
    return {"cpu": cpu, "compiled": max(spent.get("compiled", 0.0) - n * clock_read(), 0.0), "calls": n}


def _ratio(num, den) -> list[float]:
    return [x / y for x, y in zip(num, den, strict=True)]


def engine_section(z, reps: int, say, out: dict) -> dict:
    """Measure and print issue 13's figures; return ``{check name: value}`` for the verdicts."""
    import sim

    bench = _bench()
    spread, fmt, verdict = bench.spread, bench.fmt, bench.verdict
    base = sim.load_scenario(bench.BASELINE)
    g0, n0, m0 = base.population.groups, base.population.group_size, base.run.steps
    res: dict = {}
    checks: dict = {}
    say("")
    say("Engine (issue 13): Asocia against the fair anchor (benchmarks/anchor.py, an idiomatic per-agent "
        "Mesa model of a much simpler meeting), CPU time, interleaved, median [min - max]")

    # warm-up of both (first-call costs: imports inside pandas and Mesa)
    anchor.run(base, 2, 4, 3)
    sim.run(base, seed=1, steps=3)

    # ---- 1. one baseline run with all four tables
    a, s = [], []
    for rep in range(z.engine_baseline_reps):
        a.append(time_anchor(base, None, None, None, seed=rep + 1))
        s.append(time_baseline_run(base, seed=rep + 1))
    x = _ratio([r["cpu"] for r in a], [r["cpu"] for r in s])
    xw = _ratio([r["seconds"] for r in a], [r["seconds"] for r in s])
    res["baseline"] = {"anchor": a, "asocia": s, "speedup": spread(x), "speedup_wall": spread(xw)}
    checks["engine_baseline_x"] = spread(x)["median"]
    say(f"1. one baseline run ({g0} groups of {n0}, {m0} meetings), {z.engine_baseline_reps} repetitions:")
    say(f"     anchor {fmt(spread([r['cpu'] for r in a]), 1e3, 1)} ms CPU;  Asocia with its four tables "
        f"{fmt(spread([r['cpu'] for r in s]), 1e3, 1)} ms CPU ({fmt(spread([r['seconds'] for r in s]), 1e3, 1)}"
        f" ms wall)")
    say(f"     Asocia faster by {fmt(spread(x), digits=2)} x   {verdict('engine_baseline_x', spread(x)['median'])}"
        f"   (wall: {fmt(spread(xw), digits=2)} x)")
    share = compiled_share(sim.run, base, seed=1)
    res["baseline"]["compiled"] = share
    say(f"     in compiled kernels and random draws: {share['compiled'] * 1e3:.1f} of {share['cpu'] * 1e3:.1f} ms "
        f"({share['calls']} calls, whose argument passing is a good part of it at this size)")

    # ---- 2. per replication inside a batch
    name, _ = batch_api()
    a, b = [], []
    for rep in range(reps):
        b.append(time_batch(base, z.batch_reps, first_seed=1000 * rep + 1))
        a.append(time_anchor(base, None, None, None, seed=rep + 1))
    x = _ratio([r["cpu"] for r in a], [r["cpu"] for r in b])
    res["batch"] = {"api": name, "tables": list(BATCH_TABLES), "anchor": a, "batch": b, "speedup": spread(x)}
    say(f"2. one baseline replication inside a batch of {z.batch_reps}, {reps} repetitions:")
    if name is None:
        checks["engine_batch_x"] = float("nan")
        say(f"     sim.run_batch: not available yet; for information, {z.batch_reps} sequential sim.run "
            f"(all four tables): {fmt(spread([r['cpu'] for r in b]), 1e3, 1)} ms CPU per replication, "
            f"{fmt(spread(x), digits=2)} x the anchor   {verdict('engine_batch_x', float('nan'))}")
    else:
        checks["engine_batch_x"] = spread(x)["median"]
        say(f"     sim.{name}(tables={BATCH_TABLES}): {fmt(spread([r['cpu'] for r in b]), 1e3, 2)} ms CPU per "
            f"replication; anchor {fmt(spread([r['cpu'] for r in a]), 1e3, 1)} ms")
        say(f"     faster by {fmt(spread(x), digits=1)} x   {verdict('engine_batch_x', spread(x)['median'])}")
        share = compiled_share(time_batch, base, z.batch_reps, first_seed=1)
        floor = share["compiled"] / z.batch_reps
        bound = spread([r["cpu"] / floor for r in a])
        res["batch"]["compiled"] = dict(share, per_replication=floor, bound=bound)
        say(f"     in compiled kernels and random draws alone: {fmt(spread([floor]), 1e3, 2)} ms per replication "
            f"({share['compiled'] / share['cpu']:.0%}); with every other cost gone: at most "
            f"{fmt(bound, digits=1)} x")

    # ---- 3. larger populations (all tables), BoltzmannWealth alongside at the largest size
    res["sizes"] = []
    for i, (groups, size, meetings) in enumerate(z.engine_sizes):
        last = i == len(z.engine_sizes) - 1
        a, s, bw = [], [], []
        for rep in range(reps):
            a.append(time_anchor(base, groups, size, meetings, seed=rep + 1))
            s.append(bench.time_asocia(groups, size, meetings, seed=rep + 1))
            if last:
                bw.append(bench.time_boltzmann(z.boltzmann_agents, z.boltzmann_side, z.boltzmann_steps,
                                               seed=rep + 1))
        firms = groups * size
        x = _ratio([r["cpu"] for r in a], [r["cpu"] for r in s])
        xw = _ratio([r["seconds"] for r in a], [r["seconds"] for r in s])
        key = SIZE_CHECKS[i]      # the targets of the full sizes (the quick sizes use the same names)
        checks[key] = spread(x)["median"]
        entry = {"firms": firms, "groups": groups, "group_size": size, "meetings": meetings, "anchor": a,
                 "asocia": s, "speedup": spread(x), "speedup_wall": spread(xw), "check": key}
        say(f"3. {firms:,} firms ({groups} groups of {size}) x {meetings} meetings, {reps} repetitions:")
        say(f"     anchor {fmt(spread([r['cpu'] for r in a]), 1, 2)} s CPU;  Asocia with its four tables "
            f"{fmt(spread([r['cpu'] for r in s]), 1, 2)} s CPU ({fmt(spread([r['seconds'] for r in s]), 1, 2)} "
            f"s wall)")
        say(f"     Asocia faster by {fmt(spread(x), digits=1)} x   {verdict(key, spread(x)['median'])}"
            f"   (wall: {fmt(spread(xw), digits=1)} x)")
        share = compiled_share(bench.time_asocia, groups, size, meetings, seed=1)
        bound = spread([r["cpu"] / share["compiled"] for r in a])
        entry["compiled"] = dict(share, bound=bound)
        say(f"     in compiled kernels and random draws alone: {share['compiled']:.2f} s "
            f"({share['compiled'] / share['cpu']:.0%}); with every other cost gone: at most "
            f"{fmt(bound, digits=1)} x")
        if last:
            rate = {"anchor": [r["firm_steps"] / r["cpu"] for r in a],
                    "Asocia": [r["firm_steps"] / r["cpu"] for r in s],
                    "BoltzmannWealth": [r["agent_steps"] / r["cpu"] for r in bw]}
            entry["boltzmann"] = bw
            entry["cpu_rates"] = {k: spread(v) for k, v in rate.items()}
            say(f"     second reference, Mesa's BoltzmannWealth ({z.boltzmann_agents:,} agents, "
                f"{z.boltzmann_steps} steps) in the same loop; per CPU-second:")
            for label, unit in (("anchor", "firm-steps"), ("Asocia", "firm-steps"),
                                ("BoltzmannWealth", "agent-steps")):
                say(f"       {label:<16} {fmt(spread(rate[label]))} {unit}/s")
            per_bw = {k: spread(_ratio(rate[k], rate["BoltzmannWealth"])) for k in ("anchor", "Asocia")}
            entry["over_boltzmann"] = per_bw
            say(f"       anchor / BoltzmannWealth {fmt(per_bw['anchor'], digits=2)};  "
                f"Asocia / BoltzmannWealth {fmt(per_bw['Asocia'], digits=1)}")
        res["sizes"].append(entry)

    # ---- 4. replications through asocia sweep
    sw = time_sweep(z.sweep_replications, z.sweep_workers, z.sweep_steps)
    res["sweep"] = sw
    checks["engine_sweep_s"] = sw["seconds"]
    say(f"4. {sw['replications']:,} baseline replications through 'asocia sweep --workers {sw['workers']}' "
        f"(one process start to exit):")
    say(f"     {sw['seconds']:.1f} s wall, {sw['cpu']:.1f} CPU-seconds in its processes   "
        f"{verdict('engine_sweep_s', sw['seconds'])} on an idle machine")

    # ---- 5. first run on a fresh machine: empty compile cache, warm cache, cache not writable
    with tempfile.TemporaryDirectory(prefix="asocia-bench-numba-") as tmp:
        cache = str(Path(tmp) / "numba-cache")
        cold = fresh_run(cache, z.fresh_steps)
        warm = fresh_run(cache, z.fresh_steps)
    # a cache folder nobody can create (even root: /dev/null is not a folder)
    broken = fresh_run("/dev/null/numba-cache", z.fresh_steps) if z.fresh_unwritable else None
    res["fresh"] = {"cold": cold, "warm": warm, "unwritable": broken}
    for r in (cold, warm):
        if r["returncode"] != 0:
            raise RuntimeError(f"fresh baseline run failed:\n{r['stderr']}")
    checks["engine_first_run_s"] = cold["seconds"]
    checks["engine_cached_run_s"] = warm["seconds"]
    say("5. the baseline in a fresh Python process, start to exit (import, compile if any, run):")
    say(f"     empty NUMBA_CACHE_DIR: {cold['seconds']:.2f} s wall ({cold['cpu']:.2f} CPU-s; the run itself "
        f"{cold['run_s']:.2f} s)   {verdict('engine_first_run_s', cold['seconds'])}")
    say(f"     cache warm:            {warm['seconds']:.2f} s wall ({warm['cpu']:.2f} CPU-s; the run itself "
        f"{warm['run_s']:.2f} s)   {verdict('engine_cached_run_s', warm['seconds'])}")
    if not cold["numba"]:
        say("     numba is not used by the engine yet: these are plain fresh-process times, nothing compiled "
            f"({cold['cache_files']} files in the cache)")
    else:
        say(f"     compile cache: NUMBA_CACHE_DIR ({cold['cache_files']} files after the first run)")
    if broken is not None:
        state = ("worked" if broken["returncode"] == 0 else f"failed with exit code {broken['returncode']}: "
                 + " | ".join(broken["stderr"]))
        say(f"     cache folder that cannot be created (NUMBA_CACHE_DIR=/dev/null/...): {state}, "
            f"{broken['seconds']:.2f} s wall")

    # ---- 6. memory: the scaling section's 100,000-firm run, else one such run here
    big = out.get("scaling", {}).get("firms", [None])[-1]
    if big is None and z.fresh_processes:
        g = max(z.scale_groups)
        big = bench.in_subprocess(g, z.group_size, z.steps, z.big_table)
        big.update(firms=g * z.group_size, table=z.big_table)
    if big is None:
        checks["memory_100k_mb"] = float("nan")
        say("6. memory: measured by the scaling section (left out in this mode)   "
            f"{verdict('memory_100k_mb', float('nan'))}")
    else:
        checks["memory_100k_mb"] = big["peak_rss_mb"]
        res["memory"] = big
        say(f"6. {big['firms']:,} firms x {z.steps} meetings, firm table {big['table']}: "
            f"{bench.rss_text(big['peak_rss_mb'])}   {verdict('memory_100k_mb', big['peak_rss_mb'])}   "
            f"({big['seconds']:.1f} s wall, {big['cpu']:.1f} s CPU)")
    out["engine"] = res
    return checks
