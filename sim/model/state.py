"""The model's state, declared once: the per-seat arrays (type, start, what happens to them) and the per-group ones.

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


@dataclass(frozen=True)
class GroupArray:
    """One per-group array (shape ``(groups,)``) with a start value common to every scenario."""

    name: str
    dtype: type
    start: object
    doc: str = ""


# per-group state whose start does not depend on the scenario; the facilitator's presence ``f``,
# self-governance ``self_gov``, the programme's account ``programme_left`` and ``support_over``
# start from the scenario and are set in ``AsociaModel.__init__``
GROUPS = (
    GroupArray("alive", bool, True, "the group exists"),
    GroupArray("phase", np.int8, 1, "phase of the intervention model (1-4)"),
    GroupArray("rules_on", bool, False, "its reglamento is adopted"),
    GroupArray("formalised", bool, False, "the consortium agreement is signed"),
    GroupArray("backlog", np.float64, 0.0, "distrust and skipped integration a rushed group carries"),
    GroupArray("fund", np.float64, 0.0, "the consortium's fund"),
    GroupArray("viol_rate", np.float64, 0.0, "violations per member the group is known for (average)"),
    GroupArray("programme_paid", np.float64, 0.0, "facilitator and subsidies paid by the programme this meeting"),
    GroupArray("facilitator_copay", np.float64, 0.0, "members' share of the facilitator's cost this meeting"),
    GroupArray("subsidy", np.float64, 0.0, "joint-purchase subsidy this meeting"),
    GroupArray("handed", bool, False, "self-governance has reached the hand-over mark"),
    GroupArray("leadership", np.float64, 0.0, "drivers' share relative to the guide's"),
    GroupArray("manager", bool, False, "a manager (gerente) is hired"),
    GroupArray("manager_pay", np.float64, 0.0, "the manager's salary this meeting"),
    GroupArray("manager_fund", np.float64, 0.0, "the part of it the fund paid (the members pay the rest)"),
    GroupArray("breadth", np.int64, 0, "distinct products the group offers (a roster measure)"),
    GroupArray("changed", bool, True, "the roster changed (cached roster measures are stale)"),
)


def allocate_groups(model, groups: int) -> None:
    """Create every per-group array of :data:`GROUPS` on ``model`` at its start value."""
    for a in GROUPS:
        setattr(model, a.name, np.full(groups, a.start, a.dtype))
