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
from sim.experiments.experiment import known_outcomes, known_series

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
    "known": [n for n in (*known_outcomes(), *known_series()) if n.endswith("_toy")],
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
    assert got["known"] == ["coop_toy", "coop_toy"]   # an experiment may ask for its outcome and series


def test_the_shipped_registry_is_the_guides_four_profiles():
    from sim.model import scenario, vocabulary

    assert vocabulary.NAMES == ("santo", "solido", "tengo", "oportunista")
    shares = [p for p in scenario.params() if p.section == "population" and p.name in vocabulary.NAMES]
    assert [p.default for p in shares] == [0.2, 0.4, 0.2, 0.2]


GAME = r'''
import json
from dataclasses import dataclass

import numpy as np

from sim.model import vocabulary
from sim.model.fields import P


@dataclass(frozen=True)
class Training:
    """A joint training course: each attending member pays a fee; the course runs with enough payers."""

    enabled: bool = P(True, en="Joint training", es="Capacitación conjunta")
    fee: float = P(1.0, 0.0, 50.0, en="Fee per member and meeting", es="Cuota por socio y reunión")
    benefit: float = P(2.5, 0.0, 50.0, en="What the course is worth to each attending member",
                       es="Lo que vale el curso para cada socio presente")
    payers: int = P(4, 1, 40, en="Payers the course needs", es="Socios que deben pagar para el curso")


class TrainingGame:
    def __init__(self, cfg):
        self.cfg = cfg

    def play(self, m):
        from sim.model.games import GameRound

        c = self.cfg
        on = (m.alive & (m.phase >= 2) & c.enabled)[:, None]
        # santos and sólidos pay; the others pay where they trust the group
        pay = m.attend & on & ((m.profile <= 1) | (m.trust_given >= 0.55))
        held = (pay.sum(axis=1) >= c.payers)[:, None]
        payoff = np.where(m.attend & held, c.benefit, 0.0) - c.fee * pay
        return GameRound(payoff=payoff, conduct=pay.astype(float), seen=m.attend & on)


vocabulary.register_game(vocabulary.GameInfo("training", "capacitación conjunta", "joint training", Training,
                                              TrainingGame, src="004 Phase II pilot actions"))

import sim
from sim.experiments.experiment import known_outcomes, known_series

sc = sim.load_scenario("scenarios/baseline.toml", {"population.groups": 4, "training.fee": 1.0})
on = sim.run(sc, seed=3, steps=40)
off = sim.run(sc.replace({"training.enabled": False}), seed=3, steps=40)
import tomllib
back = sim.model.scenario.from_dict(tomllib.loads(sc.to_toml()))
first = int(on.steps.loc[on.steps["training_income"] != 0, "step"].min())   # the meetings before are identical
at = lambda r: r.firms[r.firms["step"] == first]["payoff"].sum()
print(json.dumps({
    "first_meeting_gap": float(at(on) - at(off)),
    "first_meeting_income": float(on.steps.loc[on.steps["step"] == first, "training_income"].sum()),
    "keys": [p.key for p in sim.model.scenario.params() if p.section == "training"],
    "toml": "[training]" in sc.to_toml() and back == sc,
    "income_on": float(on.steps["training_income"].sum()),
    "income_off": float(off.steps["training_income"].sum()),
    "payoff_differs": bool((on.steps["income_members"] != off.steps["income_members"]).any()),
    "trust_differs": bool((on.steps["trust"] != off.steps["trust"]).any()),
    "column_in_runs": "training.fee" in on.runs.columns,
}))
'''


def test_a_toy_game_registered_in_one_place_is_played():
    """A third game (a joint training course) is registered with its parameters and its play in one call: the
    scenario gets a [training] section, the members' accounts its payoffs, their trust its conduct, the steps
    table a training_income column (docs/architecture.md, "Adding a game")."""
    out = subprocess.run([sys.executable, "-c", GAME], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["keys"] == ["training.enabled", "training.fee", "training.benefit", "training.payers"]
    assert got["toml"] and got["column_in_runs"]
    assert got["income_on"] != 0.0 and got["income_off"] == 0.0
    assert got["payoff_differs"] and got["trust_differs"]
    # at the first meeting with a course the two runs differ by exactly what the course paid
    assert abs(got["first_meeting_gap"] - got["first_meeting_income"]) < 1e-9 and got["first_meeting_income"] != 0


def test_a_registration_after_the_model_is_built_is_refused():
    """Registering after the scenario schema was built would be silently ignored, or break runs: it is refused."""
    import pytest

    import sim  # noqa: F401  (the schema is built)
    from sim.model import vocabulary

    with pytest.raises(RuntimeError, match="before the rest of sim is imported"):
        vocabulary.register_game(vocabulary.GameInfo("late", "tarde", "late", object, object))
    with pytest.raises(RuntimeError, match="before the rest of sim is imported"):
        vocabulary.register(vocabulary.ProfileInfo("late", "tarde", "late", "#000000"))
    assert all(g.name != "late" for g in vocabulary.GAMES) and "late" not in vocabulary.NAMES
