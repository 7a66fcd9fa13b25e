"""Every word the workshop's pages show, in Spanish (first) and English.

The phone, the projector and the debrief read their strings here (kept apart from dashboards/i18n.py,
which the run view owns); profile names and colours come from dashboards/i18n.py. The four profile
names stay in Spanish in both languages, as the field guide writes them (004:L1883-1951), and so does
the guide's table, quoted in both languages from DOMAIN.md §1.1.
"""

from __future__ import annotations

from .i18n import PROFILE_COLORS, PROFILE_LABELS, UNITS  # noqa: F401  (profiles re-exported for the pages)

T = {
    "title": ("Asocia · workshop", "Asocia · taller"),
    "lang": ("Idioma / Language", "Idioma / Language"),
    "code_prompt": ("Workshop code", "Código del taller"),
    "code_help": ("The trainer shows it on the screen (5 letters and digits).",
                  "La persona que coordina lo muestra en la pantalla (5 letras y números)."),
    "go": ("Enter", "Entrar"),
    "bad_code": ("There is no workshop with that code on this server.", "No hay ningún taller con ese código aquí."),
    "name_prompt": ("Your name (as the room knows you)", "Su nombre (como la sala lo conoce)"),
    "join": ("Join the workshop", "Unirse al taller"),
    "joining_as": ("Each person plays one firm of a group of small firms.",
                   "Cada persona juega una empresa de un grupo asociativo de pequeñas empresas."),
    "bad_key": ("This trainer link is not valid.", "Este enlace de coordinación no es válido."),
    "lost_seat": ("This phone's link is no longer valid: join again.",
                  "El enlace de este teléfono ya no es válido: vuelva a unirse."),
    # errors from sim.workshop.workshop (WorkshopError.key)
    "err_full": ("Every seat is taken; ask the trainer.",
                 "Todos los lugares están ocupados; consulte a quien coordina."),
    "err_name_empty": ("Please write a name.", "Escriba un nombre."),
    "err_name_taken": ("Someone in the room already has that name; add an initial.",
                       "Alguien de la sala ya tiene ese nombre; agregue una inicial."),
    "err_ended": ("The workshop has ended.", "El taller terminó."),
    "err_not_open": ("The meeting is closed.", "La reunión está cerrada."),
    "err_no_firm": ("You do not play a firm now.", "Ahora no juega ninguna empresa."),
    "err_unknown": ("Unknown participant.", "Participante desconocido."),
    "err_seated": ("You already play a firm.", "Ya juega una empresa."),
    "err_not_ready": ("A meeting is already open.", "Ya hay una reunión abierta."),
    "err_last": ("The scenario has no more meetings.", "El escenario no tiene más reuniones."),
    "err_bad_choice": ("That choice is not allowed.", "Esa opción no es válida."),
    # phone
    "you": ("{name} · group {group} · firm {firm}", "{name} · grupo {group} · empresa {firm}"),
    "meeting_of": ("Meeting {n} of {total}", "Reunión {n} de {total}"),
    "wait_open": ("Waiting for the trainer to open the meeting.", "Esperando que se abra la reunión."),
    "open_now": ("The meeting is open: decide.", "La reunión está abierta: decida."),
    "paused": ("Paused", "En pausa"),
    "time_left": ("Time left", "Tiempo restante"),
    "default_is": ("If you do not decide in time, your firm plays: {what}.",
                   "Si no decide a tiempo, su empresa juega: {what}."),
    "default_first": ("your last decision (the first time: buy jointly with all, pay the quota, route the lead)",
                      "su decisión anterior (la primera vez: comprar todo en conjunto, pagar la cuota, "
                      "pasar el contacto por el consorcio)"),
    "q_purchase": ("Joint purchase: how much of your input do you commit?",
                   "Compra conjunta: ¿cuánto de su insumo compromete?"),
    "o_all": ("All of it", "Todo"),
    "o_half": ("Half", "La mitad"),
    "o_none": ("Nothing (I stay out, openly)", "Nada (me quedo afuera, a la vista)"),
    "o_secret": ("Commit all, then quietly buy elsewhere",
                 "Comprometer todo y después comprar por mi cuenta, en secreto"),
    "q_quota": ("Quota to the export consortium", "Cuota al consorcio exportador"),
    "o_pay": ("Pay", "Pagar"),
    "o_skip": ("Do not pay", "No pagar"),
    "q_lead": ("If an export lead reaches you", "Si le llega un contacto de exportación"),
    "o_route": ("Route it through the consortium", "Pasarlo por el consorcio"),
    "o_open": ("Keep it, openly", "Quedármelo, a la vista"),
    "o_quiet": ("Keep it, quietly", "Quedármelo, en secreto"),
    "send": ("Send my decision", "Enviar mi decisión"),
    "sent": ("✓ Decision sent. You can change it until the meeting closes.",
             "✓ Decisión enviada. Puede cambiarla hasta que cierre la reunión."),
    "not_sent": ("Not sent yet.", "Todavía no la envió."),
    "unsent_tag": ("not sent", "sin enviar"),
    "chosen_not_sent": ("Chosen but not sent: press Send. Until you do, your firm plays what is written below.",
                        "Elegida pero sin enviar: toque Enviar. Mientras no la envíe, su empresa juega lo que "
                        "dice abajo."),
    "changed": ("Changed but not sent: the decision sent before still counts. Press Send.",
                "Cambió su elección pero no la envió: cuenta la que envió antes. Toque Enviar."),
    "vote_title": ("Reglamento vote: your group adopts its rules at this meeting",
                   "Votación del reglamento: su grupo adopta sus reglas en esta reunión"),
    "vote_rule": ("The group decides by {rule}.", "El grupo decide por {rule}."),
    "v_decision": ("How will the group decide?", "¿Cómo decidirá el grupo?"),
    "h_decision": ("Decision rule", "Regla de decisión"),  # the same item as a table's or a menu's label
    "v_sanctions": ("Sanctions", "Sanciones"),
    "v_admission": ("Admission of new members", "Ingreso de nuevos socios"),
    "c_majority": ("majority", "mayoría"),
    "c_consensus": ("consensus", "consenso"),
    "c_leader": ("a leader decides", "decide un líder"),
    "c_graduated": ("graduated: warning, fines, expulsion at the 3rd strike",
                    "graduales: advertencia, multas, expulsión a la 3.ª falta"),
    "c_strict": ("strict: more control, fine at once, expulsion at the 2nd strike",
                 "estrictas: más control, multa desde la 1.ª, expulsión a la 2.ª falta"),
    "c_none": ("no sanctions", "sin sanciones"),
    "c_screened": ("screened (reputation checked)", "con evaluación (se revisa la reputación)"),
    "c_open": ("open to anyone", "abierto a cualquiera"),
    "c_dipat": ("DIPAT: no repeated product", "DIPAT: sin producto repetido"),
    "last_meeting": ("Last meeting (no. {n}) as your group saw it", "Reunión anterior (n.º {n}) como la vio su grupo"),
    "no_meeting_yet": ("No meeting has been played yet.", "Todavía no se jugó ninguna reunión."),
    "purchase_done": ("Joint purchase placed: {k} of {m} members committed; discount {d} %.",
                      "Compra conjunta realizada: {k} de {m} socios se comprometieron; descuento {d} %."),
    "purchase_not": ("No joint purchase this time ({k} of {m} members committed).",
                     "Esta vez no hubo compra conjunta ({k} de {m} socios se comprometieron)."),
    "purchase_closed": ("The joint purchase is not open yet (phase {phase}).",
                        "La compra conjunta todavía no está abierta (fase {phase})."),
    "quotas_seen": ("Quotas: {k} of {m} paid; fund {fund}.", "Cuotas: pagaron {k} de {m}; fondo {fund}."),
    "nothing_seen": ("Nobody was caught doing anything wrong.", "No se descubrió a nadie haciendo trampa."),
    "income": ("Your income", "Su ingreso"),
    "income_last": ("Last meeting: {inc} (alone you would have had {alone})",
                    "Última reunión: {inc} (solo habría tenido {alone})"),
    "income_total": ("Since you joined: {inc} against {alone} alone ({gain})",
                     "Desde que se unió: {inc} contra {alone} solo ({gain})"),
    "sanctions_you": ("Warnings and fines you received", "Advertencias y multas que recibió"),
    "none_yet": ("None.", "Ninguna."),
    "strikes": ("Strikes: {k}", "Faltas: {k}"),
    "s_warning": ("meeting {t}: warning (strike {strike})", "reunión {t}: advertencia (falta {strike})"),
    "s_fine": ("meeting {t}: fine of {amount} (strike {strike})", "reunión {t}: multa de {amount} (falta {strike})"),
    "s_expulsion": ("meeting {t}: expulsion (strike {strike})", "reunión {t}: expulsión (falta {strike})"),
    "rules": ("Rules in force", "Reglas vigentes"),
    "rules_none": ("No reglamento yet: it is voted at meeting {n}.",
                   "Todavía sin reglamento: se vota en la reunión {n}."),
    "rules_never": ("This group has no reglamento.", "Este grupo no tiene reglamento."),
    "rules_on": ("Reglamento adopted: decisions by {rule}; {sanctions}; admission {admission}.",
                 "Reglamento adoptado: decide {rule}; {sanctions}; ingreso {admission}."),
    "sanctions_on": ("sanctions on (fine {fine} per strike, expulsion at strike {k})",
                     "con sanciones (multa {fine} por falta, expulsión a la falta {k})"),
    "sanctions_off": ("no sanctions", "sin sanciones"),
    "st_out": ("Your firm is no longer in the group.", "Su empresa ya no es parte del grupo."),
    "st_dissolved": ("Your group dissolved.", "Su grupo se disolvió."),
    "st_no_seat": ("You do not play a firm now.", "Ahora no juega ninguna empresa."),
    "take_seat": ("Take a free firm", "Tomar una empresa libre"),
    "leave": ("Leave the workshop", "Salir del taller"),
    "leave_sure": ("Sure? A profile will play your firm.", "¿Seguro? Su empresa la jugará su perfil."),
    "stay": ("Stay", "Quedarme"),
    "left": ("You left. Your firm is played by its profile.", "Salió del taller. Su empresa la juega su perfil."),
    "debrief_phone": ("The game is over: look at the screen.", "Terminó el juego: mire la pantalla."),
    "your_firm_was": ("Your firm's profile was: {p}.", "El perfil de su empresa era: {p}."),
    "you_played_as": ("By what you did, you played like: {p}.", "Por lo que hizo, jugó como: {p}."),
    # events as the group saw them (names, never profiles, until the debrief)
    "ev_renege": ("{who} committed to the purchase and bought elsewhere: detected",
                  "{who} se comprometió con la compra y compró por su cuenta: descubierto/a"),
    # caught and expelled at one meeting: one sentence says both (the story then adds no "was expelled")
    "ev_renege_expelled": ("{who} committed to the purchase and bought elsewhere: detected and expelled from the group",
                           "{who} se comprometió con la compra y compró por su cuenta: descubierto/a y expulsado/a "
                           "del grupo"),
    "ev_diversion": ("{who} kept an export lead", "{who} se quedó con un contacto de exportación"),
    "ev_quota_skip": ("{who} did not pay the quota", "{who} no pagó la cuota"),
    "quota_skips": ("Did not pay the quota: {names}", "No pagaron la cuota: {names}"),
    "ev_expulsion": ("{who} was expelled", "{who} fue expulsado/a"),
    "ev_exit": ("{who} left the group", "{who} se retiró del grupo"),
    "ev_entry": ("{who} joined the group", "{who} ingresó al grupo"),
    "ev_conflict": ("{who} and {other} clashed", "{who} y {other} entraron en conflicto"),
    "ev_rules": ("The group adopted its reglamento", "El grupo adoptó su reglamento"),
    "ev_dissolution": ("The group dissolved", "El grupo se disolvió"),
    "ev_purchase_failed": ("The joint purchase failed", "La compra conjunta fracasó"),
    "ev_phase": ("The group entered phase {code}", "El grupo entró en la fase {code}"),
    "ev_facilitator": ("The facilitator {fac}", "El facilitador {fac}"),
    "fac_0": ("starts working with the group", "empieza a trabajar con el grupo"),
    "fac_1": ("begins to step back", "empieza a retirarse"),
    "fac_2": ("leaves the group", "deja el grupo"),
    "ev_rejected": ("A candidate was turned away", "Un candidato no fue admitido"),
    "sanction_warning": (": warning", ": advertencia"),
    "sanction_fine": (": fine {amount}", ": multa {amount}"),
    "sanction_expulsion": (": expelled from the group", ": expulsado/a del grupo"),
    "kept_open": (", openly", ", a la vista"),
    "firm_n": ("Firm {n}", "Empresa {n}"),
    # trainer
    "trainer": ("Trainer", "Coordinación"),
    "join_at": ("Join at", "Unirse en"),
    "code": ("Code", "Código"),
    "people": ("People seated: {n}", "Personas sentadas: {n}"),
    "open": ("Open meeting {n}", "Abrir reunión {n}"),
    "close": ("Close the meeting", "Cerrar la reunión"),
    "pause": ("Pause", "Pausa"),
    "resume": ("Resume", "Reanudar"),
    "back": ("◀ Back", "◀ Atrás"),
    "forward": ("Forward ▶", "Adelante ▶"),
    "end": ("End and debrief", "Terminar y analizar"),
    "state_lobby": ("Room open: people are joining", "Sala abierta: la gente se está uniendo"),
    "state_open": ("Meeting {n} open", "Reunión {n} abierta"),
    "state_resolved": ("Meeting {n} played", "Reunión {n} jugada"),
    "state_debrief": ("Debrief", "Análisis final"),
    "decided": ("{k} of {n} decided", "decidieron {k} de {n}"),
    "group": ("Group {n}", "Grupo {n}"),
    "all_groups": ("All groups", "Todos los grupos"),
    "profile_seat": ("(profile)", "(perfil)"),
    "out_seat": ("(out)", "(fuera)"),
    "trust": ("Trust", "Confianza"),
    "cooperation": ("Cooperation", "Cooperación"),
    "members": ("Members", "Socios"),
    "meeting": ("Meeting", "Reunión"),
    "story": ("Meeting {n} in group {g}", "Reunión {n} en el grupo {g}"),
    "room_log": ("Room", "Sala"),
    "log_join": ("{name} joined group {group}", "{name} se unió al grupo {group}"),
    "log_leave_self": ("{name} left; a profile plays the firm", "{name} se fue; la empresa la juega su perfil"),
    "log_leave_trainer": ("{name} was replaced by a profile", "{name} fue reemplazado/a por un perfil"),
    "log_leave_idle": ("{name} missed several meetings; a profile plays the firm",
                       "{name} faltó varias reuniones; la empresa la juega su perfil"),
    "release": ("Gone without a word?", "¿Se fue sin avisar?"),
    "release_do": ("Profile plays", "Lo juega el perfil"),
    "vote_result": ("Group {g} voted: {d}; {s}; {a}", "El grupo {g} votó: {d}; {s}; {a}"),
    # debrief
    "tab_reveal": ("Who was who", "Quién era quién"),
    "tab_people": ("How you played", "Cómo jugaron"),
    "tab_compare": ("Groups compared", "Grupos comparados"),
    "tab_whatif": ("What if", "Qué hubiera pasado"),
    "played_by": ("Played by", "Jugada por"),
    "participant": ("Participant", "Participante"),
    "profile": ("Profile", "Perfil"),
    "firm": ("Firm", "Empresa"),
    "income_alone": ("Income / alone ({unit})", "Ingreso / solo ({unit})"),
    "placed": ("Played like", "Jugó como"),
    "firm_profile": ("Firm's profile", "Perfil de su empresa"),
    "secret_acts": ("Secret acts", "Actos en secreto"),
    "held_back": ("Held back openly", "Se retuvo a la vista"),
    "full_coop": ("Full cooperation", "Cooperación plena"),
    "alive": ("Alive", "Sigue"),
    "gain": ("Income vs alone", "Ingreso vs solo"),
    "violations": ("Violations", "Faltas"),
    "expulsions": ("Expulsions", "Expulsiones"),
    "yes": ("yes", "sí"),
    "no": ("no", "no"),
    "whatif_help": ("Same group, same luck (seed) and the same moves by its people; only the reglamento changes.",
                    "Mismo grupo, misma suerte (semilla) y las mismas jugadas de sus personas; solo cambia el "
                    "reglamento."),
    "actual": ("What happened", "Lo que pasó"),
    "alternative": ("With the other rules", "Con las otras reglas"),
    "replay": ("Replay", "Repetir"),
    "whatif_sum": ("At the end: trust {trust} against {trust_alt}; mean cooperation {coop} against {coop_alt}; "
                   "members {members} against {members_alt} (what happened against the other rules).",
                   "Al final: confianza {trust} contra {trust_alt}; cooperación media {coop} contra {coop_alt}; "
                   "socios {members} contra {members_alt} (lo que pasó contra las otras reglas)."),
    "export": ("Download the tables (pseudonymised)", "Descargar las tablas (seudonimizadas)"),
    "guide_row": ("The guide's table", "La tabla de la guía"),
}

# the guide's table "Identificar roles de actores" (004:L1883-1951; DOMAIN.md §1.1), row by row
GUIDE_ROWS = {
    "philosophy": (("Moral philosophy", "Filosofía moral"),
                   {"santo": ("Collective interest", "Interés colectivo"),
                    "solido": ("Moderate self-interest", "Moderado interés propio"),
                    "tengo": ("Self-interest", "Interés propio"),
                    "oportunista": ("Absolutely self-interested", "Absolutamente interesado en sí mismo")}),
    "goal": (("Goal", "Meta"),
             {"santo": ("Do the best for the group", "Hacer lo mejor por el grupo"),
              "solido": ("Do as well as possible within moral limits",
                         "Hacer lo mejor posible con limitaciones morales"),
              "tengo": ("Do better than the other players", "Hacerlo mejor que los otros jugadores"),
              "oportunista": ("Do as well as possible without limits", "Hacer lo mejor posible sin limitaciones")}),
    "problem": (("Strategic problem", "Problema estratégico"),
                {"santo": ("Cooperate and convince the others to cooperate too",
                           "Cooperar y convencer a los otros de que cooperen también"),
                 "solido": ("Get enough players to cooperate through his own cooperation",
                            "Obtener suficientes jugadores que cooperen como resultado de su cooperación"),
                 "tengo": ("None", "Ninguno"),
                 "oportunista": ("Betray as much as possible while the others cooperate",
                                 "Traicionar tanto como sea posible mientras otros cooperan")}),
    "conduct": (("Conduct", "Conducta"),
                {"santo": ("Cooperative, uses the rules", "Cooperativo y uso de reglas"),
                 "solido": ("Discourages coalitions", "Desincentiva coaliciones"),
                 "tengo": ("Betrayal", "Traición"),
                 "oportunista": ("Furtive, or shameless in taking advantage",
                                 "Furtivo o sin vergüenza en aprovecharse")}),
}


def t(key: str, lang: str, **kw) -> str:
    """The string ``key`` in ``lang`` ('es' or 'en'), formatted with ``kw``."""
    en, es = T[key]
    text = es if lang == "es" else en
    return text.format(**kw) if kw else text


def pick(pair, lang: str) -> str:
    """The Spanish or English half of an (en, es) pair."""
    return pair[1] if lang == "es" else pair[0]


def event_line(e: dict, lang: str) -> str:
    """A sentence for one event as a group saw it (who by name, never by profile)."""
    who = e.get("name") or t("firm_n", lang, n=e["firm"])
    other = t("firm_n", lang, n=e.get("other", -1))
    kind = e["kind"]
    key = f"ev_{kind}"
    if key not in T:
        return kind
    sanction = e.get("sanction")
    if sanction == "expulsion" and f"{key}_expelled" in T:  # the sentence itself says it expelled them
        key, sanction = f"{key}_expelled", None
    fac = t(f"fac_{e['code']}", lang) if kind == "facilitator" and e["code"] in (0, 1, 2) else ""
    text = t(key, lang, who=who, other=other, code=e["code"], fac=fac)
    if kind == "diversion" and e["code"] == 1:
        text += t("kept_open", lang)
    if sanction in ("warning", "fine", "expulsion"):
        text += t(f"sanction_{sanction}", lang, amount=money(e["amount"], lang, 1))
    return text


def tells_expulsion(e: dict) -> bool:
    """Whether an event's sentence already says it expelled its firm (a violation sanctioned with expulsion)."""
    return e["kind"] != "expulsion" and e.get("sanction") == "expulsion" and f"ev_{e['kind']}" in T


def num(x: float, lang: str, digits: int = 2) -> str:
    """A number as the language writes it (decimal comma in Spanish)."""
    text = f"{x:.{digits}f}"
    return text.replace(".", ",") if lang == "es" else text


def money(x: float, lang: str, digits: int = 1) -> str:
    """An amount with the model's money unit, as the dashboard and the CLI name it ("12,5 dinero", "12.5 money")."""
    return f"{num(x, lang, digits)} {money_unit(lang)}"


def money_unit(lang: str) -> str:
    """The model's money unit in ``lang`` (the scenario schema's unit "money", dashboards/i18n.py's Spanish)."""
    return UNITS["money"] if lang == "es" else "money"


def pct(x: float, lang: str) -> str:
    """A share as a signed percentage (decimal comma in Spanish)."""
    text = f"{x:+.1%}".replace("%", " %")
    return text.replace(".", ",") if lang == "es" else text
