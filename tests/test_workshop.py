"""The workshop session's state machine, without a browser: seating, decisions, timer, vote, restart."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest
from workshop_scenes import expulsion_scene

import sim
from sim.model import AsociaModel
from sim.workshop import vote
from sim.workshop.workshop import DEFAULT, Registry, Settings, Workshop, WorkshopError


@pytest.fixture
def scenario():
    """A short workshop: joint purchase from the first meeting, reglamento voted at meeting 2."""
    return sim.load_scenario("scenarios/baseline.toml", {"lifecycle.phase2_at": 0, "rules.adopt_at": 2,
                                                         "run.steps": 10})


def make(tmp_path, scenario, **kw):
    return Workshop.create(tmp_path, scenario, Settings(**{"groups": 2, "seats": 3, **kw}))


def test_join_balances_groups_and_refuses_when_full(tmp_path, scenario):
    ws = make(tmp_path, scenario)
    people = [ws.join(f"P{i}") for i in range(6)]
    assert [p.seat for p in people] == [(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2)]
    with pytest.raises(WorkshopError) as e:
        ws.join("late")
    assert e.value.key == "full"
    with pytest.raises(WorkshopError) as e:
        ws.join("   ")
    assert e.value.key == "name_empty"
    assert len({p.token for p in people}) == 6


def test_decisions_drive_the_firms_and_undecided_seats_play_the_default(tmp_path, scenario):
    ws = make(tmp_path, scenario, idle_rounds=0)
    a, b, c = ws.join("Ana"), ws.join("Beto"), ws.join("Caro")
    ws.open_round()
    ws.decide(a.token, {"purchase": "none"})
    ws.decide(b.token, {"purchase": "secret", "lead": "quiet"})
    ws.close_round()
    firms = ws.firm_rows[0][0]
    fa, fc = ws.seat_firm[a.seat], ws.seat_firm[c.seat]
    assert firms.at[fa, "commit"] == 0.0
    assert firms.at[fc, "commit"] == 1.0 and firms.at[fc, "renege"] == 0.0  # default: all in
    fb = ws.firm_rows[1][0].loc[ws.seat_firm[b.seat]]
    assert (fb["commit"], fb["renege"]) == (1.0, 1.0)  # committed, then bought privately
    r = ws.rounds[0]
    assert set(r["decided"]) == {a.pid, b.pid} and r["defaulted"] == [c.pid]
    assert ws.participants[c.pid].last == DEFAULT
    # next meeting Ana does not decide: she repeats her last decision
    ws.open_round()
    ws.close_round()
    assert ws.firm_rows[0][1].at[fa, "commit"] == 0.0


def test_cannot_decide_when_closed_or_with_bad_choice(tmp_path, scenario):
    ws = make(tmp_path, scenario)
    a = ws.join("Ana")
    with pytest.raises(WorkshopError, match="no meeting is open"):
        ws.decide(a.token, {})
    ws.open_round()
    with pytest.raises(WorkshopError, match="allowed: all, half, none, secret"):
        ws.decide(a.token, {"purchase": "lots"})
    with pytest.raises(WorkshopError) as e:
        ws.decide("not-a-token", {})
    assert e.value.key == "unknown"


def test_idle_participant_is_replaced_by_the_profile_and_the_seat_freed(tmp_path, scenario):
    ws = make(tmp_path, scenario, idle_rounds=2)
    a = ws.join("Ana")
    for _ in range(2):
        ws.open_round()
        ws.close_round()
    assert a.seat is None
    assert ("leave_idle" in [k for _, k, _ in ws.log])
    late = ws.join("Tarde")
    assert late.seat == (0, 0)  # the late joiner takes the freed seat
    ws.reseat(a.token)
    assert a.seat == (1, 0)


def test_vote_rules():
    quo = {"decision": "majority", "sanctions": "graduated", "admission": "screened"}
    strict = {"decision": "consensus", "sanctions": "strict", "admission": "open"}
    assert vote.decide("majority", [strict, strict, quo], quo, 0) == strict
    assert vote.decide("majority", [strict, quo], quo, 0) == quo  # a tie keeps the status quo
    assert vote.decide("consensus", [strict, strict, quo], quo, 0) == quo
    assert vote.decide("consensus", [strict, strict], quo, 0) == strict
    assert vote.decide("leader", [quo, strict, quo], quo, 1) == strict
    with pytest.raises(ValueError, match="allowed: graduated, strict, none"):
        vote.check_ballot({"sanctions": "harsh"})


def test_the_vote_at_the_reglamento_meeting_changes_the_groups_rules(tmp_path, scenario):
    ws = make(tmp_path, scenario.replace({"population.group_size": 5}), seats=5, groups=1)
    people = [ws.join(f"P{i}") for i in range(5)]
    for _ in range(2):
        ws.open_round()
        ws.close_round()
    ws.open_round()
    assert ws.phone(people[0].token)["vote"]
    for p in people:
        ws.decide(p.token, DEFAULT, {"sanctions": "strict", "decision": "leader"})
    ws.close_round()
    votes = ws.rounds[2]["votes"][0]
    assert votes["choice"]["sanctions"] == "strict" and votes["choice"]["decision"] == "leader"
    s = ws.group_scenarios[0]
    assert (s.sanctions.warning, s.sanctions.expulsion_strikes, s.rules.decision) == (False, 2, "leader")
    assert ws.runs[0].model.config is s and ws.rules_in_force(0)["adopted"]


def test_amend_rules_refuses_other_sections(scenario):
    model = AsociaModel(scenario.replace({"population.groups": 1}), seed=1)
    with pytest.raises(ValueError, match="not 'population'"):
        model.amend_rules(scenario)


def test_restart_replays_the_journal_to_the_same_tables(tmp_path, scenario):
    ws = make(tmp_path, scenario)
    a, b = ws.join("Ana"), ws.join("Beto")
    for k in range(4):
        ws.open_round()
        ws.decide(a.token, {"purchase": ["all", "secret", "none", "half"][k]})
        if k % 2:
            ws.decide(b.token, {"purchase": "none", "lead": "open"}, {"sanctions": "none"})
        ws.close_round()
    ws.open_round()
    ws.decide(a.token, {"purchase": "half"})  # decided in an open meeting, then the server dies
    ws.close()
    again = Workshop.load(ws.folder)
    assert again.state == "open" and again.decisions == {a.pid: {**DEFAULT, "purchase": "half"}}
    assert again.participant(a.token).seat == a.seat
    for g in range(2):
        before, after = ws.runs[g].results().tables(), again.runs[g].results().tables()
        for name in ("steps", "firms", "events"):
            pd.testing.assert_frame_equal(before[name], after[name])
        assert len(after["firms"]) > 20
    again.close()


def test_an_unsent_choice_is_kept_across_a_reload_and_a_restart_but_never_played(tmp_path, scenario):
    ws = make(tmp_path, scenario, idle_rounds=0)
    a, b = ws.join("Ana"), ws.join("Beto")
    ws.open_round()
    ws.keep_draft(a.token, {"purchase": "none"})  # tapped, not sent, then the phone drops
    view = ws.phone(a.token)  # what a reloaded phone reads
    assert view["draft"] == {"d": {**DEFAULT, "purchase": "none"}, "v": None} and not view["decided"]
    assert ws.board()["decided"] == 0 and ws.phone(b.token)["draft"] is None
    ws.close()
    again = Workshop.load(ws.folder)  # journaled: a restarted server shows it too
    assert again.phone(a.token)["draft"] == view["draft"] and again.decisions == {}
    again.close_round()  # never sent: the stated default is played, not the tapped choice
    assert set(again.rounds[0]["defaulted"]) == {a.pid, b.pid} and again.rounds[0]["decided"] == []
    assert again.firm_rows[a.seat[0]][0].at[again.seat_firm[a.seat], "commit"] == 1.0
    assert again.phone(a.token)["draft"] is None
    # sent after a reload: counted once, and nothing is left unsent
    again.open_round()
    again.keep_draft(a.token, {"purchase": "half"})
    again.decide(a.token, again.phone(a.token)["draft"]["d"])
    assert again.phone(a.token)["draft"] is None and again.board()["decided"] == 1
    again.close_round()
    assert again.rounds[1]["decided"] == [a.pid] and again.participants[a.pid].last["purchase"] == "half"
    with pytest.raises(WorkshopError) as e:  # no meeting open: nothing to keep
        again.keep_draft(a.token, {"purchase": "none"})
    assert e.value.key == "not_open"
    again.close()


def test_a_line_cut_by_a_crash_is_ignored_but_a_corrupt_journal_is_refused(tmp_path, scenario):
    ws = make(tmp_path, scenario)
    ws.join("Ana")
    ws.close()
    path = ws.folder / "journal.jsonl"
    path.write_text(path.read_text() + '{"a": "jo')
    assert len(Workshop.load(ws.folder).participants) == 1
    path.write_text('{"a": "jo\n' + path.read_text())
    with pytest.raises(WorkshopError, match="line 1 is not JSON"):
        Workshop.load(ws.folder)


def test_timer_closes_the_meeting_with_defaults(tmp_path, scenario):
    ws = make(tmp_path, scenario, round_seconds=1)
    a = ws.join("Ana")
    ws.open_round()
    deadline = time.monotonic() + 5
    while ws.state == "open" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert ws.state == "resolved" and ws.rounds[0]["by"] == "timer" and ws.rounds[0]["defaulted"] == [a.pid]
    lines = [json.loads(x) for x in (ws.folder / "journal.jsonl").read_text().splitlines()]
    assert lines[-1]["a"] == "close" and lines[-1]["by"] == "timer"


def test_pause_stops_the_clock(tmp_path, scenario):
    ws = make(tmp_path, scenario, round_seconds=1)
    ws.open_round()
    ws.pause()
    time.sleep(1.3)
    assert ws.state == "open" and ws.seconds_left() > 0.5
    ws.resume()
    ws.close_round()


def test_two_workshops_on_one_server_stay_separate(tmp_path, scenario):
    reg = Registry(tmp_path)
    one, two = reg.create(scenario, Settings(groups=1, seats=2)), reg.create(scenario, Settings(groups=1, seats=2))
    assert one.code != two.code and one.key != two.key
    a = one.join("Ana")
    with pytest.raises(WorkshopError):
        two.participant(a.token)
    assert reg.get(one.code.lower()) is one and reg.get("ZZZZZ") is None and reg.get("../x") is None
    assert not one.check_key(two.key) and one.check_key(one.key)
    fresh = Registry(tmp_path)  # a restarted server finds both on disk
    assert fresh.get(two.code).code == two.code and fresh.get(one.code).participant(a.token).name == "Ana"


def test_settings_are_checked(tmp_path, scenario):
    with pytest.raises(WorkshopError, match="'seats' got 9; allowed: at most the group size, 8"):
        make(tmp_path, scenario, seats=9)
    with pytest.raises(WorkshopError, match="'groups' got 0; allowed: a whole number from 1 to 12"):
        make(tmp_path, scenario, groups=0)


def test_debrief_places_people_replays_what_if_and_exports_without_names(tmp_path, scenario):
    import io
    import zipfile

    from sim.workshop import debrief

    ws = make(tmp_path, scenario, idle_rounds=0)
    people = [ws.join(n) for n in ("Ana", "Beto", "Caro", "Dani")]
    plays = [{"purchase": "all"}, {"purchase": "secret", "lead": "quiet"}, {"purchase": "none", "lead": "open"},
             {"purchase": "all"}]
    for t in range(5):
        ws.open_round()
        for k, (p, d) in enumerate(zip(people, plays, strict=True)):
            if k == 3 and t % 2:
                d = {"purchase": "half"}
            ws.decide(p.token, d, {"sanctions": "none"} if ws.t == ws.vote_round else None)
        ws.close_round()
    ws.end()
    placed = debrief.people(ws).set_index("name")["placed"].to_dict()
    assert placed == {"Ana": "santo", "Beto": "oportunista", "Caro": "tengo", "Dani": "solido"}
    assert debrief.place([]) is None
    # same seed, same moves, the rules really chosen: the group's meetings exactly
    same = debrief.what_if(ws, 0, None)
    pd.testing.assert_frame_equal(same, ws.series(0))
    assert len(same) == 5
    other = debrief.what_if(ws, 0, {"decision": "consensus", "sanctions": "strict", "admission": "screened"})
    assert not other.equals(same)
    table = debrief.compare(ws)
    assert list(table["group"]) == [0, 1] and table["sanctions"].tolist() == ["none", "none"]
    data = debrief.export(ws)
    z = zipfile.ZipFile(io.BytesIO(data))
    expected = {"participants.csv", "decisions.csv", "votes.csv", "steps.csv", "events.csv", "manifest.json"}
    assert expected <= set(z.namelist())
    text = b"".join(z.read(n) for n in z.namelist()).decode()
    assert not any(n in text for n in ("Ana", "Beto", "Caro", "Dani"))
    decisions = pd.read_csv(z.open("decisions.csv"))
    assert len(decisions) == 20 and set(decisions["participant"]) == {"P01", "P02", "P03", "P04"}
    reveal = debrief.reveal(ws, 0)
    assert set(reveal["profile"]) <= set(sim.model.profiles.NAMES) and "Ana" in set(reveal["played_by"])


def test_a_leaver_s_decision_is_dropped_and_the_count_follows_the_room(tmp_path, scenario):
    ws = make(tmp_path, scenario)
    a, b = ws.join("Ana"), ws.join("Beto")
    ws.open_round()
    ws.decide(a.token, {"purchase": "none"})
    ws.decide(b.token, {})
    ws.leave(a.token)
    board = ws.board()
    assert (board["decided"], board["people"]) == (1, 1)
    ws.close_round()
    assert ws.rounds[0]["decided"] == [b.pid] and (0, 0) not in ws.rounds[0]["applied"]


def test_the_pages_render_in_every_state(tmp_path, scenario):
    """Phone, projector and debrief components render without a browser (fast check of every branch)."""
    import solara

    from dashboards import workshop_app as app

    ws = make(tmp_path, scenario, idle_rounds=0)
    people = [ws.join(n) for n in ("Ana", "Beto", "Caro")]

    def render_all(langs=("es",)):
        for lang in langs:
            solara.render(app.Trainer(ws, lang, lambda **kw: None), handle_error=False)
            for p in people:
                solara.render(app.Phone(ws, p.token, lang, lambda **kw: None), handle_error=False)

    render_all()
    for k in range(3):
        ws.open_round()
        if k == 2:
            render_all(("es", "en"))  # the vote
        ws.decide(people[0].token, {"purchase": "secret"}, {"sanctions": "none"} if ws.t == ws.vote_round else None)
        ws.close_round()
    ws.leave(people[2].token)
    render_all(("en",))
    ws.end()
    render_all()
    box, _ = solara.render(app.Debrief(ws, "es"), handle_error=False)


def test_the_readme_workshop_command_creates_a_session(tmp_path):
    """The README's `asocia workshop` line, run with --no-serve, prints the two links and saves the session."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    line = next(x for x in readme.splitlines() if x.startswith(".venv/bin/asocia workshop"))
    argv = line.split("#")[0].split()[1:]
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "sim.cli", *argv, "--no-serve", "--dir", str(tmp_path)],
                          cwd=root, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    code = re.search(r"\?w=([A-Z0-9]{5})&k=", done.stdout).group(1)
    assert f"?w={code}\n" in done.stdout and (tmp_path / code / "session.json").exists()
    assert Workshop.load(tmp_path / code).settings.groups == 6
    bad = subprocess.run([sys.executable, "-m", "sim.cli", "workshop", "--groups", "20", "--no-serve", "--dir",
                          str(tmp_path)], cwd=root, capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "argument --groups: got '20'; allowed: a whole number from 1 to 12" in bad.stderr
    assert "workshop.toml" not in bad.stderr   # the flag is not in the scenario file


@pytest.mark.parametrize(("flag", "text", "allowed"), [
    ("--groups", "two", "a whole number from 1 to 12"), ("--seats", "2.5", "a whole number from 1 to 40"),
    ("--seconds", "90s", "a whole number from 1 to 3600"), ("--idle", "x", "a whole number from 0 to 100"),
    ("--seed", "1e3", f"a whole number from 0 to {2**63 - 1}"),
    # out of range: the flag and its range, not the scenario file (it said "workshop.toml: '--groups' got 99")
    ("--groups", "99", "a whole number from 1 to 12"), ("--groups", "0", "a whole number from 1 to 12"),
    ("--seats", "41", "a whole number from 1 to 40"), ("--idle", "-1", "a whole number from 0 to 100"),
    ("--seconds", "0", "a whole number from 1 to 3600")])
def test_a_workshop_flag_that_is_not_a_whole_number_in_range_is_one_line_naming_it_and_its_range(
        tmp_path, capsys, flag, text, allowed):
    # argparse said "argument --groups: invalid int value: 'two'" (no range); the other commands' whole()
    from sim.cli.commands import main

    with pytest.raises(SystemExit) as info:
        main(["workshop", flag, text, "--no-serve", "--dir", str(tmp_path)])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "Traceback" not in err + out and "usage:" not in err
    assert err.startswith(f"asocia workshop: error: argument {flag}: got '{text}'; allowed: {allowed} "), err
    assert not list(tmp_path.iterdir())   # refused before any session exists


def test_the_trainer_hands_a_firm_back_to_its_profile(tmp_path, scenario):
    ws = make(tmp_path, scenario)
    a = ws.join("Ana")
    ws.release(a.pid)
    assert a.seat is None and ws.log[-1][1] == "leave_trainer"
    with pytest.raises(WorkshopError):
        ws.release(99)
    again = Workshop.load(ws.folder)  # the release is journaled like every other action
    assert again.participants[a.pid].seat is None


def test_a_meeting_that_expels_counts_its_commitments_among_those_who_sat_at_it(tmp_path):
    """Four people buy elsewhere in secret under strict rules: meeting 3 expels two of eight members.

    The story (phone and projector) counts commitments and quotas among the eight who sat at the
    meeting, not the six left after it ("8 of 6 committed" was shown); the projector's "k of n
    decided" waits only for people whose firm is still a member.
    """
    from dashboards.workshop_app import story_html

    sc = sim.load_scenario("scenarios/workshop.toml", {"rules.adopt_at": 0, "run.steps": 6,
                                                      "sanctions.warning": False, "sanctions.expulsion_strikes": 1})
    ws = Workshop.create(tmp_path, sc, Settings(groups=1, seats=4, idle_rounds=0))
    people = [ws.join(n) for n in ("Ana", "Beto", "Caro", "Dani")]
    for _ in range(3):
        ws.open_round()
        for p in people:
            if ws.phone(p.token)["status"] == "member":
                ws.decide(p.token, {"purchase": "secret"})
        ws.close_round()
    story = ws.group_story(0, 2)
    assert (story["played"], story["members"], story["committed"]) == (8, 6, 8)  # this seed: two expelled
    assert all(ws.stories[0][t]["committed"] <= ws.stories[0][t]["played"] for t in range(3))
    assert "8 de 8 socios se comprometieron" in story_html(story, "es")
    assert "8 of 8 members committed" in story_html(story, "en")
    ws.open_round()
    board = ws.board()
    out = [p for p in people if ws.phone(p.token)["status"] != "member"]
    assert len(out) == 2 and board["people"] == 4 and board["deciders"] == 2


def test_unpaid_quotas_without_a_sanction_are_one_line_of_the_story():
    """Six firms skipping the quota are one line naming them; a fined one keeps its own line."""
    from dashboards.workshop_app import story_html

    def skip(firm, sanction="none", name=None):
        return {"kind": "quota_skip", "firm": firm, "other": -1, "code": 0, "sanction": sanction,
                "amount": 6.0 if sanction == "fine" else 0.0, "strike": 1, "name": name}

    story = {"t": 7, "phase": 4, "members": 8, "played": 8, "purchase": True, "committed": 8, "discount": 0.09,
             "quota_payers": 1, "fund": 9.0,
             "events": [skip(3), skip(4, name="Ana"), skip(5), skip(6, "fine"), skip(7), skip(8)]}
    text = story_html(story, "es")
    assert text.count("<li>") == 4  # purchase, quotas, the five unpaid in one line, the fined one
    assert "No pagaron la cuota: Empresa 3, Ana, Empresa 5, Empresa 7, Empresa 8" in text
    assert "Empresa 6 no pagó la cuota: multa 6,0" in text
    one = story_html({**story, "events": [skip(3)]}, "en")
    assert "Firm 3 did not pay the quota" in one and "Did not pay" not in one


def test_a_member_caught_and_expelled_is_named_once_in_the_story(tmp_path):
    """Five people of group 1 renege under strict rules and are each detected and expelled at meeting 6.

    Each one's violation line said "descubierto: expulsión" and a second line "fue expulsado/a" followed:
    ten lines for five fates, and on the projector the redundant ones pushed what they did out of the
    story's box. Each is named once now, in the line that says what they did and that it expelled them;
    an exit, and an expulsion no violation line tells, keep their own lines.
    """
    from dashboards.workshop_app import story_html

    # the scene of tests/test_workshop_browser.py's long story: group 1 is every sixth person to join
    ws = expulsion_scene(tmp_path)
    story = ws.group_story(0)
    expelled = [e["name"] for e in story["events"] if e["kind"] == "renege" and e["sanction"] == "expulsion"]
    assert expelled == ["Guadalupe", "Maximiliano", "Florencia", "Bartolomé", "Esperanza"], story["events"]
    assert sorted(e["name"] for e in story["events"] if e["kind"] == "expulsion") == sorted(expelled)  # the data
    es, en = story_html(story, "es"), story_html(story, "en")
    assert es.count("<li>") == en.count("<li>") == 6   # the purchase and one line per person
    for who in expelled:
        assert es.count(who) == en.count(who) == 1, who
        assert (f"<li>{who} se comprometió con la compra y compró por su cuenta: descubierto/a y expulsado/a del "
                "grupo</li>") in es
        assert (f"<li>{who} committed to the purchase and bought elsewhere: detected and expelled from the "
                "group</li>") in en
    assert "fue expulsado/a" not in es and "was expelled" not in en and ": expulsión" not in es

    # someone who left, and an expulsion with no violation line told (or one that only fined): own lines
    def event(kind, firm, name, sanction="none"):
        return {"kind": kind, "firm": firm, "other": -1, "code": 0, "sanction": sanction,
                "amount": 6.0 if sanction == "fine" else 0.0, "strike": 2, "name": name}

    more = {**story, "events": story["events"] + [event("exit", 6, "Zoe"), event("expulsion", 7, "Abril"),
                                                  event("quota_skip", 8, "Bruno", "fine"),
                                                  event("expulsion", 8, "Bruno"),
                                                  event("quota_skip", 9, "Ciro", "expulsion"),
                                                  event("expulsion", 9, "Ciro")]}
    es, en = story_html(more, "es"), story_html(more, "en")
    assert es.count("<li>") == en.count("<li>") == 11
    assert "<li>Zoe se retiró del grupo</li>" in es and "<li>Zoe left the group</li>" in en
    assert "<li>Abril fue expulsado/a</li>" in es and "<li>Abril was expelled</li>" in en
    assert "<li>Bruno no pagó la cuota: multa 6,0 dinero</li>" in es and "<li>Bruno fue expulsado/a</li>" in es
    assert "<li>Ciro no pagó la cuota: expulsado/a del grupo</li>" in es and es.count("Ciro") == 1
    assert "<li>Ciro did not pay the quota: expelled from the group</li>" in en and en.count("Ciro") == 1
    assert all(es.count(who) == en.count(who) == 1 for who in expelled)


def test_money_is_written_with_its_unit_in_both_languages():
    """Fund, fines and the rules' fine carry the unit the dashboard and the CLI use (money / dinero)."""
    from dashboards.i18n import UNITS
    from dashboards.workshop_app import rules_text, story_html

    assert UNITS["money"] == "dinero"
    fine = {"kind": "quota_skip", "firm": 6, "other": -1, "code": 0, "sanction": "fine", "amount": 6.0,
            "strike": 1, "name": None}
    story = {"t": 7, "phase": 4, "members": 8, "played": 8, "purchase": True, "committed": 8, "discount": 0.09,
             "quota_payers": 7, "fund": 9.0, "events": [fine]}
    es, en = story_html(story, "es"), story_html(story, "en")
    assert "fondo 9 dinero" in es and "multa 6,0 dinero" in es
    assert "fund 9 money" in en and "fine 6.0 money" in en
    rules = {"adopted": True, "decision": "majority", "sanctions": True, "fine": 5.0, "expulsion_strikes": 3,
             "admission": "open"}
    assert "multa 5 dinero por falta" in rules_text(rules, "es", 2)
    assert "fine 5 money per strike" in rules_text(rules, "en", 2)


def test_the_trends_legend_names_every_group_from_1_above_the_panels():
    """One legend entry per group, "Grupo 1" first, in rows above the panels (not below the projector's edge)."""
    import re

    from dashboards.workshop_charts import trends

    def rows(g):
        return pd.DataFrame({"step": range(4), "trust": [0.5 + 0.01 * g] * 4, "cooperation": [0.6] * 4})

    for groups in (2, 12):
        svg = trends({g: rows(g) for g in range(groups)}, "es", focus=0)
        legend = svg[svg.index('<g class="ws-legend">'):svg.index("</g>")]
        labels = re.findall(r">(Grupo \d+)</text>", legend)
        assert labels == [f"Grupo {g + 1}" for g in range(groups)]
        ys = [int(y) for y in re.findall(r'<text x="\d+" y="(\d+)"', legend)]
        title_y = int(re.search(r'y="(\d+)"[^>]*>Confianza \(0-1\)', svg).group(1))
        assert max(ys) < title_y  # every row of the legend is above the panels' titles
        xs = [int(x) for x in re.findall(r'<text x="(\d+)"', legend)]
        assert all(x + 11 * len(lab) <= 1480 for x, lab in zip(xs, labels, strict=True))
    assert len(set(ys)) >= 2  # twelve groups take more than one row
    whatif = trends({0: rows(0)}, "en", focus=0, alt=rows(1), width=1800, height=420)
    assert re.findall(r">([A-Z][a-z ]+)</text>", whatif[:whatif.index("</g>")]) == ["What happened",
                                                                                   "With the other rules"]


def _label_boxes(svg: str) -> list[tuple[float, float, float, float]]:
    """The network's firm labels as boxes (x0, y0, x1, y1), from their position, anchor and length (22 px type)."""
    import re

    boxes = []
    for x, y, anchor, text in re.findall(r'<text x="(-?\d+)" y="(-?\d+)" text-anchor="(\w+)" font-size="22"[^>]*>'
                                         r'([^<]+)</text>', svg):
        w = 12.5 * len(text)
        x0 = {"start": float(x), "end": float(x) - w, "middle": float(x) - w / 2}[anchor]
        boxes.append((x0, float(y) - 17, x0 + w, float(y) + 5))
    return boxes


def test_network_labels_do_not_overlap_each_other_or_the_firms():
    """A group of 12 on the projector's network: every label clear of the others, of the dots and of the edge."""
    import re

    import numpy as np

    from dashboards.workshop_charts import network_svg

    for n in (5, 8, 12):
        firms = list(range(1, n + 1))
        strikes = [k % 3 == 0 for k in range(n)]  # the red strike counts stay clear of the labels too
        net = {"firm": firms, "profile": ["santo"] * n, "strikes": strikes, "trust": np.full((n, n), 0.6)}
        names = {1: "Ana", 4: "Beto", 7: "Carolina"}
        svg = network_svg(net, names, "es", size=420)
        boxes = _label_boxes(svg)
        assert len(boxes) == n
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (n, a, b)
        dots = [(float(cx), float(cy), float(rr)) for cx, cy, rr in
                re.findall(r'<circle cx="(-?\d+)" cy="(-?\d+)" r="(\d+)"', svg)]
        for x0, y0, x1, y1 in boxes:
            for cx, cy, rr in dots:  # a label never covers a firm's dot
                assert not (x0 - rr < cx < x1 + rr and y0 - rr < cy < y1 + rr), (n, (x0, y0, x1, y1), (cx, cy))
        vx, vy, vw, vh = (float(v) for v in re.search(r'viewBox="([-\d.]+) ([-\d.]+) ([-\d.]+) ([-\d.]+)"',
                                                      svg).groups())
        assert all(x0 >= vx and x1 <= vx + vw and y0 >= vy and y1 <= vy + vh for x0, y0, x1, y1 in boxes), n


def test_the_stated_default_keeps_capitals_inside_an_option():
    """The default line lower-cases an option's first letter only: "nothing (I stay out, openly)"."""
    from dashboards.workshop_app import default_text

    view = {"t": 3, "default": {"purchase": "none", "quota": "skip", "lead": "quiet"}, "consortium": True}
    assert default_text(view, "en") == "nothing (I stay out, openly); do not pay; keep it, quietly"
    assert default_text(view, "es") == "nada (me quedo afuera, a la vista); no pagar; quedármelo, en secreto"
