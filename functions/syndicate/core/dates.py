"""The contract's date rules: RFC 3339 dates and date-times to aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def parse_instant(value: str, *, end_of_day: bool = False) -> datetime:
    """A date means 00:00 UTC that day (or 23:59:59 UTC when `end_of_day`); a date-time keeps
    its offset and is converted to UTC. Raises ValueError for impossible dates (2026-02-30)."""
    if len(value) == 10:
        day = date.fromisoformat(value)
        return datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0), tzinfo=UTC)
    parsed = datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    if parsed.tzinfo is None:  # the schema requires an offset; guard for direct callers
        raise ValueError(f"{value!r} has no UTC offset")
    return parsed.astimezone(UTC)
