"""A whole workshop in a real browser: a trainer and seven phones in headless chromium.

One server and one room serve the module; the tests run in order, like the workshop: people join
from phones (390 x 844), three meetings are played (one phone reloads and one comes back in a new
browser, one person leaves and a latecomer takes the seat), the third meeting votes the
reglamento, and the trainer runs the debrief and downloads the pseudonymised tables. Screenshots go
to /tmp/asocia-workshop-*.png; the tests check what they show (no sideways scroll on a phone, the
story and the controls inside the projector's 1920 x 1080).
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from workshop_scenes import expulsion_scene  # noqa: E402

import sim  # noqa: E402
from dashboards.devserver import CHROMIUM, browser, free_port  # noqa: E402
from dashboards.workshop_devserver import serve_workshop  # noqa: E402
from sim.workshop import vote  # noqa: E402
from sim.workshop.workshop import Settings, Workshop  # noqa: E402

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no chromium at {CHROMIUM}")]

NAMES = ["Ana", "Beto", "Caro", "Dani", "Eli", "Fede", "Gabi"]
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}
GROUP_CARDS = """() => { const row = document.querySelector('.ws-groups');
  const cols = [...row.querySelectorAll('.ws-group-col')].map(c => c.getBoundingClientRect());
  return {display: getComputedStyle(row).display, overflow: row.scrollWidth - row.clientWidth,
          right: Math.max(...cols.map(r => r.right)), narrowest: Math.min(...cols.map(r => r.width))}; }"""
SHOTS = Path("/tmp")


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    """A room of 2 groups with 4 seats each; the reglamento is voted at meeting 3."""
    root = tmp_path_factory.mktemp("workshops")
    scenario = sim.load_scenario(ROOT / "scenarios" / "workshop.toml", {"rules.adopt_at": 2})
    ws = Workshop.create(root, scenario, Settings(groups=2, seats=4, round_seconds=300, idle_rounds=0))
    ws.close()
    return ws


@pytest.fixture(scope="module")
def room(session, tmp_path_factory):
    """The server (which a test may restart on the same port), the trainer's page and the phones."""
    log = open(tmp_path_factory.mktemp("log") / "server.log", "w")
    port = free_port()
    servers = contextlib.ExitStack()
    url = servers.enter_context(serve_workshop(session.folder.parent, session.code, port=port, log=log))

    def restart():
        servers.close()  # the server process ends: every kernel, every page's state on the server is gone
        servers.enter_context(serve_workshop(session.folder.parent, session.code, port=port, log=log))

    with browser() as b:
        trainer = b.new_page(viewport=PROJECTOR, accept_downloads=True)
        trainer.set_default_timeout(30_000)
        trainer.goto(f"{url}?w={session.code}&k={session.key}")
        trainer.wait_for_selector(".ws-trainer", timeout=90_000)
        yield {"url": url, "browser": b, "trainer": trainer, "phones": {}, "contexts": {}, "restart": restart}
    servers.close()
    log.close()


def new_phone(room, address: str):
    ctx = room["browser"].new_context(viewport=PHONE)
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    page.goto(address)
    return ctx, page


def no_sideways_scroll(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def inside_viewport(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    vp = page.viewport_size
    return box is not None and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= vp["width"] + 1 \
        and box["y"] + box["height"] <= vp["height"] + 1


def test_pages_need_the_code_and_the_key(room, session):
    ctx, page = new_phone(room, room["url"])
    page.wait_for_selector(".ws-code-input input", timeout=90_000)
    assert page.locator(".ws-name-input").count() == 0  # no code, no join form
    page.goto(f"{room['url']}?w={session.code}&k=wrong")
    page.wait_for_selector("text=Este enlace de coordinación no es válido.")
    assert page.locator(".ws-open").count() == 0
    page.goto(f"{room['url']}?w=ZZZZZ")
    page.wait_for_selector("text=No hay ningún taller con ese código aquí.")
    ctx.close()


def test_seven_people_join_from_their_phones(room, session):
    trainer = room["trainer"]
    for name in NAMES:
        ctx, page = new_phone(room, f"{room['url']}?w={session.code}")
        page.wait_for_selector(".ws-name-input input", timeout=90_000)
        page.fill(".ws-name-input input", name)
        page.click(".ws-join")
        page.wait_for_selector(".ws-you")
        assert re.search(rf"{name} · grupo [12] · empresa \d+", page.locator(".ws-you").inner_text())
        assert "p=" in page.url  # the phone's address now carries its seat's token
        room["phones"][name], room["contexts"][name] = page, ctx
    trainer.wait_for_selector("text=Personas sentadas: 7")
    gabi = room["phones"]["Gabi"]  # English on request, kept in the address across a reload
    gabi.click(".ws-lang-en")
    gabi.wait_for_selector("text=Waiting for the trainer to open the meeting.")
    gabi.reload()
    gabi.wait_for_selector("text=Rules in force", timeout=90_000)
    gabi.click(".ws-lang-es")
    gabi.wait_for_selector("text=Esperando que se abra la reunión.")
    groups = [room["phones"][n].locator(".ws-you").inner_text().split(" · ")[1] for n in NAMES]
    assert sorted(groups).count("grupo 1") == 4 and groups.count("grupo 2") == 3  # balanced
    trainer.screenshot(path=SHOTS / "asocia-workshop-projector-lobby.png")
    assert inside_viewport(trainer, ".ws-qr svg") and inside_viewport(trainer, ".ws-open")
    # the groups' cards are a grid that wraps inside the page (as a flex row, six groups of five seats
    # ran off a 1920 px projector and the last two were off a laptop's screen) and share its width
    for size in (LAPTOP, PROJECTOR):
        trainer.set_viewport_size(size)
        trainer.wait_for_timeout(300)
        cards = trainer.evaluate(GROUP_CARDS)
        assert cards["display"] == "grid" and cards["overflow"] <= 1 and cards["right"] <= size["width"], cards
        assert cards["narrowest"] >= 240, cards


PLAYS = {"Ana": "all", "Beto": "secret", "Caro": "none", "Dani": "all", "Eli": "half", "Fede": "secret"}


def play(room, plays: dict[str, str], meeting: int) -> None:
    for name, purchase in plays.items():
        page = room["phones"][name]
        page.wait_for_selector(".ws-choices")
        page.click(f".ws-purchase-{purchase}")
        page.click(".ws-submit")
        page.wait_for_selector(".ws-sent")


def test_meeting_1_who_decided_is_shown_not_what(room, session):
    trainer = room["trainer"]
    trainer.click(".ws-open")
    for page in room["phones"].values():
        page.wait_for_selector(".ws-choices")
        page.wait_for_selector(".ws-countdown-time")
        page.wait_for_selector(".ws-waiting", state="hidden")  # the same redraw, maybe a later message
    assert "Si no decide a tiempo" in room["phones"]["Gabi"].locator(".ws-default").inner_text()
    play(room, PLAYS, 1)  # Gabi does not decide: she plays the stated default
    ana = room["phones"]["Ana"]  # a tap after Send is not sent: the phone no longer says it was
    ana.click(".ws-purchase-half")
    ana.wait_for_selector(".ws-changed")
    assert ana.locator(".ws-sent").count() == 0
    ana.click(".ws-purchase-all")  # back to what she sent
    ana.wait_for_selector(".ws-sent")
    trainer.wait_for_selector("text=decidieron 6 de 7")
    assert trainer.locator(".ws-seat.ws-done").count() == 6
    assert trainer.locator(".ws-seat.ws-wait").count() == 1
    text = trainer.locator(".ws-trainer").inner_text()
    assert "secreto" not in text and "Todo" not in text  # what people chose never reaches the projector
    phone = room["phones"]["Beto"]
    phone.screenshot(path=SHOTS / "asocia-workshop-phone-meeting.png")
    assert no_sideways_scroll(phone) and inside_viewport(phone, ".ws-countdown")
    trainer.screenshot(path=SHOTS / "asocia-workshop-projector-open.png")
    trainer.click(".ws-close")
    for page in room["phones"].values():
        page.wait_for_selector("text=Reunión anterior (n.º 1) como la vio su grupo")
        page.wait_for_selector(".ws-gain")
        page.wait_for_selector(".ws-waiting")
        assert not page.locator(".ws-choices").is_visible()  # no choices between meetings
    trainer.wait_for_selector(".ws-story-title")
    assert inside_viewport(trainer, ".ws-story-title") and inside_viewport(trainer, ".ws-open")
    # the trends' legend names the groups from 1, on the projector's screen (it used to fall below it)
    assert inside_viewport(trainer, ".ws-trends .ws-legend")
    assert trainer.locator(".ws-trends .ws-legend text").all_text_contents() == ["Grupo 1", "Grupo 2"]
    assert "dinero" in room["phones"]["Ana"].locator(".ws-gain").inner_text()  # money with its unit
    trainer.screenshot(path=SHOTS / "asocia-workshop-projector-story.png")
    room["phones"]["Ana"].screenshot(path=SHOTS / "asocia-workshop-phone-after.png")
    done = Workshop.load(session.folder)
    gabi = next(p for p in done.participants.values() if p.name == "Gabi")
    assert done.rounds[0]["defaulted"] == [gabi.pid] and len(done.rounds[0]["decided"]) == 6


def test_meeting_2_reconnects_a_leaver_and_a_latecomer(room, session):
    trainer = room["trainer"]
    trainer.click(".ws-open")
    # a choice tapped and not sent, then the phone reloads: the choice is still there, marked as not sent
    eli = room["phones"]["Eli"]
    eli.wait_for_selector(".ws-choices")
    eli.click(".ws-purchase-none")
    eli.wait_for_selector(".ws-purchase-none.ws-unsent")  # kept on the server
    eli.reload()
    eli.wait_for_selector(".ws-choices", timeout=90_000)
    eli.wait_for_selector(".ws-purchase-none.ws-chosen.ws-unsent")
    assert eli.locator(".ws-chosen").count() == 1 and "sin enviar" in eli.locator(".ws-chosen").inner_text()
    assert eli.locator(".ws-chosen-not-sent").is_visible() and eli.locator(".ws-sent").count() == 0
    trainer.wait_for_selector("text=decidieron 0 de 7")  # an unsent choice is not a decision
    eli.screenshot(path=SHOTS / "asocia-workshop-phone-unsent.png")
    eli.click(".ws-submit")  # sent after the reload: counted once, no longer marked
    eli.wait_for_selector(".ws-sent")
    trainer.wait_for_selector("text=decidieron 1 de 7")
    assert trainer.locator(".ws-seat.ws-done").count() == 1 and eli.locator(".ws-unsent").count() == 0
    ana = room["phones"]["Ana"]
    ana.wait_for_selector(".ws-choices")
    seat_before = ana.locator(".ws-you").inner_text()
    ana.reload()  # a phone that reloads
    ana.wait_for_selector(".ws-choices", timeout=90_000)
    assert ana.locator(".ws-you").inner_text() == seat_before
    # a phone that slept: its browser is gone, the same address in a new one finds the same seat
    address = room["phones"]["Dani"].url
    room["contexts"]["Dani"].close()
    ctx, dani = new_phone(room, address)
    dani.wait_for_selector(".ws-choices", timeout=90_000)
    room["phones"]["Dani"], room["contexts"]["Dani"] = dani, ctx
    play(room, {**PLAYS, "Gabi": "all"}, 2)
    # Caro leaves: a profile plays her firm and the latecomer takes her seat
    caro = room["phones"]["Caro"]
    caro_seat = caro.locator(".ws-you").inner_text().split(" · ", 1)[1]
    caro.click(".ws-leave")
    caro.click(".ws-leave-confirm")  # a second tap: leaving is not undone by a slip of the thumb
    caro.wait_for_selector(".ws-reseat")
    trainer.wait_for_selector("text=Caro se fue; la empresa la juega su perfil")
    ctx, hugo = new_phone(room, f"{room['url']}?w={session.code}")
    hugo.wait_for_selector(".ws-name-input input", timeout=90_000)
    hugo.fill(".ws-name-input input", "Hugo")
    hugo.click(".ws-join")
    hugo.wait_for_selector(".ws-choices")
    assert hugo.locator(".ws-you").inner_text().split(" · ", 1)[1] == caro_seat
    room["phones"]["Hugo"], room["contexts"]["Hugo"] = hugo, ctx
    play(room, {"Hugo": "all"}, 2)
    trainer.wait_for_selector("text=decidieron 7 de 7")
    trainer.click(".ws-close")
    for name, page in room["phones"].items():
        if name != "Caro":
            page.wait_for_selector("text=Reunión anterior (n.º 2) como la vio su grupo")
    done = Workshop.load(session.folder)
    eli = next(p for p in done.participants.values() if p.name == "Eli")
    assert done.rounds[1]["decided"].count(eli.pid) == 1 and eli.history[-1][3]["purchase"] == "half"


def vote_strict(page) -> None:
    page.wait_for_selector(".ws-vote-title")
    page.click(".ws-vote-sanctions-strict")
    page.click(".ws-submit")
    page.wait_for_selector(".ws-sent")


def test_meeting_3_votes_the_reglamento_across_a_server_restart(room, session):
    trainer = room["trainer"]
    trainer.click(".ws-open")
    active = {n: p for n, p in room["phones"].items() if n != "Caro"}
    early = ["Ana", "Beto", "Dani"]
    for name in early:
        vote_strict(active[name])
    trainer.wait_for_selector("text=decidieron 3 de 7")
    room["restart"]()  # the laptop's server dies and comes back: the journal has every decision
    for page in [trainer, *active.values()]:
        page.reload()
    trainer.wait_for_selector("text=decidieron 3 de 7", timeout=90_000)
    for name, page in active.items():
        page.wait_for_selector(".ws-vote-title", timeout=90_000)
        assert (page.locator(".ws-sent").count() == 1) == (name in early)
    for name, page in active.items():
        if name not in early:
            vote_strict(page)
    room["phones"]["Eli"].screenshot(path=SHOTS / "asocia-workshop-phone-vote.png", full_page=True)
    trainer.wait_for_selector("text=decidieron 7 de 7")
    trainer.click(".ws-close")
    for page in active.values():
        page.wait_for_selector("text=Reglamento adoptado")
    assert "estrictas" in trainer.locator(".ws-vote-result").inner_text()
    done = Workshop.load(session.folder)
    votes = done.rounds[2]["votes"]
    quo = vote.status_quo(sim.load_scenario(ROOT / "scenarios" / "workshop.toml", {"rules.adopt_at": 2}))
    assert set(votes) == {0, 1}
    for g, v in votes.items():
        # every person's ballot (journalled across the restart) counted as cast; members played by
        # their profile voted as it does; the group's own rule decided (which side carries a group
        # depends on who its other members are, i.e. on the seed, so it is recomputed, not assumed)
        people = [b for b, who in zip(v["ballots"], v["voters"], strict=True) if who is not None]
        assert people and all(b["sanctions"] == "strict" for b in people)
        assert v["choice"] == vote.decide(v["rule"], v["ballots"], quo, v["leader"])
        adopted = done.group_scenarios[g]
        assert (v["choice"]["sanctions"] == "strict") == (not adopted.sanctions.warning
                                                         and adopted.sanctions.expulsion_strikes == 2)
    assert any(v["choice"]["sanctions"] == "strict" for v in votes.values())
    trainer.click(".ws-back")
    trainer.wait_for_selector("text=Reunión 2 en el grupo 1")


def test_debrief_reveals_places_and_exports_without_names(room, session):
    trainer = room["trainer"]
    trainer.click(".ws-end")
    trainer.wait_for_selector(".ws-people-table")
    table = trainer.locator(".ws-people-table").inner_text()
    for name in ("Ana", "Beto", "Hugo"):
        assert name in table
    def row(name):
        return trainer.locator(".ws-people-table").get_by_role("row", name=re.compile(rf"^{name} ")).inner_text()

    assert "oportunista" in row("Beto") and "santo" in row("Ana") and "tengo que ganar" in row("Eli")
    trainer.screenshot(path=SHOTS / "asocia-workshop-projector-debrief.png")
    # the tabs and the download read from the back of the room, all four tabs on the projector's screen
    size = "(s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)"
    assert trainer.evaluate(size, ".ws-tab-people") >= 22 and trainer.evaluate(size, ".ws-export .v-btn") >= 18
    assert all(inside_viewport(trainer, f".ws-tab-{tab}") for tab in ("people", "reveal", "compare", "whatif"))
    phone = room["phones"]["Beto"]
    phone.wait_for_selector(".ws-placed")
    assert phone.locator(".ws-placed").inner_text() == "oportunista"
    phone.screenshot(path=SHOTS / "asocia-workshop-phone-debrief.png", full_page=True)
    trainer.click(".ws-tab-compare")
    trainer.wait_for_selector(".ws-compare-table")
    # the decision rule's column is headed by a name, not by the phone's question
    assert trainer.locator(".ws-compare-table th").nth(1).inner_text() == "Regla de decisión"
    trainer.click(".ws-tab-reveal")
    trainer.wait_for_selector(".ws-reveal-table")
    trainer.click(".ws-tab-whatif")
    trainer.wait_for_selector(".ws-whatif-group")
    # what happened and the replay under the contrary sanctions: two lines in each of the two panels
    trainer.wait_for_function("() => document.querySelectorAll('.ws-whatif polyline').length === 4")
    assert "contra" in trainer.locator(".ws-whatif-sum").inner_text()
    trainer.wait_for_timeout(800)  # the tab's slide
    trainer.screenshot(path=SHOTS / "asocia-workshop-projector-whatif.png")
    with trainer.expect_download() as info:
        trainer.click("text=Descargar las tablas (seudonimizadas)")
    data = Path(info.value.path()).read_bytes()
    z = zipfile.ZipFile(io.BytesIO(data))
    assert "decisions.csv" in z.namelist()
    text = b"".join(z.read(n) for n in z.namelist()).decode()
    assert not any(name in text for name in NAMES + ["Hugo"])
    assert info.value.suggested_filename == f"taller-{session.code}-semilla-{session.settings.seed}.zip"


FULL_ROOM = """() => { const vh = window.innerHeight, box = s => document.querySelector(s).getBoundingClientRect();
  const bars = [...document.querySelectorAll('.ws-group .ws-bar')].map(b => b.getBoundingClientRect().width);
  const cards = [...document.querySelectorAll('.ws-group')];
  return {bars: bars.length, narrowest: Math.min(...bars), vh,
          spill: cards.some(c => c.scrollWidth > c.clientWidth + 1) || box('.ws-groups').right > window.innerWidth + 1,
          chart: box('.ws-trend .ws-trends').bottom,   // and its lowest text (the meeting axis' name)
          axis: Math.max(...[...document.querySelectorAll('.ws-trend .ws-trends text')]
                         .map(t => t.getBoundingClientRect().bottom)),
          sideways: document.documentElement.scrollWidth - window.innerWidth}; }"""


def _projector_page(room, root, ws):
    """Serve a closed workshop and yield ``(ws, url, page)``: a projector-sized page of the room's browser."""
    with serve_workshop(root, ws.code) as url:
        page = room["browser"].new_page(viewport=PROJECTOR)
        page.set_default_timeout(60_000)
        yield ws, url, page
        page.close()


@pytest.fixture(scope="module")
def full_room(room, tmp_path_factory):
    """Six groups of five seats, thirty people, five meetings played and the sixth open (as docs/workshop.md runs it).

    Its own server, in the room's browser (one Playwright per process).
    """
    root = tmp_path_factory.mktemp("full")
    ws = Workshop.create(root, sim.load_scenario(ROOT / "scenarios" / "workshop.toml"),
                         Settings(groups=6, seats=5, round_seconds=600, idle_rounds=0))
    people = [ws.join(f"P{k:02d}") for k in range(30)]
    plays = ["all", "secret", "none", "half", "all"]
    for m in range(5):
        ws.open_round()
        for k, p in enumerate(people):
            if (k + m) % 4:
                ws.decide(p.token, {"purchase": plays[(k * 3 + m) % 5], "quota": "pay" if k % 3 else "skip"})
        ws.close_round()
    ws.open_round()
    ws.close()
    yield from _projector_page(room, root, ws)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_six_groups_of_five_read_on_the_projector(full_room, lang):
    # the cards' bars were ~35 px wide, the trends' "Reunión" fell below line 1080
    ws, url, page = full_room
    page.set_viewport_size(PROJECTOR)
    page.goto(f"{url}?w={ws.code}&k={ws.key}&l={lang}")
    page.wait_for_selector(".ws-trend .ws-trends", timeout=90_000)
    page.wait_for_timeout(500)
    room = page.evaluate(FULL_ROOM)
    assert room["bars"] == 12 and room["narrowest"] >= 80, room     # trust and cooperation of six groups
    assert not room["spill"] and room["sideways"] <= 0, room
    assert room["chart"] <= room["vh"] and room["axis"] <= room["vh"], room   # the whole chart on screen
    page.screenshot(path=SHOTS / f"asocia-workshop-projector-six-groups-{lang}.png")
    page.set_viewport_size(LAPTOP)   # four cards a row, two rows: bars as wide, nothing sideways
    page.wait_for_timeout(500)
    room = page.evaluate(FULL_ROOM)
    assert room["narrowest"] >= 80 and not room["spill"] and room["sideways"] <= 0, room


LONG_STORY = """() => { const vh = window.innerHeight, box = s => document.querySelector(s).getBoundingClientRect();
  const lines = document.querySelector('.ws-story-lines') || document.querySelector('.ws-story-box');
  return {vh, items: document.querySelectorAll('.ws-story-box li').length,
          chart: box('.ws-trend .ws-trends').bottom,
          axis: Math.max(...[...document.querySelectorAll('.ws-trend .ws-trends text')]
                         .map(t => t.getBoundingClientRect().bottom)),
          title: box('.ws-story-title').top, vote: box('.ws-vote-result').bottom, box: box('.ws-story-box').bottom,
          clipped: lines.scrollHeight - lines.clientHeight,   // the story's sentences out of its box's sight
          // what scrolls up and down besides the story's sentences (the page itself, say)
          scrolls: [...document.querySelectorAll('*')].filter(e => e !== lines && e.scrollHeight > e.clientHeight + 1
                     && ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)).length,
          sideways: document.documentElement.scrollWidth - window.innerWidth}; }"""


@pytest.fixture(scope="module")
def long_story(room, tmp_path_factory):
    """Six groups of five; the last closed meeting (the sixth) has group 1's longest story.

    Seed 2 and these moves: the five people of group 1 renege in turn, vote strict sanctions at the
    fourth meeting (fined there, one by one) and, reneging again at the sixth, are each detected and
    expelled: the purchase, five two-line sentences (each names its person once: what they did, caught
    and expelled) and the vote's result, still more than the projector's story box holds.
    """
    root = tmp_path_factory.mktemp("long")
    ws = expulsion_scene(root)
    story = ws.group_story(0)
    assert sum(e["sanction"] == "expulsion" for e in story["events"]) == 5, story   # the scene is the one meant
    ws.close()
    yield from _projector_page(room, root, ws)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_long_story_leaves_the_trends_on_the_projector(long_story, lang):
    # twelve sentences of a meeting pushed the trends below line 1080 (their bottom at 1609 in Spanish,
    # 1531 in English): the trainer scrolled the page in front of the room
    ws, url, page = long_story
    page.set_viewport_size(PROJECTOR)
    page.goto(f"{url}?w={ws.code}&k={ws.key}&l={lang}")
    page.wait_for_selector(".ws-trend .ws-trends", timeout=90_000)
    page.wait_for_selector(".ws-vote-result")
    page.wait_for_timeout(500)
    room = page.evaluate(LONG_STORY)
    # the purchase and one line per person expelled (what they did, caught, expelled), then the vote's result
    assert room["items"] == 6, room
    assert room["chart"] <= room["vh"] and room["axis"] <= room["vh"], room   # the whole chart on screen
    assert room["scrolls"] == 0 and room["sideways"] <= 0, room              # and the page does not move
    # the story's title and its newest line (the vote's result) on screen; the rest scrolls in its box
    assert 0 <= room["title"] and room["vote"] <= min(room["box"], room["vh"]) + 1 and room["clipped"] > 0, room
    page.screenshot(path=SHOTS / f"asocia-workshop-projector-long-story-{lang}.png")
    if lang != "es":
        return
    # a laptop and a phone keep their layouts: the whole story on the page, which scrolls
    for size, name in ((LAPTOP, "laptop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.wait_for_timeout(500)
        room = page.evaluate(LONG_STORY)
        assert room["clipped"] <= 1 and room["sideways"] <= 0, (name, room)
        page.evaluate("() => document.querySelector('.ws-story-title').scrollIntoView()")
        page.screenshot(path=SHOTS / f"asocia-workshop-{name}-long-story-es.png")


# the trainer's page on a phone: the columns of the live page side by side, and the trends' text size
COLUMNS = """() => [...document.querySelectorAll('.ws-trainer > .row > .col')].map(c => {
  const r = c.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, width: r.width}; })"""
CHART_TEXT = """(s) => [...document.querySelectorAll(s)].map(t => t.getBoundingClientRect())
  .filter(r => r.width > 0 && r.height > 0).map(r => r.height)"""


@pytest.mark.parametrize("lang", ["es", "en"])
def test_trainer_live_page_stacks_on_a_phone(full_room, lang):
    # a trainer walking around the room with the page on a phone: the room's column was 76 px wide beside
    # the groups' 278 px, and the trends' numbers 4 px high
    ws, url, page = full_room
    page.set_viewport_size(PHONE)
    page.goto(f"{url}?w={ws.code}&k={ws.key}&l={lang}")
    page.wait_for_selector(".ws-groups", timeout=90_000)
    page.wait_for_selector(".ws-trend svg, .ws-trend-narrow svg", state="attached")
    page.wait_for_timeout(500)
    cols = page.evaluate(COLUMNS)
    assert len(cols) == 2, cols
    room, groups = cols
    assert groups["top"] >= room["bottom"] - 1, cols                         # one above the other
    assert all(c["width"] >= 0.9 * PHONE["width"] and c["left"] >= 0 for c in cols), cols
    page.locator(".ws-trend-narrow, .ws-trend").last.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=SHOTS / f"asocia-workshop-phone-trainer-{lang}.png")
    heights = page.evaluate(CHART_TEXT, ".ws-trend text, .ws-trend-narrow text")
    # two panels: titles, six numbers, the meeting's name and six meetings' numbers each; the legend's six
    assert len(heights) >= 30 and min(heights) >= 10, heights
    assert no_sideways_scroll(page)
    page.set_viewport_size(PROJECTOR)   # and the projector still has one figure of two panels side by side
    page.wait_for_timeout(500)
    assert page.locator(".ws-trend .ws-trends").is_visible() and not page.locator(".ws-trend-narrow").is_visible()
    cols = page.evaluate(COLUMNS)
    assert cols[1]["left"] >= cols[0]["left"] + cols[0]["width"] - 1 and cols[1]["top"] == cols[0]["top"], cols


def test_what_if_menus_are_in_projector_type(full_room):
    # their text was vuetify's 16 px under 24 px tabs and 28 px sentences
    ws, url, page = full_room
    page.set_viewport_size(PROJECTOR)
    page.goto(f"{url}?w={ws.code}&k={ws.key}&l=es")
    page.wait_for_selector(".ws-end", timeout=90_000)
    page.click(".ws-end")
    page.click(".ws-tab-whatif")
    page.wait_for_selector(".ws-whatif polyline")
    size = "(e) => parseFloat(getComputedStyle(e).fontSize)"
    for item in ("group", "decision", "sanctions", "admission"):
        chosen = page.locator(f".ws-whatif-{item} .v-select__selection")
        assert chosen.evaluate(size) >= 20, item
        assert chosen.evaluate("(e) => e.scrollWidth <= e.clientWidth"), item   # nothing cut to "…"
    page.click(".ws-whatif-sanctions")
    titles = page.locator(".menuable__content__active .v-list-item__title")
    titles.first.wait_for()
    assert titles.count() == 3 and all(titles.nth(k).evaluate(size) >= 20 for k in range(3))
    page.keyboard.press("Escape")
    page.set_viewport_size(PHONE)   # the longest rule wraps on a phone rather than ending in "…"
    page.wait_for_timeout(500)
    chosen = page.locator(".ws-whatif-admission .v-select__selection")
    assert chosen.evaluate("(e) => e.scrollWidth <= e.clientWidth") and page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_what_if_charts_read_on_a_phone(full_room, lang):
    # the two panels shared one 1800-unit figure scaled to the phone's ~350 px: text about 5 px high
    ws, url, page = full_room
    page.set_viewport_size(PHONE)
    page.goto(f"{url}?w={ws.code}&k={ws.key}&l={lang}")
    page.wait_for_selector(".ws-tab-whatif", timeout=90_000)   # the workshop ended in the test above
    page.click(".ws-tab-whatif")
    page.wait_for_selector(".ws-whatif polyline", state="attached")
    page.wait_for_timeout(800)  # the tab's slide
    heights = page.evaluate(CHART_TEXT, ".ws-whatif text, .ws-whatif-narrow text")
    # per panel its title, six numbers, the meeting's name and six meetings' numbers; the legend's two
    assert len(heights) >= 28 and min(heights) >= 10, heights
    polylines = page.evaluate("() => [...document.querySelectorAll('.ws-whatif-narrow polyline')]"
                              ".filter(p => p.getBoundingClientRect().width > 0).length")
    assert polylines == 4   # what happened and the replay, in each panel
    panels = [page.locator(".ws-whatif-narrow svg").nth(k).bounding_box() for k in range(2)]
    assert panels[1]["y"] >= panels[0]["y"] + panels[0]["height"] - 1, panels   # one above the other
    assert no_sideways_scroll(page)
    page.locator(".ws-whatif-narrow").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / f"asocia-workshop-phone-whatif-{lang}.png")
