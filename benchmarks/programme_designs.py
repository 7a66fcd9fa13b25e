"""Three programme designs of equal budget, and the before/after table of the scenario folder.

Usage::

    python benchmarks/programme_designs.py designs     # taper vs abrupt vs permanent, equal budget
    python benchmarks/programme_designs.py scenarios   # every file in scenarios/, 10 seeds

Prints means over replications (seeds derived from root 2026 with SeedSequence.spawn). The
figures are quoted in docs/model.md; a few minutes on one core.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import sim
from sim.model.scenario import Scenario
from sim.results.seeds import replication_seeds

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("survival", "founders_kept", "founders_kept_y3", "income_gain", "programme_end", "programme_cost",
        "alive_end", "alive_2y", "self_governance_end", "cost_per_group_2y", "cost_per_member_year_2y")

# equal budget: the default [programme] budget, spent three ways
DESIGNS = {
    "taper, hand-over": {},
    "abrupt, no hand-over": {"facilitator.schedule": "abrupt", "facilitator.exit_at": 5000,
                             "facilitator.empowerment": 0.0},
    "to the last day": {"facilitator.schedule": "permanent"},
}


def table(arms: dict[str, Scenario], seeds: list[int]) -> None:
    """Print the mean of each outcome over seeds for every arm."""
    print(f"{'arm':<24}" + "".join(f"{k[:14]:>15}" for k in KEYS))
    for name, sc in arms.items():
        rows = [sim.run(sc, seed=k).summary() for k in seeds]
        cells = [np.nanmean([r[k] for r in rows]) if any(np.isfinite(r[k]) for r in rows) else np.nan
                 for k in KEYS]
        print(f"{name:<24}" + "".join(f"{c:>15.3f}" for c in cells), flush=True)


def main(argv: list[str]) -> int:
    """Run the comparison named on the command line."""
    what = argv[0] if argv else "designs"
    if what == "designs":
        groups = int(argv[1]) if len(argv) > 1 else 20
        base = Scenario().replace({"population.groups": groups, "run.firm_table": "off"})
        table({n: base.replace(o) for n, o in DESIGNS.items()}, replication_seeds(2026, 10))
    elif what == "scenarios":
        arms = {p.stem: sim.load_scenario(p, {"run.firm_table": "off"})
                for p in sorted((ROOT / "scenarios").glob("*.toml"))}
        table(arms, replication_seeds(2026, 10))
    else:
        print(f"programme_designs: unknown comparison {what!r}; allowed: designs, scenarios")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
