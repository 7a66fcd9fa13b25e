"""Scenarios: the typed, frozen, validated record of every parameter of a run.

This module is the single source of truth for parameters. Each section of a scenario TOML file is a
frozen dataclass; each field carries its default, its bounds or allowed choices, its unit, its
English and Spanish labels and the source it rests on (in ``field(metadata=...)``). The CLI's help,
the dashboard's widgets and docs/model.md's parameter table are all derived from these records.

Validation happens at the boundary (TOML -> record): unknown keys, wrong types and out-of-range
values raise :class:`ScenarioError`, whose message names the file, the dotted key and what is
allowed, before any agent exists.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from . import vocabulary as _vocabulary
from .fields import P
from .vocabulary import NAMES as PROFILES

DISPOSITIONS = ("active", "passive", "barely")


MAX_TOML_BYTES = 1 << 20  # a scenario or experiment file is a few KiB; more is not one


class ScenarioError(ValueError):
    """A scenario (file, override or widget value) that cannot be run; the message says why."""


@dataclass(frozen=True)
class Meta:
    """Name and description of the scenario (what question it answers)."""

    name: str = P("baseline", en="Scenario name", es="Nombre del escenario")
    description: str = P("", en="Question it answers", es="Pregunta que responde")


@dataclass(frozen=True)
class Run:
    """Horizon and recording options of one run."""

    steps: int = P(104, 1, 5000, unit="meetings", en="Meetings (fortnights)",
                   es="Reuniones (quincenas)", src="004:L2004-2007 (at least fortnightly)")
    seed: int = P(1, 0, 2**63 - 1, en="Seed", es="Semilla")
    firm_table: str = P("full", choices=("full", "sampled", "off"), en="Firm table",
                        es="Tabla de empresas",
                        help="'sampled' keeps every k-th meeting; 'off' keeps none (large runs)")
    sample_every: int = P(10, 1, 1000, unit="meetings", en="Sampling interval",
                          es="Intervalo de muestreo")


@dataclass(frozen=True)
class Population:
    """Who the groups are made of: profile mix, capacity, products, participation."""

    groups: int = P(3, 1, 50000, en="Groups", es="Grupos")
    group_size: int = P(8, 3, 40, unit="firms", en="Founding members per group",
                        es="Socios fundadores por grupo", src="004:L175-176 (5-20 firms)")
    slack: int = P(4, 0, 40, unit="seats", en="Seats for newcomers", es="Lugares para ingresantes")
    # one share key per registered profile (sim/model/vocabulary.py), in the registry's order
    for _info in _vocabulary.PROFILES:
        __annotations__[_info.name] = "float"
        locals()[_info.name] = P(_info.share, 0.0, 1.0, en=f"Share {_info.es}", es=f"Proporción {_info.es}",
                                 src=_info.src)
    del _info
    weak_share: float = P(0.5, 0.0, 1.0, en="Share of weak firms", es="Proporción de empresas débiles",
                          src="004:L1201-1204")
    capacity_weak: float = P(0.6, 0.05, 1.0, unit="x", en="Capacity of a weak firm",
                             es="Capacidad de una empresa débil")
    capacity_strong: float = P(1.4, 1.0, 5.0, unit="x", en="Capacity of a strong firm",
                               es="Capacidad de una empresa fuerte")
    products: int = P(12, 1, 500, unit="lines", en="Product lines in the sector",
                      es="Líneas de producto del sector", src="004:L230-283 (DIPAT)")
    active: float = P(0.238, 0.0, 1.0, en="Share active participants", es="Proporción activos",
                      src="004:L720-741 (23.8 %)")
    passive: float = P(0.40, 0.0, 1.0, en="Share passive participants", es="Proporción pasivos",
                       src="004:L720-741 (40 %)")
    barely: float = P(0.362, 0.0, 1.0, en="Share barely participating",
                      es="Proporción poco participativos", src="004:L720-741 (36.2 %)")
    attend_active: float = P(0.95, 0.0, 1.0, en="Attendance, active", es="Asistencia, activos")
    attend_passive: float = P(0.75, 0.0, 1.0, en="Attendance, passive", es="Asistencia, pasivos")
    attend_barely: float = P(0.45, 0.0, 1.0, en="Attendance, barely", es="Asistencia, poco activos")
    diversity: float = P(0.2, 0.0, 1.0, en="Cultural and institutional diversity",
                         es="Diversidad cultural e institucional", src="004:L452-456; 002:L149-152")
    attend_base: float = P(0.7, 0.0, 1.0, en="Attendance kept by a member who trusts nobody (share of its usual)",
                           es="Asistencia que conserva un socio que no confía en nadie (parte de la habitual)",
                           src="004:L720-741 (participation follows the group's working); designer's value")
    attend_trust: float = P(0.3, 0.0, 1.0, en="Attendance that follows trust (share of its usual)",
                            es="Asistencia que depende de la confianza (parte de la habitual)",
                            src="004:L720-741; designer's value")
    diversity_capacity: float = P(0.5, 0.0, 5.0, en="Diversity added per unit of capacity spread (CV)",
                                  es="Diversidad agregada por unidad de dispersión de capacidad (CV)",
                                  src="004:L452-456 (heterogeneity raises coordination costs); designer's value")


@dataclass(frozen=True)
class Profiles:
    """Traits of the four behavioural profiles (the decision rules live in sim/model/profiles.py)."""

    solido_intercept: float = P(0.03, -1.0, 1.0, en="Sólido: cooperation when nobody cooperates",
                                es="Sólido: cooperación si nadie coopera",
                                src="Fischbacher, Gächter & Fehr 2001 (conditional cooperators give almost "
                                    "nothing when the others give nothing)")
    solido_slope: float = P(0.8, 0.0, 2.0, en="Sólido: response to others' cooperation",
                            es="Sólido: respuesta a la cooperación ajena",
                            src="Fischbacher, Gächter & Fehr 2001; Fischbacher & Gächter 2010")
    solido_sd: float = P(0.1, 0.0, 0.5, en="Sólido: spread between firms",
                         es="Sólido: dispersión entre empresas")
    solido_lead: int = P(1, 0, 1000, unit="meetings", en="Sólido: meetings it opens with full cooperation",
                         es="Sólido: reuniones en que abre cooperando del todo",
                         src="004:L1883-1951 (gets others to cooperate through its own cooperation)")
    solido_tolerance: float = P(0.3, 0.0, 1.0, en="Sólido: cooperation level below which it stops paying and routing",
                                es="Sólido: nivel de cooperación bajo el cual deja de pagar y de derivar",
                                src="004:L1879-1880 (works for the collective if others do); designer's choice")
    santo_persuasion: float = P(0.01, 0.0, 0.1, en="Santo: persuasion per meeting",
                                es="Santo: persuasión por reunión", src="004:L1883-1951 (convince others)")
    santo_report: float = P(0.3, 0.0, 1.0, en="Santo: chance of reporting what it sees",
                            es="Santo: probabilidad de denunciar", src="004:L1883-1951 (uses rules)")
    oportunista_mimic: int = P(10, 0, 1000, unit="meetings", en="Oportunista: meetings it mimics cooperation",
                               es="Oportunista: reuniones que simula cooperar")
    oportunista_threshold: float = P(0.5, 0.0, 1.0, en="Oportunista: others' cooperation it exploits",
                                     es="Oportunista: cooperación ajena que aprovecha",
                                     src="004:L1883-1951 (betray while others cooperate)")
    oportunista_horizon: int = P(12, 1, 500, unit="meetings", en="Oportunista: meetings of membership value at stake",
                                 es="Oportunista: reuniones de valor de membresía en juego")
    oportunista_prior: float = P(2.0, 0.0, 100.0, unit="acts", en="Oportunista: weight of its prior about detection",
                                 es="Oportunista: peso de su creencia previa sobre la detección",
                                 src="Beta-binomial learning; designer's choice (pseudo-observations)")
    learning_punishment: float = P(0.5, 0.0, 1.0, en="Learning of the punishment a shortfall brings",
                                   es="Aprendizaje del castigo que trae aportar de menos",
                                   src="Fehr & Gächter 2000 (free riders raise contributions after being punished)")


@dataclass(frozen=True)
class JointPurchase:
    """The joint-purchase game (see sim/model/games.py for the payoff function)."""

    list_price: float = P(10.0, 0.01, 1e6, unit="money/unit", en="List price", es="Precio de lista")
    demand: float = P(10.0, 0.01, 1e6, unit="units/meeting", en="Input demand per unit of capacity",
                      es="Demanda de insumos por unidad de capacidad")
    min_lot: float = P(25.0, 0.0, 1e9, unit="units", en="Minimum lot for the pooled price",
                       es="Lote mínimo para el precio conjunto", src="004:L230-283")
    volume_full: float = P(60.0, 0.0, 1e9, unit="units", en="Volume for the full discount",
                           es="Volumen para el descuento máximo")
    discount_min: float = P(0.05, 0.0, 0.95, en="Discount at the minimum lot",
                            es="Descuento en el lote mínimo")
    discount_max: float = P(0.15, 0.0, 0.95, en="Maximum volume discount", es="Descuento máximo",
                            src="004:L560-581")
    handling_cost: float = P(0.4, 0.0, 1e6, unit="money/unit", en="Handling cost of a committed unit",
                             es="Costo de gestión por unidad comprometida")
    side_discount: float = P(0.13, 0.0, 0.95, en="Private side-deal discount (reneging)",
                             es="Descuento de un trato paralelo (incumplir)")
    shortfall_penalty: float = P(1.0, 0.0, 1e6, unit="money/unit", en="Supplier penalty per reneged unit",
                                 es="Penalidad del proveedor por unidad incumplida")
    sharing: str = P("proportional", choices=("proportional", "equal"), en="How savings are shared",
                     es="Reparto del ahorro", src="004:L2109-2111")
    matching: str = P("fixed", choices=("fixed", "random"), en="Partners", es="Socios",
                      help="'random' re-matches firms across groups each meeting (stranger design)")


@dataclass(frozen=True)
class Export:
    """The export-consortium game: quotas, promotion fund, leads and their routing."""

    enabled: bool = P(True, en="Export consortium", es="Consorcio de exportación")
    quota: float = P(2.0, 0.0, 1e6, unit="money/meeting", en="Quota per member",
                     es="Cuota por socio", src="004:L2013-2017")
    spend_rate: float = P(0.5, 0.0, 1.0, en="Share of the fund spent on promotion each meeting",
                          es="Parte del fondo gastada en promoción por reunión")
    lead_rate: float = P(0.8, 0.0, 100.0, unit="leads/meeting", en="Leads for a reference consortium",
                         es="Contactos para un consorcio de referencia")
    fund_elasticity: float = P(0.5, 0.0, 2.0, en="Leads' elasticity to promotion spending",
                               es="Elasticidad de los contactos al gasto en promoción")
    breadth_elasticity: float = P(0.7, 0.0, 2.0, en="Leads' elasticity to breadth of the offer",
                                  es="Elasticidad de los contactos a la amplitud de la oferta",
                                  src="004:L230-283 (integrated offer)")
    lead_value: float = P(40.0, 0.0, 1e9, unit="money", en="Value of a lead served jointly",
                          es="Valor de un contacto atendido en conjunto")
    commission: float = P(0.1, 0.0, 1.0, en="Consortium commission on routed leads",
                          es="Comisión del consorcio")
    private_share: float = P(0.6, 0.0, 1.0, en="Share of a lead a firm captures serving it alone",
                             es="Parte de un contacto que capta una empresa sola", src="004:L662-671")
    overlap_conflict: float = P(0.5, 0.0, 1.0, en="Chance a lead in a shared product starts a conflict",
                                es="Probabilidad de conflicto por producto compartido", src="004:L276-278")
    miss_coordination: float = P(0.5, 0.0, 1.0, en="Routed leads missed per unit of missing coordination",
                                 es="Contactos derivados perdidos por unidad de coordinación faltante",
                                 src="designer's value")
    solo_lead_rate: float = P(0.05, 0.0, 100.0, unit="leads/meeting", en="Leads a firm finds alone",
                              es="Contactos que una empresa consigue sola")
    dipat: bool = P(False, en="DIPAT rule: no two members offer the same product",
                    es="Regla DIPAT: dos socios no ofrecen el mismo producto", src="004:L276-280")


@dataclass(frozen=True)
class Trust:
    """Dyadic trust: start value and how it is updated (sim/model/trust.py)."""

    initial: float = P(0.4, 0.0, 1.0, en="Initial trust", es="Confianza inicial", src="004:L1805-1832")
    learning: float = P(0.15, 0.0, 1.0, en="Learning from observed conduct",
                        es="Aprendizaje de la conducta observada", src="004:L1828-1832 (Good)")
    betrayal: float = P(0.3, 0.0, 1.0, en="Trust lost on a detected betrayal",
                        es="Confianza perdida por traición detectada")
    diffuse: float = P(0.25, 0.0, 2.0, en="Diffuse loss from unexplained shortfalls",
                       es="Pérdida difusa por faltantes sin explicar", src="004:L669-671")
    success: float = P(0.04, 0.0, 1.0, en="Gain from a successful joint action",
                       es="Ganancia por acción conjunta exitosa", src="004:L2035-2055")
    failure: float = P(0.03, 0.0, 1.0, en="Trust lost when a joint action fails",
                       es="Confianza perdida cuando falla una acción conjunta",
                       src="004:L2035-2055 (trust rests on collective actions)")
    conflict_damage: float = P(0.2, 0.0, 1.0, en="Trust lost in an unresolved conflict",
                               es="Confianza perdida en un conflicto sin resolver")
    repair: float = P(1.0, 0.0, 100.0, en="Slowness of trust repair after detected cheating (per detected act)",
                      es="Lentitud de la recuperación de confianza tras trampas detectadas (por acto detectado)",
                      src="Schweitzer, Hershey & Bradlow 2006 (trust harmed by deception recovers slowly and "
                          "incompletely); designer's value",
                      help="a member caught n times keeps 1 / (1 + repair x n) of any rise in the trust others "
                           "place in it")
    conflict_spread: float = P(0.25, 0.0, 1.0, en="Share of a conflict's damage the rest of the group feels",
                               es="Parte del daño de un conflicto que siente el resto del grupo",
                               src="004:L1402-1404; designer's value")


@dataclass(frozen=True)
class Rules:
    """The reglamento interno (004:L1963-2031): decisions, admission, exit, costs, monitoring."""

    enabled: bool = P(True, en="Group adopts a reglamento", es="El grupo adopta un reglamento",
                      src="004:L1963-2031")
    adopt_at: int = P(13, 0, 5000, unit="meetings", en="Meeting when the reglamento is adopted",
                      es="Reunión en que se adopta el reglamento", src="004:L1415-1416 (six months)")
    decision: str = P("majority", choices=("consensus", "majority", "leader"), en="Decision rule",
                      es="Regla de decisión", src="004:L689-692")
    admission: str = P("screened", choices=("open", "screened", "dipat"), en="Admission",
                       es="Ingreso de socios", src="004:L1963-2031 item 4; 004:L2695-2699")
    screening: float = P(0.5, 0.0, 1.0, en="Chance screening spots a bad reputation",
                         es="Probabilidad de detectar mala reputación", src="004:L1722-1728")
    exit_notice: int = P(2, 0, 100, unit="meetings", en="Exit notice", es="Preaviso de retiro",
                         src="004:L1963-2031 item 5")
    forfeit: bool = P(True, en="Leaving forfeits contributions", es="Quien se retira pierde aportes")
    cost_sharing: str = P("proportional", choices=("equal", "proportional"), en="Cost sharing (quotas)",
                          es="Reparto de costos (cuotas)", src="004:L2013-2017; 004:L2109-2111")
    monitoring: float = P(0.3, 0.0, 1.0, en="Monitoring: chance a furtive act is detected",
                          es="Control: probabilidad de detectar un acto furtivo", src="004:L669-671")
    monitoring_cost: float = P(1.0, 0.0, 1e6, unit="money/meeting", en="Cost of full monitoring per member",
                               es="Costo del control total por socio")
    conflict_resolution: str = P("committee", choices=("none", "committee", "facilitator"),
                                 en="Conflict resolution", es="Resolución de controversias",
                                 src="004:L2019-2024")
    quorum: float = P(0.5, 0.0, 1.0, en="Quorum (share of members present)", es="Quórum",
                      src="004:L1988-1989")
    absence_fine: float = P(0.0, 0.0, 1e6, unit="money", en="Fine for missing a meeting",
                            es="Multa por inasistencia", src="004:L2009-2011")
    min_commit: float = P(0.0, 0.0, 1.0, en="Minimum commitment to the joint purchase (0: no rule)",
                          es="Compromiso mínimo con la compra conjunta (0: sin regla)",
                          src="004:L1963-2031 (reglamento: obligations of members); issue 11",
                          help="an open commitment below this share is a violation the reglamento sanctions")
    natural_detection: float = P(0.05, 0.0, 1.0, en="Chance a furtive act surfaces without any monitoring",
                                 es="Probabilidad de que un acto furtivo salga a la luz sin control",
                                 src="004:L669-671; designer's value")
    forfeit_hold: float = P(0.5, 0.0, 1.0, en="Exit hazard of a member with contributions it would forfeit (x)",
                            es="Riesgo de retiro de un socio que perdería sus aportes (x)",
                            src="004:L1963-2031 item 5; designer's value")
    committee_relief: float = P(0.5, 0.0, 1.0, en="Share of a conflict's damage a committee defuses",
                                es="Parte del daño de un conflicto que evita un comité",
                                src="004:L2019-2024; designer's value")
    consensus_lead_miss: float = P(0.30, 0.0, 1.0, en="Consensus: share of routed leads missed (slow decisions)",
                                   es="Consenso: parte de los contactos perdidos (decisiones lentas)",
                                   src="004:L689-692; designer's value")
    consensus_transparency: float = P(0.010, -0.1, 0.1, unit="/meeting", en="Consensus: trust lift per meeting",
                                      es="Consenso: aumento de confianza por reunión",
                                      src="004:L689-692; designer's value")
    consensus_tc: float = P(1.3, 0.1, 5.0, unit="x", en="Consensus: transaction cost multiplier",
                            es="Consenso: multiplicador del costo de transacción",
                            src="004:L689-692; designer's value")
    consensus_frustration: float = P(1.5, 0.0, 5.0, unit="x", en="Consensus: exit hazard multiplier (frustration)",
                                     es="Consenso: multiplicador del riesgo de retiro (frustración)",
                                     src="004:L689-692; designer's value")
    majority_lead_miss: float = P(0.15, 0.0, 1.0, en="Majority: share of routed leads missed",
                                  es="Mayoría: parte de los contactos perdidos",
                                  src="designer's value")
    majority_transparency: float = P(0.004, -0.1, 0.1, unit="/meeting", en="Majority: trust lift per meeting",
                                     es="Mayoría: aumento de confianza por reunión",
                                     src="designer's value")
    majority_tc: float = P(1.0, 0.1, 5.0, unit="x", en="Majority: transaction cost multiplier",
                           es="Mayoría: multiplicador del costo de transacción",
                           src="designer's value")
    majority_frustration: float = P(1.0, 0.0, 5.0, unit="x", en="Majority: exit hazard multiplier",
                                    es="Mayoría: multiplicador del riesgo de retiro",
                                    src="designer's value")
    leader_lead_miss: float = P(0.05, 0.0, 1.0, en="Leader: share of routed leads missed",
                                es="Líder: parte de los contactos perdidos",
                                src="004:L689-692; designer's value")
    leader_transparency: float = P(-0.004, -0.1, 0.1, unit="/meeting",
                                   en="Leader: trust change per meeting (opacity erodes it)",
                                   es="Líder: cambio de confianza por reunión (la opacidad la erosiona)",
                                   src="004:L689-692; designer's value")
    leader_tc: float = P(0.8, 0.1, 5.0, unit="x", en="Leader: transaction cost multiplier",
                         es="Líder: multiplicador del costo de transacción",
                         src="designer's value")
    leader_frustration: float = P(1.0, 0.0, 5.0, unit="x", en="Leader: exit hazard multiplier",
                                  es="Líder: multiplicador del riesgo de retiro",
                                  src="designer's value")


@dataclass(frozen=True)
class Sanctions:
    """Graduated sanctions: warning, fines, expulsion after k strikes (004:L2026-2029)."""

    enabled: bool = P(True, en="Sanctions", es="Sanciones", src="004:L2026-2029")
    warning: bool = P(True, en="First strike is a warning", es="La primera falta es una advertencia")
    fine: float = P(6.0, 0.0, 1e6, unit="money", en="Fine per strike", es="Multa por falta")
    expulsion_strikes: int = P(3, 1, 100, unit="strikes", en="Strikes before expulsion",
                               es="Faltas antes de la expulsión", src="004:L669-671")


@dataclass(frozen=True)
class Facilitator:
    """The external facilitator's presence schedule and effects (004:L838-1126)."""

    schedule: str = P("taper", choices=("none", "permanent", "abrupt", "taper"),
                      en="Presence schedule", es="Calendario de presencia", src="004:L1091-1102")
    exit_at: int = P(52, 0, 5000, unit="meetings", en="Withdrawal (abrupt) or end of taper",
                     es="Retiro (abrupto) o fin de la reducción")
    taper_from: int = P(26, 0, 5000, unit="meetings", en="Taper starts", es="Inicio de la reducción")
    initial_trust: float = P(0.15, 0.0, 1.0, en="Initial stock of trust it brings",
                             es="Capital inicial de confianza que aporta", src="004:L846-851")
    trust_building: float = P(0.04, 0.0, 1.0, en="Trust built per meeting at full presence",
                              es="Confianza generada por reunión", src="004:L846-851")
    information: float = P(0.3, 0.0, 1.0, en="Extra detection from circulated reputation",
                           es="Detección extra por circulación de información")
    arbitration: float = P(0.7, 0.0, 1.0, en="Share of conflict damage it defuses",
                           es="Parte del daño de conflicto que evita", src="004:L850-851")
    tc_reduction: float = P(0.5, 0.0, 1.0, en="Share of transaction costs it absorbs",
                            es="Parte de los costos de transacción que absorbe")
    empowerment: float = P(0.2, 0.0, 1.0, en="Share of its work that transfers capacity",
                           es="Parte de su trabajo que transfiere capacidad", src="004:L1091-1102")
    vouching: float = P(0.5, 0.0, 1.0, en="Share of the sector's opportunism candidates discount for its presence",
                        es="Parte del oportunismo del sector que los candidatos descuentan por su presencia",
                        src="004:L846-851 (credibility it brings); designer's value")
    informal_arbitration: float = P(0.5, 0.0, 1.0, en="Its arbitration where it is not the appointed mechanism (x)",
                                    es="Su arbitraje donde no es el mecanismo designado (x)",
                                    src="004:L850-851; designer's value")
    driver_share: float = P(0.2, 0.01, 1.0, en="Share of members who must lead to take over fully",
                            es="Proporción de socios que deben liderar para asumir todo",
                            src="004:L734-741 (20 % drive and take administrative roles)")


@dataclass(frozen=True)
class Programme:
    """The support programme's money: budget, who pays the facilitator, subsidies (sim/model/programme.py)."""

    budget: float = P(700.0, 0.0, 1e9, unit="money/group", en="Programme budget per group",
                      es="Presupuesto del programa por grupo",
                      src="004:L1081-1085 (the institution funds the initial phase)")
    facilitator_cost: float = P(20.0, 0.0, 1e6, unit="money/meeting",
                                en="Facilitator's cost per meeting at full presence",
                                es="Costo del facilitador por reunión con presencia plena",
                                src="004:L2225-2227 (2 consultants per 11-firm module, scale only)")
    copay_from: int = P(13, 0, 5000, unit="meetings", en="Members start paying the facilitator",
                        es="Los socios empiezan a pagar al facilitador",
                        src="004:L1081-1085 (once firms see the advantages)")
    copay_ramp: int = P(39, 0, 5000, unit="meetings", en="Meetings until members pay their full share",
                        es="Reuniones hasta que los socios pagan su parte plena")
    copay_max: float = P(0.5, 0.0, 1.0, en="Members' share of the facilitator's cost, at most",
                         es="Parte del costo del facilitador que pagan los socios, como máximo",
                         src="004:L1081-1085")
    purchase_subsidy: float = P(0.0, 0.0, 1.0, en="Share of a joint purchase's handling cost subsidised",
                                es="Parte del costo de gestión de la compra conjunta subsidiada",
                                src="004:L2033-2055 (pilot actions)")


@dataclass(frozen=True)
class Milestones:
    """When a group is ready for its milestones; the planned dates are targets (004 Tabla 4)."""

    rules_trust: float = P(0.5, 0.0, 1.0, en="Group trust needed to adopt the reglamento",
                           es="Confianza del grupo necesaria para adoptar el reglamento",
                           src="004:L1970-1971 (when participants are ready for concrete measures)")
    consortium_self_gov: float = P(0.25, 0.0, 1.0,
                                   en="Self-governance a patient group needs to formalise the consortium",
                                   es="Autogestión que un grupo paciente necesita para formalizar el consorcio",
                                   src="004 Tabla 4 (routine consolidated at about 1.5 years)")


@dataclass(frozen=True)
class Participation:
    """Members' involvement falls in day-to-day operation unless benefits are clear (004:L720-741)."""

    decay: float = P(0.01, 0.0, 1.0, unit="/meeting", en="Engagement lost per meeting without clear benefits",
                     es="Compromiso perdido por reunión sin beneficios claros",
                     src="004:L720-741 (declines in medium-term daily operation)")
    clear_gain: float = P(0.02, -1.0, 1.0, en="Gain over going alone members see as a clear benefit",
                          es="Ganancia frente a ir solo que los socios ven como beneficio claro",
                          src="004:L720-741; 004:L1794-1801 (clear motivators)")
    floor: float = P(0.5, 0.0, 1.0, en="Lowest engagement (share of usual attendance)",
                     es="Compromiso mínimo (parte de la asistencia habitual)")


@dataclass(frozen=True)
class Manager:
    """A manager (gerente) the group hires and pays from its fund (004 Tabla 4; L2683-2686)."""

    enabled: bool = P(True, en="The group hires a manager", es="El grupo contrata un gerente",
                      src="004:L1423-1429 (manager hired at about 1.5 years)")
    hire_at: int = P(39, 0, 5000, unit="meetings", en="Earliest meeting to hire the manager",
                     es="Reunión más temprana para contratar al gerente",
                     src="004 Tabla 4 (1.5 years)")
    readiness: float = P(0.25, 0.0, 1.0, en="Self-governance the group needs to hire and direct a manager",
                         es="Autogestión que el grupo necesita para contratar y dirigir un gerente",
                         src="004:L1423-1429 (routine consolidated, then the manager)")
    salary: float = P(8.0, 0.0, 1e6, unit="money/meeting", en="Manager's salary per meeting",
                      es="Salario del gerente por reunión",
                      src="004:L2683-2686 (financed by the group)")
    coordination: float = P(0.8, 0.0, 1.0, en="Coordination capacity the manager provides",
                            es="Capacidad de coordinación que aporta el gerente",
                            src="004:L1423-1429; 004:L897-1042 (operational management)")
    lead_search: float = P(0.5, 0.0, 10.0, en="Extra export leads from the manager's search",
                           es="Contactos de exportación extra por la búsqueda del gerente",
                           src="004:L2683-2686 (full-time professional management)")


@dataclass(frozen=True)
class Lifecycle:
    """Phases, self-governance, entries, exits and dissolution (004 Tabla 3 and 4)."""

    phase2_at: int = P(4, 0, 5000, unit="meetings", en="Trust and pilot actions start",
                       es="Inicio de generación de confianza", src="004 Tabla 3")
    consortium_at: int = P(39, 0, 5000, unit="meetings", en="Earliest formalisation / consortium",
                           es="Formalización / consorcio más temprano",
                           src="004 Tabla 4 (working routine at 1.5 years; formalisation by 3 years)")
    formalise_trust: float = P(0.55, 0.0, 1.0, en="Trust a patient group waits for before formalising",
                               es="Confianza que un grupo paciente espera antes de formalizar",
                               src="002:L347-356; 004:L1402-1404")
    integration_time: int = P(26, 0, 5000, unit="meetings", en="Meetings a group needs to integrate",
                              es="Reuniones que un grupo necesita para integrarse",
                              src="004 Tabla 4 (integrated group after 1-1.5 years)")
    patient: bool = P(True, en="Wait for trust before formalising", es="Esperar confianza para formalizar")
    backlog_conflict: float = P(0.3, 0.0, 5.0, en="Conflicts per meeting per unit of postponed distrust",
                                es="Conflictos por reunión por unidad de desconfianza postergada")
    self_gov_rate: float = P(0.03, 0.0, 1.0, en="Growth of self-governance capacity",
                             es="Crecimiento de la capacidad de autogestión", src="004:L1091-1102")
    self_gov_initial: float = P(0.3, 0.0, 1.0, en="Self-governance of a group formed without help",
                                es="Autogestión inicial sin facilitador")
    base_income: float = P(60.0, 0.0, 1e9, unit="money/meeting", en="Income per unit of capacity",
                           es="Ingreso por unidad de capacidad")
    tc_base: float = P(1.6, 0.0, 1e6, unit="money/meeting", en="Transaction cost per member",
                       es="Costo de transacción por socio", src="004:L655-718")
    tc_size: float = P(0.06, 0.0, 1.0, en="Extra transaction cost per extra member",
                       es="Costo extra por socio adicional", src="004:L694-697")
    tc_diversity: float = P(1.0, 0.0, 10.0, en="Extra transaction cost per unit of diversity",
                            es="Costo extra por diversidad", src="004:L694-697")
    entry_rate: float = P(0.05, 0.0, 1.0, unit="/meeting", en="Candidates per group per meeting",
                          es="Candidatos por grupo por reunión")
    fear: float = P(1.0, 0.0, 5.0, en="Candidates' fear of opportunism", es="Temor al oportunismo",
                    src="004:L73-75; 004:L673-674")
    closure: float = P(0.5, 0.0, 1.0, en="Closure of integrated groups to newcomers",
                       es="Cierre de los grupos integrados", src="004:L2695-2699")
    exit_rate: float = P(0.15, 0.0, 1.0, unit="/meeting", en="Exit hazard of a dissatisfied member",
                         es="Riesgo de retiro de un socio insatisfecho")
    exit_tolerance: float = P(0.02, 0.0, 1.0, en="Income loss vs going alone a member tolerates",
                              es="Pérdida de ingreso frente a ir solo que un socio tolera")
    conflict_exit: float = P(0.3, 0.0, 1.0, en="Chance an unresolved conflict drives a member out",
                             es="Probabilidad de que un conflicto no resuelto haga salir a un socio",
                             src="004:L1402-1404; 004:L276-278")
    exit_trust: float = P(0.25, 0.0, 1.0, en="Trust below which a member wants out",
                          es="Confianza bajo la cual un socio quiere irse")
    min_members: int = P(3, 2, 40, unit="firms", en="Members below which the group dissolves",
                         es="Socios mínimos antes de disolverse")
    coordination_gain: float = P(1.5, 1.0, 10.0,
                                 en="Chance of organising a joint action per unit of coordination capacity",
                                 es="Probabilidad de organizar una acción conjunta por unidad de capacidad",
                                 src="designer's value (reliable at two thirds of full capacity)")
    reputation_weight: float = P(0.2, 0.0, 1.0, en="Weight of this meeting's violations in the group's reputation",
                                 es="Peso de las faltas de esta reunión en la reputación del grupo",
                                 src="004:L73-75; designer's value")
    gain_weight: float = P(0.2, 0.0, 1.0, en="Weight of this meeting's gain in a member's sense of membership value",
                           es="Peso de la ganancia de esta reunión en el valor que un socio da a la membresía",
                           src="designer's value")
    backlog_relief: float = P(0.05, 0.0, 1.0, en="Postponed distrust worked off by each conflict",
                              es="Desconfianza postergada que resuelve cada conflicto",
                              src="004:L1402-1404; designer's value")
    loss_patience: int = P(8, 0, 1000, unit="meetings", en="Meetings a member gives the group before losses count",
                           es="Reuniones que un socio da al grupo antes de contar pérdidas",
                           src="designer's value")
    apply_base: float = P(0.2, 0.0, 1.0, en="Chance a candidate applies before trust and fear",
                          es="Probabilidad de postularse antes de confianza y temor",
                          src="004:L73-75; designer's value")
    dissolve_trust: float = P(0.1, 0.0, 1.0, en="Group trust below which a working group dissolves",
                              es="Confianza grupal bajo la cual un grupo en marcha se disuelve",
                              src="004:L1822-1826; designer's value")


@dataclass(frozen=True)
class Lab:
    """Laboratory conditions: the meeting becomes an exact public-goods experiment.

    Every member is present, the pooled order (the public good) is produced whenever members
    contribute, every member sees every other member's contribution after the round (full feedback)
    and beliefs about the others move only through that observed conduct: no facilitator, success,
    santo or rule lifts, no diffuse losses (Ledyard 1995; Fehr & Gächter 2000).
    """

    enabled: bool = P(False, en="Laboratory conditions", es="Condiciones de laboratorio",
                      src="Ledyard 1995; Fehr & Gächter 2000; Fischbacher & Gächter 2010")
    coordination_failure: bool = P(False, en="Lab: coordination can still fail",
                                   es="Laboratorio: la coordinación aún puede fallar")
    voluntary: bool = P(False, en="Lab: members may stay out of a round and take the outside option",
                        es="Laboratorio: se puede no participar de una ronda y cobrar la opción externa",
                        src="optional public goods: Hauert et al. 2002; Semmann, Krambeck & Milinski 2003")
    outside: float = P(5.0, 0.0, 1e6, unit="money/round", en="Lab: what staying out of a round pays",
                       es="Laboratorio: lo que paga no participar de una ronda",
                       src="loner payoff between 0 and (r - 1) e (Hauert et al. 2002); designer's value")


@dataclass(frozen=True)
class Punishment:
    """Costly peer punishment after the contribution stage (Fehr & Gächter 2000; 2002)."""

    enabled: bool = P(False, en="Peer punishment", es="Castigo entre pares", src="Fehr & Gächter 2000")
    cost: float = P(1.0, 0.0, 100.0, unit="money/point", en="Cost of a punishment point to the punisher",
                    es="Costo de un punto de castigo para quien castiga", src="Fehr & Gächter 2002 (1:3)")
    impact: float = P(3.0, 0.0, 100.0, unit="money/point", en="Loss of a punishment point to the punished",
                      es="Pérdida de un punto de castigo para el castigado", src="Fehr & Gächter 2002 (1:3)")
    rate: float = P(0.17, 0.0, 10.0, unit="points/unit", en="Points per unit of shortfall below the others' mean",
                    es="Puntos por unidad de aporte bajo el promedio de los demás",
                    src="Fehr & Gächter 2002, Fig. 2 (about 0.5 points per token of negative deviation "
                        "from three punishers)",
                    help="per punisher, per unit of input (token) the member gave below the others' mean")
    cap: float = P(10.0, 0.0, 1000.0, unit="points", en="Most points one member gives another per round",
                   es="Máximo de puntos que un socio da a otro por ronda", src="Fehr & Gächter 2000 (10 points)")
    antisocial: float = P(0.0, 0.0, 10.0, unit="points/unit",
                          en="Antisocial punishment: points per unit above the punisher's own contribution",
                          es="Castigo antisocial: puntos por unidad sobre el aporte propio",
                          src="Herrmann, Thöni & Gächter 2008")


SECTIONS: dict[str, type] = {
    "meta": Meta,
    "run": Run,
    "population": Population,
    "profiles": Profiles,
    "joint_purchase": JointPurchase,
    "export": Export,
    "trust": Trust,
    "rules": Rules,
    "sanctions": Sanctions,
    "facilitator": Facilitator,
    "lifecycle": Lifecycle,
    "lab": Lab,
    "punishment": Punishment,
    "programme": Programme,
    "manager": Manager,
    "milestones": Milestones,
    "participation": Participation,
}


@dataclass(frozen=True)
class Scenario:
    """A complete, validated scenario: one frozen record per section."""

    meta: Meta = field(default_factory=Meta)
    run: Run = field(default_factory=Run)
    population: Population = field(default_factory=Population)
    profiles: Profiles = field(default_factory=Profiles)
    joint_purchase: JointPurchase = field(default_factory=JointPurchase)
    export: Export = field(default_factory=Export)
    trust: Trust = field(default_factory=Trust)
    rules: Rules = field(default_factory=Rules)
    sanctions: Sanctions = field(default_factory=Sanctions)
    facilitator: Facilitator = field(default_factory=Facilitator)
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    lab: Lab = field(default_factory=Lab)
    punishment: Punishment = field(default_factory=Punishment)
    programme: Programme = field(default_factory=Programme)
    manager: Manager = field(default_factory=Manager)
    milestones: Milestones = field(default_factory=Milestones)
    participation: Participation = field(default_factory=Participation)
    source: str = field(default="<defaults>", compare=False)

    # A scenario is frozen and its values are plain scalars and strings, so its dict, flat dict and
    # TOML text are made once (every run writes them into its runs row and manifest: about 1 ms of a
    # baseline run). Callers get their own copies of the dicts, which they may change.
    @functools.cached_property
    def _sections(self) -> dict[str, dict[str, Any]]:
        return {name: dataclasses.asdict(getattr(self, name)) for name in SECTIONS}

    @functools.cached_property
    def _flat(self) -> dict[str, Any]:
        return {f"{s}.{k}": v for s, sec in self._sections.items() for k, v in sec.items()}

    @functools.cached_property
    def _toml(self) -> str:
        return tomli_w.dumps(self._sections)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Nested plain dict (section -> key -> value), as written to TOML."""
        return {name: dict(sec) for name, sec in self._sections.items()}

    def flat(self) -> dict[str, Any]:
        """Flat dict with dotted keys (``"rules.monitoring"``), as stored in the runs table."""
        return dict(self._flat)

    def to_toml(self) -> str:
        """TOML text that loads back into an equal scenario."""
        return self._toml

    def replace(self, overrides: dict[str, Any], origin: str = "override") -> Scenario:
        """A new validated scenario with dotted-key overrides applied (values may be strings)."""
        data = self.to_dict()
        for key, value in overrides.items():
            section, name = _split_key(key, origin)
            spec = param(key)
            data[section][name] = coerce(value, spec, origin) if isinstance(value, str) else value
        return from_dict(data, origin=origin if origin != "override" else self.source)

    def profile_shares(self) -> dict[str, float]:
        """The profile shares, in PROFILES order."""
        return {p: getattr(self.population, p) for p in PROFILES}


# a registered game's parameters are a section of their own (sim.model.vocabulary.register_game)
for _game in _vocabulary.GAMES:
    if _game.name in SECTIONS:
        raise ValueError(f"game {_game.name!r}: a scenario section of that name exists")
    SECTIONS[_game.name] = _game.section
if _vocabulary.GAMES:
    Scenario = dataclasses.make_dataclass(  # noqa: F811 (the same record, with the games' sections)
        "Scenario", [(g.name, g.section, field(default_factory=g.section)) for g in _vocabulary.GAMES],
        bases=(Scenario,), frozen=True)


@dataclass(frozen=True)
class Param:
    """Description of one parameter, derived from the section dataclasses."""

    key: str
    section: str
    name: str
    type: type
    default: Any
    lo: float | None
    hi: float | None
    choices: tuple[str, ...] | None
    unit: str
    en: str
    es: str
    src: str
    help: str

    def allowed(self, lang: str = "en") -> str:
        """Human-readable statement of what values are allowed, in English or Spanish (``lang="es"``).

        Values are written as a file or ``--set`` takes them (choice codes, ``true``, a decimal point)
        in both languages.
        """
        es = lang == "es"
        if self.choices:
            return ("uno de " if es else "one of ") + ", ".join(repr(c) for c in self.choices)
        if self.type is bool:
            return "true o false" if es else "true or false"
        words = {int: ("an integer", "un entero"), float: ("a number", "un número")}.get(self.type,
                                                                                         ("a string", "un texto"))
        kind = words[es]
        if self.lo is not None and self.hi is not None:
            if self.type is int:   # whole numbers in full: a seed's bound is 9223372036854775807, not 9.22337e+18
                lo, hi = int(self.lo), int(self.hi)
            else:
                lo, hi = f"{self.lo:g}", f"{self.hi:g}"
            return f"{kind} de {lo} a {hi}" if es else f"{kind} from {lo} to {hi}"
        return kind

    def unit_in(self, lang: str = "en") -> str:
        """The unit in English or Spanish (``lang="es"``; '' when the parameter has none)."""
        return _vocabulary.UNITS.get(self.unit, self.unit) if lang == "es" else self.unit


def params() -> list[Param]:
    """Every parameter of a scenario, in declaration order."""
    out = []
    for section, cls in SECTIONS.items():
        hints = {"int": int, "float": float, "str": str, "bool": bool}
        for f in dataclasses.fields(cls):
            m = f.metadata
            out.append(Param(
                key=f"{section}.{f.name}", section=section, name=f.name,
                type=f.type if isinstance(f.type, type) else hints[f.type],
                default=f.default, lo=m["lo"], hi=m["hi"], choices=m["choices"], unit=m["unit"],
                en=m["en"], es=m["es"], src=m["src"], help=m["help"],
            ))
    return out


_PARAMS = {p.key: p for p in params()}


def did_you_mean(key: str) -> str:
    """" (did you mean 'sanctions.fine'?)" for a mistyped key or section, or "" when nothing is close.

    The same name in another section comes first (``rules.fine`` -> ``sanctions.fine``), then the
    closest key by spelling (``rules.monitorin`` -> ``rules.monitoring``).
    """
    if "." not in key:
        near = difflib.get_close_matches(key, list(SECTIONS), n=1, cutoff=0.7)
    else:
        name = key.split(".", 1)[1]
        near = [k for k in _PARAMS if k.split(".", 1)[1] == name][:1]
        near = near or difflib.get_close_matches(key, list(_PARAMS), n=1, cutoff=0.8)
    return f" (did you mean '{near[0]}'?)" if near else ""


def param(key: str) -> Param:
    """Look up one parameter by dotted key; raises ScenarioError naming the allowed keys."""
    if key not in _PARAMS:
        section = key.split(".")[0]
        near = [k for k in _PARAMS if k.startswith(section + ".")] or list(SECTIONS)
        raise ScenarioError(f"unknown key '{key}'{did_you_mean(key)}; allowed: {', '.join(near)}")
    return _PARAMS[key]


def _split_key(key: str, origin: str) -> tuple[str, str]:
    if "." not in key:
        raise ScenarioError(f"{origin}: key '{key}' must be written section.name, e.g. rules.monitoring")
    try:
        param(key)
    except ScenarioError as e:
        raise ScenarioError(f"{origin}: {e}") from None
    section, name = key.split(".", 1)
    return section, name


def coerce(text: str, spec: Param, origin: str) -> Any:
    """Convert a string typed on the command line or in a widget to the parameter's type."""
    t = text.strip()
    try:
        if spec.type is bool:
            if t.lower() in ("true", "1", "yes", "on"):
                return True
            if t.lower() in ("false", "0", "no", "off"):
                return False
            raise ValueError
        if spec.type is int:
            return int(t)
        if spec.type is float:
            return float(t)
        return t
    except ValueError:
        raise ScenarioError(
            f"{origin}: key '{spec.key}' got {text!r}; allowed: {spec.allowed()}"
        ) from None


def _check(value: Any, spec: Param, origin: str) -> Any:
    bad = f"{origin}: key '{spec.key}' got {value!r}; allowed: {spec.allowed()}"
    if spec.type is bool:
        if not isinstance(value, bool):
            raise ScenarioError(bad)
        return value
    if spec.type is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise ScenarioError(bad)
    elif spec.type is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScenarioError(bad)
        value = float(value)
        if not math.isfinite(value):
            raise ScenarioError(bad)
    elif spec.type is str:
        if not isinstance(value, str):
            raise ScenarioError(bad)
        if spec.key == "meta.name":
            check_name(value, f"{origin}: key 'meta.name'")
    if spec.choices and value not in spec.choices:
        raise ScenarioError(bad)
    if spec.lo is not None and value < spec.lo:
        raise ScenarioError(bad)
    if spec.hi is not None and value > spec.hi:
        raise ScenarioError(bad)
    return value


NAME_CHARS = "printable characters but '/' and '\\'"
NAME_MAX = 64


def check_name(name: Any, where: str) -> str:
    """Refuse a name taken from a file that could act as a path (it names results folders).

    A name is 1 to 64 printable characters (letters with accents, spaces, brackets...) but ``/``
    and a backslash, not starting with ``.``, ``-`` or a space nor ending with a space: never a path
    (``/abs``, ``../x``), empty, hidden or holding a newline or a tab.

    Args:
        name: the name as read.
        where: what the message names first (file and key).

    Raises:
        ScenarioError: the name is not allowed.

    """
    ok = (isinstance(name, str) and 0 < len(name) <= NAME_MAX and name.isprintable()
          and name[0] not in ".- " and name[-1] != " " and not any(c in name for c in "/\\"))
    if not ok:
        raise ScenarioError(f"{where} got {name!r}; allowed: 1 to {NAME_MAX} {NAME_CHARS}, not "
                            "starting with '.', '-' or a space (a name, never a path)")
    return name


def _cross_checks(s: Scenario, origin: str) -> None:
    pop = s.population
    total = sum(getattr(pop, p) for p in PROFILES)
    if abs(total - 1.0) > 1e-6:
        keys = [f"'population.{p}'" for p in PROFILES]
        raise ScenarioError(
            f"{origin}: keys {', '.join(keys[:-1])} and {keys[-1]} sum to {total:.4g}; "
            "allowed: shares that sum to 1"
        )
    disp = pop.active + pop.passive + pop.barely
    if abs(disp - 1.0) > 1e-6:
        raise ScenarioError(
            f"{origin}: keys 'population.active', 'population.passive' and 'population.barely' "
            f"sum to {disp:.4g}; allowed: shares that sum to 1"
        )
    jp = s.joint_purchase
    if jp.discount_min > jp.discount_max:
        raise ScenarioError(
            f"{origin}: key 'joint_purchase.discount_min' ({jp.discount_min}) exceeds "
            f"'joint_purchase.discount_max' ({jp.discount_max}); allowed: discount_min <= discount_max"
        )
    if jp.volume_full < jp.min_lot:
        raise ScenarioError(
            f"{origin}: key 'joint_purchase.volume_full' ({jp.volume_full}) is below "
            f"'joint_purchase.min_lot' ({jp.min_lot}); allowed: volume_full >= min_lot"
        )
    fac = s.facilitator
    if fac.schedule == "taper" and fac.taper_from > fac.exit_at:
        raise ScenarioError(
            f"{origin}: key 'facilitator.taper_from' ({fac.taper_from}) is after "
            f"'facilitator.exit_at' ({fac.exit_at}); allowed: taper_from <= exit_at"
        )
    if s.lifecycle.min_members > pop.group_size:
        raise ScenarioError(
            f"{origin}: key 'lifecycle.min_members' ({s.lifecycle.min_members}) exceeds "
            f"'population.group_size' ({pop.group_size}); allowed: min_members <= group_size"
        )
    from .games import ExportGame, JointPurchaseGame

    for key, build, section in (("joint_purchase", JointPurchaseGame.from_scenario, s.joint_purchase),
                                ("export", ExportGame.from_scenario, s.export)):
        try:
            build(section)
        except ValueError as e:
            raise ScenarioError(f"{origin}: section [{key}]: {e}") from None
    if s.population.groups * (pop.group_size + pop.slack) > 2_000_000:
        raise ScenarioError(
            f"{origin}: keys 'population.groups' x ('population.group_size' + 'population.slack') "
            f"exceed 2,000,000 seats; allowed: at most 2,000,000"
        )


def from_dict(data: dict[str, Any], origin: str = "<dict>") -> Scenario:
    """Build a validated Scenario from a nested dict (as read from TOML)."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{origin}: expected tables of settings; allowed sections: {', '.join(SECTIONS)}")
    sections = {}
    for name, value in data.items():
        if name not in SECTIONS:
            hint = " (an experiment file: 'asocia sweep' runs it)" if name == "experiment" else did_you_mean(name)
            raise ScenarioError(f"{origin}: unknown section '{name}'{hint}; allowed: {', '.join(SECTIONS)}")
        if not isinstance(value, dict):
            raise ScenarioError(f"{origin}: '{name}' must be a table [{name}]")
    for name, cls in SECTIONS.items():
        given = data.get(name, {})
        kwargs = {}
        for key, value in given.items():
            dotted = f"{name}.{key}"
            if dotted not in _PARAMS:
                allowed = ", ".join(f.name for f in dataclasses.fields(cls))
                raise ScenarioError(f"{origin}: unknown key '{dotted}'{did_you_mean(dotted)}; allowed in "
                                    f"[{name}]: {allowed}")
            kwargs[key] = _check(value, _PARAMS[dotted], origin)
        sections[name] = cls(**kwargs)
    scenario = Scenario(**sections, source=origin)
    _cross_checks(scenario, origin)
    return scenario


def read_toml(path: Path, kind: str, error: type[Exception]) -> tuple[str, dict[str, Any]]:
    """Read a TOML file (its text and its data), turning every failure into ``error`` naming the file.

    Args:
        path: the file.
        kind: what the file should be ("scenario", "experiment"), for the messages.
        error: the exception class to raise (a ScenarioError subclass).

    """
    origin = str(path)
    try:
        with open(path, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # /dev/zero, a FIFO, a terminal
                raise error(f"{origin}: cannot read (not a regular file); allowed: a {kind} TOML file")
            data = f.read(MAX_TOML_BYTES + 1)
    except FileNotFoundError:
        raise error(f"{origin}: no such {kind} file") from None
    except IsADirectoryError:
        raise error(f"{origin}: cannot read (a folder); allowed: a {kind} TOML file") from None
    except OSError as e:
        raise error(f"{origin}: cannot read ({e.strerror or e})") from None
    if len(data) > MAX_TOML_BYTES:
        raise error(f"{origin}: larger than {MAX_TOML_BYTES // 1024} KiB; allowed: a {kind} TOML file "
                    "(a few KiB)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise error(f"{origin}: not UTF-8 text; allowed: a TOML file saved as UTF-8") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise error(f"{origin}: not valid TOML ({e})") from None
    except RecursionError:  # tomllib parses nested arrays and inline tables recursively
        raise error(f"{origin}: values nested too deeply; allowed: the tables and values of a "
                    f"{kind} file") from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario TOML file, then apply dotted-key overrides.

    Raises:
        ScenarioError: the file is missing, is not TOML, or holds an invalid setting; the message
            names the file, the key and what is allowed.

    """
    path = Path(path)
    origin = str(path)
    _, data = read_toml(path, "scenario", ScenarioError)
    scenario = from_dict(data, origin=origin)
    if overrides:
        scenario = scenario.replace(overrides, origin=origin)
    return scenario


def parse_overrides(items: list[str], origin: str = "--set") -> dict[str, Any]:
    """Parse ``key=value`` strings from the command line into a dotted-key dict."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ScenarioError(f"{origin}: '{item}' must be written key=value, e.g. rules.monitoring=0.5")
        key, value = item.split("=", 1)
        key = key.strip()
        spec = param(key) if key in _PARAMS else None
        if spec is None:
            _split_key(key, origin)
        out[key] = coerce(value, spec, origin)
    return out
