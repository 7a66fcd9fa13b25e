"""Claims about programme design as multi-seed tests with stated effect sizes (issue 12).

Each test plays arms of the baseline on the same replication seeds (``SeedSequence.spawn`` from
one root; 100 seeds, see docs/model.md §5), 20 groups per run, and asserts an effect size with a
margin and the direction in most seeds. Measured values are printed (``pytest -s``) and recorded
in docs/model.md §5. A claim the model does not reproduce is marked ``xfail(strict=True)`` with the
measured figure, not tuned.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import CLAIMS_ROOT, CLAIMS_SCALE

import sim
from sim.model.scenario import Scenario
from sim.results.seeds import replication_seeds

SEEDS = replication_seeds(CLAIMS_ROOT, 100 * CLAIMS_SCALE)  # played as one batch per arm (sim.run_batch)
MOST = 5 / 6   # share of paired seeds in the claim's direction (first written as 5 of 6)
BASE = Scenario()
GROUPS = 20
ROOT = Path(__file__).resolve().parent.parent

# three ways of spending the same budget (the default [programme] budget)
TAPER = {}
ABRUPT = {"facilitator.schedule": "abrupt", "facilitator.exit_at": 5000, "facilitator.empowerment": 0.0}
LAST_DAY = {"facilitator.schedule": "permanent"}


def arm(overrides=None, *, groups=GROUPS, seeds=SEEDS):
    """Runs of the baseline with overrides, one per replication seed."""
    sc = BASE.replace({"population.groups": groups, "run.firm_table": "off", **(overrides or {})})
    return sim.run_batch(sc, seeds, tables=("runs", "steps", "events"))


def per_seed(runs, fn):
    return np.array([fn(r) for r in runs], dtype=float)


def outcome(key):
    return lambda r: r.summary()[key]


def report(name, **values):
    print(f"\n[{name}] " + ", ".join(f"{k}={v:.3f}" for k, v in values.items()))


def year3(r, fn):
    st = r.steps
    return fn(st[(st.step >= 52) & (st.step < 78)])


def at_least(difference, threshold, seeds):
    """``difference >= threshold`` for a difference of two means of shares of GROUPS groups over ``seeds``.

    Such a mean is a multiple of 1/(GROUPS * seeds), one group of one run: compared in those units, so
    that e.g. 0.890 - 0.850 counts as the 0.04 it is (in floating point it comes out as 0.03999...).
    """
    units = GROUPS * seeds
    return round(units * difference) >= round(threshold * units)


@pytest.fixture(scope="module")
def designs():
    """The default budget spent three ways, on the same seeds."""
    return {"taper": arm(TAPER), "abrupt": arm(ABRUPT), "last_day": arm(LAST_DAY)}


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "measured on 100 seeds (root 2026): alive two years after 0.896 (taper) vs 0.765 (abrupt), +0.131 "
    "(standard error 0.008; asserted +0.15), never fewer in 98 of 100 seeds (asserted all); cheaper per group "
    "alive (781 vs 933). At 20 seeds it held on 4 of 5 roots (not on 2026: +0.145), at 100 seeds on 3 of 5 "
    "(+0.131 to +0.160; docs/model.md §5). After issue 11 the "
    "profiles cooperate more (sólidos and tengos commit fully when the purchase pays, oportunistas learn), so "
    "groups survive at 0.9 and contrasts shrink"))
def test_programme_claim_01_taper_with_handover_beats_abrupt_exit(designs):
    """At equal budget, a gradual taper with hand-over leaves more groups alive than an abrupt exit.

    (004:L1091-1102.) The default budget spent two ways: the planned taper (full presence for a
    year, then a linear decline to meeting 52, tasks handed over as it steps back), and a
    facilitator who does the work herself and leaves at once when the money ends. Two years after
    each programme's end the taper keeps at least 0.15 more groups alive (measured on 100 seeds:
    0.896 vs 0.765), never fewer in any seed, and costs less per group alive then (measured 781 vs 933).
    """
    a_t, a_a = (per_seed(designs[k], outcome("alive_2y")) for k in ("taper", "abrupt"))
    c_t, c_a = (per_seed(designs[k], outcome("programme_cost")) for k in ("taper", "abrupt"))
    k_t, k_a = (per_seed(designs[k], outcome("cost_per_group_2y")) for k in ("taper", "abrupt"))
    report("programme claim 1", alive_2y_taper=a_t.mean(), abrupt=a_a.mean(), cost_taper=c_t.mean(),
           cost_abrupt=c_a.mean(), cost_per_alive_taper=k_t.mean(), abrupt_=k_a.mean())
    d = a_t - a_a
    print(f"[programme claim 1] taper - abrupt {d.mean():+.4f} (s.e. {d.std(ddof=1) / np.sqrt(len(d)):.4f}), "
          f"never fewer in {int((a_t >= a_a).sum())} of {len(d)} seeds")
    # equal budget: each design spends (almost) all of it (groups that dissolve spend less)
    budget = BASE.programme.budget
    assert all(abs(c.mean() - budget) <= 0.05 * budget for c in (c_t, c_a))
    assert at_least(a_t.mean() - a_a.mean(), 0.15, len(a_t))
    assert (a_t >= a_a).all()
    assert k_t.mean() < k_a.mean()


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "measured on 100 seeds (root 2026): alive two years after 0.896 (taper) vs 0.871 (to the last day), "
    "+0.025 (asserted +0.04; at 20 seeds +0.040 held), and the taper is worse in 12 of 100 seeds (asserted "
    "never); cost per group alive 781 vs 811 (cheaper: holds). Groups carried to the last day mostly "
    "recover: after the exit self-governance grows at the full hand-over rate, and the trust the facilitator "
    "built carries them"))
def test_programme_claim_02_taper_with_handover_beats_staying_to_the_last_day(designs):
    """At equal budget, a gradual taper leaves more groups alive than staying to the last day.

    (004:L1091-1102: "si el facilitador fracasa a este respecto, la supervivencia del grupo
    dependerá de su presencia".) The same budget spent on a facilitator at full presence (default
    empowerment) until the money ends: two years after each programme's end the taper keeps at
    least 0.04 more groups alive and is never worse in a seed.
    """
    a_t, a_l = (per_seed(designs[k], outcome("alive_2y")) for k in ("taper", "last_day"))
    k_t, k_l = (per_seed(designs[k], outcome("cost_per_group_2y")) for k in ("taper", "last_day"))
    report("programme claim 2", alive_2y_taper=a_t.mean(), last_day=a_l.mean(),
           cost_per_alive_taper=k_t.mean(), last_day_=k_l.mean())
    print(f"[programme claim 2] the taper is worse in {int((a_t < a_l).sum())} of {len(a_t)} seeds")
    assert k_t.mean() < k_l.mean()
    assert at_least(a_t.mean() - a_l.mean(), 0.04, len(a_t))
    assert (a_t >= a_l).all()


@pytest.mark.slow
def test_programme_claim_03_manager_keeps_founders_through_year_3():
    """A manager hired at about 1.5 years keeps founders and shrinks the year-3 crisis.

    (004 Tabla 4; L1423-1429; L2683-2686.) The baseline with and without a manager paid from the
    group's fund, hired once the group coordinates a quarter of its work itself: at least 0.10
    more of the founding members are still members at the end of year 3 (measured on 100 seeds:
    0.61 -> 0.76), joint purchases fail in year 3 at most half as often (measured 0.38 -> 0.18), and
    year 3 holds a smaller share of all exits and expulsions (measured 0.66 -> 0.51).
    """
    without, with_ = arm({"manager.enabled": False}), arm()
    f_n, f_m = per_seed(without, outcome("founders_kept_y3")), per_seed(with_, outcome("founders_kept_y3"))

    def failed(r):
        return year3(r, lambda s: 1.0 - s[s.alive].purchase_placed.mean())

    def exit_share(r):
        st = r.steps
        gone = st.exits + st.expulsions
        return year3(r, lambda s: (s.exits + s.expulsions).sum()) / max(gone.sum(), 1)

    x_n, x_m = per_seed(without, failed), per_seed(with_, failed)
    e_n, e_m = per_seed(without, exit_share), per_seed(with_, exit_share)
    report("programme claim 3", founders_y3_without=f_n.mean(), with_manager=f_m.mean(),
           y3_failures_without=x_n.mean(), with_=x_m.mean(), y3_exit_share_without=e_n.mean(),
           with__=e_m.mean())
    print(f"[programme claim 3] more founders kept with a manager in {int((f_m > f_n).sum())} of {len(f_m)} seeds")
    assert f_m.mean() - f_n.mean() >= 0.10
    assert float((f_m > f_n).mean()) >= MOST
    assert x_m.mean() <= 0.5 * x_n.mean()
    assert e_m.mean() < e_n.mean()


def test_programme_claims_are_documented():
    """docs/model.md §5 names every claim test of this file, and names none that is missing."""
    text = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`(test_programme_claim_\d+_[a-z0-9_]+)`", text))
    source = Path(__file__).read_text(encoding="utf-8")
    defined = set(re.findall(r"^def (test_programme_claim_\d+_[a-z0-9_]+)\(", source, flags=re.M))
    assert defined and named == defined


def attendance_by_year(r):
    """Mean attendance of live groups in joint-action phases, year 1 and year 4."""
    st = r.steps
    live = st[st.alive & (st.phase >= 2)]
    return live[live.step < 26].attendance.mean(), live[live.step >= 78].attendance.mean()


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "measured on 100 seeds (root 2026): weak-firm groups attend 0.644 in year 1 and 0.604 in year 4 (-0.040, "
    "asserted -0.10; lower in 87 of 100 seeds); strong-firm groups 0.651 -> 0.667. Weak groups now gain "
    "more (more cooperation since issue 11), so fewer members stay below the clear-gain line"))
def test_programme_claim_04_participation_falls_where_benefits_are_unclear():
    """Involvement falls in day-to-day operation unless the benefits are clear (004:L720-741).

    Groups of weak firms, whose members mostly earn no clear gain over going alone, attend at
    least 0.10 less in year 4 than in year 1 (measured on 100 seeds: 0.64 -> 0.60, live groups); groups
    of strong firms, with clear gains, do not fall by more than 0.02 (measured 0.65 -> 0.67). The
    decay rule is given (sim/model/kernels.py ``_engaged``); what the test checks is that
    the model's gains make it bite where the guide says.
    """
    weak = per_seed(arm({"population.weak_share": 1.0}), attendance_by_year)
    strong = per_seed(arm({"population.weak_share": 0.0}), attendance_by_year)
    report("programme claim 4", weak_y1=weak[:, 0].mean(), weak_y4=weak[:, 1].mean(),
           strong_y1=strong[:, 0].mean(), strong_y4=strong[:, 1].mean())
    fell = int((weak[:, 1] < weak[:, 0]).sum())
    print(f"[programme claim 4] weak groups lower in year 4 in {fell} of {len(weak)} seeds")
    assert weak[:, 0].mean() - weak[:, 1].mean() >= 0.10
    assert strong[:, 0].mean() - strong[:, 1].mean() <= 0.02
    assert float((weak[:, 1] < weak[:, 0]).mean()) >= MOST


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "measured on 100 seeds (root 2026): baseline attendance (live groups) 0.651 in year 1 -> 0.663 in year 4 "
    "(lower in 22 of 100 seeds); it rises, because members who gain little leave "
    "and trust, which raises attendance, grows. Decay bites only where gains stay below 2 %"))
def test_programme_claim_05_participation_falls_in_the_baseline():
    """In the baseline, participation falls from year 1 to year 4 (004:L720-741).

    Asserted: attendance of live groups at least 0.02 lower in year 4 than in year 1.
    """
    base = per_seed(arm(), attendance_by_year)
    report("programme claim 5", y1=base[:, 0].mean(), y4=base[:, 1].mean())
    print(f"[programme claim 5] lower in year 4 in {int((base[:, 1] < base[:, 0]).sum())} of {len(base)} seeds")
    assert base[:, 0].mean() - base[:, 1].mean() >= 0.02


def net_per_member(r):
    """Members' income over going alone per member and meeting, live groups, years 3-4."""
    st = r.steps
    live = st[st.alive & (st.step >= 52)]
    return ((live.income_members - live.income_alone) * live.members).sum() / max(live.members.sum(), 1)


def by_size(n):
    return arm({"population.group_size": n, "population.slack": max(2, n // 2)})


@pytest.fixture(scope="module")
def sizes():
    """The baseline founded with 5, 8, 12 and 20 firms (004:L175-176: horizontal networks of 5-20)."""
    return {n: by_size(n) for n in (5, 8, 12, 20)}


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "measured on 100 seeds (root 2026): net benefit per member and meeting "
    "7.7 / 6.9 / 5.7 / 4.2 at 5 / 8 / 12 / 20 firms: it falls with size and peaks at 5, the edge of the "
    "range, not inside it. Once 5-firm groups reach their lot (committing pays), their lower transaction "
    "costs win"))
def test_programme_claim_06_net_benefit_per_member_peaks_at_intermediate_size(sizes):
    """Net benefit per member peaks at an intermediate size within 5-20 firms.

    (004:L694-697: larger and more diverse groups have higher transaction costs; 004:L447-450:
    five firms are easier to articulate than a province-wide cluster.) Income over going alone
    per member and meeting in live groups, years 3-4: the best founding size lies strictly
    inside 5-20 and beats 20 firms by at least 25 % (measured on 100 seeds: 7.7 / 6.9 / 5.7 / 4.2 at
    5 / 8 / 12 / 20).
    """
    net = {n: per_seed(runs, net_per_member) for n, runs in sizes.items()}
    means = {n: v.mean() for n, v in net.items()}
    report("programme claim 6", **{f"net_{n}": m for n, m in means.items()})
    best = max(means, key=means.get)
    assert 5 < best < 20
    assert means[best] >= 1.25 * means[20]


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "measured on 100 seeds (root 2026): 5-firm groups survive 0.611 (8 firms 0.896, 12 firms 0.967, 20 firms "
    "0.997); asserted >= 0.5 (holds) and >= 0.7 x the 8-firm survival (0.627: missed by 0.016). Every "
    "dissolution is by size (777 of 777 at 5 firms, 207 of 207 at 8): a 5-firm group is three net departures "
    "from lifecycle.min_members = 3, and it places 0.80 of its joint purchases (8 firms: 0.86) near the "
    "minimum lot. At 20 seeds it held on 1 of 5 roots, at 100 seeds on none"))
def test_programme_claim_07_five_firm_group_is_viable(sizes):
    """A 5-firm group is viable: it survives at least half as often as 8-firm groups (004:L447-450).

    Asserted: survival at 5 firms at least 0.5 and at least 0.7 times survival at 8 firms.
    """
    surv = {n: per_seed(runs, outcome("survival")).mean() for n, runs in sizes.items()}
    report("programme claim 7", **{f"survival_{n}": v for n, v in surv.items()})
    for n in (5, 8):   # the cause: dissolutions by size (fewer than min_members left), purchases placed
        ev = [r.events[r.events.kind == "dissolution"] for r in sizes[n]]
        by_size = sum(int((e.amount < BASE.lifecycle.min_members).sum()) for e in ev)
        placed = per_seed(sizes[n], lambda r: r.steps[r.steps.alive & (r.steps.phase >= 2)].purchase_placed.mean())
        print(f"[programme claim 7] {n} firms: {sum(len(e) for e in ev)} dissolutions, {by_size} by size; "
              f"live groups place {placed.mean():.3f} of their joint purchases")
    assert surv[5] >= 0.5
    assert surv[5] >= 0.7 * surv[8]


WILLING = {"population.santo": 0.4, "population.solido": 0.5, "population.tengo": 0.05,
           "population.oportunista": 0.05, "population.active": 0.4, "population.passive": 0.45,
           "population.barely": 0.15, "population.weak_share": 1.0}
RELUCTANT = {"population.santo": 0.05, "population.solido": 0.25, "population.tengo": 0.35,
             "population.oportunista": 0.35, "population.active": 0.1, "population.passive": 0.35,
             "population.barely": 0.55, "population.weak_share": 0.0}


@pytest.mark.slow
def test_programme_claim_08_willingness_beats_resources():
    """A willing group of weak firms does better than a reluctant group of strong firms.

    (004:L1703-1711: "es preferible comenzar con un grupo con recursos limitados pero interesado
    en asociarse".) Willing: mostly santos and sólidos, many active members, all weak firms;
    reluctant: mostly tengo que ganar and oportunistas, mostly barely participating, all strong
    firms. The willing group survives at least 0.25 more often (measured on 100 seeds: 0.973 vs 0.545)
    and keeps more of its founders. Among the groups that survive, the strong firms still gain more over
    going alone (measured +8.2 % vs +9.3 %): resources pay, willingness keeps the group together.
    """
    willing, reluctant = arm(WILLING), arm(RELUCTANT)
    s_w, s_r = per_seed(willing, outcome("survival")), per_seed(reluctant, outcome("survival"))
    f_w, f_r = per_seed(willing, outcome("founders_kept")), per_seed(reluctant, outcome("founders_kept"))
    g_w, g_r = per_seed(willing, outcome("income_gain")), per_seed(reluctant, outcome("income_gain"))
    report("programme claim 8", survival_willing=s_w.mean(), reluctant=s_r.mean(),
           founders_willing=f_w.mean(), founders_reluctant=f_r.mean(), gain_willing=g_w.mean(),
           gain_reluctant=g_r.mean())
    print(f"[programme claim 8] the willing group survives more in {int((s_w > s_r).sum())} of {len(s_w)} seeds")
    assert s_w.mean() - s_r.mean() >= 0.25
    assert f_w.mean() > f_r.mean()
    assert float((s_w > s_r).mean()) >= MOST


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "measured on 100 seeds (root 2026): net benefit 7.34 -> 5.77 (-21 %, asserted -15 %: holds, lower in 100 "
    "of 100 seeds) but survival 0.904 -> 0.855 (-0.05, asserted -0.10). After issue 11 the "
    "profiles cooperate more (sólidos and tengos commit fully when the purchase pays, oportunistas learn), so "
    "groups survive at 0.9 and contrasts shrink"))
def test_programme_claim_09_diversity_costs_net_benefit_and_survival():
    """A more diverse group pays more to coordinate, so it gains less and survives less (004:L694-697).

    ("Mientras más grande y diverso el grupo los costos de transacción son más altos.") Cultural
    and institutional diversity 0.7 against 0: income over going alone per member and meeting
    (live groups, years 3-4) at least 15 % lower (measured on 100 seeds: 7.3 -> 5.8) and survival at
    least 0.10 lower (measured 0.904 -> 0.855). The cost rule is given (``lifecycle.tc_diversity``);
    the test checks that it carries through to survival.
    """
    same, diverse = arm({"population.diversity": 0.0}), arm({"population.diversity": 0.7})
    n_s, n_d = per_seed(same, net_per_member), per_seed(diverse, net_per_member)
    s_s, s_d = per_seed(same, outcome("survival")), per_seed(diverse, outcome("survival"))
    report("programme claim 9", net_homogeneous=n_s.mean(), net_diverse=n_d.mean(),
           survival_homogeneous=s_s.mean(), survival_diverse=s_d.mean())
    print(f"[programme claim 9] net benefit lower with diversity in {int((n_s > n_d).sum())} of {len(n_s)} seeds")
    assert n_d.mean() <= 0.85 * n_s.mean()
    assert s_s.mean() - s_d.mean() >= 0.10
    assert float((n_s > n_d).mean()) >= MOST
