"""Re-try the families of issue 16's fuzz and fault audit and count how each case ends.

Every case runs the ``asocia`` command line in a forked child (memory capped at 3 GB, 60 s at
most), so a case that exhausts memory or hangs is counted, not fatal. Each case ends as

* ``clean``: a case that must be refused got exit 2 and one line ``asocia: error: ...``, or a case
  that must work exited 0 and its check passed;
* ``traceback``: a Python traceback, or any other exit code;
* ``silent``: exit 0 where a refusal was due, or a wrong result (the case's check failed);
* ``unbounded``: killed by the memory cap or the time limit;
* ``refused``: a case that must work was refused (exit 2).

Run with the venv's python from the repository root::

    .venv/bin/python benchmarks/fuzz_audit.py            # table of counts by family
    .venv/bin/python benchmarks/fuzz_audit.py --verbose  # one line per case
    ASOCIA_CODE=/path/to/other/checkout .venv/bin/python benchmarks/fuzz_audit.py   # audit other code
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("ASOCIA_CODE", str(ROOT)))   # the code under audit (default: this checkout)
BASELINE = ROOT / "scenarios" / "baseline.toml"
MEMORY = 3 << 30
SECONDS = 60
REFUSE, WORK = "refuse", "work"

warnings.filterwarnings("ignore", message="This process .* is multi-threaded")   # fork per case, on purpose
CASES: list[tuple[str, str, str, object]] = []   # (family, name, expectation, body(tmp) -> argv)


def case(family, name, expect):
    """Register a case; its body prepares files in ``tmp`` and returns argv or a list of argvs."""
    def wrap(body):
        CASES.append((family, name, expect, body))
        return body
    return wrap


def scenario_file(tmp: Path, text: str, name="s.toml") -> str:
    path = tmp / name
    path.write_text(text)
    return str(path)


def small(extra: str = "") -> str:
    return BASELINE.read_text() + "\n" + extra


# ----------------------------------------------------------------------------- scenario files
for depth in (200, 1000, 5000):
    case("scenario", f"array nested {depth} deep", REFUSE)(
        lambda tmp, d=depth: ["run", scenario_file(tmp, "x = " + "[" * d + "]" * d), "--out", str(tmp / "o")])
    case("scenario", f"inline table nested {depth} deep", REFUSE)(
        lambda tmp, d=depth: ["run", scenario_file(tmp, "x = " + "{a=" * d + "1" + "}" * d),
                              "--out", str(tmp / "o")])
case("scenario", "dotted key 3000 deep", REFUSE)(
    lambda tmp: ["run", scenario_file(tmp, ".".join(["a"] * 3000) + " = 1"), "--out", str(tmp / "o")])
case("scenario", "/dev/zero as scenario", REFUSE)(lambda tmp: ["run", "/dev/zero", "--out", str(tmp / "o")])
case("scenario", "a folder as scenario", REFUSE)(lambda tmp: ["run", str(tmp), "--out", str(tmp / "o")])
case("scenario", "binary file", REFUSE)(
    lambda tmp: ["run", scenario_file(tmp, "\x00\x01\x02" * 100), "--out", str(tmp / "o")])
case("scenario", "huge valid scenario (50000 groups, full firm table)", REFUSE)(
    lambda tmp: ["run", scenario_file(tmp, "[population]\ngroups = 50000\n[run]\nsteps = 5000\n"),
                 "--out", str(tmp / "o")])
case("scenario", "participation shares 0.3/0.3/0.4009", REFUSE)(
    lambda tmp: ["run", scenario_file(tmp, "[population]\nactive = 0.3\npassive = 0.3\nbarely = 0.4009\n"),
                 "--out", str(tmp / "o")])
for label, value in (("absolute path", '"/tmp/asocia-fuzz-abs"'), ("parent path", '"../../x"'),
                     ("empty", '""'), ("newline", '"a\\nb"'), ("slash", '"a/b"'), ("dot-dot", '".."')):
    case("names", f"meta.name {label}", REFUSE)(
        lambda tmp, v=value: ["run", scenario_file(tmp, f"[meta]\nname = {v}\n[run]\nsteps = 3\n"),
                              "--steps", "3"])


# ----------------------------------------------------------------------------- --set
for item in ("rules.monitoring", "=1", "rules.monitoring=", "rules.monitoring=nan", "rules.monitoring=inf",
             "population.groups=1e9", "population.groups=3.5", "nosuch.key=1", "meta=1", "run.seed=-1",
             "run.seed=99999999999999999999999", "run.steps=0", "run.firm_table=some",
             "meta.name=../x", "meta.name=/etc/x", "rules.monitoring=0x10"):
    case("--set", f"--set {item}", REFUSE)(
        lambda tmp, i=item: ["run", str(BASELINE), "--set", i, "--steps", "3", "--out", str(tmp / "o")])


# ----------------------------------------------------------------------------- CLI flags
for flags in (["--seed", "-1"], ["--steps", "0"], ["--steps", "999999"], ["--seed", "x"]):
    case("flags", "run " + " ".join(flags), REFUSE)(
        lambda tmp, f=flags: ["run", str(BASELINE), *f, "--out", str(tmp / "o")])
case("flags", "compare with one scenario", REFUSE)(lambda tmp: ["compare", str(BASELINE), "--reps", "2",
                                                                "--steps", "3"])
case("flags", "compare --reps 0", REFUSE)(lambda tmp: ["compare", str(BASELINE), str(BASELINE), "--reps", "0"])
case("flags", "dashboard --port 70000", REFUSE)(lambda tmp: ["dashboard", "--port", "70000", "--no-open"])
case("flags", "dashboard --port -1", REFUSE)(lambda tmp: ["dashboard", "--port", "-1", "--no-open"])
for sched in ("nonsense", "tcp://", "tcp://host:notaport", "://x"):
    case("flags", f"sweep --scheduler {sched}", REFUSE)(
        lambda tmp, s=sched: ["sweep", str(ROOT / "experiments" / "quick.toml"), "--scheduler", s,
                              "--out", str(tmp / "o"), "--no-progress"])
case("flags", "sweep --workers 0", REFUSE)(
    lambda tmp: ["sweep", str(ROOT / "experiments" / "quick.toml"), "--workers", "0", "--out", str(tmp / "o")])
case("resources", "sweep --workers 1000 (capped, works)", WORK)(
    lambda tmp: ["sweep", str(ROOT / "experiments" / "quick.toml"), "--workers", "1000",
                 "--out", str(tmp / "o"), "--no-progress"])


@case("resources", "compare trust interval stays in [0, 1]", WORK)
def _compare_trust(tmp):
    return ["compare", str(ROOT / "scenarios" / "no_rules.toml"), str(BASELINE), "--reps", "2", "--steps", "30"]


def _check_compare_trust(tmp, out):
    for line in out.splitlines():
        if line.startswith("trust "):
            return all(0.0 <= float(x) <= 1.0 for x in re.findall(r"-?\d+\.\d+", line))
    return False


# ----------------------------------------------------------------------------- odd paths
case("paths", "--out is a file", REFUSE)(
    lambda tmp: ["run", str(BASELINE), "--steps", "3", "--out", scenario_file(tmp, "x", "afile")])
case("paths", "--out under a file", REFUSE)(
    lambda tmp: ["run", str(BASELINE), "--steps", "3", "--out", scenario_file(tmp, "x", "afile") + "/sub"])
case("paths", "--out /proc/asocia", REFUSE)(lambda tmp: ["run", str(BASELINE), "--steps", "3", "--out", "/proc/asocia"])
if os.geteuid() != 0:  # root writes through read-only modes
    case("paths", "--out read-only folder", REFUSE)(
        lambda tmp: (os.makedirs(tmp / "ro"), os.chmod(tmp / "ro", 0o500),
                     ["run", str(BASELINE), "--steps", "3", "--out", str(tmp / "ro" / "x")])[-1])
case("paths", "--out a non-empty foreign folder", REFUSE)(
    lambda tmp: (scenario_file(tmp, "mine", "notes.txt"),
                 ["run", str(BASELINE), "--steps", "3", "--out", str(tmp)])[-1])
for ch in ("[", "*", "?", "{a,b}", "'"):
    # a second store next to it must not be read into this one (DuckDB globs); '?' may be refused
    case("paths", f"sweep store path with {ch!r}", "either")(
        lambda tmp, c=ch: (shutil.copytree(STORE, tmp / "st1ore"), shutil.copytree(STORE, tmp / "stXore"),
                           [["sweep", str(ROOT / "experiments" / "quick.toml"), "--workers", "1",
                             "--out", str(tmp / f"st{c}ore"), "--no-progress"],
                            ["results", str(tmp / f"st{c}ore")]])[-1])


# ----------------------------------------------------------------------------- overwrite and mix
@case("results", "edited copy of baseline.toml does not overwrite results/baseline-1", "either")
def _edited_copy(tmp):
    (tmp / "mine").mkdir()
    edited = tmp / "mine" / "baseline.toml"
    edited.write_text(BASELINE.read_text().replace("[rules]", "[rules]\n# edited", 1))
    return [["run", str(BASELINE), "--steps", "3"],
            ["run", str(edited), "--steps", "3", "--set", "rules.monitoring=0.9"]]


def _check_edited_copy(tmp, out):
    manifests = [json.loads(p.read_text()) for p in (tmp / "results").glob("*/manifest.json")]
    return any(str(BASELINE) in m["scenario_source"] for m in manifests)   # the first run is intact


@case("results", "empty scenario file does not overwrite results/baseline-1", "either")
def _empty_file(tmp):
    return [["run", str(BASELINE), "--steps", "3"], ["run", scenario_file(tmp, ""), "--steps", "3"]]


_check_empty_file = _check_edited_copy


@case("results", "reused folder without --csv keeps no stale CSV", WORK)
def _stale_csv(tmp):
    return [["run", str(BASELINE), "--steps", "3", "--csv", "--out", str(tmp / "o")],
            ["run", str(BASELINE), "--steps", "4", "--out", str(tmp / "o"), "--force"]]


def _check_stale_csv(tmp, out):
    return not list((tmp / "o").glob("*.csv"))


@case("results", "run --out a sweep store", REFUSE)
def _run_into_store(tmp):
    shutil.copytree(STORE, tmp / "st")
    return ["run", str(BASELINE), "--steps", "3", "--out", str(tmp / "st")]


@case("results", "sweep --out a run folder", REFUSE)
def _sweep_into_run(tmp):
    return [["run", str(BASELINE), "--steps", "3", "--out", str(tmp / "r")],
            ["sweep", str(ROOT / "experiments" / "quick.toml"), "--out", str(tmp / "r"), "--no-progress"]]


# ----------------------------------------------------------------------------- sweep store faults
STORE: Path = Path()


def _store(tmp) -> Path:
    shutil.copytree(STORE, tmp / "st")
    return tmp / "st"


def _sql(folder, *statements):
    import duckdb

    con = duckdb.connect(str(folder / "index.duckdb"))
    for s in statements:
        con.execute(s)
    con.close()


def _manifest_edit(folder, **changes):
    path = folder / "manifest.json"
    m = json.loads(path.read_text())
    m.update(changes)
    path.write_text(json.dumps(m, indent=2))


@case("store", "batch copied under another valid name", REFUSE)
def _copied_batch(tmp):
    st = _store(tmp)
    src = sorted((st / "batches").glob("*.runs.*.parquet"))[0]
    stem, kind, sha, ext = src.name.split(".")
    shutil.copy(src, src.with_name(f"batch-00000000000000000001-abcdef.runs.{sha}.parquet"))
    return [["sweep", str(ROOT / "experiments" / "quick.toml"), "--out", str(st), "--workers", "1",
             "--no-progress"], ["results", str(st)]]


@case("store", "index runs table edited", REFUSE)
def _edit_runs(tmp):
    st = _store(tmp)
    _sql(st, 'UPDATE runs SET "outcome.survival" = 0')
    return ["results", str(st)]


@case("store", "index row deleted", REFUSE)
def _delete_row(tmp):
    st = _store(tmp)
    _sql(st, "DELETE FROM runs WHERE point = 0 AND rep = 0")
    return ["results", str(st)]


@case("store", "index row deleted then resumed (no duplicate)", WORK)
def _delete_row_resume(tmp):
    st = _store(tmp)
    _sql(st, "DELETE FROM runs WHERE point = 0 AND rep = 0")
    return [["sweep", str(ROOT / "experiments" / "quick.toml"), "--out", str(st), "--workers", "1",
             "--no-progress", "--redo-damaged"], ["results", str(st)]]


def _check_sixteen(tmp, out):
    """Results report 16 runs, and the Parquet batches hold each (point, rep) exactly once."""
    import pandas as pd

    files = sorted((tmp / "st" / "batches").glob("*.runs.*.parquet"))
    runs = pd.concat([pd.read_parquet(f, columns=["point", "rep"]) for f in files])
    return "16 of 16 stored" in out and len(runs) == 16 and not runs.duplicated().any()


_check_delete_row_resume = _check_sixteen


@case("store", "design.parquet edited", REFUSE)
def _edit_design(tmp):
    import pandas as pd

    st = _store(tmp)
    d = pd.read_parquet(st / "design.parquet")
    d["rules.monitoring"] = d["rules.monitoring"].astype(float) * 0 + 0.33
    d.to_parquet(st / "design.parquet", index=False)
    return ["results", str(st)]


for field, value in (("replications", 2), ("root_seed", 7), ("design", "sobol"), ("points", 3),
                     ("factors", ["rules.fine"])):
    case("store", f"manifest {field} edited", REFUSE)(
        lambda tmp, f=field, v=value: (_manifest_edit(_store(tmp), **{f: v}), ["results", str(tmp / "st")])[-1])


@case("store", "index.duckdb deleted: results", REFUSE)
def _no_index(tmp):
    st = _store(tmp)
    (st / "index.duckdb").unlink()
    return ["results", str(st)]


@case("store", "index.duckdb deleted: sweep --redo-damaged repairs", WORK)
def _no_index_repair(tmp):
    st = _store(tmp)
    (st / "index.duckdb").unlink()
    return [["sweep", str(ROOT / "experiments" / "quick.toml"), "--out", str(st), "--workers", "1",
             "--no-progress", "--redo-damaged"], ["results", str(st)]]


_check_no_index_repair = _check_sixteen


@case("store", "index.duckdb truncated: sweep --redo-damaged repairs", WORK)
def _trunc_index_repair(tmp):
    st = _store(tmp)
    with open(st / "index.duckdb", "r+b") as f:
        f.truncate(4096)
    return [["sweep", str(ROOT / "experiments" / "quick.toml"), "--out", str(st), "--workers", "1",
             "--no-progress", "--redo-damaged"], ["results", str(st)]]


_check_trunc_index_repair = _check_sixteen


@case("store", "index.duckdb deleted: asocia repair", WORK)
def _no_index_repair_cmd(tmp):
    st = _store(tmp)
    (st / "index.duckdb").unlink()
    return [["repair", str(st)], ["results", str(st)]]


_check_no_index_repair_cmd = _check_sixteen


@case("store", "index.duckdb truncated: results", REFUSE)
def _trunc_index(tmp):
    st = _store(tmp)
    with open(st / "index.duckdb", "r+b") as f:
        f.truncate(4096)
    return ["results", str(st)]


@case("store", "index.duckdb is garbage: results", REFUSE)
def _garbage_index(tmp):
    st = _store(tmp)
    (st / "index.duckdb").write_bytes(b"not a database" * 100)
    return ["results", str(st)]


@case("store", "batch file truncated: results", REFUSE)
def _trunc_batch(tmp):
    st = _store(tmp)
    src = sorted((st / "batches").glob("*.runs.*.parquet"))[0]
    src.write_bytes(src.read_bytes()[:100])
    return ["results", str(st)]


@case("store", "manifest.json garbage: results", REFUSE)
def _garbage_manifest(tmp):
    st = _store(tmp)
    (st / "manifest.json").write_text("{")
    return ["results", str(st)]


@case("store", "manifest.json is a list: results", REFUSE)
def _list_manifest(tmp):
    st = _store(tmp)
    (st / "manifest.json").write_text("[1, 2]")
    return ["results", str(st)]


# ----------------------------------------------------------------------------- outcomes
@case("outcomes", "outcomes identical with firm table full / sampled / off", WORK)
def _firm_table(tmp):
    return [["run", str(BASELINE), "--seed", "5", "--steps", "60", "--set", f"run.firm_table={m}",
             "--out", str(tmp / m)] for m in ("full", "sampled", "off")]


def _check_firm_table(tmp, out):
    import pandas as pd

    rows = [pd.read_parquet(tmp / m / "runs.parquet") for m in ("full", "sampled", "off")]
    cols = [c for c in rows[0].columns if c.startswith("outcome.")]
    return all(rows[0][cols].equals(r[cols]) for r in rows[1:])


# ----------------------------------------------------------------------------- the harness
def _child(argvs, tmp: Path, out_path: Path, err_path: Path) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    fd_out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    fd_err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd_out, 1)
    os.dup2(fd_err, 2)
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    code = 0
    try:
        from sim.cli import main

        for argv in argvs:
            os.chdir(tmp)
            sys.argv = ["asocia", *argv]
            try:
                code = main(argv)
            except SystemExit as e:  # argparse
                code = e.code if isinstance(e.code, int) else 1
            if code != 0:
                break
    except MemoryError:
        code = 137
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 99
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


def _check_store_path(tmp, out):
    """The store in a path with a glob character holds its own 16 runs, nobody else's (or is refused)."""
    return not out.strip() or "16 of 16 stored" in out


def run_case(family, name, expect, body, keep=False):
    tmp = Path(tempfile.mkdtemp(prefix="asocia-fuzz-"))
    here = os.getcwd()
    try:
        argvs = body(tmp)
    finally:
        os.chdir(here)
    if argvs and isinstance(argvs[0], str):
        argvs = [argvs]
    out_path, err_path = tmp.parent / (tmp.name + ".out"), tmp.parent / (tmp.name + ".err")
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(argvs, tmp, out_path, err_path)
    status = None
    while time.monotonic() - t0 < SECONDS:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.02)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        status = None
    seconds = time.monotonic() - t0
    out, err = out_path.read_text(errors="replace"), err_path.read_text(errors="replace")
    if status is None:
        verdict, code = "unbounded", None
    elif os.WIFSIGNALED(status):
        verdict, code = "unbounded", -os.WTERMSIG(status)
    else:
        code = os.WEXITSTATUS(status)
        lines = [ln for ln in err.strip().splitlines() if ln.strip()]
        # ours ("asocia: error: ...") or argparse's (usage, then "asocia run: error: ...")
        one_line = bool(lines) and re.match(r"asocia( [a-z]+)?: error: ", lines[-1]) is not None and (
            len(lines) == 1 or lines[0].startswith("usage:"))
        if "Traceback" in err or code not in (0, 2):
            verdict = "unbounded" if code == 137 else "traceback"
        elif expect == REFUSE:
            verdict = "clean" if code == 2 and one_line else "silent"
        else:
            check = globals().get("_check" + body.__name__) if body.__name__.startswith("_") else None
            if family == "paths" and name.startswith("sweep store path"):
                check = _check_store_path
            ok = check is None or check(tmp, out)
            if code == 0:
                verdict = "clean" if ok else "silent"
            elif expect == "either" and one_line:
                verdict = "clean" if ok else "silent"
            else:  # refused what should work: counted apart
                verdict = "refused"
    for p in (out_path, err_path):
        p.unlink(missing_ok=True)
    if not keep:
        for p in tmp.rglob("*"):
            if p.is_dir():
                p.chmod(0o700)
        shutil.rmtree(tmp, ignore_errors=True)
    return verdict, code, seconds, (err.strip().splitlines() or [""])[-1][:160]


def main(argv=None) -> int:
    """Run every case and print counts by family (and each case with --verbose)."""
    global STORE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--only", help="run only cases whose family or name contains this text")
    ap.add_argument("--json", help="also write the verdicts to this JSON file")
    args = ap.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="asocia-fuzz-store-"))
    STORE = base / "store"
    pid = os.fork()
    if pid == 0:
        _child([["sweep", str(ROOT / "experiments" / "quick.toml"), "--out", str(STORE), "--workers", "1",
                 "--no-progress"]], base, base / "o", base / "e")
    os.waitpid(pid, 0)
    counts: dict[str, Counter] = {}
    records = []
    for family, name, expect, body in CASES:
        if args.only and args.only not in family and args.only not in name:
            continue
        verdict, code, seconds, last = run_case(family, name, expect, body)
        counts.setdefault(family, Counter())[verdict] += 1
        records.append({"family": family, "case": name, "expect": expect, "verdict": verdict,
                        "exit": code, "seconds": round(seconds, 2), "message": last})
        if args.verbose:
            print(f"{verdict:<10} {family:<10} {name:<60} exit {code} {seconds:5.1f}s  {last}", flush=True)
    shutil.rmtree(base, ignore_errors=True)
    kinds = ("clean", "traceback", "silent", "unbounded", "refused")
    print(f"{'family':<12}" + "".join(f"{k:>15}" for k in kinds) + f"{'cases':>8}")
    total = Counter()
    for family, c in counts.items():
        total.update(c)
        print(f"{family:<12}" + "".join(f"{c[k]:>15}" for k in kinds) + f"{sum(c.values()):>8}")
    print(f"{'all':<12}" + "".join(f"{total[k]:>15}" for k in kinds) + f"{sum(total.values()):>8}")
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
