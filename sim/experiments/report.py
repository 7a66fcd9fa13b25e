"""The sweep report: one self-contained HTML page a ministry can read offline, in Spanish or English.

Order: a one-page plain-language summary (what was asked, which policies are robust, what they
cost, how sure we are); the ranked policy table (sim/robustness.py); outcomes per policy with
reference lines (going alone, the survival threshold); the groups' trajectories with bands; the
discovered rules (PRIM, with stability, and CART); sensitivity with its diagnostics; trade-offs;
a methods appendix (design, seeds, definitions, versions, how to re-run). Labels and units come
from the scenario schema (sim/model/scenario.py) and :data:`sim.experiments.experiment.OUTCOME_INFO`, never raw
keys. Figures summarise over design points (box plots per policy, ranked means with bands), so
they stay readable at 500+ points. plotly.js is embedded once; print CSS lays the page out on A4
or letter.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..model.scenario import param
from ..model.vocabulary import CHOICES
from .experiment import OUTCOME_INFO
from .sweepstore import StoreError, SweepStore

LANGS = ("es", "en")
MAIN = ("survival", "income_gain", "trust", "cooperation", "members", "facilitator_meetings")
SERIES = ("alive", "trust", "income_gain", "cooperation")
BOX_LIMIT = 40  # design points up to which outcomes are drawn per point
SERIES_LABELS = {"alive": ("Groups alive (share)", "Grupos vivos (proporción)"),
                 "trust": ("Trust among members", "Confianza entre socios"),
                 "income_gain": ("Members' income over going alone", "Ingreso de los socios frente a ir solo"),
                 "cooperation": ("Cooperation", "Cooperación")}

CSS = """body{font-family:system-ui,'Segoe UI',Roboto,sans-serif;color:#1d1d1d;margin:0;background:#fafafa}
main{max-width:680px;margin:0 auto;padding:1.5em 1.2em;background:#fff}
h1{font-size:1.5em;margin:.2em 0}
h2{font-size:1.2em;border-bottom:2px solid #2b6cb0;padding-bottom:.2em;margin-top:1.8em}
h3{font-size:1.02em;margin:1.2em 0 .3em}p,li{line-height:1.45}
table{border-collapse:collapse;font-size:.76em;margin:.5em 0;width:100%}
td,th{border:1px solid #d6d6d6;padding:3px 5px;vertical-align:top}
th{background:#eef3f8;text-align:left}td.n{text-align:right}th{hyphens:auto;font-weight:600}td{overflow-wrap:anywhere}
.summary{border:1px solid #c9d8ea;background:#f5f9fd;padding:.6em 1em;border-radius:4px}
.rule{background:#f6f8fa;border-left:4px solid #2b6cb0;padding:.5em .8em;margin:.6em 0;overflow-wrap:anywhere}
.rule ul{margin:.2em 0 .2em 1.2em;padding:0}.cand{border-left-color:#b7791f}
.summary h2{margin-top:.4em}.ftitle{font-weight:600;font-size:.92em;margin:1em 0 0}
.robust{color:#276749;font-weight:600}.warn{color:#9c4221}.note{color:#555;font-size:.88em}
code{overflow-wrap:anywhere;font-size:.85em}.fig{break-inside:avoid;page-break-inside:avoid}
@page{margin:14mm}
@media print{body{background:#fff}main{max-width:none;padding:0}
.summary{font-size:.93em;break-after:page;page-break-after:always}
h2{break-after:avoid;page-break-after:avoid}tr,.rule{break-inside:avoid;page-break-inside:avoid}}"""

T = {
    "es": {
        "title": "Informe del experimento", "generated": "Generado el {stamp} a partir de {folder}",
        "summary": "Resumen", "asked": "Qué se preguntó",
        "asked_crossed": "Se probaron {policies} políticas (combinaciones de {levers}) en los mismos {contexts} "
                         "contextos posibles (combinaciones sorteadas de {unc}), con {reps} repeticiones "
                         "de {steps} reuniones cada una: {runs} simulaciones.",
        "asked_other": "Se exploraron {points} combinaciones de {factors} con {reps} repeticiones de {steps} "
                       "reuniones cada una: {runs} simulaciones (diseño {design}).",
        "success": "Una simulación tiene éxito cuando al menos el {surv} de los grupos sigue vivo al final y "
                   "sus socios ganan más que yendo solos.",
        "robust_head": "Qué políticas son robustas",
        "robust_yes": "{n} de {total} políticas tienen éxito en al menos el {share} de los contextos:",
        "robust_no": "Ninguna política tiene éxito en el {share} de los contextos. La mejor:",
        "policy_line": "{policy}: éxito en el {sat} de los contextos (intervalo del 90 %: {lo}–{hi}){cost}",
        "cost_part": "; costo: {cost} {unit}",
        "cost_head": "Qué cuestan",
        "cost_text": "El costo es: {what} ({unit}). La política "
                     "robusta más barata cuesta {cheap}; la más cara de las robustas, {dear}.",
        "cost_none": "El costo (costo del programa o tiempo de facilitador) no se guardó en este experimento.",
        "sure_head": "Qué tan seguros estamos",
        "sure_best": "En {best} de cada 100 remuestreos de los contextos, la primera política sigue primera.",
        "sure_noise": "El azar (diferencias entre repeticiones de un mismo punto) explica el {share} de la "
                      "variación de la supervivencia.",
        "sure_rule": "Regla encontrada: {rule} (reaparece en {stab} de las submuestras).",
        "sure_norule": "No se encontró una regla simple que alcance el {dens} de éxito.",
        "sure_points": "{ok} de {n} puntos del diseño tienen éxito en la mayoría de sus repeticiones.",
        "policies": "Políticas, de la más robusta a la menos robusta",
        "rank": "N.º", "satisficing": "Éxito en contextos", "interval": "Intervalo 90 %",
        "rate": "Corridas con éxito", "regret": "Pérdida máx. frente a la mejor (ingreso)",
        "cost": "Costo ({unit})", "first": "1.ª en remuestreos",
        "robust": "Robusta", "yes": "sí", "no": "no",
        "outcomes": "Resultados por política", "outcomes_points": "Resultados por punto del diseño",
        "by_policy": "{o}: media por contexto, para cada política",
        "ranked": "{o}: media por punto (ordenados) con la banda del 10 % al 90 % de las repeticiones",
        "alone": "ir solo", "threshold": "umbral de supervivencia", "robust_line": "umbral de robustez",
        "series": "Trayectorias de los grupos", "series_title": "{o} reunión a reunión (media y banda 10–90 %)",
        "meeting": "reunión", "meetings": "reuniones",
        "discovery": "Dónde funcionan los grupos: reglas encontradas (PRIM y CART)",
        "rule_if": "SI", "rule_and": "Y", "rule_then": "ENTONCES tiene éxito el {dens} de los puntos "
                     "({n} puntos; contiene el {cov} de todos los éxitos)",
        "candidate": "Candidata (no alcanza el {dens} de éxito requerido; no es una regla)",
        "stability": "reaparece en el {s} de las submuestras",
        "cart": "Segunda mirada (árbol CART): hojas donde la mayoría tiene éxito",
        "trajectory": "Trayectoria de PRIM: cobertura frente a densidad (marcador grande: la caja elegida)",
        "coverage": "cobertura (parte de los éxitos dentro de la caja)",
        "density": "densidad (éxito dentro de la caja)",
        "sensitivity": "Qué factores pesan más (sensibilidad)",
        "variance": "De dónde viene la variación de cada resultado", "factors_part": "factores",
        "seed_part": "azar (entre repeticiones)", "share": "parte de la variación",
        "tradeoffs": "Compromisos entre resultados", "tradeoff": "{a} frente a {b} (medias por punto; color: éxito)",
        "methods": "Anexo metodológico", "index": "índice", "factor": "Factor", "values": "Valores explorados",
        "role": "Papel", "lever": "palanca (lo elige el programa)", "uncertainty": "incertidumbre (contexto)",
        "unit": "Unidad", "rerun": "Para repetir el experimento:", "none": "(ninguno)",
        "incomplete": "El barrido está incompleto: {have} de {want} simulaciones guardadas.",
        "no_robust": "No hay palancas con valores repetidos en varios contextos: no se calcula la robustez.",
        "sampled": "{lo} a {hi} (muestreado)", "more": "y {n} más (ver la tabla de políticas)",
        "legend": "Políticas: {levers}",
        "designs": {"factorial": "factorial", "lhs": "hipercubo latino", "sobol": "Sobol", "morris": "Morris",
                    "crossed": "cruzado (palancas × contextos)"},
        "methods_sens": {"binned": "efectos principales por intervalos", "factorial": "efectos principales",
                         "sobol": "Sobol", "morris": "Morris", "rbd_fast": "RBD-FAST"},
        "true": "sí", "false": "no",
    },
    "en": {
        "title": "Experiment report", "generated": "Generated {stamp} from {folder}",
        "summary": "Summary", "asked": "What was asked",
        "asked_crossed": "{policies} policies (combinations of {levers}) were tried in the same {contexts} "
                         "possible contexts (sampled combinations of {unc}), with {reps} replications of "
                         "{steps} meetings each: {runs} runs.",
        "asked_other": "{points} combinations of {factors} were explored with {reps} replications of {steps} "
                       "meetings each: {runs} runs ({design} design).",
        "success": "A run succeeds when at least {surv} of the groups are alive at the end and their members "
                   "earn more than going alone.",
        "robust_head": "Which policies are robust",
        "robust_yes": "{n} of {total} policies succeed in at least {share} of the contexts:",
        "robust_no": "No policy succeeds in {share} of the contexts. The best:",
        "policy_line": "{policy}: succeeds in {sat} of the contexts (90 % interval: {lo}–{hi}){cost}",
        "cost_part": "; cost: {cost} {unit}",
        "cost_head": "What they cost",
        "cost_text": "Cost is: {what} ({unit}). The cheapest robust "
                     "policy costs {cheap}; the dearest robust one, {dear}.",
        "cost_none": "The cost (programme cost or facilitator time) was not kept in this experiment.",
        "sure_head": "How sure we are",
        "sure_best": "In {best} of 100 resamples of the contexts, the first policy stays first.",
        "sure_noise": "Chance (differences between replications of the same point) explains {share} of the "
                      "variation in survival.",
        "sure_rule": "Rule found: {rule} (it reappears in {stab} of the subsamples).",
        "sure_norule": "No simple rule reaches {dens} success.",
        "sure_points": "{ok} of {n} design points succeed in most of their replications.",
        "policies": "Policies, from most to least robust",
        "rank": "#", "satisficing": "Success across contexts", "interval": "90 % interval",
        "rate": "Runs that succeed", "regret": "Max. shortfall from the best (income)",
        "cost": "Cost ({unit})", "first": "First in resamples",
        "robust": "Robust", "yes": "yes", "no": "no",
        "outcomes": "Outcomes by policy", "outcomes_points": "Outcomes by design point",
        "by_policy": "{o}: mean per context, for each policy",
        "ranked": "{o}: mean per point (ranked) with the 10 %–90 % band over replications",
        "alone": "going alone", "threshold": "survival threshold", "robust_line": "robustness threshold",
        "series": "The groups' trajectories", "series_title": "{o} meeting by meeting (mean and 10–90 % band)",
        "meeting": "meeting", "meetings": "meetings",
        "discovery": "Where groups work: discovered rules (PRIM and CART)",
        "rule_if": "IF", "rule_and": "AND", "rule_then": "THEN {dens} of the points succeed ({n} points; "
                     "it holds {cov} of all successes)",
        "candidate": "Candidate (below the required {dens} success; not a rule)",
        "stability": "reappears in {s} of the subsamples",
        "cart": "Second view (CART tree): leaves where most succeed",
        "trajectory": "PRIM trajectory: coverage against density (large marker: the chosen box)",
        "coverage": "coverage (share of successes inside the box)", "density": "density (success inside the box)",
        "sensitivity": "Which factors matter most (sensitivity)",
        "variance": "Where the variation of each outcome comes from", "factors_part": "factors",
        "seed_part": "chance (between replications)", "share": "share of the variation",
        "tradeoffs": "Trade-offs between outcomes", "tradeoff": "{a} against {b} (point means; colour: success)",
        "methods": "Methods appendix", "index": "index", "factor": "Factor", "values": "Values explored",
        "role": "Role", "lever": "lever (the programme chooses it)", "uncertainty": "uncertainty (context)",
        "unit": "Unit", "rerun": "To re-run the experiment:", "none": "(none)",
        "incomplete": "The sweep is incomplete: {have} of {want} runs stored.",
        "no_robust": "No lever takes repeated values across several contexts: robustness is not computed.",
        "sampled": "{lo} to {hi} (sampled)", "more": "and {n} more (see the policy table)",
        "legend": "Policies: {levers}",
        "designs": {"factorial": "factorial", "lhs": "Latin hypercube", "sobol": "Sobol", "morris": "Morris",
                    "crossed": "crossed (levers × contexts)"},
        "methods_sens": {"binned": "main effects by bins", "factorial": "main effects", "sobol": "Sobol",
                         "morris": "Morris", "rbd_fast": "RBD-FAST"},
        "true": "yes", "false": "no",
    },
}

METHODS = {
    "es": [
        "<b>Diseño.</b> {design_text}",
        "<b>Semillas.</b> Semilla raíz {seed}; {seeding}. Cada simulación depende sólo de (semilla raíz, punto, "
        "repetición), nunca de cuántos procesos la corrieron.",
        "<b>Éxito.</b> Una simulación tiene éxito si al menos {surv} de los grupos sigue vivo al final y el "
        "ingreso de los socios supera en más de {gain} lo que ganarían solos. Un punto del diseño tiene éxito "
        "cuando más de la mitad de sus repeticiones lo tienen.",
        "<b>Robustez.</b> Para cada política: la parte de los contextos en que tiene éxito (satisfacción), "
        "la parte de sus simulaciones con éxito, la pérdida frente a la mejor política en cada contexto "
        "(arrepentimiento "
        "de Savage, máximo sobre contextos) y el costo. Intervalos del 90 % por remuestreo de contextos (1000 "
        "remuestreos, pareados entre políticas). Robusta: éxito en al menos {robust} de los contextos. Orden: "
        "satisfacción, luego costo, luego arrepentimiento.",
        "<b>Reglas (PRIM).</b> Paquete PRIM (el algoritmo del EMA Workbench, publicado aparte). Se elige la caja de "
        "mayor cobertura con densidad de al menos {dens}; una caja por debajo se muestra como candidata, no como "
        "regla. Los límites se redondean a 1/100 del rango explorado. Estabilidad: PRIM sobre {res} mitades al "
        "azar de los puntos. CART: árbol de clasificación de scikit-learn de profundidad 3.",
        "<b>Sensibilidad.</b> {sens_text} Los índices se calculan sobre la media de las repeticiones de cada punto; "
        "la parte del azar se estima sin sesgo (varianza dentro de cada punto con n-1).",
    ],
    "en": [
        "<b>Design.</b> {design_text}",
        "<b>Seeds.</b> Root seed {seed}; {seeding}. Each run depends only on (root seed, point, replication), "
        "never on how many processes ran it.",
        "<b>Success.</b> A run succeeds when at least {surv} of the groups are alive at the end and the members' "
        "income exceeds what they would earn alone by more than {gain}. A design point succeeds when more than "
        "half of its replications do.",
        "<b>Robustness.</b> For each policy: the share of contexts where it succeeds (satisficing), the share of "
        "its runs that succeed, its shortfall from the best policy in each context (Savage regret, maximum over "
        "contexts) and its cost. 90 % intervals from resampling the contexts (1,000 resamples, paired across "
        "policies). Robust: succeeds in at least {robust} of the contexts. Order: satisficing, then cost, then regret.",
        "<b>Rules (PRIM).</b> The PRIM package (the EMA Workbench's algorithm, packaged standalone). The box with "
        "the highest coverage among those with density at least {dens} is chosen; a box below it is shown as a "
        "candidate, not a rule. Limits are rounded to 1/100 of the explored range. Stability: PRIM on {res} "
        "random halves of the points. CART: scikit-learn classification tree of depth 3.",
        "<b>Sensitivity.</b> {sens_text} Indices are computed on the mean of each point's replications; the "
        "share of chance is estimated without bias (within-point variance with n-1).",
    ],
}


class Labels:
    """Names, units and numbers in one language."""

    def __init__(self, lang: str):
        """Labels in ``lang`` ('es' or 'en')."""
        self.lang = lang
        self.t = T[lang]

    def factor(self, key: str, unit: bool = False) -> str:
        """A parameter's label from the scenario schema (with its unit when asked)."""
        p = param(key)
        text = getattr(p, self.lang) or key
        return f"{text} ({p.unit_in(self.lang)})" if unit and p.unit else text

    def outcome(self, name: str, unit: bool = False) -> str:
        """An outcome's label (and unit)."""
        en, es, uen, ues = OUTCOME_INFO.get(name, (name, name, "", ""))
        text = es if self.lang == "es" else en
        u = ues if self.lang == "es" else uen
        return f"{text} ({u})" if unit and u else text

    def unit(self, name: str | None) -> str:
        """An outcome's unit."""
        info = OUTCOME_INFO.get(name or "", ("", "", "", ""))
        return info[3] if self.lang == "es" else info[2]

    def num(self, v, digits: int = 2) -> str:
        """A number with the language's decimal mark."""
        if isinstance(v, str):
            return v
        if v is None or not np.isfinite(float(v)):
            return "–"
        s = f"{float(v):.{digits}f}"
        s = s.rstrip("0").rstrip(".") if "." in s else s
        return s.replace(".", ",") if self.lang == "es" else s

    def pct(self, v) -> str:
        """A share as a percentage."""
        return "–" if v is None or not np.isfinite(v) else f"{v * 100:.0f} %"

    def value(self, v) -> str:
        """A factor value in the report's language.

        A number with the language's decimal mark, a choice by its label (sim/model/vocabulary.py,
        ``CHOICES``: 'taper' is 'retiro gradual'), a switch as yes or no.
        """
        if isinstance(v, (bool, np.bool_)):
            return self.t["true" if v else "false"]
        if isinstance(v, (float, np.floating)):
            return self.num(float(f"{float(v):.3g}"), 3)
        if isinstance(v, str) and v in CHOICES:
            return CHOICES[v][self.lang == "es"]
        return str(v)

    def unit_of(self, key: str) -> str:
        """A parameter's unit in the report's language ('' when it has none)."""
        return param(key).unit_in(self.lang)

    def design(self, name: str) -> str:
        """The name of an experiment design."""
        return self.t["designs"].get(name, name)

    def policy(self, row, levers) -> str:
        """A policy as 'label = value; ...'."""
        return "; ".join(f"{self.factor(k)} = {self.value(row[k])}" for k in levers)

    def short(self, row, levers) -> str:
        """A policy as its values only ('taper · 10 · 0,5'), for chart labels; see :meth:`levers`."""
        return " · ".join(self.value(row[k]) for k in levers)

    def levers(self, levers) -> str:
        """What the values of :meth:`short` are, in order."""
        return " · ".join(self.factor(k) for k in levers)


def _e(s) -> str:
    return html.escape(str(s))


def _fig_html(fig, first: list) -> str:
    """A figure with its title as HTML above it (it wraps on screen and in print; plotly's does not)."""
    title = fig.layout.title.text or ""
    fig.update_layout(margin={"l": 60, "r": 20, "t": 20, "b": 50}, font={"size": 12}, title=None,
                      template="plotly_white")
    out = fig.to_html(full_html=False, include_plotlyjs=bool(first), config={"displaylogo": False,
                                                                              "responsive": True})
    first.clear()
    return f"<div class='fig'><p class='ftitle'>{_e(title)}</p>{out}</div>"


def _ref_lines(fig, outcome: str, disc: dict, L: Labels, axis: str = "y") -> None:
    add = fig.add_hline if axis == "y" else fig.add_vline
    pos = "top left"
    if outcome == "income_gain":
        add(0.0, line_dash="dash", line_color="#444", annotation_text=L.t["alone"], annotation_position=pos)
    if outcome in ("survival", "alive"):
        add(disc.get("survival_min", 0.5), line_dash="dot", line_color="#c53030",
            annotation_text=L.t["threshold"], annotation_position=pos)


def _restriction_text(r, L: Labels) -> str:
    name = L.factor(r.key)
    if r.levels is not None:
        return f"{name} ∈ {{{', '.join(L.value(v) for v in r.levels)}}}"
    if r.lo is not None and r.hi is not None:
        return f"{L.num(r.lo, 3)} ≤ {name} ≤ {L.num(r.hi, 3)}"
    return f"{name} ≥ {L.num(r.lo, 3)}" if r.lo is not None else f"{name} ≤ {L.num(r.hi, 3)}"


def _rule_html(box, L: Labels, stability: bool) -> str:
    items = []
    for r in box.restrictions:
        extra = (f" <span class='note'>({L.t['stability'].format(s=L.pct(r.stability))})</span>"
                 if stability and np.isfinite(r.stability) else "")
        items.append(f"<li>{_e(_restriction_text(r, L))}{extra}</li>")
    head = "" if box.is_rule else f"<div class='warn'>{_e(L.t['candidate'].format(dens=L.pct(0.8)))}</div>"
    then = L.t["rule_then"].format(dens=L.pct(box.density), n=box.points, cov=L.pct(box.coverage))
    body = f"<b>{L.t['rule_if']}</b><ul>{''.join(items) or '<li>' + L.t['none'] + '</li>'}</ul><b>{_e(then)}</b>"
    return f"<div class='rule{'' if box.is_rule else ' cand'}'>{head}{body}</div>"


def _plain_rule(box, L: Labels) -> str:
    joined = f" {L.t['rule_and']} ".join(_restriction_text(r, L) for r in box.restrictions)
    return f"{L.t['rule_if']} {joined} → {L.pct(box.density)}"


def _policy_table(rob, L: Labels) -> str:
    t = L.t
    cols = [t["rank"], *[L.factor(k) for k in rob.levers], f"{t['satisficing']} ({t['interval']})", t["rate"],
            t["regret"]] + ([t["cost"].format(unit=L.unit(rob.cost))] if "cost" in rob.table else [])
    cols += [t["first"], t["robust"]]
    rows = []
    for _, row in rob.table.iterrows():
        cells = [f"<td class='n'>{int(row['rank'])}</td>"]
        cells += [f"<td>{_e(L.value(row[k]))}</td>" for k in rob.levers]
        cells += [f"<td class='n'><b>{L.pct(row['satisficing'])}</b><br><span class='note'>"
                  f"{row['satisficing_lo'] * 100:.0f}–{row['satisficing_hi'] * 100:.0f} %</span></td>",
                  f"<td class='n'>{L.pct(row['success_rate'])}</td>",
                  f"<td class='n'>{L.num(row['regret_gain_max'] * 100, 1)} pp</td>"]
        if "cost" in rob.table:
            cells.append(f"<td class='n'>{L.num(round(float(row['cost']), 1), 1)}</td>")
        cells += [f"<td class='n'>{L.pct(row['best_share'])}</td>",
                  f"<td class='{'robust' if row['robust'] else ''}'>{t['yes'] if row['robust'] else t['no']}</td>"]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _summary(man, runs, rob, disc, sens, L: Labels, levers, unc) -> str:
    t = L.t
    reps, steps = man["replications"], man["steps"]
    dsc = man.get("discovery", {})
    parts = [f"<h2>{t['summary']}</h2>"]
    if _description(man):
        parts.append(f"<p><i>{_e(_description(man))}</i></p>")
    parts.append(f"<h3>{t['asked']}</h3>")
    if rob is not None:
        parts.append("<p>" + _e(t["asked_crossed"].format(
            policies=len(rob.table), levers=", ".join(L.factor(k).lower() for k in levers),
            contexts=rob.contexts, unc=", ".join(L.factor(k).lower() for k in unc), reps=reps, steps=steps,
            runs=len(runs))) + " " + _e(t["success"].format(surv=L.pct(dsc.get("survival_min", 0.5)))) + "</p>")
        parts.append(f"<h3>{t['robust_head']}</h3>")
        robust = rob.robust
        share = L.pct(rob.robust_share)
        lines = robust if len(robust) else rob.table.head(1)
        parts.append("<p>" + _e((t["robust_yes"] if len(robust) else t["robust_no"]).format(
            n=len(robust), total=len(rob.table), share=share)) + "</p><ul>")
        for _, row in lines.head(3).iterrows():
            cost = (t["cost_part"].format(cost=L.num(round(float(row["cost"]), 1), 1), unit=L.unit(rob.cost))
                    if "cost" in row else "")
            parts.append("<li>" + _e(t["policy_line"].format(
                policy=L.policy(row, levers), sat=L.pct(row["satisficing"]), lo=L.pct(row["satisficing_lo"]),
                hi=L.pct(row["satisficing_hi"]), cost=cost)) + "</li>")
        if len(robust) > 3:
            parts.append(f"<li>{_e(t['more'].format(n=len(robust) - 3))}</li>")
        parts.append("</ul>")
        parts.append(f"<h3>{t['cost_head']}</h3>")
        if "cost" in rob.table and len(robust):
            cheap, dear = (L.num(round(float(f(robust["cost"])), 1), 1) for f in (np.min, np.max))
            parts.append("<p>" + _e(t["cost_text"].format(cheap=cheap, dear=dear, what=L.outcome(rob.cost).lower(),
                                                          unit=L.unit(rob.cost))) + "</p>")
        elif "cost" not in rob.table:
            parts.append(f"<p>{_e(t['cost_none'])}</p>")
        else:
            parts.append("<p>–</p>")
    else:
        factors = ", ".join(L.factor(k).lower() for k in man["factors"])
        parts.append("<p>" + _e(t["asked_other"].format(points=man["points"], factors=factors, reps=reps,
                                                        steps=steps, runs=len(runs),
                                                        design=L.design(man["design"])))
                     + " " + _e(t["success"].format(surv=L.pct(dsc.get("survival_min", 0.5)))) + "</p>")
        if levers and unc is not None:
            parts.append(f"<p class='note'>{_e(t['no_robust'])}</p>")
    parts.append(f"<h3>{t['sure_head']}</h3><ul>")
    if rob is not None and len(rob.table):
        top = rob.table.iloc[0]
        parts.append("<li>" + _e(t["sure_best"].format(best=int(round(top["best_share"] * 100)),
                                                       policy=L.policy(top, levers))) + "</li>")
    if sens is not None and len(sens.noise):
        n = sens.noise.set_index("outcome")
        if "survival" in n.index and np.isfinite(n.loc["survival", "share_between_reps"]):
            parts.append("<li>" + _e(t["sure_noise"].format(share=L.pct(n.loc["survival", "share_between_reps"])))
                         + "</li>")
    if disc is not None:
        parts.append("<li>" + _e(t["sure_points"].format(ok=disc.successes, n=disc.points)) + "</li>")
        if disc.boxes and disc.boxes[0].is_rule:
            b = disc.boxes[0]
            stab = min((r.stability for r in b.restrictions), default=float("nan"))
            parts.append("<li>" + _e(t["sure_rule"].format(rule=_plain_rule(b, L), stab=L.pct(stab))) + "</li>")
        else:
            parts.append("<li>" + _e(t["sure_norule"].format(dens=L.pct(disc.density_target))) + "</li>")
    if sens is not None and len(sens.diagnostics):
        for _, dg in sens.diagnostics.iterrows():
            if dg["warning"]:
                parts.append(f"<li class='warn'>{_e(L.outcome(dg['outcome']))}: {_e(_sobol_warning(dg, L))}</li>")
    parts.append("</ul>")
    return "<section class='summary'>" + "".join(parts) + "</section>"


def _description(man) -> str:
    """The experiment's description, from the experiment text kept in the manifest."""
    import tomllib

    try:
        return str(tomllib.loads(man.get("experiment_text", ""))["experiment"].get("description", ""))
    except (tomllib.TOMLDecodeError, KeyError, TypeError):
        return ""


def _policy_figs(rob, runs, L: Labels, disc: dict, outcomes) -> list:
    import plotly.graph_objects as go

    figs = []
    names = {int(r["policy"]): f"{int(r['rank'])}. " + L.short(r, rob.levers) for _, r in rob.table.iterrows()}
    axis = {"automargin": True, "title": {"text": L.levers(rob.levers), "font": {"size": 11}}}
    order = [int(p) for p in rob.table["policy"]]
    fig = go.Figure(go.Bar(
        y=[names[p] for p in order][::-1], x=rob.table["satisficing"][::-1], orientation="h",
        marker_color=["#2f855a" if r else "#a0aec0" for r in rob.table["robust"][::-1]],
        error_x={"type": "data", "symmetric": False,
                 "array": (rob.table["satisficing_hi"] - rob.table["satisficing"])[::-1],
                 "arrayminus": (rob.table["satisficing"] - rob.table["satisficing_lo"])[::-1]}))
    fig.add_vline(rob.robust_share, line_dash="dot", line_color="#c53030", annotation_text=L.t["robust_line"],
                  annotation_position="top left")
    fig.update_layout(title=L.t["satisficing"], xaxis={"range": [0, 1.05], "tickformat": ".0%"},
                      height=140 + 26 * len(order), yaxis=axis)
    figs.append(fig)
    per = rob.per_context
    for o in outcomes:
        if o not in per:
            continue
        fig = go.Figure()
        for p in order:
            fig.add_box(x=per.loc[per["policy"] == p, o], name=names[p], boxpoints="outliers",
                        orientation="h", marker_color="#2b6cb0", showlegend=False)
        _ref_lines(fig, o, disc, L, axis="x")
        label = L.outcome(rob.cost if o == "cost" else o, unit=True)
        fig.update_layout(title=L.t["by_policy"].format(o=label),
                          height=140 + 26 * len(order), yaxis={**axis, "autorange": "reversed"})
        figs.append(fig)
    return figs


def _point_figs(runs, design, L: Labels, disc: dict, outcomes) -> list:
    import plotly.graph_objects as go

    figs = []
    for o in outcomes:
        col = f"outcome.{o}"
        g = runs.groupby("point")[col]
        stats = pd.DataFrame({"mean": g.mean(), "lo": g.quantile(0.1), "hi": g.quantile(0.9)}).sort_values("mean")
        x = np.arange(1, len(stats) + 1)
        fig = go.Figure()
        fig.add_scatter(x=np.r_[x, x[::-1]], y=np.r_[stats["hi"], stats["lo"][::-1]], fill="toself",
                        line={"width": 0}, fillcolor="rgba(43,108,176,0.2)", hoverinfo="skip", showlegend=False)
        fig.add_scatter(x=x, y=stats["mean"], mode="lines" if len(x) > BOX_LIMIT else "lines+markers",
                        line={"color": "#2b6cb0"}, showlegend=False,
                        text=[f"#{p}" for p in stats.index], hovertemplate="%{text}: %{y:.3g}<extra></extra>")
        _ref_lines(fig, o, disc, L)
        fig.update_layout(title=L.t["ranked"].format(o=L.outcome(o, unit=True)), height=320,
                          xaxis_title=f"{len(x)} " + ("puntos, ordenados" if L.lang == "es" else "points, ranked"))
        figs.append(fig)
    return figs


def _series_figs(series, groups: pd.Series, names: dict, L: Labels, disc: dict, legend: str = "") -> list:
    """Per group of runs (policy, or success of the design point): mean and 10-90 % band per meeting."""
    import plotly.graph_objects as go

    palette = ["#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#718096", "#d69e2e", "#319795"]
    figs = []
    series = series.assign(group=groups.reindex(series["point"]).to_numpy())
    keys = list(names)
    for c in [c for c in SERIES if c in series]:
        fig = go.Figure()
        stats = series.groupby(["group", "step"])[c].agg(
            mean="mean", lo=lambda s: s.quantile(0.1), hi=lambda s: s.quantile(0.9)).reset_index()
        for i, k in enumerate(keys):
            s = stats[stats["group"] == k]
            if s.empty:
                continue
            colour = palette[i % len(palette)]
            band = i < 2 or i == len(keys) - 1  # bands for the first two and the last: readable
            if band:
                r, g, b = (int(colour[j:j + 2], 16) for j in (1, 3, 5))
                fig.add_scatter(x=np.r_[s["step"], s["step"][::-1]], y=np.r_[s["hi"], s["lo"][::-1]],
                                fill="toself", line={"width": 0}, fillcolor=f"rgba({r},{g},{b},0.15)",
                                hoverinfo="skip", showlegend=False, legendgroup=str(k))
            fig.add_scatter(x=s["step"], y=s["mean"], mode="lines", name=names[k], line={"color": colour},
                            legendgroup=str(k))
        _ref_lines(fig, c, disc, L)
        title = SERIES_LABELS[c][L.lang == "es"]
        fig.update_layout(title=L.t["series_title"].format(o=title), xaxis_title=L.t["meeting"], height=380,
                          legend={"orientation": "h", "y": -0.25, "font": {"size": 10},
                                  "title": {"text": legend, "side": "top"}})
        figs.append(fig)
    return figs


def _discovery_html(d, L: Labels, first) -> str:
    import plotly.graph_objects as go

    parts = [f"<p>{_e(L.t['sure_points'].format(ok=d.successes, n=d.points))}</p>"]
    base = d.successes / d.points if d.points else 0.0
    if d.boxes and base >= d.density_target:
        parts.append("<p class='note'>" + _e(
            f"El {L.pct(base)} de los puntos ya tiene éxito (objetivo {L.pct(d.density_target)}): una regla debe "
            f"llegar al {L.pct((1 + base) / 2)}, la mitad del camino hasta el 100 %." if L.lang == "es" else
            f"{L.pct(base)} of the points already succeed (target {L.pct(d.density_target)}): a rule must reach "
            f"{L.pct((1 + base) / 2)}, half-way to 100 %.") + "</p>")
    if d.note and not d.boxes:
        notes_es = {"no design point succeeds": "ningún punto del diseño tiene éxito",
                    "every design point succeeds": "todos los puntos del diseño tienen éxito",
                    "too few design points for PRIM": "demasiado pocos puntos para PRIM",
                    "PRIM found no box denser in successes than the whole space":
                        "PRIM no encontró una caja con más éxitos que el espacio completo"}
        text = d.note.split(". ")[-1] if L.lang == "es" else d.note
        parts.append(f"<p class='note'>{_e(notes_es.get(text, text) if L.lang == 'es' else text)}</p>")
    for i, b in enumerate(d.boxes):
        parts.append(_rule_html(b, L, stability=(i == 0)))
    if d.cart:
        parts.append(f"<h3>{_e(L.t['cart'])}</h3>")
        parts += [_rule_html(b, L, stability=False) for b in d.cart[:3]]
    if len(d.trajectory):
        fig = go.Figure()
        for b, g in d.trajectory.groupby("box"):
            fig.add_scatter(x=g["coverage"], y=g["density"], mode="lines+markers", name=f"{b}",
                            marker={"size": [13 if c else 5 for c in g["chosen"]]})
        fig.add_hline(d.density_target, line_dash="dot", line_color="#c53030")
        fig.update_layout(title=L.t["trajectory"], xaxis_title=L.t["coverage"], yaxis_title=L.t["density"],
                          height=360, xaxis={"tickformat": ".0%"}, yaxis={"tickformat": ".0%"})
        parts.append(_fig_html(fig, first))
    return "".join(parts)


def _sensitivity_html(s, L: Labels, first) -> str:
    import plotly.graph_objects as go

    from .sensitivity import COLUMNS

    parts = []
    cols = COLUMNS[s.method]
    for o, g in s.table.groupby("outcome", sort=False):
        fig = go.Figure()
        for c in cols:
            conf = g.get(f"{c}_conf")
            fig.add_bar(name=c, y=[L.factor(f) for f in g["factor"]], x=g[c], orientation="h",
                        error_x={"type": "data", "array": conf} if conf is not None else None)
        fig.update_layout(title=L.outcome(o), barmode="group", xaxis_title=L.t["index"],
                          height=120 + 40 * len(g), yaxis={"automargin": True, "autorange": "reversed"},
                          legend={"orientation": "h", "y": -0.2})
        parts.append(_fig_html(fig, first))
    if len(s.noise):
        fig = go.Figure()
        labels = [L.outcome(o) for o in s.noise["outcome"]]
        fig.add_bar(name=L.t["factors_part"], y=labels, x=s.noise["share_design"], orientation="h")
        fig.add_bar(name=L.t["seed_part"], y=labels, x=s.noise["share_between_reps"], orientation="h")
        fig.update_layout(title=L.t["variance"], barmode="stack", xaxis={"tickformat": ".0%", "range": [0, 1]},
                          height=140 + 30 * len(labels), yaxis={"automargin": True},
                          legend={"orientation": "h", "y": -0.2})
        parts.append(_fig_html(fig, first))
    for _, dg in (s.diagnostics.iterrows() if len(s.diagnostics) else []):
        cls = "warn" if dg["warning"] else "note"
        parts.append(f"<p class='{cls}'>{_e(L.outcome(dg['outcome']))}: N = {int(dg['N'])}, ΣS1 = "
                     f"{L.num(dg['sum_S1'])}, ΣST = {L.num(dg['sum_ST'])}. {_e(_sobol_warning(dg, L))}</p>")
    parts += [f"<p class='note'>{_e(n)}</p>" for n in s.notes]
    return "".join(parts)


def _sobol_warning(dg, L: Labels) -> str:
    """The Sobol diagnostics of one outcome as a sentence in the report's language."""
    es = L.lang == "es"
    found = []
    if dg["sum_S1"] > 1.1:
        found.append(f"los índices de primer orden suman {L.num(dg['sum_S1'])} (> 1)" if es else
                     f"first order indices sum to {L.num(dg['sum_S1'])} (> 1)")
    if dg["sum_ST"] < dg["sum_S1"] - 0.1:
        found.append("los totales suman menos que los de primer orden" if es else
                     "total order indices sum to less than first order ones")
    if dg["negative_S1"] > 0:
        found.append(f"el {L.pct(dg['negative_S1'])} de los índices de primer orden son claramente negativos" if es
                     else f"{L.pct(dg['negative_S1'])} of first order indices are clearly negative")
    if dg["widest_conf"] > 0.1:
        found.append(f"el intervalo más ancho es ± {L.num(dg['widest_conf'])}" if es else
                     f"the widest interval is ± {L.num(dg['widest_conf'])}")
    n, rec = int(dg["N"]), int(dg["recommended_N"])
    if not found:
        return (f"N = {n} alcanza; N recomendado: {rec}." if es else f"N = {n} is enough; recommended N: {rec}.")
    head = f"N = {n} es poco: " if es else f"N = {n} is too small: "
    tail = f"; use N ≥ {rec}." if es else f"; use N ≥ {rec}."
    return head + "; ".join(found) + tail


def _tradeoff_figs(runs, ok, L: Labels, disc: dict) -> list:
    import plotly.graph_objects as go

    pairs = [("survival", "income_gain"), ("trust", "cooperation")]
    means = runs.assign(success=ok.astype(float) if ok is not None else np.nan).groupby("point").mean(numeric_only=True)
    figs = []
    for a, b in pairs:
        if f"outcome.{a}" not in means or f"outcome.{b}" not in means:
            continue
        fig = go.Figure(go.Scattergl(
            x=means[f"outcome.{a}"], y=means[f"outcome.{b}"], mode="markers",
            marker={"color": means["success"], "colorscale": "RdYlGn", "cmin": 0, "cmax": 1, "size": 6,
                    "opacity": 0.7, "showscale": True, "colorbar": {"tickformat": ".0%", "len": 0.8}}))
        _ref_lines(fig, b, disc, L)
        _ref_lines(fig, a, disc, L, axis="x")
        fig.update_layout(title=L.t["tradeoff"].format(a=L.outcome(a), b=L.outcome(b)),
                          xaxis_title=L.outcome(a, unit=True), yaxis_title=L.outcome(b), height=400)
        figs.append(fig)
    return figs


def _methods(man, design, sens, disc, L: Labels, roles) -> str:
    t = L.t
    rows = []
    for k in man["factors"]:
        col = design[k]
        vals = sorted(set(col), key=str)
        shown = (t["sampled"].format(lo=L.value(col.min()), hi=L.value(col.max()))
                 if len(vals) > 6 and pd.api.types.is_numeric_dtype(col) else ", ".join(L.value(v) for v in vals))
        rows.append(f"<tr><td>{_e(L.factor(k))}<br><code>{_e(k)}</code></td><td>{_e(shown)}</td>"
                    f"<td>{_e(L.unit_of(k) or '–')}</td><td>{_e(t.get(roles.get(k, ''), '–'))}</td></tr>")
    table = (f"<table><thead><tr><th>{t['factor']}</th><th>{t['values']}</th><th>{t['unit']}</th>"
             f"<th>{t['role']}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
    dsc = man.get("discovery", {})
    seeding = {"es": {"independent": "semillas propias de cada punto y repetición (SeedSequence.spawn)",
                      "common": "números aleatorios comunes: la repetición r usa la misma semilla en todos los puntos"},
               "en": {"independent": "seeds of their own for every point and replication (SeedSequence.spawn)",
                      "common": "common random numbers: replication r uses the same seed at every point"}}
    design_text = (f"{L.design(man['design'])}, {man['points']} × {man['replications']} = "
                   f"{man['points'] * man['replications']}; {man['steps']} "
                   f"{t['meeting'] if man['steps'] == 1 else t['meetings']}.")
    method = t["methods_sens"].get(sens.method, sens.method) if sens is not None else "–"
    sens_text = {"es": "Método: ", "en": "Method: "}[L.lang] + method + "."
    items = [m.format(design_text=design_text, seed=man["root_seed"],
                      seeding=seeding[L.lang].get(man.get("seeding"), man.get("seeding")),
                      surv=L.pct(dsc.get("survival_min", 0.5)), gain=L.pct(dsc.get("income_gain_min", 0.0)),
                      robust=L.pct(dsc.get("robust_share", 0.8)), dens=L.pct(dsc.get("density", 0.8)),
                      res=disc.resamples if disc is not None else 0, sens_text=sens_text)
             for m in METHODS[L.lang]]
    v = man.get("versions", {})
    return (table + "".join(f"<p>{m}</p>" for m in items)
            + f"<p class='note'>asocia {_e(v.get('asocia'))} · git {_e(v.get('git'))}</p>"
            + f"<p class='note'>{t['rerun']} <code>{_e(man['rerun'])}</code></p>")


def build_html(folder, lang: str = "es") -> str:
    """The report page as one HTML string (plotly.js embedded), in ``lang`` ('es' or 'en')."""
    from .discovery import discover, success
    from .robustness import from_store
    from .sensitivity import analyse

    if lang not in LANGS:
        raise StoreError(f"--lang got {lang!r}; allowed: {', '.join(LANGS)}")
    L = Labels(lang)
    t = L.t
    store = SweepStore(folder)
    man = store.manifest()
    runs = store.runs()
    if runs.empty:
        raise StoreError(f"{store.folder}: no runs stored yet; run 'asocia sweep' first")
    design = store.design()
    roles = man.get("roles") or {}
    levers = [f for f in man["factors"] if roles.get(f) == "lever"]
    unc = [f for f in man["factors"] if roles.get(f) == "uncertainty"]
    disc_cfg = man.get("discovery", {})
    outcomes = [o for o in MAIN if f"outcome.{o}" in runs]
    ok = success(runs, disc_cfg)
    total = man["points"] * man["replications"]
    complete = len(set(runs["point"])) == man["points"]
    rob = from_store(folder) if complete else None
    sens = None
    if complete:
        try:
            sens = analyse(folder, outcomes=[o for o in ("survival", "income_gain", "trust", "cooperation")
                                             if f"outcome.{o}" in runs] or None)
        except StoreError:
            sens = None
    try:
        disc = discover(folder)
    except StoreError:
        disc = None
    first = [True]
    body = [_summary(man, runs, rob, disc, sens, L, levers, unc)]
    if len(runs) < total:
        body.append(f"<p class='warn'>{_e(t['incomplete'].format(have=len(runs), want=total))}</p>")
    if rob is not None:
        body.append(f"<h2>{t['policies']}</h2>" + _policy_table(rob, L))
        body += [f"<p class='note'>{_e(n[lang])}</p>" for n in rob.notes]
        body.append(f"<h2>{t['outcomes']}</h2>")
        body += [_fig_html(f, first) for f in _policy_figs(rob, runs, L, disc_cfg, ["survival", "income_gain", "cost"])]
    else:
        body.append(f"<h2>{t['outcomes_points']}</h2>")
        body += [_fig_html(f, first) for f in _point_figs(runs, design, L, disc_cfg, outcomes[:3])]
    series = store.series()
    if len(series):
        if rob is not None:
            pol = design.set_index("point")
            key = {tuple(map(str, r[levers])): int(r["policy"]) for _, r in rob.table.iterrows()}
            groups = pol[levers].astype(str).apply(lambda r: key.get(tuple(r)), axis=1)
            show = [int(p) for p in rob.table["policy"]][:6]
            names = {p: f"{int(r['rank'])}. " + L.short(r, levers)
                     for p in show for _, r in rob.table[rob.table["policy"] == p].iterrows()}
        else:
            share = runs.assign(s=ok.astype(float) if ok is not None else 0.0).groupby("point")["s"].mean()
            groups = (share > 0.5).map({True: "ok", False: "fail"})
            names = {"ok": {"es": "puntos con éxito", "en": "points that succeed"}[lang],
                     "fail": {"es": "puntos sin éxito", "en": "points that fail"}[lang]}
        body.append(f"<h2>{t['series']}</h2>")
        legend = L.t["legend"].format(levers=L.levers(levers)) if rob is not None else ""
        body += [_fig_html(f, first) for f in _series_figs(series, groups, names, L, disc_cfg, legend)]
    if disc is not None:
        body.append(f"<h2>{t['discovery']}</h2>" + _discovery_html(disc, L, first))
    if sens is not None and len(sens.table):
        body.append(f"<h2>{t['sensitivity']}</h2>" + _sensitivity_html(sens, L, first))
    figs = _tradeoff_figs(runs, ok, L, disc_cfg)
    if figs:
        body.append(f"<h2>{t['tradeoffs']}</h2>" + "".join(_fig_html(f, first) for f in figs))
    body.append(f"<h2>{t['methods']}</h2>" + _methods(man, design, sens, disc, L, roles))
    name = man.get("experiment_name", "")
    stamp = time.strftime("%Y-%m-%d %H:%M")
    return (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_e(t['title'])}: {_e(name)}</title><style>{CSS}</style></head><body><main>"
            f"<h1>{_e(t['title'])} · {_e(name)}</h1>"
            f"<p class='note'>{_e(t['generated'].format(stamp=stamp, folder=store.folder))}</p>"
            + "".join(body) + "</main></body></html>")


def write_report(folder, out=None, lang: str = "es") -> Path:
    """Write the report (default ``DIR/report.html``, or ``DIR/report.en.html`` in English)."""
    path = Path(out) if out else Path(folder) / ("report.html" if lang == "es" else f"report.{lang}.html")
    if out and (path.is_dir() or not path.parent.is_dir()):   # refused before the page is built
        raise StoreError(f"--out {out}: allowed: an HTML file in an existing folder")
    page = build_html(folder, lang)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(path)
    except OSError as e:   # a full disk, a read-only folder
        tmp.unlink(missing_ok=True)
        raise StoreError(f"--out {path}: cannot write ({e.strerror or e})") from None
    return path
