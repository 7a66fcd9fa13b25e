"""Scenario discovery: which regions of the lever space keep groups alive and members better off.

A run is a *success* when at least ``survival_min`` of its groups are alive at the end and its
members earn at least ``income_gain_min`` more than going alone (the experiment's [discovery]
table). A design point is a case of interest when most of its replications succeed. PRIM (the
``PRIM`` package: the EMA Workbench's implementation, packaged standalone) peels the factor space
down to boxes dense in cases of interest; each box is reported as readable rules with its
coverage (share of all successful points inside it) and density (share of points inside it that
succeed).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .scenario import param
from .sweepstore import StoreError, SweepStore

DEFAULTS = {"survival_min": 0.5, "income_gain_min": 0.0, "density": 0.8}


def success(runs: pd.DataFrame, disc: dict | None = None) -> pd.Series | None:
    """Per run: groups alive and members better off than alone (None if those outcomes were not kept)."""
    d = {**DEFAULTS, **(disc or {})}
    if "outcome.survival" not in runs or "outcome.income_gain" not in runs:
        return None
    return (runs["outcome.survival"] >= d["survival_min"]) & (
        runs["outcome.income_gain"] > d["income_gain_min"])


@dataclass
class Box:
    """One discovered box: rules, and how well it captures the successful design points."""

    rules: list[str]
    coverage: float
    density: float
    mass: float
    points: int
    limits: dict = field(default_factory=dict)

    def text(self) -> str:
        """The box as one readable sentence."""
        cond = " AND ".join(self.rules) if self.rules else "anywhere in the explored space"
        return (f"IF {cond} THEN {self.density * 100:.0f} % of design points succeed "
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


def _rules(lims, init, factors) -> tuple[list[str], dict]:
    rules, limits = [], {}
    for key in factors:
        lo, hi = lims[key][0], lims[key][1]
        ilo, ihi = init[key][0], init[key][1]
        label = f"{key}"
        if isinstance(lo, set):
            if lo != ilo:
                rules.append(f"{label} in {{{', '.join(sorted(map(str, lo)))}}}")
                limits[key] = sorted(map(str, lo))
            continue
        up, down = lo > ilo, hi < ihi
        if up and down:
            rules.append(f"{lo:.4g} <= {label} <= {hi:.4g}")
        elif up:
            rules.append(f"{label} >= {lo:.4g}")
        elif down:
            rules.append(f"{label} <= {hi:.4g}")
        if up or down:
            limits[key] = [float(lo), float(hi)]
    return rules, limits


def discover(folder, max_boxes: int = 3) -> Discovery:
    """Find boxes of the factor space where design points mostly succeed (PRIM).

    Raises:
        StoreError: the store lacks the survival or income_gain outcome.

    """
    import prim

    store = SweepStore(folder)
    man = store.manifest()
    disc = {**DEFAULTS, **man.get("discovery", {})}
    runs = store.runs()
    ok = success(runs, disc)
    if ok is None:
        raise StoreError(f"{store.folder}: scenario discovery needs the outcomes 'survival' and "
                         "'income_gain'; allowed: keep them in [experiment].outcomes")
    criterion = (f"survival >= {disc['survival_min']:g} and income_gain > {disc['income_gain_min']:g} "
                 "in most replications")
    per = runs.assign(success=ok).groupby("point")["success"].mean()
    design = store.design().set_index("point").loc[per.index]
    factors = list(man["factors"])
    point_success = design[factors].assign(success_share=per.to_numpy())
    y = (per.to_numpy() > 0.5)
    n, k = len(y), int(y.sum())
    empty = pd.DataFrame(columns=["box", "coverage", "density", "mass", "res dim"])
    if k == 0 or k == n or n < 4:
        note = ("no design point succeeds" if k == 0 else
                "every design point succeeds" if k == n else "too few design points for PRIM")
        return Discovery(criterion, n, k, [], empty, point_success, note)
    x = _x(design.reset_index(drop=True), factors)
    logging.getLogger("prim").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(x, y, threshold=0.5, threshold_type=">", mass_min=0.05)
        boxes, traj = [], []
        base_density = k / n
        for b in range(max_boxes):
            box = p.find_box()
            if box is None:
                break
            tr = box.peeling_trajectory.reset_index(drop=True)
            good = tr[tr["density"] >= disc["density"]]
            i = int(good["coverage"].idxmax()) if len(good) else int(tr["density"].idxmax())
            box.select(i)
            traj.append(tr.assign(box=b + 1, chosen=[j == i for j in range(len(tr))]))
            row = tr.iloc[i]
            if row["density"] <= base_density or row["coverage"] < 0.05 or (
                    b > 0 and row["density"] < disc["density"]):
                break  # no lift over the whole space (or a weak follow-up box): not worth reporting
            rules, limits = _rules(box._box_lims[i], p._box_init, factors)
            boxes.append(Box(rules, float(row["coverage"]), float(row["density"]), float(row["mass"]),
                             int(round(row["mass"] * n)), limits))
    note = "" if boxes else "PRIM found no box denser in successes than the whole space"
    trajectory = pd.concat(traj, ignore_index=True) if traj else empty
    return Discovery(criterion, n, k, boxes, trajectory, point_success, note)


def format_discovery(d: Discovery) -> str:
    """Discovery as lines of text."""
    lines = [f"Scenario discovery (PRIM) · success = {d.criterion}",
             f"  {d.successes} of {d.points} design points succeed"]
    if d.note:
        lines.append(f"  {d.note}")
    for i, b in enumerate(d.boxes, 1):
        lines.append(f"  box {i}: {b.text()}")
    return "\n".join(lines)
