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

This module gives the facilitator's calendar. The rules of what presence does are compiled with
the meeting's agenda items (sim/model/kernels.py): the drivers' leadership and the growth of
self-governance in ``advance_groups``, coordination capacity and the chance of organising a joint
action (``min(1, lifecycle.coordination_gain * capacity)``) in ``hold_groups``.
"""

from __future__ import annotations


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

