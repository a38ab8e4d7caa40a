"""The package's import graph has no cycle: no module reaches itself through its imports.

The layer contracts (pyproject.toml [tool.importlinter], `make lint`) order the packages; this holds
the modules inside each layer too. Imports inside functions and under TYPE_CHECKING count: a cycle
hidden in a function is still a cycle for whoever reads or moves the code.
"""

from __future__ import annotations

from functools import cache

import grimp
import pytest


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("syndicate", cache_dir=None)


def cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in imports[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(imports):
        if module not in index:
            visit(module)
    return found


def test_no_module_of_the_package_imports_itself_through_others() -> None:
    modules = graph().modules
    imports = {m: graph().find_modules_directly_imported_by(m) & modules for m in modules}
    assert cycles(imports) == []


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("syndicate.core.intake.csv_files", "syndicate.core.intake"),
        ("syndicate.core.intake.markdown_files", "syndicate.core.intake"),
        ("syndicate.core.intake.json_files", "syndicate.core.intake"),
    ],
)
def test_the_intake_readers_depend_on_its_parts_not_on_the_package_face(importer: str, imported: str) -> None:
    assert not graph().direct_import_exists(importer=importer, imported=imported)
