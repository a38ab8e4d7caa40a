"""Handlers wire: parse the event, call the pipeline and the adapters, return. The decisions live in the
pipeline, the settings in syndicate.settings; so a handler's functions stay a few lines each, keep
nothing across records at module scope, and never read the environment themselves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

HANDLERS_DIR = Path(__file__).resolve().parents[2] / "functions" / "syndicate" / "handlers"
SHARED = {"__init__.py", "batch.py", "idempotency.py"}  # pieces every handler uses, not a function's
HANDLER_FILES = sorted(path.name for path in HANDLERS_DIR.glob("*.py") if path.name not in SHARED)
MAX_STATEMENT_LINES = 12  # a function's body, docstring and signature aside


def tree(name: str) -> ast.Module:
    return ast.parse((HANDLERS_DIR / name).read_text("utf-8"))


def body_lines(function: ast.FunctionDef) -> int:
    body = function.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    return (body[-1].end_lineno or body[-1].lineno) - body[0].lineno + 1 if body else 0


def test_every_lambda_function_module_is_checked() -> None:
    assert len(HANDLER_FILES) == 9


@pytest.mark.parametrize("name", HANDLER_FILES)
def test_a_handler_s_functions_are_wiring_sized(name: str) -> None:
    functions = [node for node in tree(name).body if isinstance(node, ast.FunctionDef)]
    assert any(function.name == "handler" for function in functions)
    too_long = {f.name: body_lines(f) for f in functions if body_lines(f) > MAX_STATEMENT_LINES}
    assert not too_long, f"{name}: move the logic into the pipeline: {too_long}"


@pytest.mark.parametrize("name", HANDLER_FILES)
def test_a_handler_keeps_nothing_across_records_at_module_scope(name: str) -> None:
    mutable = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
    collections = [
        ast.unparse(node)
        for node in tree(name).body
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, mutable)
    ]
    assert not collections, f"{name}: results belong to the batch processor, not the module: {collections}"


@pytest.mark.parametrize("name", HANDLER_FILES)
def test_a_handler_reads_no_environment_variable_itself(name: str) -> None:
    imported = {
        alias.name for node in ast.walk(tree(name)) if isinstance(node, ast.Import) for alias in node.names
    } | {node.module for node in ast.walk(tree(name)) if isinstance(node, ast.ImportFrom)}
    assert "os" not in imported, f"{name}: the function's settings read the environment (syndicate.settings)"
