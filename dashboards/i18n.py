"""Every word the dashboard shows, in Spanish and English.

Parameter labels come from the scenario schema (``Param.en`` / ``Param.es``) and log sentences from
the events table (``message`` / ``message_es``); this module holds the rest: buttons, panel and
chart titles, section names, event kinds. The words for choice values and units are declared in
``sim.model.vocabulary`` (``CHOICES``, ``UNITS``), shared with the command line and the report. The
four profile names stay in Spanish in both languages, as the field guide writes them
(004:L1883-1951).
"""

from __future__ import annotations

from sim.model.vocabulary import CHOICES, COLOURS, LABELS, UNITS

LANGS = ("es", "en")

# the four profiles' labels and Okabe-Ito colours, declared once in sim/model/vocabulary.py
PROFILE_LABELS = dict(LABELS)
PROFILE_COLORS = dict(COLOURS)

SECTIONS = {
    "meta": ("Scenario", "Escenario"),
    "run": ("Run", "Corrida"),
    "population": ("Population and profiles", "Población y perfiles"),
    "profiles": ("Profile traits", "Rasgos de los perfiles"),
    "joint_purchase": ("Joint purchase", "Compra conjunta"),
    "export": ("Export consortium", "Consorcio de exportación"),
    "trust": ("Trust", "Confianza"),
    "rules": ("Reglamento (rules)", "Reglamento interno"),
    "sanctions": ("Sanctions", "Sanciones"),
    "facilitator": ("Facilitator", "Facilitador"),
    "lifecycle": ("Life cycle and costs", "Ciclo de vida y costos"),
    "programme": ("Support programme (money)", "Programa de apoyo (dinero)"),
    "manager": ("Hired manager", "Gerente contratado"),
    "milestones": ("Milestones (readiness)", "Hitos (preparación del grupo)"),
    "participation": ("Participation", "Participación"),
    "lab": ("Laboratory conditions", "Condiciones de laboratorio"),
    "punishment": ("Peer punishment", "Castigo entre pares"),
}

KINDS = {
    "entry": ("entries", "ingresos"),
    "exit": ("exits", "retiros"),
    "expulsion": ("expulsions", "expulsiones"),
    "rejected": ("candidates turned away", "candidatos rechazados"),
    "renege": ("reneged purchases", "compras incumplidas"),
    "diversion": ("leads kept", "contactos desviados"),
    "quota_skip": ("unpaid quotas", "cuotas impagas"),
    "low_commit": ("commitments below the minimum", "compromisos bajo el mínimo"),
    "conflict": ("conflicts", "conflictos"),
    "facilitator": ("facilitator", "facilitador"),
    "phase": ("phases", "fases"),
    "rules": ("reglamento", "reglamento"),
    "dissolution": ("dissolutions", "disoluciones"),
    "purchase_failed": ("failed purchases", "compras fallidas"),
    "programme": ("programme money", "dinero del programa"),
    "handover": ("hand-over", "traspaso de tareas"),
    "manager": ("manager hired", "gerente contratado"),
}

PHASES = {
    1: ("I promotion and selection", "I promoción y selección"),
    2: ("II trust and pilot purchases", "II confianza y compras piloto"),
    3: ("III participative planning", "III planificación participativa"),
    4: ("IV independence, consortium", "IV independencia, consorcio"),
}

_T = {
    "title": ("Asocia: trust and cooperation in groups of small firms",
              "Asocia: confianza y cooperación en grupos de pequeñas empresas"),
    "language": ("Language", "Idioma"),
    "scenario": ("Scenario file", "Archivo de escenario"),
    "parameters": ("Parameters", "Parámetros"),
    "seed": ("Seed (a whole number)", "Semilla (número entero)"),
    "apply": ("Apply and restart", "Aplicar y reiniciar"),
    "pending": ("{n} change(s) not applied yet: press 'Apply and restart'.",
                "{n} cambio(s) sin aplicar: presione 'Aplicar y reiniciar'."),
    "invalid": ("This combination cannot run; the current run stays on screen.",
                "Esta combinación no puede correr; la corrida actual sigue en pantalla."),
    "normalise": ("Rescale shares to sum 1", "Reescalar proporciones a 1"),
    "revert": ("File values", "Valores del archivo"),
    "tab_run": ("Run", "Corrida"),
    "tab_compare": ("Compare A/B", "Comparar A/B"),
    "tab_explain": ("About the model", "Sobre el modelo"),
    "play": ("Play", "Reproducir"),
    "pause": ("Pause", "Pausa"),
    "step": ("Step", "Paso"),
    "reset": ("Reset", "Reiniciar"),
    "speed": ("Speed (meetings per second)", "Velocidad (reuniones por segundo)"),
    "group": ("Group", "Grupo"),
    "all_groups": ("All groups", "Todos los grupos"),
    "group_n": ("Group {g}", "Grupo {g}"),
    "meeting": ("Meeting {t} of {h}", "Reunión {t} de {h}"),
    "summary": ("{alive}/{groups} groups alive · {members} members · trust {trust} · "
                "cooperation {coop}",
                "{alive}/{groups} grupos activos · {members} socios · confianza {trust} · "
                "cooperación {coop}"),
    "finished": ("End of the horizon: raise 'Meetings' and apply to play longer.",
                 "Fin del horizonte: aumente 'Reuniones' y aplique para seguir."),
    "ch_coop": ("Cooperation by profile", "Cooperación por perfil"),
    "ch_trust": ("Trust within the group", "Confianza dentro del grupo"),
    "ch_members": ("Members, entries, exits, expulsions", "Socios, ingresos, retiros, expulsiones"),
    "ch_income": ("Income per meeting: as a member vs going alone",
                  "Ingreso por reunión: como socio vs por su cuenta"),
    "ch_money": ("Programme money per group, cumulative", "Dinero del programa por grupo, acumulado"),
    "ax_money": ("money per group", "dinero por grupo"),
    "money_programme": ("paid by the programme", "pagado por el programa"),
    "money_copay": ("paid by the members (co-payment)", "pagado por los socios (copago)"),
    "money_budget": ("budget {b}", "presupuesto {b}"),
    "money_end_mark": ("programme's end (meeting {t})", "fin del programa (reunión {t})"),
    "money_2y_mark": ("two years after (meeting {t})", "dos años después (reunión {t})"),
    "money_title": ("Programme money: cost and cost-effectiveness", "Dinero del programa: costo y efectividad"),
    "money_head": ("Budget {budget} per group × {groups} groups = {total}. Paid so far: {paid}{share}; left: {left}.",
                   "Presupuesto: {budget} por grupo × {groups} grupos = {total}. Pagado hasta ahora: {paid}{share}; "
                   "quedan {left}."),
    "money_head_one": ("Budget of this group: {budget}. Paid so far: {paid}{share}; left: {left}.",
                       "Presupuesto de este grupo: {budget}. Pagado hasta ahora: {paid}{share}; quedan {left}."),
    "money_no_end": ("Support does not end in this run: no facilitator, or one that costs the programme nothing.",
                     "El apoyo no termina en esta corrida: no hay facilitador, o no le cuesta nada al programa."),
    "money_now": ("Now", "Ahora"),
    "money_end": ("Programme's end", "Fin del programa"),
    "money_2y": ("Two years after", "Dos años después"),
    "money_meeting": ("meeting {t}", "reunión {t}"),
    "money_later": ("not reached yet", "aún no llega"),
    "money_beyond": ("after the horizon", "después del horizonte"),
    "money_none": ("no programme end", "sin fin del programa"),
    "money_not_yet": ("no meeting played yet", "ninguna reunión jugada"),
    "money_row_alive": ("Groups alive", "Grupos activos"),
    "money_row_alive_one": ("Group alive", "Grupo activo"),
    "money_alive_yes": ("yes", "sí"),
    "money_alive_no": ("dissolved", "disuelto"),
    "money_row_income_gain": ("Income gain vs going alone (the year before)", "Ganancia vs ir solo (el año previo)"),
    "money_row_paid": ("Paid by the programme, per group", "Pagado por el programa, por grupo"),
    "money_row_copay": ("Paid by the members (co-payment), per group", "Pagado por los socios (copago), por grupo"),
    "money_row_left": ("Budget left, per group", "Presupuesto restante, por grupo"),
    "money_row_cost_per_group": ("Programme money per group alive", "Dinero del programa por grupo activo"),
    "money_row_cost_per_member_year": ("Programme money per member-year of income gain",
                                       "Dinero del programa por socio-año con ganancia"),
    "money_note": ("Money in the model's unit (a firm of average size earns 60 per meeting alone). Per group: "
                   "over the groups founded. A member-year of income gain: 26 meetings of a member in a group "
                   "that earns more than its members would alone. Two years after: the 52nd meeting without "
                   "support.",
                   "Dinero en la unidad del modelo (una empresa de tamaño medio gana 60 por reunión por su cuenta). "
                   "Por grupo: entre los grupos fundados. Un socio-año con ganancia: 26 reuniones de un socio en "
                   "un grupo que gana más de lo que sus socios ganarían por su cuenta. Dos años después: la "
                   "reunión 52 sin apoyo."),
    "present_on": ("Presentation mode", "Modo presentación"),
    "present_off": ("Leave presentation", "Salir de la presentación"),
    "story_all": ("All panels", "Todos los paneles"),
    "story_coop": ("Cooperation", "Cooperación"),
    "story_trust": ("Trust", "Confianza"),
    "story_members": ("Members", "Socios"),
    "story_income": ("Income", "Ingreso"),
    "story_timeline": ("Phases", "Fases"),
    "story_money": ("Programme money", "Dinero del programa"),
    "story_network": ("The group as a network", "El grupo como red"),
    "income_member": ("as a member", "como socio"),
    "income_alone": ("alone (dotted)", "solo (punteado)"),
    "alone": ("alone", "solo"),
    "ax_coop": ("share cooperating (0-1)", "proporción que coopera (0-1)"),
    "ax_trust": ("trust (0-1)", "confianza (0-1)"),
    "ax_members": ("firms", "empresas"),
    "ax_income": ("money per meeting", "dinero por reunión"),
    "ch_timeline": ("Phase of each group and facilitator presence",
                    "Fase de cada grupo y presencia del facilitador"),
    "all": ("all", "todos"),
    "trust_mean": ("mean over the groups founded (dissolved = 0)",
                   "media de los grupos fundados (disuelto = 0)"),
    "trust_range": ("range across groups", "rango entre grupos"),
    "members": ("members", "socios"),
    "entries": ("entries (total)", "ingresos (acum.)"),
    "exits": ("exits (total)", "retiros (acum.)"),
    "expulsions": ("expulsions (total)", "expulsiones (acum.)"),
    "facilitator": ("facilitator", "facilitador"),
    "dissolved": ("dissolved", "disuelto"),
    "meeting_axis": ("meeting (fortnight)", "reunión (quincena)"),
    "network": ("Group {g} as a network", "El grupo {g} como red"),
    "network_note": ("Node colour: profile · line: trust between two firms (thicker, darker = more) · "
                     "ring: sanctioned (number = strikes) · ✕: expelled or left recently",
                     "Color: perfil · línea: confianza entre dos empresas (más gruesa y oscura = más) · "
                     "anillo: sancionada (número = faltas) · ✕: expulsada o retirada hace poco"),
    "no_group": ("Group {g} has dissolved.", "El grupo {g} se disolvió."),
    "log": ("What happened (newest first)", "Qué pasó (lo más reciente primero)"),
    "log_firm": ("Firm no.", "Empresa n.º"),   # short: the box is narrow (a laptop cut "Número de e…")
    "log_kind": ("Kind of event", "Tipo de evento"),
    "log_all_kinds": ("all kinds", "todos los tipos"),
    "log_empty": ("Nothing yet: press Play or Step.", "Nada todavía: presione Reproducir o Paso."),
    "log_more": ("{n} older events not shown (download events.csv for all).",
                 "{n} eventos anteriores no mostrados (descargue events.csv para verlos todos)."),
    "m": ("M", "R"),
    "g": ("G", "G"),
    "play_firm": ("Play a firm yourself", "Juegue usted una empresa"),
    "play_firm_help": ("Choose a firm of the group: from the next meeting on you decide its moves; "
                       "the other firms stay agents.",
                       "Elija una empresa del grupo: desde la próxima reunión usted decide sus "
                       "jugadas; las demás siguen siendo agentes."),
    "pick_firm": ("Firm", "Empresa"),
    "take": ("Take control", "Tomar el control"),
    "release": ("Give back to its profile", "Devolver a su perfil"),
    "you_play": ("You play firm {f} ({p}) in group {g}.", "Usted juega la empresa {f} ({p}) del grupo {g}."),
    "commit": ("Commit to the joint purchase", "Comprometerse con la compra conjunta"),
    "renege": ("...then buy elsewhere (furtively)", "...y luego comprar por mi cuenta (a escondidas)"),
    "pay_quota": ("Pay the quota to the consortium", "Pagar la cuota al consorcio"),
    "route_lead": ("Route an export lead through the consortium (off: keep it)",
                   "Pasar un contacto de exportación por el consorcio (apagado: quedármelo)"),
    "your_last": ("Last meeting: income {pay:.1f} vs {alone:.1f} alone · strikes {strikes} · "
                  "trust others place in you {tr:.2f}",
                  "Última reunión: ingreso {pay:.1f} vs {alone:.1f} solo · faltas {strikes} · "
                  "confianza que le tienen {tr:.2f}"),
    "firm_gone": ("Firm {f} is no longer a member; choose another.",
                  "La empresa {f} ya no es socia; elija otra."),
    "export": ("Download", "Descargar"),
    "export_help": ("Tables of the run so far (CSV) and the scenario that reproduces it (TOML: "
                    "asocia run scenario.toml).",
                    "Tablas de la corrida hasta ahora (CSV) y el escenario que la reproduce (TOML: "
                    "asocia run scenario.toml)."),
    "export_none": ("No meeting played yet: play or step to download the tables. The scenario file "
                    "is ready.",
                    "Todavía no se jugó ninguna reunión: reproduzca o avance un paso para descargar "
                    "las tablas. El archivo de escenario ya está listo."),
    "cmp_intro": ("Rule set A is the scenario in the left panel. Rule set B is A with the changes "
                  "you list here. Both play the same firms with the same luck (same seed).",
                  "El juego de reglas A es el escenario del panel izquierdo. B es A con los cambios "
                  "que liste aquí. Ambos juegan las mismas empresas con la misma suerte (misma "
                  "semilla)."),
    "cmp_param": ("Parameter to change in B", "Parámetro a cambiar en B"),
    "cmp_add": ("Add change", "Agregar cambio"),
    "cmp_clear": ("Clear changes", "Borrar cambios"),
    "cmp_none": ("No changes yet: B equals A.", "Sin cambios: B es igual a A."),
    "cmp_run": ("Run A and B on the same seed", "Correr A y B con la misma semilla"),
    "cmp_reps": ("Replications (seeds)", "Replicaciones (semillas)"),
    "cmp_run_reps": ("Run replicated comparison", "Correr comparación replicada"),
    "cmp_metric": ("Measure", "Medida"),
    "cmp_running": ("Running {done} of {total} runs...", "Corriendo {done} de {total} corridas..."),
    "cmp_pair_title": ("Same seed {seed}: A (solid) vs B (dashed)",
                       "Misma semilla {seed}: A (línea) vs B (guiones)"),
    "cmp_rep_title": ("{n} seeds from root {seed}: mean and 95 % band",
                      "{n} semillas desde la raíz {seed}: media y banda del 95 %"),
    "cmp_table": ("Outcome", "Resultado"),
    "cmp_diff": ("B - A [95 % interval]", "B - A [intervalo del 95 %]"),
    "cmp_verdict": ("Verdict", "Veredicto"),
    "cmp_b_better": ("B better", "mejor B"),
    "cmp_a_better": ("A better", "mejor A"),
    "cmp_unclear": ("no clear difference", "sin diferencia clara"),
    "cmp_no_verdict": ("(neither better nor worse)", "(ni mejor ni peor)"),
    "cmp_one_seed": ("One seed cannot tell the rule from luck: run the replicated comparison for a verdict.",
                     "Una sola semilla no distingue la regla de la suerte: corra la comparación replicada "
                     "para un veredicto."),
    "cmp_no_difference": ("Over {n} seeds no outcome differs clearly between A and B (every 95 % interval "
                          "of the difference includes 0).",
                          "En {n} semillas ningún resultado difiere con claridad entre A y B (todos los "
                          "intervalos del 95 % de la diferencia incluyen el 0)."),
    "cmp_over_seeds": ("Over {n} seeds (95 % intervals of the difference that exclude 0):",
                       "En {n} semillas (intervalos del 95 % de la diferencia que excluyen el 0):"),
    "cmp_b_does_better": ("B does better on {what}.", "B hace mejor en {what}."),
    "cmp_a_does_better": ("A does better on {what}.", "A hace mejor en {what}."),
    "yes": ("yes", "sí"),
    "no": ("no", "no"),
    "outcome_survival": ("groups alive at the end (%)", "grupos activos al final (%)"),
    "outcome_members": ("members at the end", "socios al final"),
    "outcome_trust": ("trust, last quarter (dissolved = 0)", "confianza, último cuarto (disuelto = 0)"),
    "outcome_cooperation": ("cooperation", "cooperación"),
    "outcome_income_gain": ("income gain vs alone (%)", "ganancia vs ir solo (%)"),
    "outcome_exits": ("exits", "retiros"),
    "outcome_expulsions": ("expulsions", "expulsiones"),
    "outcome_conflicts": ("conflicts", "conflictos"),
    "outcome_founders_kept": ("founders still members", "socios fundadores que siguen"),
    "outcome_programme_cost": ("programme money per group", "dinero del programa por grupo"),
    "outcome_alive_end": ("groups alive at the programme's end (%)", "grupos activos al fin del programa (%)"),
    "outcome_cost_per_member_year_2y": ("programme money per member-year of income gain, two years after",
                                        "dinero del programa por socio-año con ganancia, dos años después"),
    "outcome_alive_2y": ("groups alive two years after the programme (%)",
                         "grupos activos dos años después del programa (%)"),
    "outcome_cost_per_group_2y": ("programme money per group alive two years after",
                                  "dinero del programa por grupo activo dos años después"),
    "metric_cooperation": ("cooperation", "cooperación"),
    "metric_trust": ("trust", "confianza"),
    "metric_members": ("members", "socios"),
    "metric_income_gain": ("income gain vs alone", "ganancia vs ir solo"),
    "error": ("Error", "Error"),
}


def tr(key: str, lang: str, **kw) -> str:
    """The text for ``key`` in ``lang`` ("en" or "es"), formatted with ``kw``."""
    en, es = _T[key]
    text = es if lang == "es" else en
    return text.format(**kw) if kw else text


def group_label(g: int, lang: str) -> str:
    """A group as a person reads it: "Grupo 1" for the tables' group 0.

    The tables (steps, firms, events and their CSV files) number groups from 0, as the model does;
    every page a person reads (this dashboard and the workshop) numbers them from 1.
    """
    return tr("group_n", lang, g=int(g) + 1)


def event_sentences(events, lang: str) -> list[str]:
    """The events' sentences in ``lang``: groups numbered from 1, as in the table's ``message`` columns.

    Written from the codes (sim/model/narrative.py), so a table kept without its sentences reads the same.
    """
    from sim.model.narrative import describe_all

    if len(events) == 0:
        return []
    return list(describe_all(events, langs=(lang,))[lang])


def pick(pair: tuple[str, str], lang: str) -> str:
    """The Spanish or English member of an (en, es) pair."""
    return pair[1] if lang == "es" else pair[0]


def param_label(p, lang: str) -> str:
    """Label of a scenario parameter in ``lang``, with its unit when it has one."""
    label = (p.es if lang == "es" else p.en) or p.name
    unit = UNITS.get(p.unit, p.unit) if lang == "es" else p.unit
    return f"{label} ({unit})" if unit else label


def allowed(p, lang: str) -> str:
    """What values a parameter accepts, in ``lang`` (the schema's own text in English)."""
    if lang != "es":
        return p.allowed()
    if p.choices:
        return "uno de " + ", ".join(choice_label(c, lang) for c in p.choices)
    if p.type is bool:
        return "sí o no"
    kind = "un entero" if p.type is int else ("un número" if p.type is float else "un texto")
    if p.lo is not None and p.hi is not None:
        return f"{kind} de {fmt_number(p.lo, lang)} a {fmt_number(p.hi, lang)}"
    return kind


def choice_label(value: str, lang: str) -> str:
    """Display name of a choice value (the TOML value itself when not translated)."""
    return pick(CHOICES[value], lang) if value in CHOICES else value


def keys() -> set[str]:
    """Every key of the UI text table (for tests)."""
    return set(_T)


# ---------------------------------------------------------------------- seed sources and scenarios
# Spanish for the English glosses inside the schema's source references (``Param.src``)
GLOSSES_ES = {
    "23.8 %": "23,8 %", "36.2 %": "36,2 %", "40 %": "40 %", "5-20 firms": "5-20 empresas", "DIPAT": "DIPAT",
    "Good": "Good", "at least fortnightly": "al menos quincenal",
    "betray while others cooperate": "traicionar mientras otros cooperan",
    "convince others": "convencer a los otros",
    "integrated group after 1-1.5 years": "grupo integrado tras 1-1,5 años",
    "integrated offer": "oferta integrada", "others know how far it goes": "los otros saben hasta dónde llega",
    "six months": "seis meses", "trust rests on collective actions": "la confianza se apoya en acciones colectivas",
    "uses rules": "usa reglas",
    "working routine at 1.5 years; formalisation by 3 years": "rutina de trabajo a 1,5 años; formalización a los 3",
    "shares unspecified (DOMAIN §6.2)": "proporciones no especificadas (DOMAIN §6.2)",
    "shares unspecified": "proporciones no especificadas",
    "item": "ítem",
    "conditional cooperators give almost nothing when the others give nothing":
        "los cooperadores condicionales casi no aportan cuando los otros no aportan",
    "gets others to cooperate through its own cooperation": "logra que otros cooperen cooperando él mismo",
    "works for the collective if others do": "trabaja por el colectivo si los otros lo hacen",
    "designer's choice": "decisión de diseño", "designer's value": "valor de diseño",
    "pseudo-observations": "pseudo-observaciones", "Beta-binomial learning": "aprendizaje beta-binomial",
    "free riders raise contributions after being punished": "los free riders aportan más tras ser castigados",
    "reglamento: obligations of members": "reglamento: obligaciones de los socios",
    "issue 11": "incidencia 11",
    "20 % drive and take administrative roles": "un 20 % impulsa y asume tareas administrativas",
    "optional public goods": "bienes públicos opcionales",
    "loner payoff between 0 and": "pago del solitario entre 0 y",
    "about 0.5 points per token of negative deviation from three punishers":
        "unos 0,5 puntos por ficha de desvío negativo, con tres castigadores",
    "10 points": "10 puntos",
    "the institution funds the initial phase": "la institución financia la fase inicial",
    "2 consultants per 11-firm module, scale only": "2 consultores por módulo de 11 empresas, solo la escala",
    "once firms see the advantages": "cuando las empresas ven las ventajas",
    "pilot actions": "acciones piloto",
    "manager hired at about 1.5 years": "gerente contratado hacia 1,5 años",
    "1.5 years": "1,5 años",
    "routine consolidated, then the manager": "rutina consolidada, después el gerente",
    "financed by the group": "financiado por el grupo",
    "operational management": "gestión operativa",
    "full-time professional management": "gestión profesional de tiempo completo",
    "when participants are ready for concrete measures": "cuando los participantes están listos para medidas concretas",
    "routine consolidated at about 1.5 years": "rutina consolidada hacia 1,5 años",
    "declines in medium-term daily operation": "disminuye en la operación diaria de mediano plazo",
    "clear motivators": "motivadores claros",
    "participation follows the group's working": "la participación sigue al funcionamiento del grupo",
    "heterogeneity raises coordination costs": "la heterogeneidad eleva los costos de coordinación",
    "credibility it brings": "la credibilidad que aporta",
    "reliable at two thirds of full capacity": "fiable a dos tercios de la capacidad plena",
    "trust harmed by deception recovers slowly and incompletely":
        "la confianza dañada por un engaño se recupera lenta e incompletamente",
}

# Spanish descriptions of the scenario files shipped in scenarios/, keyed by their English text
# (an edited description is not found here and shows as written)
SCENARIO_ES = {
    "A facilitated group with a reglamento, graduated sanctions and a planned taper.":
        "Un grupo facilitado, con reglamento, sanciones graduales y un retiro planificado del facilitador.",
    "Export consortium with the DIPAT rule on composition and admission.":
        "Consorcio de exportación con la regla DIPAT de composición y admisión.",
    "A dependent group whose facilitator leaves abruptly at meeting 52.":
        "Un grupo dependiente cuyo facilitador se retira de golpe en la reunión 52.",
    "A dependent group whose facilitator tapers off from meeting 26 to 52.":
        "Un grupo dependiente cuyo facilitador se retira de a poco, de la reunión 26 a la 52.",
    "One large, diverse group of 30 firms.": "Un grupo grande y diverso de 30 empresas.",
    "Same group as the baseline, but no reglamento: no monitoring, no sanctions.":
        "El mismo grupo de referencia, pero sin reglamento: sin monitoreo ni sanciones.",
    "Linear public-goods game (e = 20, MPCR = 0.4, n = 4) as a special case.":
        "Juego lineal de bienes públicos (e = 20, MPCR = 0,4, n = 4) como caso particular.",
    "The consortium is formalised at meeting 6 without waiting for trust.":
        "El consorcio se formaliza en la reunión 6 sin esperar a que haya confianza.",
    "High monitoring, large fines, expulsion at the second strike.":
        "Monitoreo alto, multas grandes, expulsión a la segunda falta.",
    "Baseline group made only of weak firms.": "El grupo de referencia formado solo por empresas débiles.",
    "Equal budget: full presence without hand-over, abrupt exit when the money ends.":
        "Igual presupuesto: presencia plena sin traspaso de tareas y retiro de golpe cuando se acaba el dinero.",
    "Equal budget: the facilitator stays at full presence until the money ends.":
        "Igual presupuesto: el facilitador se queda con presencia plena hasta que se acaba el dinero.",
    "Equal budget: taper from meeting 26 to 52 with hand-over.":
        "Igual presupuesto: retiro gradual de la reunión 26 a la 52, con traspaso de tareas.",
    "Same group as the baseline, but it never hires a manager.":
        "El mismo grupo de referencia, pero nunca contrata un gerente.",
    "A group's story compressed into twelve meetings, for a workshop played from phones.":
        "La historia de un grupo en doce reuniones, para un taller jugado desde los teléfonos.",
    "Partners' linear public-goods game (n = 4, e = 20, MPCR = 0.4, 10 rounds), no punishment.":
        "Juego lineal de bienes públicos con socios fijos (n = 4, e = 20, MPCR = 0,4, 10 rondas), sin castigo.",
    "Partners' linear public-goods game with costly peer punishment (1:3).":
        "Juego lineal de bienes públicos con socios fijos y castigo costoso entre pares (1:3).",
    "Strangers' linear public-goods game (n = 4, e = 20, MPCR = 0.4, 10 rounds), no punishment.":
        "Juego lineal de bienes públicos con extraños (n = 4, e = 20, MPCR = 0,4, 10 rondas), sin castigo.",
    "Step-level public good (3 of 4 needed) where members may stay out for an outside payoff of 5.":
        "Bien público con umbral (hacen falta 3 de 4) donde se puede no participar y cobrar 5 afuera.",
    "Step-level public good: 3 of 4 full contributions needed, money back below it.":
        "Bien público con umbral: hacen falta 3 de 4 aportes completos; por debajo se devuelve el dinero.",
}


def source_label(src: str, lang: str) -> str:
    """A parameter's seed reference, with its English glosses in Spanish when ``lang`` is "es"."""
    if lang != "es" or not src:
        return src
    out = src
    for en, es in sorted(GLOSSES_ES.items(), key=lambda kv: -len(kv[0])):
        if len(en) > 6:  # distinctive phrases: wherever they stand
            out = out.replace(en, es)
        else:  # short words only as whole words in a gloss
            out = out.replace(f"({en})", f"({es})").replace(f"; {en}", f"; {es}").replace(f" {en} ", f" {es} ")
    return out


def scenario_description(text: str, lang: str) -> str:
    """A scenario's description in ``lang`` (Spanish for the files shipped in scenarios/)."""
    return SCENARIO_ES.get(text, text) if lang == "es" else text


# ---------------------------------------------------------------------- numbers and errors
def fmt_number(x, lang: str) -> str:
    """A parameter value as a person types it: 0.5 -> "0,5" in Spanish; large values in full."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    text = f"{x:g}" if isinstance(x, float) and (x == 0 or 1e-4 <= abs(x) < 1e6) else (
        f"{x:.0f}" if isinstance(x, float) and float(x).is_integer() else str(x))
    return text.replace(".", ",") if lang == "es" else text


def parse_number(text: str, lang: str) -> str:
    """Typed text with the decimal comma read as a point in Spanish ("1,5" -> "1.5")."""
    t = str(text).strip()
    if lang == "es" and t.count(",") == 1 and "." not in t:
        whole, frac = t.split(",")
        if whole.lstrip("+-").isdigit() and frac.isdigit():
            return f"{whole}.{frac}"
    return t


_ERR_ES = [
    ("unknown key", "clave desconocida"), ("unknown section", "sección desconocida"),
    ("(did you mean ", "(¿quiso decir "), ("; allowed in ", "; se permite en "),
    ("shares that sum to 1", "proporciones que sumen 1"), (" got ", " recibió "),
    ("; allowed: ", "; se permite: "), (" exceeds ", " es mayor que "), (" is below ", " es menor que "),
    (" is after ", " es posterior a "), (" sum to ", " suman "), (" and ", " y "),
    ("a whole number from", "un entero de"), ("a number from", "un número de"), (" to ", " a "),
    ("one of", "uno de"), ("true or false", "verdadero o falso"),
    ("exceed 2,000,000 seats", "superan 2.000.000 lugares"), ("at most", "como máximo"),
    ("must be written", "debe escribirse"), ("a whole number", "un número entero"),
    ("an integer", "un entero"), ("a number", "un número"), (" is not a seed", " no es una semilla"),
]


def error_keys(message: str) -> list[str]:
    """The dotted parameter keys a validation message names, in order."""
    import re

    return list(dict.fromkeys(re.findall(r"'([a-z_]+\.[a-z_0-9]+)'", message)))


def explain_error(message: str, lang: str, param_of=None) -> str:
    """A loader message for the page: without the file path, keys as labels, in ``lang``.

    Args:
        message: the ScenarioError text ``asocia run`` prints (``<file>: key '...' ...``).
        lang: "es" or "en".
        param_of: function from a dotted key to its ``Param`` (for labels and allowed values); a key
            it does not know (``ValueError`` or ``LookupError``) is shown as written.

    """
    import re

    text = message
    m = re.search(r": (keys? '|unknown key|unknown section|section |expected |'[a-z_]+' must|not valid|no such)", text)
    if m:
        text = text[m.start() + 2:]
    def known(key):
        """The key's ``Param``, or None for a key the schema does not have (a typo in a file)."""
        try:
            return param_of(key)
        except (LookupError, ValueError):
            return None

    def shown(k):
        p = known(k.group(1))
        if p is None:
            return k.group(0)
        if k.string.startswith("?)", k.end()):  # the suggestion for a typo: the key to type, and its label
            return f"{k.group(0)} («{param_label(p, lang)}»)"
        return f"«{param_label(p, lang)}»"

    one = re.fullmatch(r"key '([a-z_]+\.[a-z_0-9]+)' got (.*); allowed: (.*)", text)
    p = known(one.group(1)) if one and param_of is not None else None
    if p is not None:
        got = one.group(2).strip("'")
        if lang == "es":
            return f"«{param_label(p, lang)}»: se recibió {got}; se permite: {allowed(p, lang)}"
        return f"«{param_label(p, lang)}»: got {got}; allowed: {p.allowed()}"
    if param_of is not None:
        text = re.sub(r"'([a-z_]+\.[a-z_0-9]+)'", shown, text)
    if lang == "es":
        text = re.sub(r"^keys ", "", text)
        text = re.sub(r"^key ", "", text)
        text = re.sub(r"; allowed: [a-z_]+ <= [a-z_]+$", "; la primera no puede ser mayor que la segunda", text)
        text = re.sub(r"; allowed: [a-z_]+ >= [a-z_]+$", "; la primera no puede ser menor que la segunda", text)
        for en, es in _ERR_ES:
            text = text.replace(en, es)
        text = re.sub(r"(\d)\.(\d)", r"\1,\2", text)
    return text
