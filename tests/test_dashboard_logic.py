"""The dashboard's logic without a browser: scenario building, the live run, charts' series."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
import sim.model.scenario  # noqa: E402  (sim loads its modules lazily)
from dashboards import compare as cmp  # noqa: E402
from dashboards import i18n, money  # noqa: E402
from dashboards.charts import (  # noqa: E402
    COPAY,
    CUMULATIVE,
    FACIL,
    MONEY,
    N_LINES,
    N_TRACES,
    RunCharts,
    chunk_series,
    network_svg,
)
from dashboards.session import Session, build_scenario, list_scenarios  # noqa: E402
from sim.model import programme  # noqa: E402

ASOCIA = str(Path(sys.executable).with_name("asocia"))


@pytest.fixture()
def folder(tmp_path):
    """A scenario folder with the baseline shortened to 30 meetings and 2 groups."""
    d = tmp_path / "scenarios"
    d.mkdir()
    text = (ROOT / "scenarios" / "baseline.toml").read_text()
    base = sim.model.scenario.from_dict(__import__("tomllib").loads(text), "x")
    short = base.replace({"run.steps": 30, "population.groups": 2})
    (d / "baseline.toml").write_text(short.to_toml())
    return d


def _cli(*args, cwd):
    return subprocess.run([ASOCIA, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_scenario_folder_is_read_at_runtime(folder):
    assert list_scenarios(folder) == ["baseline.toml"]
    shutil.copy(folder / "baseline.toml", folder / "another.toml")
    assert list_scenarios(folder) == ["another.toml", "baseline.toml"]
    assert "baseline.toml" in list_scenarios(ROOT / "scenarios")


def test_dashboard_run_equals_cli_run_with_same_seed(folder, tmp_path):
    """Seed typed as text, played meeting by meeting, downloaded: same tables as `asocia run`."""
    s = Session(folder=folder)
    assert s.edit("run.seed", " 42 ") is None
    assert s.edit("rules.monitoring", 0.6) is None
    assert s.apply()
    assert s.scenario.run.seed == 42
    while not s.done():
        s.advance(7)
    assert s.t == 30
    out = tmp_path / "cli"
    r = _cli("run", str(folder / "baseline.toml"), "--seed", "42", "--set", "rules.monitoring=0.6",
             "--out", str(out), "--csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    compared = 0
    for table in ("steps", "events", "firms"):
        mine = pd.read_csv(__import__("io").BytesIO(s.table_csv(table)))
        theirs = pd.read_csv(out / f"{table}.csv")
        pd.testing.assert_frame_equal(mine, theirs)
        compared += len(mine)
    assert compared > 30 * 2 * 8  # the firms table alone has 8+ rows per group-meeting


def test_exported_toml_reruns_the_run_on_screen(folder, tmp_path):
    s = Session(folder=folder)
    s.edit("sanctions.enabled", False)
    s.apply()
    s.advance(12)
    path = tmp_path / "scenario.toml"
    path.write_text(s.scenario_toml())
    again = sim.run(sim.load_scenario(path))
    pd.testing.assert_frame_equal(again.steps, s.results().steps)
    assert len(again.steps) == 12 * 2


def test_invalid_edit_gives_the_cli_message_and_keeps_the_run(folder, tmp_path):
    s = Session(folder=folder)
    s.advance(5)
    before = s.live
    error = s.edit("facilitator.taper_from", 80)
    assert error is not None and "taper_from" in error and str(folder / "baseline.toml") in error
    assert not s.apply()
    assert s.live is before and s.t == 5
    r = _cli("run", str(folder / "baseline.toml"), "--set", "facilitator.taper_from=80", cwd=tmp_path)
    assert r.returncode == 2
    assert error in r.stderr
    with pytest.raises(sim.ScenarioError, match="not a seed"):
        build_scenario(folder / "baseline.toml", {}, "seven")


def test_pending_counts_changes_and_reset_keeps_parameters(folder):
    s = Session(folder=folder)
    assert s.pending() == 0
    s.edit("rules.decision", "consensus")
    s.edit("run.seed", "5")
    assert s.pending() == 2
    s.apply()
    assert s.pending() == 0
    s.advance(4)
    s.restart()
    assert s.t == 0 and s.scenario.rules.decision == "consensus" and s.scenario.run.seed == 5


def test_incremental_series_equal_a_full_rebuild(folder):
    s = Session(folder=folder)
    for sel in (None, 1):
        s.restart()
        live = RunCharts("en")
        live.rebuild(s, sel)
        for n in (1, 3, 2, 10, 4):
            live.extend(s.advance(n), s.groups)
        full = RunCharts("en")
        full.rebuild(s, sel)
        assert live.x.tolist() == list(range(1, 21))
        np.testing.assert_allclose(live.lines, full.lines, equal_nan=True)
        np.testing.assert_array_equal(live.phase, full.phase)
        assert all(np.all(np.diff(live.lines[i]) >= 0) for i in CUMULATIVE)


def test_push_sends_every_trace_to_the_widget_in_one_update(folder):
    import plotly.graph_objects as go

    s = Session(folder=folder)
    charts = RunCharts("en")
    charts.rebuild(s, None)
    widget = go.FigureWidget(charts.figure())
    charts.attach(widget)
    charts.extend(s.advance(5), s.groups)
    edits = widget._last_trace_edit_id
    charts.push()
    assert widget._last_trace_edit_id == edits + 1  # one message for all traces
    assert len(widget.data) == N_TRACES == 29
    for i in range(N_LINES):
        np.testing.assert_array_equal(widget.data[i].x, charts.x)
        np.testing.assert_array_equal(widget.data[i].y, charts.lines[i])  # NaN stays NaN: a gap
    assert np.asarray(widget.data[FACIL].customdata).tolist() == charts.fac[0].tolist()
    phases = np.concatenate([np.asarray(widget.data[20 + p].y, float) for p in range(5)])
    assert set(phases[~np.isnan(phases)].tolist()) == {0.0, 1.0}  # one band row per group


def test_titles_and_legends_are_html_in_both_languages(folder):
    s = Session(folder=folder)
    charts = RunCharts("en")
    charts.rebuild(s, None)
    assert charts.figure().layout.showlegend is False and not charts.figure().layout.annotations
    for lang in ("en", "es"):
        html = charts.legend_html(lang)
        assert html.count('class="asocia-panel-head"') == 6
        for key in ("ch_coop", "ch_trust", "ch_members", "ch_income", "ch_timeline", "ch_money", "trust_mean",
                    "trust_range", "members", "entries", "exits", "expulsions", "dissolved", "all",
                    "money_programme", "money_copay"):
            assert i18n.tr(key, lang) in html, key
        assert all(label in html for label in i18n.PROFILE_LABELS.values())

    for sel in (None, 1):
        charts.rebuild(s, sel)
        tops = [int(part.split("px", 1)[0]) for part in charts.legend_html().split("top:")[1:]]
        h = charts.figure().layout.height
        # coop and trust side by side on top, members and income below, then the timeline, then the money
        assert tops[0] == tops[1] < tops[2] == tops[3] < tops[4] < tops[5] < h - 100


def test_series_match_the_steps_table(folder):
    s = Session(folder=folder)
    s.advance(20)
    steps = s.steps_table()
    ser = chunk_series(steps, s.profiles, s.groups, 0)
    g0 = steps[steps["group"] == 0]
    np.testing.assert_allclose(ser["lines"][8], g0["members"])           # members
    np.testing.assert_allclose(ser["lines"][4], g0["cooperation"], atol=1e-9)  # all firms
    assert ser["lines"].shape == (N_LINES, 20)


def test_a_person_plays_a_firm(folder):
    s = Session(folder=folder)
    s.advance(5)  # joint purchases are open from meeting 4 on
    firm, _ = s.members(0)[0]
    manual = s.take_control(firm)
    manual.commit = 0.0
    s.advance(1)
    firms = s.results().firms
    row = firms[(firms["firm"] == firm) & (firms["step"] == 5)]
    assert len(row) == 1 and float(row["commit"].iloc[0]) == 0.0
    manual.commit = 1.0
    s.advance(1)
    firms = s.results().firms
    assert float(firms[(firms["firm"] == firm) & (firms["step"] == 6)]["commit"].iloc[0]) == 1.0
    assert f'data-firm="{firm}"' in network_svg(s, 0, "es", firm)
    s.release()
    assert firm not in s.live.model.deciders


def test_every_text_exists_in_both_languages_and_profiles_stay_spanish():
    for key in i18n.keys():
        en, es = i18n.tr(key, "en"), i18n.tr(key, "es")
        assert en and es
    for p in sim.model.scenario.params():
        assert p.en and p.es, p.key
    assert i18n.PROFILE_LABELS["solido"] == "sólido ciudadano"
    assert set(i18n.KINDS) == set(__import__("sim.model.recorder", fromlist=["x"]).EVENT_KINDS.values())


def test_replicated_comparison_uses_replication_seeds(folder):
    a = sim.load_scenario(folder / "baseline.toml").replace({"run.steps": 15})
    b = cmp.build_b(a, {"rules.monitoring": 0.0, "sanctions.enabled": False}, "B")
    seeds, series, summaries = cmp.run_replicated(a, b, 3, 3)
    assert seeds == sim.results.seeds.replication_seeds(3, 3)
    assert len(series["A"]) == len(series["B"]) == 3
    direct = sim.run(a, seed=seeds[1]).summary()
    assert summaries["A"][1] == pytest.approx(direct, nan_ok=True)
    mean, lo, hi = cmp.t_band(np.array([[1.0], [2.0], [3.0]]))
    assert mean[0] == 2.0 and lo[0] < 2.0 < hi[0]
    table = cmp.outcome_table(summaries, "es", series)
    assert list(table.columns) == ["Resultado", "A", "B", "B - A [intervalo del 95 %]", "Veredicto"]
    assert len(table) == len(cmp.OUTCOMES)
    with pytest.raises(sim.ScenarioError, match="rules.monitoring"):
        cmp.build_b(a, {"rules.monitoring": 3.0}, "B")


def test_downloads_before_the_first_meeting_do_not_break(folder):
    """Issue 16.1: a table download at meeting 0 (also after Reset or Apply) gives no traceback."""
    s = Session(folder=folder)
    for reset in ("start", "restart", "apply"):
        if reset == "restart":
            s.advance(2)
            s.restart()
        elif reset == "apply":
            s.advance(1)
            s.edit("rules.monitoring", 0.6)
            assert s.apply()
        assert s.t == 0
        for table in ("steps", "events", "firms", "runs"):
            assert s.table_csv(table) == b""
        assert s.zip_bytes() == b""
        assert "[run]" in s.scenario_toml()
    s.advance(1)
    assert len(s.table_csv("steps").decode().splitlines()) == 1 + s.groups
    assert s.download_name() == f"{s.scenario.meta.name}-{s.scenario.run.seed}"


def test_typed_numbers_decimal_comma_and_errors_at_the_field(folder):
    s = Session(folder=folder)
    assert s.edit_text("rules.monitoring", "0,35", "es") is None  # the decimal comma, in Spanish
    assert s.value("rules.monitoring") == 0.35 and not s.blocked()
    assert s.edit_text("sanctions.fine", "1,5", "en") is not None  # not a number in English
    err = s.edit_text("sanctions.fine", "mucho", "es")
    assert err is not None and s.blocked() and s.raw["sanctions.fine"] == "mucho"
    assert s.errors_at("sanctions.fine") == err and s.errors_at("rules.monitoring") is None
    assert not s.apply()
    shown = i18n.explain_error(err, "es", sim.model.scenario.param)
    assert str(folder) not in shown and "Multa" in shown and "se permite" in shown
    assert s.edit_text("sanctions.fine", "7,5", "es") is None and not s.blocked()
    # a combination error is shown at both fields it names, in Spanish, without the file path
    assert s.edit_text("facilitator.taper_from", "80", "es") is not None
    assert s.errors_at("facilitator.taper_from") == s.errors_at("facilitator.exit_at") == s.error
    shown = i18n.explain_error(s.error, "es", sim.model.scenario.param)
    assert shown.startswith("«Inicio de la reducción") and "posterior" in shown and "allowed" not in shown
    s.revert()
    assert not s.blocked() and s.edits == {} and s.raw == {}


def test_an_unknown_key_in_a_message_is_shown_as_written(folder):
    """A file with a mistyped key: the loader's message is explained, not turned into a second error."""
    text = (folder / "baseline.toml").read_text().replace("monitoring =", "monitorin =", 1)
    (folder / "typo.toml").write_text(text)
    with pytest.raises(sim.ScenarioError) as caught:
        sim.load_scenario(folder / "typo.toml")
    message = str(caught.value)
    assert "'rules.monitorin'" in message and "'rules.monitoring'" in message
    es = i18n.explain_error(message, "es", sim.model.scenario.param)
    en = i18n.explain_error(message, "en", sim.model.scenario.param)
    # the mistyped key as written; the suggestion as the key to type and its label
    assert es.startswith("clave desconocida 'rules.monitorin' (¿quiso decir 'rules.monitoring' («Control")
    assert en.startswith("unknown key 'rules.monitorin' (did you mean 'rules.monitoring' («Monitoring")
    assert "se permite en [rules]" in es and str(folder) not in es + en
    # a value message and an experiment file's message naming keys the schema does not have
    param = sim.model.scenario.param
    value = "key 'rules.nope' got 3; allowed: a number from 0 to 1"
    assert i18n.explain_error(f"f.toml: {value}", "en", param) == value
    experiment = "f.toml: unknown key 'experiment.repz'; allowed: reps, seeds"
    assert i18n.explain_error(experiment, "es", param) == "clave desconocida 'experiment.repz'; se permite: reps, seeds"


def test_groups_are_numbered_from_1_on_the_page_and_from_0_in_the_tables(folder):
    """Labels and sentences say "Grupo 1" for the tables' group 0; the ``group`` column stays 0-based."""
    assert i18n.group_label(0, "es") == "Grupo 1" and i18n.group_label(1, "en") == "Group 2"
    events = sim.run(sim.load_scenario(folder / "baseline.toml")).events
    phases = events[(events["kind"] == "phase") & (events["group"] == 0)]
    assert len(phases) and phases["message_es"].str.startswith("El grupo 1 entra en la fase").all()
    assert phases["message"].str.startswith("Group 1 enters phase").all()
    es, en = i18n.event_sentences(phases, "es"), i18n.event_sentences(phases, "en")
    # the page's sentences are the table's: one numbering wherever a person reads it
    assert es == list(phases["message_es"]) and en == list(phases["message"])
    assert i18n.event_sentences(events.iloc[:0], "es") == []


def test_spanish_page_text_has_no_english_left():
    """Scenario descriptions, source glosses and choices have Spanish text for every shipped value."""
    for path in (ROOT / "scenarios").glob("*.toml"):
        desc = sim.load_scenario(path).meta.description
        assert i18n.scenario_description(desc, "es") != desc, path.name
    english = {"the", "and", "of", "with", "others", "when", "after", "about", "per", "only", "firms", "years",
               "months", "once", "see", "ready", "then", "by", "being", "give", "gets", "works", "hired", "choice",
               "value", "learning", "between", "issue", "shares", "rules", "item", "unspecified", "fortnightly"}
    for p in sim.model.scenario.params():
        text = i18n.source_label(p.src, "es")
        assert not set(re.findall(r"[A-Za-z]+", text)) & english, (p.key, text)
        assert "allowed" not in i18n.allowed(p, "es")
    assert i18n.fmt_number(0.238, "es") == "0,238" and i18n.parse_number("1,5", "es") == "1.5"
    for p in sim.model.scenario.params():  # every unit and choice has its Spanish word
        assert not p.unit or p.unit in i18n.UNITS, (p.key, p.unit)
        assert all(c in i18n.CHOICES for c in p.choices or ()), p.key


def test_dissolved_groups_do_not_lift_pooled_trust(folder):
    """A group that dissolves counts as trust 0 in the all-groups line, the status and Compare."""
    from dashboards.charts import TRUST, TRUST_LO

    s = Session(folder=folder)
    chunk = s.advance(3)
    steps = chunk.steps.copy()
    before = chunk_series(steps, chunk.profiles, 2, None)["lines"][TRUST]
    low = steps["group"] == 1
    steps.loc[low, "alive"] = False  # group 1 dissolved: its members' trust no longer counts
    after = chunk_series(steps, chunk.profiles, 2, None)["lines"][TRUST]
    t0 = steps.loc[~low, "trust"].to_numpy()
    np.testing.assert_allclose(after, t0 / 2)
    assert (after < before).all() and (after < t0).all()
    assert (chunk_series(steps, chunk.profiles, 2, None)["lines"][TRUST_LO] == 0).all()
    np.testing.assert_allclose(cmp.aggregate(steps)["trust"].to_numpy(), t0 / 2)


def test_compare_verdict_difference_interval_and_shares():
    """The verdict: paired B - A with a t-interval, shares in percent, the better side named."""
    def summ(survival, trust, exits):
        keys = dict.fromkeys(cmp.OUTCOMES, 1.0)
        return [dict(keys, survival=s_, trust=t_, exits=e_) for s_, t_, e_ in zip(survival, trust, exits, strict=True)]
    a = summ([0.5, 0.6, 0.55, 0.5], [0.5, 0.5, 0.5, 0.5], [3, 2, 4, 3])
    b = summ([0.8, 0.9, 0.85, 0.9], [0.5, 0.6, 0.4, 0.5], [1, 1, 2, 1])
    rows, sentence = cmp.verdict({"A": a, "B": b}, "es")
    by = {r["key"]: r for r in rows}
    assert by["survival"]["A"].startswith("54 %") and by["survival"]["diff"].startswith("+32 pp [")
    assert by["survival"]["better"] == 1 and by["survival"]["verdict"] == "mejor B"
    # a share near 100 %: its t-interval (77 % to 107 % here) is shown cut at 100 %
    near = summ([1.0, 1.0, 1.0, 2 / 3], [0.5] * 4, [1] * 4)
    shown = {r["key"]: r for r in cmp.verdict({"A": near, "B": near}, "es")[0]}["survival"]["A"]
    assert shown.startswith("92 % [") and shown.endswith("; 100]"), shown
    assert by["exits"]["better"] == 1  # fewer exits is better
    assert by["trust"]["better"] == 0 and by["trust"]["verdict"] == "sin diferencia clara"
    assert sentence.startswith("En 4 semillas") and "B hace mejor en" in sentence and "A hace mejor" not in sentence
    rows, sentence = cmp.verdict({"A": a[:1], "B": b[:1]}, "en")
    assert "replicated" in sentence and all(r["verdict"] == "" for r in rows)
    html_ = cmp.verdict_html({"A": a, "B": b}, "es")
    assert html_.count("asocia-b-better") == 2 and "0.57" not in html_
    assert cmp.describe_changes({"sanctions.enabled": False, "rules.monitoring": 0.25}, "es") == (
        "Sanciones = no · " + i18n.param_label(sim.model.scenario.param("rules.monitoring"), "es") + " = 0,25")


def test_parking_keeps_a_run_across_a_reload_and_lets_closed_ones_go():
    from dashboards.parking import Parking

    connected, alive = {"k1": True}, {"k1": True}
    park = Parking(ttl=0.2, connected=lambda k: connected.get(k, False), alive=lambda k: alive.get(k, False))
    a, adopted = park.claim("browser", "k1", object)
    assert not adopted and park.owns(a, "k1")
    b, adopted = park.claim("browser", "k2", object)  # a second tab while the first is open: its own run
    assert not adopted and b is not a
    connected["k2"] = alive["k2"] = True
    connected["k1"] = False  # the first tab reloads: its kernel has no page any more
    alive["k3"] = True
    c, adopted = park.claim("browser", "k3", object)
    assert adopted and c is a and park.owns(a, "k3") and not park.owns(a, "k1")  # the old loop stops
    assert not park.active(a, "k3")  # no page connected yet: a loop would pause
    connected["k3"] = True
    assert park.active(a, "k3")
    d, adopted = park.claim("other browser", "k4", object)
    assert not adopted and d is not a
    alive.update(k3=False, k4=False)  # tabs closed for good: kept for ttl, then let go
    assert park.reap() == 0 and len(park) == 3
    import time

    time.sleep(0.25)
    assert park.reap() == 2 and len(park) == 1 and not park.owns(a, "k3")


# ---------------------------------------------------------------------- the programme's money
@pytest.fixture(scope="module")
def money_folder(tmp_path_factory):
    """The baseline with 3 groups over 110 meetings: its programme ends at meeting 52 and 2 years after is 104."""
    d = tmp_path_factory.mktemp("money")
    base = sim.load_scenario(ROOT / "scenarios" / "baseline.toml").replace({"run.steps": 110, "population.groups": 3,
                                                                           "run.seed": 4})
    (d / "baseline.toml").write_text(base.to_toml())
    return d


def test_money_summary_is_read_from_the_steps_table_and_equals_the_runs_outcomes(money_folder):
    s = Session(folder=money_folder)
    assert money.programme_last_meeting(s.scenario) == 52
    s.advance(30)
    summ = money.money_summary(s.steps_table(), s.scenario)
    now, end, after = summ["cols"]
    assert (now["state"], end["state"], after["state"]) == ("ok", "later", "later")
    assert (now["meeting"], end["meeting"], after["meeting"]) == (30, 52, 104)
    steps = s.steps_table()
    # by hand, with pandas: programme money and co-payment over meetings 1-30, per group founded
    assert now["paid"] == pytest.approx(steps["programme_cost"].sum() / 3)
    assert now["copay"] == pytest.approx(steps["facilitator_copay"].sum() / 3)
    assert now["left"] == pytest.approx(steps.loc[steps["step"] == 29, "programme_left"].sum() / 3)
    assert now["paid"] + now["left"] == pytest.approx(700)  # no subsidies: the budget is paid or left
    assert 0 < now["copay"] < now["paid"]  # members pay a share from meeting 13, never more than half
    last = steps[steps["step"] == 29]
    assert now["groups_alive"] == last["alive"].sum()
    assert now["cost_per_group"] == pytest.approx(steps["programme_cost"].sum() / last["alive"].sum())
    year = steps[(steps["step"] > 3) & steps["alive"]]
    gain = (year["income_members"] * year["members"]).sum() / (year["income_alone"] * year["members"]).sum() - 1
    assert now["income_gain"] == pytest.approx(gain)
    gaining = steps["alive"] & (steps["income_members"] > steps["income_alone"])
    member_years = (steps["members"] * gaining).sum() / 26
    assert now["cost_per_member_year"] == pytest.approx(steps["programme_cost"].sum() / member_years)
    s.advance(80)  # the whole horizon: the figures at the programme's end and after are the runs table's
    summ = money.money_summary(s.steps_table(), s.scenario)
    now, end, after = summ["cols"]
    assert (now["state"], end["state"], after["state"]) == ("ok", "ok", "ok")
    runs = s.results().runs.iloc[0]
    for col, moment in ((end, "end"), (after, "2y")):
        assert col["alive"] == runs[f"outcome.alive_{moment}"]
        assert col["cost_per_group"] == pytest.approx(runs[f"outcome.cost_per_group_{moment}"])
        assert col["cost_per_member_year"] == pytest.approx(runs[f"outcome.cost_per_member_year_{moment}"])
    assert now["paid"] == pytest.approx(runs["outcome.programme_cost"])
    assert now["copay"] == pytest.approx(runs["outcome.facilitator_copay"])
    assert end["paid"] == pytest.approx(after["paid"])  # nothing paid after the programme's end
    assert end["cost_per_member_year"] > after["cost_per_member_year"]  # two more years of gains, same money
    # one group: its own account, the same as the runs table's figures on its own steps
    one = money.money_summary(s.steps_table(), s.scenario, sel=2)
    g2 = s.steps_table()[s.steps_table()["group"] == 2]
    ref = programme.outcomes(g2, 52)
    assert one["groups"] == 1 and one["cols"][2]["alive"] == ref["alive_2y"]
    assert one["cols"][2]["cost_per_group"] == pytest.approx(ref["cost_per_group_2y"], nan_ok=True)
    assert one["paid"] == pytest.approx(g2["programme_cost"].sum())


def test_money_moments_beyond_the_horizon_and_without_a_programme(money_folder):
    s = Session(folder=money_folder)
    s.edit("run.steps", 60)
    assert s.apply()
    s.advance(60)
    cols = money.money_summary(s.steps_table(), s.scenario)["cols"]
    assert [c["state"] for c in cols] == ["ok", "ok", "beyond"]
    html_ = money.money_html(money.money_summary(s.steps_table(), s.scenario), "es")
    assert "después del horizonte" in html_ and "reunión 104" in html_
    s.edit("facilitator.schedule", "none")
    assert s.apply()
    summ = money.money_summary(s.steps_table(), s.scenario)
    assert summ["end"] is None and [c["state"] for c in summ["cols"]] == ["none", "none", "none"]
    s.advance(3)
    summ = money.money_summary(s.steps_table(), s.scenario)
    assert summ["cols"][0]["paid"] == 0 and summ["cols"][0]["state"] == "ok"
    assert i18n.tr("money_no_end", "es") in money.money_html(summ, "es")


def test_money_panel_in_both_languages(money_folder):
    s = Session(folder=money_folder)
    s.advance(60)
    summ = money.money_summary(s.steps_table(), s.scenario)
    es, en = money.money_html(summ, "es"), money.money_html(summ, "en")
    for key in ("money_now", "money_end", "money_2y", "money_later", "money_note", *(f"money_row_{r}" for r in
                                                                                      money.ROWS)):
        assert html_text(i18n.tr(key, "es")) in es and html_text(i18n.tr(key, "en")) in en, key
    english = {"the", "and", "of", "per", "group", "groups", "alive", "money", "paid", "left", "members", "meeting",
               "income", "alone", "gain", "budget", "now", "end", "two", "years", "after", "programme", "not", "yet"}
    words = set(re.findall(r"[A-Za-z]+", re.sub(r"<[^>]+>", " ", es)))
    assert not words & english, sorted(words & english)
    assert "2\u202f100" in es and "2,100" in en  # the budget of 3 groups; thousands never break a line
    paid = summ["cols"][0]["paid"]
    assert f"{paid:.0f}" in en and f">{summ['cols'][0]['cost_per_member_year']:.1f}".replace(".", ",") in es
    assert "<td>–</td>" in es  # two years after is not played yet
    one = money.money_html(money.money_summary(s.steps_table(), s.scenario, sel=0), "es", one_group=True)
    assert i18n.tr("money_row_alive_one", "es") in one and "Presupuesto de este grupo" in one


def html_text(text: str) -> str:
    import html as html_mod

    return html_mod.escape(text)


def test_money_chart_follows_the_run_and_marks_the_programme(money_folder):
    import plotly.graph_objects as go

    s = Session(folder=money_folder)
    for sel in (None, 1):
        s.restart()
        live = RunCharts("es")
        live.rebuild(s, sel)
        for n in (5, 20, 40, 1):
            live.extend(s.advance(n), s.groups)
        full = RunCharts("es")
        full.rebuild(s, sel)
        np.testing.assert_allclose(live.money, full.money)
        steps = s.steps_table()
        part = steps if sel is None else steps[steps["group"] == sel]
        per = 3 if sel is None else 1
        cost = part.groupby("step")["programme_cost"].sum().cumsum().to_numpy() / per
        copay = part.groupby("step")["facilitator_copay"].sum().cumsum().to_numpy() / per
        np.testing.assert_allclose(live.money[0], cost)
        np.testing.assert_allclose(live.money[1], copay)
        assert np.all(np.diff(live.money, axis=1) >= 0) and live.money[0, -1] <= 700 + 1e-9
    widget = go.FigureWidget(live.figure())
    live.attach(widget)
    live.extend(s.advance(3), s.groups)
    live.push()
    np.testing.assert_array_equal(widget.data[MONEY].y, live.money[0])
    np.testing.assert_array_equal(widget.data[COPAY].y, live.money[1])
    marks = {(sh.xref, sh.yref): sh for sh in live.figure().layout.shapes}
    assert marks[("x6 domain", "y6")].y0 == 700  # the budget
    # the programme's end, after its last meeting (52), and two years after (meeting 104)
    assert [sh.x0 for sh in live.figure().layout.shapes if sh.xref == "x6"] == [52.5, 104]
    top = live.figure().layout.yaxis6.range[1]  # fixed: the budget line clear of the top edge, no line above it
    assert top == pytest.approx(1.12 * 700) and live.money.max() < top
    legend = live.legend_html("es")
    assert "fin del programa (reunión 52)" in legend and "dos años después (reunión 104)" in legend
    assert "presupuesto 700" in legend
    live.set_view(width=600)  # a phone: six panels stacked, the money panel last
    heights, domains = live.geometry()
    assert [d[0] for d in domains] == [[0.0, 1.0]] * 6 and domains[5][1][0] == 0.0
    live.set_view(width=1400, big=True, story=5)  # presenting the money alone
    assert [i for i, v in enumerate(live.visible()) if v] == [MONEY, COPAY]
    assert all(sh.visible for sh in live.figure().layout.shapes)
    live.set_view(story=1)
    assert not any(sh.visible for sh in live.figure().layout.shapes)
