"""The README is executed: its commands and code blocks cannot go stale.

The two fresh-machine commands are checked against .ci/run (CI runs the README's test command), the
scenario commands run as written (in a temporary folder, so nothing is written into the tree), the
error example is compared with what the CLI really prints, and the Python block runs.
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
ASOCIA = str(Path(sys.executable).with_name("asocia"))


def blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def commands(prefix=".venv/bin/asocia "):
    out = []
    for block in blocks("bash"):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith(prefix):
                out.append(shlex.split(line[len(".venv/bin/"):]))
    return out


def run_asocia(argv, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    argv = [str(ROOT / a) if a.startswith("scenarios/") else a for a in argv]
    return subprocess.run([ASOCIA, *argv[1:]], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)


def test_quick_start_commands_and_ci_agree():
    quick = blocks("bash")[:2]
    assert quick[0].strip() == "bash scripts/setup && .venv/bin/asocia run scenarios/baseline.toml"
    assert quick[1].strip() == "bash scripts/setup --dev && .venv/bin/python -m pytest -q"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/setup --dev" in ci and ".venv/bin/python -m pytest -q" in ci
    assert (ROOT / "scripts" / "setup").exists()


def test_scenario_commands_run_as_written(tmp_path):
    wanted = {"run", "compare", "params"}
    seen = set()
    for argv in commands():
        if argv[1] not in wanted:
            continue
        done = run_asocia(argv, tmp_path)
        assert done.returncode == 0, (argv, done.stderr)
        seen.add(argv[1])
        if argv[1] == "run":
            assert "income gain" in done.stdout and "survival" in done.stdout
    assert seen == wanted
    assert (tmp_path / "results" / "strict" / "manifest.json").exists()
    assert (tmp_path / "results" / "baseline-7" / "firms.parquet").exists()


def test_error_example_is_what_the_cli_prints(tmp_path):
    block = blocks("text")[0].strip().splitlines()
    argv = shlex.split(block[0].lstrip("$ ")[len(".venv/bin/"):])
    done = subprocess.run([ASOCIA, *argv[1:]], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip() == block[1].strip()
    assert "Traceback" not in done.stderr


def test_python_block_runs(tmp_path):
    code = blocks("python")[0]
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Group 1" in done.stdout or "Firm" in done.stdout


def test_every_scenario_file_is_in_the_table():
    for path in (ROOT / "scenarios").glob("*.toml"):
        assert f"`{path.name}`" in README, path.name
