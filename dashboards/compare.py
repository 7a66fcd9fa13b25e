"""A/B comparison: two rule sets on the same seed, and over N seeds with a 95 % band.

Rule set B is rule set A with a few dotted-key changes, validated like ``--set`` on the command
line. A paired comparison runs both with one seed (the same firms and the same luck, so only the
rule differs). A replicated comparison runs both on the seeds ``sim.seeds.replication_seeds(root,
n)`` gives, as ``asocia compare`` does, and reports each measure's mean and 95 % t-interval per
meeting and for the headline outcomes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

from sim import run
from sim.seeds import replication_seeds

from .i18n import tr

METRICS = ("cooperation", "trust", "members", "income_gain")
OUTCOMES = ("survival", "members", "trust", "cooperation", "income_gain", "exits", "expulsions",
            "conflicts")
COLORS = {"A": "#0072B2", "B": "#D55E00"}


def build_b(a, changes: dict, origin: str):
    """Rule set B: A with ``changes`` (dotted keys); raises ScenarioError like ``--set``."""
    return a.replace(dict(changes), origin=origin) if changes else a


def aggregate(steps: pd.DataFrame) -> pd.DataFrame:
    """Per-meeting measures over all groups.

    Cooperation is the member-weighted mean over live groups; trust the mean over the groups
    founded, a dissolved group counting 0 (so dissolutions cannot raise it); members a sum; the
    income gain is members' income over going alone, minus 1, in percent.
    """
    s = steps.assign(w=np.where(steps["alive"], steps["members"], 0))
    s = s.assign(cw=s["cooperation"].fillna(0) * s["w"], tg=np.where(s["alive"], s["trust"].fillna(0), 0.0),
                 inc=s["income_members"] * s["w"], alo=s["income_alone"] * s["w"])
    g = s.groupby("step")[["w", "cw", "members", "inc", "alo"]].sum()
    out = pd.DataFrame(index=g.index)
    w = g["w"].where(g["w"] > 0)
    out["cooperation"] = g["cw"] / w
    out["trust"] = s.groupby("step")["tg"].mean()  # founded groups, a dissolved one counting 0
    out["members"] = g["members"].astype(float)
    out["income_gain"] = (g["inc"] / g["alo"].where(g["alo"] > 0) - 1.0) * 100.0
    out.index = out.index + 1  # meetings numbered from 1, as on the run charts
    return out


def run_pair(a, b, seed: int):
    """Results of A and B on one seed."""
    return run(a, seed=seed), run(b, seed=seed)


def run_replicated(a, b, root: int, n: int, progress: Callable[[int, int], None] | None = None,
                   stop: Callable[[], bool] | None = None):
    """A and B on the same n replication seeds.

    Returns:
        (seeds, {"A": [aggregate per seed], "B": [...]}, {"A": [summary per seed], "B": [...]}).

    """
    seeds = replication_seeds(root, n)
    series: dict[str, list] = {"A": [], "B": []}
    summaries: dict[str, list] = {"A": [], "B": []}
    done = 0
    for seed in seeds:
        for label, sc in (("A", a), ("B", b)):
            if stop is not None and stop():
                return seeds, series, summaries
            res = run(sc, seed=seed)
            series[label].append(aggregate(res.steps))
            summaries[label].append(res.summary())
            done += 1
            if progress:
                progress(done, 2 * n)
    return seeds, series, summaries


def t_band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95 % t-interval across rows (seeds), column by column; NaNs ignored."""
    v = np.asarray(values, float)
    n = np.sum(~np.isnan(v), axis=0)
    with np.errstate(all="ignore"):
        mean = np.nanmean(v, axis=0)
        sd = np.nanstd(v, axis=0, ddof=1)
        half = np.where(n > 1, stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1)), 0.0)
    return mean, mean - half, mean + half


def outcome_table(summaries: dict[str, list], lang: str) -> pd.DataFrame:
    """Mean [95 % interval] of each headline outcome for A and B (one row per outcome)."""
    rows = []
    for key in OUTCOMES:
        row = {tr("cmp_table", lang): tr(f"outcome_{key}", lang)}
        for label in ("A", "B"):
            vals = np.array([s[key] for s in summaries[label]], float)
            vals = vals[~np.isnan(vals)] * (100.0 if key == "income_gain" else 1.0)
            if len(vals) == 0:
                row[label] = "n/a"
                continue
            mean, lo, hi = t_band(vals[:, None])
            row[label] = (f"{mean[0]:.2f}" if len(vals) == 1 else
                          f"{mean[0]:.2f} [{lo[0]:.2f}, {hi[0]:.2f}]")
        rows.append(row)
    return pd.DataFrame(rows)


def _grid(lang: str, title: str) -> go.Figure:
    fig = make_subplots(rows=2, cols=2, vertical_spacing=0.16, horizontal_spacing=0.08,
                        subplot_titles=[tr(f"metric_{m}", lang) + (" (%)" if m == "income_gain" else "")
                                        for m in METRICS])
    # a fixed width: the figure is created after the page is laid out, when plotly cannot measure it
    fig.update_layout(height=560, width=1000, template="plotly_white", title=dict(text=title, x=0.01),
                      margin=dict(l=50, r=20, t=80, b=40), font=dict(size=13),
                      legend=dict(orientation="h", y=1.1, x=1, xanchor="right"))
    fig.update_yaxes(range=[-0.02, 1.02], row=1, col=1)
    fig.update_yaxes(range=[-0.02, 1.02], row=1, col=2)
    return fig


def pair_figure(agg_a: pd.DataFrame, agg_b: pd.DataFrame, seed: int, lang: str) -> go.Figure:
    """A (solid) and B (dashed) on one seed, four measures over time."""
    fig = _grid(lang, tr("cmp_pair_title", lang, seed=seed))
    for i, m in enumerate(METRICS):
        r, c = divmod(i, 2)
        for label, agg, dash in (("A", agg_a, "solid"), ("B", agg_b, "dash")):
            fig.add_trace(go.Scatter(x=agg.index, y=agg[m], mode="lines", name=label, legendgroup=label,
                                     showlegend=i == 0, line=dict(color=COLORS[label], width=2.5, dash=dash)),
                          row=r + 1, col=c + 1)
    return fig


def replicated_figure(series: dict[str, list], root: int, lang: str) -> go.Figure:
    """Mean and 95 % band of A and B over the seeds, four measures over time."""
    n = len(series["A"])
    fig = _grid(lang, tr("cmp_rep_title", lang, n=n, seed=root))
    for i, m in enumerate(METRICS):
        r, c = divmod(i, 2)
        for label in ("A", "B"):
            frames = series[label]
            if not frames:
                continue
            idx = frames[0].index
            mat = np.vstack([f[m].reindex(idx).to_numpy() for f in frames])
            mean, lo, hi = t_band(mat)
            color = COLORS[label]
            rgb = tuple(int(color[k:k + 2], 16) for k in (1, 3, 5))
            fig.add_trace(go.Scatter(x=idx, y=lo, mode="lines", line=dict(width=0), showlegend=False,
                                     hoverinfo="skip", legendgroup=label), row=r + 1, col=c + 1)
            fig.add_trace(go.Scatter(x=idx, y=hi, mode="lines", line=dict(width=0), fill="tonexty",
                                     fillcolor=f"rgba({rgb[0]},{rgb[1]},{rgb[2]},0.2)", showlegend=False,
                                     hoverinfo="skip", legendgroup=label), row=r + 1, col=c + 1)
            fig.add_trace(go.Scatter(x=idx, y=mean, mode="lines", name=label, legendgroup=label,
                                     showlegend=i == 0, line=dict(color=color, width=2.5)),
                          row=r + 1, col=c + 1)
    return fig


def describe_changes(changes: dict, lang: str) -> str:
    """One line listing B's changes."""
    if not changes:
        return tr("cmp_none", lang)
    return " · ".join(f"{k} = {v}" for k, v in changes.items())

