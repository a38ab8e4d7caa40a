"""Read a `.md` intake file: YAML front matter holding the fields, the body being the description.

YAML is read safely and strictly (no tags, no aliases); errors name the key and its line. The
decisions where the contract is silent: docs/posting-format.md, "Intake files".
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

import yaml

from syndicate.core.intake.csv_files import deref, schema_type
from syndicate.core.intake.items import FileProblem, Item, RawPosting
from syndicate.core.problems import Problem
from syndicate.core.validation import field_label, pointer_of, posting_schema

MAX_MARKDOWN_BYTES = 1024 * 1024  # a description has at most 65,000 characters
MAX_DEPTH = 16  # nested keys and lists: the contract needs 3, extension overlays a few more
# Bounds checked before parsing (PyYAML's work grows faster than the text in some inputs): far above
# any posting's fields, far below what would hold an ingest for long.
MAX_FRONT_MATTER_CHARS = 128 * 1024
MAX_FRONT_MATTER_LINES = 5_000
MAX_FLOW_OPENINGS = 1_000  # '[' and '{': inline lists and maps, or text that happens to hold them
_BOM = b"\xef\xbb\xbf"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.SafeLoader):
    """yaml.safe_load's loader, except that a timestamp stays the text it was written as."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return str(node.value)  # a timestamp is always a scalar: its value is the text written


_Loader.add_constructor(_TIMESTAMP, _timestamp_as_text)


class FrontMatterError(ValueError):
    """The front matter cannot be read as a posting's fields; the message says why and where."""


def read_markdown(stream: BinaryIO, source: str) -> Iterator[Item]:
    body = stream.read(MAX_MARKDOWN_BYTES + 1)
    if len(body) > MAX_MARKDOWN_BYTES:
        yield FileProblem(source, f"a .md file may hold at most {MAX_MARKDOWN_BYTES // 1024} KiB")
        return
    body = body.removeprefix(_BOM)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        line = body.count(b"\n", 0, error.start) + 1
        yield FileProblem(source, f"not UTF-8 text (line {line}, byte {error.start} cannot be decoded)")
        return
    try:
        yield parse_markdown(text, source)
    except FrontMatterError as error:
        yield FileProblem(source, str(error))


def parse_markdown(text: str, source: str) -> RawPosting:
    """The posting of a Markdown file's text; FrontMatterError when its front matter is unusable."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not text.strip():
        raise FrontMatterError("the file is empty: no posting")
    if lines[0].rstrip() != "---":
        raise FrontMatterError(
            'a .md posting starts with YAML front matter: a line "---", the fields as "key: value" '
            'lines, and another "---" line; the description follows'
        )
    end = next((n for n in range(1, len(lines)) if lines[n].rstrip() in {"---", "..."}), None)
    if end is None:
        raise FrontMatterError('the front matter is never closed: add a line "---" after the fields')
    places: dict[str, str] = {"": "front matter"}
    front_matter = "\n".join(lines[1:end])
    _check_bounds(front_matter, end - 1)
    fields = _front_matter(front_matter, places)
    problems: list[Problem] = []
    for name, why in (
        ("description", "the description is the body of the file, below the front matter; remove this key"),
        ("description_format", "the body of a .md file is markdown; remove this key"),
    ):
        if name in fields and not (name == "description_format" and fields[name] == "markdown"):
            problems.append(Problem(f"/{name}", "front_matter", f"{places[f'/{name}']}: {why}."))
    rest = lines[end + 1 :]
    first = next((n for n, line in enumerate(rest) if line.strip()), len(rest))
    description = "\n".join(rest[first:]).rstrip()
    places["/description"] = f"the body (line {end + 2 + first})" if description else "the body"
    if not problems:
        fields["description_format"] = "markdown"
        if description:
            fields["description"] = description
    return RawPosting(source, 0, fields, tuple(problems), places)


def _check_bounds(text: str, line_count: int) -> None:
    """Refuse, before the YAML parser sees it, a front matter that cannot be a posting's fields and
    would cost the parser far more than its size (its scanner is quadratic in unclosed `[`/`{`)."""
    if len(text) > MAX_FRONT_MATTER_CHARS:
        raise FrontMatterError(
            f"the front matter holds {len(text):,} characters; at most {MAX_FRONT_MATTER_CHARS:,} "
            "(the description goes below it)"
        )
    if line_count > MAX_FRONT_MATTER_LINES:
        raise FrontMatterError(
            f"the front matter has {line_count:,} lines; at most {MAX_FRONT_MATTER_LINES:,}"
        )
    depth = deepest = 0
    for char in text:  # brackets in quoted text count too: 16 unclosed ones are still no posting
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    if deepest > MAX_DEPTH:
        raise FrontMatterError(
            f"the front matter nests deeper than {MAX_DEPTH} levels ('[' and '{{' inside each other)"
        )
    openings = text.count("[") + text.count("{")
    if openings > MAX_FLOW_OPENINGS:
        raise FrontMatterError(
            f"the front matter holds {openings:,} '[' and '{{'; at most {MAX_FLOW_OPENINGS:,} "
            "(write long lists as '- item' lines)"
        )


def _front_matter(text: str, places: dict[str, str]) -> dict[str, Any]:
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if isinstance(token, yaml.TagToken):
                handle, suffix = token.value
                raise FrontMatterError(
                    f"front matter line {_line(token.start_mark)}: YAML tags such as "
                    f"{(handle or '')}{suffix} are not accepted; write plain values"
                )
            if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
                raise FrontMatterError(
                    f"front matter line {_line(token.start_mark)}: YAML anchors and aliases "
                    "(&name, *name) are not accepted; write each value out"
                )
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return {}
            if not isinstance(node, yaml.MappingNode):
                kind = "a list" if isinstance(node, yaml.SequenceNode) else "a single value"
                raise FrontMatterError(
                    f'the front matter must be the fields as "key: value" lines; it is {kind}'
                )
            value = _Converter(loader, places).value(node, posting_schema(), ())
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {_line(mark)}, column {mark.column + 1}" if mark is not None else ""
        raise FrontMatterError(
            f"the front matter is not valid YAML: {error.problem or error.context}{where}"
        ) from None
    except yaml.YAMLError as error:
        raise FrontMatterError(f"the front matter is not valid YAML: {error}") from None
    except FrontMatterError:
        raise
    except ValueError as error:  # a constructor refusing a value (an int of more than 4,300 digits)
        raise FrontMatterError(f"the front matter holds a value that cannot be read: {error}") from None
    except RecursionError:  # PyYAML composes nested nodes recursively
        raise FrontMatterError(f"the front matter nests deeper than {MAX_DEPTH} levels") from None
    assert isinstance(value, dict)  # a mapping node gives a dict
    return value


def _line(mark: Any) -> int:
    return int(mark.line) + 2  # the front matter starts on the file's second line


class _Converter:
    """Front-matter nodes to JSON-like values, read with the schema at hand."""

    def __init__(self, loader: _Loader, places: dict[str, str]) -> None:
        self.loader = loader
        self.places = places

    def value(self, node: yaml.Node, schema: Mapping[str, Any] | None, path: tuple[str | int, ...]) -> Any:
        if len(path) > MAX_DEPTH:
            raise FrontMatterError(
                f"front matter line {_line(node.start_mark)}: nests deeper than {MAX_DEPTH} levels"
            )
        if path:
            self.places[pointer_of(path)] = (
                f'front matter key "{field_label(pointer_of(path))}" (line {_line(node.start_mark)})'
            )
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, schema, path)
        if isinstance(node, yaml.SequenceNode):
            items = deref(schema).get("items") if schema is not None else None
            return [self.value(item, items, (*path, n)) for n, item in enumerate(node.value)]
        if not isinstance(node, yaml.ScalarNode):  # the composer builds no other kind of node
            raise FrontMatterError(f"front matter line {_line(node.start_mark)}: not a value")
        value = self.loader.construct_object(node, deep=True)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, float) and not math.isfinite(value):
            return node.value  # .nan / .inf: no JSON number; the validator reports the text
        if node.style is None and schema is not None and schema_type(schema) == "string":
            return node.value  # the schema wants text: what was written, not YAML's reading of it
        return value

    def _mapping(
        self, node: yaml.MappingNode, schema: Mapping[str, Any] | None, path: tuple[str | int, ...]
    ) -> dict[str, Any]:
        properties = deref(schema).get("properties", {}) if schema is not None else {}
        result: dict[str, Any] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = _line(key_node.start_mark)
            if not isinstance(key_node, yaml.ScalarNode) or not key_node.value:
                raise FrontMatterError(f"front matter line {line}: a key must be a field name")
            key = str(key_node.value)
            if key in lines:
                name = field_label(pointer_of((*path, key)))
                raise FrontMatterError(
                    f'front matter key "{name}" appears twice (lines {lines[key]} and {line})'
                )
            lines[key] = line
            value = self.value(value_node, properties.get(key), (*path, key))
            if value is not None:  # `key:` with nothing after it: the field is absent
                result[key] = value
        return result
