"""How a scenario parameter is declared: :func:`P`, a dataclass field with its bounds, labels and source.

Kept apart from :mod:`sim.model.scenario` so that a game registered before the scenario is built
(:func:`sim.model.vocabulary.register_game`) can declare its own section's parameters.
"""

from __future__ import annotations

from dataclasses import field


def P(default, lo=None, hi=None, *, choices=None, unit="", en="", es="", src="", help=""):
    """Declare a scenario parameter with its default, bounds, labels and source."""
    meta = {
        "lo": lo,
        "hi": hi,
        "choices": choices,
        "unit": unit,
        "en": en,
        "es": es,
        "src": src,
        "help": help,
    }
    return field(default=default, metadata=meta)
