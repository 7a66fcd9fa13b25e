"""The workshop's pages (Solara): a phone page per participant and the trainer's projector page.

``asocia workshop`` serves this file on the room's network. Every page reads its session from the
process-wide registry (sim/workshop/workshop.py) by the join code in its address: ``?w=CODE`` is the join
form, ``?w=CODE&p=TOKEN`` a participant's phone (the token keeps their seat across sleep and
reload), ``?w=CODE&k=KEY`` the trainer's page; ``&l=en`` switches to English. An address without
a valid code shows only the code form, and the trainer's controls need the key. Each page waits
for the session to change in a thread of its own (``use_session``) and redraws only when what it
shows changed, so thirty phones do not redraw when one person decides.
"""

from __future__ import annotations

import gc
import html
import os
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlencode

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # `solara run dashboards/workshop_app.py` does not put the repo on the path
    sys.path.insert(0, str(_ROOT))

import solara  # noqa: E402
import solara.lab  # noqa: E402

from dashboards.workshop_charts import bar, network_svg, trends, trends_narrow  # noqa: E402
from dashboards.workshop_text import (  # noqa: E402
    GUIDE_ROWS,
    PROFILE_COLORS,
    PROFILE_LABELS,
    event_line,
    money,
    money_unit,
    num,
    pct,
    pick,
    t,
    tells_expulsion,
)
from sim.workshop import debrief, vote  # noqa: E402
from sim.workshop.workshop import WorkshopError, registry  # noqa: E402

ROOT = os.environ.get("ASOCIA_WORKSHOPS", "workshops")
PUBLIC_URL = os.environ.get("ASOCIA_WORKSHOP_URL", "")

CSS = """
.ws-page { font-size: 18px; color: #111; }
.ws-page .ws-hidden { display: none !important; }  /* beats vuetify's .d-flex */
.ws-phone { max-width: 520px; margin: 0 auto; padding: 8px 12px 40px; }
.ws-head { font-size: 20px; font-weight: 700; }
.ws-sub { font-size: 16px; color: #333; }
.ws-card { border: 2px solid #d0d0d0; border-radius: 10px; padding: 10px 12px; margin: 8px 0; background: #fff; }
.ws-card h3 { font-size: 19px; margin: 0 0 6px; }
.ws-q { font-weight: 700; margin: 10px 0 4px; }
.ws-opt { width: 100%; margin: 3px 0 !important; justify-content: flex-start !important;
          text-transform: none !important; font-size: 17px !important; min-height: 48px !important;
          height: auto !important; padding: 8px 14px !important; letter-spacing: 0 !important; }
.ws-opt .v-btn__content { white-space: normal !important; text-align: left; flex: 1 1 auto !important;
                          line-height: 1.3; }
/* a chosen option the phone has kept but not sent: dashed amber, like the "not sent" line under Send */
.ws-opt.ws-unsent { outline: 3px dashed #9a5b00; outline-offset: 2px; }
.ws-send { width: 100%; min-height: 54px !important; font-size: 19px !important; text-transform: none !important; }
.ws-countdown { display: flex; justify-content: space-between; align-items: baseline; font-size: 20px;
                background: #0b3d91; color: #fff; border-radius: 10px; padding: 8px 14px; }
.ws-countdown-time { font-size: 34px; font-weight: 700; font-variant-numeric: tabular-nums; }
.ws-low { background: #b00020; }
.ws-ok { color: #0a6b2f; font-weight: 700; }
.ws-warn { color: #9a5b00; font-weight: 700; }
.ws-bad { color: #b00020; font-weight: 700; }
.ws-error { color: #b00020; font-weight: 700; font-size: 18px; }
.ws-proj { font-size: 24px; padding: 10px 22px; }
.ws-proj .ws-head { font-size: 34px; }
.ws-proj .ws-sub { font-size: 22px; }
.ws-bigcode { font-size: 64px; font-weight: 800; letter-spacing: 6px; font-family: monospace; }
.ws-link { font-size: 24px; font-family: monospace; word-break: break-all; }
/* a grid, not solara.Row's flex (vuetify's .d-flex is !important): six groups of five seats in one
   row were wider than a 1920 px projector, and on a laptop the last groups were off screen */
.ws-page .ws-groups { display: grid !important; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr));
                      gap: 10px; }
.ws-group-col .ws-ctrl { width: 100%; letter-spacing: 0 !important; padding: 4px 8px !important;
                         height: auto !important; }
.ws-group-col .ws-ctrl .v-btn__content { white-space: normal; }
.ws-group { border: 3px solid #c8c8c8; border-radius: 12px; padding: 8px 14px; }
.ws-group h3 { font-size: 28px; margin: 0 0 4px; }
/* label and number on a line, the bar under them as wide as the card (beside the label it was ~35 px) */
.ws-bars { display: grid; grid-template-columns: 1fr auto; gap: 0 10px; align-items: center; font-size: 20px;
           line-height: 1.2; }
.ws-seat { display: inline-block; padding: 1px 8px; margin: 2px; border-radius: 14px; font-size: 20px;
           background: #eee; }
.ws-seat.ws-done { background: #0a6b2f; color: #fff; }
.ws-seat.ws-wait { background: #fff3cd; border: 2px solid #9a5b00; }
.ws-bars b { font-size: 20px; text-align: right; }
.ws-bar { grid-column: 1 / -1; height: 14px; margin: 1px 0 5px; background: #eee; border-radius: 5px; }
.ws-bar div { height: 100%; border-radius: 5px; }
/* the story's network no taller than its text, so the trends under them end inside 1080 lines */
.ws-network svg { max-height: 330px; }
.ws-story { font-size: 28px; line-height: 1.45; }
.ws-countdown .ws-countdown-label { margin-right: 14px; }
.ws-story li { margin: 4px 0; }
/* the projector (1600 px and wider): the live page is the screen's height and a meeting's story takes what
   the groups and the trends leave of it, so the trends stay inside 1080 lines however much happened (twelve
   sentences put them at line 1609). The title stays put; the sentences scroll inside their box, which opens
   on the newest (the sanctions, the expulsions, the vote): the type stays at 28 px for the back of the room
   and the trainer scrolls the box, never the page; its scrollbar and a shadow at its top say there is more.
   A story that fits is drawn as before. Laptops and phones, whose pages scroll anyway, show it whole. */
@media (min-width: 1600px) {
  .ws-page .ws-proj.ws-trainer:has(.ws-live) { height: 100vh; box-sizing: border-box; padding-bottom: 0; }
  .ws-page .ws-live { flex: 1 1 0; min-height: 0; flex-wrap: nowrap; }
  .ws-page .ws-live > .col > .v-sheet { height: 100%; }
  .ws-page .ws-live > .col:first-child { align-self: flex-start; }  /* the room's column as long as it is */
  .ws-page .ws-story-area { flex: 0 1 auto; min-height: 0; }
  /* no shorter than a title and four lines: with twelve groups' cards above, the page scrolls instead */
  .ws-page .ws-story-row { flex: 0 1 auto; min-height: 240px; flex-wrap: nowrap; }
  .ws-page .ws-story-box { max-height: 100%; display: flex; flex-direction: column; }
  .ws-page .ws-network { height: 100%; }
  /* blocks, not inline images: the line's descender under each took 10 px */
  .ws-page .ws-network svg { display: block; height: 100%; }
  .ws-page .ws-trend svg { display: block; }
  .ws-page .ws-story-lines { flex: 1 1 auto; min-height: 0; overflow-y: auto; display: flex;
    flex-direction: column-reverse;  /* opens scrolled to its end */
    background: linear-gradient(#fff 30%, rgba(255, 255, 255, 0)) top / 100% 40px no-repeat local,
                linear-gradient(rgba(255, 255, 255, 0), #fff 70%) bottom / 100% 40px no-repeat local,
                radial-gradient(farthest-side at 50% 0, rgba(0, 0, 0, .3), rgba(0, 0, 0, 0)) top / 100% 16px no-repeat,
                radial-gradient(farthest-side at 50% 100%, rgba(0, 0, 0, .3), rgba(0, 0, 0, 0)) bottom / 100% 16px
                no-repeat; }
  .ws-page .ws-story-lines::-webkit-scrollbar { width: 16px; }
  .ws-page .ws-story-lines::-webkit-scrollbar-thumb { background: #9a9a9a; border-radius: 8px; }
  .ws-page .ws-story-lines::-webkit-scrollbar-track { background: #eee; border-radius: 8px; }
}
.ws-ctrl { font-size: 22px !important; min-height: 56px !important; text-transform: none !important; }
.ws-table { border-collapse: collapse; font-size: 22px; width: 100%; }
.ws-table th, .ws-table td { border-bottom: 2px solid #ddd; padding: 6px 10px; text-align: left; }
.ws-table th { background: #f0f0f0; }
.ws-prof { font-weight: 700; }
.ws-nowrap { white-space: nowrap; }
.ws-phone .ws-table { font-size: 16px; }
/* the debrief's tabs and download, read from the back of the room (vuetify's 14 px capitals were not) */
.ws-proj .v-tabs-bar { height: 68px; }
.ws-proj .v-tab { font-size: 24px; text-transform: none; letter-spacing: 0; padding: 0 22px; }
.ws-proj .ws-export .v-btn { font-size: 20px; min-height: 52px; text-transform: none; letter-spacing: 0; }
/* the projector's menus (What-if's rules, who left) in the page's type, not vuetify's 16 px; their open
   lists hang off the page's root, so they are styled here too (the phones have no menus) */
.ws-proj .v-select .v-select__selection, .ws-proj .v-select input { font-size: 22px; line-height: 1.3; }
.ws-proj .v-select .v-select__selection--comma { white-space: normal; overflow: visible; }  /* wraps, not "…" */
.ws-proj .v-select .v-label { font-size: 20px; }
.v-menu__content .v-list-item__title { font-size: 22px !important; line-height: 1.3 !important; }
.v-menu__content .v-list-item { min-height: 52px !important; }
/* a trainer's phone (390 px): the room beside the groups, and the story beside its network, were
   squeezed side by side (the room's column 76 px wide); here they stack, each the screen's width. The
   trends' two panels, one figure 1480-1800 units wide, had 4-5 px text: a phone gets them as two
   figures, one above the other (.ws-trend-narrow), and the projector's figure is hidden. */
.ws-trend-narrow { display: none; }
@media (max-width: 700px) {
  .ws-proj { padding: 8px 12px; }
  .ws-page .ws-live > .col, .ws-page .ws-story-row > .col { flex: 0 0 100% !important; max-width: 100% !important; }
  .ws-page .ws-trend, .ws-page .ws-whatif { display: none !important; }
  .ws-page .ws-trend-narrow { display: block; }
  .ws-page .ws-export .v-btn { max-width: 100%; height: auto !important; min-height: 52px; }  /* wraps */
  .ws-page .ws-export .v-btn__content { white-space: normal; flex: 1 1 auto; }
}
"""


def query(router) -> dict[str, str]:
    """The page address's parameters (first value of each)."""
    return {k: v[0] for k, v in parse_qs(router.search or "").items()}


def address(params: dict[str, str]) -> str:
    """A page address with these parameters (empty ones left out)."""
    return "/?" + urlencode({k: v for k, v in params.items() if v})


def use_session(ws, compute, deps):
    """What ``compute()`` returns, recomputed whenever the session changes; the page redraws when it differs."""

    def watch(cancel):
        seen, last = -1, None
        while not cancel.is_set():
            version = ws.wait_change(seen, 1.0)
            if version == seen:
                continue
            seen = version
            view = compute()
            if view != last:
                last = view
                yield view

    result = solara.use_thread(watch, dependencies=deps, intrusive_cancel=False)
    return result.value if result.value is not None else compute()


@solara.component_vue("workshop_countdown.vue")
def Countdown(left: float | None, paused: bool, label: str, stamp: int):
    """A clock that counts down in the browser."""


def Html(content: str, classes=None):
    """Raw HTML built by this module (every user-given text is escaped where it is built)."""
    return solara.HTML(tag="div", unsafe_innerHTML=content, classes=classes or [])


@solara.component
def Page():
    """Route by the address: code form, join form, phone or trainer."""
    router = solara.use_router()
    q = query(router)
    lang = q.get("l", "es") if q.get("l") in ("es", "en") else "es"
    solara.Title(t("title", lang))
    solara.Style(CSS)
    reg = registry(ROOT)
    ws = reg.get(q.get("w", ""))

    def go(**changes):
        router.push(address({**q, **changes}))

    with solara.Column(classes=["ws-page"], gap="0px"):
        if ws is None:
            CodeForm(lang, bool(q.get("w")), lambda code: go(w=code.strip().upper(), p="", k=""))
        elif "k" in q:
            if ws.check_key(q["k"]):
                Trainer(ws, lang, go)
            else:
                solara.Text(t("bad_key", lang), classes=["ws-error"])
        elif q.get("p"):
            Phone(ws, q["p"], lang, go)
        else:
            JoinForm(ws, lang, go)


@solara.component
def LangSwitch(lang: str, go):
    """ES / EN, kept in the address so a reload keeps it."""
    with solara.Row(gap="4px"):
        for code in ("es", "en"):
            solara.Button(code.upper(), on_click=lambda code=code: go(l=code), text=code != lang,
                          color="primary", small=True, classes=[f"ws-lang-{code}"])


@solara.component
def CodeForm(lang: str, wrong: bool, submit):
    """The only thing a visitor without a valid code sees."""
    code, set_code = solara.use_state("")
    with solara.Column(classes=["ws-phone"]):
        solara.Text(t("title", lang), classes=["ws-head"])
        solara.InputText(t("code_prompt", lang), value=code, on_value=set_code, continuous_update=True,
                         classes=["ws-code-input"])
        solara.Text(t("code_help", lang), classes=["ws-sub"])
        if wrong:
            solara.Text(t("bad_code", lang), classes=["ws-error"])
        solara.Button(t("go", lang), on_click=lambda: submit(code), color="primary", classes=["ws-send", "ws-go"])


@solara.component
def JoinForm(ws, lang: str, go):
    """Name, then a seat; the phone's address then carries its token."""
    name, set_name = solara.use_state("")
    error, set_error = solara.use_state("")

    def join():
        try:
            p = ws.join(name)
        except WorkshopError as e:
            set_error(t(f"err_{e.key}", lang))
            return
        go(p=p.token)

    with solara.Column(classes=["ws-phone"]):
        with solara.Row(style={"justify-content": "space-between", "align-items": "center"}):
            solara.Text(t("title", lang), classes=["ws-head"])
            LangSwitch(lang, go)
        solara.Text(t("joining_as", lang), classes=["ws-sub"])
        solara.InputText(t("name_prompt", lang), value=name, on_value=set_name, continuous_update=True,
                         classes=["ws-name-input"])
        if error:
            solara.Text(error, classes=["ws-error"])
        solara.Button(t("join", lang), on_click=join, color="primary", classes=["ws-send", "ws-join"])


def phone_view(ws, token: str):
    """The phone's view, or the error key of a token the session does not know."""
    try:
        return ws.phone(token)
    except WorkshopError as e:
        return {"error": e.key}


@solara.component
def Phone(ws, token: str, lang: str, go):
    """A participant's phone: this meeting's choices, the clock, last meeting, income, fines, rules."""
    view = use_session(ws, lambda: phone_view(ws, token), [ws.code, token])
    if "error" in view:
        with solara.Column(classes=["ws-phone"]):
            solara.Text(t("lost_seat", lang), classes=["ws-error"])
            solara.Button(t("join", lang), on_click=lambda: go(p=""), color="primary", classes=["ws-send"])
        return
    with solara.Column(classes=["ws-phone", "ws-phone-page"], gap="4px"):
        with solara.Row(style={"justify-content": "space-between", "align-items": "center"}):
            if view.get("seat") is not None:
                solara.Text(t("you", lang, name=view["name"], group=view["group"] + 1, firm=view["firm"]),
                            classes=["ws-head", "ws-you"])
            else:
                solara.Text(view["name"], classes=["ws-head", "ws-you"])
            LangSwitch(lang, go)
        if view["state"] == "debrief":
            PhoneDebrief(ws, token, lang)
            return
        # the meeting being played, or the next one while the room waits for it to open
        solara.Text(t("meeting_of", lang, n=min(view["t"] + 1, view["steps"]), total=view["steps"]),
                    classes=["ws-sub", "ws-meeting"])
        if view["status"] == "no_seat":
            NoFirm(ws, token, view, lang)
            return
        if view["status"] != "member":
            NoFirm(ws, token, view, lang)
        else:
            # mounted in every state and hidden between meetings: closing or opening a meeting then
            # changes a few properties instead of building and tearing down twenty widgets per phone
            is_open = view["state"] == "open"
            with solara.Column(gap="4px", classes=[] if is_open else ["ws-hidden"]):
                Countdown(left=ws.seconds_left() if is_open else None, paused=view["paused"], stamp=view["t"],
                          label=t("paused", lang) if view["paused"] else t("time_left", lang))
                Choices(ws, token, view, lang)
            solara.Text(t("wait_open", lang), classes=["ws-card", "ws-waiting"] + (["ws-hidden"] if is_open else []))
        LastMeeting(view, lang)
        Income(view, lang)
        Rules(view["rules"], lang, view.get("vote_round"))
        Leave(ws, token, lang)


@solara.component
def Leave(ws, token: str, lang: str):
    """Leave the workshop, after a second tap (a profile then plays the firm)."""
    asked, set_asked = solara.use_state(False)
    if not asked:
        solara.Button(t("leave", lang), on_click=lambda: set_asked(True), text=True, classes=["ws-leave"])
        return
    with solara.Column(classes=["ws-card"]):
        solara.Text(t("leave_sure", lang), classes=["ws-warn"])
        with solara.Row():
            solara.Button(t("leave", lang), on_click=lambda: ws.leave(token), color="error",
                          classes=["ws-leave-confirm"])
            solara.Button(t("stay", lang), on_click=lambda: set_asked(False), text=True)


OPTION_KEYS = {"purchase": ("all", "half", "none", "secret"), "quota": ("pay", "skip"),
               "lead": ("route", "open", "quiet")}


@solara.component
def Options(question: str, options, labels, value, on_value, name: str, unsent: str = ""):
    """A question with one big button per option (the chosen one filled, tagged ``unsent`` until sent)."""
    solara.Text(question, classes=["ws-q"])
    for opt, label in zip(options, labels, strict=True):
        chosen = opt == value
        solara.Button(f"{label} · {unsent}" if chosen and unsent else label, on_click=lambda opt=opt: on_value(opt),
                      color="primary", outlined=not chosen, depressed=chosen,
                      classes=["ws-opt", f"ws-{name}-{opt}"] + (["ws-chosen"] if chosen else [])
                      + (["ws-unsent"] if chosen and unsent else []))


def on_screen(view: dict) -> tuple[dict, dict]:
    """The choice and the ballot a phone shows: what it tapped and has not sent, else what counts now."""
    draft = view.get("draft") or {}
    choice = draft.get("d") or view["decision"]
    ballot = draft.get("v") or view["ballot"] or view["rules"]["vote"]
    return dict(choice), dict(ballot)


@solara.component
def Choices(ws, token: str, view: dict, lang: str):
    """The meeting's three choices (and the vote at the reglamento meeting) and the send button.

    Every tap is kept on the server (``Workshop.keep_draft``) before it is sent, so a phone that
    reloads, sleeps or drops its connection shows the same choice again, marked as not sent.
    """
    choice, set_choice = solara.use_state(on_screen(view)[0])
    ballot, set_ballot = solara.use_state(on_screen(view)[1])
    error, set_error = solara.use_state("")

    def fresh():
        """A new meeting starts from the participant's default (their last decision) and no error."""
        set_choice(on_screen(view)[0])
        set_ballot(on_screen(view)[1])
        set_error("")
    solara.use_effect(fresh, [view["t"], view["state"] == "open"])

    def tap(new_choice, new_ballot):
        set_choice(new_choice)
        set_ballot(new_ballot)
        try:
            ws.keep_draft(token, new_choice, new_ballot if view["vote"] else None)
            set_error("")
        except WorkshopError as e:
            set_error(t(f"err_{e.key}", lang))

    def send():
        try:
            ws.decide(token, choice, ballot if view["vote"] else None)
            set_error("")
        except WorkshopError as e:
            set_error(t(f"err_{e.key}", lang))

    # "sent" only while what is on screen is what was sent: a tap after Send changes nothing
    # on the server until Send is pressed again
    same = choice == view["decision"] and (not view["vote"] or ballot == view["ballot"])
    # the chosen options are tagged when a tap is kept but not sent (after Send, or with nothing sent)
    tapped = view["decided"] or view.get("draft") is not None
    unsent = t("unsent_tag", lang) if tapped and not (view["decided"] and same) else ""

    with solara.Column(classes=["ws-card", "ws-choices"], gap="0px"):
        Options(t("q_purchase", lang), OPTION_KEYS["purchase"], [t(f"o_{k}", lang) for k in OPTION_KEYS["purchase"]],
                choice["purchase"], lambda v: tap({**choice, "purchase": v}, ballot), "purchase", unsent)
        if view["consortium"]:
            Options(t("q_quota", lang), OPTION_KEYS["quota"],
                    [t(f"o_{k}", lang) for k in OPTION_KEYS["quota"]], choice["quota"],
                    lambda v: tap({**choice, "quota": v}, ballot), "quota", unsent)
            Options(t("q_lead", lang), OPTION_KEYS["lead"], [t(f"o_{k}", lang) for k in OPTION_KEYS["lead"]],
                    choice["lead"], lambda v: tap({**choice, "lead": v}, ballot), "lead", unsent)
        if view["vote"]:
            solara.Text(t("vote_title", lang), classes=["ws-q", "ws-vote-title"])
            rule = t(f"c_{view['rules']['decision']}", lang)
            solara.Text(t("vote_rule", lang, rule=rule), classes=["ws-sub"])
            for item, question in (("decision", "v_decision"), ("sanctions", "v_sanctions"),
                                   ("admission", "v_admission")):
                opts = tuple(vote.ITEMS[item])
                Options(t(question, lang), opts, [t(f"c_{o}", lang) for o in opts], ballot.get(item),
                        lambda v, item=item: tap(choice, {**ballot, item: v}), f"vote-{item}", unsent)
        solara.Button(t("send", lang), on_click=send, color="success", classes=["ws-send", "ws-submit"])
        if error:
            solara.Text(error, classes=["ws-error"])
        elif view["decided"] and same:
            solara.Text(t("sent", lang), classes=["ws-ok", "ws-sent"])
        elif view["decided"]:
            solara.Text(t("changed", lang), classes=["ws-warn", "ws-changed"])
        elif unsent:
            solara.Text(t("chosen_not_sent", lang), classes=["ws-warn", "ws-not-sent", "ws-chosen-not-sent"])
        else:
            solara.Text(t("not_sent", lang), classes=["ws-warn", "ws-not-sent"])
        solara.Text(t("default_is", lang, what=default_text(view, lang)), classes=["ws-sub", "ws-default"])


def default_text(view: dict, lang: str) -> str:
    """The stated default: the last decision, or the first-time default."""
    d = view["default"]
    if view["t"] == 0 or d == {"purchase": "all", "quota": "pay", "lead": "route"}:
        return t("default_first", lang)
    parts = [t(f"o_{d['purchase']}", lang)]
    if view["consortium"]:
        parts += [t(f"o_{d['quota']}", lang), t(f"o_{d['lead']}", lang)]
    return "; ".join(p[:1].lower() + p[1:] for p in parts)  # "nothing (I stay out, openly)", not "(i stay"


@solara.component
def NoFirm(ws, token: str, view: dict, lang: str):
    """A participant without a playing firm: why, and a free seat if there is one."""
    error, set_error = solara.use_state("")
    key = {"out": "st_out", "dissolved": "st_dissolved"}.get(view["status"], "st_no_seat")

    def take():
        try:
            ws.reseat(token)
        except WorkshopError as e:
            set_error(t(f"err_{e.key}", lang))

    with solara.Column(classes=["ws-card", "ws-nofirm"]):
        solara.Text(t(key, lang), classes=["ws-bad"])
        solara.Button(t("take_seat", lang), on_click=take, color="primary", classes=["ws-send", "ws-reseat"])
        if error:
            solara.Text(error, classes=["ws-error"])


@solara.component
def LastMeeting(view: dict, lang: str):
    """What the group did at the last meeting, as a member saw it (one HTML block: a close changes its text)."""
    story = view.get("story")
    if not story or story["t"] < 0:
        content = f"<p>{html.escape(t('no_meeting_yet', lang))}</p>"
    else:
        content = (f'<div class="ws-q">{html.escape(t("last_meeting", lang, n=story["t"] + 1))}</div>'
                   + story_html(story, lang))
    Html(content, classes=["ws-card", "ws-last"])


SANCTIONED = ("warning", "fine", "expulsion")


def story_html(story: dict, lang: str) -> str:
    """A meeting's story as a list: the purchase, the quotas, what was detected."""
    m = story["played"]  # the members at the meeting (those it expelled or who left included)
    if story["phase"] < 2:
        lines = [t("purchase_closed", lang, phase=story["phase"])]
    elif story["purchase"]:
        lines = [t("purchase_done", lang, k=story["committed"], m=m, d=num(100 * story["discount"], lang, 0))]
    else:
        lines = [t("purchase_not", lang, k=story["committed"], m=m)]
    if story["phase"] >= 4:
        lines.append(t("quotas_seen", lang, k=story["quota_payers"], m=m, fund=money(story["fund"], lang, 0)))
    # a member caught and expelled at this meeting is named once: the line saying what they did says it
    # expelled them, so the model's own expulsion event adds no "was expelled" (five expelled were ten
    # lines, and on the projector what they did scrolled out of the story's box); an expulsion no
    # violation line tells keeps its own line
    told = {e["firm"] for e in story["events"] if tells_expulsion(e)}
    events = [e for e in story["events"] if e["kind"] != "purchase_failed"
              and not (e["kind"] == "expulsion" and e["firm"] in told)]
    # quotas left unpaid without a sanction: one line naming them all (six such lines pushed the
    # trends off a 1080-line projector); a sanctioned one keeps its own line, with its sanction
    unpaid = [e for e in events if e["kind"] == "quota_skip" and e.get("sanction") not in SANCTIONED]
    grouped = unpaid if len(unpaid) > 1 else []
    for e in events:
        if grouped and e is grouped[0]:
            names = ", ".join(x.get("name") or t("firm_n", lang, n=x["firm"]) for x in grouped)
            lines.append(t("quota_skips", lang, names=names))
        elif not any(e is x for x in grouped):
            lines.append(event_line(e, lang))
    if not any(e["kind"] in ("renege", "diversion", "quota_skip") for e in events):
        lines.append(t("nothing_seen", lang))
    return "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>"


@solara.component
def Income(view: dict, lang: str):
    """The participant's income against going alone, and their warnings and fines (one HTML block)."""
    parts = [f'<div class="ws-q">{html.escape(t("income", lang))}</div>']
    if view.get("alone"):
        gain = view["income"] / view["alone"] - 1.0
        last = t("income_last", lang, inc=money(view["last_income"], lang, 1),
                 alone=money(view["last_alone"], lang, 1))
        parts.append(f"<div>{html.escape(last)}</div>")
        total = t("income_total", lang, inc=money(view["income"], lang, 0), alone=money(view["alone"], lang, 0),
                  gain=pct(gain, lang))
        parts.append(f'<div class="{"ws-ok" if gain >= 0 else "ws-bad"} ws-gain">{html.escape(total)}</div>')
    else:
        parts.append(f"<div>{html.escape(t('no_meeting_yet', lang))}</div>")
    parts.append(f'<div class="ws-q">{html.escape(t("sanctions_you", lang))}</div>')
    for x in view.get("sanctions") or []:
        line = t(f"s_{x['sanction']}", lang, t=x["t"] + 1, amount=money(x["amount"], lang, 1), strike=x["strike"])
        parts.append(f'<div class="ws-bad ws-sanction">{html.escape(line)}</div>')
    if not view.get("sanctions"):
        parts.append(f"<div>{html.escape(t('none_yet', lang))}</div>")
    parts.append(f'<div class="ws-sub">{html.escape(t("strikes", lang, k=view.get("strikes", 0)))}</div>')
    Html("".join(parts), classes=["ws-card", "ws-income"])


def rules_text(rules: dict, lang: str, vote_round) -> str:
    """The reglamento in force, in one sentence."""
    if rules["adopted"]:
        sanctions = (t("sanctions_on", lang, fine=money(rules["fine"], lang, 0), k=rules["expulsion_strikes"])
                     if rules["sanctions"] else t("sanctions_off", lang))
        return t("rules_on", lang, rule=t(f"c_{rules['decision']}", lang), sanctions=sanctions,
                 admission=t(f"c_{rules['admission']}", lang))
    if vote_round is None:
        return t("rules_never", lang)
    return t("rules_none", lang, n=vote_round + 1)


@solara.component
def Rules(rules: dict, lang: str, vote_round):
    """The rules in force."""
    Html(f'<div class="ws-q">{html.escape(t("rules", lang))}</div>'
         f"<div>{html.escape(rules_text(rules, lang, vote_round))}</div>", classes=["ws-card", "ws-rules"])


@solara.component
def PhoneDebrief(ws, token: str, lang: str):
    """After the game: the firm's real profile and the profile the participant's conduct matches."""
    p = ws.participant(token)
    placed = debrief.place(p.history)
    seat = p.history[-1][1:3] if p.history else p.seat
    firm_profile = ws.deciders[tuple(seat)].profile.name if seat else None
    with solara.Column(classes=["ws-card", "ws-phone-debrief"]):
        solara.Text(t("debrief_phone", lang), classes=["ws-q"])
        if firm_profile:
            Html(sentence_with_profile("your_firm_was", firm_profile, lang, "ws-firm-profile"))
        if placed:
            Html(sentence_with_profile("you_played_as", placed, lang, "ws-placed"))
            rows = "".join(f"<tr><th>{html.escape(pick(head, lang))}</th><td>{html.escape(pick(cells[placed], lang))}"
                           f"</td></tr>" for head, cells in GUIDE_ROWS.values())
            Html(f'<table class="ws-table">{rows}</table>')


def sentence_with_profile(key: str, profile: str, lang: str, cls: str) -> str:
    """A sentence of the text table with the profile's name in its colour where ``{p}`` stands."""
    before, _, after = t(key, lang, p="\0").partition("\0")
    return (f'<div>{html.escape(before)}<span class="ws-prof {cls}" style="color:{PROFILE_COLORS[profile]}">'
            f'{html.escape(PROFILE_LABELS[profile])}</span>{html.escape(after)}</div>')


# ---------------------------------------------------------------------------------------------- trainer
def open_meeting(ws):
    """Open the next meeting, then freeze what the garbage collector has seen so far.

    Thirty pages build a great many long-lived objects; the collector's first full pass over them
    used to fall on the first Close (the moment every screen must update) and cost over a second on
    a busy laptop. Frozen objects are never scanned again; opening is the quiet moment to do it.
    """
    def run():
        ws.open_round()
        gc.freeze()
    return run



@solara.component
def Trainer(ws, lang: str, go):
    """The trainer's projector page: the room, the meeting's controls, the groups' stories, the debrief."""
    board = use_session(ws, ws.board, [ws.code])
    focus, set_focus = solara.use_state(0)
    viewing, set_viewing = solara.use_state(None)  # a past meeting shown with Back (None: the last one)
    error, set_error = solara.use_state("")

    def act(fn):
        def run():
            try:
                fn()
                set_error("")
                set_viewing(None)
            except WorkshopError as e:
                set_error(t(f"err_{e.key}", lang))
        return run

    state, n = board["state"], board["t"]
    with solara.Column(classes=["ws-proj", "ws-trainer"], gap="10px"):
        with solara.Row(style={"align-items": "center", "justify-content": "space-between"}):
            head = {"lobby": t("state_lobby", lang), "open": t("state_open", lang, n=n + 1),
                    "resolved": t("state_resolved", lang, n=n), "debrief": t("state_debrief", lang)}[state]
            solara.Text(f"{t('title', lang)} · {t('code', lang)} {board['code']} · {head}",
                        classes=["ws-head", "ws-state"])
            LangSwitch(lang, go)
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}, gap="10px"):
            if state in ("lobby", "resolved") and n < board["steps"]:
                solara.Button(t("open", lang, n=n + 1), on_click=act(open_meeting(ws)), color="primary",
                              classes=["ws-ctrl", "ws-open"])
            if state == "open":
                solara.Button(t("close", lang), on_click=act(ws.close_round), color="error",
                              classes=["ws-ctrl", "ws-close"])
                if board["paused"]:
                    solara.Button(t("resume", lang), on_click=act(ws.resume), classes=["ws-ctrl", "ws-resume"])
                else:
                    solara.Button(t("pause", lang), on_click=act(ws.pause), classes=["ws-ctrl", "ws-pause"])
                Countdown(left=ws.seconds_left(), paused=board["paused"], stamp=n,
                          label=t("decided", lang, k=board["decided"], n=board["deciders"]))
            if n > 0 and state != "debrief":
                shown = n - 1 if viewing is None else viewing
                solara.Button(t("back", lang), on_click=lambda: set_viewing(max(0, shown - 1)),
                              disabled=shown <= 0, classes=["ws-ctrl", "ws-back"])
                solara.Button(t("forward", lang),
                              on_click=lambda: set_viewing(None if shown + 1 >= n - 1 else shown + 1),
                              disabled=viewing is None, classes=["ws-ctrl", "ws-forward"])
            if state != "debrief" and n > 0:
                solara.Button(t("end", lang), on_click=act(ws.end), color="secondary", classes=["ws-ctrl", "ws-end"])
        if error:
            solara.Text(error, classes=["ws-error"])
        if state == "debrief":
            Debrief(ws, lang)
            return
        with solara.Columns([1, 4], gutters_dense=True, classes=["ws-live"]):
            Room(ws, board, lang)
            with solara.Column(gap="12px"):
                # the same widgets in every state, so closing a meeting only changes texts: every group
                # (who has decided, never what; the button picks the group whose story is told), then one
                # story at a time: the focused group's meeting, its network and the trends
                Groups(board, focus, set_focus, lang)
                Story(ws, board, focus, viewing, lang)


@solara.component
def Room(ws, board: dict, lang: str):
    """The join link, its QR code and the room's log."""
    import segno

    url = (PUBLIC_URL or "/") + f"?w={board['code']}"
    qr = solara.use_memo(lambda: segno.make(url, error="m").svg_inline(scale=7 if board["state"] == "lobby" else 4),
                         [url, board["state"] == "lobby"])
    with solara.Column(classes=["ws-room"], gap="6px"):
        solara.Text(t("join_at", lang), classes=["ws-q"])
        Html(qr, classes=["ws-qr"])
        Html(f'<div class="ws-link">{html.escape(url)}</div>')
        Html(f'<div>{html.escape(t("code", lang))}: <span class="ws-bigcode">{board["code"]}</span></div>')
        solara.Text(t("people", lang, n=board["people"]), classes=["ws-people"])
        Release(ws, board, lang)
        solara.Text(t("room_log", lang), classes=["ws-q"])
        lines = [t(f"log_{key}", lang, **vals) for _, key, vals in board["log"][-8:]]
        Html("<ul style='font-size:20px'>" + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>",
             classes=["ws-log"])


def seat_chips(grp: dict, state: str, lang: str) -> str:
    """One chip per seat people can take: the name (green with a tick once decided), or the profile."""
    chips = []
    for s in grp["seats"]:
        if not s["playing"]:
            chips.append(f'<span class="ws-seat">{html.escape(t("out_seat", lang))}</span>')
        elif s["name"] is None:
            chips.append(f'<span class="ws-seat">{html.escape(t("profile_seat", lang))}</span>')
        else:
            cls = "ws-done" if s["decided"] else ("ws-wait" if state == "open" else "")
            mark = " ✓" if s["decided"] else ""
            chips.append(f'<span class="ws-seat {cls}">{html.escape(s["name"])}{mark}</span>')
    return "".join(chips)


@solara.component
def Release(ws, board: dict, lang: str):
    """Hand a seated person's firm back to its profile (someone who left the room without a word)."""
    seated = {s["name"]: s["pid"] for grp in board["groups"] for s in grp["seats"] if s["name"]}
    who, set_who = solara.use_state(None)
    if not seated or board["state"] == "debrief":
        return
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):  # a laptop's narrow column: stacked
        solara.Select(t("release", lang), values=sorted(seated), value=who if who in seated else None,
                      on_value=set_who, classes=["ws-release-who"], style={"min-width": "200px", "max-width": "260px"})
        solara.Button(t("release_do", lang), on_click=lambda: ws.release(seated[who]) if who in seated else None,
                      disabled=who not in seated, classes=["ws-release"])


@solara.component
def Groups(board: dict, focus: int, set_focus, lang: str):
    """One card per group: trust, cooperation and who has decided (never what); its button tells its story."""
    with solara.Row(classes=["ws-groups"], gap="10px"):
        for grp in board["groups"]:
            g, story = grp["group"], grp["story"]
            with solara.Column(gap="0px", classes=["ws-group-col"]):
                solara.Button(f'{t("group", lang, n=g + 1)} · {story["members"]} {t("members", lang).lower()}',
                              on_click=lambda g=g: set_focus(g), text=g != focus, outlined=g != focus,
                              color="primary", classes=["ws-ctrl", f"ws-focus-{g}"])
                Html(f'<div class="ws-bars">{bar(t("trust", lang), story["trust"], lang)}'
                     f'{bar(t("cooperation", lang), story["cooperation"], lang, "#009E73")}</div>'
                     f'<div>{seat_chips(grp, board["state"], lang)}</div>',
                     classes=["ws-group"] + (["ws-focus"] if g == focus else []))


@solara.component
def Story(ws, board: dict, focus: int, viewing, lang: str):
    """The focused group's meeting (the last, or one chosen with Back): story, network, trends."""
    n = board["t"]
    shown = n - 1 if viewing is None else viewing
    with ws.lock:
        story = ws.group_story(focus, shown) if shown >= 0 else None
        net = ws.runs[focus].network(0)
        names = {f: name for (g, f), name in ws.played_by.items() if g == focus}
        series = solara.use_memo(lambda: {g: ws.series(g) for g in range(ws.settings.groups)}, [n])
    title = t("story", lang, n=shown + 1, g=focus + 1) if story else ""
    lines = story_html(story, lang) if story else ""
    for r in ws.rounds:
        if r["votes"] and focus in r["votes"]:
            c = r["votes"][focus]["choice"]
            vote_line = t("vote_result", lang, g=focus + 1, d=t(f"c_{c['decision']}", lang),
                          s=t(f"c_{c['sanctions']}", lang), a=t(f"c_{c['admission']}", lang))
            lines += f'<div class="ws-vote-result">{html.escape(vote_line)}</div>'

    # 290 px high at the projector's 1480 px: with six groups' cards above, the chart ends inside 1080 lines
    chart = solara.use_memo(lambda: trends(series, lang, focus=focus, height=290) if n else "", [n, focus, lang])
    narrow = solara.use_memo(lambda: trends_narrow(series, lang, focus=focus) if n else "", [n, focus, lang])
    # the same blocks whatever the state: a close only changes their contents (in a column of their own,
    # which the projector's page fits to what the groups leave of the screen: see the CSS)
    with solara.Column(gap="12px", classes=["ws-story-area"]):
        with solara.Columns([3, 2], gutters_dense=True, classes=["ws-story-row"]):
            # the title, then the sentences in a box of their own (on the projector it scrolls)
            Html((f'<div class="ws-head ws-story-title">{html.escape(title)}</div>' if title else "")
                 + f'<div class="ws-story-lines"><div>{lines}</div></div>', classes=["ws-story", "ws-story-box"])
            Html(network_svg(net, names, lang, size=420), classes=["ws-network"])
        Html(chart, classes=["ws-trend"])
        Html(narrow, classes=["ws-trend-narrow"])  # shown instead on a phone


@solara.component
def Debrief(ws, lang: str):
    """Reveal the profiles, place each participant, compare groups, replay with other rules, export."""
    people = solara.use_memo(lambda: debrief.people(ws), [ws.version])
    groups = solara.use_memo(lambda: debrief.compare(ws), [ws.version])
    tab, set_tab = solara.use_state(0)
    with solara.lab.Tabs(value=tab, on_value=set_tab):
        with solara.lab.Tab(t("tab_people", lang), classes=["ws-tab-people"]):
            PeopleTable(people, lang)
        with solara.lab.Tab(t("tab_reveal", lang), classes=["ws-tab-reveal"]):
            Reveal(ws, lang)
        with solara.lab.Tab(t("tab_compare", lang), classes=["ws-tab-compare"]):
            CompareTable(groups, lang)
        with solara.lab.Tab(t("tab_whatif", lang), classes=["ws-tab-whatif"]):
            WhatIf(ws, lang)
    with solara.Div(classes=["ws-export"]):
        solara.FileDownload(lambda: debrief.export(ws), filename=f"taller-{ws.code}-semilla-{ws.settings.seed}.zip",
                            label=t("export", lang))


def prof_cell(name, lang: str) -> str:
    """A profile's name in its colour (a dash for none)."""
    if not name:
        return "—"
    return f'<span class="ws-prof" style="color:{PROFILE_COLORS[name]}">{html.escape(PROFILE_LABELS[name])}</span>'


@solara.component
def PeopleTable(people, lang: str):
    """Each participant: the profile their conduct matches (with the guide's conduct row) and their firm's."""
    head = [t("participant", lang), t("group", lang, n="").strip(), t("placed", lang), t("secret_acts", lang),
            t("held_back", lang), t("full_coop", lang), pick(GUIDE_ROWS["conduct"][0], lang), t("firm_profile", lang)]
    rows = []
    for r in people.itertuples():
        conduct = pick(GUIDE_ROWS["conduct"][1][r.placed], lang) if r.placed else "—"
        share = (lambda x: f"{x:.0%}".replace("%", " %")) if r.meetings else (lambda x: "—")
        group = "" if r.group is None or r.group != r.group else int(r.group) + 1
        rows.append(f"<tr><td>{html.escape(r.name)}</td><td>{group}</td><td>{prof_cell(r.placed, lang)}</td>"
                    f"<td>{share(r.furtive)}</td><td>{share(r.open)}</td><td>{share(r.full)}</td>"
                    f"<td>{html.escape(conduct)}</td><td>{prof_cell(r.firm_profile, lang)}</td></tr>")
    Html('<table class="ws-table ws-people-table"><tr>' + "".join(f"<th>{html.escape(h)}</th>" for h in head)
         + "</tr>" + "".join(rows) + "</table>")


@solara.component
def Reveal(ws, lang: str):
    """Every firm of every group with its profile and who played it."""
    for g in range(ws.settings.groups):
        df = debrief.reveal(ws, g)
        rows = "".join(
            f"<tr><td>{r.firm}</td>"
            f"<td>{html.escape(r.played_by if isinstance(r.played_by, str) else t('profile_seat', lang))}</td>"
            f"<td>{prof_cell(r.profile, lang)}</td><td>{num(r.income, lang, 0)} / {num(r.alone, lang, 0)}</td>"
            f"<td>{r.strikes}</td></tr>" for r in df.itertuples())
        income = t("income_alone", lang, unit=money_unit(lang))
        Html(f"<h3>{html.escape(t('group', lang, n=g + 1))}</h3><table class='ws-table ws-reveal-table'><tr><th>"
             f"{t('firm', lang)}</th><th>{t('played_by', lang)}</th><th>{t('profile', lang)}</th><th>"
             f"{income}</th><th>{t('violations', lang)}</th></tr>{rows}</table>")


@solara.component
def CompareTable(groups, lang: str):
    """The groups side by side under the rules they voted."""
    rows = []
    for r in groups.to_dict("records"):
        rows.append(f"<tr><td class='ws-nowrap'>{t('group', lang, n=r['group'] + 1)}</td>"
                    f"<td>{t('c_' + r['decision'], lang)}</td>"
                    f"<td>{t('c_' + r['sanctions'], lang)}</td><td>{t('c_' + r['admission'], lang)}</td>"
                    f"<td>{t('yes' if r.get('alive') else 'no', lang)}</td><td>{r.get('members', '')}</td>"
                    f"<td>{num(r.get('trust', 0.0), lang)}</td><td>{num(r.get('cooperation', 0.0), lang)}</td>"
                    f"<td>{pct(r.get('income_gain', 0.0), lang)}</td><td>{r.get('violations', '')}</td></tr>")
    head = [t("group", lang, n="").strip(), t("h_decision", lang), t("v_sanctions", lang), t("v_admission", lang),
            t("alive", lang), t("members", lang), t("trust", lang), t("cooperation", lang), t("gain", lang),
            t("violations", lang)]
    Html('<table class="ws-table ws-compare-table"><tr>' + "".join(f"<th>{html.escape(h)}</th>" for h in head)
         + "</tr>" + "".join(rows) + "</table>")


@solara.component
def WhatIf(ws, lang: str):
    """Replay one group with the same seed and moves under other rules; draw both."""
    g, set_g = solara.use_state(0)
    first = solara.use_memo(lambda: debrief.contrary(ws, 0), [])
    choice, set_choice = solara.use_state(first)
    alt = solara.use_memo(lambda: debrief.what_if(ws, g, choice), [g, str(choice), ws.t])
    solara.Text(t("whatif_help", lang), classes=["ws-sub"])
    with solara.Row(style={"flex-wrap": "wrap"}, gap="12px"):
        solara.Select(t("group", lang, n="").strip(), values=list(range(1, ws.settings.groups + 1)), value=g + 1,
                      on_value=lambda v: set_g(int(v) - 1), classes=["ws-whatif-group"], style={"width": "160px"})
        for item, question in (("decision", "h_decision"), ("sanctions", "v_sanctions"), ("admission", "v_admission")):
            labels = {t(f"c_{o}", lang): o for o in vote.ITEMS[item]}
            solara.Select(t(question, lang), values=list(labels), value=t(f"c_{choice[item]}", lang),
                          on_value=lambda v, item=item, labels=labels: set_choice({**choice, item: labels[v]}),
                          classes=[f"ws-whatif-{item}"], style={"width": "440px"})
    actual = ws.series(g)
    Html(trends({g: actual}, lang, focus=g, alt=alt, width=1800, height=420), classes=["ws-trend", "ws-whatif"])
    Html(trends_narrow({g: actual}, lang, focus=g, alt=alt), classes=["ws-trend-narrow", "ws-whatif-narrow"])
    if len(actual) and len(alt):
        a, b = actual.iloc[-1], alt.iloc[-1]
        solara.Text(t("whatif_sum", lang, trust=num(a["trust"], lang), trust_alt=num(b["trust"], lang),
                      coop=num(actual["cooperation"].mean(), lang), coop_alt=num(alt["cooperation"].mean(), lang),
                      members=int(a["members"]), members_alt=int(b["members"])), classes=["ws-story", "ws-whatif-sum"])
