"""Robustness of policies across contexts: which programmes work whatever the context turns out to be.

A *policy* is one combination of the levers' values (what a programme chooses); a *context* one
combination of the uncertainties' values (what it cannot choose). For each policy, over the
contexts it was played in (the same contexts for every policy in a ``crossed`` design):

* **satisficing**: the share of contexts where the policy *succeeds*, i.e. where more than half
  of the replications keep at least ``survival_min`` of the groups alive with members earning
  more than ``income_gain_min`` over going alone (the experiment's [discovery] table). A policy is
  *robust* when it succeeds in at least ``robust_share`` of the contexts;
* **success rate**: the share of all its runs that succeed (the chance of success in a context
  drawn at random, replication noise included);
* **regret** (Savage's minimax regret, as in the EMA Workbench): in each context, how far the
  policy's mean outcome falls short of the best policy in that context; reported as the mean and
  the maximum over contexts, for income gain and survival;
* **cost**: the programme's money per group (``programme_cost``) when it was kept, else the
  facilitator's time per group (``facilitator_meetings``).

Intervals are 90 % percentile intervals from resampling the contexts (the same resample for every
policy, so the policies stay paired), and ``best_share`` is how often each policy ranks first in
those resamples. Policies are ranked by satisficing, then by cost (among equally robust policies
the cheaper one first), then by maximum regret in income gain.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .discovery import DEFAULTS, success

RESAMPLES = 1000
LEVEL = 0.90  # interval coverage


@dataclass
class Robustness:
    """The ranked policy table and what it rests on."""

    table: pd.DataFrame              # one row per policy, ranked
    per_context: pd.DataFrame        # policy x context: success share and outcome means
    levers: list[str]
    uncertainties: list[str]
    contexts: int
    replications: int
    robust_share: float
    cost: str | None = None  # the outcome behind the cost column (see COSTS)
    notes: list[dict[str, str]] = field(default_factory=list)  # {"en": ..., "es": ...}

    @property
    def robust(self) -> pd.DataFrame:
        """The policies that succeed in at least ``robust_share`` of the contexts."""
        return self.table[self.table["robust"]]


COSTS = ("programme_cost", "facilitator_meetings")  # the programme's money per group, else facilitator time


def cost_outcome(runs: pd.DataFrame) -> str | None:
    """The outcome that measures a policy's cost in these runs (first of :data:`COSTS` kept)."""
    return next((c for c in COSTS if f"outcome.{c}" in runs), None)


def _key(frame: pd.DataFrame, cols: list[str]) -> pd.Series:
    if not cols:
        return pd.Series(0, index=frame.index)
    return pd.Series(pd.factorize(pd.MultiIndex.from_frame(frame[cols].astype(str)))[0], index=frame.index)


def robustness(runs: pd.DataFrame, design: pd.DataFrame, levers: list[str], uncertainties: list[str],
               disc: dict | None = None, seed: int = 0) -> Robustness | None:
    """Rank the policies of a sweep by how robustly they succeed across contexts.

    Args:
        runs: one row per run with ``point``, ``rep``, ``outcome.survival``, ``outcome.income_gain``
            (and ``outcome.facilitator_meetings`` for the cost).
        design: one row per design point with ``point`` and every factor's value.
        levers: factor keys that a programme chooses.
        uncertainties: factor keys that describe the context.
        disc: the [discovery] thresholds (``survival_min``, ``income_gain_min``, ``robust_share``).
        seed: seed of the context resampling (intervals are reproducible).

    Returns:
        None when the sweep has no lever, when survival or income gain were not kept, or when no
        policy was played in more than one context.

    """
    d = {**DEFAULTS, **(disc or {})}
    ok = success(runs, d)
    if ok is None or not levers:
        return None
    design = design.set_index("point")
    pts = design.assign(policy=_key(design, levers), context=_key(design, uncertainties))
    runs = runs.assign(success=ok.astype(float), policy=pts.loc[runs["point"], "policy"].to_numpy(),
                       context=pts.loc[runs["point"], "context"].to_numpy())
    cols = {"success": "success", "outcome.survival": "survival", "outcome.income_gain": "income_gain"}
    cost_col = cost_outcome(runs)
    if cost_col:
        cols[f"outcome.{cost_col}"] = "cost"
    cell = runs.groupby(["policy", "context"])[list(cols)].mean().rename(columns=cols)
    cell["succeeds"] = cell["success"] > 0.5
    # regret: shortfall from the best policy in the same context
    for o in ("income_gain", "survival"):
        cell[f"regret_{o}"] = cell.groupby(level="context")[o].transform("max") - cell[o]
    wide = cell["succeeds"].unstack("policy")
    if wide.shape[0] < 2:
        return None
    shared = wide.dropna()  # contexts every policy was played in (all of them in a crossed design)
    if len(shared) < 2 or shared.shape[1] < 2:
        return None  # e.g. sampled levers: every point is its own policy in its own context
    notes = []
    if len(shared) < len(wide):
        gap = len(wide) - len(shared)
        notes.append({"en": f"{gap} contexts were not played by every policy; regret and intervals use the "
                            "shared ones",
                      "es": f"{gap} contextos no se jugaron con todas las políticas; el arrepentimiento y los "
                            "intervalos usan los comunes"})
    per = cell.reset_index()
    per = per[per["context"].isin(shared.index)]
    agg = per.groupby("policy").agg(
        contexts=("context", "nunique"), satisficing=("succeeds", "mean"), success_rate=("success", "mean"),
        survival=("survival", "mean"), income_gain=("income_gain", "mean"),
        regret_gain_mean=("regret_income_gain", "mean"), regret_gain_max=("regret_income_gain", "max"),
        regret_survival_max=("regret_survival", "max"),
        **({"cost": ("cost", "mean")} if "cost" in per else {}))
    # paired resampling of contexts: intervals and how often each policy ranks first
    rng = np.random.default_rng(seed)
    S = shared.to_numpy(float)          # contexts x policies, 1 = succeeds
    G = cell["income_gain"].unstack("policy").loc[shared.index, shared.columns].to_numpy(float)
    n = len(S)
    picks = rng.integers(0, n, size=(RESAMPLES, n))
    sat = S[picks].mean(axis=1)         # resamples x policies
    regret = (G.max(axis=1, keepdims=True) - G)[picks].max(axis=1)
    cost = (cell["cost"].unstack("policy").loc[shared.index, shared.columns].to_numpy(float).mean(axis=0)
            if "cost" in cell else np.zeros(S.shape[1]))
    # the ranking below, in every resample: satisficing first, then cost, then maximum regret
    first = np.lexsort((regret, np.broadcast_to(cost, sat.shape), -sat), axis=1)[:, 0]
    best = np.bincount(first, minlength=S.shape[1]) / RESAMPLES
    lo, hi = (1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2
    pol = list(shared.columns)
    agg.loc[pol, "satisficing_lo"] = np.quantile(sat, lo, axis=0)
    agg.loc[pol, "satisficing_hi"] = np.quantile(sat, hi, axis=0)
    agg.loc[pol, "best_share"] = best
    rate = per.groupby(["policy", "context"])["success"].first().unstack("policy").loc[shared.index, pol]
    rates = rate.to_numpy(float)[picks].mean(axis=1)
    agg.loc[pol, "success_rate_lo"] = np.quantile(rates, lo, axis=0)
    agg.loc[pol, "success_rate_hi"] = np.quantile(rates, hi, axis=0)
    agg["robust"] = agg["satisficing"] >= d["robust_share"] - 1e-12
    values = pts.drop_duplicates("policy").set_index("policy")[levers]
    agg = values.join(agg, how="inner")
    sort = ["satisficing"] + (["cost"] if "cost" in agg else []) + ["regret_gain_max"]
    agg = agg.sort_values(sort, ascending=[False] + [True] * (len(sort) - 1), kind="stable")
    agg.insert(0, "rank", range(1, len(agg) + 1))
    reps = int(runs.groupby("point")["rep"].nunique().min())
    if reps < 3:
        notes.append({"en": f"only {reps} replication(s) per design point: whether a policy succeeds in a "
                            "context rests on few runs; 5 or more make satisficing sharper",
                      "es": f"sólo {reps} repetición(es) por punto: si una política tiene éxito en un contexto "
                            "depende de pocas simulaciones; 5 o más lo precisan"})
    return Robustness(agg.reset_index(), per, list(levers), list(uncertainties), len(shared), reps,
                      float(d["robust_share"]), cost_col, notes)


def from_store(folder) -> Robustness | None:
    """:func:`robustness` of a sweep folder, with the roles and thresholds in its manifest."""
    from .sweepstore import SweepStore

    store = SweepStore(folder)
    man = store.manifest()
    roles = man.get("roles") or {}
    levers = [f for f in man["factors"] if roles.get(f) == "lever"]
    unc = [f for f in man["factors"] if roles.get(f) == "uncertainty"]
    return robustness(store.runs(), store.design(), levers, unc, man.get("discovery", {}),
                      seed=int(man["root_seed"]) % 2**32)
