"""`syndicate preview`: a page per posting, the index, and nothing a posting says is ever markup."""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from syndicate.cli.main import main
from syndicate.core import preview
from syndicate.core.assess import assess
from syndicate.core.intake import RawPosting
from tests.factories import NOW, raw_posting

CLOCK = ["--now", NOW.isoformat()]
EXAMPLES = Path(__file__).parents[2] / "examples"
HOSTILE = "<script>alert(1)</script>"


def run_preview(out: Path, *paths: Path | str) -> int:
    return main([*CLOCK, "preview", "--out", str(out), *map(str, paths)])


class _Tags(HTMLParser):
    """Every start tag the browser would build, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_every_posting_gets_a_page_and_a_line_in_the_index(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "preview"
    paths = [
        EXAMPLES / name for name in ("postings.json", "postings.csv", "posting.md", "broken/mixed.jsonl")
    ]
    assert run_preview(out, *paths, tmp_path / "missing.json") == 0
    assert "Preview: " in capsys.readouterr().out
    pages = sorted(p.name for p in out.glob("posting-*.html"))
    assert len(pages) == 5 + 4 + 1 + 4
    assert pages[0] == "posting-0001-RN-ICU-2207.html"
    index = (out / "index.html").read_text("utf-8")
    links = [attrs["href"] for tag, attrs in tags_of(index) if tag == "a"]
    assert sorted(str(link) for link in links) == pages
    for title in (
        "Pharmacy Technician",
        "Data Engineer (Streaming)",
        "Registered Nurse, Intensive Care (Nights)",
    ):
        assert title in index
    assert "missing.json" in index and "cannot open" in index
    bookkeeper = next(p for p in pages if "BOOK-PT-8" in p)
    page = (out / bookkeeper).read_text("utf-8")
    assert "LinkedIn: not ready" in page and "Google (schema.org): ready" in page
    assert "LinkedIn requires the poster&#x27;s email" in page  # the readiness problem, in its panel


def test_old_pages_are_replaced(tmp_path: Path) -> None:
    (tmp_path / "posting-0099-OLD.html").write_text("old")
    (tmp_path / "notes.txt").write_text("mine")
    assert run_preview(tmp_path, EXAMPLES / "posting.md") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "index.html",
        "notes.txt",
        "posting-0001-DATA-ENG-12.html",
    ]


def test_a_valid_posting_page_shows_each_channel_side_by_side(tmp_path: Path) -> None:
    assert run_preview(tmp_path, EXAMPLES / "postings.csv") == 0
    page = (tmp_path / "posting-0001-PHARM-TECH-19.html").read_text("utf-8")
    ids = [attrs.get("id") for _, attrs in tags_of(page)]
    assert [i for i in ids if i in {"linkedin", "indeed", "schemaorg"}] == ["linkedin", "indeed", "schemaorg"]
    assert "&quot;externalJobPostingId&quot;: &quot;PHARM-TECH-19&quot;" in page  # the LinkedIn job element
    assert page.count("&lt;/job&gt;") == 3  # one Indeed <job> per location
    assert "&lt;city&gt;&lt;![CDATA[Tacoma]]&gt;&lt;/city&gt;" in page
    (frame,) = [attrs for tag, attrs in tags_of(page) if tag == "iframe"]
    assert frame["sandbox"] == ""
    assert '<script type="application/ld+json">' in str(frame["srcdoc"])  # the job page, with its JSON-LD
    assert "&quot;@type&quot;: &quot;JobPosting&quot;" in page


def prospect_lines(page: str, channel: str) -> list[str]:
    section = page.partition(f'<section class="card channel" id="{channel}">')[2].partition("</section>")[0]
    listed = section.partition('<ul class="prospects">')[2].partition("</ul>")[0]
    return [html.unescape(item.partition("</li>")[0]) for item in listed.split("<li>")[1:]]


def test_a_closed_posting_says_what_happens_whether_or_not_a_channel_lists_it(tmp_path: Path) -> None:
    """As the pipeline plans it: a closed posting no channel lists gets nothing anywhere (no
    LinkedIn CLOSE for a job LinkedIn never had); one that is listed is taken down everywhere."""
    path = tmp_path / "closed.json"
    path.write_text(json.dumps(raw_posting(status="closed")))
    assert run_preview(tmp_path / "out", path) == 0
    page = (tmp_path / "out" / "posting-0001-JOB-1.html").read_text("utf-8")
    assert "LinkedIn: taken down" in page
    assert prospect_lines(page, "linkedin") == [
        "If LinkedIn does not list it yet: nothing is sent (the posting is closed).",
        "If LinkedIn lists an earlier version: sent with the CLOSE operation, which takes the job down "
        "(the posting is closed).",
    ]
    assert prospect_lines(page, "indeed")[0].endswith("nothing is sent (the posting is closed).")
    assert "left out of the feed, which removes it from Indeed" in prospect_lines(page, "indeed")[1]
    assert prospect_lines(page, "schemaorg")[0].endswith("nothing is sent (the posting is closed).")
    assert "URL_DELETED" in prospect_lines(page, "schemaorg")[1]
    assert "&quot;jobPostingOperationType&quot;: &quot;CLOSE&quot;" in page  # the element sent to close it


def test_an_open_posting_is_created_where_it_is_new_and_updated_where_it_is_listed(tmp_path: Path) -> None:
    path = tmp_path / "open.json"
    path.write_text(json.dumps(raw_posting()))
    assert run_preview(tmp_path / "out", path) == 0
    page = (tmp_path / "out" / "posting-0001-JOB-1.html").read_text("utf-8")
    assert prospect_lines(page, "linkedin") == [
        "If LinkedIn does not list it yet: sent as a new job (CREATE).",
        "If LinkedIn lists an earlier version: sent again with this version (UPDATE).",
    ]
    assert "URL_UPDATED" in prospect_lines(page, "schemaorg")[0]


def test_a_channel_the_posting_is_not_ready_for_gets_nothing_or_a_take_down(tmp_path: Path) -> None:
    path = tmp_path / "no-email.json"
    posting = raw_posting()
    del posting["contact_email"]
    path.write_text(json.dumps(posting))
    assert run_preview(tmp_path / "out", path) == 0
    page = (tmp_path / "out" / "posting-0001-JOB-1.html").read_text("utf-8")
    assert prospect_lines(page, "indeed") == [
        "If Indeed does not list it yet: nothing is sent (see above).",
        "If Indeed lists an earlier version: left out of the feed, which removes it from Indeed (see above).",
    ]


def test_an_invalid_posting_shows_its_errors_next_to_the_fields(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text(
        "id,title,description,hiring_organization.name,date_posted,apply_url,salary.currency,salary.min,salary.unit\n"
        "A-1,Cook,Cook breakfast.,Diner,2026-11-20,ftp://x.example.com,USD,lots,YEAR\n"
    )
    assert run_preview(tmp_path / "out", path) == 0
    page = (tmp_path / "out" / "posting-0001-A-1.html").read_text("utf-8")
    rows = page.split("<tr")
    bad = [row for row in rows if row.startswith(' class="bad"')]
    labels = sorted(row.split("<code>")[1].split("</code>")[0] for row in bad)
    assert labels == ["apply_url", "locations", "salary.min"]
    salary_row = next(row for row in bad if "<code>salary.min</code>" in row)
    assert "row 2, column &quot;salary.min&quot;" in salary_row and "must be a number" in salary_row
    locations_row = next(row for row in bad if "<code>locations</code>" in row)
    assert "(missing)" in locations_row


def test_hostile_text_is_never_markup(tmp_path: Path) -> None:
    sheet = tmp_path / "hostile.csv"
    sheet.write_text(
        "id,title,description,description_format,hiring_organization.name,date_posted,apply_url,"
        "locations.0.locality,locations.0.country,contact_email\n"
        # Invalid: markup in the title. Its raw fields are shown in the table.
        f'BAD-1,"{HOSTILE}",Text,text,Org,2026-11-20,https://x.example.com/1,Denver,US,a@example.com\n'
        # Valid: hostile text where the contract allows any text, and an HTML description.
        f'OK-2,Cook,"<p>Hi</p>{HOSTILE}<img src=x onerror=alert(2)>'
        + 'Cook breakfast and lunch for a busy diner, prep the line and train new cooks on our menu.",'
        f'html,"{HOSTILE}<img src=x onerror=alert(3)>",2026-11-20,https://x.example.com/2,'
        f'"</pre>{HOSTILE}",US,a@example.com\n'
    )
    assert run_preview(tmp_path / "out", sheet) == 0
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == ["index.html", "posting-0001-BAD-1.html", "posting-0002-OK-2.html"]
    for file in files:
        html = file.read_text("utf-8")
        assert "<script>alert" not in html and "<img src=x" not in html
        scripts = [tag for tag, _ in tags_of(html) if tag in {"script", "img"}]
        assert scripts == [], file.name
        assert "alert" not in "".join(str(attrs) for tag, attrs in tags_of(html) if tag != "iframe")
    bad_page = (tmp_path / "out" / "posting-0001-BAD-1.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in bad_page  # shown, as text
    # Inside the job page the browser parses from srcdoc, everything is still text or sanitized.
    good_page = (tmp_path / "out" / "posting-0002-OK-2.html").read_text("utf-8")
    (frame,) = [attrs for tag, attrs in tags_of(good_page) if tag == "iframe"]
    inner = tags_of(str(frame["srcdoc"]))
    assert [tag for tag, _ in inner if tag == "script"] == ["script"]  # only the JSON-LD one
    assert all(attrs.get("type") == "application/ld+json" for tag, attrs in inner if tag == "script")
    assert not [tag for tag, _ in inner if tag == "img"]
    assert "<script>alert" not in str(frame["srcdoc"])


def test_page_names_are_unique_and_safe() -> None:
    item = RawPosting("a.json", 0, {"id": "../../etc/passwd<x>"})
    result = assess(item, NOW)
    assert preview.page_name(3, result) == "posting-0003-etcpasswdx.html"
    nameless = assess(RawPosting("a.json", 1, [1, 2]), NOW)
    assert preview.page_name(4, nameless) == "posting-0004.html"
    page = preview.posting_page(RawPosting("a.json", 1, [1, 2]), nameless, NOW)
    assert "(no title)" in page and "the posting must be an object" in page


def test_deep_and_huge_raw_postings_still_render() -> None:
    deep: object = "x"
    for _ in range(150):  # deeper than any page shows, within what the validator takes
        deep = {"a": deep}
    item = RawPosting("a.jsonl", 0, {"id": "A", "extensions": deep, "skills": ["s"] * 1000})
    page = preview.posting_page(item, assess(item, NOW), NOW)
    assert f"{1000 + 1 + 1 - preview.MAX_FIELD_ROWS} more fields not shown" in page
