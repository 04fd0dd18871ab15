"""The package's layout: modules one can hold in mind, and imports without circles.

Every module under ``sknets/`` says its one job in the first line of its
docstring and stays under 1,000 lines, and no module imports, at import
time, one that imports it back (directly or around a longer circle).  The
modules are read with :mod:`ast`, not imported.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sknets"
MAX_LINES = 1000


def _module_name(path):
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _module_level_imports(statements):
    """The import statements that run when the module is imported (not in functions)."""
    for statement in statements:
        if isinstance(statement, ast.Import | ast.ImportFrom):
            yield statement
        elif not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            # Class bodies, if/try/with blocks: they run at import time too.
            for field in ("body", "orelse", "finalbody", "handlers"):
                yield from _module_level_imports(getattr(statement, field, []))


def _imported_modules(name, path):
    """The sknets modules that ``name`` imports at import time."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    imported = set()
    for statement in _module_level_imports(ast.parse(path.read_text()).body):
        if isinstance(statement, ast.Import):
            imported.update(alias.name for alias in statement.names if alias.name in MODULES)
            continue
        if statement.level:
            parts = package.split(".")[: len(package.split(".")) - statement.level + 1]
            source = ".".join(parts + ([statement.module] if statement.module else []))
        else:
            source = statement.module
        for alias in statement.names:
            # ``from package import module`` imports the module; otherwise the name's module.
            submodule = f"{source}.{alias.name}"
            imported.add(submodule if submodule in MODULES else source)
    return (imported & MODULES.keys()) - {name}


def _import_circle(graph):
    """One circle of imports in ``graph`` (module -> imported modules), or None."""
    done, path = set(), []

    def visit(module):
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        path.append(module)
        for imported in sorted(graph[module]):
            circle = visit(imported)
            if circle:
                return circle
        path.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        circle = visit(module)
        if circle:
            return circle
    return None


def test_the_graph_reader_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _import_circle(graph) == ["a", "b", "c", "a"]
    assert _import_circle({"a": {"b"}, "b": set()}) is None


def test_the_graph_reader_resolves_relative_imports():
    assert "sknets._training" in _imported_modules("sknets.base", MODULES["sknets.base"])
    assert "sknets._batches" in _imported_modules(
        "sknets._inputs._graph", MODULES["sknets._inputs._graph"]
    )


def test_no_import_circle():
    graph = {name: _imported_modules(name, path) for name, path in MODULES.items()}
    circle = _import_circle(graph)
    assert circle is None, "import circle: " + " -> ".join(circle)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_short_and_says_its_job(name):
    source = MODULES[name].read_text()
    n_lines = len(source.splitlines())
    assert n_lines <= MAX_LINES, f"{name} has {n_lines} lines; split it by concern."
    docstring = ast.get_docstring(ast.parse(source))
    assert docstring and docstring.splitlines()[0].strip(), (
        f"{name} has no docstring whose first line says what it is for."
    )
