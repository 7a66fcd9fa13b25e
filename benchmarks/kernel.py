"""A minimal NumPy kernel of the joint-purchase round: the practical speed limit on this hardware.

The same population as the Asocia benchmark (groups of firms with the scenario's profile mix,
weak/strong capacity and discount schedule), stripped to what one joint-purchase round needs and
nothing else: no Mesa agents, no governance, no export consortium, no tables. Every meeting:

1. each firm commits a share of its demand: santos all of it, sólidos along their conditional-
   cooperation schedule ``a + b * expected``, tengos a fixed visible share, oportunistas all of it
   (and, once they expect the others to cooperate, renege on it when the side deal beats the
   pooled discount);
2. pooled volume per group is a reshape-sum of the delivered units;
3. the discount schedule (minimum lot, linear ramp to the maximum) prices the pooled order;
4. payoffs: savings on the delivered units, minus handling, plus the reneger's side deal, minus each
   member's share of the supplier's shortfall penalty;
5. each firm's expectation of the others moves towards the cooperation it just saw in its group.

It is honest in the sense that it does the arithmetic of the same round, for the same population,
with the same coefficients (read from the scenario), vectorised over all groups at once. It is the
floor that any richer model (trust matrices, sanctions, leads, a life cycle, a per-firm record)
pays on top of.
"""

from __future__ import annotations

import time

import numpy as np

PROFILE_SHARES = ("santo", "solido", "tengo", "oportunista")


def setup(scenario, groups: int, group_size: int, seed: int):
    """Draw the population of ``groups`` x ``group_size`` firms from a scenario's parameters."""
    pop, pr = scenario.population, scenario.profiles
    rng = np.random.default_rng(seed)
    shape = (groups, group_size)
    shares = np.array([getattr(pop, p) for p in PROFILE_SHARES])
    profile = rng.choice(4, size=shape, p=shares / shares.sum())
    capacity = np.where(rng.random(shape) < pop.weak_share, pop.capacity_weak, pop.capacity_strong)
    return {
        "rng": rng,
        "profile": profile,
        "demand": capacity * scenario.joint_purchase.demand,
        "cc_a": pr.solido_intercept + pr.solido_sd * rng.standard_normal(shape),
        "cc_b": np.maximum(pr.solido_slope + pr.solido_sd * rng.standard_normal(shape), 0.0),
        "expected": np.full(shape, scenario.trust.initial),
    }


def play(scenario, state, steps: int) -> float:
    """Play ``steps`` joint-purchase rounds in place; return the last round's total payoff."""
    jp, pr, learning = scenario.joint_purchase, scenario.profiles, scenario.trust.learning
    profile, demand, rng = state["profile"], state["demand"], state["rng"]
    cc_a, cc_b, expected = state["cc_a"], state["cc_b"], state["expected"]
    solido, oport = profile == 1, profile == 3   # profile codes as in sim.model.profiles.NAMES
    # what each profile commits when it does not condition on the others (NaN: conditional); the
    # kernel's tengo que ganar commits a fixed half (a simplification of the model's relative rule)
    fixed_commit = np.array([1.0, np.nan, 0.5, 1.0])[profile]
    span = max(jp.volume_full - jp.min_lot, 1e-12)
    side = jp.list_price * jp.side_discount
    total = 0.0
    for _ in range(steps):
        # 1. commitments (sólidos condition on what they expect; oportunistas may renege)
        commit = np.where(solido, np.clip(cc_a + cc_b * expected, 0.0, 1.0), fixed_commit)
        exploit = oport & (expected >= pr.oportunista_threshold)
        renege = exploit & (rng.random(profile.shape) < 0.5)
        committed = demand * commit
        delivered = np.where(renege, 0.0, committed)
        # 2. pooled volume per group
        volume = delivered.sum(axis=1)
        # 3. discount schedule: nothing below the minimum lot, then a linear ramp
        ramp = np.clip((volume - jp.min_lot) / span, 0.0, 1.0)
        disc = np.where(volume >= jp.min_lot,
                        jp.discount_min + (jp.discount_max - jp.discount_min) * ramp, 0.0)
        # 4. payoffs
        placed = (disc > 0)[:, None]
        shortfall = (committed - delivered).sum(axis=1) * jp.shortfall_penalty
        penalty_share = (shortfall / np.maximum(volume, 1e-12))[:, None] * delivered
        net = np.where(placed, (jp.list_price * disc)[:, None] * delivered
                       - jp.handling_cost * delivered + side * (committed - delivered)
                       - penalty_share, 0.0)
        total = float(net.sum())
        # 5. expectations move towards the cooperation seen in the group
        seen = delivered.sum(axis=1) / np.maximum(demand.sum(axis=1), 1e-12)
        expected += learning * (seen[:, None] - expected)
    return total


def run(scenario, groups: int, group_size: int, steps: int, seed: int = 1) -> dict:
    """Set up and play the kernel; return timing and the size of the work."""
    t0 = time.perf_counter()
    state = setup(scenario, groups, group_size, seed)
    total = play(scenario, state, steps)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "firm_steps": groups * group_size * steps, "payoff": total}
