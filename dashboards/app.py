"""The Asocia dashboard (Solara): run, watch and compare groups of small firms in the browser.

Start it with ``asocia dashboard`` (which runs ``solara run dashboards/app.py`` on localhost).
This module only lays out the page and wires widgets to the pieces beside it: session.py (the
scenario, the edits, the live run, the downloads), charts.py (live charts updated in place),
money.py (the programme's cost and cost-effectiveness), compare.py (A/B comparison), i18n.py
(Spanish and English text) and explain.py (the "About the model" panel). Everything a run
computes comes from the engine's public API (``sim``).
"""

from __future__ import annotations

import html
import sys
import time
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # `solara run dashboards/app.py` does not put the repo on the path
    sys.path.insert(0, str(_ROOT))

import ipyvuetify  # noqa: E402
import markdown  # noqa: E402
import solara  # noqa: E402
import solara.lab  # noqa: E402
import traitlets  # noqa: E402
from solara import v  # noqa: E402

from dashboards import compare as cmp  # noqa: E402
from dashboards.charts import MONEY_PANEL, PANELS, RunCharts, group_trust, network_svg  # noqa: E402
from dashboards.explain import EXPLAIN  # noqa: E402
from dashboards.i18n import (  # noqa: E402
    KINDS,
    PROFILE_LABELS,
    SECTIONS,
    allowed,
    choice_label,
    event_sentences,
    explain_error,
    fmt_number,
    group_label,
    param_label,
    parse_number,
    pick,
    scenario_description,
    source_label,
    tr,
)
from dashboards.money import money_html, money_summary  # noqa: E402
from dashboards.parking import Parking  # noqa: E402
from dashboards.session import Session, list_scenarios  # noqa: E402
from sim import ScenarioError  # noqa: E402
from sim.model.scenario import param, params  # noqa: E402

SPEEDS = [1, 2, 5, 10, 20, 50]
LOG_ROWS = 150
SHARE_GROUPS = {"population": (("santo", "solido", "tengo", "oportunista"),
                               ("active", "passive", "barely"))}

PARKING = Parking()  # every browser's run, kept across a reload and let go when its tab is closed

lang = solara.reactive("es")
frame = solara.reactive(0)          # re-renders the small panels: after a redraw, PANEL_PERIOD apart while playing
frame_slow = solara.reactive(0)     # re-renders the log and the downloads: SLOW_PERIOD apart while playing
PANEL_PERIOD = 0.25  # s; each re-render of the status line, log, network and controls costs 30-100 ms of server time
SLOW_PERIOD = 1.0  # s; the log (up to 150 sentences) and the download buttons need not follow every frame
params_rev = solara.reactive(0)     # bumped after every parameter edit
playing = solara.reactive(False)
speed = solara.reactive(5)
group_sel = solara.reactive(-1)     # -1: all groups
tab = solara.reactive(0)
log_firm = solara.reactive("")
log_kind = solara.reactive("")
message = solara.reactive(("", ""))  # a scenario file that could not be loaded: (its name, the loader's message)
present = solara.reactive(False)    # presentation mode: large type, no side panel, one story at a time
story = solara.reactive(-1)         # presentation mode: -1 all panels, 0-5 one panel, 6 the network
open_sections = solara.reactive([7, 8])  # parameter sections shown open: reglamento, sanctions


class AppState:
    """What one browser session owns: the run, its charts, the comparison's settings."""

    def __init__(self):
        """Open the default scenario and build empty charts."""
        self.session = Session()
        self.charts = RunCharts(lang.value)
        self.cmp_changes: dict = {}
        self.cmp_result = None
        self.redraw_times: list[float] = []
        self._panels_at = 0.0
        self._slow_at = 0.0
        self.kernel = ""  # the Solara kernel (browser page) that owns this state now
        self.view: dict = {}  # the page's choices (language, group, tab, speed), restored on a reload

    def shown_group(self) -> int:
        """The group the network and the firm player show (the selected one, else group 0)."""
        g = group_sel.value
        return g if 0 <= g < self.session.groups else 0

    def redraw(self, full: bool = False) -> None:
        """Send what is new to the browser and bump the frame counter."""
        s = self.session
        with s.lock:
            self.charts.push(full=full)
        now = time.perf_counter()
        self.redraw_times.append(now)
        # while playing, the panels around the charts follow at a few frames per second, so the
        # server and the browser spend their time on the charts (each bump re-renders Solara's tree)
        if not playing.value or now - self._panels_at >= PANEL_PERIOD:
            self._panels_at = now
            frame.value += 1
        if not playing.value or now - self._slow_at >= SLOW_PERIOD:
            self._slow_at = now
            frame_slow.value += 1

    def restart_view(self) -> None:
        """Charts and log after a new run started."""
        s = self.session
        with s.lock:
            s.take_pending()
            sel = group_sel.value if 0 <= group_sel.value < s.groups else None
            if sel is None:
                group_sel.value = -1
            self.charts.rebuild(s, sel)
        self.redraw(full=True)

    def step(self, n: int = 1) -> int:
        """Play n meetings and append them to the charts (not drawn until :meth:`redraw`)."""
        s = self.session
        with s.lock:
            chunk = s.advance(n)
            self.charts.extend(chunk, s.groups)
        return len(chunk.profiles)


def play_loop(st: AppState, kernel: str = "") -> None:
    """Advance at the chosen speed; redraw whenever the browser has drawn the previous frame.

    Steps are taken on the clock (``speed`` meetings per second); the charts are redrawn as
    soon as the browser acknowledges the previous update, covering every meeting played since,
    so a slow browser sees fewer, larger redraws instead of a growing backlog. The loop ends
    when its page's kernel closes or another page (a reload) adopts the run.
    """
    s = st.session
    generation = s.generation
    owner = (lambda: PARKING.active(st, kernel)) if kernel else (lambda: True)
    last = time.perf_counter()
    budget = 1.0
    dirty = False
    while playing.value and s.generation == generation and owner():
        now = time.perf_counter()
        budget = min(budget + (now - last) * speed.value, max(1.0, speed.value * 0.5))
        last = now
        k = int(budget)
        if k:
            budget -= st.step(k)
            dirty = True
            if s.done():
                playing.value = False
        if dirty and st.charts.ready():
            st.redraw()
            dirty = False
        time.sleep(0.004)
    if not owner():
        if PARKING.owns(st, kernel):
            playing.value = False  # no page watches: paused where it was (a reload finds it so)
        return
    if dirty:
        st.redraw()
    else:
        frame.value += 1  # the panels may be up to PANEL_PERIOD behind the charts
        frame_slow.value += 1



def event_lines(sel, lang_: str) -> list[str]:
    """One HTML line per event row, newest first: "M<meeting> · G<group>" and the sentence in ``lang_``.

    Meetings and groups are numbered from 1, as everywhere on the page (the table counts from 0).
    """
    said = event_sentences(sel, lang_)
    return [f'<div class="asocia-ev asocia-ev-{html.escape(str(kind))}">'
            f'<span class="asocia-ev-when">{tr("m", lang_)}{int(step_) + 1} · '
            f'{tr("g", lang_)}{int(group) + 1}</span> {html.escape(str(text))}</div>'
            for step_, group, kind, text in zip(sel["step"][::-1], sel["group"][::-1], sel["kind"][::-1],
                                                said[::-1], strict=True)]

@solara.component
def Prose(text: str, style: str = ""):
    """Markdown as plain HTML.

    solara.Markdown loads KaTeX and mermaid, which are not installed with the dashboard (the
    browser asked the server for them, and the server would fetch them from the internet).
    """
    body = solara.use_memo(lambda: markdown.markdown(text, extensions=["tables"]), [text])
    solara.HTML(tag="div", unsafe_innerHTML=body, style=style, classes=["asocia-prose"])


# ---------------------------------------------------------------------- parameters
def _slider_step(p) -> float:
    span = p.hi - p.lo
    if p.type is int:
        return 1
    return 0.01 if span <= 2 else (0.05 if span <= 10 else 0.5)


@solara.component
def ParamWidget(p, value, on_value, lang_: str, error: str | None = None, raw: str | None = None):
    """One scenario parameter as a widget derived from its schema entry.

    ``error`` is shown at the field (in red, under it); ``raw`` is text typed into a number
    field that could not be read, kept on screen so the person can correct it.
    """
    label = param_label(p, lang_)
    src = source_label(p.src, lang_)
    hint = " · ".join(x for x in (src, p.help if lang_ == "en" else "") if x)
    errors = [error] if error else []
    if p.type is bool:
        v.Switch(label=label, v_model=bool(value), on_v_model=on_value, hint=hint, error_messages=errors,
                 persistent_hint=bool(hint), dense=True, class_="mt-0 asocia-param")
    elif p.choices:
        items = [{"text": choice_label(c, lang_), "value": c} for c in p.choices]
        v.Select(label=label, items=items, v_model=value, on_v_model=on_value, hint=hint, error_messages=errors,
                 persistent_hint=bool(hint), dense=True, class_="asocia-param")
    elif p.type in (int, float) and p.lo is not None and p.hi is not None and (p.hi - p.lo) <= (
            60 if p.type is int else 10):
        step = _slider_step(p)

        def from_slider(x):
            # a slider snaps a value that is not on its grid (a share of 0.238 on a 0.01 grid) and
            # reports the snapped value as if the person had moved it: ignore that
            if abs(float(x) - float(value)) <= step / 2 + 1e-9:
                return
            on_value(int(x) if p.type is int else round(float(x), 4))
        with solara.Column(gap="0px", classes=["asocia-param"]):
            solara.Text(f"{label}: {fmt_number(value, lang_)}", classes=["asocia-plabel"])
            v.Slider(v_model=value, min=p.lo, max=p.hi, step=step, dense=True,
                     hide_details=not (hint or errors), hint=hint, persistent_hint=bool(hint),
                     error_messages=errors, on_v_model=from_slider)
    else:
        v.TextField(label=label, v_model=raw if raw is not None else fmt_number(value, lang_), on_v_model=on_value,
                    hint=hint or allowed(p, lang_), persistent_hint=True, dense=True, error_messages=errors,
                    class_="asocia-param")


@solara.component
def ParamPanel(st: AppState):
    """Scenario picker, seed, apply, and every parameter grouped by section."""
    lang_ = lang.value
    _ = params_rev.value
    s = st.session
    files = list_scenarios(s.folder)

    def choose(name):
        if not name or name == s.file:
            return
        playing.value = False
        try:
            s.choose(name)
        except ScenarioError as e:
            message.value = (name, str(e))
            return
        message.value = ("", "")
        params_rev.value += 1
        st.restart_view()

    def on_edit(key):
        def set_value(value):
            if isinstance(value, str):
                s.edit_text(key, value, lang.value)
            else:
                s.edit(key, value)
            params_rev.value += 1
        return set_value

    def apply():
        playing.value = False
        if s.apply():
            st.restart_view()
        params_rev.value += 1

    def normalise(keys):
        vals = [float(s.value(f"population.{k}")) for k in keys]
        total = sum(vals) or 1.0
        new = [round(x / total, 3) for x in vals]
        new[-1] = round(1.0 - sum(new[:-1]), 6)
        for k, x in zip(keys, new, strict=True):
            s.edit(f"population.{k}", x)
        params_rev.value += 1

    def revert():
        s.revert()
        params_rev.value += 1

    def shown(msg):
        return explain_error(msg, lang_, param)

    with solara.Column(gap="6px", classes=["asocia-side"]):
        v.Select(label=tr("scenario", lang_), items=files, v_model=s.file, on_v_model=choose,
                 dense=True, outlined=True, class_="asocia-scenario", hide_details=True)
        if s.base.meta.description:
            solara.Text(scenario_description(s.base.meta.description, lang_), classes=["asocia-desc"])
        v.TextField(label=tr("seed", lang_), v_model=s.seed_text, dense=True, outlined=True,
                    on_v_model=on_edit("run.seed"), class_="asocia-seed",
                    error_messages=[shown(s.errors_at("run.seed"))] if s.errors_at("run.seed") else [],
                    hide_details="auto")
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            solara.Button(tr("apply", lang_), on_click=apply, color="primary",
                          disabled=s.blocked(), classes=["asocia-apply"])
            solara.Button(tr("revert", lang_), on_click=revert, text=True, small=True)
        if s.blocked():
            msgs = list(dict.fromkeys([*s.field_errors.values(), *([s.error] if s.error else [])]))
            solara.Error("\n".join(shown(m) for m in msgs) + f"\n{tr('invalid', lang_)}",
                         classes=["asocia-error"], dense=True)
        else:
            n = s.pending()
            if n:
                solara.Warning(tr("pending", lang_, n=n), dense=True)
        panels = []
        by_section: dict[str, list] = {}
        for p in params():
            if p.key == "run.seed":
                continue
            by_section.setdefault(p.section, []).append(p)
        for i, (section, plist) in enumerate(by_section.items()):
            children = []
            if i not in open_sections.value:  # closed sections get their widgets when opened (first paint)
                panels.append(v.ExpansionPanel(children=[
                    v.ExpansionPanelHeader(children=[pick(SECTIONS[section], lang_)], class_="asocia-section"),
                    v.ExpansionPanelContent(children=[])]))
                continue
            for keys in SHARE_GROUPS.get(section, ()):
                names = ", ".join(PROFILE_LABELS.get(k, k) for k in keys)
                children.append(solara.Button(f"{tr('normalise', lang_)}: {names}",
                                              on_click=lambda keys=keys: normalise(keys), small=True,
                                              outlined=True, classes=["asocia-normalise"]))
            for p in plist:
                err = s.errors_at(p.key)
                children.append(ParamWidget(p, s.value(p.key), on_edit(p.key), lang_, shown(err) if err else None,
                                            s.raw.get(p.key)).key(p.key))
            panels.append(v.ExpansionPanel(children=[
                v.ExpansionPanelHeader(children=[pick(SECTIONS[section], lang_)], class_="asocia-section"),
                v.ExpansionPanelContent(children=[solara.Column(children=children, gap="2px")]),
            ]))
        v.ExpansionPanels(children=panels, multiple=True, accordion=True, v_model=open_sections.value,
                          on_v_model=open_sections.set, class_="asocia-sections")


# ---------------------------------------------------------------------- run tab
@solara.component
def Controls(st: AppState):
    """Play / pause, step, reset, speed and the group shown."""
    lang_ = lang.value
    s = st.session
    _ = frame_slow.value  # the buttons change with play (its own reactive) and at the horizon
    done = s.done()

    def step():
        if st.step(1):
            st.redraw()

    def reset():
        playing.value = False
        s.restart()
        st.restart_view()

    groups = [{"text": tr("all_groups", lang_), "value": -1}] + [
        {"text": group_label(g, lang_), "value": g} for g in range(s.groups)]
    with solara.Row(gap="10px", style={"align-items": "center", "flex-wrap": "wrap"}, classes=["asocia-controls"]):
        solara.Button(tr("pause", lang_) if playing.value else tr("play", lang_),
                      icon_name="mdi-pause" if playing.value else "mdi-play", color="primary",
                      on_click=lambda: playing.set(not playing.value), disabled=done and not playing.value,
                      classes=["asocia-play"])
        solara.Button(tr("step", lang_), icon_name="mdi-step-forward", on_click=step,
                      disabled=playing.value or done, classes=["asocia-step"])
        solara.Button(tr("reset", lang_), icon_name="mdi-restart", on_click=reset, classes=["asocia-reset"])
        with solara.Column(gap="0px", style={"min-width": "250px"}):
            solara.Text(tr("speed", lang_), classes=["asocia-plabel"])
            solara.ToggleButtonsSingle(value=speed.value, values=SPEEDS, on_value=speed.set,
                                       classes=["asocia-speed"])
        v.Select(label=tr("group", lang_), items=groups, v_model=group_sel.value,
                 on_v_model=group_sel.set, dense=True, hide_details=True, outlined=True,
                 style_="max-width: 190px", class_="asocia-group")
        StatusLine(st)


def _dec(x: float, lang_: str) -> str:
    """A share or trust with two decimals, with the decimal comma in Spanish."""
    text = f"{x:.2f}"
    return text.replace(".", ",") if lang_ == "es" else text


@solara.component
def StatusLine(st: AppState):
    """Meeting counter and headline figures of the meeting just played."""
    lang_ = lang.value
    _ = frame.value
    s = st.session
    text = tr("meeting", lang_, t=s.t, h=s.horizon)
    steps = s.steps_table()
    if len(steps):
        last = steps[steps["step"] == steps["step"].iloc[-1]]
        alive = last[last["alive"]]
        w = alive["members"].sum()
        trust = float(group_trust(last["trust"].to_numpy(), last["alive"].to_numpy()).mean())
        coop = float((alive["cooperation"] * alive["members"]).sum() / w) if w else 0.0
        text += " · " + tr("summary", lang_, alive=int(len(alive)), groups=s.groups, members=int(w),
                           trust=_dec(trust, lang_), coop=_dec(coop, lang_))
    with solara.Column(gap="0px"):
        solara.Text(text, classes=["asocia-status"])
        if s.done():
            solara.Text(tr("finished", lang_), classes=["asocia-note"])


@solara.component
def ChartHeads(st: AppState):
    """The panels' titles and legends, HTML laid over the figure (plotly need not redraw them)."""
    _ = frame.value  # the timeline's rows change with the group shown and the scenario
    lang_ = lang.value
    rows = st.charts.groups if st.charts.sel is None else 1
    c = st.charts  # the money panel's legend names the budget and the programme's end (per scenario)
    html_ = solara.use_memo(lambda: c.legend_html(lang_), [lang_, rows, c._layout_key(), c.end, c.budget, c.horizon])
    solara.HTML(tag="div", unsafe_innerHTML=html_, classes=["asocia-heads"])


class ViewSize(ipyvuetify.VuetifyTemplate):
    """Reports the charts' box width and the window height, and makes plotly fit its box.

    Plotly's widget measures its box once, when it is first drawn; in Solara that can happen
    before the page is laid out, and it then stays 700 px wide; its own window-resize handler
    gives up once a width was ever set. This watches the boxes (resize observer, and a check
    every 0.4 s) and sets each figure's width to its box's when they differ.
    """

    width = traitlets.Int(0).tag(sync=True)
    height = traitlets.Int(0).tag(sync=True)
    template = traitlets.Unicode("""
<template><span class="asocia-viewsize" style="display:none"></span></template>
<script>
module.exports = {
  mounted() {
    const fit = () => {
      const box = document.querySelector('.asocia-charts');
      if (box) {
        const w = Math.round(box.getBoundingClientRect().width);
        if (w > 0 && Math.abs(w - this.width) > 8) { this.width = w; }
      }
      const h = window.innerHeight;
      if (Math.abs(h - this.height) > 8) { this.height = h; }
      document.querySelectorAll('.js-plotly-plot').forEach(gd => {
        const fl = gd._fullLayout, bw = Math.floor(gd.getBoundingClientRect().width);
        if (fl && bw > 0 && Math.abs(fl.width - bw) > 2 && window.Plotly) {
          window.Plotly.relayout(gd, {width: bw});
        }
      });
    };
    this._ro = new ResizeObserver(fit);
    this._ro.observe(document.body);
    this._timer = setInterval(fit, 400);
    fit();
  },
  beforeDestroy() { this._ro.disconnect(); clearInterval(this._timer); }
}
</script>
""").tag(sync=True)


@solara.component
def Charts(st: AppState):
    """The five live panels (one plotly figure through solara.FigurePlotly, updated in place)."""
    fig = solara.use_memo(st.charts.figure, [])

    def on_size(width=None, height=None):
        if st.charts.set_view(width=width, view_height=height):
            with st.session.lock:
                st.charts.push(full=True)
            frame.value += 1

    with solara.Div(classes=["asocia-charts"]):
        el = solara.FigurePlotly(fig, dependencies=[id(st)])
        ChartHeads(st)
    ViewSize.element(on_width=lambda w: on_size(width=w), on_height=lambda h: on_size(height=h))

    def attach():
        widget = solara.get_widget(el)
        # no plotly toolbar: its tooltips are English only, and a projected chart needs no zoom box
        widget._config = {"displayModeBar": False, "responsive": True}
        st.charts.attach(widget)

        def detach():
            st.charts.widget = None
        return detach

    solara.use_effect(attach, [])


@solara.component
def MoneyPanel(st: AppState):
    """The programme's money beside survival and income: budget, paid, left, and cost-effectiveness.

    Figures now, at the programme's last meeting and two years after (once the run reaches them),
    for all groups or the group selected (dashboards/money.py); the money chart is the figure's
    last panel.
    """
    lang_ = lang.value
    _ = frame_slow.value  # a table of figures: once a second while playing is enough (7 ms a render at 25 groups)
    s = st.session
    sel = group_sel.value if 0 <= group_sel.value < s.groups else None
    with s.lock:
        body = money_html(money_summary(s.steps_table(), s.scenario, sel), lang_, one_group=sel is not None)
    title = tr("money_title", lang_) + ("" if sel is None else f" · {group_label(sel, lang_)}")
    with solara.Card(title, classes=["asocia-card", "asocia-money"]):
        solara.HTML(tag="div", unsafe_innerHTML=body, classes=["asocia-money-body"])


@solara.component
def NetworkPanel(st: AppState):
    """The shown group as a network (an SVG redrawn every frame)."""
    lang_ = lang.value
    _ = frame.value
    s = st.session
    g = st.shown_group()
    with solara.Card(tr("network", lang_, g=g + 1), classes=["asocia-card"]):
        with s.lock:
            alive = s.live.network(g)["alive"]
            svg = network_svg(s, g, lang_, s.manual_firm)
        if not alive:
            solara.Warning(tr("no_group", lang_, g=g + 1), dense=True)
        solara.HTML(tag="div", unsafe_innerHTML=svg, classes=["asocia-net-box"])
        solara.Text(tr("network_note", lang_), classes=["asocia-note"])


@solara.component
def PlayFirm(st: AppState):
    """Pick a firm and decide its moves each meeting."""
    lang_ = lang.value
    _ = frame.value
    s = st.session
    g = st.shown_group()
    choice, set_choice = solara.use_state(None)
    members = s.members(g)
    items = [{"text": f"{f} · {PROFILE_LABELS[p]}", "value": f} for f, p in members]
    manual = s.manual

    def take():
        if choice is None:
            return
        s.take_control(choice)
        st.redraw()

    def release():
        s.release()
        st.redraw()

    def setter(attr, as_float=False):
        def f(val):
            if s.manual is not None:
                setattr(s.manual, attr, (1.0 if val else 0.0) if as_float else bool(val))
                frame.value += 1
        return f

    with solara.Card(tr("play_firm", lang_), classes=["asocia-card", "asocia-player"]):
        if s.manual_firm is None:
            solara.Text(tr("play_firm_help", lang_), classes=["asocia-note"])
            with solara.Row(style={"align-items": "center"}):
                v.Select(label=tr("pick_firm", lang_), items=items, v_model=choice, on_v_model=set_choice,
                         dense=True, hide_details=True, outlined=True, class_="asocia-pick-firm",
                         style_="max-width: 260px")
                solara.Button(tr("take", lang_), on_click=take, disabled=choice is None,
                              color="primary", classes=["asocia-take"])
            return
        status = s.firm_status(s.manual_firm)
        if status is None:
            solara.Warning(tr("firm_gone", lang_, f=s.manual_firm))
            solara.Button(tr("release", lang_), on_click=release, small=True)
            return
        solara.Text(tr("you_play", lang_, f=s.manual_firm, p=PROFILE_LABELS[status["profile"]],
                       g=status["group"] + 1), classes=["asocia-you"])
        v.Switch(label=tr("commit", lang_), v_model=manual.commit > 0, on_v_model=setter("commit", True),
                 dense=True, hide_details=True, class_="asocia-commit")
        v.Switch(label=tr("renege", lang_), v_model=manual.renege > 0, on_v_model=setter("renege", True),
                 dense=True, hide_details=True, disabled=manual.commit == 0, class_="asocia-renege")
        v.Switch(label=tr("pay_quota", lang_), v_model=manual.pay_quota, on_v_model=setter("pay_quota"),
                 dense=True, hide_details=True, class_="asocia-quota")
        v.Switch(label=tr("route_lead", lang_), v_model=manual.route_lead, on_v_model=setter("route_lead"),
                 dense=True, hide_details=True, class_="asocia-route")
        if s.t:
            solara.Text(tr("your_last", lang_, pay=status["payoff"], alone=status["alone"],
                           strikes=status["strikes"], tr=status["trust_received"]), classes=["asocia-note"])
        ev = s.events_table()
        if len(ev):
            mine = ev[(ev["firm"] == s.manual_firm) | (ev["other"] == s.manual_firm)].tail(4)
            lines = "".join(f'<div class="asocia-ev"><span class="asocia-ev-when">{tr("m", lang_)}{int(step_) + 1}'
                            f'</span> {html.escape(str(text))}</div>'
                            for step_, text in zip(mine["step"][::-1], event_sentences(mine, lang_)[::-1],
                                                   strict=True))
            solara.HTML(tag="div", unsafe_innerHTML=lines, classes=["asocia-note"])
        solara.Button(tr("release", lang_), on_click=release, small=True, outlined=True)


@solara.component
def LogPanel(st: AppState):
    """The events as sentences, newest first, filterable by firm and kind."""
    lang_ = lang.value
    _ = frame_slow.value
    s = st.session
    ev = s.events_table()
    kinds = [{"text": tr("log_all_kinds", lang_), "value": ""}] + [
        {"text": pick(KINDS[k], lang_), "value": k} for k in KINDS]
    with solara.Card(tr("log", lang_), classes=["asocia-card"]):
        # the firm box is wide enough for its whole label (a laptop showed "Número de e…"); on a
        # phone the kind menu goes under it rather than cutting "todos los tipos"
        with solara.Row(gap="10px", style="flex-wrap: wrap; row-gap: 16px"):
            v.TextField(label=tr("log_firm", lang_), v_model=log_firm.value, on_v_model=log_firm.set,
                        dense=True, hide_details=True, outlined=True, clearable=True,
                        style_="flex: 0 0 150px; max-width: 150px", class_="asocia-log-firm")
            v.Select(label=tr("log_kind", lang_), items=kinds, v_model=log_kind.value,
                     on_v_model=lambda x: log_kind.set(x or ""), dense=True, hide_details=True,
                     outlined=True, style_="flex: 1 1 200px; max-width: 260px", class_="asocia-log-kind")
        lines = []
        hidden = 0
        if len(ev):
            sel = ev
            g = group_sel.value
            if 0 <= g < s.groups:
                sel = sel[sel["group"] == g]
            firm = (log_firm.value or "").strip()
            if firm.isdigit():
                sel = sel[(sel["firm"] == int(firm)) | (sel["other"] == int(firm))]
            if log_kind.value:
                sel = sel[sel["kind"] == log_kind.value]
            hidden = max(0, len(sel) - LOG_ROWS)
            sel = sel.tail(LOG_ROWS)
            lines.extend(event_lines(sel, lang_))
        if not lines:
            lines.append(f'<div class="asocia-ev">{html.escape(tr("log_empty", lang_))}</div>')
        if hidden:
            lines.append(f'<div class="asocia-ev asocia-note">{html.escape(tr("log_more", lang_, n=hidden))}</div>')
        solara.HTML(tag="div", unsafe_innerHTML="".join(lines), classes=["asocia-log"])


@solara.component
def ExportPanel(st: AppState):
    """Download the run's tables (CSV) and the scenario that reproduces it (TOML).

    Before the first meeting (also after Reset, Apply or another scenario) there are no tables
    yet: the table buttons are disabled with a note, and the scenario file stays available.
    """
    lang_ = lang.value
    _ = frame_slow.value  # the file names carry the seed of the run on screen
    s = st.session
    name = s.download_name()
    played = s.t > 0
    with solara.Card(tr("export", lang_), classes=["asocia-card", "asocia-export"]):
        solara.Text(tr("export_help", lang_) if played else tr("export_none", lang_), classes=["asocia-note"])
        with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
            for table in ("steps", "events", "firms", "runs"):
                if played:
                    solara.FileDownload(lambda table=table: s.table_csv(table), filename=f"{name}-{table}.csv",
                                        label=f"{table}.csv", mime_type="text/csv")
                else:
                    solara.Button(f"{table}.csv", icon_name="mdi-cloud-download-outline", disabled=True)
            solara.FileDownload(lambda: s.scenario_toml().encode(), filename=f"{name}.toml",
                                label="scenario.toml", mime_type="application/toml")
            if played:
                solara.FileDownload(s.zip_bytes, filename=f"{name}.zip", label=f"{name}.zip",
                                    mime_type="application/zip")


STORY_NETWORK = len(PANELS)  # the stories of presentation mode: the six chart panels, then the network


@solara.component
def StoryPicker():
    """Presentation mode: which story is on screen (one panel, all panels, or the network)."""
    lang_ = lang.value
    if not present.value:
        return
    items = [{"text": tr("story_all", lang_), "value": -1}] + [
        {"text": tr(f"story_{name}", lang_), "value": i} for i, name in enumerate(PANELS)] + [
        {"text": tr("story_network", lang_), "value": STORY_NETWORK}]
    with solara.Row(gap="6px", style={"flex-wrap": "wrap"}, classes=["asocia-stories"]):
        for it in items:
            solara.Button(it["text"], on_click=lambda value=it["value"]: story.set(value),
                          color="primary", outlined=story.value != it["value"], classes=["asocia-story"])


@solara.component
def Narrative(st: AppState, n: int = 5):
    """Presentation mode: the newest few events of the group shown, in large type to read aloud."""
    lang_ = lang.value
    _ = frame.value
    s = st.session
    ev = s.events_table()
    lines = []
    if len(ev):
        g = group_sel.value
        sel = ev[ev["group"] == g] if 0 <= g < s.groups else ev
        sel = sel[~sel["kind"].isin(["rejected"])].tail(n)
        lines.extend(event_lines(sel, lang_))
    if not lines:
        lines.append(f'<div class="asocia-ev">{html.escape(tr("log_empty", lang_))}</div>')
    solara.HTML(tag="div", unsafe_innerHTML="".join(lines), classes=["asocia-narrative"])


@solara.component
def RunTab(st: AppState):
    """Controls, live charts, network, firm player, log and downloads (or, presenting, one story)."""
    pres = present.value
    with solara.Column(gap="8px"):
        Controls(st)
        StoryPicker()
        with solara.Div(style={"display": "none"} if pres and story.value == STORY_NETWORK else {}):
            Charts(st)
        if pres:
            if story.value == STORY_NETWORK:
                NetworkPanel(st)
            elif story.value == MONEY_PANEL:
                MoneyPanel(st)
            Narrative(st)
            return
        MoneyPanel(st)
        with solara.Div(classes=["asocia-below"]):
            NetworkPanel(st)
            with solara.Column():
                PlayFirm(st)
                ExportPanel(st)
        LogPanel(st)


# ---------------------------------------------------------------------- compare tab
cmp_key = solara.reactive("rules.monitoring")
cmp_value = solara.reactive(None)
cmp_reps = solara.reactive(10)
cmp_error = solara.reactive("")
cmp_progress = solara.reactive("")
cmp_run_id = solara.reactive(0)
cmp_mode = solara.reactive("pair")
cmp_seen = solara.reactive(False)  # the Compare tab was opened once (it stays built from then on)


@solara.component
def CompareTab(st: AppState):
    """Two rule sets on the same seed, and a replicated comparison with 95 % bands."""
    lang_ = lang.value
    solara.use_effect(lambda: cmp_seen.set(True), [])
    s = st.session
    plist = [p for p in params() if p.section not in ("meta", "run")]
    p = next((q for q in plist if q.key == cmp_key.value), plist[0])
    # the widget shows B's value: the pending edit, else B's change, else A's value
    b_value = st.cmp_changes.get(p.key, s.scenario.flat()[p.key])
    value = cmp_value.value if cmp_value.value is not None else b_value

    def add():
        nonlocal value
        if isinstance(value, str) and p.type in (int, float):
            from sim.model.scenario import coerce

            try:
                value = coerce(parse_number(value, lang.value), p, f"{s.path} (B)")
            except ScenarioError as e:
                cmp_error.value = explain_error(str(e), lang.value, param)
                return
        if value == s.scenario.flat()[p.key]:  # B's value back to A's: no change
            st.cmp_changes.pop(p.key, None)
        else:
            st.cmp_changes[p.key] = value
        try:
            cmp.build_b(s.scenario, st.cmp_changes, f"{s.path} (B)")
            cmp_error.value = ""
        except ScenarioError as e:
            cmp_error.value = explain_error(str(e), lang.value, param)
        cmp_value.value = None
        cmp_run_id.value += 0
        params_rev.value += 1

    def clear():
        st.cmp_changes.clear()
        cmp_error.value = ""
        params_rev.value += 1

    def runner():
        mode, rid = cmp_mode.value, cmp_run_id.value
        if rid == 0:
            return
        try:
            a = s.scenario
            b = cmp.build_b(a, st.cmp_changes, f"{s.path} (B)")
        except ScenarioError as e:
            cmp_error.value = explain_error(str(e), lang.value, param)
            return
        seed = a.run.seed
        if mode == "pair":
            cmp_progress.value = tr("cmp_running", lang.value, done=0, total=2)
            ra, rb = cmp.run_pair(a, b, seed)
            summaries = {"A": [ra.summary()], "B": [rb.summary()]}
            series = {"A": [cmp.aggregate(ra.steps)], "B": [cmp.aggregate(rb.steps)]}
            fig = cmp.pair_figure(series["A"][0], series["B"][0], seed, lang.value)
        else:
            n = int(cmp_reps.value)

            def progress(done, total):
                cmp_progress.value = tr("cmp_running", lang.value, done=done, total=total)
            _, series, summaries = cmp.run_replicated(a, b, seed, n, progress,
                                                      stop=lambda: cmp_run_id.value != rid)
            if cmp_run_id.value != rid:
                return
            fig = cmp.replicated_figure(series, seed, lang.value)
        st.cmp_result = (fig, summaries, series, dict(st.cmp_changes))
        cmp_progress.value = ""

    solara.lab.use_task(runner, dependencies=[cmp_run_id.value], prefer_threaded=True)

    def start(mode):
        cmp_mode.value = mode
        cmp_run_id.value += 1

    _ = params_rev.value
    items = [{"text": f"{pick(SECTIONS[q.section], lang_)}: {param_label(q, lang_)}", "value": q.key} for q in plist]
    with solara.Column(gap="10px", classes=["asocia-compare"]):
        Prose(tr("cmp_intro", lang_))
        with solara.Row(gap="10px", style={"align-items": "center", "flex-wrap": "wrap"}):
            v.Select(label=tr("cmp_param", lang_), items=items, v_model=p.key,
                     on_v_model=lambda k: (cmp_key.set(k), cmp_value.set(None)), dense=True,
                     outlined=True, hide_details=True, style_="min-width: min(420px, 100%)",
                     class_="asocia-cmp-param")
            with solara.Column(style={"min-width": "320px"}):
                ParamWidget(p, value, cmp_value.set, lang_).key(f"cmp-{p.key}")
            solara.Button(tr("cmp_add", lang_), on_click=add, color="primary", outlined=True,
                          classes=["asocia-cmp-add"])
            solara.Button(tr("cmp_clear", lang_), on_click=clear, text=True)
        solara.Text("B: " + cmp.describe_changes(st.cmp_changes, lang_),
                    classes=["asocia-status", "asocia-cmp-changes"])
        if cmp_error.value:
            solara.Error(cmp_error.value)
        with solara.Row(gap="10px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Button(tr("cmp_run", lang_), on_click=lambda: start("pair"), color="primary",
                          classes=["asocia-cmp-pair"])
            solara.InputInt(tr("cmp_reps", lang_), value=cmp_reps, style={"max-width": "180px"})
            solara.Button(tr("cmp_run_reps", lang_), on_click=lambda: start("reps"), color="primary",
                          outlined=True, classes=["asocia-cmp-reps"])
            if cmp_progress.value:
                solara.Text(cmp_progress.value, classes=["asocia-note"])
        if st.cmp_result is not None and not cmp_progress.value:
            fig, summaries, series, changes = st.cmp_result
            solara.Text("B: " + cmp.describe_changes(changes, lang_), classes=["asocia-note"])
            solara.HTML(tag="div", unsafe_innerHTML=cmp.verdict_html(summaries, lang_, series),
                        classes=["asocia-cmp-result"])
            solara.FigurePlotly(fig)


# ---------------------------------------------------------------------- page
CSS = """
.asocia-app { font-size: 15px; }
.asocia-title { font-size: 22px; font-weight: 500; }
/* padding-top: the scenario menu's outlined label sits above its box and the scroll box cut it in half */
.asocia-side { max-height: calc(100vh - 90px); overflow-y: auto; padding-right: 6px; padding-top: 8px; }
.asocia-plabel { font-size: 13px; color: #333; }
.asocia-param { margin-bottom: 2px; }
.asocia-param .v-messages__message { font-size: 11px; color: #777; }
.asocia-desc { font-size: 13px; color: #555; }
.asocia-status { font-size: 16px; font-weight: 500; }
.asocia-note { font-size: 13px; color: #555; }
.asocia-you { font-size: 15px; font-weight: 500; color: #7b3294; }
.asocia-log { max-height: 340px; overflow-y: auto; font-size: 15px; line-height: 1.45;
              border-top: 1px solid #eee; margin-top: 6px; }
.asocia-ev { padding: 2px 4px; border-bottom: 1px solid #f3f3f3; }
.asocia-ev-when { color: #777; font-size: 13px; margin-right: 6px; font-variant-numeric: tabular-nums; }
.asocia-ev-expulsion, .asocia-ev-dissolution { background: #fdecea; }
.asocia-ev-renege, .asocia-ev-diversion, .asocia-ev-quota_skip { background: #fff6e5; }
.asocia-ev-entry { background: #eaf7f0; }
.asocia-ev-phase, .asocia-ev-facilitator, .asocia-ev-rules { background: #eef3fb; }
.asocia-section { font-weight: 500; }
.asocia-card .v-card__title { font-size: 17px; }
.asocia-error { white-space: pre-wrap; }
.asocia-charts { position: relative; }
.modebar-container { display: none !important; }  /* plotly's toolbar: English tooltips, no use projected */
.asocia-layout { display: grid; grid-template-columns: minmax(300px, 1fr) 3fr; gap: 12px; align-items: start; }
.asocia-layout > * { min-width: 0; }
.asocia-present .asocia-layout { grid-template-columns: 1fr; }
.asocia-below { display: grid; grid-template-columns: 3fr 2fr; gap: 12px; align-items: start; }
@media (max-width: 1100px) { .asocia-layout, .asocia-below { grid-template-columns: 1fr; }
  .asocia-side { max-height: none; } .asocia-side-box { order: 2; } }
.asocia-narrative { font-size: 17px; line-height: 1.5; }
.asocia-present .asocia-narrative { font-size: 26px; }
.asocia-present .asocia-status { font-size: 28px; }
.asocia-present .asocia-panel-title { font-size: 28px; }
.asocia-present .asocia-legend { font-size: 21px; gap: 0 22px; }
.asocia-present .asocia-legend svg { transform: scale(1.3); }
.asocia-present .asocia-title { font-size: 30px; }
.asocia-present .v-btn:not(.v-btn--icon) { font-size: 17px; }
.asocia-present .asocia-net { max-width: 760px !important; }
.asocia-present .asocia-card .v-card__title { font-size: 26px; }
.asocia-present .asocia-note { font-size: 18px; }
.asocia-present .asocia-ev-when { font-size: 18px; }
@media (max-width: 700px) { .asocia-present .asocia-panel-title { font-size: 20px; }
  .asocia-present .asocia-legend { font-size: 15px; } .asocia-present .asocia-status { font-size: 20px; }
  .asocia-present .asocia-title { font-size: 20px; } .asocia-present .asocia-narrative { font-size: 18px; } }
.asocia-verdict { font-size: 17px; font-weight: 500; margin: 6px 0 8px; }
.asocia-cmp-result { overflow-x: auto; }  /* the table scrolls on a phone instead of running off it */
.asocia-cmp-table { border-collapse: collapse; font-size: 15px; font-variant-numeric: tabular-nums; }
.asocia-cmp-table th, .asocia-cmp-table td { border-bottom: 1px solid #e5e5e5; padding: 4px 10px; text-align: left; }
.asocia-cmp-table tr.asocia-b-better td { background: #e8f5ee; }
.asocia-cmp-table tr.asocia-a-better td { background: #fdecea; }
.asocia-present .asocia-verdict { font-size: 26px; }
.asocia-present .asocia-cmp-table { font-size: 22px; }
.asocia-prose table { border-collapse: collapse; margin: 8px 0; }
.asocia-prose td, .asocia-prose th { border: 1px solid #ddd; padding: 3px 8px; }
.asocia-heads { position: absolute; top: 0; left: 0; width: 100%; height: 0; pointer-events: none; }
.asocia-panel-head { position: absolute; transform: translateY(-100%); }
.asocia-panel-title { font-size: 18px; font-weight: 500; color: #111; line-height: 1.3; }
.asocia-legend { display: flex; flex-wrap: wrap; gap: 0 14px; font-size: 15px; color: #222; line-height: 1.35; }
.asocia-lg-item { display: inline-flex; align-items: center; gap: 4px; white-space: nowrap; }
.asocia-money-head { font-size: 16px; font-weight: 500; margin-bottom: 6px; }
.asocia-money-scroll { overflow-x: auto; }
.asocia-money .v-card__title { word-break: normal; }
.asocia-money-table { border-collapse: collapse; font-size: 15px; font-variant-numeric: tabular-nums; }
.asocia-money-table td, .asocia-money-table thead th { min-width: 7em; }
.asocia-money-table th, .asocia-money-table td { border-bottom: 1px solid #e5e5e5; padding: 4px 10px; }
.asocia-money-table thead th { text-align: right; vertical-align: bottom; font-weight: 500; }
.asocia-money-table tbody th { text-align: left; font-weight: 400; }
.asocia-money-table td { text-align: right; white-space: nowrap; }
.asocia-money-sub { font-size: 13px; color: #666; font-weight: 400; }
.asocia-money-when { white-space: nowrap; }
.asocia-money-row-alive, .asocia-money-row-income_gain { background: #f4f8fc; }
.asocia-money-row-cost_per_group td, .asocia-money-row-cost_per_member_year td { font-weight: 500; }
@media (max-width: 600px) { .asocia-money-table { font-size: 13px; }
  .asocia-money-table th, .asocia-money-table td { padding: 3px 4px; }
  .asocia-money-table td, .asocia-money-table thead th { min-width: 0; } }
.asocia-present .asocia-money-head { font-size: 26px; }
.asocia-present .asocia-money-table { font-size: 22px; }
.asocia-present .asocia-money-table th, .asocia-present .asocia-money-table td { padding: 3px 14px; }
.asocia-present .asocia-money-sub { font-size: 18px; }
"""


@solara.component
def Page():
    """The dashboard."""
    def claim():
        PARKING.start_reaper()
        kernel = solara.get_kernel_id()
        state, adopted = PARKING.claim(solara.get_session_id(), kernel, AppState)
        state.kernel = kernel
        view = dict(state.view) if adopted else {}
        g = view.get("group", -1)
        with state.session.lock:  # the charts as this page will first show them
            state.charts.lang = view.get("lang", lang.value)
            state.charts.set_view(big=view.get("present", False),
                                  story=view.get("story") if view.get("present")
                                  and 0 <= view.get("story", -1) < len(PANELS)
                                  else None)
            state.charts.rebuild(state.session, g if 0 <= g < state.session.groups else None)
        return state, view
    st, view = solara.use_memo(claim, [])
    lang_ = lang.value
    solara.Title("Asocia")
    solara.Style(CSS)

    def restore():  # a reload: the page's choices as they were
        if view:
            lang.set(view.get("lang", lang.value))
            speed.set(view.get("speed", speed.value))
            tab.set(view.get("tab", tab.value))
            present.set(view.get("present", False))
            story.set(view.get("story", -1))
            g = view.get("group", -1)
            group_sel.set(g if g < st.session.groups else -1)
    solara.use_effect(restore, [])
    st.view = dict(lang=lang_, speed=speed.value, tab=tab.value, present=present.value, story=story.value,
                   group=group_sel.value)
    PARKING.touch(st)

    solara.lab.use_task(lambda: play_loop(st, st.kernel), dependencies=[playing.value], prefer_threaded=True)

    first = solara.use_ref(True)

    def on_view():
        # language, group shown or presentation changed: one full redraw (none at mount: the
        # charts were built for this state in claim() and attach() sends them once)
        if first.current:
            first.current = False
            return
        s = st.session
        g = group_sel.value
        with s.lock:
            st.charts.lang = lang_
            st.charts.set_view(big=present.value,
                               story=story.value if present.value and 0 <= story.value < len(PANELS) else None)
            if (g if g >= 0 else None) != st.charts.sel:
                st.charts.rebuild(s, g if g >= 0 else None)
        st.redraw(full=True)
        frame.value += 1
        frame_slow.value += 1
    solara.use_effect(on_view, [lang_, group_sel.value, present.value, story.value])

    pres = present.value
    with solara.Column(classes=["asocia-app"] + (["asocia-present"] if pres else []), gap="6px",
                       style={"padding": "8px 14px"}):
        with solara.Row(style={"align-items": "center", "justify-content": "space-between", "flex-wrap": "wrap"}):
            solara.Text(tr("title", lang_), classes=["asocia-title"])
            with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
                solara.Button(tr("present_off", lang_) if pres else tr("present_on", lang_),
                              icon_name="mdi-projector-screen", outlined=not pres, color="primary",
                              on_click=lambda: present.set(not present.value), classes=["asocia-present-btn"])
                solara.Text(tr("language", lang_) + ":")
                solara.ToggleButtonsSingle(value=lang, values=["es", "en"], classes=["asocia-lang"])
        if message.value[1]:  # the loader's message in the page's language, after the file's name
            solara.Error(f"{message.value[0]}: {explain_error(message.value[1], lang_, param)}")
        with solara.Div(classes=["asocia-layout"]):
            with solara.Div(classes=["asocia-side-box"], style={"display": "none"} if pres else {}):
                ParamPanel(st)
            with solara.lab.Tabs(value=tab, lazy=False):
                with solara.lab.Tab(tr("tab_run", lang_), classes=["asocia-tab-run"]):
                    RunTab(st)
                with solara.lab.Tab(tr("tab_compare", lang_), classes=["asocia-tab-compare"]):
                    if tab.value == 1 or cmp_seen.value:  # built when first opened (first paint)
                        CompareTab(st)
                with solara.lab.Tab(tr("tab_explain", lang_), classes=["asocia-tab-explain"]):
                    Prose(EXPLAIN[lang_], style="max-width: 980px; font-size: 16px")
