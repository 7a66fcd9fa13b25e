"""Sensitivity analysis of a sweep with SALib, the replication index treated as a source of variance.

A stochastic model gives a different outcome for every seed, so each design point is analysed
through the mean of its replications (the indices describe how the *expected* outcome depends on
the factors), and the replication index is handled explicitly in two ways:

* ``noise``: the share of the runs' variance that lies between replications of the same design
  point, E[Var(Y | x)] / Var(Y), from the unbiased one-way random-effects estimates (within-point
  variance with ddof = 1; between-point variance of the point means, less the within variance
  over the number of replications), next to the share explained by the factors;
* ``per_rep``: the indices recomputed replication by replication (each replication seen as one
  deterministic model), whose spread shows how much seed noise moves the indices.

Sobol designs give first and total order indices with bootstrap confidence intervals; Morris gives
mu*, its interval, and sigma; Latin hypercubes give first order indices by RBD-FAST (SALib
rbd_fast, which works on any Latin hypercube sample); full factorials give first order shares
from the exact main-effect decomposition, with intervals from resampling replications; crossed
policy x context designs give the same main-effect shares with each sampled uncertainty cut into
``BINS`` quantile bins (the given-data estimator of Var(E[Y | x_i]) / Var(Y); SALib's delta, which
also works on any sample, took minutes for a few dozen points).

Sobol indices come with **convergence diagnostics**: the indices recomputed on the first N/4 and
N/2 base samples (a scrambled Sobol sequence is balanced at every power of 2), the sums of first
and total order indices, the share of clearly negative first order indices, and a recommended N
(the bootstrap intervals shrink as 1/sqrt(N): the N at which the widest would be ``TARGET_CONF``).
A warning is printed when the sums or the negative indices say N is too small.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .sweepstore import StoreError, SweepStore

RESAMPLES = 200
BINS = 8  # quantile bins of a sampled factor in the main effects of a crossed design
TARGET_CONF = 0.05  # half-width of the widest Sobol interval a recommended N aims at


@dataclass
class Sensitivity:
    """Indices (``table``), variance shares by replication (``noise``), per-replication spread."""

    method: str
    design: str
    points: int
    replications: int
    table: pd.DataFrame
    noise: pd.DataFrame
    per_rep: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    convergence: pd.DataFrame = field(default_factory=pd.DataFrame)   # Sobol: indices at N/4, N/2, N
    diagnostics: pd.DataFrame = field(default_factory=pd.DataFrame)   # Sobol: sums, negatives, N


def _indices(method, problem, X, Y, second_order, levels, seed, resamples=RESAMPLES) -> dict:
    from SALib.analyze import morris, rbd_fast, sobol

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "sobol":
            r = sobol.analyze(problem, Y, calc_second_order=second_order, conf_level=0.95,
                              num_resamples=resamples, seed=seed)
            return {"S1": r["S1"], "S1_conf": r["S1_conf"], "ST": r["ST"], "ST_conf": r["ST_conf"]}
        if method == "morris":
            r = morris.analyze(problem, X, Y, num_levels=levels, conf_level=0.95,
                               num_resamples=resamples, seed=seed)
            return {"mu_star": np.asarray(r["mu_star"]), "mu_star_conf": np.asarray(r["mu_star_conf"]),
                    "sigma": np.asarray(r["sigma"]), "mu": np.asarray(r["mu"])}
        r = rbd_fast.analyze(problem, X, Y, num_resamples=resamples, conf_level=0.95, seed=seed)
        return {"S1": np.asarray(r["S1"], float), "S1_conf": np.asarray(r["S1_conf"], float)}


def main_effects(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """First order shares Var(E[Y | x_i]) / Var(Y) of a full factorial (exact for balanced grids)."""
    var = Y.var()
    out = []
    for i in range(X.shape[1]):
        means = pd.Series(Y).groupby(X[:, i]).transform("mean").to_numpy()
        out.append(means.var() / var if var > 0 else np.nan)
    return np.array(out)


def _factorial(X, Ymat, seed) -> dict:
    """Main effects of the replication means, with a 95 % interval from resampling replications."""
    rng = np.random.default_rng(seed)
    s1 = main_effects(X, np.nanmean(Ymat, axis=1))
    boots = []
    reps = Ymat.shape[1]
    for _ in range(RESAMPLES if reps > 1 else 0):
        pick = rng.integers(0, reps, reps)
        boots.append(main_effects(X, np.nanmean(Ymat[:, pick], axis=1)))
    conf = 1.96 * np.nanstd(boots, axis=0) if boots else np.full_like(s1, np.nan)
    return {"S1": s1, "S1_conf": conf}


def analyse(folder, outcomes: list[str] | None = None) -> Sensitivity:
    """Sensitivity indices of every kept outcome (or of ``outcomes``) of a sweep folder.

    Raises:
        StoreError: the sweep is incomplete, or an outcome was not kept.

    """
    store = SweepStore(folder)
    man = store.manifest()
    runs = store.runs()
    design = store.design()
    factors = list(man["factors"])
    points, reps = int(man["points"]), int(man["replications"])
    missing = sorted(set(range(points)) - set(runs["point"].astype(int)))
    if missing:
        raise StoreError(f"{store.folder}: {len(missing)} design points have no runs yet; allowed: a "
                         f"complete sweep (resume it with '{man['rerun']}')")
    kept = [c[8:] for c in runs.columns if c.startswith("outcome.")]
    for o in outcomes or []:
        if o not in kept:
            raise StoreError(f"{store.folder}: --outcome got {o!r}; allowed: {', '.join(kept)}")
    outcomes = list(outcomes or kept)
    X = design.sort_values("point")[[f"x.{f}" for f in factors]].to_numpy(float)
    problem = man["problem"]
    method = {"sobol": "sobol", "morris": "morris", "lhs": "rbd_fast",
              "crossed": "binned"}.get(man["design"], "factorial")
    if method == "binned":  # levers keep their levels; sampled uncertainties are cut into quantile bins
        roles = man.get("roles", {})
        X = X.copy()
        for i, f in enumerate(factors):
            if roles.get(f) != "lever":
                edges = np.quantile(X[:, i], np.linspace(0, 1, min(BINS, max(2, points // 8)) + 1)[1:-1])
                X[:, i] = np.searchsorted(edges, X[:, i], side="right")
    rows, noise, per_rep, notes, conv, diag = [], [], [], [], [], []
    for o in outcomes:
        wide = runs.pivot_table(index="point", columns="rep", values=f"outcome.{o}", aggfunc="first",
                                dropna=False).reindex(range(points))
        Ymat = wide.to_numpy(float)
        Y = np.nanmean(Ymat, axis=1) if np.isfinite(Ymat).any() else np.full(points, np.nan)
        if not np.isfinite(Y).all():
            notes.append(f"{o}: undefined in {int((~np.isfinite(Y)).sum())} design points "
                         "(e.g. no group dissolved); skipped")
            continue
        allv = Ymat[np.isfinite(Ymat)]
        total = allv.var() if len(allv) > 1 else 0.0  # ddof=0: total = within + between exactly
        if total <= 1e-12 * max(1.0, float(np.mean(allv)) ** 2) or np.ptp(Y) == 0:
            notes.append(f"{o}: the same in every run or design point; skipped")
            continue
        noise.append({"outcome": o, **variance_split(Ymat)})
        seed = int(man["root_seed"]) % (2**32)
        res = (_factorial(X, Ymat, seed) if method in ("factorial", "binned") else
               _indices(method, problem, X, Y, man.get("second_order", False), man.get("levels", 4), seed))
        for i, f in enumerate(factors):
            rows.append({"outcome": o, "factor": f, **{k: float(v[i]) for k, v in res.items()}})
        if method == "sobol":
            c, dg = _sobol_convergence(problem, X, Y, man.get("second_order", False), seed, res)
            conv += [{"outcome": o, **r} for r in c]
            diag.append({"outcome": o, **dg})
        full = [r for r in range(Ymat.shape[1]) if np.isfinite(Ymat[:, r]).all()]
        if len(full) > 1:
            main = "S1" if method != "morris" else "mu_star"
            vals = []
            for r in full:
                try:
                    vals.append(_factorial(X, Ymat[:, [r]], seed)["S1"] if method in ("factorial", "binned") else
                                _indices(method, problem, X, Ymat[:, r], man.get("second_order", False),
                                         man.get("levels", 4), seed, resamples=10)[main])
                except (ValueError, ZeroDivisionError):
                    continue
            if vals:
                arr = np.array(vals, float)
                for i, f in enumerate(factors):
                    per_rep.append({"outcome": o, "factor": f, "index": main, "reps": len(arr),
                                    "mean": float(np.nanmean(arr[:, i])), "sd": float(np.nanstd(arr[:, i]))})
    return Sensitivity(method, man["design"], points, reps, pd.DataFrame(rows), pd.DataFrame(noise),
                       pd.DataFrame(per_rep), notes, pd.DataFrame(conv), pd.DataFrame(diag))


def variance_split(Ymat: np.ndarray) -> dict[str, float]:
    """Unbiased one-way split of the runs' variance into design points and replications.

    ``Ymat`` is points x replications (NaN where a run is missing). The within-point variance is
    the mean of the per-point variances with ddof = 1; the variance of the expected outcome
    between points is the variance of the point means (ddof = 1) less within / replications
    (each mean carries that much seed noise), floored at 0. Shares are of their sum.
    """
    counts = np.isfinite(Ymat).sum(axis=1)
    means = np.nanmean(Ymat, axis=1)
    if Ymat.shape[1] < 2 or (counts < 2).all():
        between = float(np.var(means, ddof=1))
        return {"var_total": between, "var_between_reps": np.nan, "var_design": between,
                "share_between_reps": np.nan, "share_design": np.nan}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        within = float(np.nanmean(np.nanvar(Ymat[counts >= 2], axis=1, ddof=1)))
    reps = float(np.mean(counts[counts >= 1]))
    between = max(0.0, float(np.var(means, ddof=1)) - within / reps)
    total = within + between
    return {"var_total": total, "var_between_reps": within, "var_design": between,
            "share_between_reps": within / total if total > 0 else np.nan,
            "share_design": between / total if total > 0 else np.nan}


def _sobol_convergence(problem, X, Y, second_order, seed, full) -> tuple[list[dict], dict]:
    """Sobol indices on the first N/4, N/2 and N base samples, and the diagnostics of the full N."""
    k = problem["num_vars"]
    block = 2 * k + 2 if second_order else k + 2
    N = len(Y) // block
    rows = []
    for n in sorted({max(2, N // 4), max(2, N // 2), N}):
        if n == N:
            r = full
        else:
            try:
                r = _indices("sobol", problem, X[:n * block], Y[:n * block], second_order, 4, seed, 50)
            except (ValueError, ZeroDivisionError):
                continue
        for i, f in enumerate(problem["names"]):
            rows.append({"N": n, "factor": f, "S1": float(r["S1"][i]), "ST": float(r["ST"][i]),
                         "S1_conf": float(r["S1_conf"][i]), "ST_conf": float(r["ST_conf"][i])})
    s1, st = np.asarray(full["S1"], float), np.asarray(full["ST"], float)
    widest = float(np.nanmax(np.r_[full["S1_conf"], full["ST_conf"]]))
    negative = float(np.mean(s1 < -np.maximum(np.asarray(full["S1_conf"], float), 0.01)))
    need = N * (widest / TARGET_CONF) ** 2 if np.isfinite(widest) else N
    recommended = int(2 ** math.ceil(math.log2(max(N, need))))
    half = [r for r in rows if r["N"] == max(2, N // 2)]
    change = max((abs(a["S1"] - b["S1"]) for a in half for b in rows if b["N"] == N and b["factor"] == a["factor"]),
                 default=np.nan)
    warn = []
    if s1.sum() > 1.1:
        warn.append(f"first order indices sum to {s1.sum():.2f} (> 1)")
    if st.sum() < s1.sum() - 0.1:
        warn.append(f"total order indices sum to less than first order ({st.sum():.2f} < {s1.sum():.2f})")
    if negative > 0:
        warn.append(f"{negative * 100:.0f} % of first order indices are clearly negative")
    if widest > 2 * TARGET_CONF:
        warn.append(f"the widest 95 % interval is ± {widest:.2f}")
    return rows, {"N": N, "sum_S1": float(s1.sum()), "sum_ST": float(st.sum()), "negative_S1": negative,
                  "widest_conf": widest, "change_from_half": change, "recommended_N": recommended,
                  "warning": "; ".join(warn)}


COLUMNS = {"sobol": ("S1", "ST"), "morris": ("mu_star", "sigma"), "rbd_fast": ("S1",),
           "binned": ("S1",), "factorial": ("S1",)}


def format_table(s: Sensitivity) -> str:
    """The indices as a text table."""
    head = {"sobol": "Sobol (Saltelli) first and total order, 95 % intervals",
            "morris": "Morris elementary effects: mu* (95 % interval) and sigma",
            "rbd_fast": "first order by RBD-FAST (SALib rbd_fast), 95 % intervals",
            "binned": "Main-effect shares, sampled factors in quantile bins, 95 % intervals from replications",
            "factorial": "Main-effect shares of a full factorial, 95 % intervals from replications"}
    lines = [f"Asocia sensitivity · {head[s.method]} · {s.points} design points x {s.replications} "
             "replications (indices on replication means)"]
    if s.table.empty:
        lines.append("  no outcome could be analysed")
    cols = COLUMNS[s.method]
    noise = s.noise.set_index("outcome") if len(s.noise) else None
    diag = s.diagnostics.set_index("outcome") if len(s.diagnostics) else None
    for o, g in (s.table.groupby("outcome", sort=False) if len(s.table) else []):
        share = noise.loc[o, "share_between_reps"] if noise is not None else np.nan
        split = (f"variance between replications: {share * 100:.0f} % of all runs' variance"
                 if np.isfinite(share) else "one replication per point: seed noise not separable")
        lines.append(f"  {o}  ({split})")
        if diag is not None and o in diag.index:
            dg = diag.loc[o]
            lines.append(f"    convergence: N = {int(dg['N'])}, sum S1 = {dg['sum_S1']:.2f}, sum ST = "
                         f"{dg['sum_ST']:.2f}, largest change in S1 from N/2: {dg['change_from_half']:.2f}, "
                         f"recommended N = {int(dg['recommended_N'])}")
            if dg["warning"]:
                lines.append(f"    WARNING: N = {int(dg['N'])} is too small: {dg['warning']}; use N >= "
                             f"{int(dg['recommended_N'])}")
        lines.append(f"    {'factor':<32}" + "".join(f"{c:>22}" for c in cols))
        for r in g.itertuples():
            cells = []
            for c in cols:
                v, conf = getattr(r, c), getattr(r, f"{c}_conf", None)
                cells.append(f"{v:.3f} ± {conf:.3f}" if conf is not None and np.isfinite(conf) else f"{v:.3f}")
            lines.append(f"    {r.factor:<32}" + "".join(f"{c:>22}" for c in cells))
    for n in s.notes:
        lines.append(f"  note: {n}")
    return "\n".join(lines)


def figures(s: Sensitivity) -> list:
    """Plotly figures: index bars with intervals per outcome (Morris: mu* against sigma)."""
    import plotly.graph_objects as go

    figs = []
    for o, g in (s.table.groupby("outcome", sort=False) if len(s.table) else []):
        fig = go.Figure()
        if s.method == "morris":
            fig.add_scatter(x=g["mu_star"], y=g["sigma"], mode="markers+text", text=g["factor"],
                            textposition="top center",
                            error_x={"type": "data", "array": g["mu_star_conf"]})
            fig.update_layout(xaxis_title="mu* (mean absolute elementary effect)", yaxis_title="sigma")
        else:
            cols = COLUMNS[s.method]
            for c in cols:
                fig.add_bar(name=c, x=g["factor"], y=g[c], error_y={"type": "data", "array": g[f"{c}_conf"]})
            fig.update_layout(barmode="group", yaxis_title="index")
        fig.update_layout(title=f"Sensitivity of {o} ({s.method})", height=380)
        figs.append(fig)
    if len(s.noise):
        fig = go.Figure()
        fig.add_bar(name="factors (between design points)", x=s.noise["outcome"], y=s.noise["share_design"])
        fig.add_bar(name="seed (between replications)", x=s.noise["outcome"],
                    y=s.noise["share_between_reps"])
        fig.update_layout(title="Where the variance of each outcome comes from", barmode="group",
                          yaxis_title="share of all runs' variance", height=380)
        figs.append(fig)
    return figs


def write_outputs(s: Sensitivity, folder) -> list[Path]:
    """Write sensitivity.csv, sensitivity_noise.csv and sensitivity.html into the sweep folder."""
    folder = Path(folder)
    paths = [folder / "sensitivity.csv", folder / "sensitivity_noise.csv", folder / "sensitivity.html"]
    s.table.to_csv(paths[0], index=False)
    s.noise.merge(s.per_rep, how="outer", on="outcome").to_csv(paths[1], index=False) if len(
        s.per_rep) else s.noise.to_csv(paths[1], index=False)
    if len(s.convergence):
        paths.append(folder / "sensitivity_convergence.csv")
        s.convergence.merge(s.diagnostics, on=["outcome"], suffixes=("", "_full")).to_csv(paths[-1], index=False)
    figs = figures(s)
    parts = [f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figs)]
    paths[2].write_text("<!doctype html><html><head><meta charset='utf-8'><title>Sensitivity</title>"
                        "</head><body>" + "".join(parts) + "</body></html>", encoding="utf-8")
    return paths
