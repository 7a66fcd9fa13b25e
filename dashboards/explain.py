"""The "About the model" panel (NetLogo's Info tab): what the model is, in Spanish and English.

Each claim cites the seed documents the way /work/shared/DOMAIN.md does: ``004:L1883-1951`` is
seed file 004 (the INTI field guide "Formas de colaboración y asociación empresarial"), lines
1883-1951. The text describes the model in sim/; when a mechanism changes there, change it here.
"""

from __future__ import annotations

EN = """
## What this is

Asocia is an agent-based model of **associative groups of small firms** (MiPyMEs): a handful of
firms meet every fortnight, buy inputs together to get a volume discount, and later form an
**export consortium** that shares promotion costs and export leads. Cooperation pays for the group,
but each firm can do better for itself by breaking its word: the situation is a social dilemma
("un resultado que es el peor para todos", 004:L657-662; L1805-1811). Trust is "the glue of the
group" (004:L1805) and is built meeting by meeting from what members see each other do
(David Good's definition, 004:L1828-1832).

Each **meeting** (a step) follows the guide's agenda: the facilitator and the phase of the
intervention; who attends; export leads arrive; every firm decides; the joint purchase; the
consortium's quotas and leads; monitoring and sanctions; trust updates; conflicts; accounts;
exits, expulsions and newcomers. The phases follow the guide's intervention model
(Tabla 3, 004:L1235-1449): **I** promotion and selection, **II** trust building and pilot joint
purchases, **III** participative planning (after the reglamento), **IV** independence and the
export consortium (not before meeting 39, about 1.5 years: Tabla 4, 004:L1400-1449).

## The four profiles (names kept in Spanish, as in the guide: 004:L1883-1951)

- **santo**: pursues the collective interest; always cooperates, reports what it sees and lifts
  the others' trust ("Coopera y convencer a los otros de que cooperen también").
- **sólido ciudadano**: a conditional cooperator, "dispuesto a trabajar para el interés colectivo
  si otros lo hacen" (004:L1879-1880). It cooperates as much as it expects the others to, along
  an imperfect schedule (Fischbacher, Gächter & Fehr 2001). When it holds back, it does so openly.
- **tengo que ganar**: wants to do better than the others; takes part only partly and openly, so
  "los miembros del grupo saben hasta donde llega su participación" (004:L1875-1878). It pays a
  quota or routes a lead only when skipping would cost it more in sanctions.
- **oportunista**: "absolutamente interesado en sí mismo" (004:L1871-1874). It keeps up
  appearances, mimics cooperation at first, then betrays **furtively** ("traicionar tanto como sea
  posible mientras otros cooperan"): it commits to the purchase and buys elsewhere, or serves an
  export lead on its own (the guide's canonical opportunistic act, 004:L662-671), whenever the
  gain beats the expected sanction.

## The rules you can change

- **Reglamento interno** (004:L1963-2031), adopted at a chosen meeting (six months by default,
  004:L1415-1416): decision rule (consensus, majority or a leader; 004:L689-692), admission of
  newcomers (open, screened for reputation 004:L1722-1728, or DIPAT: no two members offer the same
  product, 004:L276-280), exit notice and forfeiting contributions, cost sharing of quotas
  (004:L2013-2017), quorum (004:L1988-1989), conflict resolution (004:L2019-2024) and
  **monitoring**: the chance that a furtive act is detected.
- **Sanctions** (004:L2026-2029): graduated; a warning, then fines, then expulsion after a number
  of strikes. Without a control mechanism, opportunistic acts "dañan la confianza del grupo en su
  conjunto" (004:L662-671).
- **Facilitator** (004:L838-1126): brings an initial stock of trust (004:L846-851), arbitrates
  conflicts, circulates information and absorbs coordination costs. It should leave gradually
  while the entrepreneurs take over (004:L1091-1102): schedule none, permanent, abrupt or taper.
- **Group size and diversity**: larger and more diverse groups pay higher transaction costs
  (004:L694-697; 004:L655-718); cultural and institutional diversity, 004:L452-456.
- **Participation**: 23.8 % active, 40 % passive, 36.2 % barely participating (004:L720-741).

## Reading the charts

- *Cooperation by profile*: what each kind of firm actually did (commitment honoured, quota paid,
  lead routed), from 0 to 1; dashed: all firms.
- *Trust within the group*: mean trust members place in each other (band: range across groups).
- *Members*: members now, and running totals of entries, exits and expulsions.
- *Income*: what a member of each profile earned per meeting (solid) against what the same firm
  would have earned alone (dotted).
- *Phase and facilitator*: each group's phase as colour bands over time, grey when dissolved;
  the top row is the facilitator's presence (dark = full).
- *Programme money*: what the support programme has paid per group (the facilitator and any
  subsidies) against what the members paid the facilitator (their co-payment, which starts at
  six months, 004:L1081-1085), with the budget and the programme's end marked. The table under
  the charts reads the money beside survival and income: groups alive, income gain over going
  alone, and programme money per group alive and per member-year of income gain, now, at the
  programme's end and two years after it.
- *Network*: one group; line thickness is the trust between two firms; a red ring marks firms
  with strikes; a cross marks firms that were expelled or left in the last meetings.
- *Log*: every event as a sentence, newest first.

## Things to try in a workshop

1. Play the baseline; then set **Monitoring** to 0 (Reglamento) and apply: watch the oportunista
   line and the trust chart.
2. Turn **Sanctions** off, or raise the strikes before expulsion: who leaves the group?
3. Change the facilitator's schedule from *gradual taper* to *abrupt withdrawal* at meeting 26, or
   *none*: does the group survive the first year?
4. Raise the share of oportunistas to 0.4 (lower sólido ciudadano to match; use "Rescale shares").
5. Make the group bigger (20 founders) and more diverse: transaction costs rise.
6. Take over a firm yourself: commit and pay for a while, then keep an export lead. How long
   until you are detected, and what does it do to the trust others place in you?
7. In **Compare A/B**, change one rule and run both on the same seed: same firms, same luck,
   only the rule differs. Then run 20 seeds to see whether the effect holds beyond one story.

## Sources

The seed documents are digested in DOMAIN.md: 004 is the INTI–EU field guide "Formas de
colaboración y asociación empresarial" (NOA/NEA, 2013), the core source for the profiles, the
reglamento, sanctions, the facilitator and the phases; 002 is a study of alliances of small
firms in Ecuador (planning time, rushed formalisation: 002:L347-356); 000 is Mora-Castellanos et
al. (2019) on alliances of micro-enterprises. Numbers the seeds do not give (profile shares,
payoffs, effect sizes) are the modeller's choices, marked as such in the parameter sources.
"""

ES = """
## Qué es

Asocia es un modelo basado en agentes de **grupos asociativos de pequeñas empresas** (MiPyMEs):
unas pocas empresas se reúnen cada quincena, compran insumos en conjunto para obtener un descuento
por volumen y más adelante forman un **consorcio de exportación** que comparte costos de
promoción y contactos comerciales. Cooperar le conviene al grupo, pero cada empresa puede ganar
más para sí faltando a su palabra: es un dilema social ("un resultado que es el peor para
todos", 004:L657-662; L1805-1811). La confianza es "el elemento que aglutina a un grupo
asociativo" (004:L1805) y se construye reunión a reunión a partir de lo que los socios ven hacer
a los demás (definición de David Good, 004:L1828-1832).

Cada **reunión** (un paso) sigue la agenda de la guía: el facilitador y la fase de la
intervención; quién asiste; llegan contactos de exportación; cada empresa decide; la compra
conjunta; cuotas y contactos del consorcio; control y sanciones; se actualiza la confianza;
conflictos; cuentas; retiros, expulsiones e ingresos. Las fases siguen el modelo de intervención
de la guía (Tabla 3, 004:L1235-1449): **I** promoción y selección, **II** generación de confianza
y compras conjuntas piloto, **III** planificación participativa (después del reglamento), **IV**
independencia y consorcio de exportación (no antes de la reunión 39, cerca de 1,5 años: Tabla 4,
004:L1400-1449).

## Los cuatro perfiles (004:L1883-1951)

- **santo**: busca el interés colectivo; siempre coopera, informa lo que ve y eleva la confianza
  de los demás ("Coopera y convencer a los otros de que cooperen también").
- **sólido ciudadano**: cooperador condicional, "dispuesto a trabajar para el interés colectivo
  si otros lo hacen" (004:L1879-1880). Coopera tanto como espera que cooperen los demás, según una
  pauta imperfecta (Fischbacher, Gächter y Fehr 2001). Cuando se retrae, lo hace abiertamente.
- **tengo que ganar**: quiere ganar más que los otros; participa en parte y a la vista, de modo
  que "los miembros del grupo saben hasta donde llega su participación" (004:L1875-1878). Paga la
  cuota o pasa un contacto por el consorcio solo si no hacerlo le costaría más en sanciones.
- **oportunista**: "absolutamente interesado en sí mismo" (004:L1871-1874). Cuida las apariencias,
  al principio imita la cooperación y luego traiciona **a escondidas** ("traicionar tanto como sea
  posible mientras otros cooperan"): se compromete con la compra y compra por su cuenta, o atiende
  solo un contacto de exportación (el acto oportunista típico de la guía, 004:L662-671), cuando la
  ganancia supera la sanción esperada.

## Las reglas que puede cambiar

- **Reglamento interno** (004:L1963-2031), adoptado en la reunión elegida (a los seis meses por
  defecto, 004:L1415-1416): regla de decisión (consenso, mayoría o un líder; 004:L689-692), ingreso
  de socios (abierto, con evaluación de reputación 004:L1722-1728, o DIPAT: dos socios no ofrecen
  el mismo producto, 004:L276-280), preaviso de retiro y pérdida de aportes, reparto de cuotas
  (004:L2013-2017), quórum (004:L1988-1989), resolución de controversias (004:L2019-2024) y
  **control**: la probabilidad de detectar un acto furtivo.
- **Sanciones** (004:L2026-2029): graduales; advertencia, multas y expulsión tras cierto número de
  faltas. Sin un mecanismo de control, los actos oportunistas "dañan la confianza del grupo en su
  conjunto" (004:L662-671).
- **Facilitador** (004:L838-1126): aporta un capital inicial de confianza (004:L846-851), arbitra
  conflictos, hace circular información y absorbe costos de coordinación. Debe retirarse de a poco
  mientras los empresarios toman el mando (004:L1091-1102): calendario ninguno, permanente, retiro
  abrupto o gradual.
- **Tamaño y diversidad del grupo**: grupos más grandes y diversos tienen costos de transacción
  más altos (004:L694-697; 004:L655-718); diversidad cultural e institucional, 004:L452-456.
- **Participación**: 23,8 % activos, 40 % pasivos, 36,2 % poco participativos (004:L720-741).

## Cómo leer los gráficos

- *Cooperación por perfil*: lo que cada tipo de empresa hizo de verdad (compromiso cumplido,
  cuota pagada, contacto compartido), de 0 a 1; en guiones: todas las empresas.
- *Confianza dentro del grupo*: confianza media entre socios (banda: rango entre grupos).
- *Socios*: socios actuales y totales acumulados de ingresos, retiros y expulsiones.
- *Ingreso*: lo que ganó por reunión un socio de cada perfil (línea) frente a lo que la misma
  empresa habría ganado sola (punteado).
- *Fase y facilitador*: la fase de cada grupo como bandas de color en el tiempo, gris si se
  disolvió; la fila superior es la presencia del facilitador (oscuro = plena).
- *Dinero del programa*: lo que el programa de apoyo pagó por grupo (el facilitador y los
  subsidios, si los hay) frente a lo que los socios pagaron al facilitador (su copago, que empieza
  a los seis meses, 004:L1081-1085), con el presupuesto y el fin del programa marcados. La tabla
  bajo los gráficos pone el dinero junto a la supervivencia y el ingreso: grupos activos,
  ganancia frente a ir solo, y dinero del programa por grupo activo y por socio-año con ganancia,
  ahora, al fin del programa y dos años después.
- *Red*: un grupo; el grosor de la línea es la confianza entre dos empresas; un anillo rojo marca
  empresas con faltas; una cruz, empresas expulsadas o retiradas en las últimas reuniones.
- *Registro*: cada evento como una oración, lo más reciente primero.

## Para probar en un taller

1. Corra el escenario base; luego ponga **Control** en 0 (Reglamento) y aplique: mire la línea
   del oportunista y la confianza.
2. Apague las **Sanciones** o suba las faltas antes de la expulsión: ¿quién se va del grupo?
3. Cambie el calendario del facilitador de *retiro gradual* a *retiro abrupto* en la reunión 26,
   o a *ninguno*: ¿sobrevive el grupo el primer año?
4. Suba la proporción de oportunistas a 0,4 (baje sólido ciudadano para compensar; use
   "Reescalar proporciones").
5. Haga el grupo más grande (20 fundadores) y más diverso: suben los costos de transacción.
6. Juegue usted una empresa: comprométase y pague un tiempo, luego quédese con un contacto de
   exportación. ¿Cuánto tardan en detectarlo y qué pasa con la confianza que le tienen?
7. En **Comparar A/B**, cambie una regla y corra ambos con la misma semilla: mismas empresas,
   misma suerte, solo cambia la regla. Después corra 20 semillas para ver si el efecto se sostiene
   más allá de una historia.

## Fuentes

Los documentos semilla están resumidos en DOMAIN.md: 004 es el cuadernillo INTI–UE "Formas de
colaboración y asociación empresarial" (NOA/NEA, 2013), fuente central de los perfiles, el
reglamento, las sanciones, el facilitador y las fases; 002 es un estudio de alianzas de pequeñas
empresas en Ecuador (tiempo de planificación, formalización apresurada: 002:L347-356); 000 es
Mora-Castellanos et al. (2019) sobre alianzas de microempresas. Los números que las semillas no
dan (proporciones de perfiles, pagos, tamaños de efecto) son decisiones del modelador, marcadas
así en las fuentes de cada parámetro.
"""

EXPLAIN = {"en": EN, "es": ES}
