"""The dashboard in a real browser: Playwright drives Debian's chromium against `solara run`.

One server and one page serve the whole module (the tests run in order, like a workshop):
load, choose a scenario, change a rule (and see an invalid one refused with the CLI's message),
play, watch the charts and the log change, switch language, play a firm, download the CSV.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
import sim.model.scenario  # noqa: E402  (sim loads its modules lazily)
from dashboards.devserver import CHROMIUM, browser, open_dashboard, serve  # noqa: E402
from dashboards.i18n import explain_error  # noqa: E402

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}")]

POINTS = "() => document.querySelector('.js-plotly-plot').data[4].x.length"
PLAYED: dict[str, int] = {}  # the firm a person played and the meeting it moved at


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The baseline (2 groups, 40 meetings), a variant without sanctions (5 groups), one with a short programme."""
    d = tmp_path_factory.mktemp("scenarios")
    data = tomllib.loads((ROOT / "scenarios" / "baseline.toml").read_text())
    base = sim.model.scenario.from_dict(data, "baseline").replace({"population.groups": 2, "run.steps": 40})
    (d / "baseline.toml").write_text(base.to_toml())
    variant = base.replace({"meta.name": "no_sanctions", "sanctions.enabled": False, "population.groups": 5,
                            "meta.description": "Same group, no sanctions at all."})
    (d / "no_sanctions.toml").write_text(variant.to_toml())
    # a programme whose money ends at meeting 16: its end and two years after (meeting 68) are in the run
    short = base.replace({"meta.name": "short_programme", "programme.budget": 300, "run.steps": 70,
                          "meta.description": ""})
    (d / "short_programme.toml").write_text(short.to_toml())
    # a file with a mistyped key, as a trainer's own edit may leave it
    (d / "typo.toml").write_text(base.to_toml().replace("monitoring =", "monitorin =", 1))
    return d


@pytest.fixture(scope="module")
def dash(folder, tmp_path_factory):
    """The dashboard open in headless chromium, shared by the tests of this module."""
    log = open(tmp_path_factory.mktemp("log") / "server.log", "w")
    with serve(folder, log=log) as url, browser() as b:
        p = open_dashboard(b, url)
        p.set_default_timeout(30_000)
        yield p
    log.close()


@pytest.fixture(scope="module")
def members(folder):
    """Members of each group after each meeting of the run the tests play (rows: meetings)."""
    played = sim.load_scenario(folder / "baseline.toml").replace({"rules.decision": "consensus"})
    steps = sim.run(played).steps
    return steps.pivot(index="step", columns="group", values="members")


def _select(page, field_class: str, option: str) -> None:
    """Choose ``option`` in the vuetify select carrying ``field_class``."""
    page.locator(f".{field_class}").click()
    page.locator(".menuable__content__active .v-list-item", has_text=option).first.click()


def _status(page) -> str:
    return page.locator(".asocia-status").first.inner_text()


def _wait_points(page, n: int) -> None:
    page.wait_for_function(f"() => ({POINTS})() === {n}")


FITS = ("() => { const shown = [...document.querySelectorAll('.js-plotly-plot')]"
        ".filter(g => g.getBoundingClientRect().width > 0);"  # figures on a hidden tab have no box
        " return shown.length > 0 && shown.every(g => g._fullLayout && g.getBoundingClientRect().width > 300 &&"
        " Math.abs(g._fullLayout.width - g.getBoundingClientRect().width) < 3); }")


def _fits(page) -> None:
    """Every plotly figure is drawn at the width of its box (not plotly's default 700 px)."""
    page.wait_for_function(FITS, timeout=10_000)


def test_loads_with_charts_controls_and_explanation(dash):
    page = dash
    _fits(page)
    assert page.locator(".asocia-title").inner_text().startswith("Asocia")
    assert page.evaluate("() => document.querySelector('.js-plotly-plot').data.length") == 29
    assert "Reunión 0 de 40" in _status(dash)
    assert page.locator(".asocia-tab-explain").count() == 1
    assert page.get_by_text("santo", exact=False).count() > 0
    # the scenario menu's label (outlined: above its box) is inside the scrolling panel, not cut by it
    assert page.evaluate("() => document.querySelector('.asocia-scenario label').getBoundingClientRect().top"
                         " >= document.querySelector('.asocia-side').getBoundingClientRect().top")


def test_choose_a_scenario(dash):
    page = dash
    _select(page, "asocia-scenario", "no_sanctions.toml")
    page.get_by_text("Same group, no sanctions at all.").wait_for()
    page.wait_for_function("() => document.querySelector('.js-plotly-plot').layout.yaxis5.tickvals.length === 6")
    _fits(page)  # another number of groups: still the box's width
    for width, height in ((1366, 768), (800, 900), (1600, 1000)):  # narrower, one column, back
        page.set_viewport_size({"width": width, "height": height})
        time.sleep(0.5)
        _fits(page)
    _select(page, "asocia-scenario", "baseline.toml")
    page.wait_for_function("() => !document.body.innerText.includes('Same group, no sanctions at all.')")


def test_a_file_with_a_typo_is_refused_in_the_page_language(dash):
    """The loader's message without the file's path, in Spanish, naming the key as written; the run stays."""
    page = dash
    _select(page, "asocia-scenario", "typo.toml")
    alert = page.locator(".v-alert", has_text="typo.toml")
    alert.wait_for()
    text = alert.inner_text()
    assert "typo.toml: clave desconocida 'rules.monitorin' (¿quiso decir 'rules.monitoring' («Control" in text
    assert "/" not in text.split("typo.toml", 1)[0] and "Traceback" not in text
    assert "Reunión 0 de 40" in _status(page)  # the baseline's run is still on screen, and its file in the menu
    page.wait_for_function("() => document.querySelector('.asocia-scenario').innerText.includes('baseline.toml')")
    _select(page, "asocia-scenario", "no_sanctions.toml")  # another file loads: the message goes
    page.get_by_text("Same group, no sanctions at all.").wait_for()
    assert "clave desconocida" not in page.evaluate("() => document.body.innerText")
    _select(page, "asocia-scenario", "baseline.toml")
    page.wait_for_function("() => !document.body.innerText.includes('Same group, no sanctions at all.')")


def test_change_a_rule_and_refuse_an_invalid_one(dash, folder, tmp_path):
    page = dash
    # the reglamento panel is open: change the decision rule, see it pending, apply
    field = page.locator(".asocia-param").filter(has_text="Regla de decisión")
    field.click()
    page.locator(".menuable__content__active .v-list-item", has_text="consenso").first.click()
    page.get_by_text("1 cambio(s) sin aplicar").wait_for()
    page.locator(".asocia-apply").click()
    page.wait_for_function("() => !document.body.innerText.includes('sin aplicar')")
    # an invalid combination: the taper starts after the facilitator leaves
    taper = page.get_by_role("textbox", name=re.compile("^Inicio de la reducción"))
    page.locator(".asocia-section", has_text="Facilitador").click()
    taper.fill("80")
    taper.press("Enter")
    err = page.locator(".asocia-error")
    err.wait_for()
    cli = subprocess.run([str(Path(sys.executable).with_name("asocia")), "run", str(folder / "baseline.toml"),
                          "--set", "rules.decision=consensus", "--set", "facilitator.taper_from=80"],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert cli.returncode == 2
    message = cli.stderr.strip().splitlines()[-1].split("error: ", 1)[-1]
    # the CLI's message, in Spanish and without the file path, at the field and atop the panel
    shown = explain_error(message, "es", sim.model.scenario.param)
    assert "posterior" in shown and str(folder) not in shown
    assert shown in err.inner_text().replace("\n", " ")
    page.locator(".asocia-param.error--text", has_text=shown).first.wait_for()
    assert page.locator(".asocia-apply").is_disabled()
    taper.fill("26")
    taper.press("Enter")
    page.wait_for_function("() => !document.querySelector('.asocia-error')")


def test_step_and_play_update_charts_and_log(dash, members):
    page = dash
    assert page.evaluate(POINTS) == 0
    for _ in range(3):
        page.locator(".asocia-step").click()
    _wait_points(page, 3)
    page.wait_for_function("() => document.querySelector('.asocia-status').innerText.includes('Reunión 3 de 40')")
    log_before = page.locator(".asocia-log").inner_text()
    page.locator(".asocia-speed button").filter(has_text=re.compile(r"^\s*5\s*$")).click()  # 5/s: time to pause
    page.locator(".asocia-play").click()
    page.wait_for_function(f"() => ({POINTS})() >= 8")
    page.locator(".asocia-play").click()  # pause; a busy machine may play a few more meetings first
    time.sleep(0.8)  # the last frame after the pause
    n = page.evaluate(POINTS)
    time.sleep(0.5)
    assert page.evaluate(POINTS) == n  # paused: nothing moves
    assert f"Reunión {n} de 40" in _status(dash)
    assert page.locator(".asocia-log").inner_text() != log_before
    assert page.locator(".asocia-log .asocia-ev").count() > 3
    y = page.evaluate("() => document.querySelector('.js-plotly-plot').data[8].y")  # members
    assert len(y) >= n and all(v > 0 for v in y)
    # the network shows group 0 as the model has it after meeting n (its members can leave, and the
    # group dissolves at meeting 29 of this run: then it shows none)
    assert page.locator(".asocia-net-box .asocia-node").count() == members.loc[n - 1, 0]
    # groups are numbered from 1 wherever a person reads them (the tables' group column counts from 0)
    page.get_by_text("El grupo 1 como red").wait_for()
    ticks = page.evaluate("() => document.querySelector('.js-plotly-plot').layout.yaxis5.ticktext")
    assert ticks[1:] == ["Grupo 1", "Grupo 2"]
    log = page.locator(".asocia-log").inner_text()
    assert re.search(r"· G[12]\b", log) and not re.search(r"· G0\b", log), log
    assert not re.search(r"grupo 0\b", log), log


ENGLISH = {"the", "and", "of", "with", "allowed", "got", "months", "years", "firms", "meeting", "meetings",
           "trust", "group", "groups", "members", "share", "shares", "Rows", "website", "Loading", "item",
           "others", "rules", "from", "whole", "alone", "income", "money", "seed", "same", "Reset", "Step",
           "Play", "Download", "mean", "range", "dissolved", "cooperation", "expelled", "strikes", "chance",
           "true", "false", "Zoom", "Autoscale"}


def test_spanish_page_has_no_english_words(dash):
    """Every section open, the Compare tab with a result, About the model: no English on screen."""
    page = dash
    sections = page.locator(".asocia-section")
    for i in range(sections.count()):
        if "--active" not in (sections.nth(i).get_attribute("class") or ""):
            sections.nth(i).click()
    page.locator(".asocia-param").nth(40).wait_for()
    time.sleep(1)  # sliders that would snap an off-grid share report it now
    assert page.locator(".asocia-apply").is_enabled()  # opening sections edits nothing (shares stay 1)
    texts = [page.evaluate("() => document.body.innerText")]
    assert "sin aplicar" not in texts[0]
    page.locator(".asocia-tab-compare").click()
    page.locator(".asocia-cmp-pair").click()
    page.locator(".asocia-verdict").wait_for(timeout=60_000)
    texts.append(page.evaluate("() => document.body.innerText"))
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone the menu and the table stay on screen
    time.sleep(0.5)
    assert page.evaluate("() => document.querySelector('.asocia-cmp-param').getBoundingClientRect().right") <= 391
    result = page.evaluate("() => { const r = document.querySelector('.asocia-cmp-result');"
                           " return [r.getBoundingClientRect().right, getComputedStyle(r).overflowX]; }")
    assert result[0] <= 391 and result[1] == "auto", result  # a table wider than the phone scrolls in its box
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.locator(".asocia-tab-explain").click()
    texts.append(page.evaluate("() => document.body.innerText"))
    texts.append(" ".join(page.evaluate("() => [...document.querySelectorAll('svg text')].map(t => t.textContent)")))
    page.locator(".asocia-tab-run").click()
    words = set(re.findall(r"[A-Za-z]+", " ".join(texts)))
    assert not words & ENGLISH, sorted(words & ENGLISH)
    assert "This website runs on" not in " ".join(texts)


def test_switch_language(dash):
    page = dash
    page.locator(".asocia-lang button", has_text="EN").click()
    page.get_by_text("Play a firm yourself").wait_for()
    assert "Meeting" in _status(dash)
    assert page.locator(".asocia-tab-run").inner_text().strip().lower() == "run"
    log = page.locator(".asocia-log").inner_text()
    assert "Group" in log or "Firm" in log
    assert "empresa" not in log.lower()
    legend = page.evaluate("() => document.querySelector('.js-plotly-plot').data.slice(0, 4).map(t => t.name)")
    assert legend == ["santo", "sólido ciudadano", "tengo que ganar", "oportunista"]
    page.locator(".asocia-panel-title", has_text="Cooperation by profile").wait_for()  # HTML over the figure
    assert "dissolved = 0" in page.locator(".asocia-legend").nth(1).inner_text()
    assert page.evaluate("() => document.querySelector('.js-plotly-plot').layout.showlegend") is False


def test_play_a_firm(dash, members):
    page = dash
    assert members[1].min() >= 8  # group 1 keeps its members all run: there is always a firm to pick
    _select(page, "asocia-group", "Group 2")  # the table's group 1, the second group
    page.get_by_text("Group 2 as a network").wait_for()  # the panels show it now
    page.locator(".asocia-pick-firm").click()
    item = page.locator(".menuable__content__active .v-list-item").first
    firm = int(item.inner_text().split("·")[0])
    item.click()
    page.locator(".asocia-take").click()
    page.get_by_text(f"You play firm {firm}").wait_for()
    assert "in group 2." in page.locator(".asocia-you").inner_text()
    page.locator(".asocia-commit").click()  # stay out of the joint purchase
    before = page.evaluate(POINTS)
    page.locator(".asocia-step").click()
    _wait_points(page, before + 1)
    page.get_by_text("Last meeting: income").wait_for()
    assert page.locator(f'.asocia-net-box [data-firm="{firm}"] polygon').count() == 1  # the star
    PLAYED.update(firm=firm, step=before)


def test_download_csv(dash):
    page = dash
    firm, step = PLAYED["firm"], PLAYED["step"]
    with page.expect_download() as dl:
        page.locator(".v-btn", has_text="firms.csv").click()
    firms = pd.read_csv(io.BytesIO(Path(dl.value.path()).read_bytes()))
    row = firms[(firms["firm"] == firm) & (firms["step"] == step)]
    assert len(row) == 1 and row["commit"].iloc[0] == 0.0  # the move the person made
    with page.expect_download() as dl:
        page.locator(".v-btn", has_text="steps.csv").click()
    steps = pd.read_csv(io.BytesIO(Path(dl.value.path()).read_bytes()))
    assert len(steps) == 2 * (step + 1) and steps["step"].max() == step
    with page.expect_download() as dl:
        page.locator(".v-btn", has_text="scenario.toml").click()
    scenario = tomllib.loads(Path(dl.value.path()).read_text())
    assert scenario["run"]["steps"] == step + 1 and scenario["rules"]["decision"] == "consensus"


def test_presentation_mode_one_story_in_large_type(dash):
    page = dash
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.locator(".asocia-present-btn").click()
    page.locator(".asocia-story").first.wait_for()
    assert not page.locator(".asocia-side").is_visible()  # the parameters make room for the charts
    title = page.locator(".asocia-panel-title").first
    page.wait_for_function("() => parseFloat(getComputedStyle(document.querySelector('.asocia-panel-title'))"
                           ".fontSize) >= 26")
    page.locator(".asocia-story", has_text="Trust").click()  # one story: the trust panel alone
    page.wait_for_function("() => document.querySelectorAll('.asocia-panel-head').length === 1")
    assert "Trust within the group" in title.inner_text()
    shown = page.evaluate("() => document.querySelector('.js-plotly-plot').data.map(t => t.visible)")
    assert [i for i, v in enumerate(shown) if v is not False] == [5, 6, 7]
    assert page.evaluate("() => document.querySelector('.js-plotly-plot')._fullLayout.font.size") >= 20
    _fits(page)
    page.locator(".asocia-narrative").wait_for()
    page.locator(".asocia-story", has_text="network").click()
    page.locator(".asocia-net-box .asocia-node").first.wait_for()
    page.locator(".asocia-story", has_text="All panels").click()
    page.wait_for_function("() => document.querySelectorAll('.asocia-panel-head').length === 6")
    page.locator(".asocia-present-btn").click()
    page.locator(".asocia-side").wait_for()
    page.set_viewport_size({"width": 1600, "height": 1000})


def test_reload_keeps_the_run_and_a_closed_tab_stops(dash):
    page = dash
    page.locator(".asocia-lang button", has_text="EN").click()
    n = page.evaluate(POINTS)
    status = _status(page)
    assert f"Meeting {n} of 40" in status
    page.reload()
    page.wait_for_function(f"() => document.querySelector('.js-plotly-plot')?.data?.[4]?.x?.length === {n}")
    page.wait_for_function("() => document.querySelector('.asocia-status').innerText.includes('Meeting')")
    assert _status(page) == status  # same run, same meeting, same language
    # a second tab of the same browser gets a run of its own; closed while playing, it stops
    tab = page.context.new_page()
    tab.goto(page.url)
    tab.wait_for_selector(".asocia-play", timeout=60_000)
    tab.locator(".asocia-speed button").filter(has_text=re.compile(r"^\s*2\s*$")).click()
    tab.locator(".asocia-play").click()
    tab.wait_for_function("() => document.querySelector('.asocia-status').innerText.match(/Reunión [1-9]/)")
    tab.close()
    time.sleep(4)  # at 2 meetings a second a loop still running would now be 8 meetings further
    again = page.context.new_page()  # the same browser comes back: it finds the closed tab's run
    again.goto(page.url)
    again.wait_for_selector(".asocia-status", timeout=60_000)
    again.wait_for_function("() => document.querySelector('.asocia-status').innerText.match(/Reunión [0-9]+ de/)")
    played = int(re.search(r"Reunión (\d+) de", again.locator(".asocia-status").first.inner_text()).group(1))
    assert 1 <= played <= 6
    assert again.locator(".asocia-play").inner_text().strip().lower() == "reproducir"  # not playing
    again.close()


# the money panel (the figure's sixth): drawn across the figure's whole width, its title and legend
# below the timeline's axis title, the page and the table of figures no wider than the window
MONEY_LAYOUT = """() => {
  const g = document.querySelector('.js-plotly-plot'), fl = g._fullLayout;
  const box = g.getBoundingClientRect().width, plot = fl.width - fl.margin.l - fl.margin.r;
  const head = document.querySelectorAll('.asocia-panel-head')[5].getBoundingClientRect();
  const above = g.querySelector('.g-x5title').getBoundingClientRect();
  const wrap = document.querySelector('.asocia-money-scroll');
  return {fits: Math.abs(fl.width - box) < 3 && Math.abs(fl.xaxis6._length - plot) < 2,
          width: fl.width, plot: fl.xaxis6._length, clear: head.top >= above.bottom - 1,
          table: wrap.scrollWidth <= wrap.clientWidth + 1,
          page: document.documentElement.scrollWidth <= window.innerWidth};
}"""


def _shot(page, name: str) -> None:
    """Screenshots of the money chart and its table when ASOCIA_SHOTS names a folder (not in the repository)."""
    import os

    folder = os.environ.get("ASOCIA_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for what, selector in (("chart", ".asocia-panel-head >> nth=5"), ("table", ".asocia-money")):
        page.locator(selector).evaluate("e => e.scrollIntoView({block: 'center'})")
        time.sleep(0.6)
        page.screenshot(path=str(Path(folder) / f"{name}-{what}.png"))


def test_programme_money_panel_at_three_sizes(dash, folder):
    page = dash
    page.locator(".asocia-lang button", has_text="ES").click()
    _select(page, "asocia-scenario", "short_programme.toml")
    page.wait_for_function("() => document.querySelector('.asocia-status').innerText.includes('Reunión 0 de 70')")
    money_card = page.locator(".asocia-money")
    assert "ninguna reunión jugada" in money_card.inner_text()
    page.locator(".asocia-speed button").filter(has_text=re.compile(r"^\s*50\s*$")).click()
    page.locator(".asocia-play").click()
    _wait_points(page, 70)  # to the horizon, where it stops
    page.wait_for_function("() => document.querySelector('.asocia-money').innerText.includes('reunión 70')")
    # the figures are the run's (same file, same seed), as the panel computes them from its steps table
    from dashboards import money

    sc = sim.load_scenario(folder / "short_programme.toml")
    steps = sim.run(sc).steps
    table = ("() => [...document.querySelectorAll('.asocia-money-table tbody tr')]"
             ".map(r => [...r.querySelectorAll('td')].map(td => td.innerText.trim()))")
    _select(page, "asocia-group", "Grupo 2")  # one group (the table's group 1): its own account
    page.locator(".asocia-money", has_text="Grupo 2").wait_for()
    one = money.money_summary(steps, sc, sel=1)
    assert page.evaluate(table) == [[money.cell(c, row, "es", one_group=True) for c in one["cols"]]
                                    for row in money.ROWS]
    assert page.evaluate(table)[0][0] in ("sí", "disuelto")
    _select(page, "asocia-group", "Todos los grupos")
    page.wait_for_function("() => document.querySelector('.asocia-money-table td').innerText.includes('/')")
    summ = money.money_summary(steps, sc)
    assert [c["meeting"] for c in summ["cols"]] == [70, 16, 68] and all(c["state"] == "ok" for c in summ["cols"])
    assert page.evaluate(table) == [[money.cell(c, row, "es") for c in summ["cols"]] for row in money.ROWS]
    legend = page.locator(".asocia-panel-head").nth(5).inner_text()
    assert "fin del programa (reunión 16)" in legend and "dos años después (reunión 68)" in legend
    x = page.evaluate("() => document.querySelector('.js-plotly-plot').layout.shapes.map(s => s.x0)")
    assert 16.5 in x and 68 in x  # the programme's end marked after its last meeting
    y = page.evaluate("() => document.querySelector('.js-plotly-plot').data[27].y")
    assert y[-1] == pytest.approx(summ["paid"]) and len(y) == 70  # programme money per group, cumulated
    for width, height in ((1920, 1080), (1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        time.sleep(0.6)
        _fits(page)
        page.wait_for_function(f"() => ({MONEY_LAYOUT})().fits", timeout=10_000)
        layout = page.evaluate(MONEY_LAYOUT)
        assert layout["clear"] and layout["table"] and layout["page"], (width, layout)
        # the figure takes the run column: the whole window's width once the parameters go below it
        assert layout["width"] >= (0.9 if width < 1100 else 0.7) * width, (width, layout)
        assert money_card.is_visible()
        _shot(page, f"es-{width}x{height}")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.locator(".asocia-lang button", has_text="EN").click()
    page.get_by_text("Programme money: cost and cost-effectiveness").wait_for()
    assert "Two years after" in money_card.inner_text() and "meeting 68" in money_card.inner_text()
    page.wait_for_function(f"() => ({MONEY_LAYOUT})().fits", timeout=10_000)
    _shot(page, "en-1920x1080")
    page.set_viewport_size({"width": 1600, "height": 1000})


LOG_FILTERS = """() => {
  const f = document.querySelector('.asocia-log-firm'), k = document.querySelector('.asocia-log-kind');
  const label = f.querySelector('label'), chosen = k.querySelector('.v-select__selection');
  const log = document.querySelector('.asocia-log').getBoundingClientRect();
  return {label: label.innerText, cut: label.scrollWidth - label.clientWidth, chosen: chosen.innerText,
          chosenCut: chosen.scrollWidth - chosen.clientWidth, kindRight: k.getBoundingClientRect().right,
          logRight: log.right, sideways: document.documentElement.scrollWidth - window.innerWidth}; }"""


@pytest.mark.parametrize("lang", ["es", "en"])
def test_log_filters_show_their_whole_label_on_a_laptop_and_a_phone(dash, lang):
    # a laptop (1366 x 768) showed the firm box's label as "Número de e…"
    page = dash
    page.locator(".asocia-lang button", has_text=lang.upper()).click()
    want = {"es": ("Empresa n.º", "todos los tipos"), "en": ("Firm no.", "all kinds")}[lang]
    page.locator(".asocia-log-firm label", has_text=want[0]).wait_for()
    for width, height in ((1920, 1080), (1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        time.sleep(0.6)
        box = page.evaluate(LOG_FILTERS)
        assert (box["label"], box["chosen"]) == want, (width, box)
        assert box["cut"] <= 0 and box["chosenCut"] <= 0, (width, box)   # nothing ends in "…"
        assert box["kindRight"] <= box["logRight"] + 1 and box["sideways"] <= 0, (width, box)
    page.set_viewport_size({"width": 1600, "height": 1000})
