"""The agenda items compiled in sim/model/kernels.py against the NumPy code they replaced, on whole tables.

Life cycle, attendance, the export leads, the joint purchase, the consortium, monitoring, the next
sanction, conflicts, the accounts, membership, the roster measures (the ``AsociaModel`` methods) and
the recorder's group rows and cooperation were NumPy until they became compiled passes over groups
and members (``kernels.advance_groups``, ``hold_groups``, ``lead_draws``, ``purchase_round`` with
the open purchases, ``consortium_round``, ``monitor_members``, ``next_sanction`` (since in
``decide_members``), ``resolve_groups``, ``settle_members``, ``membership_groups``, ``roster_rows``,
``roster_measures``, ``group_rows``, ``cooperation``). The NumPy methods are kept here verbatim, as
they were at commit 5e07ad9 (``offer_leads``, ``buy_jointly``, ``run_consortium`` and
``_two_members`` as they were at 860bc04), in a model that plays them (with the NumPy rules they
call: those the model still runs from sim/model/programme.py and governance.py, and those that left
sim/ once the kernels implemented them, kept verbatim in tests/reference_agenda.py): every table of
every scenario below, alone and in a batch of design points, must be identical, bit for bit, to the
compiled model's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from reference_agenda import (
    conflict_damage,
    coordination,
    coordination_success,
    fund_presence,
    grow_self_governance,
    leadership,
    sanction,
)

import sim
import sim.results.run as run_module
from sim.model import AsociaModel, kernels
from sim.model import programme as prog
from sim.model.agenda import (
    EV_CONFLICT,
    EV_DISSOLUTION,
    EV_DIVERSION,
    EV_EXIT,
    EV_EXPULSION,
    EV_HANDOVER,
    EV_LOW_COMMIT,
    EV_MANAGER,
    EV_PHASE,
    EV_PROGRAMME,
    EV_PURCHASE_FAILED,
    EV_QUOTA_SKIP,
    EV_RENEGE,
    EV_RULES,
    HANDOVER_MARK,
)
from sim.model.profiles import NAMES, SANTO
from sim.model.recorder import (
    _GROUP_COUNTS,
    _GROUP_SUMS,
    _GROUP_VALUES,
    Recorder,
    _where_or_zero,
)
from sim.model.seats import seat_sum
from sim.model.vocabulary import Phase, Sanction

ROOT = Path(__file__).resolve().parent.parent


class NumpyRecorder(Recorder):
    """The recorder with its NumPy group rows and cooperation."""

    def cooperation(self):
        """Return the true cooperation of each seat this meeting, in [0, 1].

        The mean of the decisions it faced: the joint purchase (share of demand committed and
        delivered), the quota (paid or not) and a lead (routed or kept). In Phase I, before any
        game is played, it is the commitment the firm declares.
        """
        m = self.model
        cached = getattr(self, "_coop", None)
        if cached is not None and cached[0] is m.commit:  # decide() makes a new array each meeting
            return cached[1]
        open_ = m.purchase_open[:, None] & m.played  # members of this meeting, leavers included
        total = _where_or_zero(open_, m.commit * (1.0 - m.renege))
        due = m.quota_due > 0
        total += due & m.pay_quota                   # each decision adds 1.0 (kept to) or 0.0
        total += m.has_lead & m.route_lead
        n = open_.astype(np.float64)                 # decisions faced
        n += due
        n += m.has_lead
        coop = np.where(n > 0, total / np.maximum(n, 1.0), m.commit)
        self._coop = (m.commit, coop)
        return coop
    def record_groups(self):
        """One row per group for this meeting (after membership changes)."""
        m = self.model
        played = m.played  # members of this meeting (before membership changes)
        coop = self.cooperation()
        n_base = len(_GROUP_COUNTS) - len(NAMES)
        # boolean seat masks as 0/1 float32, so counting them is one matrix-vector product (exact
        # for counts below 2**24; a NumPy sum along the short seat axis costs several times more)
        masks = self._buffer("group_masks", len(_GROUP_COUNTS), np.float32)
        for row, x in enumerate((m.attend, m.has_lead, m.leads_routed, m.leads_kept, m.leads_missed,
                                 m.violated, m.reneged | m.kept_furtive, played, m.member)):
            masks[row] = x
        by_profile = masks[n_base:]
        codes = np.arange(len(NAMES), dtype=m.profile.dtype)[:, None, None]
        np.equal(m.profile, codes, out=by_profile)
        by_profile *= played
        amounts = self._buffer("group_amounts", len(_GROUP_SUMS), np.float64)
        np.multiply(coop, played, out=amounts[0])
        np.multiply(coop, by_profile, out=amounts[1:1 + len(NAMES)])
        k = 1 + len(NAMES)
        amounts[k], amounts[k + 1], amounts[k + 2] = m.quota_paid, m.fines_total, m.purchase.payment
        _where_or_zero(played, m.payoff, out=amounts[k + 3])
        _where_or_zero(played, m.alone, out=amounts[k + 4])
        for i, name in enumerate(m.game_rounds):
            _where_or_zero(played, m.game_rounds[name].payoff, out=amounts[k + 5 + i])
        pur = m.purchase
        values = np.empty((len(_GROUP_VALUES), m.G))
        for i, x in enumerate((m.alive, m.phase, m.f, m.self_gov, m.capacity_coord, m.n_entered,
                               m.n_exited, m.n_expelled, m.group_trust(), pur.placed, pur.volume,
                               pur.discount, pur.bill, m.commission, m.spend, m.refund, m.fund,
                               m.conflicts, m.detect, m.tc, m.leadership, m.programme_paid,
                               m.facilitator_copay, m.subsidy, m.programme_left, m.manager,
                               m.manager_pay, m.manager_fund, seat_sum(m.member & m.founder))):
            values[i] = x
        counts = masks.reshape(-1, m.C) @ np.ones(m.C, np.float32)
        # stored where the recorder keeps a meeting's rows now (its blocks; they were lists then)
        at = len(self.steps["step"])
        counts_block, sums_block, values_block = self._group_blocks(at)
        counts_block[:, at] = counts.reshape(len(masks), m.G)   # float32, exact small integers
        sums_block[:, at] = amounts.sum(axis=2)
        values_block[:, at] = values
        self.steps["step"].append(m.t)


class NumpyModel(AsociaModel):
    """The model with the NumPy agenda items the kernels replaced."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        log = NumpyRecorder.__new__(NumpyRecorder)
        log.__dict__.update(self.log.__dict__)   # what the founding recorded stays
        self.log = log

    def _per_seat(self, key: str, value):
        """As :meth:`_per_group`, shaped to broadcast over seats."""
        v = self.vary.get(key)
        return value if v is None else v[:, None]

    def _roster_measures(self, gs) -> None:
        """Breadth of the offer and product overlaps of groups whose roster changed."""
        member = self.member[gs]
        prod = np.where(member, self.product[gs], -1)
        sp = np.sort(prod, axis=1)
        self.breadth[gs] = seat_sum((sp[:, 1:] != sp[:, :-1]) & (sp[:, 1:] >= 0)) + (sp[:, 0] >= 0)
        same = (prod[:, :, None] == prod[:, None, :]) & (prod[:, :, None] >= 0)
        self.overlap[gs] = seat_sum(same) - member  # other members offering the same product

    def _roster_rows(self, rows) -> dict[str, np.ndarray]:
        """The roster quantities of groups ``rows`` (a slice or group indices), one array per name."""
        s = self.config
        pop, lc, eg = s.population, s.lifecycle, self.export_game
        m, capacity, profile = self.member[rows], self.capacity[rows], self.profile[rows]
        n = seat_sum(m)
        n1 = np.maximum(n, 1)
        cap = capacity * m
        # sums over a group's seats run in seat order (seats.seat_sum), whichever groups are summed
        cap_sum, cap2_sum = seat_sum(cap), seat_sum(cap ** 2)
        if s.rules.cost_sharing == "proportional":
            # a routed lead's pot is shared in proportion to capacity
            total = np.maximum(cap_sum[:, None], 1e-12)
            share = cap / total
            routed = (1.0 - eg.commission) * eg.lead_value * cap / total
        else:
            share = m / n1[:, None]
            routed = eg.routed_share(n1)[:, None] * m
        mean_cap = cap_sum / n1
        cv = np.sqrt(np.maximum(cap2_sum / n1 - mean_cap ** 2, 0.0)) / np.maximum(mean_cap, 1e-12)
        diversity = self._at("population.diversity", pop.diversity, rows) + pop.diversity_capacity * cv
        return {
            "n": n,
            "p_attend": np.array([pop.attend_active, pop.attend_passive, pop.attend_barely])[self.disposition[rows]],
            "santo": profile == SANTO,
            "not_santo": profile != SANTO,
            "demand": capacity * s.joint_purchase.demand,
            "quota": eg.quotas(capacity, m, s.rules.cost_sharing, cap_sum=cap_sum),
            "routed": routed,
            "lead_routed": routed * (1.0 - self.rule.lead_miss),
            "share": share,
            "alone": capacity * (lc.base_income + s.export.solo_lead_rate * eg.private_value),
            # transaction costs before the facilitator's reduction (which changes every meeting)
            "tc_roster": (self._at("lifecycle.tc_base", lc.tc_base, rows) * (1.0 + lc.tc_size * (n1 - 1))
                          * (1.0 + lc.tc_diversity * diversity) * self.rule.tc_factor),
        }

    def advance_lifecycle(self) -> None:
        """Phases, facilitator presence and the reglamento."""
        s, t = self.config, self.t
        fs = s.facilitator
        if s.joint_purchase.matching == "random" and t > 0:
            self._rematch()
        alive = self.alive
        supported = alive & ~self.support_over
        self._pay_facilitator(t, supported)
        drivers = seat_sum(self.member & (self.disposition == 0))
        self.leadership = leadership(drivers, seat_sum(self.member), fs.driver_share)
        self.self_gov = np.where(alive, grow_self_governance(
            self.self_gov, self.f, fs.empowerment, self.trust_now, s.lifecycle.self_gov_rate,
            self.leadership), self.self_gov)
        handed = alive & ~self.handed & (self.self_gov >= HANDOVER_MARK) & (t > 0)
        if handed.any():
            self.handed |= handed
            gs = np.flatnonzero(handed)
            self.log.events_groups(EV_HANDOVER, gs, amount=self.f[gs])
        if t > 0:
            self._facilitator_transitions(t, supported)
        lc = s.lifecycle
        to2 = alive & (self.phase == 1) & (t >= lc.phase2_at)
        self._phase_to(to2, Phase.II)
        if s.rules.enabled and t >= s.rules.adopt_at:
            # the planned date is a target: a group adopts its reglamento "cuando los participantes
            # estén preparados para adoptar medidas concretas" (004:L1970-1971), i.e. once its
            # members trust each other enough to bind themselves; adopt_at = 0 founds the group
            # with its rules (a laboratory design), without a decision
            ready = self.trust_now >= s.milestones.rules_trust if s.rules.adopt_at > 0 else True
            adopt = alive & ~self.rules_on & ready
            if adopt.any():
                self.rules_on |= adopt
                self.log.events_groups(EV_RULES, np.flatnonzero(adopt))
        # participative planning follows the reglamento (or its planned date, without rules)
        ruled = self.rules_on if s.rules.enabled else True
        to3 = alive & (self.phase == 2) & (t >= max(s.rules.adopt_at, lc.phase2_at)) & ruled
        self._phase_to(to3, Phase.III)
        trust_now = self.trust_now
        # a patient group formalises when ready: trust, and a routine it runs itself (Tabla 4)
        ready = ((trust_now >= lc.formalise_trust) & (self.self_gov >= s.milestones.consortium_self_gov)
                 if lc.patient else np.ones(self.G, bool))
        # formalising (the consortium agreement) can come early: a group that does not wait skips
        # participative planning and signs its reglamento with the agreement
        to4 = alive & (self.phase >= 2) & (self.phase < 4) & (t >= lc.consortium_at) & ready
        if to4.any():
            if s.rules.enabled:
                signed = to4 & ~self.rules_on
                self.rules_on |= signed
                self.log.events_groups(EV_RULES, np.flatnonzero(signed))
            # what a rushed group has not yet worked out: the distrust it carries and the share of
            # the integration period it skipped (about a year, 004 Tabla 4) come back as conflicts
            skipped = max(0.0, 1.0 - t / lc.integration_time) if lc.integration_time else 0.0
            self.backlog[to4] = np.maximum(0.0, lc.formalise_trust - trust_now[to4]) + skipped
            self.formalised |= to4
        self._phase_to(to4, Phase.IV)
        self._hire_manager(t)

    def _pay_facilitator(self, t, supported) -> None:
        """Set the facilitator's presence at this meeting and who pays for it (sim/model/programme.py)."""
        pg = self.config.programme
        planned = self._presence(t) * supported
        share = prog.copay_share(t, pg.copay_from, pg.copay_ramp, pg.copay_max)
        need = pg.facilitator_cost * planned * (1.0 - share)
        self.f, paid = fund_presence(planned, need, self.programme_left)
        self.programme_left = self.programme_left - paid
        self.programme_paid = paid
        self.facilitator_copay = pg.facilitator_cost * self.f * share
        if t == pg.copay_from and pg.copay_max > 0 and supported.any():
            self.log.events_groups(EV_PROGRAMME, np.flatnonzero(supported), code=0)
        # the money ran out: the facilitator does not come back (a permanent facilitator stays
        # "until the programme's money ends")
        spent = supported & (need > 0) & (self.programme_left <= 1e-9)
        if spent.any():
            self.support_over |= spent
            gs = np.flatnonzero(spent)
            self.log.events_groups(EV_PROGRAMME, gs, code=1, amount=self.self_gov[gs])

    def _hire_manager(self, t) -> None:
        """The group hires a manager (gerente) once its routine is its own (004 Tabla 4).

        ``hire_at`` is the programme's target, not a switch: a group hires only when it already
        coordinates ``readiness`` of its work itself; a group the facilitator carries is not
        ready to direct a manager.
        """
        mg = self.config.manager
        if not mg.enabled or t < mg.hire_at:
            return
        hire = self.alive & ~self.manager & (self.phase >= 2) & (self.self_gov >= mg.readiness)
        if hire.any():
            self.manager |= hire
            self.log.events_groups(EV_MANAGER, np.flatnonzero(hire), code=0, amount=mg.salary)

    def _phase_to(self, mask, phase):
        if mask.any():
            self.phase[mask] = phase
            self.log.events_groups(EV_PHASE, np.flatnonzero(mask), code=phase)

    def hold_meeting(self) -> None:
        """Attendance, quorum and coordination capacity."""
        r = self._roster()
        # members who trust the group less come less (participation follows trust, 004:L720-741)
        pop = self.config.population
        p_attend = r.p_attend * (pop.attend_base + pop.attend_trust * self.trust_given) * self.engagement
        draw = self.draws.u("attend")
        self.attend = self.member.copy() if self.lab else self.member & (draw < p_attend)
        n = r.n
        self.n_members = n
        present = seat_sum(self.attend)
        quorum = np.where(self.rules_on, present >= self.config.rules.quorum * n, True)
        self.capacity_coord = coordination(self.self_gov, self.f)
        # a hired manager takes over coordination (004:L1423-1429)
        self.capacity_coord = np.where(self.manager,
                                       np.maximum(self.capacity_coord, self.config.manager.coordination),
                                       self.capacity_coord)
        self.quorum_ok = quorum
        self.purchase_open = self.alive & (self.phase >= 2)
        self.p_coord = coordination_success(self.capacity_coord, self.config.lifecycle.coordination_gain)
        if self.lab and not self.config.lab.coordination_failure:
            self.p_coord = np.ones(self.G)
        self.coordinated = self.purchase_open & quorum & (self.draws.u1("coordinate") < self.p_coord)
        self.consortium_open = self.alive & (self.phase >= 4) & self.config.export.enabled

    def monitor(self) -> None:
        """Detection of furtive acts, open violations and graduated sanctions."""
        s = self.config
        placed = self.purchase.placed[:, None]
        reneged = (self.renege > 0) & (self.commit > 0) & placed & self.purchase_open[:, None]
        kept_furtive = self.leads_kept & self.furtive
        kept_open = self.leads_kept & ~self.furtive
        skipped = (self.quota_due > 0) & ~self.pay_quota & self.member
        # a minimum-commitment rule makes an open low commitment a violation everyone sees
        low = (self.purchase_open & self.rules_on)[:, None] & self.member & (self.commit < s.rules.min_commit)
        draw = (self.draws.u("see_renege"), self.draws.u("see_keep"))
        det = self.detect[:, None]
        det_renege = reneged & (draw[0] < det)
        det_keep = kept_furtive & (draw[1] < det)
        self.reneged, self.det_renege = reneged, det_renege
        self.kept_furtive, self.det_keep, self.kept_open, self.skipped = (
            kept_furtive, det_keep, kept_open, skipped)
        self.low_commit = low
        # each firm learns how often its furtive acts are caught
        self.tries += reneged | kept_furtive
        self.caught += det_renege | det_keep
        violated = det_renege | det_keep | kept_open | skipped | low
        self.violated = violated
        sanctions_on = (self.rules_on & s.sanctions.enabled)[:, None]
        strike = violated & sanctions_on
        if strike.any():
            self.strikes += strike
            # strikes * strike: exact integer product, the same as np.where(strike, strikes, 0)
            # without the mispredicted branch over a scattered mask
            kind, amount = sanction(self.strikes * strike, s.sanctions.warning,
                                    self._per_seat("sanctions.fine", s.sanctions.fine),
                                    self._per_seat("sanctions.expulsion_strikes", s.sanctions.expulsion_strikes))
            self.sanction_kind = kind.copy()
            self.fines = amount.copy()
        else:  # most meetings: nobody sanctioned
            kind, amount = np.zeros((self.G, self.C), np.int64), np.zeros((self.G, self.C))
            self.sanction_kind, self.fines = kind.copy(), amount.copy()
        absent = self.rules_on[:, None] & self.member & ~self.attend
        fine = float(s.rules.absence_fine)
        # absence is scattered at random, which np.where pays for in mispredicted branches; for a
        # finite fine >= 0 the product gives the same fine or +0.0
        absent_fine = absent * fine if 0.0 <= fine < np.inf else np.where(absent, fine, 0.0)
        self.fines_total = amount + absent_fine
        self.fund = self.fund + seat_sum(self.fines_total)
        self.expel = kind == Sanction.EXPULSION
        n = np.maximum(self.n_members, 1)
        w = s.lifecycle.reputation_weight
        self.viol_rate = (1.0 - w) * self.viol_rate + w * seat_sum(violated) / n
        for kind_code, mask, seen in ((EV_RENEGE, reneged, det_renege),
                                      (EV_DIVERSION, kept_furtive | kept_open, det_keep | kept_open),
                                      (EV_QUOTA_SKIP, skipped, skipped),
                                      (EV_LOW_COMMIT, low, low)):
            gs = np.nonzero(mask)
            if len(gs[0]):
                detected = seen[gs]
                self.log.events_bulk(kind_code, gs, detected=detected, sanction=kind[gs] * detected,
                                     amount=amount[gs] * detected, strikes=self.strikes[gs],
                                     code=kept_open[gs].astype(np.int64))
                # one sanction per firm per meeting: report it with the first violation seen only
                seen_gs = (gs[0][detected], gs[1][detected])
                kind[seen_gs] = 0
                amount[seen_gs] = 0.0

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
        lam = np.where(open_, eg.expected_leads(spend, self.breadth, self.config.population.group_size,
                                                self.vary.get("export.lead_rate")), 0.0)
        # a manager searches for leads full time (004:L2683-2686)
        lam = lam * (1.0 + self.config.manager.lead_search * self.manager)
        self.lead_lambda = lam
        p = np.minimum(1.0, lam / np.maximum(self.n_members, 1))
        self.has_lead = self.member & open_[:, None] & (self.draws.u("lead") < p[:, None])

    def buy_jointly(self) -> None:
        """The joint-purchase game for every group."""
        open_ = self.purchase_open[:, None] & self.member
        self.purchase = self.purchase_game.play(self._roster().demand, self.commit * open_, self.renege * open_,
                                                self.participate, self.coordinated)
        placed = self.purchase.placed
        failed = self.purchase_open & ~placed & (seat_sum(self.commit) > 0)
        self.purchase_failed = failed
        gs = np.flatnonzero(failed)
        if len(gs):
            self.log.events_groups(EV_PURCHASE_FAILED, gs, code=self.quorum_ok[gs],
                                   amount=self.purchase.volume[gs])

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
        paid = self.quota_due * self.pay_quota
        self.quota_paid = paid
        self.fund = self.fund + seat_sum(paid)
        self.paid_in += paid
        lead = self.has_lead
        routed = lead & self.route_lead
        miss_p = self.rule.lead_miss + s.export.miss_coordination * (1.0 - self.capacity_coord)
        missed = routed & (self.draws.u("miss") < miss_p[:, None])
        served = routed & ~missed
        n_served = seat_sum(served)
        commission = n_served * eg.commission * eg.lead_value
        self.fund = self.fund + commission
        self.commission = commission
        pot = n_served * (1.0 - eg.commission) * eg.lead_value
        share = self._roster().share
        kept = lead & ~self.route_lead
        self.lead_income = pot[:, None] * share + kept * eg.private_value
        self.leads_routed, self.leads_missed, self.leads_kept = served, missed, kept
        # a lead in a product that other members also offer means internal competition
        clash = lead & (self.overlap > 0) & (self.draws.u("clash") < s.export.overlap_conflict)
        self.clash = clash

    def resolve_conflicts(self) -> None:
        """Conflicts from product overlap and from distrust postponed by a rushed formalisation."""
        s = self.config
        # a group's own conflict mechanism works once its reglamento is adopted
        relief = (s.rules.committee_relief, s.facilitator.informal_arbitration)
        damage_g = np.where(self.rules_on,
                            conflict_damage(s.trust.conflict_damage, s.rules.conflict_resolution,
                                                self.f, s.facilitator.arbitration, *relief),
                            conflict_damage(s.trust.conflict_damage, "none", self.f,
                                                s.facilitator.arbitration, *relief))
        # each pair walks out by its own draw: a clash by its seat's, an erupting conflict by the last
        pairs_g, pairs_a, pairs_b, slots = [], [], [], []
        if self.clash.any():
            prod = np.where(self.member, self.product, -1)
            g, a = np.nonzero(self.clash)
            same = (prod[g] == prod[g, a][:, None]) & (np.arange(self.C)[None, :] != a[:, None])
            b = np.argmax(same, axis=1)
            pairs_g.append(g)
            pairs_a.append(a)
            pairs_b.append(b)
            slots.append(a)
        erupt = self.formalised & self.alive & (self.backlog > 0) & (self.n_members >= 2)
        # the facilitator keeps postponed conflicts down; they surface as it steps back (004:L1402-1404)
        erupt &= self.draws.u1("erupt") < s.lifecycle.backlog_conflict * self.backlog * (1.0 - self.f)
        if erupt.any():
            g = np.flatnonzero(erupt)
            a, b = self._two_members(g)
            pairs_g.append(g)
            pairs_a.append(a)
            pairs_b.append(b)
            slots.append(np.full(len(g), self.C))
            self.backlog[g] = np.maximum(0.0, self.backlog[g] - s.lifecycle.backlog_relief)
        self.conflicts = np.zeros(self.G, np.int64)
        if pairs_g:
            g, a, b = np.concatenate(pairs_g), np.concatenate(pairs_a), np.concatenate(pairs_b)
            damage = damage_g[g]
            self.T[g, a, b] *= 1.0 - damage
            self.T[g, b, a] *= 1.0 - damage
            # a conflict also unsettles the rest of the group a little
            self.T[g] *= (1.0 - s.trust.conflict_spread * damage)[:, None, None]
            np.add.at(self.conflicts, g, 1)
            # an unresolved conflict can end with one side walking out
            unresolved = damage / s.trust.conflict_damage if s.trust.conflict_damage > 0 else np.zeros(len(g))
            walk = self.draws.u("walk")[g, np.concatenate(slots)] < s.lifecycle.conflict_exit * unresolved
            walk &= self.member[g, b] & (self.leaving[g, b] < 0)
            self.leaving[g[walk], b[walk]] = s.rules.exit_notice
            self.log.events_pairs(EV_CONFLICT, g, a, b, amount=damage)

    def _two_members(self, groups):
        u = self.draws.u("pick")[groups] * self.member[groups]
        order = np.argsort(-u, axis=1)
        return order[:, 0], order[:, 1]

    def settle_accounts(self) -> None:
        """Income of every member vs going alone, and who wants to leave."""
        s = self.config
        lc = s.lifecycle
        m = self.member
        self.played = m.copy()
        r = self._roster()
        alone = r.alone
        # size and diversity costs depend on the roster; the facilitator's reduction on the meeting
        tc = r.tc_roster * (1.0 - self.f * s.facilitator.tc_reduction)
        tc = tc + np.where(self.rules_on, s.rules.monitoring_cost
                           * self._per_group("rules.monitoring", s.rules.monitoring), 0.0)
        self.tc = np.where(self.alive, tc, 0.0)
        net = (self.purchase.net + self.lead_income - self.quota_paid - self.fines_total
               - self.tc[:, None] - self.punish_loss - self.punish_cost)
        net = net + self._programme_flows(r)
        if self.games:
            net = net + self.game_income
        if self.lab and s.lab.voluntary:  # staying out of the round pays the outside option
            net = net + s.lab.outside * (m & ~self.participate)
        gw = lc.gain_weight
        self.payoff = np.where(m, alone + net, 0.0)
        self.alone = np.where(m, alone, 0.0)
        self.ema_gain = np.where(m, (1.0 - gw) * self.ema_gain + gw * net, 0.0)
        self.tenure += m
        self._update_engagement(alone)
        # who wants out: a member losing money against going alone, or one that no longer trusts
        trust_given, self.trust_received = kernels.given_received(self.T, m)
        self.trust_given = trust_given
        losing = (self.ema_gain < -lc.exit_tolerance * alone) & (self.tenure > lc.loss_patience) & r.not_santo
        unhappy = m & (losing | (trust_given < lc.exit_trust))
        unhappy &= self.leaving < 0
        hazard = 0.0 if self.lab else lc.exit_rate * self.rule.frustration  # the lab's groups are fixed
        if s.rules.forfeit:  # otherwise the factor is 1 for every seat (the same comparisons below)
            hazard = hazard * np.where(self.paid_in > 0, s.rules.forfeit_hold, 1.0)
        quits = unhappy & (self.draws.u("quit") < hazard)
        self.leaving = np.where(quits, s.rules.exit_notice, self.leaving)
        self.exit_now = m & (self.leaving == 0) & ~self.expel
        self.leaving = self.leaving - (self.leaving > 0)  # notices count down
        # refunds of contributions to those who leave (unless the rules forfeit them)
        gone = self.exit_now | self.expel
        self.refund = np.zeros(self.G)
        if not s.rules.forfeit and gone.any():
            want = np.where(gone, self.paid_in, 0.0)
            tot = seat_sum(want)
            scale = np.where(tot > 0, np.minimum(1.0, self.fund / np.maximum(tot, 1e-12)), 0.0)
            paid = want * scale[:, None]
            self.payoff = self.payoff + paid
            # when the refunds take the whole fund, the rounded shares can add up to a hair more
            # than it holds (-3.6e-15 was seen): the fund pays out what it has and never goes
            # below zero, or the next meeting would spend a negative promotion budget
            self.refund = np.minimum(seat_sum(paid), self.fund)
            self.fund = self.fund - self.refund

    def _update_engagement(self, alone) -> None:
        """Involvement falls in day-to-day operation unless the benefits are clear (004:L720-741).

        Once joint actions run (Phase II on), a member whose recent gain over going alone is below
        ``participation.clear_gain`` loses ``decay`` of its engagement each meeting, down to
        ``floor``; one that sees a clear benefit regains it at the same pace.
        """
        pa = self.config.participation
        if pa.decay <= 0:
            return
        clear = self.ema_gain >= pa.clear_gain * alone
        step = np.where(clear, pa.decay, -pa.decay) * (self.member & self.purchase_open[:, None])
        self.engagement = (self.engagement + step).clip(pa.floor, 1.0)

    def _programme_flows(self, r):
        """Per seat: subsidies received less the facilitator's co-payment and the manager's salary.

        Shares follow the group's cost sharing (``r.share``). The manager is paid from the fund
        first; what the fund cannot cover the members pay.
        """
        s = self.config
        pg, mg = s.programme, s.manager
        alive = self.alive
        self.subsidy = np.zeros(self.G)
        per_seat = np.zeros((self.G, self.C))
        if pg.purchase_subsidy > 0:
            open_ = self.purchase_open[:, None] & self.member & self.purchase.placed[:, None]
            want = pg.purchase_subsidy * s.joint_purchase.handling_cost * (
                r.demand * self.commit * (1.0 - self.renege) * open_)
            asked = seat_sum(want)
            total = np.where(alive & ~self.support_over, np.minimum(asked, self.programme_left), 0.0)
            per_seat = want * (total / np.maximum(asked, 1e-12))[:, None]
            self.subsidy = total
            self.programme_left = self.programme_left - total
            self.programme_paid = self.programme_paid + total
        self.manager_pay = np.zeros(self.G)
        self.manager_fund = np.zeros(self.G)
        topup = np.zeros(self.G)
        if mg.enabled:
            self.manager_pay = np.where(self.manager & alive, mg.salary, 0.0)
            self.manager_fund = np.minimum(self.manager_pay, self.fund)
            self.fund = self.fund - self.manager_fund
            topup = self.manager_pay - self.manager_fund
        charge = self.facilitator_copay * alive + topup
        return per_seat - charge[:, None] * r.share

    def update_membership(self) -> None:
        """Expulsions, exits, dissolution and newcomers."""
        s = self.config
        expel, exit_now = self.expel & self.member, self.exit_now & self.member
        self.n_expelled = seat_sum(expel)
        self.n_exited = seat_sum(exit_now)
        self.n_entered = np.zeros(self.G, np.int64)
        if expel.any():
            self.log.events_bulk(EV_EXPULSION, np.nonzero(expel), strikes=self.strikes[expel])
        if exit_now.any():
            self.log.events_bulk(EV_EXIT, np.nonzero(exit_now))
        self._moved = np.zeros(self.G, bool)  # groups whose roster changes at this meeting
        moved = self._vacate(expel | exit_now)
        n = seat_sum(self.member)
        # the group's trust as it stood at this meeting decides dissolution and admission
        trust_now = kernels.group_mean(self.trust_given, self.member)
        self.trust_now = trust_now
        distrust = (trust_now < s.lifecycle.dissolve_trust) & (self.phase >= 2)
        dissolve = self.alive & ((n < s.lifecycle.min_members) | distrust)
        if self.lab:
            dissolve[:] = False
        if dissolve.any():
            gs = np.flatnonzero(dissolve)
            self.log.events_groups(EV_DISSOLUTION, gs, amount=n[gs])
            self._vacate(self.member & dissolve[:, None])
            self.alive[gs] = False
            self.manager[gs] = False
            moved = True
        moved |= self._admit_newcomers(trust_now)
        if moved:
            self._refresh_trust(np.flatnonzero(self._moved))
        self.n_members = self._roster().n

    def _admit_newcomers(self, trust_now) -> bool:
        """Who arrives, as the NumPy method did; the admission itself is the model's own (still NumPy)."""
        lc = self.config.lifecycle
        free = ~self.member
        eligible = self.alive & (self.phase >= 2) & free.any(axis=1) & (not self.lab)
        arrive = eligible & (self.draws.u1("arrive") < lc.entry_rate)
        if not arrive.any():
            return False
        return AsociaModel._admit_newcomers(self, trust_now, np.flatnonzero(arrive))


TABLES = ("steps", "firms", "events", "runs")


def _tables(results):
    return [getattr(results, name) for name in TABLES]


def _assert_identical(compiled, numpy_):
    for name, a, b in zip(TABLES, _tables(compiled), _tables(numpy_), strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
        # assert_frame_equal treats 0.0 and -0.0 as equal; the written tables must not differ either
        assert a.to_csv(index=False) == b.to_csv(index=False), name


SCENARIOS = ["baseline", "strict_sanctions", "rushed_formalisation", "dipat_consortium", "no_manager", "no_rules",
             "facilitator_abrupt", "weak_firms", "lab/partners_pgg", "lab/partners_punishment", "lab/strangers_pgg",
             "lab/threshold_exit"]


def _busy(sc):
    """Every money flow and membership change (as tests/test_invariants.py's busy scenario), and the
    programme's subsidy, the manager, refunds and a voluntary round where the scenario has one."""
    return sc.replace({"population.groups": 6, "lifecycle.patient": False, "lifecycle.consortium_at": 5,
                       "rules.adopt_at": 2, "rules.forfeit": False, "rules.absence_fine": 1.0,
                       "lifecycle.entry_rate": 0.5, "lifecycle.exit_rate": 0.5, "export.lead_rate": 5.0,
                       "rules.monitoring": 0.8, "sanctions.expulsion_strikes": 2,
                       "programme.purchase_subsidy": 0.5, "manager.hire_at": 10, "manager.readiness": 0.0})


@pytest.mark.parametrize("name", SCENARIOS)
def test_compiled_agenda_gives_the_numpy_agenda_tables(name, monkeypatch):
    sc = sim.load_scenario(ROOT / "scenarios" / f"{name}.toml")
    steps = min(sc.run.steps, 60)
    compiled = sim.run(sc, seed=5, steps=steps)
    monkeypatch.setattr(run_module, "AsociaModel", NumpyModel)
    _assert_identical(compiled, sim.run(sc, seed=5, steps=steps))


@pytest.mark.parametrize("sharing", ["proportional", "equal"])
def test_compiled_agenda_gives_the_numpy_agenda_tables_where_every_flow_happens(sharing, monkeypatch):
    sc = _busy(sim.load_scenario(ROOT / "scenarios" / "baseline.toml")).replace({"rules.cost_sharing": sharing})
    compiled = sim.run(sc, seed=4, steps=60)
    s = compiled.steps
    for col in ("quotas", "commissions", "fines", "promotion", "refunds", "supplier_bill"):
        assert s[col].sum() > 0, col
    ev = compiled.events
    kinds = ("expulsion", "exit", "entry", "conflict", "manager", "rules") if sharing == "proportional" else (
        "exit", "entry", "manager", "rules")   # with equal quotas this seed brings no expulsion
    for kind in kinds:
        assert (ev["kind"] == kind).any(), kind
    monkeypatch.setattr(run_module, "AsociaModel", NumpyModel)
    _assert_identical(compiled, sim.run(sc, seed=4, steps=60))


def test_compiled_agenda_gives_the_numpy_agenda_tables_in_a_batch_of_design_points(monkeypatch):
    base = _busy(sim.load_scenario(ROOT / "scenarios" / "baseline.toml")).replace({"population.groups": 2})
    points = [{}, {"rules.monitoring": 0.3}, {"sanctions.fine": 1.0}, {"sanctions.expulsion_strikes": 3},
              {"facilitator.schedule": "abrupt", "facilitator.exit_at": 12}, {"facilitator.schedule": "none"},
              {"trust.initial": 0.3}, {"export.lead_rate": 1.0}, {"population.diversity": 0.8},
              {"lifecycle.tc_base": 3.0}, {"population.capacity_weak": 0.3}]
    scenarios = [base.replace(p) for p in points]
    seeds = list(range(11, 11 + len(points)))
    tables = ("runs", "steps", "events")
    compiled = sim.run_batch(scenarios, seeds, steps=50, tables=tables)
    monkeypatch.setattr(run_module, "AsociaModel", NumpyModel)
    for a, b in zip(compiled, sim.run_batch(scenarios, seeds, steps=50, tables=tables), strict=True):
        for name in tables:
            x, y = getattr(a, name), getattr(b, name)
            pd.testing.assert_frame_equal(x, y, check_exact=True, obj=name)
            assert x.to_csv(index=False) == y.to_csv(index=False), name


@pytest.mark.parametrize("resolution", ["committee", "facilitator", "none"])
def test_conflicts_match_the_numpy_item_where_pairs_and_groups_repeat(resolution):
    """resolve_groups against the NumPy resolve_conflicts where the same seat pair and group come twice.

    Group 0's members all offer one product: a clash at seats 1 and 0 and an erupting conflict
    between seats 1 and 0 (the highest draws) name the pair (0, 1, 0) twice in one trust update
    and group 0 three times; NumPy's ``T[index] *= x`` scales each once. Group 1 has a clash only,
    under its reglamento with the facilitator present; group 2 erupts without rules; group 3 has
    no conflict. Every pair walks out where its member is not already leaving.
    """
    sc = sim.load_scenario(ROOT / "scenarios" / "baseline.toml").replace(
        {"population.groups": 4, "rules.conflict_resolution": resolution, "lifecycle.backlog_conflict": 5.0,
         "lifecycle.conflict_exit": 1.0})
    m = AsociaModel(sc, seed=7)
    m.draws.meeting(0)
    C = m.C
    m.member[:] = False
    m.member[:, :5] = True
    m.product[:] = np.arange(C)
    m.product[0, :5] = 3
    m.product[1, :2] = 4
    m.clash[:] = False
    m.clash[0, [0, 1]] = True
    m.clash[1, 1] = True
    m.formalised[:] = [True, False, True, False]
    m.alive[:] = True
    m.backlog[:] = [0.4, 0.0, 0.3, 0.0]
    m.n_members = seat_sum(m.member)
    m.f = np.array([0.0, 0.6, 0.0, 0.2])
    m.rules_on[:] = [True, True, False, False]
    m.leaving[:] = -1
    m.leaving[2, :] = 3   # group 2's members are already leaving: nobody walks out there
    rng = np.random.default_rng(1)
    m.T[:] = rng.uniform(0.2, 0.9, m.T.shape).astype(np.float32)
    u = m.draws._u[:, m.draws._row]
    slots = m.draws._slots
    u[:, slots["erupt"][0]] = 0.0
    at = slots["pick"][0]
    u[0, at:at + C] = np.linspace(0.5, 0.1, C)
    u[0, at + 1] = 0.9   # seat 1, then seat 0: the erupting pair is the clash pair (0, 1, 0)
    u[2, at:at + C] = rng.uniform(0.0, 1.0, C)
    at = slots["walk"][0]
    u[:, at:at + C + 1] = 0.0
    before = len(m.log.events)
    ref = NumpyModel.__new__(NumpyModel)
    ref.__dict__.update(m.__dict__)
    for name in ("T", "leaving", "backlog"):
        setattr(ref, name, getattr(m, name).copy())
    ref.log = Recorder(ref)
    NumpyModel.resolve_conflicts(ref)
    m.resolve_conflicts()
    np.testing.assert_array_equal(m.T, ref.T)
    np.testing.assert_array_equal(m.leaving, ref.leaving)
    np.testing.assert_array_equal(m.backlog, ref.backlog)
    np.testing.assert_array_equal(m.conflicts, ref.conflicts)
    assert m.conflicts.tolist() == [3, 1, 1, 0]
    assert (m.leaving[0, :2] == sc.rules.exit_notice).all() and (m.leaving[2] == 3).all()
    got, want = m.log.events[before:], ref.log.events
    assert len(got) == len(want) == 1
    for key in ("group", "firm", "other", "amount"):
        np.testing.assert_array_equal(got[0][key], want[0][key])
    assert got[0]["group"].tolist() == [0, 0, 1, 0, 2]
