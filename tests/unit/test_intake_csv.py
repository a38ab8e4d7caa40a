"""CSV intake: the same raw postings as JSON, read as a stream, and errors named by row and column."""

from __future__ import annotations

import csv
import io
import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.adapters import storage
from syndicate.core.assess import assess
from syndicate.core.intake import FileProblem, RawPosting, read_postings
from syndicate.core.intake.csv_files import Column, known_headers, resolve_header
from tests.factories import NOW, raw_posting

EXAMPLES = Path(__file__).parents[2] / "examples"
LOCATION_FIELDS = ("street_address", "locality", "region", "postal_code", "country")


def read(body: str | bytes, name: str = "postings.csv") -> list[RawPosting | FileProblem]:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return list(read_postings(io.BytesIO(data), name))


def postings(body: str | bytes) -> list[RawPosting]:
    items = read(body)
    assert all(isinstance(i, RawPosting) for i in items), items
    return items  # type: ignore[return-value]


def file_problem(body: str | bytes) -> str:
    (item,) = read(body)
    assert isinstance(item, FileProblem), item
    return item.message


def to_csv(records: list[dict[str, Any]]) -> str:
    """A spreadsheet export of `records`, written independently of the reader: dotted columns,
    `|` lists, numbers as JSON writes them, one location per row in `locations.0.*`."""
    rows: list[dict[str, str]] = []
    for record in records:
        flat: dict[str, str] = {}
        for key, value in record.items():
            if key == "locations":
                continue
            if isinstance(value, dict):
                for sub, inner in value.items():
                    flat[f"{key}.{sub}"] = _cell(inner)
            else:
                flat[key] = _cell(value)
        places = record.get("locations") or [{}]
        for number, place in enumerate(places):
            row = dict(flat) if number == 0 else {"id": record["id"]}
            row.update({f"locations.0.{k}": v for k, v in place.items()})
            rows.append(row)
    header = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "|".join(str(item).replace("|", "\\|") for item in value)
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    return str(value)


# --- the same postings as JSON ------------------------------------------------------------------


def test_round_trip_of_the_json_examples() -> None:
    expected = json.loads((EXAMPLES / "postings.json").read_text("utf-8"))["postings"]
    text = to_csv(expected)
    assert [item.data for item in postings(text)] == expected
    # Spreadsheet exports: a byte-order mark and CRLF line ends change nothing.
    assert [item.data for item in postings(b"\xef\xbb\xbf" + text.encode())] == expected


def test_the_example_file_reads_as_its_json_equivalent() -> None:
    items = postings((EXAMPLES / "postings.csv").read_bytes())
    by_id = {item.data["id"]: item for item in items}
    assert list(by_id) == ["PHARM-TECH-19", "UX-REMOTE-5", "CHEF-SOUS-2", "BOOK-PT-8"]
    assert [item.index for item in items] == [1, 4, 5, 6]  # rows 2, 5, 6, 7 (the header is row 1)
    pharmacy = by_id["PHARM-TECH-19"].data
    assert pharmacy["locations"] == [
        {"street_address": "1420 5th Ave", "locality": "Seattle", "region": "WA", "postal_code": "98101",
         "country": "US"},
        {"street_address": "10503 NE 4th St", "locality": "Bellevue", "region": "WA", "postal_code": "98004",
         "country": "US"},
        {"locality": "Tacoma", "region": "WA", "postal_code": "98402", "country": "US"},
    ]  # fmt: skip
    assert pharmacy["salary"] == {"currency": "USD", "min": 24.5, "max": 31, "unit": "HOUR"}
    assert pharmacy["employment_types"] == ["FULL_TIME", "PART_TIME"]
    assert pharmacy["direct_apply"] is True
    assert pharmacy["description"].startswith("Fill prescriptions, manage inventory")
    assert "\n\nWhat we offer:\n- paid certification\n" in pharmacy["description"]
    assert by_id["UX-REMOTE-5"].data == {
        "id": "UX-REMOTE-5",
        "title": "Senior UX Researcher",
        "description": (
            "Plan and run research that shapes a budgeting app used by 900,000 households: interviews, "
            "diary studies and usability tests, remotely.\n\nYou bring 5+ years of qualitative research "
            "and a portfolio of studies that changed a product."
        ),
        "hiring_organization": {"name": "Ledgerly Inc.", "url": "https://ledgerly.example.com"},
        "employment_types": ["FULL_TIME"],
        "workplace": "remote",
        "applicant_countries": ["US", "CA"],
        "salary": {"currency": "USD", "min": 125000, "max": 150000, "unit": "YEAR"},
        "date_posted": "2026-11-24T10:00:00-05:00",
        "apply_url": "https://ledgerly.example.com/jobs/ux-5",
        "contact_email": "research-hiring@ledgerly.example.com",
        "experience_level": "mid_senior",
        "experience_months": 60,
        "skills": ["User interviews", "Usability testing", "Survey design"],
    }
    results = [assess(item, NOW) for item in items]
    assert all(result.valid for result in results), [r.errors for r in results]


# No backslash: `a\` followed by the separator would read as the escaped bar `\|` (documented).
_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\\"), min_size=1, max_size=30
).map(str.strip)
_word = _text.filter(bool)


@st.composite
def _postings(draw: st.DrawFn) -> dict[str, Any]:
    posting: dict[str, Any] = {
        "id": draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)),
        "title": draw(_word),
        "description": draw(_word),
        "hiring_organization": {"name": draw(_word)},
    }
    if draw(st.booleans()):
        posting["skills"] = draw(st.lists(_word, min_size=1, max_size=4))
    if draw(st.booleans()):
        amount = st.one_of(st.integers(1, 10**9), st.floats(0.01, 1e9, allow_nan=False))
        posting["salary"] = {"currency": "USD", "unit": "YEAR", "min": draw(amount)}
    if draw(st.booleans()):
        posting["experience_months"] = draw(st.integers(0, 1200))
    if draw(st.booleans()):
        posting["direct_apply"] = draw(st.booleans())
    posting["locations"] = draw(
        st.lists(
            st.fixed_dictionaries({"country": st.sampled_from(["US", "DE"])}, optional={"locality": _word}),
            min_size=1,
            max_size=3,
        )
    )
    return posting


@settings(max_examples=100, deadline=None)
@given(st.lists(_postings(), min_size=1, max_size=4))
def test_round_trip_property(records: list[dict[str, Any]]) -> None:
    # Consecutive postings never share an id: that would make them one posting.
    for number, record in enumerate(records):
        record["id"] = f"{record['id'][:40]}-{number}"
    assert [item.data for item in postings(to_csv(records))] == records


# --- cells and columns --------------------------------------------------------------------------


def test_cells_convert_by_the_schema_and_empty_cells_are_absent() -> None:
    text = (
        "id,title,salary.min,salary.value,experience_months,direct_apply,skills,channels,extensions.indeed.sponsored\n"
        'A, Cook ,1e3,,7,False,"a \\| b | c ||",linkedin|indeed,yes\n'
    )
    (item,) = postings(text)
    assert item.data == {
        "id": "A",
        "title": "Cook",
        "salary": {"min": 1000.0},
        "experience_months": 7,
        "direct_apply": False,
        "skills": ["a | b", "c"],
        "channels": ["linkedin", "indeed"],
        "extensions": {"indeed": {"sponsored": "yes"}},
    }


def test_values_that_do_not_convert_are_reported_by_row_and_column() -> None:
    text = "id,title,salary.min,experience_months,direct_apply\nA,Cook,$40,2.5,maybe\n"
    (item,) = postings(text)
    assert item.data["salary"] == {"min": "$40"}
    errors = {p.pointer: p for p in assess(item, NOW).errors}
    assert errors["/salary/min"].message.startswith('row 2, column "salary.min": ')
    assert "must be a number" in errors["/salary/min"].message
    assert errors["/experience_months"].message.startswith('row 2, column "experience_months": ')
    assert errors["/direct_apply"].message.startswith('row 2, column "direct_apply": ')
    # A missing field is named by its row (and its column when the sheet has one).
    assert errors["/apply_url"].message.startswith("row 2: apply_url is required")
    assert errors["/salary/currency"].message == "row 2: salary.currency is required."


def test_multi_location_rows_and_their_errors() -> None:
    base = raw_posting(locations=...)
    head = (
        "id,title,description,hiring_organization.name,date_posted,apply_url,"
        "locations.0.locality,locations.0.country"
    )
    first = ",".join(
        json.dumps(base[k]) if k == "description" else str(base[k]) for k in ("id", "title", "description")
    )
    rest = f"{base['hiring_organization']['name']},{base['date_posted']},{base['apply_url']}"
    text = f"{head}\n{first},{rest},Denver,US\n{base['id']},,,,,,Boulder,us\n{base['id']},,,,,,,\n"
    (item,) = postings(text)
    assert item.data["locations"] == [
        {"locality": "Denver", "country": "US"},
        {"locality": "Boulder", "country": "us"},
    ]
    (error,) = [p for p in assess(item, NOW).errors if p.pointer == "/locations/1/country"]
    assert error.message.startswith('row 3, column "locations.0.country": locations[1].country must be')
    assert item.place_of("") == "rows 2-4"


def test_locations_in_numbered_columns_on_one_row() -> None:
    text = (
        "id,locations.0.country,locations.1.locality,locations.1.country,locations.2.country\nA,US,Oslo,NO,\n"
    )
    (item,) = postings(text)
    assert item.data["locations"] == [{"country": "US"}, {"locality": "Oslo", "country": "NO"}]


def test_rows_of_one_posting_may_not_disagree() -> None:
    text = "id,title,locations.0.country\nA,Cook,US\nA,Chef,DE\nA,,FR\n"
    (item,) = postings(text)
    (problem,) = item.problems
    assert problem.pointer == "/title" and problem.code == "csv"
    assert problem.message.startswith(
        'row 3, column "title": "Chef" differs from the posting\'s first row (row 2: "Cook")'
    )
    assert [e.message for e in assess(item, NOW).errors] == [problem.message]


def test_same_id_later_in_the_file_is_another_posting() -> None:
    items = postings("id,title\nA,One\nB,Two\nA,Three\n")
    assert [(i.index, i.data) for i in items] == [
        (1, {"id": "A", "title": "One"}),
        (2, {"id": "B", "title": "Two"}),
        (3, {"id": "A", "title": "Three"}),
    ]


def test_too_many_locations_are_refused_without_holding_them() -> None:
    rows = "".join(f"A,{n % 90 + 10}\n" for n in range(200))
    (item,) = postings("id,locations.0.postal_code\n" + rows)
    assert len(item.data["locations"]) == 50
    (problem,) = item.problems
    assert problem.code == "maxItems" and problem.message.startswith("row 52: more than 50 locations")


# --- malformed files ----------------------------------------------------------------------------


def test_ragged_rows_reject_only_their_posting() -> None:
    items = postings("id,title,description\nA,One,x\nB,Two\nC,Three,x,extra\nD,Four,x\n")
    assert [(i.index, bool(i.problems)) for i in items] == [(1, False), (2, True), (3, True), (4, False)]
    assert items[1].problems[0].message.startswith("row 3: has 2 cells but the header has 3 columns")
    assert items[2].problems[0].message.startswith("row 4: has 4 cells but the header has 3 columns")
    assert items[1].data == {} and assess(items[1], NOW).errors == items[1].problems


def test_a_ragged_row_of_a_multi_location_posting_rejects_that_posting() -> None:
    (item,) = postings("id,locations.0.country,locations.0.locality\nA,US,Denver\nA,US\n")
    assert item.problems[0].message.startswith("row 3: has 2 cells")


def test_bad_quoting_is_reported_by_row_and_the_rest_is_read() -> None:
    items = postings('id,title\nA,"One"x\nB,Two\nC,"never closed\nD,Four\n')
    assert [i.index for i in items] == [1, 2, 3]
    assert items[0].data is None and items[0].problems[0].code == "csv"
    assert items[0].problems[0].message.startswith("row 2: bad quoting")
    assert items[1].data == {"id": "B", "title": "Two"}
    assert items[2].problems[0].message.startswith("row 4: a quoted cell is never closed")


def test_a_quoted_cell_over_several_lines_names_row_and_line() -> None:
    items = postings('id,title,description\nA,One,"two\nlines"\nB,Two,x,y\n')
    assert items[1].problems[0].message.startswith("row 3 (line 4): has 4 cells")


def test_header_problems_are_reported_once_for_the_file() -> None:
    message = file_problem(
        "id,titel,salary.mn,colour,salary,locations.x.country,title,title\nA,B,1,c,d,e,f,g\n"
    )
    assert message.startswith("the header row (row 1) has unusable columns: ")
    assert '"titel" is not a field of the posting (did you mean "title"?)' in message
    assert '"salary.mn" is not a field of the posting (did you mean "salary.min"?)' in message
    assert '"colour" is not a field of the posting' in message
    assert '"salary" names a group of fields, not one field: use columns such as "salary.currency"' in message
    assert '"locations.x.country": the part after "locations." must be a position from 0 to 49' in message
    assert '"title" appears twice (columns 7 and 8)' in message


def test_other_unusable_files() -> None:
    assert file_problem("") == "the file is empty: no header row"
    assert file_problem("id,title\n") == "the file holds no postings: only a header row"
    assert file_problem("id,title\n\n ,  \n") == "the file holds no postings: only a header row"
    assert 'no "id" column' in file_problem("title\nCook\n")
    assert "separated by semicolons" in file_problem("id;title\nA;Cook\n")
    assert "UTF-16" in file_problem("id,title\nA,Cook\n".encode("utf-16"))
    assert "not UTF-8" in file_problem(b"id,t\xe9tle\nA,B\n")
    assert '"extensions.linkedin.a" is both a value and a group' in file_problem(
        "id,extensions.linkedin.a,extensions.linkedin.a.b\nA,1,2\n"
    )
    assert '"locations.0.country.x" is not a field' in file_problem("id,locations.0.country.x\nA,US\n")
    deep = "extensions.linkedin." + ".".join("a" * 20)
    assert f'"{deep}" nests deeper than 16 levels' in file_problem(f"id,{deep}\nA,1\n")


def test_bytes_that_are_not_utf8_are_named_by_row_and_column() -> None:
    items = postings(b"id,title\nA,Caf\xe9\nB,Tea\n")
    assert items[0].problems[0].code == "encoding"
    assert (
        items[0].problems[0].message
        == 'row 2, column "title": not UTF-8 text; save the sheet as "CSV UTF-8".'
    )
    assert items[1].data == {"id": "B", "title": "Tea"} and not items[1].problems


def test_a_value_under_a_nameless_column_is_an_error_an_empty_one_is_not() -> None:
    items = postings("id,title,\nA,Cook,\nB,Chef,oops\n")
    assert not items[0].problems
    assert items[1].problems[0].message == "row 3, column 3: has a value but the column has no name."


def test_every_header_the_schema_defines_resolves() -> None:
    names = [name for name in known_headers() if "<key>" not in name]
    assert {"id", "salary.min", "hiring_organization.name", "locations.0.country", "direct_apply"} <= set(
        names
    )
    assert all(isinstance(resolve_header(name, 1), Column) for name in names)
    (item,) = postings(",".join(names) + "\nA" + "," * (len(names) - 1) + "\n")
    assert item.data == {"id": "A"} and not item.problems


# --- streams ------------------------------------------------------------------------------------


class _EndlessCsv(io.RawIOBase):
    """A CSV file with no end: only a reader that streams can give its first postings."""

    def __init__(self) -> None:
        self._rows: Iterator[bytes] = itertools.chain(
            [b"id,title\n"], (b"ID-%d,Cook\n" % n for n in itertools.count())
        )
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while len(self._pending) < len(buffer):
            self._pending += next(self._rows)
        size = len(buffer)
        buffer[:size], self._pending = self._pending[:size], self._pending[size:]
        return size


def test_rows_are_read_as_a_stream() -> None:
    stream = io.BufferedReader(_EndlessCsv())
    first = list(itertools.islice(read_postings(stream, "endless.csv"), 3))
    assert [item.data["id"] for item in first] == ["ID-0", "ID-1", "ID-2"]  # type: ignore[union-attr]
    assert not stream.closed  # the caller owns it


class _S3Body:
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._data.read(size)

    def close(self) -> None:
        self._data.close()


class _S3:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def get_object(self, **_: Any) -> dict[str, Any]:
        return {"Body": _S3Body(self.data)}


def test_the_s3_body_stream_reads_like_a_file() -> None:
    text = (EXAMPLES / "postings.csv").read_bytes()
    with storage.open_object(_S3(text), "bucket", "incoming/postings.csv") as body:
        from_s3 = [item.data for item in read_postings(body, "incoming/postings.csv")]  # type: ignore[union-attr]
    assert from_s3 == [item.data for item in postings(text)]


def test_the_command_line_never_shows_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b'id,title,salary.min\nA,"x"y,1\nB,Caf\xe9,lots\nC\n')
    unusable = tmp_path / "unusable.csv"
    unusable.write_text("id,nope\nA,1\n")
    done = subprocess.run(
        [sys.executable, "-m", "syndicate.cli.main", "validate", str(broken), str(unusable)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "row 2: bad quoting" in done.stdout
    assert 'row 3, column "title": not UTF-8 text' in done.stdout
    assert "row 4: has 1 cell but the header has 3 columns" in done.stdout
    assert (
        'unusable.csv: cannot read as postings: the header row (row 1) has unusable columns: "nope"'
        in done.stdout
    )
