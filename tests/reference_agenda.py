"""The NumPy rules the agenda items called before they were compiled, for tests/test_agenda_kernels.py.

The graduated sanction, the next fine, the chance of detection, the drivers' leadership, the
growth of self-governance, coordination, the presence the programme's money pays for and a
conflict's damage were NumPy functions of sim/model/governance.py, facilitator.py and programme.py.
Since the agenda items run as compiled kernels (sim/model/kernels.py: ``_sanction``,
``decide_members``, ``advance_groups``, ``hold_groups``, ``resolve_groups``), the model no longer
calls them; each rule exists once in sim/, in the kernels. They are kept here verbatim, as they
were at commit 4a5a383 (``conflict_damage`` and ``detection_probability`` at 860bc04), so that the
reference model of
tests/test_agenda_kernels.py still plays exactly the old NumPy code (tests import them with
``from reference_agenda import ...``). Tests of the model's rules call the kernels, not these.
"""

from __future__ import annotations

import numpy as np

from sim.model.vocabulary import Sanction


# ------------------------------------------------------------------ was sim/model/governance.py
def sanction(strikes_after, warning: bool, fine: float, expulsion_strikes: int):
    """Graduated sanction for members that just got a strike.

    Returns:
        (kind, amount): kind 1 = warning, 2 = fine, 3 = expulsion (0 = none); amount = fine charged.
        Fines grow with the strike count: the k-th fined strike costs k x fine.

    """
    strikes_after = np.asarray(strikes_after)
    fined_index = strikes_after - (1 if warning else 0)
    kind = np.where(strikes_after >= expulsion_strikes, Sanction.EXPULSION,
                    np.where(fined_index >= 1, Sanction.FINE, Sanction.WARNING))
    kind = np.where(strikes_after > 0, kind, 0)
    amount = np.where(kind >= 2, fine * np.maximum(fined_index, 1), 0.0)
    return kind, amount


def detection_probability(monitoring, facilitator, information, santo_report, santos_present):
    """Chance a furtive act is detected, per group.

    Independent channels: the group's monitoring, the facilitator's circulated information and
    each santo present who may report what it sees.
    """
    miss = (1.0 - monitoring) * (1.0 - facilitator * information)
    miss = miss * np.power(1.0 - santo_report, santos_present)
    return 1.0 - miss


def next_fine(strikes, warning: bool, fine: float, expulsion_strikes: int):
    """Fine and expulsion flag the next strike would bring (what a firm weighs before defecting)."""
    after = np.asarray(strikes) + 1
    kind, amount = sanction(after, warning, fine, expulsion_strikes)
    return amount, kind == Sanction.EXPULSION


def conflict_damage(base: float, resolution: str, facilitator, arbitration: float,
                    committee: float = 0.5, informal: float = 0.5):
    """Trust lost in a conflict after the group's resolution mechanism and the facilitator.

    ``facilitator`` is its presence, a number or one per group (then one damage per group). A
    committee defuses ``committee`` of the damage; the facilitator defuses ``arbitration`` of it
    when it is the appointed mechanism and ``informal`` times that otherwise.
    """
    defused = committee if resolution == "committee" else 0.0
    if resolution == "facilitator":
        defused = np.maximum(defused, arbitration * facilitator)
    defused = np.maximum(defused, arbitration * facilitator * informal)
    return base * (1.0 - defused)


# ------------------------------------------------------------------ was sim/model/facilitator.py
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


# ------------------------------------------------------------------ was sim/model/programme.py
def fund_presence(planned, need, remaining):
    """Presence the programme can pay for this meeting, and what it pays, per group.

    Args:
        planned: presence the schedule plans for this meeting, per group.
        need: what the programme would pay at the planned presence, per group.
        remaining: money left in each group's programme account.

    Returns:
        (presence, programme payment): where the account cannot pay the whole meeting, the
        facilitator works the share of it the money covers, and the account ends at exactly zero.

    """
    planned, need, remaining = np.asarray(planned, float), np.asarray(need, float), np.asarray(remaining, float)
    cover = np.where(need > 0, np.minimum(1.0, remaining / np.maximum(need, 1e-300)), 1.0)
    return planned * cover, np.minimum(need, remaining)
