"""``python -m benchmarks [--quick]`` (or ``asocia bench``): Asocia, Mesa and a NumPy kernel side by side.

One command measures, in one process and interleaved repetition by repetition:

a. Asocia's full model (``sim.run``) on a baseline-like population of 10,000 firms in 1,000 groups
   of 10 for 200 meetings, with the firms and events tables built: firm-steps per second;
b. Mesa's own ``BoltzmannWealth`` example (shipped inside mesa, 10,000 agents on a 100x100 grid,
   its DataCollector and DataRecorder included): agent-steps per second;
c. the minimal NumPy kernel of the same joint-purchase round (benchmarks/kernel.py);

then the ratios a/b and c/a (median, min and max over the repetitions), the peak memory of (a)
(peak resident set size of a fresh subprocess doing only that run), the scaling of (a) in firms and
in meetings with the fitted exponent, and the small-run figures that matter for sweeps: one
baseline run with its tables, and ``asocia run scenarios/baseline.toml`` from process start to exit.

Then issue 13's engine section (benchmarks/engine.py; ``--engine`` runs it alone): Asocia against a
fair anchor, an idiomatic per-agent Mesa model of a simpler meeting (benchmarks/anchor.py).

Targets (issues 3 and 13) are printed next to each figure; they are not enforced unless ``--strict``.
``--quick`` uses tiny sizes (about 1.5 minutes, most of it the timed first run in an empty compile
cache); its timings mean nothing.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"

TARGETS = {
    "a_over_b": (">=", 30.0),
    "c_over_a": ("<=", 5.0),
    "peak_memory_mb": ("<=", 1536.0),
    "exponent_firms": ("<=", 1.1),
    "exponent_steps": ("<=", 1.1),
    "memory_100k_mb": ("<=", 8192.0),
    "baseline_run_ms": ("<=", 50.0),
    "cli_run_s": ("<=", 2.0),
    # issue 13 (benchmarks/engine.py): Asocia's speed-up over the anchor on CPU time, and times
    "engine_baseline_x": (">=", 2.0),
    "engine_batch_x": (">=", 20.0),
    "engine_2000_x": (">=", 30.0),
    "engine_10000_x": (">=", 30.0),
    "engine_sweep_s": ("<=", 5.0),
    "engine_first_run_s": ("<=", 20.0),
    "engine_cached_run_s": ("<=", 3.0),
}


@dataclass(frozen=True)
class Sizes:
    """What each measurement runs (the full benchmark, or the tiny ``--quick`` version)."""

    groups: int = 1000
    group_size: int = 10
    steps: int = 200
    boltzmann_agents: int = 10_000
    boltzmann_side: int = 100
    boltzmann_steps: int = 100
    scale_groups: tuple = (100, 1000, 10_000)      # 1,000 / 10,000 / 100,000 firms
    scale_steps: tuple = (50, 100, 200, 400)       # at groups x group_size firms
    big_table: str = "sampled"                     # firm table at the largest size
    fresh_processes: bool = True                   # scaling runs each in a fresh interpreter
    baseline_reps: int = 20
    cli_reps: int = 3
    # issue 13's engine section (benchmarks/engine.py)
    engine_baseline_reps: int = 20                 # baseline run vs anchor, interleaved
    engine_sizes: tuple = ((200, 10, 100), (1000, 10, 200))   # (groups, group size, meetings)
    batch_reps: int = 100                          # replications in one batch
    sweep_replications: int = 1000
    sweep_workers: int = 2
    sweep_steps: int = 0                           # 0: the baseline's own horizon
    fresh_steps: int = 0                           # meetings of the fresh-process run (0: the baseline's)
    fresh_unwritable: bool = True                  # also a fresh run whose compile cache cannot be created


QUICK = Sizes(groups=20, steps=20, boltzmann_agents=400, boltzmann_side=20, boltzmann_steps=10,
              scale_groups=(5, 10, 20), scale_steps=(10, 20, 40), baseline_reps=3, cli_reps=1,
              fresh_processes=False, engine_baseline_reps=3, engine_sizes=((4, 10, 10), (8, 10, 10)),
              batch_reps=3, sweep_replications=4, sweep_workers=1, sweep_steps=5, fresh_steps=5,
              fresh_unwritable=False)


# ---------------------------------------------------------------------------------- measurements
def scenario(groups: int, group_size: int, steps: int, table: str = "full"):
    """The baseline scenario resized (the benchmark's population)."""
    import sim

    return sim.load_scenario(BASELINE).replace({
        "population.groups": groups, "population.group_size": group_size, "run.steps": steps,
        "run.firm_table": table}, origin="benchmark")


def time_asocia(groups: int, group_size: int, steps: int, seed: int = 1, table: str = "full") -> dict:
    """(a) one full ``sim.run``: model, meetings and all tables."""
    import sim

    sc = scenario(groups, group_size, steps, table)
    t0, c0 = time.perf_counter(), time.process_time()
    res = sim.run(sc, seed=seed)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu": cpu, "firm_steps": groups * group_size * steps,
            "rows": {name: len(df) for name, df in res.tables().items()}}


# the parts of one sim.run that (a) times as a whole: (class path, method, part)
_PARTS = (("sim.model.agenda.AsociaModel", "__init__", "building the groups"),
          ("sim.model.agenda.AsociaModel", "step", "meetings"),
          ("sim.model.recorder.Recorder", "record_firms", "recording rows"),
          ("sim.model.recorder.Recorder", "record_groups", "recording rows"),
          ("sim.model.recorder.Recorder", "tables", "building tables"))


def time_parts(sc, reps: int = 1) -> dict:
    """Where ``reps`` runs of scenario ``sc`` spend their CPU time: building, meetings, recording, tables, the rest.

    The methods of ``_PARTS`` are wrapped with CPU-time counters for these runs (then restored).
    The rows are recorded inside a meeting, so "meetings" is the meetings' own work: the model's
    games, trust, sanctions and membership, without the recording. "the rest" is what ``sim.run``
    does besides (the runs row and its outcomes).
    """
    import importlib

    import sim
    from benchmarks.counters import cpu_counters

    targets = []
    for path, name, part in _PARTS:
        module, cls = path.rsplit(".", 1)
        targets.append((getattr(importlib.import_module(module), cls), name, part))
    with cpu_counters(targets) as (spent, _):
        c0 = time.process_time()
        for rep in range(reps):
            sim.run(sc, seed=rep + 1)
        total = time.process_time() - c0
    spent["meetings"] -= spent.get("recording rows", 0.0)
    spent["the rest"] = total - sum(spent.values())
    # what a run would still cost if its meetings took no time at all
    return {"cpu": total / reps, "parts": {name: sec / reps for name, sec in spent.items()},
            "without_meetings": (total - spent["meetings"]) / reps}


def say_parts(say, split: dict, unit: str = "s", scale: float = 1.0) -> None:
    """Print a :func:`time_parts` split on one line."""
    say(", ".join(f"{name} {sec * scale:,.2f} {unit} ({sec / split['cpu']:.0%})"
                  for name, sec in split["parts"].items()))


def time_boltzmann(agents: int, side: int, steps: int, seed: int = 1) -> dict:
    """(b) Mesa's BoltzmannWealth example as shipped (construction and steps)."""
    from mesa.examples import BoltzmannWealth
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario

    t0, c0 = time.perf_counter(), time.process_time()
    model = BoltzmannWealth(BoltzmannScenario(n=agents, width=side, height=side, rng=seed))
    for _ in range(steps):
        model.step()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu": cpu, "agent_steps": agents * steps}


def time_kernel(groups: int, group_size: int, steps: int, seed: int = 1) -> dict:
    """(c) the NumPy kernel of the joint-purchase round."""
    from benchmarks import kernel

    sc = scenario(groups, group_size, steps)
    c0 = time.process_time()
    out = kernel.run(sc, groups, group_size, steps, seed)
    out["cpu"] = time.process_time() - c0
    return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    Linux's ``VmHWM`` belongs to the address space made by ``exec``, so a fresh child does not
    inherit its parent's peak (``getrusage`` ``ru_maxrss`` does, across fork and exec); elsewhere
    fall back to ``ru_maxrss``.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def rss_text(mb: float) -> str:
    """'peak RSS 268 MB', or why there is no figure (NaN: the run shared its process, quick mode)."""
    if mb != mb:
        return (f"peak RSS not measured per run (quick mode: the runs share this process, whose peak so far "
                f"is {peak_rss_mb():,.0f} MB)")
    return f"peak RSS {mb:,.0f} MB"


def child(argv: list[str]) -> int:
    """Run one Asocia run in this (fresh) process and print time and peak memory as JSON."""
    groups, group_size, steps = (int(x) for x in argv[:3])
    table = argv[3]
    import sim  # noqa: F401  (imports count in the baseline RSS, not in the run)

    rss0 = peak_rss_mb()
    out = time_asocia(groups, group_size, steps, table=table)
    out["rss_before_mb"] = rss0
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))
    return 0


def in_subprocess(groups: int, group_size: int, steps: int, table: str) -> dict:
    """One Asocia run in a fresh interpreter: its time and its peak resident memory."""
    cmd = [sys.executable, "-m", "benchmarks", "--child", str(groups), str(group_size), str(steps),
           table]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child {' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def time_baseline(reps: int) -> dict:
    """One run of scenarios/baseline.toml at its own size and horizon, tables included."""
    import sim

    sc = sim.load_scenario(BASELINE)
    sim.run(sc, seed=1)      # warm-up: first-call costs (imports inside pandas, caches)
    times = []
    for rep in range(reps):
        t0 = time.perf_counter()
        sim.run(sc, seed=rep + 1)
        times.append(time.perf_counter() - t0)
    return {"ms": [1000 * t for t in times], "groups": sc.population.groups,
            "group_size": sc.population.group_size, "steps": sc.run.steps}


def asocia_command() -> list[str]:
    """The ``asocia`` console script of this interpreter (``python -m sim.cli`` if none)."""
    script = Path(sys.executable).with_name("asocia")
    if script.exists():
        return [str(script)]
    found = shutil.which("asocia")
    return [found] if found else [sys.executable, "-m", "sim.cli"]


def time_cli(reps: int, extra: list[str] | None = None) -> dict:
    """``asocia run scenarios/baseline.toml`` end to end (process start to exit)."""
    times = []
    with tempfile.TemporaryDirectory(prefix="asocia-bench-") as tmp:
        for rep in range(reps):
            cmd = [*asocia_command(), "run", str(BASELINE), "--out", str(Path(tmp) / f"r{rep}"),
                   *(extra or [])]
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - t0)
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return {"s": times, "command": " ".join(["asocia", "run", "scenarios/baseline.toml"])}


def import_time() -> float:
    """Seconds to start Python and ``import sim`` in a fresh process (part of the CLI budget)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sim"], cwd=ROOT, check=True)
    return time.perf_counter() - t0


def exponent(xs, ts) -> float:
    """Slope of log(time) on log(size): 1 is linear."""
    return float(np.polyfit(np.log(np.asarray(xs, float)), np.log(np.asarray(ts, float)), 1)[0])


# ---------------------------------------------------------------------------------- reporting
def spread(values) -> dict:
    """Median, min and max of repeated measurements."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def verdict(name: str, value: float) -> str:
    """'ok' or 'MISS' against the issue's target (a note, not a gate)."""
    op, target = TARGETS[name]
    if value != value:   # NaN: not measured in this mode
        return f"n/a  (target {op} {target:g})"
    good = value >= target if op == ">=" else value <= target
    return f"{'ok  ' if good else 'MISS'} (target {op} {target:g})"


def fmt(s: dict, scale: float = 1.0, digits: int = 0) -> str:
    """'median [min - max]'."""
    f = f"{{:,.{digits}f}}"
    return f"{f.format(s['median'] * scale)} [{f.format(s['min'] * scale)} - {f.format(s['max'] * scale)}]"


def environment() -> dict:
    """Where the numbers come from (the machine may be shared: the load average is printed)."""
    import mesa
    import pandas as pd

    return {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
            "mesa": mesa.__version__, "cpus": os.cpu_count(), "machine": platform.machine(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def typed_name() -> str:
    """This program's name as the user started it: "python -m benchmarks" (their interpreter's name)."""
    started = getattr(sys, "orig_argv", None) or [sys.executable]
    return f"{os.path.basename(started[0]) or 'python'} -m benchmarks"


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Run the benchmark; return the exit code (1 with ``--strict`` when a target is missed).

    ``prog`` names the program in errors and help ("asocia bench" when that command calls this;
    by default what the user typed, "python -m benchmarks").
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--"]:   # 'asocia bench -- --quick'
        argv = argv[1:]
    if argv and argv[0] == "--child":
        return child(argv[1:])
    from sim.cli.commands import Parser, whole  # the command line's one-line errors, exit code 2

    p = Parser(prog=prog or typed_name(), description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes, about 1.5 minutes (CI); timings mean nothing")
    p.add_argument("--reps", type=whole("a whole number >= 1", 1), default=3,
                   help="repetitions of a, b and c (default 3)")
    p.add_argument("--skip-scaling", action="store_true", help="leave out the scaling runs")
    p.add_argument("--skip-small", action="store_true", help="leave out the small-run figures")
    p.add_argument("--skip-engine", action="store_true", help="leave out issue 13's engine section")
    p.add_argument("--engine", action="store_true",
                   help="only issue 13's engine section (Asocia vs the fair anchor, benchmarks/engine.py)")
    p.add_argument("--json", metavar="PATH", help="also write every measurement to a JSON file")
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = p.parse_args(argv)
    if args.engine and args.skip_engine:
        p.error("--engine and --skip-engine exclude each other")
    z = QUICK if args.quick else Sizes()
    out: dict = {"mode": "quick" if args.quick else "full", "environment": environment(),
                 "sizes": z.__dict__ | {"scale_groups": list(z.scale_groups),
                                        "scale_steps": list(z.scale_steps)}}
    say = print
    env = out["environment"]
    say(f"Asocia benchmark ({out['mode']}): Python {env['python']}, NumPy {env['numpy']}, "
        f"pandas {env['pandas']}, Mesa {env['mesa']}; {env['cpus']} CPUs, "
        f"load average {env['load_average']}")
    firms = z.groups * z.group_size

    if not args.engine:
        # ---- a, b, c interleaved, so a busy moment on a shared machine hits all three alike
        time_asocia(max(z.groups // 10, 2), z.group_size, 5)    # warm-up (first-call costs)
        a, b, c = [], [], []
        for rep in range(args.reps):
            a.append(time_asocia(z.groups, z.group_size, z.steps, seed=rep + 1))
            b.append(time_boltzmann(z.boltzmann_agents, z.boltzmann_side, z.boltzmann_steps, seed=rep + 1))
            c.append(time_kernel(z.groups, z.group_size, z.steps, seed=rep + 1))
            say(f"  rep {rep + 1}: a {a[-1]['seconds']:.2f} s, b {b[-1]['seconds']:.2f} s, "
                f"c {c[-1]['seconds']:.3f} s")
        rate_a = [r["firm_steps"] / r["seconds"] for r in a]
        rate_b = [r["agent_steps"] / r["seconds"] for r in b]
        rate_c = [r["firm_steps"] / r["seconds"] for r in c]
        cpu_a = [r["firm_steps"] / r["cpu"] for r in a]
        cpu_b = [r["agent_steps"] / r["cpu"] for r in b]
        ab = [x / y for x, y in zip(rate_a, rate_b, strict=True)]
        ca = [x / y for x, y in zip(rate_c, rate_a, strict=True)]
        ab_cpu = [x / y for x, y in zip(cpu_a, cpu_b, strict=True)]
        mem = in_subprocess(z.groups, z.group_size, z.steps, "full")
        out["side_by_side"] = {"a": a, "b": b, "c": c, "rate_a": spread(rate_a), "rate_b": spread(rate_b),
                               "rate_c": spread(rate_c), "a_over_b": spread(ab), "c_over_a": spread(ca),
                               "a_over_b_cpu": spread(ab_cpu), "memory_a": mem}
        say("")
        say(f"(a) Asocia sim.run, {firms:,} firms ({z.groups} groups of {z.group_size}), {z.steps} "
            f"meetings, all tables ({a[0]['rows']['firms']:,} firm rows, {a[0]['rows']['events']:,} events):")
        say(f"      {fmt(spread(rate_a))} firm-steps/s   (median [min - max] of {args.reps})")
        say(f"(b) Mesa BoltzmannWealth, {z.boltzmann_agents:,} agents, {z.boltzmann_side}x"
            f"{z.boltzmann_side} grid, {z.boltzmann_steps} steps:")
        say(f"      {fmt(spread(rate_b))} agent-steps/s")
        say("(c) NumPy kernel of the joint-purchase round, same population and meetings:")
        say(f"      {fmt(spread(rate_c))} firm-steps/s")
        say(f"a/b  = {fmt(spread(ab), digits=1)}   {verdict('a_over_b', spread(ab)['median'])}"
            f"   (CPU-time ratio {spread(ab_cpu)['median']:.1f})")
        say(f"c/a  = {fmt(spread(ca), digits=1)}   {verdict('c_over_a', spread(ca)['median'])}")
        say(f"peak memory of (a): {mem['peak_rss_mb']:,.0f} MB peak RSS of a fresh process doing only "
            f"that run ({mem['rss_before_mb']:,.0f} MB of it after 'import sim', before the run)   "
            f"{verdict('peak_memory_mb', mem['peak_rss_mb'])}")

        # ---- where (a)'s time goes, and what a free meeting would leave
        split = time_parts(scenario(z.groups, z.group_size, z.steps))
        say(f"where (a)'s time goes (one more run, CPU time {split['cpu']:.2f} s):")
        say_parts(lambda line: say(f"  {line}"), split)
        outside = split["without_meetings"] / split["cpu"]
        bound = spread(rate_a)["median"] / outside
        split.update(outside_meetings=outside, bound_rate_a=bound, bound_a_over_b=bound / spread(rate_b)["median"],
                     bound_c_over_a=spread(rate_c)["median"] / bound)
        say(f"  if the meetings took no time at all, (a) would run at most {bound:,.0f} firm-steps/s: "
            f"a/b <= {split['bound_a_over_b']:.1f}, c/a >= {split['bound_c_over_a']:.1f}")
        out["side_by_side"]["split"] = split

    # ---- scaling: fresh processes, so each size's peak memory is its own
    if not (args.skip_scaling or args.engine):
        say("")
        where = "each run in a fresh process" if z.fresh_processes else "in this process"
        say(f"Scaling of (a) in firms ({z.steps} meetings; {where}):")
        by_firms = []
        for g in z.scale_groups:
            table = z.big_table if g == max(z.scale_groups) else "full"
            if z.fresh_processes:
                r = in_subprocess(g, z.group_size, z.steps, table)
            else:   # quick mode: the runs share this process, so none has a peak memory of its own
                r = time_asocia(g, z.group_size, z.steps, table=table)
                r["peak_rss_mb"] = float("nan")
            r.update(firms=g * z.group_size, table=table)
            by_firms.append(r)
            rss = f"  peak RSS {r['peak_rss_mb']:,.0f} MB" if r["peak_rss_mb"] == r["peak_rss_mb"] else ""
            say(f"  {r['firms']:>8,} firms  {r['seconds']:8.2f} s  ({r['firm_steps'] / r['seconds']:,.0f}"
                f" firm-steps/s){rss}  firm table: {table}")
        e_firms = exponent([r["firms"] for r in by_firms], [r["seconds"] for r in by_firms])
        top = exponent([r["firms"] for r in by_firms[-2:]], [r["seconds"] for r in by_firms[-2:]])
        say(f"  fitted exponent in firms: {e_firms:.2f}   {verdict('exponent_firms', e_firms)}")
        say(f"  (between the two largest sizes alone: {top:.2f}; fixed costs flatten the small end)")
        big = by_firms[-1]
        say(f"  {big['firms']:,} firms with the firm table {big['table']}: {rss_text(big['peak_rss_mb'])}   "
            f"{verdict('memory_100k_mb', big['peak_rss_mb'])}")
        say(f"Scaling of (a) in meetings ({firms:,} firms, in this process):")
        by_steps = []
        for steps in z.scale_steps:
            r = time_asocia(z.groups, z.group_size, steps)
            r.update(steps=steps)
            by_steps.append(r)
            say(f"  {steps:>5} meetings  {r['seconds']:8.2f} s")
        e_steps = exponent([r["steps"] for r in by_steps], [r["seconds"] for r in by_steps])
        say(f"  fitted exponent in meetings: {e_steps:.2f}   {verdict('exponent_steps', e_steps)}")
        out["scaling"] = {"firms": by_firms, "steps": by_steps, "exponent_firms": e_firms,
                          "exponent_firms_top": top, "exponent_steps": e_steps}

    # ---- small runs
    if not (args.skip_small or args.engine):
        say("")
        base = time_baseline(z.baseline_reps)
        ms = spread(base["ms"])
        say(f"Small runs: scenarios/baseline.toml ({base['groups']} groups of {base['group_size']}, "
            f"{base['steps']} meetings), one sim.run with its tables:")
        say(f"  {fmt(ms, digits=1)} ms (median [min - max] of {z.baseline_reps})   "
            f"{verdict('baseline_run_ms', ms['median'])}")
        import sim

        small = time_parts(sim.load_scenario(BASELINE), reps=z.baseline_reps)
        say(f"  where it goes (CPU time, mean of {z.baseline_reps} more runs, {small['cpu'] * 1e3:.1f} ms):")
        say_parts(lambda line: say(f"    {line}"), small, unit="ms", scale=1e3)
        say(f"    if the meetings took no time at all, one run would still take "
            f"{1e3 * small['without_meetings']:.1f} ms")
        base["split"] = small
        cli = time_cli(z.cli_reps)
        imp = import_time()
        cs = spread(cli["s"])
        say(f"  '{cli['command']}' end to end: {fmt(cs, digits=2)} s   "
            f"{verdict('cli_run_s', cs['median'])}")
        say(f"  of which starting Python and 'import sim' alone: {imp:.2f} s")
        out["small"] = {"baseline": base, "cli": cli, "import_s": imp}

    # ---- issue 13: Asocia against the fair anchor (benchmarks/engine.py)
    engine_checks = {}
    if not args.skip_engine:
        from benchmarks.engine import engine_section

        engine_checks = engine_section(z, args.reps, say, out)

    # ---- verdicts
    checks = {}
    if "side_by_side" in out:
        checks.update(a_over_b=spread(ab)["median"], c_over_a=spread(ca)["median"],
                      peak_memory_mb=mem["peak_rss_mb"])
    if "scaling" in out:
        checks.update(exponent_firms=out["scaling"]["exponent_firms"],
                      exponent_steps=out["scaling"]["exponent_steps"],
                      memory_100k_mb=out["scaling"]["firms"][-1]["peak_rss_mb"])
    if "small" in out:
        checks.update(baseline_run_ms=spread(out["small"]["baseline"]["ms"])["median"],
                      cli_run_s=spread(out["small"]["cli"]["s"])["median"])
    checks.update(engine_checks)
    missed = [k for k, v in checks.items() if verdict(k, v).startswith("MISS")]
    out["checks"] = checks
    out["missed"] = missed
    say("")
    if args.quick:
        say("quick mode: tiny sizes, the figures above say nothing about the targets.")
    say(f"targets missed: {', '.join(missed) if missed else 'none'}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2, default=float))
        say(f"wrote {args.json}")
    return 1 if (args.strict and missed and not args.quick) else 0


if __name__ == "__main__":
    sys.exit(main())
