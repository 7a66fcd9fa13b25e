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
by name: ``draws.u(name)`` is ``(groups, width)`` (width ``seats`` or 1). Once a block is drawn, one
gather copies it into a second buffer laid out meeting by meeting and name by name, so a meeting's
draws of a name are one C-contiguous ``(groups, width)`` array at every number of groups (numba
compiles a kernel once for each layout it is given), and the views into that buffer are made once:
reading a meeting's draws is a dictionary look-up, not a slice and a copy per call.

Founding draws (the founders' attributes) come first in each group's stream, before any meeting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLOCK = 8      # meetings drawn at a time
NORMALS = 2    # standard normals per group and meeting (a newcomer's conditional-cooperation schedule)


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


def _gather_order(block: int, groups: int, width: np.ndarray):
    """(meeting, name, group, column) of each place of the by-name buffer, in its order."""
    row, name, g, j = [], [], [], []
    for r in range(block):
        for k, w in enumerate(width.tolist()):
            row.append(np.full(groups * w, r))
            name.append(np.full(groups * w, k))
            g.append(np.repeat(np.arange(groups), w))
            j.append(np.tile(np.arange(w), groups))
    return tuple(np.concatenate(x).astype(np.int64) for x in (row, name, g, j))


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
        # the same draws meeting by meeting, then name by name, then group: ``_by_name[_gather]`` of
        # the block's ``_u``; each (meeting, name) is a C-contiguous (G, width) view made once
        at = np.array([a for a, _ in self._slots.values()])
        width = np.array([w for _, w in self._slots.values()])
        row, name, g, j = _gather_order(BLOCK, G, width)
        self._gather = (g * BLOCK + row) * K + at[name] + j
        self._by_name = np.empty(BLOCK * G * K)
        self._views, self._views1 = [], []
        for r in range(BLOCK):
            views, views1 = {}, {}
            for key, (a, w) in self._slots.items():
                base = (r * K + a) * G
                views[key] = self._by_name[base:base + G * w].reshape(G, w)
                if w == 1:
                    views1[key] = views[key][:, 0]
            self._views.append(views)
            self._views1.append(views1)
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
            np.take(self._u.reshape(-1), self._gather, out=self._by_name)
            self._filled_from = start
        self.t = t
        self._row = t - start
        self._now, self._now1 = self._views[self._row], self._views1[self._row]

    def u(self, name: str, contiguous: bool = False) -> np.ndarray:
        """The current meeting's uniforms ``name`` of every group: ``(groups, width)``, C-contiguous.

        A view into the block's draws (read it, never write it). Every array returned is
        C-contiguous, at every number of groups; ``contiguous`` is accepted for the callers that
        hand the draws to a compiled kernel and say so.
        """
        return self._now[name]

    def u1(self, name: str, contiguous: bool = False) -> np.ndarray:
        """The current meeting's single uniform ``name`` of every group, ``(groups,)``; ``contiguous``: see u."""
        x = self._now1.get(name)
        if x is not None:   # a name one draw wide: its view
            return x
        x = self._now[name][:, 0]
        return np.ascontiguousarray(x) if contiguous else x

    def z(self) -> np.ndarray:
        """The current meeting's standard normals of every group: ``(groups, NORMALS)``."""
        return self._z[:, self._row]
