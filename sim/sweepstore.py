"""The on-disk store of a sweep: Parquet batches, a DuckDB index, and the manifest that re-runs it.

Layout of a sweep folder::

    manifest.json          schema, package and git versions, the experiment (text and normalised),
                           root seed and replication seeds, design size, sessions (engine, workers)
    experiment.toml        the experiment, normalised, pointing at base_scenario.toml (re-runs it)
    base_scenario.toml     the base scenario as run (with the experiment's [set] applied)
    design.parquet         one row per design point: coded values x.<factor> and parameter values
    batches/batch-<time>-<id>.runs.<sha>.parquet    one row per run: point, rep, seed, every
                                                    parameter, outcome.<name>, elapsed
    batches/batch-<time>-<id>.series.<sha>.parquet  per-run series over the groups (point, rep, step, ...)
    index.duckdb           DuckDB: tables ``batches`` (file, sha256, rows), ``runs`` (all batches'
                           runs, the query layer), ``design``; view ``series`` over the Parquet files

A batch is written to a temporary name, flushed and renamed to a name carrying the first digits
of its SHA-256; every few seconds the new batches are recorded in the index (full SHA-256 and
rows) in one DuckDB transaction. A kill at any moment leaves either a ``*.tmp`` file (discarded
on resume: runs that were in flight) or complete renamed files not yet indexed (checked against
the checksum in their name and adopted on resume). A batch whose bytes do not match its checksum,
or that is missing, is reported as :class:`StoreError` (a ResultsError) naming the file, never
read.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .store import ResultsError, _atomic_write_bytes, _sha256

SCHEMA_VERSION = 1
MANIFEST = "manifest.json"
FLUSH_SECONDS = 2.0  # how often finished batches are added to the DuckDB index during a sweep
INDEX = "index.duckdb"


class StoreError(ResultsError):
    """A sweep folder that is missing, damaged or belongs to another experiment."""


def _write_parquet(df: pd.DataFrame, path: Path) -> str:
    """Write a table atomically (temporary name, fsync, rename) and return its SHA-256."""
    tmp = path.with_name(path.name + ".tmp")
    df.to_parquet(tmp, index=False)
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return _sha256(path)


def _write_named(df: pd.DataFrame, stem: Path) -> Path:
    """Write ``<stem>.<sha256[:12]>.parquet`` atomically; the name carries the checksum."""
    tmp = stem.with_name(stem.name + ".parquet.tmp")
    df.to_parquet(tmp, index=False)
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    path = stem.with_name(f"{stem.name}.{_sha256(tmp)[:12]}.parquet")
    os.replace(tmp, path)
    return path


@dataclass
class Damage:
    """A batch that cannot be trusted: its file, what is wrong, how many runs it held."""

    file: str
    problem: str
    rows: int


class SweepStore:
    """A sweep folder (see the module docstring); one writer at a time, any number of readers."""

    def __init__(self, folder):
        """Open (not create) the sweep folder ``folder``."""
        self.folder = Path(folder)
        self.batches = self.folder / "batches"
        self._lock = None
        self._pending: list = []
        self._flushed = time.monotonic()

    # --- creation and locking -------------------------------------------------------------
    @classmethod
    def create_or_open(cls, folder, experiment, plan) -> SweepStore:
        """Create a store for ``experiment`` or open the one already there (checking it matches)."""
        store = cls(folder)
        store.folder.mkdir(parents=True, exist_ok=True)
        store.batches.mkdir(exist_ok=True)
        store.lock()
        manifest = store.folder / MANIFEST
        if manifest.exists():
            old = store.manifest()
            if old.get("fingerprint") != experiment.fingerprint():
                raise StoreError(
                    f"{manifest}: this folder holds the results of another experiment "
                    f"('{old.get('experiment_name')}', fingerprint {old.get('fingerprint')}); "
                    f"allowed: the same experiment file (to resume) or a new --out folder")
            return store
        from .run import versions
        from .seeds import replication_seeds

        design = pd.DataFrame(plan.X, columns=[f"x.{f.key}" for f in experiment.factors])
        design.insert(0, "point", range(len(plan.X)))
        for f in experiment.factors:
            design[f.key] = [v[f.key] for v in plan.values]
        _write_parquet(_stringify(design), store.folder / "design.parquet")
        _atomic_write_bytes(store.folder / "base_scenario.toml", experiment.base.to_toml().encode())
        _atomic_write_bytes(store.folder / "experiment.toml", experiment.normalized_toml().encode())
        with store.connect() as con:
            con.execute("CREATE TABLE IF NOT EXISTS batches (file VARCHAR PRIMARY KEY, "
                        "series VARCHAR, sha256 VARCHAR, series_sha256 VARCHAR, rows INTEGER, "
                        "written DOUBLE)")
            con.execute("CREATE OR REPLACE TABLE design AS SELECT * FROM read_parquet(?)",
                        [str(store.folder / "design.parquet")])
        info = {
            "schema_version": SCHEMA_VERSION, "kind": "sweep", "fingerprint": experiment.fingerprint(),
            "experiment_name": experiment.name, "experiment_path": experiment.path,
            "experiment_text": experiment.text, "design": experiment.design,
            "factors": [f.key for f in experiment.factors], "points": len(plan.X),
            "problem": experiment.problem(), "second_order": experiment.second_order,
            "levels": experiment.levels, "samples": experiment.samples,
            "replications": experiment.replications, "root_seed": experiment.seed,
            "seeding": experiment.seeds, "steps": experiment.horizon,
            "replication_seeds": replication_seeds(experiment.seed, experiment.replications)
            if experiment.seeds == "common" else "SeedSequence(root, spawn_key=(point, rep))",
            "outcomes": list(experiment.outcomes), "series": list(experiment.series),
            "series_every": experiment.every,
            "roles": {f.key: f.role for f in experiment.factors},
            "discovery": experiment.discovery, "versions": versions(), "sessions": [],
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "rerun": f"asocia sweep {store.folder}/experiment.toml --out {store.folder}",
        }
        store.write_manifest(info)
        return store

    def lock(self) -> None:
        """Take the writer lock (released by the OS if the process dies, even by kill -9)."""
        self._lock = open(self.folder / ".lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"{self.folder}: another sweep is writing to this folder; allowed: "
                             "one sweep per folder at a time") from None

    def unlock(self) -> None:
        """Release the writer lock."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    # --- manifest and index ---------------------------------------------------------------
    def manifest(self) -> dict[str, Any]:
        """The manifest (raises StoreError when the folder is not a sweep store)."""
        path = self.folder / MANIFEST
        if not self.folder.is_dir():
            raise StoreError(f"{self.folder}: no such sweep folder")
        if not path.exists():
            raise StoreError(f"{path}: missing; allowed: a folder written by 'asocia sweep'")
        try:
            return json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise StoreError(f"{path}: corrupt manifest ({e})") from None

    def write_manifest(self, info: dict[str, Any]) -> None:
        """Replace the manifest atomically."""
        _atomic_write_bytes(self.folder / MANIFEST, json.dumps(info, indent=2, default=str).encode())

    def connect(self, read_only: bool = False, tries: int = 50):
        """A DuckDB connection to the index (retried briefly while a sweep holds it)."""
        import duckdb

        path = self.folder / INDEX
        if read_only and not path.exists():
            raise StoreError(f"{path}: missing; allowed: a folder written by 'asocia sweep'")
        for i in range(tries):
            try:
                return duckdb.connect(str(path), read_only=read_only)
            except duckdb.IOException as e:  # the writer holds the file lock: retry shortly
                if "lock" not in str(e).lower() or i == tries - 1:
                    raise StoreError(f"{path}: cannot open the index ({e})") from None
                time.sleep(0.1)
            except duckdb.Error as e:
                raise StoreError(f"{path}: cannot open the index ({type(e).__name__}: {e})") from None

    # --- writing --------------------------------------------------------------------------
    def write_batch(self, runs: pd.DataFrame, series: pd.DataFrame | None = None) -> str:
        """Write one batch of finished runs atomically; the index catches up within seconds.

        The file names carry the first hex digits of each file's SHA-256, so even a batch that
        was written but not yet indexed when the sweep was killed is checked before it is adopted.
        """
        stem = f"batch-{time.time_ns():020d}-{uuid.uuid4().hex[:6]}"
        series_file = None
        if series is not None:  # the series first: a runs file marks a complete batch
            series_file = _write_named(series, self.batches / f"{stem}.series")
        runs_file = _write_named(runs, self.batches / f"{stem}.runs")
        self._pending.append((runs_file, series_file, len(runs)))
        if time.monotonic() - self._flushed >= FLUSH_SECONDS:
            self.flush(tries=1)  # a reader holding the index only postpones this
        return runs_file.name

    def flush(self, tries: int = 50) -> bool:
        """Index the batches written since the last flush (one DuckDB transaction).

        Args:
            tries: attempts (0.1 s apart) while another process holds the index open. During a
                sweep a busy index only postpones indexing (the batches are safe on disk).

        Returns:
            True when every written batch is indexed.

        """
        if not self._pending:
            return True
        try:
            con = self.connect(tries=tries)
        except StoreError:
            if tries > 1:
                raise
            return False
        with con:
            con.execute("BEGIN TRANSACTION")
            for runs_file, series_file, rows in self._pending:
                self._index(con, runs_file, series_file, rows)
            con.execute("COMMIT")
        self._pending.clear()
        self._flushed = time.monotonic()
        return True

    def _index(self, con, runs_file: Path, series_file, rows: int) -> None:
        con.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?)",
                    [runs_file.name, series_file.name if series_file else None,
                     _sha256(runs_file), _sha256(series_file) if series_file else None, rows,
                     time.time()])
        name = runs_file.name.replace("'", "''")
        src = f"SELECT *, '{name}' AS batch FROM read_parquet('{_sql_path(runs_file)}')"
        if _has_runs(con):
            con.execute(f"INSERT INTO runs BY NAME {src}")
        else:
            con.execute(f"CREATE TABLE runs AS {src}")

    # --- checking and resuming ------------------------------------------------------------
    def indexed(self) -> pd.DataFrame:
        """The batches table of the index."""
        with self.connect(read_only=not self._lock) as con:
            return con.execute("SELECT * FROM batches ORDER BY file").df()

    def check(self) -> list[Damage]:
        """Batches that are missing or whose bytes differ from the checksum in the index."""
        damage = []
        for row in self.indexed().itertuples():
            for name, want in ((row.file, row.sha256), (row.series, row.series_sha256)):
                if not isinstance(name, str):
                    continue
                path = self.batches / name
                if not path.exists():
                    damage.append(Damage(str(path), "missing", int(row.rows)))
                elif _sha256(path) != want:
                    damage.append(Damage(str(path), "corrupt (checksum differs from the index)",
                                         int(row.rows)))
        return damage

    def verify(self) -> None:
        """Raise StoreError naming the first damaged batch, if any."""
        damage = self.check()
        if damage:
            d = damage[0]
            more = f" (and {len(damage) - 1} more)" if len(damage) > 1 else ""
            raise StoreError(f"{d.file}: {d.problem}{more}; its {d.rows} runs cannot be trusted. "
                             "Re-run the sweep with --redo-damaged to drop and redo them")

    def drop(self, damage: list[Damage]) -> int:
        """Remove damaged batches from the index and the disk; returns runs to redo."""
        names = {Path(d.file).name for d in damage}
        rows = self.indexed()
        bad = rows[rows["file"].isin(names) | rows["series"].isin(names)]
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            for row in bad.itertuples():
                # the runs of a damaged batch are identified by its file name, kept in the runs table
                con.execute("DELETE FROM runs WHERE batch = ?", [row.file])
                con.execute("DELETE FROM batches WHERE file = ?", [row.file])
            con.execute("COMMIT")
        for row in bad.itertuples():
            for name in (row.file, row.series):
                if isinstance(name, str):
                    (self.batches / name).unlink(missing_ok=True)
        return int(bad["rows"].sum())

    def recover(self) -> tuple[list[str], list[str]]:
        """Clean up after a kill: drop ``*.tmp`` files, adopt complete but unindexed batches.

        Returns:
            (discarded temporary files, adopted batch files).

        Raises:
            StoreError: an unindexed batch file is corrupt or not a batch (named).

        """
        discarded = []
        for tmp in sorted(self.batches.glob("*.tmp")):
            tmp.unlink()
            discarded.append(tmp.name)
        rows = self.indexed()
        known = set(rows["file"]) | set(rows["series"].dropna())
        new = {}
        for path in sorted(self.batches.iterdir()):
            if path.name in known or path.name == ".lock":
                continue
            parts = path.name.split(".")
            if len(parts) != 4 or parts[1] not in ("runs", "series") or parts[3] != "parquet":
                raise StoreError(f"{path}: not a batch of this store; allowed in {self.batches}: "
                                 "files written by 'asocia sweep' (move it elsewhere)")
            new.setdefault(parts[0], {})[parts[1]] = path
        adopted = []
        for files in new.values():
            if "runs" not in files:  # series whose runs file never landed: the runs are redone
                files["series"].unlink()
                discarded.append(files["series"].name)
                continue
            for path in files.values():
                if not _sha256(path).startswith(path.name.split(".")[2]):
                    raise StoreError(f"{path}: corrupt (checksum differs from the one in its "
                                     "name); delete it to redo its runs")
            try:
                n = len(pd.read_parquet(files["runs"], columns=["point"]))
            except Exception as e:  # pyarrow raises several types for damaged files
                raise StoreError(f"{files['runs']}: unreadable batch ({type(e).__name__}); "
                                 "delete it to redo its runs") from None
            self._pending.append((files["runs"], files.get("series"), n))
            adopted.append(files["runs"].name)
        self.flush()
        return discarded, adopted

    def done(self) -> set[tuple[int, int]]:
        """(point, rep) of every stored run."""
        with self.connect(read_only=not self._lock) as con:
            if not _has_runs(con):
                return set()
            return {(int(p), int(r)) for p, r in con.execute("SELECT point, rep FROM runs").fetchall()}

    # --- reading --------------------------------------------------------------------------
    def runs(self) -> pd.DataFrame:
        """Every stored run (one row each), ordered by point and replication."""
        self.manifest()
        self.verify()
        with self.connect(read_only=not self._lock) as con:
            if not _has_runs(con):
                return pd.DataFrame(columns=["point", "rep", "seed"])
            return con.execute("SELECT * FROM runs ORDER BY point, rep").df()

    def design(self) -> pd.DataFrame:
        """The design points (coded x.<factor> columns and parameter values)."""
        path = self.folder / "design.parquet"
        try:
            return pd.read_parquet(path)
        except FileNotFoundError:
            raise StoreError(f"{path}: missing") from None
        except Exception as e:
            raise StoreError(f"{path}: unreadable Parquet ({type(e).__name__})") from None

    def series(self) -> pd.DataFrame:
        """Every stored per-step series row (empty when the experiment kept none)."""
        self.verify()
        files = sorted(self.batches.glob("*.series.*.parquet"))
        if not files:
            return pd.DataFrame()
        with self.connect(read_only=not self._lock) as con:
            glob = _sql_path(self.batches) + "/*.series.*.parquet"
            return con.execute(f"SELECT * FROM read_parquet('{glob}') ORDER BY point, rep, step").df()

    def refresh_views(self) -> None:
        """(Re)create the ``series`` view with this folder's absolute path (after a move)."""
        if not any(self.batches.glob("*.series.*.parquet")):
            return
        with self.connect() as con:
            glob = _sql_path(self.batches.resolve()) + "/*.series.*.parquet"
            con.execute(f"CREATE OR REPLACE VIEW series AS SELECT * FROM read_parquet('{glob}')")


def _has_runs(con) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_name = 'runs'").fetchone()[0])


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _stringify(df: pd.DataFrame) -> pd.DataFrame:
    """Columns that mix types (e.g. levels of a categorical factor) as strings, for Parquet."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object and len({type(v) for v in out[c]}) > 1:
            out[c] = out[c].astype(str)
    return out
