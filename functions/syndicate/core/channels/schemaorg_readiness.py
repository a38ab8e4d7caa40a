"""Whether a posting can be published as Google `JobPosting` markup: the rules checked on the JSON-LD
`schemaorg.render` produces. Sources and decisions: docs/channels/google.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from math import isfinite
from typing import Any

from syndicate.core import htmltree
from syndicate.core.channels.base import extension_fields, not_selected
from syndicate.core.channels.schemaorg import (
    CHANNEL,
    CONTEXT,
    CREDENTIAL_CATEGORIES,
    EMPLOYMENT_TYPES,
    SALARY_UNITS,
    as_list,
    parse_moment,
    render,
)
from syndicate.core.model import Posting
from syndicate.core.problems import Problem

# Every current (not superseded) property schema.org 30.0 allows on JobPosting, its own and those
# of Intangible and Thing. The vocabulary test keeps this set equal to the vocabulary file, so an
# overlay key outside it is an unknown property (e.g. a typo), reported by `readiness`.
JOBPOSTING_PROPERTIES = frozenset(
    {
        "additionalType", "alternateName", "applicantLocationRequirements", "applicationContact",
        "baseSalary", "datePosted", "description", "directApply", "disambiguatingDescription",
        "educationRequirements", "eligibilityToWorkRequirement", "employerOverview", "employmentType",
        "employmentUnit", "estimatedSalary", "experienceInPlaceOfEducation", "experienceRequirements",
        "hiringOrganization", "identifier", "image", "incentiveCompensation", "industry",
        "jobBenefits", "jobDuration", "jobImmediateStart", "jobLocation", "jobLocationType",
        "jobStartDate", "mainEntityOfPage", "name", "occupationalCategory", "owner",
        "physicalRequirement", "potentialAction", "qualifications", "relevantOccupation",
        "responsibilities", "salaryCurrency", "sameAs", "securityClearanceRequirement",
        "sensoryRequirement", "skills", "specialCommitments", "subjectOf", "title",
        "totalJobOpenings", "url", "validThrough", "workHours",
    }
)  # fmt: skip
_KEYWORDS = frozenset({"@context", "@type", "@id"})

# Where a property of the output comes from in the canonical posting, for problem pointers.
_SOURCE_POINTERS: Mapping[str, str] = {
    "title": "/title",
    "description": "/description",
    "datePosted": "/date_posted",
    "validThrough": "/valid_through",
    "hiringOrganization": "/hiring_organization",
    "jobLocation": "/locations",
    "jobLocationType": "/workplace",
    "applicantLocationRequirements": "/applicant_countries",
    "employmentType": "/employment_types",
    "baseSalary": "/salary",
    "educationRequirements": "/education",
    "experienceRequirements": "/experience_months",
    "directApply": "/direct_apply",
    "url": "/url",
    "identifier": "/id",
}


def readiness(posting: Posting) -> list[Problem]:
    """Why this posting cannot be published as Google JobPosting markup; empty when it can.

    The rules are checked on the rendered output, so an extension overlay is judged by what it
    produces; a problem caused by an overlaid key points at `/extensions/schemaorg/<key>`.
    A closed posting is not "not ready": its page is removed by the publisher.
    """
    unselected = not_selected(posting, CHANNEL)
    if unselected:
        return unselected
    overlay = {str(k): v for k, v in extension_fields(posting, CHANNEL).items()}
    checker = _Checker(overlay)
    checker.check(render(posting), posting)
    return checker.problems


class _Checker:
    def __init__(self, overlay: Mapping[str, Any]) -> None:
        self.overlay = overlay
        self.problems: list[Problem] = []

    def add(self, prop: str, code: str, message: str) -> None:
        if prop in self.overlay:
            pointer = "/extensions/schemaorg/" + prop.replace("~", "~0").replace("/", "~1")
        else:
            pointer = _SOURCE_POINTERS.get(prop, "")
        problem = Problem(pointer, code, message)
        if problem not in self.problems:
            self.problems.append(problem)

    def check(self, doc: Mapping[str, Any], posting: Posting) -> None:
        self._check_overlay_keys()
        self._check_required(doc, posting)
        self._check_location(doc, posting)
        self._check_values(doc)

    def _check_overlay_keys(self) -> None:
        fixed = {"@context": CONTEXT, "@type": "JobPosting"}
        for key, value in self.overlay.items():
            if key in fixed:
                if value != fixed[key]:
                    self.add(key, "invalid_value", f"JobPosting markup must keep {key} {fixed[key]}.")
            elif key not in _KEYWORDS and key not in JOBPOSTING_PROPERTIES:
                self.add(key, "unknown_property", f"'{key}' is not a schema.org JobPosting property.")
            if not _finite(value):
                self.add(key, "invalid_value", f"'{key}' holds a number JSON cannot carry.")

    def _check_required(self, doc: Mapping[str, Any], posting: Posting) -> None:
        if not _nonblank(doc.get("title")):
            self.add("title", "required", "Google requires a title.")
        description = doc.get("description")
        if "description" in self.overlay:
            visible = (
                htmltree.visible_text(htmltree.parse(description)) if isinstance(description, str) else ""
            )
        else:
            visible = posting.description.text  # the rendered description is this text, narrowed
        if not visible.strip():
            code = "required" if "description" in self.overlay else "description_empty"
            self.add("description", code, "Google requires a description; it has no text after sanitizing.")
        posted = parse_moment(doc.get("datePosted"))
        if posted is None:
            self.add("datePosted", "required", "Google requires datePosted as an ISO 8601 date or date-time.")
        if "validThrough" in doc:
            through = parse_moment(doc.get("validThrough"), end_of_day=True)
            if through is None:
                self.add(
                    "validThrough", "invalid_value", "validThrough must be an ISO 8601 date or date-time."
                )
            elif posted is not None and through <= posted:
                self.add("validThrough", "invalid_value", "validThrough must be after datePosted.")
        org = doc.get("hiringOrganization")
        if not isinstance(org, Mapping) or not _nonblank(org.get("name")):
            self.add("hiringOrganization", "required", "Google requires hiringOrganization with a name.")

    def _check_location(self, doc: Mapping[str, Any], posting: Posting) -> None:
        location_type = doc.get("jobLocationType")
        telecommute = location_type == "TELECOMMUTE"
        if location_type is not None and not telecommute:
            self.add("jobLocationType", "invalid_value", "Google only knows jobLocationType TELECOMMUTE.")
        requirements = as_list(doc.get("applicantLocationRequirements"))
        if telecommute and not (requirements and all(_named(r) for r in requirements)):
            # Blame the overlay key that broke the pair; without an overlay, the missing countries.
            culprit = "applicantLocationRequirements"
            if culprit not in self.overlay and "jobLocationType" in self.overlay:
                culprit = "jobLocationType"
            self.add(
                culprit,
                "telecommute_without_applicant_location",
                "A TELECOMMUTE job needs applicantLocationRequirements: where applicants may live.",
            )
        if posting.is_remote and not telecommute:
            self.add("jobLocationType", "required", "A fully remote job needs jobLocationType TELECOMMUTE.")
        if telecommute and not posting.is_remote:
            self.add(
                "jobLocationType",
                "telecommute_not_remote",
                "TELECOMMUTE is for 100% remote jobs only; this posting's workplace is not remote.",
            )
        places = as_list(doc.get("jobLocation"))
        if not places and not telecommute:
            self.add("jobLocation", "required", "Google requires jobLocation unless the job is fully remote.")
        for place in places:
            address = place.get("address") if isinstance(place, Mapping) else None
            country = address.get("addressCountry") if isinstance(address, Mapping) else None
            if not _nonblank(country):
                self.add(
                    "jobLocation", "invalid_value", "Every jobLocation needs an address with addressCountry."
                )

    def _check_values(self, doc: Mapping[str, Any]) -> None:
        if "employmentType" in doc and not all(v in EMPLOYMENT_TYPES for v in as_list(doc["employmentType"])):
            allowed = ", ".join(sorted(EMPLOYMENT_TYPES))
            self.add("employmentType", "invalid_value", f"employmentType values must be among {allowed}.")
        if "baseSalary" in doc and not _valid_salary(doc["baseSalary"]):
            self.add(
                "baseSalary",
                "invalid_value",
                "baseSalary must be a MonetaryAmount with a currency and a QuantitativeValue holding "
                "value or minValue (maxValue not below it) and unitText HOUR, DAY, WEEK, MONTH or YEAR.",
            )
        education = doc.get("educationRequirements")
        if isinstance(education, Mapping) and education.get("credentialCategory") not in set(
            CREDENTIAL_CATEGORIES.values()
        ):
            self.add("educationRequirements", "invalid_value", "credentialCategory is not one Google knows.")
        if "directApply" in doc and not isinstance(doc["directApply"], bool):
            self.add("directApply", "invalid_value", "directApply must be true or false.")


def _nonblank(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _named(value: Any) -> bool:
    return isinstance(value, Mapping) and _nonblank(value.get("name"))


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return isfinite(value)
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, Mapping):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_finite(v) for v in value)
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and isfinite(value) and value > 0


def _valid_salary(value: Any) -> bool:
    if not isinstance(value, Mapping) or not _nonblank(value.get("currency")):
        return False
    quantity = value.get("value")
    if not isinstance(quantity, Mapping) or quantity.get("unitText") not in SALARY_UNITS:
        return False
    if "value" in quantity:
        return _is_number(quantity["value"])
    low, high = quantity.get("minValue"), quantity.get("maxValue")
    if not _is_number(low):
        return False
    return high is None or (_is_number(high) and high >= low)
