"""A run is a function: ``run(scenario, seed) -> Results`` (four tidy tables and a manifest).

The CLI, the dashboard, the sweep runner and the tests all come through here. :func:`run` plays a
whole horizon; :class:`LiveRun` plays meeting by meeting for the dashboard and hands out only the
rows added since the last look, so charts can update incrementally.
"""

from __future__ import annotations

import functools
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model import points, programme
from ..model.agenda import FIRM_KEY_BITS, AsociaModel
from ..model.profiles import NAMES
from ..model.recorder import with_sentences
from ..model.scenario import Scenario

SCHEMA_VERSION = 1
__version__ = "0.1.0"


@functools.cache
def versions() -> dict[str, str]:
    """Versions of Asocia, its main dependencies, Python and the git commit of the code."""
    import mesa

    out = {"asocia": __version__, "mesa": mesa.__version__, "numpy": np.__version__,
           "pandas": pd.__version__, "python": platform.python_version()}
    try:
        here = Path(__file__).resolve().parent
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5)
        if commit.returncode == 0:
            out["git"] = commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
        else:
            out["git"] = "unknown"
    except (OSError, subprocess.SubprocessError):
        out["git"] = "unknown"
    return out


# Memory a run needs, measured on the 2-core benchmark machine (peak RSS of baseline runs of 2,000
# and 4,000 groups over 100 meetings, firms table full and off): about 1.1 KB per group and meeting
# (model, steps and events tables), 110 B per seat and recorded meeting for the firms table, and
# the interpreter with NumPy, pandas and Mesa loaded.
BYTES_PER_GROUP_MEETING = 1_100
BYTES_PER_FIRM_ROW = 110
BYTES_BASE = 200 << 20


def memory_need(scenario: Scenario, steps: int | None = None, process: bool = False) -> int:
    """Bytes one run of ``scenario`` needs at its peak (an upper estimate: every seat filled).

    Args:
        scenario: the scenario to run.
        steps: meetings (default ``scenario.run.steps``).
        process: add the interpreter with its libraries (a run in a new worker process); without
            it, the bytes a run adds to a process that has them loaded already.

    """
    steps = scenario.run.steps if steps is None else int(steps)
    pop, rec = scenario.population, scenario.run
    seats = pop.group_size + pop.slack
    recorded = {"full": steps, "sampled": -(-steps // rec.sample_every), "off": 0}[rec.firm_table]
    return (BYTES_BASE * process + pop.groups * steps * BYTES_PER_GROUP_MEETING
            + pop.groups * seats * recorded * BYTES_PER_FIRM_ROW)


def memory_available() -> int | None:
    """Bytes this process may still use: the smaller of the OS's available memory and its limit."""
    import resource

    found = []
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        found.append(soft)
    return min(found) if found else None


def memory_refusal(need: int, what: str, force: bool = False) -> str | None:
    """Why ``what`` cannot run in the memory there is (None when it fits, or when forced).

    The text says how much is needed and available and what to change; callers add the file or
    flag and raise it as their one-line error.
    """
    have = memory_available()
    if force or have is None or need <= have:
        return None
    return (f"{what} needs about {_gb(need)} of memory and {_gb(have)} are available; allowed: "
            "run.firm_table = 'sampled' or 'off', fewer population.groups or meetings, fewer "
            "--workers, or --force to try anyway")


def _gb(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


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
    col = {name: steps[name].to_numpy() for name in (
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
        out[name] = float(_sum(steps[name].to_numpy()))
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
        out[f"coop_{name}"] = float(_mean(steps[f"coop_{name}"].to_numpy()))
    out.update(programme.outcomes(steps, programme_end))
    if events is not None:
        out.update(programme.milestones(events, len(np.unique(steps["group"].to_numpy()))))
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


def _runs_row(scenario: Scenario, seed: int, steps: int, tables, elapsed: float | None = None):
    return pd.DataFrame([_runs_dict(scenario, seed, steps, tables, programme.planned_end(scenario))])


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
    tables = model.log.frames()
    run_id = f"{scenario.meta.name}-{int(seed)}"
    for df in tables.values():
        df.insert(0, "run", run_id)
    runs = _runs_row(scenario, int(seed), steps, tables)
    return Results(runs=runs, **tables, manifest=manifest(scenario, int(seed), steps))


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
    steps = _check_steps(scenario.run.steps if steps is None else steps)
    for value in seeds:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"seed must be an int, got {type(value).__name__} {value!r}")
    seeds = [int(s) for s in seeds]
    unknown = set(tables) - set(Results.TABLES)
    if unknown:
        raise ValueError(f"tables: unknown {sorted(unknown)}; allowed: {list(Results.TABLES)}")
    scenarios = list(scenario) if isinstance(scenario, (list, tuple)) else [scenario] * len(seeds)
    if len(scenarios) != len(seeds):
        raise ValueError(f"{len(scenarios)} scenarios for {len(seeds)} seeds: give one scenario, or one per seed")
    bad = points.not_batchable(scenarios) if isinstance(scenario, (list, tuple)) else []
    if bad:
        raise ValueError(f"the scenarios of a batch may differ only in {', '.join(sorted(points.BATCHABLE))}; "
                         f"these differ too: {', '.join(bad)} (play them in separate batches)")
    per_model = max(1, BATCH_GROUPS // max(scenarios[0].population.groups, 1)) if scenarios else 1
    out = []
    for at in range(0, len(seeds), per_model):
        out.extend(_play_batch(scenarios[at:at + per_model], seeds[at:at + per_model], steps, set(tables)))
    return out


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


def _play_batch(scenarios: list[Scenario], seeds: list[int], steps: int, tables: set) -> list[Results]:
    scenario = scenarios[0]
    same = all(sc is scenario for sc in scenarios)
    model = AsociaModel(scenario, seeds=seeds, scenarios=None if same else scenarios)
    if "firms" not in tables:
        model.log.firm_mode = "off"
    for _ in range(steps):
        model.step()
    frames = model.log.frames(sentences=False)
    cut = {name: _by_replication(df, model.G0, model.reps) for name, df in frames.items()}
    parts = {name: [df.iloc[lo:hi].reset_index(drop=True) for lo, hi in bounds]
             for name, (df, bounds) in cut.items()}
    if "events" in tables:   # the sentences name each replication's own groups and firms
        parts["events"] = [with_sentences(df) for df in parts["events"]]
    # each design point's own parameters, planned end and TOML (computed once per point)
    ends, flats, tomls = {}, {}, {}
    for sc in scenarios:
        if id(sc) not in ends:
            ends[id(sc)], flats[id(sc)], tomls[id(sc)] = programme.planned_end(sc), sc.flat(), sc.to_toml()
    # the outcomes read the batch's columns, cut per replication, as NumPy arrays (a pandas column
    # lookup per outcome and run cost more than the outcomes); the same arrays as each run's table
    steps_cols, events_cols = _Columns(*cut["steps"]), _Columns(*cut["events"])
    mine, rows = [], []
    for r, seed in enumerate(seeds):
        tables_r = {name: parts[name][r] for name in frames}
        sc = scenarios[r]
        run_id = f"{sc.meta.name}-{seed}"
        for df in tables_r.values():
            df.insert(0, "run", run_id)
        mine.append(tables_r)
        rows.append(_runs_dict(sc, seed, steps, {"steps": steps_cols.rep(r), "firms": None,
                                                 "events": events_cols.rep(r)}, ends[id(sc)], flats[id(sc)]))
    # one frame for the batch's runs rows, cut into one-row frames (a frame per row costs ~10 ms)
    runs = pd.DataFrame(rows) if len(rows) > 1 else None
    return [Results(runs=_runs_row_of(runs, rows, r), **tables_r,
                    manifest=manifest(sc, seed, steps, scenario_toml=tomls[id(sc)]))
            for r, (sc, seed, tables_r) in enumerate(zip(scenarios, seeds, mine, strict=True))]


def _runs_row_of(runs: pd.DataFrame | None, rows: list[dict], r: int) -> pd.DataFrame:
    """Row ``r`` of a batch's runs frame as a frame of its own."""
    if runs is None:
        return pd.DataFrame([rows[0]])
    return runs.iloc[r:r + 1].reset_index(drop=True)


class _Columns:
    """A table's columns as NumPy arrays, read replication by replication (``rep(r)``).

    What :func:`outcomes` reads of a table (``table[name].to_numpy()``), without a DataFrame per
    replication; a column is converted once for the whole batch.
    """

    def __init__(self, df: pd.DataFrame, bounds):
        self.df, self.bounds, self.cache = df, bounds, {}

    def column(self, name: str) -> np.ndarray:
        if name not in self.cache:
            col = self.df[name]
            self.cache[name] = np.asarray(col, dtype=object) if isinstance(col.dtype, pd.CategoricalDtype) \
                else col.to_numpy()
        return self.cache[name]

    def rep(self, r: int) -> _Slice:
        return _Slice(self, *self.bounds[r])


class _Slice:
    def __init__(self, columns: _Columns, lo: int, hi: int):
        self.columns, self.lo, self.hi = columns, lo, hi

    def __getitem__(self, name: str) -> _Column:
        return _Column(self.columns.column(name)[self.lo:self.hi])


class _Column:
    def __init__(self, values: np.ndarray):
        self.values = values

    def to_numpy(self) -> np.ndarray:
        return self.values

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)


def _by_replication(df: pd.DataFrame, groups: int, reps: int) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """A batch's table ordered by replication, and the row bounds of each replication in it.

    Each replication's rows keep their order and get the replication's own group and firm ids.
    """
    if reps == 1:
        return df, [(0, len(df))]
    g = df["group"].to_numpy().astype(np.int64)
    rep = g // groups
    order = np.argsort(rep, kind="stable")        # keeps each replication's rows in their order
    bounds = np.concatenate([[0], np.cumsum(np.bincount(rep, minlength=reps))])
    df = df.iloc[order].reset_index(drop=True)
    rep = rep[order]
    df["group"] = (g[order] % groups).astype(df["group"].dtype)
    for name in ("firm", "other"):
        if name in df:
            ids = df[name].to_numpy()
            df[name] = np.where(ids >= 0, ids - (rep << FIRM_KEY_BITS), ids).astype(ids.dtype)
    return df, [(int(bounds[r]), int(bounds[r + 1])) for r in range(reps)]


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
        tables = self.model.log.frames()
        run_id = f"{self.scenario.meta.name}-{self.seed}"
        for df in tables.values():
            df.insert(0, "run", run_id)
        runs = _runs_row(self.scenario, self.seed, self.model.t, tables)
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
