"""Experiment files: a base scenario, factors, a design, replications, a root seed, outcomes to keep.

An experiment TOML file (``experiments/*.toml``) is read into a frozen :class:`Experiment`,
validated like a scenario: every problem raises :class:`ExperimentError` (a ScenarioError) whose
message names the file, the key and what is allowed, before any run starts. :meth:`Experiment.plan`
turns the design into design points (one validated scenario each) and the runs (design point x
replication, each with a seed derived by ``SeedSequence.spawn`` from the root seed, so a run's
result depends only on the experiment, never on worker count or order). Layout of a file::

    [experiment]
    scenario = "../scenarios/baseline.toml"  # base scenario, relative to this file
    design = "factorial"                     # factorial | lhs | sobol | morris
    replications = 4
    seed = 2024

    [factors]
    "rules.monitoring" = { range = [0.0, 0.9] }          # sampled designs (points = n for factorial)
    "facilitator.schedule" = { levels = ["none", "taper"] }
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

from .scenario import PROFILES, Scenario, ScenarioError, load_scenario, param, read_toml

DESIGNS = ("factorial", "lhs", "sobol", "morris")
SEEDING = ("common", "independent")
SHARE_GROUPS = (tuple(f"population.{p}" for p in PROFILES),
                ("population.active", "population.passive", "population.barely"))
EXPERIMENT_KEYS = {
    "name": "a short name", "description": "a sentence", "scenario": "a scenario TOML path",
    "design": "one of " + ", ".join(map(repr, DESIGNS)), "samples": "a whole number >= 1",
    "replications": "a whole number from 1 to 100000", "seed": "a whole number >= 0",
    "steps": "a whole number from 1 to 5000", "outcomes": "a list of outcome names",
    "series": "a list of per-step columns", "seeds": "one of 'common', 'independent'",
    "levels": "an even whole number >= 2 (morris grid)", "second_order": "true or false",
    "batch": "a whole number >= 0 (runs per batch, 0 = automatic)",
}
DISCOVERY_KEYS = {"survival_min": 0.5, "income_gain_min": 0.0, "density": 0.8}
FACTOR_KEYS = ("range", "levels", "points")
SERIES_KEYS = ("step", "group", "alive")


class ExperimentError(ScenarioError):
    """An experiment file that cannot be run; the message names the file, the key and what is allowed."""


@functools.cache
def known_outcomes() -> tuple[str, ...]:
    """Names of the per-run outcomes (keys of :meth:`sim.Results.summary`), from a one-meeting run."""
    from .run import run

    tiny = Scenario().replace({"population.groups": 1, "run.firm_table": "off"})
    return tuple(run(tiny, seed=1, steps=1).summary())


@functools.cache
def known_series() -> tuple[str, ...]:
    """Columns of the per-step table that a sweep can keep as series."""
    from .run import run

    tiny = Scenario().replace({"population.groups": 1, "run.firm_table": "off"})
    return tuple(c for c in run(tiny, seed=1, steps=1).steps.columns if c != "run")


@dataclass(frozen=True)
class Factor:
    """One varied parameter: a numeric range (sampled designs) or a list of levels."""

    key: str
    lo: float | None = None
    hi: float | None = None
    levels: tuple | None = None

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
    seeds: str = "common"
    levels: int = 4
    second_order: bool = False
    batch: int = 0
    discovery: dict[str, float] = field(default_factory=lambda: dict(DISCOVERY_KEYS))
    text: str = ""

    @property
    def horizon(self) -> int:
        """Meetings each run plays."""
        return self.steps if self.steps is not None else self.base.run.steps

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
            from .seeds import replication_seeds

            rep_seeds = replication_seeds(self.seed, self.replications)
            runs = [Run(p, r, rep_seeds[r]) for p in range(n) for r in range(self.replications)]
        else:
            runs = [Run(p, r, _spawned_seed(self.seed, p * self.replications + r))
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
                "seeds": self.seeds, "levels": self.levels, "second_order": self.second_order}
        spec["base"].pop("meta.description", None)
        return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def normalized_toml(self, scenario_path: str = "base_scenario.toml") -> str:
        """The experiment as a TOML file that points at a copy of its base scenario."""
        import tomli_w

        exp = {"name": self.name, "description": self.description, "scenario": scenario_path,
               "design": self.design, "samples": self.samples, "replications": self.replications,
               "seed": self.seed, "steps": self.horizon, "outcomes": list(self.outcomes),
               "series": list(self.series), "seeds": self.seeds, "levels": self.levels,
               "second_order": self.second_order, "batch": self.batch}
        factors = {}
        for f in self.factors:
            factors[f.key] = {"levels": list(f.levels)} if f.levels is not None else {"range": [f.lo, f.hi]}
        return tomli_w.dumps({"experiment": exp, "factors": factors, "discovery": self.discovery})


def _spawned_seed(root: int, index: int) -> int:
    """Integer seed of child ``index`` of ``SeedSequence(root).spawn`` (independent of how many)."""
    child = np.random.SeedSequence(int(root), spawn_key=(int(index),))
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
        if not isinstance(spec, dict):
            raise ExperimentError(f"{origin}: key 'factors.{dotted}' got {spec!r}; allowed: a table "
                                  "such as {{ range = [0.0, 1.0] }} or {{ levels = [...] }}")
        if any(k in spec for k in FACTOR_KEYS):
            out[dotted] = spec
        else:
            out.update(_flatten_factors(spec, origin, dotted + "."))
    return out


def _factor(key: str, spec: dict, design: str, base: Scenario, origin: str) -> Factor:
    where = f"factors.{key}"
    try:
        prm = param(key)
    except ScenarioError as e:
        raise ExperimentError(f"{origin}: key '{where}': {e}") from None
    if prm.section == "meta" or key == "run.seed":
        raise ExperimentError(f"{origin}: key '{where}' cannot vary; allowed: any parameter except "
                              "meta.* and run.seed (seeds come from [experiment].seed)")
    unknown = set(spec) - set(FACTOR_KEYS)
    if unknown:
        raise ExperimentError(f"{origin}: key '{where}.{sorted(unknown)[0]}' is unknown; allowed: "
                              + ", ".join(FACTOR_KEYS))
    if ("range" in spec) == ("levels" in spec):
        raise ExperimentError(f"{origin}: key '{where}' needs exactly one of 'range' or 'levels'")
    if "levels" in spec:
        levels = spec["levels"]
        if not isinstance(levels, list) or len(levels) < 1 or len(set(map(repr, levels))) != len(levels):
            raise ExperimentError(f"{origin}: key '{where}.levels' got {levels!r}; allowed: a list of "
                                  f"distinct values, each {prm.allowed()}")
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
        return Factor(key, levels=tuple(levels))
    rng = spec["range"]
    if prm.type not in (int, float):
        raise ExperimentError(f"{origin}: key '{where}.range' is for numbers; '{key}' is "
                              f"{prm.allowed()}: give levels = [...] instead")
    ok = (isinstance(rng, list) and len(rng) == 2
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in rng))
    if not ok or not rng[0] < rng[1] or (prm.lo is not None and rng[0] < prm.lo) or (
            prm.hi is not None and rng[1] > prm.hi):
        raise ExperimentError(f"{origin}: key '{where}.range' got {rng!r}; allowed: [low, high] with "
                              f"low < high, each {prm.allowed()}")
    if design == "factorial":
        points = spec.get("points", 2)
        _int(points, origin, f"{where}.points", 2, 1000)
        f = Factor(key, lo=float(rng[0]), hi=float(rng[1]))
        if prm.type is int:
            vals = sorted({int(round(v)) for v in np.linspace(rng[0], rng[1], points)})
            return Factor(key, levels=tuple(vals))
        return Factor(key, levels=tuple(float(v) for v in np.linspace(f.lo, f.hi, points)))
    if "points" in spec:
        raise ExperimentError(f"{origin}: key '{where}.points' only applies to design 'factorial'")
    return Factor(key, lo=float(rng[0]), hi=float(rng[1]))


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
            raise ExperimentError(f"{origin}: unknown table '{key}'; allowed: {', '.join(allowed_tables)}")
    exp = data.get("experiment")
    if not isinstance(exp, dict):
        raise ExperimentError(f"{origin}: missing table [experiment]; allowed keys: {', '.join(EXPERIMENT_KEYS)}")
    for key in exp:
        if key not in EXPERIMENT_KEYS:
            raise ExperimentError(f"{origin}: unknown key 'experiment.{key}'; allowed: {', '.join(EXPERIMENT_KEYS)}")
    if "scenario" not in exp or not isinstance(exp["scenario"], str):
        raise ExperimentError(f"{origin}: key 'experiment.scenario' is required; allowed: a scenario "
                              "TOML path, relative to the experiment file")
    fixed = data.get("set", {})
    if not isinstance(fixed, dict):
        raise ExperimentError(f"{origin}: 'set' must be a table of \"section.name\" = value")
    fixed = _flatten_set(fixed)
    fixed.setdefault("run.firm_table", "off")  # sweeps keep per-run outcomes; the firm table is not needed
    base = load_scenario(path.parent / exp["scenario"])
    try:
        base = base.replace(fixed, origin=f"{origin}: [set]")
    except ScenarioError as e:
        raise ExperimentError(str(e)) from None
    design = exp.get("design", "factorial")
    if design not in DESIGNS:
        raise ExperimentError(f"{origin}: key 'experiment.design' got {design!r}; allowed: {EXPERIMENT_KEYS['design']}")
    samples = _int(exp.get("samples", 0 if design == "factorial" else 16), origin, "experiment.samples",
                   0 if design == "factorial" else 1, 10**7)
    if design == "sobol" and samples & (samples - 1):
        raise ExperimentError(f"{origin}: key 'experiment.samples' got {samples}; allowed for design "
                              "'sobol': a power of 2 (e.g. 64, 128, 256)")
    seeds = exp.get("seeds", "common")
    if seeds not in SEEDING:
        raise ExperimentError(f"{origin}: key 'experiment.seeds' got {seeds!r}; allowed: {EXPERIMENT_KEYS['seeds']}")
    levels = _int(exp.get("levels", 4), origin, "experiment.levels", 2, 1000)
    if levels % 2:
        raise ExperimentError(f"{origin}: key 'experiment.levels' got {levels}; allowed: {EXPERIMENT_KEYS['levels']}")
    second = exp.get("second_order", False)
    if not isinstance(second, bool):
        raise ExperimentError(f"{origin}: key 'experiment.second_order' got {second!r}; allowed: true or false")
    outcomes = exp.get("outcomes", list(known_outcomes()))
    _names(outcomes, known_outcomes(), origin, "experiment.outcomes")
    series = exp.get("series", [])
    _names(series, known_series(), origin, "experiment.series")
    table = data.get("factors", {})
    if not isinstance(table, dict) or not table:
        raise ExperimentError(f"{origin}: table [factors] is missing or empty; allowed: one or more "
                              "\"section.name\" = { range = [lo, hi] } or { levels = [...] }")
    factors = tuple(_factor(k, v, design, base, origin) for k, v in _flatten_factors(table, origin).items())
    if design != "factorial":
        for group in SHARE_GROUPS:
            top = sum(f.hi if f.levels is None else max(f.levels) for f in factors if f.key in group)
            if top > 1 + 1e-9:
                raise ExperimentError(f"{origin}: the share factors in {group} can sum to {top:g}; "
                                      "allowed: upper bounds that sum to at most 1")
    disc = data.get("discovery", {})
    if not isinstance(disc, dict):
        raise ExperimentError(f"{origin}: 'discovery' must be a table")
    for key, value in disc.items():
        if key not in DISCOVERY_KEYS or isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ExperimentError(f"{origin}: key 'discovery.{key}' got {value!r}; allowed keys: "
                                  f"{', '.join(DISCOVERY_KEYS)} (numbers)")
    name = exp.get("name", path.stem)
    return Experiment(
        path=origin, name=str(name), description=str(exp.get("description", "")), base=base,
        factors=factors, design=design, samples=samples,
        replications=_int(exp.get("replications", 1), origin, "experiment.replications", 1, 100000),
        seed=_int(exp.get("seed", 1), origin, "experiment.seed", 0, 2**63 - 1),
        steps=_int(exp["steps"], origin, "experiment.steps", 1, 5000) if "steps" in exp else None,
        outcomes=tuple(outcomes), series=tuple(series), seeds=seeds, levels=levels,
        second_order=second, batch=_int(exp.get("batch", 0), origin, "experiment.batch", 0, 10**6),
        discovery={**DISCOVERY_KEYS, **{k: float(v) for k, v in disc.items()}}, text=text)


def _flatten_set(table: dict, prefix: str = "") -> dict[str, Any]:
    out = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten_set(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _names(given, known, origin: str, key: str) -> None:
    if not isinstance(given, list) or not all(isinstance(x, str) for x in given):
        raise ExperimentError(f"{origin}: key '{key}' got {given!r}; allowed: a list of names from "
                              + ", ".join(known))
    for name in given:
        if name not in known:
            raise ExperimentError(f"{origin}: key '{key}' got unknown name {name!r}; allowed: "
                                  + ", ".join(known))
