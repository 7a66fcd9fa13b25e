"""Recording a run into tidy tables: steps (group x meeting), firms (firm x meeting), events.

The model calls the :class:`Recorder` once per meeting. The recorder does the least work it can
while the run is going and the rest once, when the tables are asked for:

* a meeting's group rows are a few stacked reductions: every per-seat quantity the steps table sums
  is stacked into one ``(k, groups, seats)`` array and summed in one call, and every per-group value
  goes into one ``(k, groups)`` block; ratios (attendance, cooperation, income gain) are divided
  out over the whole run at the end;
* a meeting's firm rows are gathered with one flat index of the member seats from three blocks
  (float32, float64, small integers), so 10,000 firms cost a handful of NumPy calls, not one per
  column and never one per firm;
* events are appended as they happen (a tuple for a single event, arrays for many) and turned into
  one table, sorted by meeting and group, with its sentences written per template (sim/model/narrative.py).

``frames()`` returns the pandas DataFrames with explicit keys and readable categories. Adding a
column: compute it from the model's arrays in ``record_groups`` or ``record_firms`` (add it to the
matching block) and name it in the column lists below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .columns import GAME_INCOME as _GAME_INCOME  # registered games (vocabulary.register_game)
from .columns import STEP_COLUMNS
from .profiles import NAMES
from .seats import seat_sum
from .vocabulary import (
    EVENT_KINDS,  # re-exported: code -> name of the events table
    SANCTION_NAMES,
)

LEAD_STATES = ("none", "routed", "kept", "missed")
STATUS = ("member", "leaving", "exiting", "expelled")
SANCTIONS = SANCTION_NAMES   # code -> name of the sanction column (sim/model/vocabulary.py: Sanction)
DISPOSITIONS = ("active", "passive", "barely")

# ---------------------------------------------------------------------- column layout of the blocks
# steps table: counts per group (summed from boolean seat masks), sums per group (summed from float
# seat arrays) and per-group values copied as they are; (name, final dtype)
_GROUP_COUNTS = ("attend", "lead", "routed", "kept", "missed", "violated", "furtive", "played",
                 "members") + tuple(f"n_{p}" for p in NAMES)
_GROUP_SUMS = ("coop", *(f"coop_{p}" for p in NAMES), "quotas", "fines", "member_payments",
               "income", "alone", *_GAME_INCOME)
_GROUP_VALUES = (("alive", bool), ("phase", np.int8), ("facilitator", np.float64),
                 ("self_governance", np.float64), ("coordination", np.float64),
                 ("entries", np.int32), ("exits", np.int32), ("expulsions", np.int32),
                 ("trust", np.float64), ("purchase_placed", bool), ("volume", np.float64),
                 ("discount", np.float64), ("supplier_bill", np.float64),
                 ("commissions", np.float64), ("promotion", np.float64), ("refunds", np.float64),
                 ("fund", np.float64), ("conflicts", np.int32), ("detection", np.float64),
                 ("transaction_cost", np.float64), ("leadership", np.float64),
                 ("programme_cost", np.float64), ("facilitator_copay", np.float64),
                 ("subsidy", np.float64), ("programme_left", np.float64), ("manager", bool),
                 ("manager_pay", np.float64), ("manager_fund", np.float64), ("founders", np.int32))
# firms table: per-seat arrays gathered each meeting, by storage block; (name, final dtype)
_FIRM_F32 = ("capacity", "commit", "renege", "quota_paid", "cooperation", "trust_given",
             "trust_received", "fine", "punished")
_FIRM_F64 = ("payoff", "alone")
_FIRM_I32 = (("group", np.int32), ("product", np.int32), ("tenure", np.int32),
             ("strikes", np.int16))
_FIRM_I8 = (("profile", np.int8), ("disposition", np.int8), ("attended", bool), ("lead", np.int8),
            ("sanction", np.int8), ("status", np.int8), ("participated", bool))


def _where_or_zero(mask, x, out=None):
    """Return ``np.where(mask, x, 0.0)`` (written into ``out``, if given)."""
    if out is None:
        return np.where(mask, x, 0.0)
    out[...] = 0.0
    np.copyto(out, x, where=mask)
    return out


_SCALARS = (int, float, bool, np.generic)


def _broadcast(x, dtype, n):
    """Return ``x`` as ``dtype``: a Python scalar if it is one value, else an array of length ``n``."""
    x = np.asarray(x, dtype)
    return x.item() if x.ndim == 0 else np.broadcast_to(x, (n,))


class Recorder:
    """Collects the rows of one run, meeting by meeting."""

    def __init__(self, model):
        """Attach to a model; what is recorded follows ``scenario.run.firm_table``."""
        self.model = model
        # one entry per recorded meeting in each list (``steps["step"]`` counts meetings)
        self.steps = {"step": [], "counts": [], "sums": [], "values": []}
        self.firms = {"step": [], "firm": [], "f32": [], "f64": [], "i32": [], "i8": []}
        # one entry per event call: a tuple (one event) or a dict of arrays (many)
        self.events = []
        self._scratch = {}
        run = model.config.run
        self.firm_mode = run.firm_table
        self.every = run.sample_every

    # ------------------------------------------------------------------ events
    def event(self, kind, g, s, other, *, code=0, profile=None, amount=0.0, detected=True,
              sanction=0, strikes=0):
        """One event at group g, seat s (-1: the group as a whole), other seat (-1: none)."""
        m = self.model
        firm = int(m.firm_id[g, s]) if s >= 0 else -1
        if profile is None:
            profile = int(m.profile[g, s]) if s >= 0 else -1
        oth = int(m.firm_id[g, other]) if other >= 0 else -1
        self.events.append((m.t, g, firm, oth, profile, kind, code, detected, sanction, strikes,
                            float(amount)))

    def events_bulk(self, kind, gs, *, detected=None, sanction=None, amount=None, strikes=None,
                    code=None):
        """Events for many seats at once (``gs`` is a ``np.nonzero`` pair)."""
        m = self.model
        g, s = gs
        self.events.append({
            "n": len(g), "step": m.t, "group": g, "firm": m.firm_id[g, s], "other": -1,
            "profile": m.profile[g, s], "kind": kind, "code": 0 if code is None else code,
            "detected": True if detected is None else detected,
            "sanction": 0 if sanction is None else sanction, "strike": 0 if strikes is None else strikes,
            "amount": 0.0 if amount is None else amount,
        })

    def events_pairs(self, kind, g, a, b, *, amount):
        """Events between two seats of the same group (conflicts)."""
        m = self.model
        self.events.append({
            "n": len(g), "step": m.t, "group": g, "firm": m.firm_id[g, a], "other": m.firm_id[g, b],
            "profile": m.profile[g, a], "kind": kind, "code": 0, "detected": True, "sanction": 0,
            "strike": 0, "amount": amount,
        })

    def events_groups(self, kind, groups, *, code=None, amount=None, profile=None):
        """Group-level events (no firm) for several groups at once (used by sim/model/agenda.py)."""
        n = len(groups)
        if not n:
            return
        self.events.append({
            "n": n, "step": self.model.t, "group": groups, "firm": -1, "other": -1,
            "profile": -1 if profile is None else np.asarray(profile, np.int64), "kind": kind,
            "code": 0 if code is None else _broadcast(code, np.int64, n),
            "detected": True, "sanction": 0, "strike": 0,
            "amount": 0.0 if amount is None else _broadcast(amount, float, n),
        })

    # ------------------------------------------------------------------ meeting rows
    def _buffer(self, name, rows, dtype):
        """Return a scratch array (rows, groups, seats), allocated once and reused every meeting."""
        buf = self._scratch.get(name)
        if buf is None:
            m = self.model
            buf = self._scratch[name] = np.zeros((rows, m.G, m.C), dtype)
        return buf

    def record_firms(self):
        """Member rows of this meeting (before exits and expulsions take effect)."""
        if self.firm_mode == "off" or (self.firm_mode == "sampled" and self.model.t % self.every):
            return
        m = self.model
        idx = np.flatnonzero(m.member)          # the member seats, row-major like np.nonzero
        f32, f64, i32, i8 = self._gather_columns(idx)
        f = self.firms
        f["step"].append(m.t)
        f["firm"].append(m.firm_id.ravel()[idx])
        for name, block in (("f32", f32), ("f64", f64), ("i32", i32), ("i8", i8)):
            f[name].append(block)

    def _firm_states(self, lead, status):
        """Write the lead state and membership status codes of every seat into two int8 arrays."""
        m = self.model
        lead[...] = 0
        lead[m.leads_routed] = 1
        lead[m.leads_kept] = 2
        lead[m.leads_missed] = 3
        status[...] = 0
        status[m.leaving >= 0] = 1
        status[m.exit_now] = 2
        status[m.expel] = 3

    def _gather_columns(self, idx):
        """Return the firm blocks of the seats ``idx``, gathering each column once from the model's array.

        On a large run copying whole arrays into stacked blocks first cost about twice as much as
        the gather; the cast to the block's type rides on the assignment (same values either way).
        """
        m = self.model
        n = len(idx)
        f32, f64 = np.empty((len(_FIRM_F32), n), np.float32), np.empty((len(_FIRM_F64), n))
        i32, i8 = np.empty((len(_FIRM_I32), n), np.int32), np.empty((len(_FIRM_I8), n), np.int8)
        states = self._buffer("firm_states", 2, np.int8)
        self._firm_states(states[0], states[1])
        for block, columns in ((f32, (m.capacity, m.commit, m.renege, m.quota_paid, self.cooperation(),
                                      m.trust_given, m.trust_received, m.fines_total, m.punish_loss)),
                               (f64, (m.payoff, m.alone)),
                               (i32, (None, m.product, m.tenure, m.strikes)),
                               (i8, (m.profile, m.disposition, m.attend, states[0], m.sanction_kind,
                                     states[1], m.participate))):
            for row, x in enumerate(columns):
                if x is not None:
                    block[row] = x.reshape(-1)[idx]
        np.floor_divide(idx, m.C, out=i32[0], casting="unsafe")   # the group of each seat
        return f32, f64, i32, i8

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
        st = self.steps
        st["step"].append(m.t)
        counts = masks.reshape(-1, m.C) @ np.ones(m.C, np.float32)
        st["counts"].append(counts.reshape(len(masks), m.G))   # float32, exact small integers
        st["sums"].append(amounts.sum(axis=2))
        st["values"].append(values)

    # ------------------------------------------------------------------ tables
    def steps_frame(self, since: int = 0) -> pd.DataFrame:
        """Return the steps table (only meetings from ``since`` on, for live dashboards)."""
        st = self.steps
        meetings = st["step"][since:]
        if not meetings:
            return pd.DataFrame({name: np.array([]) for name in STEP_COLUMNS})
        G = self.model.G
        k = len(meetings)
        counts = np.concatenate(st["counts"][since:], axis=1).astype(np.int32)   # exact counts
        counts = dict(zip(_GROUP_COUNTS, counts, strict=True))
        sums = dict(zip(_GROUP_SUMS, np.concatenate(st["sums"][since:], axis=1), strict=True))
        names = [name for name, _ in _GROUP_VALUES]
        values = dict(zip(names, np.concatenate(st["values"][since:], axis=1), strict=True))
        n_played = np.maximum(counts["played"], 1)
        income, alone = sums["income"], sums["alone"]
        cols = {
            "step": np.repeat(np.asarray(meetings, np.int32), G),
            "group": np.tile(np.arange(G, dtype=np.int32), k),
            "alive": None, "phase": None, "facilitator": None, "self_governance": None,
            "coordination": None,
            "members": counts["members"],
            "entries": None, "exits": None, "expulsions": None,
            "attendance": counts["attend"] / n_played,
            "trust": None,
            "cooperation": sums["coop"] / n_played,
        }
        for name in NAMES:
            n = counts[f"n_{name}"]
            cols[f"coop_{name}"] = np.where(n > 0, sums[f"coop_{name}"] / np.maximum(n, 1), np.nan)
        cols.update({
            "purchase_placed": None, "volume": None, "discount": None, "supplier_bill": None,
            "member_payments": sums["member_payments"],
            "leads": counts["lead"],
            "leads_routed": counts["routed"],
            "leads_kept": counts["kept"],
            "leads_missed": counts["missed"],
            "quotas": sums["quotas"], "commissions": None, "fines": sums["fines"],
            "promotion": None, "refunds": None, "fund": None, "conflicts": None,
            "violations": counts["violated"],
            "furtive_acts": counts["furtive"],
            "detection": None, "transaction_cost": None, "leadership": None,
            "programme_cost": None, "facilitator_copay": None, "subsidy": None,
            "programme_left": None, "manager": None, "manager_pay": None, "manager_fund": None,
            "founders": None,
            "income_members": income / n_played,
            "income_alone": alone / n_played,
            "income_gain": np.where(alone > 0, income / np.maximum(alone, 1e-12) - 1.0, 0.0),
            **{name: sums[name] for name in _GAME_INCOME},
        })
        for name, dtype in _GROUP_VALUES:
            cols[name] = values[name].astype(dtype, copy=False)   # float64 ones: views, no copy
        return pd.DataFrame(cols, copy=False)

    def firms_frame(self) -> pd.DataFrame:
        """Return the firms table, with readable categories."""
        f = self.firms
        if not f["step"]:
            return pd.DataFrame(columns=FIRM_COLUMNS)
        sizes = [len(x) for x in f["firm"]]
        cols = {"step": np.repeat(np.asarray(f["step"], np.int32), sizes),
                "firm": np.concatenate(f["firm"])}
        for block, names in (("f32", _FIRM_F32), ("f64", _FIRM_F64)):
            for name, col in zip(names, np.concatenate(f[block], axis=1), strict=True):
                cols[name] = col
        for block, names in (("i32", _FIRM_I32), ("i8", _FIRM_I8)):
            for (name, dtype), col in zip(names, np.concatenate(f[block], axis=1), strict=True):
                cols[name] = col.astype(dtype, copy=False)
        cols["profile"] = pd.Categorical.from_codes(cols["profile"], NAMES)
        cols["disposition"] = pd.Categorical.from_codes(cols["disposition"], DISPOSITIONS)
        cols["lead"] = pd.Categorical.from_codes(cols["lead"], LEAD_STATES)
        cols["sanction"] = pd.Categorical.from_codes(cols["sanction"], SANCTIONS)
        cols["status"] = pd.Categorical.from_codes(cols["status"], STATUS)
        return pd.DataFrame({name: cols[name] for name in FIRM_COLUMNS}, copy=False)

    def _event_columns(self, chunks) -> dict[str, np.ndarray]:
        """Return the event chunks as one array per column, in the order they were recorded.

        A bulk chunk keeps the fields its call shared by all its events as one scalar (step, kind,
        the defaults); they are expanded here, one ``np.repeat`` per column over all chunks, and
        the arrays are written over their chunk's rows (the same values as concatenating them and
        casting to the column's type).
        """
        parts, singles = [], []

        def flush():
            if singles:
                columns = zip(*singles, strict=True)
                part = dict(zip(EVENT_FIELDS, map(np.array, columns), strict=True))
                part["n"] = len(singles)
                parts.append(part)
                singles.clear()

        for chunk in chunks:
            if isinstance(chunk, tuple):
                singles.append(chunk)
            else:
                flush()
                parts.append(chunk)
        flush()
        sizes = [p["n"] for p in parts]
        bounds = np.concatenate([[0], np.cumsum(sizes)]).tolist()
        out = {}
        for name, dtype in EVENT_FIELDS.items():
            values = [p[name] for p in parts]
            scalar = [isinstance(v, _SCALARS) for v in values]
            if not any(scalar):
                col = np.concatenate([np.asarray(v) for v in values]).astype(dtype, copy=False)
            else:
                col = np.repeat(np.array([v if s else 0 for v, s in zip(values, scalar, strict=True)], dtype),
                                sizes)
                for i, (v, s) in enumerate(zip(values, scalar, strict=True)):
                    if not s:
                        col[bounds[i]:bounds[i + 1]] = v
            out[name] = col
        return out

    def events_frame(self, since: int = 0, sentences: bool = True) -> pd.DataFrame:
        """Return the events table with a sentence per event in English and Spanish (unless not wanted)."""
        chunks = self.events[since:]
        if not chunks:
            df = pd.DataFrame({c: pd.Series(dtype=t) for c, t in EVENT_DTYPES.items()})
        else:
            cols = self._event_columns(chunks)
            order = np.lexsort((cols["group"], cols["step"]))   # stable: by meeting, then group
            cols = {name: col[order] for name, col in cols.items()}
            kind_codes = np.full(max(int(cols["kind"].max()) + 1, max(EVENT_KINDS) + 1), -1)
            kind_codes[list(EVENT_KINDS)] = np.arange(len(EVENT_KINDS))
            cols["kind"] = pd.Categorical.from_codes(kind_codes[cols["kind"]],
                                                     list(EVENT_KINDS.values()))
            cols["profile"] = pd.Categorical.from_codes(cols["profile"], NAMES)  # -1: no firm
            cols["sanction"] = pd.Categorical.from_codes(cols["sanction"], SANCTIONS)
            df = pd.DataFrame({name: cols[name] for name in EVENT_DTYPES}, copy=False)
        return with_sentences(df) if sentences else df

    def frames(self, sentences: bool = True) -> dict[str, pd.DataFrame]:
        """Return the steps, firms and events tables of the run so far (events without sentences on request)."""
        return {"steps": self.steps_frame(), "firms": self.firms_frame(),
                "events": self.events_frame(sentences=sentences)}


def with_sentences(events: pd.DataFrame) -> pd.DataFrame:
    """Add the English and Spanish sentence of every event (``message``, ``message_es``)."""
    from .narrative import describe_all

    said = describe_all(events, ("en", "es"))
    events["message"], events["message_es"] = said["en"], said["es"]
    return events


FIRM_COLUMNS = ["step", "group", "firm", "profile", "capacity", "product", "disposition", "tenure",
                "attended", "participated", "commit", "renege", "quota_paid", "lead", "cooperation",
                "payoff", "alone", "trust_given", "trust_received", "strikes", "sanction", "fine",
                "punished", "status"]
EVENT_FIELDS = {"step": np.int64, "group": np.int64, "firm": np.int64, "other": np.int64,
                "profile": np.int64, "kind": np.int64, "code": np.int64, "detected": bool,
                "sanction": np.int64, "strike": np.int64, "amount": np.float64}
EVENT_DTYPES = {"step": "int64", "group": "int64", "firm": "int64", "other": "int64",
                "profile": "object", "kind": "object", "code": "int64", "detected": "bool",
                "sanction": "object", "strike": "int64", "amount": "float64"}
