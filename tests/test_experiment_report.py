"""The sweep report on a synthetic 600-point policy store: Spanish first, labels not keys, readable
on screen and printed (A4 and letter) in headless chromium."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.experiment import load_experiment
from sim.experiments.report import build_html
from sim.experiments.sweepstore import SweepStore

ROOT = Path(__file__).resolve().parent.parent
BASELINE = (ROOT / "scenarios" / "baseline.toml").as_posix()
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FACTORS = ('"facilitator.schedule" = { levels = ["none", "taper", "permanent"] }\n'
           '"sanctions.fine" = { levels = [0.0, 10.0] }\n'
           '"population.oportunista" = { range = [0.0, 0.4] }\n'
           '"lifecycle.tc_base" = { range = [0.5, 4.0] }\n')
COST = {"none": 0.0, "taper": 40.0, "permanent": 104.0}


def planted(v, rng):
    alive = v["facilitator.schedule"] != "none" or v["population.oportunista"] < 0.2
    gain = 0.05 if v["sanctions.fine"] > 0 or v["lifecycle.tc_base"] < 2.0 else -0.03
    return {"survival": float(alive) * (0.9 + 0.1 * rng.random()), "income_gain": gain + 0.01 * rng.normal(),
            "trust": 0.3 + 0.4 * alive + 0.05 * rng.normal(), "cooperation": 0.5 + 0.1 * rng.random(),
            "members": 20.0 * alive, "facilitator_meetings": COST[v["facilitator.schedule"]]}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """6 policies x 100 contexts x 3 replications (1,800 runs) with group series, planted answer."""
    tmp = tmp_path_factory.mktemp("report")
    (tmp / "policy.toml").write_text(
        f'[experiment]\nname = "informe"\ndescription = "Qué programa funciona en cualquier contexto."\n'
        f'scenario = "{BASELINE}"\ndesign = "crossed"\nsamples = 100\nreplications = 3\nseed = 9\n'
        'steps = 52\n[factors]\n' + FACTORS)
    exp = load_experiment(tmp / "policy.toml")
    plan = exp.plan()
    folder = tmp / "store"
    st = SweepStore.create_or_open(folder, exp, plan)
    rows, series = [], []
    steps = np.arange(0, 53, 4)
    for r in plan.runs:
        out = planted(plan.values[r.point], np.random.default_rng(r.seed))
        rows.append({"point": r.point, "rep": r.rep, "seed": r.seed, **{f"outcome.{k}": v for k, v in out.items()}})
        frac = steps / 52
        series.append(pd.DataFrame({
            "point": r.point, "rep": r.rep, "step": steps, "alive": 1 - frac * (1 - out["survival"]),
            "trust": 0.4 + frac * (out["trust"] - 0.4), "income_gain": frac * out["income_gain"],
            "cooperation": out["cooperation"]}))
    runs, series = pd.DataFrame(rows), pd.concat(series, ignore_index=True)
    for start in range(0, len(runs), 300):
        chunk = runs.iloc[start:start + 300]
        st.write_batch(chunk.reset_index(drop=True),
                       series[series["point"].isin(chunk["point"].unique())].reset_index(drop=True))
    st.flush()
    st.unlock()
    return folder


def visible(page: str) -> str:
    """The page's text outside scripts and code samples."""
    page = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    return re.sub(r"<code>.*?</code>", "", page, flags=re.S)


def test_spanish_report_names_the_robust_policies_with_labels_and_cost(store):
    page = build_html(store)
    text = visible(page)
    assert "<html lang='es'>" in page
    summary = text[text.index("Resumen"):text.index("Políticas, de la más robusta")]
    # what was asked, which policies are robust, what they cost, how sure we are: on the first page
    for head in ("Qué se preguntó", "Qué políticas son robustas", "Qué cuestan", "Qué tan seguros estamos"):
        assert head in summary
    assert "Se probaron 6 políticas" in summary and "100 contextos" in summary
    # the planted answer: taper and permanent with a fine are robust, taper is the cheaper
    assert "2 de 6 políticas tienen éxito en al menos el 80 % de los contextos" in summary
    first = summary.index("Calendario de presencia = retiro gradual; Multa por falta = 10")
    assert first < summary.index("Calendario de presencia = permanente; Multa por falta = 10")
    assert "costo: 40 reuniones a presencia plena" in summary
    assert "La política robusta más barata cuesta 40" in summary
    # labels and units from the scenario schema, never raw keys outside the methods' code samples
    for key in ("facilitator.schedule", "sanctions.fine", "population.oportunista", "lifecycle.tc_base",
                "income_gain", "outcome."):
        assert key not in text, key
    assert "Proporción oportunista" in text and "Costo de transacción por socio" in text
    # reference lines: going alone and the survival threshold
    assert "ir solo" in page and "umbral de supervivencia" in page and "umbral de robustez" in page
    for section in ("Trayectorias de los grupos", "Dónde funcionan los grupos", "Anexo metodológico",
                    "Compromisos entre resultados"):
        assert section in text
    assert "reaparece en el" in text  # PRIM stability
    assert not re.search(r"<script[^>]+src=", page)  # offline: plotly.js embedded


def test_spanish_report_names_category_values_units_and_design_in_spanish(store):
    # the policies' values, in the text and in the charts' labels, by their Spanish labels
    # (sim/model/vocabulary.py, CHOICES), as the dashboard shows them; units and the design too
    page = build_html(store)
    text = visible(page)
    charts = "".join(re.findall(r"<script[^>]*>(.*?)</script>", page, flags=re.S)[1:])
    for raw in ("taper", "permanent"):
        assert not re.search(rf"\b{raw}\b", text), raw
        assert not re.search(rf"\b{raw}\b", charts), raw
    assert "retiro gradual" in text and "permanente" in text and "ninguno" in text
    assert "∈ {retiro gradual" in text or "∈ {permanente" in text or "∈ {ninguno" in text  # PRIM's rule
    assert "retiro gradual \\u00b7 10" in charts   # the charts' policy names
    methods = text[text.index("Anexo metodológico"):]
    assert " money" not in methods and "dinero" in methods   # the fine's unit
    assert "cruzado" in methods and "crossed" not in methods and " reunións" not in text
    assert "52 reuniones." in methods


def test_english_report_and_cli_flag(store, tmp_path, capsys):
    assert main(["report", str(store), "--lang", "en", "--out", str(tmp_path / "r.html")]) == 0
    page = (tmp_path / "r.html").read_text()
    assert "<html lang='en'>" in page and "Which policies are robust" in page and "going alone" in page
    assert "2 of 6 policies succeed in at least 80 % of the contexts" in page
    with pytest.raises(SystemExit) as e:
        main(["report", str(store), "--lang", "fr"])
    assert e.value.code == 2 and "--lang" in capsys.readouterr().err


def test_figures_stay_readable_at_600_points(store):
    page = build_html(store)
    # per-policy and per-meeting summaries: no chart carries one trace per design point
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*\{', page, flags=re.S):
        assert m.group(1).count('"type":') <= 20


chromium = pytest.importorskip("dashboards.devserver")


@pytest.mark.browser
@pytest.mark.skipif(not Path(chromium.CHROMIUM).exists(), reason="no chromium")
def test_report_on_screen_and_in_print(store, tmp_path):
    """Rules and tables fit the page at 1280 px and in A4/letter print; screenshots for a human."""
    (tmp_path / "r.html").write_text(build_html(store))
    with chromium.browser() as b:
        page = b.new_page(viewport={"width": 1280, "height": 900})
        page.goto((tmp_path / "r.html").as_uri())
        page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].length > 8 && "
                               "[...document.querySelectorAll('.js-plotly-plot')].every(g => g._fullLayout)",
                               timeout=60_000)
        right = page.evaluate("() => document.querySelector('main').getBoundingClientRect().right")
        boxes = page.evaluate("() => [...document.querySelectorAll('.rule, table, .js-plotly-plot')]"
                              ".map(e => e.getBoundingClientRect().right)")
        assert boxes and max(boxes) <= right + 1
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
        page.screenshot(path=str(tmp_path / "screen.png"))
        for fmt in ("A4", "Letter"):
            pdf = page.pdf(format=fmt, print_background=True)
            assert pdf[:4] == b"%PDF" and pdf.count(b"/Type /Page") >= 4
        # printed: the rules and the policy table are inside the A4 text width (210 - 2 x 14 mm)
        page.emulate_media(media="print")
        page.set_viewport_size({"width": int((210 - 28) / 25.4 * 96), "height": 1100})
        width = page.evaluate("() => document.documentElement.clientWidth")
        edges = page.evaluate("() => [...document.querySelectorAll('.rule, table')]"
                              ".map(e => e.getBoundingClientRect().right)")
        assert max(edges) <= width + 1
        page.screenshot(path=str(tmp_path / "print.png"), full_page=False)


def test_results_summary_names_each_outcomes_unit_in_aligned_columns(store):
    from sim.cli.experiment_cli import format_results
    from sim.experiments.experiment import OUTCOME_INFO

    lines = format_results(store).splitlines()
    head = next(i for i, line in enumerate(lines) if line.split()[:2] == ["outcome", "unit"])
    table = [lines[head], *(line for line in lines[head + 1:] if line.split()[0] in OUTCOME_INFO)]
    assert len(table) >= 3, lines
    assert len({len(line) for line in table}) == 1, table   # numbers in the same columns
    for line in table[1:]:
        name = line.split()[0]
        assert f"  {OUTCOME_INFO[name][2]}  " in line, line
    assert any("ratio minus 1 (0.10 = +10 %)" in line for line in table)   # income_gain is not a percentage


def test_export_csv_and_xlsx_with_a_data_dictionary(store, tmp_path, capsys):
    import openpyxl

    assert main(["results", str(store), "--csv", str(tmp_path / "csv"), "--xlsx", str(tmp_path / "t.xlsx")]) == 0
    assert "exported" in capsys.readouterr().out
    names = {p.name for p in (tmp_path / "csv").iterdir()}
    assert names == {"runs.csv", "design.csv", "series.csv", "policies.csv", "dictionary.csv"}
    runs = pd.read_csv(tmp_path / "csv" / "runs.csv")
    assert len(runs) == 1800
    dictionary = pd.read_csv(tmp_path / "csv" / "dictionary.csv")
    # every column of every table is explained, in both languages
    for table in ("runs", "design", "series"):
        cols = pd.read_csv(tmp_path / "csv" / f"{table}.csv", nrows=1).columns
        assert set(cols) <= set(dictionary["column"]), table
    assert dictionary["meaning"].notna().all() and dictionary["significado"].notna().all()
    d = dictionary.set_index("column")
    assert d.loc["outcome.income_gain", "unit"].startswith("ratio minus 1")
    assert d.loc["lifecycle.tc_base", "unit"] == "money/meeting"
    assert "004:L655-718" in d.loc["lifecycle.tc_base", "source"]
    book = openpyxl.load_workbook(tmp_path / "t.xlsx", read_only=True)
    assert book.sheetnames == ["runs", "design", "series", "policies", "dictionary"]
    assert book["runs"].max_row == 1801
    book.close()


@pytest.mark.parametrize("flag,target,fragment", [
    ("--xlsx", "out.csv", ".xlsx file"), ("--xlsx", "missing/t.xlsx", ".xlsx file"),
    ("--csv", "file.txt", "is a file"), ("--csv", "missing/deeper", "parent folder")])
def test_export_refuses_bad_targets_in_one_line(store, tmp_path, capsys, flag, target, fragment):
    (tmp_path / "file.txt").write_text("x")
    assert main(["results", str(store), flag, str(tmp_path / target)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and flag in err and "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize("target", ["missing/deeper/r.html", "."])
def test_report_refuses_an_out_it_cannot_write_in_one_line(store, tmp_path, capsys, target):
    # a folder that does not exist gave a FileNotFoundError traceback, after the page was built
    assert main(["report", str(store), "--out", str(tmp_path / target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"asocia: error: --out {tmp_path / target}: allowed: an HTML file in an existing folder")
    assert "Traceback" not in err and err.count("\n") == 1
    assert not list(tmp_path.rglob("*.html*"))
