"""The model's claims as multi-seed tests with stated effect sizes (DOMAIN.md §4).

Each test plays two or more arms of a scenario on the same replication seeds (derived with
``SeedSequence.spawn`` from one root), pools 20 groups per run, and asserts an effect size with a
margin, plus the direction in most seeds. The measured values are printed (``pytest -s``) and
recorded in docs/model.md. Names follow DOMAIN.md §4's numbering.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CLAIMS_ROOT, CLAIMS_SCALE

import sim
from sim.model.scenario import Scenario
from sim.results.seeds import replication_seeds

pytestmark = pytest.mark.slow

SEEDS = replication_seeds(CLAIMS_ROOT, 20 * CLAIMS_SCALE)  # played as one batch per arm (sim.run_batch)
BASE = Scenario()
GROUPS = 20


def arm(overrides=None, *, firms=False, groups=GROUPS, seeds=SEEDS):
    """Runs of the baseline with overrides, one per replication seed."""
    sc = BASE.replace({"population.groups": groups, "run.firm_table": "full" if firms else "off",
                       **(overrides or {})})
    return sim.run_batch(sc, seeds, tables=("runs", "steps", "firms", "events") if firms else ("runs", "steps"))


def per_seed(runs, fn):
    return np.array([fn(r) for r in runs], dtype=float)


def mid_trust(r):
    st = r.steps
    sel = st[st.alive & (st.step >= 26) & (st.step < 78)]
    return sel.trust.mean()


def mean_coop(r):
    st = r.steps
    return st[st.alive].cooperation.mean()


def report(name, **values):
    print(f"\n[{name}] " + ", ".join(f"{k}={v:.3f}" for k, v in values.items()))


MOST, NEARLY_ALL = 5 / 6, 0.9   # shares of paired seeds (the claims were first written as 5 and 6 of 6)


def mostly(a, b, share=MOST):
    """a > b in at least a share ``share`` of the paired seeds."""
    return float((np.asarray(a) > np.asarray(b)).mean()) >= share


def test_claim_01_no_control_damages_trust():
    """Without a control mechanism, opportunists' acts damage trust group-wide (004:L669-671).

    Effect: mean trust in meetings 26-77 at least 0.10 lower and cooperation at least 0.10 lower
    with no reglamento than in the baseline (measured on 20 seeds: 0.19 and 0.19).
    """
    base, none = arm(), arm({"rules.enabled": False, "sanctions.enabled": False})
    tb, tn = per_seed(base, mid_trust), per_seed(none, mid_trust)
    cb, cn = per_seed(base, mean_coop), per_seed(none, mean_coop)
    report("claim 1", trust_base=tb.mean(), trust_no_rules=tn.mean(), coop_base=cb.mean(),
           coop_no_rules=cn.mean())
    assert tb.mean() - tn.mean() >= 0.10
    assert cb.mean() - cn.mean() >= 0.10
    assert mostly(tb, tn, NEARLY_ALL) and mostly(cb, cn, NEARLY_ALL)


def defection_rates(r):
    """(oportunista furtive acts per member-meeting, share of leads tengo que ganar keeps)."""
    f = r.firms
    opp = f[f.profile == "oportunista"]
    furtive = ((opp.renege > 0) | (opp.lead == "kept")).mean()
    tengo = f[f.profile == "tengo"]
    had = (tengo.lead != "none").sum()
    kept = (tengo.lead == "kept").sum() / had if had else 0.0
    return furtive, kept


def test_claim_02_sanctions_reduce_opportunism():
    """Sanctions discourage opportunism by making it inconvenient (004:L2026-2029).

    Effect: the oportunistas' rate of furtive acts per member-meeting under the baseline's
    graduated sanctions is at most half the rate with rules but no sanctions, and strict sanctions
    (more monitoring, larger fines, expulsion at the second strike) cut it further (measured on
    20 seeds: 0.81 -> 0.10 -> 0.05); tengo que ganar keeps at most 70 % as many of its export leads
    once sanctions make open defection cost more than it gains (measured 1.00 -> 0.20).
    """
    off = arm({"sanctions.enabled": False}, firms=True)
    base = arm(firms=True)
    strict = arm({"rules.monitoring": 0.6, "sanctions.fine": 15.0, "sanctions.warning": False,
                  "sanctions.expulsion_strikes": 2}, firms=True)
    r_off = per_seed(off, lambda r: defection_rates(r)[0])
    r_base = per_seed(base, lambda r: defection_rates(r)[0])
    r_strict = per_seed(strict, lambda r: defection_rates(r)[0])
    k_off = per_seed(off, lambda r: defection_rates(r)[1])
    k_base = per_seed(base, lambda r: defection_rates(r)[1])
    report("claim 2", oportunista_furtive_no_sanctions=r_off.mean(), baseline=r_base.mean(),
           strict=r_strict.mean(), tengo_keeps_no_sanctions=k_off.mean(), tengo_keeps_baseline=k_base.mean())
    assert r_base.mean() <= 0.5 * r_off.mean()
    assert r_strict.mean() < r_base.mean()
    assert mostly(r_off, r_base, NEARLY_ALL)
    assert k_base.mean() <= 0.7 * k_off.mean()


def applications(r):
    ev = r.events
    return ((ev.kind == "entry") | (ev.kind == "rejected")).sum() / GROUPS


def test_claim_03_fear_deters_joining():
    """Fear of opportunism is a main reason firms do not join (004:L73-75; L673-674).

    Effect: where the sector is known for opportunism (40 % oportunistas instead of none),
    candidate firms apply to join at most 70 % as often (measured on 20 seeds: 5.05 vs 3.03
    applications per group, x0.60).
    """
    clean = arm({"population.santo": 0.2, "population.solido": 0.6, "population.tengo": 0.2,
                 "population.oportunista": 0.0})
    risky = arm({"population.santo": 0.1, "population.solido": 0.3, "population.tengo": 0.2,
                 "population.oportunista": 0.4})
    a_clean, a_risky = per_seed(clean, applications), per_seed(risky, applications)
    report("claim 3", applications_per_group_clean=a_clean.mean(), risky=a_risky.mean())
    assert a_risky.mean() <= 0.7 * a_clean.mean()
    assert mostly(a_clean, a_risky, MOST)


def trust_gain_after(r):
    st = r.steps.sort_values(["group", "step"])
    st = st.assign(dtrust=st.groupby("group").trust.diff())
    live = st[st.alive & (st.phase >= 2) & st.dtrust.notna() & (st.members > 2)]
    placed = live[live.purchase_placed].dtrust.mean()
    failed = live[~live.purchase_placed].dtrust.mean()
    return placed - failed


def test_claim_04_trust_builds_through_joint_actions():
    """Trust builds step by step through successful collective actions (004:L2035-2055).

    With no facilitator (so nobody else lifts trust), trust rises by at least 0.01 more in a
    meeting whose joint purchase was placed than in one whose purchase failed, in every seed
    (measured on 20 seeds: 0.016, smallest seed 0.010).
    """
    runs = arm({"facilitator.schedule": "none"})
    diff = per_seed(runs, trust_gain_after)
    report("claim 4", dtrust_placed_minus_failed=diff.mean(), min_seed=diff.min())
    assert diff.mean() >= 0.01
    assert (diff > 0).all()


def member_gain(r, n):
    st = r.steps
    a = st[st.alive]
    steps = st.step.max() + 1
    return ((a.income_members - a.income_alone) * a.members).sum() / (GROUPS * n * steps)


def test_claim_05_size_raises_transaction_costs():
    """Larger groups have higher transaction costs; net benefit peaks at intermediate size.

    (004:L694-697; horizontal networks of 5-20 firms, 004:L149-228.) Effect: transaction cost
    per member rises with founding size 4 -> 10 -> 32 (by at least 30 % from 4 to 32), and the
    expected gain of a founding member per meeting is highest at 10 firms, at least 30 % above
    a 4-firm group and 15 % above a 32-firm group.
    """
    sizes = (4, 10, 32)
    tc, gain = {}, {}
    for n in sizes:
        runs = arm({"population.group_size": n, "population.slack": 2})
        tc[n] = per_seed(runs, lambda r: r.steps[r.steps.alive].transaction_cost.mean()).mean()
        gain[n] = per_seed(runs, lambda r, n=n: member_gain(r, n)).mean()
    report("claim 5", **{f"tc_{n}": tc[n] for n in sizes}, **{f"gain_{n}": gain[n] for n in sizes})
    assert tc[4] < tc[10] < tc[32]
    assert tc[32] >= 1.3 * tc[4]
    assert gain[10] >= 1.3 * gain[4]
    assert gain[10] >= 1.15 * gain[32]


@pytest.mark.xfail(strict=True, reason=(
    "measured with per-group random streams (issue 13) on 20 seeds: trust 0.896 (consensus) vs 0.862 "
    "(leader), leads missed 36 % vs 14 %, but exits 58.8 vs 49.2 (x1.20, asserted x1.3; x1.6 before issue "
    "11): with cheaters kept distrusted the leader rule's opacity costs it more members than before"))
def test_claim_06_consensus_tradeoff():
    """Consensus builds transparency and trust but slows the group and frustrates (004:L689-692).

    Effect, consensus vs a leader deciding: trust in the last quarter at least 0.02 higher, at
    least 30 % more export leads missed through slow decisions, and at least 30 % more exits.
    """
    cons, lead = arm({"rules.decision": "consensus"}), arm({"rules.decision": "leader"})
    t_c = per_seed(cons, lambda r: r.summary()["trust"])
    t_l = per_seed(lead, lambda r: r.summary()["trust"])
    miss_c = per_seed(cons, lambda r: r.steps.leads_missed.sum() / max(r.steps.leads.sum(), 1))
    miss_l = per_seed(lead, lambda r: r.steps.leads_missed.sum() / max(r.steps.leads.sum(), 1))
    ex_c = per_seed(cons, lambda r: r.summary()["exits"])
    ex_l = per_seed(lead, lambda r: r.summary()["exits"])
    report("claim 6", trust_consensus=t_c.mean(), trust_leader=t_l.mean(),
           missed_share_consensus=miss_c.mean(), missed_share_leader=miss_l.mean(),
           exits_consensus=ex_c.mean(), exits_leader=ex_l.mean())
    assert t_c.mean() - t_l.mean() >= 0.02
    assert miss_c.mean() >= 1.3 * miss_l.mean()
    assert ex_c.mean() >= 1.3 * ex_l.mean()


@pytest.mark.xfail(strict=True, reason=(
    "measured with per-group random streams (issue 13) on 20 seeds: 74.9 members (abrupt) vs 92.3 (taper), "
    "19 % fewer (asserted >= 20 %); income gain 1.7 % vs 5.9 % and 17 of 20 seeds in the direction (both "
    "hold). 40 other seeds: 73.0 vs 89.1, 18 %. The engine before the streams changed gave 73.8 vs 96.6 (24 %) "
    "on those 40 seeds; the gap between engines is about 1.5 standard errors. The collapse is there, its size "
    "sits on the threshold, and at 6 seeds the verdict depended on the stream"))
def test_claim_08_abrupt_exit_hurts_dependent_group():
    """A facilitator who never hands over leaves a group that collapses when support ends.

    (004:L1091-1102.) Same dependent facilitator (no empowerment), same end at meeting 52 (a
    budget large enough that the money does not end either schedule first): withdrawing at once
    instead of tapering from meeting 26 leaves at least 20 % fewer members at the end, and an
    income gain at least 2 points lower.
    """
    dep = {"facilitator.empowerment": 0.0, "facilitator.exit_at": 52, "programme.budget": 1e6,
           "manager.enabled": False}
    abrupt = arm({**dep, "facilitator.schedule": "abrupt"})
    taper = arm({**dep, "facilitator.schedule": "taper", "facilitator.taper_from": 26})
    m_a = per_seed(abrupt, lambda r: r.summary()["members"])
    m_t = per_seed(taper, lambda r: r.summary()["members"])
    g_a = per_seed(abrupt, lambda r: r.summary()["income_gain"])
    g_t = per_seed(taper, lambda r: r.summary()["income_gain"])
    report("claim 8", members_abrupt=m_a.mean(), members_taper=m_t.mean(), gain_abrupt=g_a.mean(),
           gain_taper=g_t.mean())
    assert m_a.mean() <= 0.8 * m_t.mean()
    assert g_t.mean() - g_a.mean() >= 0.02
    assert mostly(m_t, m_a, MOST)


def test_claim_10_weak_firms_rarely_efficient():
    """Efficient groups rarely form from weak firms (004:L1201-1204).

    Effect: groups made only of weak firms survive at least 0.25 less often and gain at least
    5 points less over going alone than groups made only of strong firms.
    """
    weak, strong = arm({"population.weak_share": 1.0}), arm({"population.weak_share": 0.0})
    s_w = per_seed(weak, lambda r: r.summary()["survival"])
    s_s = per_seed(strong, lambda r: r.summary()["survival"])
    g_w = per_seed(weak, lambda r: r.summary()["income_gain"])
    g_s = per_seed(strong, lambda r: r.summary()["income_gain"])
    report("claim 10", survival_weak=s_w.mean(), survival_strong=s_s.mean(), gain_weak=g_w.mean(),
           gain_strong=g_s.mean())
    assert s_s.mean() - s_w.mean() >= 0.25
    assert g_s.mean() - g_w.mean() >= 0.05
    assert mostly(s_s, s_w, NEARLY_ALL)


def test_claim_13_rushed_formalisation_backfires():
    """Rushed formalisation postpones conflicts that later split the group.

    (002:L330-334, L347-356; 004:L1402-1404.) Effect: formalising the consortium at meeting 6
    without waiting for trust (the reglamento is signed with it) brings at least 1.5 times as many
    conflicts (measured on 20 seeds: x2.1) and a survival rate at least 0.10 lower (measured 0.145)
    than a patient group.
    """
    patient = arm()
    rushed = arm({"lifecycle.consortium_at": 6, "lifecycle.patient": False})
    c_p = per_seed(patient, lambda r: r.summary()["conflicts"])
    c_r = per_seed(rushed, lambda r: r.summary()["conflicts"])
    s_p = per_seed(patient, lambda r: r.summary()["survival"])
    s_r = per_seed(rushed, lambda r: r.summary()["survival"])
    report("claim 13", conflicts_patient=c_p.mean(), conflicts_rushed=c_r.mean(),
           survival_patient=s_p.mean(), survival_rushed=s_r.mean())
    assert c_r.mean() >= 1.5 * c_p.mean()
    assert s_p.mean() - s_r.mean() >= 0.10
    assert mostly(c_r, c_p, NEARLY_ALL)


def test_claim_18_dipat_prevents_conflict():
    """Avoiding same-product overlap prevents conflict and loss of trust (DIPAT, 004:L276-278).

    Effect, with 10 product lines: the DIPAT rule cuts product conflicts to at most a tenth,
    raises trust in the last quarter by at least 0.02 and leaves at most 85 % of the exits.
    """
    overlap = arm({"population.products": 10})
    dipat = arm({"population.products": 10, "export.dipat": True, "rules.admission": "dipat"})
    c_o = per_seed(overlap, lambda r: r.summary()["conflicts"])
    c_d = per_seed(dipat, lambda r: r.summary()["conflicts"])
    t_o = per_seed(overlap, lambda r: r.summary()["trust"])
    t_d = per_seed(dipat, lambda r: r.summary()["trust"])
    e_o = per_seed(overlap, lambda r: r.summary()["exits"])
    e_d = per_seed(dipat, lambda r: r.summary()["exits"])
    report("claim 18", conflicts_overlap=c_o.mean(), conflicts_dipat=c_d.mean(), trust_overlap=t_o.mean(),
           trust_dipat=t_d.mean(), exits_overlap=e_o.mean(), exits_dipat=e_d.mean())
    assert c_d.mean() <= 0.1 * c_o.mean()
    assert t_d.mean() - t_o.mean() >= 0.02
    assert e_d.mean() <= 0.85 * e_o.mean()
