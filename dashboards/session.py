"""One browser session's run: scenario choice, edits, seed, the live run and what it has shown.

:class:`Session` holds no widgets, so the dashboard's logic can be tested without a browser. It
turns a scenario file plus widget edits plus a typed seed into a validated scenario exactly as
``asocia run FILE --set key=value --seed N`` does (same loader, same error text), plays it with
:class:`sim.LiveRun`, keeps the rows already shown (for redraws and the log), lets a person take
over one firm with :class:`sim.model.profiles.Manual`, and produces the downloads (CSV tables and the
TOML that re-runs the run).
"""

from __future__ import annotations

import io
import os
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import LiveRun, ScenarioError, load_scenario
from sim.model.profiles import NAMES, Manual
from sim.model.scenario import param
from sim.results.seeds import to_seed

ROOT = Path(__file__).resolve().parent.parent


def scenarios_dir() -> Path:
    """Folder the scenario picker lists (``ASOCIA_SCENARIOS`` overrides the repository's)."""
    return Path(os.environ.get("ASOCIA_SCENARIOS", ROOT / "scenarios"))


def list_scenarios(folder: Path | None = None) -> list[str]:
    """Names of the scenario files in the folder, read now (files are added over time)."""
    folder = scenarios_dir() if folder is None else Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.glob("*.toml"))


def build_scenario(path: Path, edits: dict[str, Any], seed_text: str):
    """The scenario a run uses: the file, the widget edits, then the typed seed.

    Raises:
        ScenarioError: with the same message ``asocia run`` gives for the same file and
            ``--set`` values; a bad seed is reported as the CLI's seed errors are.

    """
    scenario = load_scenario(path, dict(edits) if edits else None)
    try:
        seed = to_seed(seed_text, origin=f"{path}: key 'run.seed'")
    except ValueError as e:
        raise ScenarioError(str(e)) from None
    if seed != scenario.run.seed:
        scenario = scenario.replace({"run.seed": seed}, origin=str(path))
    return scenario


class NothingPlayed(RuntimeError):
    """The run has no meeting yet, so it has no tables."""


@dataclass
class Chunk:
    """What one call to :meth:`Session.advance` added: steps rows, events rows, profile sums."""

    steps: pd.DataFrame
    events: pd.DataFrame
    profiles: list[dict[str, np.ndarray]] = field(default_factory=list)


class Session:
    """Scenario, edits, seed and live run of one dashboard session."""

    def __init__(self, scenario_file: str | None = None, folder: Path | None = None):
        """Open the first scenario file of the folder (or the one named) and start a run."""
        self.lock = threading.RLock()
        self.folder = scenarios_dir() if folder is None else Path(folder)
        files = list_scenarios(self.folder)
        if scenario_file is None:
            scenario_file = "baseline.toml" if "baseline.toml" in files else (files[0] if files else None)
        if scenario_file is None:
            raise ScenarioError(f"{self.folder}: no scenario files (*.toml) found")
        self.file = scenario_file
        self.base = load_scenario(self.path)
        self.edits: dict[str, Any] = {}
        self.seed_text = str(self.base.run.seed)
        self.error: str | None = None      # what the loader says of the edits as a whole
        self.raw: dict[str, str] = {}      # text typed into a field that could not be read
        self.field_errors: dict[str, str] = {}  # the loader's message for that text, by key
        self.manual: Manual | None = None
        self.manual_firm: int | None = None
        self.restart(self.base)

    # ------------------------------------------------------------------ scenario and edits
    @property
    def path(self) -> Path:
        """Path of the chosen scenario file."""
        return self.folder / self.file

    def choose(self, scenario_file: str) -> None:
        """Load another scenario file, drop the edits and start its run."""
        base = load_scenario(self.folder / scenario_file)
        with self.lock:
            self.file, self.base, self.edits = scenario_file, base, {}
            self.seed_text = str(base.run.seed)
            self.error = None
            self.raw, self.field_errors = {}, {}
            self.restart(base)

    def value(self, key: str) -> Any:
        """Current widget value of a parameter (edited, else the file's)."""
        if key == "run.seed":
            return self.seed_text
        if key in self.edits:
            return self.edits[key]
        return self.base.flat()[key]

    def edit(self, key: str, value: Any) -> str | None:
        """Record a widget edit; returns the error the edits would give, or None."""
        param(key)
        if key == "run.seed":
            self.seed_text = str(value)
        elif value == self.base.flat()[key]:
            self.edits.pop(key, None)
        else:
            self.edits[key] = value
        self.validate()
        return self.error

    def edit_text(self, key: str, text: str, lang: str = "en") -> str | None:
        """Record text typed into a number field (the decimal comma is read in Spanish).

        Text that cannot be read as the parameter's type, or is out of its range, is kept as
        typed with the loader's message for it (shown at the field); the value before it stays
        in the edits, and Apply stays disabled until the text is corrected or reverted.
        """
        from sim.model.scenario import coerce

        from .i18n import parse_number

        p = param(key)
        if key == "run.seed":
            return self.edit(key, text)
        try:
            value = coerce(parse_number(text, lang), p, str(self.path))
        except ScenarioError as e:
            self.raw[key], self.field_errors[key] = str(text), str(e)
            return str(e)
        self.raw.pop(key, None)
        self.field_errors.pop(key, None)
        return self.edit(key, value)

    def blocked(self) -> bool:
        """Whether the edits cannot be applied (a field or the whole combination is invalid)."""
        return self.error is not None or bool(self.field_errors)

    def errors_at(self, key: str) -> str | None:
        """The loader's message to show at a field: its own, or the combination's if it names the key."""
        from .i18n import error_keys

        if key in self.field_errors:
            return self.field_errors[key]
        if self.error and key in error_keys(self.error):
            return self.error
        return None

    def revert(self) -> None:
        """Drop every edit and typed text: the file's values again."""
        self.edits.clear()
        self.raw, self.field_errors = {}, {}
        self.seed_text = str(self.base.run.seed)
        self.validate()

    def validate(self):
        """The scenario the current edits describe, or None with ``self.error`` set."""
        try:
            scenario = build_scenario(self.path, self.edits, self.seed_text)
        except ScenarioError as e:
            self.error = str(e)
            return None
        self.error = None
        return scenario

    def pending(self) -> int:
        """How many parameter values differ from the run on screen."""
        now = self.scenario.flat()
        want = dict(self.base.flat(), **self.edits)
        want["run.seed"] = self.seed_text
        out = 0
        for k, v in want.items():
            if k == "run.seed":
                out += str(now[k]) != str(v).strip()
            elif now[k] != v:
                out += 1
        return out

    def apply(self) -> bool:
        """Start a new run with the edited parameters; False (run kept) if they are invalid."""
        if self.field_errors:
            return False
        scenario = self.validate()
        if scenario is None:
            return False
        self.restart(scenario)
        return True

    # ------------------------------------------------------------------ the run
    def restart(self, scenario=None) -> None:
        """A new run of ``scenario`` (default: the current one again, same parameters)."""
        with self.lock:
            self.scenario = self.scenario if scenario is None else scenario
            self.live = LiveRun(self.scenario, self.scenario.run.seed)
            self.steps = pd.DataFrame()
            self._steps_parts: list[pd.DataFrame] = []
            self._events_parts: list[pd.DataFrame] = []
            self.profiles: list[dict[str, np.ndarray]] = []
            self.departed: dict[int, int] = {}  # firm -> meeting it was expelled or left
            self.seat_history: dict[int, int] = {}  # firm -> last seat it held (for drawing)
            self._note_seats()
            self.manual, self.manual_firm = None, None
            self.generation = getattr(self, "generation", 0) + 1
            self._pending_chunk = self._collect([])

    @property
    def horizon(self) -> int:
        """Meetings the scenario plays (``run.steps``)."""
        return self.scenario.run.steps

    @property
    def t(self) -> int:
        """Meetings played so far."""
        return self.live.step

    @property
    def groups(self) -> int:
        """Number of groups."""
        return self.scenario.population.groups

    def done(self) -> bool:
        """Whether the run reached its horizon."""
        return self.live.step >= self.horizon

    def advance(self, n: int = 1) -> Chunk:
        """Play up to n meetings (not past the horizon); returns what they added."""
        with self.lock:
            profiles = []
            for _ in range(max(0, min(n, self.horizon - self.live.step))):
                self.live.advance(1)
                profiles.append(self.live.by_profile())
                self._note_seats()
            return self._collect(profiles)

    def _note_seats(self) -> None:
        for fid, agent in self.live.model.firms.items():
            if agent.seat is not None:  # firms that left keep their last seat
                self.seat_history[fid] = agent.seat[1]

    def take_pending(self) -> Chunk:
        """Rows produced when the run was created (events of meeting 0's set-up)."""
        chunk, self._pending_chunk = self._pending_chunk, Chunk(pd.DataFrame(), pd.DataFrame())
        return chunk

    def _collect(self, profiles) -> Chunk:
        steps, events = self.live.new_rows()
        if len(steps):
            self._steps_parts.append(steps)
        if len(events):
            self._events_parts.append(events)
            gone = events[events["kind"].isin(["expulsion", "exit"])]
            for fid, step in zip(gone["firm"], gone["step"], strict=True):
                self.departed[int(fid)] = int(step)
        self.profiles.extend(profiles)
        return Chunk(steps, events, profiles)

    def steps_table(self) -> pd.DataFrame:
        """Steps rows shown so far."""
        if len(self._steps_parts) > 1:
            self._steps_parts = [pd.concat(self._steps_parts, ignore_index=True)]
        return self._steps_parts[0] if self._steps_parts else pd.DataFrame()

    def events_table(self) -> pd.DataFrame:
        """Events rows shown so far (with English and Spanish sentences)."""
        if len(self._events_parts) > 1:
            self._events_parts = [pd.concat(self._events_parts, ignore_index=True)]
        return self._events_parts[0] if self._events_parts else pd.DataFrame()

    # ------------------------------------------------------------------ a person plays a firm
    def members(self, group: int) -> list[tuple[int, str]]:
        """(firm, profile) of the current members of a group."""
        net = self.live.network(group)
        return list(zip(net["firm"], net["profile"], strict=True))

    def take_control(self, firm: int) -> Manual:
        """A person decides for ``firm`` from the next meeting on."""
        with self.lock:
            manual = Manual()
            self.live.set_decider(int(firm), manual)
            if self.manual_firm is not None and self.manual_firm != firm:
                self.live.model.deciders.pop(self.manual_firm, None)
            self.manual, self.manual_firm = manual, int(firm)
            return manual

    def release(self) -> None:
        """Hand the firm back to its profile's rule."""
        with self.lock:
            if self.manual_firm is not None:
                self.live.model.deciders.pop(self.manual_firm, None)
            self.manual, self.manual_firm = None, None

    def manual_alive(self) -> bool:
        """Whether the firm a person plays is still a member."""
        agent = self.live.model.firms.get(self.manual_firm) if self.manual_firm is not None else None
        return agent is not None and agent.is_member

    def firm_status(self, firm: int) -> dict[str, Any] | None:
        """Last-meeting figures of a firm, or None when it is no longer a member."""
        agent = self.live.model.firms.get(int(firm))
        if agent is None or not agent.is_member:
            return None
        net = self.live.network(agent.group)
        i = net["firm"].index(int(firm))
        return {"group": agent.group, "profile": agent.profile, "payoff": agent.payoff,
                "alone": agent.going_alone, "strikes": agent.strikes,
                "trust_received": float(net["trust_received"][i])}

    # ------------------------------------------------------------------ downloads
    def results(self):
        """All tables of the run so far (as ``asocia run`` would save them).

        Raises:
            NothingPlayed: before the first meeting (there are no outcomes to tabulate).

        """
        with self.lock:
            if self.live.step == 0:
                raise NothingPlayed("no meeting played yet")
            return self.live.results()

    def table_csv(self, name: str) -> bytes:
        """One table of the run so far as CSV (the same columns ``asocia run --csv`` writes).

        Before the first meeting (a button clicked just as a Reset lands) the file is empty
        rather than the page breaking.
        """
        try:
            return getattr(self.results(), name).to_csv(index=False).encode()
        except NothingPlayed:
            return b""

    def download_name(self) -> str:
        """Stem of the downloaded files: the scenario's name and the run's seed."""
        return f"{self.scenario.meta.name}-{self.scenario.run.seed}"

    def scenario_toml(self) -> str:
        """TOML that re-runs the run on screen with ``asocia run scenario.toml``.

        ``run.steps`` is set to the meetings played so far (the whole horizon before the first
        step), so the re-run produces the same tables as the download.
        """
        played = self.live.step or self.horizon
        scenario = self.scenario.replace({"run.steps": played}, origin=self.scenario.source)
        head = [f"# Asocia scenario exported from the dashboard ({self.file}).",
                f"# Re-run: asocia run {self.download_name()}.toml   (seed {scenario.run.seed}, "
                f"{played} meetings)"]
        if self.manual_firm is not None or self.live.model.deciders:
            head.append("# Note: a person played a firm in this run; the file re-runs it with "
                        "agents only.")
        return "\n".join(head) + "\n\n" + scenario.to_toml()

    def zip_bytes(self) -> bytes:
        """A zip with the four tables as CSV, the scenario TOML and the manifest."""
        import json

        try:
            res = self.results()
        except NothingPlayed:
            return b""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in res.TABLES:
                zf.writestr(f"{name}.csv", getattr(res, name).to_csv(index=False))
            zf.writestr("scenario.toml", self.scenario_toml())
            zf.writestr("manifest.json", json.dumps(res.manifest, indent=2, default=str))
        return buf.getvalue()


def profile_index(name: str) -> int:
    """Position of a profile in the engine's order."""
    return NAMES.index(name)
