"""Does a claim's verdict depend on the seeds? Every multi-seed claim test on independent seed sets.

Usage::

    python benchmarks/claims_robustness.py              # roots 2026 (CI's) and 2027-2030
    python benchmarks/claims_robustness.py 2026 3001 3002

The claim tests (tests/test_claims.py, test_profile_claims.py, test_programme_claims.py and the
slow tests of test_lab.py) draw their replication seeds from one root, ``ASOCIA_CLAIMS_ROOT``
(default 2026, the root every figure in docs/model.md was measured on). This script runs them once
per root with ``--runxfail``, so a claim marked as not reproduced is run as a plain test, and prints
for every claim whether it held on each root. A verdict that flips between roots is a near miss of
its threshold, not a finding; one that holds (or fails) on every root is robust to the draw. About
2-4 minutes per root on one core.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = ("tests/test_claims.py", "tests/test_profile_claims.py", "tests/test_programme_claims.py",
         "tests/test_lab.py")


def verdicts(root: int) -> dict[str, bool]:
    """Each slow test's outcome (True = passed) with seeds drawn from ``root``."""
    with tempfile.TemporaryDirectory(prefix="asocia-claims-") as tmp:
        xml = Path(tmp) / "claims.xml"
        env = {**os.environ, "ASOCIA_CLAIMS_ROOT": str(root)}
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "slow", "--runxfail",
                        f"--junitxml={xml}", *FILES], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, check=False)
        out = {}
        for case in ET.parse(xml).getroot().iter("testcase"):
            if case.find("skipped") is not None:
                continue
            failed = case.find("failure") is not None or case.find("error") is not None
            out[f"{Path(case.get('classname', '').replace('.', '/')).name}::{case.get('name')}"] = not failed
        return out


def main(argv: list[str]) -> int:
    roots = [int(a) for a in argv] or [2026, 2027, 2028, 2029, 2030]
    table = {}
    for root in roots:
        print(f"root {root} ...", file=sys.stderr, flush=True)
        table[root] = verdicts(root)
    names = sorted(set().union(*table.values()))
    print("| claim test | " + " | ".join(str(r) for r in roots) + " | held |")
    print("|---|" + "---|" * len(roots) + "---|")
    for name in names:
        cells = [table[r].get(name) for r in roots]
        marks = ["holds" if c else ("fails" if c is not None else "-") for c in cells]
        print(f"| `{name}` | " + " | ".join(marks) + f" | {sum(bool(c) for c in cells)} of {len(roots)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
