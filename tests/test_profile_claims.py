"""The four profiles teach the field guide's lessons (004:L1883-1951; issue 11), as multi-seed claims.

Lifetime gains are measured on the founding firms over the whole horizon (sim.results.lifetime), so a
cheater that is expelled counts as going alone afterwards. Each test prints its measured figures
(``pytest -s``); docs/model.md records them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import CLAIMS_ROOT, CLAIMS_SCALE

import sim
from sim.model.scenario import load_scenario
from sim.results.lifetime import founder_gains
from sim.results.seeds import replication_seeds

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SEEDS = replication_seeds(CLAIMS_ROOT, 20 * CLAIMS_SCALE)  # played as one batch per arm (sim.run_batch)
MOST = 5 / 6   # share of seeds in the claim's direction (first written as 5 of 6)


def runs(name, overrides=None, groups=20, seeds=SEEDS):
    sc = load_scenario(ROOT / "scenarios" / f"{name}.toml",
                       {"population.groups": groups, "run.firm_table": "full", **(overrides or {})})
    return sim.run_batch(sc, seeds)


def gains(results):
    """Mean lifetime gain by profile over the runs, and the per-run values."""
    per = [founder_gains(r.firms, int(r.firms.step.max()) + 1) for r in results]
    return {p: float(np.mean([g[p] for g in per])) for p in per[0]}, per


def report(name, values):
    print(f"\n[{name}] " + ", ".join(f"{k}={v:+.4f}" for k, v in values.items()))


def test_without_a_reglamento_the_oportunista_earns_the_most():
    """no_rules: cheating pays when nothing stops it (004:L669-671)."""
    mean, per = gains(runs("no_rules"))
    report("no rules", mean)
    others = max(mean[p] for p in ("santo", "solido", "tengo"))
    assert mean["oportunista"] - others >= 0.005
    assert np.mean([g["oportunista"] > max(g["santo"], g["solido"]) for g in per]) >= MOST


@pytest.mark.parametrize("name", ["baseline", pytest.param("strict_sanctions", marks=pytest.mark.xfail(
    strict=True, reason="measured with per-group random streams (issue 13) on 20 seeds: oportunista +8.90 % vs "
    "santo +8.57 %, sólido +8.99 %: above the santo (by 0.33 points, standard error 0.24; below it in 8 of 20 "
    "seeds), just below the sólido (0.09 points, s.e. 0.18). Under strict sanctions the oportunista cooperates "
    "almost as fully as the others, so the gains sit within noise of each other. Without the repair rule "
    "(trust.repair = 0) on the same seeds: +9.04 % vs +8.66 % and +9.06 %"))])
def test_under_a_reglamento_the_oportunista_earns_less_than_santos_and_solidos(name):
    """Sanctions make opportunism inconvenient (004:L2026-2029): cheating no longer pays."""
    mean, per = gains(runs(name))
    report(name, mean)
    assert mean["oportunista"] < mean["santo"]
    assert mean["oportunista"] < mean["solido"]


def test_the_oportunista_cooperates_less_than_the_solido_in_every_scenario():
    """Every shipped field scenario with both profiles (4 seeds each, their own group counts)."""
    seen = 0
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        sc = load_scenario(path, {"run.firm_table": "full"})
        if min(sc.population.solido, sc.population.oportunista) == 0:
            continue
        o = [r.summary() for r in sim.run_batch(sc, SEEDS[:4], tables=("runs", "steps", "events"))]
        opp, sol = np.mean([x["coop_oportunista"] for x in o]), np.mean([x["coop_solido"] for x in o])
        print(f"\n[{path.stem}] coop oportunista={opp:.3f} solido={sol:.3f}")
        assert opp < sol, path.stem
        seen += 1
    assert seen >= 8


def test_strict_sanctions_never_expel_a_solido_of_a_cooperating_group():
    """A conditional cooperator keeps agreed rules: no sólido is expelled where the group cooperates."""
    expelled = 0
    for r in runs("strict_sanctions"):
        ev, st = r.events, r.steps
        coop = st.set_index(["group", "step"]).cooperation
        sol = ev[(ev.kind == "expulsion") & (ev.profile == "solido")]
        expelled += sum(coop.get((g, s), 0.0) >= 0.7 for g, s in zip(sol.group, sol.step, strict=True))
    print(f"\n[strict] solidos expelled from cooperating groups: {expelled}")
    assert expelled == 0


def test_a_group_of_only_solidos_reaches_and_keeps_full_cooperation():
    """Conditional cooperators among themselves: full cooperation once they are in the joint purchase."""
    shares = {"population.santo": 0.0, "population.solido": 1.0, "population.tengo": 0.0,
              "population.oportunista": 0.0}
    for name in ("baseline", "no_rules", "strict_sanctions"):
        coop = []
        for r in runs(name, shares, groups=10):
            st = r.steps
            coop.append(st[st.alive & (st.step >= 26)].cooperation.mean())
        print(f"\n[{name}, all sólidos] cooperation from meeting 26: {np.mean(coop):.3f} (min {np.min(coop):.3f})")
        assert min(coop) >= 0.95, name
