"""House style is checked, not hoped for: ruff (pycodestyle, pyflakes, isort, Google docstrings)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.fail("ruff is not installed; install the dev extra: pip install -e '.[dev]'")
    done = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_pyproject_declares_its_license_as_an_spdx_string_and_the_setuptools_that_reads_it():
    # the table form (license = { text = "MIT" }) makes setuptools print a deprecation warning at every
    # install and stops being accepted in 2027; the SPDX string needs setuptools 77 (PEP 639)
    import re
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["license"] == "MIT"
    (need,) = [r for r in meta["build-system"]["requires"] if r.startswith("setuptools")]
    lowest = re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", need)
    assert lowest and int(lowest.group(1)) >= 77, need
