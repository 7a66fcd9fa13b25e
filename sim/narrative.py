"""Sentences a trainer can read aloud, one per event, in English and Spanish.

The events table stores what happened as codes (kind, firm, profile, sanction, strike, amount);
this module turns each row into a sentence. The four profile names stay in Spanish in both
languages, as the field guide writes them (004:L1883-1951).
"""

from __future__ import annotations

import pandas as pd

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
        "conflict": "Las empresas {firm} y {other} entraron en conflicto en el grupo {group}; la confianza entre ellas cayó.",
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
    """One sentence per row of an events table."""
    if events.empty:
        return pd.Series([], dtype=object, index=events.index)
    cols = ["kind", "profile", "firm", "group", "other", "code", "detected", "sanction", "strike", "amount"]
    recs = events[cols].astype(object).to_dict("records")
    return pd.Series([sentence(r, lang) for r in recs], index=events.index, dtype=object)
