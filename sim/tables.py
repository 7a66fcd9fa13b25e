"""Recording a run into tidy tables: steps (group x meeting), firms (firm x meeting), events.

The model calls the :class:`Recorder` once per meeting; the recorder copies the member rows of the
model's arrays (a handful of vectorised gathers) and appends them to column lists, so a run of
10,000 firms costs no Python loop per firm. ``frames()`` concatenates the columns into pandas
DataFrames with explicit keys and readable categories, and writes every event's sentence in English
and Spanish (sim/narrative.py).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from . import trust as tr
from .profiles import NAMES

LEAD_STATES = ("none", "routed", "kept", "missed")
STATUS = ("member", "leaving", "exiting", "expelled")
SANCTIONS = ("none", "warning", "fine", "expulsion")
DISPOSITIONS = ("active", "passive", "barely")
EVENT_KINDS = {
    1: "entry", 2: "exit", 3: "expulsion", 4: "rejected", 5: "renege", 6: "diversion",
    7: "quota_skip", 8: "conflict", 9: "facilitator", 10: "phase", 11: "rules", 12: "dissolution",
    13: "purchase_failed",
}


class Recorder:
    """Collects the rows of one run, meeting by meeting."""

    def __init__(self, model):
        """Attach to a model; what is recorded follows ``scenario.run.firm_table``."""
        self.model = model
        self.steps = defaultdict(list)
        self.firms = defaultdict(list)
        self.events = []
        run = model.config.run
        self.firm_mode = run.firm_table
        self.every = run.sample_every

    # ------------------------------------------------------------------ events
    def event(self, kind, g, s, other, *, code=0, profile=None, amount=0.0, detected=True,
              sanction=0, strikes=0):
        """One event at group g, seat s (-1: the group as a whole), other seat (-1: none)."""
        m = self.model
        firm = int(m.firm_id[g, s]) if s >= 0 else -1
        prof = int(m.profile[g, s]) if (s >= 0 and profile is None) else (-1 if profile is None else profile)
        oth = int(m.firm_id[g, other]) if other >= 0 else -1
        # single events are kept as tuples (cheap) and turned into arrays when the table is built
        self.events.append((m.t, int(g), firm, oth, prof, kind, int(code), bool(detected),
                            int(sanction), int(strikes), float(amount)))

    def events_groups(self, kind, groups, *, code=None, amount=None):
        """Group-level events (no firm) for several groups at once."""
        n = len(groups)
        if not n:
            return
        minus = np.full(n, -1)
        self.events.append({
            "step": np.full(n, self.model.t), "group": np.asarray(groups), "firm": minus,
            "other": minus, "profile": minus, "kind": np.full(n, kind),
            "code": np.zeros(n, np.int64) if code is None else np.broadcast_to(np.asarray(code, np.int64), (n,)),
            "detected": np.ones(n, bool), "sanction": np.zeros(n, np.int64),
            "strike": np.zeros(n, np.int64),
            "amount": np.zeros(n) if amount is None else np.broadcast_to(np.asarray(amount, float), (n,)),
        })

    def events_bulk(self, kind, gs, *, detected=None, sanction=None, amount=None, strikes=None,
                    code=None):
        """Events for many seats at once (``gs`` is a ``np.nonzero`` pair)."""
        m = self.model
        g, s = gs
        n = len(g)
        self.events.append({
            "step": np.full(n, m.t), "group": g, "firm": m.firm_id[g, s], "other": np.full(n, -1),
            "profile": m.profile[g, s].astype(np.int64), "kind": np.full(n, kind),
            "code": np.zeros(n, np.int64) if code is None else np.asarray(code, np.int64),
            "detected": np.ones(n, bool) if detected is None else np.asarray(detected, bool),
            "sanction": np.zeros(n, np.int64) if sanction is None else np.asarray(sanction, np.int64),
            "strike": np.zeros(n, np.int64) if strikes is None else np.asarray(strikes, np.int64),
            "amount": np.zeros(n) if amount is None else np.asarray(amount, float),
        })

    def events_pairs(self, kind, g, a, b, *, amount):
        """Events between two seats of the same group (conflicts)."""
        m = self.model
        n = len(g)
        self.events.append({
            "step": np.full(n, m.t), "group": g, "firm": m.firm_id[g, a], "other": m.firm_id[g, b],
            "profile": m.profile[g, a].astype(np.int64), "kind": np.full(n, kind),
            "code": np.zeros(n, np.int64), "detected": np.ones(n, bool),
            "sanction": np.zeros(n, np.int64), "strike": np.zeros(n, np.int64),
            "amount": np.asarray(amount, float),
        })

    # ------------------------------------------------------------------ meeting rows
    def record_firms(self):
        """Member rows of this meeting (before exits and expulsions take effect)."""
        if self.firm_mode == "off" or (self.firm_mode == "sampled" and self.model.t % self.every):
            return
        m = self.model
        g, s = np.nonzero(m.member)
        received = tr.received(m.T, m.member)
        lead = np.zeros(m.member.shape, np.int8)
        lead[m.leads_routed] = 1
        lead[m.leads_kept] = 2
        lead[m.leads_missed] = 3
        status = np.zeros(m.member.shape, np.int8)
        status[m.leaving >= 0] = 1
        status[m.exit_now] = 2
        status[m.expel] = 3
        coop = self.cooperation()
        f = self.firms
        f["step"].append(np.full(len(g), m.t, np.int32))
        f["group"].append(g.astype(np.int32))
        f["firm"].append(m.firm_id[g, s])
        f["profile"].append(m.profile[g, s])
        f["capacity"].append(m.capacity[g, s].astype(np.float32))
        f["product"].append(m.product[g, s].astype(np.int32))
        f["disposition"].append(m.disposition[g, s])
        f["tenure"].append(m.tenure[g, s].astype(np.int32))
        f["attended"].append(m.attend[g, s])
        f["commit"].append(m.commit[g, s].astype(np.float32))
        f["renege"].append(m.renege[g, s].astype(np.float32))
        f["quota_paid"].append(m.quota_paid[g, s].astype(np.float32))
        f["lead"].append(lead[g, s])
        f["cooperation"].append(coop[g, s].astype(np.float32))
        f["payoff"].append(m.payoff[g, s])
        f["alone"].append(m.alone[g, s])
        f["trust_given"].append(m.trust_given[g, s].astype(np.float32))
        f["trust_received"].append(received[g, s].astype(np.float32))
        f["strikes"].append(m.strikes[g, s].astype(np.int16))
        f["sanction"].append(m.sanction_kind[g, s].astype(np.int8))
        f["fine"].append(m.fines_total[g, s].astype(np.float32))
        f["status"].append(status[g, s])

    def cooperation(self):
        """True cooperation of each seat this meeting, in [0, 1].

        The mean of the decisions it faced: the joint purchase (share of demand committed and
        delivered), the quota (paid or not) and a lead (routed or kept). In Phase I, before any
        game is played, it is the commitment the firm declares.
        """
        m = self.model
        open_ = m.purchase_open[:, None] & m.member
        total = np.where(open_, m.commit * (1.0 - m.renege), 0.0)
        n = open_.astype(float)
        due = m.quota_due > 0
        total += np.where(due, m.pay_quota, 0.0)
        n += due
        total += np.where(m.has_lead, m.route_lead, 0.0)
        n += m.has_lead
        return np.where(n > 0, total / np.maximum(n, 1.0), m.commit)

    def record_groups(self):
        """One row per group for this meeting (after membership changes)."""
        m = self.model
        G = m.G
        st = self.steps
        member = m.member
        n = member.sum(axis=1)
        coop = self.cooperation()
        st["step"].append(np.full(G, m.t, np.int32))
        st["group"].append(np.arange(G, dtype=np.int32))
        st["alive"].append(m.alive.copy())
        st["phase"].append(m.phase.copy())
        st["facilitator"].append(np.full(G, m.f))
        st["self_governance"].append(m.self_gov.copy())
        st["coordination"].append(m.capacity_coord.copy())
        st["members"].append(n.astype(np.int32))
        st["entries"].append(m.n_entered.astype(np.int32))
        st["exits"].append(m.n_exited.astype(np.int32))
        st["expulsions"].append(m.n_expelled.astype(np.int32))
        played = m.played  # members of this meeting (before membership changes)
        n_played = np.maximum(played.sum(axis=1), 1)
        st["attendance"].append(m.attend.sum(axis=1) / n_played)
        st["trust"].append(m.group_trust())
        st["cooperation"].append((coop * played).sum(axis=1) / n_played)
        for code, name in enumerate(NAMES):
            mask = played & (m.profile == code)
            k = mask.sum(axis=1)
            st[f"coop_{name}"].append(np.where(k > 0, (coop * mask).sum(axis=1) / np.maximum(k, 1), np.nan))
        pur = m.purchase
        st["purchase_placed"].append(pur.placed.copy())
        st["volume"].append(pur.volume)
        st["discount"].append(pur.discount)
        st["supplier_bill"].append(pur.bill)
        st["member_payments"].append(pur.payment.sum(axis=1))
        st["leads"].append(m.has_lead.sum(axis=1).astype(np.int32))
        st["leads_routed"].append(m.leads_routed.sum(axis=1).astype(np.int32))
        st["leads_kept"].append(m.leads_kept.sum(axis=1).astype(np.int32))
        st["leads_missed"].append(m.leads_missed.sum(axis=1).astype(np.int32))
        st["quotas"].append(m.quota_paid.sum(axis=1))
        st["commissions"].append(m.commission)
        st["fines"].append(m.fines_total.sum(axis=1))
        st["promotion"].append(m.spend)
        st["refunds"].append(m.refund)
        st["fund"].append(m.fund.copy())
        st["conflicts"].append(m.conflicts.astype(np.int32))
        st["violations"].append(m.violated.sum(axis=1).astype(np.int32))
        st["furtive_acts"].append((m.reneged | m.kept_furtive).sum(axis=1).astype(np.int32))
        st["detection"].append(m.detect.copy())
        st["transaction_cost"].append(m.tc.copy())
        income = np.where(played, m.payoff, 0.0).sum(axis=1)
        alone = np.where(played, m.alone, 0.0).sum(axis=1)
        st["income_members"].append(income / n_played)
        st["income_alone"].append(alone / n_played)
        st["income_gain"].append(np.where(alone > 0, income / np.maximum(alone, 1e-12) - 1.0, 0.0))

    # ------------------------------------------------------------------ tables
    def steps_frame(self, since: int = 0) -> pd.DataFrame:
        """The steps table (optionally only meetings from ``since`` on, for live dashboards)."""
        cols = {k: np.concatenate(v[since:]) if v[since:] else np.array([]) for k, v in self.steps.items()}
        return pd.DataFrame(cols)

    def firms_frame(self) -> pd.DataFrame:
        """The firms table, with readable categories."""
        if not self.firms:
            return pd.DataFrame(columns=FIRM_COLUMNS)
        cols = {k: np.concatenate(v) for k, v in self.firms.items()}
        df = pd.DataFrame(cols)
        df["profile"] = pd.Categorical.from_codes(df["profile"], NAMES)
        df["disposition"] = pd.Categorical.from_codes(df["disposition"], DISPOSITIONS)
        df["lead"] = pd.Categorical.from_codes(df["lead"], LEAD_STATES)
        df["sanction"] = pd.Categorical.from_codes(df["sanction"], SANCTIONS)
        df["status"] = pd.Categorical.from_codes(df["status"], STATUS)
        return df

    def events_frame(self, since: int = 0) -> pd.DataFrame:
        """The events table with a sentence per event in English and Spanish."""
        from .narrative import describe

        chunks = _as_chunks(self.events[since:])
        if not chunks:
            df = pd.DataFrame({c: pd.Series(dtype=t) for c, t in EVENT_DTYPES.items()})
        else:
            cols = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
            df = pd.DataFrame(cols)
            df["kind"] = pd.Categorical(df["kind"].map(EVENT_KINDS), categories=list(EVENT_KINDS.values()))
            df["profile"] = pd.Categorical.from_codes(df["profile"].astype(int), NAMES) if (
                df["profile"] >= 0).all() else pd.Categorical(
                [NAMES[p] if p >= 0 else None for p in df["profile"]], categories=NAMES)
            df["sanction"] = pd.Categorical.from_codes(df["sanction"].astype(int), SANCTIONS)
            df = df.sort_values(["step", "group"], kind="stable").reset_index(drop=True)
        df["message"] = describe(df, "en")
        df["message_es"] = describe(df, "es")
        return df

    def frames(self) -> dict[str, pd.DataFrame]:
        """steps, firms and events tables of the run so far."""
        return {"steps": self.steps_frame(), "firms": self.firms_frame(), "events": self.events_frame()}


EVENT_FIELDS = ("step", "group", "firm", "other", "profile", "kind", "code", "detected", "sanction",
                "strike", "amount")


def _as_chunks(items):
    """Turn runs of single-event tuples into column chunks, keeping the order of events."""
    chunks, singles = [], []
    for item in items:
        if isinstance(item, tuple):
            singles.append(item)
            continue
        if singles:
            chunks.append(_tuples_to_chunk(singles))
            singles = []
        chunks.append(item)
    if singles:
        chunks.append(_tuples_to_chunk(singles))
    return chunks


def _tuples_to_chunk(rows):
    cols = list(zip(*rows, strict=True))
    return {name: np.asarray(col, dtype=bool if name == "detected" else (float if name == "amount" else np.int64))
            for name, col in zip(EVENT_FIELDS, cols, strict=True)}


FIRM_COLUMNS = ["step", "group", "firm", "profile", "capacity", "product", "disposition", "tenure",
                "attended", "commit", "renege", "quota_paid", "lead", "cooperation", "payoff", "alone",
                "trust_given", "trust_received", "strikes", "sanction", "fine", "status"]
EVENT_DTYPES = {"step": "int64", "group": "int64", "firm": "int64", "other": "int64",
                "profile": "object", "kind": "object", "code": "int64", "detected": "bool",
                "sanction": "object", "strike": "int64", "amount": "float64"}
