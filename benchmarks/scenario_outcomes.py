"""Outcomes of every shipped scenario over many seeds: the before/after table of a behaviour change.

``python -m benchmarks.scenario_outcomes [--seeds 10] [--root 2026] [--json out.json] [DIR ...]``
plays each scenario file (default: every ``scenarios/*.toml`` and ``scenarios/lab/*.toml``) on the
same replication seeds and prints one Markdown row per scenario:

* survival: share of groups alive at the last meeting;
* founders kept: share of founding members still members at the last meeting;
* income gain: members' income over going alone, second half of the run (``sim.results.run.outcomes``);
* cooperation by profile (``coop_<profile>``);
* lifetime gain by profile: what a founding firm of that profile earned over the whole horizon
  above going alone, as a share of going alone's income over the same meetings. A firm that leaves
  or is expelled goes alone from then on (gain 0), so cheating that gets a firm thrown out is
  counted honestly, without survivorship bias.

This is a measurement, not a test: it takes a minute or more.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import sim
from sim.model.profiles import NAMES
from sim.results.lifetime import founder_gains
from sim.results.seeds import replication_seeds

ROOT = Path(__file__).resolve().parent.parent


def measure(path: Path, seeds: list[int]) -> dict[str, float]:
    """Mean outcomes of one scenario file over the seeds."""
    sc = sim.load_scenario(path, {"run.firm_table": "full"})
    rows = []
    for seed in seeds:
        r = sim.run(sc, seed=seed)
        o = r.summary()
        f = r.firms
        last = f.step.max()
        founders = set(f.firm[f.step == 0])
        kept = len(founders & set(f.firm[(f.step == last) & (f.status == "member")])) / len(founders)
        row = {"survival": o["survival"], "founders_kept": kept, "income_gain": o["income_gain"]}
        row.update({f"coop_{n}": o[f"coop_{n}"] for n in NAMES})
        row.update({f"gain_{n}": v for n, v in founder_gains(f, int(last) + 1).items()})
        rows.append(row)
    return {k: float(np.nanmean([r[k] for r in rows])) for k in rows[0]}


def main(argv=None) -> int:
    """Print the table (and optionally write it as JSON)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--root", type=int, default=2026)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    files = a.files or [*sorted((ROOT / "scenarios").glob("*.toml")),
                        *sorted((ROOT / "scenarios" / "lab").glob("*.toml"))]
    seeds = replication_seeds(a.root, a.seeds)
    head = ["scenario", "surv", "founders", "gain", *(f"coop {n[:4]}" for n in NAMES),
            *(f"gain {n[:4]}" for n in NAMES)]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    table = {}
    for path in files:
        m = measure(path, seeds)
        table[path.stem] = m
        cells = [path.stem, f"{m['survival']:.2f}", f"{m['founders_kept']:.2f}", f"{m['income_gain']:+.1%}"]
        cells += [f"{m[f'coop_{n}']:.2f}" for n in NAMES] + [f"{m[f'gain_{n}']:+.1%}" for n in NAMES]
        print("| " + " | ".join(cells) + " |", flush=True)
    if a.json:
        a.json.write_text(json.dumps(table, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
