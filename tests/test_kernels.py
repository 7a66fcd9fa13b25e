"""The compiled meeting stages (sim/model/kernels.py) against the NumPy code they replaced.

The NumPy versions are kept here, copied from the engine as it was before the kernels (their
small-run paths, which gave the same values as the large-run ones), as references. Each kernel
is fed random states and the states of real runs (captured at every meeting by wrapping the
model's method) and must agree: float32 trust within 1e-6 absolute, float64 within 1e-12
relative, flags and counts exactly. The references sum seats with BLAS (``x @ ones``) or NumPy's
pairwise sums, the kernels in seat order, so sums can differ in their last bit; that is all.

The last tests run a small scenario with ``NUMBA_DISABLE_JIT=1`` (the kernels as plain Python)
in a subprocess and compare its tables with the compiled run's.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model import AsociaModel, kernels
from sim.model.profiles import SANTO

ROOT = Path(__file__).resolve().parent.parent
F32 = dict(rtol=0.0, atol=1e-6)
F64 = dict(rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------- NumPy references
def ref_seat_sum(x, keepdims=False):
    """The engine's old seats.seat_sum: exact counts, float sums by a BLAS product with ones."""
    x = np.asarray(x)
    out = x.sum(axis=-1, dtype=np.int64) if x.dtype.kind in "biu" else x @ np.ones(x.shape[-1], x.dtype)
    return out[..., None] if keepdims else out


def ref_revise(T, signal, seen, attend, eta, factor, amount):
    """Old trust.revise (small-run path): observe, scale, lift in float32."""
    tab_sig = signal.astype(T.dtype)
    tab_w = (eta * seen).astype(T.dtype)
    tab_f = np.asarray(factor).astype(T.dtype)
    lv1 = np.asarray(amount).astype(T.dtype)
    lv0 = np.subtract(1.0, lv1, dtype=T.dtype)
    gap = tab_sig[:, None, :] - T
    gap *= attend[:, :, None]
    gap *= tab_w[:, None, :]
    T += gap
    T *= tab_f[:, None, :]
    T *= lv0[:, None, None]
    T += lv1[:, None, None]
    return T


def ref_update_trust(m, T):
    """Old AsociaModel.update_trust on trust array T (a copy); returns (coop_seen, seen)."""
    s = m.config
    ts = s.trust
    mem = m.member
    open_ = m.purchase_open[:, None] & mem
    if m.lab:
        open_ = open_ & m.participate
        coop_seen = m.commit * (1.0 - m.renege) * open_
        ref_revise(T, coop_seen, open_, mem, ts.learning, np.ones((m.G, m.C)), np.zeros(m.G))
        return coop_seen, open_
    jp_signal = m.commit * (1.0 - m.renege * m.det_renege)
    quota_seen = m.quota_due > 0
    lead_seen = m.leads_routed | m.leads_missed | m.kept_open | m.det_keep
    total = jp_signal * open_
    total += quota_seen & m.pay_quota
    total += lead_seen & m.route_lead
    n_sig = open_.view(np.int8) + quota_seen.view(np.int8) + lead_seen.view(np.int8)
    seen = n_sig > 0
    coop_seen = total / np.maximum(n_sig, 1)
    hidden_leads = ref_seat_sum(m.kept_furtive & ~m.det_keep)
    shortfall = hidden_leads / np.maximum(m.n_members, 1)
    unseen = m.reneged & ~m.det_renege
    if unseen.any():
        cc = m.capacity * m.commit
        committed = ref_seat_sum(cc * open_)
        hidden = ref_seat_sum(cc * m.renege * unseen)
        shortfall = hidden / np.maximum(committed, 1e-12) + shortfall
    group_factor = ((1.0 - ts.diffuse * shortfall).clip(0.0, 1.0)
                    * (1.0 - ts.failure * m.purchase_failed)
                    * (1.0 + np.where(m.rules_on, min(m.rule.transparency, 0.0), 0.0)))
    seat_factor = 1.0 - ts.betrayal * (m.det_renege | m.det_keep)
    success = m.purchase.placed & (m.purchase.discount > 0)
    santos = ref_seat_sum(m.attend & (m.profile == SANTO))
    lift = (ts.success * success + m.f * s.facilitator.trust_building
            + s.profiles.santo_persuasion * santos
            + np.where(m.rules_on, max(m.rule.transparency, 0.0), 0.0))
    marked = np.nonzero(m.caught * mem) if ts.repair > 0 else ((), ())
    if len(marked[0]):
        before = T[marked[0], :, marked[1]].copy()
    ref_revise(T, coop_seen, seen, m.attend, ts.learning, group_factor[:, None] * seat_factor,
               (lift * m.alive).clip(0.0, 1.0))
    if len(marked[0]):
        after = T[marked[0], :, marked[1]]
        slow = (1.0 / (1.0 + ts.repair * m.caught[marked])).astype(T.dtype)[:, None]
        rise = np.maximum(after - before, 0)
        T[marked[0], :, marked[1]] = after - rise * (1 - slow)
    return coop_seen, seen


def ref_given_received(T, member):
    """Old trust.given_received (and trust.given, the same values by matmul)."""
    m = member.astype(T.dtype)
    n_other = ref_seat_sum(m, keepdims=True) - 1.0
    pair = m[:, None, :] * member[:, :, None]
    W = T * pair
    diag = np.diagonal(W, axis1=1, axis2=2)
    denom = np.maximum(n_other, 1.0)
    give = (ref_seat_sum(W) - diag) / denom
    get = (np.ones(T.shape[-2], T.dtype) @ W - diag) / denom
    return give, get


def ref_group_mean(trust_given, member):
    """Old trust.group_mean."""
    n = ref_seat_sum(member)
    return np.where(n > 1, ref_seat_sum(trust_given * member) / np.maximum(n, 1), 0.0)


# ---------------------------------------------------------------------------- recorded states
def scenario(path, **over):
    sc = sim.load_scenario(ROOT / "scenarios" / path)
    return sc.replace(over, origin="test") if over else sc


# field runs with and without the consortium and sanctions, a lab run, and a run of 120 groups
CASES = [("baseline.toml", {"run.steps": 60}), ("strict_sanctions.toml", {"run.steps": 60}),
         ("dipat_consortium.toml", {"run.steps": 70}), ("lab/partners_punishment.toml", {}),
         ("baseline.toml", {"population.groups": 120, "run.steps": 30})]
MEETINGS = 60 + 60 + 70 + 10 + 30


def run_checked(monkeypatch, name, check, cases=CASES, seed=3):
    """Run the cases with ``AsociaModel.<name>`` wrapped by ``check(model, original)``; returns the calls."""
    original = getattr(AsociaModel, name)
    calls = []

    def wrapped(self):
        out = check(self, original)
        calls.append(out)
        return out

    monkeypatch.setattr(AsociaModel, name, wrapped)
    for path, over in cases:
        sim.run(scenario(path, **over), seed=seed)
    return calls


def test_trust_update_matches_the_numpy_version_at_every_meeting(monkeypatch):
    def check(m, original):
        T = m.T.copy()
        coop_seen, seen = ref_update_trust(m, T)
        original(m)
        np.testing.assert_allclose(m.T, T, **F32)
        np.testing.assert_allclose(m.coop_seen, coop_seen, **F64)
        np.testing.assert_array_equal(m.seen, seen)
        return bool((m.caught * m.member).any() and m.config.trust.repair > 0), bool(seen.any())

    calls = run_checked(monkeypatch, "update_trust", check)
    assert len(calls) == MEETINGS
    assert sum(r for r, _ in calls) > 50 and sum(s for _, s in calls) > 150  # slow repair and conduct seen


def test_trust_means_match_the_numpy_version_at_every_meeting(monkeypatch):
    def check(m, original):
        original(m)
        give, get = ref_given_received(m.T, m.member)
        np.testing.assert_allclose(m.trust_given, give, **F32)
        np.testing.assert_allclose(m.trust_received, get, **F32)
        assert m.trust_given.dtype == np.float32 and m.trust_received.dtype == np.float32
        # group means: of float32 values, which the reference summed in float32
        np.testing.assert_allclose(kernels.group_mean(m.trust_given, m.member),
                                   ref_group_mean(m.trust_given, m.member), rtol=0, atol=1e-6)
        return int(m.member.sum())

    calls = run_checked(monkeypatch, "settle_accounts", check)
    assert len(calls) == MEETINGS


def test_trust_kernels_on_random_states():
    rng = np.random.default_rng(5)
    G, C = 37, 9
    for _ in range(20):
        member = rng.random((G, C)) < 0.7
        member[0] = False          # an empty group
        member[1] = np.arange(C) == 2  # a lone member
        T = rng.random((G, C, C)).astype(np.float32)
        give, get = kernels.given_received(T, member)
        rgive, rget = ref_given_received(T, member)
        np.testing.assert_allclose(give, rgive, **F32)
        np.testing.assert_allclose(get, rget, **F32)
        assert (give[~member] == 0).all() and (give[:2] == 0).all()
        np.testing.assert_allclose(kernels.group_mean(give, member), ref_group_mean(give, member), atol=1e-6)
        # the core update: random signals, observers, losses and lifts, applied to copies
        signal = rng.random((G, C))
        seen, attend = rng.random((G, C)) < 0.6, rng.random((G, C)) < 0.8
        factor, amount = rng.random((G, C)), rng.random(G) * 0.1
        eta = float(rng.random())
        ref = ref_revise(T.copy(), signal, seen, attend, eta, factor, amount)
        got = T.copy()
        for g in range(G):
            kernels._revise_group(got, g, signal[g].astype(np.float32), (eta * seen[g]).astype(np.float32),
                                  attend, factor[g].astype(np.float32), np.float32(amount[g]))
        np.testing.assert_array_equal(got, ref)  # the same float32 operations in the same order


def test_a_group_does_not_depend_on_the_others():
    """A group's trust means and update are the same alone and among 300 other groups."""
    rng = np.random.default_rng(9)
    G, C = 300, 11
    member = rng.random((G, C)) < 0.8
    T = rng.random((G, C, C)).astype(np.float32)
    give, get = kernels.given_received(T, member)
    mean = kernels.group_mean(give, member)
    for g in (0, 17, 299):
        one_give, one_get = kernels.given_received(T[g:g + 1].copy(), member[g:g + 1].copy())
        assert one_give.tobytes() == give[g:g + 1].tobytes() and one_get.tobytes() == get[g:g + 1].tobytes()
        assert kernels.group_mean(one_give, member[g:g + 1].copy())[0] == mean[g]


# ---------------------------------------------------------------------------- plain Python
PLAIN = """
import pickle, sys
import sim
out = {}
for path, over, seed in pickle.loads(bytes.fromhex(sys.argv[1])):
    sc = sim.load_scenario(path).replace(over, origin="test")
    out[path] = {k: v for k, v in sim.run(sc, seed=seed).tables().items()}
sys.stdout.buffer.write(pickle.dumps(out))
"""


def test_plain_python_runs_the_same_code_and_gives_the_same_tables():
    """NUMBA_DISABLE_JIT=1 runs the kernels as plain Python: the same tables as the compiled run."""
    import numba

    assert isinstance(kernels.field_trust, numba.core.dispatcher.Dispatcher)  # compiled here
    runs = [(str(ROOT / "scenarios" / "baseline.toml"), {"population.groups": 2, "run.steps": 30,
                                                        "punishment.enabled": True}, 4),
            (str(ROOT / "scenarios" / "lab" / "partners_punishment.toml"), {"population.groups": 3}, 2),
            (str(ROOT / "scenarios" / "lab" / "threshold_exit.toml"), {"population.groups": 3}, 2)]
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PLAIN, pickle.dumps(runs).hex()], env=env, cwd=ROOT,
                          capture_output=True, check=True, timeout=300)
    plain = pickle.loads(done.stdout)
    for path, over, seed in runs:
        compiled = sim.run(sim.load_scenario(path).replace(over, origin="test"), seed=seed).tables()
        assert set(compiled) == set(plain[path])
        for name, table in compiled.items():
            assert len(table) > 0 or name == "events"
            pd.testing.assert_frame_equal(plain[path][name], table, check_exact=False, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------- the joint purchase
def ref_discount(game, volume):
    volume = np.asarray(volume, dtype=float)
    span = game.volume_full - game.min_lot
    ramp = ((volume - game.min_lot) / span).clip(0.0, 1.0) if span > 0 else np.ones_like(volume)
    d = game.discount_min + (game.discount_max - game.discount_min) * ramp
    return np.where(volume >= game.min_lot, d, 0.0)


def ref_play(game, demand, commit, renege, member, coordinated):
    """Old JointPurchaseGame.play (small-run path): (volume, discount, placed, bill, payment, net)."""
    committed = demand * commit * member
    delivered = committed * (1.0 - renege)
    reneged = committed - delivered
    volume = ref_seat_sum(delivered)
    placed = coordinated & (volume > 0) & (volume >= game.min_lot)
    disc = np.where(placed, ref_discount(game, volume), 0.0)
    unit_saving = game.list_price * disc
    penalty = np.where(placed, game.shortfall_penalty * ref_seat_sum(reneged), 0.0)
    if game.sharing == "equal":
        n = np.maximum(ref_seat_sum(member), 1)
        saving = (unit_saving * volume / n)[:, None] * member
        penalty_share = (penalty / n)[:, None] * member
    else:
        saving = unit_saving[:, None] * delivered
        penalty_share = penalty[:, None] * delivered / np.maximum(volume, 1e-12)[:, None]
    placed_c = placed[:, None]
    handling = np.where(placed_c, game.handling_cost * delivered, 0.0)
    side = np.where(placed_c, game.list_price * game.side_discount * reneged, 0.0)
    saving = np.where(placed_c, saving, 0.0)
    net = saving - handling + side - penalty_share
    bill = volume * game.list_price * (1.0 - disc) * placed + penalty
    payment = np.where(placed_c, delivered * game.list_price - saving + penalty_share, 0.0)
    return volume, disc, placed, bill, payment, net


def ref_commit_gains(game, demand, belief, member, p_coord=1.0):
    """Old JointPurchaseGame.commit_gains (normal approximation with scipy's ndtr)."""
    from scipy.special import ndtr

    demand = demand * member
    n = ref_seat_sum(member)
    total = ref_seat_sum(demand)
    total2 = ref_seat_sum(demand * demand)
    b = np.clip(np.asarray(belief, dtype=float), 0.0, 1.0)
    mu = b * (total[:, None] - demand)
    sd = np.sqrt(np.maximum(b * (1.0 - b) * (total2[:, None] - demand * demand), 0.0))
    lot = game.min_lot

    def placed_volume(threshold):
        threshold = np.broadcast_to(threshold, mu.shape)
        if not (threshold > 0).any():
            return np.ones_like(mu), mu
        safe = np.where(sd > 0, sd, 1.0)
        z = (threshold - mu) / safe
        tail = np.where(sd > 0, ndtr(-z), (mu >= threshold).astype(float))
        dens = np.where(sd > 0, np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi), 0.0)
        return np.where(threshold > 0, tail, 1.0), np.where(threshold > 0, mu * tail + sd * dens, mu)

    def saving(prob, ev, shift):
        vol = ev + shift * prob
        mean_placed = np.where(prob > 0, vol / np.maximum(prob, 1e-300), 0.0)
        return game.list_price * ref_discount(game, np.maximum(mean_placed, game.min_lot)) * vol

    p_out, ev_out = placed_volume(lot)
    p_in, ev_in = placed_volume(lot - demand)
    s_out = saving(p_out, ev_out, 0.0)
    s_in = saving(p_in, ev_in, demand)
    others_n = np.maximum(n - 1, 1)[:, None]
    others_handling = game.handling_cost * mu * (p_in - p_out) / others_n
    if game.sharing == "equal":
        share = (s_in - s_out) / np.maximum(n, 1)[:, None]
        own = share - game.handling_cost * demand * p_in
        others = share - others_handling
        pool = s_out / np.maximum(n, 1)[:, None]
    else:
        unit = game.list_price * ref_discount(game, np.maximum(np.where(p_in > 0, (ev_in + demand * p_in)
                                                                       / np.maximum(p_in, 1e-300), 0.0),
                                                              game.min_lot))
        own_saving = unit * demand * p_in
        own = own_saving - game.handling_cost * demand * p_in
        others = (s_in - s_out - own_saving) / others_n - others_handling
        pool = np.zeros_like(own)
    return p_coord * own * member, p_coord * others * member, p_coord * pool * member


def ref_renege_gain(game, own_gain, demand):
    gain = game.list_price * game.side_discount * demand - own_gain
    return np.where(demand > 0, gain / np.maximum(demand, 1e-12), 0.0)


def assert_purchase_equal(got, want):
    for a, b in zip(got, want, strict=True):
        if b.dtype == bool:
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, **F64)


def test_joint_purchase_matches_the_numpy_version_at_every_meeting(monkeypatch):
    def check(m, original):
        open_ = m.purchase_open[:, None] & m.member
        args = (m._roster().demand, m.commit * open_, m.renege * open_, m.participate, m.coordinated)
        want = ref_play(m.purchase_game, *args)
        original(m)
        p = m.purchase
        assert_purchase_equal((p.volume, p.discount, p.placed, p.bill, p.payment, p.net), want)
        return bool(want[2].any())

    calls = run_checked(monkeypatch, "buy_jointly", check)
    assert len(calls) == MEETINGS and sum(calls) > 100  # orders placed at many meetings


def test_commitment_gains_match_the_numpy_version_at_every_meeting(monkeypatch):
    def check(m, original):
        obs = m.observation()
        jg, r = m.purchase_game, m._roster()
        own, others, pool = ref_commit_gains(jg, r.demand, m.trust_given, m.member, m.p_coord[:, None])
        np.testing.assert_allclose(obs.own_gain, own, **F64)
        np.testing.assert_allclose(obs.others_gain, others, **F64)
        np.testing.assert_allclose(obs.pool_value, pool, **F64)
        np.testing.assert_allclose(obs.renege_gain, ref_renege_gain(jg, own, r.demand), **F64)
        original(m)
        return obs

    calls = run_checked(monkeypatch, "decide", check)
    assert len(calls) == MEETINGS


GAMES = [dict(list_price=10.0, min_lot=20.0, volume_full=60.0, discount_min=0.05, discount_max=0.15,
              handling_cost=0.4, side_discount=0.13, shortfall_penalty=1.0, sharing=sharing)
         for sharing in ("proportional", "equal")]


def test_joint_purchase_kernels_on_random_states():
    from sim.model.games import JointPurchaseGame

    rng = np.random.default_rng(11)
    G, C = 40, 7
    games = [JointPurchaseGame(**kw) for kw in GAMES]
    games += [JointPurchaseGame.public_goods(20.0, 0.4, C),
              JointPurchaseGame(**{**JointPurchaseGame.public_goods(20.0, 0.4, C).__dict__, "min_lot": 80.0,
                                   "volume_full": 80.0})]
    for game in games:
        for _ in range(10):
            demand = rng.choice([0.0, 2.0, 10.0, 25.0], (G, C)) * rng.random((G, C))
            member = rng.random((G, C)) < 0.75
            commit, renege = rng.random((G, C)) * (rng.random((G, C)) < 0.8), rng.random((G, C)) * 0.3
            coordinated = rng.random(G) < 0.8
            args = (demand, commit, renege, member, coordinated)
            out = game.play(*args)
            assert_purchase_equal((out.volume, out.discount, out.placed, out.bill, out.payment, out.net),
                                  ref_play(game, *args))
            belief = rng.random((G, C)).astype(np.float32) * 1.2 - 0.1
            belief[:3] = rng.choice([0.0, 1.0], (3, C))  # certain beliefs: no spread, the exact branch
            p_coord = rng.random((G, 1))
            got, want = game.commit_gains(demand, belief, member, p_coord), ref_commit_gains(
                game, demand, belief, member, p_coord)
            for a, b in zip(got, want, strict=True):
                np.testing.assert_allclose(a, b, **F64)
            np.testing.assert_allclose(game.renege_gain(got[0], demand), ref_renege_gain(game, want[0], demand),
                                       **F64)
        volumes = np.concatenate([rng.random(50) * 100, [0.0, game.min_lot, game.volume_full]])
        np.testing.assert_array_equal(game.discount(volumes), ref_discount(game, volumes))


# ---------------------------------------------------------------------------- peer punishment
def ref_punish(m):
    """Old AsociaModel.punish: (points, loss, cost, punish_rate), without touching the model."""
    from sim.model.profiles import OPORTUNISTA, SOLIDO, TENGO

    ps = m.config.punishment
    seen = m.seen & m.member
    c = np.where(seen, m.coop_seen, 0.0)
    n_seen = ref_seat_sum(seen)[:, None]
    others_mean = (ref_seat_sum(c)[:, None] - c) / np.maximum(n_seen - seen, 1)
    gap = np.where(seen & (n_seen > 1), np.maximum(others_mean - c, 0.0), 0.0)
    demand = m._roster().demand
    punisher = ((m.profile == SANTO) | (m.profile == SOLIDO)) & m.attend
    other = ~np.eye(m.C, dtype=bool)[None]
    pts = np.minimum(ps.cap, ps.rate * gap * demand)[:, None, :] * (punisher[:, :, None] & other)
    if ps.antisocial > 0:
        anti = ((m.profile == TENGO) | (m.profile == OPORTUNISTA)) & m.attend & seen
        above = np.maximum(c[:, None, :] - c[:, :, None], 0.0) * demand[:, None, :]
        pts = pts + np.minimum(ps.cap, ps.antisocial * above) * (anti[:, :, None] & other & seen[:, None, :])
    pts = pts * m.member[:, :, None] * m.member[:, None, :]
    loss = ps.impact * pts.sum(axis=1)
    cost = ps.cost * pts.sum(axis=2)
    rate = m.config.profiles.learning_punishment
    observed = loss / np.maximum(gap, 1e-12)
    return pts, loss, cost, np.where(gap > 0, m.punish_rate + rate * (observed - m.punish_rate), m.punish_rate)


def test_peer_punishment_matches_the_numpy_version_at_every_meeting(monkeypatch):
    def check(m, original):
        want = ref_punish(m)
        original(m)
        for got, ref in zip((m.punish_points, m.punish_loss, m.punish_cost, m.punish_rate), want, strict=True):
            np.testing.assert_allclose(got, ref, **F64)
        return float(want[0].sum())

    on = {"punishment.enabled": True}
    cases = [("baseline.toml", {**on, "run.steps": 50}), ("baseline.toml", {**on, "punishment.antisocial": 0.5,
                                                                            "population.groups": 20, "run.steps": 40}),
             ("lab/partners_punishment.toml", {}), ("lab/partners_punishment.toml", {"punishment.antisocial": 1.0})]
    calls = run_checked(monkeypatch, "punish", check, cases)
    assert len(calls) == 50 + 40 + 10 + 10 and sum(p > 0 for p in calls) > 40  # points given at many meetings


# ---------------------------------------------------------------------------- sums over seats
def test_seat_sums_are_exact_counts_and_float_sums_in_seat_order():
    from sim.model.seats import seat_sum

    rng = np.random.default_rng(2)
    for G, C in ((3, 11), (1000, 14)):  # both sides of the old BLAS threshold
        flags = rng.random((G, C)) < 0.5
        assert seat_sum(flags).dtype == np.int64
        np.testing.assert_array_equal(seat_sum(flags), flags.sum(axis=1))
        np.testing.assert_array_equal(seat_sum(flags.astype(np.int64) * 3, keepdims=True),
                                      (flags * 3).sum(axis=1, keepdims=True))
        x = rng.random((G, C)) * 1e3
        np.testing.assert_allclose(seat_sum(x), ref_seat_sum(x), **F64)
        # in seat order, like a plain left-to-right loop, for every group count
        loop = np.zeros(G)
        for i in range(C):
            loop += x[:, i]
        assert seat_sum(x).tobytes() == loop.tobytes()
        assert seat_sum(x[7:8]).tobytes() == seat_sum(x)[7:8].tobytes()
        assert seat_sum(x[:, ::2]).shape == (G,)  # non-contiguous views too


# ---------------------------------------------------------------------------- compile cache
def test_without_a_writable_cache_directory_the_kernels_compile_uncached(tmp_path, monkeypatch):
    """No writable cache location (NUMBA_CACHE_DIR, __pycache__, ~/.cache): numba refuses cache=True at
    decoration time; sim.model.kernels then compiles without a cache instead of failing to import."""
    import importlib.util

    import numba

    (tmp_path / "__pycache__").write_text("a file where numba wants its cache directory")
    (tmp_path / "somekernel.py").write_text("def twice(x):\n    return 2 * x\n")
    spec = importlib.util.spec_from_file_location("somekernel", tmp_path / "somekernel.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(numba.config, "CACHE_DIR", "/dev/null/numba")  # NUMBA_CACHE_DIR, not a directory
    monkeypatch.setenv("XDG_CACHE_HOME", "/dev/null")                  # the user-wide cache, likewise
    with pytest.raises(RuntimeError, match="no locator available"):
        numba.njit(cache=True)(module.twice)
    fn = kernels._compiled(module.twice)
    assert fn(21) == 42 and type(fn._cache).__name__ == "NullCache"
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path / "cache"))  # a writable NUMBA_CACHE_DIR is used
    cached = kernels._compiled(module.twice)
    assert cached(4) == 8 and any((tmp_path / "cache").rglob("*.nbi"))


# ---------------------------------------------------------------------------- decisions
def ref_merge(parts, profile):
    """Old merge_decisions (the np.where chain of its small-run path)."""
    masks = [profile == k for k in range(len(parts))]
    out = {}
    for name in ("commit", "renege", "pay_quota", "route_lead", "furtive", "participate"):
        values = [getattr(p, name) for p in parts]
        if name == "participate":
            values = [np.ones(profile.shape, bool) if v is None else np.broadcast_to(v, profile.shape) for v in values]
        col = values[0]
        for v, m in zip(values[1:], masks[1:], strict=True):
            col = np.where(m, v, col)
        out[name] = np.broadcast_to(col, profile.shape)
    return out




def ref_rule(rule, obs):
    """The four profiles' NumPy rules as they were before they were compiled (e9e1a23), for ``rule``'s class."""
    from sim.model.profiles import Decision, Oportunista, SolidoCiudadano, TengoQueGanar

    def joins(delivered):
        return (obs.outside <= 0) | (obs.pool_value + np.asarray(delivered) * obs.own_gain >= obs.outside)

    b = obs.expected_coop
    if isinstance(rule, SolidoCiudadano):
        level = np.clip(obs.cc_intercept + obs.cc_slope * b, 0.0, 1.0)
        leading = obs.tenure < rule.lead
        match = np.where(obs.punish_rate > -obs.own_gain, b, 0.0)
        floor = np.maximum(match, obs.min_commit * obs.sanctions_on)
        commit = np.where(leading | (obs.own_gain > 0), 1.0, np.maximum(level, floor))
        shape = commit.shape
        keep = np.broadcast_to(leading | (level >= rule.tolerance) | obs.sanctions_on, shape)
        return Decision(commit, np.zeros(shape), keep.copy(), keep.copy(), np.zeros(shape, bool),
                        np.broadcast_to(joins(commit), shape).copy())
    if isinstance(rule, TengoQueGanar):
        rel = obs.own_gain - obs.others_gain
        match = (obs.punish_rate + rel > 0) & (rel < 0)
        penalty = (obs.fine + obs.expulsion_loss) * obs.sanctions_on
        floor = np.where((obs.min_commit > 0) & (penalty > -rel * obs.min_commit), obs.min_commit, 0.0)
        commit = np.where(rel > 0, 1.0, np.maximum(floor, np.where(match, b, 0.0)))
        shape = commit.shape
        pay = np.broadcast_to(obs.fine + obs.expulsion_loss >= obs.quota_due, shape).copy()
        route = np.broadcast_to(obs.lead_private - obs.fine - obs.expulsion_loss <= 0, shape).copy()
        return Decision(commit, np.zeros(shape), pay, route, np.zeros(shape, bool),
                        np.broadcast_to(joins(commit), shape).copy())
    if isinstance(rule, Oportunista):
        exploiting = (obs.tenure >= rule.mimic) & (b >= rule.threshold)
        p = obs.detect_belief
        sanction = p * (obs.fine + obs.expulsion_loss)
        gain = obs.renege_gain * obs.demand
        full = gain - sanction - p * obs.punish_rate * b
        part = gain * (1.0 - b) - sanction
        renege = np.where(exploiting & (np.maximum(full, part) > 0), np.where(full >= part, 1.0, 1.0 - b), 0.0)
        keep = exploiting & (obs.lead_private - obs.lead_routed > sanction + p * obs.punish_rate * b)
        shape = renege.shape
        hidden = np.broadcast_to(obs.sanctions_on, shape)
        stays = (obs.outside <= 0) | (obs.pool_value + obs.own_gain + gain * renege >= obs.outside)
        return Decision(np.ones(shape), renege, hidden | ~exploiting, ~keep, hidden.copy(),
                        np.broadcast_to(stays, shape).copy())
    return Decision.cooperate(obs.shape)   # santo


def ref_observation(m):
    """Old AsociaModel.observation (NumPy): what every seat knows before deciding."""
    from reference_agenda import detection_probability, next_fine

    from sim.model.profiles import Observation

    s, jg, r = m.config, m.purchase_game, m._roster()
    sa = s.sanctions
    fine, expel = next_fine(m.strikes, sa.warning, sa.fine, sa.expulsion_strikes)   # the next strike's
    on = (m.rules_on & sa.enabled)[:, None]   # where sanctions apply
    fine, expel = np.where(on, fine, 0.0), expel & on
    value = s.profiles.oportunista_horizon * np.maximum(m.ema_gain, 0.0)
    santos = ref_seat_sum(m.attend & r.santo)
    monitoring = np.where(m.rules_on, s.rules.monitoring, s.rules.natural_detection)
    detect = detection_probability(monitoring, m.f, s.facilitator.information, s.profiles.santo_report, santos)
    if m.lab:
        detect = np.ones(m.G)
    col = (m.G, 1)
    own_gain, others_gain, pool = ref_commit_gains(jg, r.demand, m.trust_given, m.member, m.p_coord[:, None])
    sanctions_on = (m.rules_on & s.sanctions.enabled).reshape(col)
    prior = s.profiles.oportunista_prior
    belief = (prior * detect[:, None] + m.caught) / np.maximum(prior + m.tries, 1e-12)
    return Observation(
        tenure=m.tenure, expected_coop=m.trust_given, demand=r.demand,
        renege_gain=ref_renege_gain(jg, own_gain, r.demand),
        quota_due=np.where(m.consortium_open[:, None], r.quota, 0.0), has_lead=m.has_lead,
        lead_private=m._lead_private, lead_routed=r.lead_routed, lead_income=m.lead_lambda[:, None] * r.routed,
        detect_prob=detect.reshape(col), fine=fine, expulsion_loss=np.where(expel, value, 0.0), cc_intercept=m.cc_a,
        cc_slope=m.cc_b, own_gain=own_gain, others_gain=others_gain, punish_rate=m.punish_rate,
        detect_belief=np.where(prior + m.tries > 0, belief, detect[:, None]), sanctions_on=sanctions_on,
        min_commit=np.where(sanctions_on, s.rules.min_commit, 0.0), pool_value=pool,
        outside=np.full(col, s.lab.outside if m.lab and s.lab.voluntary else 0.0))


def ref_decide(m, obs):
    """Old AsociaModel.decide without outside deciders: the profiles' NumPy rules, merged and masked."""
    out = ref_merge([ref_rule(p, obs) for p in m.profiles], m.profile)
    member = m.member
    joined = out["participate"] & member if m.config.lab.voluntary and m.lab else member.copy()
    return {"participate": joined, "commit": out["commit"].clip(0, 1) * joined,
            "renege": out["renege"].clip(0, 1) * joined, "pay_quota": out["pay_quota"] & member,
            "route_lead": out["route_lead"] & member, "furtive": out["furtive"] & member}


OBSERVED = ("tenure", "expected_coop", "demand", "quota_due", "lead_routed", "detect_prob", "fine", "expulsion_loss",
            "punish_rate", "detect_belief", "sanctions_on", "min_commit", "outside")


def test_decisions_match_the_numpy_profiles_at_every_meeting(monkeypatch):
    """Observation and decisions, compiled, equal the NumPy observation and the four profiles' NumPy rules."""
    def check(m, original):
        want_obs = ref_observation(m)
        obs = m.observation()
        for name in OBSERVED:
            np.testing.assert_array_equal(np.broadcast_to(getattr(obs, name), m.member.shape),
                                          np.broadcast_to(getattr(want_obs, name), m.member.shape), err_msg=name)
        for name in ("own_gain", "others_gain", "pool_value", "renege_gain"):
            np.testing.assert_allclose(getattr(obs, name), getattr(want_obs, name), **F64, err_msg=name)
        want = ref_decide(m, obs)  # on the compiled observation: the rules' arithmetic compared exactly
        original(m)
        for name, value in want.items():
            got = getattr(m, name)
            assert got.dtype == value.dtype, name
            np.testing.assert_array_equal(got, value, err_msg=name)
        m_ = m.member
        return (int((m.renege > 0).sum()), int(((m.commit > 0) & (m.commit < 1)).sum()),
                int((m_ & ~m.pay_quota).sum() + (m_ & ~m.route_lead).sum()), int((m_ & ~m.participate).sum()),
                int(want_obs.expulsion_loss.astype(bool).sum()))

    cases = [*CASES, ("lab/threshold_exit.toml", {})]
    calls = np.array(run_checked(monkeypatch, "decide", check, cases=cases))
    assert len(calls) == MEETINGS + 10
    # every branch was played: reneging, partial commitment, skipped quotas or kept leads, firms
    # staying out of a voluntary round, expulsion at stake
    assert (calls.sum(axis=0) > 20).all(), calls.sum(axis=0)


def test_the_numpy_rules_asked_from_python_give_the_same_tables(monkeypatch):
    """A rule of another class is asked through ``decide(obs)``: the four profiles played that way give the same tables.

    Subclasses of the four rules are not compiled (profiles.compiled_rules matches the exact class),
    so the model asks their NumPy ``decide`` and merges it at their seats, the path of a profile
    registered through ``profiles.register_rule``.
    """
    from sim.model import profiles

    plain = {name: type(f"Py{cls.__name__}", (cls,), {}) for name, cls in
             (("santo", profiles.Santo), ("solido", profiles.SolidoCiudadano), ("tengo", profiles.TengoQueGanar),
              ("oportunista", profiles.Oportunista))}
    runs = [("strict_sanctions.toml", {"run.steps": 60}), ("dipat_consortium.toml", {"run.steps": 70}),
            ("lab/threshold_exit.toml", {})]
    compiled = [sim.run(scenario(path, **over), seed=4).tables() for path, over in runs]
    rules = dict(profiles.RULES)
    for name, cls in plain.items():
        monkeypatch.setitem(profiles.RULES, name,
                            lambda traits, name=name, cls=cls: cls(**dataclasses.asdict(rules[name](traits))))
    model = AsociaModel(scenario(*runs[0][:1]), seed=4)
    assert model._python_rules == [0, 1, 2, 3]
    for (path, over), want in zip(runs, compiled, strict=True):
        got = sim.run(scenario(path, **over), seed=4).tables()
        for name, table in want.items():
            pd.testing.assert_frame_equal(got[name], table, check_exact=True)


def test_decision_kernel_on_random_states():
    """decide_members on random states, ties of float32 trust with the threshold included, against the NumPy rules.

    The chance of detection and the next strike's sanction, which the kernel works out, against the
    NumPy formulas they were (tests/reference_agenda.py).

    The oportunista's partial reneging ``1 - b`` is rounded to float32 as NumPy did (exact for b >= 0.5,
    not below: thresholds under 0.5 are played), and its threshold compared in float32.
    """
    from reference_agenda import detection_probability, next_fine

    from sim.model.games import JointPurchaseGame
    from sim.model.profiles import Observation, Oportunista, Santo, SolidoCiudadano, TengoQueGanar, compiled_rules

    rng = np.random.default_rng(21)
    G, C = 30, 9
    game = JointPurchaseGame(**GAMES[0])
    for trial in range(12):
        threshold = (0.0, 0.3, 0.7)[trial % 3]  # float32(0.3) > 0.3, float32(0.7) < 0.7
        rules = (Santo(), SolidoCiudadano(lead=int(rng.integers(0, 4)), tolerance=float(rng.random())),
                 TengoQueGanar(), Oportunista(mimic=int(rng.integers(0, 6)), threshold=threshold))
        member = rng.random((G, C)) < 0.8
        profile = rng.integers(0, 4, (G, C)).astype(np.int8)
        tenure = rng.integers(0, 10, (G, C))
        trust = rng.random((G, C)).astype(np.float32)
        trust[rng.random((G, C)) < 0.2] = np.float32(threshold)  # ties with the threshold, in float32
        cc_a, cc_b = rng.normal(0.1, 0.3, (G, C)), rng.random((G, C))
        punish_rate = rng.random((G, C)) * rng.choice([2.0, 60.0], (G, C))  # high: keeping back part pays
        ema_gain = rng.normal(0, 1, (G, C))
        tries = rng.integers(0, 5, (G, C))
        caught = np.minimum(rng.integers(0, 3, (G, C)), tries)
        rules_on, consortium_open = rng.random(G) < 0.5, rng.random(G) < 0.5
        enabled, warning, lab = trial % 4 != 3, bool(trial % 2), trial % 6 == 5
        sanctions_on = rules_on & enabled
        # the next strike's sanction, where sanctions apply
        strikes = rng.integers(0, 4, (G, C))
        fine_g, expulsion_g = rng.choice([0.0, 3.0, 6.0], G), rng.choice([2.0, 3.0, 4.0], G)
        fine, expel = next_fine(strikes, warning, fine_g[:, None], expulsion_g[:, None])
        fine, expel = np.where(sanctions_on[:, None], fine, 0.0), expel & sanctions_on[:, None]
        # the chance of detection: monitoring (natural without rules), facilitator, attending santos
        attend = rng.random((G, C)) < 0.8
        santo = member & (profile == 0)
        monitoring, f = rng.random(G), rng.random(G) * (rng.random(G) < 0.7)
        natural, information, santo_report = 0.1, 0.4, 0.3
        detect = np.ones(G) if lab else detection_probability(
            np.where(rules_on, monitoring, natural), f, information, santo_report, (attend & santo).sum(axis=1))
        demand = rng.choice([2.0, 10.0, 25.0], (G, C)) * member
        quota, lead_routed = rng.random((G, C)) * 3 * member, rng.random((G, C)) * 5
        p_coord = rng.random(G)
        min_commit, outside, prior, horizon, private = 0.4, [0.0, 5.0][trial % 2], 2.0, 12.0, float(rng.random() * 6)
        shares, choices, known, due, detect_got = kernels.decide_members(
            *compiled_rules(rules), profile, member, tenure, trust, cc_a, cc_b, punish_rate, tries, caught, ema_gain,
            strikes, attend, santo, rules_on, monitoring, natural, f, information,
            np.power(1.0 - santo_report, np.arange(C + 1)), lab, enabled, warning, fine_g, expulsion_g, demand,
            quota, lead_routed, p_coord, consortium_open, min_commit, outside, prior, horizon, private,
            *game._schedule(), game.handling_cost, game.side_discount, False)
        np.testing.assert_array_equal(detect_got, detect)
        got = (*shares, *choices, *known, due)
        own, others, pool = ref_commit_gains(game, demand, trust, member, p_coord[:, None])
        on = sanctions_on[:, None]
        belief = (prior * detect[:, None] + caught) / np.maximum(prior + tries, 1e-12)
        obs = Observation(
            tenure=tenure, expected_coop=trust, demand=demand, renege_gain=got[9],
            quota_due=np.where(consortium_open[:, None], quota, 0.0), has_lead=np.ones((G, C), bool),
            lead_private=np.full((G, 1), private), lead_routed=lead_routed, lead_income=np.zeros((G, C)),
            detect_prob=detect[:, None], fine=fine,
            expulsion_loss=np.where(expel, horizon * np.maximum(ema_gain, 0), 0),
            cc_intercept=cc_a, cc_slope=cc_b, own_gain=got[6], others_gain=got[7], punish_rate=punish_rate,
            detect_belief=np.where(prior + tries > 0, belief, detect[:, None]), sanctions_on=on,
            min_commit=np.where(on, min_commit, 0.0), pool_value=got[8], outside=np.full((G, 1), outside))
        for a, b in zip(got[6:9], (own, others, pool), strict=True):
            np.testing.assert_allclose(a, b, **F64)
        np.testing.assert_allclose(got[9], ref_renege_gain(game, own, demand), **F64)
        for a, name in zip(got[10:], ("detect_belief", "expulsion_loss", "fine", "quota_due"), strict=True):
            np.testing.assert_array_equal(a, getattr(obs, name), err_msg=name)
        want = ref_merge([ref_rule(r, obs) for r in rules], profile)
        # the same rules asked through decide(obs), as outside callers and subclasses do
        for r in rules:
            got_d, want_d = r.decide(obs), ref_rule(r, obs)
            for name in ("commit", "renege", "pay_quota", "route_lead", "furtive", "participate"):
                a, b = (np.broadcast_to(True if getattr(d, name) is None else getattr(d, name), profile.shape)
                        for d in (got_d, want_d))
                np.testing.assert_array_equal(a, b, err_msg=f"{r.name} {name}")
        for a, name in zip(got[:6], ("commit", "renege", "pay_quota", "route_lead", "furtive", "participate"),
                           strict=True):
            np.testing.assert_array_equal(a, want[name].astype(a.dtype), err_msg=name)


@pytest.mark.parametrize("sanctions_on", [False, True])
def test_decide_on_a_hand_built_float64_observation_equals_the_numpy_rules(sanctions_on):
    """decide(obs) of the built-in profiles on an observation built by hand (float64 expected cooperation,
    a minimum commitment where sanctions are off) gives what the NumPy rules gave."""
    from sim.model.profiles import Observation, Oportunista, SolidoCiudadano, TengoQueGanar

    n = 9
    rng = np.random.default_rng(1)
    obs = Observation(
        tenure=np.full(n, 20), expected_coop=np.linspace(0.1, 0.9, n), demand=np.full(n, 10.0),
        renege_gain=np.full(n, 0.3), quota_due=np.full(n, 1.0), has_lead=np.ones(n, bool),
        lead_private=np.full(n, 5.0), lead_routed=np.full(n, 3.0), lead_income=np.zeros(n),
        detect_prob=np.full(n, 0.3), fine=np.full(n, 2.0), expulsion_loss=np.zeros(n), cc_intercept=np.full(n, 0.05),
        cc_slope=np.full(n, 0.8), own_gain=rng.normal(0, 1, n), others_gain=rng.normal(0, 1, n),
        punish_rate=np.full(n, 0.5), detect_belief=np.full(n, 0.3), sanctions_on=np.full(n, sanctions_on),
        min_commit=np.full(n, 0.5), pool_value=np.zeros(n), outside=np.zeros(n))
    for rule in (SolidoCiudadano(lead=1, tolerance=0.3), TengoQueGanar(), Oportunista(mimic=10, threshold=0.5)):
        got, want = rule.decide(obs), ref_rule(rule, obs)
        for name in ("commit", "renege", "pay_quota", "route_lead", "furtive", "participate"):
            np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=f"{rule.name} {name}")


def test_graduated_sanction_is_a_warning_then_growing_fines_then_expulsion():
    """The model's graduated sanction (kernels._sanction, via decide_members and monitor_members; 004:L2026-2029).

    A warning at the first strike (with ``sanctions.warning``), the k-th fined strike costs k x fine,
    expulsion at ``expulsion_strikes``; nothing where the group has no reglamento.
    """
    from sim.model.vocabulary import Sanction

    assert kernels._sanction(np.int64(1), True, 6.0, 3.0) == (Sanction.WARNING, 0.0)
    assert kernels._sanction(np.int64(2), True, 6.0, 3.0) == (Sanction.FINE, 6.0)
    assert kernels._sanction(np.int64(3), True, 6.0, 3.0) == (Sanction.EXPULSION, 12.0)
    assert kernels._sanction(np.int64(2), False, 6.0, 3.0) == (Sanction.FINE, 12.0)
    # the next strike of seats with 0..3 strikes, as the firms weigh it before deciding (the
    # observation's fine): with a warning, without one, and without rules
    sc = sim.load_scenario("scenarios/baseline.toml")

    def next_fines(warning, enabled, rules_on):
        m = AsociaModel(sc.replace({"sanctions.warning": warning, "sanctions.enabled": enabled,
                                    "sanctions.fine": 6.0, "sanctions.expulsion_strikes": 3}), seed=1)
        m.strikes[:, :4] = np.arange(4)
        m.rules_on[:] = rules_on
        m.ema_gain[:] = 1.0   # membership is worth something: an expulsion would cost it
        obs = m.observation()
        return obs.fine[:, :4], obs.expulsion_loss[:, :4] > 0

    fine, expel = next_fines(True, True, [True, True, False])
    np.testing.assert_array_equal(fine[0], [0.0, 6.0, 12.0, 18.0])
    np.testing.assert_array_equal(expel[0], [False, False, True, True])
    np.testing.assert_array_equal(fine[2], 0.0)
    assert not expel[2].any()
    fine, expel = next_fines(False, True, [True, True, False])
    np.testing.assert_array_equal(fine[0], [6.0, 12.0, 18.0, 24.0])
    np.testing.assert_array_equal(expel[0], [False, False, True, True])
    # sanctions disabled: nothing, even under the reglamento
    fine, expel = next_fines(True, False, [True, True, True])
    assert not fine.any() and not expel.any()


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 12, 15, 16, 17, 24, 40, 80, 127, 128])
def test_pairwise_seat_sum_is_numpys_sum_bit_for_bit(n):
    """kernels._pairwise (the recorder's sums over seats) gives ``x.sum(axis=-1)`` exactly, signed zeros included.

    A plain loop differs from NumPy's pairwise order in the last bit for about half the rows of 3
    or more terms; the steps table's sums were made with NumPy, so the kernel follows its order.
    """
    rng = np.random.default_rng(n)
    x = rng.normal(size=(300, n)) * rng.choice([1e-3, 1.0, 1e3], size=(300, 1))
    x[rng.random(x.shape) < 0.3] = 0.0
    x[:5] = -0.0   # rows of negative zeros: NumPy's sum is +0.0
    want = x.sum(axis=1)
    got = np.array([0.0 + kernels._pairwise(row, 0, n) for row in x])
    assert got.tobytes() == want.tobytes()
    # the same rows through a sequential loop differ (the test can fail)
    if n >= 8:
        assert (np.array([sum(row.tolist(), 0.0) for row in x]) != want).any()


def test_a_group_never_has_more_seats_than_one_pairwise_block():
    """The scenario's bounds keep a group's seats within kernels.PAIRWISE_BLOCK (NumPy's order without splits)."""
    from sim.model.scenario import param

    most = param("population.group_size").hi + param("population.slack").hi
    assert most <= kernels.PAIRWISE_BLOCK
    with pytest.raises(ValueError):
        kernels._pairwise(np.zeros(kernels.PAIRWISE_BLOCK + 1), 0, kernels.PAIRWISE_BLOCK + 1)
