"""A small, explicit resolver for the CloudFormation intrinsics the stack's template uses.

Anything else raises UnsupportedTemplateFeature: the embedded runtime never guesses a value a real
deployment would compute differently. The list, with sources: docs/local-runtime.md.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from typing import Any, Final


class TemplateError(ValueError):
    """The template cannot be turned into an embedded stack; the message says where and why."""


class UnsupportedTemplateFeature(TemplateError):
    """The template uses something the embedded runtime deliberately does not emulate."""


class _NoValue:
    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE: Final = _NoValue()

# ${Name}, ${Name.Attribute}, or ${!Literal} (written out as ${Literal}).
_SUB_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


class Resolver:
    """Resolves intrinsic functions; resources are resolved through the two callbacks."""

    def __init__(
        self,
        *,
        parameters: Mapping[str, Any],
        pseudo_parameters: Mapping[str, str],
        conditions: Mapping[str, Any],
        mappings: Mapping[str, Any],
        ref_resource: Callable[[str, str], Any],
        get_att: Callable[[str, str, str], Any],
    ) -> None:
        self._parameters = parameters
        self._pseudo = pseudo_parameters
        self._conditions = conditions
        self._mappings = mappings
        self._ref_resource = ref_resource
        self._get_att = get_att
        self._condition_values: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    # -- values -------------------------------------------------------------------------------

    def resolve(self, value: Any, where: str) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key == "Ref":
                    return self.ref(argument, where)
                if isinstance(key, str) and key.startswith("Fn::"):
                    return self._function(key, argument, where)
            resolved = {k: self.resolve(v, f"{where}.{k}") for k, v in value.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        if isinstance(value, list):
            items = [self.resolve(item, f"{where}[{i}]") for i, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        return value

    def ref(self, name: Any, where: str) -> Any:
        if not isinstance(name, str):
            raise TemplateError(f"{where}: Ref takes a name, got {name!r}")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self._pseudo:
            return self._pseudo[name]
        if name.startswith("AWS::"):
            raise UnsupportedTemplateFeature(f"{where}: pseudo parameter {name} is not supported")
        if name in self._parameters:
            return self._parameters[name]
        return self._ref_resource(name, where)

    def _function(self, name: str, argument: Any, where: str) -> Any:
        handlers: dict[str, Callable[[Any, str], Any]] = {
            "Fn::GetAtt": self._fn_get_att,
            "Fn::Sub": self._fn_sub,
            "Fn::Join": self._fn_join,
            "Fn::Select": self._fn_select,
            "Fn::Split": self._fn_split,
            "Fn::If": self._fn_if,
            "Fn::FindInMap": self._fn_find_in_map,
            "Fn::Base64": self._fn_base64,
        }
        handler = handlers.get(name)
        if handler is None:
            raise UnsupportedTemplateFeature(f"{where}: {name} is not supported by the embedded runtime")
        return handler(argument, f"{where}({name})")

    def _fn_get_att(self, argument: Any, where: str) -> Any:
        if isinstance(argument, str):
            argument = argument.split(".", 1)
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"{where}: expects [resource, attribute], got {argument!r}")
        resource, attribute = argument[0], self.resolve(argument[1], where)
        if not (isinstance(resource, str) and isinstance(attribute, str)):
            raise TemplateError(f"{where}: expects [resource, attribute], got {argument!r}")
        return self._get_att(resource, attribute, where)

    def _fn_sub(self, argument: Any, where: str) -> str:
        variables: dict[str, Any] = {}
        if isinstance(argument, list):
            if len(argument) != 2 or not isinstance(argument[1], dict):
                raise TemplateError(f"{where}: expects a string or [string, {{variables}}]")
            argument, raw_variables = argument
            variables = {k: self.resolve(v, f"{where}.{k}") for k, v in raw_variables.items()}
        if not isinstance(argument, str):
            raise TemplateError(f"{where}: the template must be a string, got {argument!r}")

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name and not name.startswith("AWS::"):
                resource, attribute = name.split(".", 1)
                value = self._get_att(resource, attribute, where)
            else:
                value = self.ref(name, where)
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise TemplateError(f"{where}: ${{{name}}} is not a string ({value!r})")
            return str(value)

        return _SUB_PLACEHOLDER.sub(substitute, argument)

    def _fn_join(self, argument: Any, where: str) -> str:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"{where}: expects [delimiter, [values]]")
        delimiter, values = argument[0], self.resolve(argument[1], where)
        if not isinstance(values, list):
            raise TemplateError(f"{where}: the values must be a list, got {values!r}")
        return str(delimiter).join(_scalar_text(v, where) for v in values)

    def _fn_select(self, argument: Any, where: str) -> Any:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"{where}: expects [index, [values]]")
        index, values = self.resolve(argument[0], where), self.resolve(argument[1], where)
        if not isinstance(values, list):
            raise TemplateError(f"{where}: the values must be a list, got {values!r}")
        position = int(index)
        if not 0 <= position < len(values):
            raise TemplateError(f"{where}: index {position} is out of range")
        return values[position]

    def _fn_split(self, argument: Any, where: str) -> list[str]:
        if not (isinstance(argument, list) and len(argument) == 2):
            raise TemplateError(f"{where}: expects [delimiter, string]")
        delimiter, source = argument[0], self.resolve(argument[1], where)
        if not (isinstance(delimiter, str) and isinstance(source, str)):
            raise TemplateError(f"{where}: expects [delimiter, string], got {argument!r}")
        return source.split(delimiter)

    def _fn_if(self, argument: Any, where: str) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3 and isinstance(argument[0], str)):
            raise TemplateError(f"{where}: expects [condition name, value if true, value if false]")
        chosen = argument[1] if self.condition(argument[0], where) else argument[2]
        return self.resolve(chosen, where)

    def _fn_find_in_map(self, argument: Any, where: str) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3):
            raise TemplateError(f"{where}: expects [map, top-level key, second-level key]")
        map_name, top, second = (self.resolve(part, where) for part in argument)
        try:
            return self._mappings[map_name][top][second]
        except (KeyError, TypeError) as error:
            raise TemplateError(f"{where}: no {map_name}.{top}.{second} in Mappings") from error

    def _fn_base64(self, argument: Any, where: str) -> str:
        text = _scalar_text(self.resolve(argument, where), where)
        return base64.b64encode(text.encode("utf-8")).decode("ascii")

    # -- conditions ---------------------------------------------------------------------------

    def condition(self, name: str, where: str) -> bool:
        if name in self._condition_values:
            return self._condition_values[name]
        if name not in self._conditions:
            raise TemplateError(f"{where}: no condition named {name!r}")
        if name in self._evaluating:
            raise TemplateError(f"{where}: condition {name!r} depends on itself")
        self._evaluating.add(name)
        try:
            value = self._evaluate(self._conditions[name], f"Conditions.{name}")
        finally:
            self._evaluating.discard(name)
        self._condition_values[name] = value
        return value

    def _evaluate(self, expression: Any, where: str) -> bool:
        if isinstance(expression, bool):
            return expression
        if not (isinstance(expression, dict) and len(expression) == 1):
            raise TemplateError(f"{where}: not a condition: {expression!r}")
        ((key, argument),) = expression.items()
        if key == "Condition":
            return self.condition(argument, where)
        if key == "Fn::Equals":
            if not (isinstance(argument, list) and len(argument) == 2):
                raise TemplateError(f"{where}: Fn::Equals expects two values")
            left, right = (_scalar_text(self.resolve(v, where), where) for v in argument)
            return left == right
        if key == "Fn::Not":
            if not (isinstance(argument, list) and len(argument) == 1):
                raise TemplateError(f"{where}: Fn::Not expects one condition")
            return not self._evaluate(argument[0], where)
        if key in ("Fn::And", "Fn::Or") and isinstance(argument, list):
            results = (self._evaluate(item, where) for item in argument)
            return all(results) if key == "Fn::And" else any(results)
        raise UnsupportedTemplateFeature(f"{where}: {key} is not supported in a condition")


def _scalar_text(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(f"{where}: expected a string, got {value!r}")
