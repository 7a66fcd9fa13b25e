"""Stored results: a run folder round-trips, and a missing, truncated or altered file is reported
as a ResultsError naming the file instead of being read silently."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import sim
from sim.model.scenario import ScenarioError
from sim.results import store
from sim.results.store import ResultsError, load_results, save_results, scenario_of

TABLES = ("runs", "steps", "firms", "events")


@pytest.fixture(scope="module")
def results(small):
    return sim.run(small, seed=4, steps=30)


@pytest.fixture
def saved(results, tmp_path):
    return save_results(results, tmp_path / "run")


def assert_round_trip(a: sim.Results, b: sim.Results) -> int:
    rows = 0
    for name in TABLES:
        x, y = getattr(a, name), getattr(b, name)
        # sentences come back as pandas' string dtype; their values must be identical
        text = [c for c in ("message", "message_es") if c in x.columns]
        pd.testing.assert_frame_equal(x.drop(columns=text), y.drop(columns=text), check_exact=True)
        for c in text:
            assert x[c].tolist() == y[c].tolist()
        rows += len(x)
    return rows


def test_save_and_load_round_trip(results, saved):
    assert sorted(p.name for p in saved.iterdir()) == sorted(
        [f"{n}.parquet" for n in TABLES] + ["manifest.json", "scenario.toml"]
    )
    back = load_results(saved)
    rows = assert_round_trip(results, back)
    assert rows == sum(len(getattr(results, n)) for n in TABLES) and len(back.steps) == 60
    # the stored manifest is the run's, with its checksums and a rerun that names this folder
    assert {k: v for k, v in back.manifest.items() if k not in ("checksums", "rerun")} == json.loads(
        json.dumps({k: v for k, v in results.manifest.items() if k != "rerun"}, default=str)
    )
    m = results.manifest
    assert back.manifest["rerun"] == (f"asocia run scenario.toml --seed {m['seed']} --steps {m['steps']} "
                                      f"--out ../{saved.resolve().name}-rerun")
    # the stored scenario is the scenario that ran
    assert scenario_of(saved) == sim.load_scenario(saved / "scenario.toml")
    assert scenario_of(saved).flat() == {k: results.runs[k].iloc[0] for k in scenario_of(saved).flat()}


def test_results_save_writes_csv_copies(results, tmp_path):
    out = results.save(tmp_path / "csv", csv=True)
    for name in TABLES:
        assert len(pd.read_csv(out / f"{name}.csv")) == len(getattr(results, name))


def test_saving_again_replaces_the_folder_cleanly(results, small, saved):
    other = sim.run(small, seed=5, steps=10)
    save_results(other, saved)
    assert not list(saved.glob("*.tmp"))
    back = load_results(saved)
    assert back.manifest["seed"] == 5 and len(back.steps) == 20


def test_an_interrupted_save_leaves_no_folder_that_looks_complete(results, small, saved, monkeypatch):
    real = store.write_table

    def dies_on_firms(df, path):
        if path.name == "firms.parquet":
            raise KeyboardInterrupt
        real(df, path)

    monkeypatch.setattr(store, "write_table", dies_on_firms)
    with pytest.raises(KeyboardInterrupt):
        save_results(sim.run(small, seed=6, steps=5), saved)
    with pytest.raises(ResultsError, match="manifest.json: missing"):
        load_results(saved)


def test_truncated_table_is_named(saved):
    path = saved / "steps.parquet"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ResultsError) as info:
        load_results(saved)
    assert str(path) in str(info.value) and "corrupt" in str(info.value)


def test_altered_table_is_named(saved):
    path = saved / "firms.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ResultsError, match=f"^{path}: corrupt"):
        load_results(saved)


def test_a_table_swapped_for_another_valid_one_is_caught(results, saved):
    # a valid Parquet file that is not the one the manifest recorded
    results.steps.head(3).to_parquet(saved / "steps.parquet", index=False)
    with pytest.raises(ResultsError, match="steps.parquet: corrupt"):
        load_results(saved)


def test_truncated_table_without_checksum_is_still_refused(saved):
    manifest = json.loads((saved / "manifest.json").read_text())
    del manifest["checksums"]
    (saved / "manifest.json").write_text(json.dumps(manifest))
    path = saved / "events.parquet"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ResultsError, match=f"^{path}: unreadable Parquet"):
        load_results(saved)


def test_missing_manifest_is_named(saved):
    (saved / "manifest.json").unlink()
    with pytest.raises(ResultsError, match="manifest.json: missing"):
        load_results(saved)


def test_corrupt_manifest_is_named(saved):
    (saved / "manifest.json").write_text('{"seed": 4, ')
    with pytest.raises(ResultsError, match="manifest.json: corrupt manifest"):
        load_results(saved)


def test_missing_table_is_named(saved):
    (saved / "events.parquet").unlink()
    with pytest.raises(ResultsError, match="events.parquet: missing table"):
        load_results(saved)


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(ResultsError, match="no such results folder"):
        load_results(tmp_path / "nothing")


def test_missing_stored_scenario_is_a_scenario_error(saved):
    (saved / "scenario.toml").unlink()
    with pytest.raises(ScenarioError, match="scenario.toml: no scenario stored"):
        scenario_of(saved)


def test_errors_are_one_line_messages(saved):
    (saved / "runs.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ResultsError) as info:
        load_results(saved)
    assert "\n" not in str(info.value) and isinstance(info.value, ValueError)
