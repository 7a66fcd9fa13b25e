"""Scenario discovery: which regions of the factor space keep groups alive and members better off.

A run is a *success* when at least ``survival_min`` of its groups are alive at the end and its
members earn more than ``income_gain_min`` over going alone (the experiment's [discovery]
table). A design point is a case of interest when more than half of its replications succeed.

PRIM (the ``PRIM`` package: the EMA Workbench's implementation of Friedman and Fisher's algorithm,
packaged standalone without the Workbench's modelling and plotting dependencies) peels the factor
space down to boxes dense in cases of interest. Its whole peeling trajectory (coverage against
density) is kept; the chosen box is the one with the highest coverage among those reaching the
target ``density``, and a box that does not reach it is shown as a candidate, never as a rule.
The box's limits are rounded to a precision that means something for each factor (1/100 of its
explored range, whole numbers for integers), and its **stability** is measured by re-running PRIM
on random halves of the design points: how often each restriction of the box reappears.
A CART tree (scikit-learn's ``DecisionTreeClassifier``, the classifier the EMA Workbench's
``cart`` module wraps) gives a second view: its leaves where most design points succeed.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..model.scenario import param
from .sweepstore import StoreError, SweepStore

DEFAULTS = {"survival_min": 0.5, "income_gain_min": 0.0, "density": 0.8, "robust_share": 0.8}
RESAMPLES = 20      # PRIM re-runs on random halves of the design points, for stability
MASS_MIN = 0.05     # smallest box PRIM may peel to (share of design points)


def success(runs: pd.DataFrame, disc: dict | None = None) -> pd.Series | None:
    """Per run: groups alive and members better off than alone (None if those outcomes were not kept)."""
    d = {**DEFAULTS, **(disc or {})}
    if "outcome.survival" not in runs or "outcome.income_gain" not in runs:
        return None
    return (runs["outcome.survival"] >= d["survival_min"]) & (
        runs["outcome.income_gain"] > d["income_gain_min"])


@dataclass
class Restriction:
    """One limit of a box: a numeric interval (``lo``/``hi``, None when open) or a set of levels."""

    key: str
    lo: float | None = None
    hi: float | None = None
    levels: tuple | None = None
    stability: float = float("nan")  # share of resamples whose box restricts this factor too

    def text(self, label=lambda k: k) -> str:
        """The restriction as ``label >= 0.35``, ``0.2 <= label <= 0.6`` or ``label in {a, b}``."""
        name = label(self.key)
        if self.levels is not None:
            return f"{name} in {{{', '.join(map(str, self.levels))}}}"
        if self.lo is not None and self.hi is not None:
            return f"{_num(self.lo)} <= {name} <= {_num(self.hi)}"
        return f"{name} >= {_num(self.lo)}" if self.lo is not None else f"{name} <= {_num(self.hi)}"


def _num(v: float) -> str:
    return f"{v:g}"


@dataclass
class Box:
    """One discovered box: its restrictions and how well it captures the successful design points."""

    restrictions: list[Restriction]
    coverage: float
    density: float
    mass: float
    points: int
    is_rule: bool = True  # False: the best PRIM found is below the target density (a candidate)

    @property
    def rules(self) -> list[str]:
        """The restrictions as text, with parameter keys."""
        return [r.text() for r in self.restrictions]

    @property
    def limits(self) -> dict:
        """Restricted factor -> [lo, hi] (open ends as the explored bounds are not kept) or levels."""
        return {r.key: list(r.levels) if r.levels is not None else [r.lo, r.hi] for r in self.restrictions}

    def text(self, label=lambda k: k) -> str:
        """The box as one readable sentence."""
        cond = " AND ".join(r.text(label) for r in self.restrictions) or "anywhere in the explored space"
        kind = "" if self.is_rule else "candidate (below the target density, not a rule): "
        return (f"{kind}IF {cond} THEN {self.density * 100:.0f} % of design points succeed "
                f"({self.points} points; the box holds {self.coverage * 100:.0f} % of all successes)")


@dataclass
class Discovery:
    """Result of scenario discovery on a sweep."""

    criterion: str
    points: int
    successes: int
    boxes: list[Box]
    trajectory: pd.DataFrame
    point_success: pd.DataFrame
    note: str = ""
    density_target: float = 0.8
    resamples: int = 0
    cart: list[Box] = field(default_factory=list)


def _x(design: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    x = pd.DataFrame(index=design.index)
    for key in factors:
        kind = param(key).type
        col = design[key]
        if kind is float:
            x[key] = col.astype(float)
        elif kind is int:
            x[key] = col.astype(np.int64)
        else:  # categorical levels (strings, booleans): PRIM peels them as sets
            x[key] = pd.Series(col.astype(str).to_numpy(dtype=object), index=design.index, dtype=object)
    return x


def precision(key: str, values: pd.Series) -> float:
    """The step a box limit of this factor is rounded to: 1/100 of its explored range, 1 for integers."""
    if param(key).type is int:
        return 1.0
    span = float(values.max() - values.min())
    return 10.0 ** round(math.log10(span / 100)) if span > 0 else 1.0


def _restrictions(lims, init, x: pd.DataFrame) -> list[Restriction]:
    out = []
    for key in x.columns:
        lo, hi = lims[key][0], lims[key][1]
        ilo, ihi = init[key][0], init[key][1]
        if isinstance(lo, set):
            if lo != ilo:
                out.append(Restriction(key, levels=tuple(sorted(map(str, lo)))))
            continue
        up, down = lo > ilo, hi < ihi
        if not (up or down):
            continue
        step = precision(key, x[key])
        digits = max(0, -int(math.floor(math.log10(step))))
        out.append(Restriction(key, lo=round(round(float(lo) / step) * step, digits) if up else None,
                               hi=round(round(float(hi) / step) * step, digits) if down else None))
    return out


def _choose(tr: pd.DataFrame, density: float, base: float = 0.0) -> tuple[int, bool]:
    """Index of the box to report on a peeling trajectory, and whether it reaches the target density.

    The box must also be denser than the whole space (``base``): when the whole space already
    reaches the target, a rule must close at least half the gap between ``base`` and 100 %.
    """
    if base >= density:
        density = base + (1 - base) / 2
    good = tr[tr["density"] >= density]
    if len(good):
        return int(good["coverage"].idxmax()), True
    return int(tr["density"].idxmax()), False


def _prim(x: pd.DataFrame, y: np.ndarray):
    import prim

    logging.getLogger("prim").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return prim.Prim(x.reset_index(drop=True), y, threshold=0.5, threshold_type=">", mass_min=MASS_MIN)


def _first_box_keys(x: pd.DataFrame, y: np.ndarray, density: float) -> set[str] | None:
    p = _prim(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = p.find_box()
    if box is None:
        return None
    tr = box.peeling_trajectory.reset_index(drop=True)
    i, _ = _choose(tr, density, float(y.mean()))
    return {r.key for r in _restrictions(box._box_lims[i], p._box_init, x)}


def discover_frame(design: pd.DataFrame, runs: pd.DataFrame, factors: list[str], disc: dict | None = None,
                   max_boxes: int = 3, seed: int = 0, resamples: int = RESAMPLES) -> Discovery | None:
    """Scenario discovery on a design table (``point`` and factor values) and its runs.

    Returns None when the runs lack the survival or income_gain outcome.
    """
    disc = {**DEFAULTS, **(disc or {})}
    ok = success(runs, disc)
    if ok is None:
        return None
    criterion = (f"survival >= {disc['survival_min']:g} and income_gain > {disc['income_gain_min']:g} "
                 "in most replications")
    per = runs.assign(success=ok).groupby("point")["success"].mean()
    design = design.set_index("point").loc[per.index]
    point_success = design[factors].assign(success_share=per.to_numpy())
    y = per.to_numpy() > 0.5
    n, k = len(y), int(y.sum())
    empty = pd.DataFrame(columns=["box", "coverage", "density", "mass", "res_dim", "chosen"])
    target = float(disc["density"])
    if k == 0 or k == n or n < 4:
        note = ("no design point succeeds" if k == 0 else
                "every design point succeeds" if k == n else "too few design points for PRIM")
        return Discovery(criterion, n, k, [], empty, point_success, note, target)
    x = _x(design.reset_index(drop=True), factors)
    p = _prim(x, y)
    boxes, traj = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for b in range(max_boxes):
            box = p.find_box()
            if box is None:
                break
            tr = box.peeling_trajectory.reset_index(drop=True)
            i, reaches = _choose(tr, target, k / n)
            box.select(i)
            traj.append(tr.rename(columns={"res dim": "res_dim"}).assign(
                box=b + 1, chosen=[j == i for j in range(len(tr))]))
            row = tr.iloc[i]
            if row["density"] <= k / n or row["coverage"] < MASS_MIN or (b > 0 and not reaches):
                break  # no lift over the whole space (or a weak follow-up box): not worth reporting
            boxes.append(Box(_restrictions(box._box_lims[i], p._box_init, x), float(row["coverage"]),
                             float(row["density"]), float(row["mass"]), int(round(row["mass"] * n)),
                             is_rule=reaches))
            if not reaches:
                break
    if boxes and resamples:
        rng = np.random.default_rng(seed)
        seen: dict[str, int] = {}
        for _ in range(resamples):
            half = rng.choice(n, size=n // 2, replace=False)
            if 0 < y[half].sum() < len(half):
                for key in _first_box_keys(x.iloc[half], y[half], target) or set():
                    seen[key] = seen.get(key, 0) + 1
        for r in boxes[0].restrictions:
            r.stability = seen.get(r.key, 0) / resamples
    note = "" if boxes else "PRIM found no box denser in successes than the whole space"
    if k / n >= target:
        note = (f"{k / n * 100:.0f} % of all points already succeed (target {target * 100:.0f} %): a rule must "
                f"reach {(1 + k / n) / 2 * 100:.0f} %, half-way to 100 %. " + note).strip()
    if boxes and not boxes[0].is_rule:
        note = (f"no box reaches the target density of {target * 100:.0f} %: the best one is shown as a "
                "candidate, not as a rule")
    trajectory = pd.concat(traj, ignore_index=True) if traj else empty
    return Discovery(criterion, n, k, boxes, trajectory, point_success, note, target,
                     resamples if boxes else 0, cart_boxes(x, y, target))


def cart_boxes(x: pd.DataFrame, y: np.ndarray, density: float, depth: int = 3) -> list[Box]:
    """CART's view: the leaves of a shallow classification tree where most design points succeed."""
    from sklearn.tree import DecisionTreeClassifier

    cats = [c for c in x.columns if x[c].dtype == object]
    X = pd.get_dummies(x, columns=cats, prefix_sep="\x00", dtype=float)
    n = len(y)
    tree = DecisionTreeClassifier(max_depth=depth, min_samples_leaf=max(5, int(MASS_MIN * n)),
                                  random_state=0).fit(X.to_numpy(), y)
    t = tree.tree_
    leaves = tree.apply(X.to_numpy())
    out = []

    def walk(node, conds):
        if t.children_left[node] == -1:
            inside = leaves == node
            dens = float(y[inside].mean()) if inside.any() else 0.0
            if dens > 0.5:
                out.append(Box(_cart_restrictions(conds, x), float(y[inside].sum() / max(1, y.sum())),
                               dens, float(inside.mean()), int(inside.sum()), is_rule=dens >= density))
            return
        col, thr = X.columns[t.feature[node]], float(t.threshold[node])
        walk(t.children_left[node], [*conds, (col, "<=", thr)])
        walk(t.children_right[node], [*conds, (col, ">", thr)])

    walk(0, [])
    return sorted(out, key=lambda b: -b.coverage)


def _cart_restrictions(conds, x: pd.DataFrame) -> list[Restriction]:
    num: dict[str, list] = {}
    levels: dict[str, set] = {}
    for col, op, thr in conds:
        if "\x00" in col:  # a dummy of a categorical factor: <= 0.5 means "not this level"
            key, level = col.split("\x00")
            allowed = levels.setdefault(key, set(x[key].unique()))
            levels[key] = allowed - {level} if op == "<=" else allowed & {level}
        else:
            lo, hi = num.setdefault(col, [None, None])
            if op == "<=":
                num[col][1] = thr if hi is None else min(hi, thr)
            else:
                num[col][0] = thr if lo is None else max(lo, thr)
    out = []
    for key, (lo, hi) in num.items():
        step = precision(key, x[key])
        digits = max(0, -int(math.floor(math.log10(step))))
        out.append(Restriction(key, lo=None if lo is None else round(round(lo / step) * step, digits),
                               hi=None if hi is None else round(round(hi / step) * step, digits)))
    out += [Restriction(k, levels=tuple(sorted(v))) for k, v in levels.items()]
    return out


def discover(folder, max_boxes: int = 3) -> Discovery:
    """Find boxes of the factor space where design points mostly succeed (PRIM), from a sweep folder.

    Raises:
        StoreError: the store lacks the survival or income_gain outcome.

    """
    store = SweepStore(folder)
    man = store.manifest()
    d = discover_frame(store.design(), store.runs(), list(man["factors"]), man.get("discovery", {}),
                       max_boxes, seed=int(man["root_seed"]) % 2**32)
    if d is None:
        raise StoreError(f"{store.folder}: scenario discovery needs the outcomes 'survival' and "
                         "'income_gain'; allowed: keep them in [experiment].outcomes")
    return d


def format_discovery(d: Discovery, label=lambda k: k) -> str:
    """Discovery as lines of text."""
    lines = [f"Scenario discovery (PRIM) · success = {d.criterion}",
             f"  {d.successes} of {d.points} design points succeed; a box is a rule when at least "
             f"{d.density_target * 100:.0f} % of its points succeed"]
    if d.note:
        lines.append(f"  {d.note}")
    for i, b in enumerate(d.boxes, 1):
        lines.append(f"  box {i}: {b.text(label)}")
    if d.boxes and d.resamples:
        lines.append(f"  stability of box 1 (PRIM on {d.resamples} random halves of the design points): "
                     + ", ".join(f"{label(r.key)} {r.stability * 100:.0f} %" for r in d.boxes[0].restrictions))
    for i, b in enumerate(d.cart[:3], 1):
        lines.append(f"  CART leaf {i}: {b.text(label)}")
    return "\n".join(lines)
