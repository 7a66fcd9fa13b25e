"""Docs are tests: docs/model.md must match the schema, the scenario folder and the claim tests."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from sim.model.scenario import params

ROOT = Path(__file__).resolve().parent.parent
MODEL_MD = ROOT / "docs" / "model.md"
CLAIMS = ROOT / "tests" / "test_claims.py"


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_params", ROOT / "docs" / "gen_params.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


gen = _load_generator()
TEXT = MODEL_MD.read_text(encoding="utf-8")


def test_parameter_table_matches_schema():
    assert gen.current(TEXT) == gen.render(), (
        "docs/model.md's parameter table is stale; run: python docs/gen_params.py --write")


def test_parameter_table_lists_every_parameter_once():
    block = gen.current(TEXT)
    keys = re.findall(r"^\| `([a-z_]+\.[a-z_0-9]+)` \|", block, flags=re.M)
    expected = [p.key for p in params()]
    assert len(keys) == len(expected) > 100
    assert keys == expected


def test_generator_rewrites_a_stale_table(tmp_path):
    stale = TEXT.replace("| `trust.initial` |", "| `trust.initial_old` |")
    assert stale != TEXT
    copy = tmp_path / "model.md"
    copy.write_text(stale, encoding="utf-8")
    assert gen.write(copy) is True
    assert copy.read_text(encoding="utf-8") == TEXT
    assert gen.write(copy) is False


def test_generator_refuses_a_document_without_markers(tmp_path):
    with pytest.raises(ValueError, match="markers not found"):
        gen.current("# no table here\n")


def test_every_scenario_file_is_described():
    section = TEXT.split("## 7. Scenario files", 1)[1].split("\n## ", 1)[0]
    files = sorted(p.name for p in (ROOT / "scenarios").glob("*.toml"))
    assert files, "no scenario files found"
    missing = [f for f in files if f"`{f}`" not in section]
    assert not missing, f"scenario files not described in docs/model.md §7: {missing}"


def test_the_before_and_after_table_has_an_after_figure_for_every_scenario_file():
    # programme_designs.py scenarios measures every file in scenarios/: the table's after column must
    # name each of them (it still showed public_goods_lab, gone since b62f54f, and not workshop)
    table = TEXT.split("**The scenario folder before and after issue 12**", 1)[1].split("\n\n")[1]
    rows = [line.split("|")[1:-1] for line in table.splitlines()[2:]]
    after = {}
    for name, *cells in rows:
        for stem in re.findall(r"[a-z_]+(?=\s*(?:/|\(|$))", name.strip()):
            after[stem] = [c.split("→")[1].strip() for c in cells]
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        assert path.stem in after, f"docs/model.md §5.1 before/after table: no row for {path.name}"
        assert all(re.search(r"\d", c) for c in after[path.stem]), (path.stem, after[path.stem])
    for stem, cells in after.items():
        gone = not (ROOT / "scenarios" / f"{stem}.toml").exists()
        assert not gone or all(c == "–" for c in cells), f"{stem}: not in scenarios/, yet an after figure"


def test_claim_tests_named_in_docs_exist():
    named = set(re.findall(r"`(test_claim_\d+_[a-z0-9_]+)`", TEXT))
    assert len(named) >= 10
    assert CLAIMS.exists(), "tests/test_claims.py is missing"
    source = CLAIMS.read_text(encoding="utf-8")
    defined = set(re.findall(r"^def (test_claim_\d+_[a-z0-9_]+)\(", source, flags=re.M))
    assert named <= defined, f"docs/model.md names missing claim tests: {sorted(named - defined)}"
    assert defined <= named, f"claim tests missing from docs/model.md §5: {sorted(defined - named)}"


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def test_internal_links_resolve():
    headings = re.findall(r"^#{1,6} (.+)$", TEXT, flags=re.M)
    anchors = {_slug(h) for h in headings}
    links = set(re.findall(r"\]\(#([^)]+)\)", TEXT))
    assert links
    broken = sorted(links - anchors)
    assert not broken, f"broken internal links in docs/model.md: {broken}"
