"""The programme's money on the run page: what it cost so far, and what it bought at its end and after.

:func:`money_summary` reads a run's steps table (the meetings played so far) and the scenario,
for all groups or one, and gives the figures a policy designer reads beside survival and income:
the programme's budget, what it has paid so far and what is left, what the members paid the
facilitator, and at three moments (the meeting just played, the programme's last meeting and the
52nd meeting after it) the groups alive, the income gain over going alone, and the money per
group alive and per member-year of income gain. The moments and the money per group alive and
per member-year are those of the runs table (:func:`sim.model.programme.outcomes`, through
:func:`sim.model.programme.at_meeting`), so the figures at a finished run's moments equal its
``outcome.*`` columns. :func:`money_html` lays them out as a small table, in Spanish or English.
"""

from __future__ import annotations

import html
import math

import numpy as np

from sim.model import programme

from .i18n import tr

MOMENTS = ("now", "end", "2y")
ROWS = ("alive", "income_gain", "paid", "copay", "left", "cost_per_group", "cost_per_member_year")
GAIN_WINDOW = 26  # meetings: the income gain is read over the year up to a moment


def income_gain(steps, at: int, window: int = GAIN_WINDOW) -> float:
    """Members' income over going alone, minus 1, over the ``window`` meetings up to step ``at``.

    Live groups, member-meetings weighted, as the runs table's ``income_gain`` (which reads the
    run's second half); NaN when no live group earned anything alone in the window.
    """
    step = steps["step"].to_numpy()
    sel = steps["alive"].to_numpy().astype(bool) & (step <= at) & (step > at - window)
    w = steps["members"].to_numpy()[sel]
    num = float((steps["income_members"].to_numpy()[sel] * w).sum())
    den = float((steps["income_alone"].to_numpy()[sel] * w).sum())
    return num / den - 1.0 if den > 0 else float("nan")


def money_summary(steps, scenario, sel: int | None = None) -> dict:
    """What the programme cost and bought so far, for all groups (``sel`` None) or one group.

    Returns a dict with ``budget`` (per group), ``groups`` (founded, in the selection), ``end``
    (the meeting, numbered from 1 as on screen, of the programme's last meeting; None without a
    programme or when support never ends), ``played`` (meetings played), ``paid`` and ``left``
    (programme money paid so far and left, per group) and ``cols``: one dict per moment in
    :data:`MOMENTS` with ``key``, ``meeting`` (numbered from 1; None when there is no such
    moment), ``state`` ("ok": played; "later": within the horizon, not played yet; "beyond":
    after the horizon; "none": no programme end) and, when played, the values of :data:`ROWS`:
    ``alive`` (share of groups alive), ``groups_alive``, ``income_gain``, ``paid``, ``copay`` and
    ``left`` (per group founded), ``cost_per_group`` (per group alive) and
    ``cost_per_member_year``.
    """
    horizon = scenario.run.steps
    end = programme_last_meeting(scenario)
    groups = scenario.population.groups if sel is None else 1
    if sel is not None and len(steps):
        steps = steps[steps["group"].to_numpy() == sel]
    played = int(steps["step"].max()) + 1 if len(steps) else 0
    marks = {"now": played - 1 if played else None,
             "end": end - 1 if end else None,
             "2y": end + programme.TWO_YEARS - 1 if end else None}
    cols = []
    for key, at in marks.items():
        col = {"key": key, "meeting": None if at is None else at + 1, "groups": groups}
        if at is None:
            col["state"] = "none"
        elif at >= horizon:
            col["state"] = "beyond"
        elif at >= played:
            col["state"] = "later"
        else:
            col["state"] = "ok"
            m = programme.at_meeting(steps, at)
            col.update(alive=m["alive"], groups_alive=m["groups_alive"], income_gain=income_gain(steps, at),
                       paid=m["paid"] / groups, copay=m["copay"] / groups, left=m["left"] / groups,
                       cost_per_group=m["cost_per_group"], cost_per_member_year=m["cost_per_member_year"])
        cols.append(col)
    now = cols[0]
    budget = float(scenario.programme.budget)
    return {"budget": budget, "groups": groups, "end": end, "played": played,
            "paid": now.get("paid", 0.0), "left": now.get("left", budget), "cols": cols}


def fmt_money(x: float, lang: str, digits: int = 0) -> str:
    """An amount as the page shows it: "1 234,5" in Spanish, "1,234.5" in English.

    Spanish groups thousands with a narrow no-break space (never a line break inside a number).
    """
    text = f"{x:,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",") if lang == "es" else text


def programme_last_meeting(scenario) -> int | None:
    """The programme's last meeting as numbered on screen (from 1); None without a programme end.

    :func:`sim.model.programme.planned_end` is the first meeting (step) without support, so the last
    supported step is one before it, shown as meeting ``end``. None when there is no facilitator
    (end 0) or support never ends.
    """
    end = programme.planned_end(scenario)
    return end if end else None


def cell(col: dict, row: str, lang: str, one_group: bool = False) -> str:
    """One figure of the table as text ("–" when the moment is not played or the value is undefined)."""
    if col["state"] != "ok":
        return "–"
    x = col[row]
    if row == "alive":
        if one_group:
            return tr("money_alive_yes", lang) if col["groups_alive"] else tr("money_alive_no", lang)
        return f"{col['groups_alive']}/{col['groups']}"
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if row == "income_gain":
        return ("+" if x >= 0 else "") + fmt_money(100 * x, lang, 1) + " %"
    return fmt_money(x, lang, 1 if row == "cost_per_member_year" else 0)


def money_html(summary: dict, lang: str, one_group: bool = False) -> str:
    """The summary as HTML: a headline on the budget, then a table of figures by moment."""
    s = summary
    esc = html.escape
    budget, groups, paid, left = s["budget"], s["groups"], s["paid"], s["left"]
    share = f" ({fmt_money(100 * paid / budget, lang, 0)} %)" if budget > 0 else ""
    if one_group:
        head = tr("money_head_one", lang, budget=fmt_money(budget, lang, 0), paid=fmt_money(paid, lang, 0), share=share,
                  left=fmt_money(left, lang, 0))
    else:
        head = tr("money_head", lang, budget=fmt_money(budget, lang, 0), groups=groups,
                  total=fmt_money(budget * groups, lang, 0), paid=fmt_money(paid * groups, lang, 0), share=share,
                  left=fmt_money(left * groups, lang, 0))
    if s["end"] is None:
        head += " " + tr("money_no_end", lang)
    heads = []
    for col in s["cols"]:
        subs = [tr("money_meeting", lang, t=col["meeting"])] if col["meeting"] else []
        state = {"later": "money_later", "beyond": "money_beyond", "none": "money_none"}.get(col["state"])
        if col["key"] == "now" and col["state"] != "ok":
            state = "money_not_yet"
        if state:
            subs.append(tr(state, lang))
        sub = "".join(f'<div class="asocia-money-sub{" asocia-money-when" if i == 0 and col["meeting"] else ""}">'
                      f'{esc(x)}</div>' for i, x in enumerate(subs))
        heads.append(f'<th class="asocia-money-{col["key"]}"><div>{esc(tr("money_" + col["key"], lang))}</div>{sub}'
                     '</th>')
    body = []
    for row in ROWS:
        cells = "".join(f"<td>{esc(cell(col, row, lang, one_group))}</td>" for col in s["cols"])
        label = tr(f"money_row_{row}" + ("_one" if one_group and row == "alive" else ""), lang)
        body.append(f'<tr class="asocia-money-row-{row}"><th scope="row">{esc(label)}</th>{cells}</tr>')
    return (f'<div class="asocia-money-head">{esc(head)}</div>'
            f'<div class="asocia-money-scroll"><table class="asocia-money-table"><thead><tr><th></th>{"".join(heads)}'
            f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
            f'<div class="asocia-note">{esc(tr("money_note", lang))}</div>')


def series(steps, groups: int, sel: int | None) -> np.ndarray:
    """Per meeting in ``steps`` (G rows each), programme money and members' co-payment per group.

    All groups: the sums over the groups divided by the groups founded (the money per group the
    budget is set in); one group: that group's. Not yet cumulated: shape (2, meetings).
    """
    k = len(steps) // groups if groups else 0
    if k == 0:
        return np.zeros((2, 0))
    cost = steps["programme_cost"].to_numpy().reshape(k, groups).astype(float)
    copay = steps["facilitator_copay"].to_numpy().reshape(k, groups).astype(float)
    if sel is None:
        return np.stack([cost.sum(axis=1) / groups, copay.sum(axis=1) / groups])
    return np.stack([cost[:, sel], copay[:, sel]])
