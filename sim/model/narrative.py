"""Sentences a trainer can read aloud, one per event, in English and Spanish.

The events table stores what happened as codes (kind, firm, profile, sanction, strike, amount);
this module turns each row into a sentence. The four profile names stay in Spanish in both
languages, as the field guide writes them (004:L1883-1951).

A sentence numbers groups as people read them, from 1 ("group 1" is the table's group 0), as the
dashboard and the workshop do; the tables' ``group`` column keeps the model's numbering from 0.
Firms are named by their ``firm`` id as the tables, the dashboard's log filter and the workshop
show it (an id, not a count: it is never renumbered).
"""

from __future__ import annotations

import functools
import operator
from string import Formatter

import numpy as np
import pandas as pd

from .vocabulary import LABELS, Phase

PROFILE_LABEL = {**LABELS, None: "?"}
ROMAN = {int(p): p.name for p in Phase}   # sim/model/vocabulary.py

TEXT = {
    "en": {
        "entry": "Firm {firm} ({profile}) joined group {group}.",
        "exit": "Firm {firm} ({profile}) left group {group}.",
        "expulsion": "Firm {firm} ({profile}) was expelled from group {group} after {strike} strikes.",
        "rejected": "A candidate firm ({profile}) was turned away by group {group}: {reason}.",
        "renege": "Firm {firm} ({profile}) committed to the joint purchase and then bought elsewhere",
        "diversion": "Firm {firm} ({profile}) served an export lead outside the consortium",
        "quota_skip": "Firm {firm} ({profile}) did not pay its quota to the consortium",
        "low_commit": "Firm {firm} ({profile}) committed less than the reglamento's minimum to the joint purchase",
        "conflict": "Firms {firm} and {other} clashed in group {group}; trust between them fell.",
        "rules": "Group {group} adopts its reglamento interno (rules and sanctions).",
        "dissolution": "Group {group} dissolves with {n} members left.",
        "purchase_failed": "Group {group} could not place its joint purchase ({why}).",
        "why": {0: "no quorum", 1: "too few units committed or no one to coordinate"},
        "detected": "; detected",
        "hidden": "; nobody noticed",
        "open": ", openly",
        "warning": "; warning (strike {strike})",
        "fine": "; fined {amount:.1f} (strike {strike})",
        "expel": "; strike {strike}: expulsion",
        "reason": {0: "no reason given", 1: "screening found a bad reputation",
                   2: "its product overlaps a member's (DIPAT rule)",
                   3: "the group has closed itself to newcomers"},
        "facilitator": {0: "The facilitator starts working with group {group}.",
                        1: "The facilitator begins to step back from group {group}.",
                        2: "The facilitator leaves group {group}."},
        "phase": "Group {group} enters phase {roman} ({name}).",
        "phases": {1: "promotion and selection", 2: "trust building and pilot joint purchases",
                   3: "participative planning", 4: "independence and the export consortium"},
        "programme": {0: "The members of group {group} start paying a share of the facilitator's cost.",
                      1: ("The programme's money for group {group} is spent; support ends with the "
                          "group's self-governance at {amount:.2f}.")},
        "handover": ("Group {group} now coordinates half of its work itself (facilitator's presence "
                     "{amount:.2f})."),
        "manager": {0: "Group {group} hires a manager (gerente), paid {amount:.1f} per meeting from its fund."},
    },
    "es": {
        "entry": "La empresa {firm} ({profile}) ingresó al grupo {group}.",
        "exit": "La empresa {firm} ({profile}) se retiró del grupo {group}.",
        "expulsion": "La empresa {firm} ({profile}) fue expulsada del grupo {group} tras {strike} faltas.",
        "rejected": "Una empresa candidata ({profile}) no fue admitida en el grupo {group}: {reason}.",
        "renege": "La empresa {firm} ({profile}) se comprometió con la compra conjunta y luego compró por su cuenta",
        "diversion": "La empresa {firm} ({profile}) atendió un contacto de exportación por fuera del consorcio",
        "quota_skip": "La empresa {firm} ({profile}) no pagó su cuota al consorcio",
        "low_commit": ("La empresa {firm} ({profile}) comprometió menos que el mínimo del reglamento "
                       "en la compra conjunta"),
        "conflict": ("Las empresas {firm} y {other} entraron en conflicto en el grupo {group}; "
                     "la confianza entre ellas cayó."),
        "rules": "El grupo {group} adopta su reglamento interno (reglas y sanciones).",
        "dissolution": "El grupo {group} se disuelve con {n} socios.",
        "purchase_failed": "El grupo {group} no pudo concretar su compra conjunta ({why}).",
        "why": {0: "sin quórum", 1: "pocas unidades comprometidas o nadie que coordine"},
        "detected": "; fue detectada",
        "hidden": "; nadie lo notó",
        "open": ", abiertamente",
        "warning": "; advertencia (falta {strike})",
        "fine": "; multa de {amount:.1f} (falta {strike})",
        "expel": "; falta {strike}: expulsión",
        "reason": {0: "sin motivo", 1: "la evaluación encontró mala reputación",
                   2: "su producto se superpone con el de un socio (regla DIPAT)",
                   3: "el grupo se cerró a nuevos integrantes"},
        "facilitator": {0: "El facilitador comienza a trabajar con el grupo {group}.",
                        1: "El facilitador empieza a retirarse gradualmente del grupo {group}.",
                        2: "El facilitador deja el grupo {group}."},
        "phase": "El grupo {group} entra en la fase {roman} ({name}).",
        "phases": {1: "promoción y selección", 2: "generación de confianza y compras conjuntas piloto",
                   3: "planificación estratégica participativa",
                   4: "independencia y consorcio de exportación"},
        "programme": {0: "Los socios del grupo {group} empiezan a pagar parte del costo del facilitador.",
                      1: ("Se agotó el dinero del programa para el grupo {group}; el apoyo termina con "
                          "una autogestión del grupo de {amount:.2f}.")},
        "handover": ("El grupo {group} ya coordina por sí mismo la mitad de su trabajo (presencia del "
                     "facilitador {amount:.2f})."),
        "manager": {0: "El grupo {group} contrata un gerente, con un salario de {amount:.1f} por reunión "
                       "pagado de su fondo."},
    },
}


def _violation(t, kind, firm, profile, detected, sanction, strike, amount, open_act):
    text = t[kind].format(firm=firm, profile=profile)
    if open_act:
        text += t["open"]
    elif detected:
        text += t["detected"]
    else:
        text += t["hidden"]
    if sanction == "warning":
        text += t["warning"].format(strike=strike)
    elif sanction == "fine":
        text += t["fine"].format(amount=amount, strike=strike)
    elif sanction == "expulsion":
        text += t["expel"].format(strike=strike)
    return text + "."


def sentence(row, lang: str = "en") -> str:
    """The sentence for one event row (a mapping with the events table's columns)."""
    t = TEXT[lang]
    kind = row["kind"]
    profile = PROFILE_LABEL.get(row["profile"] if isinstance(row["profile"], str) else None, "?")
    firm, group, other = int(row["firm"]), int(row["group"]) + 1, int(row["other"])   # group from 1
    if kind in _VIOLATIONS:
        open_act = kind in ("quota_skip", "low_commit") or (kind == "diversion" and row["code"] == 1)
        return _violation(t, kind, firm, profile, bool(row["detected"]), row["sanction"],
                          int(row["strike"]), float(row["amount"]), open_act)
    if kind == "facilitator":
        return t["facilitator"][int(row["code"])].format(group=group)
    if kind in ("programme", "manager"):
        return t[kind][int(row["code"])].format(group=group, amount=float(row["amount"]))
    if kind == "handover":
        return t["handover"].format(group=group, amount=float(row["amount"]))
    if kind == "phase":
        code = int(row["code"])
        return t["phase"].format(group=group, roman=ROMAN[code], name=t["phases"][code])
    if kind == "rejected":
        return t["rejected"].format(profile=profile, group=group, reason=t["reason"][int(row["code"])])
    if kind == "purchase_failed":
        return t["purchase_failed"].format(group=group, why=t["why"][int(row["code"])])
    if kind == "dissolution":
        return t["dissolution"].format(group=group, n=int(row["amount"]))
    return t[kind].format(firm=firm, profile=profile, group=group, other=other,
                          strike=int(row["strike"]))


def describe(events: pd.DataFrame, lang: str = "en") -> pd.Series:
    """One sentence per row of an events table (the same sentence :func:`sentence` writes)."""
    return describe_all(events, (lang,))[lang]


def describe_all(events: pd.DataFrame, langs=("en", "es")) -> dict[str, pd.Series]:
    """Sentences for every row of an events table, one Series per language (as :func:`describe`).

    Rows that differ only in their numbers (firm, group, other, strike, amount) share a template:
    kind, profile, code, detection and sanction pick it. The rows are grouped by those (a few
    dozen groups even in a run with 100,000 events), each group's template is compiled once per
    language with its fixed words written in (and kept for the next table), and its rows are
    formatted with ``str.format`` over plain Python lists: one C-level ``format`` call per row and
    a few array operations per group.
    """
    if events.empty:
        return {lang: pd.Series([], dtype=object, index=events.index) for lang in langs}
    said = describe_columns({name: events[name] for name in _COLUMNS}, langs)
    return {lang: pd.Series(col, index=events.index, dtype=object) for lang, col in said.items()}


def describe_columns(columns, langs=("en", "es")) -> dict[str, np.ndarray]:
    """:func:`describe_all` of an events table given as its columns (a mapping of name -> values).

    The recorder writes the sentences from the arrays it builds the table from, before the table
    exists; ``kind``, ``profile`` and ``sanction`` may be categorical (pandas) or plain values.
    Returns one object array of sentences per language.
    """
    kinds, kind_names = _factorize(columns["kind"])
    if (kinds < 0).any():
        raise KeyError(f"event kind missing in {int((kinds < 0).sum())} rows")
    profiles, profile_names = _factorize(columns["profile"])
    sanctions, sanction_names = _factorize(columns["sanction"])
    code = np.asarray(columns["code"]).astype(np.int64)
    detected = np.asarray(columns["detected"]).astype(bool)
    # the code picks the template only for the kinds that read it; detection and sanction only
    # for violations (other kinds keep 0 there, so they are not split for nothing)
    violation = np.array([k in _VIOLATIONS for k in kind_names], bool)[kinds]
    coded = np.array([k in _CODED for k in kind_names], bool)[kinds]
    code_values, code_ids = np.unique(np.where(coded, code, 0), return_inverse=True)
    key = kinds.astype(np.int64)
    for ids, n in ((profiles + 1, len(profile_names) + 1), (code_ids, len(code_values)),
                   (np.where(violation, sanctions + 1, 0), len(sanction_names) + 1),
                   (violation & detected, 2)):
        key = key * n + ids
    _, group = np.unique(key, return_inverse=True)   # the template of each row (any numbering)
    order = np.argsort(group, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(group))])
    numbers = {}   # each numeric field as a list of Python numbers, made when a template first reads it

    def field(name):
        if name not in numbers:
            numbers[name] = _numbers(np.asarray(columns["amount" if name == "n" else name]), name).tolist()
        return numbers[name]

    out = {lang: [None] * len(kinds) for lang in langs}
    firsts = order[bounds[:-1]]   # each template's first row, which picks it
    picked = zip(bounds[:-1].tolist(), bounds[1:].tolist(), kinds[firsts].tolist(), profiles[firsts].tolist(),
                 code[firsts].tolist(), detected[firsts].tolist(), sanctions[firsts].tolist(), strict=True)
    for start, stop, kind, profile, number, seen, sanction in picked:
        rows = order[start:stop].tolist()
        first = rows[0]
        profile = profile_names[profile] if profile >= 0 else None
        choice = (kind_names[kind], PROFILE_LABEL.get(profile if isinstance(profile, str) else None, "?"),
                  number, seen, sanction_names[sanction] if sanction >= 0 else None)
        names, formats = _templates(choice, tuple(langs))
        pick = operator.itemgetter(*rows) if len(rows) > 1 else (lambda values, at=first: (values[at],))
        values = [pick(field(name)) for name in names]
        for lang, fmt in formats.items():
            if not values:                                    # no numbers: one sentence
                text = [fmt.format()] * len(rows)
            elif len(names) == 1 and names[0] != "amount":   # only the group (purchase failed,
                # phase, rules, ...): the same sentence comes back meeting after meeting; write each once
                made = {}
                text = [made[v] if v in made else made.setdefault(v, fmt.format(v)) for v in values[0]]
            else:
                text = list(map(fmt.format, *values))
            said = out[lang]
            for row, sentence in zip(rows, text, strict=True):
                said[row] = sentence
    return {lang: _objects(said) for lang, said in out.items()}


def _objects(values: list) -> np.ndarray:
    """A list of Python objects as a 1-D object array."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


_COLUMNS = ("kind", "profile", "sanction", "code", "detected", "firm", "group", "other", "strike", "amount")


@functools.cache
def _templates(choice, langs) -> tuple[list[str], dict[str, str]]:
    """(numeric fields, one compiled template per language) of one kind of sentence (:func:`_compile`)."""
    names = []
    formats = {lang: _compile(_parts(TEXT[lang], *choice), names) for lang in langs}
    return names, formats


_VIOLATIONS = ("renege", "diversion", "quota_skip", "low_commit")
_CODED = ("diversion", "facilitator", "phase", "rejected", "purchase_failed", "programme", "manager")


def _factorize(column):
    """(integer codes, unique values) of a column; categorical columns keep their categories."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        values = column.array if isinstance(column, pd.Series) else column
        return np.asarray(values.codes), _category_names(values.dtype)
    codes, uniques = pd.factorize(np.asarray(column, dtype=object))
    return codes, list(uniques)


_NAMES_OF: dict[int, tuple] = {}


def _category_names(dtype: pd.CategoricalDtype) -> list:
    """The categories of a categorical dtype as a list, listed once per dtype object (the recorder's are made once)."""
    kept = _NAMES_OF.get(id(dtype))
    if kept is None or kept[0] is not dtype:
        if len(_NAMES_OF) > 64:
            _NAMES_OF.clear()
        kept = _NAMES_OF[id(dtype)] = (dtype, list(dtype.categories))
    return kept[1]


def _numbers(values, name):
    """A numeric field, as :func:`sentence` passes it to format (int or float; groups from 1)."""
    if name == "amount":
        return values.astype(np.float64)
    if name == "group":
        return values.astype(np.int64) + 1   # as people read it (the table's group 0 is "group 1")
    return values.astype(np.int64)     # int(x), also for n = int(amount)


def _parts(t, kind, profile, code, detected, sanction):
    """The pieces of one kind of sentence: (template, fixed fields), as :func:`sentence` joins them."""
    if kind in _VIOLATIONS:
        open_act = kind in ("quota_skip", "low_commit") or (kind == "diversion" and code == 1)
        parts = [(t[kind], {"profile": profile}),
                 (t["open"] if open_act else t["detected"] if detected else t["hidden"], {})]
        if sanction in ("warning", "fine", "expulsion"):
            parts.append((t["expel" if sanction == "expulsion" else sanction], {}))
        return [*parts, (".", {})]
    if kind in ("facilitator", "programme", "manager"):
        return [(t[kind][code], {})]
    if kind == "phase":
        return [(t["phase"], {"roman": ROMAN[code], "name": t["phases"][code]})]
    if kind == "rejected":
        return [(t["rejected"], {"profile": profile, "reason": t["reason"][code]})]
    if kind == "purchase_failed":
        return [(t["purchase_failed"], {"why": t["why"][code]})]
    return [(t[kind], {"profile": profile})]


def _compile(parts, names):
    """One ``str.format`` template from pieces: fixed fields written in, the others positional.

    ``names`` lists the positional (numeric) fields; new ones are appended, so templates of
    several languages compiled with the same list read their numbers from the same arguments.
    """
    out = []
    for template, fixed in parts:
        for literal, name, spec, conversion in Formatter().parse(template):
            out.append(literal.replace("{", "{{").replace("}", "}}"))
            if name is None:
                continue
            if conversion:
                raise ValueError(f"conversion !{conversion} in {template!r}")
            if name in fixed:
                out.append(format(fixed[name], spec).replace("{", "{{").replace("}", "}}"))
            else:
                if name not in names:
                    names.append(name)
                out.append(f"{{{names.index(name)}{':' + spec if spec else ''}}}")
    return "".join(out)
