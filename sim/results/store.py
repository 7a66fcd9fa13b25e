"""Stored results of a run: one folder with the four tables and the manifest that re-runs them.

Layout of a run folder::

    manifest.json        schema version, versions, the exact scenario (TOML), seed, steps, checksums
    scenario.toml        the scenario as run (the manifest's ``rerun``, typed in the folder, re-runs it
                         into ``../<folder>-rerun``)
    runs.parquet steps.parquet firms.parquet events.parquet   (and .csv copies on request)

Files are written to a temporary name and renamed, and the manifest is written last with a
SHA-256 of every table, so a killed write leaves no folder that looks complete, and a corrupt or
truncated table is reported by :func:`load_results` instead of being read silently.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from ..model.scenario import ScenarioError

if TYPE_CHECKING:
    import pandas as pd

TABLES = ("runs", "steps", "firms", "events")
# every file a run folder holds; a folder holding anything else is not a run folder
RUN_FILES = frozenset({f"{t}.{ext}" for t in TABLES for ext in ("parquet", "csv")}
                      | {"manifest.json", "scenario.toml"})
# what re-runs a run: two runs with the same values write the same tables
RUN_IDENTITY = ("scenario_toml", "seed", "steps")


class ResultsError(ValueError):
    """A results folder that is missing, incomplete or corrupt; the message names the file."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_table(df: pd.DataFrame, path: Path) -> None:
    """Write one table as Parquet atomically (temporary file, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def check_run_folder(out, manifest: dict, force: bool = False) -> None:
    """Refuse to write a run into a folder where results would be lost or mixed.

    Allowed: a new or empty folder, a folder left by an interrupted save, or a run folder of the
    same run (same scenario, seed and meetings: re-running writes the same tables). A run folder
    of another run is replaced only with ``force``; a sweep store, a file or a folder holding
    other files never.

    Args:
        out: the folder the run would be written to.
        manifest: the new run's manifest (its ``RUN_IDENTITY`` fields are compared).
        force: replace a run folder of another run.

    Raises:
        ResultsError: naming the folder, what it holds and what is allowed.

    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ResultsError(f"{out}: a file, not a folder; allowed: --out a new folder or a run folder")
    if not out.is_dir():
        return
    try:
        names = sorted(p.name for p in out.iterdir())
    except OSError as e:
        raise ResultsError(f"{out}: cannot read the folder ({e.strerror or e})") from None
    foreign = [n for n in names if n not in RUN_FILES and not n.endswith(".tmp")]
    if {"batches", "index.duckdb"} & set(foreign):
        raise ResultsError(f"{out}: a sweep store ('asocia sweep'), not a run folder; allowed: --out a "
                           "new folder or a run folder")
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise ResultsError(f"{out}: holds files that are not a run's results ({foreign[0]!r}{more}); "
                           "allowed: --out a new or empty folder, or a run folder")
    path = out / "manifest.json"
    if not path.exists():
        return   # tables without a manifest: a save that was interrupted
    try:
        old = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, OSError):
        old = None
    if not isinstance(old, dict) or old.get("kind") != "run":
        if not force:
            raise ResultsError(f"{path}: not a run's manifest; allowed: --out a new folder, or --force "
                               "to replace this folder's run files")
        return
    if force or all(old.get(k) == manifest.get(k) for k in RUN_IDENTITY):
        return
    raise ResultsError(f"{out}: holds another run (scenario '{old.get('scenario_name')}' from "
                       f"{old.get('scenario_source')}, seed {old.get('seed')}, {old.get('steps')} "
                       "meetings); allowed: --out another folder, or --force to replace it")


def save_results(results, out_dir, csv: bool = False) -> Path:
    """Write a Results object into ``out_dir`` (created if needed); returns the folder.

    The folder ends holding only this run's files: copies of an earlier run that this save does
    not write (CSV copies when ``csv`` is off) are removed. Call :func:`check_run_folder` first.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ResultsError(f"{out}: cannot create the results folder ({e.strerror or e})") from None
    try:
        _write_run(results, out, csv)
    except OSError as e:   # a full disk, a read-only folder: the folder is left without a manifest
        raise ResultsError(f"{out}: cannot write the results ({e.strerror or e}); the folder is "
                           "incomplete (no manifest.json)") from None
    return out


def _write_run(results, out: Path, csv: bool) -> None:
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        manifest_path.unlink()  # the folder is incomplete until the new manifest is written
    checksums = {}
    for name in TABLES:
        df = getattr(results, name)
        path = out / f"{name}.parquet"
        write_table(df, path)
        checksums[f"{name}.parquet"] = _sha256(path)
        if csv:
            df.to_csv(out / f"{name}.csv", index=False)
    toml = results.manifest.get("scenario_toml")
    if toml:
        _atomic_write_bytes(out / "scenario.toml", toml.encode())
    if not csv:
        for name in TABLES:   # an earlier run's copies would not match these tables
            (out / f"{name}.csv").unlink(missing_ok=True)
    manifest = dict(results.manifest, checksums=checksums)
    if manifest.get("kind") == "run" and "seed" in manifest and "steps" in manifest:
        # typed in this folder, next to scenario.toml: the copy goes beside the folder, never into it
        # (a results/ folder inside would make the folder refuse its own run's next save)
        beside = shlex.quote(f"../{out.resolve().name}-rerun")
        manifest["rerun"] = (f"asocia run scenario.toml --seed {int(manifest['seed'])} "
                             f"--steps {int(manifest['steps'])} --out {beside}")
    _atomic_write_bytes(manifest_path, json.dumps(manifest, indent=2, default=str).encode())


def load_results(folder):
    """Read a run folder back, checking the manifest and every table's checksum.

    Raises:
        ResultsError: the folder or a file is missing, or a table does not match its checksum.

    """
    import pandas as pd

    from .run import Results

    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not folder.is_dir():
        raise ResultsError(f"{folder}: no such results folder")
    if not manifest_path.exists():
        raise ResultsError(f"{manifest_path}: missing; the run was interrupted before it finished "
                           "writing (re-run it)")
    try:
        manifest = json.loads(manifest_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ResultsError(f"{manifest_path}: corrupt manifest ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("kind", "run") != "run":
        raise ResultsError(f"{manifest_path}: not a run's manifest; allowed: a folder written by "
                           "'asocia run'")
    tables = {}
    for name in TABLES:
        path = folder / f"{name}.parquet"
        if not path.exists():
            raise ResultsError(f"{path}: missing table")
        want = manifest.get("checksums", {}).get(path.name)
        if want and _sha256(path) != want:
            raise ResultsError(f"{path}: corrupt (checksum differs from {manifest_path.name}); re-run it")
        try:
            tables[name] = pd.read_parquet(path)
        except Exception as e:  # pyarrow raises several types for damaged files
            raise ResultsError(f"{path}: unreadable Parquet ({type(e).__name__})") from None
    return Results(**tables, manifest=manifest)


def scenario_of(folder):
    """The scenario stored with a run folder (to re-run it)."""
    import tomllib

    from ..model.scenario import from_dict

    path = Path(folder) / "scenario.toml"
    try:
        return from_dict(tomllib.loads(path.read_text()), origin=str(path))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no scenario stored with these results") from None
