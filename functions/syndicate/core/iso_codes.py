"""ISO 3166-1 countries and ISO 4217 currencies, from pycountry's own database files.

Importing pycountry reads its version through importlib.metadata, which loads the email package:
some 20 ms of every command start-up and cold start that checks a code. Its JSON files answer the
same lookups, found without running the package's `__init__`. Lookups ignore case, as pycountry's.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any


def database_file(name: str) -> Path:
    """One of pycountry's database files (`iso3166-2.json`...), located, not imported."""
    spec = importlib.util.find_spec("pycountry")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("pycountry is not installed", name="pycountry")
    return Path(next(iter(spec.submodule_search_locations))) / "databases" / name


def _entries(name: str, root_key: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(database_file(name).read_text("utf-8"))[root_key]
    return entries


@cache
def _countries() -> dict[str, dict[str, Any]]:
    return {str(entry["alpha_2"]).lower(): entry for entry in _entries("iso3166-1.json", "3166-1")}


@cache
def _currencies() -> frozenset[str]:
    return frozenset(str(entry["alpha_3"]).lower() for entry in _entries("iso4217.json", "4217"))


def country(alpha_2: str) -> Mapping[str, Any] | None:
    """The country's entry (`name`, and `common_name` where ISO's name is not the usual one), as
    pycountry's `countries.get(alpha_2=...)` finds it; None for no such code."""
    return _countries().get(alpha_2.lower())


def is_currency(alpha_3: str) -> bool:
    return alpha_3.lower() in _currencies()
