"""The model's vocabularies, declared once: profiles, event kinds, the words for choices and units.

The four profiles of the guide's table, the event kinds, and the English and Spanish words for the
scenario's choice values and units.

Everything else (scenario shares, decision rules, tables, narrative, CLI summary, dashboard labels
and colours) derives its list of profiles from :data:`PROFILES`. The module imports nothing heavy,
so the command line can read it before NumPy, pandas and Mesa load.

Adding a profile: a :class:`ProfileInfo` here (or :func:`register`) and its decision rule in
``sim.model.profiles`` (``RULES``, or :func:`sim.model.profiles.register_rule`). Adding a game:
:func:`register_game` with its parameters and its ``play``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


@dataclass(frozen=True)
class ProfileInfo:
    """A profile: its name (the code in files and tables), labels, chart colour and population share.

    ``share`` and ``src`` are the default of its ``population.<name>`` key in the scenario schema
    (sim/model/scenario.py builds one share key per registered profile) and that default's source.
    """

    name: str
    es: str
    en: str
    colour: str   # Okabe-Ito (readable by colour-blind viewers and on a projector)
    share: float = 0.0
    src: str = ""


# order = profile code (0, 1, 2, 3) in the model's arrays and tables (004:L1883-1951)
PROFILES = (
    ProfileInfo("santo", "santo", "saint", "#009E73", 0.2, "004:L1883-1951; shares unspecified (DOMAIN §6.2)"),
    ProfileInfo("solido", "sólido ciudadano", "solid citizen", "#0072B2", 0.4, "004:L1883-1951"),
    ProfileInfo("tengo", "tengo que ganar", "I have to win", "#E69F00", 0.2, "004:L1883-1951"),
    ProfileInfo("oportunista", "oportunista", "opportunist", "#D55E00", 0.2, "004:L1883-1951"),
)
NAMES = tuple(p.name for p in PROFILES)
# the guide's own (Spanish) names are used in both languages: trainers and tables speak of them so
LABELS = {p.name: p.es for p in PROFILES}
COLOURS = {p.name: p.colour for p in PROFILES}


def _before_the_model(kind: str, name: str) -> None:
    """Refuse a registration that comes after the scenario schema was built from the registry."""
    import sys

    if "sim.model.scenario" in sys.modules:
        raise RuntimeError(f"register {kind} {name!r} before the rest of sim is imported: the scenario schema, "
                           "the tables and the model were already built from the registry")


def register(info: ProfileInfo) -> None:
    """Add a profile to the registry (code ``len(PROFILES)``), before the rest of ``sim`` is imported.

    Everything that lists profiles derives from this module when it is imported: the scenario's
    share keys, the tables' per-profile columns, the charts. So a profile is added by registering
    it first, and its decision rule with :func:`sim.model.profiles.register_rule`
    (docs/architecture.md, "Adding a profile"; tests/test_layout.py plays a toy profile this way).
    """
    global PROFILES, NAMES
    _before_the_model("profile", info.name)
    if info.name in NAMES:
        raise ValueError(f"profile {info.name!r} is already registered")
    PROFILES = (*PROFILES, info)
    NAMES = tuple(p.name for p in PROFILES)
    LABELS[info.name] = info.es
    COLOURS[info.name] = info.colour


@dataclass(frozen=True)
class GameInfo:
    """A joint action the groups play at every meeting besides the joint purchase and the consortium.

    ``section`` is a frozen dataclass whose fields are declared with :func:`sim.model.fields.P`: it
    becomes the scenario section ``[name]``. ``build(section)`` returns the game: an object whose
    ``play(model)`` returns a :class:`sim.model.games.GameRound` for all groups at once (each
    member's payoff, and the conduct the others saw, which moves their trust). The steps table gets
    a ``<name>_income`` column. docs/architecture.md ("Adding a game") lists the steps;
    tests/test_registry.py plays a toy game registered this way.
    """

    name: str
    es: str
    en: str
    section: type
    build: object
    src: str = ""


GAMES: tuple[GameInfo, ...] = ()


def register_game(info: GameInfo) -> None:
    """Add a game (before the rest of ``sim`` is imported: the scenario builds its sections from it)."""
    global GAMES
    _before_the_model("game", info.name)
    if any(g.name == info.name for g in GAMES):
        raise ValueError(f"game {info.name!r} is already registered")
    GAMES = (*GAMES, info)


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


class Sanction(IntEnum):
    """The graduated sanctions of a reglamento (004:L2026-2029): the ``sanction`` column's codes."""

    NONE = 0
    WARNING = 1
    FINE = 2
    EXPULSION = 3


class Phase(IntEnum):
    """Phases of the intervention model (004 Tabla 3): the ``phase`` column's codes (roman numerals in sentences)."""

    I = 1      # promotion and selection  # noqa: E741
    II = 2     # trust building and pilot joint purchases
    III = 3    # participative planning
    IV = 4     # independence: the export consortium


SANCTION_NAMES = tuple(k.name.lower() for k in Sanction)   # code -> name in the tables


# what each choice value of the scenario schema means, (English, Spanish); the code itself is what a
# file or --set takes (dashboard menus, the report, asocia params)
CHOICES = {
    "full": ("every meeting", "todas las reuniones"), "sampled": ("sampled", "muestreada"),
    "off": ("off", "no guardar"), "proportional": ("proportional", "proporcional"),
    "equal": ("equal", "igualitario"), "fixed": ("fixed partners", "socios fijos"),
    "random": ("re-matched each meeting", "re-emparejados cada reunión"),
    "consensus": ("consensus", "consenso"), "majority": ("majority", "mayoría"),
    "leader": ("leader decides", "decide un líder"), "open": ("open", "abierto"),
    "screened": ("screened", "con evaluación"), "dipat": ("DIPAT (no repeated product)",
                                                        "DIPAT (sin producto repetido)"),
    "none": ("none", "ninguno"), "committee": ("committee", "comité"),
    "facilitator": ("facilitator", "facilitador"), "permanent": ("permanent", "permanente"),
    "abrupt": ("abrupt withdrawal", "retiro abrupto"), "taper": ("gradual taper", "retiro gradual"),
}

# the Spanish for each unit of the scenario schema (tests/test_dashboard_logic.py: every unit has one)
UNITS = {"meetings": "reuniones", "firms": "empresas", "seats": "lugares", "lines": "líneas",
         "money/unit": "dinero/unidad", "units/meeting": "unidades/reunión", "units": "unidades",
         "money/meeting": "dinero/reunión", "leads/meeting": "contactos/reunión", "money": "dinero",
         "strikes": "faltas", "/meeting": "/reunión", "acts": "actos", "money/group": "dinero/grupo",
         "money/point": "dinero/punto", "money/round": "dinero/ronda", "points": "puntos",
         "points/unit": "puntos/unidad", "x": "x"}
