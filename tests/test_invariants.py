"""Invariants as Hypothesis properties over random valid scenarios: money is conserved at every
meeting, trust stays in [0, 1], nothing is NaN, membership counts add up, and the firms and
events tables agree with the steps table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.model import scenario as sch

ROOT = Path(__file__).resolve().parent.parent

# parameters drawn by the properties, with a cap on the schema's upper bound where the schema
# allows far more than a small fast run needs (None: the schema's own bounds)
KNOBS = {
    "population.groups": 3,
    "population.group_size": 10,
    "population.slack": 4,
    "population.weak_share": None,
    "population.products": 20,
    "trust.initial": None,
    "trust.betrayal": None,
    "trust.diffuse": None,
    "joint_purchase.min_lot": 60.0,  # keeps volume_full (60) >= min_lot
    "joint_purchase.sharing": None,
    "joint_purchase.matching": None,
    "export.enabled": None,
    "export.dipat": None,
    "export.lead_rate": 10.0,
    "export.overlap_conflict": None,
    "rules.enabled": None,
    "rules.adopt_at": 20,
    "rules.decision": None,
    "rules.admission": None,
    "rules.exit_notice": 4,
    "rules.forfeit": None,
    "rules.cost_sharing": None,
    "rules.monitoring": None,
    "rules.quorum": None,
    "rules.absence_fine": 5.0,
    "sanctions.enabled": None,
    "sanctions.warning": None,
    "sanctions.fine": 50.0,
    "sanctions.expulsion_strikes": 5,
    "facilitator.schedule": None,
    "facilitator.exit_at": 30,
    "lifecycle.phase2_at": 10,
    "lifecycle.consortium_at": 20,
    "lifecycle.patient": None,
    "lifecycle.entry_rate": None,
    "lifecycle.exit_rate": None,
    "lifecycle.conflict_exit": None,
    "lifecycle.backlog_conflict": None,
}


def value_of(key: str, cap):
    """A strategy for one parameter, from its schema record."""
    p = sch.param(key)
    if p.choices:
        return st.sampled_from(p.choices)
    if p.type is bool:
        return st.booleans()
    hi = p.hi if cap is None else min(p.hi, cap)
    if p.type is int:
        return st.integers(int(p.lo), int(hi))
    return st.floats(float(p.lo), float(hi), allow_nan=False)


@st.composite
def scenarios(draw):
    """A random valid scenario: a handful of knobs within their bounds, and a profile mix."""
    base = sch.from_dict({}, origin="<hypothesis>")
    over = {key: draw(value_of(key, cap)) for key, cap in KNOBS.items()}
    over["facilitator.taper_from"] = draw(st.integers(0, over["facilitator.exit_at"]))
    weights = np.array(draw(st.lists(st.integers(0, 10), min_size=4, max_size=4)), float)
    if weights.sum() == 0:
        weights[1] = 1.0
    for name, w in zip(sch.PROFILES, weights / weights.sum(), strict=True):
        over[f"population.{name}"] = float(w)
    return base.replace(over, origin="<hypothesis>")


runs = st.tuples(scenarios(), st.integers(0, 2**32), st.integers(5, 30))
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def previous_members(steps: pd.DataFrame, founders: int) -> pd.Series:
    """Members of each group just before each meeting (founders before the first)."""
    s = steps.sort_values(["group", "step"])
    prev = s.groupby("group")["members"].shift(1).fillna(founders).astype(int)
    return prev.reindex(steps.index)


def check_invariants(res: sim.Results, sc: sim.Scenario, steps: int) -> int:
    st_, firms, ev = res.steps, res.firms, res.events
    G = sc.population.groups
    assert len(st_) == G * steps
    assert st_.groupby("step").size().eq(G).all()

    # money: the supplier is paid exactly what the members pay into the pooled order
    np.testing.assert_allclose(st_["supplier_bill"], st_["member_payments"], rtol=1e-9, atol=1e-7)
    assert (st_.loc[~st_["purchase_placed"], "supplier_bill"] == 0).all()
    # money: the consortium fund only moves by what the steps table says came in and went out
    s = st_.sort_values(["group", "step"])
    before = s.groupby("group")["fund"].shift(1).fillna(0.0)
    flow = (s["quotas"] + s["commissions"] + s["fines"] - s["promotion"] - s["refunds"]
            - s["manager_fund"])
    # money: the programme's account only falls, by what it paid, and never below zero
    paid = s.groupby("group")["programme_cost"].cumsum()
    np.testing.assert_allclose(s["programme_left"], sc.programme.budget - paid, rtol=1e-9, atol=1e-7)
    assert (s["programme_left"] >= 0).all()
    # money: the manager is paid from the fund first, the members pay the rest
    assert ((s["manager_fund"] >= 0) & (s["manager_fund"] <= s["manager_pay"] + 1e-12)).all()
    np.testing.assert_allclose(s["fund"], before + flow, rtol=1e-9, atol=1e-7)
    assert (st_["fund"] >= -1e-9).all()
    for col in ("quotas", "commissions", "fines", "promotion", "refunds", "volume"):
        assert (st_[col] >= 0).all(), col

    # trust in range, nothing NaN where a number is always defined
    for col in (
        "trust",
        "fund",
        "income_members",
        "income_alone",
        "income_gain",
        "cooperation",
        "attendance",
        "detection",
        "transaction_cost",
        "self_governance",
        "coordination",
    ):
        assert st_[col].notna().all(), col
    for col in ("trust", "cooperation", "attendance", "detection", "facilitator", "discount"):
        assert st_[col].between(0.0, 1.0).all(), col
    for name in sch.PROFILES:
        c = st_[f"coop_{name}"].dropna()
        assert c.between(0.0, 1.0).all()

    # membership adds up: what was there, plus entries, minus exits and expulsions
    prev = previous_members(st_, sc.population.group_size)
    expect = prev + st_["entries"] - st_["exits"] - st_["expulsions"]
    was_alive = (
        st_.sort_values(["group", "step"])
        .groupby("group")["alive"]
        .shift(1)
        .fillna(True)
        .astype(bool)
        .reindex(st_.index)
    )
    dissolved = was_alive & ~st_["alive"]
    assert (st_.loc[~dissolved, "members"] == expect[~dissolved]).all()
    assert (st_.loc[~st_["alive"], "members"] == 0).all()
    assert (st_["members"] <= sc.population.group_size + sc.population.slack).all()
    assert (~st_["alive"]).groupby(st_["group"]).apply(lambda d: d.is_monotonic_increasing).all()

    # the events table tells the same story as the counts
    for kind, col in (("entry", "entries"), ("exit", "exits"), ("expulsion", "expulsions")):
        n = ev[ev["kind"] == kind].groupby(["step", "group"]).size()
        got = st_.set_index(["step", "group"])[col]
        assert n.reindex(got.index, fill_value=0).astype(int).tolist() == got.astype(int).tolist()
    assert (ev.groupby("group")["kind"].apply(lambda k: (k == "dissolution").sum()) <= 1).all()

    # the firms table holds every member of every meeting, before that meeting's exits
    if sc.run.firm_table == "full":
        rows = firms.groupby(["step", "group"]).size()
        want = prev.set_axis(pd.MultiIndex.from_frame(st_[["step", "group"]]))
        assert rows.reindex(want.index, fill_value=0).tolist() == want.tolist()
        assert not firms.duplicated(["step", "firm"]).any()
        for col in (
            "payoff",
            "alone",
            "trust_given",
            "trust_received",
            "cooperation",
            "commit",
            "renege",
            "fine",
            "quota_paid",
        ):
            assert firms[col].notna().all(), col
        for col in ("trust_given", "trust_received", "cooperation", "commit", "renege"):
            assert firms[col].between(0.0, 1.0).all(), col
        # group sums of the firms table are the steps table's sums
        by = firms.groupby(["step", "group"])
        sums = st_.set_index(["step", "group"])
        np.testing.assert_allclose(
            by["quota_paid"].sum().reindex(sums.index, fill_value=0), sums["quotas"], rtol=1e-5, atol=1e-4
        )
        np.testing.assert_allclose(
            by["fine"].sum().reindex(sums.index, fill_value=0), sums["fines"], rtol=1e-5, atol=1e-4
        )
        gone = firms["status"].isin(["exiting", "expelled"]).groupby([firms["step"], firms["group"]]).sum()
        out = (sums["exits"] + sums["expulsions"])[~dissolved.set_axis(sums.index)]
        assert gone.reindex(out.index, fill_value=0).tolist() == out.tolist()
    return len(st_)


def sanctions_of(table: pd.DataFrame) -> list[tuple[int, int, str]]:
    """(step, firm, sanction) of every row that carries a sanction, sorted."""
    rows = table[table["sanction"].notna() & (table["sanction"] != "none")]
    return sorted(zip(rows["step"].astype(int), rows["firm"].astype(int), rows["sanction"].astype(str), strict=True))


@PROPERTY
@given(runs)
def test_invariants_hold_for_random_scenarios(case):
    sc, seed, steps = case
    res = sim.run(sc, seed=seed, steps=steps)
    assert check_invariants(res, sc, steps) == sc.population.groups * steps


# Found by the property above in a CI run (2026-12-02): seven of ten members left at one meeting
# and their refunds took the whole fund, but the rounded shares added up to 3.6e-15 more than it
# held; the fund went below zero and the next meeting spent a negative promotion budget.
FUND_EMPTIED_BY_REFUNDS = {
    "population.group_size": 10, "population.slack": 0, "population.santo": 0.25, "population.solido": 0.0,
    "population.tengo": 0.375, "population.oportunista": 0.375, "population.weak_share": 0.0,
    "population.products": 1, "joint_purchase.min_lot": 0.0, "export.lead_rate": 0.0,
    "export.overlap_conflict": 0.0, "trust.initial": 0.5, "trust.betrayal": 0.0, "trust.diffuse": 0.0,
    "rules.adopt_at": 0, "rules.decision": "consensus", "rules.admission": "open", "rules.exit_notice": 0,
    "rules.forfeit": False, "rules.cost_sharing": "equal", "rules.monitoring": 0.0, "rules.quorum": 1.0,
    "rules.absence_fine": 1.0, "sanctions.enabled": False, "sanctions.warning": False, "sanctions.fine": 0.0,
    "sanctions.expulsion_strikes": 1, "facilitator.schedule": "none", "facilitator.exit_at": 0,
    "facilitator.taper_from": 0, "lifecycle.phase2_at": 0, "lifecycle.consortium_at": 0,
    "lifecycle.patient": False, "lifecycle.backlog_conflict": 0.0, "lifecycle.entry_rate": 0.0,
    "lifecycle.exit_rate": 1.0, "lifecycle.conflict_exit": 0.0,
}


def test_refunds_that_empty_the_fund_leave_it_at_zero_not_below():
    sc = sch.from_dict({}, origin="<regression>").replace(FUND_EMPTIED_BY_REFUNDS, origin="<regression>")
    res = sim.run(sc, seed=24, steps=10)
    st_ = res.steps
    emptied = (st_["refunds"] > 0) & (st_["fund"] == 0.0)
    assert emptied.any()  # the case still empties a fund by refunds
    assert (st_["fund"] >= 0.0).all() and (st_["promotion"] >= 0.0).all()
    assert check_invariants(res, sc, 10) == sc.population.groups * 10


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs)
def test_dyadic_trust_stays_in_range_at_every_meeting(case):
    sc, seed, steps = case
    live = sim.LiveRun(sc, seed=seed)
    m = live.model
    for _ in range(steps):
        live.advance(1)
        seats = m.member[:, :, None] & m.member[:, None, :]
        T = m.T[seats]
        assert np.isfinite(T).all()
        assert ((T >= 0.0) & (T <= 1.0)).all(), (T.min(initial=0), T.max(initial=1))
        assert np.isfinite(m.payoff).all() and np.isfinite(m.fund).all()


def test_the_invariants_check_sees_a_broken_table(small):
    # the checker must fail when the money does not add up (guards against a vacuous check)
    res = sim.run(small, seed=2, steps=20)
    assert check_invariants(res, small, 20) == 40
    res.steps.loc[res.steps.index[5], "fund"] += 1.0
    try:
        check_invariants(res, small, 20)
    except AssertionError:
        return
    raise AssertionError("a broken fund went unnoticed")




def test_a_sanction_after_an_undetected_renege_is_reported(baseline):
    from test_profiles import CONSORTIUM, lab

    from sim.model.profiles import Manual

    sc = lab(
        baseline,
        "santo",
        **{
            **CONSORTIUM,
            "rules.monitoring": 0.0,
            "facilitator.information": 0.0,
            "profiles.santo_report": 0.0,
            "export.lead_rate": 0.0,
        },
    )
    live = sim.LiveRun(sc, seed=2)
    firm = int(live.model.firm_id[0, 0])
    live.set_decider(firm, Manual(commit=1.0, renege=1.0, pay_quota=False))
    live.advance(3)
    res = live.results()
    mine = res.firms[res.firms["firm"] == firm]
    assert mine["sanction"].tolist() == ["warning", "fine", "expulsion"]
    assert (res.events[res.events["firm"] == firm]["kind"] == "renege").sum() == 3
    assert sanctions_of(res.firms) == sanctions_of(res.events)


def busy(baseline) -> sim.Scenario:
    """A fixed scenario where every money flow and membership change happens.

    Six groups: with three, whether seed 4 brings an expulsion depends on the random streams (it did
    before the streams became per group, and did not after).
    """
    return baseline.replace(
        {
            "population.groups": 6,
            "lifecycle.patient": False,
            "lifecycle.consortium_at": 5,
            "rules.adopt_at": 2,
            "rules.forfeit": False,
            "rules.absence_fine": 1.0,
            "lifecycle.entry_rate": 0.5,
            "lifecycle.exit_rate": 0.5,
            "export.lead_rate": 5.0,
            "rules.monitoring": 0.8,
            "sanctions.expulsion_strikes": 2,
        }
    )


def test_a_busy_scenario_exercises_every_flow(baseline):
    # the properties above are known to be tested on non-zero values
    sc = busy(baseline)
    res = sim.run(sc, seed=4, steps=60)
    check_invariants(res, sc, 60)
    s = res.steps
    for col in ("quotas", "commissions", "fines", "promotion", "refunds", "supplier_bill"):
        assert s[col].sum() > 0, col
    for col in ("entries", "exits", "expulsions"):
        assert s[col].sum() > 0, col
    for col in ("programme_cost", "facilitator_copay", "manager_pay", "manager_fund"):
        assert s[col].sum() > 0, col


def test_every_sanction_is_reported_in_the_events_table(baseline):
    # built-in profiles only: oportunistas renege and keep leads in the same meeting
    res = sim.run(busy(baseline), seed=4, steps=60)
    assert len(sanctions_of(res.firms)) > 20
    assert sanctions_of(res.firms) == sanctions_of(res.events)


def test_every_per_seat_array_is_declared_once_and_empty_seats_hold_their_cleared_values(baseline):
    """sim/model/state.py declares each (groups, seats) array; the model allocates, seats, clears and
    re-matches from that one list."""
    from sim.model import AsociaModel
    from sim.model.state import KEEP, SEATS

    model = AsociaModel(busy(baseline), seed=4)
    for _ in range(40):
        model.step()
    shape = (model.G, model.C)
    empty = ~model.member
    # some firms have left (their agents stay, without a seat), so cleared seats are checked
    assert empty.any() and len(model.firms) > int(model.member.sum())
    for a in SEATS:
        arr = getattr(model, a.name)
        assert arr.shape == shape and arr.dtype == np.dtype(a.dtype), a.name
        if a.leave is not KEEP:
            assert (arr[empty] == a.leave).all(), a.name


@pytest.mark.parametrize("path", ["scenarios/baseline.toml", "scenarios/lab/strangers_pgg.toml",
                                  "scenarios/lab/partners_punishment.toml", "scenarios/dipat_consortium.toml"])
def test_every_attribute_of_the_model_is_declared_in_state(path):
    """Nothing that passes between agenda items is created on the fly: the model holds exactly what
    sim/model/state.py declares (per seat, per group, per meeting, and the model's own), each per-meeting
    quantity with the shape and dtype declared and written by the agenda item named."""
    import inspect

    import mesa

    from sim.model import AsociaModel
    from sim.model.state import GROUPS, MEETING, MODEL, SEATS

    model = AsociaModel(sim.load_scenario(ROOT / path), seed=3)
    before = set(vars(model))
    for _ in range(30):
        model.step()
    mesa_own = set(vars(mesa.Model(rng=1)))
    declared = {a.name for a in (*SEATS, *GROUPS, *MEETING)} | set(MODEL)
    assert set(vars(model)) == before, "an agenda item created an attribute the model did not declare"
    assert set(vars(model)) - mesa_own == declared
    shape = (model.G, model.C)
    for a in MEETING:
        value = getattr(model, a.name)
        if a.kind == "object":
            assert value is not None, a.name
            continue
        assert value.shape == {"seat": shape, "group": shape[:1], "pair": (*shape, shape[1])}[a.kind], a.name
        assert value.dtype == np.dtype(a.dtype), a.name
        assert a.name in _assigned(inspect.getsource(getattr(AsociaModel, a.by))), f"{a.name} is not written in {a.by}"


def _assigned(source: str) -> set[str]:
    """Names ``x`` of the ``self.x = ...`` assignments in a method's source (tuple targets included)."""
    import ast
    import textwrap

    names = set()
    for node in ast.walk(ast.parse(textwrap.dedent(source))):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AugAssign, ast.AnnAssign)) else []
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
                    names.add(sub.attr)
    return names


@pytest.mark.parametrize("dissolving", [False, True])
def test_the_arrays_kernels_write_in_place_are_written_whole_at_every_meeting(baseline, dissolving):
    """The arrays of state.IN_PLACE are made once and written over by their kernels at every meeting:
    every element, so nothing of the meeting before survives. Filled with junk before each meeting,
    they end every meeting as in an untouched model, and so do the tables."""
    from sim.model import AsociaModel
    from sim.model.state import IN_PLACE

    sc = busy(baseline)
    if dissolving:   # a group dissolves too (another path through update_membership)
        sc = sc.replace({"lifecycle.min_members": 7})
    # what the kernels also read (a member's state carried from one meeting to the next) keeps its value
    carried = {"ema_gain", "engagement", "leaving"}
    names = [n for item in IN_PLACE.values() for n in item if n not in carried]
    plain, junk = AsociaModel(sc, seed=4), AsociaModel(sc, seed=4)
    for _ in range(40):
        for name in names:
            arr = getattr(junk, name)
            arr[...] = True if arr.dtype == bool else 7
        plain.step()
        junk.step()
        for name in names:
            assert np.array_equal(getattr(plain, name), getattr(junk, name)), (junk.t, name)
        for item, item_names in IN_PLACE.items():   # the same arrays, meeting after meeting
            assert all(getattr(junk, n) is a for n, a in zip(item_names, junk._out[item], strict=True)), item
    a, b = plain.log.frames(sentences=False), junk.log.frames(sentences=False)
    for table in ("steps", "firms", "events"):
        pd.testing.assert_frame_equal(a[table], b[table], check_exact=True, obj=table)
    assert int(b["steps"]["exits"].sum()) > 0 and int(b["steps"]["entries"].sum()) > 0
    if dissolving:
        assert not b["steps"].groupby("group")["alive"].last().all()
