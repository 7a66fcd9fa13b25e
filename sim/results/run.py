"""A run is a function: ``run(scenario, seed) -> Results`` (four tidy tables and a manifest).

The CLI, the dashboard, the sweep runner and the tests all come through here. :func:`run` plays a
whole horizon; :class:`LiveRun` plays meeting by meeting for the dashboard and hands out only the
rows added since the last look, so charts can update incrementally.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model import points, programme
from ..model.agenda import FIRM_KEY_BITS, AsociaModel
from ..model.narrative import describe_columns
from ..model.profiles import NAMES
from ..model.recorder import _run_dtype, frame, with_sentences
from ..model.scenario import Scenario

# versions and the memory estimate live in a light module (the sweep's driver reads them without
# loading the engine); imported here, where callers have always found them
from .environment import __version__, memory_available, memory_need, memory_refusal, versions  # noqa: F401

SCHEMA_VERSION = 1


@dataclass
class Results:
    """The tables of one run (or of several, concatenated) and the manifest that re-runs them."""

    runs: pd.DataFrame
    steps: pd.DataFrame
    firms: pd.DataFrame
    events: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)

    TABLES = ("runs", "steps", "firms", "events")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The four tables by name."""
        return {name: getattr(self, name) for name in self.TABLES}

    def save(self, out_dir, csv: bool = False) -> Path:
        """Write the tables (Parquet, and CSV on request) plus manifest.json; see sim/store.py."""
        from .store import save_results

        return save_results(self, out_dir, csv=csv)

    def summary(self) -> dict[str, Any]:
        """The run's headline outcomes (first run, if several), programme outcomes included."""
        end = None
        if "outcome.programme_end" in self.runs and len(self.runs):
            value = self.runs["outcome.programme_end"].iloc[0]
            end = None if pd.isna(value) else int(value)
        return outcomes(self.steps, self.firms, programme_end=end, events=self.events)


def outcomes(steps: pd.DataFrame, firms: pd.DataFrame | None = None,
             programme_end: int | None = None, events: pd.DataFrame | None = None) -> dict[str, float]:
    """Headline outcomes of a run, from its steps table (and events table, for milestones).

    No outcome comes from the firms table, so each is the same whether it was kept in full,
    sampled or not at all (``run.firm_table``); ``firms`` is accepted for older callers and
    ignored.

    * ``survival``: share of groups alive at the last meeting;
    * ``members``: members at the last meeting (all groups);
    * ``trust``: mean trust among members over the last quarter of the run (live groups);
    * ``cooperation``: mean cooperation over the run;
    * ``coop_<profile>``: the same by profile: the mean over group-meetings of the profile's mean
      cooperation in the group (meetings where the group had no member of that profile skipped);
    * ``income_gain``: members' income over what they would earn going alone, minus 1, over the
      run's second half (live groups, member-meetings weighted);
    * ``exits``, ``expulsions``, ``entries``, ``conflicts``, ``violations``: totals;
    * ``dissolved_at``: mean meeting at which dissolved groups dissolved (NaN if none did);
    * the programme's cost and cost-effectiveness at its end
      (``programme_end``, the planned end of support) and two years after, and the founders
      kept: see :func:`sim.model.programme.outcomes`;
    * with the events table, the meeting at which groups reached each milestone and the share
      that did: see :func:`sim.model.programme.milestones`.
    """
    # NumPy on the columns (no DataFrame masks or groupby); _mean and _sum reduce exactly as the
    # pandas Series methods do, so the numbers are the same to the last bit
    col = {name: np.asarray(steps[name]) for name in (
        "step", "alive", "members", "trust", "cooperation", "income_members", "income_alone", "group")}
    step, alive = col["step"], col["alive"].astype(bool, copy=False)
    last = int(step.max())
    end = step == last
    late = alive & (step >= 0.75 * last)
    half = alive & (step >= 0.5 * last)
    w = col["members"][half]
    gain_num = _sum(col["income_members"][half] * w)
    gain_den = _sum(col["income_alone"][half] * w)
    out = {
        "survival": float(_mean(alive[end])),
        "members": float(_sum(col["members"][end])),
        "trust": float(_mean(col["trust"][late])) if late.any() else 0.0,
        "cooperation": float(_mean(col["cooperation"][alive])) if alive.any() else 0.0,
        "income_gain": float(gain_num / gain_den - 1.0) if gain_den > 0 else 0.0,
    }
    for name in ("exits", "expulsions", "entries", "conflicts", "violations", "furtive_acts"):
        out[name] = float(_sum(np.asarray(steps[name])))
    # the meeting each dissolved group was first seen dead (mean over those groups)
    dead_group, dead_step = col["group"][~alive], step[~alive]
    if len(dead_group):
        groups, first = np.unique(dead_group, return_inverse=True)
        died = np.full(len(groups), dead_step.max(), dead_step.dtype)
        np.minimum.at(died, first, dead_step)
        out["dissolved_at"] = float(_mean(died))
    else:
        out["dissolved_at"] = float("nan")
    # by profile from the steps table only, so an outcome never depends on run.firm_table
    for name in NAMES:
        out[f"coop_{name}"] = float(_mean(np.asarray(steps[f"coop_{name}"])))
    out.update(programme.outcomes(steps, programme_end))
    if events is not None:
        out.update(programme.milestones(events, len(np.unique(col["group"]))))
    return out


def _sum(x: np.ndarray):
    """``Series.sum()`` of a NumPy column: NaN counts as 0, floats summed in their own precision."""
    if x.dtype.kind == "f":
        nan = np.isnan(x)
        if nan.any():
            x = np.where(nan, x.dtype.type(0), x)
        return x.sum(dtype=x.dtype)
    return x.sum(dtype=np.int64 if x.dtype.kind in "biu" else None)


def _mean(x: np.ndarray):
    """``Series.mean()`` of a NumPy column, bit for bit (pandas' nanmean without bottleneck).

    NaN is skipped (summed as 0 and not counted); a float column is summed and divided in its own
    precision (float32 stays float32), integers and booleans as float64.
    """
    if x.size == 0:
        return np.nan
    if x.dtype.kind == "f":
        kind = np.float64 if x.dtype == np.float16 else x.dtype.type
        nan = np.isnan(x)
        if nan.any():
            x = np.where(nan, x.dtype.type(0), x)
        count = kind(x.size - np.count_nonzero(nan))
        total = x.sum(dtype=kind)
    else:
        count = np.float64(x.size)
        total = x.sum(dtype=np.int64 if x.dtype.kind == "b" else np.float64)
    return total / count if count > 0 else np.nan


def _outcomes_by_replication(steps: pd.DataFrame, bounds, events: pd.DataFrame, event_bounds,
                             programme_end) -> list[dict[str, float]]:
    """:func:`outcomes` of every replication of a batch at once, from the batch's tables ordered by replication.

    ``bounds`` and ``event_bounds`` are each replication's rows in ``steps`` and ``events`` (its
    groups numbered from 0, as in its own tables); ``programme_end`` the planned end of support,
    one for all, or a list of one per replication. The numbers are those of :func:`outcomes` on
    each replication's own tables, bit for bit (tests/test_batch.py compares whole runs tables):
    counts and integer sums are reduced for all replications at once (exact in any order), and
    every float sum or mean is taken over the same values in the same order as there, one NumPy
    call per replication on a contiguous slice of the batch's column (:class:`_Segments`).
    An outcome added to :func:`outcomes` must be added here too.
    """
    col = {name: steps[name].to_numpy() for name in (
        "step", "alive", "members", "trust", "cooperation", "income_members", "income_alone", "group")}
    n = len(bounds)
    seg = _Segments(bounds)
    step, alive = col["step"], col["alive"].astype(bool, copy=False)
    last = seg.reduce(np.maximum, step)
    first = seg.reduce(np.minimum, step)
    last_row = seg.spread(last)
    end = step == last_row
    late = alive & (step >= 0.75 * last_row)
    half = alive & (step >= 0.5 * last_row)
    members = col["members"]
    out = {
        "survival": seg.int_sum(alive & end) / seg.count(end),
        "members": seg.int_sum(np.where(end, members, 0)).astype(float),
        "trust": np.where(seg.count(late) > 0, seg.mean(col["trust"], late), 0.0),
        "cooperation": np.where(seg.count(alive) > 0, seg.mean(col["cooperation"], alive), 0.0),
    }
    gain_num = seg.sum(col["income_members"] * members, half)
    gain_den = seg.sum(col["income_alone"] * members, half)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["income_gain"] = np.where(gain_den > 0, gain_num / gain_den - 1.0, 0.0)
    for name in ("exits", "expulsions", "entries", "conflicts", "violations", "furtive_acts"):
        out[name] = seg.int_sum(steps[name].to_numpy()).astype(float)
    # the meeting each dissolved group was first seen dead (mean over those groups)
    groups = col["group"].astype(np.int64)
    width = int(groups.max()) + 1 if len(groups) else 1
    key = seg.row * width + groups
    n_groups = np.bincount(np.unique(key) // width, minlength=n)
    dead = ~alive
    died = np.full(n * width, np.iinfo(np.int64).max)
    np.minimum.at(died, key[dead], step[dead].astype(np.int64))
    was = died < np.iinfo(np.int64).max
    n_dead = np.bincount(np.flatnonzero(was) // width, minlength=n)
    total = np.bincount(np.flatnonzero(was) // width, weights=died[was].astype(np.float64), minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["dissolved_at"] = np.where(n_dead > 0, total / n_dead, np.nan)
    for name in NAMES:
        out[f"coop_{name}"] = seg.mean(steps[f"coop_{name}"].to_numpy())
    ends = programme_end if isinstance(programme_end, list) else [programme_end] * n
    for end in dict.fromkeys(ends):   # each distinct planned end (design points may differ), for its replications
        part = _programme_by_replication(steps, seg, step, alive, first, last, n_groups, end)
        if len(set(ends)) == 1:
            out.update(part)
            break
        mine = np.array([e == end for e in ends])
        for k, v in part.items():
            out.setdefault(k, np.full(n, np.nan))[mine] = v[mine]
    out.update(_milestones_by_replication(events, event_bounds, width, n_groups))
    return [{k: float(v[r]) for k, v in out.items()} for r in range(n)]


def _programme_by_replication(steps, seg, step, alive, first, last, n_groups, end) -> dict[str, np.ndarray]:
    """:func:`sim.model.programme.outcomes` of every replication (see :func:`_outcomes_by_replication`)."""
    col = {name: steps[name].to_numpy() for name in (
        "founders", "programme_cost", "facilitator_copay", "manager_pay", "income_members", "income_alone",
        "members", "self_governance")}
    n = len(n_groups)
    nan = np.full(n, np.nan)
    out = {"programme_end": np.full(n, np.nan if end is None else float(end))}
    for name, column in (("programme_cost", "programme_cost"), ("facilitator_copay", "facilitator_copay"),
                         ("manager_cost", "manager_pay")):
        out[name] = seg.plain_sum(col[column]) / n_groups
    marks = {"end": None if end is None or end < 1 else end - 1,
             "2y": None if end is None else end + programme.TWO_YEARS - 1}
    gains = alive & (col["income_members"] > col["income_alone"])
    for name, at in marks.items():
        inside = np.zeros(n, bool) if at is None else (first <= at) & (at <= last)
        if at is None:
            m = {"alive": nan, "cost_per_group": nan, "cost_per_member_year": nan, "self_governance": nan}
        else:
            now, upto = step == at, step <= at
            n_alive = seg.int_sum(alive & now)
            paid = seg.plain_sum(col["programme_cost"], upto)
            years = seg.int_sum(np.where(upto, col["members"] * gains, 0)) / 26.0
            live = now & alive
            with np.errstate(divide="ignore", invalid="ignore"):
                m = {"alive": np.where(inside, n_alive / n_groups, np.nan),
                     "cost_per_group": np.where(inside & (n_alive > 0), paid / n_alive, np.nan),
                     "cost_per_member_year": np.where(inside & (years > 0), paid / years, np.nan),
                     "self_governance": np.where(inside & (seg.count(live) > 0),
                                                 seg.plain_mean(col["self_governance"], live), np.nan)}
        out[f"alive_{name}"] = m["alive"]
        out[f"cost_per_group_{name}"] = m["cost_per_group"]
        out[f"cost_per_member_year_{name}"] = m["cost_per_member_year"]
        if name == "end":
            out["self_governance_end"] = m["self_governance"]
    founders = col["founders"]
    start = seg.int_sum(np.where(step == seg.spread(first), founders, 0))
    kept = seg.int_sum(np.where(step == seg.spread(last), founders, 0))
    y3 = 77
    at_y3 = seg.int_sum(np.where(step == y3, founders, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        out["founders_kept"] = np.where(start > 0, kept / start, np.nan)
        out["founders_kept_y3"] = np.where((start > 0) & (first <= y3) & (y3 <= last), at_y3 / start, np.nan)
    return out


def _milestones_by_replication(events, bounds, width: int, n_groups) -> dict[str, np.ndarray]:
    """:func:`sim.model.programme.milestones` of every replication (see :func:`_outcomes_by_replication`)."""
    n = len(bounds)
    rows = np.repeat(np.arange(n), [hi - lo for lo, hi in bounds])
    code, step, group = (events[c].to_numpy() for c in ("code", "step", "group"))
    if len(group) and int(group.min()) < 0:   # not an event of this model: each replication on its own
        per = [programme.milestones(_rows_of(events, lo, hi), int(g))
               for (lo, hi), g in zip(bounds, n_groups, strict=True)]
        return {k: np.array([p[k] for p in per], np.float64) for k in per[0]}
    width = max(width, int(group.max()) + 1 if len(group) else 1)
    out = {}
    for name, (k, c) in programme.MILESTONES.items():
        sel = programme.is_kind(events["kind"], k)
        if c is not None:
            sel &= code == c
        # the first meeting each group of each replication reached it
        key = rows[sel] * width + group[sel].astype(np.int64)
        firsts = np.full(n * width, np.iinfo(np.int64).max)
        np.minimum.at(firsts, key, step[sel].astype(np.int64))
        reached = np.flatnonzero(firsts < np.iinfo(np.int64).max)
        rep, value = reached // width, firsts[reached]
        order = np.lexsort((value, rep))
        rep, value = rep[order], value[order]
        count = np.bincount(rep, minlength=n)
        lo = np.concatenate([[0], np.cumsum(count)[:-1]])
        has = count > 0
        mid_lo = np.where(has, lo + (count - 1) // 2, 0)
        mid_hi = np.where(has, lo + count // 2, 0)
        v = value.astype(np.float64) if len(value) else np.zeros(1)
        # np.median of integers: the mean of the one or two middle values, in float64
        out[f"{name}_at"] = np.where(has, (v[mid_lo] + v[mid_hi]) / 2.0, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"{name}_share"] = np.where(n_groups > 0, count / np.maximum(n_groups, 1), np.nan)
    return out


class _Segments:
    """Reductions of a batch's column over each replication's rows (``bounds``: a (lo, hi) per replication).

    ``bounds`` follow each other and cover the whole column (a batch's table ordered by
    replication). Integer sums and counts are ``np.add.reduceat`` (exact in any order); float sums and
    means are taken over each replication's own values, laid out as they are in its own table, so
    that each is the very NumPy reduction :func:`outcomes` makes on that table (a pairwise sum
    depends on where the values start and end: ``np.add.reduceat`` would not give the same last
    bits); see :meth:`_sums`.
    """

    def __init__(self, bounds):
        self.bounds = bounds
        self.n = len(bounds)
        self.sizes = np.array([hi - lo for lo, hi in bounds], np.int64)
        self.starts = np.array([lo for lo, _ in bounds], np.int64)
        self.row = np.repeat(np.arange(self.n), self.sizes)
        self._filled = self.sizes > 0   # the replications with rows, and where each one's start
        self._filled_starts = self.starts[self._filled]

    def spread(self, values: np.ndarray) -> np.ndarray:
        """A value per replication repeated over its rows."""
        return np.repeat(values, self.sizes)

    def reduce(self, ufunc, x: np.ndarray) -> np.ndarray:
        """``ufunc.reduce`` (an exact one: max, min) over each replication's rows (none may be empty)."""
        return ufunc.reduceat(x, self.starts)

    def count(self, mask: np.ndarray) -> np.ndarray:
        """True values of a boolean column per replication."""
        return self.int_sum(mask)

    def int_sum(self, x: np.ndarray) -> np.ndarray:
        """Sum of an integer or boolean column per replication (int64, exact in any order)."""
        if x.dtype.kind not in "biu":
            raise TypeError(f"int_sum of a {x.dtype} column")
        out = np.zeros(self.n, np.int64)
        if len(self._filled_starts):   # the bounds follow each other over the whole column
            out[self._filled] = np.add.reduceat(x, self._filled_starts, dtype=np.int64)
        return out

    def _slices(self, x: np.ndarray, mask):
        if mask is None:
            return [x[lo:hi] for lo, hi in self.bounds]
        kept = x[mask]
        ends = np.concatenate([[0], np.cumsum(self.count(mask))]).tolist()
        return [kept[ends[r]:ends[r + 1]] for r in range(self.n)]

    def _sums(self, x: np.ndarray, mask=None, dtype=None) -> np.ndarray:
        """``x[mask].sum(dtype=dtype)`` of each replication: NumPy's pairwise sum of its values alone.

        The replications with as many values are summed together, as the rows of one 2-D array:
        NumPy sums each row of a contiguous array exactly as it sums that row on its own (the
        same pairwise order, tests/test_batch.py), so one call serves them all.
        """
        if mask is None:
            kept, counts, starts = x, self.sizes, self.starts
        else:
            kept, counts = x[mask], self.count(mask)
            starts = np.cumsum(counts) - counts
        out = np.zeros(self.n, np.add.reduce(x[:0], dtype=dtype).dtype)
        for size in np.unique(counts).tolist():
            reps = np.flatnonzero(counts == size)
            out[reps] = kept[starts[reps, None] + np.arange(size)].sum(axis=1, dtype=dtype)
        return out

    def plain_sum(self, x: np.ndarray, mask=None) -> np.ndarray:
        """``x[mask].sum()`` per replication (NumPy's own sum, NaN kept)."""
        return self._sums(x, mask).astype(np.float64)

    def plain_mean(self, x: np.ndarray, mask=None) -> np.ndarray:
        """``x[mask].mean()`` per replication (NaN where it holds no value)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            if x.dtype.kind != "f" or x.dtype == np.float16:   # NumPy's mean sums these in float64 or float32
                return np.array([part.mean() if part.size else np.nan for part in self._slices(x, mask)],
                                np.float64)
            n = self.sizes if mask is None else self.count(mask)
            return np.where(n > 0, self._sums(x, mask) / n.astype(x.dtype), np.nan)

    def sum(self, x: np.ndarray, mask=None) -> np.ndarray:
        """:func:`_sum` of ``x[mask]`` per replication (float columns: NaN counts as 0)."""
        if x.dtype.kind == "f":
            nan = np.isnan(x)
            if nan.any():
                x = np.where(nan, x.dtype.type(0), x)
            return self._sums(x, mask, x.dtype).astype(np.float64)
        return self.int_sum(x if mask is None else np.where(mask, x, 0)).astype(np.float64)

    def mean(self, x: np.ndarray, mask=None) -> np.ndarray:
        """:func:`_mean` of ``x[mask]`` per replication (a float column: NaN skipped)."""
        if x.dtype.kind != "f" or x.dtype == np.float16:
            return np.array([_mean(part) for part in self._slices(x, mask)], np.float64)
        nan = np.isnan(x)
        if nan.any():
            x = np.where(nan, x.dtype.type(0), x)
        valid = self.count(~nan if mask is None else mask & ~nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = self._sums(x, mask, x.dtype) / valid.astype(x.dtype)
        return np.where(valid > 0, means, np.nan)


def _runs_row(scenario: Scenario, seed: int, steps: int, tables, elapsed: float | None = None):
    return _row_frame(_runs_dict(scenario, seed, steps, tables, programme.planned_end(scenario)))


_ROW_TYPES = {float: np.float64, int: np.int64, bool: np.bool_, str: str}   # a Python value's column type


def _row_frame(row: dict[str, Any]) -> pd.DataFrame:
    """``pd.DataFrame([row])``: a one-row frame, each column typed from its value (see :func:`_rows_frame`)."""
    return _rows_frame([row])


def _rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """``pd.DataFrame(rows)`` for runs rows: the same keys in every row, each column of one type.

    A runs row holds Python floats, ints, bools and strings. The numbers of one type make one 2-D
    block (float64, int64, bool: the blocks the constructor stacks them into), each text column an
    array of the ``str`` dtype pandas infers (all the text in one array first), and the frame is
    made from those blocks (``pandas.api.internals.create_dataframe_from_blocks``); where each
    column sits is worked out once per layout of the row. Rows whose keys or whose columns' types
    differ, and any other value (None, a NumPy scalar, a list, an int beyond int64), are left to
    the constructor. tests/test_tables.py compares the two on every scenario and on a batch.
    """
    first = rows[0]
    types = tuple(map(type, first.values()))
    layout = _row_layout(tuple(first), types) if _from_blocks is not None else None
    if layout is None or any(tuple(map(type, row.values())) != types or list(row) != list(first) for row in rows[1:]):
        return pd.DataFrame(rows)
    columns, parts = layout
    n = len(rows)
    blocks = []
    for kind, at, get in parts:
        values = list(zip(*map(get, rows), strict=True))   # one tuple per column
        if kind is str:
            text = pd.array([v for column in values for v in column], dtype=_run_dtype())
            blocks += [(text[i * n:(i + 1) * n], at[i:i + 1]) for i in range(len(at))]
            continue
        try:
            blocks.append((np.array(values, kind), at))
        except OverflowError:   # an int beyond int64
            return pd.DataFrame(rows)
    return _from_blocks(blocks, pd.RangeIndex(n), columns)


@functools.lru_cache(maxsize=64)
def _row_layout(names: tuple, types: tuple):
    """(column labels, [(column type, the positions of its columns, a getter of their values)]) of a runs row.

    None when a value is of a type :func:`_rows_frame` leaves to the constructor.
    """
    kinds = [_ROW_TYPES.get(t) for t in types]
    if None in kinds:
        return None
    parts = []
    for kind in dict.fromkeys(kinds):
        at = [i for i, k in enumerate(kinds) if k is kind]
        keys = [names[i] for i in at]
        get = operator.itemgetter(*keys) if len(keys) > 1 else (lambda row, key=keys[0]: (row[key],))
        parts.append((kind, np.array(at, np.intp), get))
    return pd.Index(list(names)), parts


try:
    from pandas.api.internals import create_dataframe_from_blocks as _from_blocks
except ImportError:   # pragma: no cover - another pandas: the constructor
    _from_blocks = None


def _runs_dict(scenario: Scenario, seed: int, steps: int, tables, end, flat=None) -> dict[str, Any]:
    """The ``runs`` row of one run as a dict.

    ``end`` is the programme's planned end; ``flat`` the scenario's parameters, when the caller has
    them already.
    """
    row = {"run": f"{scenario.meta.name}-{seed}", "scenario": scenario.meta.name,
           "source": scenario.source, "seed": seed, "steps": steps, "schema": SCHEMA_VERSION}
    row.update(scenario.flat() if flat is None else flat)
    row.update({f"version.{k}": v for k, v in versions().items()})
    row.update({f"outcome.{k}": v for k, v in outcomes(tables["steps"], tables["firms"], programme_end=end,
                                                                   events=tables["events"]).items()})
    return row


def manifest(scenario: Scenario, seed: int, steps: int, **extra) -> dict[str, Any]:
    """What re-runs a stored result: schema, versions, the exact scenario, seed and horizon."""
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "run",
        "versions": versions(),
        "scenario_name": scenario.meta.name,
        "scenario_source": scenario.source,
        "scenario_toml": extra.pop("scenario_toml", None) or scenario.to_toml(),
        "seed": int(seed),
        "steps": int(steps),
        "rerun": f"asocia run scenario.toml --seed {int(seed)} --steps {int(steps)}",
        **extra,
    }


def run(scenario: Scenario, seed: int | None = None, steps: int | None = None,
        deciders: dict | None = None) -> Results:
    """Play one scenario for ``steps`` meetings with one integer seed.

    Args:
        scenario: a validated scenario (:func:`sim.load_scenario`).
        seed: integer seed; defaults to ``scenario.run.seed``. Strings are refused: convert first.
        steps: meetings to play; defaults to ``scenario.run.steps``.
        deciders: optional ``{firm_id: decider}`` for firms decided outside the model.

    Returns:
        Results with the ``runs``, ``steps``, ``firms`` and ``events`` tables and a manifest.

    """
    seed = scenario.run.seed if seed is None else seed
    steps = _check_steps(scenario.run.steps if steps is None else steps)
    model = AsociaModel(scenario, seed=seed, deciders=deciders)
    for _ in range(steps):
        model.step()
    run_id = f"{scenario.meta.name}-{int(seed)}"
    tables, columns = model.log.tables(run_id=run_id, release=True)
    runs = _runs_row(scenario, int(seed), steps, _sources(tables, columns))
    return Results(runs=runs, **tables, manifest=manifest(scenario, int(seed), steps))


def _sources(tables: dict[str, pd.DataFrame], columns: dict) -> dict:
    """What the runs row's outcomes read: each table's arrays (the recorder's), or the frame when it has none."""
    return {name: tables[name] if columns[name] is None else columns[name] for name in tables}


BATCH_GROUPS = 4096  # groups played side by side at most (a batch of more replications is cut into several)


def run_batch(scenario: Scenario | list[Scenario], seeds, steps: int | None = None,
              tables=Results.TABLES) -> list[Results]:
    """Play replications of one scenario side by side, as groups of one model; one Results per seed.

    Every (replication, group) draws from its own stream and every sum within a group is taken
    over that group alone (sim/model/streams.py), so replication ``k``'s tables are exactly those of
    ``run(scenario, seeds[k], steps)``: batching only saves the cost of playing small models one
    by one. The batch is cut into models of at most :data:`BATCH_GROUPS` groups.

    Args:
        scenario: a validated scenario, or one per seed: design points played side by side, which
            may differ only in the parameters of :data:`sim.model.points.BATCHABLE` (their
            replications' tables are those of each scenario played alone).
        seeds: integer seeds, one per replication.
        steps: meetings to play; defaults to ``scenario.run.steps``.
        tables: the tables to build. ``runs`` (and the steps table its outcomes come from) are always
            built; without ``firms`` the firm rows are not recorded (an empty table is returned);
            without ``events`` the events table comes without its sentences (the milestones in the
            ``runs`` row still come from it).

    """
    if isinstance(scenario, (list, tuple)) and not len(scenario):
        if len(seeds):
            raise ValueError(f"0 scenarios for {len(seeds)} seeds: give one scenario, or one per seed")
        return []
    first = scenario[0] if isinstance(scenario, (list, tuple)) else scenario
    steps = _check_steps(first.run.steps if steps is None else steps)
    for value in seeds:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"seed must be an int, got {type(value).__name__} {value!r}")
    seeds = [int(s) for s in seeds]
    unknown = set(tables) - set(Results.TABLES)
    if unknown:
        raise ValueError(f"tables: unknown {sorted(unknown)}; allowed: {list(Results.TABLES)}")
    return [BatchResults(batch, r) for batch in play_batches(scenario, seeds, steps, tables)
            for r in range(len(batch.seeds))]


def _scenarios(scenario, seeds) -> list[Scenario]:
    """One scenario per seed: ``scenario`` repeated, or the list given (checked: one per seed, batchable)."""
    if not isinstance(scenario, (list, tuple)):
        return [scenario] * len(seeds)
    scenarios = list(scenario)
    if len(scenarios) != len(seeds):
        raise ValueError(f"{len(scenarios)} scenarios for {len(seeds)} seeds: give one scenario, or one per seed")
    bad = points.not_batchable(scenarios) if scenarios else []
    if bad:
        raise ValueError(f"the scenarios of a batch may differ only in {', '.join(sorted(points.BATCHABLE))}; "
                         f"these differ too: {', '.join(bad)} (play them in separate batches)")
    return scenarios


def play_batches(scenario: Scenario | list[Scenario], seeds: list[int], steps: int,
                 tables=Results.TABLES) -> list[Batch]:
    """Play replications as :func:`run_batch` does and return the batches' tables (:class:`Batch`).

    For callers that read a batch as a whole (the sweep runner): the replications in order, cut
    into models of at most :data:`BATCH_GROUPS` groups. Arguments as :func:`run_batch` (one scenario,
    or one per seed).
    """
    scenarios = _scenarios(scenario, seeds)
    if not scenarios:
        return []
    per_model = max(1, BATCH_GROUPS // max(scenarios[0].population.groups, 1))
    return [_play_batch(scenarios[at:at + per_model], seeds[at:at + per_model], steps, set(tables))
            for at in range(0, len(seeds), per_model)]


def replicate(scenario: Scenario, seed: int | None = None, reps: int = 1, steps: int | None = None,
              tables=Results.TABLES) -> list[Results]:
    """``reps`` replications of a scenario, seeds derived from ``seed`` (sim/seeds.py), played as a batch."""
    from .seeds import replication_seeds

    root = scenario.run.seed if seed is None else seed
    return run_batch(scenario, replication_seeds(root, reps), steps=steps, tables=tables)


def _check_steps(steps):
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be a whole number >= 1, got {steps!r}")
    return int(steps)


def _play_batch(scenarios: list[Scenario], seeds: list[int], steps: int, tables: set) -> Batch:
    scenario = scenarios[0]
    same = all(sc is scenario for sc in scenarios)
    model = AsociaModel(scenario, seeds=seeds, scenarios=None if same else scenarios)
    if "firms" not in tables:
        model.log.firm_mode = "off"
    for _ in range(steps):
        model.step()
    return Batch(scenarios, seeds, steps, model, sentences="events" in tables)


class Batch:
    """The tables of a batch's replications, built once for the whole batch and cut per replication.

    Each table is one frame ordered by replication, with its ``run`` column and each replication's
    own group and firm ids (:func:`_by_replication`); a replication's table is a slice of it (a
    view: no copy, and pandas' copy-on-write keeps the batch intact when a slice is changed). The
    outcomes of all replications come from the batch's columns in one pass
    (:func:`_outcomes_by_replication`), the same numbers as :func:`outcomes` of each replication's
    own tables. ``frames`` holds each table with each replication's (lo, hi) rows in it, ``rows``
    each replication's ``runs`` row as a dict, ``runs`` the batch's runs frame.
    """

    def __init__(self, scenarios: list[Scenario], seeds: list[int], steps: int, model: AsociaModel,
                 sentences: bool = True):
        self.scenarios, self.seeds, self.steps = scenarios, seeds, steps
        ids = [f"{sc.meta.name}-{seed}" for sc, seed in zip(scenarios, seeds, strict=True)]
        # the recorder's columns (the model is not kept: the firm rows are handed over), sentences
        # written after each replication's own group and firm ids are in place
        frames, columns = model.log.tables(sentences=False, release=True)
        self.frames = {}
        for name, cols in columns.items():
            says = sentences and name == "events"
            if cols is None:   # an empty table: its frame, as built before
                self.frames[name] = _by_replication(frames[name], model.G0, model.reps, ids)
                if says:
                    events, bounds = self.frames[name]
                    self.frames[name] = with_sentences(events), bounds
            else:
                self.frames[name] = _by_replication(cols, model.G0, model.reps, ids, sentences=says)
        # what belongs to each replication's scenario (design points played side by side may differ),
        # worked out once per distinct scenario
        own = {}
        for sc in scenarios:
            if id(sc) not in own:
                own[id(sc)] = (programme.planned_end(sc), {"scenario": sc.meta.name, "source": sc.source},
                               sc.flat(), sc.to_toml())
        ends = [own[id(sc)][0] for sc in scenarios]
        outs = _outcomes_by_replication(*self.frames["steps"], *self.frames["events"], ends)
        versioned = {f"version.{k}": v for k, v in versions().items()}
        self.rows = [{"run": run_id, **own[id(sc)][1], "seed": seed, "steps": steps, "schema": SCHEMA_VERSION,
                      **own[id(sc)][2], **versioned, **{f"outcome.{k}": v for k, v in out.items()}}
                     for run_id, sc, seed, out in zip(ids, scenarios, seeds, outs, strict=True)]
        self._runs = None
        self.tomls = [own[id(sc)][3] for sc in scenarios]

    @property
    def runs(self) -> pd.DataFrame:
        """The batch's runs rows as one frame, built when first asked for.

        A replication's runs row is cut from it (a frame built per row costs ~10 ms).
        """
        if self._runs is None:
            self._runs = _rows_frame(self.rows)
        return self._runs

    def table(self, name: str, r: int) -> pd.DataFrame:
        """Replication ``r``'s table ``name`` (a view of the batch's frame, indexed from 0)."""
        df, bounds = self.frames[name]
        lo, hi = bounds[r]
        return _rows_of(df, lo, hi)

    def runs_row(self, r: int) -> pd.DataFrame:
        """Replication ``r``'s ``runs`` row as a frame of its own."""
        if len(self.rows) == 1:
            return _row_frame(self.rows[0])
        return _rows_of(self.runs, r, r + 1)



def _cut(name: str) -> property:
    """A table of a replication in a batch, cut from the batch's frame when first read."""

    def get(self) -> pd.DataFrame:
        if name not in self._tables:
            self._tables[name] = self._batch.runs_row(self._r) if name == "runs" else self._batch.table(name, self._r)
        return self._tables[name]

    def put(self, value: pd.DataFrame) -> None:
        self._tables[name] = value

    return property(get, put, doc=f"The replication's {name} table.")


class BatchResults(Results):
    """The Results of replication ``r`` of a batch (what :func:`run_batch` returns).

    The same tables as a :class:`Results` of the replication, but each is cut from the batch's
    frame only when it is first read: a caller that reads only the runs row (a sweep, a
    comparison of outcomes) does not pay for the others. Pickled as a plain :class:`Results`.
    """

    runs = _cut("runs")
    steps = _cut("steps")
    firms = _cut("firms")
    events = _cut("events")

    def __init__(self, batch: Batch, r: int):
        self._batch, self._r, self._tables = batch, r, {}
        self.manifest = manifest(batch.scenarios[r], batch.seeds[r], batch.steps, scenario_toml=batch.tomls[r])

    def summary(self) -> dict[str, Any]:
        """As :meth:`Results.summary`: the outcomes computed with the batch (the same numbers)."""
        if {"steps", "events"} & set(self._tables):   # read, so perhaps changed: from the tables
            return super().summary()
        prefix = "outcome."
        return {k[len(prefix):]: v for k, v in self._batch.rows[self._r].items() if k.startswith(prefix)}

    def __reduce__(self):
        return Results, (self.runs, self.steps, self.firms, self.events, self.manifest)


def _rows_of(df: pd.DataFrame, lo: int, hi: int) -> pd.DataFrame:
    """Rows ``lo:hi`` of ``df`` indexed from 0 (``df.iloc[lo:hi].reset_index(drop=True)`` without its copy)."""
    part = df.iloc[lo:hi]
    part.index = pd.RangeIndex(hi - lo)
    return part


def _by_replication(table, groups: int, reps: int, ids: list[str],
                    sentences: bool = False) -> tuple[pd.DataFrame, list]:
    """A batch's table ordered by replication, with its ``run`` column, and each replication's row bounds.

    ``table`` is a frame or the recorder's columns (a dict of arrays, as ``Recorder.tables`` gives
    them). Each replication's rows keep their order and get the replication's own group and firm
    ids; with ``sentences`` (the events table) the sentences are then written from those columns,
    as ``with_sentences`` would add them to the frame. The columns are not consolidated into
    blocks (a copy of the whole table that only pays off when every replication's tables are read).
    """
    if isinstance(table, pd.DataFrame):
        table = {name: (col.array if isinstance(col.dtype, pd.CategoricalDtype) else col.to_numpy())
                 for name, col in table.items()}
    g = np.asarray(table["group"]).astype(np.int64)
    rep = g // groups
    counts = np.bincount(rep, minlength=reps)
    bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
    in_order = reps == 1 or not (rep[1:] < rep[:-1]).any()   # the recorder's events come so
    order = None if in_order else np.argsort(rep, kind="stable")   # keeps each replication's rows in order
    rep_sorted = rep if order is None else rep[order]
    run = pd.array(ids, dtype=_run_dtype()).take(rep_sorted)
    cols = {"run": run}
    for name, values in table.items():
        dtype = values.dtype
        if order is not None:
            values = values[order]
        if name == "group":
            values = (values.astype(np.int64) % groups).astype(dtype)
        elif name in ("firm", "other"):
            values = np.where(values >= 0, values - (rep_sorted << FIRM_KEY_BITS), values).astype(values.dtype)
        cols[name] = values
    if sentences:
        said = describe_columns(cols, ("en", "es"))
        cols["message"], cols["message_es"] = said["en"], said["es"]
    return frame(cols), [(bounds[r], bounds[r + 1]) for r in range(reps)]


class LiveRun:
    """A run played meeting by meeting (the dashboard's engine).

    ``advance(n)`` plays n meetings; ``new_rows()`` returns only the steps and events rows added
    since the previous call, so a chart can append instead of redrawing everything.
    """

    def __init__(self, scenario: Scenario, seed: int, deciders: dict | None = None):
        """Start a run of ``scenario`` with an integer seed (a dashboard must convert text first)."""
        self.scenario = scenario
        self.model = AsociaModel(scenario, seed=seed, deciders=deciders)
        self.seed = self.model.seed
        self._steps_seen = 0
        self._events_seen = 0

    @property
    def step(self) -> int:
        """Meetings played so far."""
        return self.model.t

    def advance(self, n: int = 1) -> None:
        """Play n meetings."""
        for _ in range(n):
            self.model.step()

    def new_rows(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(steps rows, events rows) added since the last call."""
        log = self.model.log
        steps = log.steps_frame(since=self._steps_seen)
        events = log.events_frame(since=self._events_seen)
        self._steps_seen = len(log.steps["step"]) if log.steps else 0
        self._events_seen = len(log.events)
        return steps, events

    def results(self) -> Results:
        """All tables so far, as :func:`run` would return them."""
        run_id = f"{self.scenario.meta.name}-{self.seed}"
        tables, columns = self.model.log.tables(run_id=run_id)
        runs = _runs_row(self.scenario, self.seed, self.model.t, _sources(tables, columns))
        return Results(runs=runs, **tables, manifest=manifest(self.scenario, self.seed, self.model.t))

    def set_decider(self, firm_id: int, decider) -> None:
        """Let a person or a script decide for one firm from the next meeting on."""
        self.model.set_decider(firm_id, decider)

    def network(self, group: int = 0) -> dict[str, Any]:
        """Members of a group with seat, profile, strikes and the dyadic trust matrix (for drawing)."""
        from ..model import kernels

        m = self.model
        seats = np.flatnonzero(m.member[group])
        one = slice(group, group + 1)
        return {
            "seat": seats.tolist(),
            "firm": m.firm_id[group, seats].tolist(),
            "profile": [NAMES[p] for p in m.profile[group, seats]],
            "strikes": m.strikes[group, seats].tolist(),
            "trust": m.T[group][np.ix_(seats, seats)].tolist(),
            "trust_received": kernels.given_received(m.T[one], m.member[one])[1][0, seats].tolist(),
            "alive": bool(m.alive[group]),
        }

    def by_profile(self) -> dict[str, np.ndarray]:
        """Per group and profile, sums over the firms that sat through the last meeting.

        Returns arrays shaped ``(groups, 4)`` (profiles in ``NAMES`` order): ``n`` firms,
        ``income`` (payoff) and ``alone`` (what going alone would have paid), so a dashboard can
        chart income against going alone by profile meeting by meeting without building the
        firms table. A seat vacated and refilled at the same meeting is left out (its newcomer
        did not play), so the departing firm is missing from that meeting's sums. Reads model
        arrays only (it must not touch the recorder, whose per-meeting caches it would spoil).
        """
        m = self.model
        out = {k: np.zeros((m.G, len(NAMES))) for k in ("n", "income", "alone")}
        if m.t == 0:
            return out
        played = m.played & ~(m.member & (m.tenure == 0))
        g, s = np.nonzero(played)
        prof = m.profile[g, s].astype(np.int64)
        for key, values in (("n", np.ones(len(g))), ("income", m.payoff[g, s]), ("alone", m.alone[g, s])):
            np.add.at(out[key], (g, prof), values)
        return out
