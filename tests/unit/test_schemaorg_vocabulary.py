"""Every property the schema.org renderer emits exists in the vocabulary, on a type it belongs to.

The vocabulary is the pinned schema.org 30.0 release kept in tests/vocab (source, checksum and
licence in tests/vocab/README.md and SOURCE.txt). Domains are checked through
rdfs:subClassOf (a property of Place is fine on Country), and http:// and https:// schema.org
IRIs are the same term.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from syndicate.core.channels import schemaorg, schemaorg_readiness
from syndicate.core.description import build_description
from syndicate.core.model import Location, Organization, Salary
from tests.factories import make_posting

VOCAB_FILE = "schemaorg-current-https-30.0.jsonld"
SCHEMA_PREFIXES = ("schema:", "https://schema.org/", "http://schema.org/")
# Data types whose JSON form is a string (URL is a subclass of Text in the vocabulary).
STRING_TYPES = frozenset({"Text", "URL", "Date", "DateTime", "Time"})


VOCAB_DIR = Path(__file__).resolve().parents[1] / "vocab"
VOCAB_PATH = VOCAB_DIR / VOCAB_FILE


def local_name(iri: str) -> str | None:
    """`schema:Place`, `https://schema.org/Place` and `http://schema.org/Place` are all `Place`."""
    for prefix in SCHEMA_PREFIXES:
        if iri.startswith(prefix):
            return iri[len(prefix) :]
    return None


def ids(value: Any) -> list[str]:
    nodes = value if isinstance(value, list) else [value] if value is not None else []
    return [
        name for node in nodes if isinstance(node, dict) for name in [local_name(node.get("@id", ""))] if name
    ]


@dataclass
class Property:
    domains: set[str]
    ranges: set[str]
    superseded: bool


@dataclass
class Vocabulary:
    superclasses: dict[str, set[str]] = field(default_factory=dict)
    properties: dict[str, Property] = field(default_factory=dict)

    def is_class(self, name: str) -> bool:
        return name in self.superclasses

    def ancestors(self, name: str) -> set[str]:
        """The class and every class above it."""
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.superclasses.get(current, ()))
        return seen

    def applies_to(self, prop: str, type_name: str) -> bool:
        known = self.properties.get(prop)
        return known is not None and bool(known.domains & self.ancestors(type_name))


def load_vocabulary(path: Path) -> Vocabulary:
    graph = json.loads(path.read_text(encoding="utf-8"))["@graph"]
    vocab = Vocabulary()
    for node in graph:
        name = local_name(node.get("@id", ""))
        kinds = node.get("@type")
        kinds = set(kinds if isinstance(kinds, list) else [kinds])
        if name is None:
            continue
        if "rdfs:Class" in kinds:
            vocab.superclasses[name] = set(ids(node.get("rdfs:subClassOf")))
        if "rdf:Property" in kinds:
            vocab.properties[name] = Property(
                domains=set(ids(node.get("schema:domainIncludes"))),
                ranges=set(ids(node.get("schema:rangeIncludes"))),
                superseded="schema:supersededBy" in node,
            )
    return vocab


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_vocabulary(VOCAB_PATH)


def test_the_vocabulary_file_is_the_pinned_release():
    """The checksum SOURCE.txt records: the file cannot be swapped or edited unnoticed."""
    recorded = re.search(r"sha256 ([0-9a-f]{64})", (VOCAB_DIR / "SOURCE.txt").read_text("utf-8"))
    assert recorded is not None
    assert hashlib.sha256(VOCAB_PATH.read_bytes()).hexdigest() == recorded.group(1)


def violations(vocab: Vocabulary, obj: Any, where: str = "$") -> Iterator[str]:
    """Every way `obj` (rendered JSON-LD) steps outside the vocabulary."""
    if isinstance(obj, list):
        for index, item in enumerate(obj):
            yield from violations(vocab, item, f"{where}[{index}]")
        return
    if not isinstance(obj, dict):
        return
    type_name = obj.get("@type")
    if not isinstance(type_name, str) or not vocab.is_class(type_name):
        yield f"{where}: @type {type_name!r} is not a schema.org class"
        return
    for prop, value in obj.items():
        if prop.startswith("@"):
            continue
        known = vocab.properties.get(prop)
        path = f"{where}.{prop}"
        if known is None:
            yield f"{path}: no property {prop!r} in the vocabulary"
            continue
        if known.superseded:
            yield f"{path}: {prop!r} is superseded"
        if not vocab.applies_to(prop, type_name):
            yield f"{path}: {prop!r} is not a property of {type_name} or its superclasses"
        for item in value if isinstance(value, list) else [value]:
            yield from range_violations(vocab, known, item, path)
        yield from violations(vocab, value, path)


def range_violations(vocab: Vocabulary, known: Property, value: Any, path: str) -> Iterator[str]:
    if isinstance(value, dict):
        value_type = value.get("@type")
        if isinstance(value_type, str) and not (vocab.ancestors(value_type) & known.ranges):
            yield f"{path}: a {value_type} is not in the range {sorted(known.ranges)}"
        return
    if isinstance(value, bool):
        allowed = {"Boolean"}
    elif isinstance(value, int | float):
        allowed = {"Number"}
    else:
        allowed = set(STRING_TYPES)
    if not any(vocab.ancestors(range_type) & allowed for range_type in known.ranges):
        yield f"{path}: {value!r} does not fit the range {sorted(known.ranges)}"


def pairs(obj: Any) -> set[tuple[str, str]]:
    """(@type, property) pairs present in the rendered JSON-LD."""
    found: set[tuple[str, str]] = set()
    for item in obj if isinstance(obj, list) else [obj]:
        if isinstance(item, dict):
            found |= {(str(item.get("@type")), key) for key in item if not key.startswith("@")}
            for value in item.values():
                found |= pairs(value)
    return found


posting = partial(
    make_posting,
    title="Registered Nurse",
    description=build_description("Join our ICU.\n\n- nights\n- days"),
    hiring_organization=Organization(
        "Lakeshore General Hospital",
        "https://lakeshore.example.org",
        "https://lakeshore.example.org/l.png",
    ),
    employment_types=("FULL_TIME", "PART_TIME"),
    locations=(
        Location("US", "Chicago", "IL", "60611", "600 N Lake Shore Dr"),
        Location("US", "Evanston", "IL"),
    ),
    date_posted=datetime(2026, 11, 20, tzinfo=UTC),
    apply_url="https://lakeshore.example.org/apply/2207",
    url="https://lakeshore.example.org/jobs/2207",
    responsibilities=("Assess patients", "Chart care"),
    qualifications=("Active RN license",),
    skills=("Ventilators", "Triage"),
    experience_level="mid_senior",
    experience_months=24,
    education="bachelor_degree",
    categories=("Nursing",),
    direct_apply=True,
    contact_email="icu@lakeshore.example.org",
)


POSTINGS = {
    "on_site_full": posting(),
    "single_place_single_value_salary": posting(
        locations=(Location("DE", "Berlin"),), salary=Salary("EUR", "YEAR", value=Decimal("65000"))
    ),
    "hybrid": posting(workplace="hybrid", education="high_school", direct_apply=False),
    "remote_two_countries": posting(workplace="remote", locations=(), applicant_countries=("MX", "CO")),
    "remote_one_country_with_office": posting(workplace="remote", applicant_countries=("US",)),
    "minimal": posting(
        salary=None,
        valid_through=None,
        responsibilities=(),
        qualifications=(),
        skills=(),
        experience_months=None,
        education=None,
        direct_apply=None,
        hiring_organization=Organization("Solo Clinic"),
    ),
}

# What the renderer can emit; the postings above must show every pair at least once.
EXPECTED_PAIRS = {
    ("JobPosting", prop)
    for prop in (
        "title", "description", "datePosted", "validThrough", "hiringOrganization", "jobLocation",
        "jobLocationType", "applicantLocationRequirements", "employmentType", "baseSalary",
        "educationRequirements", "experienceRequirements", "responsibilities", "qualifications",
        "skills", "directApply", "identifier", "url",
    )
} | {
    ("Organization", "name"), ("Organization", "sameAs"), ("Organization", "logo"),
    ("Place", "address"),
    ("PostalAddress", "streetAddress"), ("PostalAddress", "addressLocality"),
    ("PostalAddress", "addressRegion"), ("PostalAddress", "postalCode"), ("PostalAddress", "addressCountry"),
    ("Country", "name"),
    ("MonetaryAmount", "currency"), ("MonetaryAmount", "value"),
    ("QuantitativeValue", "value"), ("QuantitativeValue", "minValue"), ("QuantitativeValue", "maxValue"),
    ("QuantitativeValue", "unitText"),
    ("PropertyValue", "name"), ("PropertyValue", "value"),
    ("EducationalOccupationalCredential", "credentialCategory"),
    ("OccupationalExperienceRequirements", "monthsOfExperience"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(POSTINGS))
def test_every_emitted_property_belongs_to_its_type(vocab: Vocabulary, name: str) -> None:
    assert list(violations(vocab, schemaorg.render(POSTINGS[name]))) == []


def test_the_postings_exercise_every_property_the_renderer_emits() -> None:
    emitted: set[tuple[str, str]] = set()
    for item in POSTINGS.values():
        emitted |= pairs(schemaorg.render(item))
    assert emitted >= EXPECTED_PAIRS, sorted(EXPECTED_PAIRS - emitted)
    assert emitted <= EXPECTED_PAIRS, sorted(emitted - EXPECTED_PAIRS)  # a new property needs a check here


def test_overlay_allowlist_matches_the_vocabulary(vocab: Vocabulary) -> None:
    current = {
        name
        for name, prop in vocab.properties.items()
        if not prop.superseded and vocab.applies_to(name, "JobPosting")
    }
    assert set(schemaorg_readiness.JOBPOSTING_PROPERTIES) == current


def test_the_checker_rejects_what_the_vocabulary_does_not_allow(vocab: Vocabulary) -> None:
    bad = {
        "@type": "JobPosting",
        "salary": 5,  # no such property
        "monthsOfExperience": 3,  # exists, but not on JobPosting
        "benefits": "Dental",  # superseded by jobBenefits
        "jobLocation": {"@type": "Country", "name": "MX"},  # a Country is a Place: fine
        "hiringOrganization": {"@type": "Company", "name": "X"},  # no such class, so out of range too
        "directApply": "yes",  # a string where only Boolean is allowed
        "applicantLocationRequirements": {"@type": "PostalAddress", "addressCountry": "MX"},  # out of range
    }
    found = list(violations(vocab, bad))
    assert len(found) == 7, found
    assert any("salary" in v for v in found)
    assert any("monthsOfExperience" in v for v in found)
    assert any("superseded" in v for v in found)
    assert any("Company" in v for v in found)
    assert any("directApply" in v for v in found)
    assert any("PostalAddress is not in the range" in v for v in found)


def test_http_and_https_iris_name_the_same_term() -> None:
    assert local_name("http://schema.org/Place") == local_name("https://schema.org/Place") == "Place"
    assert local_name("schema:Place") == "Place"
    assert local_name("cmns-ge:GeopoliticalEntity") is None


def test_country_walks_up_to_place(vocab: Vocabulary) -> None:
    assert {"AdministrativeArea", "Place", "Thing"} <= vocab.ancestors("Country")
    assert {"ContactPoint", "StructuredValue"} <= vocab.ancestors("PostalAddress")
