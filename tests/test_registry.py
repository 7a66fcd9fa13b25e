"""Adding a profile through the registry touches two places and runs (issue 13, item 7).

A toy fifth profile (it commits half of its demand and keeps everything else honest) is registered
in ``sim.model.vocabulary`` and given a decision rule in ``sim.model.profiles``, in a fresh
process before the rest of ``sim`` is imported; a scenario then gets its ``population.toy`` share
key, and a run gives it its own rows, columns and outcomes. docs/architecture.md ("Adding a
profile") lists the steps this test follows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TOY = r'''
import json
import numpy as np
from sim.model import vocabulary

vocabulary.register(vocabulary.ProfileInfo("toy", "juguete", "toy", "#999999", 0.0, "a test"))

from sim.model import profiles

class HalfHearted:
    name, label = "toy", "juguete"

    def decide(self, obs):
        d = profiles.Decision.cooperate(obs.shape)
        d.commit[...] = 0.5
        return d

profiles.register_rule("toy", lambda traits: HalfHearted())

import sim

sc = sim.load_scenario("scenarios/baseline.toml",
                       {"population.toy": 0.2, "population.solido": 0.2, "population.groups": 6})
res = sim.run(sc, seed=3, steps=30)
toy = res.firms[res.firms["profile"] == "toy"]
print(json.dumps({
    "keys": [p.key for p in sim.model.scenario.params() if p.key.startswith("population.t")],
    "toy_rows": len(toy),
    "toy_commit": sorted(set(toy["commit"].round(6).tolist())),
    "columns": [c for c in res.steps.columns if c.endswith("_toy")],
    "outcome": res.summary()["coop_toy"],
    "sentence": bool(res.events["message_es"].str.len().gt(0).all()),
}))
'''


def test_a_toy_profile_registered_in_two_places_is_played():
    out = subprocess.run([sys.executable, "-c", TOY], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["keys"] == ["population.tengo", "population.toy"]
    assert got["toy_rows"] > 100                    # about 20 % of 48 founders x 30 meetings
    assert got["toy_commit"] == [0.5]               # its own rule decided for it, every meeting
    assert got["columns"] == ["coop_toy"]
    assert 0.0 < got["outcome"] < 1.0 and got["sentence"]


def test_the_shipped_registry_is_the_guides_four_profiles():
    from sim.model import scenario, vocabulary

    assert vocabulary.NAMES == ("santo", "solido", "tengo", "oportunista")
    shares = [p for p in scenario.params() if p.section == "population" and p.name in vocabulary.NAMES]
    assert [p.default for p in shares] == [0.2, 0.4, 0.2, 0.2]
