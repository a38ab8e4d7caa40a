"""The repository stands alone: a clone holds everything its documents and tests refer to.

Every relative link in the Markdown documents resolves to a file in the repository (and a
`#fragment` to a heading of the target), and no tracked file names a path outside the
repository: no sibling folder, no build machine's absolute path.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Spelled in pieces so that this file does not match itself.
OUTSIDE_PATHS = re.compile(
    "|".join(
        [
            r"(?<![.\w])" + re.escape(".." + "/shared"),  # the folder beside a checkout, not ".../shared"
            re.escape("/" + "work/"),  # the build machine's absolute paths
            r"\bshared/(?:spec|vocab)\b",
            re.escape("/" + "home/"),
            re.escape("/" + "Users/"),
        ]
    ).encode()
)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+).+?\1", re.DOTALL)
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE_DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True
    ).stdout.split(b"\0")
    return [ROOT / name.decode("utf-8") for name in listed if name]


def markdown_files() -> list[Path]:
    return [path for path in tracked_files() if path.suffix == ".md"]


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, markup and punctuation dropped, spaces as '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.replace("`", "").strip().lower()
    text = "".join(char for char in text if char.isalnum() or char in " -_")
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text("utf-8"))
    found: set[str] = set()
    for heading in _HEADING.findall(text):
        anchor = github_anchor(heading)
        number = 1
        unique = anchor
        while unique in found:  # GitHub numbers repeated headings: name, name-1, name-2...
            unique = f"{anchor}-{number}"
            number += 1
        found.add(unique)
    return found


def links(path: Path) -> Iterator[str]:
    text = _FENCE.sub("", path.read_text("utf-8"))
    text = _CODE_SPAN.sub("", text)
    yield from _LINK.findall(text)
    yield from _REFERENCE_DEFINITION.findall(text)


def test_the_documents_are_found():
    names = {path.relative_to(ROOT).as_posix() for path in markdown_files()}
    assert {"README.md", "docs/posting-format.md"} <= names
    assert any(name.startswith("docs/channels/") for name in names)


@pytest.mark.parametrize("document", markdown_files(), ids=lambda path: path.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves_inside_the_repository(document: Path):
    broken: list[str] = []
    for target in links(document):
        parts = urlsplit(target)
        if parts.scheme or parts.netloc:
            continue  # a web address: not this test's business
        file_part = unquote(parts.path)
        resolved = (document.parent / file_part).resolve() if file_part else document
        if resolved != ROOT and ROOT not in resolved.parents:
            broken.append(f"{target}: outside the repository")
        elif not resolved.exists():
            broken.append(f"{target}: no such file")
        elif parts.fragment and resolved.suffix == ".md" and parts.fragment not in anchors(resolved):
            broken.append(f"{target}: no heading #{parts.fragment} in {resolved.relative_to(ROOT)}")
    assert broken == []


def test_no_tracked_file_names_a_path_outside_the_repository():
    offenders = []
    for path in tracked_files():
        if not path.is_file():
            continue  # deleted in the work tree, not yet committed
        for number, line in enumerate(path.read_bytes().splitlines(), start=1):
            if OUTSIDE_PATHS.search(line):
                offenders.append(
                    f"{path.relative_to(ROOT)}:{number}: {line.decode('utf-8', 'replace')[:120]}"
                )
    assert offenders == []


def test_the_anchor_rule_matches_githubs():
    assert github_anchor("CSV and Markdown") == "csv-and-markdown"
    assert github_anchor("`syndicate status`") == "syndicate-status"
    assert github_anchor("LinkedIn: the Job Posting API, or the XML feed") == (
        "linkedin-the-job-posting-api-or-the-xml-feed"
    )
