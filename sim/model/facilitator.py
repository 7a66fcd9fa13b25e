"""The external facilitator: when it is present, and what presence does (004:L838-1126).

The facilitator creates the meeting opportunity and an initial stock of trust, circulates
information (so furtive acts are found out more often), arbitrates conflicts and carries much of
the coordination work. Its support "debe planificarse una reducción paulatina" (004:L1091-1102):
if it never hands over, the group's survival depends on its presence. Presence is a number in
[0, 1] per meeting, given by a schedule:

* ``none``: never present;
* ``permanent``: always present;
* ``abrupt``: present until ``exit_at``, then gone;
* ``taper``: present until ``taper_from``, then a linear decline to zero at ``exit_at``.

Self-governance capacity ``S`` is what the group can coordinate on its own. It grows only with the
share of the facilitator's work that is handed over (its ``empowerment`` share while it works,
and the share it no longer does as it steps back), and only through the members' own
leadership: the drivers who take the tasks on (about 20 % of the members drive and take
administrative roles, 004:L734-741), scaled by the group's trust (members must be willing to
follow them). A group without drivers learns nothing from a hand-over. Coordination capacity is
``f + (1 - f) * S``. Presence is per group: the programme's money can end it early
(sim/model/programme.py).
"""

from __future__ import annotations

import numpy as np


def presence(schedule: str, step: int, exit_at: int, taper_from: int) -> float:
    """Facilitator presence in [0, 1] at a meeting."""
    if schedule == "none":
        return 0.0
    if schedule == "permanent":
        return 1.0
    if schedule == "abrupt":
        return 1.0 if step < exit_at else 0.0
    if schedule == "taper":
        if step < taper_from:
            return 1.0
        if step >= exit_at:
            return 0.0
        return 1.0 - (step - taper_from) / max(exit_at - taper_from, 1)
    raise ValueError(f"unknown facilitator schedule {schedule!r}")


def handed_over(f, empowerment):
    """Share of the coordination work in the members' hands at a meeting."""
    return empowerment * f + (1.0 - f)


def leadership(drivers, members, driver_share):
    """How far a group's drivers can take the handed-over tasks on, in [0, 1].

    Full when at least ``driver_share`` of the members are drivers (active participants,
    004:L728-741); in proportion below that; zero for a group without drivers.
    """
    share = np.asarray(drivers, float) / np.maximum(np.asarray(members, float), 1.0)
    return np.minimum(1.0, share / driver_share)


def grow_self_governance(S, f, empowerment, trust, rate, lead=1.0):
    """One meeting of learning to self-govern (all groups at once)."""
    return S + rate * handed_over(f, empowerment) * lead * trust * (1.0 - S)


def coordination(S, f):
    """Coordination capacity of each group: what the facilitator carries plus what the group can."""
    return f + (1.0 - f) * S


def coordination_success(capacity, gain=1.5):
    """Chance the group manages to organise a joint action at a meeting.

    With ``gain`` = 1.5 (``lifecycle.coordination_gain``) a group needs about two thirds of full
    coordination capacity to organise reliably; below that the chance falls in proportion.
    """
    return np.minimum(1.0, gain * np.asarray(capacity))


def transitions(schedule: str, exit_at: int, taper_from: int) -> dict[int, str]:
    """Meetings at which the facilitator's role changes, for the events table."""
    if schedule in ("none",):
        return {}
    out = {0: "enter"}
    if schedule == "abrupt":
        out[exit_at] = "exit"
    elif schedule == "taper":
        out[taper_from] = "taper"
        out[exit_at] = "exit"
    return out


def presence_series(schedule: str, steps: int, exit_at: int, taper_from: int) -> np.ndarray:
    """Presence at every meeting of a run."""
    return np.array([presence(schedule, t, exit_at, taper_from) for t in range(steps)])
