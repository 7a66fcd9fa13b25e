"""Workshop scenes the logic tests and the browser tests both play (``from workshop_scenes import ...``)."""

from __future__ import annotations

from pathlib import Path

import sim
from sim.workshop.workshop import Settings, Workshop

ROOT = Path(__file__).resolve().parents[1]

# thirty people; the first group's five (every sixth to join) are the ones whose reneges the story tells
ROOM_NAMES = ["Guadalupe", "Beto", "Caro", "Dani", "Eli", "Fede", "Maximiliano", "Hugo", "Inés", "Juan", "Kika",
              "Lalo", "Florencia", "Nico", "Olga", "Pablo", "Quique", "Rosa", "Bartolomé", "Tomás", "Ulises", "Vero",
              "Walter", "Ximena", "Esperanza", "Zoe", "Abril", "Bruno", "Ciro", "Delfina"]


def expulsion_scene(root) -> Workshop:
    """Six groups of five, six meetings played; the sixth has group 1's longest story.

    Seed 2 and these moves: the five people of group 1 renege in turn, vote strict sanctions at the
    fourth meeting (fined there, one by one) and, reneging again at the sixth, are each detected and
    expelled. The workshop is left open (the caller closes it).
    """
    ws = Workshop.create(root, sim.load_scenario(ROOT / "scenarios" / "workshop.toml"),
                         Settings(groups=6, seats=5, seed=2, round_seconds=600, idle_rounds=0))
    people = [ws.join(name) for name in ROOM_NAMES]
    strict = {"decision": "majority", "sanctions": "strict", "admission": "open"}
    for m in range(6):
        ws.open_round()
        for k, p in enumerate(people):
            d = {"purchase": "secret" if (k + m) % 2 else "all", "quota": "skip" if k % 2 else "pay", "lead": "quiet"}
            ws.decide(p.token, d, strict if m == ws.vote_round else None)
        ws.close_round()
    return ws
