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


def test_rows_frame_of_a_batch_is_the_constructors():
    sc = sim.load_scenario(BASELINE)
    points = [sc, sc.replace({"facilitator.exit_at": 40}), sc]
    rows = sim.run_batch(points, [4, 5, 6], steps=10, tables=("runs", "steps"))[0]._batch.rows
    _same(run_mod._rows_frame(rows), pd.DataFrame(rows))
    for change in ({"seed": 2.5}, {"seed": 2**70}, {"seed": None}):   # a column of two types, an int beyond int64
        odd = [rows[0], {**rows[1], **change}]
        _same(run_mod._rows_frame(odd), pd.DataFrame(odd))
    reordered = [rows[0], dict(reversed(rows[1].items()))]
    _same(run_mod._rows_frame(reordered), pd.DataFrame(reordered))


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


def test_each_firm_column_is_the_models_array_at_recording(monkeypatch):
    """kernels.firm_rows writes each column from its own array (cast as NumPy casts): a column in the
    wrong row of a block, or a lead or status code in the wrong order, fails here."""
    from sim.model.recorder import LEAD_STATES, SANCTIONS, STATUS, Recorder

    seen = {}
    record = Recorder.record_firms

    def spy(self):
        m = self.model
        names = ("firm_id", "member", "capacity", "commit", "renege", "quota_paid", "trust_given", "trust_received",
                 "fines_total", "punish_loss", "payoff", "alone", "product", "tenure", "strikes", "profile",
                 "disposition", "attend", "sanction_kind", "participate", "leads_routed", "leads_kept",
                 "leads_missed", "leaving", "exit_now", "expel")
        seen[m.t] = {n: getattr(m, n).copy() for n in names} | {"coop": self.cooperation().copy()}
        record(self)

    monkeypatch.setattr(Recorder, "record_firms", spy)
    _, model = _played("scenarios/strict_sanctions.toml", steps=60)
    table = model.log.firms_frame()
    leads, statuses, sanctions = set(), set(), set()
    for t, a in seen.items():
        rows = table[table["step"] == t]
        g, s = np.nonzero(a["member"])
        assert rows["firm"].tolist() == a["firm_id"][g, s].tolist()
        for col, src, dtype in (("capacity", "capacity", np.float32), ("commit", "commit", np.float32),
                                ("renege", "renege", np.float32), ("quota_paid", "quota_paid", np.float32),
                                ("cooperation", "coop", np.float32), ("trust_given", "trust_given", np.float32),
                                ("trust_received", "trust_received", np.float32), ("fine", "fines_total", np.float32),
                                ("punished", "punish_loss", np.float32), ("payoff", "payoff", np.float64),
                                ("alone", "alone", np.float64), ("product", "product", np.int32),
                                ("tenure", "tenure", np.int32), ("strikes", "strikes", np.int16),
                                ("attended", "attend", bool), ("participated", "participate", bool)):
            np.testing.assert_array_equal(rows[col].to_numpy(), a[src][g, s].astype(dtype), err_msg=f"{col} at {t}")
        lead = np.select([a["leads_missed"], a["leads_kept"], a["leads_routed"]], [3, 2, 1], 0)[g, s]
        status = np.select([a["expel"], a["exit_now"], a["leaving"] >= 0], [3, 2, 1], 0)[g, s]
        assert rows["lead"].tolist() == [LEAD_STATES[k] for k in lead], t
        assert rows["status"].tolist() == [STATUS[k] for k in status], t
        assert rows["sanction"].tolist() == [SANCTIONS[k] for k in a["sanction_kind"][g, s]], t
        leads |= set(lead.tolist())
        statuses |= set(status.tolist())
        sanctions |= set(a["sanction_kind"][g, s].tolist())
    # routed, kept and missed leads, leaving and exiting members and a fine were all seen: their codes are checked
    assert {1, 2, 3} <= leads and {1, 2} <= statuses and 2 in sanctions, (leads, statuses, sanctions)
