"""docs/posting-format.md and schemas/posting.schema.json say the same thing.

The page is written for people, the schema for machines; these tests make them drift-proof: the
same fields (nested ones as `parent.child`, list items as `parent[].child`), the same required
fields, every allowed value, every limit and default of the schema named in the field's row,
and an example that passes the product's own validation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from syndicate.core.validation import posting_schema, validate
from tests.factories import NOW

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "posting-format.md"
TABLE_HEADER = "| field | type | required | rules and meaning |"
LIMIT_KEYWORDS = ("minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum")


def documented_rows() -> dict[str, list[str]]:
    """Field name -> its cells (type, required, rules), from the page's field table."""
    lines = DOC.read_text("utf-8").splitlines()
    start = lines.index(TABLE_HEADER) + 2  # the header and the |---| line
    rows: dict[str, list[str]] = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        name, *cells = (cell.strip() for cell in line.strip("|").split(" | "))
        assert name.startswith("`") and name.endswith("`"), line
        assert name.strip("`") not in rows, f"{name} is described twice"
        rows[name.strip("`")] = cells
    return rows


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].removeprefix("#/$defs/")]
    return node


def schema_fields(
    schema: dict[str, Any], node: dict[str, Any], prefix: str = ""
) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(name, its schema, required) for every field, nested objects and list items included."""
    required = set(node.get("required", ()))
    for name, declared in node.get("properties", {}).items():
        child = resolve(schema, declared)
        yield prefix + name, child, name in required
        if child.get("type") == "object":
            yield from schema_fields(schema, child, f"{prefix}{name}.")
        items = resolve(schema, child.get("items", {}))
        if items.get("type") == "object":
            yield from schema_fields(schema, items, f"{prefix}{name}[].")


SCHEMA = posting_schema()
FIELDS = {name: (node, required) for name, node, required in schema_fields(SCHEMA, SCHEMA)}
ROWS = documented_rows()


def test_every_schema_field_is_documented_and_every_documented_field_exists():
    assert set(ROWS) - set(FIELDS) == set(), "documented, but not in the schema"
    assert set(FIELDS) - set(ROWS) == set(), "in the schema, but not documented"


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_required_column_matches_the_schema(name):
    _, required = FIELDS[name]
    assert (ROWS[name][1] == "yes") == required


def _number_forms(number: float) -> set[str]:
    plain = str(int(number)) if float(number).is_integer() else str(number)
    return {plain, f"{int(number):,}"} if float(number).is_integer() else {plain}


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_values_limits_and_defaults_are_in_the_fields_row(name):
    node, _ = FIELDS[name]
    row = " | ".join(ROWS[name])
    items = resolve(SCHEMA, node.get("items", {}))
    for value in node.get("enum", []) + items.get("enum", []):
        assert f"`{value}`" in row, f"{name}: allowed value {value!r} not documented"
    for target in (node, items):
        for keyword in LIMIT_KEYWORDS:
            limit = target.get(keyword)
            if limit is None or (keyword in ("minLength", "minItems", "minimum") and limit in (0, 1)):
                continue  # "not empty" and "from 0" are said in words
            assert _number_forms(limit) & set(re.findall(r"[\d,]*\d", row)), f"{name}: {keyword} {limit}"
    if "default" in node:
        default = node["default"]
        shown = json.dumps(default) if isinstance(default, list) else str(default)
        assert f"Default `{shown}`" in row, f"{name}: default {default!r} not documented"


def test_the_id_pattern_is_spelled_out():
    assert f"`{FIELDS['id'][0]['pattern']}`" in ROWS["id"][2]


def test_the_example_is_a_valid_posting():
    text = DOC.read_text("utf-8")
    example = re.search(r"## Example\n\n```json\n(.*?)\n```", text, re.DOTALL)
    assert example is not None
    assert validate(json.loads(example.group(1)), NOW) == []
