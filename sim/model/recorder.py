"""Recording a run into tidy tables: steps (group x meeting), firms (firm x meeting), events.

The model calls the :class:`Recorder` once per meeting. The recorder does the least work it can
while the run is going and the rest once, when the tables are asked for:

* a meeting's group rows are a few stacked reductions: every per-seat quantity the steps table sums
  is stacked into one ``(k, groups, seats)`` array and summed in one call, and the counts, sums and
  per-group values are written into that meeting's place in three preallocated blocks
  ``(k, meetings, groups)`` (grown by doubling), whose rows are the table's columns as they are;
  ratios (attendance, cooperation, income gain) are divided out over the whole run at the end;
* a meeting's firm columns are copied whole (every seat) into that meeting's row of preallocated
  blocks (float32, float64, int32, int8), one assignment per column and never one per firm; the
  member seats are picked out once, for all meetings, when the table is built;
* events are appended as they happen (a tuple for a single event, arrays for many) and turned into
  one table, sorted by meeting and group, with its sentences written per template (sim/model/narrative.py).
  In a batch (several replications played as the groups of one model) the events come by
  replication first, so that each replication's rows are together, in the order of its own table.

``frames()`` returns the pandas DataFrames with explicit keys and readable categories; ``tables()``
returns them with their ``run`` column, and the typed arrays they were built from (each frame is
built once from those, through :func:`frame`, and ``sim.run`` reads the outcomes from the arrays,
not the frames). Adding a
column: compute it from the model's arrays in ``record_groups`` or ``record_firms`` (add it to the
matching block) and name it in the column lists below.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from . import kernels
from .columns import GAME_INCOME as _GAME_INCOME  # registered games (vocabulary.register_game)
from .columns import STEP_COLUMNS
from .profiles import NAMES
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
_FIRM_I32 = ("product", "tenure", "strikes")                    # strikes: int16 in the table
_FIRM_I8 = ("profile", "disposition", "attended", "lead", "sanction", "status", "participated")  # bools: 0/1
_FIRM_BLOCKS = (("f32", np.float32, _FIRM_F32), ("f64", np.float64, _FIRM_F64), ("i32", np.int32, _FIRM_I32),
                ("i8", np.int8, _FIRM_I8))
_FIRM_CHUNK = 64             # recorded meetings per block of the firm columns at most
_FIRM_CHUNK_BYTES = 4 << 20  # and a float32 block of about this size at most (a large run's blocks stay
                             # small enough for malloc to reuse between runs instead of mapping fresh pages)


def firm_chunk(groups: int, seats: int) -> int:
    """Recorded meetings per block of the firm columns for a model of ``groups`` x ``seats``."""
    per_meeting = groups * seats * len(_FIRM_F32) * 4
    return int(min(_FIRM_CHUNK, max(1, _FIRM_CHUNK_BYTES // per_meeting)))


def _where_or_zero(mask, x, out=None):
    """Return ``np.where(mask, x, 0.0)`` (written into ``out``, if given)."""
    if out is None:
        return np.where(mask, x, 0.0)
    out[...] = 0.0
    np.copyto(out, x, where=mask)
    return out


def _broadcast(x, dtype, n):
    """Return ``x`` as ``dtype``: a Python scalar if it is one value, else an array of length ``n``."""
    x = np.asarray(x, dtype)
    return x.item() if x.ndim == 0 else np.broadcast_to(x, (n,))


class Recorder:
    """Collects the rows of one run, meeting by meeting."""

    def __init__(self, model):
        """Attach to a model; what is recorded follows ``scenario.run.firm_table``."""
        self.model = model
        # the recorded meetings (``steps["step"]``); their group rows are in ``_blocks`` (_group_blocks)
        self.steps = {"step": []}
        self._blocks = None
        # recorded meetings; blocks of firm_chunk() meetings (every seat), each from meeting start[k]
        self.firms = {"step": [], "start": [], "chunks": []}
        # one entry per event call: a tuple (one event) or a dict of arrays (many)
        self.events = []
        self._scratch = {}
        run = model.config.run
        self.firm_mode = run.firm_table
        self.every = run.sample_every
        self._chunk_size = firm_chunk(model.G, model.C)   # meetings per block of the firm columns

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
        """Every seat's firm columns at this meeting (before exits and expulsions take effect).

        Every column is copied into this meeting's row of preallocated blocks in one compiled pass
        (:func:`sim.model.kernels.firm_rows`, which casts as NumPy's assignment would); the member
        seats are picked out once, for all meetings, when the table is built (:meth:`firms_columns`).
        """
        if self.firm_mode == "off" or (self.firm_mode == "sampled" and self.model.t % self.every):
            return
        m = self.model
        f = self.firms
        chunk_size = self._chunk_size
        i = len(f["step"]) - f["start"][-1] if f["start"] else chunk_size
        if i == chunk_size:   # a new chunk of meetings
            f["start"].append(len(f["step"]))
            shape = (chunk_size, m.G, m.C)
            f["chunks"].append({"firm": np.empty(shape, np.int64), "member": np.empty(shape, bool),
                                **{name: np.empty((len(cols), *shape), dtype)
                                   for name, dtype, cols in _FIRM_BLOCKS}})
            i = 0
        chunk = f["chunks"][-1]
        f["step"].append(m.t)
        kernels.firm_rows(i, chunk["firm"], chunk["member"], *(chunk[name] for name, _, _ in _FIRM_BLOCKS),
                          m.firm_id, m.member, m.capacity, m.commit, m.renege, m.quota_paid, self.cooperation(),
                          m.trust_given, m.trust_received, m.fines_total, m.punish_loss, m.payoff, m.alone,
                          m.product, m.tenure, m.strikes, m.profile, m.disposition, m.attend, m.sanction_kind,
                          m.participate, m.leads_routed, m.leads_kept, m.leads_missed, m.leaving, m.exit_now,
                          m.expel)

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
        # members of this meeting (``played``, leavers included) in an open purchase; the quota; a lead
        coop = kernels.cooperation(m.commit, m.renege, m.played, m.purchase_open, m.quota_due, m.pay_quota, m.has_lead,
                                   m.route_lead)
        self._coop = (m.commit, coop)
        return coop

    def _group_blocks(self, meeting: int):
        """The blocks of the steps table's counts, sums and per-group values, with room for ``meeting``.

        Each is ``(fields, meetings, groups)``: a field's rows over the meetings recorded are one
        contiguous run, the table's column with no copy. Made for the scenario's horizon (a large
        block's pages for meetings not played are never written, so they take no memory), and
        doubled, the rows so far copied over, when a run plays more meetings.
        """
        blocks = self._blocks
        if blocks is None or blocks[0].shape[1] <= meeting:
            m = self.model
            room = max(2 * meeting, m.config.run.steps, 1)
            new = tuple(np.empty((len(fields), room, m.G), dtype) for fields, dtype in (
                (_GROUP_COUNTS, np.int32), (_GROUP_SUMS, np.float64), (_GROUP_VALUES, np.float64)))
            if blocks is not None:
                for old, block in zip(blocks, new, strict=True):
                    block[:, :meeting] = old[:, :meeting]
            self._blocks = blocks = new
        return blocks

    def record_groups(self):
        """One row per group for this meeting (after membership changes)."""
        m = self.model
        played = m.played  # members of this meeting (before membership changes)
        coop = self.cooperation()
        # counts per group (float32, exact small integers) and the seat amounts and their sums over
        # seats, in one compiled pass (sim.model.kernels.group_rows), the sums and the per-group
        # values written into this meeting's place in the blocks; the registered games' incomes
        # after them
        at = len(self.steps["step"])
        counts_block, sums_block, values_block = self._group_blocks(at)
        amounts = self._buffer("group_amounts", len(_GROUP_SUMS), np.float64)
        sums, values = sums_block[:, at], values_block[:, at]
        pur = m.purchase
        counts = kernels.group_rows(m.attend, m.has_lead, m.leads_routed, m.leads_kept, m.leads_missed, m.violated,
                                    m.reneged, m.kept_furtive, played, m.member, m.profile, coop, m.quota_paid,
                                    m.fines_total, pur.payment, m.payoff, m.alone, len(NAMES), amounts, sums, values,
                                    m.founder, m.alive, m.phase, m.f, m.self_gov, m.capacity_coord, m.n_entered,
                                    m.n_exited, m.n_expelled, m.group_trust(), pur.placed, pur.volume, pur.discount,
                                    pur.bill, m.commission, m.spend, m.refund, m.fund, m.conflicts, m.detect, m.tc,
                                    m.leadership, m.programme_paid, m.facilitator_copay, m.subsidy, m.programme_left,
                                    m.manager, m.manager_pay, m.manager_fund)
        counts_block[:, at] = counts   # exact small integers, as int32
        k = 1 + len(NAMES)
        for i, name in enumerate(m.game_rounds):
            row = _where_or_zero(played, m.game_rounds[name].payoff, out=amounts[k + 5 + i])
            sums[k + 5 + i] = row.sum(axis=1)
        self.steps["step"].append(m.t)

    # ------------------------------------------------------------------ tables
    def steps_frame(self, since: int = 0) -> pd.DataFrame:
        """Return the steps table (only meetings from ``since`` on, for live dashboards)."""
        cols = self.steps_columns(since)
        if cols is None:
            return pd.DataFrame({name: np.array([]) for name in STEP_COLUMNS})
        return frame(cols)

    def steps_columns(self, since: int = 0) -> dict[str, np.ndarray] | None:
        """The steps table's columns in table order (None: no meeting recorded since ``since``)."""
        st = self.steps
        meetings = st["step"][since:]
        if not meetings:
            return None
        G = self.model.G
        k = len(meetings)
        # each field's rows of these meetings: a row of its block (a view, no copy)
        counts, sums, values = (block[:, since:since + k].reshape(len(block), k * G) for block in self._blocks)
        counts = dict(zip(_GROUP_COUNTS, counts, strict=True))
        sums = dict(zip(_GROUP_SUMS, sums, strict=True))
        names = [name for name, _ in _GROUP_VALUES]
        values = dict(zip(names, values, strict=True))
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
        return cols

    def firms_frame(self) -> pd.DataFrame:
        """Return the firms table, with readable categories."""
        cols = self.firms_columns()
        return pd.DataFrame(columns=FIRM_COLUMNS) if cols is None else frame(cols)

    def firms_columns(self, release: bool = False) -> dict[str, np.ndarray] | None:
        """The firms table's columns in table order, categories as pandas Categoricals (None: no rows).

        The member seats of every recorded meeting are gathered from each chunk's blocks, meeting by
        meeting and seats row-major (group, then seat), straight into the table's columns (one
        ``np.take`` per column and chunk). With ``release`` the recorder hands its firm rows over:
        each chunk is freed once gathered (a large run's peak memory holds the blocks or the
        table, not both) and later calls find no firm rows.
        """
        f = self.firms
        if not f["step"]:
            return None
        m = self.model
        S = m.G * m.C
        meetings, starts, chunks = f["step"], f["start"], f["chunks"]
        if release:
            self.firms = {"step": [], "start": [], "chunks": []}
        bounds = [*starts, len(meetings)]
        counts = [np.count_nonzero(chunk["member"][:bounds[k + 1] - bounds[k]].reshape(-1, S), axis=1)
                  for k, chunk in enumerate(chunks)]
        rows = int(sum(c.sum() for c in counts))
        cols = {"step": np.repeat(np.asarray(meetings, np.int32), np.concatenate(counts)),
                "group": np.empty(rows, np.int32), "firm": np.empty(rows, np.int64)}
        blocks = {name: np.empty((len(names), rows), dtype) for name, dtype, names in _FIRM_BLOCKS}
        lo = 0
        for k in range(len(chunks)):
            chunk = chunks[k]
            if release:
                chunks[k] = None
            n = bounds[k + 1] - bounds[k]
            at = np.flatnonzero(chunk["member"][:n].reshape(n, S))   # meeting-major, then seat
            hi = lo + len(at)
            np.floor_divide(at % S, m.C, out=cols["group"][lo:hi], casting="unsafe")
            np.take(chunk["firm"][:n].reshape(-1), at, out=cols["firm"][lo:hi])
            for name, _, names in _FIRM_BLOCKS:   # one gather per block, into its rows of the table
                np.take(chunk[name][:, :n].reshape(len(names), n * S), at, axis=1, out=blocks[name][:, lo:hi],
                        mode="clip")
            del chunk
            lo = hi
        for name, _, names in _FIRM_BLOCKS:   # a column is a row of its block (no copy)
            cols.update(zip(names, blocks[name], strict=True))
        cols["strikes"] = cols["strikes"].astype(np.int16)
        for name in ("attended", "participated"):   # 0/1 int8: the same bytes as bool
            cols[name] = cols[name].view(bool)
        cols["profile"] = categorical(cols["profile"], NAMES)
        cols["disposition"] = categorical(cols["disposition"], DISPOSITIONS)
        cols["lead"] = categorical(cols["lead"], LEAD_STATES)
        cols["sanction"] = categorical(cols["sanction"], SANCTIONS)
        cols["status"] = categorical(cols["status"], STATUS)
        return {name: cols[name] for name in FIRM_COLUMNS}

    def _event_columns(self, chunks) -> dict[str, np.ndarray]:
        """Return the event chunks as one array per column, in the order they were recorded.

        A bulk chunk keeps the fields its call shared by all its events as one scalar (step, kind,
        the defaults) and the others as NumPy arrays. The scalars are expanded here, one
        ``np.repeat`` per column over all chunks, and the arrays, each cast to the column's type,
        are written over their chunks' rows in one assignment (the same values as concatenating
        them and casting to the column's type).
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
        sizes = np.array([p["n"] for p in parts])
        out = {}
        for name, dtype in EVENT_FIELDS.items():
            values = [p[name] for p in parts]
            is_array = [type(v) is np.ndarray for v in values]   # else a scalar shared by the chunk's events
            if all(is_array):
                col = np.concatenate(values).astype(dtype, copy=False)
            elif not any(is_array):
                col = np.repeat(np.array(values, dtype), sizes)
            else:   # the scalars repeated, then the arrays written over their chunks' rows at once
                pairs = list(zip(values, is_array, strict=True))
                col = np.repeat(np.array([0 if a else v for v, a in pairs], dtype), sizes)
                arrays = [v for v, a in pairs if a]
                col[np.repeat(np.array(is_array), sizes)] = np.concatenate(arrays, dtype=dtype, casting="unsafe")
            out[name] = col
        return out

    def events_frame(self, since: int = 0, sentences: bool = True) -> pd.DataFrame:
        """Return the events table with a sentence per event in English and Spanish (unless not wanted)."""
        cols = self.events_columns(since, sentences)
        if cols is None:
            df = pd.DataFrame({c: pd.Series(dtype=t) for c, t in EVENT_DTYPES.items()})
            return with_sentences(df) if sentences else df
        return frame(cols)

    def events_columns(self, since: int = 0, sentences: bool = True) -> dict[str, np.ndarray] | None:
        """The events table's columns in table order, sentences included unless not wanted (None: no events).

        Rows by meeting, then group, in the order they were recorded (a batch: by replication first).

        The sentences are written from these arrays (sim/model/narrative.py: ``describe_columns``),
        before the table is built, so the table is built once with them.
        """
        chunks = self.events[since:]
        if not chunks:
            return None
        cols = self._event_columns(chunks)
        # stable, by replication, then meeting, then group (a run: by meeting, then group), through
        # one integer key (twice as fast as lexsort)
        m = self.model
        step = cols["step"] - cols["step"].min()
        key = ((cols["group"] // m.G0) * (int(step.max()) + 1) + step) * m.G + cols["group"]
        order = np.argsort(key, kind="stable")
        cols = {name: col[order] for name, col in cols.items()}
        kind_codes = np.full(max(int(cols["kind"].max()) + 1, max(EVENT_KINDS) + 1), -1)
        kind_codes[list(EVENT_KINDS)] = np.arange(len(EVENT_KINDS))
        cols["kind"] = categorical(kind_codes[cols["kind"]], tuple(EVENT_KINDS.values()))
        cols["profile"] = categorical(cols["profile"], NAMES)  # -1: no firm
        cols["sanction"] = categorical(cols["sanction"], SANCTIONS)
        cols = {name: cols[name] for name in EVENT_DTYPES}
        if sentences:
            from .narrative import describe_columns

            said = describe_columns(cols, ("en", "es"))
            cols["message"], cols["message_es"] = said["en"], said["es"]
        return cols

    def frames(self, sentences: bool = True) -> dict[str, pd.DataFrame]:
        """Return the steps, firms and events tables of the run so far (events without sentences on request)."""
        return {"steps": self.steps_frame(), "firms": self.firms_frame(),
                "events": self.events_frame(sentences=sentences)}

    def tables(self, sentences: bool = True, run_id: str | None = None, release: bool = False):
        """The steps, firms and events tables, and the columns they were built from.

        Returns ``(frames, columns)``: the frames as :meth:`frames` returns them, each with a first
        ``run`` column holding ``run_id`` when one is given (as ``df.insert(0, "run", run_id)``
        adds it), and each table's columns (a dict of arrays in table order; None for an empty
        table), which outcomes can read without going through pandas. ``release``: the last
        look at a finished run (:func:`sim.run`); the firm rows are handed over to the table
        (see :meth:`firms_columns`).
        """
        columns = {"steps": self.steps_columns(), "firms": self.firms_columns(release=release),
                   "events": self.events_columns(sentences=sentences)}
        empty = {"steps": self.steps_frame, "firms": self.firms_frame,
                 "events": lambda: self.events_frame(sentences=sentences)}
        rows = {name: len(next(iter(cols.values()))) for name, cols in columns.items() if cols is not None}
        run = run_column(run_id, max(rows.values(), default=0)) if run_id is not None else None
        frames = {}
        for name, cols in columns.items():
            if cols is None:   # an empty table: as built before, then given its run column
                df = empty[name]()
                if run_id is not None:
                    df.insert(0, "run", run_id)
            else:
                if run is not None:   # one run column for all three tables, cut to each one's length
                    cols = {"run": run[:rows[name]], **cols}
                df = frame(cols)
            frames[name] = df
        return frames, columns


def with_sentences(events: pd.DataFrame) -> pd.DataFrame:
    """Add the English and Spanish sentence of every event (``message``, ``message_es``)."""
    from .narrative import describe_all

    said = describe_all(events, ("en", "es"))
    events["message"], events["message_es"] = said["en"], said["es"]
    return events


@functools.cache
def _categories(names: tuple) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(names), ordered=False)


def categorical(codes: np.ndarray, names) -> pd.Categorical:
    """``pd.Categorical.from_codes(codes, names)``, its dtype built once per process.

    ``codes`` come from the model's own code arrays (-1: none), so they are not checked again.
    """
    return pd.Categorical.from_codes(codes, dtype=_categories(tuple(names)), validate=False)


@functools.cache
def _run_dtype():
    """The dtype of the ``run`` column as ``df.insert(0, "run", run_id)`` makes it."""
    probe = pd.DataFrame({"x": [0]})
    probe.insert(0, "run", "a-1")
    return probe["run"].dtype


def run_column(run_id: str, n: int):
    """A ``run`` column of ``n`` rows holding ``run_id`` (the array ``df.insert(0, "run", run_id)`` adds)."""
    return pd.array([run_id], dtype=_run_dtype()).take(np.zeros(n, np.intp))


def frame(columns: dict) -> pd.DataFrame:
    """``pd.DataFrame(columns, copy=False)`` for columns that are typed already, without pandas' checks.

    Every value must be a 1-D NumPy array or pandas ExtensionArray of the same length, in the
    dtype the table keeps: nothing is inferred or copied (an object array of sentences stays
    object, as assigning a ``Series(..., dtype=object)`` keeps it; the constructor would infer
    pandas' string dtype from it). The
    frame is built through pandas' block manager directly, which skips the per-column sanitising
    that is most of the constructor's cost on small tables (~6 us a column); each column stays
    a block of its own. tests/test_tables.py checks it against the constructor; where the
    internals it uses are missing (another pandas), the constructor is used.
    """
    arrays = list(columns.values())
    n = len(arrays[0]) if arrays else 0
    if _arrays_to_mgr is None or not arrays:
        return pd.DataFrame(columns, copy=False)
    mgr = _arrays_to_mgr(arrays, _columns_index(tuple(columns)), pd.RangeIndex(n), verify_integrity=False,
                         consolidate=False)
    return pd.DataFrame._from_mgr(mgr, axes=mgr.axes)


@functools.lru_cache(maxsize=64)
def _columns_index(names: tuple) -> pd.Index:
    """The column labels of a table, made once per layout (an Index is immutable; frames share it)."""
    return pd.Index(list(names))


try:
    from pandas.core.internals.construction import arrays_to_mgr as _arrays_to_mgr

    if not hasattr(pd.DataFrame, "_from_mgr"):
        _arrays_to_mgr = None
except ImportError:   # pragma: no cover - another pandas
    _arrays_to_mgr = None


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
