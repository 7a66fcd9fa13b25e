"""Experiment files: a base scenario, factors, a design, replications, a root seed, outcomes to keep.

An experiment TOML file (``experiments/*.toml``) is read into a frozen :class:`Experiment`,
validated like a scenario: every problem raises :class:`ExperimentError` (a ScenarioError) whose
message names the file, the key and what is allowed, before any run starts. :meth:`Experiment.plan`
turns the design into design points (one validated scenario each) and the runs (design point x
replication, each with a seed derived by ``SeedSequence.spawn`` from the root seed, so a run's
result depends only on the experiment, never on worker count or order). Layout of a file::

    [experiment]
    scenario = "../scenarios/baseline.toml"  # base scenario, relative to this file
    design = "crossed"                       # factorial | lhs | sobol | morris | crossed
    samples = 32                             # crossed: contexts sampled for every policy
    replications = 4
    seed = 2024

    [factors]
    "rules.monitoring" = { levels = [0.1, 0.6] }            # a lever (rules, sanctions, facilitator)
    "facilitator.schedule" = { levels = ["none", "taper"] }
    "lifecycle.tc_base" = { range = [0.5, 4.0] }            # an uncertainty (context)

Every factor is a *lever* (what a programme chooses) or an *uncertainty* (what it cannot choose),
EMA Workbench's vocabulary: by default from its section (:data:`LEVER_SECTIONS`), or set with
``role = "lever"`` / ``role = "uncertainty"``. The ``crossed`` design plays every policy (each
combination of the levers' levels) in the same Latin hypercube sample of contexts.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..model.scenario import PROFILES, SECTIONS, Scenario, ScenarioError, load_scenario, param, read_toml

DESIGNS = ("factorial", "lhs", "sobol", "morris", "crossed")
SEEDING = ("independent", "common")
ROLES = ("lever", "uncertainty")
# what a programme chooses (EMA "levers"): the reglamento, the sanctions, the facilitator's schedule,
# the programme's money and the manager; every other section (population, profiles, games, trust,
# lifecycle, participation, milestones) is context that the programme cannot choose (EMA
# "uncertainties"). A factor's ``role`` overrides its section's.
LEVER_SECTIONS = ("rules", "sanctions", "facilitator", "programme", "manager")
# parameters that do not change what a run does: recording options, the seed, names
NOT_FACTORS = {"run.steps": "set [experiment].steps (one horizon per experiment keeps outcomes "
                            "such as survival at the end comparable)",
               "run.seed": "seeds come from [experiment].seed",
               "run.firm_table": "a recording option; outcomes do not depend on it",
               "run.sample_every": "a recording option; outcomes do not depend on it"}
MAX_RUNS = 10_000_000  # design points x replications an experiment may ask for
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
SHARE_GROUPS = (tuple(f"population.{p}" for p in PROFILES),
                ("population.active", "population.passive", "population.barely"))
EXPERIMENT_KEYS = {
    "name": "a short name", "description": "a sentence", "scenario": "a scenario TOML path",
    "design": "one of " + ", ".join(map(repr, DESIGNS)),
    "samples": "a whole number >= 2 (lhs: points; sobol: N, a power of 2; morris: trajectories; "
               "crossed: contexts)",
    "replications": "a whole number from 1 to 100000", "seed": "a whole number >= 0",
    "steps": "a whole number from 1 to 5000", "outcomes": "a list of outcome names",
    "series": "a list of per-step columns", "seeds": "one of 'independent', 'common'",
    "series_every": "a whole number from 0 to 5000 (meetings between kept series points, 0 = automatic)",
    "levels": "an even whole number >= 2 (morris grid)", "second_order": "true or false",
    "batch": "a whole number >= 0 (runs per batch, 0 = automatic)",
}
DISCOVERY_KEYS = {"survival_min": 0.5, "income_gain_min": 0.0, "density": 0.8, "robust_share": 0.8}
DISCOVERY_RANGES = {"survival_min": (0.0, 1.0, "share of groups alive at the end"),
                    "income_gain_min": (-1.0, 10.0, "members' income over going alone, minus 1"),
                    "density": (0.05, 1.0, "share of successes a reported PRIM box must reach"),
                    "robust_share": (0.05, 1.0, "share of contexts a robust policy must succeed in")}
FACTOR_KEYS = ("range", "levels", "points", "role")
# group-level series every run keeps when [experiment].series is not given
DEFAULT_SERIES = ("alive", "members", "trust", "cooperation", "income_gain", "facilitator")
SERIES_POINTS = 53  # automatic series_every keeps about this many points per run
SERIES_KEYS = ("step", "group", "alive")


# per-run outcomes: label (en, es) and unit (en, es); the report, the export's data dictionary and
# the CLI read names, meanings and units from here
OUTCOME_INFO = {
    "survival": ("Groups alive at the end", "Grupos vivos al final", "share of groups", "proporción de grupos"),
    "members": ("Members at the end (all groups)", "Socios al final (todos los grupos)", "firms", "empresas"),
    "trust": ("Trust among members, last quarter of the run", "Confianza entre socios, último cuarto",
              "index 0-1", "índice 0-1"),
    "cooperation": ("Cooperation, mean over the run", "Cooperación, media de la corrida",
                    "share of decisions", "proporción de decisiones"),
    "income_gain": ("Members' income over going alone", "Ingreso de los socios frente a ir solo",
                    "ratio minus 1 (0.10 = +10 %)", "cociente menos 1 (0,10 = +10 %)"),
    "exits": ("Members who left", "Socios que se retiraron", "firms", "empresas"),
    "expulsions": ("Members expelled", "Socios expulsados", "firms", "empresas"),
    "entries": ("Newcomers admitted", "Ingresantes admitidos", "firms", "empresas"),
    "conflicts": ("Conflicts", "Controversias", "count", "cantidad"),
    "violations": ("Detected violations", "Faltas detectadas", "count", "cantidad"),
    "furtive_acts": ("Furtive opportunistic acts", "Actos oportunistas furtivos", "count", "cantidad"),
    "dissolved_at": ("Meeting at which dissolved groups dissolved", "Reunión en que se disolvieron los grupos",
                     "meeting", "reunión"),
    "coop_santo": ("Cooperation of santo members", "Cooperación de socios santo", "share", "proporción"),
    "coop_solido": ("Cooperation of sólido ciudadano members", "Cooperación de socios sólido ciudadano",
                    "share", "proporción"),
    "coop_tengo": ("Cooperation of tengo que ganar members", "Cooperación de socios tengo que ganar",
                   "share", "proporción"),
    "coop_oportunista": ("Cooperation of oportunista members", "Cooperación de socios oportunista",
                         "share", "proporción"),
    "programme_end": ("Planned end of the programme's support", "Fin previsto del apoyo del programa",
                      "meeting", "reunión"),
    "programme_cost": ("Programme cost per group", "Costo del programa por grupo", "money/group", "dinero/grupo"),
    "facilitator_copay": ("Members' payments for the facilitator, per group",
                          "Pagos de los socios al facilitador, por grupo", "money/group", "dinero/grupo"),
    "manager_cost": ("Manager's pay per group", "Salario del gerente por grupo", "money/group", "dinero/grupo"),
    "alive_end": ("Groups alive when the programme ends", "Grupos vivos al terminar el programa",
                  "share of groups", "proporción de grupos"),
    "alive_2y": ("Groups alive two years after the programme", "Grupos vivos dos años después del programa",
                 "share of groups", "proporción de grupos"),
    "cost_per_group_end": ("Programme cost per group alive at its end", "Costo del programa por grupo vivo al final",
                           "money/group", "dinero/grupo"),
    "cost_per_group_2y": ("Programme cost per group alive two years after",
                          "Costo del programa por grupo vivo dos años después", "money/group", "dinero/grupo"),
    "cost_per_member_year_end": ("Programme cost per member-year better off than alone, at its end",
                                 "Costo del programa por socio-año mejor que solo, al final",
                                 "money/member-year", "dinero/socio-año"),
    "cost_per_member_year_2y": ("Programme cost per member-year better off than alone, two years after",
                                "Costo del programa por socio-año mejor que solo, dos años después",
                                "money/member-year", "dinero/socio-año"),
    "self_governance_end": ("Self-governance when the programme ends", "Autogestión al terminar el programa",
                            "index 0-1", "índice 0-1"),
    "founders_kept": ("Founding members still in at the end", "Socios fundadores que siguen al final",
                      "share", "proporción"),
    "founders_kept_y3": ("Founding members still in at the end of year 3",
                         "Socios fundadores que siguen al fin del año 3", "share", "proporción"),
    **{f"{m}_{k}": ((f"Median meeting groups reached: {en}" if k == "at" else f"Groups that reached: {en}"),
                    (f"Reunión mediana en que los grupos lograron: {es}" if k == "at"
                     else f"Grupos que lograron: {es}"),
                    *(("meeting", "reunión") if k == "at" else ("share of groups", "proporción de grupos")))
       for m, en, es in (("reglamento", "the reglamento", "el reglamento"),
                         ("consortium", "the consortium", "el consorcio"),
                         ("manager", "a manager", "un gerente"),
                         ("handover", "the hand-over", "el traspaso"))
       for k in ("at", "share")},
    "facilitator_meetings": ("Facilitator time per group (programme cost)",
                             "Tiempo de facilitador por grupo (costo del programa)",
                             "meetings at full presence", "reuniones a presencia plena"),
}
DERIVED_OUTCOMES = ("facilitator_meetings",)  # computed by the sweep from the steps table


class ExperimentError(ScenarioError):
    """An experiment file that cannot be run; the message names the file, the key and what is allowed."""


@functools.cache
def known_outcomes() -> tuple[str, ...]:
    """Names of the per-run outcomes (keys of :meth:`sim.Results.summary`) and the sweep's derived ones.

    From :data:`sim.model.columns.OUTCOMES`, without playing a meeting: reading an experiment file
    does not load the engine (the sweep's driver never plays one). tests/test_experiment.py checks
    the names against a one-meeting run.
    """
    from ..model.columns import OUTCOMES

    return (*OUTCOMES, *DERIVED_OUTCOMES)


@functools.cache
def known_series() -> tuple[str, ...]:
    """Columns of the per-step table that a sweep can keep as series (:data:`sim.model.columns.STEP_COLUMNS`)."""
    from ..model.columns import STEP_COLUMNS

    return tuple(c for c in STEP_COLUMNS if c != "run")


@dataclass(frozen=True)
class Factor:
    """One varied parameter: a numeric range (sampled designs) or a list of levels."""

    key: str
    lo: float | None = None
    hi: float | None = None
    levels: tuple | None = None
    role: str = "uncertainty"

    @property
    def kind(self) -> str:
        """'int', 'float', 'bool' or 'str' (the parameter's type)."""
        return param(self.key).type.__name__

    def bounds(self) -> tuple[float, float]:
        """Bounds of the coded variable SALib samples: the range, or [0, number of levels)."""
        return (0.0, float(len(self.levels))) if self.levels is not None else (self.lo, self.hi)

    def decode(self, x: float):
        """The parameter value of a coded sample value."""
        if self.levels is not None:
            return self.levels[min(int(math.floor(x)), len(self.levels) - 1)]
        if self.kind == "int":
            return int(min(max(math.floor(x + 0.5), self.lo), self.hi))
        return float(x)


@dataclass(frozen=True)
class Run:
    """One run of a sweep: design point x replication, with its seed."""

    point: int
    rep: int
    seed: int


@dataclass(frozen=True)
class Plan:
    """Design points (coded matrix X, parameter values, scenarios) and every run to play."""

    X: np.ndarray
    values: list[dict[str, Any]]
    scenarios: list[Scenario]
    runs: list[Run]


@dataclass(frozen=True)
class Experiment:
    """A validated experiment (see the module docstring for the file layout)."""

    path: str
    name: str
    description: str
    base: Scenario
    factors: tuple[Factor, ...]
    design: str = "factorial"
    samples: int = 0
    replications: int = 1
    seed: int = 1
    steps: int | None = None
    outcomes: tuple[str, ...] = ()
    series: tuple[str, ...] = ()
    seeds: str = "independent"
    series_every: int = 0
    levels: int = 4
    second_order: bool = False
    batch: int = 0
    discovery: dict[str, float] = field(default_factory=lambda: dict(DISCOVERY_KEYS))
    text: str = ""

    @property
    def horizon(self) -> int:
        """Meetings each run plays."""
        return self.steps if self.steps is not None else self.base.run.steps

    @property
    def every(self) -> int:
        """Meetings between the kept series points (the last meeting is always kept)."""
        return self.series_every or max(1, math.ceil(self.horizon / (SERIES_POINTS - 1)))

    @property
    def levers(self) -> tuple[Factor, ...]:
        """The factors a programme chooses."""
        return tuple(f for f in self.factors if f.role == "lever")

    @property
    def uncertainties(self) -> tuple[Factor, ...]:
        """The factors a programme cannot choose (the context)."""
        return tuple(f for f in self.factors if f.role == "uncertainty")

    def size(self) -> int:
        """Design points, computed without drawing the design."""
        k = len(self.factors)
        grid = math.prod(len(f.levels) for f in self.factors if f.levels is not None)
        if self.design == "factorial":
            return grid
        if self.design == "crossed":
            return math.prod(len(f.levels) for f in self.levers) * self.samples
        if self.design == "sobol":
            return self.samples * (2 * k + 2 if self.second_order else k + 2)
        if self.design == "morris":
            return self.samples * (k + 1)
        return self.samples

    def policy_context(self, point: int) -> tuple[int, int]:
        """(policy, context) of a design point of a crossed design."""
        return divmod(point, self.samples)

    def problem(self) -> dict[str, Any]:
        """The SALib problem dict (coded bounds; levels are coded 0..n and floored)."""
        return {"num_vars": len(self.factors), "names": [f.key for f in self.factors],
                "bounds": [list(f.bounds()) for f in self.factors]}

    def design_matrix(self) -> np.ndarray:
        """Coded design points (rows) for the chosen design; reproducible from the root seed."""
        k = len(self.factors)
        sample_seed = int(np.random.SeedSequence([self.seed, 7]).generate_state(1)[0])
        if self.design == "factorial":
            # every factor has levels here; level i is coded i + 0.5 so that decode() floors to i
            rows = itertools.product(*(range(len(f.levels)) for f in self.factors))
            return np.array([[i + 0.5 for i in r] for r in rows], float).reshape(-1, k)
        if self.design == "crossed":
            # every policy (a combination of the levers' levels) in the same sampled contexts; the
            # factors keep their declared order in the columns, policy-major rows
            from SALib.sample import latin

            levers = [i for i, f in enumerate(self.factors) if f.role == "lever"]
            unc = [i for i, f in enumerate(self.factors) if f.role == "uncertainty"]
            policies = list(itertools.product(*(range(len(self.factors[i].levels)) for i in levers)))
            sub = {"num_vars": len(unc), "names": [self.factors[i].key for i in unc],
                   "bounds": [list(self.factors[i].bounds()) for i in unc]}
            contexts = latin.sample(sub, self.samples, seed=sample_seed)
            X = np.empty((len(policies) * len(contexts), k))
            for p, pol in enumerate(policies):
                rows = slice(p * len(contexts), (p + 1) * len(contexts))
                for i, lv in zip(levers, pol, strict=True):
                    X[rows, i] = lv + 0.5
                for j, i in enumerate(unc):
                    X[rows, i] = contexts[:, j]
            return X
        if self.design == "lhs":
            from SALib.sample import latin

            return latin.sample(self.problem(), self.samples, seed=sample_seed)
        if self.design == "sobol":
            from SALib.sample import sobol

            return sobol.sample(self.problem(), self.samples, calc_second_order=self.second_order,
                                scramble=True, seed=sample_seed)
        from SALib.sample import morris

        X = morris.sample(self.problem(), self.samples, num_levels=self.levels, seed=sample_seed)
        return X.reshape(-1, k)

    def plan(self) -> Plan:
        """Every design point as a validated scenario, and every run with its seed.

        Raises:
            ExperimentError: a design point is not a valid scenario (named with its values).

        """
        X = self.design_matrix()
        values, scenarios = [], []
        for i, row in enumerate(X):
            v = {f.key: f.decode(x) for f, x in zip(self.factors, row, strict=True)}
            values.append(v)
            scenarios.append(self.point_scenario(v, i))
        n = len(scenarios)
        if self.seeds == "common":
            from ..results.seeds import replication_seeds

            rep_seeds = replication_seeds(self.seed, self.replications)
            runs = [Run(p, r, rep_seeds[r]) for p in range(n) for r in range(self.replications)]
        else:  # per design point: run (p, r) gets child (p, r), whatever the replication count
            runs = [Run(p, r, _spawned_seed(self.seed, p, r))
                    for p in range(n) for r in range(self.replications)]
        return Plan(X=X, values=values, scenarios=scenarios, runs=runs)

    def point_scenario(self, values: dict[str, Any], point: int = 0) -> Scenario:
        """The base scenario with one design point's values (profile shares re-balanced)."""
        overrides = dict(values)
        for group in SHARE_GROUPS:
            fixed = [k for k in group if k in overrides]
            if not fixed:
                continue
            rest = [k for k in group if k not in overrides]
            left = 1.0 - sum(overrides[k] for k in fixed)
            base = {k: self.base.flat()[k] for k in rest}
            if left < -1e-9 or (left > 1e-9 and sum(base.values()) <= 0):
                raise ExperimentError(
                    f"{self.path}: design point {point} sets {', '.join(repr(k) for k in fixed)} to "
                    f"{', '.join(f'{overrides[k]:g}' for k in fixed)}, which cannot be completed to "
                    f"shares summing to 1; allowed: factor ranges whose upper bounds sum to at most 1")
            scale = left / sum(base.values()) if rest and sum(base.values()) > 0 else 0.0
            overrides.update({k: max(0.0, v * scale) for k, v in base.items()})
        try:
            return self.base.replace(overrides, origin=f"{self.path} (design point {point})")
        except ScenarioError as e:
            raise ExperimentError(str(e)) from None

    def fingerprint(self) -> str:
        """Hash of everything that decides the runs' results (not replications: they may grow)."""
        spec = {"base": self.base.flat(), "factors": [f.__dict__ for f in self.factors],
                "design": self.design, "samples": self.samples, "seed": self.seed,
                "steps": self.horizon, "outcomes": self.outcomes, "series": self.series,
                "seeds": self.seeds, "levels": self.levels, "second_order": self.second_order,
                "series_every": self.every}
        spec["base"].pop("meta.description", None)
        return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def normalized_toml(self, scenario_path: str = "base_scenario.toml") -> str:
        """The experiment as a TOML file that points at a copy of its base scenario."""
        import tomli_w

        exp = {"name": self.name, "description": self.description, "scenario": scenario_path,
               "design": self.design, "samples": self.samples, "replications": self.replications,
               "seed": self.seed, "steps": self.horizon, "outcomes": list(self.outcomes),
               "series": list(self.series), "series_every": self.series_every, "seeds": self.seeds,
               "levels": self.levels,
               "second_order": self.second_order, "batch": self.batch}
        if self.design == "factorial":
            del exp["samples"]
        factors = {}
        for f in self.factors:
            factors[f.key] = {"levels": list(f.levels)} if f.levels is not None else {"range": [f.lo, f.hi]}
            factors[f.key]["role"] = f.role
        return tomli_w.dumps({"experiment": exp, "factors": factors, "discovery": self.discovery})


def _spawned_seed(root: int, point: int, rep: int) -> int:
    """Integer seed of run (point, rep): ``SeedSequence(root, spawn_key=(point, rep))``.

    The key names the run, so a seed never depends on how many points or replications there are
    (raising ``replications`` adds runs without changing the stored ones).
    """
    child = np.random.SeedSequence(int(root), spawn_key=(int(point), int(rep)))
    return int(child.generate_state(1, dtype=np.uint32)[0])


def _int(value, origin: str, key: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ExperimentError(f"{origin}: key '{key}' got {value!r}; allowed: a whole number from "
                              f"{lo} to {hi}")
    return value


def _flatten_factors(table: dict, origin: str, prefix: str = "") -> dict[str, dict]:
    out = {}
    for key, spec in table.items():
        dotted = f"{prefix}{key}"
        if not isinstance(spec, dict) or not spec:
            got = "an empty table" if spec == {} else repr(spec)
            raise ExperimentError(f"{origin}: key 'factors.{dotted}' got {got}; allowed: a table such "
                                  "as { range = [0.0, 1.0] } or { levels = [...] }")
        if any(k in spec for k in FACTOR_KEYS):
            out[dotted] = spec
        else:
            out.update(_flatten_factors(spec, origin, dotted + "."))
    return out


def _factor(key: str, spec: dict, design: str, base: Scenario, origin: str, fixed: dict) -> Factor:
    where = f"factors.{key}"
    try:
        prm = param(key)
    except ScenarioError as e:
        raise ExperimentError(f"{origin}: key '{where}': {e}") from None
    if prm.section == "meta" or key in NOT_FACTORS:
        why = NOT_FACTORS.get(key, "a name, not a model parameter")
        raise ExperimentError(f"{origin}: key '{where}' cannot vary ({why}); allowed: any parameter "
                              "except meta.* and run.*")
    if key in fixed:
        raise ExperimentError(f"{origin}: key '{where}' is also fixed in [set]; allowed: a parameter "
                              "either fixed in [set] or varied in [factors], not both")
    unknown = set(spec) - set(FACTOR_KEYS)
    if unknown:
        raise ExperimentError(f"{origin}: key '{where}.{sorted(unknown)[0]}' is unknown; allowed: "
                              + ", ".join(FACTOR_KEYS))
    if ("range" in spec) == ("levels" in spec):
        raise ExperimentError(f"{origin}: key '{where}' needs exactly one of 'range' or 'levels'")
    role = spec.get("role", "lever" if prm.section in LEVER_SECTIONS else "uncertainty")
    if role not in ROLES:
        raise ExperimentError(f"{origin}: key '{where}.role' got {role!r}; allowed: 'lever' (what a "
                              "programme chooses) or 'uncertainty' (what it cannot choose)")
    if "levels" in spec:
        levels = spec["levels"]
        if not isinstance(levels, list) or len(levels) < 1 or len(set(map(repr, levels))) != len(levels):
            raise ExperimentError(f"{origin}: key '{where}.levels' got {levels!r}; allowed: a list of "
                                  f"one or more distinct values, each {prm.allowed()}")
        for lv in levels:
            if any(key in group for group in SHARE_GROUPS):  # re-balanced per design point
                if isinstance(lv, bool) or not isinstance(lv, (int, float)) or not 0 <= lv <= 1:
                    raise ExperimentError(f"{origin}: key '{where}.levels' got {lv!r}; allowed: "
                                          "shares from 0 to 1")
                continue
            try:
                base.replace({key: lv}, origin=f"{origin}: key '{where}.levels'")
            except ScenarioError as e:
                raise ExperimentError(str(e)) from None
        if "points" in spec:
            raise ExperimentError(f"{origin}: key '{where}.points' only applies to a range")
        return Factor(key, levels=tuple(levels), role=role)
    rng = spec["range"]
    if prm.type not in (int, float):
        raise ExperimentError(f"{origin}: key '{where}.range' is for numbers; '{key}' is "
                              f"{prm.allowed()}: give levels = [...] instead")
    ok = (isinstance(rng, list) and len(rng) == 2
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in rng))
    if not ok or not rng[0] < rng[1] or (prm.lo is not None and rng[0] < prm.lo) or (
            prm.hi is not None and rng[1] > prm.hi):
        raise ExperimentError(f"{origin}: key '{where}.range' got {rng!r}; allowed: [low, high] with "
                              f"low < high, each {prm.allowed()}")
    if design == "factorial" or (design == "crossed" and role == "lever"):
        # a grid: factorial designs and the policies of a crossed design take evenly spaced values
        points = spec.get("points", 2)
        _int(points, origin, f"{where}.points", 2, 1000)
        if prm.type is int:
            vals = sorted({int(round(v)) for v in np.linspace(rng[0], rng[1], points)})
            return Factor(key, levels=tuple(vals), role=role)
        return Factor(key, levels=tuple(float(v) for v in np.linspace(rng[0], rng[1], points)), role=role)
    if "points" in spec:
        raise ExperimentError(f"{origin}: key '{where}.points' only applies to design 'factorial' and to "
                              "the levers of design 'crossed'")
    return Factor(key, lo=float(rng[0]), hi=float(rng[1]), role=role)


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment TOML file.

    Raises:
        ExperimentError: the file is missing, is not TOML, or holds an invalid setting; the message
            names the file, the key and what is allowed.

    """
    path = Path(path)
    origin = str(path)
    text, data = read_toml(path, "experiment", ExperimentError)
    allowed_tables = ("experiment", "set", "factors", "discovery")
    for key in data:
        if key not in allowed_tables:
            hint = " (a scenario file: 'asocia run' plays it)" if key in SECTIONS else ""
            raise ExperimentError(f"{origin}: unknown table '{key}'{hint}; allowed: {', '.join(allowed_tables)}")
    exp = data.get("experiment")
    if not isinstance(exp, dict):
        raise ExperimentError(f"{origin}: missing table [experiment]; allowed keys: {', '.join(EXPERIMENT_KEYS)}")
    for key in exp:
        if key not in EXPERIMENT_KEYS:
            raise ExperimentError(f"{origin}: unknown key 'experiment.{key}'; allowed: {', '.join(EXPERIMENT_KEYS)}")
    if "scenario" not in exp or not isinstance(exp["scenario"], str) or not exp["scenario"].strip():
        raise ExperimentError(f"{origin}: key 'experiment.scenario' is required; allowed: a scenario "
                              "TOML path, relative to the experiment file")
    name = _name(exp.get("name", path.stem), origin)
    description = exp.get("description", "")
    if not isinstance(description, str) or len(description) > 2000:
        raise ExperimentError(f"{origin}: key 'experiment.description' got {description!r:.60}; allowed: "
                              "a string of at most 2000 characters")
    fixed = data.get("set", {})
    if not isinstance(fixed, dict):
        raise ExperimentError(f"{origin}: 'set' must be a table of \"section.name\" = value")
    fixed = _flatten_set(fixed)
    for key in fixed:
        if key == "run.steps":
            raise ExperimentError(f"{origin}: key 'set.run.steps' is not used; allowed: the horizon "
                                  "as [experiment].steps")
    declared = dict(fixed)
    fixed.setdefault("run.firm_table", "off")  # sweeps keep per-run outcomes; the firm table is not needed
    base_path = path.parent / exp["scenario"]
    if not base_path.exists():   # the scenario file's own errors name that file; a missing one names this key
        raise ExperimentError(f"{origin}: key 'experiment.scenario' got {exp['scenario']!r}, and {base_path} "
                              "does not exist; allowed: a scenario TOML path, relative to the experiment file")
    base = load_scenario(base_path)
    try:
        base = base.replace(fixed, origin=f"{origin}: [set]")
    except ScenarioError as e:
        raise ExperimentError(str(e)) from None
    design = exp.get("design", "factorial")
    if design not in DESIGNS:
        raise ExperimentError(f"{origin}: key 'experiment.design' got {design!r}; allowed: {EXPERIMENT_KEYS['design']}")
    if design == "factorial":
        if "samples" in exp:
            raise ExperimentError(f"{origin}: key 'experiment.samples' does not apply to design "
                                  "'factorial' (its points are every combination of the levels); "
                                  "allowed: remove it, or a sampled design")
        samples = 0
    else:
        samples = _int(exp.get("samples", 16), origin, "experiment.samples", 2, 10**6)
    if design == "sobol" and samples & (samples - 1):
        raise ExperimentError(f"{origin}: key 'experiment.samples' got {samples}; allowed for design "
                              "'sobol': a power of 2 (e.g. 64, 128, 256)")
    seeds = exp.get("seeds", "independent")
    if seeds not in SEEDING:
        raise ExperimentError(f"{origin}: key 'experiment.seeds' got {seeds!r}; allowed: {EXPERIMENT_KEYS['seeds']}")
    levels = _int(exp.get("levels", 4), origin, "experiment.levels", 2, 1000)
    if levels % 2:
        raise ExperimentError(f"{origin}: key 'experiment.levels' got {levels}; allowed: {EXPERIMENT_KEYS['levels']}")
    second = exp.get("second_order", False)
    if not isinstance(second, bool):
        raise ExperimentError(f"{origin}: key 'experiment.second_order' got {second!r}; allowed: true or false")
    outcomes = exp.get("outcomes", list(known_outcomes()))
    _names(outcomes, known_outcomes(), origin, "experiment.outcomes", empty=False)
    series = exp.get("series", list(DEFAULT_SERIES))
    _names(series, [c for c in known_series() if c not in SERIES_KEYS[:2]], origin, "experiment.series")
    table = data.get("factors", {})
    if not isinstance(table, dict) or not table:
        raise ExperimentError(f"{origin}: table [factors] is missing or empty; allowed: one or more "
                              "\"section.name\" = { range = [lo, hi] } or { levels = [...] }")
    factors = tuple(_factor(k, v, design, base, origin, declared)
                    for k, v in _flatten_factors(table, origin).items())
    if design != "factorial":
        for group in SHARE_GROUPS:
            top = sum(f.hi if f.levels is None else max(f.levels) for f in factors if f.key in group)
            if top > 1 + 1e-9:
                raise ExperimentError(f"{origin}: the share factors in {group} can sum to {top:g}; "
                                      "allowed: upper bounds that sum to at most 1")
    if design == "crossed":
        roles = {f.role for f in factors}
        if roles != set(ROLES):
            missing = "lever" if "lever" not in roles else "uncertainty"
            raise ExperimentError(f"{origin}: design 'crossed' needs at least one lever and one uncertainty "
                                  f"among [factors] and has no {missing}; allowed: levers in sections "
                                  f"{', '.join(LEVER_SECTIONS)} (or role = \"lever\"), uncertainties "
                                  "elsewhere (or role = \"uncertainty\")")
    disc = data.get("discovery", {})
    if not isinstance(disc, dict):
        raise ExperimentError(f"{origin}: 'discovery' must be a table; allowed keys: {', '.join(DISCOVERY_KEYS)}")
    for key, value in disc.items():
        if key not in DISCOVERY_KEYS:
            raise ExperimentError(f"{origin}: unknown key 'discovery.{key}'; allowed: {', '.join(DISCOVERY_KEYS)}")
        lo, hi, what = DISCOVERY_RANGES[key]
        if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
                or not lo <= value <= hi):
            raise ExperimentError(f"{origin}: key 'discovery.{key}' got {value!r}; allowed: a number from "
                                  f"{lo:g} to {hi:g} ({what})")
    replications = _int(exp.get("replications", 1), origin, "experiment.replications", 1, 100000)
    result = Experiment(
        path=origin, name=name, description=description, base=base,
        factors=factors, design=design, samples=samples, replications=replications,
        seed=_int(exp.get("seed", 1), origin, "experiment.seed", 0, 2**63 - 1),
        steps=_int(exp["steps"], origin, "experiment.steps", 1, 5000) if "steps" in exp else None,
        outcomes=tuple(outcomes), series=tuple(series), seeds=seeds,
        series_every=_int(exp.get("series_every", 0), origin, "experiment.series_every", 0, 5000),
        levels=levels, second_order=second,
        batch=_int(exp.get("batch", 0), origin, "experiment.batch", 0, 10**6),
        discovery={**DISCOVERY_KEYS, **{k: float(v) for k, v in disc.items()}}, text=text)
    points = result.size()
    if points * replications > MAX_RUNS:
        raise ExperimentError(f"{origin}: the design has {points} points x {replications} replications = "
                              f"{points * replications} runs; allowed: at most {MAX_RUNS}")
    return result


def _name(value, origin: str) -> str:
    """An experiment name: it names the default output folder, so it is never a path."""
    if (not isinstance(value, str) or not value or len(value) > 80 or set(value) - NAME_CHARS
            or value.startswith(".")):
        raise ExperimentError(f"{origin}: key 'experiment.name' got {value!r}; allowed: 1 to 80 letters, "
                              "digits, '-', '_' or '.', not starting with '.'")
    return value


def _flatten_set(table: dict, prefix: str = "") -> dict[str, Any]:
    out = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten_set(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _names(given, known, origin: str, key: str, empty: bool = True) -> None:
    if (not isinstance(given, list) or not all(isinstance(x, str) for x in given)
            or len(set(given)) != len(given) or (not empty and not given)):
        raise ExperimentError(f"{origin}: key '{key}' got {given!r}; allowed: a list of distinct names "
                              f"{'' if empty else '(at least one) '}from " + ", ".join(known))
    for name in given:
        if name not in known:
            raise ExperimentError(f"{origin}: key '{key}' got unknown name {name!r}; allowed: "
                                  + ", ".join(known))
