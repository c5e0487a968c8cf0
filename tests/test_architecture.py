"""The package's shape (ARCHITECTURE.md): one import name per file, and no import cycles."""
from __future__ import annotations

import ast
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "simcalc"


def _modules() -> dict[str, Path]:
    """Every module under simcalc/ (the four joined packages included) by its one import name."""
    found = {}
    paths = [Path(folder) / f for folder, _, files in os.walk(PACKAGE, followlinks=True) for f in files]
    for path in (p for p in paths if p.suffix == ".py"):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(["simcalc", *parts])] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """simcalc modules that ``name`` imports when it runs, anywhere (in functions too: a lazy import is still a
    dependency); imports under ``if TYPE_CHECKING:`` are for the type checker only and do not count."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If) and ast.unparse(block.test)
                   in ("TYPE_CHECKING", "typing.TYPE_CHECKING") for stmt in block.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in typing_only:  # names for the type checker only: not imported when the code runs
            continue
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module or ""
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules]
            out.update(subs if len(subs) == len(node.names) else subs + [target])
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m in modules and m != name}


def test_no_import_cycles():
    modules = _modules()
    assert {"simcalc.rules", "simcalc.neural", "simcalc.hownet_sim", "simcalc.cli", "simcalc.rows"} <= set(modules)
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    cycles, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                cycles.append(trail[trail.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, trail + [dep])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


@pytest.mark.parametrize("name", ["simcalc.simcalc", "simcalc.tests", "simcalc.bench", "simcalc.setup",
                                  "simcalc.data.models"])
def test_only_the_four_packages_join_simcalc(name):
    with pytest.raises(ImportError):
        importlib.import_module(name)


@pytest.mark.parametrize("name", ["simcalc.rules", "simcalc.neural", "simcalc.hownet_sim", "simcalc.cli"])
def test_the_four_import_from_inside_the_package(name):
    module = importlib.import_module(name)
    assert PACKAGE in Path(module.__file__).parents  # one name: the file is simcalc/<name>, nothing of the root


def test_the_command_line_has_one_import_name():
    root = PACKAGE.parent
    result = subprocess.run([sys.executable, "-c", "import cli"], cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "simcalc.cli" in result.stderr
