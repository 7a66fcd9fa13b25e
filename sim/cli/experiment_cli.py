"""The experiment commands of ``asocia``: sweep, results, sensitivity and report.

:func:`register` adds them to the parser of sim/cli.py. User errors raise ScenarioError or
ResultsError subclasses, which sim/cli.py prints as one line with exit code 2.
"""

from __future__ import annotations

import atexit
import gc
from pathlib import Path

from ..experiments.sweepstore import StoreError, SweepStore

SUMMARY_OUTCOMES = ("survival", "income_gain", "trust", "cooperation", "members", "exits",
                    "expulsions", "conflicts")


def cmd_sweep(args) -> int:
    """Asocia sweep EXPERIMENT."""
    from ..experiments.sweep import start_pool, stop_pool, sweep

    # at exit, leave the objects of pandas, pyarrow and DuckDB out of the final collections (about
    # 0.1-0.2 s; the workers do the same)
    atexit.register(gc.freeze)

    bad_workers = args.workers is not None and args.workers < 1
    # the workers start now and load the engine while the experiment is read and the store prepared
    # (nothing heavy is imported before: sim.experiments.sweep loads NumPy and pandas on first use)
    pool = None if bad_workers else start_pool(args.workers, args.engine, args.scheduler)
    try:
        from ..experiments.experiment import load_experiment
        from .commands import quiet_pyarrow

        quiet_pyarrow()

        exp = load_experiment(args.experiment)
        if bad_workers:
            raise StoreError(f"--workers got {args.workers}; allowed: a whole number >= 1")
        out = Path(args.out) if args.out else Path("results") / f"sweep-{exp.name}"
        rep = sweep(exp, out, workers=args.workers, engine=args.engine, scheduler=args.scheduler,
                    progress=not args.no_progress, redo_damaged=args.redo_damaged, force=args.force, pool=pool)
    finally:
        stop_pool(pool)
    skipped = f" ({rep.skipped} already stored, skipped)" if rep.skipped else ""
    print(f"Asocia sweep · {exp.name} · {exp.design} design · {rep.total} runs{skipped}")
    if rep.ran:
        print(f"  ran            {rep.ran} runs in {rep.seconds:.1f} s ({rep.rate:.1f} runs/s, "
              f"{rep.engine} engine, {rep.workers} worker{'s' if rep.workers != 1 else ''})")
    print(f"  stored in      {out}/ (index.duckdb, batches/*.parquet, manifest.json)")
    print(f"  next           asocia results {out} · asocia sensitivity {out} · asocia report {out}")
    return 0


def format_results(folder) -> str:
    """The summary ``asocia results`` prints."""
    store = SweepStore(folder)
    man = store.manifest()
    runs = store.runs()
    total = man["points"] * man["replications"]
    lines = [
        f"Asocia results · {man['experiment_name']} · {man['design']} design · root seed "
        f"{man['root_seed']} · {man['seeding']} seeds",
        f"  factors        {', '.join(man['factors'])}",
        f"  runs           {len(runs)} of {total} stored ({man['points']} design points x "
        f"{man['replications']} replications, {man['steps']} meetings each)",
        f"  code           asocia {man['versions'].get('asocia')} · git {man['versions'].get('git')}",
    ]
    if len(runs) < total:
        lines.append(f"  incomplete     {total - len(runs)} runs missing: re-run '{man['rerun']}'")
    cols = [c for c in runs.columns if c.startswith("outcome.")]
    if len(runs) and cols:
        import pandas as pd

        from ..experiments.experiment import OUTCOME_INFO

        units = {c: OUTCOME_INFO.get(c[8:], ("", "", ""))[2] for c in cols}
        # as wide as the longest name and unit ('facilitator_meetings' pushed its row out of line)
        wn, wu = max(18, *(len(c) - 6 for c in cols)), max(len("unit"), *(len(u) for u in units.values())) + 2
        lines.append(f"  {'outcome':<{wn}}{'unit':<{wu}}{'mean':>10}{'sd':>10}{'min':>10}{'max':>10}")
        none = 0
        for c in cols:
            v = runs[c].astype(float)
            if c == "outcome.programme_end":   # planned end 0: the run had no programme, not one that ended at 0
                none = int((v == 0).sum())
                v = v[v != 0]
            cells = (v.mean(), v.std(), v.min(), v.max())   # NaN (no value, or one value's sd) shows as '–'
            lines.append(f"  {c[8:]:<{wn}}{units[c]:<{wu}}" + "".join(f"{'–':>10}" if pd.isna(x) else f"{x:>10.3f}"
                                                                  for x in cells))
        if none:
            lines.append(f"  no programme   {none} of {len(runs)} runs had no programme (no facilitator): "
                         "left out of programme_end")
        from ..experiments.discovery import success

        ok = success(runs, man.get("discovery", {}))
        if ok is not None:
            lines.append(f"  success        {ok.mean() * 100:.1f} % of runs keep groups alive with members "
                         "better off than alone")
    lines.append(f"  query          python -c \"import duckdb; print(duckdb.connect('{folder}/index.duckdb',"
                 " read_only=True).sql('SELECT point, avg(\\\"outcome.survival\\\") FROM runs GROUP BY "
                 "point ORDER BY point'))\"")
    return "\n".join(lines)


def cmd_results(args) -> int:
    """Asocia results DIR [--csv FOLDER] [--xlsx FILE]."""
    print(format_results(args.folder))
    if args.csv or args.xlsx:
        from ..experiments.export import export

        files = export(args.folder, args.csv, args.xlsx)
        print(f"  exported       {', '.join(str(f) for f in files)}")
    return 0


def cmd_sensitivity(args) -> int:
    """Asocia sensitivity DIR."""
    from ..experiments.sensitivity import analyse, format_table, write_outputs

    res = analyse(args.folder, outcomes=args.outcome or None)
    print(format_table(res))
    paths = write_outputs(res, args.folder)
    print(f"  written        {', '.join(str(p) for p in paths)}")
    return 0


def cmd_report(args) -> int:
    """Asocia report DIR."""
    from ..experiments.discovery import discover, format_discovery
    from ..experiments.report import write_report

    out = write_report(args.folder, args.out, lang=args.lang)
    print(f"Asocia report · {out} (self-contained HTML; open it offline or share it)")
    try:
        print(format_discovery(discover(args.folder)))
    except StoreError as e:  # e.g. survival or income_gain not kept: the report says so too
        print(f"  scenario discovery skipped: {e}")
    return 0


def register(sub) -> None:
    """Add sweep, results, sensitivity and report to the ``asocia`` subcommands."""
    from .commands import whole

    s = sub.add_parser("sweep", help="run every design point x replication of an experiment")
    s.add_argument("experiment", help="experiment TOML file, e.g. experiments/quick.toml")
    s.add_argument("--workers", type=whole("a whole number >= 1"), help="worker processes (default: CPUs available)")
    s.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local process pool (default) or Dask distributed")
    s.add_argument("--scheduler", metavar="ADDRESS",
                   help="existing Dask scheduler, e.g. tcp://host:8786 (implies --engine dask)")
    s.add_argument("--out", help="store folder (default: results/sweep-<name>); resumes if it exists")
    s.add_argument("--redo-damaged", action="store_true",
                   help="drop batches that are missing or corrupt and redo their runs")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.add_argument("--force", action="store_true",
                   help="start even if the memory estimate says the runs will not fit")
    s.set_defaults(func=cmd_sweep)

    r = sub.add_parser("results", help="summary of a sweep folder")
    r.add_argument("folder", help="sweep folder written by 'asocia sweep'")
    r.add_argument("--csv", metavar="FOLDER",
                   help="write runs, design, series, policies and the data dictionary as CSV files here")
    r.add_argument("--xlsx", metavar="FILE", help="write the same tables as sheets of an Excel workbook")
    r.set_defaults(func=cmd_results)

    a = sub.add_parser("sensitivity", help="Sobol / Morris indices of a sweep (SALib) and figures")
    a.add_argument("folder", help="sweep folder written by 'asocia sweep'")
    a.add_argument("--outcome", action="append", help="outcome to analyse (repeatable; default: all kept)")
    a.set_defaults(func=cmd_sensitivity)

    p = sub.add_parser("report", help="self-contained HTML report of a sweep")
    p.add_argument("folder", help="sweep folder written by 'asocia sweep'")
    p.add_argument("--out", help="HTML file (default: DIR/report.html, or DIR/report.en.html in English)")
    p.add_argument("--lang", choices=("es", "en"), default="es", help="language of the report (default: es)")
    p.set_defaults(func=cmd_report)
