"""Every scenario file loads, opens with its question and runs; bad input is refused at load with
one message naming the file, the key and what is allowed."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from conftest import SCENARIOS
from test_invariants import check_invariants

import sim
from sim.model.games import JointPurchaseGame
from sim.model.scenario import ScenarioError, from_dict, load_scenario, param, params, parse_overrides

FILES = sorted(SCENARIOS.glob("*.toml")) + sorted((SCENARIOS / "lab").glob("*.toml"))
REQUIRED = (
    "baseline",
    "no_rules",
    "strict_sanctions",
    "facilitator_abrupt",
    "facilitator_taper",
    "dipat_consortium",
    "large_cluster",
    "weak_firms",
    "rushed_formalisation",
    "strangers_pgg",
    "partners_pgg",
    "partners_punishment",
)


def test_the_required_scenarios_exist():
    assert {f.stem for f in FILES} >= set(REQUIRED)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_scenario_opens_with_a_comment_on_its_question(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ")
    opening = []
    for line in lines:
        if not line.startswith("#"):
            break
        opening.append(line.lstrip("# "))
    assert len(" ".join(opening).split()) >= 15, "the opening comment should say what it asks"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_scenario_loads_round_trips_and_runs(path):
    sc = load_scenario(path)
    assert sc.source == str(path)
    assert sc.meta.name == path.stem and sc.meta.description
    # what is written back as TOML loads into an equal scenario
    assert from_dict(tomllib.loads(sc.to_toml()), origin="<round trip>") == sc
    steps = 8
    res = sim.run(sc, seed=1, steps=steps)
    assert check_invariants(res, sc, steps) == sc.population.groups * steps
    assert res.runs["scenario"].iloc[0] == sc.meta.name
    assert set(res.summary()) >= {"survival", "members", "trust", "cooperation", "income_gain"}


def test_partners_pgg_is_the_laboratory_game():
    sc = load_scenario(SCENARIOS / "lab" / "partners_pgg.toml")
    assert sc.lab.enabled
    assert JointPurchaseGame.from_scenario(sc.joint_purchase) == JointPurchaseGame.public_goods(20.0, 0.4, 4)
    assert sc.population.group_size == 4 and sc.run.steps == 10


def test_dipat_consortium_founders_offer_distinct_products():
    sc = load_scenario(SCENARIOS / "dipat_consortium.toml")
    assert sc.export.dipat or sc.rules.admission == "dipat"
    f = sim.run(sc, seed=3, steps=2).firms
    first = f[f["step"] == 0]
    assert first.groupby("group")["product"].apply(lambda p: p.is_unique).all()


def test_weak_firms_are_all_weak():
    sc = load_scenario(SCENARIOS / "weak_firms.toml")
    f = sim.run(sc, seed=3, steps=2).firms
    np.testing.assert_allclose(f["capacity"], sc.population.capacity_weak, rtol=1e-6)


def test_no_rules_never_adopts_a_reglamento():
    sc = load_scenario(SCENARIOS / "no_rules.toml")
    res = sim.run(sc, seed=3, steps=40)
    assert not sc.rules.enabled
    assert (res.events["kind"] != "rules").all()
    assert (res.firms["sanction"] == "none").all() and (res.firms["strikes"] == 0).all()


def test_large_cluster_is_large():
    sc = load_scenario(SCENARIOS / "large_cluster.toml")
    assert sc.population.group_size >= 20
    steps = sim.run(sc, seed=1, steps=1).steps
    assert steps["members"].iloc[0] >= 20


# ---------------------------------------------------------------------- bad input
def write(tmp_path, text, name="bad.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path, *fragments, overrides=None):
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    msg = str(info.value)
    assert "\n" not in msg, "one line"
    assert msg.startswith(str(path)), msg
    for frag in fragments:
        assert frag in msg, (frag, msg)
    return msg


@pytest.mark.parametrize(
    "text,fragments",
    [
        ("[rulez]\nmonitoring = 0.5\n", ["unknown section 'rulez' (did you mean 'rules'?)",
                                        "allowed: meta, run, population"]),
        ("[rules]\nmonitorin = 0.5\n", ["unknown key 'rules.monitorin' (did you mean 'rules.monitoring'?)",
                                       "allowed in [rules]:", "monitoring"]),
        # the same name in another section: the key the person meant
        ("[rules]\nfine = 12\n", ["unknown key 'rules.fine' (did you mean 'sanctions.fine'?)"]),
        ('[rules]\nmonitoring = "high"\n', ["key 'rules.monitoring' got 'high'", "allowed: a number from 0 to 1"]),
        ("[rules]\nmonitoring = 1.5\n", ["key 'rules.monitoring' got 1.5", "allowed: a number from 0 to 1"]),
        ("[rules]\nmonitoring = nan\n", ["key 'rules.monitoring' got nan", "allowed: a number"]),
        ("[run]\nsteps = 10.5\n", ["key 'run.steps' got 10.5", "allowed: an integer from 1 to 5000"]),
        ("[run]\nsteps = 0\n", ["key 'run.steps' got 0", "allowed: an integer from 1 to 5000"]),
        ("[rules]\nenabled = 1\n", ["key 'rules.enabled' got 1", "allowed: true or false"]),
        (
            '[rules]\ndecision = "dictator"\n',
            ["key 'rules.decision' got 'dictator'", "allowed: one of 'consensus', 'majority', 'leader'"],
        ),
        ("[population]\ngroups = true\n", ["key 'population.groups' got True", "an integer"]),
        (
            "[population]\nsanto = 0.5\n",
            ["'population.santo'", "'population.oportunista'", "sum to 1.3", "allowed: shares that sum to 1"],
        ),
        ("[population]\nactive = 0.5\n", ["'population.active'", "allowed: shares that sum to 1"]),
        ("[joint_purchase]\nmin_lot = 100.0\n", ["'joint_purchase.volume_full'", "allowed: volume_full >= min_lot"]),
        (
            "[joint_purchase]\ndiscount_min = 0.5\n",
            ["'joint_purchase.discount_min'", "allowed: discount_min <= discount_max"],
        ),
        ("[joint_purchase]\nhandling_cost = 5.0\n", ["[joint_purchase]", "not a joint-purchase dilemma"]),
        ("[export]\nprivate_share = 1.0\n", ["[export]", "private_share must be below 1"]),
        (
            '[facilitator]\nschedule = "taper"\ntaper_from = 60\nexit_at = 50\n',
            ["'facilitator.taper_from'", "allowed: taper_from <= exit_at"],
        ),
        ("[lifecycle]\nmin_members = 10\n", ["'lifecycle.min_members'", "allowed: min_members <= group_size"]),
        ("rules = 3\n", ["'rules' must be a table"]),
        ("[rules\nmonitoring = 0.5\n", ["not valid TOML"]),
        ("monitoring = = 0.5\n", ["not valid TOML"]),
    ],
)
def test_bad_scenario_file_is_refused_with_file_key_and_allowed(tmp_path, text, fragments):
    refused(write(tmp_path, text), *fragments)


def test_missing_file_is_refused(tmp_path):
    refused(tmp_path / "nowhere.toml", "no such scenario file")


def test_a_folder_is_refused(tmp_path):
    refused(tmp_path, "cannot read")


def test_unreadable_bytes_are_refused(tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00[rules]")
    with pytest.raises(ScenarioError, match=str(path)):
        load_scenario(path)


def test_bad_override_names_the_file_the_key_and_what_is_allowed():
    path = SCENARIOS / "baseline.toml"
    refused(
        path,
        "key 'rules.monitoring' got 'lots'",
        "allowed: a number from 0 to 1",
        overrides={"rules.monitoring": "lots"},
    )
    refused(path, "key 'rules.monitoring' got 2.0", overrides={"rules.monitoring": "2.0"})
    refused(path, "unknown key 'rules.nope'", "rules.monitoring", overrides={"rules.nope": "1"})
    refused(path, "must be written section.name", overrides={"monitoring": "0.5"})


def test_overrides_are_coerced_from_text(baseline):
    sc = baseline.replace(
        {"rules.monitoring": "0.6", "rules.enabled": "no", "run.steps": "12", "rules.decision": "leader"}
    )
    assert sc.rules.monitoring == 0.6 and sc.rules.enabled is False
    assert sc.run.steps == 12 and sc.rules.decision == "leader"
    assert baseline.rules.monitoring != 0.6  # the original is untouched
    with pytest.raises(ScenarioError, match="allowed: shares that sum to 1"):
        baseline.replace({"population.santo": 0.9})


@pytest.mark.parametrize(
    "items,fragment",
    [
        (["rules.monitoring"], "must be written key=value"),
        (["rules.nope=1"], "unknown key 'rules.nope'"),
        (["monitoring=1"], "must be written section.name"),
        (["run.steps=many"], "allowed: an integer"),
    ],
)
def test_parse_overrides_refuses_bad_items(items, fragment):
    with pytest.raises(ScenarioError, match=fragment) as info:
        parse_overrides(items)
    assert str(info.value).startswith("--set")


def test_parse_overrides_reads_typed_values():
    got = parse_overrides(
        ["rules.monitoring=0.5", "sanctions.enabled=false", "run.steps=7", "facilitator.schedule=none"]
    )
    assert got == {"rules.monitoring": 0.5, "sanctions.enabled": False, "run.steps": 7, "facilitator.schedule": "none"}


def test_schema_records_are_complete():
    ps = params()
    assert len({p.key for p in ps}) == len(ps)
    for p in ps:
        assert p.en and p.es, p.key
        if p.type in (int, float):
            assert p.lo is not None and p.hi is not None and p.lo <= p.default <= p.hi, p.key
        if p.choices:
            assert p.default in p.choices, p.key
    assert param("rules.monitoring").allowed() == "a number from 0 to 1"
    # whole numbers in full, so the bound can be typed back (not 9.22337e+18)
    assert param("run.seed").allowed() == f"an integer from 0 to {2**63 - 1}"
    assert param("population.groups").allowed() == "an integer from 1 to 50000"
    with pytest.raises(ScenarioError, match="unknown key 'rules.x'; allowed: rules.enabled"):
        param("rules.x")   # nothing close: no guess
    with pytest.raises(ScenarioError, match=r"unknown key 'sanction.fine' \(did you mean 'sanctions.fine'\?\)"):
        param("sanction.fine")


def test_a_scenarios_dicts_are_the_callers_own_and_its_toml_follows_its_values():
    """to_dict, flat and to_toml are made once per scenario: a caller changing its copy changes nothing."""
    sc = load_scenario("scenarios/baseline.toml")
    text = sc.to_toml()
    d, flat = sc.to_dict(), sc.flat()
    d["rules"]["monitoring"] = 0.99
    flat["rules.monitoring"] = 0.99
    assert sc.to_dict()["rules"]["monitoring"] == sc.rules.monitoring != 0.99
    assert sc.flat()["rules.monitoring"] == sc.rules.monitoring
    assert sc.to_toml() == text
    other = sc.replace({"rules.monitoring": 0.99})
    assert other.flat()["rules.monitoring"] == 0.99
    assert tomllib.loads(other.to_toml())["rules"]["monitoring"] == 0.99
    assert tomllib.loads(sc.to_toml())["rules"]["monitoring"] == sc.rules.monitoring
