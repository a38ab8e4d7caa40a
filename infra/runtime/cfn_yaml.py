"""Read a CloudFormation/SAM template (YAML or JSON) into plain Python data.

Short-form tags become the long form CloudFormation documents (`!Ref X` -> {"Ref": "X"},
`!GetAtt A.B` -> {"Fn::GetAtt": ["A", "B"]}, `!Sub s` -> {"Fn::Sub": s}, ...), so the resolver only
ever sees one spelling. Source: CloudFormation user guide, "Intrinsic function reference".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class TemplateSyntaxError(ValueError):
    """The file is not a readable template (bad YAML, duplicate keys, unknown tag)."""


# Every short form CloudFormation accepts; an unknown `!Tag` is an error, not a silent string.
_SHORT_FORMS = frozenset(
    {
        "Base64",
        "Cidr",
        "FindInMap",
        "GetAtt",
        "GetAZs",
        "ImportValue",
        "Join",
        "Select",
        "Split",
        "Sub",
        "Transform",
        "And",
        "Equals",
        "If",
        "Not",
        "Or",
        "ToJsonString",
        "Length",
    }
)


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text (CloudFormation does) and rejects duplicate keys."""


def _construct_mapping(loader: _TemplateLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            # YAML would silently keep the last one; CloudFormation rejects the template.
            raise TemplateSyntaxError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _construct_text(loader: _TemplateLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


def _construct_node(loader: _TemplateLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return _construct_mapping(loader, node)
    raise TemplateSyntaxError(f"unexpected YAML node at line {node.start_mark.line + 1}")


def _construct_short_form(loader: _TemplateLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if suffix == "Ref":
        return {"Ref": _construct_node(loader, node)}
    if suffix == "Condition":
        return {"Condition": _construct_node(loader, node)}
    if suffix == "GetAtt":
        value = _construct_node(loader, node)
        if isinstance(value, str):
            # `!GetAtt Resource.Attribute`: the attribute itself may contain dots (Outputs.X).
            resource, _, attribute = value.partition(".")
            return {"Fn::GetAtt": [resource, attribute]}
        return {"Fn::GetAtt": value}
    if suffix in _SHORT_FORMS:
        return {f"Fn::{suffix}": _construct_node(loader, node)}
    raise TemplateSyntaxError(f"unknown tag !{suffix} at line {node.start_mark.line + 1}")


_TemplateLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_TemplateLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)
_TemplateLoader.add_multi_constructor("!", _construct_short_form)


def load_template_text(text: str, source: str = "<template>") -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise TemplateSyntaxError(f"{source}: not valid YAML: {error}") from error
    except TemplateSyntaxError as error:
        raise TemplateSyntaxError(f"{source}: {error}") from error
    if not isinstance(data, dict):
        raise TemplateSyntaxError(f"{source}: a template is a mapping at the top level")
    return data


def load_template_file(path: Path) -> dict[str, Any]:
    return load_template_text(path.read_text(encoding="utf-8"), str(path))
