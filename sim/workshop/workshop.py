"""A workshop session: a room of people plays the groups of a scenario, one firm each, meeting by meeting.

A :class:`Workshop` owns one run per group (:class:`sim.LiveRun`, one group each, seeds derived from
the workshop's seed) and drives its first ``seats`` founding firms through the model's decider
interface (:class:`SeatDecider`): a seat taken by a participant plays the participant's choice,
a free seat plays its own profile. The trainer opens a meeting (a round), participants decide
from their phones until the trainer closes it (or its timer runs out: whoever has not decided plays
the default stated on screen), and the meeting is resolved for every group at once. At the
reglamento meeting (``rules.adopt_at``) every member also votes the rules (sim/vote.py).

Every change is an action appended to ``journal.jsonl`` in the session's folder (flushed and synced
before the change is applied); the runs are never saved: loading a session replays its journal
against the same seeds, which rebuilds the same groups, so a restarted server loses no decision.
Views (what a phone, the projector and the debrief show) are plain dictionaries computed under
the session's lock; pages wait for :meth:`Workshop.wait_change` to redraw.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.profiles import NAMES, Manual, build_profiles
from ..model.scenario import Scenario, load_scenario
from ..results.run import LiveRun
from ..results.seeds import replication_seeds
from . import LIMITS, vote

CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"  # no look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G)
CODE_LENGTH = 5
NAME_MAX = 24

# the three choices of a meeting and what each option means for the model's Decision
PURCHASE = {"all": (1.0, 0.0), "half": (0.5, 0.0), "none": (0.0, 0.0), "secret": (1.0, 1.0)}
QUOTA = {"pay": True, "skip": False}
LEAD = {"route": (True, False), "open": (False, False), "quiet": (False, True)}
CHOICES = {"purchase": tuple(PURCHASE), "quota": tuple(QUOTA), "lead": tuple(LEAD)}
# what a seat plays when its participant has never decided (afterwards: their last decision)
DEFAULT = {"purchase": "all", "quota": "pay", "lead": "route"}


class WorkshopError(ValueError):
    """Something a participant or the trainer asked for that cannot be done; ``key`` names it for the UI."""

    def __init__(self, key: str, message: str):
        """Keep the UI key (translated by the pages) and the English message."""
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Settings:
    """What the trainer chose for a session (saved in ``session.json``)."""

    groups: int = 6
    seats: int = 5            # seats per group that people can take; the others play their profile
    seed: int = 1
    round_seconds: int = 90   # timer of a meeting
    auto_close: bool = True   # close the meeting when its timer runs out
    idle_rounds: int = 3      # meetings missed in a row after which a seat goes back to its profile (0: never)

    LIMITS = LIMITS   # sim/workshop/__init__.py: the command line checks its flags against the same

    def check(self, scenario: Scenario, origin: str, names: dict[str, str] | None = None) -> None:
        """Raise :class:`WorkshopError` naming the setting (as ``names`` calls it) and what is allowed."""
        names = names or {}
        for name, (lo, hi) in self.LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise WorkshopError("setting", f"{origin}: '{names.get(name, name)}' got {value!r}; allowed: "
                                               f"a whole number from {lo} to {hi}")
        if self.seats > scenario.population.group_size:
            raise WorkshopError("setting", f"{origin}: '{names.get('seats', 'seats')}' got {self.seats}; allowed: "
                                           f"at most the group size, {scenario.population.group_size}")


@dataclass
class Participant:
    """A person in the room: a name, a secret token for their phone and a seat (group, seat) or none."""

    pid: int
    name: str
    token: str
    seat: tuple[int, int] | None
    joined: int                              # meeting at which they sat down
    last: dict | None = None                 # their last decision (their default afterwards)
    missed: int = 0                          # meetings missed in a row
    history: list = field(default_factory=list)  # (meeting, group, seat, decision, defaulted)


class SeatDecider:
    """Decides for one human seat: the participant's moves when set, the seat's profile otherwise."""

    def __init__(self, profile):
        """Wrap the profile that plays the seat when nobody does."""
        self.profile = profile
        self.moves: Manual | None = None

    def decide(self, obs):
        """The participant's moves, or the profile's decision."""
        return (self.moves or self.profile).decide(obs)


def to_manual(decision: dict) -> Manual:
    """The model's moves for a phone's decision (purchase, quota, lead)."""
    commit, renege = PURCHASE[decision["purchase"]]
    route, furtive = LEAD[decision["lead"]]
    return Manual(commit=commit, renege=renege, pay_quota=QUOTA[decision["quota"]], route_lead=route,
                  furtive=furtive)


def check_decision(decision: dict) -> dict:
    """A complete decision with known options (missing choices take the default)."""
    out = dict(DEFAULT)
    for key, value in decision.items():
        if key not in CHOICES:
            raise WorkshopError("bad_choice", f"decision: unknown choice {key!r}; allowed: {', '.join(CHOICES)}")
        if value not in CHOICES[key]:
            raise WorkshopError("bad_choice", f"decision: {key!r} got {value!r}; allowed: "
                                              f"{', '.join(CHOICES[key])}")
        out[key] = value
    return out


def new_code(taken) -> str:
    """A short join code nobody else uses on this server."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken:
            return code


class Workshop:
    """One workshop session: its groups, its participants, its meetings and its journal."""

    def __init__(self, folder: Path, code: str, key: str, scenario: Scenario, settings: Settings,
                 created: float):
        """Build the groups; use :meth:`create` or :meth:`load`, which also open the journal."""
        self.folder, self.code, self.key = Path(folder), code, key
        self.scenario, self.settings, self.created = scenario, settings, created
        self.lock = threading.RLock()
        self._changed = threading.Condition()
        self.version = 0
        self._journal = None
        self._timer: threading.Timer | None = None
        self.participants: dict[int, Participant] = {}
        self.by_token: dict[str, int] = {}
        self.owner: dict[tuple[int, int], int] = {}
        self.state = "lobby"          # lobby -> open <-> resolved -> debrief
        self.t = 0                    # meetings resolved so far (the open meeting is number t)
        self.decisions: dict[int, dict] = {}
        self.ballots: dict[int, dict] = {}
        # what a phone has tapped in the open meeting but not sent: shown again after a reload,
        # never played (an unsent choice is not a decision; the default stated on the phone is)
        self.drafts: dict[int, dict] = {}
        self.deadline: float | None = None
        self.paused_left: float | None = None
        self.rounds: list[dict] = []  # per resolved meeting: who decided, defaults, votes, the story
        self.log: list[tuple[int, str, dict]] = []  # (meeting, message key, values) for the trainer
        base = scenario.replace({"population.groups": 1}, origin="workshop")
        self.group_scenarios = [base] * settings.groups
        self.seeds = replication_seeds(settings.seed, settings.groups)
        self.runs, self.seat_firm, self.deciders = [], {}, {}
        profiles = build_profiles(scenario.profiles)
        for g, seed in enumerate(self.seeds):
            run = LiveRun(base, seed)
            net = run.network(0)
            for i in range(settings.seats):
                fid = net["firm"][i]
                d = SeatDecider(profiles[NAMES.index(net["profile"][i])])
                run.set_decider(fid, d)
                self.seat_firm[(g, i)], self.deciders[(g, i)] = fid, d
            self.runs.append(run)
        self.steps = [[] for _ in range(settings.groups)]    # steps rows per group, per meeting
        self.events = [[] for _ in range(settings.groups)]   # events rows per group, per meeting
        self.firm_rows = [[] for _ in range(settings.groups)]
        self.stories = [[] for _ in range(settings.groups)]  # what members saw, per meeting
        self.played_by: dict[tuple[int, int], str] = {}      # (group, firm) -> name of who played it
        rules = scenario.rules
        self.vote_round = rules.adopt_at if rules.enabled and rules.adopt_at < scenario.run.steps else None

    # ------------------------------------------------------------------ creation and loading
    @classmethod
    def create(cls, root, scenario: Scenario, settings: Settings, taken=()) -> Workshop:
        """A new session in a fresh folder ``root/<code>``."""
        settings.check(scenario, "workshop")
        root = Path(root)
        taken = set(taken) | {p.name for p in root.iterdir()} if root.exists() else set(taken)
        code = new_code(taken)
        folder = root / code
        folder.mkdir(parents=True)
        key = secrets.token_urlsafe(9)
        created = time.time()
        (folder / "scenario.toml").write_text(scenario.to_toml())
        meta = {"code": code, "key": key, "created": created, "settings": asdict(settings)}
        (folder / "session.json").write_text(json.dumps(meta, indent=1))
        ws = cls(folder, code, key, scenario, settings, created)
        ws._journal = open(folder / "journal.jsonl", "a", encoding="utf-8")
        return ws

    @classmethod
    def load(cls, folder) -> Workshop:
        """A session as it was: its groups rebuilt and its journal replayed."""
        folder = Path(folder)
        try:
            meta = json.loads((folder / "session.json").read_text())
            settings = Settings(**meta["settings"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise WorkshopError("corrupt", f"{folder / 'session.json'}: not a workshop session ({e})") from None
        scenario = load_scenario(folder / "scenario.toml")
        ws = cls(folder, meta["code"], meta["key"], scenario, settings, meta["created"])
        path = folder / "journal.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                action = json.loads(line)
            except ValueError:
                if n == len(lines):
                    break  # a line cut by a crash while it was written: that action never happened
                raise WorkshopError("corrupt", f"{path}: line {n} is not JSON") from None
            ws._apply(action)
        ws._journal = open(path, "a", encoding="utf-8")
        if ws.state == "open" and ws.paused_left is None and settings.auto_close:
            # the meeting was running when the server stopped: give the room a moment to reconnect
            ws.deadline = max(ws.deadline or 0.0, time.time() + 15.0)
            ws._arm()
        return ws

    def close(self) -> None:
        """Stop the timer and close the journal (the session stays on disk)."""
        with self.lock:
            if self._timer:
                self._timer.cancel()
            if self._journal:
                self._journal.close()
                self._journal = None

    # ------------------------------------------------------------------ actions
    def _do(self, action: dict):
        """Write an action to the journal (synced), then apply it and tell the pages."""
        action = {**action, "at": round(time.time(), 3)}
        line = json.dumps(action, ensure_ascii=False)
        self._journal.write(line + "\n")
        self._journal.flush()
        os.fsync(self._journal.fileno())
        out = self._apply(action)
        self._bump()
        return out

    def _bump(self) -> None:
        with self._changed:
            self.version += 1
            self._changed.notify_all()

    def wait_change(self, seen: int, timeout: float) -> int:
        """Block until the session changes after version ``seen`` (or ``timeout`` s); return the version."""
        with self._changed:
            if self.version == seen:
                self._changed.wait(timeout)
            return self.version

    def check_key(self, key: str) -> bool:
        """Whether ``key`` is the trainer's key (constant-time comparison)."""
        return secrets.compare_digest(str(key or ""), self.key)

    def join(self, name: str) -> Participant:
        """Seat a new participant in the free seat of the group with fewest people; returns them."""
        name = re.sub(r"\s+", " ", str(name or "")).strip()[:NAME_MAX]
        if not name:
            raise WorkshopError("name_empty", "join: a name is needed")
        with self.lock:
            if self.state == "debrief":
                raise WorkshopError("ended", "join: the workshop has ended")
            if any(p.name.casefold() == name.casefold() for p in self.participants.values() if p.seat):
                raise WorkshopError("name_taken", f"join: someone in the room is already called {name!r}")
            seat = self._free_seat()
            if seat is None:
                raise WorkshopError("full", "join: every seat is taken")
            token = secrets.token_urlsafe(12)
            pid = len(self.participants) + 1
            self._do({"a": "join", "pid": pid, "name": name, "token": token, "seat": list(seat)})
            return self.participants[pid]

    def reseat(self, token: str) -> Participant:
        """Give a participant without a playing firm (left, expelled, dissolved) a free seat."""
        with self.lock:
            p = self.participant(token)
            if p.seat is not None and self._seat_playing(p.seat):
                raise WorkshopError("seated", "reseat: you already play a firm")
            seat = self._free_seat()
            if seat is None:
                raise WorkshopError("full", "reseat: every seat is taken")
            self._do({"a": "seat", "pid": p.pid, "seat": list(seat)})
            return p

    def leave(self, token: str, by: str = "self") -> None:
        """A participant leaves: their firm goes back to its profile (logged)."""
        with self.lock:
            p = self.participant(token)
            if p.seat is not None:
                self._do({"a": "leave", "pid": p.pid, "by": by})

    def release(self, pid: int) -> None:
        """The trainer hands a participant's firm back to its profile."""
        with self.lock:
            p = self.participants.get(int(pid))
            if p is None:
                raise WorkshopError("unknown", f"release: no participant {pid}")
            if p.seat is not None:
                self._do({"a": "leave", "pid": p.pid, "by": "trainer"})

    def participant(self, token: str) -> Participant:
        """The participant holding ``token``."""
        pid = self.by_token.get(str(token or ""))
        if pid is None:
            raise WorkshopError("unknown", "no participant with this token")
        return self.participants[pid]

    def decide(self, token: str, decision: dict, ballot: dict | None = None) -> None:
        """Record a participant's decision (and vote) for the open meeting; they may change it until it closes."""
        with self.lock:
            self._do(self._choice("decide", token, decision, ballot))

    def keep_draft(self, token: str, decision: dict, ballot: dict | None = None) -> None:
        """Keep what a participant has tapped but not sent, so a reload or another phone shows it again.

        Checked like a decision and journaled, so a restarted server keeps it too; it never counts
        for the meeting: only :meth:`decide` does, and sending drops the draft.
        """
        with self.lock:
            action = self._choice("draft", token, decision, ballot)
            if self.drafts.get(action["pid"]) != {"d": action["d"], "v": action.get("v")}:
                self._do(action)

    def _choice(self, kind: str, token: str, decision: dict, ballot: dict | None) -> dict:
        """The journal action of a participant's choice (``decide`` or ``draft``), checked; under the lock."""
        p = self.participant(token)
        if self.state != "open":
            raise WorkshopError("not_open", f"{kind}: no meeting is open")
        if p.seat is None or not self._seat_playing(p.seat):
            raise WorkshopError("no_firm", f"{kind}: you do not play a firm now")
        action = {"a": kind, "pid": p.pid, "t": self.t, "d": check_decision(decision)}
        if ballot is not None and self.t == self.vote_round:
            try:
                action["v"] = {**vote.status_quo(self.group_scenarios[p.seat[0]]), **vote.check_ballot(ballot)}
            except ValueError as e:
                raise WorkshopError("bad_choice", str(e)) from None
        return action

    def open_round(self) -> None:
        """Open the next meeting for decisions, with its timer."""
        with self.lock:
            if self.state not in ("lobby", "resolved"):
                raise WorkshopError("not_ready", f"open: the session is {self.state}")
            if self.t >= self.scenario.run.steps:
                raise WorkshopError("last", "open: the scenario has no more meetings")
            self._do({"a": "open", "t": self.t, "deadline": time.time() + self.settings.round_seconds})
            self._arm()

    def pause(self) -> None:
        """Stop the open meeting's clock (the debrief or a question from the room)."""
        with self.lock:
            if self.state == "open" and self.paused_left is None:
                self._do({"a": "pause", "left": max(0.0, self.deadline - time.time())})
                if self._timer:
                    self._timer.cancel()

    def resume(self) -> None:
        """Restart the open meeting's clock where it stopped."""
        with self.lock:
            if self.state == "open" and self.paused_left is not None:
                self._do({"a": "resume", "deadline": time.time() + self.paused_left})
                self._arm()

    def close_round(self, by: str = "trainer") -> None:
        """Resolve the open meeting for every group; undecided seats play their default."""
        with self.lock:
            if self.state != "open":
                raise WorkshopError("not_open", "close: no meeting is open")
            if self._timer:
                self._timer.cancel()
            self._do({"a": "close", "t": self.t, "by": by})
            limit = self.settings.idle_rounds
            if limit:
                for p in list(self.participants.values()):
                    if p.seat is not None and p.missed >= limit:
                        self._do({"a": "leave", "pid": p.pid, "by": "idle"})

    def end(self) -> None:
        """End the game and start the debrief."""
        with self.lock:
            if self.state == "open":
                self.close_round()
            if self.state != "debrief":
                self._do({"a": "debrief"})

    def _arm(self) -> None:
        if self._timer:
            self._timer.cancel()
        if not self.settings.auto_close or self.deadline is None:
            return
        t = self.t
        self._timer = threading.Timer(max(0.0, self.deadline - time.time()), self._on_timer, args=(t,))
        self._timer.daemon = True
        self._timer.start()

    def _on_timer(self, t: int) -> None:
        with self.lock:
            if self.state == "open" and self.t == t and self.paused_left is None and self._journal:
                self.close_round(by="timer")

    # ------------------------------------------------------------------ state transitions (replayed on load)
    def _apply(self, a: dict):
        kind = a["a"]
        if kind == "join":
            p = Participant(a["pid"], a["name"], a["token"], None, self.t)
            self.participants[p.pid] = p
            self.by_token[p.token] = p.pid
            self._sit(p, tuple(a["seat"]))
        elif kind == "seat":
            p = self.participants[a["pid"]]
            self._unsit(p)
            self._sit(p, tuple(a["seat"]))
        elif kind == "leave":
            p = self.participants[a["pid"]]
            self.log.append((self.t, f"leave_{a['by']}", {"name": p.name, "group": p.seat[0] + 1}))
            self._unsit(p)
            self.decisions.pop(p.pid, None)  # the profile plays this meeting too
            self.ballots.pop(p.pid, None)
            self.drafts.pop(p.pid, None)
        elif kind == "decide":
            self.decisions[a["pid"]] = a["d"]
            if "v" in a:
                self.ballots[a["pid"]] = a["v"]
            self.drafts.pop(a["pid"], None)  # sent: nothing left unsent
        elif kind == "draft":
            self.drafts[a["pid"]] = {"d": a["d"], "v": a.get("v")}
        elif kind == "open":
            self.state, self.deadline, self.paused_left = "open", a["deadline"], None
            self.decisions, self.ballots, self.drafts = {}, {}, {}
        elif kind == "pause":
            self.paused_left = a["left"]
        elif kind == "resume":
            self.paused_left, self.deadline = None, a["deadline"]
        elif kind == "close":
            self._resolve(a["by"])
        elif kind == "debrief":
            self.state = "debrief"
        else:
            raise WorkshopError("corrupt", f"{self.folder / 'journal.jsonl'}: unknown action {kind!r}")

    def _sit(self, p: Participant, seat: tuple[int, int]) -> None:
        p.seat, p.missed = seat, 0
        self.owner[seat] = p.pid
        self.played_by[(seat[0], self.seat_firm[seat])] = p.name
        self.log.append((self.t, "join", {"name": p.name, "group": seat[0] + 1}))

    def _unsit(self, p: Participant) -> None:
        if p.seat is not None and self.owner.get(p.seat) == p.pid:
            del self.owner[p.seat]
        p.seat = None

    def _seat_playing(self, seat) -> bool:
        """Whether the seat's firm still belongs to its (living) group."""
        g, _ = seat
        model = self.runs[g].model
        return bool(model.alive[0]) and model.seat_of(self.seat_firm[seat]) is not None

    def _free_seat(self):
        best = None
        for g in range(self.settings.groups):
            free = [(g, i) for i in range(self.settings.seats)
                    if (g, i) not in self.owner and self._seat_playing((g, i))]
            if free:
                people = sum(1 for s in self.owner if s[0] == g)
                if best is None or people < best[0]:
                    best = (people, free[0])
        return None if best is None else best[1]

    def _resolve(self, by: str) -> None:
        """Play meeting t in every group with the participants' decisions (and the vote)."""
        t = self.t
        decided, defaulted, applied = [], [], {}
        for seat, d in self.deciders.items():
            pid = self.owner.get(seat)
            if pid is None or not self._seat_playing(seat):
                d.moves = None
                continue
            p = self.participants[pid]
            if pid in self.decisions:
                choice, p.missed = self.decisions[pid], 0
                decided.append(pid)
            else:
                choice, p.missed = p.last or DEFAULT, p.missed + 1
                defaulted.append(pid)
            p.last = choice
            p.history.append((t, seat[0], seat[1], choice, pid not in self.decisions))
            d.moves = to_manual(choice)
            applied[seat] = choice
        votes = self._vote() if t == self.vote_round else {}
        for g, run in enumerate(self.runs):
            run.advance(1)
            steps, events = run.new_rows()
            self.steps[g].append(steps)
            self.events[g].append(events)
            self.firm_rows[g].append(self._last_firms(run))
            self.stories[g].append(self._story(g, t))
        self.rounds.append({"t": t, "by": by, "decided": decided, "defaulted": defaulted,
                            "applied": applied, "votes": votes})
        self.t += 1
        self.state = "resolved"
        self.decisions, self.ballots, self.drafts, self.deadline, self.paused_left = {}, {}, {}, None, None

    @staticmethod
    def _last_firms(run: LiveRun) -> pd.DataFrame:
        firms = run.model.log.firms_frame()
        return firms[firms["step"] == run.step - 1].set_index("firm")

    def _vote(self) -> dict:
        """Each living group votes its reglamento under its decision rule; the winners are adopted."""
        out = {}
        for g, run in enumerate(self.runs):
            model = run.model
            if not model.alive[0]:
                continue
            scen = self.group_scenarios[g]
            quo = vote.status_quo(scen)
            quo_full = {k: v or next(iter(vote.ITEMS[k])) for k, v in quo.items()}
            net = run.network(0)
            ballots, voters = [], []
            for fid, prof in zip(net["firm"], net["profile"], strict=True):
                seat = next((s for s, f in self.seat_firm.items() if f == fid and s[0] == g), None)
                pid = self.owner.get(seat) if seat else None
                if pid is not None:
                    ballots.append(self.ballots.get(pid, quo_full))
                    voters.append(self.participants[pid].name)
                else:
                    ballots.append(vote.PROFILE_VOTES[prof])
                    voters.append(None)
            leader = int(np.argmax(net["trust_received"]))
            choice = vote.decide(scen.rules.decision, ballots, quo, leader)
            new = vote.apply(scen, choice)
            model.amend_rules(new)
            self.group_scenarios[g] = new
            out[g] = {"rule": scen.rules.decision, "choice": choice, "ballots": ballots,
                      "leader": leader, "voters": voters}
        return out

    # ------------------------------------------------------------------ views
    def seconds_left(self) -> float | None:
        """Seconds left on the open meeting's clock (None: no meeting open)."""
        if self.state != "open":
            return None
        if self.paused_left is not None:
            return self.paused_left
        return max(0.0, (self.deadline or 0.0) - time.time())

    def rules_in_force(self, g: int) -> dict:
        """The reglamento a group lives under (adopted or not yet)."""
        s = self.group_scenarios[g]
        adopted = bool(self.runs[g].model.rules_on[0])
        return {"adopted": adopted, "adopt_at": s.rules.adopt_at if s.rules.enabled else None,
                "decision": s.rules.decision, "sanctions": s.sanctions.enabled and adopted,
                "warning": s.sanctions.warning, "fine": s.sanctions.fine,
                "expulsion_strikes": s.sanctions.expulsion_strikes, "monitoring": s.rules.monitoring,
                "admission": s.rules.admission, "vote": vote.status_quo(s)}

    def group_story(self, g: int, t: int | None = None) -> dict:
        """What a group's members saw at meeting t (default: the last resolved one), names filled in."""
        t = self.t - 1 if t is None else t
        if t < 0:
            return {"t": -1, "events": [], "alive": True, "members": self.scenario.population.group_size,
                    "played": self.scenario.population.group_size, "phase": 1, "committed": 0,
                    "purchase": False, "discount": 0.0,
                    "trust": self.scenario.trust.initial, "cooperation": 0.0, "quota_payers": 0,
                    "leads": 0, "fund": 0.0}
        story = self.stories[g][t]
        events = [{**e, "name": self.played_by.get((g, e["firm"]))} for e in story["events"]]
        return {**story, "events": events}

    def _story(self, g: int, t: int) -> dict:
        """The story of meeting t in group g as its members saw it (hidden acts left out).

        ``played`` counts the members who sat at the meeting (the firms rows), ``members`` those left
        after it: a meeting that expels two of eight had eight committing, not six.
        """
        step = self.steps[g][t].iloc[0]
        firms = self.firm_rows[g][t]
        ev = self.events[g][t]
        seen = ev[ev["detected"] | ~ev["kind"].isin(["renege", "diversion", "quota_skip"])]
        lines = [{"kind": str(r.kind), "firm": int(r.firm), "other": int(r.other), "code": int(r.code),
                  "sanction": str(r.sanction), "amount": float(r.amount), "strike": int(r.strike)}
                 for r in seen.itertuples()]
        return {"t": t, "alive": bool(step["alive"]), "phase": int(step["phase"]),
                "members": int(step["members"]), "played": len(firms),
                "committed": int((firms["commit"] > 0).sum()),
                "purchase": bool(step["purchase_placed"]), "discount": float(step["discount"]),
                "trust": float(step["trust"]), "cooperation": float(step["cooperation"]),
                "quota_payers": int((firms["quota_paid"] > 0).sum()), "leads": int(step["leads"]),
                "fund": float(step["fund"]), "events": lines}

    def series(self, g: int) -> pd.DataFrame:
        """The steps rows of a group so far (one per meeting)."""
        rows = [s for s in self.steps[g] if len(s)]
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()

    def phone(self, token: str) -> dict:
        """Everything a participant's phone shows."""
        with self.lock:
            p = self.participant(token)
            out = {"name": p.name, "state": self.state, "t": self.t, "left": self.seconds_left(),
                   "paused": self.paused_left is not None, "seat": p.seat, "steps": self.scenario.run.steps,
                   "decided": p.pid in self.decisions, "decision": self.decisions.get(p.pid, p.last or DEFAULT),
                   "default": p.last or DEFAULT, "vote": self.state == "open" and self.t == self.vote_round,
                   "ballot": self.ballots.get(p.pid), "vote_round": self.vote_round,
                   "draft": self.drafts.get(p.pid)}
            if p.seat is None:
                out["status"] = "no_seat"
                return out
            g, i = p.seat
            fid = self.seat_firm[p.seat]
            out.update(group=g, firm=fid, rules=self.rules_in_force(g))
            model = self.runs[g].model
            out["status"] = ("member" if self._seat_playing(p.seat)
                             else "dissolved" if not model.alive[0] else "out")
            out["phase"] = int(model.phase[0])
            out["consortium"] = bool(model.phase[0] >= 4 or self.t >= self.scenario.lifecycle.consortium_at)
            out["story"] = self.group_story(g)
            # my income against going alone, last meeting and since I sat down
            income = alone = last_income = last_alone = 0.0
            for t, gg, _, _, _ in p.history:
                firms = self.firm_rows[gg][t]
                if fid in firms.index and gg == g:
                    income += float(firms.at[fid, "payoff"])
                    alone += float(firms.at[fid, "alone"])
                    last_income, last_alone = float(firms.at[fid, "payoff"]), float(firms.at[fid, "alone"])
            out.update(income=income, alone=alone, last_income=last_income, last_alone=last_alone)
            out["sanctions"] = [{**e, "t": st["t"]} for st in self.stories[g] for e in st["events"]
                                if e["firm"] == fid and e["sanction"] in ("warning", "fine", "expulsion")]
            net = self.runs[g].network(0)
            out["strikes"] = net["strikes"][net["firm"].index(fid)] if fid in net["firm"] else 0
            return out

    def board(self) -> dict:
        """What the trainer's projector shows: who has decided (not what) and every group's story."""
        with self.lock:
            groups = []
            for g in range(self.settings.groups):
                seats = []
                for i in range(self.settings.seats):
                    pid = self.owner.get((g, i))
                    seats.append({"seat": i, "name": self.participants[pid].name if pid else None,
                                  "pid": pid, "decided": pid in self.decisions if pid else False,
                                  "playing": self._seat_playing((g, i))})
                groups.append({"group": g, "seats": seats, "story": self.group_story(g),
                               "rules": self.rules_in_force(g)})
            return {"code": self.code, "state": self.state, "t": self.t, "left": self.seconds_left(),
                    "paused": self.paused_left is not None, "steps": self.scenario.run.steps,
                    "vote_round": self.vote_round, "groups": groups, "log": list(self.log),
                    "people": len([p for p in self.participants.values() if p.seat is not None]),
                    # who can decide now: seated, and their firm still a member (an expelled firm's
                    # person waits for a free seat and is no one the meeting waits for)
                    "deciders": len([p for p in self.participants.values()
                                     if p.seat is not None and self._seat_playing(p.seat)]),
                    "decided": len(self.decisions), "version": self.version}


class Registry:
    """The sessions of one server, by join code, loaded from ``root`` when first asked for."""

    def __init__(self, root):
        """Serve the sessions kept under ``root`` (one folder per join code)."""
        self.root = Path(root)
        self.lock = threading.Lock()
        self.sessions: dict[str, Workshop] = {}

    def get(self, code: str) -> Workshop | None:
        """The session with this join code (case and spaces ignored), or None."""
        code = re.sub(r"\s+", "", str(code or "")).upper()
        if not re.fullmatch(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}", code):
            return None
        with self.lock:
            ws = self.sessions.get(code)
            if ws is None and (self.root / code / "session.json").exists():
                ws = self.sessions[code] = Workshop.load(self.root / code)
            return ws

    def create(self, scenario: Scenario, settings: Settings) -> Workshop:
        """A new session under ``root``."""
        with self.lock:
            ws = Workshop.create(self.root, scenario, settings, taken=self.sessions)
            self.sessions[ws.code] = ws
            return ws


_REGISTRIES: dict[Path, Registry] = {}
_REGISTRIES_LOCK = threading.Lock()


def registry(root) -> Registry:
    """The one registry of a folder in this process (every browser session of a server shares it)."""
    root = Path(root).resolve()
    with _REGISTRIES_LOCK:
        if root not in _REGISTRIES:
            _REGISTRIES[root] = Registry(root)
        return _REGISTRIES[root]
