"""The four behavioural profiles of the field guide and the decision interface they share.

The guide's table "Identificar roles de actores" (004:L1883-1951, prose at 004:L1869-1881; DOMAIN.md
§1.1-1.2) describes four kinds of member. Each is a small frozen record with named traits and one
method, ``decide(obs) -> Decision``, vectorised over the firms it is asked about. Anything else that
decides for a firm (a scripted partner in a test, a person at the dashboard) implements the same
method, so the model treats every decision source alike.

At a meeting the model plays the four rules of the guide compiled, seat by seat, in the same
pass that computes what each firm observes (sim/model/kernels.py: ``decide_members`` and its
``_santo``, ``_solido``, ``_tengo``, ``_oportunista``, the same arithmetic in the same order,
float32 where NumPy rounded to float32), and builds an :class:`Observation` only for outside
deciders and for a rule of any other class (one given through :func:`register_rule`, or a
subclass of these four), which it asks through ``decide(obs)``. The ``decide`` methods
of the four classes play the same compiled rule functions (``kernels.rule_decisions``), so each
rule is written once; tests/test_kernels.py checks them against the NumPy rules they replaced, at
every meeting of several scenarios and on random states.

A decision covers the three choices a member makes at a meeting:

* ``commit``: share of its input demand committed to the joint purchase (0 = stays out, openly);
* ``renege``: share of that commitment it does not honour, buying privately instead (furtive);
* ``pay_quota``: whether it pays its quota to the export consortium's fund (seen by the treasurer);
* ``route_lead``: whether a lead it received goes through the consortium or is served privately;
* ``furtive``: whether keeping a lead is hidden (only detection reveals it) or done in the open;
* ``participate``: whether it joins the round at all, where staying out openly pays an outside
  option (``[lab] voluntary``); a firm that stays out neither contributes nor shares the pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from . import kernels
from .vocabulary import LABELS as _LABELS
from .vocabulary import NAMES

SANTO, SOLIDO, TENGO, OPORTUNISTA = (NAMES.index(n) for n in ("santo", "solido", "tengo", "oportunista"))
LABELS = tuple(_LABELS[n] for n in NAMES)


@dataclass
class Observation:
    """What a firm knows when it decides; every field is an array with one entry per firm."""

    tenure: np.ndarray            # meetings since it joined
    expected_coop: np.ndarray     # mean trust in the other members = expected cooperation
    demand: np.ndarray            # units of input it needs this meeting
    renege_gain: np.ndarray       # private gain per committed unit of reneging
    quota_due: np.ndarray         # quota it owes this meeting (0 outside the consortium phase)
    has_lead: np.ndarray          # bool: it received an export lead this meeting
    lead_private: np.ndarray      # what serving that lead alone would earn
    lead_routed: np.ndarray       # what routing it through the consortium earns it
    lead_income: np.ndarray       # expected lead income per meeting as a member
    detect_prob: np.ndarray       # chance a furtive act is detected
    fine: np.ndarray              # fine its next strike would bring (0 without sanctions)
    expulsion_loss: np.ndarray    # membership value lost if its next strike expels it
    cc_intercept: np.ndarray      # its conditional-cooperation schedule (used by sólido ciudadano)
    cc_slope: np.ndarray
    own_gain: np.ndarray          # its expected gain from committing all its demand vs staying out
    others_gain: np.ndarray       # the mean expected gain its commitment brings each other member
    punish_rate: np.ndarray       # money it has learned a shortfall below the others' mean costs it
    detect_belief: np.ndarray     # its own estimate of the chance a furtive act is detected
    sanctions_on: np.ndarray      # bool: the reglamento's sanctions are in force in its group
    min_commit: np.ndarray        # commitment below which the reglamento sanctions (0: no rule)
    pool_value: np.ndarray        # its expected share of the pooled saving if it joins the round
    outside: np.ndarray           # what staying out of the round pays (0: joining is not optional)

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the decisions to return (per-group fields may broadcast over seats)."""
        return np.shape(self.tenure)

    def __len__(self) -> int:
        return int(np.prod(self.shape))

    def take(self, idx) -> Observation:
        """The observation of a subset of firms, by flat index, as 1-D arrays."""
        where = np.unravel_index(np.asarray(idx), self.shape)
        return Observation(**{k: np.broadcast_to(v, self.shape)[where] for k, v in self.__dict__.items()})


@dataclass
class Decision:
    """A decision per firm (arrays aligned with the Observation)."""

    commit: np.ndarray
    renege: np.ndarray
    pay_quota: np.ndarray
    route_lead: np.ndarray
    furtive: np.ndarray
    participate: np.ndarray | None = None  # joins the round (None: every firm does)

    @classmethod
    def cooperate(cls, n) -> Decision:
        """Full cooperation for n firms (n: a count or an array shape)."""
        return cls(np.ones(n), np.zeros(n), np.ones(n, bool), np.ones(n, bool), np.zeros(n, bool))

    @classmethod
    def defect(cls, n, furtive: bool = False) -> Decision:
        """Full defection for n firms: furtive (commit then renege, keep leads) or open."""
        if furtive:
            return cls(np.ones(n), np.ones(n), np.ones(n, bool), np.zeros(n, bool), np.ones(n, bool))
        return cls(np.zeros(n), np.zeros(n), np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool))


# what the compiled rules read of an observation (sim/model/kernels.py: rule_decisions), in order
_RULE_FIELDS = ("expected_coop", "tenure", "cc_intercept", "cc_slope", "own_gain", "others_gain", "punish_rate",
                "fine", "expulsion_loss", "quota_due", "detect_belief", "renege_gain", "demand", "lead_routed",
                "pool_value", "lead_private", "outside", "sanctions_on", "min_commit")


def _by_rule(kind: int, obs: Observation, lead: int = 0, tolerance: float = 0.0, mimic: int = 0,
             threshold: float = 0.0) -> Decision:
    """A built-in profile's decisions for the firms of ``obs``, by the rule the meeting plays compiled.

    One implementation of each rule serves the meeting (``kernels.decide_members``) and every caller
    of ``decide(obs)`` (outside deciders' neighbours, tests, subclasses), so they cannot drift apart.
    """
    shape = obs.shape
    flat = [np.ascontiguousarray(np.broadcast_to(getattr(obs, name), shape)).ravel() for name in _RULE_FIELDS]
    # the reglamento's minimum binds only where its sanctions are in force
    flat[-1] = np.where(flat[-2], flat[-1], 0.0)
    # expected cooperation keeps its dtype (the model's trust is float32), and the threshold takes it
    b = flat[0]
    if b.dtype not in (np.float32, np.float64):
        flat[0] = b = b.astype(np.float64)
    out = kernels.rule_decisions(kind, *flat, lead, tolerance, mimic, b.dtype.type(threshold))
    return Decision(*(x.reshape(shape) for x in out))


class Decider(Protocol):
    """Anything that decides for firms: a profile, a scripted partner, a person."""

    def decide(self, obs: Observation) -> Decision:
        """Return one decision per firm in ``obs``."""
        ...


@dataclass(frozen=True)
class Santo:
    """Santo: collective interest; cooperates, uses the rules and argues for cooperation.

    Source: 004:L1883-1951 ("Interés colectivo", "Hacerlo mejor por el grupo", "Coopera y convencer a
    los otros de que cooperen también", "Cooperativo y uso de reglas"). The model also lets a santo
    report violations it sees (``santo_report``) and lift others' trust (``santo_persuasion``);
    those effects belong to the environment and live in sim/model/governance.py and sim/model/trust.py.
    """

    name: str = "santo"
    label: str = _LABELS["santo"]

    def decide(self, obs: Observation) -> Decision:
        """Always cooperate fully."""
        return Decision.cooperate(obs.shape)


@dataclass(frozen=True)
class SolidoCiudadano:
    """Sólido ciudadano: a conditional cooperator who leads with cooperation and is never furtive.

    Source: 004:L1879-1880 ("dispuesto a trabajar para el interés colectivo si otros lo hacen") and
    the table (moderate self-interest, within moral limits; strategic problem: "obtener suficientes
    jugadores que cooperen como resultado de su cooperación"). It opens its first ``lead`` meetings
    with full cooperation, to get the others to cooperate. After that its cooperation level is a
    linear schedule of the cooperation it expects from the others, ``intercept + slope * expected``,
    clipped to [0, 1]: the "imperfect conditional cooperation" measured by Fischbacher, Gächter &
    Fehr (2001) and Fischbacher & Gächter (2010), whose average schedule starts near zero and rises
    with a slope below one. Each firm carries its own intercept and slope.

    Moderate self-interest: it commits all its demand whenever that pays for itself (its own
    expected gain, plus the peer punishment a shortfall would bring, is positive: a joint purchase
    that reaches its lot), and otherwise its schedule's level, never less than a minimum commitment
    the reglamento sanctions. It pays its quota and routes leads with tolerance: while its level
    stays at or above ``tolerance``, or while the reglamento's sanctions are in force (it keeps
    agreed rules). When it holds back it does so openly.
    """

    lead: int = 1
    tolerance: float = 0.3
    name: str = "solido"
    label: str = _LABELS["solido"]

    def decide(self, obs: Observation) -> Decision:
        """Lead, then match the cooperation expected from the others along its schedule."""
        return _by_rule(kernels.RULE_SOLIDO, obs, lead=self.lead, tolerance=self.tolerance)


@dataclass(frozen=True)
class TengoQueGanar:
    """Tengo que ganar: maximises its payoff relative to the others' mean, and does it openly.

    Source: 004:L1875-1878 (takes advantage of the group's actions; more explicit; "los miembros del
    grupo saben hasta dónde llega su participación") and the table (goal: do better than the other
    players; strategic problem: none). It commits all its demand when that raises its payoff more
    than the others' mean (``own_gain - others_gain`` plus the peer punishment a shortfall would
    bring), else nothing, or the reglamento's minimum commitment when the open sanction for less
    costs it more. In a public-goods game it therefore gives nothing (every unit helps the others as
    much as itself, at a cost only to itself); in a joint purchase under proportional sharing it
    joins when its own saving beats what its volume gives the others. It pays the quota only if
    skipping would cost it more than the quota in an open sanction, and keeps a lead whenever the
    private value beats the sanction it will surely get (routing raises everyone's income alike).
    Everything it does is seen.
    """

    name: str = "tengo"
    label: str = _LABELS["tengo"]

    def decide(self, obs: Observation) -> Decision:
        """Open, relative-payoff participation; defect whenever the open sanction is cheaper."""
        return _by_rule(kernels.RULE_TENGO, obs)


@dataclass(frozen=True)
class Oportunista:
    """Oportunista: maximises its own payoff; betrays while others cooperate, furtively or shamelessly.

    Source: 004:L1871-1874 ("absolutamente interesado en sí mismo", "traiciona tanto como sea
    posible") and the table ("Traicionar tanto como sea posible mientras otros cooperan"; conduct
    "furtivo o sin vergüenza en aprovecharse"). For its first ``mimic`` meetings it cooperates to
    earn trust. After that, when it expects the others to cooperate at least ``threshold`` (it
    exploits cooperators, not defectors), it reneges on the joint purchase and keeps leads whenever
    the private gain beats the expected cost: its own estimate of the chance of detection (learned
    from its furtive acts and how often they were caught, ``detect_belief``) x (the next fine + the
    membership value an expulsion would destroy + the peer punishment it has learned to expect).
    Where the reglamento's sanctions are in force it hides (furtive) and keeps paying its quota;
    where nothing stops it, it is "sin vergüenza": it keeps leads openly and skips the quota.
    """

    mimic: int = 10
    threshold: float = 0.5
    name: str = "oportunista"
    label: str = _LABELS["oportunista"]

    def decide(self, obs: Observation) -> Decision:
        """Cooperate in appearance at first; then betray when it pays, hidden only if rules bite."""
        return _by_rule(kernels.RULE_OPORTUNISTA, obs, mimic=self.mimic, threshold=self.threshold)


# each registered profile's decision rule, built from a scenario's ``profiles`` section
RULES = {
    "santo": lambda traits: Santo(),
    "solido": lambda traits: SolidoCiudadano(lead=traits.solido_lead, tolerance=traits.solido_tolerance),
    "tengo": lambda traits: TengoQueGanar(),
    "oportunista": lambda traits: Oportunista(mimic=traits.oportunista_mimic,
                                              threshold=traits.oportunista_threshold),
}


def register_rule(name: str, build) -> None:
    """The decision rule of a registered profile: ``build(traits)`` returns an object with ``decide(obs)``."""
    if name not in NAMES:
        raise ValueError(f"register profile {name!r} in sim.model.vocabulary first; registered: {NAMES}")
    RULES[name] = build


def build_profiles(traits) -> tuple:
    """One decision rule per registered profile, indexed by profile code, from a scenario's ``profiles`` section."""
    return tuple(RULES[name](traits) for name in NAMES)


# the rules the meeting plays compiled (sim/model/kernels.py: decide_members), by their exact class
_COMPILED = {Santo: kernels.RULE_SANTO, SolidoCiudadano: kernels.RULE_SOLIDO, TengoQueGanar: kernels.RULE_TENGO,
             Oportunista: kernels.RULE_OPORTUNISTA}


def compiled_rules(rules) -> tuple[np.ndarray, ...]:
    """What :func:`sim.model.kernels.decide_members` needs to play ``rules`` (one per profile code).

    Returns ``(rule, lead, tolerance, mimic, threshold)``, arrays indexed by profile code: the
    compiled rule of each profile (``kernels.RULE_*``), or ``kernels.PYTHON_RULE`` for a rule of
    another class (one registered through :func:`register_rule`, or a subclass of a built-in one),
    which the model asks through its ``decide(obs)``; and the traits of the sólido and oportunista
    rules (``threshold`` in float32: the rule compares it with float32 trust, as NumPy does).
    """
    n = len(rules)
    rule = np.full(n, kernels.PYTHON_RULE, np.int8)
    lead, mimic = np.zeros(n, np.int64), np.zeros(n, np.int64)
    tolerance, threshold = np.zeros(n), np.zeros(n, np.float32)
    for k, r in enumerate(rules):
        rule[k] = _COMPILED.get(type(r), kernels.PYTHON_RULE)
        if type(r) is SolidoCiudadano:
            lead[k], tolerance[k] = r.lead, r.tolerance
        elif type(r) is Oportunista:
            mimic[k], threshold[k] = r.mimic, r.threshold
    return rule, lead, tolerance, mimic, threshold


@dataclass
class Scripted:
    """A scripted partner for tests and demonstrations: plays a fixed sequence of moves.

    Each move is ``"C"`` (cooperate fully), ``"D"`` (defect openly) or ``"F"`` (defect furtively:
    commit, renege, keep leads). The last move repeats.
    """

    moves: str
    played: int = 0

    def decide(self, obs: Observation) -> Decision:
        """Play the next move of the script for every firm in ``obs``."""
        move = self.moves[min(self.played, len(self.moves) - 1)]
        self.played += 1
        n = obs.shape
        if move == "C":
            return Decision.cooperate(n)
        return Decision.defect(n, furtive=(move == "F"))


@dataclass
class Manual:
    """A firm played by a person: the dashboard sets the next decision before each step."""

    commit: float = 1.0
    renege: float = 0.0
    pay_quota: bool = True
    route_lead: bool = True
    furtive: bool = True  # a kept lead is hidden (found out only if detected) or declared openly

    def decide(self, obs: Observation) -> Decision:
        """Return the moves the person chose."""
        n = obs.shape
        return Decision(np.full(n, float(self.commit)), np.full(n, float(self.renege)),
                        np.full(n, bool(self.pay_quota)), np.full(n, bool(self.route_lead)),
                        np.full(n, bool(self.furtive)))
