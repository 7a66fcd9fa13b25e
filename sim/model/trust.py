"""Dyadic trust: each firm's belief that each fellow member will cooperate, updated from what it sees.

Trust is "a theory a person builds about how another will act" (Good, quoted at 004:L1828-1832), so
``T[g, i, j]`` is firm i's expected cooperation of firm j, in [0, 1], for every group g at once
(array ``(groups, seats, seats)``). What moves it (DOMAIN.md §2.1):

* conduct i sees (open acts, detected furtive acts) pulls ``T[i, j]`` towards what j did;
* a detected betrayal cuts everyone's trust in the betrayer (reputation circulates);
* furtive acts nobody detects still leave a shortfall nobody can explain, which lowers trust
  diffusely across the group (004:L669-671);
* successful collective actions build trust step by step (004:L2035-2055);
* the facilitator, santos and a transparent decision rule lift it; conflicts cut it.

The meeting's update (observe, losses, lift, slow repair) and the members' mean trust are compiled
loops over groups and members in :mod:`sim.model.kernels` (``field_trust``, ``lab_trust``,
``given_received``, ``group_mean``); this module keeps the whole-array helpers used outside a
meeting. They never draw random numbers.
"""

from __future__ import annotations

import numpy as np


def lift(T, amount):
    """Raise trust towards 1 by ``amount`` (scalar or (G,)) of the remaining gap."""
    amount = np.asarray(amount, dtype=T.dtype)
    if amount.ndim == 1:
        amount = amount[:, None, None]
    T *= 1.0 - amount
    T += amount
    return T


def reset_seat(T, g, s, value):
    """A newcomer in seat s of group g: others' trust in it and its trust in others start at value."""
    T[g, s, :] = value
    T[g, :, s] = value
    T[g, s, s] = 1.0
