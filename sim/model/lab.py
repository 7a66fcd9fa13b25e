"""Laboratory designs: the public-goods experiments of the literature as scenarios of the whole engine.

``design(...)`` returns the dotted-key overrides that turn a scenario into a laboratory experiment:
``[lab] enabled`` (everyone present, the good produced whenever members contribute, full feedback,
beliefs moved only by observed conduct, fixed groups), the linear public-goods game written as a
joint purchase (:meth:`sim.model.games.JointPurchaseGame.public_goods`: a member's payoff is
``e - c_i + mpcr * sum_j c_j``), no facilitator, no reglamento, no consortium, and the lab's type mix.
The shipped files in ``scenarios/lab/`` are these designs written out (a test keeps them equal).

Behavioural settings that differ from the field defaults, each from the literature:

* ``trust.learning = 0.6``: beliefs about the others move about 0.6 of the way to the others' last
  contribution each round (Fischbacher & Gächter 2010, belief regression: roughly 0.4 on the
  previous belief, 0.6 on the others' previous contribution);
* ``profiles.solido_lead = 0``: anonymous subjects have no leading role; a conditional cooperator's
  first contribution follows its belief (Fischbacher & Gächter 2010);
* ``trust.initial = 0.5``: first-round beliefs about the others' contribution average about half
  the endowment (Fischbacher & Gächter 2010);
* type shares after Fischbacher & Gächter (2010): 55 % conditional cooperators and 12 % "triangle"
  contributors (both sólido: 0.67), 23 % free riders (oportunista), 10 % others, split between
  unconditional cooperators (santo, 0.05) and relative-payoff players (tengo que ganar, 0.05).
"""

from __future__ import annotations

from typing import Any

from .games import JointPurchaseGame

LAB_SHARES = {"santo": 0.05, "solido": 0.67, "tengo": 0.05, "oportunista": 0.23}


def design(group_size: int = 4, endowment: float = 20.0, mpcr: float = 0.4, rounds: int = 10,
           matching: str = "fixed", groups: int = 10, punishment: bool = False,
           shares: dict[str, float] | None = None, threshold: int = 0, voluntary: bool = False,
           outside: float = 5.0) -> dict[str, Any]:
    """Overrides for a linear public-goods experiment (partners: ``matching="fixed"``, strangers: ``"random"``).

    Args:
        group_size: members per group (n).
        endowment: each member's endowment per round (e).
        mpcr: marginal per-capita return of a contributed unit (needs 1/n < mpcr < 1).
        rounds: rounds played.
        matching: ``"fixed"`` partners or ``"random"`` strangers re-matched every round.
        groups: groups played at once.
        punishment: costly peer punishment after each round ([punishment], 1:3).
        shares: profile shares (default: the lab's type mix, ``LAB_SHARES``).
        threshold: step-level public good: the good is produced only when the contributions add up
            to at least this many full endowments (0: a linear public good); below it everyone's
            contribution comes back (a provision point with refund).
        voluntary: members may stay out of a round and take ``outside`` instead (they then neither
            contribute nor share the good).
        outside: the outside option's payoff per round.

    Raises:
        ValueError: the coefficients are not a social dilemma (``1/n < mpcr < 1``), or the
            threshold is not between 0 and the group size.

    """
    if not 0 <= threshold <= group_size:
        raise ValueError(f"threshold must be between 0 and the group size ({group_size}); got {threshold}")
    game = JointPurchaseGame.public_goods(endowment, mpcr, group_size)
    lot = float(threshold * endowment)
    shares = shares or LAB_SHARES
    return {
        "run.steps": rounds,
        "lab.enabled": True,
        "population.groups": groups,
        "population.group_size": group_size,
        "population.slack": 0,
        "population.weak_share": 0.0,
        "population.capacity_strong": 1.0,
        **{f"population.{k}": float(v) for k, v in shares.items()},
        "profiles.oportunista_mimic": 0,
        "profiles.oportunista_threshold": 0.0,
        "profiles.solido_lead": 0,
        "trust.learning": 0.6,
        "trust.initial": 0.5,
        "joint_purchase.list_price": game.list_price,
        "joint_purchase.demand": float(endowment),
        "joint_purchase.min_lot": lot,
        "joint_purchase.volume_full": lot,
        "joint_purchase.discount_min": game.discount_min,
        "joint_purchase.discount_max": game.discount_max,
        "joint_purchase.handling_cost": game.handling_cost,
        "joint_purchase.side_discount": game.side_discount,
        "joint_purchase.shortfall_penalty": game.shortfall_penalty,
        "joint_purchase.sharing": game.sharing,
        "joint_purchase.matching": matching,
        "export.enabled": False,
        "export.solo_lead_rate": 0.0,
        "rules.enabled": False,
        "sanctions.enabled": False,
        "facilitator.schedule": "none",
        "lifecycle.phase2_at": 0,
        "lifecycle.base_income": float(endowment),
        "lifecycle.tc_base": 0.0,
        "lifecycle.entry_rate": 0.0,
        "lifecycle.exit_rate": 0.0,
        "lifecycle.min_members": 2,
        "punishment.enabled": bool(punishment),
        "lab.voluntary": bool(voluntary),
        "lab.outside": float(outside),
    }


def contributions(firms):
    """Each firm-round's contribution (units of endowment) from a firms table of a lab design."""
    return firms.commit * (1.0 - firms.renege) * firms.capacity
