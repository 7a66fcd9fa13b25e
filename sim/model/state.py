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


# ---------------------------------------------------------------- what passes between agenda items
@dataclass(frozen=True)
class MeetingValue:
    """A quantity one agenda item writes at every meeting and later items (or the recorder) read.

    ``kind`` is ``"seat"`` (shape ``(groups, seats)``), ``"group"`` (``(groups,)``), ``"pair"``
    (``(groups, seats, seats)``: from one member to another) or ``"object"`` (a result object,
    None before the first meeting). ``by`` names the :class:`AsociaModel`
    method that writes it. The model creates each one before the first meeting (zeros, or None),
    so every attribute it holds is declared here; tests/test_invariants.py keeps it so.
    """

    name: str
    kind: str
    dtype: type | None
    by: str
    doc: str = ""


MEETING = (
    # hold_meeting: attendance, quorum and what the group can coordinate
    MeetingValue("attend", "seat", bool, "hold_meeting", "came to the meeting"),
    MeetingValue("n_members", "group", np.int64, "hold_meeting", "members at the meeting's start (then at its end)"),
    MeetingValue("quorum_ok", "group", bool, "hold_meeting", "enough members came (where the reglamento asks)"),
    MeetingValue("capacity_coord", "group", np.float64, "hold_meeting",
                 "share of the coordination work done (facilitator, self-governance, manager)"),
    MeetingValue("p_coord", "group", np.float64, "hold_meeting", "chance the joint action is coordinated"),
    MeetingValue("coordinated", "group", bool, "hold_meeting", "the joint action is coordinated this meeting"),
    MeetingValue("purchase_open", "group", bool, "hold_meeting", "the joint purchase runs (phase, quorum)"),
    MeetingValue("consortium_open", "group", bool, "hold_meeting", "the export consortium runs"),
    # offer_leads: the export market
    MeetingValue("spend", "group", np.float64, "offer_leads", "the fund's spending on promotion"),
    MeetingValue("lead_lambda", "group", np.float64, "offer_leads", "expected leads per member"),
    MeetingValue("has_lead", "seat", bool, "offer_leads", "the member got an export lead"),
    # observation and decide: what each firm knows and what it decides
    MeetingValue("detect", "group", np.float64, "_observe", "chance a furtive act is detected"),
    MeetingValue("quota_due", "seat", np.float64, "_observe", "consortium quota the member owes"),
    MeetingValue("participate", "seat", bool, "decide", "plays this round (lab: may stay out)"),
    MeetingValue("commit", "seat", np.float64, "decide", "share of its demand committed to the purchase"),
    MeetingValue("renege", "seat", np.float64, "decide", "share of the commitment it withdraws"),
    MeetingValue("pay_quota", "seat", bool, "decide", "pays its quota"),
    MeetingValue("route_lead", "seat", bool, "decide", "routes its lead through the consortium"),
    MeetingValue("furtive", "seat", bool, "decide", "hides its defection"),
    # buy_jointly, run_consortium: the two games
    MeetingValue("purchase", "object", None, "buy_jointly", "the purchase round (sim.model.games.PurchaseOutcome)"),
    MeetingValue("purchase_failed", "group", bool, "buy_jointly", "commitments fell short of the lot"),
    MeetingValue("quota_paid", "seat", np.float64, "run_consortium", "quota paid into the fund"),
    MeetingValue("lead_income", "seat", np.float64, "run_consortium", "income from export leads"),
    MeetingValue("commission", "group", np.float64, "run_consortium", "the fund's commission on served leads"),
    MeetingValue("leads_routed", "seat", bool, "run_consortium", "lead routed and served"),
    MeetingValue("leads_missed", "seat", bool, "run_consortium", "lead routed but missed"),
    MeetingValue("leads_kept", "seat", bool, "run_consortium", "lead kept privately"),
    MeetingValue("clash", "seat", bool, "run_consortium", "lead in a product other members offer"),
    # play_games: the registered games (written only when some game is registered)
    MeetingValue("game_rounds", "object", None, "play_games",
                 "each registered game's round (sim.model.games.GameRound), by name"),
    MeetingValue("game_income", "seat", np.float64, "play_games", "income from the registered games"),
    MeetingValue("game_acts", "seat", np.int64, "play_games", "registered games in which the others saw its conduct"),
    MeetingValue("game_coop", "seat", np.float64, "play_games", "cooperation seen in them, summed over the games"),
    # monitor: detection and sanctions
    MeetingValue("reneged", "seat", bool, "monitor", "withdrew part of its commitment"),
    MeetingValue("det_renege", "seat", bool, "monitor", "a renege was detected"),
    MeetingValue("kept_open", "seat", bool, "monitor", "kept a lead privately, openly"),
    MeetingValue("kept_furtive", "seat", bool, "monitor", "kept a lead privately, furtively"),
    MeetingValue("det_keep", "seat", bool, "monitor", "a kept lead was detected"),
    MeetingValue("skipped", "seat", bool, "monitor", "did not pay its quota"),
    MeetingValue("low_commit", "seat", bool, "monitor", "committed less than the reglamento's minimum"),
    MeetingValue("violated", "seat", bool, "monitor", "broke a rule and was seen"),
    MeetingValue("sanction_kind", "seat", np.int64, "monitor", "sanction applied (sim.model.vocabulary.Sanction)"),
    MeetingValue("fines", "seat", np.float64, "monitor", "fines charged"),
    MeetingValue("fines_total", "seat", np.float64, "monitor", "fines and forfeits charged"),
    MeetingValue("expel", "seat", bool, "monitor", "expelled at this meeting"),
    # update_trust, punish, resolve_conflicts
    MeetingValue("seen", "seat", bool, "update_trust", "its conduct was observed by the others"),
    MeetingValue("coop_seen", "seat", np.float64, "update_trust", "cooperation the others saw"),
    MeetingValue("punish_points", "pair", np.float64, "punish",
                 "peer punishment points each member gave each other (where punishment is on)"),
    MeetingValue("conflicts", "group", np.int64, "resolve_conflicts", "conflicts this meeting"),
    # settle_accounts
    MeetingValue("tc", "group", np.float64, "settle_accounts", "transaction cost per member"),
    MeetingValue("played", "seat", bool, "settle_accounts", "took part in a joint action"),
    MeetingValue("refund", "group", np.float64, "settle_accounts", "refunds the fund paid out"),
    MeetingValue("trust_received", "seat", np.float32, "settle_accounts", "mean trust the others place in it"),
    MeetingValue("exit_now", "seat", bool, "settle_accounts", "decided to leave"),
    # update_membership
    MeetingValue("n_exited", "group", np.int64, "update_membership", "members who left"),
    MeetingValue("n_expelled", "group", np.int64, "update_membership", "members expelled"),
    MeetingValue("n_entered", "group", np.int64, "update_membership", "newcomers seated"),
    MeetingValue("_moved", "group", bool, "update_membership", "groups whose roster changed this meeting"),
)

# what the model holds besides the arrays above: set once in ``AsociaModel.__init__`` (from the
# scenario and the seeds) and changed only by the methods named in the docs
MODEL = {
    "config": "the scenario", "rule": "the reglamento's decision rule (sim.model.governance)",
    "purchase_game": "the joint-purchase game", "export_game": "the export game",
    "games": "registered games (name, game)",
    "_rules": "each profile's compiled rule and traits (sim.model.profiles.compiled_rules)",
    "_python_rules": "profiles whose rule is asked in Python (registered, not compiled)",
    "profiles": "the profiles' decision rules", "deciders": "outside deciders by firm id",
    "seed": "the first replication's seed", "seeds": "every replication's seed", "reps": "replications",
    "G": "groups (all replications)", "C": "seats per group", "G0": "groups per replication",
    "rep_of": "each group's replication", "draws": "random streams (sim.model.streams)",
    "lab": "laboratory conditions", "t": "meetings played", "firms": "Mesa agents by firm id",
    "log": "the recorder", "T": "dyadic trust, (groups, seats, seats) float32",
    "trust_given": "mean trust each member places in the others", "trust_now": "the group's mean trust",
    "f": "facilitator's presence", "self_gov": "self-governance", "programme_left": "programme budget left",
    "support_over": "the programme's support has ended",
    "points": "each replication's scenario", "vary": "parameters a batch of design points varies, per group",
    "_next_firm": "next firm number per replication", "_fac_events": "each replication's facilitator calendar",
    "_lead_private": "a kept lead's value",
    "_roster_version": "roster change counter", "_roster_dirty": "groups whose roster cache is stale",
    "_roster_cache": "roster measures",
    "_filled": "per-group arrays of scenario parameters, made once per value",
    "_fac_same": "every replication has the same facilitator calendar (made once)",
    "_out": "the arrays each compiled agenda item writes over in place (IN_PLACE), by item",
    "_attr_cdfs": "the profile and disposition mixes newcomers are drawn from (cumulative, made once)",
}


def allocate_meeting(model, shape) -> None:
    """Create every :data:`MEETING` quantity before the first meeting (zeros; None for objects)."""
    groups, seats = shape
    sizes = {"seat": shape, "group": groups, "pair": (groups, seats, seats)}
    for a in MEETING:
        setattr(model, a.name, None if a.kind == "object" else np.zeros(sizes[a.kind], a.dtype))


# what a compiled agenda item writes over at every meeting, in place, in the order its kernel takes
# them (its last arguments): each item's arrays are made once (those above) and handed to its kernel
# at every meeting, instead of the kernel making and returning new ones (each array a kernel returns
# costs about 0.8 µs, each argument 0.1 µs). So these hold the current meeting's values and are not
# to be kept across meetings (the recorder and the events copy what they keep).
IN_PLACE = {
    "monitor": ("reneged", "det_renege", "kept_furtive", "det_keep", "kept_open", "skipped", "low_commit",
                "violated", "sanction_kind", "fines", "fines_total", "expel"),
    "settle_accounts": ("played", "payoff", "alone", "ema_gain", "engagement", "leaving", "exit_now", "tc",
                        "refund", "subsidy", "manager_pay", "manager_fund"),
    "hold_meeting": ("attend", "quorum_ok", "capacity_coord", "p_coord", "coordinated", "purchase_open",
                     "consortium_open"),
    "update_trust": ("coop_seen", "seen"),   # the field's update (the laboratory's makes new ones)
    "update_membership": ("n_expelled", "n_exited", "n_entered", "_moved"),
}


def written_in_place(model) -> dict[str, tuple]:
    """Each item of :data:`IN_PLACE`: the tuple of the model's arrays its kernel writes into."""
    out = {item: tuple(getattr(model, name) for name in names) for item, names in IN_PLACE.items()}
    # what kernels.membership_groups also writes, read only within update_membership: the seats
    # that leave, the members left per group, which groups dissolve, which get a newcomer
    G, C = model.G, model.C
    out["membership_scratch"] = (np.zeros((G, C), bool), np.zeros(G, np.int64), np.zeros(G, bool),
                                 np.zeros(G, bool))
    return out
