"""Sentences a trainer can read aloud, one per event, in English and Spanish.

The events table stores what happened as codes (kind, firm, profile, sanction, strike, amount);
this module turns each row into a sentence. The four profile names stay in Spanish in both
languages, as the field guide writes them (004:L1883-1951).
"""

from __future__ import annotations

from string import Formatter

import numpy as np
import pandas as pd
from numpy.dtypes import StringDType

PROFILE_LABEL = {"santo": "santo", "solido": "sólido ciudadano", "tengo": "tengo que ganar",
                 "oportunista": "oportunista", None: "?"}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

TEXT = {
    "en": {
        "entry": "Firm {firm} ({profile}) joined group {group}.",
        "exit": "Firm {firm} ({profile}) left group {group}.",
        "expulsion": "Firm {firm} ({profile}) was expelled from group {group} after {strike} strikes.",
        "rejected": "A candidate firm ({profile}) was turned away by group {group}: {reason}.",
        "renege": "Firm {firm} ({profile}) committed to the joint purchase and then bought elsewhere",
        "diversion": "Firm {firm} ({profile}) served an export lead outside the consortium",
        "quota_skip": "Firm {firm} ({profile}) did not pay its quota to the consortium",
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
    },
    "es": {
        "entry": "La empresa {firm} ({profile}) ingresó al grupo {group}.",
        "exit": "La empresa {firm} ({profile}) se retiró del grupo {group}.",
        "expulsion": "La empresa {firm} ({profile}) fue expulsada del grupo {group} tras {strike} faltas.",
        "rejected": "Una empresa candidata ({profile}) no fue admitida en el grupo {group}: {reason}.",
        "renege": "La empresa {firm} ({profile}) se comprometió con la compra conjunta y luego compró por su cuenta",
        "diversion": "La empresa {firm} ({profile}) atendió un contacto de exportación por fuera del consorcio",
        "quota_skip": "La empresa {firm} ({profile}) no pagó su cuota al consorcio",
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
    firm, group, other = int(row["firm"]), int(row["group"]), int(row["other"])
    if kind in ("renege", "diversion", "quota_skip"):
        open_act = kind == "quota_skip" or (kind == "diversion" and row["code"] == 1)
        return _violation(t, kind, firm, profile, bool(row["detected"]), row["sanction"],
                          int(row["strike"]), float(row["amount"]), open_act)
    if kind == "facilitator":
        return t["facilitator"][int(row["code"])].format(group=group)
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
    """One sentence per row of an events table (the same sentence :func:`sentence` writes).

    Rows are written kind by kind with vectorised string operations (NumPy's ``StringDType``), so
    a run with 100,000 events costs a few dozen array operations, not a Python call per row.
    """
    if events.empty:
        return pd.Series([], dtype=object, index=events.index)
    t = TEXT[lang]
    kinds, kind_names = _factorize(events["kind"])
    if (kinds < 0).any():
        raise KeyError(f"event kind missing in {int((kinds < 0).sum())} rows")
    out = np.empty(len(events), dtype=_STR)
    columns = {}
    for i, kind in enumerate(kind_names):
        rows = np.flatnonzero(kinds == i)
        if len(rows):
            out[rows] = _sentences(t, kind, _Rows(events, rows, columns))
    return pd.Series(out.astype(object), index=events.index, dtype=object)


_STR = StringDType()


def _factorize(column):
    """(integer codes, unique values) of a column; categorical columns keep their categories."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), list(column.cat.categories)
    codes, uniques = pd.factorize(column.astype(object))
    return codes, list(uniques)


class _Rows:
    """Some rows of an events table; ``columns`` caches whole columns as arrays across kinds."""

    def __init__(self, events, rows, columns):
        self.events, self.rows, self.columns = events, rows, columns
        self.n = len(rows)

    def _column(self, name):
        if name not in self.columns:
            col = self.events[name]
            categorical = name in ("profile", "sanction")
            self.columns[name] = _factorize(col) if categorical else col.to_numpy()
        return self.columns[name]

    def values(self, name):
        """Raw values of a column for these rows."""
        return self._column(name)[self.rows]

    def text(self, name):
        """Integer column as text (``int(x)`` as ``str.format`` writes it)."""
        return self.values(name).astype(np.int64).astype(_STR)

    def is_category(self, name, value):
        """Rows whose value in a categorical-like column (profile, sanction) equals ``value``."""
        codes, names = self._column(name)
        if value not in names:
            return np.zeros(self.n, bool)
        return codes[self.rows] == names.index(value)

    def profile(self):
        """Profile labels as the guide writes them; "?" where there is none."""
        codes, names = self._column("profile")
        labels = [PROFILE_LABEL.get(p if isinstance(p, str) else None, "?") for p in names] + ["?"]
        return np.array(labels, dtype=_STR)[codes[self.rows]]   # code -1 (no profile) -> "?"

    def lookup(self, name, table):
        """Text for each row from ``table[int(code)]``."""
        codes = self.values(name).astype(np.int64)
        out = np.empty(self.n, dtype=_STR)
        for code in np.unique(codes):
            out[codes == code] = table[int(code)]
        return out


def _fill(template, rows, **fields):
    """Vectorised ``template.format(**fields)`` for ``rows`` rows; fields are arrays."""
    out = np.full(rows, "", dtype=_STR)
    for literal, name, spec, _conversion in Formatter().parse(template):
        if literal:
            out = np.strings.add(out, literal)
        if name is not None:
            value = fields[name]
            if spec:   # a formatted number (fines): few rows, formatted one by one
                value = np.array([format(v, spec) for v in value.tolist()], dtype=_STR)
            out = np.strings.add(out, value)
    return out


def _sentences(t, kind, r: _Rows):
    """Sentences for rows of one kind."""
    if kind in ("renege", "diversion", "quota_skip"):
        return _violations(t, kind, r)
    if kind == "facilitator":
        codes = r.values("code").astype(np.int64)
        out = np.empty(r.n, dtype=_STR)
        group = r.text("group")
        for code in np.unique(codes):
            sel = codes == code
            out[sel] = _fill(t["facilitator"][int(code)], int(sel.sum()), group=group[sel])
        return out
    if kind == "phase":
        return _fill(t["phase"], r.n, group=r.text("group"), roman=r.lookup("code", ROMAN),
                     name=r.lookup("code", t["phases"]))
    if kind == "rejected":
        return _fill(t["rejected"], r.n, profile=r.profile(), group=r.text("group"),
                     reason=r.lookup("code", t["reason"]))
    if kind == "purchase_failed":
        return _fill(t["purchase_failed"], r.n, group=r.text("group"),
                     why=r.lookup("code", t["why"]))
    if kind == "dissolution":
        return _fill(t["dissolution"], r.n, group=r.text("group"), n=r.text("amount"))
    template = t[kind]
    fields = {"firm": r.text, "profile": lambda _: r.profile(), "group": r.text, "other": r.text,
              "strike": r.text}
    used = {name for _, name, _, _ in Formatter().parse(template) if name}
    return _fill(template, r.n, **{name: fields[name](name) for name in used})


def _violations(t, kind, r: _Rows):
    """Vectorised :func:`_violation`: the act, whether it was seen, and the sanction."""
    out = _fill(t[kind], r.n, firm=r.text("firm"), profile=r.profile())
    detected = r.values("detected").astype(bool)
    if kind == "quota_skip":
        open_act = np.ones(r.n, bool)
    elif kind == "diversion":
        open_act = r.values("code") == 1
    else:
        open_act = np.zeros(r.n, bool)
    seen = np.where(open_act, t["open"], np.where(detected, t["detected"], t["hidden"]))
    out = np.strings.add(out, seen.astype(_STR))
    strike = r.text("strike")
    for name, key in (("warning", "warning"), ("fine", "fine"), ("expulsion", "expel")):
        sel = r.is_category("sanction", name)
        if sel.any():
            amount = r.values("amount").astype(np.float64)[sel]
            out[sel] = np.strings.add(out[sel], _fill(t[key], int(sel.sum()), strike=strike[sel],
                                                      amount=amount))
    return np.strings.add(out, ".")
