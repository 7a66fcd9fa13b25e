"""The ``asocia`` command line: run, compare, dashboard, bench, and the experiment commands.

Every user error (a bad scenario key, a value out of range, a corrupt results folder) is reported
as one line naming the file, the key and what is allowed, with exit code 2 and no traceback.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import textwrap
import time
from pathlib import Path

# only light modules here: 'asocia --help' answers before NumPy, pandas and Mesa are imported
from ..model.scenario import ScenarioError, check_name, load_scenario, param, parse_overrides
from ..model.vocabulary import LABELS as PROFILE_LABELS
from ..results.store import ResultsError

EXIT_USAGE = 2


class UserError(Exception):
    """An error the user can fix; printed without a traceback, exit code 2."""


class Parser(argparse.ArgumentParser):
    """Argparse with the command's own error format: one line, exit code 2, no usage block.

    The subcommands' parsers are of this class too (``add_subparsers`` takes the parent's class).
    """

    def error(self, message):
        """Print one line naming the option and what is allowed, and exit with code 2."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {' '.join(message.split())} (see '{self.prog} --help')\n")


def whole(allowed: str, lo: int | None = None, hi: int | None = None):
    """An argparse type for a whole number; anything else is refused saying what is allowed.

    With ``lo``/``hi`` the range is checked here too (a flag that is not a scenario key, such as
    the workshop's --groups: the error names the flag, not a file). Without them only the syntax
    is checked; the command then checks the range (the scenario schema's bounds for --seed and
    --steps, naming the flag and the file) and says the same.
    """
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"got {text!r}; allowed: {allowed}") from None
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"got {text!r}; allowed: {allowed}")
        return value

    return parse


SEED_ALLOWED = param("run.seed").allowed()


def _progress(total, desc):
    from tqdm import tqdm

    # delay: the bar appears only for work that takes longer than a second
    return tqdm(total=total, desc=desc, delay=1.0, unit="run" if desc != "meetings" else "mtg",
                file=sys.stderr, leave=False)


def _scenario(args):
    overrides = parse_overrides(args.set or [])
    return load_scenario(args.scenario, overrides)


def _play(scenario, seed, steps):
    from ..results.run import LiveRun

    live = LiveRun(scenario, seed)
    # the first meeting loads the engine's compiled kernels, or compiles them on a fresh machine
    # (several seconds, once): played before the bar, so the bar's pace is that of a meeting
    t0 = time.perf_counter()
    live.advance(1)
    if time.perf_counter() - t0 > 2.0:
        print(f"asocia: prepared the compiled engine in {time.perf_counter() - t0:.0f} s "
              "(first run on this machine; cached for the next ones)", file=sys.stderr)
    with _progress(steps, "meetings") as bar:
        bar.update(1)
        for _ in range(steps - 1):
            live.advance(1)
            bar.update(1)
    return live.results()


def format_summary(res, out_dir=None) -> str:
    """The short summary ``asocia run`` prints."""
    row = res.runs.iloc[0]
    o = res.summary()
    groups = int(row["population.groups"])
    founders = groups * int(row["population.group_size"])
    coop = " · ".join(
        f"{PROFILE_LABELS[p]} {o[f'coop_{p}']:.2f}" for p in PROFILE_LABELS if not math.isnan(o[f"coop_{p}"])
    )
    lines = [
        f"Asocia · {row['scenario']} ({row['source']}) · seed {row['seed']} · {row['steps']} meetings"
        f" · {groups} group{'s' if groups != 1 else ''}",
        f"  survival       {round(o['survival'] * groups)}/{groups} groups alive",
        f"  members        {int(o['members'])} (started {founders})",
        f"  trust          {o['trust']:.2f} (mean dyadic trust, last quarter)",
        f"  income gain    {o['income_gain'] * 100:+.1f} % vs going alone (second half)",
        f"  cooperation    {o['cooperation']:.2f}  ({coop})",
        "  events         " + " · ".join(_count(o[k], k) for k in ("exits", "expulsions", "entries", "conflicts"))
        + f" · {_count(o['violations'], 'violations')} seen",
    ]
    if not math.isnan(o["programme_end"]) and o["programme_end"] > 0:
        end = int(o["programme_end"])
        after = ("beyond this run" if math.isnan(o["alive_2y"])
                 else f"{round(o['alive_2y'] * groups)}/{groups} groups alive")
        cost = ("" if math.isnan(o["cost_per_group_2y"])
                else f" · {o['cost_per_group_2y']:.0f} money per group alive then")
        lines.append(f"  programme      ends at meeting {end} · {o['programme_cost']:.0f} money per group · "
                     f"self-governance {o['self_governance_end']:.2f} at its end")
        lines.append(f"  two years on   {after}{cost}")
    if out_dir is not None:
        lines.append(f"  tables         {out_dir}/ (runs, steps, firms, events .parquet + manifest.json)")
    return "\n".join(lines)


def _count(n, plural: str) -> str:
    """'1 exit', '0 exits', '2 entries'."""
    n = int(n)
    if n != 1:
        return f"{n} {plural}"
    return f"1 {plural[:-3] + 'y' if plural.endswith('ies') else plural[:-1]}"


def _horizon(scenario, args):
    """Seed and steps from the command line, checked against the schema's bounds."""
    given = {}
    if getattr(args, "seed", None) is not None:
        given["run.seed"] = args.seed
    if getattr(args, "steps", None) is not None:
        given["run.steps"] = args.steps
    if given:
        flags = " and ".join("--" + k.split(".")[1] for k in given)
        scenario = scenario.replace(given, origin=f"{flags} for {scenario.source}")
    return scenario, scenario.run.seed, scenario.run.steps


def default_out(path, scenario, seed: int) -> Path:
    """``results/<scenario file name>-<seed>``: one folder per scenario file and seed.

    The file's name, not ``meta.name``, so an edited copy of a scenario under another file name
    gets its own folder; a file name that is not a valid name falls back to ``meta.name``.
    """
    stem = Path(path).stem
    try:
        name = check_name(stem, "file name")
    except ScenarioError:
        name = scenario.meta.name
    return Path("results") / f"{name}-{seed}"


def _fits(scenario, steps: int, force: bool, what: str) -> None:
    from ..results.run import memory_need, memory_refusal

    why = memory_refusal(memory_need(scenario, steps), what, force)
    if why:
        raise UserError(why)


def cmd_run(args) -> int:
    """Asocia run."""
    from ..results.run import manifest
    from ..results.store import check_run_folder

    scenario, seed, steps = _horizon(_scenario(args), args)
    out = Path(args.out) if args.out else default_out(args.scenario, scenario, seed)
    check_run_folder(out, manifest(scenario, seed, steps), force=args.force)
    _fits(scenario, steps, args.force, f"{scenario.source}: this run ({scenario.population.groups} groups x "
          f"{steps} meetings, firm table {scenario.run.firm_table})")
    res = _play(scenario, seed, steps)
    res.manifest["command"] = " ".join(["asocia", *args.argv])
    res.save(out, csv=args.csv)
    print(format_summary(res, out))
    return 0


def t_interval(values, lo: float = -math.inf, hi: float = math.inf) -> tuple[float, float, float]:
    """Mean and 95 % t-interval of replication outcomes, clipped to the outcome's range [lo, hi]."""
    import numpy as np
    from scipy import stats

    v = np.asarray([x for x in values if not math.isnan(x)], float)
    if len(v) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(v.mean())
    if len(v) < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))
    return mean, max(lo, mean - half), min(hi, mean + half)


# the range an outcome can take, so an interval never claims what cannot happen (trust 1.01)
SHARES = ("survival", "trust", "cooperation", "coop_santo", "coop_solido", "coop_tengo", "coop_oportunista",
          "founders_kept", "alive_end", "alive_2y", "self_governance_end")
COUNTS = ("members", "exits", "expulsions", "conflicts")
MONEY = ("programme_cost", "facilitator_copay", "manager_cost", "cost_per_group_end", "cost_per_group_2y",
         "cost_per_member_year_end", "cost_per_member_year_2y")


def outcome_range(key: str) -> tuple[float, float]:
    """Lowest and highest value an outcome can take: shares in [0, 1], counts and money >= 0, else any."""
    if key in SHARES:
        return 0.0, 1.0
    if key in COUNTS or key in MONEY:
        return 0.0, math.inf
    return -math.inf, math.inf


# survival and income, then what the programme cost and bought (money per group, at its end and two
# years after), then the rest
COMPARE_OUTCOMES = ("survival", "members", "income_gain", "alive_end", "alive_2y", "programme_end",
                    "programme_cost", "facilitator_copay", "manager_cost", "cost_per_group_end",
                    "cost_per_group_2y", "cost_per_member_year_end", "cost_per_member_year_2y",
                    "self_governance_end", "trust", "cooperation", "coop_santo", "coop_solido", "coop_tengo",
                    "coop_oportunista", "exits", "expulsions", "conflicts", "founders_kept")
# what the programme's rows mean (printed under the table)
COMPARE_NOTES = (
    "alive_end, alive_2y: share of groups alive at the programme's last meeting and 52 meetings (two years) "
    "after it",
    "programme_cost: what the programme paid per founded group (facilitator and subsidies), whole run; "
    "facilitator_copay: what the members paid the facilitator; manager_cost: what groups paid their manager",
    "cost_per_group_*: programme money paid up to that moment per group alive then; cost_per_member_year_*: "
    "the same money per member-year spent in a group earning more than going alone",
)
# the rows measured from the programme's end: a scenario without a programme has none of them
AT_PROGRAMME_END = ("programme_end", "alive_end", "alive_2y", "self_governance_end", "cost_per_group_end",
                    "cost_per_group_2y", "cost_per_member_year_end", "cost_per_member_year_2y")
NO_PROGRAMME_NOTE = ("–: no programme (the scenario has no facilitator), so there is no programme end and "
                     "nothing measured at it or two years after")
ENDLESS_NOTE = ("never: support does not end (a permanent facilitator that costs the programme nothing), so "
                "there is no programme end")


def programme_kind(rows) -> str:
    """'none' when no replication has a programme (planned end 0), 'endless' when support never ends, else ''.

    The planned end follows from the scenario alone (sim/model/programme.py, ``planned_end``), so
    every replication of a scenario agrees.
    """
    ends = [r["programme_end"] for r in rows]
    if ends and all(e == 0 for e in ends):
        return "none"
    if ends and all(math.isnan(e) for e in ends):
        return "endless"
    return ""


def compare(scenarios, reps: int, root_seed: int, steps: int | None, workers: int = 1):
    """Replicated outcomes of several scenarios on the same seeds (common random numbers)."""
    from ..results.run import run_batch
    from ..results.seeds import replication_seeds

    seeds = replication_seeds(root_seed, reps)
    table = {}
    batch = 16   # replications per batch (the same tables as separate runs), between progress updates
    with _progress(len(scenarios) * reps, "runs") as bar:
        for sc in scenarios:
            rows = []
            for at in range(0, reps, batch):
                chunk = seeds[at:at + batch]
                rows.extend(res.summary() for res in run_batch(sc, chunk, steps=steps, tables=("runs", "steps")))
                bar.update(len(chunk))
            table[sc.meta.name if sc.meta.name not in table else sc.source] = rows
    return seeds, table


def cmd_compare(args) -> int:
    """Asocia compare."""
    if len(args.scenarios) < 2:
        raise UserError(f"compare got one scenario ({args.scenarios[0]}); allowed: two or more scenario "
                        "files (for one, use 'asocia run')")
    scenarios = [load_scenario(p, parse_overrides(args.set or [])) for p in args.scenarios]
    if not 1 <= args.reps <= 100_000:
        raise UserError(f"--reps got {args.reps}; allowed: a whole number from 1 to 100000")
    if not 0 <= args.seed <= 2**63 - 1:
        raise UserError(f"--seed got {args.seed}; allowed: {SEED_ALLOWED}")
    if args.steps is not None:
        scenarios = [_horizon(sc, argparse.Namespace(steps=args.steps))[0] for sc in scenarios]
    for sc in scenarios:
        _fits(sc, sc.run.steps, args.force, f"{sc.source}: one run")
    from ..experiments.experiment import OUTCOME_INFO

    seeds, table = compare(scenarios, args.reps, args.seed, None)
    names = list(table)
    kinds = {n: programme_kind(table[n]) for n in names}
    rows = []
    for key in COMPARE_OUTCOMES:
        cells = []
        for n in names:
            if key in AT_PROGRAMME_END and kinds[n] == "none":
                cells.append("–")
                continue
            if key == "programme_end" and kinds[n] == "endless":
                cells.append("never")
                continue
            mean, lo, hi = t_interval([r[key] for r in table[n]], *outcome_range(key))
            scale = 100.0 if key == "income_gain" else 1.0
            cells.append("n/a" if math.isnan(mean) else f"{mean * scale:.2f} [{lo * scale:.2f}, {hi * scale:.2f}]")
        # units from the outcomes' one description (the report's and the data dictionary's)
        unit = "% vs going alone" if key == "income_gain" else OUTCOME_INFO[key][2]
        rows.append((key, unit, cells))
    # every column as wide as its widest cell, two spaces apart (cells never run together)
    width = max(26, *(len(n) + 2 for n in names), *(len(c) + 2 for *_, cells in rows for c in cells))
    uw = max(len(u) for _, u, _ in rows) + 2
    print(f"Asocia compare · {args.reps} replications per scenario · root seed {args.seed} "
          f"(same seeds for every scenario) · mean [95 % interval]")
    print(f"{'outcome':<26}{'unit':<{uw}}" + "".join(f"{n:>{width}}" for n in names))
    for key, unit, cells in rows:
        print(f"{key:<26}{unit:<{uw}}" + "".join(f"{c:>{width}}" for c in cells))
    print()
    notes = [*COMPARE_NOTES, *([NO_PROGRAMME_NOTE] if "none" in kinds.values() else []),
             *([ENDLESS_NOTE] if "endless" in kinds.values() else [])]
    for note in notes:
        print(textwrap.fill(note, 100, initial_indent="  ", subsequent_indent="    "))
    return 0


def cmd_dashboard(args) -> int:
    """Asocia dashboard: serve dashboards/app.py on this machine (dashboards/server.py)."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "dashboards" / "server.py").exists():
        raise UserError(f"{root / 'dashboards'}: dashboard not found (run from a source checkout)")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from dashboards.server import serve

    try:
        return serve(args.host, args.port, not args.no_open, args.allow_remote)
    except ValueError as e:
        raise UserError(str(e)) from None


def cmd_bench(args) -> int:
    """Asocia bench: the side-by-side benchmark (benchmarks/)."""
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    try:
        from benchmarks.__main__ import main as bench_main
    except ImportError as e:
        raise UserError(f"{root / 'benchmarks'}: benchmark package not found ({e})") from None
    return bench_main(args.bench_args, prog="asocia bench")   # its errors and help name what was typed


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (help texts are derived from the scenario schema where they can be)."""
    p = Parser(prog="asocia",
               description="Trust and cooperation in associative groups of small firms.")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run one scenario and write its tables")
    r.add_argument("scenario", help="scenario TOML file, e.g. scenarios/baseline.toml")
    r.add_argument("--seed", type=whole(SEED_ALLOWED), help="integer seed (default: run.seed in the scenario)")
    r.add_argument("--steps", type=whole(param("run.steps").allowed()), help="meetings to play (default: run.steps)")
    r.add_argument("--set", action="append", metavar="KEY=VALUE",
                   help="override a parameter, e.g. --set rules.monitoring=0.6 (see 'asocia params')")
    r.add_argument("--out", help="output folder (default: results/<scenario file name>-<seed>); a "
                   "folder holding another run is refused unless --force")
    r.add_argument("--csv", action="store_true", help="also write CSV copies of the tables")
    r.add_argument("--force", action="store_true",
                   help="replace another run's folder; run even if the memory estimate says it will not fit")
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("compare", help="replicated comparison of scenarios on the same seeds")
    c.add_argument("scenarios", nargs="+", help="two or more scenario files")
    c.add_argument("--reps", type=whole("a whole number from 1 to 100000"), default=20,
                   help="replications per scenario (default 20)")
    c.add_argument("--seed", type=whole(SEED_ALLOWED), default=1,
                   help="root seed; replications use SeedSequence.spawn")
    c.add_argument("--steps", type=whole(param("run.steps").allowed()),
                   help="meetings to play (default: each scenario's run.steps)")
    c.add_argument("--set", action="append", metavar="KEY=VALUE", help="override in every scenario")
    c.add_argument("--force", action="store_true", help="run even if the memory estimate says it will not fit")
    c.set_defaults(func=cmd_compare)

    pr = sub.add_parser("params", help="list every scenario parameter with default and allowed values")
    pr.add_argument("--lang", choices=("en", "es"), default="en")
    pr.set_defaults(func=cmd_params)

    d = sub.add_parser("dashboard", help="start the Solara dashboard on localhost")
    d.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; others need --allow-remote)")
    d.add_argument("--port", type=port, default=8765, help="TCP port from 1 to 65535 (default 8765)")
    d.add_argument("--no-open", action="store_true", help="do not open a browser")
    d.add_argument("--allow-remote", action="store_true",
                   help="allow a --host other than localhost (reachable from the network; warns)")
    d.set_defaults(func=cmd_dashboard)

    # no -h of its own: 'asocia bench --help' reaches the benchmark's help (its options are there)
    b = sub.add_parser("bench", help="benchmarks side by side (see benchmarks/README)", add_help=False)
    b.add_argument("bench_args", nargs=argparse.REMAINDER, help="options of the benchmark (asocia bench --help)")
    b.set_defaults(func=cmd_bench)

    register_experiment_commands(sub)

    rp = sub.add_parser("repair", help="rebuild a sweep folder's index.duckdb from its Parquet batches")
    rp.add_argument("folder", help="sweep folder written by 'asocia sweep'")
    rp.set_defaults(func=cmd_repair)

    from .workshop_cli import register as register_workshop

    register_workshop(sub)
    return p


def port(text: str) -> int:
    """A TCP port from the command line (checked when parsing, before anything starts)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"got {text!r}; allowed: a whole number from 1 to 65535")
    return value


def cmd_repair(args) -> int:
    """Asocia repair DIR: a new index from the checksummed batches (the index is only a cache)."""
    from ..experiments.sweepstore import SweepStore

    store = SweepStore(args.folder)
    store.manifest()
    store.lock()
    try:
        batches, runs, dropped = store.rebuild_index()
    finally:
        store.unlock()
    print(f"Asocia repair · {args.folder}/index.duckdb rebuilt from {batches} batches ({runs} runs)")
    if dropped:
        print(f"  deleted        {len(dropped)} damaged batch file(s): {', '.join(dropped)}; "
              "'asocia sweep' with the same experiment redoes their runs")
    return 0


def register_experiment_commands(sub) -> None:
    """Sweep, sensitivity, results and report commands (sim/experiment_cli.py)."""
    try:
        from .experiment_cli import register
    except ImportError:
        return
    register(sub)


def cmd_params(args) -> int:
    """Asocia params: the parameter table, from the scenario schema."""
    from ..model.scenario import Param, params

    rows = params()
    lang = args.lang

    def allowed(p: Param) -> str:
        return p.allowed(lang)

    # columns as wide as their widest entry, so every label starts in the same column
    wk, wd, wa = (max(len(f(p)) for p in rows)
                  for f in (lambda p: p.key, lambda p: toml_value(p.default, lang), allowed))
    for prm in rows:
        label = prm.es if lang == "es" else prm.en
        unit = f" [{prm.unit_in(lang)}]" if prm.unit else ""
        print(f"{prm.key:<{wk}}  {toml_value(prm.default, lang):<{wd}}  {allowed(prm):<{wa}}  {label}{unit}")
    return 0


def toml_value(value, lang: str = "en") -> str:
    """A default as a scenario file writes it: true, "taper", [1, 2] (not Python's True, 'taper', (1, 2)).

    TOML has no null: a value that is not set says so in words, "(not set)" / "(sin valor)".
    """
    import tomli_w

    if value is None:
        return "(sin valor)" if lang == "es" else "(not set)"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(x, lang) for x in value) + "]"
    return tomli_w.dumps({"v": value}).strip()[len("v = "):]


def _terminate(signum, frame):
    raise KeyboardInterrupt


def quiet_pyarrow() -> None:
    """Leave SIGTERM and SIGINT to Python (call before the first Parquet read or write).

    pyarrow would take them over during a Parquet read or write and send them again later (as
    SIGINT, or once this handler is gone).
    """
    import pyarrow

    pyarrow.enable_signal_handlers(False)


def main(argv=None) -> int:
    """Entry point of the ``asocia`` console script."""
    previous = None
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:   # from the first instant: SIGTERM = Ctrl-C
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        args.argv = list(sys.argv[1:] if argv is None else argv)
        if extra:   # only 'asocia bench' passes options through (argparse REMAINDER misses '--quick')
            if args.command != "bench":
                parser.error(f"unrecognized arguments: {' '.join(extra)}")
            args.bench_args = extra + list(args.bench_args)
        if args.command == "dashboard" and previous is not None:   # the server handles its signals
            signal.signal(signal.SIGTERM, previous)
            previous = None
        elif args.command not in ("params", "bench", "sweep"):   # sweep: once its workers are started
            quiet_pyarrow()
        return args.func(args) or 0
    except (ScenarioError, ResultsError, UserError) as e:
        print(f"asocia: error: {' '.join(str(e).split())}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("asocia: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:   # 'asocia params | head': the reader has gone; stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # no second error at exit's flush
        return 1
    except Exception as e:
        if type(e).__name__ != "InterruptException":   # DuckDB's, when a signal lands inside a query
            raise
        print("asocia: interrupted", file=sys.stderr)
        return 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
