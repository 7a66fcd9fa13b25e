"""Laboratory designs as exact special cases of the whole engine, and the lab's qualitative results.

The property test checks the engine's payoffs against the laboratory formula computed here,
independently of the engine: in a linear public-goods game every firm's payoff in every round is
``e - c_i + mpcr * sum_j c_j``. The claims are the literature's best-replicated results (Ledyard
1995; Fehr & Gächter 2000; Fischbacher & Gächter 2010), measured over many groups and seeds; a
claim the model misses is kept as a strict xfail that states the measured figure and its cause.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import CLAIMS_ROOT, CLAIMS_SCALE
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.model import AsociaModel
from sim.model.lab import contributions, design
from sim.model.scenario import Scenario, load_scenario
from sim.results.seeds import replication_seeds

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "scenarios" / "lab"


@st.composite
def lab_designs(draw):
    n = draw(st.integers(3, 7))
    lo = 1.0 / n
    mpcr = draw(st.floats(lo + 0.01, 0.99))
    weights = np.array(draw(st.lists(st.integers(0, 5), min_size=4, max_size=4)), float)
    if weights.sum() == 0:
        weights[1] = 1.0
    shares = dict(zip(("santo", "solido", "tengo", "oportunista"), weights / weights.sum(), strict=True))
    e = draw(st.floats(1.0, 50.0))
    return dict(group_size=n, endowment=e, mpcr=mpcr,
                rounds=draw(st.integers(1, 8)), matching=draw(st.sampled_from(["fixed", "random"])),
                groups=draw(st.integers(1, 4)), shares=shares, threshold=draw(st.integers(0, n)),
                voluntary=draw(st.booleans()), outside=draw(st.floats(0.0, e)))


@settings(max_examples=25, deadline=None)
@given(lab_designs(), st.integers(0, 2**32))
def test_every_payoff_is_the_laboratory_formula(d, seed):
    """Every firm, every round: payoff = e - c_i + mpcr * sum_j c_j (the model's own arrays, exactly).

    Step-level designs: the good only when the contributions reach the threshold, else everyone's
    contribution back. Voluntary designs: who stays out gets e + outside, and the good's value
    (mpcr * n per unit) is shared among the n_p who joined.
    """
    sc = Scenario().replace(design(**d))
    e, m, n = d["endowment"], d["mpcr"], d["group_size"]
    model = AsociaModel(sc, seed=seed)
    checked = 0
    for _ in range(d["rounds"]):
        model.step()
        member = model.played
        joined = model.participate & member
        c = e * model.commit * (1.0 - model.renege) * member
        total = c.sum(axis=1, keepdims=True)
        n_p = joined.sum(axis=1, keepdims=True)
        produced = (total > 0) & (total >= d["threshold"] * e)
        inside = np.where(produced, e - c + m * n * total / np.maximum(n_p, 1), e)
        outside = e + (d["outside"] if d["voluntary"] else 0.0)
        expected = np.where(joined, inside, outside) * member
        assert d["voluntary"] or joined[member].all()
        assert not (c > 0)[~joined].any()
        np.testing.assert_allclose(model.payoff, expected, rtol=1e-12, atol=1e-9 * e)
        checked += int(member.sum())
    assert checked == d["rounds"] * d["groups"] * d["group_size"]


def test_the_firms_table_shows_the_laboratory_payoffs():
    """The same identity read back from the firms table (float32 shares: to 1e-5 of the endowment)."""
    d = dict(group_size=5, endowment=20.0, mpcr=0.3, rounds=6, matching="random", groups=3)
    f = sim.run(Scenario().replace(design(**d)), seed=11).firms
    c = contributions(f) * d["endowment"]
    total = c.groupby([f.step, f.group]).transform("sum")
    expected = d["endowment"] - c + d["mpcr"] * total
    assert len(f) == 6 * 3 * 5
    np.testing.assert_allclose(f.payoff.to_numpy(), expected.to_numpy(), atol=1e-5 * d["endowment"])


SHIPPED = {"strangers_pgg": dict(matching="random"), "partners_pgg": {},
           "partners_punishment": dict(punishment=True), "threshold_pgg": dict(threshold=3),
           "threshold_exit": dict(threshold=3, voluntary=True)}


def test_the_shipped_lab_files_are_the_designs():
    files = {p.stem: p for p in LAB.glob("*.toml")}
    assert set(SHIPPED) <= set(files)
    for name, kw in SHIPPED.items():
        shipped = load_scenario(files[name])
        want = Scenario().replace(design(**kw))
        for key, value in want.flat().items():
            if not key.startswith("meta."):
                assert shipped.flat()[key] == value, (name, key)
        assert tomllib.loads(files[name].read_text())["meta"]["description"]


def by_round(sc, seeds):
    """Mean contribution and share of zero contributors per round, pooled over seeds."""
    means, zeros = [], []
    for seed in seeds:
        f = sim.run(sc, seed=seed).firms
        c = f.commit * (1.0 - f.renege)
        means.append(c.groupby(f.step).mean().to_numpy())
        zeros.append((c < 0.05).groupby(f.step).mean().to_numpy())
    return np.mean(means, axis=0), np.mean(zeros, axis=0)


SEEDS = replication_seeds(CLAIMS_ROOT, 10 * CLAIMS_SCALE)


def report(name, **values):
    print(f"\n[{name}] " + ", ".join(f"{k}={v:.3f}" for k, v in values.items()))


@pytest.mark.slow
def test_zero_contributors_grow_without_punishment():
    """Strangers' PGG (n = 4, e = 20, MPCR = 0.4, 10 rounds): free riding spreads.

    Measured: the share of zero contributors rises from 0.320 to 0.490.
    """
    mean, zero = by_round(Scenario().replace(design(matching="random")), SEEDS)
    report("strangers", c1=mean[0], c10=mean[-1], zero1=zero[0], zero10=zero[-1])
    assert zero[-1] - zero[0] >= 0.04
    assert mean[-1] < mean[0] - 0.1


@pytest.mark.slow
def test_contributions_fall_by_half_without_punishment():
    """Ledyard 1995; Fischbacher & Gächter 2010: contributions without punishment decay.

    Measured: the strangers' mean falls from 0.316 to 0.144 of the endowment (-54 %).
    """
    mean, _ = by_round(Scenario().replace(design(matching="random")), SEEDS)
    assert mean[-1] <= 0.5 * mean[0]


@pytest.mark.slow
def test_peer_punishment_keeps_partners_cooperating():
    """Fehr & Gächter (2000), partners: with punishment contributions stay high or rise over 10 rounds.

    Measured: 0.316 -> 0.407 with punishment, 0.316 -> 0.161 without; zero contributors 0.320 -> 0.168.
    """
    with_p, zero_p = by_round(Scenario().replace(design(punishment=True)), SEEDS)
    without, _ = by_round(Scenario().replace(design()), SEEDS)
    report("partners", with_p1=with_p[0], with_p10=with_p[-1], without10=without[-1], zero_p10=zero_p[-1])
    assert with_p[-1] >= with_p[0]
    assert with_p[-1] - without[-1] >= 0.15
    assert zero_p[-1] < zero_p[0]


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "measured with per-group random streams (issue 13), 10 seeds: partners with punishment end at 0.407 of "
    "the endowment against 0.161 without, +24.5 points, short of the +30 asked (Fehr & Gächter 2000: about "
    "85-90 % against 10-20 %). Cause: punished members learn to match the others' mean (punishment falls on "
    "the shortfall below it), so contributions climb only as fast as the mean, which the sólidos' schedule "
    "holds below 0.5"))
def test_peer_punishment_adds_thirty_points():
    with_p, _ = by_round(Scenario().replace(design(punishment=True)), SEEDS)
    without, _ = by_round(Scenario().replace(design()), SEEDS)
    assert with_p[-1] - without[-1] >= 0.30


def threshold_run(k, voluntary, seeds=SEEDS):
    """Mean contribution, share staying out and share of rounds producing the good."""
    sc = Scenario().replace(design(threshold=k, voluntary=voluntary))
    c, out, made = [], [], []
    for seed in seeds:
        model = AsociaModel(sc, seed=seed)
        for _ in range(sc.run.steps):
            model.step()
            m = model.member
            c.append((model.commit * (1.0 - model.renege))[m].mean())
            out.append((~model.participate[m]).mean())
            made.append(model.purchase.placed.mean())
    return float(np.mean(c)), float(np.mean(out)), float(np.mean(made))


@pytest.mark.slow
def test_cooperation_rises_with_the_threshold_when_participation_is_mandatory():
    """Step-level public goods: members respond to being pivotal (n = 4, e = 20, MPCR = 0.4).

    Measured: mean contribution 0.203 / 0.204 / 0.947 / 0.947 with 1 / 2 / 3 / 4 full contributions
    needed: once the threshold makes a member likely pivotal, conditional cooperators, free riders
    and (through the refund) everyone contribute.
    """
    levels = [threshold_run(k, False)[0] for k in (1, 2, 3, 4)]
    report("threshold, mandatory", **{f"k{k}": v for k, v in zip((1, 2, 3, 4), levels, strict=True)})
    assert all(b >= a - 0.02 for a, b in zip(levels, levels[1:], strict=False))
    assert levels[-1] - levels[0] >= 0.3


@pytest.mark.slow
def test_a_substantial_share_stays_out_when_participation_is_voluntary():
    """With an exit option (outside payoff 5 of e = 20) many members take it.

    Measured: 44.1 % stay out of a linear public good, 76.2 % when 2 of 4 full contributions are needed.
    """
    linear, step = threshold_run(0, True)[1], threshold_run(2, True)[1]
    report("voluntary", stay_out_linear=linear, stay_out_threshold2=step)
    assert linear >= 0.2 and step >= 0.2
