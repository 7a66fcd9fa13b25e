"""The support programme: its money, who pays the facilitator, subsidies and when support ends.

A support institution funds the group's initial phase; "al constatar las ventajas del potencial
asociativo" the firms take a growing part in financing the group's operation (004:L1081-1085), and
the institution needs an exit strategy from the start (004:L2933-2937). The model gives every group
its own programme account:

* ``budget`` is what the programme can spend on one group (facilitator and subsidies);
* the facilitator costs ``facilitator_cost`` per meeting at full presence; the members pay a
  share that rises linearly from 0 at ``copay_from`` to ``copay_max`` ``copay_ramp`` meetings
  later, the programme pays the rest;
* a placed joint purchase can be subsidised: the programme pays ``purchase_subsidy`` of the
  handling cost of every delivered unit while it still has money;
* support ends when the facilitator's schedule ends or when the programme's money runs out,
  whichever comes first: a "permanent" facilitator stays until the money ends.

Functions here are pure; the model keeps the accounts (``AsociaModel.advance_lifecycle`` and
``settle_accounts``, compiled in sim/model/kernels.py: the presence the account pays for and what it
pays in ``advance_groups``, subsidies and the manager's salary in ``settle_members``).
:func:`planned_end` is the meeting at which support ends for a group that lives through the
programme: the reference for "at the programme's end" and "two years after".
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from . import facilitator as fac

TWO_YEARS = 52  # meetings: fortnightly meetings (004:L2004-2006), two years after the programme


def copay_share(t: int, copay_from: int, copay_ramp: int, copay_max: float) -> float:
    """Share of the facilitator's cost the members pay at meeting ``t``."""
    if t < copay_from:
        return 0.0
    if copay_ramp <= 0:
        return copay_max
    return copay_max * min(1.0, (t - copay_from) / copay_ramp)


def planned_end(scenario) -> int | None:
    """Meeting at which support ends for a group that lives through the programme.

    Support ends when the facilitator's schedule reaches zero for good or when the programme's
    money runs out (subsidies, which depend on purchases, are left out). Returns 0 without a
    facilitator, and None when support outlasts the horizon searched (a permanent facilitator
    that costs the programme nothing).
    """
    return _planned_end(scenario.facilitator, scenario.programme, scenario.run.steps)


@functools.lru_cache(maxsize=256)
def _planned_end(fs, pg, steps: int) -> int | None:
    """:func:`planned_end` from the sections it reads (frozen, so each calendar is worked out once per process)."""
    if fs.schedule == "none":
        return 0
    remaining = pg.budget
    horizon = max(steps, fs.exit_at) + 5000
    for t in range(horizon):
        planned = fac.presence(fs.schedule, t, fs.exit_at, fs.taper_from)
        if planned <= 0 and fs.schedule != "permanent":
            return t
        share = copay_share(t, pg.copay_from, pg.copay_ramp, pg.copay_max)
        need = pg.facilitator_cost * planned * (1.0 - share)
        if need > 0 and remaining <= 0:
            return t
        remaining -= min(need, remaining)
    return None


def at_meeting(steps, at: int | None) -> dict[str, float]:
    """What the programme had paid and bought by meeting ``at`` (a ``step``), from a steps table.

    The table may hold all groups or one; money is summed over its groups. Returns ``groups``
    (founded), ``alive`` (share of them alive at ``at``), ``groups_alive``, ``paid`` (programme
    money up to and including ``at``), ``copay`` (what members paid the facilitator up to
    ``at``), ``left`` (money left in the programme accounts after ``at``), ``member_years``
    (member-years, 26 meetings each, spent in a group that earned more than going alone),
    ``cost_per_group`` (``paid`` per group alive; NaN when none is), ``cost_per_member_year``
    (``paid`` per member-year; NaN when there is none) and ``self_governance`` (mean over the
    live groups). A meeting outside the table's (None, before its first or after its last) gives
    NaN and 0 groups alive.
    """
    step = np.asarray(steps["step"])
    n_groups = len(np.unique(np.asarray(steps["group"])))
    nan = float("nan")
    out = {"groups": n_groups, "alive": nan, "groups_alive": 0, "paid": nan, "copay": nan, "left": nan,
           "member_years": 0.0, "cost_per_group": nan, "cost_per_member_year": nan, "self_governance": nan}
    if at is None or not len(step) or not int(step.min()) <= at <= int(step.max()):
        return out
    alive = np.asarray(steps["alive"]).astype(bool)
    gains = alive & (np.asarray(steps["income_members"]) > np.asarray(steps["income_alone"]))
    now, upto = step == at, step <= at
    n_alive = int(alive[now].sum())
    paid = float(np.asarray(steps["programme_cost"])[upto].sum())
    years = float((np.asarray(steps["members"]) * gains)[upto].sum()) / 26.0
    live = now & alive
    out.update(alive=n_alive / n_groups, groups_alive=n_alive, paid=paid,
               copay=float(np.asarray(steps["facilitator_copay"])[upto].sum()),
               left=float(np.asarray(steps["programme_left"])[now].sum()), member_years=years,
               cost_per_group=paid / n_alive if n_alive else nan,
               cost_per_member_year=paid / years if years > 0 else nan,
               self_governance=float(np.asarray(steps["self_governance"])[live].mean()) if live.any() else nan)
    return out


def outcomes(steps, end: int | None) -> dict[str, float]:
    """What the programme cost and bought, from a run's steps table.

    ``end`` is the planned end of support (:func:`planned_end`). Two moments are measured: "end",
    the programme's last meeting (``end - 1``), and "2y", the 52nd meeting without support
    (``end + 51``); a moment beyond the run's horizon (or before its start) gives NaN.

    * ``programme_end``: the planned end (NaN when support never ends);
    * ``programme_cost``: what the programme paid per founded group over the run (facilitator and
      subsidies); ``facilitator_copay``: what the members paid the facilitator, per group;
      ``manager_cost``: what groups paid their managers, per group;
    * ``alive_<moment>``: share of groups alive;
    * ``self_governance_end``: mean self-governance of the live groups as support ends;
    * ``cost_per_group_<moment>``: programme money paid up to the moment per group alive then
      (NaN when none is);
    * ``cost_per_member_year_<moment>``: programme money up to the moment per member-year spent in
      a group that earned more than going alone (a member for 26 meetings; NaN when none);
    * ``founders_kept`` and ``founders_kept_y3``: share of founding members still members at the
      last meeting and at meeting 77 (end of year 3; NaN on shorter runs).
    """
    step = np.asarray(steps["step"])
    founders = np.asarray(steps["founders"])
    first, last = int(step.min()), int(step.max())
    n_groups = len(np.unique(np.asarray(steps["group"])))
    nan = float("nan")
    out = {
        "programme_end": nan if end is None else float(end),
        "programme_cost": float(np.asarray(steps["programme_cost"]).sum() / n_groups),
        "facilitator_copay": float(np.asarray(steps["facilitator_copay"]).sum() / n_groups),
        "manager_cost": float(np.asarray(steps["manager_pay"]).sum() / n_groups),
    }
    marks = {"end": None if end is None or end < 1 else end - 1,
             "2y": None if end is None else end + TWO_YEARS - 1}
    for name, at in marks.items():
        m = at_meeting(steps, at)
        out[f"alive_{name}"] = m["alive"]
        out[f"cost_per_group_{name}"] = m["cost_per_group"]
        out[f"cost_per_member_year_{name}"] = m["cost_per_member_year"]
        if name == "end":
            out["self_governance_end"] = m["self_governance"]
    start = founders[step == first].sum()
    out["founders_kept"] = float(founders[step == last].sum() / start) if start else nan
    y3 = 77
    out["founders_kept_y3"] = float(founders[step == y3].sum() / start) if start and first <= y3 <= last else nan
    return out


MILESTONES = {"reglamento": ("rules", None), "consortium": ("phase", 4), "manager": ("manager", 0),
              "handover": ("handover", None)}


def is_kind(column, kind: str) -> np.ndarray:
    """``column == kind`` for an events table's ``kind`` column, as a boolean array.

    A categorical column (the recorder's) is compared by its codes: turning it into Python strings
    first costs more than the rest of the milestones together.
    """
    if isinstance(getattr(column, "dtype", None), pd.CategoricalDtype):
        values = column.array if isinstance(column, pd.Series) else column
        categories = column.dtype.categories
        if kind not in categories:
            return np.zeros(len(values), bool)
        return np.asarray(values.codes) == categories.get_loc(kind)
    return np.asarray(column, dtype=object) == kind


def milestones(events, groups: int) -> dict[str, float]:
    """When the groups reached their milestones, from a run's events table.

    For each milestone (the reglamento, formalisation into the consortium, the manager hired, the
    hand-over mark of self-governance 0.5): ``<name>_at``, the median meeting among the groups
    that reached it (NaN if none did), and ``<name>_share``, the share of groups that did. The
    planned dates are targets (004 Tabla 4: reglamento about 6 months, manager about 1.5 years,
    formalisation about 3 years); these are the dates the groups actually made.
    """
    code, step, group = (np.asarray(events[c]) for c in ("code", "step", "group"))
    out = {}
    for name, (k, c) in MILESTONES.items():
        sel = is_kind(events["kind"], k)
        if c is not None:
            sel &= code == c
        # the first meeting each group reached it (NumPy: a pandas groupby per run costs ~10 ms)
        reached, first = np.unique(group[sel], return_inverse=True)
        firsts = np.full(len(reached), np.iinfo(np.int64).max)
        np.minimum.at(firsts, first, step[sel])
        out[f"{name}_at"] = float(np.median(firsts)) if len(firsts) else float("nan")
        out[f"{name}_share"] = len(firsts) / groups if groups else float("nan")
    return out
