"""Stored results of a run: one folder with the four tables and the manifest that re-runs them.

Layout of a run folder::

    manifest.json        schema version, versions, the exact scenario (TOML), seed, steps, checksums
    scenario.toml        the scenario as run (``asocia run scenario.toml --seed N`` re-runs it)
    runs.parquet steps.parquet firms.parquet events.parquet   (and .csv copies on request)

Files are written to a temporary name and renamed, and the manifest is written last with a
SHA-256 of every table, so a killed write leaves no folder that looks complete, and a corrupt or
truncated table is reported by :func:`load_results` instead of being read silently.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd

from .scenario import ScenarioError

TABLES = ("runs", "steps", "firms", "events")


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


def save_results(results, out_dir, csv: bool = False) -> Path:
    """Write a Results object into ``out_dir`` (created if needed); returns the folder."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ResultsError(f"{out}: cannot create the results folder ({e.strerror or e})") from None
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
    manifest = dict(results.manifest, checksums=checksums)
    _atomic_write_bytes(manifest_path, json.dumps(manifest, indent=2, default=str).encode())
    return out


def load_results(folder):
    """Read a run folder back, checking the manifest and every table's checksum.

    Raises:
        ResultsError: the folder or a file is missing, or a table does not match its checksum.

    """
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

    from .scenario import from_dict

    path = Path(folder) / "scenario.toml"
    try:
        return from_dict(tomllib.loads(path.read_text()), origin=str(path))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no scenario stored with these results") from None
