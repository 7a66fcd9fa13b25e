"""The live charts: one plotly figure of five panels updated in place, and the group network.

:func:`chunk_series` turns the rows a few meetings added (steps rows from ``LiveRun.new_rows()``
and per-profile sums from ``LiveRun.by_profile()``) into the points those meetings add to each
trace, for all groups together or for one group. :class:`RunCharts` keeps the traces' points and,
after each frame, appends the new ones and sends them to the browser as numpy arrays in one
``plotly_update`` message to the live ``FigureWidget`` (no new figure, no new traces, no layout
re-sent); it rebuilds from the session's history only when the group shown changes or a run
starts. The panels' titles and legends are HTML (:meth:`RunCharts.legend_html`), since plotly
redraws its own legends and annotations on every update. :func:`network_svg`
draws one group as a small SVG (no second plotly widget to load): firms on a circle by seat,
coloured by profile, edges shaded by dyadic trust, sanctioned firms ringed, recently departed
firms crossed out.
"""

from __future__ import annotations

import time

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.model.profiles import NAMES

from . import money as mon
from .i18n import PHASES, PROFILE_COLORS, PROFILE_LABELS, group_label, pick, tr

# trace positions in the run figure
COOP = 0              # 0-3 by profile, 4 all firms
TRUST_LO, TRUST_HI, TRUST = 5, 6, 7
MEMBERS, ENTRIES, EXITS, EXPULSIONS = 8, 9, 10, 11
INCOME, ALONE = 12, 16  # 12-15 member income, 16-19 going alone, by profile
PHASE = 20            # 20-24: bands of dissolved, phase I, II, III, IV
FAC_BASE, FACIL = 25, 26
MONEY, COPAY = 27, 28   # the programme's money per group, cumulated: paid by the programme, by the members
N_TRACES = 29
N_LINES = 20
CUMULATIVE = (ENTRIES, EXITS, EXPULSIONS)
# dissolved (grey), then phases I-IV light to dark; phase I strong enough to see on a projector
PHASE_COLORS = ["#bdbdbd", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
FONT = dict(family="Roboto, Arial, sans-serif", size=13)
MONEY_COLORS = {"programme": "#0072B2", "copay": "#E69F00", "budget": "#888888", "end": "#7b3294"}


def _ratio(num, den):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def group_trust(trust: np.ndarray, alive: np.ndarray) -> np.ndarray:
    """Each group's mean trust among its members, 0 once the group has dissolved (k, G)."""
    return np.where(alive, np.nan_to_num(np.asarray(trust, float)), 0.0)


def chunk_series(steps, profiles, groups: int, sel: int | None) -> dict[str, np.ndarray]:
    """Points the meetings in ``steps`` add to each trace (``sel``: a group, or None for all).

    Args:
        steps: steps-table rows of k whole meetings (G rows each, in step then group order).
        profiles: k dicts from ``LiveRun.by_profile()`` (arrays shaped (G, 4)): how many firms of
            each profile played, and their income and going-alone income.
        groups: G.
        sel: index of the group shown, or None for all groups together.

    Returns:
        ``x`` (k meetings, numbered from 1), ``lines`` (20, k) per-trace y values in trace order
        (entries, exits and expulsions per meeting, not yet cumulated), ``phase`` (rows, k) and
        ``facilitator`` (1, k).

    """
    k = len(profiles)
    if k == 0 or len(steps) == 0:
        rows = groups if sel is None else 1
        return {"x": np.zeros(0), "lines": np.zeros((N_LINES, 0)), "phase": np.zeros((rows, 0)),
                "facilitator": np.zeros((1, 0))}

    def col(name):
        return steps[name].to_numpy().reshape(k, groups)

    x = col("step")[:, 0].astype(float) + 1.0
    alive = col("alive").astype(bool)
    members = col("members").astype(float)
    trust = col("trust").astype(float)
    prof = {key: np.stack([p[key] for p in profiles]) for key in profiles[0]}  # (k, G, 4)
    lines = np.full((N_LINES, k), np.nan)
    coop = np.stack([col(f"coop_{name}") for name in NAMES], axis=2).astype(float)  # (k, G, 4)
    if sel is None:
        # the steps table's per-group cooperation, weighted by how many firms of each profile played
        n = prof["n"].sum(axis=1)  # (k, 4)
        lines[COOP:COOP + 4] = _ratio((np.nan_to_num(coop) * prof["n"]).sum(axis=1), n).T
        lines[COOP + 4] = _ratio((np.nan_to_num(col("cooperation").astype(float)) * prof["n"].sum(axis=2)).sum(axis=1),
                                 n.sum(axis=1))
        # every founded group counts once and a dissolved group counts as trust 0: when the
        # groups with the least trust dissolve, the average must not rise
        t_all = group_trust(trust, alive)
        lines[TRUST] = t_all.mean(axis=1)
        lo, hi = t_all.min(axis=1), t_all.max(axis=1)
        lines[TRUST_LO], lines[TRUST_HI] = (lo, hi) if groups > 1 else (np.nan, np.nan)
        lines[MEMBERS] = members.sum(axis=1)
        for i, name in zip(CUMULATIVE, ("entries", "exits", "expulsions"), strict=True):
            lines[i] = col(name).sum(axis=1)
        lines[INCOME:INCOME + 4] = _ratio(prof["income"].sum(axis=1), n).T
        lines[ALONE:ALONE + 4] = _ratio(prof["alone"].sum(axis=1), n).T
        phase = np.where(alive, col("phase"), 0).T.astype(float)
    else:
        n = prof["n"][:, sel, :]
        lines[COOP:COOP + 4] = coop[:, sel, :].T
        lines[COOP + 4] = np.where(alive[:, sel] | (n.sum(axis=1) > 0), col("cooperation")[:, sel], np.nan)
        lines[TRUST] = np.where(alive[:, sel], trust[:, sel], np.nan)
        lines[MEMBERS] = members[:, sel]
        for i, name in zip(CUMULATIVE, ("entries", "exits", "expulsions"), strict=True):
            lines[i] = col(name)[:, sel]
        lines[INCOME:INCOME + 4] = _ratio(prof["income"][:, sel, :], n).T
        lines[ALONE:ALONE + 4] = _ratio(prof["alone"][:, sel, :], n).T
        phase = np.where(alive[:, sel], col("phase")[:, sel], 0)[None, :].astype(float)
    fac = col("facilitator")[:, 0][None, :].astype(float)
    return {"x": x, "lines": lines, "phase": phase, "facilitator": fac}


def _swatch(color: str, width: float, dash: str = "", fill: str = "") -> str:
    """A legend key: a short line (``dash``: SVG dash pattern) or, with ``fill``, a filled box."""
    if fill:
        return (f'<svg width="26" height="14"><rect x="1" y="2" width="24" height="10" fill="{fill}" '
                f'stroke="{color}" stroke-width="{width}"/></svg>')
    return (f'<svg width="26" height="14"><line x1="1" y1="7" x2="25" y2="7" stroke="{color}" '
            f'stroke-width="{width}" stroke-dasharray="{dash or "none"}"/></svg>')


def _timeline_height(rows: int, big: bool = False) -> int:
    return (90 if big else 70) + (20 if big else 14) * min(rows + 1, 26)


# the six panels in trace order, and the traces each one draws
PANELS = ("coop", "trust", "members", "income", "timeline", "money")
TIMELINE, MONEY_PANEL = 4, 5
PANEL_TRACES = (range(COOP, TRUST_LO), range(TRUST_LO, MEMBERS), range(MEMBERS, INCOME),
                range(INCOME, PHASE), range(PHASE, FACIL + 1), range(MONEY, COPAY + 1))
Y_TITLES = ("ax_coop", "ax_trust", "ax_members", "ax_income", None, "ax_money")
HOVER = (".2f", ".2f", ".0f", ".1f", None, ".0f")  # hover values: shares and trust to 2 decimals, firms and money whole
NARROW = 900  # px: below this width the panels stack in one column (phones, half a laptop screen)


class RunCharts:
    """The six live panels of a run, kept in one plotly figure and updated in place.

    The layout follows the width the browser reports (:meth:`set_view`): two columns of panels,
    or one column below ``NARROW`` pixels; in presentation mode (``big``) the type is larger,
    and ``story`` shows one panel alone at the height of the screen.
    """

    def __init__(self, lang: str):
        """Empty charts in ``lang``; call :meth:`rebuild` with a session to fill them."""
        self.lang = lang
        self.widget = None
        self.sel: int | None = None
        self.groups = 1
        self.horizon = 104
        self.x = np.zeros(0)
        self.lines = np.zeros((N_LINES, 0))
        self.phase = np.zeros((1, 0))
        self.fac = np.zeros((1, 0))
        self.money = np.zeros((2, 0))  # programme money and members' co-payment per group, cumulated
        self.end: int | None = None    # the programme's last meeting (numbered from 1), None without one
        self.budget = 0.0              # the programme's budget per group
        self.money_top: float | None = None  # top of the money panel's y axis (None: plotly's autorange)
        self.redraws = 0
        self._sent_at = 0.0
        self.width = 1400       # px of the figure's box, as the browser reports it
        self.view_height = 900  # px of the browser window
        self.big = False        # presentation mode: large type
        self.story: int | None = None  # presentation mode: the one panel shown (index in PANELS)

    # ------------------------------------------------------------------ layout
    def set_view(self, width: int | None = None, view_height: int | None = None, big: bool | None = None,
                 story: int | None | str = "keep") -> bool:
        """Record the browser's size and the presentation settings; True if the layout changed."""
        before = self._layout_key()
        if width:
            self.width = int(width)
        if view_height:
            self.view_height = int(view_height)
        if big is not None:
            self.big = bool(big)
        if story != "keep":
            self.story = story if story is None else int(story)
        return self._layout_key() != before

    def _layout_key(self):
        narrow = self.width < NARROW
        return (narrow, self.big, self.story, self.view_height if self.story is not None else 0)

    def margin(self) -> dict:
        """Figure margins in pixels (room for axis titles; more in presentation mode)."""
        narrow = self.width < NARROW  # the first panel's title and legend wrap to more lines
        top = (96 if self.big else 70) + (40 if narrow else 0)
        return dict(l=92 if self.big else 70, r=24, t=top, b=(64 if self.big else 50))

    def geometry(self) -> tuple[int, list[tuple[list, list]]]:
        """Figure height and each panel's (x domain, y domain), for the current view."""
        rows = self.groups if self.sel is None else 1
        big = self.big
        th = _timeline_height(rows, big)
        m = self.margin()
        hidden = ([0.0, 0.001], [0.0, 0.001])
        if self.story is not None:
            h = max(420, self.view_height - (330 if big else 380))  # below the controls, above the fold
            if self.story == TIMELINE:
                h = max(h if rows > 8 else 0, th + m["t"] + m["b"] + 40)
            elif self.story == MONEY_PANEL:  # its table of figures follows on the same screen
                h = max(340, int(0.42 * self.view_height))
            return h, [([0.0, 1.0], [0.0, 1.0]) if i == self.story else hidden for i in range(len(PANELS))]
        gap = 150 if big else (120 if self.width < NARROW else 104)  # title and up to three legend lines
        ph = (330 if big else 270) if self.width >= NARROW else 240
        mh = 280 if big else 210  # the money panel: two lines against a budget, small
        if self.width < NARROW:
            heights = [ph, ph, ph, ph, th, mh]
            cols = [[0.0, 1.0]] * 6
        else:
            heights = [ph, ph, th, mh]
            c = 0.44 if big else 0.46  # room between the columns for the right panels' axis titles
            cols = [[0.0, c], [1 - c, 1.0], [0.0, c], [1 - c, 1.0], [0.0, 1.0], [0.0, 1.0]]
        # on a phone, room above the timeline and the money panel for their legends (six and five
        # lines: one item a line)
        gaps = [gap] * (len(heights) - 1)
        if self.width < NARROW:
            gaps[-2:] = [gap + 110, gap + 110]
        inner = sum(heights) + sum(gaps)
        h = inner + m["t"] + m["b"]
        spans, top = [], 0.0
        for hh, gg in zip(heights, [*gaps, 0], strict=True):
            spans.append([round(1 - (top + hh) / inner, 5), round(1 - top / inner, 5)])
            top += hh + gg
        ys = spans if self.width < NARROW else [spans[0], spans[0], spans[1], spans[1], spans[2], spans[3]]
        return h, [(cols[i], ys[i]) for i in range(len(PANELS))]

    def visible(self) -> list[bool]:
        """Which traces show (all, or the one story's)."""
        out = [True] * N_TRACES
        if self.story is not None:
            for i, rng in enumerate(PANEL_TRACES):
                for k in rng:
                    out[k] = i == self.story
        return out

    # ------------------------------------------------------------------ figure
    def figure(self) -> go.Figure:
        """The figure template handed to ``solara.FigurePlotly`` (traces empty, layout set)."""
        lang = self.lang
        rows = self.groups if self.sel is None else 1
        h, domains = self.geometry()
        th = _timeline_height(rows, self.big)
        fig = make_subplots(rows=4, cols=2, specs=[[{}, {}], [{}, {}], [{"colspan": 2}, None], [{"colspan": 2}, None]])
        lw = 1.6 if self.big else 1.0  # line widths scale up for the projector
        for name in NAMES:
            fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=PROFILE_LABELS[name],
                                     legendgroup=name, line=dict(color=PROFILE_COLORS[name], width=2.5 * lw)),
                          row=1, col=1)
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=tr("all", lang),
                                 line=dict(color="#222", width=2 * lw, dash="dash")), row=1, col=1)
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(width=0), showlegend=False,
                                 hoverinfo="skip"), row=1, col=2)
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(width=0), fill="tonexty",
                                 fillcolor="rgba(0,114,178,0.15)", name=tr("trust_range", lang),
                                 hoverinfo="skip"), row=1, col=2)
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=tr("trust_mean", lang),
                                 line=dict(color="#0072B2", width=3 * lw)), row=1, col=2)
        for key, color, dash in (("members", "#222", "solid"), ("entries", "#009E73", "dot"),
                                 ("exits", "#E69F00", "dot"), ("expulsions", "#D55E00", "dot")):
            fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=tr(key, lang),
                                     line=dict(color=color, width=(3 if key == "members" else 2) * lw,
                                               dash=dash, shape="hv")), row=2, col=1)
        for dash in ("solid", "dot"):  # traces INCOME.., then ALONE..
            for name in NAMES:
                label = PROFILE_LABELS[name] + ("" if dash == "solid" else f" ({tr('alone', lang)})")
                fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=label,
                                         legendgroup=name, showlegend=False,
                                         line=dict(color=PROFILE_COLORS[name],
                                                   width=(2.5 if dash == "solid" else 1.8) * lw, dash=dash)),
                              row=2, col=2)
        for p, color in enumerate(PHASE_COLORS):
            name = tr("dissolved", lang) if p == 0 else pick(PHASES[p], lang)
            fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=name,
                                     line=dict(color=color, width=self._band_width(rows, th, self.big)),
                                     hoverinfo="skip"), row=3, col=1)
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(width=0), showlegend=False,
                                 hoverinfo="skip"), row=3, col=1)
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", line=dict(width=1, color="#7b3294", shape="hv"),
                                 fill="tonexty", fillcolor="rgba(123,50,148,0.35)", name=tr("facilitator", lang),
                                 hovertemplate="%{customdata:.2f}<extra></extra>"),
                      row=3, col=1)
        for key, trace_name in (("programme", "money_programme"), ("copay", "money_copay")):
            fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name=tr(trace_name, lang),
                                     line=dict(color=MONEY_COLORS[key], width=(3 if key == "programme" else 2.5) * lw)),
                          row=4, col=1)
        for i, rng in enumerate(PANEL_TRACES):
            if HOVER[i]:
                for k in rng:
                    fig.data[k].update(yhoverformat=HOVER[i], xhoverformat=".0f")
        ticks = [-0.8] + list(range(rows))
        size = 20 if self.big else 14
        # titles and legends are HTML laid over the figure (:meth:`legend_html`): plotly redraws its
        # legends and annotations on every data update, about a third of each redraw
        fig.update_layout(
            height=h, autosize=True, margin=self.margin(), font=dict(family=FONT["family"], size=size),
            template="plotly_white", hovermode="x", uirevision="keep", paper_bgcolor="white",
            showlegend=False, hoverlabel=dict(font_size=size + 2),
        )
        for i, (xd, yd) in enumerate(domains):
            n = "" if i == 0 else str(i + 1)
            shown = self.story is None or self.story == i
            fig.layout[f"xaxis{n}"].update(domain=xd, visible=shown)
            fig.layout[f"yaxis{n}"].update(domain=yd, visible=shown)
            title = Y_TITLES[i]
            if title:
                fig.layout[f"yaxis{n}"].update(title=dict(text=tr(title, lang), standoff=6,
                                                          font=dict(size=size - 1)))
            if i != TIMELINE and (self.story == i or self.width < NARROW or i >= 2):
                fig.layout[f"xaxis{n}"].update(title=dict(text=tr("meeting_axis", lang), standoff=4,
                                                          font=dict(size=size - 1)))
        fig.update_xaxes(range=[0.5, self.horizon + 0.5], showgrid=True, tickfont=dict(size=size))
        fig.update_yaxes(tickfont=dict(size=size))
        fig.update_xaxes(title=dict(text=tr("meeting_axis", lang), standoff=4, font=dict(size=size - 1)),
                         row=3, col=1)
        fig.update_yaxes(range=[-0.02, 1.02], row=1, col=1)
        fig.update_yaxes(range=[-0.02, 1.02], row=1, col=2)
        fig.update_yaxes(rangemode="tozero", row=2, col=1)
        fig.update_yaxes(rangemode="tozero", row=2, col=2)
        fig.update_yaxes(rangemode="tozero", row=4, col=1)
        if self.money_top:  # a fixed range: the budget line clear of the panel's top edge
            fig.update_yaxes(range=[0, self.money_top], row=4, col=1)
        shown = self.story is None or self.story == MONEY_PANEL
        for shape in self._money_marks():
            fig.add_shape(shape, visible=shown)
        fig.update_yaxes(range=[rows - 0.5, -1.45], tickvals=ticks, showgrid=False, zeroline=False,
                         ticktext=[tr("facilitator", lang)] + self._row_names(),
                         row=3, col=1, tickfont=dict(size=(10 if rows > 8 else 12) + (4 if self.big else 0)))
        return fig

    def _money_marks(self) -> list[dict]:
        """The money panel's budget (dotted) and the programme's end (dashed) and two years after (dotted)."""
        out = []
        if self.budget > 0:
            out.append(dict(type="line", xref="x6 domain", yref="y6", x0=0, x1=1, y0=self.budget, y1=self.budget,
                            line=dict(color=MONEY_COLORS["budget"], width=2, dash="dot")))
        if self.end is not None:
            for x, dash in ((self.end + 0.5, "dash"), (self.end + 52, "dot")):
                if x <= self.horizon + 0.5:
                    line = dict(color=MONEY_COLORS["end"], width=2.5 if dash == "dash" else 2, dash=dash)
                    out.append(dict(type="line", xref="x6", yref="y6 domain", x0=x, x1=x, y0=0, y1=1, line=line))
        return out

    def money_legend(self, lang: str) -> list[tuple[str, str]]:
        """The money panel's legend: its two lines, the budget and the programme's marks on screen."""
        def vline(dash):
            return (f'<svg width="14" height="16"><line x1="7" y1="1" x2="7" y2="15" stroke="{MONEY_COLORS["end"]}" '
                    f'stroke-width="2.5" stroke-dasharray="{dash}"/></svg>')
        items = [(tr("money_programme", lang), _swatch(MONEY_COLORS["programme"], 3)),
                 (tr("money_copay", lang), _swatch(MONEY_COLORS["copay"], 2.5))]
        if self.budget > 0:
            items.append((tr("money_budget", lang, b=mon.fmt_money(self.budget, lang)),
                          _swatch(MONEY_COLORS["budget"], 2, "2,3")))
        if self.end is not None and self.end + 0.5 <= self.horizon + 0.5:
            items.append((tr("money_end_mark", lang, t=self.end), vline("4,3")))
            if self.end + 52 <= self.horizon:
                items.append((tr("money_2y_mark", lang, t=self.end + 52), vline("2,3")))
        return items

    def legend_html(self, lang: str | None = None) -> str:
        """Each panel's title and legend as HTML, laid over the figure above its panel.

        Positions come from the figure's own axis domains, so they follow the timeline's height
        (one row per group shown) and the view; left edges are CSS ``calc`` of the figure's width.
        """
        lang = lang or self.lang
        h, domains = self.geometry()
        m = self.margin()
        inner = h - m["t"] - m["b"]
        band = "rgba(0,114,178,0.15)"
        entries = [
            [(PROFILE_LABELS[n], _swatch(PROFILE_COLORS[n], 2.5)) for n in NAMES]
            + [(tr("all", lang), _swatch("#222", 2, "5,3"))],
            [(tr("trust_range", lang), _swatch(band, 0, fill=band)), (tr("trust_mean", lang), _swatch("#0072B2", 3))],
            [(tr("members", lang), _swatch("#222", 3))]
            + [(tr(k, lang), _swatch(c, 2.5, "2,3")) for k, c in (("entries", "#009E73"), ("exits", "#E69F00"),
                                                                  ("expulsions", "#D55E00"))],
            [(PROFILE_LABELS[n], _swatch(PROFILE_COLORS[n], 2.5)) for n in NAMES]
            + [(tr("income_member", lang), _swatch("#555", 2.5)),
               (tr("income_alone", lang), _swatch("#555", 1.8, "2,3"))],
            [(tr("dissolved", lang) if p == 0 else pick(PHASES[p], lang), _swatch(c, 9))
             for p, c in enumerate(PHASE_COLORS)]
            + [(tr("facilitator", lang), _swatch("#7b3294", 1, fill="rgba(123,50,148,0.35)"))],
            self.money_legend(lang),
        ]
        titles = ["ch_coop", "ch_trust", "ch_members", "ch_income", "ch_timeline", "ch_money"]
        parts = []
        side = m["l"] + m["r"]
        for i, (title, items) in enumerate(zip(titles, entries, strict=True)):
            if self.story is not None and i != self.story:
                continue
            xd, yd = domains[i]
            top = m["t"] + (1 - yd[1]) * inner
            left = f"calc({m['l']}px + {xd[0]:.4f} * (100% - {side}px))"
            width = f"calc({xd[1] - xd[0]:.4f} * (100% - {side}px))"
            legend = "".join(f'<span class="asocia-lg-item">{sw}{label}</span>' for label, sw in items)
            parts.append(f'<div class="asocia-panel-head" style="left:{left};width:{width};top:{top - 4:.0f}px">'
                         f'<div class="asocia-panel-title">{tr(title, lang)}</div>'
                         f'<div class="asocia-legend">{legend}</div></div>')
        return "".join(parts)

    def _row_names(self) -> list[str]:
        if self.sel is None:
            return [group_label(g, self.lang) for g in range(self.groups)]
        return [group_label(self.sel, self.lang)]

    # ------------------------------------------------------------------ data
    def attach(self, widget) -> None:
        """Use ``widget`` (the FigureWidget ``solara.FigurePlotly`` made) and fill it."""
        self.widget = widget
        self.push(full=True)

    def rebuild(self, session, sel: int | None) -> None:
        """Start over from the session's history (new run, or another group shown)."""
        self.sel = sel if (sel is not None and sel < session.groups) else None
        self.groups, self.horizon = session.groups, session.horizon
        steps = session.steps_table()
        k = len(session.profiles)
        s = chunk_series(steps.iloc[: k * self.groups] if len(steps) else steps, session.profiles,
                         self.groups, self.sel)
        self.x, self.lines, self.phase, self.fac = s["x"], s["lines"], s["phase"], s["facilitator"]
        for i in CUMULATIVE:
            self.lines[i] = np.cumsum(self.lines[i])
        self.money = np.cumsum(mon.series(steps.iloc[: k * self.groups] if len(steps) else steps, self.groups,
                                          self.sel), axis=1)
        self.end = mon.programme_last_meeting(session.scenario)
        self.budget = float(session.scenario.programme.budget)
        # neither line can pass the budget: the programme pays at most its budget, and the members'
        # co-payment at most copay_max / (1 - copay_max) of what the programme pays (else: autorange)
        cm = session.scenario.programme.copay_max
        self.money_top = 1.12 * self.budget * max(1.0, cm / (1.0 - cm)) if self.budget > 0 and cm < 1 else None

    def extend(self, chunk, groups: int) -> None:
        """Append the points of the meetings in ``chunk`` (kept until the next :meth:`push`)."""
        if not chunk.profiles:
            return
        s = chunk_series(chunk.steps, chunk.profiles, groups, self.sel)
        new = s["lines"]
        for i in CUMULATIVE:
            base = self.lines[i][-1] if self.lines.shape[1] else 0.0
            new[i] = base + np.cumsum(new[i])
        self.x = np.concatenate([self.x, s["x"]])
        self.lines = np.concatenate([self.lines, new], axis=1)
        self.phase = np.concatenate([self.phase, s["phase"]], axis=1)
        self.fac = np.concatenate([self.fac, s["facilitator"]], axis=1)
        add = np.cumsum(mon.series(chunk.steps, groups, self.sel), axis=1)
        base = self.money[:, -1:] if self.money.shape[1] else np.zeros((2, 1))
        self.money = np.concatenate([self.money, base + add], axis=1)

    def ready(self, timeout: float = 1.0) -> bool:
        """Whether the browser has drawn the last update (or gave no answer within ``timeout``)."""
        w = self.widget
        if w is None:
            return True
        # plotly's widget acknowledges trace edits (layout edits are not reliably acknowledged)
        busy = getattr(w, "_trace_edit_in_process", False)
        return not busy or (time.perf_counter() - self._sent_at) > timeout

    def push(self, full: bool = False) -> None:
        """Send the traces' points to the browser in one update message."""
        w = self.widget
        if w is None:
            return
        if full:  # titles, legends, axis ranges, the view and the timeline's rows may all have changed
            fig = self.figure()
            # the width the browser reported for the box (the page's size watcher keeps it exact)
            w.plotly_relayout(dict(fig.layout.to_plotly_json(), width=self.width))
            shown = self.visible()
            with w.batch_update():
                for i, trace in enumerate(fig.data):
                    w.data[i].name = trace.name
                    w.data[i].line = trace.line
                    w.data[i].visible = shown[i]
        # one plotly_update message: assigning w.data[i].x validates every point in Python (tens of
        # ms per frame at a few hundred meetings, growing with the run); the arrays built here are
        # plain lists of floats and None already, so they go straight to the browser
        f = np.float64
        x = self.x.astype(f)
        bands = [(np.array(bx, f), np.array(by, f)) for bx, by in self._bands()]
        xs = [x] * N_LINES + [bx for bx, _ in bands] + [x, x] + [x, x]
        ys = ([row.astype(f) for row in self.lines] + [by for _, by in bands]
              + [np.full(len(x), -0.35), (-0.35 - 0.9 * self.fac[0]).astype(f)]
              + [row.astype(f) for row in self.money])
        custom = [None] * FACIL + [self.fac[0].astype(f)] + [None, None]
        w.plotly_update(restyle_data={"x": xs, "y": ys, "customdata": custom},
                        trace_indexes=list(range(N_TRACES)))
        self._sent_at = time.perf_counter()
        self.redraws += 1

    def _bands(self) -> list[tuple[list, list]]:
        """Line segments, one list per phase colour: a run of meetings a group spent in it."""
        out = [([], []) for _ in PHASE_COLORS]
        if not self.x.size:
            return out
        x = self.x
        for row, values in enumerate(self.phase.astype(int)):
            cut = np.flatnonzero(np.diff(values)) + 1
            for a, b in zip(np.r_[0, cut], np.r_[cut, len(values)], strict=True):
                xs, ys = out[values[a]]
                xs.extend([float(x[a]) - 0.5, float(x[b - 1]) + 0.5, None])
                ys.extend([row, row, None])
        return out

    @staticmethod
    def _band_width(rows: int, height: int, big: bool = False) -> float:
        return float(min(24 if big else 16, max(3, 0.7 * (height - 70) / (rows + 1.5))))

    def set_lang(self, lang: str) -> None:
        """Switch every title, legend and axis label to ``lang``."""
        self.lang = lang
        self.push(full=True)


def network_svg(session, group: int, lang: str, manual_firm: int | None = None, size: int = 440) -> str:
    """One group as an SVG network: firms on a circle by seat, coloured by profile.

    Lines join pairs of members, thicker and darker the more they trust each other (mean of the
    two directions; pairs below 0.12 are not drawn). A red ring and a count mark firms with
    strikes; a grey cross marks a seat whose firm was expelled or left in the last 8 meetings; a
    star marks the firm a person plays. Hovering a firm shows its profile, strikes and the trust
    it receives.
    """
    pop = session.scenario.population
    seats_total = pop.group_size + pop.slack
    net = session.live.network(group)
    seats = np.asarray(net["seat"], int)
    c, r = size / 2, size / 2 - 48

    def pos(seat):
        a = np.pi / 2 - 2 * np.pi * float(seat) / max(seats_total, 1)
        return c + r * np.cos(a), c - r * np.sin(a)

    xy = [pos(s_) for s_ in seats]
    T = np.asarray(net["trust"], float) if len(seats) else np.zeros((0, 0))
    parts = [f'<svg viewBox="0 0 {size} {size}" width="100%" style="max-width:{size + 40}px" '
             f'xmlns="http://www.w3.org/2000/svg" class="asocia-net" role="img">']
    for i in range(len(seats)):
        for j in range(i + 1, len(seats)):
            v = 0.5 * (T[i, j] + T[j, i])
            if v < 0.12:
                continue
            parts.append(f'<line x1="{xy[i][0]:.1f}" y1="{xy[i][1]:.1f}" x2="{xy[j][0]:.1f}" '
                         f'y2="{xy[j][1]:.1f}" stroke="rgb(40,40,40)" stroke-opacity="{0.1 + 0.7 * v:.2f}" '
                         f'stroke-width="{0.5 + 6.5 * v ** 2:.2f}"/>')
    taken = set(seats.tolist())
    recent = {f for f, step in session.departed.items() if session.t - step <= 8}
    ev = session.events_table() if recent else None
    if ev is not None and len(ev):
        sel = ev[(ev["group"] == group) & ev["firm"].isin(recent) & ev["kind"].isin(["expulsion", "exit"])]
        for fid, kind in zip(sel["firm"], sel["kind"], strict=True):
            seat = session.seat_history.get(int(fid))
            if seat is None or seat in taken:
                continue
            x, y = pos(seat)
            word = pick({"expulsion": ("expelled", "expulsada"), "exit": ("left", "se retiró")}[kind], lang)
            parts.append(f'<g class="asocia-gone"><path d="M{x - 11:.1f},{y - 11:.1f} L{x + 11:.1f},{y + 11:.1f} '
                         f'M{x - 11:.1f},{y + 11:.1f} L{x + 11:.1f},{y - 11:.1f}" stroke="#999" stroke-width="4"/>'
                         f'<text x="{x:.1f}" y="{y + 27:.1f}" font-size="12" fill="#777" '
                         f'text-anchor="middle">{int(fid)} {word}</text></g>')
    for k, (fid, prof) in enumerate(zip(net["firm"], net["profile"], strict=True)):
        x, y = xy[k]
        strikes = int(net["strikes"][k])
        color = PROFILE_COLORS[prof]
        tip = (f"{'Empresa' if lang == 'es' else 'Firm'} {fid} · {PROFILE_LABELS[prof]} · "
               f"{'faltas' if lang == 'es' else 'strikes'} {strikes} · "
               f"{'confianza recibida' if lang == 'es' else 'trust received'} {net['trust_received'][k]:.2f}")
        parts.append(f'<g class="asocia-node" data-firm="{fid}"><title>{tip}</title>')
        if strikes:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="24" fill="none" stroke="#b2182b" stroke-width="4"/>'
                         f'<text x="{x + 22:.1f}" y="{y - 18:.1f}" font-size="14" font-weight="bold" '
                         f'fill="#b2182b">{strikes}</text>')
        if fid == manual_firm:
            star = []
            for m in range(10):
                a = -np.pi / 2 + m * np.pi / 5
                rad = 27 if m % 2 == 0 else 13
                star.append(f"{x + rad * np.cos(a):.1f},{y + rad * np.sin(a):.1f}")
            pts = " ".join(star)
            parts.append(f'<polygon points="{pts}" fill="{color}" stroke="#7b3294" stroke-width="3"/>')
        else:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="17" fill="{color}" stroke="white" stroke-width="2"/>')
        parts.append(f'<text x="{x:.1f}" y="{y + 5:.1f}" font-size="13" font-weight="bold" fill="white" '
                     f'text-anchor="middle">{fid}</text></g>')
    # legend
    lx = 8
    for name in NAMES:
        label = PROFILE_LABELS[name]
        parts.append(f'<circle cx="{lx + 7}" cy="{size - 12}" r="7" fill="{PROFILE_COLORS[name]}"/>'
                     f'<text x="{lx + 18}" y="{size - 7}" font-size="13" fill="#333">{label}</text>')
        lx += 26 + 7.2 * len(label)
    parts.append("</svg>")
    return "".join(parts)
