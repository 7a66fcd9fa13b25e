"""The benchmark's fair anchor: what a typical Mesa modeller writes for a much simpler Asocia meeting.

Issue 13 measures the engine against this model. It is written the way the Mesa 3 tutorials and
examples write models (``mesa.Agent`` subclasses holding plain Python attributes, ``model.agents``
with ``shuffle_do`` / ``do``, the model's ``random``, a ``mesa.DataCollector``), honestly and
without deliberate slowness, and without hand-vectorising anything: one firm is one object, its
trust in its peers is a dict, a group is a list of firms.

Every meeting:

1. each firm decides, in random order (``shuffle_do("decide")``), what share of its demand it
   commits to its group's joint purchase, by its profile (conditional cooperation from the mean
   trust in its peers, the cooperation it expects):

   * santo: commits all of it;
   * sólido ciudadano: leads with all of it for its first ``profiles.solido_lead`` meetings, then
     follows its own schedule ``intercept + slope * expected`` (clipped to [0, 1]; each firm draws
     intercept and slope around ``profiles.solido_intercept`` / ``solido_slope`` with
     ``solido_sd``);
   * tengo que ganar: commits, openly, the share it expects the others to commit;
   * oportunista: commits all of it; after ``profiles.oportunista_mimic`` meetings, when it expects
     at least ``profiles.oportunista_threshold``, it reneges furtively (buys privately at the side
     discount) whenever the side gain beats the expected sanction (detection x its next fine);

2. each group pools what its members deliver: below ``joint_purchase.min_lot`` nothing is bought;
   above it the discount ramps linearly from ``discount_min`` to ``discount_max`` at
   ``volume_full``; members save ``list_price x discount - handling_cost`` per delivered unit and
   pay, in proportion to what they delivered, the supplier's ``shortfall_penalty`` on the units
   reneged; a reneger gains ``list_price x side_discount`` per reneged unit;
3. each renege is detected with probability ``rules.monitoring``; a detected reneger gets a strike
   and a graduated sanction (a warning at the first strike if ``sanctions.warning``, then the k-th
   fined strike costs k x ``sanctions.fine``) and is expelled at ``sanctions.expulsion_strikes``;
4. every firm updates its trust in each peer (``do("update_trust")``): towards the cooperation it
   saw (``trust.learning``; a renege nobody detected looks like cooperation), a detected reneger
   loses a share ``trust.betrayal``, a shortfall nobody could explain lowers trust in everyone by
   ``trust.diffuse`` x its share of the group's commitments, a placed order lifts trust by
   ``trust.success`` towards 1, a failed one lowers it by a share ``trust.failure``;
5. a ``DataCollector`` records 7 columns: five per meeting (Cooperation, Trust, Orders, Reneges,
   Detected) and two per firm and meeting (Commit, Payoff).

Population (``population.*``): ``groups`` groups of ``group_size`` firms, each firm's profile
drawn with the scenario's shares, weak (``capacity_weak``) with probability ``weak_share``, else
strong (``capacity_strong``); demand = capacity x ``joint_purchase.demand``; initial trust
``trust.initial``. Every coefficient is read from the scenario.

**Simplifications** with respect to Asocia's model (``sim.model.AsociaModel``), all of which make
this model cheaper per firm and meeting than Asocia's:

* one game only, the joint purchase: no export consortium (quotas, leads, diversion), no
  programme, facilitator, manager, reglamento adoption or decision rule, no conflicts;
* every member attends every meeting; groups are formed once and only shrink by expulsion: no
  entries, voluntary exits, admission, dissolution or slack seats;
* detection is a constant chance (the reglamento's monitoring in force from the first meeting,
  no facilitator information, no santos reporting, no learned belief about detection);
* the four profiles are reduced to the rules above (Asocia's also weigh the expected gain of
  committing, peer punishment, minimum commitments and the value of membership);
* the trust update is a handful of scalar rules (Asocia's also has persuasion, repair after
  betrayal, transparency of the decision rule and the facilitator's trust building);
* the records are 5 model and 2 agent columns, without Asocia's four tables, events and their
  sentences in two languages, or the outcomes row of a run.

Size parameters: ``groups``, ``group_size`` and ``meetings`` (default: the scenario's).
"""

from __future__ import annotations

import mesa

PROFILES = ("santo", "solido", "tengo", "oportunista")


class Firm(mesa.Agent):
    """A member firm: its profile, demand, trust in each peer (a dict) and this meeting's choice."""

    def __init__(self, model: JointPurchaseMeeting, group_id: int, profile: str, capacity: float):
        super().__init__(model)
        pr = model.scenario_params.profiles
        self.group_id = group_id
        self.group: list[Firm] = []           # the members of its group (shared list, itself included)
        self.profile = profile
        self.demand = capacity * model.scenario_params.joint_purchase.demand
        self.cc_intercept = self.random.gauss(pr.solido_intercept, pr.solido_sd)
        self.cc_slope = max(self.random.gauss(pr.solido_slope, pr.solido_sd), 0.0)
        self.trust: dict[int, float] = {}     # unique_id of a peer -> trust in it
        self.tenure = 0
        self.strikes = 0
        self.commit = 0.0                     # share of demand committed this meeting
        self.reneged = False
        self.detected = False
        self.payoff = 0.0                     # this meeting's gain from the joint purchase
        self.wealth = 0.0                     # accumulated gains minus fines

    def expected_cooperation(self) -> float:
        """Mean trust in its peers: the cooperation it expects from them."""
        return sum(self.trust.values()) / len(self.trust) if self.trust else 0.0

    def decide(self) -> None:
        """Commit a share of its demand (and, for an oportunista, maybe renege), by its profile."""
        model = self.model
        pr = model.scenario_params.profiles
        expected = self.expected_cooperation()
        self.reneged = self.detected = False
        if self.profile == "santo":
            self.commit = 1.0
        elif self.profile == "solido":
            if self.tenure < pr.solido_lead:
                self.commit = 1.0
            else:
                self.commit = min(max(self.cc_intercept + self.cc_slope * expected, 0.0), 1.0)
        elif self.profile == "tengo":
            self.commit = expected
        else:  # oportunista
            self.commit = 1.0
            if self.tenure >= pr.oportunista_mimic and expected >= pr.oportunista_threshold:
                jp = model.scenario_params.joint_purchase
                side_gain = jp.list_price * jp.side_discount * self.demand
                self.reneged = side_gain > model.detection * model.fine_for(self.strikes + 1)
        self.tenure += 1

    def update_trust(self) -> None:
        """Revise trust in each peer from what this meeting showed."""
        tr = self.model.scenario_params.trust
        placed, hidden = self.model.outcomes[self.group_id]
        for peer in self.group:
            if peer is self:
                continue
            t = self.trust[peer.unique_id]
            seen = 0.0 if peer.detected else peer.commit
            t += tr.learning * (seen - t)
            if peer.detected:
                t *= 1.0 - tr.betrayal
            t *= 1.0 - tr.diffuse * hidden
            if placed:
                t += tr.success * (1.0 - t)
            else:
                t *= 1.0 - tr.failure
            self.trust[peer.unique_id] = min(max(t, 0.0), 1.0)


class JointPurchaseMeeting(mesa.Model):
    """Groups of firms meeting to buy jointly, in plain per-agent Mesa (see the module docstring)."""

    def __init__(self, scenario, groups: int | None = None, group_size: int | None = None, seed: int = 1):
        super().__init__(rng=seed)
        self.scenario_params = scenario
        pop = scenario.population
        self.detection = scenario.rules.monitoring
        self.sanctions = scenario.sanctions
        n_groups = pop.groups if groups is None else groups
        size = pop.group_size if group_size is None else group_size
        shares = [getattr(pop, name) for name in PROFILES]
        self.groups: list[list[Firm]] = []
        for g in range(n_groups):
            members = []
            for _ in range(size):
                profile = self.random.choices(PROFILES, weights=shares)[0]
                capacity = pop.capacity_weak if self.random.random() < pop.weak_share else pop.capacity_strong
                members.append(Firm(self, g, profile, capacity))
            for firm in members:
                firm.group = members
                firm.trust = {peer.unique_id: scenario.trust.initial for peer in members if peer is not firm}
            self.groups.append(members)
        self.outcomes: list[tuple[bool, float]] = [(False, 0.0)] * n_groups
        self.cooperation = self.mean_trust = self.orders = 0.0
        self.reneges = self.detections = 0
        self.datacollector = mesa.DataCollector(
            model_reporters={"Cooperation": "cooperation", "Trust": "mean_trust", "Orders": "orders",
                             "Reneges": "reneges", "Detected": "detections"},
            agent_reporters={"Commit": "commit", "Payoff": "payoff"},
        )

    def fine_for(self, strike: int) -> float:
        """Fine of a firm's ``strike``-th strike (graduated: a warning first, then k x fine)."""
        fined = strike - 1 if self.sanctions.warning else strike
        return max(fined, 0) * self.sanctions.fine

    def discount(self, volume: float) -> float:
        """The supplier's discount for a pooled order of ``volume`` units."""
        jp = self.scenario_params.joint_purchase
        if volume <= 0 or volume < jp.min_lot:
            return 0.0
        span = jp.volume_full - jp.min_lot
        ramp = min(max((volume - jp.min_lot) / span, 0.0), 1.0) if span > 0 else 1.0
        return jp.discount_min + (jp.discount_max - jp.discount_min) * ramp

    def joint_purchase(self, group_id: int, group: list[Firm]) -> None:
        """One group's pooled order, its payoffs, and detection and sanction of its reneges."""
        jp = self.scenario_params.joint_purchase
        committed = {firm: firm.demand * firm.commit for firm in group}
        delivered = sum(units for firm, units in committed.items() if not firm.reneged)
        reneged = sum(units for firm, units in committed.items() if firm.reneged)
        discount = self.discount(delivered)
        placed = discount > 0
        penalty = jp.shortfall_penalty * reneged if placed else 0.0
        hidden = 0.0
        for firm in group:
            units = committed[firm]
            if not placed:
                firm.payoff = 0.0
            elif firm.reneged:
                firm.payoff = jp.list_price * jp.side_discount * units
            else:
                firm.payoff = (jp.list_price * discount - jp.handling_cost) * units - penalty * units / delivered
            firm.wealth += firm.payoff
            if firm.reneged and placed:
                self.reneges += 1
                if self.random.random() < self.detection:
                    firm.detected = True
                    firm.strikes += 1
                    firm.wealth -= self.fine_for(firm.strikes)
                    self.detections += 1
                else:
                    hidden += units
        total = delivered + reneged
        self.outcomes[group_id] = (placed, hidden / total if total > 0 else 0.0)

    def expel(self) -> None:
        """Members with too many strikes leave their group (and the model)."""
        limit = self.sanctions.expulsion_strikes
        for group in self.groups:
            out = [firm for firm in group if firm.strikes >= limit]
            for firm in out:
                group.remove(firm)
                for peer in group:
                    del peer.trust[firm.unique_id]
                firm.remove()

    def step(self) -> None:
        """One meeting: decide, buy jointly, detect and sanction, update trust, expel, record."""
        self.reneges = self.detections = 0
        self.agents.shuffle_do("decide")
        for group_id, group in enumerate(self.groups):
            self.joint_purchase(group_id, group)
        self.agents.do("update_trust")
        # what was seen this meeting, before anyone leaves
        firms = list(self.agents)
        self.cooperation = sum(0.0 if f.reneged else f.commit for f in firms) / max(len(firms), 1)
        self.mean_trust = sum(f.expected_cooperation() for f in firms) / max(len(firms), 1)
        self.orders = sum(placed for placed, _ in self.outcomes) / max(len(self.outcomes), 1)
        self.datacollector.collect(self)
        self.expel()


def run(scenario, groups: int | None = None, group_size: int | None = None, meetings: int | None = None,
        seed: int = 1) -> JointPurchaseMeeting:
    """Build the anchor model and play ``meetings`` meetings (default: the scenario's ``run.steps``)."""
    model = JointPurchaseMeeting(scenario, groups, group_size, seed)
    for _ in range(scenario.run.steps if meetings is None else meetings):
        model.step()
    return model
