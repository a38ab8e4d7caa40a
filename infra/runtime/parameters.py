"""Template parameters: overrides checked against the declarations, defaults filled in.

A parameter without a value is an error only once something the runtime needs refers to it
(docs/local-runtime.md, "Reading the template").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra.runtime.intrinsics import TemplateError


@dataclass(frozen=True)
class Unusable:
    """A parameter the runtime cannot give a value: an error only if something uses it."""

    reason: str


def parameter_values(declared: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(f"unknown parameter(s) {unknown}; the template declares {sorted(declared)}")
    values: dict[str, Any] = {}
    for name, declaration in declared.items():
        kind = str(declaration.get("Type", "String"))
        if name in overrides:
            raw = overrides[name]
        elif "Default" in declaration:
            raw = declaration["Default"]
        else:
            values[name] = Unusable("has no Default: pass a value in parameters")
            continue
        if kind.startswith("AWS::SSM::Parameter::Value"):
            values[name] = Unusable("is read from SSM, which the embedded runtime does not resolve")
            continue
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            value: Any = (
                [part.strip() for part in raw.split(",")] if isinstance(raw, str) else [str(v) for v in raw]
            )
        else:
            value = str(raw).lower() if isinstance(raw, bool) else str(raw)
        if isinstance(value, str):
            _check_parameter(name, declaration, value)
        values[name] = value
    return values


def _check_parameter(name: str, declaration: Mapping[str, Any], value: str) -> None:
    """The constraints CloudFormation checks before it creates anything."""
    allowed = declaration.get("AllowedValues")
    if allowed is not None and value not in [str(a) for a in allowed]:
        raise TemplateError(f"Parameters.{name}: {value!r} is not one of {allowed}")
    pattern = declaration.get("AllowedPattern")
    if pattern is not None and re.fullmatch(str(pattern), value) is None:
        reason = declaration.get("ConstraintDescription") or f"must match {pattern}"
        raise TemplateError(f"Parameters.{name}: {value!r} {reason}")
    if "MinLength" in declaration and len(value) < int(declaration["MinLength"]):
        raise TemplateError(f"Parameters.{name}: {value!r} is shorter than {declaration['MinLength']}")
    if "MaxLength" in declaration and len(value) > int(declaration["MaxLength"]):
        raise TemplateError(f"Parameters.{name}: {value!r} is longer than {declaration['MaxLength']}")
