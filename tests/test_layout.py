"""The layers of sim/ (docs/architecture.md, "Layout") are checked on the source, not hoped for.

Every module under sim/ lives in one of five sub-packages, and imports (at the top of the file or
inside a function, absolute or relative) go only downwards: the model imports nothing of the
others; results import the model; experiments and the workshop import results and the model; the
command line may import everything. The import statements are read with ``ast``, so nothing is run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parent.parent / "sim"

# sub-package -> the sub-packages its modules may import (always including itself)
ALLOWED = {
    "model": {"model"},
    "results": {"model", "results"},
    "experiments": {"model", "results", "experiments"},
    "workshop": {"model", "results", "workshop"},
    "cli": {"model", "results", "experiments", "workshop", "cli"},
}


def module_name(path: Path) -> str:
    """``sim/model/trust.py`` -> ``sim.model.trust``; a package's ``__init__.py`` is the package."""
    parts = list(path.relative_to(SIM.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    """Every module named by an import statement of ``source`` (anywhere in it), made absolute.

    ``from .x import a`` in ``sim.model.agenda`` names ``sim.model.x``; ``from . import vote`` in
    ``sim.workshop.debrief`` names ``sim.workshop.vote`` (a name imported from a package is taken as
    its submodule, which is what the layers care about).
    """
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level - 1 >= len(base):
                    raise ValueError(f"{module}:{node.lineno}: relative import beyond the top package")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            if node.module is None or target in ("sim", *(f"sim.{p}" for p in ALLOWED)):
                found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, target))
    return found


def layer_of(name: str) -> str | None:
    """The sub-package of a module name inside sim (``sim.model.trust`` -> ``model``), None outside sim."""
    parts = name.split(".")
    if parts[0] != "sim":
        return None
    return parts[1] if len(parts) > 1 else ""


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """The imports of ``source`` (the module ``module``) that break the layer rules."""
    own = layer_of(module)
    bad = []
    for line, name in imported(source, module, is_package):
        target = layer_of(name)
        if target is None:
            continue
        if target not in ALLOWED[own]:
            bad.append(f"{module}:{line} imports {name} ({own} may import {sorted(ALLOWED[own])})")
    return bad


def sim_modules() -> list[Path]:
    return sorted(p for p in SIM.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_lives_in_a_layer():
    stray = [str(p.relative_to(SIM.parent)) for p in sim_modules()
             if p != SIM / "__init__.py" and (len(p.relative_to(SIM).parts) != 2
                                              or p.relative_to(SIM).parts[0] not in ALLOWED)]
    assert not stray, f"modules outside the layers {sorted(ALLOWED)} (docs/architecture.md, 'Layout'): {stray}"
    for layer in ALLOWED:
        assert (SIM / layer / "__init__.py").exists(), layer
        assert len(list((SIM / layer).glob("*.py"))) >= 2, f"sim/{layer}/ holds no module"


@pytest.mark.parametrize("path", [p for p in sim_modules() if p != SIM / "__init__.py"],
                         ids=lambda p: str(p.relative_to(SIM)))
def test_imports_go_only_downwards(path):
    bad = violations(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")
    assert not bad, "\n".join(bad)


def test_the_package_front_door_imports_lazily():
    # sim/__init__.py names its public objects' modules but imports none of them at load time
    tree = ast.parse((SIM / "__init__.py").read_text(encoding="utf-8"))
    top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert all(layer_of(getattr(n, "module", None) or "") is None and not getattr(n, "level", 0) for n in top)
    model = ast.parse((SIM / "model" / "__init__.py").read_text(encoding="utf-8"))
    assert not [n for n in model.body if isinstance(n, ast.ImportFrom) and n.level], \
        "sim/model/__init__.py must not import the agenda (NumPy, Mesa) when a light module of the model loads"


def test_the_checker_sees_relative_lazy_and_package_imports():
    source = ("from .seats import seat_sum\n"
              "def f():\n"
              "    from ..results.run import run\n"
              "    from .. import cli\n"
              "    import sim.experiments.sweep\n")
    assert imported(source, "sim.model.trust", False) == [
        (1, "sim.model.seats"), (3, "sim.results.run"), (4, "sim.cli"), (5, "sim.experiments.sweep")]
    bad = violations(source, "sim.model.trust")
    assert [b.split(" imports ")[1].split(" ")[0] for b in bad] == ["sim.results.run", "sim.cli",
                                                                      "sim.experiments.sweep"]
    assert violations("from . import vote\nfrom ..results.run import LiveRun\n", "sim.workshop.debrief") == []
    assert violations("from ..experiments import sweep\n", "sim.workshop.debrief") != []
    assert violations("from .agenda import AsociaModel\n", "sim.model", is_package=True) == []
    # the real tree has imports across layers to check, so the rules are not passing vacuously
    edges = [(module_name(p), name) for p in sim_modules()
             for _, name in imported(p.read_text(encoding="utf-8"), module_name(p), p.name == "__init__.py")
             if layer_of(name) not in (None, layer_of(module_name(p)))]
    assert len(edges) >= 30
