"""The workshop's debrief: who was who, where each participant sits among the profiles, what if.

After the game the trainer reveals the profile behind every firm, places each participant among the
four profiles of the guide's table (004:L1883-1951) by what they did (:func:`place`), compares the
groups under the rules they voted (:func:`compare`), replays a group with the same seed, the same
human moves and another reglamento (:func:`what_if`), and exports the session's tables with
participants replaced by pseudonyms (:func:`export`).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ..model.profiles import NAMES, build_profiles
from ..results.run import LiveRun, versions
from . import vote
from .workshop import SeatDecider, Workshop, to_manual


@dataclass(frozen=True)
class Placement:
    """Thresholds that place a participant among the four profiles by the decisions they took.

    Read from the guide's "conducta" row: the oportunista is furtive ("furtivo o sin vergüenza en
    aprovecharse"), the tengo que ganar defects in the open ("traición", and the others "saben hasta
    dónde llega su participación"), the santo cooperates ("cooperativo y uso de reglas") and the
    sólido ciudadano cooperates when the others do, so holds back now and then, openly. Shares are
    of the meetings the participant played (defaults included: their firm did it).
    """

    furtive: float = 0.25   # share of meetings with a secret act (buy privately, keep a lead quietly)
    open: float = 0.5       # share of meetings holding back openly
    full: float = 0.9       # share of meetings in full cooperation


def scores(history) -> dict[str, float]:
    """Shares of a participant's meetings with a furtive act, an open holding back, full cooperation."""
    n = len(history)
    if not n:
        return {"meetings": 0, "furtive": 0.0, "open": 0.0, "full": 0.0, "decided": 0}
    furtive = sum(d["purchase"] == "secret" or d["lead"] == "quiet" for _, _, _, d, _ in history)
    held = sum(d["purchase"] in ("none", "half") or d["lead"] == "open" or d["quota"] == "skip"
               for _, _, _, d, _ in history)
    full = sum(d == {"purchase": "all", "quota": "pay", "lead": "route"} for _, _, _, d, _ in history)
    decided = sum(not defaulted for *_, defaulted in history)
    return {"meetings": n, "furtive": furtive / n, "open": held / n, "full": full / n, "decided": decided}


def place(history, rule: Placement = Placement()) -> str | None:
    """The profile (NAMES key) a participant's conduct matches; None without a single meeting."""
    s = scores(history)
    if not s["meetings"]:
        return None
    if s["furtive"] >= rule.furtive:
        return "oportunista"
    if s["open"] >= rule.open:
        return "tengo"
    if s["full"] >= rule.full:
        return "santo"
    return "solido"


def pseudonyms(ws: Workshop) -> dict[int, str]:
    """P01, P02, ... in the order people joined."""
    width = max(2, len(str(len(ws.participants))))
    return {pid: f"P{k:0{width}d}" for k, pid in enumerate(sorted(ws.participants), 1)}


def reveal(ws: Workshop, g: int) -> pd.DataFrame:
    """Every firm that sat in group g: its profile, who played it, its income against going alone."""
    firms = ws.runs[g].results().firms
    if firms.empty:
        return pd.DataFrame(columns=["firm", "profile", "played_by", "meetings", "income", "alone",
                                    "strikes", "last_status"])
    out = firms.groupby("firm", observed=True).agg(
        profile=("profile", "first"), meetings=("step", "size"), income=("payoff", "sum"),
        alone=("alone", "sum"), strikes=("strikes", "max"), last_status=("status", "last")).reset_index()
    out["profile"] = out["profile"].astype(str)
    out["last_status"] = out["last_status"].astype(str)
    out.insert(2, "played_by", [ws.played_by.get((g, f)) for f in out["firm"]])
    return out


def people(ws: Workshop) -> pd.DataFrame:
    """One row per participant: their firm's real profile, the profile their conduct matches, their scores."""
    rows = []
    for pid, p in sorted(ws.participants.items()):
        seats = {(g, i) for _, g, i, _, _ in p.history} or ({p.seat} if p.seat else set())
        g, i = sorted(seats)[-1] if seats else (None, None)
        fid = ws.seat_firm.get((g, i))
        firm_profile = ws.deciders[(g, i)].profile.name if fid is not None else None
        rows.append({"pid": pid, "name": p.name, "group": g, "firm": fid, "firm_profile": firm_profile,
                     "placed": place(p.history), **scores(p.history)})
    return pd.DataFrame(rows)


def compare(ws: Workshop) -> pd.DataFrame:
    """One row per group: the rules it voted, whether it survived, trust, cooperation, income gain."""
    rows = []
    for g in range(ws.settings.groups):
        steps = ws.series(g)
        votes = next((r["votes"].get(g) for r in ws.rounds if r["votes"]), None)
        rules = votes["choice"] if votes else vote.status_quo(ws.group_scenarios[g])
        if steps.empty:
            rows.append({"group": g, **rules})
            continue
        last = steps.iloc[-1]
        alone = steps["income_alone"].sum()
        rows.append({"group": g, **rules, "alive": bool(last["alive"]), "members": int(last["members"]),
                     "trust": float(last["trust"]), "cooperation": float(steps["cooperation"].mean()),
                     "income_gain": float(steps["income_members"].sum() / alone - 1.0) if alone else np.nan,
                     "violations": int(steps["violations"].sum()),
                     "expulsions": int(steps["expulsions"].sum())})
    return pd.DataFrame(rows)


def contrary(ws: Workshop, g: int) -> dict[str, str]:
    """The rules a group voted with the sanctions turned around (none <-> strict): a first what-if to show."""
    votes = next((r["votes"].get(g) for r in ws.rounds if r["votes"]), None)
    chosen = dict(votes["choice"]) if votes else {k: v or next(iter(vote.ITEMS[k]))
                                                  for k, v in vote.status_quo(ws.group_scenarios[g]).items()}
    chosen["sanctions"] = "strict" if chosen["sanctions"] == "none" else "none"
    return chosen


def what_if(ws: Workshop, g: int, choice: dict[str, str] | None) -> pd.DataFrame:
    """Group g replayed with its seed and its members' recorded moves, under another reglamento.

    ``choice`` gives the vote's outcome to impose at the reglamento meeting (None: the options the
    group really chose, which reproduces its meetings exactly). Profile-played firms react to what
    happens in the replay; the people's moves are the ones they made, meeting by meeting.
    """
    base = ws.runs[g].scenario  # the group's scenario before its vote
    run = LiveRun(base, ws.seeds[g])
    deciders = {}
    net = run.network(0)
    profiles = build_profiles(base.profiles)
    for i in range(ws.settings.seats):
        fid = net["firm"][i]
        deciders[i] = d = SeatDecider(profiles[NAMES.index(net["profile"][i])])
        run.set_decider(fid, d)
    rows = []
    for r in ws.rounds:
        for i, d in deciders.items():
            move = r["applied"].get((g, i))
            d.moves = to_manual(move) if move else None
        if r["t"] == ws.vote_round and g in r["votes"]:
            chosen = choice if choice is not None else r["votes"][g]["choice"]
            run.model.amend_rules(vote.apply(base, chosen))
        run.advance(1)
        steps, _ = run.new_rows()
        rows.append(steps)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def export(ws: Workshop) -> bytes:
    """The session's tables as a zip of CSV files, participants pseudonymised (names never leave)."""
    alias = pseudonyms(ws)
    names = {p.name: alias[pid] for pid, p in ws.participants.items()}
    tables = {}
    ppl = people(ws)
    if not ppl.empty:
        ppl["participant"] = ppl["pid"].map(alias)
        tables["participants"] = ppl.drop(columns=["pid", "name"])
    tables["decisions"] = pd.DataFrame(
        [{"participant": alias[pid], "meeting": t, "group": g, "seat": i, "firm": ws.seat_firm[(g, i)], **d,
          "defaulted": dft} for pid, p in ws.participants.items() for t, g, i, d, dft in p.history],
        columns=["participant", "meeting", "group", "seat", "firm", "purchase", "quota", "lead", "defaulted"])
    votes = []
    for r in ws.rounds:
        for g, v in r["votes"].items():
            for k, (ballot, who) in enumerate(zip(v["ballots"], v["voters"], strict=True)):
                votes.append({"meeting": r["t"], "group": g, "rule": v["rule"], "voter": k,
                              "participant": names.get(who), "leader": k == v["leader"], **ballot,
                              **{f"chosen_{item}": opt for item, opt in v["choice"].items()}})
    tables["votes"] = pd.DataFrame(votes)
    tables["log"] = pd.DataFrame([{"meeting": t, "what": key, "participant": names.get(vals.get("name")),
                                   "group": vals.get("group")} for t, key, vals in ws.log])
    for name in ("steps", "firms", "events"):
        parts = []
        for g, run in enumerate(ws.runs):
            df = getattr(run.results(), name).copy()
            df["run"] = f"{ws.code}-{g}"
            df["group"] = g
            parts.append(df)
        tables[name] = pd.concat(parts, ignore_index=True)
    tables["groups"] = compare(ws)
    manifest = {"code": ws.code, "seeds": ws.seeds, "settings": asdict(ws.settings), "meetings": ws.t,
                "scenario": ws.scenario.to_dict(), "versions": versions(),
                "group_rules": [s.to_dict()["rules"] | {"sanctions": s.to_dict()["sanctions"]}
                                for s in ws.group_scenarios]}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, df in tables.items():
            z.writestr(f"{name}.csv", df.to_csv(index=False))
        z.writestr("manifest.json", json.dumps(manifest, indent=1, default=str))
    return buf.getvalue()
