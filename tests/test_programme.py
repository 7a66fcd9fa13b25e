"""The support programme's money, the hand-over and the hired manager (sim/model/programme.py).

Fast tests: the accounts add up, a permanent facilitator stays until the money ends, members'
co-payments follow the ramp, subsidies come out of the same account, the manager is hired and
paid, and the runs table reports cost and cost-effectiveness at the programme's end and two
years after. The claims about designs are in tests/test_programme_claims.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.model import kernels
from sim.model import programme as prog
from sim.model.narrative import sentence
from sim.model.scenario import Scenario, ScenarioError

BASE = Scenario().replace({"population.groups": 4, "run.firm_table": "off"})


def play(overrides=None, seed=5, steps=None):
    return sim.run(BASE.replace(overrides or {}), seed=seed, steps=steps)


def test_copay_share_ramps_from_zero_to_its_maximum():
    shares = [prog.copay_share(t, 13, 39, 0.5) for t in (0, 12, 13, 32, 52, 80)]
    assert shares == [0.0, 0.0, 0.0, pytest.approx(0.5 * 19 / 39), 0.5, 0.5]
    assert prog.copay_share(20, 13, 0, 0.4) == 0.4


def advance(presence, programme_left=1e9, drivers=2, members=8, self_gov=0.0, trust=1.0, facilitator_cost=0.0,
            copay=0.0, driver_share=0.2, empowerment=0.2, self_gov_rate=0.1):
    """One meeting of the model's life cycle (kernels.advance_groups, compiled) for live, supported groups.

    One group per value of ``presence`` (the schedule's plan); ``drivers`` of its ``members`` are
    active. No milestone is due (Phase I, no rules, no manager). Returns the kernel's ``(f,
    programme_left, programme_paid, facilitator_copay, leadership, self_gov)``.
    """
    presence = np.asarray(presence, np.float64)
    G, C = len(presence), 12
    n, k = np.broadcast_to(members, G), np.broadcast_to(drivers, G)
    seats = np.arange(C)
    member = seats[None, :] < n[:, None]
    disposition = np.where(seats[None, :] < k[:, None], 0, 1).astype(np.int8)   # 0: an active driver

    def per_group(x, dtype=np.float64):
        return np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype), G))

    no = np.zeros(G, bool)
    out = kernels.advance_groups(
        0, presence, np.ones(G, bool), no.copy(), per_group(programme_left), per_group(self_gov), per_group(trust),
        member, disposition, no.copy(), np.ones(G, np.int8), no.copy(), no.copy(), np.zeros(G), no.copy(),
        float(facilitator_cost), float(copay), float(driver_share), float(empowerment), float(self_gov_rate), 0.5,
        1000, False, 1000, 0.5, 1000, True, 0.5, 0.5, 0.0, False, 1000, 0.5)
    return out[:6]


def test_fund_presence_pays_what_is_left_and_no_more():
    # the programme's part of the facilitator's cost: 10 a meeting at full presence, no co-payment
    f, left, paid, copaid = advance([1.0, 1.0, 0.5, 0.0], [25.0, 4.0, 0.0, 0.0], facilitator_cost=10.0)[:4]
    np.testing.assert_allclose(f, [1.0, 0.4, 0.0, 0.0])
    np.testing.assert_allclose(paid, [10.0, 4.0, 0.0, 0.0])
    np.testing.assert_array_equal(left, [15.0, 0.0, 0.0, 0.0])   # an account that cannot pay ends at zero
    np.testing.assert_array_equal(copaid, 0.0)


def test_planned_end_follows_the_schedule_or_the_money():
    assert prog.planned_end(Scenario()) == 52                     # the default taper fits the budget
    assert prog.planned_end(Scenario().replace({"facilitator.schedule": "none"})) == 0
    rich = Scenario().replace({"facilitator.schedule": "permanent", "programme.budget": 1e9})
    assert prog.planned_end(rich) is None
    poor = Scenario().replace({"facilitator.schedule": "permanent", "programme.budget": 200.0})
    assert prog.planned_end(poor) == 10                           # 20 a meeting, no co-payment yet


def test_default_taper_costs_what_the_schedule_says():
    r = play()
    st = r.steps
    live = st[st.alive]
    pg = BASE.programme
    # what the programme and the members pay together is the facilitator's cost at its presence
    np.testing.assert_allclose(live.programme_cost + live.facilitator_copay,
                               pg.facilitator_cost * live.facilitator, atol=1e-9)
    assert (st.programme_left >= 0).all()
    assert (st.groupby("group").programme_cost.sum() <= pg.budget + 1e-9).all()
    assert st[st.step < pg.copay_from].facilitator_copay.eq(0).all()
    assert st[(st.step >= 20) & (st.step < 52) & st.alive].facilitator_copay.gt(0).all()
    assert st[st.step >= 52].facilitator.eq(0).all()


def test_permanent_facilitator_stays_until_the_money_ends():
    r = play({"facilitator.schedule": "permanent", "programme.budget": 500.0}, steps=80)
    st, ev = r.steps, r.events
    end = prog.planned_end(BASE.replace({"facilitator.schedule": "permanent", "programme.budget": 500.0}))
    assert 13 < end < 80
    alive_through = st[st.step == end].alive.to_numpy()
    spent = st.groupby("group").programme_cost.sum().to_numpy()
    np.testing.assert_allclose(spent[alive_through], 500.0)
    assert st[st.step >= end].facilitator.eq(0).all()
    assert st[(st.step < end - 1) & st.alive].facilitator.eq(1).all()
    ran_out = ev[(ev.kind == "programme") & (ev.code == 1)]
    assert len(ran_out) == alive_through.sum()
    assert "programme's money" in ran_out.message.iloc[0] and "dinero del programa" in ran_out.message_es.iloc[0]
    assert r.runs["outcome.programme_end"].iloc[0] == end


def test_no_money_means_no_facilitator():
    st = play({"programme.budget": 0.0}, steps=20).steps
    assert st.facilitator.eq(0).all() and st.programme_cost.eq(0).all()


def test_subsidies_come_from_the_programme_account_and_reach_placed_purchases_only():
    plain = play()
    sub = play({"programme.purchase_subsidy": 0.5})
    st = sub.steps
    assert st.subsidy.sum() > 0
    assert st[~st.purchase_placed].subsidy.eq(0).all()
    assert (st.groupby("group").programme_cost.sum() <= BASE.programme.budget + 1e-9).all()
    # the subsidy is paid out of the same budget, so the facilitator's money ends sooner
    assert st.programme_cost.sum() >= plain.steps.programme_cost.sum() - 1e-9
    assert sub.summary()["programme_cost"] > 0


def test_self_governance_needs_drivers():
    # the facilitator is away (f = 0): the whole work is handed over
    f, _, _, _, lead, S = advance(np.zeros(4), drivers=np.array([0, 1, 2, 4]), members=8, self_gov=0.0, trust=1.0,
                                  driver_share=0.2, empowerment=0.2, self_gov_rate=0.1)
    np.testing.assert_array_equal(f, 0.0)
    np.testing.assert_allclose(lead, [0.0, 0.625, 1.0, 1.0])
    np.testing.assert_allclose(S, 0.1 * lead)
    # while the facilitator does all the work and hands nothing over, nothing is learnt
    f, _, _, _, lead, S = advance([1.0], drivers=8, members=8, self_gov=0.0, trust=1.0, empowerment=0.0,
                                  self_gov_rate=0.1)
    assert f[0] == 1.0 and lead[0] == 1.0
    assert S[0] == 0.0


def test_coordination_is_what_the_facilitator_carries_plus_what_the_group_can():
    """The meeting's coordination capacity f + (1 - f) S (a hired manager at least manager.coordination)
    and the chance of organising the joint action, min(1, coordination_gain x capacity): kernels.hold_groups,
    as the model's hold_meeting runs it."""
    from sim.model import AsociaModel

    model = AsociaModel(BASE, seed=1)
    model.self_gov = np.array([0.0, 0.5, 0.2, 0.5])
    model.f = np.array([1.0, 0.0, 0.5, 0.0])
    model.manager = np.array([False, False, False, True])
    model.draws.meeting(model.t)   # the meeting's draws, as step() makes them
    model.hold_meeting()
    assert BASE.manager.coordination == 0.8 and BASE.lifecycle.coordination_gain == 1.5
    np.testing.assert_allclose(model.capacity_coord, [1.0, 0.5, 0.6, 0.8])
    np.testing.assert_allclose(model.p_coord, [1.0, 0.75, 0.9, 1.0])


def test_handover_event_when_the_group_coordinates_half_its_work():
    r = play(steps=104)
    ev, st = r.events, r.steps
    hand = ev[ev.kind == "handover"]
    assert len(hand) >= 1
    for _, e in hand.iterrows():
        row = st[(st.group == e.group) & (st.step == e.step)]
        assert row.self_governance.iloc[0] >= 0.5
        before = st[(st.group == e.group) & (st.step == e.step - 1)]
        assert before.self_governance.iloc[0] < 0.5
    assert "half of its work" in hand.message.iloc[0] and "mitad de su trabajo" in hand.message_es.iloc[0]


def test_manager_is_hired_paid_and_coordinates():
    mg = {"manager.enabled": True, "manager.hire_at": 30}
    r = play(mg, steps=70)
    st, ev = r.steps, r.events
    hired = ev[ev.kind == "manager"]
    assert len(hired) >= 1 and (hired.step >= 30).all()
    ready = BASE.manager.readiness
    for _, e in hired.iterrows():   # hired at the first meeting from 30 on at which it was ready
        g = st[(st.group == e.group) & (st.step >= 30) & (st.step <= e.step)]
        # self-governance grows during the meeting before hiring: the row before holds what it saw
        seen = st[(st.group == e.group) & (st.step >= 29) & (st.step < e.step)].self_governance
        assert (seen.iloc[1:] < ready).all() if len(seen) > 1 else True
        assert g.self_governance.iloc[-1] >= ready
    never = set(st.group) - set(hired.group)
    for g in never:
        live = st[(st.group == g) & (st.step >= 30) & st.alive]
        assert (live.self_governance < ready).all()
    assert "gerente" in hired.message_es.iloc[0] and "manager" in hired.message.iloc[0]
    on = st[st.manager & st.alive]
    assert len(on) and (on.step >= 30).all()
    np.testing.assert_allclose(on.manager_pay, BASE.manager.salary)
    assert (on.coordination >= BASE.manager.coordination - 1e-12).all()
    assert st[~st.manager].manager_pay.eq(0).all()
    assert r.summary()["manager_cost"] > 0
    off = play({"manager.enabled": False}, steps=70).steps
    assert not off.manager.any() and off.manager_pay.eq(0).all()


def test_runs_table_reports_cost_effectiveness_at_the_end_and_two_years_after():
    r = play(steps=104)
    row = r.runs.iloc[0]
    st = r.steps
    assert row["outcome.programme_end"] == 52
    assert row["outcome.programme_cost"] == pytest.approx(st.programme_cost.sum() / 4)
    alive_2y = st[st.step == 103].alive.mean()
    assert row["outcome.alive_2y"] == pytest.approx(alive_2y)
    if alive_2y > 0:
        assert row["outcome.cost_per_group_2y"] == pytest.approx(st.programme_cost.sum() / (alive_2y * 4))
    assert row["outcome.alive_end"] == pytest.approx(st[st.step == 51].alive.mean())
    assert 0 <= row["outcome.self_governance_end"] <= 1
    founders = st[st.step == 103].founders.sum() / st[st.step == 0].founders.sum()
    assert row["outcome.founders_kept"] == pytest.approx(founders)
    # a run too short to see two years after the programme says so with NaN, not a number
    short = play(steps=60).runs.iloc[0]
    assert math.isnan(short["outcome.alive_2y"]) and math.isnan(short["outcome.cost_per_group_2y"])


def test_founders_count_only_falls():
    st = play(steps=104).steps.sort_values(["group", "step"])
    assert st[st.step == 0].founders.eq(BASE.population.group_size).all()
    assert (st.groupby("group").founders.diff().fillna(0) <= 0).all()
    assert (st.founders <= st.members).all()


@pytest.mark.parametrize("key, value", [("programme.budget", "-1"), ("programme.copay_max", "1.5"),
                                        ("manager.hire_at", "x"), ("facilitator.driver_share", "0")])
def test_bad_programme_settings_name_the_key_and_the_range(key, value):
    with pytest.raises(ScenarioError, match=rf"key '{key}' got .*; allowed: "):
        BASE.replace({key: value}, origin="s.toml")


def test_new_event_sentences_read_the_same_one_by_one():
    r = play({"manager.enabled": True, "facilitator.schedule": "permanent", "programme.budget": 400.0},
             steps=80)
    ev = r.events[r.events.kind.isin(["programme", "handover", "manager"])]
    assert set(ev.kind) >= {"programme", "manager"}
    for _, row in ev.iterrows():
        assert sentence(row, "en") == row.message
        assert sentence(row, "es") == row.message_es


def test_run_summary_prints_the_programme_lines():
    from sim.cli.commands import format_summary

    res = play(steps=104)
    out = format_summary(res)
    o = res.summary()
    assert f"programme      ends at meeting 52 · {o['programme_cost']:.0f} money per group" in out
    assert f"two years on   {round(o['alive_2y'] * 4)}/4 groups alive" in out
    assert "two years on   beyond this run" in format_summary(play(steps=60))
    assert "programme" not in format_summary(play({"facilitator.schedule": "none"}, steps=20))


def test_dashboard_labels_every_scenario_section_and_event_kind():
    from dashboards import i18n
    from sim.model.recorder import EVENT_KINDS
    from sim.model.scenario import SECTIONS

    assert set(i18n.SECTIONS) == set(SECTIONS)
    assert set(i18n.KINDS) == set(EVENT_KINDS.values())


def engage(model, alone):
    """One meeting of the model's engagement rule on every seat: kernels.update_engagement, which applies
    kernels._engaged (the rule kernels.settle_members applies in the model's accounts) to each seat."""
    pa = model.config.participation
    model.engagement = kernels.update_engagement(model.engagement, model.ema_gain, alone, model.member,
                                                 model.purchase_open, float(pa.decay), float(pa.clear_gain),
                                                 float(pa.floor))


def test_engagement_falls_without_clear_benefits_and_recovers_with_them():
    from sim.model import AsociaModel

    model = AsociaModel(BASE, seed=2)
    pa = BASE.participation
    assert pa.decay > 0
    model.purchase_open = np.ones(model.G, bool)
    alone = np.full((model.G, model.C), 60.0)
    model.ema_gain = np.where(model.member, -1.0, 0.0)            # below 2 % of 60: unclear
    for _ in range(80):
        engage(model, alone)
    m = model.member
    np.testing.assert_allclose(model.engagement[m], pa.floor)     # fell to the floor, no lower
    assert (model.engagement[~m] == 1.0).all()                    # empty seats untouched
    model.ema_gain = np.where(m, 0.05 * 60, 0.0)                  # a clear 5 % gain
    engage(model, alone)
    np.testing.assert_allclose(model.engagement[m], pa.floor + pa.decay)
    model.purchase_open[:] = False                                # Phase I: nothing moves
    before = model.engagement.copy()
    engage(model, alone)
    np.testing.assert_array_equal(model.engagement, before)


def test_reglamento_waits_for_trust_and_milestones_are_reported():
    distrust = {"facilitator.schedule": "none", "trust.initial": 0.2, "milestones.rules_trust": 0.5}
    r = play(distrust, steps=60)
    st, ev = r.steps, r.events
    rules = ev[ev.kind == "rules"]
    trust_before = {int(e.group): st[(st.group == e.group) & (st.step == e.step - 1)].trust.iloc[0]
                    for _, e in rules.iterrows()}
    assert len(rules) >= 1 and (rules.step >= 13).all()
    assert all(t >= 0.5 - 1e-6 for t in trust_before.values())
    waited = [g for g in range(4) if g not in set(rules[rules.step == 13].group)]
    assert waited, "some group was not ready at meeting 13"
    for g in waited:   # those not ready at the planned date had too little trust then
        at12 = st[(st.group == g) & (st.step == 12)]
        assert at12.trust.iloc[0] < 0.5 or not at12.alive.iloc[0]
    row = r.runs.iloc[0]
    assert row["outcome.reglamento_share"] == pytest.approx(rules.group.nunique() / 4)
    if len(rules):
        assert row["outcome.reglamento_at"] == pytest.approx(np.median(rules.groupby("group").step.min()))
    # adopt_at = 0 founds the group with its rules, whatever its trust
    founded = play({**distrust, "rules.adopt_at": 0}, steps=3).events
    assert (founded[founded.kind == "rules"].step == 0).sum() == 4
    # a group that never gets there reports NaN, not a date
    never = play({**distrust, "milestones.rules_trust": 1.0}, steps=30).runs.iloc[0]
    assert never["outcome.reglamento_share"] == 0 and math.isnan(never["outcome.reglamento_at"])


def test_engagement_rule_alone_is_the_one_the_accounts_apply():
    """kernels.update_engagement (the rule the test above drives) moves every seat exactly as the model's
    accounts (kernels.settle_members) do at each meeting, so the test above tests the model's rule."""
    from sim.model import AsociaModel

    model = AsociaModel(BASE, seed=3)
    settle, meetings = model.settle_accounts, []

    def watched():
        before = model.engagement.copy()
        settle()
        meetings.append((before, model.engagement.copy(), model.ema_gain.copy(), model.alone.copy(),
                         model.member.copy(), model.purchase_open.copy()))

    model.settle_accounts = watched
    for _ in range(40):
        model.step()
    pa = BASE.participation
    rose = fell = 0
    for before, after, ema_gain, alone, member, purchase_open in meetings:
        alone_rule = kernels.update_engagement(before, ema_gain, alone, member, purchase_open, float(pa.decay),
                                               float(pa.clear_gain), float(pa.floor))
        np.testing.assert_array_equal(alone_rule, after)
        rose += int((after > before).sum())
        fell += int((after < before).sum())
    assert rose > 0 and fell > 0   # both ways of the rule were compared
