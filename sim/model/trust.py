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


# Above this many elements of a (G, C, C) array, arrays broadcast along a seat axis are built
# whole by gathering rows (np.take copies rows of C values in one sweep) and then combined
# contiguously; broadcasting a (G, C) factor over a short axis of T instead makes NumPy run an
# inner loop only C long, several times slower (measured on (1000, 14, 14) float32: T * x[:, None, :]
# 240 us, a contiguous product 100 us, the gather 90 us). Below it (a few groups) the cost is
# per NumPy call, and broadcasting takes fewer calls. Both give the same values.
_GATHER = 4096
_BLOCK = 40_000  # elements of T updated at a time by revise (4 float32 arrays: 640 kB)
_ROWS: dict[tuple[int, int], np.ndarray] = {}


def _to_zero_row(G: int, C: int) -> np.ndarray:
    """``G - g`` for each (group g, seat) row, read-only and cached: the step to a zero row at G."""
    key = (G, C)
    if key not in _ROWS:
        shift = G - np.arange(G * C) // C
        shift.flags.writeable = False
        _ROWS[key] = shift
    return _ROWS[key]


def rows_where(keep, values, out=None):
    """``out[g, i, j] = values[g, j]`` where ``keep[g, i]``, else 0: shape (G, C, C), values' dtype.

    ``values`` must be nonnegative (a zero row is then exactly ``values * False``).
    """
    G, C = values.shape
    if G * C * C < _GATHER:
        return np.multiply(values[:, None, :], keep[:, :, None], out=out)
    table = np.concatenate((values, np.zeros((1, C), values.dtype)))
    index = np.multiply(keep.ravel(), _to_zero_row(G, C))
    np.subtract(G, index, out=index)  # row g where kept, else the zero row G
    flat = None if out is None else out.reshape(G * C, C)
    return np.take(table, index, axis=0, out=flat, mode="clip").reshape(G, C, C)


class Workspace:
    """Scratch arrays of :func:`revise` for one trust array (made once, reused every meeting)."""

    def __init__(self, T):
        """Allocate for trust arrays shaped like T."""
        G, C, _ = T.shape
        self.shape = T.shape
        self.big = T.size >= _GATHER
        # rows of signal, weight (eta where seen) and factor per group, then one row of zeros
        self.table = np.zeros((3 * G + 1, C), T.dtype)
        self.levels = np.empty((2, G), T.dtype)  # 1 - lift, lift
        if self.big:
            rows = np.arange(G * C) // C  # group of each (group, seat)
            self.index = np.stack((rows, rows + G, rows + 2 * G))  # table rows of the three factors
            self.weight_shift = 3 * G - (rows + G)  # zero row less the weight row, by (group, seat)
            # groups per block: a block's trust and factors (4 arrays) stay in a core's L2 cache
            self.block = max(1, _BLOCK // (C * C))
            self.full = np.empty((3, min(G, self.block) * C, C), T.dtype)
        else:
            self.gap = np.empty_like(T)


def revise(T, signal, seen, attend, eta, factor, amount, work):
    """``observe``, then ``scale``, then ``lift``: the meeting's whole trust update in fewer passes.

    Every element goes through the same float32 operations in the same order as the three calls
    ``observe(T, signal, seen, attend, eta)``, ``scale(T, factor)``, ``lift(T, amount)`` (amount
    per group): ``gap = (signal_j - T) * attend_i * (eta * seen_j)``, ``T += gap``, ``T *= factor_j``,
    ``T *= 1 - amount``, ``T += amount``.

    On large arrays (:data:`_GATHER`) the factors by seat are first laid out whole, by one gather
    of rows: the signal, ``attend_i * eta * seen_j`` and the factor; then every step is a
    contiguous product or sum. The attendance factor is 0 or 1, so folding it into the weight
    changes no value: ``gap * 1`` is exact, and ``gap * 0`` is a zero of gap's sign either way,
    which leaves ``T`` unchanged. Groups are updated a block at a time (:data:`_BLOCK`), so the
    seven steps find their operands in cache (measured on (1000, 14, 14): 760 us whole, 450 us
    in blocks of 200 groups).

    Args:
        T: trust array (G, C, C), updated in place.
        signal: conduct of each seat, in [0, 1] (G, C), as in :func:`observe`.
        seen: bool (G, C): the seat's conduct was visible.
        attend: bool (G, C): observers present.
        eta: learning rate.
        factor: (G, C) loss factors, as in :func:`scale`.
        amount: (G,) lift towards 1, as in :func:`lift`, in [0, 1].
        work: a :class:`Workspace` for T.

    """
    G, C = signal.shape
    tab = work.table
    tab[:G] = signal
    tab[G:2 * G] = eta * seen
    tab[2 * G:3 * G] = factor
    lv = work.levels
    lv[1] = amount
    np.subtract(1.0, lv[1], out=lv[0])
    if not work.big:
        gap = np.subtract(tab[:G, None, :], T, out=work.gap)
        gap *= attend[:, :, None]
        gap *= tab[G:2 * G, None, :]
        T += gap
        T *= tab[2 * G:3 * G, None, :]
        T *= lv[0, :, None, None]
        T += lv[1, :, None, None]
        return T
    idx = work.index[1]  # weight rows: the group's own row where the observer attends, else the zero row
    np.multiply(attend.ravel(), work.weight_shift, out=idx)
    np.subtract(3 * G, idx, out=idx)
    k = work.block
    for a in range(0, G, k):
        b = min(a + k, G)
        n = (b - a) * C
        full = np.take(tab, work.index[:, a * C:b * C], axis=0, out=work.full[:, :n], mode="clip")
        gap, weight, fac = full.reshape(3, b - a, C, C)
        t = T[a:b]
        np.subtract(gap, t, out=gap)
        gap *= weight
        t += gap
        t *= fac
        # one value per group: broadcasting over a whole group's C * C block is fast already
        t *= lv[0, a:b, None, None]
        t += lv[1, a:b, None, None]
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
    """Roster factors of :func:`given_received`: members as 0/1, the divisor of each mean, member pairs.

    ``pair[g, i, j]`` is 1 when seats i and j of group g both hold members (0/1, shaped like the
    trust array). They change only with the roster, so the model computes them once per roster change.
    """
    m = member.astype(dtype)
    n_other = seat_sum(m, keepdims=True) - 1.0
    return m, np.maximum(n_other, 1.0), rows_where(member, m)


def given_received(T, member, buf=None, norm=None):
    """Mean trust each member gives to and receives from the other members, in one pass.

    Trust among members is ``W = T * pair`` (one contiguous product; the pair factors are 0/1, so
    ``W`` holds the same values as ``T * m_i * m_j``), then rows and columns are summed by the same
    BLAS calls as :func:`sim.seats.seat_sum` always made (their summation order is the BLAS
    kernel's, so the calls and shapes are kept as they were). Seats without a mean - empty seats
    and lone members - need no masking: their row (column) of ``W`` is zero apart from the
    diagonal, so the sum less the diagonal is exactly 0.

    Args:
        T: trust array (G, C, C).
        member: bool (G, C).
        buf: optional scratch array shaped like T.
        norm: optional ``member_norm(member, T.dtype)``, when the caller has it already.

    """
    m, denom, pair = member_norm(member, T.dtype) if norm is None else norm
    W = np.multiply(T, pair, out=buf)
    diag = np.diagonal(W, axis1=1, axis2=2)
    give = seat_sum(W)
    give -= diag
    give /= denom
    get = seat_sum_rows(W)
    get -= diag
    get /= denom
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
