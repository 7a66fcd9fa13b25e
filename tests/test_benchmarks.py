"""The benchmark keeps working (its quick mode runs), its kernel does the round it claims, and the
fast table building writes exactly the sentences the row-by-row narrative writes. No timings are
asserted: speed is measured by ``python -m benchmarks``, not gated in tests."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.narrative import describe, sentence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import kernel  # noqa: E402
from benchmarks.__main__ import exponent, main  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.toml"


def test_quick_benchmark_runs_and_reports_every_figure(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["--quick", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    for label in ("(a) Asocia", "(b) Mesa BoltzmannWealth", "(c) NumPy kernel", "a/b", "c/a",
                  "peak memory of (a)", "fitted exponent in firms", "fitted exponent in meetings",
                  "one sim.run with its tables", "end to end"):
        assert label in text, label
    res = json.loads(out.read_text())
    sbs = res["side_by_side"]
    assert len(sbs["a"]) == len(sbs["b"]) == len(sbs["c"]) == 3
    for key in ("a_over_b", "c_over_a"):
        s = sbs[key]
        assert 0 < s["min"] <= s["median"] <= s["max"] < math.inf
    # (a) really built the tables: one firm row per member and meeting, some events
    rows = sbs["a"][0]["rows"]
    assert rows["steps"] == 20 * 20 and rows["firms"] > 0 and rows["events"] > 0
    assert sbs["memory_a"]["peak_rss_mb"] >= sbs["memory_a"]["rss_before_mb"] > 0
    assert len(res["scaling"]["firms"]) == 3 and len(res["scaling"]["steps"]) == 3
    assert set(res["checks"]) >= {"a_over_b", "c_over_a", "peak_memory_mb", "baseline_run_ms",
                                  "cli_run_s", "exponent_firms", "exponent_steps"}
    # where (a)'s time goes: every part measured, the parts add up to the run, and a bound that
    # is above what (a) measured (the meetings take time)
    for split in (sbs["split"], res["small"]["baseline"]["split"]):
        parts = split["parts"]
        assert set(parts) == {"building the groups", "meetings", "recording rows", "building tables", "the rest"}
        assert all(v >= 0 for v in parts.values()) and parts["meetings"] > 0
        assert sum(parts.values()) == pytest.approx(split["cpu"])
    assert sbs["split"]["bound_rate_a"] > sbs["rate_a"]["median"]
    assert "if the meetings took no time at all" in text
    # the counters are taken off again
    from sim.model import AsociaModel
    from sim.tables import Recorder

    assert AsociaModel.step.__qualname__ == "AsociaModel.step"
    assert Recorder.frames.__qualname__ == "Recorder.frames"


def test_bad_arguments_are_refused():
    with pytest.raises(SystemExit) as e:
        main(["--reps", "0"])
    assert e.value.code == 2


def test_fitted_exponent_recovers_known_powers():
    x = np.array([1e3, 1e4, 1e5])
    assert exponent(x, 3.0 * x) == pytest.approx(1.0)
    assert exponent(x, 0.5 * x ** 1.5) == pytest.approx(1.5)


def test_kernel_plays_the_joint_purchase_round():
    sc = sim.load_scenario(BASELINE)
    state = kernel.setup(sc, groups=50, group_size=10, seed=3)
    assert state["profile"].shape == (50, 10)
    before = state["expected"].copy()
    total = kernel.play(sc, state, steps=5)
    assert np.isfinite(total)
    assert not np.allclose(state["expected"], before)           # expectations moved
    assert ((state["expected"] >= 0) & (state["expected"] <= 1)).all()
    # same seed, same result; the work is counted as groups x size x steps
    again = kernel.run(sc, 50, 10, 5, seed=3)
    assert again["payoff"] == pytest.approx(total)
    assert again["firm_steps"] == 50 * 10 * 5


def test_kernel_pools_nothing_below_the_minimum_lot():
    sc = sim.load_scenario(BASELINE).replace({"joint_purchase.min_lot": 1e6,
                                              "joint_purchase.volume_full": 2e6})
    state = kernel.setup(sc, groups=10, group_size=10, seed=1)
    assert kernel.play(sc, state, steps=3) == 0.0


def test_vectorised_sentences_match_row_by_row_sentences():
    res = sim.run(sim.load_scenario(BASELINE).replace({"population.groups": 12}), seed=4)
    ev = res.events
    assert len(ev) > 100 and ev["kind"].nunique() >= 6
    for lang, col in (("en", "message"), ("es", "message_es")):
        expected = [sentence(row, lang) for row in ev.to_dict("records")]
        assert ev[col].tolist() == expected
        # plain object columns (a table read back from CSV) give the same sentences
        plain = ev.astype({"kind": object, "profile": object, "sanction": object})
        pd.testing.assert_series_equal(describe(plain, lang), ev[col], check_names=False)


def test_asocia_bench_passes_its_options_through(monkeypatch):
    import benchmarks.__main__ as bench
    from sim.cli import main as cli_main

    seen = []
    monkeypatch.setattr(bench, "main", lambda argv: seen.append(list(argv)) or 0)
    assert cli_main(["bench", "--quick", "--reps", "2"]) == 0
    assert cli_main(["bench"]) == 0
    assert seen == [["--quick", "--reps", "2"], []]
    with pytest.raises(SystemExit) as e:       # other commands still refuse unknown options
        cli_main(["params", "--no-such-option"])
    assert e.value.code == 2
