"""Export of a sweep store: CSV files or an Excel workbook, with a data dictionary.

:func:`export` writes the runs, design, series and ranked policies (sim/robustness.py) tables, and
:func:`data_dictionary` says for every column what it means (English and Spanish), its unit and
where it comes from (a scenario parameter with its literature source, a model outcome, the sweep).
``asocia sweep`` writes the dictionary into the store as ``data_dictionary.csv``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .sweepstore import StoreError, SweepStore

# columns of the runs, design and series tables that are not scenario parameters or outcomes
COLUMN_INFO = {
    "point": ("Design point (row of design.parquet)", "Punto del diseño (fila de design.parquet)", "", "sweep"),
    "rep": ("Replication of the design point", "Repetición del punto del diseño", "", "sweep"),
    "seed": ("Seed of the run (SeedSequence of the root seed)", "Semilla de la corrida", "", "sweep"),
    "steps": ("Meetings played", "Reuniones jugadas", "meetings", "sweep"),
    "scenario": ("Scenario name", "Nombre del escenario", "", "scenario"),
    "source": ("Where the scenario came from", "Origen del escenario", "", "scenario"),
    "elapsed": ("Seconds the run took (its share of the batch it was played in)",
                "Segundos que tardó la corrida (su parte del lote en que se jugó)", "s", "sweep"),
    "batch": ("Stored batch file holding the run", "Archivo de lote que guarda la corrida", "", "sweep"),
    "step": ("Meeting", "Reunión", "meeting", "series"),
    "alive": ("Share of the run's groups alive", "Proporción de grupos vivos", "share", "series"),
    "policy": ("Policy (combination of lever values)", "Política (combinación de palancas)", "", "robustness"),
    "context": ("Context (combination of uncertainties)", "Contexto (combinación de incertidumbres)", "", "robustness"),
}


def data_dictionary(folder, columns: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Column, meaning (en, es), unit and source of every column the store's tables hold.

    ``columns``: the columns of the runs, design and series tables when the caller knows them
    (:meth:`SweepStore.columns`, from the files' schemas); by default the tables are read.
    """
    from ..model.scenario import param
    from .experiment import OUTCOME_INFO
    from .sweep import SUMMED

    store = SweepStore(folder)
    if columns is None:
        columns = {"runs": list(store.runs().columns), "design": list(store.design().columns),
                   "series": list(store.series().columns)}
    cols: dict[str, str] = {}  # column -> first table holding it
    for table in ("runs", "design", "series"):
        for c in columns[table]:
            cols.setdefault(c, table)
    rows = []
    for c, table in cols.items():
        name = c[8:] if c.startswith("outcome.") else c[2:] if c.startswith("x.") else c
        try:
            p = param(name)
        except Exception:
            p = None
        if c.startswith("x."):
            en, es, unit, src = (f"Coded sample value of {name} (what SALib sampled)",
                                 f"Valor codificado de {name} (lo que muestreó SALib)", "", "design")
        elif c.startswith("outcome.") and name in OUTCOME_INFO:
            en, es, unit, _, = OUTCOME_INFO[name][0], OUTCOME_INFO[name][1], OUTCOME_INFO[name][2], None
            src = ("sim.results.run.outcomes" if name != "facilitator_meetings"
                   else "sim.experiments.sweep.facilitator_meetings")
        elif c in COLUMN_INFO:
            en, es, unit, src = COLUMN_INFO[c]
        elif p is not None and table != "series":
            en, es, unit, src = p.en, p.es, p.unit, "scenario parameter" + (f"; {p.src}" if p.src else "")
        elif table == "series":
            how = "sum over the run's groups" if c in SUMMED else "mean over the groups alive"
            en, es, unit, src = (f"{OUTCOME_INFO.get(c, (c,))[0]} ({how})", OUTCOME_INFO.get(c, (c, c))[1],
                                 OUTCOME_INFO.get(c, ("", "", ""))[2], "steps table, per meeting")
        else:
            en, es, unit, src = c, c, "", ""
        rows.append({"table": table, "column": c, "meaning": en, "significado": es, "unit": unit, "source": src})
    return pd.DataFrame(rows)


def export(folder, csv=None, xlsx=None) -> list[Path]:
    """Write the store's tables (runs, design, series, policies) and the data dictionary.

    ``csv`` is a folder (created) that receives one CSV per table; ``xlsx`` an Excel workbook with
    one sheet per table (openpyxl). Returns the files written.

    Raises:
        StoreError: the output cannot be written (named), or a table does not fit an Excel sheet.

    """
    from .robustness import from_store

    store = SweepStore(folder)
    tables = {"runs": store.runs(), "design": store.design(), "series": store.series()}
    rob = from_store(folder)
    if rob is not None:
        tables["policies"] = rob.table
    tables["dictionary"] = data_dictionary(folder)
    tables = {k: v for k, v in tables.items() if len(v)}
    written = []
    if csv:
        out = Path(csv)
        if out.exists() and not out.is_dir():
            raise StoreError(f"--csv {out}: is a file; allowed: a folder (created if missing)")
        if not out.parent.is_dir():
            raise StoreError(f"--csv {out}: its parent folder does not exist")
        try:
            out.mkdir(exist_ok=True)
            for name, df in tables.items():
                df.to_csv(out / f"{name}.csv", index=False)
                written.append(out / f"{name}.csv")
        except OSError as e:
            raise StoreError(f"--csv {out}: cannot write ({e.strerror})") from None
    if xlsx:
        out = Path(xlsx)
        if out.suffix.lower() != ".xlsx" or out.is_dir() or not out.parent.is_dir():
            raise StoreError(f"--xlsx {out}: allowed: a .xlsx file in an existing folder")
        too_big = [n for n, df in tables.items() if len(df) >= 1_048_576]
        if too_big:
            raise StoreError(f"--xlsx {out}: the {too_big[0]} table has {len(tables[too_big[0]])} rows, more than "
                             "an Excel sheet holds (1,048,575); allowed: --csv for this store")
        tmp = out.with_name(out.name + ".tmp")
        try:
            with pd.ExcelWriter(tmp, engine="openpyxl") as w:
                for name, df in tables.items():
                    df.to_excel(w, sheet_name=name, index=False)
            tmp.replace(out)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"--xlsx {out}: cannot write ({e.strerror})") from None
        written.append(out)
    return written
