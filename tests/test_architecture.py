"""The layout the README describes, held: one-way data flow, no import cycles, records first."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "pipeline"


def _module(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> dict[str, bool]:
    """Modules of ours that a file imports -> whether at module level (else inside a function)."""
    mod = _module(path)
    package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(n) for n in tree.body}
    found: dict[str, bool] = {}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level else (node.module or "")
            names = [target] + [f"{target}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name.split(".")[0] == "pipeline":
                known = _resolve(name)
                if known and known != mod:
                    found[known] = found.get(known, False) or id(node) in top
    return found


def _resolve(name: str) -> str | None:
    while name:
        p = PKG.parent / Path(*name.split("."))
        if p.with_suffix(".py").is_file() or (p / "__init__.py").is_file():
            return name
        name = name.rpartition(".")[0]
    return None


def graph() -> dict[str, dict[str, bool]]:
    return {_module(p): _imports(p) for p in sorted(PKG.rglob("*.py"))}


def test_records_and_errors_import_nothing_of_ours() -> None:
    g = graph()
    assert set(g["pipeline.records"]) == set()
    assert set(g["pipeline.errors"]) == set()


def test_no_import_cycles_even_through_function_level_imports() -> None:
    g = {m: set(deps) for m, deps in graph().items()}
    # a package imports its own modules for its name table; that is not a cycle of concerns
    edges = {m: {d for d in deps if not d.startswith(m + ".") and d != "pipeline"} for m, deps in g.items()}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        path.append(m)
        for d in sorted(edges.get(m, ())):
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path[path.index(d):], d]))
            if d not in state:
                visit(d)
        path.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)


def _cli(mod: str) -> bool:
    return mod == "pipeline.cli" or mod.startswith("pipeline.cli.")


# The run layer: the drivers that read and write files and call the stages. The command line
# calls these only (and reads the records, the errors and the name tables its options list).
RUN_LAYER = {"pipeline.run", "pipeline.merge", "pipeline.corpus.commands", "pipeline.corpus.check",
             "pipeline.corpus.evaluate", "pipeline.corpus.score", "pipeline.server", "pipeline.engines.store"}
CLI_READS = {"pipeline", "pipeline.records", "pipeline.errors", "pipeline.engines", "pipeline.facts",
             "pipeline.glossary", "pipeline.summarize", "pipeline.write"}


def test_no_stage_knows_the_cli_or_the_run() -> None:
    for mod, deps in graph().items():
        if _cli(mod) or mod in ("pipeline.run", "pipeline.__main__"):
            continue
        assert not any(_cli(d) for d in deps), mod
        assert "pipeline.run" not in deps, mod


def test_the_cli_calls_the_run_layer_only() -> None:
    for mod, deps in graph().items():
        if _cli(mod):
            others = {d for d in deps if not _cli(d)}
            assert others <= RUN_LAYER | CLI_READS, (mod, sorted(others - RUN_LAYER - CLI_READS))


def test_function_level_imports_of_ours_only_in_the_cli() -> None:
    """Elsewhere they would hide a cycle; the CLI defers them so that `zhen --help` is instant."""
    for mod, deps in graph().items():
        if not _cli(mod):
            assert all(top for top in deps.values()), (mod, [d for d, top in deps.items() if not top])


def _functions(path: Path) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(n.name, (n.end_lineno or n.lineno) - n.lineno + 1) for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_the_command_line_only_parses_and_renders_in_small_pieces() -> None:
    """No module of the command line over 400 lines, no function there over 40."""
    for path in sorted((PKG / "cli").glob("*.py")):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name
        assert [(name, n) for name, n in _functions(path) if n > 40] == [], path.name


def test_the_driver_of_a_run_stays_small() -> None:
    """run.py drives; the stages, the flow, the backends and the corpus commands live elsewhere."""
    assert len((PKG / "run.py").read_text(encoding="utf-8").splitlines()) <= 300


def test_the_layout_shows_the_architecture() -> None:
    """The memory is no engine; the corpus tools have their own package; CC-CEDICT sits beside the
    lexicon, not in the term base's file keeping; the flow imports no driver."""
    g = graph()
    assert "pipeline.memory" in g and not any(m.startswith("pipeline.engines.memory") for m in g)
    assert {"pipeline.corpus.align", "pipeline.corpus.mine", "pipeline.corpus.commands"} <= set(g)
    assert "pipeline.cedict" in g["pipeline.lexicon"] and "pipeline.termbase" not in g["pipeline.lexicon"]
    assert not {"pipeline.run", "pipeline.cluster", "pipeline.corpus.commands"} & set(g["pipeline.flow"])
