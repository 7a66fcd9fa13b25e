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
the checksum in their name and the design, and adopted on resume). A batch whose bytes do not
match its checksum, or that is missing, is reported as :class:`StoreError` (a ResultsError)
naming the file, never read.

What is read is verified (issue 16.3). Analyses read runs from the checksummed Parquet batches,
never from the index alone, and refuse an index whose ``runs`` table differs from them; every
run must be a (point, replication) of the design, stored once, with its seed. The manifest's key
fields (experiment, design, replications, seeds, outcomes) and the SHA-256 of ``design.parquet``
are sealed by a SHA-256 in the manifest, so a hand edit is refused instead of read. A lost or
damaged index is rebuilt from the batches by :meth:`SweepStore.rebuild_index` (``asocia repair
DIR`` or ``asocia sweep --redo-damaged``). DuckDB never reads a path of the store (it would
expand ``*``, ``?`` and ``[`` as a glob): tables are read by pyarrow and handed to DuckDB.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..results.store import ResultsError, _atomic_write_bytes, _sha256

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = 2  # 2: sealed manifest, design checksum
MANIFEST = "manifest.json"
# the manifest fields that decide what the stored runs mean; sealed by "seal" (a SHA-256)
SEALED = ("schema_version", "kind", "fingerprint", "experiment_name", "experiment_text", "design",
          "factors", "points", "problem", "second_order", "levels", "samples", "replications",
          "root_seed", "seeding", "steps", "outcomes", "series", "discovery", "design_sha256")
# what a store folder holds; a folder with anything else is not a store
STORE_FILES = {MANIFEST, "batches", ".lock", "design.parquet", "base_scenario.toml", "experiment.toml",
               "index.duckdb", "index.duckdb.wal"}
STORE_OUTPUTS = ("sensitivity", "report")   # sensitivity.csv, report.html...: written on request
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
        """Create a store for ``experiment`` or open the one already there (checking it matches).

        Raises:
            StoreError: the folder belongs to another experiment, is not a sweep store (a run's
                folder, other files), or its path cannot be used (a ``?``, which DuckDB reads
                as connection options).

        """
        import pandas as pd

        store = cls(folder)
        if "?" in str(store.folder.resolve()):
            raise StoreError(f"{store.folder}: a store path cannot hold '?' (DuckDB reads it as "
                             "connection options); allowed: a folder path without '?'")
        store._refuse_foreign()
        try:
            store.folder.mkdir(parents=True, exist_ok=True)
            store.batches.mkdir(exist_ok=True)
        except OSError as e:
            raise StoreError(f"{store.folder}: cannot create the sweep folder ({e.strerror or e})") from None
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
        from ..results.environment import versions
        from ..results.seeds import replication_seeds

        design = pd.DataFrame(plan.X, columns=[f"x.{f.key}" for f in experiment.factors])
        design.insert(0, "point", range(len(plan.X)))
        for f in experiment.factors:
            design[f.key] = [v[f.key] for v in plan.values]
        design_sha = _write_parquet(_stringify(design), store.folder / "design.parquet")
        _atomic_write_bytes(store.folder / "base_scenario.toml", experiment.base.to_toml().encode())
        _atomic_write_bytes(store.folder / "experiment.toml", experiment.normalized_toml().encode())
        (store.folder / INDEX).unlink(missing_ok=True)   # a creation killed before its manifest
        store._new_index(store.folder / INDEX, pd.read_parquet(store.folder / "design.parquet"))
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
            "design_sha256": design_sha,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "rerun": f"asocia sweep {store.folder}/experiment.toml --out {store.folder}",
        }
        store.write_manifest(info)
        return store

    def _refuse_foreign(self) -> None:
        """Refuse a folder that is not a sweep store: a run's results, or other files."""
        if self.folder.exists() and not self.folder.is_dir():
            raise StoreError(f"{self.folder}: a file, not a folder; allowed: a sweep folder or a new path")
        if not self.folder.is_dir():
            return
        path = self.folder / MANIFEST
        if path.exists():
            try:
                kind = json.loads(path.read_text()).get("kind")
            except (json.JSONDecodeError, UnicodeDecodeError, AttributeError, OSError):
                kind = None   # manifest() names the problem
            if kind == "run":
                raise StoreError(f"{self.folder}: holds the results of 'asocia run', not a sweep store; "
                                 "allowed: a new folder, or a sweep folder of the same experiment")
            return
        others = sorted(p.name for p in self.folder.iterdir() if p.name not in STORE_FILES
                        and not p.name.endswith(".tmp") and not p.name.startswith(STORE_OUTPUTS))
        if others:
            raise StoreError(f"{self.folder}: not empty and not a sweep store (holds {others[0]!r}"
                             f"{f' and {len(others) - 1} more' if len(others) > 1 else ''}); allowed: "
                             "a new or empty folder, or a sweep folder")
        if self.batches.is_dir() and any(self.batches.glob("*.parquet")):
            raise StoreError(f"{self.folder / MANIFEST}: missing, yet batches/ holds runs; allowed: "
                             "restore manifest.json, or sweep into a new folder")

    def _new_index(self, path: Path, design: pd.DataFrame, batches=None, runs=None) -> None:
        """Write a fresh index at ``path``: tables batches, design and (when given) runs."""
        import duckdb

        with duckdb.connect(str(path)) as con:
            con.execute("CREATE TABLE batches (file VARCHAR PRIMARY KEY, series VARCHAR, "
                        "sha256 VARCHAR, series_sha256 VARCHAR, rows INTEGER, written DOUBLE)")
            con.register("design_df", design)
            con.execute("CREATE TABLE design AS SELECT * FROM design_df")
            if batches is not None and len(batches):
                con.register("batches_df", batches)
                con.execute("INSERT INTO batches SELECT file, series, sha256, series_sha256, rows, "
                            "written FROM batches_df")
            if runs is not None and len(runs):
                con.register("runs_df", runs)
                con.execute("CREATE TABLE runs AS SELECT * FROM runs_df")

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
        """The manifest, its seal checked (raises StoreError when it is not a sweep store's)."""
        path = self.folder / MANIFEST
        if not self.folder.is_dir():
            raise StoreError(f"{self.folder}: no such sweep folder")
        if not path.exists():
            raise StoreError(f"{path}: missing; allowed: a folder written by 'asocia sweep'")
        try:
            info = json.loads(path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise StoreError(f"{path}: corrupt manifest ({e})") from None
        except OSError as e:
            raise StoreError(f"{path}: cannot read ({e.strerror or e})") from None
        if not isinstance(info, dict) or info.get("kind") not in ("sweep", None):
            what = "a run's manifest ('asocia run')" if isinstance(info, dict) else "not a manifest"
            raise StoreError(f"{path}: {what}; allowed: a folder written by 'asocia sweep'")
        if not isinstance(info.get("schema_version"), int) or info["schema_version"] < 2:
            if "experiment_name" not in info:
                raise StoreError(f"{path}: not a sweep manifest; allowed: a folder written by 'asocia sweep'")
            return info   # written before manifests were sealed: read as it is
        if info.get("seal") != _seal(info):
            raise StoreError(f"{path}: key fields were edited (experiment, design, points, replications, "
                             "seeds or outcomes no longer match their seal); allowed: the manifest as "
                             "'asocia sweep' wrote it (restore it, or sweep again into a new folder)")
        return info

    def write_manifest(self, info: dict[str, Any]) -> None:
        """Replace the manifest atomically, sealing its key fields (see ``SEALED``)."""
        info = json.loads(json.dumps(info, default=str))
        info["seal"] = _seal(info)
        _atomic_write_bytes(self.folder / MANIFEST, json.dumps(info, indent=2).encode())

    def connect(self, read_only: bool = False, tries: int = 50):
        """A DuckDB connection to the index (retried briefly while a sweep holds it)."""
        import duckdb

        path = self.folder / INDEX
        if read_only and not path.exists():
            self.manifest()   # not a store at all: say so
            raise StoreError(f"{path}: missing; {self._repair_hint()}")
        for i in range(tries):
            try:
                return duckdb.connect(str(path), read_only=read_only)
            except duckdb.IOException as e:  # the writer holds the file lock: retry shortly
                if "lock" not in str(e).lower() or i == tries - 1:
                    raise StoreError(f"{path}: cannot open the index ({_first_line(e)}); "
                                     f"{self._repair_hint()}") from None
                time.sleep(0.1)
            except duckdb.Error as e:
                raise StoreError(f"{path}: cannot open the index ({type(e).__name__}: {_first_line(e)}); "
                                 f"{self._repair_hint()}") from None

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
            self._index(con, self._pending)
            con.execute("COMMIT")
        self._pending.clear()
        self._flushed = time.monotonic()
        return True

    def _index(self, con, pending) -> None:
        """Add batches (``(runs file, series file, rows)``) to the index's tables, in this order.

        Each batch's runs are read back from its Parquet file; consecutive batches with the same
        columns and types (those of one experiment) are added to the runs table in one insert
        (DuckDB's cost is mostly per insert and column: 8 batches of 125 runs cost 0.37 CPU-s one
        by one, 0.21 together), the same rows in the same order.
        """
        import pandas as pd

        frames = []
        for runs_file, series_file, rows in pending:
            con.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?)",
                        [runs_file.name, series_file.name if series_file else None,
                         _sha256(runs_file), _sha256(series_file) if series_file else None, rows,
                         time.time()])
            df = pd.read_parquet(runs_file)   # never read_parquet(path) in DuckDB: paths may hold globs
            df["batch"] = runs_file.name
            if frames and not (list(df.columns) == list(frames[-1].columns)
                               and df.dtypes.equals(frames[-1].dtypes)):
                self._insert_runs(con, frames)
                frames = []
            frames.append(df)
        if frames:
            self._insert_runs(con, frames)

    @staticmethod
    def _insert_runs(con, frames) -> None:
        import pandas as pd

        df = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        con.register("batch_df", df)
        if _has_runs(con):
            con.execute("INSERT INTO runs BY NAME SELECT * FROM batch_df")
        else:
            con.execute("CREATE TABLE runs AS SELECT * FROM batch_df")
        con.unregister("batch_df")

    # --- checking and resuming ------------------------------------------------------------
    def indexed(self) -> pd.DataFrame:
        """The batches table of the index (StoreError when the index cannot be read)."""
        import duckdb

        with self.connect(read_only=not self._lock) as con:
            try:
                return con.execute("SELECT * FROM batches ORDER BY file").df()
            except duckdb.Error as e:
                raise StoreError(f"{self.folder / INDEX}: damaged index ({type(e).__name__}); "
                                 f"{self._repair_hint()}") from None

    def _repair_hint(self) -> str:
        return (f"rebuild it from the batches with 'asocia repair {self.folder}' (or 'asocia sweep "
                "... --redo-damaged')")

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

    def index_problem(self) -> str | None:
        """What is wrong with the index itself (unreadable, or its runs differ from the batches)."""
        path = self.folder / INDEX
        if not path.exists():
            return f"{path}: missing"
        try:
            rows = self.indexed()
            if self.check():
                return None   # damaged batches are reported (and dropped) on their own
            truth = self._read_batches(rows)
            with self.connect(read_only=not self._lock) as con:
                return _differs(con, truth, path)
        except StoreError as e:
            return str(e).split("; rebuild")[0]

    def drop(self, damage: list[Damage]) -> int:
        """Remove damaged batches from the index and the disk; returns runs to redo."""
        names = {Path(d.file).name for d in damage}
        rows = self.indexed()
        bad = rows[rows["file"].isin(names) | rows["series"].isin(names)]
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            for row in bad.itertuples():
                # the runs of a damaged batch are identified by its file name, kept in the runs table
                if _has_runs(con):
                    con.execute("DELETE FROM runs WHERE batch = ?", [row.file])
                con.execute("DELETE FROM batches WHERE file = ?", [row.file])
            con.execute("COMMIT")
        for row in bad.itertuples():
            for name in (row.file, row.series):
                if isinstance(name, str):
                    (self.batches / name).unlink(missing_ok=True)
        return int(bad["rows"].sum())

    def _unindexed(self, known: set[str]) -> dict[str, dict[str, Path]]:
        """Complete batch files in batches/ that the index does not list, by batch stem."""
        new: dict[str, dict[str, Path]] = {}
        for path in sorted(self.batches.iterdir()):
            if path.name in known or path.name == ".lock":
                continue
            parts = path.name.split(".")
            if len(parts) != 4 or parts[1] not in ("runs", "series") or parts[3] != "parquet":
                raise StoreError(f"{path}: not a batch of this store; allowed in {self.batches}: "
                                 "files written by 'asocia sweep' (move it elsewhere)")
            new.setdefault(parts[0], {})[parts[1]] = path
        return new

    def _admit(self, files: dict[str, Path], seen: dict, man: dict) -> int:
        """Check an unindexed batch against its name's checksum and the design; returns its rows.

        ``seen`` maps every (point, rep) already stored to its batch file, and gains this batch's.
        """
        import pandas as pd

        for path in files.values():
            if not _sha256(path).startswith(path.name.split(".")[2]):
                raise StoreError(f"{path}: corrupt (checksum differs from the one in its "
                                 "name); delete it to redo its runs")
        try:
            runs = pd.read_parquet(files["runs"], columns=["point", "rep", "seed"])
        except Exception as e:  # pyarrow raises several types for damaged files
            raise StoreError(f"{files['runs']}: unreadable batch ({type(e).__name__}); "
                             "delete it to redo its runs") from None
        _check_runs(runs, man, files["runs"].name, seen)
        return len(runs)

    def recover(self) -> tuple[list[str], list[str]]:
        """Clean up after a kill: drop ``*.tmp`` files, adopt complete but unindexed batches.

        An unindexed batch is adopted only when its bytes match the checksum in its name and
        its runs are (point, replication, seed) of the design not stored in another batch: a
        copy of a batch is refused, never counted twice.

        Returns:
            (discarded temporary files, adopted batch files).

        Raises:
            StoreError: an unindexed batch file is corrupt, not a batch, or holds runs that are
                not the design's or already stored (named).

        """
        discarded = []
        for tmp in sorted(self.batches.glob("*.tmp")):
            tmp.unlink()
            discarded.append(tmp.name)
        rows = self.indexed()
        known = set(rows["file"]) | set(rows["series"].dropna())
        new = self._unindexed(known)
        man = self.manifest()
        seen = {} if not new else _seen(self._read_batches(rows, columns=["point", "rep", "seed"]))
        adopted = []
        for files in new.values():
            if "runs" not in files:  # series whose runs file never landed: the runs are redone
                files["series"].unlink()
                discarded.append(files["series"].name)
                continue
            n = self._admit(files, seen, man)
            self._pending.append((files["runs"], files.get("series"), n))
            adopted.append(files["runs"].name)
        self.flush()
        return discarded, adopted

    def done(self) -> set[tuple[int, int]]:
        """(point, rep) of every stored run, from the indexed batches themselves."""
        runs = self._read_batches(self.indexed(), columns=["point", "rep"])
        return {(int(p), int(r)) for p, r in zip(runs["point"], runs["rep"], strict=True)}

    def rebuild_index(self) -> tuple[int, int, list[str]]:
        """Write a new index from the Parquet batches (the index is only a cache of them).

        Every ``*.runs.*.parquet`` file whose bytes match the checksum in its name, with its
        series file when the experiment keeps series, is checked against the design and indexed;
        damaged or incomplete batches are deleted (their runs are redone by the next sweep).

        Returns:
            (batches indexed, runs indexed, files deleted).

        Raises:
            StoreError: two batches hold the same run, or a batch holds runs not in the design.

        """
        import pandas as pd

        man = self.manifest()
        design = self.design()
        for tmp in self.batches.glob("*.tmp"):
            tmp.unlink()
        groups = self._unindexed(set())
        keep_series = bool(man.get("series"))
        rows, frames, dropped, seen = [], [], [], {}
        for stem in sorted(groups):
            files = groups[stem]
            ok = "runs" in files and (not keep_series or "series" in files)
            try:
                if ok:
                    n = self._admit(files, seen, man)
            except StoreError as e:
                if "corrupt" not in str(e) and "unreadable" not in str(e):
                    raise
                ok = False
            if not ok:
                for path in files.values():
                    path.unlink()
                    dropped.append(path.name)
                continue
            df = pd.read_parquet(files["runs"])
            df["batch"] = files["runs"].name
            frames.append(df)
            series = files.get("series")
            rows.append({"file": files["runs"].name, "series": series.name if series else None,
                         "sha256": _sha256(files["runs"]), "series_sha256": _sha256(series) if series else None,
                         "rows": n, "written": files["runs"].stat().st_mtime})
        batches = pd.DataFrame(rows, columns=["file", "series", "sha256", "series_sha256", "rows", "written"])
        runs = pd.concat(frames, ignore_index=True) if frames else None
        path = self.folder / INDEX
        tmp = path.with_name(INDEX + ".new")
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        self._new_index(tmp, design, batches, runs)
        path.with_name(INDEX + ".wal").unlink(missing_ok=True)
        os.replace(tmp, path)
        self.refresh_views()
        return len(batches), int(batches["rows"].sum()) if len(batches) else 0, dropped

    # --- reading --------------------------------------------------------------------------
    def _read_batches(self, rows: pd.DataFrame, columns=None) -> pd.DataFrame:
        """The runs of the indexed batches ``rows``, read from their Parquet files."""
        import pandas as pd

        frames = []
        for row in rows.itertuples():
            path = self.batches / row.file
            try:
                df = pd.read_parquet(path, columns=columns)
            except Exception as e:  # pyarrow raises several types for damaged files
                raise StoreError(f"{path}: unreadable batch ({type(e).__name__}); re-run the sweep "
                                 "with --redo-damaged to drop and redo its runs") from None
            if len(df) != int(row.rows):
                raise StoreError(f"{path}: holds {len(df)} runs, the index says {int(row.rows)}; "
                                 f"{self._repair_hint()}")
            if columns is None:
                df["batch"] = row.file
            frames.append(df)
        if not frames:
            return pd.DataFrame(columns=columns or ["point", "rep", "seed"])
        return pd.concat(frames, ignore_index=True)

    def runs(self) -> pd.DataFrame:
        """Every stored run (one row each), ordered by point and replication.

        Read from the checksummed batches; each run is checked against the design (point,
        replication, seed, stored once), and the index's ``runs`` table must equal them.
        """
        import pandas as pd

        man = self.manifest()
        self.design()
        self.verify()
        rows = self.indexed()
        runs = self._read_batches(rows)
        _check_runs(runs, man, "the index", {}, seeds=False)
        with self.connect(read_only=not self._lock) as con:
            problem = _differs(con, runs, self.folder / INDEX)
        if problem:
            raise StoreError(f"{problem}; {self._repair_hint()}")
        if not len(runs):
            return pd.DataFrame(columns=["point", "rep", "seed"])
        return runs.sort_values(["point", "rep"], kind="stable").reset_index(drop=True)

    def design(self) -> pd.DataFrame:
        """The design points (coded x.<factor> columns and parameter values), checksum checked."""
        import pandas as pd

        path = self.folder / "design.parquet"
        if not path.exists():
            raise StoreError(f"{path}: missing")
        want = self.manifest().get("design_sha256")
        if want and _sha256(path) != want:
            raise StoreError(f"{path}: edited or damaged (checksum differs from {MANIFEST}); allowed: "
                             "the design 'asocia sweep' wrote (restore it, or sweep into a new folder)")
        try:
            return pd.read_parquet(path)
        except Exception as e:
            raise StoreError(f"{path}: unreadable Parquet ({type(e).__name__})") from None

    def series(self) -> pd.DataFrame:
        """Every stored per-step series row (empty when the experiment kept none)."""
        import pandas as pd

        self.verify()
        names = [s for s in self.indexed()["series"] if isinstance(s, str)]
        if not names:
            return pd.DataFrame()
        frames = [pd.read_parquet(self.batches / n) for n in names]
        out = pd.concat(frames, ignore_index=True)
        keys = [k for k in ("point", "rep", "step", "group") if k in out.columns]   # group: when kept per group
        return out.sort_values(keys, kind="stable").reset_index(drop=True)

    def columns(self) -> dict[str, list[str]]:
        """The columns of :meth:`runs`, :meth:`design` and :meth:`series`, from the files' schemas.

        Reads only the Parquet footers (no rows, no checks): for a writer that has just written
        and indexed the batches (the data dictionary at the end of a sweep).
        """
        import pyarrow.parquet as pq

        rows = self.indexed()

        def union(files, extra=()):
            out: dict[str, None] = {}
            for name in files:
                out.update(dict.fromkeys(pq.read_schema(self.batches / name).names))
                out.update(dict.fromkeys(extra))
            return list(out)

        runs = union(rows["file"], ["batch"]) if len(rows) else ["point", "rep", "seed"]
        series = union([s for s in rows["series"] if isinstance(s, str)])
        return {"runs": runs, "design": pq.read_schema(self.folder / "design.parquet").names, "series": series}

    def refresh_views(self) -> None:
        """(Re)create the ``series`` view with this folder's absolute path (after a move).

        DuckDB expands ``*``, ``?``, ``[`` and ``{`` in a path as a glob, so under a path that
        holds one of them there is no view (``SweepStore.series()`` still reads the series).
        """
        if not any(self.batches.glob("*.series.*.parquet")):
            return
        with self.connect() as con:
            where = self.batches.resolve()
            if any(c in str(where) for c in "*?[]{}"):
                con.execute("DROP VIEW IF EXISTS series")
                return
            glob = _sql_path(where) + "/*.series.*.parquet"
            con.execute(f"CREATE OR REPLACE VIEW series AS SELECT * FROM read_parquet('{glob}')")


def _seal(info: dict[str, Any]) -> str:
    """SHA-256 of the manifest's key fields (as JSON, keys sorted)."""
    key = {k: info.get(k) for k in SEALED}
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def _expected_seeds(man: dict[str, Any]):
    """Seed of each replication under common seeds (None when seeds are independent)."""
    if man.get("seeding") != "common":
        return None
    from ..results.seeds import replication_seeds

    return replication_seeds(int(man["root_seed"]), int(man["replications"]))


def _seen(runs: pd.DataFrame) -> dict:
    return {(int(p), int(r)): "an indexed batch" for p, r in zip(runs["point"], runs["rep"], strict=True)}


def _check_runs(runs: pd.DataFrame, man: dict[str, Any], where: str, seen: dict, seeds: bool = True) -> None:
    """Every run a (point, rep) of the design, none stored twice (``seen`` grows).

    With ``seeds``, each run's seed must also be the design's (checked for a batch the store
    did not write in this session: an adopted or re-indexed one).
    """
    if not len(runs):
        return
    points, reps = int(man.get("points", 0)), int(man.get("replications", 0))
    seeds = _expected_seeds(man) if seeds else None
    files = runs["batch"] if "batch" in runs.columns else [where] * len(runs)
    for p, r, seed, file in zip(runs["point"], runs["rep"], runs["seed"], files, strict=True):
        p, r = int(p), int(r)
        if not (0 <= p < points and 0 <= r < reps):
            raise StoreError(f"{file}: holds run (point {p}, rep {r}), outside the design ({points} points x "
                             f"{reps} replications); allowed: runs of this experiment (delete the file)")
        if seeds is not None and int(seed) != seeds[r]:
            raise StoreError(f"{file}: run (point {p}, rep {r}) has seed {int(seed)}, the design says "
                             f"{seeds[r]}; allowed: runs of this experiment (delete the file)")
        if (p, r) in seen:
            raise StoreError(f"{file}: holds run (point {p}, rep {r}), already stored in {seen[(p, r)]}; "
                             "allowed: each run once (delete the copy)")
        seen[(p, r)] = file


def _differs(con, truth: pd.DataFrame, path: Path) -> str | None:
    """Why the index's runs table differs from the batches' runs (None when it equals them)."""
    if not _has_runs(con):
        return None if not len(truth) else f"{path}: its runs table is missing"
    n = con.execute("SELECT count(*) FROM runs").fetchall()[0][0]
    if n != len(truth):
        return f"{path}: its runs table holds {n} runs, the batches {len(truth)}"
    if not len(truth):
        return None
    cols = ", ".join('"' + c.replace('"', '""') + '"' for c in truth.columns)
    try:
        con.register("truth_df", truth)
        extra = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM runs EXCEPT ALL "
                            f"SELECT {cols} FROM truth_df)").fetchall()[0][0]
    except Exception as e:
        import duckdb

        if isinstance(e, duckdb.OutOfMemoryException):   # the machine's trouble, not the index's
            raise StoreError(f"{path}: DuckDB ran out of memory comparing the runs table with the batches "
                             f"({_first_line(e)}); nothing was changed; allowed: run again with more memory "
                             "free (or a higher memory limit for the process)") from None
        # a column dropped or retyped in the index
        return f"{path}: its runs table does not match the batches ({type(e).__name__})"
    finally:
        with contextlib.suppress(Exception):
            con.unregister("truth_df")
    if extra:
        return f"{path}: {extra} rows of its runs table differ from the checksummed batches (edited?)"
    return None


def _first_line(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return text[0][:200] if text else type(e).__name__


def _has_runs(con) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_name = 'runs'").fetchall()[0][0])


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _stringify(df: pd.DataFrame) -> pd.DataFrame:
    """Columns that mix types (e.g. levels of a categorical factor) as strings, for Parquet."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object and len({type(v) for v in out[c]}) > 1:
            out[c] = out[c].astype(str)
    return out
