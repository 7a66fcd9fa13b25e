"""The firm as a Mesa agent: its identity and a read-only view of its state.

For speed the model keeps every firm's state in arrays shaped ``(groups, seats)`` and resolves the
games for all groups at once (docs/architecture.md). A :class:`Firm` is the Mesa agent that gives a
firm its identity (``unique_id``, used as the firm id in every table) and reads its row of those
arrays, so code that thinks in agents (the dashboard, a notebook, a test) can still ask a firm
about itself. A firm's decisions come from its profile, or from an outside decider attached with
:meth:`sim.model.AsociaModel.set_decider`. A firm that leaves or is expelled still exists (it goes
alone): its agent stays in the model with no seat, and only ``is_member`` and ``unique_id`` remain
meaningful.
"""

from __future__ import annotations

import mesa

from .profiles import LABELS, NAMES


class Firm(mesa.Agent):
    """One small firm (MiPyME) in an associative group."""

    def __init__(self, model, seat: tuple[int, int]):
        """Create the agent for the firm sitting in ``seat`` = (group, seat index)."""
        super().__init__(model)
        self.seat: tuple[int, int] | None = seat

    @property
    def group(self) -> int:
        """Index of the group the firm belongs to."""
        return self._seat()[0]

    def _seat(self) -> tuple[int, int]:
        if self.seat is None:
            raise ValueError(f"firm {self.unique_id} has left its group")
        return self.seat

    def _get(self, name):
        g, s = self._seat()
        return getattr(self.model, name)[g, s]

    @property
    def profile(self) -> str:
        """Profile key: santo, solido, tengo or oportunista."""
        return NAMES[int(self._get("profile"))]

    @property
    def profile_label(self) -> str:
        """Profile name as the field guide writes it."""
        return LABELS[int(self._get("profile"))]

    @property
    def capacity(self) -> float:
        """Capacity multiplier (weak firms below 1, strong above)."""
        return float(self._get("capacity"))

    @property
    def product(self) -> int:
        """Product line it offers."""
        return int(self._get("product"))

    @property
    def strikes(self) -> int:
        """Sanction strikes accumulated."""
        return int(self._get("strikes"))

    @property
    def is_member(self) -> bool:
        """Whether the firm currently belongs to a group."""
        return self.seat is not None

    @property
    def payoff(self) -> float:
        """Income at the last meeting."""
        return float(self._get("payoff"))

    @property
    def going_alone(self) -> float:
        """Income it would have had at the last meeting outside any group."""
        return float(self._get("alone"))

    def trust_in(self, other: Firm) -> float:
        """Trust this firm places in another member of its group."""
        if other.group != self.group:
            raise ValueError("trust is only defined between members of the same group")
        return float(self.model.T[self.group, self._seat()[1], other._seat()[1]])

    def __repr__(self) -> str:
        return f"Firm({self.unique_id}, {self.profile}, group {self.group})"
