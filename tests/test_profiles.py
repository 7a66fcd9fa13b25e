"""The four profiles as decision rules (unit tests on hand-made observations) and as transcripts:
one profile firm plays scripted partners in a small group, and the test states, meeting by
meeting, what the profile must do (Axelrod's ``versus_test`` style)."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model import AsociaModel
from sim.model.lab import design
from sim.model.profiles import (
    LABELS,
    NAMES,
    Decision,
    Manual,
    Observation,
    Oportunista,
    Santo,
    Scripted,
    SolidoCiudadano,
    TengoQueGanar,
    build_profiles,
)


# ---------------------------------------------------------------------- hand-made observations
def obs(n=1, **kw) -> Observation:
    """An observation for n firms; every field defaults to a neutral value."""
    base = dict(
        tenure=20,
        expected_coop=0.8,
        demand=10.0,
        renege_gain=0.2,
        quota_due=2.0,
        has_lead=True,
        lead_private=24.0,
        lead_routed=4.5,
        lead_income=3.0,
        detect_prob=0.0,
        fine=0.0,
        expulsion_loss=0.0,
        cc_intercept=0.1,
        cc_slope=0.8,
        own_gain=0.0,
        others_gain=0.0,
        punish_rate=0.0,
        detect_belief=0.0,
        sanctions_on=False,
        min_commit=0.0,
        pool_value=0.0,
        outside=0.0,
    )
    base.update(kw)
    return Observation(**{k: np.broadcast_to(np.asarray(v), (n,)).copy() for k, v in base.items()})


def as_lists(d: Decision):
    return (
        d.commit.tolist(),
        d.renege.tolist(),
        d.pay_quota.tolist(),
        d.route_lead.tolist(),
        d.furtive.tolist(),
    )


def test_names_and_labels_follow_the_guide():
    assert NAMES == ("santo", "solido", "tengo", "oportunista")
    assert LABELS == ("santo", "sólido ciudadano", "tengo que ganar", "oportunista")


def test_observation_take_selects_the_same_firms_in_every_field():
    o = obs(3, tenure=[1, 2, 3], fine=[0.0, 5.0, 9.0])
    sub = o.take(np.array([2, 0]))
    assert len(sub) == 2
    assert sub.tenure.tolist() == [3, 1] and sub.fine.tolist() == [9.0, 0.0]


def test_decision_constructors():
    assert as_lists(Decision.cooperate(2)) == ([1, 1], [0, 0], [True] * 2, [True] * 2, [False] * 2)
    assert as_lists(Decision.defect(1)) == ([0], [0], [False], [False], [False])
    assert as_lists(Decision.defect(1, furtive=True)) == ([1], [1], [True], [False], [True])


def test_santo_cooperates_whatever_it_sees():
    o = obs(
        3, expected_coop=[0.0, 0.5, 1.0], renege_gain=[5.0, 5.0, 5.0], lead_private=[100, 0, 50]
    )
    assert as_lists(Santo().decide(o)) == (
        [1.0] * 3,
        [0.0] * 3,
        [True] * 3,
        [True] * 3,
        [False] * 3,
    )


def test_solido_follows_its_linear_schedule_clipped_and_never_furtive():
    o = obs(
        5,
        cc_intercept=[0.1, 0.1, 0.1, -0.5, 0.5],
        cc_slope=[0.8, 0.8, 0.8, 0.5, 2.0],
        expected_coop=[0.0, 0.5, 1.0, 0.4, 0.9],
        own_gain=-1.0,
    )
    d = SolidoCiudadano(tolerance=0.3).decide(o)
    np.testing.assert_allclose(d.commit, [0.1, 0.5, 0.9, 0.0, 1.0])
    assert d.pay_quota.tolist() == [False, True, True, False, True]  # level >= tolerance 0.3
    assert d.route_lead.tolist() == d.pay_quota.tolist()
    assert not d.renege.any() and not d.furtive.any()


def test_solido_leads_then_commits_fully_when_the_purchase_pays_and_keeps_agreed_rules():
    o = obs(5, tenure=[0, 20, 20, 20, 20], expected_coop=0.1, own_gain=[-1.0, -1.0, 2.0, -1.0, -1.0],
            sanctions_on=[False, False, False, True, True], min_commit=[0.0, 0.0, 0.0, 0.0, 0.6])
    d = SolidoCiudadano(lead=1, tolerance=0.3).decide(o)
    level = 0.1 + 0.8 * 0.1
    # leads at its first meeting; commits all when committing pays for itself; else its level, but
    # never below a minimum commitment the reglamento sanctions
    np.testing.assert_allclose(d.commit, [1.0, level, 1.0, level, 0.6])
    # a dip in trust is no violation: it pays and routes while sanctions are in force
    assert d.pay_quota.tolist() == [True, False, False, True, True]
    assert not d.furtive.any() and not d.renege.any()


def test_solido_matches_the_mean_when_punishment_makes_a_shortfall_costly():
    o = obs(2, expected_coop=0.6, own_gain=-12.0, punish_rate=[5.0, 20.0], cc_intercept=0.0, cc_slope=0.5)
    d = SolidoCiudadano().decide(o)
    np.testing.assert_allclose(d.commit, [0.3, 0.6])  # its schedule, or the others' mean when a unit short costs more


def test_solido_commitment_rises_with_expected_cooperation():
    e = np.linspace(0, 1, 11)
    d = SolidoCiudadano().decide(obs(11, expected_coop=e, own_gain=-1.0))
    assert (np.diff(d.commit) > 0).all()


def test_tengo_maximises_its_payoff_relative_to_the_others_and_does_it_openly():
    o = obs(
        5,
        own_gain=[3.0, -12.0, 1.0, -12.0, -12.0],
        others_gain=[1.0, 8.0, 2.0, 8.0, 8.0],
        punish_rate=[0.0, 0.0, 0.0, 30.0, 0.0],
        expected_coop=0.5,
        fine=[0.0, 1.9, 2.0, 30.0, 30.0],
        quota_due=2.0,
        lead_private=24.0,
        expulsion_loss=[0.0, 0.0, 22.0, 0.0, 0.0],
        sanctions_on=[False, False, False, False, True],
        min_commit=[0.0, 0.0, 0.0, 0.0, 0.5],
    )
    d = TengoQueGanar().decide(o)
    # joins when its own gain beats the others' (3 > 1); a public good helps the others as much as
    # itself, so it gives nothing, unless punishment makes matching the others' mean worth it, or
    # the open sanction for less than the minimum costs it more (30 > 20 x 0.5)
    np.testing.assert_allclose(d.commit, [1.0, 0.0, 0.0, 0.5, 0.5])
    assert d.pay_quota.tolist() == [False, False, True, True, True]  # pays when fine + expulsion >= quota
    # keeps the lead while 24 - fine - expulsion loss > 0
    assert d.route_lead.tolist() == [False, False, True, True, True]
    assert not d.renege.any() and not d.furtive.any()


@pytest.mark.parametrize(
    "tenure,expected,gain,detect,fine,expel,renege,keep",
    [
        (3, 0.9, 0.2, 0.0, 0.0, 0.0, False, False),  # still mimicking (mimic = 5)
        (5, 0.9, 0.2, 0.0, 0.0, 0.0, True, True),  # mimic over, others cooperate, nothing at stake
        (5, 0.4, 0.2, 0.0, 0.0, 0.0, False, False),  # expects too little cooperation to exploit
        (5, 0.9, 0.2, 1.0, 100.0, 0.0, False, False),  # sure detection and a fine above every gain
        (5, 0.9, 0.2, 0.5, 1.0, 2.0, True, True),  # renege 0.2x10=2 > 0.5x3; lead 19.5 > 1.5
        (5, 0.9, 0.2, 0.5, 2.0, 2.0, False, True),  # renege 2 = 0.5x4 is not above the cost
        (5, 0.9, 0.2, 1.0, 0.0, 30.0, False, False),  # expulsion would cost more than either gain
        (5, 0.9, -0.1, 0.0, 0.0, 0.0, False, True),  # reneging loses money: honours the purchase
    ],
)
def test_oportunista_betrays_furtively_when_gain_beats_expected_cost(
    tenure, expected, gain, detect, fine, expel, renege, keep
):
    o = obs(
        1,
        tenure=tenure,
        expected_coop=expected,
        renege_gain=gain,
        demand=10.0,
        detect_belief=detect,
        fine=fine,
        expulsion_loss=expel,
        lead_private=24.0,
        lead_routed=4.5,
        sanctions_on=True,
    )
    d = Oportunista(mimic=5, threshold=0.5).decide(o)
    assert d.commit.tolist() == [1.0] and d.pay_quota.tolist() == [True]  # keeps up appearances
    assert d.renege.tolist() == [float(renege)]
    assert d.route_lead.tolist() == [not keep]
    assert d.furtive.tolist() == [True]


def test_oportunista_is_shameless_where_nothing_stops_it():
    d = Oportunista(mimic=0, threshold=0.5).decide(obs(2, sanctions_on=[False, True]))
    assert d.furtive.tolist() == [False, True]          # open where no sanction applies
    assert d.pay_quota.tolist() == [False, True]        # skips the quota in the open
    assert d.route_lead.tolist() == [False, False]      # keeps the lead either way


def test_oportunista_keeps_back_only_the_shortfall_punishment_would_not_reach():
    # others expected at 0.6; a full renege gains 12 but a learned punishment of 30 per unit short
    # makes it cost 18: keeping back 1 - 0.6 (matching the others' mean) gains 4.8 unpunished
    o = obs(1, renege_gain=1.2, demand=10.0, expected_coop=0.6, punish_rate=30.0, detect_belief=1.0)
    d = Oportunista(mimic=0, threshold=0.0).decide(o)
    np.testing.assert_allclose(d.renege, [0.4])


def test_build_profiles_takes_traits_from_the_scenario(baseline):
    sc = baseline.replace(
        {
            "profiles.solido_lead": 3,
            "profiles.solido_tolerance": 0.2,
            "profiles.oportunista_mimic": 7,
            "profiles.oportunista_threshold": 0.6,
        }
    )
    profiles = build_profiles(sc.profiles)
    assert [p.name for p in profiles] == list(NAMES)
    assert (profiles[1].lead, profiles[1].tolerance) == (3, 0.2)
    assert (profiles[3].mimic, profiles[3].threshold) == (7, 0.6)


def test_scripted_plays_its_moves_and_repeats_the_last():
    s = Scripted("CDF")
    moves = [as_lists(s.decide(obs(1))) for _ in range(5)]
    assert moves[0] == as_lists(Decision.cooperate(1))
    assert moves[1] == as_lists(Decision.defect(1))
    assert moves[2] == moves[3] == moves[4] == as_lists(Decision.defect(1, furtive=True))


def test_manual_returns_what_the_person_set():
    m = Manual(commit=0.3, renege=0.5, pay_quota=False, route_lead=False)
    d = m.decide(obs(1))
    assert d.commit.tolist() == [0.3] and d.renege.tolist() == [0.5]
    assert d.pay_quota.tolist() == [False] and d.route_lead.tolist() == [False]


# ---------------------------------------------------------------------- transcripts in the model
LAB = {
    # one group of four founders, nobody comes or goes, everybody attends, purchases from meeting 0,
    # a permanent facilitator so that every meeting is coordinated, strong firms only so that any
    # three of them reach the minimum lot
    "population.weak_share": 0.0,
    "population.groups": 1,
    "population.group_size": 4,
    "population.slack": 0,
    "population.attend_active": 1.0,
    "population.attend_passive": 1.0,
    "population.attend_barely": 1.0,
    "profiles.solido_sd": 0.0,
    "facilitator.schedule": "permanent",
    "lifecycle.phase2_at": 0,
    "lifecycle.entry_rate": 0.0,
    "lifecycle.exit_rate": 0.0,
    "lifecycle.min_members": 2,
    "lifecycle.conflict_exit": 0.0,
    "rules.adopt_at": 0,
    "rules.cost_sharing": "equal",
    "export.enabled": False,
}
CONSORTIUM = {"export.enabled": True, "lifecycle.patient": False, "lifecycle.consortium_at": 0}


def only(profile: str) -> dict:
    return {f"population.{p}": float(p == profile) for p in NAMES}


def lab(baseline, profile, **extra):
    return baseline.replace({**LAB, **only(profile), **extra})


def transcript(scenario, partners: str, steps: int, seed: int = 3):
    """Play the first firm by its profile against three scripted partners; its rows by meeting."""
    ids = AsociaModel(scenario, seed=seed).firm_id[0].tolist()
    focal, others = ids[0], ids[1:]
    res = sim.run(
        scenario, seed=seed, steps=steps, deciders={i: Scripted(partners) for i in others}
    )
    f = res.firms
    assert f["step"].nunique() == steps and (f.groupby("step").size() == 4).all()
    mine = f[f["firm"] == focal].set_index("step")
    assert len(mine) == steps
    return mine, f[f["firm"] != focal], res


def test_santo_commits_everything_pays_and_routes_against_defectors(baseline):
    sc = lab(
        baseline, "santo", **{**CONSORTIUM, "export.lead_rate": 20.0, "sanctions.enabled": False}
    )
    me, others, res = transcript(sc, "DDFDF", steps=10)
    assert (me["commit"] == 1.0).all() and (me["renege"] == 0.0).all()
    assert (me["quota_paid"] == 2.0).all()  # equal quota, every meeting
    assert (me["lead"] != "kept").all() and (me["lead"] != "none").any()
    assert (me["cooperation"] == 1.0).all()
    # the partners did defect (the santo was not simply in a cooperative group)
    opening = others[others["step"] <= 1]  # "DD": open defection
    assert (opening["commit"] == 0.0).all() and (opening["quota_paid"] == 0.0).all()


def test_santo_raises_detection_by_reporting(baseline):
    # monitoring 0.3, no facilitator information; each santo present reports with chance 0.3
    sc = lab(baseline, "santo", **{"rules.monitoring": 0.3, "facilitator.information": 0.0})
    res = sim.run(sc, seed=1, steps=6)
    present = res.firms.groupby("step")["attended"].sum().to_numpy()
    assert present.min() < present.max() or present.max() == 4  # attendance is drawn
    np.testing.assert_allclose(res.steps["detection"], 1 - 0.7 * 0.7**present, rtol=1e-12)
    no_santo = lab(baseline, "solido", **{"rules.monitoring": 0.3, "facilitator.information": 0.0})
    np.testing.assert_allclose(sim.run(no_santo, seed=1, steps=6).steps["detection"], 0.3)


def test_solido_commitment_tracks_expected_cooperation_and_falls_after_open_defection(baseline):
    # a public good (lab design): committing never pays for itself, so the sólido follows its schedule
    sc = baseline.replace({**design(group_size=4, groups=1, rounds=12), **only("solido"), "profiles.solido_sd": 0.0})
    a, b = sc.profiles.solido_intercept, sc.profiles.solido_slope
    me, others, _ = transcript(sc, "CCCCCDDDDDDD", steps=12)
    expected = np.r_[sc.trust.initial, me["trust_given"].to_numpy()[:-1]]  # belief after the previous round
    np.testing.assert_allclose(me["commit"], np.clip(a + b * expected, 0, 1), rtol=1e-5)
    commit = me["commit"].to_numpy()
    assert (np.diff(commit[:6]) > 0).all(), "while partners cooperate, it commits more and more"
    assert (np.diff(commit[6:]) < 0).all(), "after partners defect openly, it commits less each round"
    assert commit[-1] < 0.1 and (me["renege"] == 0).all()  # never furtive


def test_solido_leads_with_full_cooperation_in_the_field(baseline):
    sc = lab(baseline, "solido", **{"profiles.solido_lead": 2, "joint_purchase.min_lot": 1e6,
                                    "joint_purchase.volume_full": 1e6})
    me, _, _ = transcript(sc, "D", steps=5)  # a lot nobody reaches: committing never pays
    assert me["commit"].tolist()[:2] == [1.0, 1.0]
    assert (me["commit"].iloc[2:] < 1.0).all()


def test_tengo_gives_nothing_to_a_public_good_and_skips_the_quota_without_sanctions(baseline):
    pgg = baseline.replace({**design(group_size=4, groups=1, rounds=6), **only("tengo")})
    me, _, _ = transcript(pgg, "C", steps=6)
    assert (me["commit"] == 0.0).all()  # every unit helps the others as much as itself
    sc = lab(
        baseline,
        "tengo",
        **{
            **CONSORTIUM,
            "sanctions.enabled": False,
            "export.lead_rate": 0.0,
        },
    )
    me, _, res = transcript(sc, "C", steps=8)
    assert set(me["commit"]) <= {0.0, 1.0}
    assert (me["quota_paid"] == 0.0).all()
    skips = res.events[
        (res.events["kind"] == "quota_skip") & (res.events["firm"] == me["firm"].iloc[0])
    ]
    assert len(skips) == 8 and skips["detected"].all()  # an open act: always seen


def test_tengo_pays_once_the_next_strike_is_a_fine(baseline):
    # the first strike is only a warning, so skipping costs nothing once; then the fine (10) exceeds
    # the quota (2) and paying is cheaper
    sc = lab(
        baseline,
        "tengo",
        **{
            **CONSORTIUM,
            "sanctions.warning": True,
            "sanctions.fine": 10.0,
            "export.lead_rate": 0.0,
        },
    )
    me, _, _ = transcript(sc, "C", steps=6)
    assert me["quota_paid"].tolist() == [0.0, 2.0, 2.0, 2.0, 2.0, 2.0]
    assert me["sanction"].tolist() == ["warning"] + ["none"] * 5
    assert (me["strikes"] == 1).all()


def test_tengo_keeps_leads_openly_unless_the_fine_outweighs_them(baseline):
    leads = {**CONSORTIUM, "export.lead_rate": 40.0}
    keeps = lab(baseline, "tengo", **leads, **{"sanctions.enabled": False})
    me, _, res = transcript(keeps, "C", steps=6)
    got = me[me["lead"] != "none"]
    assert len(got) >= 3 and (got["lead"] == "kept").all()
    div = res.events[
        (res.events["kind"] == "diversion") & (res.events["firm"] == me["firm"].iloc[0])
    ]
    assert len(div) == len(got) and (div["code"] == 1).all()  # kept in the open
    # a fine of 30 above the lead's private value (0.6 x 40 = 24): it routes every lead
    routes = lab(baseline, "tengo", **leads, **{"sanctions.warning": False, "sanctions.fine": 30.0})
    me2, _, _ = transcript(routes, "C", steps=6)
    got2 = me2[me2["lead"] != "none"]
    assert len(got2) >= 3 and got2["lead"].isin(["routed", "missed"]).all()
    assert (me2["quota_paid"] == 2.0).all() and (me2["strikes"] == 0).all()


OPPORTUNITY = {
    "profiles.oportunista_mimic": 3,
    "profiles.oportunista_threshold": 0.3,
    "rules.monitoring": 0.0,
    "facilitator.information": 0.0,
}


def test_oportunista_mimics_then_reneges_when_nothing_deters_it(baseline):
    sc = lab(baseline, "oportunista", **{**OPPORTUNITY, "sanctions.enabled": False})
    me, _, res = transcript(sc, "C", steps=8)
    assert (me["commit"] == 1.0).all()  # always appears to commit
    assert me["renege"].tolist() == [0.0] * 3 + [1.0] * 5
    ren = res.events[(res.events["kind"] == "renege") & (res.events["firm"] == me["firm"].iloc[0])]
    assert ren["step"].tolist() == [3, 4, 5, 6, 7]
    assert not ren["detected"].any()  # detection is zero here


def test_oportunista_is_deterred_when_detection_x_fine_beats_its_gain(baseline):
    sc = lab(
        baseline,
        "oportunista",
        **{
            **OPPORTUNITY,
            "rules.monitoring": 1.0,
            "sanctions.warning": False,
            "sanctions.fine": 100.0,
        },
    )
    me, _, _ = transcript(sc, "C", steps=8)
    assert (me["renege"] == 0.0).all() and (me["commit"] == 1.0).all()


def test_oportunista_tries_once_when_the_first_strike_is_a_warning(baseline):
    sc = lab(
        baseline,
        "oportunista",
        **{
            **OPPORTUNITY,
            "rules.monitoring": 1.0,
            "sanctions.warning": True,
            "sanctions.fine": 100.0,
        },
    )
    me, _, _ = transcript(sc, "C", steps=8)
    assert me["renege"].tolist() == [0.0] * 3 + [1.0] + [0.0] * 4
    assert me["sanction"].tolist() == ["none"] * 3 + ["warning"] + ["none"] * 4


def test_oportunista_does_not_exploit_a_group_it_does_not_trust(baseline):
    sc = lab(
        baseline,
        "oportunista",
        **{**OPPORTUNITY, "sanctions.enabled": False, "profiles.oportunista_threshold": 0.95},
    )
    me, _, _ = transcript(sc, "C", steps=8)
    assert (me["trust_given"] < 0.95).all()
    assert (me["renege"] == 0.0).all()


def test_manual_decider_moves_appear_in_the_firms_table(baseline):
    sc = lab(baseline, "solido", **{**CONSORTIUM, "sanctions.enabled": False})
    live = sim.LiveRun(sc, seed=5)
    firm = int(live.model.firm_id[0, 0])
    person = Manual()
    live.set_decider(firm, person)
    plan = [(0.3, 0.25, False), (0.8, 0.0, True), (0.0, 0.0, True)]
    for commit, renege, pay in plan:
        person.commit, person.renege, person.pay_quota = commit, renege, pay
        live.advance(1)
    res = live.results()
    me = res.firms[res.firms["firm"] == firm].set_index("step")
    np.testing.assert_allclose(me["commit"], [0.3, 0.8, 0.0])
    np.testing.assert_allclose(me["renege"], [0.25, 0.0, 0.0])
    np.testing.assert_allclose(me["quota_paid"], [0.0, 2.0, 2.0])
    skips = res.events[(res.events["kind"] == "quota_skip") & (res.events["firm"] == firm)]
    assert skips["step"].tolist() == [0]


def test_set_decider_refuses_an_unknown_firm(baseline):
    live = sim.LiveRun(lab(baseline, "santo"), seed=1)
    with pytest.raises(KeyError, match="no member firm with id 999"):
        live.set_decider(999, Manual())


def test_profiles_decide_in_a_mixed_group_by_their_own_rule(baseline):
    # every firm's decision in a normal run matches its profile's rule where the rule is fixed
    sc = baseline.replace({"population.groups": 3})
    f = sim.run(sc, seed=11, steps=20).firms
    assert set(f["profile"].unique()) == set(NAMES)
    assert set(f.loc[f["profile"] == "tengo", "commit"]) <= {0.0, 1.0}  # all or nothing, openly
    assert (f.loc[f["profile"] == "santo", "commit"] == 1.0).all()
    assert (f.loc[f["profile"] == "santo", "renege"] == 0.0).all()
    assert (f.loc[f["profile"] == "oportunista", "commit"] == 1.0).all()
    assert (f.loc[f["profile"] == "solido", "renege"] == 0.0).all()
