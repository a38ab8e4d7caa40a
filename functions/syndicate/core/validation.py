"""Validate a raw posting against the contract: the JSON Schema, then the semantic rules.

Every error is a `Problem` (pointer, stable code, a sentence a recruiter understands). jsonschema-rs
answers the common case; only an invalid posting is walked by `jsonschema` for the report, so reports
are identical whichever path ran (docs/design.md, "Validation").
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from syndicate.core import fieldrules, iso_codes, wellformed
from syndicate.core.dates import parse_instant
from syndicate.core.problems import Problem

if TYPE_CHECKING:
    import jsonschema

SEMANTIC_CODES = {
    "locations_required": "a job that is not fully remote needs at least one location",
    "applicant_countries_required": "a fully remote job must say where applicants may live",
    "country": "not a country in ISO 3166-1",
    "currency": "not a currency in ISO 4217",
    "salary_range": "salary.max is below salary.min",
    "date": "not a real calendar date or time",
    "date_posted_future": "date_posted is more than 24 hours in the future",
    "updated_at_future": "updated_at is more than 24 hours ahead of the time it was received",
    "valid_through_order": "valid_through is not after date_posted",
    "title_markup": "the title contains markup",
    "invisible_characters": "the title holds characters that reorder or hide text (bidi, zero-width)",
    "url": "not a usable web address",
}

MAX_FUTURE_POSTING = timedelta(hours=24)
MAX_FUTURE_UPDATE = timedelta(hours=24)  # clock skew between an ATS and this service, generously

_URL_FIELDS = ("apply_url", "url", "hiring_organization/url", "hiring_organization/logo_url")

_PATTERN_MESSAGES = {
    "id": "must start with a letter or digit and use only letters, digits, '.', '_' and '-'",
    "title": "must contain text, not only spaces",
    "description": "must contain text, not only spaces",
    "updated_at": "must be an RFC 3339 date-time with a UTC offset, e.g. 2026-11-20T09:00:00-06:00",
    "date_posted": "must be an RFC 3339 date (2026-11-20) or date-time with offset (2026-11-20T09:00:00Z)",
    "valid_through": "must be an RFC 3339 date (2026-12-31) or date-time with offset (2026-12-31T17:00:00Z)",
    "apply_url": "must be an absolute http or https address",
    "url": "must be an absolute http or https address",
    "logo_url": "must be an absolute http or https address",
    "contact_email": "must be an email address such as jobs@example.com",
    "currency": "must be a three-letter ISO 4217 code in capitals, e.g. USD",
    "country": "must be a two-letter ISO 3166-1 code in capitals, e.g. US",
    "linkedin_organization_id": "must be LinkedIn's numeric organization id (digits only)",
}


@cache
def posting_schema() -> dict[str, Any]:
    text = resources.files("syndicate").joinpath("schemas/posting.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _fast_validator() -> Any:
    return jsonschema_rs.Draft202012Validator(posting_schema())


@cache
def _detailed_validator() -> jsonschema.Draft202012Validator:
    import jsonschema  # noqa: PLC0415 - only an invalid posting needs it; keeps cold starts short

    return jsonschema.Draft202012Validator(posting_schema())


def warm_up() -> None:
    """Compile the fast validator now (at a Lambda's import time) rather than on the first posting."""
    _fast_validator()


def validate(raw: Any, now: datetime) -> list[Problem]:
    """All problems with one raw posting; empty when it is valid."""
    fatal, problems = wellformed.problems(raw)
    if fatal:
        # Input the validators cannot take (too deep, lone surrogates, infinite numbers): refuse it
        # clearly instead of failing inside them.
        return fatal
    if not _is_valid(raw):
        problems.extend(_without_redundant(_schema_problems(_detailed_validator(), raw)))
    if isinstance(raw, Mapping):
        problems.extend(_semantic_problems(raw, now))
    return sorted(problems, key=lambda p: p.pointer)


def _is_valid(raw: Any) -> bool:
    """The fast validator's answer; on input it cannot convert, the detailed validator decides."""
    try:
        return bool(_fast_validator().is_valid(raw))
    except (ValueError, SystemError, OverflowError):  # jsonschema-rs refusing a Python value
        return False


# --- schema errors -------------------------------------------------------------------------------


def _without_redundant(problems: Iterator[Problem]) -> list[Problem]:
    """An empty title breaks both minLength and the "not only spaces" pattern: report it once."""
    found = list(problems)
    too_short = {p.pointer for p in found if p.code == "minLength"}
    return [p for p in found if not (p.code == "pattern" and p.pointer in too_short)]


def pointer_of(path: Any) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def field_label(pointer: str) -> str:
    """`/locations/0/country` -> `locations[0].country`: how a recruiter names the field."""
    label = ""
    for part in pointer.strip("/").split("/"):
        if not part:
            continue
        label += f"[{part}]" if part.isdigit() else (f".{part}" if label else part)
    return label or "the posting"


def _schema_problems(validator: jsonschema.Draft202012Validator, raw: Any) -> Iterator[Problem]:
    for error in validator.iter_errors(raw):
        yield from _explain(error)


def _explain(error: jsonschema.ValidationError) -> Iterator[Problem]:
    keyword = str(error.validator)
    pointer = pointer_of(error.absolute_path)
    label = field_label(pointer)
    instance: Any = error.instance
    expected: Any = error.validator_value
    schema: Any = error.schema
    if keyword == "required":
        for name in expected:
            if isinstance(instance, Mapping) and name not in instance and repr(name) in error.message:
                yield Problem(
                    f"{pointer}/{name}", "required", f"{field_label(pointer + '/' + name)} is required."
                )
                return
    elif keyword == "additionalProperties" and isinstance(instance, Mapping):
        known = set(schema.get("properties", {}))
        for name in sorted(set(instance) - known):
            where = "" if not pointer else f" in {label}"
            yield Problem(
                f"{pointer}/{name}", "unknown_field", f"'{name}' is not a field of the posting{where}."
            )
    elif keyword == "type":
        yield Problem(
            pointer, "type", f"{label} must be {_type_phrase(expected)}, not {_json_type(instance)}."
        )
    elif keyword == "enum":
        choices = ", ".join(json.dumps(c) for c in expected)
        yield Problem(pointer, "enum", f"{label} must be one of {choices}; got {_short(instance)}.")
    elif keyword == "pattern":
        name = pointer.rsplit("/", 1)[-1]
        if name.isdigit():  # list items: applicant_countries/0, responsibilities/2
            name = pointer.rsplit("/", 2)[-2]
        reason = _PATTERN_MESSAGES.get(name)
        if reason is None and name == "applicant_countries":
            reason = _PATTERN_MESSAGES["country"]
        reason = reason or "must contain text, not only spaces"
        hint = _country_hint(name, instance)
        yield Problem(pointer, "pattern", f"{label} {reason}; got {_short(instance)}.{hint}")
    elif keyword == "minLength" and expected == 1:
        yield Problem(pointer, keyword, f"{label} must not be empty.")
    elif keyword in {"minLength", "maxLength"}:
        limit = "at least" if keyword == "minLength" else "at most"
        size = len(instance) if isinstance(instance, str) else 0
        yield Problem(pointer, keyword, f"{label} must be {limit} {expected} characters long; it has {size}.")
    elif keyword in {"minItems", "maxItems"}:
        limit = "at least" if keyword == "minItems" else "at most"
        size = len(instance) if isinstance(instance, list) else 0
        yield Problem(pointer, keyword, f"{label} must have {limit} {expected} entries; it has {size}.")
    elif keyword == "uniqueItems":
        yield Problem(pointer, keyword, f"{label} lists the same value more than once.")
    elif keyword in {"minimum", "exclusiveMinimum", "maximum"}:
        relation = {"minimum": "at least", "exclusiveMinimum": "greater than", "maximum": "at most"}[keyword]
        bound = f"{expected:,}" if isinstance(expected, int) else str(expected)
        yield Problem(pointer, keyword, f"{label} must be {relation} {bound}; got {_short(instance)}.")
    elif keyword in {"oneOf", "dependentRequired"} and pointer == "/salary":
        yield Problem(
            pointer,
            "salary_amount",
            "salary needs either 'value' (one amount) or 'min' with an optional 'max' (a range), not both.",
        )
    else:
        yield Problem(pointer, keyword, f"{label}: {error.message}")


def _type_phrase(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    words = {"string": "text", "object": "an object", "array": "a list", "number": "a number",
             "integer": "a whole number", "boolean": "true or false"}  # fmt: skip
    return " or ".join(words.get(str(n), str(n)) for n in names)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    return {dict: "an object", list: "a list", str: "text", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _country_hint(name: str, value: Any) -> str:
    if name in {"country", "applicant_countries"} and isinstance(value, str):
        upper = value.strip().upper()
        if iso_codes.country(upper) is not None:
            return f' Did you mean "{upper}"?'
    if name == "currency" and isinstance(value, str):
        upper = value.strip().upper()
        if iso_codes.is_currency(upper):
            return f' Did you mean "{upper}"?'
    return ""


# --- semantic rules ------------------------------------------------------------------------------


def _semantic_problems(raw: Mapping[str, Any], now: datetime) -> Iterator[Problem]:
    yield from _title_rules(raw)
    yield from _place_rules(raw)
    yield from _salary_rules(raw)
    yield from _date_rules(raw, now)
    yield from _url_rules(raw)
    yield from _overlay_rules(raw)


def _title_rules(raw: Mapping[str, Any]) -> Iterator[Problem]:
    title = raw.get("title")
    if not isinstance(title, str):
        return  # the schema reports a missing or mistyped title
    for code, message in fieldrules.title_problems(title, "title"):
        if code in {"title_markup", "invisible_characters"}:  # the schema checks the rest
            yield Problem("/title", code, message)


def _place_rules(raw: Mapping[str, Any]) -> Iterator[Problem]:
    remote = raw.get("workplace") == "remote"
    locations = raw.get("locations")
    countries = raw.get("applicant_countries")
    if not remote and not (isinstance(locations, list) and locations):
        yield Problem(
            "/locations",
            "locations_required",
            "locations needs at least one place for a job that is not fully remote "
            '(set workplace to "remote" for a 100% remote job).',
        )
    if remote and not (isinstance(countries, list) and countries):
        yield Problem(
            "/applicant_countries",
            "applicant_countries_required",
            'applicant_countries must list at least one country (ISO code such as "US") '
            "for a fully remote job: where applicants may live.",
        )
    if isinstance(locations, list):
        for index, location in enumerate(locations):
            if isinstance(location, Mapping):
                yield from _country_rule(f"/locations/{index}/country", location.get("country"))
    if isinstance(countries, list):
        for index, country in enumerate(countries):
            yield from _country_rule(f"/applicant_countries/{index}", country)


def _country_rule(pointer: str, code: Any) -> Iterator[Problem]:
    well_formed = isinstance(code, str) and len(code) == 2 and code.isupper() and code.isascii()
    if well_formed and iso_codes.country(code) is None:
        yield Problem(
            pointer, "country", f'{field_label(pointer)} "{code}" is not a country code in ISO 3166-1.'
        )


def _salary_rules(raw: Mapping[str, Any]) -> Iterator[Problem]:
    salary = raw.get("salary")
    if not isinstance(salary, Mapping):
        return
    currency = salary.get("currency")
    well_formed = (
        isinstance(currency, str) and len(currency) == 3 and currency.isupper() and currency.isascii()
    )
    if well_formed and not iso_codes.is_currency(str(currency)):
        yield Problem(
            "/salary/currency",
            "currency",
            f'salary.currency "{currency}" is not a currency code in ISO 4217.',
        )
    low, high = salary.get("min"), salary.get("max")
    if _is_number(low) and _is_number(high) and Decimal(str(high)) < Decimal(str(low)):
        yield Problem(
            "/salary/max", "salary_range", f"salary.max ({high}) must not be below salary.min ({low})."
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _date_rules(raw: Mapping[str, Any], now: datetime) -> Iterator[Problem]:
    moments: dict[str, datetime] = {}
    for name in ("date_posted", "valid_through", "updated_at"):
        value = raw.get(name)
        if not isinstance(value, str):
            continue
        try:
            moments[name] = parse_instant(value, end_of_day=name == "valid_through")
        except OverflowError:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
            message = f"{name} {_short(value)} is outside the years 1 to 9999 in UTC."
            yield Problem(f"/{name}", "date", message)
        except ValueError:
            # The pattern check reports malformed text; this catches well-formed impossible dates.
            if _looks_like_a_date(value):
                yield Problem(f"/{name}", "date", f"{name} {_short(value)} is not a real date or time.")
    posted = moments.get("date_posted")
    if posted is not None and posted > now + MAX_FUTURE_POSTING:
        yield Problem(
            "/date_posted",
            "date_posted_future",
            f"date_posted ({posted.isoformat()}) is more than 24 hours in the future.",
        )
    updated = moments.get("updated_at")
    if updated is not None and updated > now + MAX_FUTURE_UPDATE:
        # Versions are ordered by updated_at: one far ahead would win over every real update after it.
        yield Problem(
            "/updated_at",
            "updated_at_future",
            f"updated_at ({updated.isoformat()}) is more than 24 hours ahead of the time it was received "
            f"({now.isoformat(timespec='seconds')}); send the time the posting was last changed.",
        )
    until = moments.get("valid_through")
    if posted is not None and until is not None and until <= posted:
        yield Problem(
            "/valid_through",
            "valid_through_order",
            f"valid_through ({until.isoformat()}) must be after date_posted ({posted.isoformat()}).",
        )


def _looks_like_a_date(value: str) -> bool:
    return len(value) >= 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit()


def _url_rules(raw: Mapping[str, Any]) -> Iterator[Problem]:
    for path in _URL_FIELDS:
        value: Any = raw
        for part in path.split("/"):
            value = value.get(part) if isinstance(value, Mapping) else None
        if not isinstance(value, str) or not value.lower().startswith(("http://", "https://")):
            continue  # absent, or the pattern check already reports it
        reason = fieldrules.url_problem(value)
        if reason is not None:
            yield Problem(f"/{path}", "url", f"{field_label('/' + path)} {_short(value)} {reason}.")


def _overlay_rules(raw: Mapping[str, Any]) -> Iterator[Problem]:
    """An overlay's title and web addresses, checked as the fields they replace (fieldrules)."""
    extensions = raw.get("extensions")
    if not isinstance(extensions, Mapping):
        return
    for channel, overlay in extensions.items():
        if not isinstance(overlay, Mapping):
            continue  # the schema reports it
        base = f"/extensions/{channel}"
        if "title" in overlay and overlay["title"] is not None:  # null removes the field: allowed
            for code, message in fieldrules.title_problems(overlay["title"], field_label(f"{base}/title")):
                yield Problem(f"{base}/title", code, message)
        yield from _overlay_urls(overlay, base)


def _overlay_urls(value: Any, pointer: str, key: str = "") -> Iterator[Problem]:
    if isinstance(value, Mapping):
        for name, item in value.items():
            yield from _overlay_urls(item, pointer + pointer_of((name,)), str(name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _overlay_urls(item, f"{pointer}/{index}", key)
    elif isinstance(value, str) and _is_url_key(key):
        reason = fieldrules.url_problem(value)
        if reason is not None:
            yield Problem(pointer, "url", f"{field_label(pointer)} {_short(value)} {reason}.")


def _is_url_key(name: str) -> bool:
    """Overlay keys that hold a web address on some channel: `url` (Indeed, schema.org),
    `companyApplyUrl` (LinkedIn), `sameAs`, `logo`, `image` (schema.org)."""
    lowered = name.lower()
    return lowered.endswith("url") or lowered in {"sameas", "logo", "image"}
