"""Step-and-redraw rate of the dashboard in a real headless Chromium.

Serves the dashboard on a scenario of 200 firms (25 groups of 8, 2000 meetings), opens it in
Debian's chromium, presses Play at each speed and measures *in the browser* how fast meetings
appear on the charts: the number of points in the live plotly figure, sampled every 0.25 s, and
every animation frame in which the chart's data grew (a redraw the viewer sees). Prints, per
speed: meetings drawn per second, redraws per second, and how far the meeting counter the server
shows runs ahead of the chart.

Run: ``python benchmarks/dashboard_redraw.py`` (about a minute; ``--seconds`` per speed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboards.devserver import browser, open_dashboard, serve  # noqa: E402

SCENARIO = """
[meta]
name = "bench200"
description = "25 groups of 8 firms (200 founders) for the dashboard redraw benchmark."

[run]
steps = 2000
seed = 7

[population]
groups = 25
group_size = 8
"""

POINTS = "() => { const g = document.querySelector('.js-plotly-plot'); return g.data[4].x.length; }"
# every animation frame, note when the chart's data grew: one entry per redraw the viewer sees
HOOK = """() => { const g = document.querySelector('.js-plotly-plot');
  window.__redraws = []; let last = g.data[4].x.length;
  const tick = () => { const n = g.data[4].x.length;
    if (n !== last) { window.__redraws.push(performance.now()); last = n; }
    window.__hook = requestAnimationFrame(tick); };
  if (window.__hook) cancelAnimationFrame(window.__hook);
  window.__hook = requestAnimationFrame(tick); }"""
COUNTER = "() => document.querySelector('.asocia-status').innerText"


def measure(page, speed: int, seconds: float) -> dict:
    """Play at ``speed`` for ``seconds`` and return the rates seen in the browser."""
    page.locator(".asocia-reset").click()
    page.wait_for_function(f"() => ({POINTS})() === 0", timeout=30_000)
    page.locator(".asocia-speed button").filter(has_text=re.compile(rf"^\s*{speed}\s*$")).click()
    page.evaluate(HOOK)
    page.locator(".asocia-play").click()
    time.sleep(1.0)  # warm-up
    samples, lags = [], []
    t_end = time.perf_counter() + seconds
    t0 = page.evaluate("() => performance.now()")
    while time.perf_counter() < t_end:
        n = page.evaluate(POINTS)
        samples.append((time.perf_counter(), n))
        m = re.search(r"(\d+)", page.evaluate(COUNTER))
        if m:
            lags.append(int(m.group(1)) - n)
        time.sleep(0.25)
    t1 = page.evaluate("() => performance.now()")
    times = page.evaluate(f"() => window.__redraws.filter(t => t >= {t0} && t <= {t1})")
    redraws = len(times)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    page.locator(".asocia-play").click()
    (ta, na), (tb, nb) = samples[0], samples[-1]
    return {"speed": speed, "meetings_per_s": (nb - na) / (tb - ta), "redraws_per_s": redraws / ((t1 - t0) / 1000),
            "counter_ahead_mean": sum(lags) / max(len(lags), 1), "counter_ahead_max": max(lags or [0]),
            "longest_stall_ms": max(gaps or [0.0]), "points_at_end": nb}


def first_paint(b, url: str, width: int = 1920, height: int = 1080) -> float:
    """Seconds from opening the page in a fresh browser context to the first useful paint.

    Useful: the controls, the status line and the charts drawn at their box's width (not a
    loader, not plotly's 700-px placeholder).
    """
    ctx = b.new_context(viewport={"width": width, "height": height})
    page = ctx.new_page()
    t = time.perf_counter()
    page.goto(url)
    page.wait_for_function(
        "() => { const g = document.querySelector('.js-plotly-plot');"
        " return g && g.data && g.data.length >= 27 && document.querySelector('.asocia-status') &&"
        " document.querySelector('.asocia-play') &&"
        " Math.abs(g._fullLayout.width - g.getBoundingClientRect().width) < 3; }", timeout=90_000)
    elapsed = time.perf_counter() - t
    ctx.close()
    return elapsed


def main(argv=None) -> int:
    """Run the benchmark and print one line per speed (and JSON with --json)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="seconds measured per speed")
    ap.add_argument("--speeds", default="10,20,50", help="speeds (meetings per second) to try")
    ap.add_argument("--loads", type=int, default=5, help="cold page loads timed for the first useful paint")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bench200.toml").write_text(SCENARIO)
        with serve(Path(tmp)) as url, browser() as b:
            t = time.perf_counter()
            page = open_dashboard(b, url)
            load = time.perf_counter() - t
            print(f"dashboard loaded in {load:.1f} s (200 firms: 25 groups x 8, charts of all groups)")
            paints = sorted(first_paint(b, url) for _ in range(args.loads))
            if paints:
                print(f"first useful paint over {len(paints)} cold loads (fresh browser context, 1920x1080): "
                      f"median {paints[len(paints) // 2]:.1f} s, worst {paints[-1]:.1f} s, best {paints[0]:.1f} s")
            results = []
            for speed in (int(s) for s in args.speeds.split(",")):
                r = measure(page, speed, args.seconds)
                results.append(r)
                print(f"speed {speed:>3}/s: {r['meetings_per_s']:5.1f} meetings drawn per s, "
                      f"{r['redraws_per_s']:4.1f} redraws per s, meeting counter ahead of the chart by "
                      f"{r['counter_ahead_mean']:.1f} (max {r['counter_ahead_max']}), longest stall "
                      f"{r['longest_stall_ms']:.0f} ms")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    if args.json:
        print(json.dumps({"load_s": load, "first_paint_s": paints, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
