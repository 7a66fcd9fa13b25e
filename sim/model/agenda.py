"""The Asocia model: groups of firms meeting fortnightly under their rules and a facilitator.

``AsociaModel.step()`` is one group meeting, for every group at once, and reads like the agenda:

1. ``advance_lifecycle`` - phases of the intervention model, the facilitator's presence as the
   programme's money pays for it, self-governance, and the milestones a group reaches when it
   is ready: the reglamento, formalisation, the hired manager (004 Tabla 3 and 4);
2. ``hold_meeting`` - who attends, whether there is a quorum, what coordination costs;
3. ``offer_leads`` - promotion spending brings export leads (consortium phase);
4. ``decide`` - every firm decides: its profile's rule, or an outside decider;
5. ``buy_jointly`` - the joint-purchase game;
6. ``run_consortium`` - quotas, leads routed or kept, commissions;
7. ``monitor`` - detection of furtive acts, open violations, graduated sanctions;
8. ``update_trust`` - dyadic trust from what members saw;
9. ``punish`` - costly peer punishment of low contributors, when the scenario allows it;
10. ``resolve_conflicts`` - product overlap and postponed conflicts;
11. ``settle_accounts`` - payoffs (with the programme's flows), going-alone payoffs, engagement,
    who wants out;
12. ``update_membership`` - exits, expulsions, entries, dissolution (firm rows are recorded just
    before it, group rows just after).

With ``[lab] enabled`` the same agenda is the laboratory's public-goods round: everyone attends,
the good is produced whenever members contribute, everyone sees every contribution and beliefs
move only through that observed conduct.

State lives in arrays owned by the model, shaped ``(groups, seats)`` (trust: ``(groups, seats,
seats)``); a seat is empty, or holds one member. Every random draw comes from the group's own
stream, at a fixed place of it (``self.draws``, sim/model/streams.py).
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

import mesa
import numpy as np

from . import facilitator as fac
from . import governance as gov
from . import kernels, points, state
from . import programme as prog
from . import trust as tr
from .firm import Firm
from .games import ExportGame, JointPurchaseGame, PurchaseOutcome
from .profiles import OPORTUNISTA, SANTO, SOLIDO, TENGO, Observation, build_profiles, compiled_rules
from .recorder import Recorder
from .scenario import PROFILES, Scenario
from .streams import Draws
from .vocabulary import GAMES, EventKind, Phase

# event kinds (codes stored in the events table; sentences in sim/model/narrative.py)
# (sim/model/vocabulary.py: EventKind; plain ints here, as the recorder stores them)
EV_ENTRY, EV_EXIT, EV_EXPULSION, EV_REJECTED = (int(EventKind[k]) for k in ("ENTRY", "EXIT", "EXPULSION",
                                                                            "REJECTED"))
EV_RENEGE, EV_DIVERSION, EV_QUOTA_SKIP = (int(EventKind[k]) for k in ("RENEGE", "DIVERSION", "QUOTA_SKIP"))
EV_CONFLICT, EV_FACILITATOR, EV_PHASE, EV_RULES, EV_DISSOLUTION, EV_PURCHASE_FAILED = (
    int(EventKind[k]) for k in ("CONFLICT", "FACILITATOR", "PHASE", "RULES", "DISSOLUTION", "PURCHASE_FAILED"))
EV_PROGRAMME, EV_HANDOVER, EV_MANAGER = (int(EventKind[k]) for k in ("PROGRAMME", "HANDOVER", "MANAGER"))
HANDOVER_MARK = 0.5  # self-governance at which the group coordinates half its work itself (an event)
EV_LOW_COMMIT = int(EventKind.LOW_COMMIT)
# the life cycle's milestones in the order advance_lifecycle reports them: (row of
# kernels.advance_groups' ``happened``, event kind, code)
LIFECYCLE_EVENTS = ((kernels.LC_PHASE2, EV_PHASE, Phase.II), (kernels.LC_RULES, EV_RULES, None),
                    (kernels.LC_PHASE3, EV_PHASE, Phase.III), (kernels.LC_SIGNED, EV_RULES, None),
                    (kernels.LC_PHASE4, EV_PHASE, Phase.IV), (kernels.LC_MANAGER, EV_MANAGER, 0))


FIRM_KEY_BITS = 32  # in a batch, replication r's firm i has the key r << 32 | i
# what AsociaModel._roster holds, in the order kernels.roster_rows returns it
ROSTER = ("n", "p_attend", "santo", "not_santo", "demand", "quota", "routed", "lead_routed", "share", "alone",
          "tc_roster")


def _cdf(p: np.ndarray) -> np.ndarray:
    """The normalised cumulative sum of probabilities ``p`` (what :func:`_categorical` looks draws up in)."""
    cdf = p.cumsum()
    cdf /= cdf[-1]
    return cdf


def _categorical(u: np.ndarray, p: np.ndarray, cdf: np.ndarray | None = None) -> np.ndarray:
    """Categories of uniform draws ``u`` with probabilities ``p`` (as ``Generator.choice`` maps them).

    Each draw is looked up in the normalised cumulative sum of ``p`` (``cdf``, when made already).
    """
    return (_cdf(p) if cdf is None else cdf).searchsorted(u, side="right")


class AsociaModel(mesa.Model):
    """Associative groups of small firms playing joint-purchase and export-consortium games."""

    def __init__(self, scenario: Scenario, seed: int | None = None, deciders: dict | None = None, *,
                 seeds=None, scenarios=None):
        """Build the groups of a scenario (of one replication, or of several played side by side).

        Args:
            scenario: a validated :class:`sim.model.scenario.Scenario`.
            seed: integer seed of this run (defaults to ``scenario.run.seed``); strings are refused.
            deciders: optional ``{firm_id: decider}`` for firms decided from outside the model.
            seeds: instead of ``seed``, the seeds of several replications played as one batch:
                replication ``r`` holds groups ``r * G .. (r + 1) * G - 1`` and draws from its own
                streams (sim/model/streams.py), so its tables equal those of a run with that seed alone.
            scenarios: with ``seeds``, one scenario per replication (design points played side by
                side); ``scenario`` is the first. They may differ only in the parameters of
                :data:`sim.model.points.BATCHABLE`, which the model reads per group.

        """
        if seeds is None:
            seeds = [scenario.run.seed if seed is None else seed]
        elif seed is not None:
            raise TypeError("give seed or seeds, not both")
        for value in seeds:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"seed must be an int, got {type(value).__name__} {value!r}")
        if not len(seeds):
            raise ValueError("seeds: at least one replication")
        if deciders and len(seeds) > 1:
            raise ValueError("outside deciders need a single run, not a batch")
        if scenarios is not None and (len(scenarios) != len(seeds) or scenarios[0] is not scenario):
            raise ValueError("scenarios: one per seed, the first being scenario")
        super().__init__(rng=int(seeds[0]))
        self.seed = int(seeds[0])
        self.seeds = [int(x) for x in seeds]
        self.reps = len(self.seeds)
        self.config = s = scenario
        self.purchase_game = JointPurchaseGame.from_scenario(s.joint_purchase)
        self.export_game = ExportGame.from_scenario(s.export)
        # registered games (sim.model.vocabulary.register_game), each built from its own section
        self.games = [(g.name, g.build(getattr(s, g.name))) for g in GAMES]
        self.profiles = build_profiles(s.profiles)
        # the built-in profiles decide compiled; a profile whose rule is written in Python is asked
        self._rules = compiled_rules(self.profiles)
        self._python_rules = np.flatnonzero(self._rules[0] == kernels.PYTHON_RULE).tolist()
        self.rule = gov.decision_rule(s.rules)
        self.deciders: dict[int, object] = {}
        pop = s.population
        G0, C = pop.groups, pop.group_size + pop.slack
        G = G0 * self.reps
        self.G, self.C, self.G0 = G, C, G0
        # every (replication, group) has its own random stream (sim/model/streams.py)
        self.draws = Draws(self.seeds, G0, C)
        self.rep_of = np.repeat(np.arange(self.reps), G0)   # the replication of each group
        # each replication's scenario, and the parameters a batch of design points varies per group
        self.points = [s] * self.reps if scenarios is None else list(scenarios)
        self.vary = {} if scenarios is None else points.per_group(self.points, G0)
        self._next_firm = np.ones(self.reps, np.int64)       # each replication numbers its firms from 1
        self.t = 0
        f0 = (G, C)
        state.allocate(self, f0)   # every per-seat array, declared in sim/model/state.py
        self.lab = s.lab.enabled
        state.allocate_meeting(self, f0)   # what agenda items pass each other (sim/model/state.py)
        initial = self._per_group("trust.initial", s.trust.initial)
        self.T = np.empty((G, C, C), dtype=np.float32)
        self.T[...] = np.asarray(initial, np.float32).reshape(-1, 1, 1)
        state.allocate_groups(self, G)   # every per-group array with a common start (sim/model/state.py)
        # the arrays a compiled agenda item writes over at every meeting, in place (sim/model/state.py)
        self._out = state.written_in_place(self)
        self._fac_events = [fac.transitions(p.facilitator.schedule, p.facilitator.exit_at, p.facilitator.taper_from)
                            for p in self.points[:1 if self._fac_same else None]]
        f_start = self._presence(0)
        if s.programme.facilitator_cost > 0 and s.programme.budget <= 0:
            f_start = 0.0  # a programme without money brings no facilitator
        self.f = np.full(G, f_start)
        self.self_gov = np.where(self.f > 0, 0.0, s.lifecycle.self_gov_initial)
        # the programme's account per group and this meeting's money flows (sim/model/programme.py)
        self.programme_left = np.full(G, s.programme.budget)
        self.support_over = self.f <= 0
        # the facilitator brings "un capital inicial de confianza y credibilidad" (004:L846-851)
        tr.lift(self.T, f_start * s.facilitator.initial_trust)
        self.firms: dict[int, Firm] = {}
        # every roster change (seating, leaving, re-matching) bumps this, so per-roster quantities
        # cached by ``_roster`` are recomputed exactly when they can have changed
        self._roster_version = 0
        self._roster_dirty = np.ones(G, bool)
        self._roster_cache = None
        self._filled = {}   # (parameter, value) -> one float64 per group (_group_values)
        self._attr_cdfs = None   # the profile and disposition mixes newcomers are drawn from (_firm_attrs)
        self._lead_private = np.full((G, 1), self.export_game.private_value)
        self._lead_private.flags.writeable = False
        self.log = Recorder(self)
        self._found_groups()
        self._refresh_trust()
        for fid, decider in (deciders or {}).items():
            self.set_decider(fid, decider)

    # ------------------------------------------------------------------ parameters per group
    def _per_group(self, key: str, value):
        """A parameter for every group: the scenario's ``value``, or one per group where the batch varies it."""
        return self.vary.get(key, value)

    def _at(self, key: str, value, rows):
        """As :meth:`_per_group`, for groups ``rows`` only (a slice or group indices)."""
        v = self.vary.get(key)
        return value if v is None else v[rows]

    def _group_values(self, key: str, value) -> np.ndarray:
        """As :meth:`_per_group`, always one float64 per group (what the compiled agenda items take).

        Made once per parameter and value and shared by every meeting (a workshop that amends the
        rules gets new arrays for its new values): the kernels only read them.
        """
        v = self.vary.get(key)
        if v is not None:
            return np.asarray(v, np.float64)
        made = self._filled.get((key, value))
        if made is None:
            made = self._filled[(key, value)] = np.full(self.G, float(value))
        return made

    @functools.cached_property
    def _fac_same(self) -> bool:
        """Every replication has the same facilitator calendar (its presence needs no per-group values)."""
        return not any(k in self.vary for k in ("facilitator.schedule", "facilitator.exit_at",
                                                "facilitator.taper_from"))

    def _presence(self, t: int):
        """The facilitator's planned presence at meeting ``t``: one number, or one per group."""
        if self._fac_same:
            fs = self.config.facilitator
            return fac.presence(fs.schedule, t, fs.exit_at, fs.taper_from)
        fs = [p.facilitator for p in self.points]
        return np.array([fac.presence(f.schedule, t, f.exit_at, f.taper_from) for f in fs])[self.rep_of]

    # ------------------------------------------------------------------ population
    def _firm_attrs(self, gs, u_profile, u_weak, products, u_disposition, z_a, z_b):
        """Attributes of new firms in groups ``gs`` from their draws (uniforms, products, standard normals)."""
        pop, pr = self.config.population, self.config.profiles
        cdfs = self._attr_cdfs
        if cdfs is None:   # the population's mixes, made once (amend_rules cannot change the population)
            keys = [f"population.{p}" for p in PROFILES]
            shares = np.array([getattr(pop, p) for p in PROFILES])
            disp = np.array([pop.active, pop.passive, pop.barely])
            varied = any(k in self.vary for k in keys)
            cdfs = self._attr_cdfs = (None if varied else _cdf(shares / shares.sum()), _cdf(disp / disp.sum()))
        if cdfs[0] is None:   # design points with their own profile mix
            keys = [f"population.{p}" for p in PROFILES]
            shares = np.stack([np.broadcast_to(self._per_group(k, getattr(pop, p)), self.G)
                               for k, p in zip(keys, PROFILES, strict=True)], axis=1)
            p = shares / shares.sum(axis=1, keepdims=True)
            cdf = p.cumsum(axis=1)
            cdf /= cdf[:, -1:]
            profile = (cdf[gs] <= u_profile[:, None]).sum(axis=1)   # as searchsorted(side="right")
        else:
            profile = _categorical(u_profile, None, cdfs[0])
        weak = u_weak < pop.weak_share
        cap_weak = self.vary.get("population.capacity_weak")
        capacity = np.where(weak, pop.capacity_weak if cap_weak is None else cap_weak[gs], pop.capacity_strong)
        disposition = _categorical(u_disposition, None, cdfs[1])
        cc_a = pr.solido_intercept + pr.solido_sd * z_a
        cc_b = np.maximum(pr.solido_slope + pr.solido_sd * z_b, 0.0)
        return profile, capacity, np.asarray(products, np.int64), disposition, cc_a, cc_b

    def _seat_many(self, gs, ss, attrs):
        """Seat new firms (one Mesa agent each) in seats (gs, ss), attributes from ``attrs``."""
        profile, capacity, products, disposition, cc_a, cc_b = attrs
        # each replication numbers its firms 1, 2, ... in the order they are seated; in a batch the
        # key of replication r's firm i is r * 2**32 + i (the tables give each replication its own)
        if self.reps == 1:   # one replication: its next numbers, in seating order (as below, for r = 0)
            ids = self._next_firm[0] + np.arange(len(gs), dtype=np.int64)
            self._next_firm[0] += len(gs)
        else:
            reps = self.rep_of[gs]
            order = np.argsort(reps, kind="stable")   # each replication's newcomers, in seating order
            by_rep = reps[order]
            rank = np.arange(len(gs)) - np.searchsorted(by_rep, by_rep, side="left")
            ids = np.empty(len(gs), np.int64)
            ids[order] = (by_rep << FIRM_KEY_BITS) + self._next_firm[by_rep] + rank
            self._next_firm += np.bincount(reps, minlength=self.reps)
        # one agent per firm, registered with the model; built directly because Agent.create_agents
        # also builds an AgentSet we do not use (that doubles the cost: 0.22 s against 0.13 s for
        # 10,000 firms)
        agents = [Firm(self, seat, fid) for seat, fid in zip(zip(gs.tolist(), ss.tolist(), strict=True),
                                                             ids.tolist(), strict=True)]
        self.firms.update(zip(ids.tolist(), agents, strict=True))
        self.member[gs, ss] = True
        self.firm_id[gs, ss] = ids
        self.profile[gs, ss] = profile
        self.capacity[gs, ss] = capacity
        self.product[gs, ss] = products
        self.disposition[gs, ss] = disposition
        self.cc_a[gs, ss] = cc_a
        self.cc_b[gs, ss] = cc_b
        state.reset_for_newcomers(self, gs, ss)
        self.changed[gs] = True
        self._roster_changed(gs)

    def _found_groups(self):
        """The facilitator's call: founding members of every group (Phase I selection).

        Each group draws its founders from its own stream (sim/model/streams.py): uniforms for profile,
        capacity and disposition, then the products, then two standard normals per founder.
        """
        pop = self.config.population
        G, n = self.G, pop.group_size
        dipat = self.config.export.dipat or self.config.rules.admission == "dipat"
        u = np.empty((3, G, n))
        z = np.empty((2, G, n))
        products = np.empty((G, n), np.int64)
        for g, gen in enumerate(self.draws.groups):
            u[:, g] = gen.random((3, n))
            # DIPAT: founding members are chosen so that no two offer the same product
            if dipat and pop.products < n:
                products[g] = np.arange(n) % pop.products
            elif dipat:
                products[g] = gen.choice(pop.products, n, replace=False)
            else:
                products[g] = gen.integers(0, pop.products, size=n)
            z[:, g] = gen.standard_normal((2, n))
        gs, ss = np.repeat(np.arange(G), n), np.tile(np.arange(n), G)
        attrs = self._firm_attrs(gs, u[0].ravel(), u[1].ravel(), products.ravel(), u[2].ravel(),
                                 z[0].ravel(), z[1].ravel())
        self._seat_many(gs, ss, attrs)
        self.founder[gs, ss] = True
        present = self.f > 0
        self.log.events_groups(EV_FACILITATOR, np.flatnonzero(present), code=0)
        self.log.events_groups(EV_PHASE, np.flatnonzero(~present), code=1)

    def set_decider(self, firm_id: int, decider) -> None:
        """Let something outside the model (a script, a person) decide for a member firm."""
        if firm_id not in self.firms or self.firms[firm_id].seat is None:
            raise KeyError(f"no member firm with id {firm_id}")
        self.deciders[int(firm_id)] = decider

    def amend_rules(self, scenario: Scenario) -> None:
        """Adopt another reglamento from the next meeting on (a workshop group's vote).

        Only the ``rules`` and ``sanctions`` sections may differ from the running scenario: the
        population, the games and the calendar stay as they were. Cached quantities that depend on
        the rules (transaction costs, lead shares, the next sanction) are recomputed.

        Raises:
            ValueError: another section differs.

        """
        for name in ("meta", "run", "population", "profiles", "joint_purchase", "export", "trust",
                     "facilitator", "lifecycle"):
            if getattr(scenario, name) != getattr(self.config, name):
                raise ValueError(f"amend_rules changes only rules and sanctions, not '{name}'")
        if self.vary:
            raise ValueError("amend_rules plays one scenario, not a batch of design points")
        self.config = scenario
        self.points = [scenario] * self.reps
        self.rule = gov.decision_rule(scenario.rules)
        self._roster_changed(slice(None))

    def seat_of(self, firm_id: int) -> tuple[int, int] | None:
        """(group, seat) of a current member; None for a firm that has left its group."""
        return self.firms[firm_id].seat

    # ------------------------------------------------------------------ the meeting
    def step(self) -> None:
        """One group meeting (a fortnight), for every group at once."""
        self.draws.meeting(self.t)
        self.advance_lifecycle()
        self.hold_meeting()
        self.offer_leads()
        self.decide()
        self.buy_jointly()
        self.run_consortium()
        self.play_games()
        self.monitor()
        self.update_trust()
        self.punish()
        self.resolve_conflicts()
        self.settle_accounts()
        self.log.record_firms()
        self.update_membership()
        self.log.record_groups()
        self.t += 1

    def advance_lifecycle(self) -> None:
        """Phases, facilitator presence and the reglamento (kernels.advance_groups), then their events.

        The planned date of the reglamento is a target: a group adopts it "cuando los participantes
        estén preparados para adoptar medidas concretas" (004:L1970-1971), i.e. once its members
        trust each other enough to bind themselves; ``adopt_at`` = 0 founds the group with its rules
        (a laboratory design), without a decision. Participative planning follows the reglamento
        (or its planned date, without rules). A patient group formalises when ready: trust, and a
        routine it runs itself (Tabla 4); formalising (the consortium agreement) can come early: a
        group that does not wait skips participative planning and signs its reglamento with the
        agreement, and what it has not yet worked out (the distrust it carries and the share of the
        integration period it skipped, about a year, 004 Tabla 4) comes back as conflicts. The
        group hires a manager (gerente) once its routine is its own (``manager.readiness``; 004 Tabla 4).
        """
        s, t = self.config, self.t
        fs, lc, pg, mg, ru = s.facilitator, s.lifecycle, s.programme, s.manager, s.rules
        if s.joint_purchase.matching == "random" and t > 0:
            self._rematch()
        if self._fac_same:   # one presence for every group: its array is made once per value
            presence = self._group_values("facilitator.presence", self._presence(t))
        else:
            presence = self._presence(t)
        share = prog.copay_share(t, pg.copay_from, pg.copay_ramp, pg.copay_max)
        skipped = max(0.0, 1.0 - t / lc.integration_time) if lc.integration_time else 0.0
        self_gov = self.self_gov   # as it stood when the programme's money ran out (an event's amount)
        (self.f, self.programme_left, self.programme_paid, self.facilitator_copay, self.leadership, self.self_gov,
         happened, events) = kernels.advance_groups(
            t, presence, self.alive, self.support_over, self.programme_left, self_gov, self.trust_now, self.member,
            self.disposition, self.handed, self.phase, self.rules_on, self.formalised, self.backlog, self.manager,
            float(pg.facilitator_cost), float(share), float(fs.driver_share), float(fs.empowerment),
            float(lc.self_gov_rate), HANDOVER_MARK, int(lc.phase2_at), bool(ru.enabled), int(ru.adopt_at),
            float(s.milestones.rules_trust), int(lc.consortium_at), bool(lc.patient), float(lc.formalise_trust),
            float(s.milestones.consortium_self_gov), float(skipped), bool(mg.enabled), int(mg.hire_at),
            float(mg.readiness))
        supported = happened[kernels.LC_SUPPORTED]
        log = self.log
        counts = events.tolist()   # one conversion: indexing a NumPy array makes a scalar object each time
        if t == pg.copay_from and pg.copay_max > 0 and counts[kernels.LC_SUPPORTED]:
            log.events_groups(EV_PROGRAMME, np.flatnonzero(supported), code=0)
        # the money ran out: the facilitator does not come back (a permanent facilitator stays
        # "until the programme's money ends")
        if counts[kernels.LC_SPENT]:
            gs = np.flatnonzero(happened[kernels.LC_SPENT])
            log.events_groups(EV_PROGRAMME, gs, code=1, amount=self_gov[gs])
        if counts[kernels.LC_HANDED]:
            gs = np.flatnonzero(happened[kernels.LC_HANDED])
            log.events_groups(EV_HANDOVER, gs, amount=self.f[gs])
        if t > 0:
            self._facilitator_transitions(t, supported)
        for row, kind, code in LIFECYCLE_EVENTS:
            if counts[row]:
                gs = np.flatnonzero(happened[row])
                if kind == EV_MANAGER:
                    log.events_groups(kind, gs, code=0, amount=mg.salary)
                else:
                    log.events_groups(kind, gs, code=code)

    def _facilitator_transitions(self, t, supported) -> None:
        """The facilitator's calendar: events where it tapers or leaves (each replication its own)."""
        for r, calendar in enumerate(self._fac_events):
            if t not in calendar:
                continue
            code = {"enter": 0, "taper": 1, "exit": 2}[calendar[t]]
            mine = supported if len(self._fac_events) == 1 else supported & (self.rep_of == r)
            self.log.events_groups(EV_FACILITATOR, np.flatnonzero(mine), code=code)
            if code == 2:
                self.support_over |= mine

    def hold_meeting(self) -> None:
        """Attendance, quorum and coordination capacity (kernels.hold_groups).

        Members who trust the group less come less (participation follows trust, 004:L720-741); a
        hired manager takes over coordination (004:L1423-1429).
        """
        s = self.config
        r = self._roster()
        pop = s.population
        n = r.n
        self.n_members = n
        out = self._out["hold_meeting"]   # written over in place (state.IN_PLACE)
        kernels.hold_groups(
            self.member, r.p_attend, self.trust_given, self.engagement, self.draws.u("attend", contiguous=True),
            self.draws.u1("coordinate", contiguous=True), n, self.rules_on, self.self_gov, self.f, self.manager,
            self.alive, self.phase, np.float32(pop.attend_base), np.float32(pop.attend_trust), bool(self.lab),
            float(s.rules.quorum), float(s.manager.coordination), float(s.lifecycle.coordination_gain),
            bool(self.lab and not s.lab.coordination_failure), bool(s.export.enabled), *out)
        (self.attend, self.quorum_ok, self.capacity_coord, self.p_coord, self.coordinated, self.purchase_open,
         self.consortium_open) = out

    def offer_leads(self) -> None:
        """Promotion spending and the breadth of the offer bring export leads."""
        open_ = self.consortium_open
        if not open_.any():
            self.spend = np.zeros(self.G)
            self.lead_lambda = np.zeros(self.G)
            self.has_lead = np.zeros((self.G, self.C), bool)
            return
        eg = self.export_game
        spend = np.where(open_, self.fund * eg.spend_rate, 0.0)
        self.fund = self.fund - spend
        self.spend = spend
        if self.changed.any():
            self._roster_measures(np.flatnonzero(self.changed))
            self.changed[:] = False
        expected = eg.expected_leads(spend, self.breadth, self.config.population.group_size,
                                     self.vary.get("export.lead_rate"))
        # a manager searches for leads full time (004:L2683-2686)
        self.lead_lambda, self.has_lead = kernels.lead_draws(
            open_, np.asarray(expected, np.float64), self.manager, float(self.config.manager.lead_search),
            self.n_members, self.member, self.draws.u("lead", contiguous=True))

    def _roster_measures(self, gs) -> None:
        """Breadth of the offer and product overlaps of groups whose roster changed."""
        kernels.roster_measures(gs, self.member, self.product, self.breadth, self.overlap)   # in place

    def _roster_changed(self, rows) -> None:
        """Groups ``rows`` (mask or indices) have a new roster: their cached roster quantities are stale."""
        self._roster_dirty[rows] = True
        self._roster_version += 1

    def _roster(self) -> SimpleNamespace:
        """Quantities that depend only on who sits where, recomputed for the groups whose roster changed.

        A small run spends most of a meeting on NumPy call overhead, and these are a good share of
        the calls. A large run changes a few rosters per meeting, so when at most a quarter of the
        groups changed only their rows are recomputed, in place: these arrays are meant to be read
        at the meeting they belong to (the recorder copies what it keeps), not held across a
        roster change. They are read-only so that nothing can change a cached value by mistake.
        """
        r = self._roster_cache
        if r is not None and r.version == self._roster_version:
            return r
        dirty = self._roster_dirty
        if r is not None and np.count_nonzero(dirty) * 4 <= self.G:
            # a few groups changed: rewrite their rows in place
            gs = np.flatnonzero(dirty)
            for name, value in self._roster_rows(gs).items():
                full = r.fields[name]
                full.flags.writeable = True
                full[gs] = value
                full.flags.writeable = False
            dirty[:] = False
            r.version = self._roster_version
            return r
        f = fields = self._roster_rows(slice(None))
        for value in fields.values():
            value.flags.writeable = False
        dirty[:] = False
        r = SimpleNamespace(
            version=self._roster_version,
            fields=fields,
            **f,
        )
        self._roster_cache = r
        return r

    def _roster_rows(self, rows) -> dict[str, np.ndarray]:
        """The roster quantities of groups ``rows`` (a slice or group indices), one array per name.

        One compiled pass over those groups and their seats (:func:`sim.model.kernels.roster_rows`).
        """
        s = self.config
        pop, lc, eg = s.population, s.lifecycle, self.export_game
        gs = np.arange(self.G) if isinstance(rows, slice) else np.asarray(rows, np.int64)
        values = kernels.roster_rows(
            gs, self.member, self.capacity, self.profile, self.disposition,
            np.array([pop.attend_active, pop.attend_passive, pop.attend_barely], np.float64), SANTO,
            s.rules.cost_sharing == "proportional", float(eg.commission), float(eg.lead_value), float(eg.quota),
            float(s.joint_purchase.demand), float(lc.base_income + s.export.solo_lead_rate * eg.private_value),
            float(self.rule.lead_miss), self._group_values("population.diversity", pop.diversity),
            float(pop.diversity_capacity), self._group_values("lifecycle.tc_base", lc.tc_base), float(lc.tc_size),
            float(lc.tc_diversity), float(self.rule.tc_factor))
        return dict(zip(ROSTER, values, strict=True))

    def _observe(self) -> SimpleNamespace:
        """What every seat knows before deciding, and the decisions of the built-in profiles (compiled).

        One pass of :func:`sim.model.kernels.decide_members` over groups and seats: each group's chance
        of detection, each seat's next sanction, what it knows and its profile's decision. Sets
        ``detect`` and ``quota_due``, which the later agenda items read.
        """
        s = self.config
        jg, sa = self.purchase_game, s.sanctions
        r = self._roster()
        outside = s.lab.outside if self.lab and s.lab.voluntary else 0.0
        shares, choices, known, self.quota_due, self.detect = kernels.decide_members(
            *self._rules, self.profile, self.member, self.tenure, self.trust_given, self.cc_a, self.cc_b,
            self.punish_rate, self.tries, self.caught, self.ema_gain, self.strikes, self.attend, r.santo,
            self.rules_on, self._group_values("rules.monitoring", s.rules.monitoring),
            float(s.rules.natural_detection), self.f, float(s.facilitator.information),
            self._santo_pass(s.profiles.santo_report), bool(self.lab), bool(sa.enabled), bool(sa.warning),
            self._group_values("sanctions.fine", sa.fine),
            self._group_values("sanctions.expulsion_strikes", sa.expulsion_strikes), r.demand, r.quota,
            r.lead_routed, self.p_coord, self.consortium_open, float(s.rules.min_commit), float(outside),
            float(s.profiles.oportunista_prior), float(s.profiles.oportunista_horizon),
            self.export_game.private_value, *jg._schedule(), jg.handling_cost, jg.side_discount,
            jg.sharing == "equal")
        # views of the blocks (indexing, not unpacking: iterating an array costs a few microseconds)
        decisions = dict(commit=shares[0], renege=shares[1], pay_quota=choices[0], route_lead=choices[1],
                         furtive=choices[2], participate=choices[3])
        return SimpleNamespace(decisions=decisions, seen=SimpleNamespace(known=known, outside=outside))

    def _santo_pass(self, santo_report: float) -> np.ndarray:
        """``(1 - santo_report) ** k`` for k = 0..seats: the chance that k attending santos all miss a furtive act.

        NumPy's power (it may differ from the C library's in the last bit), made once per value.
        """
        key = ("profiles.santo_report:pass", santo_report)
        made = self._filled.get(key)
        if made is None:
            made = self._filled[key] = np.power(1.0 - santo_report, np.arange(self.C + 1))
        return made

    def _observation(self, seen) -> Observation:
        """The :class:`Observation` of every seat, from what :meth:`_observe` computed."""
        s, r = self.config, self._roster()
        col = (self.G, 1)  # per-group values broadcast over seats
        sanctions_on = (self.rules_on & s.sanctions.enabled).reshape(col)
        own_gain, others_gain, pool_value, renege_gain, detect_belief, expulsion_loss, fine = seen.known
        return Observation(
            tenure=self.tenure,
            expected_coop=self.trust_given,
            demand=r.demand,
            renege_gain=renege_gain,
            quota_due=self.quota_due,
            has_lead=self.has_lead,
            lead_private=self._lead_private,
            lead_routed=r.lead_routed,
            lead_income=self.lead_lambda[:, None] * r.routed,
            detect_prob=self.detect.reshape(col),
            fine=fine,
            expulsion_loss=expulsion_loss,
            cc_intercept=self.cc_a,
            cc_slope=self.cc_b,
            own_gain=own_gain,
            others_gain=others_gain,
            punish_rate=self.punish_rate,
            detect_belief=detect_belief,
            sanctions_on=sanctions_on,
            min_commit=np.where(sanctions_on, s.rules.min_commit, 0.0),
            pool_value=pool_value,
            outside=np.full(col, seen.outside),
        )

    def observation(self) -> Observation:
        """What every seat knows before deciding (``(groups, seats)`` arrays; per-group ones ``(groups, 1)``)."""
        return self._observation(self._observe().seen)

    def decide(self) -> None:
        """Every firm decides, by its profile's rule or by its outside decider.

        The four profiles of the guide decide in the compiled pass of :meth:`_observe`; a profile
        whose rule is written in Python (``profiles.register_rule``) and every outside decider are
        asked through ``decide(obs)``, with the :class:`Observation` built only then.
        """
        seen = self._observe()
        out = seen.decisions
        if self._python_rules or self.deciders:
            obs = self._observation(seen.seen)
            for k in self._python_rules:
                d, mine = self.profiles[k].decide(obs), self.profile == k
                for name in out:
                    value = getattr(d, name)
                    out[name][mine] = np.broadcast_to(True if value is None else value, mine.shape)[mine]
            for fid, decider in self.deciders.items():
                agent = self.firms.get(fid)
                if agent is None or agent.seat is None:
                    continue
                g, s_ = agent.seat
                d = decider.decide(obs.take(np.array([g * self.C + s_])))
                for name in out:
                    out[name][g, s_] = np.ravel(getattr(d, name))[0]
        # members only, shares in [0, 1]; a firm that stays out of the round (where that is allowed)
        # neither commits nor reneges
        (self.participate, self.commit, self.renege, self.pay_quota, self.route_lead,
         self.furtive) = kernels.member_decisions(out["commit"], out["renege"], out["pay_quota"], out["route_lead"],
                                                  out["furtive"], out["participate"], self.member,
                                                  bool(self.config.lab.voluntary and self.lab))

    def buy_jointly(self) -> None:
        """The joint-purchase game for every group."""
        # JointPurchaseGame.play's round, commitments counted where the purchase is open, and the failed
        # purchases, in one compiled pass (kernels.purchase_round; the model's arrays are already contiguous)
        jg = self.purchase_game
        volume, disc, placed, bill, payment, net, failed, n_failed = kernels.purchase_round(
            self._roster().demand, self.commit, self.renege, self.participate, self.coordinated, self.purchase_open,
            self.member, *jg._schedule(), jg.handling_cost, jg.side_discount, jg.shortfall_penalty,
            jg.sharing == "equal")
        self.purchase = PurchaseOutcome(volume, disc, placed, bill, payment, net)
        self.purchase_failed = failed
        if n_failed:
            gs = np.flatnonzero(failed)
            self.log.events_groups(EV_PURCHASE_FAILED, gs, code=self.quorum_ok[gs], amount=volume[gs])

    def run_consortium(self) -> None:
        """Quotas into the fund; each lead routed through the consortium or kept privately."""
        if not self.consortium_open.any():
            zero = np.zeros((self.G, self.C))
            no = np.zeros((self.G, self.C), bool)
            self.quota_paid, self.lead_income, self.commission = zero, zero, np.zeros(self.G)
            self.leads_routed = self.leads_missed = self.leads_kept = self.clash = no
            return
        eg = self.export_game
        s = self.config
        d = self.draws
        # paid_in grows in place; a lead in a product that other members also offer means internal
        # competition (clash)
        (self.quota_paid, self.fund, self.commission, self.lead_income, self.leads_routed, self.leads_missed,
         self.leads_kept, self.clash) = kernels.consortium_round(
            self.quota_due, self.pay_quota, self.fund, self.paid_in, self.has_lead, self.route_lead,
            self.capacity_coord, d.u("miss", contiguous=True), self._roster().share, self.overlap,
            d.u("clash", contiguous=True), float(self.rule.lead_miss), float(s.export.miss_coordination),
            float(eg.commission), float(eg.lead_value), float(eg.private_value), float(s.export.overlap_conflict))

    def play_games(self) -> None:
        """The registered games (sim.model.vocabulary.register_game), each over all groups at once.

        Their payoffs go to the members' accounts (``settle_accounts``), the conduct the others saw to
        the trust update, one act per game seen.
        """
        self.game_rounds = {name: game.play(self) for name, game in self.games}
        if not self.games:
            return
        rounds = list(self.game_rounds.values())
        self.game_income = np.where(self.member, sum(r.payoff for r in rounds), 0.0)
        self.game_acts = sum((r.seen & self.member).astype(np.int64) for r in rounds)
        self.game_coop = sum(np.where(r.seen & self.member, r.conduct, 0.0) for r in rounds)

    def monitor(self) -> None:
        """Detection of furtive acts, open violations and graduated sanctions (kernels.monitor_members)."""
        s = self.config
        sa = s.sanctions
        # each firm learns how often its furtive acts are caught (tries, caught), strikes add up, fines go to
        # the fund and the group's reputation moves, in place; the meeting's per-seat values are written
        # over the last meeting's (state.IN_PLACE); what it returns: how many events of each kind
        out = self._out["monitor"]
        n_events = kernels.monitor_members(
            self.commit, self.renege, self.purchase.placed, self.purchase_open, self.leads_kept, self.furtive,
            self.quota_due, self.pay_quota, self.member, self.attend, self.rules_on, self.detect,
            self.draws.u("see_renege", contiguous=True), self.draws.u("see_keep", contiguous=True), self.tries,
            self.caught, self.strikes, self.fund, self.viol_rate, self.n_members, float(s.rules.min_commit),
            bool(sa.enabled), bool(sa.warning),
            self._group_values("sanctions.fine", sa.fine),
            self._group_values("sanctions.expulsion_strikes", sa.expulsion_strikes),
            float(s.rules.absence_fine), float(s.lifecycle.reputation_weight), *out)
        (self.reneged, self.det_renege, self.kept_furtive, self.det_keep, self.kept_open, self.skipped,
         self.low_commit, self.violated, self.sanction_kind, self.fines, self.fines_total, self.expel) = out
        if not any(n_events[:4]):
            return
        # one sanction per firm per meeting: report it with the first violation seen only; a kind
        # with no seat (its count in ``events``) is skipped
        kind, amount = self.sanction_kind.copy(), self.fines.copy()
        kept_open = self.kept_open
        for j, (kind_code, mask) in enumerate(((EV_RENEGE, self.reneged), (EV_DIVERSION, self.leads_kept),
                                               (EV_QUOTA_SKIP, self.skipped), (EV_LOW_COMMIT, self.low_commit))):
            if n_events[j]:
                gs = np.nonzero(mask)
                # seen: a renege detected, a lead kept openly or detected, an unpaid quota and a low
                # commitment by everyone
                seen = self.det_renege if j == 0 else self.det_keep | kept_open if j == 1 else mask
                detected = seen[gs]
                self.log.events_bulk(kind_code, gs, detected=detected, sanction=kind[gs] * detected,
                                     amount=amount[gs] * detected, strikes=self.strikes[gs],
                                     code=kept_open[gs].astype(np.int64))
                seen_gs = (gs[0][detected], gs[1][detected])
                kind[seen_gs] = 0
                amount[seen_gs] = 0.0

    def update_trust(self) -> None:
        """Members revise their trust in each other from what they saw (kernels.lab_trust, field_trust)."""
        s = self.config
        ts = s.trust
        if self.lab:
            # full feedback: every member sees every contribution, and beliefs move only through it
            self.coop_seen, self.seen = kernels.lab_trust(self.T, self.commit, self.renege, self.member,
                                                          self.participate, self.purchase_open, ts.learning)
            return
        # conduct seen: commitment (and a detected renege), quota payment, lead routing; losses of
        # trust (detected betrayal, unexplained shortfalls, a failed purchase, opaque rules) and
        # gains (success, facilitator, santos, transparent rules); slow repair of trust in cheats
        out = self._out["update_trust"]   # written over in place (state.IN_PLACE)
        kernels.field_trust(
            self.T, self.commit, self.renege, self.det_renege, self.reneged, self.quota_due, self.pay_quota,
            self.leads_routed, self.leads_missed, self.kept_open, self.kept_furtive, self.det_keep, self.route_lead,
            self.capacity, self.member, self.attend, self._roster().santo, self.caught, self.purchase_open,
            self.purchase_failed, self.purchase.placed, self.purchase.discount, self.rules_on, self.f,
            self.game_acts, self.game_coop, self.alive, self.n_members, ts.learning, ts.diffuse, ts.failure,
            ts.betrayal, ts.success,
            self._group_values("facilitator.trust_building", s.facilitator.trust_building),
            s.profiles.santo_persuasion, self.rule.transparency, ts.repair, *out)
        self.coop_seen, self.seen = out

    def punish(self) -> None:
        """Costly peer punishment after the contribution stage (Fehr & Gächter 2000; 2002).

        Every attending santo and sólido ciudadano gives each other member whose seen conduct fell
        below the mean of the others' ``rate`` points per unit of input short (at most ``cap``);
        with ``antisocial`` > 0, tengo que ganar and oportunista give points to members who gave
        more than they did (Herrmann, Thöni & Gächter 2008). A point costs the punisher ``cost``
        and the punished ``impact``. A member who fell short learns what a shortfall costs it.
        """
        ps = self.config.punishment
        if not ps.enabled:
            self.punish_loss = self.punish_cost = np.zeros((self.G, self.C))
            return
        self.punish_points, self.punish_loss, self.punish_cost, self.punish_rate = kernels.peer_punishment(
            self.seen, self.coop_seen, self.member, self.attend, self.profile, self._roster().demand,
            self.punish_rate, SANTO, SOLIDO, TENGO, OPORTUNISTA, ps.cap, ps.rate, ps.antisocial, ps.impact, ps.cost,
            self.config.profiles.learning_punishment)

    def resolve_conflicts(self) -> None:
        """Conflicts from product overlap and from distrust postponed by a rushed formalisation."""
        s = self.config
        d, res = self.draws, s.rules.conflict_resolution
        # a group's own conflict mechanism works once its reglamento is adopted (kernels._defused);
        # each pair walks out by its own draw: a clash by its seat's, an erupting conflict by the last
        pairs, damage, self.conflicts = kernels.resolve_groups(
            self.T, self.clash, self.member, self.product, self.formalised, self.alive, self.backlog, self.n_members,
            self.f, self.rules_on, self.leaving, d.u1("erupt", contiguous=True), d.u("pick", contiguous=True),
            d.u("walk", contiguous=True), float(s.lifecycle.backlog_conflict), float(s.lifecycle.backlog_relief),
            float(s.trust.conflict_damage), res == "committee", res == "facilitator",
            float(s.facilitator.arbitration), float(s.rules.committee_relief),
            float(s.facilitator.informal_arbitration), float(s.trust.conflict_spread),
            float(s.lifecycle.conflict_exit), int(s.rules.exit_notice))
        if len(damage):
            self.log.events_pairs(EV_CONFLICT, pairs[0], pairs[1], pairs[2], amount=damage)

    def settle_accounts(self) -> None:
        """Income of every member vs going alone, and who wants to leave (kernels.settle_members).

        The transaction costs, the programme's flows (a purchase subsidy, the facilitator's
        co-payment, the manager's salary: sim/model/programme.py), the gain over going alone and
        the engagement it brings (004:L720-741: involvement falls in day-to-day operation unless
        the benefits are clear), who quits, and refunds of contributions to those who leave
        (unless the rules forfeit them), in one compiled pass over groups and members.
        """
        s = self.config
        lc, pg, mg, pa = s.lifecycle, s.programme, s.manager, s.participation
        r = self._roster()
        hazard = 0.0 if self.lab else lc.exit_rate * self.rule.frustration  # the lab's groups are fixed
        out = self._out["settle_accounts"]   # written over in place (state.IN_PLACE)
        # (the fund and the programme's account are brought up to date in place)
        self.trust_given, self.trust_received = kernels.settle_members(
            self.T, self.member, self.alive, self.purchase_open, self.purchase.placed, self.rules_on, self.manager,
            self.support_over, self.expel, self.participate, self.purchase.net, self.lead_income, self.quota_paid,
            self.fines_total, self.punish_loss, self.punish_cost, self.game_income, r.alone, r.tc_roster, r.share,
            r.demand, self.commit, self.renege, r.not_santo, self.paid_in, self.ema_gain, self.engagement,
            self.tenure, self.leaving, self.draws.u("quit", contiguous=True), self.f,
            self._group_values("rules.monitoring", s.rules.monitoring),
            self.facilitator_copay, self.fund, self.programme_left, self.programme_paid,
            float(s.facilitator.tc_reduction), float(s.rules.monitoring_cost), float(pg.purchase_subsidy),
            float(s.joint_purchase.handling_cost), bool(mg.enabled), float(mg.salary), bool(self.games),
            bool(self.lab and s.lab.voluntary), float(s.lab.outside), float(lc.gain_weight), float(pa.decay),
            float(pa.clear_gain), float(pa.floor), float(lc.exit_tolerance), int(lc.loss_patience),
            np.float32(lc.exit_trust), float(hazard), bool(s.rules.forfeit), float(s.rules.forfeit_hold),
            int(s.rules.exit_notice), *out)
        (self.played, self.payoff, self.alone, self.ema_gain, self.engagement, self.leaving, self.exit_now, self.tc,
         self.refund, self.subsidy, self.manager_pay, self.manager_fund) = out

    def update_membership(self) -> None:
        """Expulsions, exits, dissolution and newcomers (who, from kernels.membership_groups)."""
        s = self.config
        lc = s.lifecycle
        # the group's trust as it stands once those who leave have left decides dissolution and admission
        # (written over in place, state.IN_PLACE: the counts, this meeting's trust_now, and
        # n_entered and _moved (groups whose roster changes at this meeting) set to zero); counts:
        # seats gone, groups dissolving, groups with a newcomer
        out = self._out["update_membership"]
        gone, n, dissolve, arrive = self._out["membership_scratch"]
        counts = kernels.membership_groups(
            self.member, self.expel, self.exit_now, self.trust_given, self.alive, self.phase,
            self.draws.u1("arrive", contiguous=True), float(lc.dissolve_trust), int(lc.min_members),
            float(lc.entry_rate), bool(self.lab), gone, out[0], out[1], n, self.trust_now, dissolve, arrive, out[2],
            out[3])
        self.n_expelled, self.n_exited, self.n_entered, self._moved = out
        trust_now = self.trust_now
        moved = False
        if counts[0]:
            expel, exit_now = self.expel & self.member, self.exit_now & self.member
            if self.n_expelled.any():
                self.log.events_bulk(EV_EXPULSION, np.nonzero(expel), strikes=self.strikes[expel])
            if self.n_exited.any():
                self.log.events_bulk(EV_EXIT, np.nonzero(exit_now))
            moved = self._vacate(gone)
        if counts[1]:
            gs = np.flatnonzero(dissolve)
            self.log.events_groups(EV_DISSOLUTION, gs, amount=n[gs])
            self._vacate(self.member & dissolve[:, None])
            self.alive[gs] = False
            self.manager[gs] = False
            moved = True
        if counts[2]:
            moved |= self._admit_newcomers(trust_now, np.flatnonzero(arrive))
        if moved:
            self._refresh_trust(np.flatnonzero(self._moved))
        self.n_members = self._roster().n

    def _vacate(self, mask) -> None:
        """Members in ``mask`` leave: their agents are removed and their seats emptied."""
        if not mask.any():
            return False
        # a firm that leaves still exists (it goes alone): its agent stays, without a seat
        for fid in self.firm_id[mask].tolist():
            agent = self.firms.get(fid)
            if agent is not None:
                agent.seat = None
            self.deciders.pop(fid, None)
        self.member[mask] = False
        state.clear(self, mask)
        rows = mask.any(axis=1)
        self.changed |= rows
        self._roster_changed(rows)
        self._moved |= rows
        return True

    def _admit_newcomers(self, trust_now, groups) -> bool:
        """A newcomer arrives at each of ``groups``: it applies, and is admitted or turned away."""
        s, lc = self.config, self.config.lifecycle
        k = len(groups)
        d = self.draws
        # fear of opportunism: candidates weigh the group's reputation against the opportunism
        # they expect (the population's share, less what the facilitator vouches for, plus
        # violations the group is known for)
        oportunista = self._at("population.oportunista", s.population.oportunista, groups)
        perceived = (oportunista * (1.0 - s.facilitator.vouching * self.f[groups])
                     + self.viol_rate[groups])
        # the chance to apply is this clipped to [0, 1]; a draw in [0, 1) falls below the clipped
        # chance exactly when it falls below the unclipped one, so the clip is left out
        applies = d.u1("apply")[groups] < lc.apply_base + trust_now[groups] - lc.fear * perceived
        if not applies.any():   # nobody applies: no candidate to draw up, screen or seat
            return False
        z = d.z()[groups]
        products = np.floor(d.u1("new_product")[groups] * self.config.population.products).astype(np.int64)
        attrs = self._firm_attrs(groups, d.u1("new_profile")[groups], d.u1("new_weak")[groups], products,
                                 d.u1("new_disposition")[groups], z[:, 0], z[:, 1])
        profile, capacity, products, disposition, cc_a, cc_b = attrs
        ruled = self.rules_on[groups]  # admission rules apply once a group has its reglamento
        ok = applies.copy()
        reason = np.zeros(k, np.int64)
        if s.rules.admission in ("screened", "dipat"):
            bad = (profile == OPORTUNISTA) | (profile == TENGO)
            spotted = ruled & bad & (self.draws.u1("spot")[groups] < s.rules.screening)
            reason[applies & spotted] = 1
            ok &= ~spotted
        if s.rules.admission == "dipat" or s.export.dipat:
            clash = (self.product[groups] == products[:, None]) & self.member[groups]
            overlap = clash.any(axis=1) & (ruled | s.export.dipat)
            reason[ok & overlap] = 2
            ok &= ~overlap
        closed = (self.phase[groups] >= 3) & (self.draws.u1("close")[groups] < lc.closure * trust_now[groups])
        reason[ok & closed] = 3
        ok &= ~closed
        rejected = applies & ~ok
        if rejected.any():
            self.log.events_groups(EV_REJECTED, groups[rejected], code=reason[rejected],
                                   profile=profile[rejected])
        if ok.any():
            gs = groups[ok]
            ss = np.argmax(~self.member[gs], axis=1)  # first free seat
            self._seat_many(gs, ss, tuple(a[ok] for a in attrs))
            init = np.asarray(self._at("trust.initial", s.trust.initial, gs), np.float32)
            init = init[:, None] if init.ndim else init
            self.T[gs, ss, :] = init
            self.T[gs, :, ss] = init
            self.T[gs, ss, ss] = 1.0
            self.n_entered[gs] += 1
            self._moved[gs] = True
            self.log.events_bulk(EV_ENTRY, (gs, ss))
        return bool(ok.any())

    def _rematch(self) -> None:
        """Stranger design: members are re-matched at random across groups each meeting."""
        g, s_ = np.nonzero(self.member)
        # within each replication, by the replication's own stream (groups are in replication order)
        reps = self.rep_of[g]
        perm = np.arange(len(g))
        for r, run in enumerate(self.draws.run):
            mine = np.flatnonzero(reps == r)
            perm[mine] = mine[run.permutation(len(mine))]
        trust_given = kernels.given_received(self.T, self.member)[0]
        for name in state.MOVES:
            arr = getattr(self, name)
            arr[g, s_] = arr[g[perm], s_[perm]]
        gt = trust_given[g[perm], s_[perm]]
        self.T[g, s_, :] = gt[:, None]
        for fid, gg, ss in zip(self.firm_id[g, s_], g, s_, strict=True):
            self.firms[int(fid)].seat = (int(gg), int(ss))
        self.changed[:] = True
        self._roster_changed(slice(None))

    # ------------------------------------------------------------------ measures
    def _refresh_trust(self, groups=None) -> None:
        """Recompute members' mean trust in the others and groups' mean trust (all, or some groups)."""
        if groups is None:
            self.trust_given = kernels.given_received(self.T, self.member)[0]
            self.trust_now = kernels.group_mean(self.trust_given, self.member)
            return
        member = self.member[groups]
        given = kernels.given_received(self.T[groups], member)[0]
        self.trust_given[groups] = given
        self.trust_now[groups] = kernels.group_mean(given, member)

    def group_trust(self) -> np.ndarray:
        """Mean dyadic trust among the members of each group (as of the last refresh)."""
        return self.trust_now
