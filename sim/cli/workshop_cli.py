"""``asocia workshop``: create (or resume) a workshop session and serve its pages on the room's network.

The trainer runs it on a laptop; it prints the trainer's link (with the key, to open on the laptop)
and the participants' link (with the join code, shown as a QR code on the trainer's page). This
is the only command that listens beyond localhost, and its pages show nothing without a join code.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

from ..model.scenario import load_scenario, parse_overrides

OPTION_NAMES = {"groups": "--groups", "seats": "--seats", "seed": "--seed", "round_seconds": "--seconds",
                "idle_rounds": "--idle"}
DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "workshop.toml"


def lan_address() -> str:
    """The laptop's address on the room's network (127.0.0.1 if it has none).

    On Linux the interfaces' own IPv4 addresses are read (ioctl SIOCGIFADDR); elsewhere a UDP
    socket is connected to a documentation address (TEST-NET-1), which sends no packet and only
    asks the system which interface it would use.
    """
    found = []
    try:
        import fcntl
        import struct

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for _, name in socket.if_nameindex():
                try:
                    req = struct.pack("256s", name.encode()[:15])
                    addr = socket.inet_ntoa(fcntl.ioctl(s.fileno(), 0x8915, req)[20:24])  # SIOCGIFADDR
                except OSError:
                    continue
                if not addr.startswith("127."):
                    found.append(addr)
    except (ImportError, OSError, AttributeError):
        pass
    if found:
        return found[0]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
            addr = s.getsockname()[0]
            return addr if not addr.startswith("0.") else "127.0.0.1"
        except OSError:
            return "127.0.0.1"


def register(sub) -> None:
    """Add the ``workshop`` subcommand."""
    from ..workshop import LIMITS
    from .commands import port, whole  # the checks the other commands make while parsing

    def setting(name: str):
        """A whole number in the setting's range; anything else is refused naming the flag and the range."""
        lo, hi = LIMITS[name]
        return whole(f"a whole number from {lo} to {hi}", lo, hi)

    w = sub.add_parser("workshop", help="run a workshop: participants play the groups from their phones")
    w.add_argument("scenario", nargs="?", default=None,
                   help="scenario TOML file (default: scenarios/workshop.toml, twelve meetings)")
    w.add_argument("--groups", type=setting("groups"), default=6,
                   help="number of groups ({}-{}; default 6)".format(*LIMITS["groups"]))
    w.add_argument("--seats", type=setting("seats"), default=5,
                   help="seats per group people can take ({}-{}, at most the group size; default 5)".format(
                       *LIMITS["seats"]))
    w.add_argument("--seconds", type=setting("round_seconds"), default=90,
                   help="timer of a meeting in seconds ({}-{}; default 90)".format(*LIMITS["round_seconds"]))
    w.add_argument("--seed", type=setting("seed"), help="integer seed (default: run.seed in the scenario)")
    w.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a scenario parameter")
    w.add_argument("--no-auto-close", action="store_true", help="at the end of the timer wait for the trainer")
    w.add_argument("--idle", type=setting("idle_rounds"), default=3,
                   help="meetings missed in a row before a profile takes over a seat ({}-{}, 0: never; "
                        "default 3)".format(*LIMITS["idle_rounds"]))
    w.add_argument("--dir", default="workshops", help="folder of the sessions (default ./workshops)")
    w.add_argument("--resume", metavar="CODE", help="serve an existing session instead of creating one")
    w.add_argument("--host", default="0.0.0.0", help="address to listen on (default: every interface)")
    w.add_argument("--port", type=port, default=8766, help="TCP port from 1 to 65535 (default 8766)")
    w.add_argument("--no-serve", action="store_true", help="create the session and print its links only")
    w.set_defaults(func=cmd_workshop)


class _Refused(Exception):
    """A workshop option or session the user can fix (one line, exit code 2)."""


def cmd_workshop(args) -> int:
    """Create or resume a session, print its links and serve the pages."""
    try:
        return _workshop(args)
    except _Refused as e:
        # printed here, not by sim.cli.main: under `python -m sim.cli` that module is __main__ and its
        # UserError would be another class than the one this module could import
        print(f"asocia: error: {e}", file=sys.stderr)
        return 2


def _workshop(args) -> int:
    # imported here so that `asocia --help` answers before NumPy, pandas and Mesa load
    from ..workshop.workshop import Settings, Workshop, WorkshopError

    root = Path(args.dir)
    if args.resume:
        folder = root / args.resume.upper()
        if not (folder / "session.json").exists():
            raise _Refused(f"{folder}: no workshop session with code '{args.resume}' in {root}")
        try:
            ws = Workshop.load(folder)
        except WorkshopError as e:
            raise _Refused(str(e)) from None
    else:
        path = Path(args.scenario) if args.scenario else DEFAULT_SCENARIO
        scenario = load_scenario(path, parse_overrides(args.set or []))
        seed = scenario.run.seed if args.seed is None else args.seed
        settings = Settings(groups=args.groups, seats=args.seats, seed=seed, round_seconds=args.seconds,
                            auto_close=not args.no_auto_close, idle_rounds=args.idle)
        try:
            settings.check(scenario, str(path), OPTION_NAMES)
            ws = Workshop.create(root, scenario, settings)
        except WorkshopError as e:
            raise _Refused(str(e)) from None
    ws.close()
    host = lan_address() if args.host in ("0.0.0.0", "") else args.host
    public = f"http://{host}:{args.port}/"
    print(f"Asocia workshop {ws.code} · {ws.settings.groups} groups x {ws.settings.seats} seats · "
          f"seed {ws.settings.seed} · session in {ws.folder}")
    print(f"  trainer (open on this laptop): http://127.0.0.1:{args.port}/?w={ws.code}&k={ws.key}")
    print(f"  participants (QR on the trainer's page): {public}?w={ws.code}")
    if args.no_serve:
        return 0
    app = Path(__file__).resolve().parents[2] / "dashboards" / "workshop_app.py"
    if not app.exists():
        raise _Refused(f"{app}: workshop pages not found (run from a source checkout)")
    # the pages are served by the dashboard's own server (dashboards/server.py): no version check,
    # no telemetry and no CDN (a room may have no internet, and nothing should leave the laptop),
    # Host and Origin checked (no DNS rebinding or cross-site WebSocket), SIGTERM stops it
    os.environ.update(ASOCIA_WORKSHOPS=str(root.resolve()), ASOCIA_WORKSHOP_URL=public,
                      SOLARA_THEME_SHOW_BANNER="False", SOLARA_THEME_TITLE="Asocia")
    checkout = str(app.parent.parent)
    if checkout not in sys.path:
        sys.path.insert(0, checkout)
    from dashboards.server import serve

    sys.stdout.flush()
    try:
        return serve(host=args.host, port=args.port, open_browser=False, allow_remote=True, app=app,
                     extra_hosts=(host,))
    except ValueError as e:
        raise _Refused(str(e)) from None
