"""Pictures for the workshop's projector: a group as a network, trust and cooperation by meeting.

Made for the back of a room: large type, thick lines, Okabe-Ito colours (one per group), plain SVG
strings the page puts in place (cheap to redraw at every meeting, nothing to load). During the game
a network shows names and strikes but never profiles; the debrief colours firms by profile.
"""

from __future__ import annotations

import html

import numpy as np

from .workshop_text import PROFILE_COLORS, PROFILE_LABELS, num, t

LABEL_ROOM = 130  # room left and right of a network's circle for labels written outward ("Empresa 12")
GROUP_COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
                "#999999", "#882255", "#44AA99", "#117733"]


def network_svg(net: dict, names: dict[int, str], lang: str, reveal: bool = False, size: int = 520) -> str:
    """One group as an SVG network: firms on a circle, lines as thick as the trust between them.

    ``names`` maps firm ids to the people playing them (drawn larger, in bold); other firms read
    "Empresa N". A red count marks strikes. With ``reveal`` firms are coloured by profile. Each
    label is written outward from its firm (to the right of a firm on the right, and so on), so
    labels keep clear of the lines and of each other; the picture is ``LABEL_ROOM`` wider on each
    side for them.
    """
    firms = net["firm"]
    n = len(firms)
    c, r = size / 2, size / 2 - 80
    ang = [np.pi / 2 - 2 * np.pi * k / max(n, 1) for k in range(n)]
    xy = [(c + r * np.cos(a), c - r * np.sin(a)) for a in ang]
    trust = np.asarray(net["trust"], float) if n else np.zeros((0, 0))
    room = LABEL_ROOM
    parts = [f'<svg viewBox="{-room} 0 {size + 2 * room} {size}" width="100%" style="max-width:{size + 2 * room}px" '
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
        # outward from the centre: anchored at its start on the right, its end on the left
        ca, sa = np.cos(ang[k]), np.sin(ang[k])
        anchor = "start" if ca > 0.35 else ("end" if ca < -0.35 else "middle")
        lx, ly = c + (r + 32) * ca, c - (r + 32) * sa + 8 - 8 * sa
        weight = "700" if person else "400"
        parts.append(f'<text x="{lx:.0f}" y="{ly:.0f}" text-anchor="{anchor}" font-size="22" '
                     f'font-weight="{weight}" fill="#111" class="ws-net-label">{label}</text>')
        if reveal:  # the profile on the next line, away from the circle
            py = ly - 24 if sa > 0.35 else ly + 24
            parts.append(f'<text x="{lx:.0f}" y="{py:.0f}" text-anchor="{anchor}" '
                         f'font-size="18" fill="{color}">{html.escape(PROFILE_LABELS[net["profile"][k]])}</text>')
        strikes = net["strikes"][k]
        if strikes:  # on the firm's inner side, clear of its label
            bx, by = x - 22 * ca, y + 22 * sa
            parts.append(f'<circle cx="{bx:.0f}" cy="{by:.0f}" r="12" fill="#c00" class="ws-net-strikes"/>'
                         f'<text x="{bx:.0f}" y="{by + 6:.0f}" text-anchor="middle" font-size="16" '
                         f'font-weight="700" fill="#fff">{strikes}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trends(series: dict[int, object], lang: str, focus: int | None = None, alt=None, width: int = 1480,
           height: int = 330, only: str | None = None, legend: bool = True, cls: str = "ws-trends") -> str:
    """Trust and cooperation by meeting as two SVG panels, one line per group.

    Drawn as plain SVG rather than a plotly figure: the projector redraws it at every meeting and a
    laptop shared with thirty phones' worth of work must do so in a blink (a plotly widget is
    rebuilt in the browser each time). The focused group is thick, the others thin and pale; ``alt``
    (the steps rows of a what-if replay of ``focus``) is drawn dashed in vermilion. The legend (one
    entry per line, groups numbered from 1) sits above the panels.

    Args:
        series: group -> its steps rows (DataFrame with step, trust, cooperation).
        lang: 'es' or 'en'.
        focus: the group drawn thick; None draws every group alike.
        alt: steps rows of a what-if replay of ``focus``.
        width: pixels (the projector's main column at 1920 x 1080).
        height: pixels with one row of legend (each further row adds 30).
        only: 'trust' or 'cooperation' draws that panel alone, as wide as the figure (see
            ``trends_narrow``).
        legend: False leaves the legend out (and its rows' height).
        cls: the svg's class.

    """
    n = max([len(df) for df in series.values() if df is not None] + [len(alt) if alt is not None else 0, 1])
    drawn = [(g, df, GROUP_COLORS[g % len(GROUP_COLORS)], "", focus is None or g == focus,
              t("group", lang, n=g + 1) if alt is None else t("actual", lang))
             for g, df in series.items() if df is not None and len(df)]
    if alt is not None and len(alt):
        drawn.append((-1, alt, "#D55E00", ' stroke-dasharray="14 8"', True, t("alternative", lang)))
    # the legend goes on top, in rows as wide as the figure: at the bottom it fell below a 1080-line
    # projector's edge, under the story and the network
    rows, lx, row = [], 86, []
    for _, _, color, dash, thick, label in drawn:
        item = 42 + 11 * len(label) + 24
        if row and lx + item > width:
            rows.append(row)
            row, lx = [], 86
        row.append((lx, label, color, dash, 6 if thick else 2.5, 1.0 if thick else 0.45))
        lx += item
    rows.append(row)
    if not legend:
        rows = []
    top = 30 * len(rows) + 6
    height += 30 * (len(rows) - 1)
    # the meeting axis is named at the start of its own row of numbers ("Reunión 1 2 3 ..."), under the
    # value axis: a line of its own below the numbers put it past a 1080-line projector's edge
    pad_l, pad_r, pad_t, pad_b, gap = 86, 16, top + 44, 42, 60
    panels = [(key, title) for key, title in (("trust", t("trust", lang)), ("cooperation", t("cooperation", lang)))
              if only in (None, key)]
    pw = (width - pad_l - pad_r - (len(panels) - 1) * (gap + pad_l)) / len(panels)
    ph = height - pad_t - pad_b
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" '
             f'xmlns="http://www.w3.org/2000/svg" class="{cls}" role="img" font-family="Roboto, sans-serif">',
             '<g class="ws-legend">']
    for r, items in enumerate(rows):
        y = 20 + 30 * r
        for x, label, color, dash, w, op in items:
            parts.append(f'<line x1="{x}" x2="{x + 34}" y1="{y}" y2="{y}" stroke="{color}" stroke-width="{w}" '
                         f'stroke-opacity="{op}"{dash}/><text x="{x + 42}" y="{y + 7}" font-size="20" '
                         f'fill="#111">{html.escape(label)}</text>')
    parts.append("</g>")
    for k, (key, title) in enumerate(panels):
        x0 = pad_l + k * (pw + gap + pad_l)

        def xy(step, value, x0=x0):
            x = x0 + (pw * (step + 0.5) / n)
            return x, pad_t + ph * (1.0 - max(0.0, min(1.0, value)))

        parts.append(f'<text x="{x0 + pw / 2:.0f}" y="{top + 28}" text-anchor="middle" font-size="26" '
                     f'fill="#111">{html.escape(title)} (0-1)</text>')
        for v in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
            y = pad_t + ph * (1.0 - v)
            parts.append(f'<line x1="{x0:.0f}" x2="{x0 + pw:.0f}" y1="{y:.0f}" y2="{y:.0f}" stroke="#e3e3e3"/>'
                         f'<text x="{x0 - 10:.0f}" y="{y + 7:.0f}" text-anchor="end" font-size="20" '
                         f'fill="#333">{num(v, lang, 1)}</text>')
        every = max(1, n // 12)
        for step in range(0, n, every):
            x, _ = xy(step, 0)
            parts.append(f'<text x="{x:.0f}" y="{pad_t + ph + 28:.0f}" text-anchor="middle" font-size="20" '
                         f'fill="#333">{step + 1}</text>')
        parts.append(f'<text x="{x0 - 10:.0f}" y="{pad_t + ph + 28:.0f}" text-anchor="end" font-size="20" '
                     f'fill="#333" class="ws-axis-meeting">{html.escape(t("meeting", lang))}</text>')
        for _, df, color, dash, thick, _ in sorted(drawn, key=lambda d: d[4]):  # the thick lines on top
            pts = [xy(int(st), float(v)) for st, v in zip(df["step"], df[key], strict=True)]
            w = 6 if thick else 2.5
            op = 1.0 if thick else 0.45
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="{w}" '
                         f'stroke-opacity="{op}" stroke-linejoin="round"{dash}/>')
            if thick:
                parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{color}"/>' for x, y in pts[-1:])
    parts.append("</svg>")
    return "".join(parts)


def trends_narrow(series: dict[int, object], lang: str, focus: int | None = None, alt=None,
                  height: int = 300) -> str:
    """``trends`` for a phone: the two panels as two figures, one above the other, the legend above the first.

    On a phone's ~350 px the projector's two panels side by side (1480 or 1800 units wide) were
    scaled down to text 4-5 px high. Each panel here is 420 units wide, so 20-unit numbers are
    still ~16 px and the titles ~21 px at 350 px.
    """
    return "".join(trends(series, lang, focus=focus, alt=alt, width=420, height=height,
                          only=key, legend=k == 0, cls="ws-trends-panel")
                   for k, key in enumerate(("trust", "cooperation")))


def bar(label: str, value: float, lang: str, color: str = "#0072B2") -> str:
    """A 0-1 value as its label and number on one line and a bar the card's width under them (HTML).

    Three items of the card's ``.ws-bars`` grid. The bar has a line of its own: beside "Cooperación"
    and its number it was about 35 px wide on a projector with six groups, too short to read.
    """
    w = max(0.0, min(1.0, value)) * 100
    return (f'<span>{html.escape(label)}</span><b>{num(value, lang)}</b>'
            f'<div class="ws-bar"><div style="width:{w:.0f}%;background:{color}"></div></div>')
