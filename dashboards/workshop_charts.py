"""Pictures for the workshop's projector: a group as a network, trust and cooperation by meeting.

Made for the back of a room: large type, thick lines, Okabe-Ito colours (one per group). During
the game a network shows names and strikes but never profiles; the debrief colours firms by profile.
"""

from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .workshop_text import PROFILE_COLORS, PROFILE_LABELS, num, t

GROUP_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
                "#999999", "#882255", "#44AA99", "#117733"]


def network_svg(net: dict, names: dict[int, str], lang: str, reveal: bool = False, size: int = 520) -> str:
    """One group as an SVG network: firms on a circle, lines as thick as the trust between them.

    ``names`` maps firm ids to the people playing them (drawn larger, in bold); other firms read
    "Empresa N". A red count marks strikes. With ``reveal`` firms are coloured by profile.
    """
    firms = net["firm"]
    n = len(firms)
    c, r = size / 2, size / 2 - 80
    ang = [np.pi / 2 - 2 * np.pi * k / max(n, 1) for k in range(n)]
    xy = [(c + r * np.cos(a), c - r * np.sin(a)) for a in ang]
    trust = np.asarray(net["trust"], float) if n else np.zeros((0, 0))
    parts = [f'<svg viewBox="0 0 {size} {size}" width="100%" style="max-width:{size}px" '
             f'xmlns="http://www.w3.org/2000/svg" class="ws-net" role="img">']
    for i in range(n):
        for j in range(i + 1, n):
            v = 0.5 * (trust[i, j] + trust[j, i])
            if v < 0.15:
                continue
            parts.append(f'<line x1="{xy[i][0]:.0f}" y1="{xy[i][1]:.0f}" x2="{xy[j][0]:.0f}" y2="{xy[j][1]:.0f}" '
                         f'stroke="#333" stroke-opacity="{0.15 + 0.7 * v:.2f}" stroke-width="{1 + 9 * v ** 2:.1f}"/>')
    for k, fid in enumerate(firms):
        x, y = xy[k]
        person = names.get(fid)
        color = PROFILE_COLORS[net["profile"][k]] if reveal else ("#0b3d91" if person else "#8a8a8a")
        label = html.escape(person or t("firm_n", lang, n=fid))
        parts.append(f'<circle cx="{x:.0f}" cy="{y:.0f}" r="{20 if person else 14}" fill="{color}" '
                     f'stroke="#fff" stroke-width="3"/>')
        dy = -30 if y < c else 44
        weight = "700" if person else "400"
        parts.append(f'<text x="{x:.0f}" y="{y + dy:.0f}" text-anchor="middle" font-size="22" '
                     f'font-weight="{weight}" fill="#111">{label}</text>')
        if reveal:
            parts.append(f'<text x="{x:.0f}" y="{y + dy + (24 if dy > 0 else -24):.0f}" text-anchor="middle" '
                         f'font-size="18" fill="{color}">{html.escape(PROFILE_LABELS[net["profile"][k]])}</text>')
        strikes = net["strikes"][k]
        if strikes:
            parts.append(f'<circle cx="{x + 18:.0f}" cy="{y - 18:.0f}" r="12" fill="#c00"/>'
                         f'<text x="{x + 18:.0f}" y="{y - 12:.0f}" text-anchor="middle" font-size="16" '
                         f'font-weight="700" fill="#fff">{strikes}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trends(series: dict[int, object], lang: str, focus: int | None = None, alt=None, width: int = 1480) -> go.Figure:
    """Trust and cooperation by meeting, one line per group (or actual vs. an alternative for one group).

    Args:
        series: group -> its steps rows (DataFrame with step, trust, cooperation).
        lang: 'es' or 'en'.
        focus: a group to draw thick (the others thin and pale); None draws all alike.
        alt: steps rows of a what-if replay of ``focus``, drawn dashed.
        width: pixels (the projector's main column at 1920 x 1080).

    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=(t("trust", lang), t("cooperation", lang)),
                        horizontal_spacing=0.08)
    for g, df in series.items():
        if df is None or len(df) == 0:
            continue
        thick = focus is None or g == focus
        color = GROUP_COLORS[g % len(GROUP_COLORS)]
        name = t("group", lang, n=g + 1) if alt is None else t("actual", lang)
        for col, key in ((1, "trust"), (2, "cooperation")):
            fig.add_trace(go.Scatter(
                x=df["step"] + 1, y=df[key], mode="lines+markers", name=name, legendgroup=str(g),
                showlegend=col == 1, opacity=1.0 if thick else 0.35,
                line=dict(color=color, width=5 if thick else 2), marker=dict(size=9 if thick else 4),
                hovertemplate=f"{name}<br>{t('meeting', lang)} %{{x}}: %{{y:.2f}}<extra></extra>"),
                row=1, col=col)
    if alt is not None and len(alt):
        for col, key in ((1, "trust"), (2, "cooperation")):
            fig.add_trace(go.Scatter(
                x=alt["step"] + 1, y=alt[key], mode="lines+markers", name=t("alternative", lang),
                legendgroup="alt", showlegend=col == 1, line=dict(color="#D55E00", width=5, dash="dash"),
                marker=dict(size=9, symbol="diamond"),
                hovertemplate=f"{t('alternative', lang)}<br>%{{x}}: %{{y:.2f}}<extra></extra>"), row=1, col=col)
    fig.update_yaxes(range=[0, 1.02], tickfont=dict(size=20), title_font=dict(size=20))
    fig.update_yaxes(title_text=f"{t('trust', lang)} (0-1)", row=1, col=1)
    fig.update_yaxes(title_text=f"{t('cooperation', lang)} (0-1)", row=1, col=2)
    fig.update_xaxes(title_text=t("meeting", lang), tickfont=dict(size=20), title_font=dict(size=20), dtick=1)
    fig.update_annotations(font_size=24)
    # an explicit width: the plotly widget draws 700 px wide otherwise, whatever its box
    fig.update_layout(height=330, width=width, margin=dict(l=80, r=20, t=50, b=60), font=dict(size=20),
                      legend=dict(orientation="h", y=-0.28, font=dict(size=20)), plot_bgcolor="#fff",
                      separators=",." if lang == "es" else ".,")
    fig.update_xaxes(showgrid=True, gridcolor="#e5e5e5")
    fig.update_yaxes(showgrid=True, gridcolor="#e5e5e5")
    return fig


def bar(value: float, lang: str, color: str = "#0072B2") -> str:
    """A 0-1 value as a thick horizontal bar with its number (HTML)."""
    w = max(0.0, min(1.0, value)) * 100
    return (f'<div class="ws-bar"><div style="width:{w:.0f}%;background:{color}"></div>'
            f'<span>{num(value, lang)}</span></div>')
