"""The house's shape, read from the code: stages import downward only, and nothing in a circle.

Every `import` and `from … import` of the three packages is read with `ast` (including
imports inside functions and under TYPE_CHECKING: a lazy import is still a dependency),
so a new arrow that breaks the flow fails here, not in a reviewer's head.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("rag", "index", "ui")

# Stages in the order data flows; a module may import its own stage or an earlier one.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("rag", "rag.types", "rag.errors", "rag.config")),
    ("letters", ("rag.letters",)),
    ("vectors", ("rag.chunking", "rag.embedding")),
    ("storage", ("index",)),
    ("search", ("rag.search",)),
    ("answer", ("rag.answer",)),
    ("evaluation", ("rag.evaluation",)),
    ("pipeline", ("rag.pipeline",)),
    ("cli", ("rag.cli", "rag.integrations")),
    ("edge", ("ui",)),
)
# What storage may take from the library: the core records, the errors, the embedder protocol.
INDEX_MAY_IMPORT = {"rag.types", "rag.errors", "rag.embedding"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The project modules `name` imports (a `from pkg import mod` names the module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] not in PACKAGES:
                continue
            # The deepest known module the name refers to (a symbol resolves to its module).
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: set(_imports(name, path, known)) for name, path in modules.items()}


def stage_of(module: str) -> tuple[int, str]:
    """(rank, stage) of a module: the stage whose prefix matches it most closely."""
    best: tuple[int, int, str] | None = None
    for rank, (stage, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), rank, stage)
    if best is None:
        raise AssertionError(f"{module} belongs to no stage; add it to STAGES")
    return best[1], best[2]


GRAPH = _graph()


def test_every_module_belongs_to_a_stage() -> None:
    for module in GRAPH:
        stage_of(module)


def test_stages_import_downward_only() -> None:
    upward = []
    for module, targets in GRAPH.items():
        rank, stage = stage_of(module)
        for target in targets:
            t_rank, t_stage = stage_of(target)
            if t_rank > rank:
                upward.append(f"{module} ({stage}) imports {target} ({t_stage})")
    assert not upward, "imports against the flow:\n" + "\n".join(sorted(upward))


def test_storage_imports_only_core_types_errors_and_the_embedder_protocol() -> None:
    bad = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if module.split(".")[0] == "index"
        for target in targets
        if target.split(".")[0] == "rag" and target not in INDEX_MAY_IMPORT
    ]
    assert not bad, "\n".join(bad)


def test_the_library_never_imports_the_edge() -> None:
    bad = [
        f"{m} imports {t}"
        for m, ts in GRAPH.items()
        if m.split(".")[0] != "ui"
        for t in ts
        if t.split(".")[0] == "ui"
    ]
    assert not bad, "\n".join(bad)


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle in `graph`, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circle_between_files() -> None:
    # A package's __init__ importing its own submodules (rag.cli registering its commands)
    # is how a package presents itself, not a circle: leave those arrows out.
    graph = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in GRAPH.items()}
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def test_no_import_circle_between_packages() -> None:
    # The nodes are the stage packages (rag.letters, rag.search, …, index, ui) and the core
    # modules at the top of rag (types, errors, pipeline …), each its own node: storage may
    # use rag.types while rag.pipeline uses storage.
    def unit(module: str) -> str:
        parts = module.split(".")
        if parts[0] != "rag" or len(parts) == 1:
            return parts[0]
        return ".".join(parts[:2])

    graph: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        src = unit(module)
        graph.setdefault(src, set()).update(unit(t) for t in targets if unit(t) != src)
    cycle = _cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def test_the_top_of_rag_holds_only_the_core() -> None:
    top = sorted(p.name for p in (ROOT / "rag").glob("*.py"))
    assert len(top) <= 9, top
    assert {"__init__.py", "types.py", "config.py", "errors.py", "pipeline.py"} <= set(top)


@pytest.mark.parametrize("stage", ["letters", "search", "answer", "evaluation", "cli"])
def test_each_stage_package_says_what_goes_in_and_out(stage: str) -> None:
    doc = ast.get_docstring(ast.parse((ROOT / "rag" / stage / "__init__.py").read_text()))
    assert doc and len(doc.splitlines()) >= 3


def test_the_checks_catch_an_upward_import_and_a_circle() -> None:
    """The checks themselves: a made-up upward arrow and a made-up circle are found."""
    assert stage_of("rag.search.retrieval")[0] > stage_of("rag.letters.fields")[0]
    assert stage_of("index.builder")[0] < stage_of("rag.search.retrieval")[0]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
