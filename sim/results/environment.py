"""What a run needs and what it ran on: the memory estimate and the versions recorded in manifests.

Light on purpose (no NumPy, pandas, Mesa or numba at import): the sweep's driver checks memory and
records versions without loading the engine, which only its workers need. :mod:`sim.results.run`
imports these names, so ``sim.results.run.versions`` and ``memory_need`` work as before.
"""

from __future__ import annotations

import functools
import platform
import subprocess
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model.scenario import Scenario

__version__ = "0.1.0"


def _version(dist: str) -> str:
    """A distribution's version from its metadata (what ``module.__version__`` says, without importing it)."""
    try:
        return _dist_version(dist)
    except PackageNotFoundError:
        return "unknown"


@functools.cache
def versions() -> dict[str, str]:
    """Versions of Asocia, its main dependencies, Python and the git commit of the code."""
    out = {"asocia": __version__, "mesa": _version("mesa"), "numpy": _version("numpy"),
           "pandas": _version("pandas"), "python": platform.python_version()}
    try:
        here = Path(__file__).resolve().parent
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5)
        if commit.returncode == 0:
            out["git"] = commit.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
        else:
            out["git"] = "unknown"
    except (OSError, subprocess.SubprocessError):
        out["git"] = "unknown"
    return out


# Memory a run needs, measured on the 2-core benchmark machine (peak RSS of baseline runs of 2,000
# and 4,000 groups over 100 meetings, firms table full and off): about 1.1 KB per group and meeting
# (model, steps and events tables), 110 B per seat and recorded meeting for the firms table, and
# the interpreter with NumPy, pandas and Mesa loaded.
BYTES_PER_GROUP_MEETING = 1_100
BYTES_PER_FIRM_ROW = 110
BYTES_BASE = 200 << 20


def memory_need(scenario: Scenario, steps: int | None = None, process: bool = False) -> int:
    """Bytes one run of ``scenario`` needs at its peak (an upper estimate: every seat filled).

    Args:
        scenario: the scenario to run.
        steps: meetings (default ``scenario.run.steps``).
        process: add the interpreter with its libraries (a run in a new worker process); without
            it, the bytes a run adds to a process that has them loaded already.

    """
    steps = scenario.run.steps if steps is None else int(steps)
    pop, rec = scenario.population, scenario.run
    seats = pop.group_size + pop.slack
    recorded = {"full": steps, "sampled": -(-steps // rec.sample_every), "off": 0}[rec.firm_table]
    return (BYTES_BASE * process + pop.groups * steps * BYTES_PER_GROUP_MEETING
            + pop.groups * seats * recorded * BYTES_PER_FIRM_ROW)


def memory_available() -> int | None:
    """Bytes this process may still use: the smaller of the OS's available memory and its limit."""
    import resource

    found = []
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        found.append(soft)
    return min(found) if found else None


def memory_refusal(need: int, what: str, force: bool = False) -> str | None:
    """Why ``what`` cannot run in the memory there is (None when it fits, or when forced).

    The text says how much is needed and available and what to change; callers add the file or
    flag and raise it as their one-line error.
    """
    have = memory_available()
    if force or have is None or need <= have:
        return None
    return (f"{what} needs about {_gb(need)} of memory and {_gb(have)} are available; allowed: "
            "run.firm_table = 'sampled' or 'off', fewer population.groups or meetings, fewer "
            "--workers, or --force to try anyway")


def _gb(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


