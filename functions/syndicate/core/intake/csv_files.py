"""Read a `.csv` intake file (a spreadsheet export) into raw postings, row by row, as a stream.

The raw posting is the very dict the JSON file would give; errors name the row and column. The
format and every decision where the contract is silent: docs/posting-format.md, "Intake files".
"""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, BinaryIO

from syndicate.core.intake.items import FileProblem, Item, RawPosting
from syndicate.core.intake.json_files import decode_json, whole_number
from syndicate.core.problems import Problem
from syndicate.core.validation import pointer_of, posting_schema

LIST_SEPARATOR = "|"
MAX_COLUMNS = 1000
MAX_DEPTH = 16  # dotted parts in a column name: the contract needs 3, extension overlays a few more
TEXT, NUMBER, INTEGER, BOOLEAN, LIST = "text", "number", "integer", "boolean", "list"
# A cell longer than any field of the contract (a description has at most 65,000 characters)
# rejects its posting, named by row and column. The reader itself reads far longer cells: at its
# own limit (csv's default is 128 KiB) it gives up in the middle of a cell and reads the rest of
# a quoted, multi-line cell as rows of their own. The limit is process-wide (csv has no other).
MAX_CELL_CHARS = 100_000
FIELD_LIMIT = 16 * 1024 * 1024
csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))
_ESCAPED_BAR = "\\|"
_PLACEHOLDER = "\x00bar\x00"  # stands for `\|` while splitting; NUL cannot come from a cell we keep


# --- columns: the header resolved against the schema -------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    number: int  # 1-based position in the header
    header: str  # as written (trimmed)
    path: tuple[str, ...] = ()  # () for a column without a name
    kind: str = TEXT
    group: str | None = None  # "locations" for a `locations.N.*` column
    position: int | None = None  # its N

    @property
    def label(self) -> str:
        return f'column "{self.header}"' if self.header else f"column {self.number}"


def deref(node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        name = str(node["$ref"]).removeprefix("#/$defs/")
        node = posting_schema()["$defs"][name]
    return node


def schema_type(node: Mapping[str, Any]) -> str | None:
    node = deref(node)
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and "enum" in node:
        kind = "string" if all(isinstance(v, str) for v in node["enum"]) else None
    return kind if isinstance(kind, str) else None


def _is_open_object(node: Mapping[str, Any]) -> bool:
    """An object whose keys the schema leaves free (the `extensions.<channel>` escape hatch)."""
    return "properties" not in node and node.get("additionalProperties", True) is not False


def _leaf_kind(node: Mapping[str, Any]) -> str | None:
    kind = schema_type(node)
    if kind == "array":  # every list of the contract is a list of text (or of text choices)
        return LIST if schema_type(node.get("items", {})) in {"string", None} else None
    return {"string": TEXT, "number": NUMBER, "integer": INTEGER, "boolean": BOOLEAN, None: TEXT}.get(kind)


def resolve_header(header: str, number: int) -> Column | str:
    """The column a header names, or why it names none."""
    if not header:
        return Column(number, "")
    parts = tuple(header.split("."))
    if len(parts) > MAX_DEPTH:
        return f'"{header}" nests deeper than {MAX_DEPTH} levels'
    if not all(parts):
        return f'"{header}" has an empty part between dots'
    node: Mapping[str, Any] = posting_schema()
    group: str | None = None
    position: int | None = None
    for depth, part in enumerate(parts):
        node = deref(node)
        kind = schema_type(node)
        if kind == "object":
            properties = node.get("properties", {})
            if part in properties:
                node = properties[part]
                continue
            if _is_open_object(node):
                return Column(number, header, parts, TEXT)  # free keys: the value is text
            return f'"{header}" is not a field of the posting{_suggestion(header)}'
        if kind == "array" and schema_type(node.get("items", {})) == "object" and depth == 1:
            most = int(node.get("maxItems", 50))
            if not (part.isdigit() and str(int(part)) == part and int(part) < most):
                return f'"{header}": the part after "{parts[0]}." must be a position from 0 to {most - 1}'
            group, position = parts[0], int(part)
            node = node["items"]
            continue
        return f'"{header}" is not a field of the posting{_suggestion(header)}'
    node = deref(node)
    if schema_type(node) == "object" or (
        schema_type(node) == "array" and schema_type(node.get("items", {})) == "object"
    ):
        example = next(iter(known_headers_under(header)), f"{header}.…")
        return f'"{header}" names a group of fields, not one field: use columns such as "{example}"'
    kind = _leaf_kind(node)
    if kind is None:
        return f'"{header}" cannot be written in a CSV cell'
    if group is not None:
        return Column(number, header, parts[2:], kind, group, position)
    return Column(number, header, parts, kind)


@cache
def known_headers() -> tuple[str, ...]:
    """Every column name the schema defines (locations as `locations.0.*`), for suggestions."""
    found: list[str] = []

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        node = deref(node)
        kind = schema_type(node)
        if kind == "object":
            properties = node.get("properties", {})
            if not properties:
                found.append(f"{prefix}.<key>")
            for name, child in properties.items():
                walk(child, f"{prefix}.{name}" if prefix else name)
        elif kind == "array" and schema_type(node.get("items", {})) == "object":
            walk(node["items"], f"{prefix}.0")
        else:
            found.append(prefix)

    walk(posting_schema(), "")
    return tuple(found)


def known_headers_under(prefix: str) -> list[str]:
    return [name for name in known_headers() if name.startswith(prefix + ".")]


def _suggestion(header: str) -> str:
    close = difflib.get_close_matches(header, known_headers(), n=1, cutoff=0.75)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _header_problems(columns: list[Column | str], raw: list[str]) -> list[str]:
    problems = [column for column in columns if isinstance(column, str)]
    seen: dict[str, int] = {}
    for number, name in enumerate(raw, start=1):
        if name and name in seen:
            problems.append(f'"{name}" appears twice (columns {seen[name]} and {number})')
        seen.setdefault(name, number)
    good = [c for c in columns if isinstance(c, Column) and c.path]
    full = sorted((c.group, str(c.position), *c.path) if c.group else c.path for c in good)
    # Sorted, a path is followed by the paths it is a prefix of: neighbours are enough.
    for shorter, longer in itertools.pairwise(full):
        if longer[: len(shorter)] == shorter and len(longer) > len(shorter):
            problems.append(f'"{_dotted(shorter)}" is both a value and a group of fields')
    if not any(isinstance(c, Column) and c.path == ("id",) and c.group is None for c in columns):
        problems.append('there is no "id" column: every posting needs its id')
    return problems


def _dotted(parts: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in parts)


# --- cells --------------------------------------------------------------------------------------

_NUMBER_CHARS = frozenset("0123456789+-.eE")


def _json_number(text: str) -> int | float | None:
    """`text` as JSON reads a number, or None: JSON's grammar, no NaN or infinity. A number too large
    for a float (1e400, 5,000 digits) is infinity, which validation refuses as a number."""
    if not text or not set(text) <= _NUMBER_CHARS or text.startswith("+"):
        return None
    try:
        value = decode_json(text)
    except ValueError:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def convert(text: str, kind: str) -> Any:
    """A trimmed, non-empty cell as the schema's type; text when it is not that type."""
    if kind == NUMBER:
        number = _json_number(text)
        return text if number is None else number
    if kind == INTEGER:
        digits = text.removeprefix("-")
        return whole_number(text) if digits.isdigit() and digits.isascii() else text
    if kind == BOOLEAN:
        return {"true": True, "false": False}.get(text.lower(), text)
    if kind == LIST:
        items = text.replace(_ESCAPED_BAR, _PLACEHOLDER).split(LIST_SEPARATOR)
        kept = [item.replace(_PLACEHOLDER, LIST_SEPARATOR).strip() for item in items]
        return [item for item in kept if item]
    return text


def _undecodable(text: str) -> bool:
    # Read with errors="surrogateescape", a byte that is not UTF-8 becomes U+DC80..U+DCFF; real
    # text decoded from UTF-8 never holds a lone surrogate.
    return any("\udc80" <= char <= "\udcff" for char in text)


# --- rows into postings -------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    line: int  # the text line the row starts on
    cells: list[str]

    @property
    def label(self) -> str:
        return f"row {self.number}" + (f" (line {self.line})" if self.line != self.number else "")


@dataclass(frozen=True, slots=True)
class _BrokenRow:
    number: int
    problem: Problem


@dataclass
class _Posting:
    first: _Row
    id: str | None
    data: dict[str, Any] = field(default_factory=dict)
    values: dict[tuple[str, ...], Any] = field(default_factory=dict)
    places: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    last_row: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def where(self) -> str:
        last = self.last_row or self.first.number
        return self.first.label if last == self.first.number else f"rows {self.first.number}-{last}"

    def item(self, source: str) -> RawPosting:
        self.places[""] = self.where()
        return RawPosting(source, self.first.number - 1, self.data, tuple(self.problems), self.places)


class _Reader:
    def __init__(self, source: str, columns: list[Column]) -> None:
        self.source = source
        self.columns = columns
        self.id_column = next(c for c in columns if c.path == ("id",) and c.group is None)
        groups = posting_schema()["properties"]
        self.max_places = {
            c.group: int(groups[c.group].get("maxItems", 50)) for c in columns if c.group is not None
        }

    def row_id(self, row: _Row) -> str | None:
        index = self.id_column.number - 1
        value = row.cells[index].strip() if index < len(row.cells) else ""
        return value or None

    def add(self, posting: _Posting, row: _Row, first: bool) -> None:
        posting.last_row = row.number
        if len(row.cells) != len(self.columns):
            posting.problems.append(
                Problem(
                    "",
                    "csv",
                    f"{row.label}: has {_cells(len(row.cells))} but the header has {len(self.columns)} "
                    "columns (a missing or extra comma, or a quote left open?); the row was not read.",
                )
            )
            return
        places: dict[tuple[str, int], list[tuple[Column, Any]]] = {}
        for column, cell in zip(self.columns, row.cells, strict=True):
            if column.group is not None and column.position is not None:
                places.setdefault((column.group, column.position), []).append((column, cell))
                continue
            self._cell(posting, row, column, cell, first)
        for (group, _), cells in sorted(places.items(), key=lambda item: item[0]):
            self._place(posting, row, group, cells)

    def _value(self, posting: _Posting, row: _Row, column: Column, cell: str) -> Any:
        text = cell.strip()
        if not text:
            return None
        if len(cell) > MAX_CELL_CHARS:
            posting.problems.append(
                Problem(
                    self._pointer(column),
                    "size",
                    f"{row.label}, {column.label}: a cell may hold at most {MAX_CELL_CHARS:,} characters; "
                    f"this one has {len(cell):,} (is a quote left open?).",
                )
            )
            return None
        if _undecodable(cell):
            posting.problems.append(
                Problem(
                    self._pointer(column),
                    "encoding",
                    f'{row.label}, {column.label}: not UTF-8 text; save the sheet as "CSV UTF-8".',
                )
            )
            return None
        if not column.path:
            posting.problems.append(
                Problem("", "csv", f"{row.label}, {column.label}: has a value but the column has no name.")
            )
            return None
        return convert(text, column.kind)

    def _pointer(self, column: Column) -> str:
        # A location's place in the posting is known only once its row is read: point at the list.
        return pointer_of(column.path) if column.group is None else pointer_of((column.group,))

    def _cell(self, posting: _Posting, row: _Row, column: Column, cell: str, first: bool) -> None:
        value = self._value(posting, row, column, cell)
        if not column.path:
            return
        pointer = pointer_of(column.path)
        if first:
            posting.places[pointer] = f"{row.label}, {column.label}"
            if value is not None:
                posting.values[column.path] = value
                _set(posting.data, column.path, value)
            return
        if value is None or posting.values.get(column.path) == value:
            return
        earlier = posting.values.get(column.path)
        before = "empty" if earlier is None else _short(earlier)
        posting.problems.append(
            Problem(
                pointer,
                "csv",
                f"{row.label}, {column.label}: {_short(value)} differs from the posting's first row "
                f"({posting.first.label}: {before}); the rows of one posting (same id) may only add "
                "locations.",
            )
        )

    def _place(self, posting: _Posting, row: _Row, group: str, cells: list[tuple[Column, Any]]) -> None:
        place: dict[str, Any] = {}
        for column, cell in cells:
            value = self._value(posting, row, column, cell)
            if value is not None:
                _set(place, column.path, value)
        if not place:
            return
        index = posting.counts.get(group, 0)
        if index >= self.max_places[group]:
            if index == self.max_places[group]:
                posting.problems.append(
                    Problem(
                        f"/{group}",
                        "maxItems",
                        f"{row.label}: more than {index} {group} for one posting (at most {index}).",
                    )
                )
                posting.counts[group] = index + 1
            return
        posting.counts[group] = index + 1
        posting.data.setdefault(group, []).append(place)
        base = pointer_of((group, index))
        posting.places[base] = row.label
        for column, _ in cells:
            posting.places[base + pointer_of(column.path)] = f"{row.label}, {column.label}"

    def postings(self, rows: Iterator[_Row | _BrokenRow]) -> Iterator[Item]:
        current: _Posting | None = None
        for row in rows:
            if isinstance(row, _BrokenRow):
                # A row the csv module could not parse: no id to read, so it stands alone.
                if current is not None:
                    yield current.item(self.source)
                    current = None
                yield RawPosting(self.source, row.number - 1, None, (row.problem,))
                continue
            if not any(cell.strip() for cell in row.cells):
                continue  # blank rows separate nothing and hold nothing
            row_id = self.row_id(row)
            if current is not None and row_id is not None and row_id == current.id:
                self.add(current, row, first=False)
                continue
            if current is not None:
                yield current.item(self.source)
            current = _Posting(row, row_id)
            self.add(current, row, first=True)
        if current is not None:
            yield current.item(self.source)


def _cells(count: int) -> str:
    return f"{count} cell" if count == 1 else f"{count} cells"


def _set(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = value


def _short(value: Any, limit: int = 40) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the file -----------------------------------------------------------------------------------

_CSV_ERRORS = {
    "expected after": (
        "bad quoting: a quoted cell must end with a quote followed by a comma or the end of the "
        'line (write "" for a quote inside a quoted cell)'
    ),
    "unexpected end of data": "a quoted cell is never closed: its opening quote runs to the end of the file",
    "field larger than field limit": (
        f"a cell is longer than {FIELD_LIMIT:,} characters (is a quote left open?)"
    ),
}


def _explain_csv_error(error: csv.Error) -> str:
    text = str(error)
    for fragment, message in _CSV_ERRORS.items():
        if fragment in text:
            return message
    return f"not readable as CSV: {text}"


def _rows(reader: Any) -> Iterator[_Row | _BrokenRow]:
    number = 1  # the header was row 1
    while True:
        line = reader.line_num + 1
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            label = f"row {number}" + (f" (line {line})" if line != number else "")
            problem = Problem("", "csv", f"{label}: {_explain_csv_error(error)}; the row was not read.")
            yield _BrokenRow(number, problem)
            continue
        yield _Row(number, line, cells)


def read_csv(stream: BinaryIO, source: str) -> Iterator[Item]:
    """Every posting of a CSV file, in row order; a `FileProblem` when the header is unusable."""
    # surrogateescape: a byte that is not UTF-8 is reported at its row and column instead of
    # stopping the file at an unknown place; utf-8-sig drops a spreadsheet's byte-order mark.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    try:
        yield from _read(text, source)
    finally:
        text.detach()  # the caller owns the binary stream: never close it here


def _read(text: io.TextIOWrapper, source: str) -> Iterator[Item]:
    reader = csv.reader(text, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        yield FileProblem(source, "the file is empty: no header row")
        return
    except csv.Error as error:
        yield FileProblem(source, f"the header row (row 1): {_explain_csv_error(error)}")
        return
    problem = _header_problem(header)
    if problem is not None:
        yield FileProblem(source, problem)
        return
    names = [name.strip() for name in header]
    resolved = [resolve_header(name, number) for number, name in enumerate(names, start=1)]
    problems = _header_problems(resolved, names)
    if problems:
        yield FileProblem(source, "the header row (row 1) has unusable columns: " + "; ".join(problems) + ".")
        return
    columns = [column for column in resolved if isinstance(column, Column)]
    count = 0
    for item in _Reader(source, columns).postings(_rows(reader)):
        count += 1
        yield item
    if count == 0:
        yield FileProblem(source, "the file holds no postings: only a header row")


def _header_problem(header: list[str]) -> str | None:
    first = header[0] if header else ""
    if first.startswith(("\udcff\udcfe", "\udcfe\udcff")):
        return 'the file is UTF-16 text; save the sheet as "CSV UTF-8"'
    if any(_undecodable(name) for name in header):
        return 'the header row is not UTF-8 text; save the sheet as "CSV UTF-8"'
    if len(header) > MAX_COLUMNS:
        return f"the header row has {len(header)} columns; at most {MAX_COLUMNS} are read"
    if len(header) == 1:
        for separator, name in ((";", "semicolons"), ("\t", "tabs")):
            if separator in first:
                return f"the cells are separated by {name}; export the sheet as comma-separated CSV"
    return None
