"""A/B comparison: two rule sets on the same seed, and over N seeds with a 95 % band.

Rule set B is rule set A with a few dotted-key changes, validated like ``--set`` on the command
line. A paired comparison runs both with one seed (the same firms and the same luck, so only the
rule differs). A replicated comparison runs both on the seeds ``sim.results.seeds.replication_seeds(root,
n)`` gives, as ``asocia compare`` does, and reports each measure's mean and 95 % t-interval per
meeting and for the headline outcomes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

from sim import run, run_batch
from sim.results.seeds import replication_seeds

from .i18n import tr

METRICS = ("cooperation", "trust", "members", "income_gain")
# survival and income first, then what the programme cost and bought, then the rest
OUTCOMES = ("survival", "income_gain", "alive_end", "alive_2y", "programme_cost", "cost_per_group_2y",
            "cost_per_member_year_2y", "members", "trust", "cooperation", "exits", "expulsions", "conflicts",
            "founders_kept")
COLORS = {"A": "#0072B2", "B": "#D55E00"}
BATCH = 8  # replications played as one batch between progress updates


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
    # a few seeds at a time, each as one batch (the same tables as separate runs, much cheaper),
    # so the progress bar moves and Stop answers between batches
    for at in range(0, n, BATCH):
        chunk = seeds[at:at + BATCH]
        for label, sc in (("A", a), ("B", b)):
            if stop is not None and stop():
                return seeds, series, summaries
            for res in run_batch(sc, chunk, tables=("runs", "steps")):
                series[label].append(aggregate(res.steps))
                summaries[label].append(res.summary())
            done += len(chunk)
            if progress:
                progress(done, 2 * n)
    return seeds, series, summaries


def t_band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95 % t-interval across rows (seeds), column by column; NaNs ignored."""
    v = np.asarray(values, float)
    n = np.sum(~np.isnan(v), axis=0)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # one seed: no spread (half-width 0 below)
        mean = np.nanmean(v, axis=0)
        sd = np.nanstd(v, axis=0, ddof=1)
        half = np.where(n > 1, stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1)), 0.0)
    return mean, mean - half, mean + half


# which way is better for each outcome (+1 more is better, -1 less is better, 0 no verdict:
# more expulsions can mean a rule that bites or a group that breaks)
BETTER = {"survival": 1, "members": 1, "trust": 1, "cooperation": 1, "income_gain": 1, "exits": -1,
          "expulsions": 0, "conflicts": -1, "founders_kept": 1, "programme_cost": -1, "alive_end": 1,
          "alive_2y": 1, "cost_per_group_2y": -1, "cost_per_member_year_2y": -1}
# shares shown in percent (differences in points)
SCALE = {"survival": 100.0, "income_gain": 100.0, "founders_kept": 100.0, "alive_end": 100.0, "alive_2y": 100.0}
DIGITS = {"survival": 0, "members": 1, "trust": 2, "cooperation": 2, "income_gain": 1, "exits": 1,
          "expulsions": 1, "conflicts": 1, "founders_kept": 0, "programme_cost": 0, "alive_end": 0, "alive_2y": 0,
          "cost_per_group_2y": 0, "cost_per_member_year_2y": 1}


def outcome_values(summaries: dict[str, list], series: dict[str, list] | None = None) -> dict[str, dict]:
    """Per outcome and rule set, the values over seeds (in the units shown; NaN kept).

    Trust is the mean over the run's last quarter of the founded groups' trust, a dissolved
    group counting 0 (from ``series``, the :func:`aggregate` frames), so that a rule under
    which groups dissolve cannot look more trusting; without ``series``, the engine's outcome.
    """
    out: dict[str, dict] = {}
    for key in OUTCOMES:
        out[key] = {}
        for label in ("A", "B"):
            if key == "trust" and series is not None and series.get(label):
                vals = []
                for agg in series[label]:
                    last = agg.index.max()
                    vals.append(float(agg["trust"][agg.index >= 0.75 * last].mean()))
            else:
                vals = [s.get(key, np.nan) for s in summaries[label]]
            out[key][label] = np.array(vals, float) * SCALE.get(key, 1.0)
    return out


def _num(x: float, digits: int, lang: str) -> str:
    text = f"{x:.{digits}f}"
    return text.replace(".", ",") if lang == "es" else text


def verdict(summaries: dict[str, list], lang: str, series: dict[str, list] | None = None):
    """The comparison's verdict: a table and one sentence saying which rule set does better.

    Each outcome gets A's and B's mean (with a 95 % t-interval across seeds, cut at 0 and 100 %
    for a share), the paired
    difference B - A with its 95 % t-interval (both rule sets play the same seeds, so the
    difference is taken seed by seed), and a verdict: B better, A better, or no clear
    difference (the interval includes 0). One seed gives differences without a verdict.

    Returns:
        (rows, sentence): rows are dicts with keys outcome, A, B, diff, verdict, better (+1 B
        better, -1 A better, 0 none).

    """
    vals = outcome_values(summaries, series)
    n = min(len(summaries["A"]), len(summaries["B"]))
    rows, better_b, better_a = [], [], []
    for key in OUTCOMES:
        d = DIGITS.get(key, 2)
        unit = " %" if key in SCALE else ""
        row = {"key": key, "outcome": tr(f"outcome_{key}", lang)}
        for label in ("A", "B"):
            v = vals[key][label][~np.isnan(vals[key][label])]
            if not len(v):
                row[label] = "–"
                continue
            mean, lo, hi = t_band(v[:, None])
            if key in SCALE:  # a share's interval stops at 0 and 100 % (three groups alive of three is no 102 %)
                lo, hi = np.clip(lo, 0.0, 100.0), np.clip(hi, 0.0, 100.0)
            row[label] = (_num(mean[0], d, lang) + unit if len(v) == 1 else
                          f"{_num(mean[0], d, lang)}{unit} [{_num(lo[0], d, lang)}; {_num(hi[0], d, lang)}]")
        diff = vals[key]["B"][:n] - vals[key]["A"][:n]
        diff = diff[~np.isnan(diff)]
        row["better"] = 0
        if not len(diff):
            row["diff"], row["verdict"] = "–", ""
        else:
            mean, lo, hi = t_band(diff[:, None])
            du = " pp" if key in SCALE else ""
            row["diff"] = f"{'+' if mean[0] >= 0 else ''}{_num(mean[0], d, lang)}{du}"
            if len(diff) > 1:
                row["diff"] += f" [{_num(lo[0], d, lang)}; {_num(hi[0], d, lang)}]"
                clear = lo[0] > 0 or hi[0] < 0
                sign = (1 if mean[0] > 0 else -1) * BETTER.get(key, 0) if clear else 0
                row["better"] = sign
                row["verdict"] = (tr("cmp_b_better", lang) if sign > 0 else tr("cmp_a_better", lang) if sign < 0
                                  else tr("cmp_unclear", lang) if BETTER.get(key, 0) else tr("cmp_no_verdict", lang))
                if sign > 0:
                    better_b.append(f"{row['outcome']} ({row['diff'].split(' [')[0]})")
                elif sign < 0:
                    better_a.append(f"{row['outcome']} ({row['diff'].split(' [')[0]})")
            else:
                row["verdict"] = ""
        rows.append(row)
    if n < 2:
        sentence = tr("cmp_one_seed", lang)
    elif not better_a and not better_b:
        sentence = tr("cmp_no_difference", lang, n=n)
    else:
        parts = []
        if better_b:
            parts.append(tr("cmp_b_does_better", lang, what=", ".join(better_b)))
        if better_a:
            parts.append(tr("cmp_a_does_better", lang, what=", ".join(better_a)))
        sentence = tr("cmp_over_seeds", lang, n=n) + " " + " ".join(parts)
    return rows, sentence


def outcome_table(summaries: dict[str, list], lang: str, series: dict[str, list] | None = None) -> pd.DataFrame:
    """The verdict's table as a DataFrame (one row per outcome: A, B, B - A and the verdict)."""
    rows, _ = verdict(summaries, lang, series)
    return pd.DataFrame([{tr("cmp_table", lang): r["outcome"], "A": r["A"], "B": r["B"],
                          tr("cmp_diff", lang): r["diff"], tr("cmp_verdict", lang): r["verdict"]} for r in rows])


def verdict_html(summaries: dict[str, list], lang: str, series: dict[str, list] | None = None) -> str:
    """The verdict as HTML: the sentence, then the table (B's better cells green, A's red)."""
    import html

    rows, sentence = verdict(summaries, lang, series)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in (tr("cmp_table", lang), "A", "B", tr("cmp_diff", lang),
                                                           tr("cmp_verdict", lang)))
    body = []
    for r in rows:
        cls = {1: "asocia-b-better", -1: "asocia-a-better"}.get(r["better"], "")
        body.append(f'<tr class="{cls}">' + "".join(f"<td>{html.escape(str(r[k]))}</td>" for k in
                                                   ("outcome", "A", "B", "diff", "verdict")) + "</tr>")
    return (f'<div class="asocia-verdict">{html.escape(sentence)}</div>'
            f'<table class="asocia-cmp-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def _grid(lang: str, title: str) -> go.Figure:
    fig = make_subplots(rows=2, cols=2, vertical_spacing=0.16, horizontal_spacing=0.08,
                        subplot_titles=[tr(f"metric_{m}", lang) + (" (%)" if m == "income_gain" else "")
                                        for m in METRICS])
    # no width: the page's size watcher (app.ViewSize) makes plotly fit its box
    fig.update_layout(height=560, autosize=True, template="plotly_white", title=dict(text=title, x=0.01),
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
    """One line listing B's changes, by label and value as the page shows them."""
    from sim.model.scenario import param

    from .i18n import choice_label, fmt_number, param_label

    if not changes:
        return tr("cmp_none", lang)

    def shown(v):
        if isinstance(v, bool):
            return tr("yes", lang) if v else tr("no", lang)
        if isinstance(v, str):
            return choice_label(v, lang)
        return fmt_number(v, lang)
    return " · ".join(f"{param_label(param(k), lang)} = {shown(v)}" for k, v in changes.items())
