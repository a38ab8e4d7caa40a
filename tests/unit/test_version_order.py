"""The order of a posting's versions: total, transitive, right for every accepted date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from syndicate.adapters.state import Version, time_text
from syndicate.core.assess import assess
from syndicate.core.intake import RawPosting
from syndicate.pipeline.ingest import Upload, updated_at_text
from tests.factories import NOW, raw_posting

MOMENTS = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC))


def upload_at(moment: datetime, sequencer: int = 0) -> Upload:
    event_time = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return Upload("intake", "incoming/a.jsonl", event_time, f"{sequencer:X}")


@st.composite
def versions(draw: st.DrawFn) -> Version:
    updated = draw(st.none() | MOMENTS)
    received = upload_at(draw(MOMENTS), draw(st.integers(0, 2**64)))
    return Version(updated_at_text(updated), received.order_of(draw(st.integers(0, 10))))


@settings(max_examples=200, deadline=None)
@given(MOMENTS, MOMENTS)
def test_time_text_order_is_time_order_for_every_year(a: datetime, b: datetime) -> None:
    assert (time_text(a) < time_text(b)) == (a < b)
    assert len(time_text(a)) == len("2026-11-20T09:00:00.000000Z")


def test_year_999_is_written_with_four_digits_and_sorts_first() -> None:
    old = datetime(999, 1, 1, tzinfo=UTC)
    assert time_text(old) == "0999-01-01T00:00:00.000000Z"
    received = upload_at(datetime(2026, 11, 26, tzinfo=UTC))
    first = Version(time_text(old), received.order_of(0))
    later = Version(time_text(datetime(2026, 11, 20, tzinfo=UTC)), received.order_of(1))
    assert later.is_newer_than(first) and not first.is_newer_than(later)


@settings(max_examples=300, deadline=None)
@given(versions(), versions(), versions())
def test_versions_are_totally_ordered(a: Version, b: Version, c: Version) -> None:
    if a.upload_order != b.upload_order:  # two deliveries of one upload are the same version
        assert a.is_newer_than(b) != b.is_newer_than(a)
    if a.is_newer_than(b) and b.is_newer_than(c):
        assert a.is_newer_than(c)


def test_a_version_without_updated_at_counts_from_its_upload_time() -> None:
    """T2 with updated_at, then one without (uploaded after T2), then T1 < T2: T1 must lose."""
    t1, t2 = datetime(2026, 11, 20, 9, tzinfo=UTC), datetime(2026, 11, 21, 9, tzinfo=UTC)
    v_t2 = Version(time_text(t2), upload_at(t2 + timedelta(minutes=1)).order_of(0))
    v_none = Version("", upload_at(t2 + timedelta(hours=1)).order_of(0))
    v_t1 = Version(time_text(t1), upload_at(t2 + timedelta(hours=2)).order_of(0))
    assert v_none.is_newer_than(v_t2)
    assert not v_t1.is_newer_than(v_none)
    assert not v_t1.is_newer_than(v_t2)


def test_updated_at_more_than_a_day_ahead_is_refused() -> None:
    ahead = (NOW + timedelta(hours=25)).astimezone(timezone(timedelta(hours=-5))).isoformat()
    result = assess(RawPosting("x.json", 0, raw_posting(updated_at=ahead)), NOW)
    assert [(p.pointer, p.code) for p in result.errors] == [("/updated_at", "updated_at_future")]
    within = (NOW + timedelta(hours=23)).isoformat()
    assert assess(RawPosting("x.json", 0, raw_posting(updated_at=within)), NOW).valid


def test_a_date_outside_years_1_to_9999_in_utc_is_a_date_error() -> None:
    for name, value in (
        ("updated_at", "0001-01-01T00:00:00+01:00"),
        ("date_posted", "0001-01-01T00:00:00+01:00"),
        ("valid_through", "9999-12-31T23:00:00-05:00"),
    ):
        result = assess(RawPosting("x.json", 0, raw_posting(**{name: value})), NOW)
        assert (f"/{name}", "date") in {(p.pointer, p.code) for p in result.errors}, name
