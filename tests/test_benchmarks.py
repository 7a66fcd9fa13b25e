"""The benchmark keeps working (its quick mode runs), its kernel does the round it claims, and the
fast table building writes exactly the sentences the row-by-row narrative writes. No timings are
asserted: speed is measured by ``python -m benchmarks``, not gated in tests."""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.model.narrative import describe, sentence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import anchor, kernel  # noqa: E402
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
    # quick mode plays the scaling runs in this process: no peak memory of their own, and it says so
    # instead of printing 'peak RSS nan MB'
    assert not re.search(r"\bnan\b", text, flags=re.I), [line for line in text.splitlines() if "nan" in line]
    assert "peak RSS not measured per run (quick mode" in text
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
    from sim.model.recorder import Recorder

    assert AsociaModel.step.__qualname__ == "AsociaModel.step"
    assert Recorder.frames.__qualname__ == "Recorder.frames"
    # issue 13's engine section ran, against the anchor, with every figure and its verdict
    for label in ("Engine (issue 13)", "1. one baseline run", "2. one baseline replication inside a batch",
                  "3. 40 firms", "3. 80 firms", "BoltzmannWealth", "4. 4 baseline replications through 'asocia sweep",
                  "5. the baseline in a fresh Python process", "6. "):
        assert label in text, label
    eng = res["engine"]
    assert set(res["checks"]) >= {"engine_baseline_x", "engine_batch_x", "engine_2000_x", "engine_10000_x",
                                  "engine_sweep_s", "engine_first_run_s", "engine_cached_run_s", "memory_100k_mb"}
    assert len(eng["baseline"]["anchor"]) == len(eng["baseline"]["asocia"]) == 3
    assert 0 < eng["baseline"]["speedup"]["min"] <= eng["baseline"]["speedup"]["max"] < math.inf
    assert eng["baseline"]["asocia"][0]["rows"]["firms"] > 0          # all four tables built
    assert eng["baseline"]["anchor"][0]["rows"] > 0                    # the anchor's agent records
    assert [s["firms"] for s in eng["sizes"]] == [40, 80]
    assert eng["sizes"][-1]["cpu_rates"]["BoltzmannWealth"]["median"] > 0
    assert eng["fresh"]["cold"]["returncode"] == eng["fresh"]["warm"]["returncode"] == 0
    assert eng["sweep"]["replications"] == 4 and eng["sweep"]["seconds"] > 0
    # the compiled part of figures 1-3: counted (the kernels were called), less than the whole, and the
    # bound it sets above the figure itself; the wrappers are taken off again
    for part in (eng["baseline"]["compiled"], eng["batch"]["compiled"], *(s["compiled"] for s in eng["sizes"])):
        assert part["calls"] > 0 and 0 < part["compiled"] < part["cpu"], part
    assert eng["batch"]["compiled"]["bound"]["median"] > eng["batch"]["speedup"]["median"]
    from sim.model import kernels, streams

    assert type(kernels.decide_members).__module__.startswith("numba")
    assert streams.Draws.meeting.__qualname__ == "Draws.meeting"


def test_bad_arguments_are_refused():
    with pytest.raises(SystemExit) as e:
        main(["--reps", "0"])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main(["--engine", "--skip-engine"])
    assert e.value.code == 2


def test_anchor_is_a_sane_mesa_model():
    sc = sim.load_scenario(BASELINE)
    model = anchor.run(sc, seed=3)
    dc = model.datacollector
    md, ad = dc.get_model_vars_dataframe(), dc.get_agent_vars_dataframe()
    assert list(md.columns) + list(ad.columns) == ["Cooperation", "Trust", "Orders", "Reneges", "Detected",
                                                   "Commit", "Payoff"]        # 7 DataCollector columns
    assert len(md) == sc.run.steps
    assert md["Cooperation"].between(0, 1).all() and md["Trust"].between(0, 1).all()
    assert md["Orders"].between(0, 1).all() and ad["Commit"].between(0, 1).all()
    assert 0 < md["Cooperation"].mean() < 1 and md["Orders"].mean() > 0       # something happens
    assert (md["Detected"] <= md["Reneges"]).all()
    # one agent row per firm present at each meeting: 24 founders, fewer only after an expulsion
    firms = ad.groupby(level="Step").size()
    assert firms.iloc[0] == 24 and (firms <= 24).all() and firms.is_monotonic_decreasing
    # deterministic with a seed, and the seed matters
    again = anchor.run(sc, seed=3).datacollector
    pd.testing.assert_frame_equal(again.get_model_vars_dataframe(), md)
    pd.testing.assert_frame_equal(again.get_agent_vars_dataframe(), ad)
    other = anchor.run(sc, seed=4).datacollector.get_agent_vars_dataframe()
    assert not other.equals(ad)


def test_anchor_reads_the_scenario_coefficients():
    sc = sim.load_scenario(BASELINE)
    # below the minimum lot nobody buys anything
    none = anchor.run(sc.replace({"joint_purchase.min_lot": 1e6, "joint_purchase.volume_full": 2e6}),
                      groups=2, group_size=5, meetings=5, seed=1).datacollector
    assert (none.get_model_vars_dataframe()["Orders"] == 0).all()
    assert (none.get_agent_vars_dataframe()["Payoff"] == 0).all()
    # santos and oportunistas, watched all the time: the oportunistas renege once they stop
    # mimicking, are all caught and get a strike each time; they leave at the third, unless the
    # next fine (2 x 6 at the third strike, after a warning) outweighs their side gain
    sc = sc.replace({"population.santo": 0.7, "population.solido": 0.0, "population.tengo": 0.0,
                     "population.oportunista": 0.3, "rules.monitoring": 1.0, "trust.initial": 0.9,
                     "profiles.oportunista_mimic": 2})
    model = anchor.run(sc, groups=4, group_size=8, meetings=10, seed=1)
    md = model.datacollector.get_model_vars_dataframe()
    assert md["Reneges"].sum() > 0 and (md["Detected"] == md["Reneges"]).all()
    assert md["Reneges"].iloc[:2].sum() == 0                    # nobody reneges while mimicking
    assert len(model.agents) < 32                               # some were expelled
    jp = sc.joint_purchase
    for firm in model.agents:
        assert firm.strikes < sc.sanctions.expulsion_strikes
        if firm.profile == "oportunista":                        # the rest were deterred
            assert jp.list_price * jp.side_discount * firm.demand <= model.fine_for(firm.strikes + 1)
            assert not firm.reneged


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


@pytest.mark.parametrize(("argv", "said"), [
    (["--reps", "x"], "argument --reps: got 'x'; allowed: a whole number >= 1"),
    (["--reps", "0"], "argument --reps: got '0'; allowed: a whole number >= 1"),
    (["--no-such-option"], "unrecognized arguments: --no-such-option")])
def test_a_bad_bench_option_is_one_line_naming_it_and_what_is_allowed(capsys, argv, said):
    # argparse printed its usage block and "invalid int value: 'x'"
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count("\n") == 1 and "usage:" not in err, err
    assert err.startswith(f"python -m benchmarks: error: {said} "), err   # the interpreter as typed
    assert err.endswith("(see 'python -m benchmarks --help')\n"), err


@pytest.mark.parametrize("argv", [["--reps", "x"], ["--bogus"], ["--quick", "--reps", "0"]])
def test_asocia_bench_errors_name_asocia_bench(capsys, argv):
    # they said "python -m benchmarks: error: ..." to someone who typed 'asocia bench'
    from sim.cli import main as cli_main

    with pytest.raises(SystemExit) as e:
        cli_main(["bench", *argv])
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("asocia bench: error: ") and err.endswith("(see 'asocia bench --help')\n"), err


def test_asocia_bench_help_is_the_benchmark_help(capsys):
    from sim.cli import main as cli_main

    with pytest.raises(SystemExit) as e:
        cli_main(["bench", "--help"])
    out = capsys.readouterr().out
    assert e.value.code == 0 and out.startswith("usage: asocia bench ") and "--skip-engine" in out, out


def test_asocia_bench_passes_its_options_through(monkeypatch):
    import benchmarks.__main__ as bench
    from sim.cli import main as cli_main

    seen = []
    monkeypatch.setattr(bench, "main", lambda argv, prog: seen.append(list(argv)) or 0)
    assert cli_main(["bench", "--quick", "--reps", "2"]) == 0
    assert cli_main(["bench"]) == 0
    assert seen == [["--quick", "--reps", "2"], []]
    with pytest.raises(SystemExit) as e:       # other commands still refuse unknown options
        cli_main(["params", "--no-such-option"])
    assert e.value.code == 2
