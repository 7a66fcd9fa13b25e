"""Reference distributions of every scenario's outcomes, stored before the engine rewrite (issue 13, item 6).

``python -m benchmarks.reference_outcomes [--write] [--seeds N] [--jobs 2] [--calibrate R]`` plays every scenario
file under ``scenarios/`` and ``scenarios/lab/`` for N seeds (``REFERENCE_BASE + k``, k = 0..N-1)
at the scenario's own horizon and keeps the ``outcome.*`` columns of the ``runs`` table (see
:func:`sim.results.run.outcomes`). Without ``--write`` it prints what it would keep; with it, it writes
``tests/data/reference_outcomes.csv.gz`` (one row per scenario and seed) and the sidecar
``tests/data/reference_outcomes.json`` (engine commit, date, seeds, N and the outcomes kept and
dropped per scenario, and the command that regenerates it). ``tests/test_equivalence.py`` compares
a later engine's distributions with this reference; see its docstring for the statistics.

Every run is played with ``run.firm_table = "off"``: no outcome comes from the firms table (see
:func:`sim.results.run.outcomes`), and the outcomes were checked equal to the scenario's own setting, so
this only saves time.

An outcome is kept for a scenario when it varies across the reference seeds; constants (e.g. the
planned end of the programme) and all-NaN outcomes (e.g. a milestone a scenario never reaches)
are dropped and named in the sidecar, with their constant value, which the equivalence test
checks exactly.

:func:`play` is the one place that plays a scenario for many seeds; it uses a batch API
(``sim.run_batch`` or ``sim.replicate``) when the engine has one and loops :func:`sim.run`
otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.results.run import versions

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
CSV = DATA / "reference_outcomes.csv.gz"
SIDECAR = DATA / "reference_outcomes.json"

REFERENCE_BASE = 100_000     # reference seeds: 100000 + k
TEST_BASE = 200_000          # equivalence-test seeds: 200000 + k (disjoint from the reference's)
DEFAULT_SEEDS = 400
OVERRIDES = {"run.firm_table": "off"}

# Scenario files that sim.run cannot play on their own, with the reason. None today: workshop.toml
# is an ordinary scenario (the workshop server plays it meeting by meeting with people deciding,
# but sim.run plays it with every firm decided by the model, and that is what is stored).
SKIPPED: dict[str, str] = {}


def scenario_files() -> list[Path]:
    """Every scenario file the reference covers, in a fixed order."""
    files = [*sorted((ROOT / "scenarios").glob("*.toml")), *sorted((ROOT / "scenarios" / "lab").glob("*.toml"))]
    return [f for f in files if key(f) not in SKIPPED]


def key(path: Path) -> str:
    """A scenario file's name in the reference: its path under ``scenarios/`` without suffix."""
    return Path(path).resolve().relative_to(ROOT / "scenarios").with_suffix("").as_posix()


def seeds(base: int, n: int) -> list[int]:
    """The n seeds ``base + k``."""
    return [base + k for k in range(int(n))]


def play(scenario, seed_list, overrides: dict | None = None) -> pd.DataFrame:
    """Outcomes of one scenario over many seeds: one row per seed, columns ``seed`` and ``outcome.*``.

    Args:
        scenario: a scenario file (path) or a loaded :class:`sim.Scenario`.
        seed_list: integer seeds, one run each.
        overrides: dotted-key overrides applied on top of ``run.firm_table = "off"`` (path only).

    The one place to point at a faster engine: when ``sim`` has ``run_batch(scenario, seeds)``
    (explicit seeds) it is used; else ``replicate(scenario, seed, reps)`` (seeds derived from one
    root, so the seeds differ from ``seed_list`` but the distribution is what is compared);
    else one :func:`sim.run` per seed.
    """
    seed_list = [int(s) for s in seed_list]
    if isinstance(scenario, (str, Path)):
        sc = sim.load_scenario(scenario, {**OVERRIDES, **(overrides or {})})
    else:
        if overrides:
            raise ValueError("overrides apply to a scenario file; pass a path")
        sc = scenario
    run_batch = getattr(sim, "run_batch", None)
    replicate = getattr(sim, "replicate", None)
    if run_batch is not None:
        runs = _runs_table(run_batch(sc, seed_list))
    elif replicate is not None:
        runs = _runs_table(replicate(sc, seed_list[0], len(seed_list)))
    else:
        runs = pd.concat([sim.run(sc, seed=s).runs for s in seed_list], ignore_index=True)
    if len(runs) != len(seed_list):
        raise RuntimeError(f"{sc.meta.name}: {len(runs)} runs rows for {len(seed_list)} seeds")
    cols = [c for c in runs.columns if c.startswith("outcome.")]
    out = runs[["seed", *cols]].reset_index(drop=True)
    return out.astype({c: float for c in cols})


def _runs_table(res) -> pd.DataFrame:
    """The runs table of what a batch API returned (Results, a list of them, or a DataFrame)."""
    if isinstance(res, pd.DataFrame):
        return res
    if hasattr(res, "runs"):
        return res.runs
    return pd.concat([r.runs for r in res], ignore_index=True)


def _play_chunk(job):
    path, seed_list = job
    return key(Path(path)), play(path, seed_list)


def generate(n: int, jobs: int = 2, base: int = REFERENCE_BASE, files=None) -> tuple[pd.DataFrame, dict]:
    """Play every scenario for n seeds; returns (long table, seconds per scenario)."""
    files = files or scenario_files()
    chunk = max(1, -(-n // (4 * max(jobs, 1))))
    work = [(str(f), seeds(base, n)[i:i + chunk]) for f in files for i in range(0, n, chunk)]
    t0, parts = time.perf_counter(), []
    cpu0 = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))
    if jobs > 1:
        from multiprocessing import get_context

        with get_context("fork").Pool(jobs) as pool:
            for name, df in pool.imap(_play_chunk, work):
                parts.append(df.assign(scenario=name))
    else:
        parts = [df.assign(scenario=name) for name, df in map(_play_chunk, work)]
    wall = time.perf_counter() - t0
    cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for f in ("ru_utime", "ru_stime")) - cpu0
    table = pd.concat(parts, ignore_index=True)
    cols = ["scenario", "seed", *(c for c in table.columns if c.startswith("outcome."))]
    table = table[cols].sort_values(["scenario", "seed"], kind="stable").reset_index(drop=True)
    return table, {"wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1), "jobs": jobs}


def classify(table: pd.DataFrame) -> dict[str, dict]:
    """Per scenario: outcomes kept (vary across seeds), constants (with value) and all-NaN ones."""
    out = {}
    for name, df in table.groupby("scenario", sort=False):
        kept, const, nan = [], {}, []
        for c in (c for c in df.columns if c.startswith("outcome.")):
            x = df[c].to_numpy(float)
            fin = x[~np.isnan(x)]
            if fin.size == 0:
                nan.append(c)
            elif np.all(fin == fin[0]) and (fin.size == x.size):
                const[c] = float(fin[0])
            else:
                kept.append(c)
        out[name] = {"n": int(len(df)), "kept": kept, "constant": const, "all_nan": nan}
    return out


# --- comparing an engine with the reference (used by tests/test_equivalence.py) -------------------

FAMILY_ALPHA = 0.01   # family-wise error rate over all comparisons of one check (Holm-Bonferroni)
TOL_SD = 0.25         # practical tolerance: difference of means, in reference standard deviations
TOL_KS = 0.20         # practical tolerance: largest distance between the two empirical CDFs (KS D)
TOL_SHARE = 0.10      # practical tolerance: share of runs missing (NaN) or off the reference's constant
SHORT_STEPS = 20      # scenarios this short (lab, workshop) are cheap: they get more test seeds
TEST_SEEDS = {"long": 40, "short": 80}


def check_seeds(path: Path) -> int:
    """Seeds the equivalence test plays for a scenario file (its CI budget is about a minute)."""
    steps = sim.load_scenario(path).run.steps
    return TEST_SEEDS["short" if steps <= SHORT_STEPS else "long"]


def _fisher(a_hit: int, a_n: int, b_hit: int, b_n: int) -> float:
    from scipy.stats import fisher_exact

    if a_hit + b_hit in (0, a_n + b_n):
        return 1.0
    return float(fisher_exact([[a_hit, a_n - a_hit], [b_hit, b_n - b_hit]]).pvalue)


SIGNIFICANT = 6       # digits the reference stores; both samples are compared at this precision


def rounded(x) -> np.ndarray:
    """Values at the stored precision (``%.6g``, as written to the CSV), NaN kept.

    Both samples are rounded alike, so an outcome with a few exact values (a cost of 696.153846...)
    is not told apart by its stored rounding, nor by last-bit differences of another summation order.
    """
    return np.array([float(f"{v:.{SIGNIFICANT}g}") for v in np.asarray(x, float)])


EXACT_BELOW = 1e-3    # Mann-Whitney p-values below this are recomputed exactly (ties make the normal one too small)
EXACT_CELLS = 10**7   # ... when the counting table fits (16 vs 400 runs: 2e5 cells; 200 vs 400: 5e7, not done)


def rank_sum_exact_p(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sided Mann-Whitney p-value, exact given the ties: every split of the pooled values is equally likely.

    The normal approximation fails for heavily tied outcomes (a share that is 1.0 in 399 of 400
    runs): one odd value in the small sample gets p ~ 1e-3 where the exact p is 0.04. This counts
    the subsets of the pooled sample by the sum of their (doubled, hence whole) midranks, group of
    tied values by group of tied values, and returns the probability of a sum at least as far from
    its mean as the observed one. About 0.1-0.4 s for 16 against 400 values; memory grows with
    the smaller sample's size squared times the pooled size (see ``EXACT_CELLS``).
    """
    from math import comb

    from scipy.stats import rankdata

    if len(y) > len(x):
        x, y = y, x
    z = np.concatenate([x, y])
    r2 = np.rint(2 * rankdata(z)).astype(np.int64)
    m = len(y)
    s_obs = int(r2[len(x):].sum())
    top = int(np.sort(r2)[-m:].sum())
    ways = np.zeros((m + 1, top + 1))
    ways[0, 0] = 1.0
    values, counts = np.unique(r2, return_counts=True)
    for w, c in zip(values.tolist(), counts.tolist(), strict=True):
        if c == 1:
            if w <= top:
                ways[1:, w:] += ways[:-1, :top + 1 - w]     # NumPy reads the old values (overlap is buffered)
            continue
        new = ways.copy()
        for k in range(1, min(c, m) + 1):
            if k * w > top:
                break
            new[k:, k * w:] += comb(c, k) * ways[:m + 1 - k, :top + 1 - k * w]
        ways = new
    dist = ways[m] / ways[m].sum()
    mean = m * r2.sum() / len(z)
    far = np.abs(np.arange(top + 1) - mean) >= abs(s_obs - mean) - 1e-9
    return float(min(1.0, dist[far].sum()))


def compare_one(x: np.ndarray, y: np.ndarray, kind: str = "kept", constant: float | None = None) -> dict:
    """One comparison of an outcome: reference values x, new values y (NaN allowed).

    ``kind`` is ``"kept"`` (a distribution: Mann-Whitney U (normal approximation with tie
    correction, exact below ``EXACT_BELOW``) and Kolmogorov-Smirnov (conservative under ties) on the finite
    values, plus Fisher's exact test on the share of NaN when either sample has one), ``"constant"``
    (Fisher's exact test on the share of runs off the reference's constant value, NaN counting as
    off) or ``"all_nan"`` (the same on the share of runs with a value). The comparison's p-value is
    the smallest of its tests times their number (Bonferroni within the comparison).
    """
    from scipy.stats import ks_2samp, mannwhitneyu

    x, y = rounded(x), rounded(y)
    if constant is not None:
        constant = float(rounded([constant])[0])
    row = {"kind": kind, "n_ref": x.size, "n_new": y.size, "mean_ref": np.nan, "mean_new": np.nan,
           "sd_ref": np.nan, "d": 0.0, "ks": 0.0, "share_ref": 0.0, "share_new": 0.0,
           "p_mwu": np.nan, "p_ks": np.nan, "p_share": np.nan}
    if kind == "kept":
        fx, fy = x[~np.isnan(x)], y[~np.isnan(y)]
        row["share_ref"], row["share_new"] = 1 - fx.size / x.size, 1 - fy.size / y.size
        ps = []
        if fx.size >= 2 and fy.size >= 2:
            row["mean_ref"], row["mean_new"], row["sd_ref"] = fx.mean(), fy.mean(), fx.std(ddof=1)
            scale = max(row["sd_ref"], 1e-9 * max(1.0, abs(row["mean_ref"])))
            row["d"] = abs(row["mean_new"] - row["mean_ref"]) / scale
            if np.ptp(np.concatenate([fx, fy])) > 0:
                row["p_mwu"] = float(mannwhitneyu(fx, fy, alternative="two-sided", method="asymptotic").pvalue)
                small = min(fx.size, fy.size)
                if row["p_mwu"] < EXACT_BELOW and (small + 1) * 2 * small * (fx.size + fy.size) <= EXACT_CELLS:
                    row["p_mwu"] = rank_sum_exact_p(fx, fy)
                ks = ks_2samp(fx, fy)
                row["ks"], row["p_ks"] = float(ks.statistic), float(ks.pvalue)
                ps += [row["p_mwu"], row["p_ks"]]
        if x.size > fx.size or y.size > fy.size:
            row["p_share"] = _fisher(x.size - fx.size, x.size, y.size - fy.size, y.size)
            ps.append(row["p_share"])
    else:
        if kind == "constant":
            off_x = ~np.isclose(x, constant, rtol=1e-9, atol=1e-12)
            off_y = ~np.isclose(y, constant, rtol=1e-9, atol=1e-12)
            row["mean_ref"] = constant
            row["mean_new"] = float(np.nanmean(y)) if np.isfinite(y).any() else np.nan
        else:
            off_x, off_y = ~np.isnan(x), ~np.isnan(y)
        row["share_ref"], row["share_new"] = off_x.mean(), off_y.mean()
        row["p_share"] = _fisher(int(off_x.sum()), x.size, int(off_y.sum()), y.size)
        ps = [row["p_share"]]
    row["p"] = min(1.0, len(ps) * min(ps)) if ps else 1.0
    row["practical"] = bool(row["d"] > TOL_SD or row["ks"] > TOL_KS
                            or abs(row["share_new"] - row["share_ref"]) > TOL_SHARE)
    return row


def compare(reference: pd.DataFrame, sidecar: dict, new: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every (scenario, outcome) comparison of the new runs with the reference; one row each.

    ``new`` maps a scenario's name in the reference (``baseline``, ``lab/threshold_pgg``) to what
    :func:`play` returned for it. Outcomes in the reference that the new table lacks are rows with
    ``missing=True``; outcomes the reference does not know are ignored. Judge with :func:`judge`.
    """
    rows = []
    for name, y_table in new.items():
        kinds = sidecar["scenarios"][name]
        ref = reference[reference["scenario"] == name]
        n_ref = kinds["n"]
        todo = [(c, "kept", None) for c in kinds["kept"]]
        todo += [(c, "constant", v) for c, v in kinds["constant"].items()]
        todo += [(c, "all_nan", None) for c in kinds["all_nan"]]
        for col, kind, const in todo:
            base = {"scenario": name, "outcome": col.removeprefix("outcome.")}
            if col not in y_table:
                rows.append({**base, "kind": kind, "missing": True, "p": 0.0, "practical": True})
                continue
            if kind == "kept":
                x = ref[col].to_numpy(float)
            else:
                x = np.full(n_ref, np.nan if kind == "all_nan" else const)
            rows.append({**base, **compare_one(x, y_table[col].to_numpy(float), kind, const), "missing": False})
    return pd.DataFrame(rows)


def holm(p: np.ndarray, family_size: int | None = None) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values; ``family_size`` >= len(p) counts untested hypotheses too."""
    p = np.asarray(p, float)
    m = len(p) if family_size is None else int(family_size)
    if m < len(p):
        raise ValueError(f"family_size {m} < {len(p)} p-values")
    order = np.argsort(p, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(len(p))) * p[order]))
    out = np.empty_like(adj)
    out[order] = adj
    return out


def pooled(table: pd.DataFrame) -> pd.DataFrame:
    """Engine-wide comparisons: per outcome, the scenarios' comparisons combined (Fisher's method).

    The scenarios are played on separate runs, so their p-values are independent under "no
    change"; ``-2 sum(ln p)`` is then chi-squared with 2k degrees of freedom (conservative, since
    each p is). A change in the engine moves an outcome in many scenarios at once, each by too
    little to pass the family's threshold on its own; combined, it does. One row per outcome that
    varies in at least two of the scenarios compared (``scenario`` is ``"(all)"``). Practical
    tolerance: the mean over the scenarios of the difference of means (in SD), of KS D, or of the
    NaN share, beyond the per-comparison tolerance.
    """
    from scipy.stats import chi2

    kept = table[(table["kind"] == "kept") & ~table["missing"]]
    rows = []
    for outcome, t in kept.groupby("outcome", sort=False):
        if len(t) < 2:
            continue
        p = np.clip(t["p"].to_numpy(float), 1e-300, 1.0)
        share = (t["share_new"] - t["share_ref"]).abs().mean()
        d, ks = t["d"].mean(), t["ks"].mean()
        rows.append({"scenario": "(all)", "outcome": outcome, "kind": f"pooled{len(t)}", "missing": False,
                     "n_ref": int(t["n_ref"].sum()), "n_new": int(t["n_new"].sum()),
                     "mean_ref": np.nan, "mean_new": np.nan, "d": d, "ks": ks, "share_ref": 0.0, "share_new": share,
                     "p": float(chi2.sf(-2 * np.log(p).sum(), 2 * len(t))),
                     "practical": bool(d > TOL_SD or ks > TOL_KS or share > TOL_SHARE)})
    return pd.DataFrame(rows)


def judge(table: pd.DataFrame, alpha: float = FAMILY_ALPHA, family_size: int | None = None) -> pd.DataFrame:
    """Add the pooled rows, then ``p_holm``, ``significant`` and ``fail`` (significant AND beyond tolerance).

    ``family_size`` counts every hypothesis of the full check (see :func:`family_size`), so a
    check of a few scenarios is held to the same threshold as the full one.
    """
    t = pd.concat([table, pooled(table)], ignore_index=True)
    t["p_holm"] = holm(t["p"].to_numpy(float), family_size)
    t["significant"] = t["p_holm"] <= alpha
    t["fail"] = t["missing"].astype(bool) | (t["significant"] & t["practical"].astype(bool))
    return t


def family_size(sidecar: dict) -> int:
    """Hypotheses of the full check: every outcome of every scenario, plus one pooled per shared outcome."""
    kinds = sidecar["scenarios"].values()
    counts = pd.Series([c for k in kinds for c in k["kept"]]).value_counts()
    return sum(len(k["kept"]) + len(k["constant"]) + len(k["all_nan"]) for k in kinds) + int((counts >= 2).sum())


def closest(judged: pd.DataFrame, k: int = 8) -> str:
    """The k comparisons closest to failing (smallest p, then largest effect), as text lines."""
    t = judged.assign(effect=np.maximum.reduce([judged["d"].fillna(0) / TOL_SD, judged["ks"].fillna(0) / TOL_KS,
                                                (judged["share_new"] - judged["share_ref"]).abs().fillna(0)
                                                / TOL_SHARE]))
    t = t.sort_values(["p", "effect"], ascending=[True, False], kind="stable").head(k)
    lines = [f"{'scenario':24} {'outcome':26} {'kind':8} {'p':>9} {'p_holm':>7} {'d/sd':>6} {'KS D':>5} "
             f"{'mean ref':>10} {'mean new':>10} {'NaN/off ref>new':>15} fail"]
    for r in t.itertuples():
        lines.append(f"{r.scenario:24} {r.outcome:26} {r.kind:8} {r.p:9.2e} {r.p_holm:7.3f} {r.d:6.2f} {r.ks:5.2f} "
                     f"{r.mean_ref:10.4g} {r.mean_new:10.4g} {r.share_ref:7.2f}>{r.share_new:<7.2f} {r.fail}")
    return "\n".join(lines)


def calibrate(reference: pd.DataFrame, sidecar: dict, reps: int, seed: int = 0) -> dict:
    """False alarms of the check under no change: split the reference into "new" and reference parts.

    For each repetition and scenario, the test's number of seeds are drawn at random from the
    reference's runs as the "new" sample and compared with the remaining runs (kinds re-derived on
    them), judged over the whole family. Returns the share of repetitions with any significant
    comparison and with any failure, and the smallest p seen.
    """
    rng = np.random.default_rng(seed)
    any_sig = any_fail = 0
    pmin = 1.0
    for _ in range(reps):
        tables = []
        for name, kinds in sidecar["scenarios"].items():
            ref = reference[reference["scenario"] == name].reset_index(drop=True)
            m = check_seeds(ROOT / kinds["file"])
            pick = rng.permutation(len(ref))
            # the stored table leaves out constants and all-NaN outcomes: put them back for the "new" runs
            filled = {**kinds["constant"], **dict.fromkeys(kinds["all_nan"], np.nan)}
            new, rest = ref.iloc[pick[:m]].assign(**filled), ref.iloc[pick[m:]]
            side = {"scenarios": {name: {**kinds, "n": len(rest)}}}
            tables.append(compare(rest, side, {name: new}))
        j = judge(pd.concat(tables, ignore_index=True), family_size=family_size(sidecar))
        any_sig += bool(j["significant"].any())
        any_fail += bool(j["fail"].any())
        pmin = min(pmin, float(j["p"].min()))
    return {"reps": reps, "any_significant": any_sig / reps, "any_fail": any_fail / reps, "min_p": pmin}


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "sim"], cwd=ROOT,
                               capture_output=True, text=True, timeout=5)
        return head.stdout.strip() + ("+dirty(sim)" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def load_reference() -> tuple[pd.DataFrame, dict]:
    """The stored reference table and its sidecar."""
    return pd.read_csv(CSV), json.loads(SIDECAR.read_text())


def main(argv=None) -> int:
    """Generate the reference; print a summary; write it with ``--write``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=DEFAULT_SEEDS, help=f"seeds per scenario (default {DEFAULT_SEEDS})")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--write", action="store_true", help=f"write {CSV.relative_to(ROOT)} and its sidecar")
    ap.add_argument("--calibrate", type=int, metavar="R",
                    help="instead: measure the equivalence check's false alarms on R splits of the stored reference")
    a = ap.parse_args(argv)
    if a.calibrate:
        reference, side = load_reference()
        t0 = time.perf_counter()
        res = calibrate(reference, side, a.calibrate)
        print(f"{res['reps']} splits of the reference (no change), family of {family_size(side)} comparisons: "
              f"any significant after Holm {res['any_significant']:.3f}, any failing {res['any_fail']:.3f}, "
              f"smallest p {res['min_p']:.2e} ({time.perf_counter() - t0:.0f} s)")
        return 0
    if a.seeds < 2 or a.jobs < 1:
        print("reference_outcomes: --seeds must be >= 2 and --jobs >= 1", file=sys.stderr)
        return 2
    files = scenario_files()
    print(f"playing {len(files)} scenarios x {a.seeds} seeds ({REFERENCE_BASE}+k) on {a.jobs} process(es)",
          flush=True)
    table, timing = generate(a.seeds, a.jobs, files=files)
    kinds = classify(table)
    for name, k in kinds.items():
        print(f"{name}: {len(k['kept'])} outcomes kept, {len(k['constant'])} constant, {len(k['all_nan'])} all-NaN")
    print(f"generated in {timing['wall_seconds']} s wall, {timing['cpu_seconds']} CPU-s, on {a.jobs} process(es)")
    if not a.write:
        return 0
    DATA.mkdir(parents=True, exist_ok=True)
    # only what is compared is stored (kept outcomes; the rest blanked), six significant digits
    store = table.copy()
    for name, k in kinds.items():
        rows = store["scenario"] == name
        drop = [c for c in store.columns if c.startswith("outcome.") and c not in k["kept"]]
        store.loc[rows, drop] = np.nan
    store = store.dropna(axis=1, how="all")
    store.to_csv(CSV, index=False, float_format=f"%.{SIGNIFICANT}g", compression={"method": "gzip", "mtime": 0})
    side = {
        "what": "reference distributions of outcome.* per scenario, from the engine before the v2 rewrite "
                "(issue 13, item 6); compared by tests/test_equivalence.py",
        "engine_commit": _commit(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": versions(),
        "seeds": {"base": REFERENCE_BASE, "n": a.seeds, "rule": "seed = base + k, k = 0..n-1"},
        "overrides": OVERRIDES,
        "skipped": SKIPPED,
        "generation": timing,
        "command": f"python -m benchmarks.reference_outcomes --write --seeds {a.seeds} --jobs {a.jobs}",
        "scenarios": {name: {**k, "file": f"scenarios/{name}.toml"} for name, k in kinds.items()},
    }
    SIDECAR.write_text(json.dumps(side, indent=1) + "\n")
    print(f"wrote {CSV.relative_to(ROOT)} ({CSV.stat().st_size // 1024} KB) and {SIDECAR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
