"""The two games a group plays each meeting, as frozen value objects with pure payoff functions.

Payoffs are data: a game holds named coefficients, checks them when it is built (``ValueError``
when they do not describe the intended dilemma) and exposes pure functions from actions to money, for
all groups at once (the joint purchase's are compiled loops over groups and seats, sim/model/kernels.py).
No randomness and no Mesa here: the model draws, the game only adds up.

Every array argument is shaped ``(groups, seats)``; a seat that holds no member has zero demand.

* :class:`JointPurchaseGame` - members commit a share of their input demand to a pooled order whose
  unit price falls with pooled volume (a minimum lot, then a linear ramp to a maximum discount).
  Committing costs handling; a member may stay out openly or commit and renege furtively (buying
  privately at a side-deal discount), which leaves a supplier penalty the honest members pay. The
  classic linear public-goods game is the special case built by :meth:`JointPurchaseGame.public_goods`
  (Isaac & Walker 1988; Fehr & Gächter 2000 use this form).
* :class:`ExportGame` - members pay quotas into a promotion fund; promotion spending and the breadth
  of the joint offer produce leads; a lead routed through the consortium pays every member a share
  after the consortium's commission, a lead served privately pays only the firm that kept it
  (the guide's canonical opportunistic act, 004:L662-671).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# the compiled kernels (and numba) are imported by the methods that play, not here: building a game
# checks a scenario's coefficients (sim.model.scenario), which must not load the engine


def _seats(x, shape) -> np.ndarray:
    """``x`` as a C-contiguous float64 (groups, seats) array (scalars and per-group columns broadcast)."""
    if type(x) is np.ndarray and x.shape == shape and x.dtype == np.float64 and x.flags.c_contiguous:
        return x   # already one (the model's own arrays): no view to build
    return np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=float), shape))


def _groups(x, shape) -> np.ndarray:
    """``x`` as a C-contiguous bool (groups,) array (a scalar broadcast)."""
    if type(x) is np.ndarray and x.shape == shape and x.dtype == np.bool_ and x.flags.c_contiguous:
        return x
    return np.ascontiguousarray(np.broadcast_to(x, shape), dtype=bool)


@dataclass(frozen=True)
class PurchaseOutcome:
    """Money flows of one joint-purchase round, per group ``(G,)`` and per seat ``(G, C)``."""

    volume: np.ndarray        # delivered pooled units per group
    discount: np.ndarray      # discount obtained per group (0 when the order failed)
    placed: np.ndarray        # bool: pooled order placed
    bill: np.ndarray          # what the group pays the supplier (units x price + shortfall penalty)
    payment: np.ndarray       # what each member pays into the pooled order
    net: np.ndarray           # each member's gain vs buying all its demand at list price


@dataclass(frozen=True)
class GameRound:
    """One meeting of a registered game (sim.model.vocabulary.register_game), per seat ``(G, C)``.

    ``payoff`` is each member's net income from it (added to its accounts); ``conduct`` in [0, 1]
    is the cooperation the others saw where ``seen``, averaged with the other acts they saw in the
    trust update (sim.model.kernels.field_trust).
    """

    payoff: np.ndarray
    conduct: np.ndarray
    seen: np.ndarray


@dataclass(frozen=True)
class JointPurchaseGame:
    """Pooled input purchase with a volume-discount schedule (004:L560-581; 000:L90)."""

    list_price: float
    min_lot: float
    volume_full: float
    discount_min: float
    discount_max: float
    handling_cost: float
    side_discount: float
    shortfall_penalty: float
    sharing: str = "proportional"

    def __post_init__(self):
        if self.list_price <= 0:
            raise ValueError("list_price must be positive")
        if not 0 <= self.discount_min <= self.discount_max < 1:
            raise ValueError("need 0 <= discount_min <= discount_max < 1")
        if self.volume_full < self.min_lot or self.min_lot < 0:
            raise ValueError("need 0 <= min_lot <= volume_full")
        if self.list_price * self.discount_max <= self.handling_cost:
            raise ValueError(
                "not a joint-purchase dilemma: the best saving per unit "
                f"({self.list_price * self.discount_max:g}) does not cover the handling cost "
                f"({self.handling_cost:g}), so pooling never pays"
            )
        if self.sharing not in ("proportional", "equal"):
            raise ValueError("sharing must be 'proportional' or 'equal'")
        if self.side_discount < 0 or self.shortfall_penalty < 0 or self.handling_cost < 0:
            raise ValueError("side_discount, shortfall_penalty and handling_cost must be >= 0")

    @classmethod
    def from_scenario(cls, jp) -> JointPurchaseGame:
        """Build from a :class:`sim.model.scenario.JointPurchase` section."""
        return cls(jp.list_price, jp.min_lot, jp.volume_full, jp.discount_min, jp.discount_max,
                   jp.handling_cost, jp.side_discount, jp.shortfall_penalty, jp.sharing)

    @classmethod
    def public_goods(cls, endowment: float, mpcr: float, group_size: int) -> JointPurchaseGame:
        """The linear public-goods game as a joint purchase.

        With demand = endowment, a flat discount, handling cost 1 per unit and equal sharing, a
        member's net gain is ``mpcr * sum(c) - c_i``, so its payoff ``endowment + net`` is exactly
        the laboratory game's ``e - c_i + m * sum_j c_j``.

        Raises:
            ValueError: unless ``1/n < mpcr < 1`` (otherwise there is no social dilemma).

        """
        if not 1.0 / group_size < mpcr < 1.0:
            raise ValueError(f"a public-goods dilemma needs 1/n < mpcr < 1; got mpcr={mpcr}, n={group_size}")
        if endowment <= 0:
            raise ValueError("endowment must be positive")
        return cls(list_price=2.0 * mpcr * group_size, min_lot=0.0, volume_full=0.0,
                   discount_min=0.5, discount_max=0.5, handling_cost=1.0, side_discount=0.0,
                   shortfall_penalty=0.0, sharing="equal")

    def discount(self, volume: np.ndarray) -> np.ndarray:
        """Discount schedule: 0 below the minimum lot, then linear up to ``volume_full`` (elementwise)."""
        from . import kernels

        volume = np.asarray(volume, dtype=float)
        sched = (self.min_lot, self.volume_full, self.discount_min, self.discount_max)
        return np.array([kernels._discount(v, *sched) for v in volume.ravel().tolist()]).reshape(volume.shape)

    def _schedule(self) -> tuple:
        return (self.list_price, self.min_lot, self.volume_full, self.discount_min, self.discount_max)

    def play(self, demand, commit, renege, member, coordinated) -> PurchaseOutcome:
        """Resolve one round for every group at once (compiled: :func:`sim.model.kernels.purchase_round`).

        Args:
            demand: units each seat needs this meeting (0 for empty seats).
            commit: share of demand committed to the pooled order, in [0, 1].
            renege: share of the commitment not honoured (bought privately instead), in [0, 1].
            member: bool mask of seats holding a member.
            coordinated: bool per group: the group managed to place an order this meeting.

        """
        from . import kernels

        member = np.ascontiguousarray(member, dtype=bool)
        shape = member.shape
        # every seat's commitment counts (the kernel also takes the model's open purchases and seats)
        volume, disc, placed, bill, payment, net, _, _ = kernels.purchase_round(
            _seats(demand, shape), _seats(commit, shape), _seats(renege, shape), member,
            _groups(coordinated, shape[:1]), np.ones(shape[0], bool), np.ones(shape, bool), *self._schedule(),
            self.handling_cost, self.side_discount, self.shortfall_penalty, self.sharing == "equal")
        return PurchaseOutcome(volume, disc, placed, bill, payment, net)

    def commit_gains(self, demand, belief, member, p_coord=1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What committing all of a member's demand, rather than staying out, does to payoffs.

        Each member expects every other member to deliver its whole demand with probability
        ``belief`` (its own expected cooperation, per seat), independently. The others' delivered
        volume ``V`` then has mean ``b (T - D_i)`` and variance ``b (1 - b) sum_{j != i} D_j^2``; with a
        minimum lot the member weighs the chance of being pivotal through the normal approximation
        of ``V``: ``E[V; V >= L] = mu (1 - Phi(z)) + sigma phi(z)``, ``z = (L - mu) / sigma`` (exact
        when sigma is 0). The pooled saving of a placed order of volume v is ``price x discount(v) x v``,
        with the discount taken at the expected volume of a placed order. Comparing the round with
        and without the member's demand, under the sharing rule and weighted by the chance
        ``p_coord`` that the group places an order at all, it returns per seat:

        * ``own``: the member's own expected gain from committing (negative in a public-goods game,
          positive in a joint purchase that reaches its lot under proportional sharing; positive in
          a step-level public good when the member is likely pivotal);
        * ``others``: the mean expected gain its commitment brings each other member;
        * ``pool``: its expected share of the pooled saving if it joins without committing (equal
          sharing; 0 under proportional sharing), the value of joining a round at all.

        Sólido ciudadano weighs ``own`` (moderate self-interest), tengo que ganar ``own - others``
        (relative payoff). Pure, and compiled like :meth:`play` (:func:`sim.model.kernels.commit_gains`).
        """
        from . import kernels

        member = np.ascontiguousarray(member, dtype=bool)
        shape = member.shape
        return kernels.commit_gains(_seats(demand, shape), _seats(belief, shape), member, _seats(p_coord, shape),
                                    *self._schedule(), self.handling_cost, self.sharing == "equal")

    def renege_gain(self, own_gain, demand) -> np.ndarray:
        """Private gain per committed unit of reneging on all of it, given what committing brings.

        Reneging buys the units at the side-deal discount and gives up what delivering them would
        have brought the member (``own_gain`` of :meth:`commit_gains`: the pooled saving on them, or
        its share of it, less the handling cost, weighed by the chance the order is placed; in a
        step-level public good, the chance of being pivotal).
        """
        from . import kernels

        demand = np.asarray(demand, dtype=float)
        shape = np.broadcast_shapes(demand.shape, np.shape(own_gain))
        return kernels.renege_gain(_seats(own_gain, shape), _seats(demand, shape), self.list_price,
                                   self.side_discount)


@dataclass(frozen=True)
class ExportGame:
    """Export consortium: quotas, a promotion fund, leads and their routing (004:L216-283)."""

    quota: float
    spend_rate: float
    lead_rate: float
    fund_elasticity: float
    breadth_elasticity: float
    lead_value: float
    commission: float
    private_share: float

    def __post_init__(self):
        if not 0 <= self.commission < 1:
            raise ValueError("commission must be in [0, 1)")
        if not 0 <= self.private_share < 1:
            raise ValueError(
                "private_share must be below 1: a lead served alone must be worth less than the same "
                "lead served jointly, or the consortium has no reason to exist"
            )
        if min(self.quota, self.lead_rate, self.lead_value) < 0 or not 0 <= self.spend_rate <= 1:
            raise ValueError("quota, lead_rate and lead_value must be >= 0 and spend_rate in [0, 1]")

    @classmethod
    def from_scenario(cls, ex) -> ExportGame:
        """Build from a :class:`sim.model.scenario.Export` section."""
        return cls(ex.quota, ex.spend_rate, ex.lead_rate, ex.fund_elasticity,
                   ex.breadth_elasticity, ex.lead_value, ex.commission, ex.private_share)

    def quotas(self, capacity: np.ndarray, member: np.ndarray, sharing: str, cap_sum=None) -> np.ndarray:
        """Quota due per seat: equal, or proportional to capacity (same total as equal).

        ``cap_sum``: the members' total capacity per group, when the caller has it already.
        """
        from .seats import seat_sum

        if sharing == "equal":
            return self.quota * member
        cap = capacity * member
        mean = (seat_sum(cap) if cap_sum is None else cap_sum) / np.maximum(seat_sum(member), 1)
        return self.quota * cap / np.maximum(mean, 1e-12)[:, None]

    def expected_leads(self, spend, breadth, size, lead_rate=None) -> np.ndarray:
        """Expected leads per meeting from promotion spending and breadth of the offer.

        A reference consortium (all quotas paid, every member a distinct product) gets
        ``lead_rate`` (the game's, or one per group where a batch of design points varies it);
        spending and breadth enter with constant elasticities.
        """
        ref_spend = max(self.quota, 1e-9) * size
        spend_f = np.power(np.maximum(spend, 0.0) / ref_spend, self.fund_elasticity) if self.quota > 0 else 1.0
        breadth_f = np.power(np.maximum(breadth, 0.0) / np.maximum(size, 1), self.breadth_elasticity)
        return (self.lead_rate if lead_rate is None else lead_rate) * spend_f * breadth_f

    def routed_share(self, n_members) -> np.ndarray:
        """What each member earns from one lead routed through the consortium."""
        return (1.0 - self.commission) * self.lead_value / np.maximum(n_members, 1)

    @property
    def private_value(self) -> float:
        """What a firm earns by serving a lead alone, outside the consortium."""
        return self.private_share * self.lead_value
