"""The model's per-seat state, declared once: each array's type, start value and what happens to it.

Every per-firm quantity is an array of shape ``(groups, seats)`` on the model (docs/architecture.md).
:data:`SEATS` lists them, and the model derives from it what it used to write out in four places:
allocating them (``AsociaModel.__init__``), resetting a seat for a newcomer (``_seat_many``),
clearing a seat its firm leaves (``_vacate``) and moving a firm's row when members are re-matched
across groups (``_rematch``). A new per-firm quantity is one line here.

Traits a newcomer draws (profile, capacity, product, disposition, conditional-cooperation
schedule) and its firm id are written by ``_seat_many`` from the draws; ``seat`` is then None.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KEEP = None  # "leave as it is"


@dataclass(frozen=True)
class SeatArray:
    """One per-seat array: its dtype, its value at the start, on a newcomer's seat, on a vacated seat."""

    name: str
    dtype: type
    start: object
    seat: object = KEEP      # value written for a newcomer (KEEP: drawn, or set by whoever seats it)
    leave: object = KEEP     # value written when the seat's firm leaves (KEEP: left as it was)
    moves: bool = False      # moves with the firm when members are re-matched across groups
    doc: str = ""


SEATS = (
    SeatArray("member", bool, False, doc="the seat holds a current member"),
    SeatArray("firm_id", np.int64, -1, leave=-1, moves=True, doc="the seat's firm (-1: empty)"),
    SeatArray("profile", np.int8, 0, moves=True, doc="profile code (sim.model.vocabulary.NAMES)"),
    SeatArray("capacity", np.float64, 0.0, moves=True, doc="capacity multiplier (weak / strong)"),
    SeatArray("product", np.int64, 0, moves=True, doc="product line it offers"),
    SeatArray("disposition", np.int8, 0, moves=True, doc="active / passive / barely participating"),
    SeatArray("cc_a", np.float64, 0.0, moves=True, doc="conditional-cooperation intercept"),
    SeatArray("cc_b", np.float64, 0.0, moves=True, doc="conditional-cooperation slope"),
    SeatArray("tenure", np.int64, 0, seat=0, moves=True, doc="meetings since it joined"),
    SeatArray("strikes", np.int64, 0, seat=0, leave=0, moves=True, doc="sanction strikes"),
    SeatArray("ema_gain", np.float64, 0.0, seat=0.0, leave=0.0, moves=True,
              doc="recent gain over going alone (exponential average)"),
    SeatArray("paid_in", np.float64, 0.0, seat=0.0, leave=0.0, moves=True, doc="quotas paid into the fund"),
    SeatArray("founder", bool, False, leave=False, moves=True, doc="seated at the founding"),
    SeatArray("engagement", np.float64, 1.0, seat=1.0, moves=True,
              doc="involvement in day-to-day operation, in [floor, 1]"),
    SeatArray("leaving", np.int64, -1, seat=-1, leave=-1, moves=True,
              doc="meetings of notice left before it exits (-1: staying)"),
    SeatArray("payoff", np.float64, 0.0, doc="income at the last meeting"),
    SeatArray("alone", np.float64, 0.0, doc="what going alone would have paid at the last meeting"),
    # what each firm has learned: the money a shortfall costs it in peer punishment, and how many
    # of its furtive acts were tried and caught (its own estimate of detection)
    SeatArray("punish_rate", np.float64, 0.0, seat=0.0, moves=True, doc="learned cost of falling short"),
    SeatArray("tries", np.int64, 0, seat=0, moves=True, doc="furtive acts tried"),
    SeatArray("caught", np.int64, 0, seat=0, moves=True, doc="furtive acts caught"),
    SeatArray("punish_loss", np.float64, 0.0, doc="peer punishment received at the last meeting"),
    SeatArray("punish_cost", np.float64, 0.0, doc="peer punishment given at the last meeting"),
    SeatArray("overlap", np.int64, 0, doc="other members offering the same product (a roster measure)"),
)
MOVES = tuple(a.name for a in SEATS if a.moves)


def allocate(model, shape) -> None:
    """Create every per-seat array on ``model`` at its start value."""
    for a in SEATS:
        setattr(model, a.name, np.full(shape, a.start, a.dtype))


def reset_for_newcomers(model, gs, ss) -> None:
    """Write each array's newcomer value into seats (gs, ss)."""
    for a in SEATS:
        if a.seat is not KEEP:
            getattr(model, a.name)[gs, ss] = a.seat


def clear(model, mask) -> None:
    """Write each array's vacated-seat value into the seats of ``mask``."""
    for a in SEATS:
        if a.leave is not KEEP:
            getattr(model, a.name)[mask] = a.leave
