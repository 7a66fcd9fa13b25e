"""The meeting's arithmetic without random draws, compiled: for each group, for each member.

Each function here runs one agenda item over every group in plain loops over groups and seats,
compiled by numba, and reads like the guide's description of that item. There is one code path
for every size: no thresholds, no bit tricks, no BLAS calls. A sum within a group is a loop over
that group's seats in seat order, so it does not depend on how many groups are played (a BLAS
product ``x @ ones`` may sum a row in another order when it is given more rows).

State arrays are ``(groups, seats)``; trust ``T[g, i, j]`` (firm i's trust in firm j) is float32
and its update keeps float32 arithmetic, operation by operation, as the NumPy version did:
``t + (signal - t) * weight`` where the observer attends, then ``t * factor``, ``t * (1 - lift)``,
``t + lift``. Inputs from float64 arrays are rounded to float32 first, as NumPy's casts did.

Debugging: with ``NUMBA_DISABLE_JIT=1`` in the environment (before ``sim`` is imported) the same
functions run as plain Python, loop by loop (slow, but the same code and the same tables;
tests/test_kernels.py checks it).

Compile cache: every function is compiled with ``cache=True``, once per argument types (the
callers pass C-contiguous arrays of fixed dtypes, so a run compiles one signature per function).
The first run on a machine compiles them and writes the machine code to the cache (measured on the
2-core machine under other load: a process playing the baseline once spent about 8 CPU-s with an
empty cache before the decision stage was compiled, about 10 CPU-s since (``decide_members`` 3.5 s,
``commit_gains`` inside it included; ``member_decisions`` 0.5 s), against 0.8-1.3 before the
kernels; ``field_trust`` about 2 s: prefer element loops to slice assignments, which cost seconds to
compile; with the agenda items compiled, 19-22 CPU-s against 10.5-11.3 in the same conditions, under
load: numba spends about 20 ms per array argument, so ``settle_members`` and ``monitor_members``
cost most), later processes load it (about 1.4-1.7 CPU-s for the same process, as before the decision
stage was compiled; ``import numba`` itself 0.3-0.4 CPU-s; the cache is about 1.3 MB). Numba 0.68 looks
for a cache directory in this order (numba/core/caching.py, ``_CacheImpl._locator_classes``; docs:
"Notes on Caching", NUMBA_CACHE_DIR):

1. ``$NUMBA_CACHE_DIR`` when set (honoured; a tree mirroring the source path is created under it);
2. ``sim/__pycache__`` next to this file, when it is writable;
3. the user-wide cache, ``~/.cache/numba`` (``$XDG_CACHE_HOME/numba``), when writable.

Each candidate is tested by creating the directory and a temporary file in it; one that is not
writable (an unset or read-only ``NUMBA_CACHE_DIR`` included) is skipped silently. When none is
writable numba raises ``RuntimeError("cannot cache function ...: no locator available")`` while
decorating; :func:`_compiled` then compiles without a cache, so every process compiles again
(same results, a few seconds more per process). The cache is keyed by the source file's content
and the CPU, so an edited kernels.py or another CPU model recompiles; stale files are harmless.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .vocabulary import Sanction


def _compiled(fn):
    """``numba.njit(cache=True)``; without the cache when no cache directory is writable (see above)."""
    try:
        return numba.njit(cache=True)(fn)
    except RuntimeError:  # no writable cache location: compile in every process
        return numba.njit(fn)


_F32_ONE = np.float32(1.0)


# ------------------------------------------------------------------ trust (sim/model/trust.py explains it)
@_compiled
def _revise_group(T, g, signal, weight, attend, factor, lift):
    """One group's trust update, in float32: observe, then the losses, then the lift.

    ``signal[j]``: conduct of member j seen this meeting; ``weight[j]``: the learning rate where
    j's conduct was seen (else 0); observers i who attend move their trust in j towards it.
    ``factor[j]``: what trust in j keeps after this meeting's losses; ``lift``: the group's gains,
    as a share of the remaining gap to 1. All float32.
    """
    C = T.shape[1]
    keep = _F32_ONE - lift
    for i in range(C):          # each observer
        for j in range(C):      # each member observed
            t = T[g, i, j]
            if attend[g, i]:
                t = t + (signal[j] - t) * weight[j]
            t = t * factor[j]
            t = t * keep
            T[g, i, j] = t + lift


@_compiled
def _slow_repair(T, g, before, caught, member, repair):
    """Trust in a member caught cheating keeps only ``1 / (1 + repair x caught)`` of any rise this meeting."""
    C = T.shape[1]
    for j in range(C):
        if caught[g, j] == 0 or not member[g, j]:
            continue
        slow = np.float32(1.0 / (1.0 + repair * caught[g, j]))
        for i in range(C):
            after = T[g, i, j]
            rise = after - before[i, j]
            if rise < 0:
                rise = np.float32(0.0)
            T[g, i, j] = after - rise * (_F32_ONE - slow)


@_compiled
def lab_trust(T, commit, renege, member, participate, purchase_open, learning):
    """The laboratory's belief update: everyone sees every contribution, beliefs move only through it.

    Returns ``(coop_seen, seen)`` per seat: the contribution seen (commitment honoured) and whether
    it was seen (a member who took part in an open round). Trust ``T`` is updated in place.
    """
    G, C = member.shape
    coop_seen = np.zeros((G, C))
    seen = np.zeros((G, C), np.bool_)
    signal = np.empty(C, np.float32)
    weight = np.empty(C, np.float32)
    factor = np.ones(C, np.float32)
    eta = np.float32(learning)
    for g in range(G):
        for j in range(C):
            open_ = purchase_open[g] and member[g, j] and participate[g, j]
            coop = commit[g, j] * (1.0 - renege[g, j]) if open_ else 0.0
            coop_seen[g, j] = coop
            seen[g, j] = open_
            signal[j] = np.float32(coop)
            weight[j] = eta if open_ else np.float32(0.0)
        _revise_group(T, g, signal, weight, member, factor, np.float32(0.0))
    return coop_seen, seen


@_compiled
def field_trust(T, commit, renege, det_renege, reneged, quota_due, pay_quota, leads_routed, leads_missed,
                kept_open, kept_furtive, det_keep, route_lead, capacity, member, attend, santo, caught,
                purchase_open, purchase_failed, placed, discount, rules_on, f, game_acts, game_coop, alive, n_members,
                learning, diffuse,
                failure, betrayal, success_lift, trust_building, santo_persuasion, transparency, repair, coop_seen,
                seen):
    """A meeting's trust update in the field: what members saw, what nobody could explain, what built trust.

    For each group, for each member j: the conduct the others saw, averaged over the acts seen
    (its commitment, less a renege that was detected; its quota paid, where one was due; its
    lead routed, where the group saw what became of the lead: routed, missed, kept openly or
    kept and detected; and its conduct in each registered game the others saw, ``game_acts``
    acts adding up to ``game_coop``); trust in j keeps ``1 - betrayal`` after a detected furtive act (renege
    or kept lead). For the whole group: a shortfall nobody can explain (furtive leads nobody
    detected, per member, plus the purchase units reneged unseen as a share of those committed)
    cuts trust by ``diffuse`` per unit, a failed joint purchase by ``failure``, opaque rules by
    their negative transparency; trust rises towards 1 (a share ``lift`` of the gap) after a
    successful joint action (a purchase ``placed`` at a ``discount``), with the facilitator, with
    the santos present and with transparent rules. Observers who attend move their trust towards the
    conduct they saw (rate ``learning``). With ``repair`` > 0, trust in a member caught cheating keeps only
    ``1 / (1 + repair x caught)`` of any rise this meeting.

    Writes ``coop_seen`` and ``seen`` per seat (the last two arguments, every seat, in place);
    ``T`` is updated in place.
    """
    G, C = member.shape
    signal = np.empty(C, np.float32)
    weight = np.empty(C, np.float32)
    factor = np.empty(C, np.float32)
    before = np.empty((C, C), np.float32)
    for g in range(G):
        # the whole group: a shortfall nobody can explain, and what lifts trust
        hidden_leads = 0
        committed = 0.0
        hidden = 0.0
        santos = 0
        for j in range(C):
            if kept_furtive[g, j] and not det_keep[g, j]:
                hidden_leads += 1
            cc = capacity[g, j] * commit[g, j]
            if purchase_open[g] and member[g, j]:
                committed += cc
            if reneged[g, j] and not det_renege[g, j]:
                hidden += cc * renege[g, j]
            if attend[g, j] and santo[g, j]:
                santos += 1
        shortfall = hidden / max(committed, 1e-12) + hidden_leads / max(n_members[g], 1)
        group_factor = min(max(1.0 - diffuse * shortfall, 0.0), 1.0)
        if purchase_failed[g]:
            group_factor = group_factor * (1.0 - failure)
        group_factor = group_factor * (1.0 + (min(transparency, 0.0) if rules_on[g] else 0.0))
        success = placed[g] and discount[g] > 0   # a purchase placed at a discount
        lift = ((success_lift if success else 0.0) + f[g] * trust_building[g] + santo_persuasion * santos
                + (max(transparency, 0.0) if rules_on[g] else 0.0))
        lift = min(max(lift if alive[g] else 0.0, 0.0), 1.0)
        # each member: the conduct the others saw, and the trust it keeps after a detected betrayal
        for j in range(C):
            n_sig = 0
            total = 0.0
            if purchase_open[g] and member[g, j]:
                n_sig += 1
                total = commit[g, j] * (1.0 - (renege[g, j] if det_renege[g, j] else 0.0))
            if quota_due[g, j] > 0:
                n_sig += 1
                if pay_quota[g, j]:
                    total += 1.0
            if leads_routed[g, j] or leads_missed[g, j] or kept_open[g, j] or det_keep[g, j]:
                n_sig += 1
                if route_lead[g, j]:
                    total += 1.0
            if game_acts[g, j] > 0:   # registered games (sim.model.vocabulary.register_game)
                n_sig += game_acts[g, j]
                total += game_coop[g, j]
            coop_seen[g, j] = total / max(n_sig, 1)
            seen[g, j] = n_sig > 0
            signal[j] = np.float32(coop_seen[g, j])
            weight[j] = np.float32(learning if n_sig > 0 else 0.0)
            kept = 1.0 - betrayal if (det_renege[g, j] or det_keep[g, j]) else 1.0
            factor[j] = np.float32(group_factor * kept)
        marked = False
        if repair > 0:
            for j in range(C):
                if caught[g, j] != 0 and member[g, j]:
                    marked = True
            if marked:  # trust as it stood before this meeting's update
                for i in range(C):
                    for j in range(C):
                        before[i, j] = T[g, i, j]
        _revise_group(T, g, signal, weight, attend, factor, np.float32(lift))
        if marked:
            _slow_repair(T, g, before, caught, member, repair)


@_compiled
def given_received(T, member):
    """Mean trust each member places in the other members, and receives from them (float32, (G, C)).

    0 for empty seats and lone members. Sums run over the other members in seat order (float64).
    """
    G, C = member.shape
    give = np.zeros((G, C), np.float32)
    get = np.zeros((G, C), np.float32)
    for g in range(G):
        n = 0
        for i in range(C):
            if member[g, i]:
                n += 1
        if n < 2:
            continue
        for i in range(C):
            if not member[g, i]:
                continue
            to_others = 0.0
            from_others = 0.0
            for j in range(C):
                if member[g, j] and j != i:
                    to_others += float(T[g, i, j])  # float64 sums (also as plain Python)
                    from_others += float(T[g, j, i])
            give[g, i] = to_others / (n - 1)
            get[g, i] = from_others / (n - 1)
    return give, get


@_compiled
def group_mean(trust_given, member):
    """Mean dyadic trust among the members of each group (G,): the mean of what each member gives; 0 below 2."""
    G, C = member.shape
    out = np.zeros(G)
    for g in range(G):
        n = 0
        total = 0.0
        for i in range(C):
            if member[g, i]:
                n += 1
                total += float(trust_given[g, i])
        if n > 1:
            out[g] = total / n
    return out


# ------------------------------------------------------------------ the joint purchase (sim/model/games.py)
@_compiled
def _discount(volume, min_lot, volume_full, discount_min, discount_max):
    """The discount schedule at one volume: 0 below the minimum lot, then linear up to ``volume_full``."""
    if volume < min_lot:
        return 0.0
    span = volume_full - min_lot
    ramp = min(max((volume - min_lot) / span, 0.0), 1.0) if span > 0 else 1.0
    return discount_min + (discount_max - discount_min) * ramp


@_compiled
def purchase_round(demand, commit, renege, member, coordinated, purchase_open, seated, list_price, min_lot,
                   volume_full, discount_min, discount_max, handling_cost, side_discount, shortfall_penalty,
                   equal_sharing):
    """One joint-purchase round: for each group, the pooled order and what each member gains or pays.

    A member commits ``commit`` of its ``demand`` and delivers all but the ``renege`` share; both
    count only where the group's purchase is open (``purchase_open``) and the seat is ``seated``
    (``commit`` and ``renege`` times 1 or 0). The group places its order when it coordinated and
    its delivered volume reaches the minimum lot; the discount on the volume is shared equally
    among the round's members (``member``) or in proportion to what each delivered, the supplier's
    penalty on the reneged units likewise. A placed order costs handling per unit delivered; a
    reneger buys its reneged units privately at the side-deal discount. A purchase fails where it
    is open, was not placed and some seat committed (``commit`` summed in seat order).

    Returns per group ``(volume, discount, placed, bill)``, per seat ``(payment, net)``, per group
    ``failed`` and how many failed.
    """
    G, C = member.shape
    volume = np.zeros(G)
    discount = np.zeros(G)
    placed = np.zeros(G, np.bool_)
    bill = np.zeros(G)
    payment = np.zeros((G, C))
    net = np.zeros((G, C))
    failed = np.zeros(G, np.bool_)
    n_failed = 0
    delivered = np.empty(C)
    reneged = np.empty(C)
    for g in range(G):
        members = 0
        vol = 0.0
        short = 0.0
        committed_total = 0.0
        for i in range(C):
            on = 1.0 if purchase_open[g] and seated[g, i] else 0.0
            committed = demand[g, i] * (commit[g, i] * on) if member[g, i] else 0.0
            delivered[i] = committed * (1.0 - renege[g, i] * on)
            reneged[i] = committed - delivered[i]
            vol += delivered[i]
            short += reneged[i]
            members += member[g, i]
            committed_total += commit[g, i]
        ok = coordinated[g] and vol > 0 and vol >= min_lot
        disc = _discount(vol, min_lot, volume_full, discount_min, discount_max) if ok else 0.0
        unit_saving = list_price * disc
        penalty = shortfall_penalty * short if ok else 0.0
        n = max(members, 1)
        for i in range(C):
            if equal_sharing:
                saving = unit_saving * vol / n if member[g, i] else 0.0
                penalty_share = penalty / n if member[g, i] else 0.0
            else:
                saving = unit_saving * delivered[i]
                penalty_share = penalty * delivered[i] / max(vol, 1e-12)
            if ok:
                handling = handling_cost * delivered[i]
                side = list_price * side_discount * reneged[i]
                payment[g, i] = delivered[i] * list_price - saving + penalty_share
            else:
                handling = side = saving = 0.0
            net[g, i] = saving - handling + side - penalty_share
        volume[g] = vol
        discount[g] = disc
        placed[g] = ok
        bill[g] = vol * list_price * (1.0 - disc) * ok + penalty
        if purchase_open[g] and not ok and committed_total > 0:
            failed[g] = True
            n_failed += 1
    return volume, discount, placed, bill, payment, net, failed, n_failed


@_compiled
def _normal_tail(x):
    """P(Z >= x) for a standard normal Z (scipy.special.ndtr(-x), by the same erf / erfc split)."""
    a = -x * 0.7071067811865476  # -x / sqrt(2)
    if abs(a) < 0.7071067811865476:
        return 0.5 + 0.5 * math.erf(a)
    y = 0.5 * math.erfc(abs(a))
    return 1.0 - y if a > 0 else y


@_compiled
def _placed_volume(threshold, mu, sd):
    """(P(V >= threshold), E[V; V >= threshold]) of the others' delivered volume V ~ Normal(mu, sd).

    Without a positive threshold every volume counts (a zero volume saves zero): exactly (1, mu).
    """
    if threshold <= 0:
        return 1.0, mu
    if sd > 0:
        z = (threshold - mu) / sd
        tail = _normal_tail(z)
        return tail, mu * tail + sd * (math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi))
    tail = 1.0 if mu >= threshold else 0.0
    return tail, mu * tail + sd * 0.0


@_compiled
def commit_gains(demand, belief, member, p_coord, list_price, min_lot, volume_full, discount_min, discount_max,
                 handling_cost, equal_sharing):
    """What committing all of its demand, rather than staying out, does to each member (sim/model/games.py explains).

    For each group, for each member i: the others deliver their demand each with probability
    ``belief[i]`` (what i expects of them), so their volume V has mean ``b (D - d_i)`` and
    variance ``b (1 - b) sum_{j != i} d_j^2``; the chance that the order is placed and its
    expected volume come from the normal approximation of V. Returns per seat ``(own, others,
    pool)``, each weighted by the chance ``p_coord`` that the group places an order at all (0 for an empty seat:
    nothing is worked out for it).
    """
    G, C = member.shape
    own = np.zeros((G, C))
    others = np.zeros((G, C))
    pool = np.zeros((G, C))
    sched = (min_lot, volume_full, discount_min, discount_max)
    for g in range(G):
        n = 0
        total = 0.0
        total2 = 0.0
        for i in range(C):
            d = demand[g, i] if member[g, i] else 0.0
            n += member[g, i]
            total += d
            total2 += d * d
        n1 = max(n, 1)
        others_n = max(n - 1, 1)
        for i in range(C):
            if not member[g, i]:   # an empty seat gains nothing (own, others and pool stay 0)
                continue
            d = demand[g, i]
            b = min(max(float(belief[g, i]), 0.0), 1.0)
            mu = b * (total - d)
            sd = math.sqrt(max(b * (1.0 - b) * (total2 - d * d), 0.0))
            p_out, ev_out = _placed_volume(min_lot, mu, sd)
            p_in, ev_in = _placed_volume(min_lot - d, mu, sd)
            # expected pooled saving of a placed order without and with the member's units
            vol_out = ev_out + 0.0 * p_out
            mean_out = vol_out / max(p_out, 1e-300) if p_out > 0 else 0.0
            s_out = list_price * _discount(max(mean_out, min_lot), *sched) * vol_out
            vol_in = ev_in + d * p_in
            mean_in = vol_in / max(p_in, 1e-300) if p_in > 0 else 0.0
            s_in = list_price * _discount(max(mean_in, min_lot), *sched) * vol_in
            # the others pay handling on what they deliver whenever the order is placed
            others_handling = handling_cost * mu * (p_in - p_out) / others_n
            if equal_sharing:
                share = (s_in - s_out) / n1
                mine = share - handling_cost * d * p_in
                theirs = share - others_handling
                joined = s_out / n1
            else:
                mean_in = (ev_in + d * p_in) / max(p_in, 1e-300) if p_in > 0 else 0.0
                own_saving = list_price * _discount(max(mean_in, min_lot), *sched) * d * p_in
                mine = own_saving - handling_cost * d * p_in
                theirs = (s_in - s_out - own_saving) / others_n - others_handling
                joined = 0.0
            own[g, i] = p_coord[g, i] * mine
            others[g, i] = p_coord[g, i] * theirs
            pool[g, i] = p_coord[g, i] * joined
    return own, others, pool


@_compiled
def renege_gain(own_gain, demand, list_price, side_discount):
    """Private gain per committed unit of reneging on all of it: the side deal less what committing brings."""
    G, C = demand.shape
    out = np.zeros((G, C))
    for g in range(G):
        for i in range(C):
            d = demand[g, i]
            if d > 0:
                out[g, i] = (list_price * side_discount * d - own_gain[g, i]) / max(d, 1e-12)
    return out


# ------------------------------------------------------------------ peer punishment (AsociaModel.punish)
@_compiled
def peer_punishment(seen, coop_seen, member, attend, profile, demand, punish_rate, santo, solido, tengo,
                    oportunista, cap, rate, antisocial, impact, cost, learning):
    """Costly peer punishment after the contribution stage, for each group (Fehr & Gächter 2000; 2002).

    For each member j whose conduct was seen: its shortfall is how far its seen cooperation fell
    below the mean of the other seen members'. Each attending santo and sólido i gives every
    other member j ``min(cap, rate x shortfall_j x demand_j)`` points; with ``antisocial`` > 0,
    each attending tengo and oportunista whose conduct was seen gives every other seen member
    that cooperated more than itself ``min(cap, antisocial x excess x demand_j)`` points (Herrmann,
    Thöni & Gächter 2008). A point costs the punisher ``cost`` and the punished ``impact``; a
    member that fell short learns (rate ``learning``) what a unit of shortfall cost it.

    Returns ``(points, loss, spent, punish_rate)``: points (G, C, C) given by i to j, and per seat
    the money lost to punishment, the money spent punishing, and the updated learnt rate.
    """
    G, C = member.shape
    points = np.zeros((G, C, C))
    loss = np.zeros((G, C))
    spent = np.zeros((G, C))
    learnt = punish_rate.copy()
    c = np.zeros(C)
    gap = np.zeros(C)
    for g in range(G):
        n_seen = 0
        total = 0.0
        for j in range(C):
            c[j] = coop_seen[g, j] if seen[g, j] and member[g, j] else 0.0
            if seen[g, j] and member[g, j]:
                n_seen += 1
            total += c[j]
        for j in range(C):
            was_seen = seen[g, j] and member[g, j]
            others_mean = (total - c[j]) / max(n_seen - was_seen, 1)
            gap[j] = max(others_mean - c[j], 0.0) if was_seen and n_seen > 1 else 0.0
        for i in range(C):  # the punisher
            if not member[g, i]:
                continue
            prosocial = (profile[g, i] == santo or profile[g, i] == solido) and attend[g, i]
            spiteful = ((profile[g, i] == tengo or profile[g, i] == oportunista) and attend[g, i]
                        and seen[g, i] and antisocial > 0)
            for j in range(C):  # the punished
                if j == i or not member[g, j]:
                    continue
                p = min(cap, rate * gap[j] * demand[g, j]) if prosocial else 0.0
                if spiteful and seen[g, j]:
                    p = p + min(cap, antisocial * (max(c[j] - c[i], 0.0) * demand[g, j]))
                points[g, i, j] = p
        for j in range(C):
            got = 0.0
            gave = 0.0
            for i in range(C):
                got += points[g, i, j]
                gave += points[g, j, i]
            loss[g, j] = impact * got
            spent[g, j] = cost * gave
            if gap[j] > 0:
                observed = loss[g, j] / max(gap[j], 1e-12)
                learnt[g, j] = punish_rate[g, j] + learning * (observed - punish_rate[g, j])
    return points, loss, spent, learnt


# ------------------------------------------------------------------ the offer (AsociaModel._roster_measures)
@_compiled
def roster_measures(gs, member, product, breadth, overlap):
    """Breadth of the offer and product overlaps of groups ``gs``, written into ``breadth`` and ``overlap``.

    Breadth: the distinct products the group's members offer; overlap: for each member, the other
    members offering the same product (0 for an empty seat).
    """
    C = member.shape[1]
    for g in gs:
        distinct = 0
        for i in range(C):
            if not member[g, i]:
                overlap[g, i] = 0
                continue
            same = 0
            first = True
            for j in range(C):
                if j != i and member[g, j] and product[g, j] == product[g, i]:
                    same += 1
                    if j < i:
                        first = False
            overlap[g, i] = same
            distinct += first
        breadth[g] = distinct


@_compiled
def lead_draws(consortium_open, expected, manager, lead_search, n_members, member, u_lead):
    """The leads of each open consortium, and how many it expects.

    ``expected`` per group (ExportGame.expected_leads), more with a manager (``1 + lead_search``);
    a member gets one when its draw ``u_lead`` falls below the expected leads per member (at most 1).

    Returns ``(lead_lambda, has_lead)``: per group, per seat.
    """
    G, C = member.shape
    lam = np.zeros(G)
    has_lead = np.zeros((G, C), np.bool_)
    for g in range(G):
        if not consortium_open[g]:
            continue
        x = expected[g] * (1.0 + lead_search * (1.0 if manager[g] else 0.0))
        lam[g] = x
        p = x / max(n_members[g], 1)
        p = 1.0 if 1.0 <= p else p
        for i in range(C):
            has_lead[g, i] = member[g, i] and u_lead[g, i] < p
    return lam, has_lead


# ------------------------------------------------------------------ the consortium (AsociaModel.run_consortium)
@_compiled
def consortium_round(quota_due, pay_quota, fund, paid_in, has_lead, route_lead, capacity_coord, u_miss, share,
                     overlap, u_clash, lead_miss, miss_coordination, commission, lead_value, private_value,
                     overlap_conflict):
    """Quotas into the fund, each lead routed through the consortium or kept, and clashes, for each group.

    A member pays its quota where it chose to (``paid_in`` grows by it, in place); the fund takes
    the quotas (summed in seat order), then the ``commission`` on every served lead. A routed lead
    is missed when its draw ``u_miss`` falls below ``lead_miss`` plus ``miss_coordination`` times
    the coordination missing; the served leads' pot after commission is shared by ``share``; a
    kept lead pays its holder ``private_value``. A lead in a product other members offer
    (``overlap``) clashes when its draw ``u_clash`` falls below ``overlap_conflict``.

    Returns per seat ``quota_paid``, per group ``(fund, commission)``, per seat ``(lead_income,
    served, missed, kept, clash)``.
    """
    G, C = quota_due.shape
    paid = np.empty((G, C))
    new_fund = np.empty(G)
    fee = np.empty(G)
    income = np.empty((G, C))
    served = np.zeros((G, C), np.bool_)
    missed = np.zeros((G, C), np.bool_)
    kept = np.zeros((G, C), np.bool_)
    clash = np.zeros((G, C), np.bool_)
    for g in range(G):
        total = 0.0
        for i in range(C):
            x = quota_due[g, i] * (1.0 if pay_quota[g, i] else 0.0)
            paid[g, i] = x
            paid_in[g, i] += x
            total += x
        miss_p = lead_miss + miss_coordination * (1.0 - capacity_coord[g])
        n_served = 0
        for i in range(C):
            if has_lead[g, i]:
                if route_lead[g, i]:
                    if u_miss[g, i] < miss_p:
                        missed[g, i] = True
                    else:
                        served[g, i] = True
                        n_served += 1
                else:
                    kept[g, i] = True
                clash[g, i] = overlap[g, i] > 0 and u_clash[g, i] < overlap_conflict
        fee[g] = n_served * commission * lead_value
        new_fund[g] = (fund[g] + total) + fee[g]
        pot = n_served * (1.0 - commission) * lead_value
        for i in range(C):
            income[g, i] = pot * share[g, i] + (private_value if kept[g, i] else 0.0)
    return paid, new_fund, fee, income, served, missed, kept, clash


# ------------------------------------------------------------------ the roster (AsociaModel._roster_rows)
@_compiled
def roster_rows(gs, member, capacity, profile, disposition, attend_rates, santo, proportional, commission,
                lead_value, quota, demand_per_capacity, alone_per_capacity, lead_miss, diversity, diversity_capacity,
                tc_base, tc_size, tc_diversity, tc_factor):
    """What depends only on who sits where, for groups ``gs``: one row per group in ``gs``.

    Members (``n``); each seat's attendance rate by disposition (``attend_rates``); santos; demand;
    the quota due (equal, or ``proportional`` to capacity with the same total); what a routed
    lead pays each member and the share of costs it bears (by capacity, or equal); what going
    alone pays; the transaction cost per member before the facilitator's reduction, growing with
    size and with diversity (the group's ``diversity`` plus ``diversity_capacity`` times the
    coefficient of variation of its members' capacities). ``diversity`` and ``tc_base`` are per
    group (all groups). Sums over seats run in seat order.

    Returns ``(n, p_attend, santo, not_santo, demand, quota, routed, lead_routed, share, alone,
    tc_roster)``.
    """
    k = gs.shape[0]
    C = member.shape[1]
    n_out = np.zeros(k, np.int64)
    p_attend = np.empty((k, C))
    is_santo = np.empty((k, C), np.bool_)
    not_santo = np.empty((k, C), np.bool_)
    demand = np.empty((k, C))
    quota_due = np.empty((k, C))
    routed = np.empty((k, C))
    lead_routed = np.empty((k, C))
    share = np.empty((k, C))
    alone = np.empty((k, C))
    tc = np.empty(k)
    pot = (1.0 - commission) * lead_value
    for r in range(k):
        g = gs[r]
        n = 0
        cap_sum = 0.0
        cap2_sum = 0.0
        for i in range(C):
            m = member[g, i]
            n += m
            cap = capacity[g, i] * (1.0 if m else 0.0)
            cap_sum += cap
            cap2_sum += cap * cap
        n_out[r] = n
        n1 = max(n, 1)
        total = cap_sum if cap_sum >= 1e-12 else 1e-12
        mean_cap = cap_sum / n1
        each = pot / n1
        for i in range(C):
            m = 1.0 if member[g, i] else 0.0
            c = capacity[g, i]
            cap = c * m
            p_attend[r, i] = attend_rates[disposition[g, i]]
            is_santo[r, i] = profile[g, i] == santo
            not_santo[r, i] = profile[g, i] != santo
            demand[r, i] = c * demand_per_capacity
            if proportional:
                quota_due[r, i] = quota * cap / (mean_cap if mean_cap >= 1e-12 else 1e-12)
                share[r, i] = cap / total
                routed[r, i] = pot * cap / total
            else:
                quota_due[r, i] = quota * m
                share[r, i] = m / n1
                routed[r, i] = each * m
            lead_routed[r, i] = routed[r, i] * (1.0 - lead_miss)
            alone[r, i] = c * alone_per_capacity
        spread = cap2_sum / n1 - mean_cap * mean_cap
        cv = math.sqrt(spread if spread >= 0.0 else 0.0) / (mean_cap if mean_cap >= 1e-12 else 1e-12)
        div = diversity[g] + diversity_capacity * cv
        tc[r] = tc_base[g] * (1.0 + tc_size * (n1 - 1)) * (1.0 + tc_diversity * div) * tc_factor
    return n_out, p_attend, is_santo, not_santo, demand, quota_due, routed, lead_routed, share, alone, tc


# ------------------------------------------------------------------ the meeting (AsociaModel.hold_meeting)
@_compiled
def hold_groups(member, p_attend, trust_given, engagement, u_attend, u_coordinate, n_members, rules_on, self_gov, f,
                manager, alive, phase, attend_base, attend_trust, everyone, quorum, manager_coordination,
                coordination_gain, always_coordinated, export_enabled, attend, quorum_ok, capacity, p_coord,
                coordinated, purchase_open, consortium_open):
    """Who attends, quorum and coordination, for each group (sim/model/facilitator.py explains coordination).

    A member attends when its draw ``u_attend`` falls below its disposition's rate ``p_attend``
    times ``attend_base + attend_trust * trust_given`` (float32, as trust is kept: the two
    parameters come as float32) times its engagement; with ``everyone`` (the laboratory) every
    member attends. Under the reglamento the meeting needs ``quorum`` of the members. The group
    coordinates ``f + (1 - f) * self_gov`` of its work (a hired manager at least
    ``manager_coordination``) and organises the joint action with chance
    ``min(1, coordination_gain * capacity)`` (1 with ``always_coordinated``) when its draw
    ``u_coordinate`` falls below it, in Phase II on with quorum.

    Writes, into the last seven arguments (in place: the model's arrays), per seat ``attend`` and
    per group ``quorum_ok, capacity_coord, p_coord, coordinated, purchase_open, consortium_open``.
    """
    G, C = member.shape
    for g in range(G):
        present = 0
        for i in range(C):
            a = False
            if member[g, i]:
                a = everyone or u_attend[g, i] < p_attend[g, i] * (attend_base + attend_trust * trust_given[g, i]) \
                    * engagement[g, i]
                present += a
            attend[g, i] = a
        ok = present >= quorum * n_members[g] if rules_on[g] else True
        quorum_ok[g] = ok
        cc = f[g] + (1.0 - f[g]) * self_gov[g]
        if manager[g]:
            cc = cc if cc >= manager_coordination else manager_coordination
        capacity[g] = cc
        x = coordination_gain * cc
        p = 1.0 if always_coordinated else (1.0 if 1.0 <= x else x)
        p_coord[g] = p
        open_ = alive[g] and phase[g] >= 2
        purchase_open[g] = open_
        coordinated[g] = open_ and ok and u_coordinate[g] < p
        consortium_open[g] = alive[g] and phase[g] >= 4 and export_enabled


@_compiled
def cooperation(commit, renege, played, purchase_open, quota_due, pay_quota, has_lead, route_lead):
    """Each seat's true cooperation this meeting: the mean of the decisions it faced, in [0, 1].

    The joint purchase (share of demand committed and delivered, for members of an open purchase),
    the quota (1 paid, 0 not) and a lead (1 routed, 0 kept); with none of these, its commitment.
    """
    G, C = commit.shape
    out = np.empty((G, C))
    for g in range(G):
        for i in range(C):
            open_ = purchase_open[g] and played[g, i]
            due = quota_due[g, i] > 0
            total = commit[g, i] * (1.0 - renege[g, i]) if open_ else 0.0
            total += 1.0 if due and pay_quota[g, i] else 0.0
            total += 1.0 if has_lead[g, i] and route_lead[g, i] else 0.0
            n = 1.0 if open_ else 0.0
            n += 1.0 if due else 0.0
            n += 1.0 if has_lead[g, i] else 0.0
            out[g, i] = total / (n if n >= 1.0 else 1.0) if n > 0 else commit[g, i]
    return out


# ------------------------------------------------------------------ the life cycle (AsociaModel.advance_lifecycle)
# rows of what advance_groups reports per group, in the order the agenda reports them as events
(LC_SUPPORTED, LC_SPENT, LC_HANDED, LC_PHASE2, LC_RULES, LC_PHASE3, LC_SIGNED, LC_PHASE4,
 LC_MANAGER) = range(9)


@_compiled
def advance_groups(t, presence, alive, support_over, programme_left, self_gov, trust_now, member, disposition, handed,
                   phase, rules_on, formalised, backlog, manager, facilitator_cost, copay, driver_share, empowerment,
                   self_gov_rate, handover_mark, phase2_at, rules_enabled, adopt_at, rules_trust, consortium_at,
                   patient, formalise_trust, consortium_self_gov, skipped, manager_enabled, hire_at, readiness):
    """Phases, the facilitator's presence as the programme pays for it, self-governance and milestones, per group.

    For each group, in the order of :meth:`AsociaModel.advance_lifecycle`: the facilitator comes as
    planned (``presence``) while the programme supports the group, for the share of the meeting its
    account can pay (the members co-pay ``copay`` of its cost; the support ends when the money
    does); the drivers' leadership and self-governance grow (sim/model/facilitator.py explains
    them); the group reaches the hand-over mark; Phase II at ``phase2_at``; the reglamento once trust allows
    (``rules_trust``; at once when ``adopt_at`` is 0); Phase III after it; formalisation (Phase IV)
    once ready (``patient``: trust and self-governance), signing the reglamento with it and
    carrying a ``backlog`` of distrust and ``skipped`` integration; the manager hired once
    ``readiness`` is reached. ``support_over``, ``handed``, ``phase``, ``rules_on``, ``formalised``,
    ``backlog`` and ``manager`` change in place.

    Returns the new ``(f, programme_left, programme_paid, facilitator_copay, leadership, self_gov)``,
    ``happened`` (rows ``LC_*`` by group: the groups supported at the meeting's start, then each
    milestone reached) and ``counts``, how many groups each row holds.
    """
    G, C = member.shape
    f = np.empty(G)
    left = np.empty(G)
    paid = np.empty(G)
    copaid = np.empty(G)
    leadership = np.empty(G)
    gov = np.empty(G)
    happened = np.zeros((9, G), np.bool_)
    counts = np.zeros(9, np.int64)
    for g in range(G):
        live = alive[g]
        # the facilitator's presence this meeting, as far as the programme's account pays for it
        sup = live and not support_over[g]
        planned = presence[g] * (1.0 if sup else 0.0)
        need = facilitator_cost * planned * (1.0 - copay)
        rem = programme_left[g]
        if need > 0:
            x = rem / (need if need >= 1e-300 else 1e-300)
            cover = 1.0 if 1.0 <= x else x
        else:
            cover = 1.0
        fg = planned * cover
        pay = need if need <= rem else rem
        f[g] = fg
        left[g] = rem - pay
        paid[g] = pay
        copaid[g] = facilitator_cost * fg * copay
        spent = sup and need > 0 and left[g] <= 1e-9
        if spent:
            support_over[g] = True
        # the drivers take the handed-over tasks on; self-governance grows with them and trust
        drivers = 0
        n = 0
        for i in range(C):
            if member[g, i]:
                n += 1
                if disposition[g, i] == 0:
                    drivers += 1
        share = float(drivers) / max(float(n), 1.0)
        x = share / driver_share
        lead = 1.0 if 1.0 <= x else x
        leadership[g] = lead
        S = self_gov[g]
        if live:
            S = S + self_gov_rate * (empowerment * fg + (1.0 - fg)) * lead * trust_now[g] * (1.0 - S)
        gov[g] = S
        hand = live and not handed[g] and S >= handover_mark and t > 0
        if hand:
            handed[g] = True
        # phases and milestones
        to2 = live and phase[g] == 1 and t >= phase2_at
        if to2:
            phase[g] = 2
        adopt = False
        if rules_enabled and t >= adopt_at:
            ready = trust_now[g] >= rules_trust if adopt_at > 0 else True
            adopt = live and not rules_on[g] and ready
            if adopt:
                rules_on[g] = True
        ruled = rules_on[g] if rules_enabled else True
        to3 = live and phase[g] == 2 and t >= max(adopt_at, phase2_at) and ruled
        if to3:
            phase[g] = 3
        ready = (trust_now[g] >= formalise_trust and S >= consortium_self_gov) if patient else True
        to4 = live and phase[g] >= 2 and phase[g] < 4 and t >= consortium_at and ready
        signed = False
        if to4:
            if rules_enabled:
                signed = not rules_on[g]
                rules_on[g] = True
            d = formalise_trust - trust_now[g]
            backlog[g] = (d if d > 0.0 else 0.0) + skipped
            formalised[g] = True
            phase[g] = 4
        hire = False
        if manager_enabled and t >= hire_at:
            hire = live and not manager[g] and phase[g] >= 2 and S >= readiness
            if hire:
                manager[g] = True
        for row, on in ((LC_SUPPORTED, sup), (LC_SPENT, spent), (LC_HANDED, hand), (LC_PHASE2, to2),
                        (LC_RULES, adopt), (LC_PHASE3, to3), (LC_SIGNED, signed), (LC_PHASE4, to4),
                        (LC_MANAGER, hire)):
            if on:
                happened[row, g] = True
                counts[row] += 1
    return f, left, paid, copaid, leadership, gov, happened, counts


# ------------------------------------------------------------------ monitoring and sanctions (AsociaModel.monitor)
# the graduated sanctions' codes (sim/model/vocabulary.py: Sanction), as plain ints for the kernels
_WARNING, _FINE, _EXPULSION = int(Sanction.WARNING), int(Sanction.FINE), int(Sanction.EXPULSION)


@_compiled
def _sanction(after, warning, fine, expulsion_strikes):
    """The graduated sanction of a firm's ``after``-th strike (004:L2026-2029; sim/model/governance.py explains it).

    A warning at the first strike (with ``warning``), then a fine per strike, the k-th fined strike
    costing k x ``fine``; expulsion at ``expulsion_strikes``. Returns ``(kind, amount)``.
    """
    fined_index = after - (1 if warning else 0)
    kind = _EXPULSION if after >= expulsion_strikes else (_FINE if fined_index >= 1 else _WARNING)
    return kind, fine * max(fined_index, 1) if kind >= _FINE else 0.0


@_compiled
def monitor_members(commit, renege, placed, purchase_open, leads_kept, furtive, quota_due, pay_quota, member, attend,
                    rules_on, detect, see_renege, see_keep, tries, caught, strikes, fund, viol_rate, n_members,
                    min_commit, sanctions_enabled, warning, fine, expulsion_strikes, absence_fine, reputation_weight,
                    reneged, det_renege, kept_furtive, det_keep, kept_open, skipped, low, violated, kind, amount,
                    fines_total, expel):
    """Detection of furtive acts, open violations and graduated sanctions, for each group, for each member.

    A renege (of a placed order) and a furtively kept lead are seen when the seat's draw
    (``see_renege``, ``see_keep``) falls below the group's chance of detection; a lead kept openly,
    an unpaid quota and, under the reglamento, a commitment below its minimum are seen by everyone.
    Each firm counts the furtive acts it tried and those caught (``tries``, ``caught``, in place).
    Where sanctions are in force (the reglamento adopted and ``sanctions_enabled``), a violation
    seen is a strike (``strikes``, in place) and the graduated sanction of :func:`_sanction`
    follows: ``fine`` and ``expulsion_strikes`` are the group's. Fines for the violation and for
    absence (``absence_fine`` under the reglamento) go to the fund; the group's reputation moves
    towards its violations per member.

    Writes per seat, into the last twelve arguments (every seat, in place: the model's arrays
    of the meeting), ``reneged, det_renege, kept_furtive, det_keep, kept_open, skipped, low_commit,
    violated, sanction_kind, fines, fines_total, expel``; ``fund`` and ``viol_rate`` per group are
    brought up to date in place. Returns how many seats reneged, kept a lead, skipped the quota,
    committed too little (the four kinds of event :meth:`AsociaModel.monitor` reports), then how
    many got a strike (five ints).
    """
    G, C = member.shape
    n_renege = n_kept = n_skip = n_low = n_strike = 0
    keep = 1.0 - reputation_weight
    for g in range(G):
        det = detect[g]
        ruled = rules_on[g]
        on = ruled and sanctions_enabled
        low_on = purchase_open[g] and ruled
        renege_on = placed[g] and purchase_open[g]
        fined_total = 0.0
        n_violated = 0
        for i in range(C):
            m = member[g, i]
            r = renege[g, i] > 0 and commit[g, i] > 0 and renege_on
            kf = leads_kept[g, i] and furtive[g, i]
            ko = leads_kept[g, i] and not furtive[g, i]
            sk = quota_due[g, i] > 0 and not pay_quota[g, i] and m
            lw = low_on and m and commit[g, i] < min_commit
            dr = r and see_renege[g, i] < det
            dk = kf and see_keep[g, i] < det
            v = dr or dk or ko or sk or lw
            reneged[g, i], kept_furtive[g, i], kept_open[g, i], skipped[g, i], low[g, i] = r, kf, ko, sk, lw
            det_renege[g, i], det_keep[g, i], violated[g, i] = dr, dk, v
            # each firm learns how often its furtive acts are caught
            tries[g, i] += r or kf
            caught[g, i] += dr or dk
            n_violated += v
            n_renege += r
            n_kept += leads_kept[g, i]
            n_skip += sk
            n_low += lw
            paid = 0.0
            kind[g, i] = 0
            amount[g, i] = 0.0
            expel[g, i] = False
            if v and on:   # a strike: the graduated sanction (_sanction)
                n_strike += 1
                after = strikes[g, i] + 1
                strikes[g, i] = after
                k, paid = _sanction(after, warning, fine[g], expulsion_strikes[g])
                kind[g, i] = k
                amount[g, i] = paid
                expel[g, i] = k == _EXPULSION
            absent = ruled and m and not attend[g, i]
            total = paid + (absence_fine if absent else 0.0)
            fines_total[g, i] = total
            fined_total += total
        fund[g] = fund[g] + fined_total
        viol_rate[g] = keep * viol_rate[g] + reputation_weight * n_violated / max(n_members[g], 1)
    return n_renege, n_kept, n_skip, n_low, n_strike


# ------------------------------------------------------------------ conflicts (AsociaModel.resolve_conflicts)
@_compiled
def _defused(committee_rule, facilitator_rule, f, arbitration, committee, informal):
    """The share of a conflict's damage defused, for one group (sim/model/governance.py explains the rule)."""
    defused = committee if committee_rule else 0.0
    if facilitator_rule:
        defused = max(defused, arbitration * f)
    return max(defused, arbitration * f * informal)


@_compiled
def resolve_groups(T, clash, member, product, formalised, alive, backlog, n_members, f, rules_on, leaving, u_erupt,
                   u_pick, u_walk, backlog_conflict, backlog_relief, conflict_damage, committee_rule, facilitator_rule,
                   arbitration, committee, informal, conflict_spread, conflict_exit, exit_notice):
    """The meeting's conflicts (AsociaModel.resolve_conflicts) and what they do, in place.

    The pairs: a seat whose lead ``clash``-ed is in conflict with the first other member offering
    the same product (seat 0 when none does), by group and seat; then, by group, a postponed
    conflict erupts in a live formalised group of two or more members carrying a ``backlog`` when
    its draw ``u_erupt`` falls below ``backlog_conflict * backlog * (1 - f)`` (the facilitator's
    presence ``f`` keeps it down, 004:L1402-1404), between the two members with the highest draws
    ``u_pick`` (the first seat first where two draws are equal), and the backlog falls by
    ``backlog_relief`` (not below 0).

    What a pair does: each side loses ``damage`` of its trust in the other, ``conflict_damage``
    less the share :func:`_defused` by the group's mechanism (its reglamento's ``committee_rule``
    or ``facilitator_rule`` where ``rules_on``, none before) and the facilitator; the whole
    group's trust falls by ``conflict_spread`` times it; an unresolved conflict (the share of
    ``conflict_damage`` left) ends with the other side giving notice
    (``leaving`` = ``exit_notice``) when the pair's draw ``u_walk`` (its seat's for a clash, the
    last for an erupting conflict) falls below ``conflict_exit`` times it, if it is a member not
    already leaving. Trust is float32 and each product is rounded to it. As NumPy's
    ``T[index] *= x`` did, each of the three trust updates reads every value before it writes any,
    so a seat pair (or group) named twice in one update is scaled once, by its last pair's factor.

    Returns the pairs as an int64 array ``(3, pairs)`` (group, seat, other seat), each pair's
    damage, and the conflicts per group.
    """
    G, C = member.shape
    k_pairs = 0
    for g in range(G):
        for i in range(C):
            k_pairs += clash[g, i]
    erupt = np.zeros(G, np.bool_)
    for g in range(G):
        if (formalised[g] and alive[g] and backlog[g] > 0 and n_members[g] >= 2
                and u_erupt[g] < backlog_conflict * backlog[g] * (1.0 - f[g])):
            erupt[g] = True
            k_pairs += 1
    pairs = np.empty((3, k_pairs), np.int64)
    slot = np.empty(k_pairs, np.int64)
    damage = np.empty(k_pairs)
    conflicts = np.zeros(G, np.int64)
    if k_pairs == 0:
        return pairs, damage, conflicts
    k = 0
    for g in range(G):
        for a in range(C):
            if not clash[g, a]:
                continue
            own = product[g, a] if member[g, a] else -1
            b = 0
            for j in range(C):
                if j != a and (product[g, j] if member[g, j] else -1) == own:
                    b = j
                    break
            pairs[0, k], pairs[1, k], pairs[2, k], slot[k] = g, a, b, a
            k += 1
    for g in range(G):
        if not erupt[g]:
            continue
        # the two highest of the members' draws (an empty seat counts as a draw of 0)
        a, b = 0, 0
        top = -1.0
        for i in range(C):
            u = u_pick[g, i] * (1.0 if member[g, i] else 0.0)
            if u > top:
                a, top = i, u
        top = -1.0
        for i in range(C):
            u = u_pick[g, i] * (1.0 if member[g, i] else 0.0)
            if i != a and u > top:
                b, top = i, u
        pairs[0, k], pairs[1, k], pairs[2, k], slot[k] = g, a, b, C
        k += 1
        left = backlog[g] - backlog_relief
        backlog[g] = left if left > 0.0 else 0.0
    for k in range(k_pairs):
        g = pairs[0, k]
        ruled = rules_on[g]   # no mechanism before the reglamento
        defused = _defused(committee_rule and ruled, facilitator_rule and ruled, f[g], arbitration, committee,
                           informal)
        damage[k] = conflict_damage * (1.0 - defused)
    scaled = np.empty(k_pairs, np.float32)
    for side in range(2):
        for k in range(k_pairs):
            g, a, b = pairs[0, k], pairs[1 + side, k], pairs[2 - side, k]
            scaled[k] = T[g, a, b] * (1.0 - damage[k])   # rounded to float32
        for k in range(k_pairs):
            T[pairs[0, k], pairs[1 + side, k], pairs[2 - side, k]] = scaled[k]
    for k in range(k_pairs):
        g = pairs[0, k]
        conflicts[g] += 1
        last = True
        for later in range(k + 1, k_pairs):
            if pairs[0, later] == g:
                last = False
        if last:
            factor = 1.0 - conflict_spread * damage[k]
            for i in range(C):
                for j in range(C):
                    T[g, i, j] = T[g, i, j] * factor
    walk = np.zeros(k_pairs, np.bool_)
    for k in range(k_pairs):
        g, b = pairs[0, k], pairs[2, k]
        unresolved = damage[k] / conflict_damage if conflict_damage > 0 else 0.0
        walk[k] = u_walk[g, slot[k]] < conflict_exit * unresolved and member[g, b] and leaving[g, b] < 0
    for k in range(k_pairs):
        if walk[k]:
            leaving[pairs[0, k], pairs[2, k]] = exit_notice
    return pairs, damage, conflicts


# ------------------------------------------------------------------ the accounts (AsociaModel.settle_accounts)
@_compiled
def _engaged(engagement, ema_gain, alone, playing, decay, clear_gain, floor):
    """A seat's engagement after a meeting (004:L720-741).

    ``decay`` more with a clear gain over going alone (``ema_gain >= clear_gain * alone``), ``decay``
    less without, while it plays an open purchase (``playing``; otherwise it stays), within [floor, 1]
    (as NumPy's clip: max, then min).
    """
    step = (decay if ema_gain >= clear_gain * alone else -decay) * (1.0 if playing else 0.0)
    eng = engagement + step
    eng = eng if eng > floor else floor
    return eng if eng < 1.0 else 1.0


@_compiled
def update_engagement(engagement, ema_gain, alone, member, purchase_open, decay, clear_gain, floor):
    """Every seat's engagement after a meeting (:func:`_engaged`), as :func:`settle_members` moves it."""
    G, C = member.shape
    out = np.empty((G, C))
    for g in range(G):
        for i in range(C):
            out[g, i] = _engaged(engagement[g, i], ema_gain[g, i], alone[g, i], member[g, i] and purchase_open[g],
                                 decay, clear_gain, floor)
    return out


@_compiled
def settle_members(T, member, alive, purchase_open, placed, rules_on, manager, support_over, expel, participate,
                   purchase_net, lead_income, quota_paid, fines_total, punish_loss, punish_cost, game_income,
                   alone, tc_roster, share, demand, commit, renege, not_santo, paid_in, ema_gain, engagement, tenure,
                   leaving, u_quit, f, monitoring, facilitator_copay, fund, programme_left, programme_paid,
                   tc_reduction, monitoring_cost, purchase_subsidy, handling_cost, manager_enabled, salary,
                   with_games, with_outside, outside, gain_weight, decay, clear_gain, floor, exit_tolerance,
                   loss_patience, exit_trust, hazard, forfeit, forfeit_hold, exit_notice, played, payoff, alone_out,
                   ema, engaged, new_leaving, exit_now, tc, refund, subsidy, manager_pay, manager_fund):
    """Every member's income against going alone, and who wants out, for each group, for each member.

    In the order of the agenda's accounts: the transaction cost per member (the roster's, less the
    facilitator's reduction, plus monitoring under the reglamento); the programme's flows (a
    purchase subsidy shared by the subsidised units while the programme's account lasts, the
    manager paid from the fund first, the facilitator's co-payment and the manager's top-up
    charged by cost share); the net gain over going alone, its recent average and the engagement
    it brings (``decay`` > 0: a member of an open purchase with a clear gain regains ``decay``,
    one without loses it, within [floor, 1]); tenure (in place); mean trust given and received
    (:func:`given_received`); who wants out (losing against going alone past its patience, or not
    trusting the others: ``exit_trust`` is float32, as trust is kept) and quits by its draw
    ``u_quit`` below ``hazard`` (times ``forfeit_hold`` for a member who paid in, where quotas are
    forfeited); notices count down; and, unless quotas are forfeited, refunds to those who leave
    from the fund. ``with_games`` adds the registered games' income; with ``with_outside`` (the laboratory's
    voluntary design) ``outside`` is paid to a member that stays out of the round.

    Writes, into the last twelve arguments (every seat and group, in place: the model's arrays),
    per seat ``played, payoff, alone, ema_gain, engagement, leaving, exit_now`` (``ema_gain``,
    ``engagement`` and ``leaving`` are also read: each seat is read before it is written) and per
    group ``tc, refund, subsidy, manager_pay, manager_fund``; ``fund``, ``programme_left`` and
    ``programme_paid`` per group are brought up to date in place. Returns per seat
    ``(trust_given, trust_received)``.
    """
    G, C = member.shape
    want = np.zeros((G, C))
    new_fund = fund
    left = programme_left
    paid_prog = programme_paid
    given, received = given_received(T, member)
    keep = 1.0 - gain_weight
    anyone_gone = False
    for g in range(G):
        # the transaction cost per member
        t = tc_roster[g] * (1.0 - f[g] * tc_reduction)
        t = t + (monitoring_cost * monitoring[g] if rules_on[g] else 0.0)
        tc[g] = t if alive[g] else 0.0
        refund[g] = 0.0
        # the programme's purchase subsidy, while its account lasts
        ratio = 0.0
        subsidy[g] = 0.0
        if purchase_subsidy > 0:
            asked = 0.0
            for i in range(C):
                open_ = purchase_open[g] and member[g, i] and placed[g]
                w = purchase_subsidy * handling_cost * (demand[g, i] * commit[g, i] * (1.0 - renege[g, i])
                                                        * (1.0 if open_ else 0.0))
                want[g, i] = w
                asked += w
            pl = programme_left[g]
            total = (asked if asked <= pl else pl) if alive[g] and not support_over[g] else 0.0
            ratio = total / (asked if asked >= 1e-12 else 1e-12)
            subsidy[g] = total
            left[g] = pl - total
            paid_prog[g] = programme_paid[g] + total
        else:
            left[g] = programme_left[g]
            paid_prog[g] = programme_paid[g]
        # the manager: paid from the fund first, the members pay what it cannot cover
        fnd = fund[g]
        topup = 0.0
        manager_pay[g] = 0.0
        manager_fund[g] = 0.0
        if manager_enabled:
            pay = salary if manager[g] and alive[g] else 0.0
            from_fund = pay if pay <= fnd else fnd
            manager_pay[g] = pay
            manager_fund[g] = from_fund
            fnd = fnd - from_fund
            topup = pay - from_fund
        charge = facilitator_copay[g] * (1.0 if alive[g] else 0.0) + topup
        for i in range(C):
            m = member[g, i]
            played[g, i] = m
            net = (purchase_net[g, i] + lead_income[g, i] - quota_paid[g, i] - fines_total[g, i] - tc[g]
                   - punish_loss[g, i] - punish_cost[g, i])
            net = net + (want[g, i] * ratio - charge * share[g, i])
            if with_games:
                net = net + game_income[g, i]
            if with_outside:
                net = net + outside * (1.0 if m and not participate[g, i] else 0.0)
            a = alone[g, i]
            payoff[g, i] = a + net if m else 0.0
            alone_out[g, i] = a if m else 0.0
            e = keep * ema_gain[g, i] + gain_weight * net if m else 0.0
            ema[g, i] = e
            tenure[g, i] += m
            ten = tenure[g, i]
            # involvement falls in day-to-day operation unless the benefits are clear
            engaged[g, i] = _engaged(engagement[g, i], e, a, m and purchase_open[g], decay, clear_gain,
                                     floor) if decay > 0 else engagement[g, i]
            # who wants out
            losing = e < -exit_tolerance * a and ten > loss_patience and not_santo[g, i]
            lv = leaving[g, i]
            unhappy = m and (losing or given[g, i] < exit_trust) and lv < 0
            h = hazard * (forfeit_hold if paid_in[g, i] > 0 else 1.0) if forfeit else hazard
            if unhappy and u_quit[g, i] < h:
                lv = exit_notice
            out = m and lv == 0 and not expel[g, i]
            exit_now[g, i] = out
            new_leaving[g, i] = lv - 1 if lv > 0 else lv
            anyone_gone = anyone_gone or out or expel[g, i]
        new_fund[g] = fnd
    # refunds of contributions to those who leave, unless the rules forfeit them
    if not forfeit and anyone_gone:
        for g in range(G):
            tot = 0.0
            for i in range(C):
                tot += paid_in[g, i] if exit_now[g, i] or expel[g, i] else 0.0
            fnd = new_fund[g]
            if tot > 0:
                x = fnd / (tot if tot >= 1e-12 else 1e-12)
                scale = 1.0 if 1.0 <= x else x
            else:
                scale = 0.0
            total = 0.0
            for i in range(C):
                paid = (paid_in[g, i] if exit_now[g, i] or expel[g, i] else 0.0) * scale
                payoff[g, i] = payoff[g, i] + paid
                total += paid
            r = total if total <= fnd else fnd
            refund[g] = r
            new_fund[g] = fnd - r
    return given, received


# ------------------------------------------------------------------ membership (AsociaModel.update_membership)
@_compiled
def membership_groups(member, expel, exit_now, trust_given, alive, phase, u_arrive, dissolve_trust, min_members,
                      entry_rate, lab, gone, n_expelled, n_exited, members, trust_now, dissolve, arrive, n_entered,
                      moved):
    """Who leaves, whether the group dissolves and whether a newcomer arrives, for each group.

    The members expelled or exiting leave (``gone``); the group's trust as it then stands (the
    mean of what each remaining member gives, :func:`group_mean`) decides dissolution: a live group
    below ``min_members``, or in Phase II or later with trust below ``dissolve_trust``, dissolves
    (never in the laboratory). A live group (Phase II on, not the laboratory) with a free seat
    gets a newcomer when its draw ``u_arrive`` is below ``entry_rate``.

    Writes (every element, in place) per seat ``gone`` and per group ``(n_expelled, n_exited,
    members, trust_now, dissolve, arrive)`` (``members`` after those who leave), and sets the
    meeting's ``n_entered`` and ``moved`` (groups whose roster changes) to zero, for the newcomers
    and leavers to count. Returns the counts: seats gone, groups dissolving, groups with a newcomer.
    """
    G, C = member.shape
    n_gone = n_dissolve = n_arrive = 0
    for g in range(G):
        n = 0
        total = 0.0
        n_expelled[g] = 0
        n_exited[g] = 0
        n_entered[g] = 0
        moved[g] = False
        dissolve[g] = False
        arrive[g] = False
        for i in range(C):
            gone[g, i] = False
            if not member[g, i]:
                continue
            out = expel[g, i] or exit_now[g, i]
            n_expelled[g] += expel[g, i]
            n_exited[g] += exit_now[g, i]
            if out:
                gone[g, i] = True
                n_gone += 1
            else:
                n += 1
                total += float(trust_given[g, i])
        members[g] = n
        tn = total / n if n > 1 else 0.0
        trust_now[g] = tn
        live = alive[g]
        if live and not lab and (n < min_members or (tn < dissolve_trust and phase[g] >= 2)):
            dissolve[g] = True
            n_dissolve += 1
            live = False
        if live and phase[g] >= 2 and n < C and not lab and u_arrive[g] < entry_rate:
            arrive[g] = True
            n_arrive += 1
    return n_gone, n_dissolve, n_arrive


# -------------------------------------------------------------- the group rows (sim/model/recorder.py: record_groups)
PAIRWISE_BLOCK = 128   # NumPy's PW_BLOCKSIZE: up to this many terms its pairwise sum is one block


@_compiled
def _pairwise(a, lo, n):
    """The sum of ``a[lo:lo + n]`` in NumPy's order (its pairwise summation, numpy/_core/src/umath/loops_utils.h).

    Below 8 terms one after the other from -0.0; up to ``PAIRWISE_BLOCK`` in eight running sums,
    combined in pairs, then the rest. ``0.0 +`` this is what ``np.add.reduce`` gives for a
    contiguous row (tests/test_kernels.py checks it). NumPy splits longer rows in halves,
    recursively; a group has at most 80 seats (the scenario's bounds on ``group_size`` and
    ``slack``, which a test holds below the block), so that is not needed here, and refused.
    """
    if n > PAIRWISE_BLOCK:
        raise ValueError("a pairwise seat sum of more than 128 seats")
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - n % 8:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@_compiled
def group_rows(attend, has_lead, leads_routed, leads_kept, leads_missed, violated, reneged, kept_furtive, played,
               member, profile, coop, quota_paid, fines_total, payment, payoff, alone, n_profiles, amounts, sums,
               values, founder, alive, phase, f, self_gov, capacity_coord, n_entered, n_exited, n_expelled, trust_now,
               placed, volume, discount, bill, commission, spend, refund, fund, conflicts, detect, tc, leadership,
               programme_paid, facilitator_copay, subsidy, programme_left, manager, manager_pay, manager_fund):
    """A meeting's counts per group, and the seat amounts the steps table sums (sim/model/recorder.py).

    Returns the counts, float32 ``(9 + n_profiles, G)`` (exact small integers): attending, with a
    lead, leads routed, kept and missed, violations seen, furtive acts, members of the meeting
    (``played``), members now, then the meeting's members of each profile. Writes into
    ``amounts`` (``(rows, G, C)``, rows from the recorder's ``_GROUP_SUMS``) each seat's
    cooperation of the meeting's members, the same by profile, quota paid, fines, payment to the
    joint purchase, and income and what going alone paid for the meeting's members; rows after
    those (the registered games') are left to the caller. Writes into ``sums`` (``(rows, G)``)
    those rows summed over seats, in NumPy's order (:func:`_pairwise`: the recorder summed them with
    NumPy before). Writes into ``values`` (``(29, G)`` float64, the recorder's
    ``_GROUP_VALUES`` in order) the per-group values from ``alive`` to ``manager_fund`` and last
    the founders still members, as NumPy's assignment would cast them.
    """
    G, C = member.shape
    counts = np.zeros((9 + n_profiles, G), np.float32)
    k = 1 + n_profiles
    n = np.zeros(9 + n_profiles, np.int64)
    for g in range(G):
        n[:] = 0
        for i in range(C):
            p = played[g, i]
            n[0] += attend[g, i]
            n[1] += has_lead[g, i]
            n[2] += leads_routed[g, i]
            n[3] += leads_kept[g, i]
            n[4] += leads_missed[g, i]
            n[5] += violated[g, i]
            n[6] += reneged[g, i] or kept_furtive[g, i]
            n[7] += p
            n[8] += member[g, i]
            c = coop[g, i]
            amounts[0, g, i] = c * (1.0 if p else 0.0)
            for q in range(n_profiles):
                mine = p and profile[g, i] == q
                n[9 + q] += mine
                amounts[1 + q, g, i] = c * (1.0 if mine else 0.0)
            amounts[k, g, i] = quota_paid[g, i]
            amounts[k + 1, g, i] = fines_total[g, i]
            amounts[k + 2, g, i] = payment[g, i]
            amounts[k + 3, g, i] = payoff[g, i] if p else 0.0
            amounts[k + 4, g, i] = alone[g, i] if p else 0.0
        for r in range(9 + n_profiles):
            counts[r, g] = n[r]
        for r in range(k + 5):
            sums[r, g] = 0.0 + _pairwise(amounts[r, g], 0, C)
        founders = 0
        for i in range(C):
            founders += member[g, i] and founder[g, i]
        values[0, g] = alive[g]
        values[1, g] = phase[g]
        values[2, g] = f[g]
        values[3, g] = self_gov[g]
        values[4, g] = capacity_coord[g]
        values[5, g] = n_entered[g]
        values[6, g] = n_exited[g]
        values[7, g] = n_expelled[g]
        values[8, g] = trust_now[g]
        values[9, g] = placed[g]
        values[10, g] = volume[g]
        values[11, g] = discount[g]
        values[12, g] = bill[g]
        values[13, g] = commission[g]
        values[14, g] = spend[g]
        values[15, g] = refund[g]
        values[16, g] = fund[g]
        values[17, g] = conflicts[g]
        values[18, g] = detect[g]
        values[19, g] = tc[g]
        values[20, g] = leadership[g]
        values[21, g] = programme_paid[g]
        values[22, g] = facilitator_copay[g]
        values[23, g] = subsidy[g]
        values[24, g] = programme_left[g]
        values[25, g] = manager[g]
        values[26, g] = manager_pay[g]
        values[27, g] = manager_fund[g]
        values[28, g] = founders
    return counts


@_compiled
def firm_rows(i, firm_out, member_out, f32, f64, i32, i8, firm_id, member, capacity, commit, renege, quota_paid,
              coop, trust_given, trust_received, fines_total, punish_loss, payoff, alone, product, tenure, strikes,
              profile, disposition, attend, sanction_kind, participate, leads_routed, leads_kept, leads_missed,
              leaving, exit_now, expel):
    """Copy a meeting's firm columns, every seat, into row ``i`` of the recorder's blocks (sim/model/recorder.py).

    One pass over groups and seats instead of one NumPy assignment per column: each value is cast
    to its block's type as NumPy's assignment casts it (float32, int32, int8; bools 0/1). The
    block rows follow the recorder's ``_FIRM_F32``, ``_FIRM_F64``, ``_FIRM_I32`` and ``_FIRM_I8``;
    the lead state is none / routed / kept / missed (the later wins) and the status member /
    leaving / exiting / expelled (likewise).
    """
    G, C = member.shape
    for g in range(G):
        for s in range(C):
            firm_out[i, g, s] = firm_id[g, s]
            member_out[i, g, s] = member[g, s]
            f32[0, i, g, s] = capacity[g, s]
            f32[1, i, g, s] = commit[g, s]
            f32[2, i, g, s] = renege[g, s]
            f32[3, i, g, s] = quota_paid[g, s]
            f32[4, i, g, s] = coop[g, s]
            f32[5, i, g, s] = trust_given[g, s]
            f32[6, i, g, s] = trust_received[g, s]
            f32[7, i, g, s] = fines_total[g, s]
            f32[8, i, g, s] = punish_loss[g, s]
            f64[0, i, g, s] = payoff[g, s]
            f64[1, i, g, s] = alone[g, s]
            i32[0, i, g, s] = product[g, s]
            i32[1, i, g, s] = tenure[g, s]
            i32[2, i, g, s] = strikes[g, s]
            lead = 0
            if leads_routed[g, s]:
                lead = 1
            if leads_kept[g, s]:
                lead = 2
            if leads_missed[g, s]:
                lead = 3
            status = 0
            if leaving[g, s] >= 0:
                status = 1
            if exit_now[g, s]:
                status = 2
            if expel[g, s]:
                status = 3
            i8[0, i, g, s] = profile[g, s]
            i8[1, i, g, s] = disposition[g, s]
            i8[2, i, g, s] = attend[g, s]
            i8[3, i, g, s] = lead
            i8[4, i, g, s] = sanction_kind[g, s]
            i8[5, i, g, s] = status
            i8[6, i, g, s] = participate[g, s]


# ------------------------------------------------------------------ sums over seats (sim/model/seats.py)
@_compiled
def seat_counts(x):
    """For each row (a group), how many of its seats are true (or the sum of its integers): int64 (rows,)."""
    rows, C = x.shape
    out = np.zeros(rows, np.int64)
    for g in range(rows):
        n = 0
        for i in range(C):
            n += x[g, i]
        out[g] = n
    return out


@_compiled
def seat_totals(x):
    """For each row (a group), the sum of its seats' values in seat order: float64 (rows,)."""
    rows, C = x.shape
    out = np.zeros(rows)
    for g in range(rows):
        total = 0.0
        for i in range(C):
            total += x[g, i]
        out[g] = total
    return out


# ------------------------------------------------------------------ every firm decides (AsociaModel.decide)
# the four profiles of the guide's table, as the codes of the rule each profile code plays
# (sim/model/profiles.py: Santo, SolidoCiudadano, TengoQueGanar, Oportunista); PYTHON_RULE: a rule
# registered in Python (profiles.register_rule), decided by its own ``decide(obs)`` after the kernel
RULE_SANTO, RULE_SOLIDO, RULE_TENGO, RULE_OPORTUNISTA, PYTHON_RULE = 0, 1, 2, 3, -1


@_compiled
def _joins(pool_value, delivered, own_gain, outside):
    """Joins the round when its expected payoff, delivering that share of its demand, beats staying out."""
    return outside <= 0 or pool_value + delivered * own_gain >= outside


@_compiled
def _santo():
    """Santo: always cooperates fully (commit, renege, pay, route, furtive, participate)."""
    return 1.0, 0.0, True, True, False, True


@_compiled
def _solido(b, tenure, cc_a, cc_b, own_gain, punish_rate, min_commit, sanctions_on, pool_value, outside, lead,
            tolerance):
    """Sólido ciudadano: leads, then matches the cooperation it expects (b) along its own schedule."""
    level = min(max(cc_a + cc_b * b, 0.0), 1.0)
    leading = tenure < lead
    pays_off = own_gain > 0
    # peer punishment falls on a shortfall below the others' mean: matching the mean it expects
    # avoids it, and is worth it when a unit short costs more than a unit given
    match = b if punish_rate > -own_gain else 0.0
    floor = max(match, min_commit)  # the reglamento's minimum (0 where its sanctions are not in force)
    commit = 1.0 if leading or pays_off else max(level, floor)
    keep = leading or level >= tolerance or sanctions_on
    return commit, 0.0, keep, keep, False, _joins(pool_value, commit, own_gain, outside)


@_compiled
def _tengo(b, own_gain, others_gain, punish_rate, fine, expulsion_loss, quota_due, lead_private, min_commit,
           sanctions_on, pool_value, outside):
    """Tengo que ganar: open, relative-payoff participation; defects whenever the open sanction is cheaper."""
    rel = own_gain - others_gain  # relative payoff of committing all its demand
    # staying out risks peer punishment on the shortfall below the others' mean (b)
    match = punish_rate + rel > 0 and rel < 0
    penalty = fine + expulsion_loss if sanctions_on else 0.0
    floor = min_commit if min_commit > 0 and penalty > -rel * min_commit else 0.0
    commit = 1.0 if rel > 0 else max(floor, b if match else 0.0)
    pay = fine + expulsion_loss >= quota_due
    route = lead_private - fine - expulsion_loss <= 0
    return commit, 0.0, pay, route, False, _joins(pool_value, commit, own_gain, outside)


@_compiled
def _oportunista(b32, tenure, detect_belief, fine, expulsion_loss, renege_gain, demand, punish_rate, lead_private,
                 lead_routed, sanctions_on, own_gain, pool_value, outside, mimic, threshold):
    """Oportunista: cooperates in appearance at first; then betrays when it pays, hidden only if rules bite.

    ``b32`` is the cooperation it expects, in float32 as trust is kept: it is compared with the
    float32 ``threshold`` and its complement ``1 - b`` is rounded to float32, as NumPy did.
    """
    b = float(b32)
    short = float(_F32_ONE - b32)  # keeping back the others' expected shortfall matches their mean
    exploiting = tenure >= mimic and b32 >= threshold
    p = detect_belief
    sanction = p * (fine + expulsion_loss)
    gain = renege_gain * demand  # reneging on all of its commitment
    full = gain - sanction - p * punish_rate * b
    part = gain * short - sanction
    best = max(full, part)
    renege = (1.0 if full >= part else short) if exploiting and best > 0 else 0.0
    keep = exploiting and lead_private - lead_routed > sanction + p * punish_rate * b
    pay = sanctions_on or not exploiting
    # joining pays what delivering brings plus the side deal on what it reneges
    stays = outside <= 0 or pool_value + own_gain + gain * renege >= outside
    return 1.0, renege, pay, not keep, sanctions_on, stays


@_compiled
def _rule(kind, b32, tenure, cc_a, cc_b, own, others, punish_rate, fine, loss, due, belief, gain_r, demand,
          lead_routed, pool, lead_private, outside, on, min_commit, lead, tolerance, mimic, threshold):
    """One firm's decision by the rule ``kind`` (``RULE_*``; anything else cooperates fully, as a santo).

    ``b32`` is the cooperation it expects, as trust is kept; ``min_commit`` is 0 where sanctions are
    not in force. The one dispatch :func:`decide_members` and :func:`rule_decisions` share.
    """
    if kind == RULE_SOLIDO:
        return _solido(float(b32), tenure, cc_a, cc_b, own, punish_rate, min_commit, on, pool, outside, lead,
                       tolerance)
    if kind == RULE_TENGO:
        return _tengo(float(b32), own, others, punish_rate, fine, loss, due, lead_private, min_commit, on, pool,
                      outside)
    if kind == RULE_OPORTUNISTA:
        return _oportunista(b32, tenure, belief, fine, loss, gain_r, demand, punish_rate, lead_private, lead_routed,
                            on, own, pool, outside, mimic, threshold)
    return _santo()


@_compiled
def decide_members(rule, lead, tolerance, mimic, threshold, profile, member, tenure, trust_given, cc_a, cc_b,
                   punish_rate, tries, caught, ema_gain, strikes, attend, santo, rules_on, monitoring,
                   natural_detection, f, information, santo_pass, lab, sanctions_enabled, warning, fine_g,
                   expulsion_strikes_g, demand, quota, lead_routed, p_coord, consortium_open, min_commit, outside,
                   prior, horizon, lead_private, list_price, min_lot, volume_full, discount_min, discount_max,
                   handling_cost, side_discount, equal_sharing):
    """Every seat's observation and, for the built-in profiles, its decision (sim/model/profiles.py).

    For each group, for each seat: what the firm knows (its gains from committing, from
    :func:`commit_gains`; the next strike's fine and the membership value an expulsion would
    destroy; its own estimate of the chance of detection; the quota it owes) and the rule of its
    profile: ``rule[profile]`` (``RULE_*``), with that profile's traits ``lead``, ``tolerance``,
    ``mimic`` and ``threshold`` (float32) indexed by profile code. Seats whose profile has a rule
    written in Python (``PYTHON_RULE``) get full cooperation here, for the caller to overwrite.
    Per group, first: the chance ``detect`` that a furtive act is detected, from independent
    channels (sim/model/governance.py, "Monitoring"): the group's ``monitoring`` once its
    reglamento is adopted (``rules_on``), else ``natural_detection``; the facilitator's circulated
    information (``f`` x ``information``); and each santo attending, who reports what it sees
    (``santo_pass[k]`` is the chance that k santos all miss it, ``(1 - santo_report) ** k``, made by
    the caller with NumPy's power so that it is the very number the NumPy formula gave). In the
    laboratory (``lab``) every contribution is seen. Sanctions are in force where
    ``sanctions_enabled`` and the reglamento is adopted; there ``min_commit`` is its minimum, and a
    firm weighs the fine and expulsion of its next strike (:func:`_sanction` of ``strikes`` + 1,
    ``fine_g`` and ``expulsion_strikes_g`` per group). Whether the consortium collects quotas.

    Returns, every seat's, empty or not: the raw decisions (before members are masked and shares
    clipped: :func:`member_decisions`) as ``shares`` ``(2, G, C)`` (commit, renege) and ``choices``
    ``(4, G, C)`` bool (pay_quota, route_lead, furtive, participate); the per-seat observation
    fields as ``seen`` ``(7, G, C)`` (own_gain, others_gain, pool_value, renege_gain,
    detect_belief, expulsion_loss, fine); ``quota_due``; and ``detect`` per group. Blocks, because
    each array handed back to Python costs about a microsecond, a view of a block a third of that,
    and ``seen`` is read only for outside deciders.
    """
    G, C = member.shape
    detect = np.empty(G)
    for g in range(G):
        if lab:
            detect[g] = 1.0
            continue
        santos = 0
        for i in range(C):
            if attend[g, i] and santo[g, i]:
                santos += 1
        mon = monitoring[g] if rules_on[g] else natural_detection
        miss = (1.0 - mon) * (1.0 - f[g] * information)
        miss = miss * santo_pass[santos]
        detect[g] = 1.0 - miss
    coord = np.empty((G, C))
    for g in range(G):
        for i in range(C):
            coord[g, i] = p_coord[g]
    own, others, pool = commit_gains(demand, trust_given, member, coord, list_price, min_lot, volume_full,
                                     discount_min, discount_max, handling_cost, equal_sharing)
    gain_r = renege_gain(own, demand, list_price, side_discount)
    seen = np.empty((7, G, C))
    due = np.empty((G, C))
    shares = np.empty((2, G, C))
    choices = np.empty((4, G, C), np.bool_)
    for g in range(G):
        det = detect[g]
        on = rules_on[g] and sanctions_enabled
        floor = min_commit if on else 0.0
        for i in range(C):
            # what the firm knows: its next strike's sanction where sanctions apply
            fine = 0.0
            expel = False
            if on:
                kind, fine = _sanction(strikes[g, i] + 1, warning, fine_g[g], expulsion_strikes_g[g])
                expel = kind == _EXPULSION
            loss = horizon * max(ema_gain[g, i], 0.0) if expel else 0.0
            due[g, i] = quota[g, i] if consortium_open[g] else 0.0
            acts = prior + tries[g, i]  # its prior weight plus the furtive acts it tried
            belief = (prior * det + caught[g, i]) / max(acts, 1e-12) if acts > 0 else det
            seen[0, g, i] = own[g, i]
            seen[1, g, i] = others[g, i]
            seen[2, g, i] = pool[g, i]
            seen[3, g, i] = gain_r[g, i]
            seen[4, g, i] = belief
            seen[5, g, i] = loss
            seen[6, g, i] = fine
            # what its profile's rule makes of it
            k = profile[g, i]
            # santo, and rules written in Python (overwritten by the caller), cooperate fully here
            (shares[0, g, i], shares[1, g, i], choices[0, g, i], choices[1, g, i], choices[2, g, i],
             choices[3, g, i]) = _rule(
                rule[k], trust_given[g, i], tenure[g, i], cc_a[g, i], cc_b[g, i], own[g, i], others[g, i],
                punish_rate[g, i], fine, loss, due[g, i], belief, gain_r[g, i], demand[g, i],
                lead_routed[g, i], pool[g, i], lead_private, outside, on, floor, lead[k], tolerance[k], mimic[k],
                threshold[k])
    return shares, choices, seen, due, detect


@_compiled
def rule_decisions(kind, b32, tenure, cc_a, cc_b, own, others, punish_rate, fine, loss, due, belief, gain_r, demand,
                   lead_routed, pool, lead_private, outside, sanctions_on, min_commit, lead, tolerance, mimic,
                   threshold):
    """One profile's rule (``kind``: ``RULE_*``) for the firms of an observation, as flat arrays.

    The same rule functions :func:`decide_members` plays at a meeting, for the callers that ask a
    profile through ``decide(obs)`` (sim/model/profiles.py): what each firm knows comes from the
    observation instead of being worked out here. ``min_commit`` is already 0 where sanctions are
    not in force. Returns ``(commit, renege, pay_quota, route_lead, furtive, participate)``.
    """
    n = b32.shape[0]
    commit = np.empty(n)
    renege = np.empty(n)
    pay = np.empty(n, np.bool_)
    route = np.empty(n, np.bool_)
    furtive = np.empty(n, np.bool_)
    participate = np.empty(n, np.bool_)
    for i in range(n):
        commit[i], renege[i], pay[i], route[i], furtive[i], participate[i] = _rule(
            kind, b32[i], tenure[i], cc_a[i], cc_b[i], own[i], others[i], punish_rate[i], fine[i], loss[i], due[i],
            belief[i], gain_r[i], demand[i], lead_routed[i], pool[i], lead_private[i], outside[i], sanctions_on[i],
            min_commit[i], lead, tolerance, mimic, threshold)
    return commit, renege, pay, route, furtive, participate


@_compiled
def _unit(x):
    """``x`` clipped to [0, 1] as NumPy's clip does it: max(x, 0), then min(., 1)."""
    low = x if x > 0.0 else 0.0
    return low if low < 1.0 else 1.0


@_compiled
def member_decisions(commit, renege, pay, route, furtive, participate, member, voluntary):
    """What the seats' decisions come to: members only, shares in [0, 1].

    Where joining the round is optional (``voluntary``), a member that stays out
    (``participate`` false) neither commits nor reneges; otherwise every member joins.
    Returns ``(participate, commit, renege, pay_quota, route_lead, furtive)``.
    """
    G, C = member.shape
    joined = np.empty((G, C), np.bool_)
    out_commit = np.empty((G, C))
    out_renege = np.empty((G, C))
    out_pay = np.empty((G, C), np.bool_)
    out_route = np.empty((G, C), np.bool_)
    out_furtive = np.empty((G, C), np.bool_)
    for g in range(G):
        for i in range(C):
            m = member[g, i]
            j = m and (participate[g, i] or not voluntary)
            joined[g, i] = j
            out_commit[g, i] = _unit(commit[g, i]) if j else 0.0
            out_renege[g, i] = _unit(renege[g, i]) if j else 0.0
            out_pay[g, i] = pay[g, i] and m
            out_route[g, i] = route[g, i] and m
            out_furtive[g, i] = furtive[g, i] and m
    return joined, out_commit, out_renege, out_pay, out_route, out_furtive
