"""The model's vocabularies, declared once: the four profiles of the guide's table and the event kinds.

Everything else (scenario shares, decision rules, tables, narrative, CLI summary, dashboard labels
and colours) derives its list of profiles from :data:`PROFILES`. The module imports nothing heavy,
so the command line can read it before NumPy, pandas and Mesa load.

Adding a profile: add a :class:`ProfileInfo` here, a share field in ``sim.model.scenario.Population``,
and its decision class in ``sim.model.profiles`` (``build_profiles`` in the same order).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


@dataclass(frozen=True)
class ProfileInfo:
    """A profile's name (the code used in files and tables), its labels and its chart colour."""

    name: str
    es: str
    en: str
    colour: str   # Okabe-Ito (readable by colour-blind viewers and on a projector)


# order = profile code (0, 1, 2, 3) in the model's arrays and tables (004:L1883-1951)
PROFILES = (
    ProfileInfo("santo", "santo", "saint", "#009E73"),
    ProfileInfo("solido", "sólido ciudadano", "solid citizen", "#0072B2"),
    ProfileInfo("tengo", "tengo que ganar", "I have to win", "#E69F00"),
    ProfileInfo("oportunista", "oportunista", "opportunist", "#D55E00"),
)
NAMES = tuple(p.name for p in PROFILES)
# the guide's own (Spanish) names are used in both languages: trainers and tables speak of them so
LABELS = {p.name: p.es for p in PROFILES}
COLOURS = {p.name: p.colour for p in PROFILES}


class EventKind(IntEnum):
    """Kinds of event in the events table (the code stored) and their names (``kind`` column).

    Sentences in both languages are in ``sim.model.narrative.TEXT``, keyed by the lower-case name.
    """

    ENTRY = 1
    EXIT = 2
    EXPULSION = 3
    REJECTED = 4
    RENEGE = 5
    DIVERSION = 6
    QUOTA_SKIP = 7
    CONFLICT = 8
    FACILITATOR = 9
    PHASE = 10
    RULES = 11
    DISSOLUTION = 12
    PURCHASE_FAILED = 13
    PROGRAMME = 14
    HANDOVER = 15
    MANAGER = 16
    LOW_COMMIT = 17


EVENT_KINDS = {int(k): k.name.lower() for k in EventKind}
