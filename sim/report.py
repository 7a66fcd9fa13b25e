"""The sweep report: one self-contained HTML page a policy designer can open offline and share.

Sections: what was run (experiment, factors, seeds, versions, how to re-run it), outcome
distributions per design point, sensitivity indices, trade-offs between outcomes, and the boxes
of the lever space found by scenario discovery. Figures are plotly with the plotly.js library
embedded once in the page (no network needed).
"""

from __future__ import annotations

import html
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .sweepstore import StoreError, SweepStore

MAIN = ("survival", "income_gain", "trust", "cooperation", "members", "exits")
BOX_LIMIT = 40  # design points up to which outcomes are drawn as one box per point

CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 8px}
th{background:#f4f4f4}.rule{font-family:monospace;background:#f6f8fa;padding:.6em;border-radius:4px}
.note{color:#666;font-size:.9em}"""


def _label(design: pd.DataFrame, factors: list[str]) -> pd.Series:
    short = {f: f.split(".")[-1] for f in factors}
    return design.apply(lambda r: f"#{int(r['point'])} " + ", ".join(
        f"{short[f]}={_fmt(r[f])}" for f in factors), axis=1)


def _fmt(v) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def _explored(col: pd.Series) -> str:
    """The values a factor took: its levels, or its range when it was sampled."""
    values = sorted(set(col), key=str)
    if len(values) > 6 and pd.api.types.is_numeric_dtype(col):
        return f"{_fmt(col.min())} to {_fmt(col.max())} (sampled)"
    return ", ".join(map(_fmt, values))


def _distributions(runs, design, factors, outcomes) -> list:
    import plotly.graph_objects as go

    labels = _label(design, factors).to_dict()
    figs = []
    for o in outcomes:
        col = f"outcome.{o}"
        if design.shape[0] <= BOX_LIMIT:
            fig = go.Figure()
            for p, g in runs.groupby("point"):
                fig.add_box(y=g[col], name=labels[p], boxpoints="all", jitter=0.4, showlegend=False)
            fig.update_layout(title=f"{o}: distribution over replications, per design point",
                              height=420, xaxis_tickangle=-30)
        else:
            stats = runs.groupby("point")[col].agg(["mean", "std"]).sort_values("mean")
            fig = go.Figure(go.Scatter(
                x=list(range(len(stats))), y=stats["mean"], mode="markers",
                error_y={"type": "data", "array": stats["std"].fillna(0)},
                text=[labels[p] for p in stats.index], hovertemplate="%{text}<br>%{y:.3g}"))
            fig.update_layout(title=f"{o}: mean ± sd over replications per design point (sorted)",
                              xaxis_title="design points, ranked", yaxis_title=o, height=380)
        figs.append(fig)
    return figs


def _tradeoffs(runs, design, factors, ok) -> list:
    import plotly.graph_objects as go

    cols = [c for c in ("outcome.survival", "outcome.income_gain", "outcome.trust",
                        "outcome.cooperation") if c in runs]
    if len(cols) < 2:
        return []
    means = runs.assign(success=ok if ok is not None else np.nan).groupby("point")[
        cols + ["success"]].mean()
    labels = _label(design, factors).loc[means.index]
    figs = []
    for a, b in ((cols[0], cols[1]), tuple(cols[2:4]) if len(cols) >= 4 else ()):
        if not a:
            continue
        fig = go.Figure(go.Scatter(
            x=means[a], y=means[b], mode="markers", text=labels,
            marker={"color": means["success"], "colorscale": "Viridis", "showscale": True,
                    "colorbar": {"title": "success"}},
            hovertemplate="%{text}<br>" + a[8:] + " %{x:.3g}<br>" + b[8:] + " %{y:.3g}"))
        fig.update_layout(title=f"Trade-off: {a[8:]} against {b[8:]} (design point means; colour: "
                                "share of replications that succeed)",
                          xaxis_title=a[8:], yaxis_title=b[8:], height=440)
        figs.append(fig)
    return figs


def _discovery_figs(d) -> list:
    import plotly.graph_objects as go

    figs = []
    if len(d.trajectory):
        fig = go.Figure()
        for b, g in d.trajectory.groupby("box"):
            fig.add_scatter(x=g["coverage"], y=g["density"], mode="lines+markers", name=f"box {b}",
                            marker={"size": [12 if c else 5 for c in g["chosen"]]})
        fig.update_layout(title="PRIM peeling trajectories (large marker: the box reported)",
                          xaxis_title="coverage", yaxis_title="density", height=400)
        figs.append(fig)
    if d.boxes and d.boxes[0].limits:
        keys = list(d.boxes[0].limits)[:2]
        ps = d.point_success
        fig = go.Figure(go.Scatter(
            x=ps[keys[0]], y=ps[keys[1]] if len(keys) > 1 else ps["success_share"], mode="markers",
            marker={"color": ps["success_share"], "colorscale": "RdYlGn", "showscale": True,
                    "colorbar": {"title": "success"}}))
        fig.update_layout(title="Design points in the first box's dimensions (colour: share of "
                                "replications that succeed)", xaxis_title=keys[0],
                          yaxis_title=keys[1] if len(keys) > 1 else "success share", height=420)
        figs.append(fig)
    return figs


def build_html(folder) -> str:
    """The report page as one HTML string (plotly.js embedded)."""
    from .discovery import discover, format_discovery, success
    from .sensitivity import analyse, figures, format_table

    store = SweepStore(folder)
    man = store.manifest()
    runs = store.runs()
    if runs.empty:
        raise StoreError(f"{store.folder}: no runs stored yet; run 'asocia sweep' first")
    design = store.design()
    factors = list(man["factors"])
    outcomes = [o for o in MAIN if f"outcome.{o}" in runs]
    ok = success(runs, man.get("discovery", {}))
    sections = []
    facs = design[factors].agg(_explored)
    info = pd.DataFrame({"factor": factors, "values explored": facs.to_numpy(),
                         "distinct": design[factors].nunique().to_numpy()})
    total = man["points"] * man["replications"]
    meta = (f"<p>{html.escape(man.get('experiment_name', ''))}: <b>{man['design']}</b> design, "
            f"{man['points']} design points × {man['replications']} replications = {total} runs "
            f"({len(runs)} stored), {man['steps']} meetings each. Root seed {man['root_seed']} "
            f"({man['seeding']} seeds, derived with SeedSequence.spawn). Code: asocia "
            f"{man['versions'].get('asocia')}, git {man['versions'].get('git')}.</p>"
            f"<p class='note'>Re-run: <code>{html.escape(man['rerun'])}</code></p>")
    sections.append(("What was run", meta + info.to_html(index=False)))
    figs = [("Outcome distributions per design point", _distributions(runs, design, factors, outcomes))]
    sens_text, sens_figs = "", []
    if len(set(runs["point"])) == man["points"]:
        try:
            sens = analyse(folder)
            sens_text = f"<pre>{html.escape(format_table(sens))}</pre>"
            sens_figs = figures(sens)
        except StoreError as e:
            sens_text = f"<p class='note'>{html.escape(str(e))}</p>"
    else:
        sens_text = "<p class='note'>The sweep is incomplete; sensitivity needs every design point.</p>"
    figs.append(("Sensitivity", sens_figs))
    figs.append(("Trade-offs", _tradeoffs(runs, design, factors, ok)))
    try:
        d = discover(folder)
        disc_text = f"<pre class='rule'>{html.escape(format_discovery(d))}</pre>"
        disc_figs = _discovery_figs(d)
    except StoreError as e:
        disc_text, disc_figs = f"<p class='note'>{html.escape(str(e))}</p>", []
    figs.append(("Scenario discovery: where groups survive and members gain", disc_figs))
    texts = {"Sensitivity": sens_text, "Scenario discovery: where groups survive and members gain": disc_text}
    body, first = [], True
    for title, content in sections:
        body.append(f"<h2>{html.escape(title)}</h2>{content}")
    for title, fs in figs:
        body.append(f"<h2>{html.escape(title)}</h2>{texts.get(title, '')}")
        for fig in fs:
            body.append(fig.to_html(full_html=False, include_plotlyjs=True if first else False))
            first = False
    stamp = time.strftime("%Y-%m-%d %H:%M")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Asocia sweep report: "
            f"{html.escape(man.get('experiment_name', ''))}</title><style>{CSS}</style></head><body>"
            f"<h1>Asocia sweep report · {html.escape(man.get('experiment_name', ''))}</h1>"
            f"<p class='note'>Generated {stamp} from {html.escape(str(store.folder))}</p>"
            + "".join(body) + "</body></html>")


def write_report(folder, out=None) -> Path:
    """Write the report (default ``DIR/report.html``) and return its path."""
    path = Path(out) if out else Path(folder) / "report.html"
    page = build_html(folder)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path
