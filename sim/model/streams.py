"""Random streams: one per (replication, group), so a group's draws never depend on the others.

A run's integer seed is the entropy of a :class:`numpy.random.SeedSequence`; ``spawn(groups + 1)``
gives one child for the replication as a whole (what mixes groups: the laboratory's stranger
re-matching) and one child per group. Each child seeds its own PCG64 :class:`numpy.random.Generator`.

Every draw a group makes comes from its own stream, in a fixed layout: the same number of draws at
the same place of the stream whatever happens in the meeting (a draw nobody uses is still drawn),
and whatever the other groups do. So a replication played alone, inside a batch of replications
(:func:`sim.run_batch`), on any worker count, gives the same draws and therefore the same tables.

Per meeting each group draws ``Layout.size`` uniforms in [0, 1) and ``NORMALS`` standard normals;
they are drawn ``BLOCK`` meetings at a time (one Generator call per group and block, which keeps the
cost per group-meeting well under a microsecond) and the model reads the current meeting's slice
by name: ``draws.u(name)`` is ``(groups, width)`` (width ``seats`` or 1), a view made once per
meeting of the block and name, so reading it is a dictionary look-up. A slice of the block is
strided for many groups and contiguous for one, and numba compiles a kernel once for each layout it
is given: the draws a compiled kernel reads (:data:`KERNEL_READS`, asked for with
``contiguous=True``) are copied once per block into their own ``(BLOCK, groups, width)`` arrays,
whose meeting slices are C-contiguous at every number of groups (the same copying as one copy per
meeting, without a call's overhead each time; any other name asked for contiguous is copied then).

Founding draws (the founders' attributes) come first in each group's stream, before any meeting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLOCK = 8      # meetings drawn at a time
NORMALS = 2    # standard normals per group and meeting (a newcomer's conditional-cooperation schedule)
# the draws compiled kernels read (sim/model/kernels.py), kept C-contiguous per meeting
KERNEL_READS = ("attend", "coordinate", "see_renege", "see_keep", "erupt", "quit", "arrive")


@dataclass(frozen=True)
class Layout:
    """Where each of a meeting's uniform draws sits in a group's row; ``C`` is the seats per group."""

    C: int

    def slots(self) -> dict[str, tuple[int, int]]:
        """Name -> (start, width) of each draw in a group's row of uniforms."""
        C = self.C
        widths = (
            ("attend", C),        # who attends (hold_meeting)
            ("coordinate", 1),    # whether the joint action is coordinated
            ("lead", C),          # who receives an export lead
            ("miss", C),          # a routed lead the consortium misses
            ("clash", C),         # a lead in an overlapping product becomes a conflict
            ("see_renege", C),    # a furtive renege is detected
            ("see_keep", C),      # a furtive kept lead is detected
            ("erupt", 1),         # a postponed conflict erupts
            ("pick", C),          # which two members the erupting conflict is between
            ("walk", C + 1),      # an unresolved conflict ends with one side walking out (per pair)
            ("quit", C),          # an unhappy member quits
            ("arrive", 1),        # a newcomer arrives
            ("apply", 1),         # it applies
            ("spot", 1),          # screening spots a bad candidate
            ("close", 1),         # a closed group turns it away
            ("new_profile", 1),   # the newcomer's attributes
            ("new_weak", 1),
            ("new_product", 1),
            ("new_disposition", 1),
        )
        out, at = {}, 0
        for name, width in widths:
            out[name] = (at, width)
            at += width
        return out

    @property
    def size(self) -> int:
        """Uniforms per group and meeting."""
        return sum(w for _, w in self.slots().values())


def spawn(seed: int, groups: int) -> tuple[np.random.Generator, list[np.random.Generator]]:
    """The replication's own stream and one stream per group, from ``SeedSequence(seed).spawn``."""
    children = np.random.SeedSequence(int(seed)).spawn(groups + 1)
    gens = [np.random.Generator(np.random.PCG64(c)) for c in children]
    return gens[0], gens[1:]


class Draws:
    """The per-group streams of one or more replications, read meeting by meeting."""

    def __init__(self, seeds, groups: int, seats: int):
        """Streams for ``len(seeds)`` replications of ``groups`` groups each (groups in replication order)."""
        self.run = []
        self.groups: list[np.random.Generator] = []
        for seed in seeds:
            whole, per_group = spawn(seed, groups)
            self.run.append(whole)
            self.groups.extend(per_group)
        self.layout = Layout(seats)
        self._slots = self.layout.slots()
        G, K = len(self.groups), self.layout.size
        # each group's block is contiguous, so its generator writes it in place (``out=``)
        self._u = np.empty((G, BLOCK, K))
        self._z = np.empty((G, BLOCK, NORMALS))
        # what kernels read, meeting by meeting: (BLOCK, G, width), copied from ``_u`` at each refill
        self._named = {name: np.empty((BLOCK, G, self._slots[name][1])) for name in KERNEL_READS}
        # each meeting's view of each name, (G, width) and its first column (G,), made once
        self._views, self._views1 = [], []
        for r in range(BLOCK):
            views = {name: self._named[name][r] if name in self._named else self._u[:, r, at:at + width]
                     for name, (at, width) in self._slots.items()}
            self._views.append(views)
            self._views1.append({name: x[:, 0] for name, x in views.items()})
        # names whose first column is C-contiguous too: those of KERNEL_READS one draw wide
        self._named1 = {name for name, x in self._named.items() if x.shape[2] == 1}
        self._filled_from = None   # first meeting of the block in the buffers
        self.t = None

    def meeting(self, t: int) -> None:
        """Make meeting ``t``'s draws current (refilling the block when ``t`` leaves it)."""
        start = t - t % BLOCK
        if self._filled_from != start:
            if self._filled_from is not None and start != self._filled_from + BLOCK:
                raise ValueError(f"meetings must be played in order: block {self._filled_from} then {start}")
            for gen, u, z in zip(self.groups, self._u, self._z, strict=True):
                gen.random(out=u)
                gen.standard_normal(out=z)
            for name, x in self._named.items():
                at, width = self._slots[name]
                np.copyto(x, self._u[:, :, at:at + width].transpose(1, 0, 2))
            self._filled_from = start
        self.t = t
        self._row = t - start
        self._now, self._now1 = self._views[self._row], self._views1[self._row]

    def u(self, name: str, contiguous: bool = False) -> np.ndarray:
        """The current meeting's uniforms ``name`` of every group: ``(groups, width)``, a view (read only).

        With ``contiguous``, a C-contiguous array at every number of groups: what a compiled kernel
        is given, so that it is compiled once (a view for :data:`KERNEL_READS`, else a copy).
        """
        x = self._now[name]
        return np.ascontiguousarray(x) if contiguous and name not in self._named else x

    def u1(self, name: str, contiguous: bool = False) -> np.ndarray:
        """The current meeting's single uniform ``name`` of every group, ``(groups,)``; ``contiguous``: see u."""
        x = self._now1[name]
        return np.ascontiguousarray(x) if contiguous and name not in self._named1 else x

    def z(self) -> np.ndarray:
        """The current meeting's standard normals of every group: ``(groups, NORMALS)``."""
        return self._z[:, self._row]
