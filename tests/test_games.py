"""The two games as value objects: payoff arithmetic on hand-computed cases, the public-goods
special case as a property, and the coefficient checks that keep each game a dilemma."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.games import ExportGame, JointPurchaseGame

# list price 10, minimum lot 20 units (5 % off), full discount 15 % at 60 units
GAME = dict(
    list_price=10.0,
    min_lot=20.0,
    volume_full=60.0,
    discount_min=0.05,
    discount_max=0.15,
    handling_cost=0.4,
    side_discount=0.13,
    shortfall_penalty=1.0,
)


def jp(**kw) -> JointPurchaseGame:
    return JointPurchaseGame(**{**GAME, **kw})


def play(game, demand, commit, renege=None, member=None, coordinated=True):
    demand = np.atleast_2d(np.asarray(demand, float))
    commit = np.broadcast_to(np.asarray(commit, float), demand.shape)
    renege = (
        np.zeros(demand.shape)
        if renege is None
        else np.broadcast_to(np.asarray(renege, float), demand.shape)
    )
    member = (
        np.ones(demand.shape, bool) if member is None else np.atleast_2d(np.asarray(member, bool))
    )
    return game.play(demand, commit, renege, member, np.atleast_1d(np.asarray(coordinated, bool)))


# ---------------------------------------------------------------------- joint purchase: schedule
def test_discount_schedule_minimum_lot_ramp_and_full_discount():
    d = jp().discount(np.array([0.0, 19.99, 20.0, 40.0, 50.0, 60.0, 500.0]))
    np.testing.assert_allclose(d, [0.0, 0.0, 0.05, 0.10, 0.125, 0.15, 0.15])


def test_discount_is_flat_when_min_lot_equals_full_volume():
    d = jp(min_lot=30.0, volume_full=30.0).discount(np.array([29.0, 30.0, 90.0]))
    np.testing.assert_allclose(d, [0.0, 0.15, 0.15])


# ---------------------------------------------------------------------- joint purchase: play
def test_full_commitment_proportional_sharing():
    out = play(jp(), [[10, 20, 30]], 1.0)
    assert out.placed.tolist() == [True]
    np.testing.assert_allclose(out.volume, [60.0])
    np.testing.assert_allclose(out.discount, [0.15])
    # each unit saves 10 x 0.15 = 1.5 and costs 0.4 to handle
    np.testing.assert_allclose(out.net, [[11.0, 22.0, 33.0]])
    np.testing.assert_allclose(out.bill, [510.0])  # 60 x 10 x 0.85
    np.testing.assert_allclose(out.payment, [[85.0, 170.0, 255.0]])


def test_full_commitment_equal_sharing():
    out = play(jp(sharing="equal"), [[10, 20, 30]], 1.0)
    # the pooled saving 60 x 1.5 = 90 is split 30 each; handling follows own units
    np.testing.assert_allclose(out.net, [[26.0, 22.0, 18.0]])
    np.testing.assert_allclose(out.payment, [[70.0, 170.0, 270.0]])
    np.testing.assert_allclose(out.bill, [510.0])


def test_partial_commitment_on_the_ramp():
    out = play(jp(), [[10, 20, 30]], [[1.0, 0.5, 0.5]])  # 10 + 10 + 15 = 35 units
    np.testing.assert_allclose(out.volume, [35.0])
    np.testing.assert_allclose(out.discount, [0.05 + 0.10 * 15 / 40])
    saving = 10 * (0.05 + 0.10 * 15 / 40) - 0.4
    np.testing.assert_allclose(out.net, [[10 * saving, 10 * saving, 15 * saving]])


def test_renege_side_deal_and_shortfall_penalty_paid_by_honest_members():
    out = play(jp(), [[10, 20, 30]], 1.0, renege=[[0.0, 0.0, 1.0]])
    # 30 units delivered -> discount 0.05 + 0.10 * 10/40 = 0.075; 30 reneged units -> penalty 30
    np.testing.assert_allclose(out.volume, [30.0])
    np.testing.assert_allclose(out.discount, [0.075])
    np.testing.assert_allclose(out.bill, [30 * 10 * 0.925 + 30.0])
    # honest members: saving 0.75/unit, handling 0.4/unit, penalty shared by delivered units (10:20)
    # reneger: buys its 30 units privately at 13 % off (39) and pays no penalty
    np.testing.assert_allclose(out.net, [[7.5 - 4.0 - 10.0, 15.0 - 8.0 - 20.0, 39.0]])
    np.testing.assert_allclose(out.payment, [[102.5, 205.0, 0.0]])
    assert out.payment.sum() == pytest.approx(out.bill[0])


def test_renege_penalty_split_equally_under_equal_sharing():
    out = play(jp(sharing="equal"), [[10, 20, 30]], 1.0, renege=[[0.0, 0.0, 1.0]])
    # saving 30 x 0.75 = 22.5 and penalty 30 are both split three ways, the reneger included
    np.testing.assert_allclose(out.net, [[7.5 - 4.0 - 10.0, 7.5 - 8.0 - 10.0, 7.5 + 39.0 - 10.0]])
    assert out.payment.sum() == pytest.approx(out.bill[0])


def test_below_minimum_lot_nothing_is_placed_and_nobody_gains():
    out = play(jp(), [[5, 5, 5]], 1.0, renege=[[0.0, 0.0, 0.5]])  # 12.5 units < 20
    assert out.placed.tolist() == [False]
    assert out.discount.tolist() == [0.0]
    assert out.bill.tolist() == [0.0]
    assert not out.net.any() and not out.payment.any()


def test_uncoordinated_group_places_no_order():
    out = play(jp(), [[10, 20, 30]], 1.0, coordinated=False)
    assert out.placed.tolist() == [False]
    assert not out.net.any() and out.bill.tolist() == [0.0]


def test_empty_seats_do_not_buy_and_groups_are_independent():
    demand = np.array([[10.0, 20.0, 30.0], [10.0, 20.0, 30.0]])
    member = np.array([[True, True, False], [True, True, True]])
    out = play(jp(), demand, 1.0, member=member, coordinated=[True, True])
    np.testing.assert_allclose(out.volume, [30.0, 60.0])
    assert out.net[0, 2] == 0.0 and out.payment[0, 2] == 0.0
    np.testing.assert_allclose(out.net[1], [11.0, 22.0, 33.0])


def test_renege_gain_per_unit():
    g = jp()
    # four members of 10 units, the others sure to deliver: volume 40, halfway up the ramp from the
    # minimum lot (20) to the full discount (60); committing brings (10 x d - 0.4) per unit
    demand = np.array([[10.0, 10.0, 10.0, 10.0]])
    member = np.ones_like(demand, bool)
    own, _, _ = g.commit_gains(demand, 1.0, member)
    d = 0.05 + 0.10 * 20 / 40
    np.testing.assert_allclose(own, 10 * (10 * d - 0.4))
    # side deal 1.3 per unit, less what delivering would have brought
    np.testing.assert_allclose(g.renege_gain(own, demand), 1.3 - (10 * d - 0.4))
    assert g.renege_gain(own, np.zeros_like(demand)).tolist() == [[0.0] * 4]


def test_commit_gains_see_a_pivotal_member_of_a_step_level_public_good():
    # linear public good with a threshold of all four contributions (80 units of 20)
    pg = JointPurchaseGame.public_goods(20.0, 0.4, 4)
    step = JointPurchaseGame(**{**pg.__dict__, "min_lot": 80.0, "volume_full": 80.0})
    demand = np.full((1, 4), 20.0)
    member = np.ones_like(demand, bool)
    own_flat, others_flat, pool = pg.commit_gains(demand, 1.0, member)
    np.testing.assert_allclose(own_flat, -12.0)       # MPCR 0.4: a unit given returns 0.4
    np.testing.assert_allclose(others_flat, 8.0)
    np.testing.assert_allclose(pool, 0.4 * 60)
    own_step, others_step, _ = step.commit_gains(demand, 1.0, member)
    np.testing.assert_allclose(own_step, 32.0 - 20.0)  # pivotal: the good (0.4 x 80) or a refund
    np.testing.assert_allclose(others_step, 12.0)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_supplier_bill_equals_member_payments(data):
    sharing = data.draw(st.sampled_from(["proportional", "equal"]))
    G, C = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 6))
    unit = st.floats(0.0, 1.0)

    def arr(elems):
        return np.array(data.draw(st.lists(elems, min_size=G * C, max_size=G * C))).reshape(G, C)

    demand = arr(st.floats(0.0, 50.0))
    commit, renege = arr(unit), arr(unit)
    member = arr(st.booleans()).astype(bool)
    coordinated = np.array(data.draw(st.lists(st.booleans(), min_size=G, max_size=G)))
    out = jp(sharing=sharing).play(demand, commit, renege, member, coordinated)
    np.testing.assert_allclose(out.payment.sum(axis=1), out.bill, rtol=1e-9, atol=1e-9)
    assert (out.payment[~member] == 0).all() and (out.net[~member] == 0).all()
    assert (out.discount[~out.placed] == 0).all()


# ---------------------------------------------------------------------- public goods special case
@settings(max_examples=80, deadline=None)
@given(st.data())
def test_public_goods_reproduces_the_laboratory_payoff(data):
    n = data.draw(st.integers(2, 10), label="n")
    e = data.draw(st.floats(1.0, 100.0), label="endowment")
    # a margin of 1e-9 keeps mpcr off the float boundary 1/n, where mpcr x n rounds to exactly 1
    m = data.draw(st.floats(1.0 / n + 1e-9, 1.0 - 1e-9), label="mpcr")
    c = np.array(
        data.draw(st.lists(st.floats(0.0, e), min_size=n, max_size=n), label="contributions")
    )
    game = JointPurchaseGame.public_goods(e, m, n)
    demand = np.full((1, n), e)
    out = game.play(
        demand, (c / e)[None], np.zeros((1, n)), np.ones((1, n), bool), np.array([True])
    )
    lab = e - c + m * c.sum()
    np.testing.assert_allclose(e + out.net[0], lab, rtol=1e-9, atol=1e-9 * e)


def test_public_goods_free_riding_is_the_dominant_strategy():
    game = JointPurchaseGame.public_goods(20.0, 0.4, 4)
    demand, member, ok = np.full((1, 4), 20.0), np.ones((1, 4), bool), np.array([True])
    everyone = game.play(demand, np.ones((1, 4)), np.zeros((1, 4)), member, ok).net[0]
    one_out = game.play(demand, np.array([[0.0, 1, 1, 1]]), np.zeros((1, 4)), member, ok).net[0]
    np.testing.assert_allclose(everyone, [12.0] * 4)  # 0.4 x 80 - 20
    np.testing.assert_allclose(one_out, [24.0, 4.0, 4.0, 4.0])  # 0.4 x 60 (- 20)
    assert one_out[0] > everyone[0] and everyone.sum() > one_out.sum()


@pytest.mark.parametrize("mpcr,n", [(0.25, 4), (0.2, 4), (1.0, 4), (1.2, 2), (0.5, 2)])
def test_public_goods_refuses_an_mpcr_without_dilemma(mpcr, n):
    with pytest.raises(ValueError, match="1/n < mpcr < 1"):
        JointPurchaseGame.public_goods(20.0, mpcr, n)


def test_public_goods_refuses_a_non_positive_endowment():
    with pytest.raises(ValueError, match="endowment"):
        JointPurchaseGame.public_goods(0.0, 0.4, 4)


# ---------------------------------------------------------------------- coefficient checks
@pytest.mark.parametrize(
    "kw,match",
    [
        (
            dict(handling_cost=1.5),
            "not a joint-purchase dilemma",
        ),  # best saving 1.5 <= handling 1.5
        (dict(handling_cost=2.0), "not a joint-purchase dilemma"),
        (dict(list_price=0.0), "list_price"),
        (dict(discount_min=0.2), "discount_min <= discount_max"),
        (dict(discount_max=1.0), "discount_max < 1"),
        (dict(volume_full=10.0), "min_lot <= volume_full"),
        (dict(min_lot=-1.0), "min_lot"),
        (dict(sharing="auction"), "sharing"),
        (dict(side_discount=-0.1), ">= 0"),
        (dict(shortfall_penalty=-1.0), ">= 0"),
    ],
)
def test_joint_purchase_refuses_coefficients_that_are_not_the_dilemma(kw, match):
    with pytest.raises(ValueError, match=match):
        jp(**kw)


def test_games_are_frozen_values():
    g = jp()
    with pytest.raises(AttributeError):
        g.list_price = 5.0
    assert g == jp() and hash(g) == hash(jp())


# ---------------------------------------------------------------------- export consortium
EXPORT = dict(
    quota=2.0,
    spend_rate=0.5,
    lead_rate=0.8,
    fund_elasticity=0.5,
    breadth_elasticity=0.7,
    lead_value=40.0,
    commission=0.1,
    private_share=0.6,
)


def ex(**kw) -> ExportGame:
    return ExportGame(**{**EXPORT, **kw})


@pytest.mark.parametrize(
    "kw,match",
    [
        (dict(private_share=1.0), "private_share must be below 1"),
        (dict(private_share=1.5), "private_share"),
        (dict(commission=1.0), "commission"),
        (dict(commission=-0.1), "commission"),
        (dict(spend_rate=1.5), "spend_rate"),
        (dict(quota=-1.0), "quota"),
        (dict(lead_value=-1.0), "lead_value"),
    ],
)
def test_export_game_refuses_bad_coefficients(kw, match):
    with pytest.raises(ValueError, match=match):
        ex(**kw)


def test_quotas_equal_and_proportional_to_capacity_with_the_same_total():
    g = ex()
    cap = np.array([[0.6, 1.4, 1.0], [1.0, 1.0, 1.0]])
    member = np.array([[True, True, False], [True, True, True]])
    np.testing.assert_allclose(g.quotas(cap, member, "equal"), [[2, 2, 0], [2, 2, 2]])
    prop = g.quotas(cap, member, "proportional")
    np.testing.assert_allclose(prop, [[1.2, 2.8, 0.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(prop.sum(axis=1), g.quotas(cap, member, "equal").sum(axis=1))


def test_expected_leads_reference_consortium_and_elasticities():
    g = ex()
    size = 8
    ref = g.expected_leads(np.array([2.0 * size]), np.array([size]), size)
    np.testing.assert_allclose(ref, [0.8])
    half_spend = g.expected_leads(np.array([1.0 * size]), np.array([size]), size)
    np.testing.assert_allclose(half_spend, [0.8 * 0.5**0.5])
    half_breadth = g.expected_leads(np.array([2.0 * size]), np.array([size / 2]), size)
    np.testing.assert_allclose(half_breadth, [0.8 * 0.5**0.7])
    np.testing.assert_allclose(g.expected_leads(np.array([0.0]), np.array([size]), size), [0.0])
    # without quotas, leads depend on breadth only
    np.testing.assert_allclose(
        ex(quota=0.0).expected_leads(np.array([0.0]), np.array([size]), size), [0.8]
    )


def test_routed_share_and_private_value():
    g = ex()
    np.testing.assert_allclose(g.routed_share(np.array([1, 4, 0])), [36.0, 9.0, 36.0])
    assert g.private_value == pytest.approx(24.0)
    # a lead is worth more to the group served jointly than to one firm served alone
    assert g.private_value < (1 - g.commission) * g.lead_value
