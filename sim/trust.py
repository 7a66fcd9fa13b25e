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

All functions are pure updates on arrays; they never draw random numbers.
"""

from __future__ import annotations

import numpy as np

from .seats import seat_sum, seat_sum_rows


def observe(T, signal, seen, attend, eta, buf=None):
    """Pull trust towards observed conduct.

    Args:
        T: trust array (G, C, C), updated in place.
        signal: conduct of each seat this meeting, in [0, 1] (G, C).
        seen: bool (G, C): the seat's conduct was visible this meeting.
        attend: bool (G, C): observers present at the meeting.
        eta: learning rate.
        buf: optional scratch array shaped like T (saves allocating one each meeting).

    """
    gap = np.subtract(signal.astype(T.dtype)[:, None, :], T, out=buf)
    gap *= attend[:, :, None]
    gap *= (eta * seen)[:, None, :].astype(T.dtype)
    T += gap
    return T


def betrayal(T, detected, beta):
    """Cut every member's trust in each detected betrayer by a factor ``1 - beta``."""
    T *= (1.0 - beta * detected[:, None, :]).astype(T.dtype)
    return T


def diffuse(T, shortfall, delta):
    """Lower all trust in a group in proportion to its unexplained shortfall (G,)."""
    T *= np.clip(1.0 - delta * shortfall, 0.0, 1.0)[:, None, None].astype(T.dtype)
    return T


def scale(T, factor):
    """Multiply trust in each seat by a factor in [0, 1] (G, C): losses of trust in that member."""
    T *= factor[:, None, :].astype(T.dtype)
    return T


def lift(T, amount):
    """Raise trust towards 1 by ``amount`` (scalar or (G,)) of the remaining gap."""
    amount = np.asarray(amount, dtype=T.dtype)
    if amount.ndim == 1:
        amount = amount[:, None, None]
    T *= 1.0 - amount
    T += amount
    return T


def given(T, member):
    """Mean trust each member places in the other members (G, C); 0 for lone or empty seats."""
    m = member.astype(T.dtype)
    n_other = seat_sum(m, keepdims=True) - 1.0
    tot = np.matmul(T, m[:, :, None])[:, :, 0] - np.diagonal(T, axis1=1, axis2=2) * m
    return np.where(member & (n_other > 0), tot / np.maximum(n_other, 1.0), 0.0)


def received(T, member):
    """Mean trust the other members place in each member (G, C)."""
    m = member.astype(T.dtype)
    n_other = seat_sum(m, keepdims=True) - 1.0
    tot = np.matmul(m[:, None, :], T)[:, 0, :] - np.diagonal(T, axis1=1, axis2=2) * m
    return np.where(member & (n_other > 0), tot / np.maximum(n_other, 1.0), 0.0)


def member_norm(member, dtype=np.float32):
    """Roster factors of :func:`given_received`: members as 0/1, seats with a mean, its divisor.

    They change only with the roster, so the model computes them once per roster change.
    """
    m = member.astype(dtype)
    n_other = seat_sum(m, keepdims=True) - 1.0
    return m, member & (n_other > 0), np.maximum(n_other, 1.0)


def given_received(T, member, buf=None, norm=None):
    """Mean trust each member gives to and receives from the other members, in one pass.

    Args:
        T: trust array (G, C, C).
        member: bool (G, C).
        buf: optional scratch array shaped like T.
        norm: optional ``member_norm(member, T.dtype)``, when the caller has it already.

    """
    m, ok, denom = member_norm(member, T.dtype) if norm is None else norm
    W = np.multiply(T, m[:, :, None], out=buf)
    W *= m[:, None, :]
    diag = np.diagonal(T, axis1=1, axis2=2) * m
    give = np.where(ok, (seat_sum(W) - diag) / denom, 0.0)
    get = np.where(ok, (seat_sum_rows(W) - diag) / denom, 0.0)
    return give, get


def group_mean(trust_given, member):
    """Mean dyadic trust among the members of each group (G,)."""
    n = seat_sum(member)
    return np.where(n > 1, seat_sum(trust_given * member) / np.maximum(n, 1), 0.0)


def reset_seat(T, g, s, value):
    """A newcomer in seat s of group g: others' trust in it and its trust in others start at value."""
    T[g, s, :] = value
    T[g, :, s] = value
    T[g, s, s] = 1.0
