"""The package's shape (docs/architecture.md): no import cycle inside orgmodel/, and only the
CLI imports the generator."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PKG = Path(__file__).resolve().parents[1] / "orgmodel"


def _module(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(name: str) -> bool:
    p = PKG.parent / Path(*name.split("."))
    return p.with_suffix(".py").is_file() or (p / "__init__.py").is_file()


def import_graph() -> nx.DiGraph:
    """Module -> module for every relative import, at any depth of the code (function-local too)."""
    g = nx.DiGraph()
    for path in sorted(PKG.rglob("*.py")):
        mod = _module(path)
        pkg = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        g.add_node(mod)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    g.add_edge(mod, full if _exists(full) else target)
    return g


def test_no_import_cycle_inside_the_package():
    g = import_graph()
    # a package imports its own modules from __init__ (a re-export): not a cycle of the flow
    g.remove_edges_from([(u, v) for u, v in list(g.edges) if v.startswith(u + ".")])
    cycles = sorted(sorted(c) for c in nx.simple_cycles(g) if len(c) > 1)
    assert cycles == [], f"import cycles: {cycles[:5]}"


def test_only_the_cli_imports_the_generator():
    g = import_graph()
    users = sorted(u for u, v in g.edges if v.startswith("orgmodel.synth") and not u.startswith("orgmodel.synth"))
    assert users == ["orgmodel.cli"]


def test_the_graph_sees_imports(tmp_path):
    """The checker itself: a cycle drawn by hand is found."""
    g = nx.DiGraph([("a", "b"), ("b", "a")])
    assert list(nx.simple_cycles(g))
    assert ("orgmodel.registry", "orgmodel.events") in import_graph().edges
