"""The tables of a run are built without pandas' checks; these tests hold them to what pandas would build.

``sim.model.recorder.frame`` builds a frame from typed arrays through pandas' block manager, the runs
row is typed value by value (``sim.results.run._row_frame``), the sentences are written from the
recorder's arrays and the outcomes read those arrays. Each is compared here, bit for bit, with the
plain pandas way it replaces, so a pandas upgrade that changes the internals fails here first.
"""

from __future__ import annotations

import glob
import math

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model import narrative, programme
from sim.model.agenda import AsociaModel
from sim.model.recorder import categorical, frame
from sim.results import run as run_mod

BASELINE = "scenarios/baseline.toml"


def _played(path=BASELINE, seed=3, steps=30, **over):
    sc = sim.load_scenario(path, over) if over else sim.load_scenario(path)
    model = AsociaModel(sc, seed=seed)
    for _ in range(steps):
        model.step()
    return sc, model


def _same(a: pd.DataFrame, b: pd.DataFrame):
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_column_type=True, check_index_type=True)
    assert list(a.dtypes) == list(b.dtypes)
    assert a.columns.dtype == b.columns.dtype
    for name in a.columns:
        assert type(a[name].array) is type(b[name].array), name
        if isinstance(a[name].dtype, pd.CategoricalDtype):
            assert a[name].cat.codes.dtype == b[name].cat.codes.dtype, name


def test_frame_builds_what_the_dataframe_constructor_builds():
    _, model = _played(**{"population.groups": 5})
    frames, columns = model.log.tables(run_id="baseline-3")
    assert set(columns) == {"steps", "firms", "events"}
    for name, cols in columns.items():
        assert cols is not None and len(next(iter(cols.values()))) > 0
        # the sentences stay Python objects (pandas would infer its str dtype from an object array)
        typed = {k: pd.Series(v, dtype=object) if v.dtype == object else v for k, v in cols.items()}
        _same(frame(cols), pd.DataFrame(typed, copy=False))
        # the run's table: the same columns after the run column df.insert adds
        plain = pd.DataFrame(typed, copy=False)
        plain.insert(0, "run", "baseline-3")
        _same(frames[name], plain)
    # the frames method (dashboards, batches) gives the same tables without the run column
    for name, df in model.log.frames().items():
        _same(df, frames[name].drop(columns="run"))


def test_categorical_is_from_codes():
    codes = np.array([0, 2, -1, 1, 2], np.int8)
    names = ("a", "b", "c")
    got, want = categorical(codes, names), pd.Categorical.from_codes(codes, list(names))
    pd.testing.assert_extension_array_equal(got, want)
    assert got.codes.dtype == want.codes.dtype and got.dtype == want.dtype


def test_empty_tables_keep_their_old_shape():
    sc = sim.load_scenario(BASELINE, {"run.firm_table": "off"})
    res = sim.run(sc, seed=2, steps=1)
    assert len(res.firms) == 0 and list(res.firms.columns)[0] == "run"
    assert res.firms.columns.tolist()[1:] == list(pd.DataFrame(columns=sim.model.recorder.FIRM_COLUMNS).columns)
    events = res.events
    assert events.columns.tolist()[-2:] == ["message", "message_es"]


@pytest.mark.parametrize("path", sorted(glob.glob("scenarios/*.toml")) + sorted(glob.glob("scenarios/lab/*.toml")))
def test_runs_row_and_outcomes_from_arrays_are_those_of_the_frames(path):
    sc, model = _played(path, seed=5, steps=20)
    run_id = f"{sc.meta.name}-5"
    frames, columns = model.log.tables(run_id=run_id)
    end = programme.planned_end(sc)
    from_arrays = run_mod._runs_dict(sc, 5, 20, run_mod._sources(frames, columns), end)
    from_frames = run_mod._runs_dict(sc, 5, 20, frames, end)
    assert list(from_arrays) == list(from_frames)
    for key, value in from_frames.items():
        got = from_arrays[key]
        assert type(got) is type(value), key
        assert got == value or (isinstance(value, float) and math.isnan(value) and math.isnan(got)), key
    _same(run_mod._row_frame(from_frames), pd.DataFrame([from_frames]))


def test_row_frame_leaves_other_values_to_pandas():
    row = {"a": 1.5, "b": 2, "c": True, "d": "x", "e": float("nan"), "f": "y"}
    _same(run_mod._row_frame(row), pd.DataFrame([row]))
    for odd in (None, np.float32(1.0), 2**70, [1, 2]):
        bad = {**row, "g": odd}
        _same(run_mod._row_frame(bad), pd.DataFrame([bad]))


def test_sentences_from_arrays_are_those_of_the_table():
    _, model = _played(**{"population.groups": 8}, steps=60)
    cols = model.log.events_columns()
    table = frame({k: v for k, v in cols.items() if not k.startswith("message")})
    assert len(table) > 50
    said = narrative.describe_all(table)
    assert cols["message"].tolist() == said["en"].tolist()
    assert cols["message_es"].tolist() == said["es"].tolist()
    assert cols["message"].tolist() == [narrative.sentence(r, "en") for r in table.to_dict("records")]


def test_sentences_number_groups_from_1_and_the_group_column_from_0():
    """Every sentence a person reads says "group 1" for the table's group 0 (as the dashboard's labels)."""
    _, model = _played(**{"population.groups": 3}, steps=40)
    table = model.log.events_frame()
    said = table[table["kind"].isin(["phase", "rules", "facilitator", "entry", "exit", "conflict"])]
    assert set(said["group"]) == {0, 1, 2}, set(said["group"])   # the column keeps the model's numbering
    rows = table.to_dict("records")
    for row, en, es in zip(rows, table["message"], table["message_es"], strict=True):
        if row["kind"] in ("phase", "rules", "facilitator", "entry", "exit", "conflict", "expulsion"):
            g = row["group"] + 1
            assert f"roup {g}" in en and f"grupo {g}" in es, (row, en, es)
            assert narrative.sentence(row, "en") == en and narrative.sentence(row, "es") == es
    assert not table.loc[table["group"] == 2, "message_es"].str.contains(r"grupo 2\b").any()


def test_firm_rows_across_chunks_and_released():
    from sim.model.recorder import firm_chunk

    sc = sim.load_scenario(BASELINE, {"population.groups": 4})
    model = AsociaModel(sc, seed=6)
    chunk = firm_chunk(model.G, model.C)
    assert chunk == 64 and firm_chunk(1000, 14) == 8 and firm_chunk(100_000, 14) == 1
    early = None
    for t in range(chunk + 6):
        model.step()
        if t == 9:
            early = model.log.firms_frame()
    whole = model.log.firms_frame()
    assert whole["step"].nunique() == chunk + 6 and whole["step"].is_monotonic_increasing
    _same(whole[whole["step"] < 10].reset_index(drop=True), early)
    # members only, each firm once per meeting, groups from their seats
    assert not whole.duplicated(["step", "firm"]).any()
    assert set(whole["group"]) == set(range(4))
    frames, _ = model.log.tables(run_id="x-6", release=True)
    _same(frames["firms"].drop(columns="run"), whole)
    assert model.log.firms_columns() is None      # handed over
