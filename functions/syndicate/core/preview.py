"""The side-by-side preview: static HTML pages showing what each channel gets and why one refuses.

Pure: pages are strings built from a raw posting, its `Assessment` and `now`; every untrusted text is
escaped and the job page is sandboxed (docs/design.md, "The preview").
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from syndicate.core.assess import Assessment
from syndicate.core.channels import indeed, linkedin, schemaorg, schemaorg_page
from syndicate.core.intake import FileProblem, RawPosting
from syndicate.core.model import CHANNELS, Channel, Posting
from syndicate.core.problems import Problem
from syndicate.core.validation import field_label, pointer_of

CHANNEL_NAMES: Mapping[Channel, str] = {
    "linkedin": "LinkedIn",
    "indeed": "Indeed",
    "schemaorg": "Google (schema.org)",
}
READY, NOT_READY, NOT_SELECTED, TAKEN_DOWN, INVALID = (
    "ready", "not ready", "not selected", "taken down", "not checked"
)  # fmt: skip
MAX_FIELD_ROWS = 400  # a posting with a huge list still gets a readable page
_SLUG_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")

_CSS = (
    "*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,"
    "sans-serif;color:#1a1a1a;background:#f6f7f9}header.top{background:#1f2937;color:#fff;"
    "padding:.75rem 1rem}header.top a{color:#cfe0ff}main{max-width:96rem;margin:0 auto;padding:1rem}"
    "h1{font-size:1.4rem;line-height:1.25;margin:.25rem 0 .5rem;overflow-wrap:anywhere}"
    "h2{font-size:1.1rem;margin:0 0 .5rem}h3{font-size:.95rem;margin:1rem 0 .25rem}"
    ".meta{color:#555;margin:0 0 .75rem;overflow-wrap:anywhere}"
    ".badge{display:inline-block;padding:.1rem .5rem;border-radius:1rem;font-size:.85rem;"
    "font-weight:600;margin:.1rem .25rem .1rem 0;border:1px solid transparent;white-space:nowrap}"
    ".ready,.valid{background:#e3f6e8;color:#14532d;border-color:#86d19c}"
    ".not-ready,.invalid{background:#fde8e8;color:#7f1d1d;border-color:#f3a5a5}"
    ".not-selected,.not-checked{background:#eef0f3;color:#374151;border-color:#cfd4dc}"
    ".taken-down{background:#fff4db;color:#713f12;border-color:#f1c76b}"
    ".card{background:#fff;border:1px solid #dde1e7;border-radius:.5rem;padding:1rem;margin:0 0 1rem;"
    "min-width:0}.channels{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:1rem;"
    "align-items:start}"
    "@media (max-width:800px){.channels{grid-template-columns:1fr}main{padding:.5rem}}"
    "pre{background:#0f172a;color:#e2e8f0;padding:.75rem;border-radius:.4rem;font-size:.8rem;"
    "white-space:pre-wrap;overflow-wrap:anywhere;max-height:32rem;overflow:auto;margin:0}"
    ".look{border:1px dashed #c3c9d2;border-radius:.4rem;padding:.5rem .75rem;max-height:24rem;"
    "overflow:auto;overflow-wrap:anywhere;background:#fff}"
    "iframe{width:100%;height:32rem;border:1px solid #c3c9d2;border-radius:.4rem;background:#fff}"
    "ul.prospects{margin:.25rem 0 .5rem;padding-left:1.1rem}"
    "ul.problems{margin:.25rem 0;padding-left:1.1rem}ul.problems li{background:#fde8e8;"
    "border-left:4px solid #dc2626;padding:.25rem .5rem;margin:.25rem 0;list-style:none;"
    "overflow-wrap:anywhere}ul.problems code{font-weight:600}"
    "table{border-collapse:collapse;width:100%;table-layout:fixed}th,td{text-align:left;"
    "vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid #e5e7eb;overflow-wrap:anywhere}"
    "th{width:30%}td .value{white-space:pre-wrap;max-height:10rem;overflow:auto}"
    "tr.bad{background:#fde8e8}tr.bad th{border-left:4px solid #dc2626}"
    ".error{color:#7f1d1d;font-weight:600;display:block;margin-top:.25rem}.place{color:#555;"
    "font-size:.85rem;display:block}.note{color:#555;font-style:italic}"
    "ol.postings{list-style:none;margin:0;padding:0}ol.postings li{margin:0 0 .75rem}"
    ".summary{margin:0 0 1rem}a{color:#1a56db}"
)


# --- one posting's verdict per channel ---------------------------------------------------------


def channel_state(result: Assessment, channel: Channel, now: datetime) -> str:
    if result.posting is None:
        return INVALID
    problems = result.readiness.get(channel, ())
    if problems:
        only_unselected = all(p.code == "channel_not_selected" for p in problems)
        return NOT_SELECTED if only_unselected else NOT_READY
    return TAKEN_DOWN if _closed(result.posting, now) else READY


def _closed(posting: Posting, now: datetime) -> bool:
    expired = posting.valid_through is not None and posting.valid_through <= now
    return not posting.is_open or expired


def title_of(item: RawPosting, result: Assessment) -> str:
    if result.posting is not None:
        return result.posting.title
    data = item.data
    title = data.get("title") if isinstance(data, Mapping) else None
    return title.strip() if isinstance(title, str) and title.strip() else "(no title)"


def page_name(number: int, result: Assessment) -> str:
    """`posting-0007-RN-ICU-2207.html`: numbered, so two postings never share a page."""
    slug = "".join(char for char in (result.id or "") if char in _SLUG_CHARS)[:64].strip(".")
    return f"posting-{number:04d}" + (f"-{slug}" if slug else "") + ".html"


@dataclass(frozen=True, slots=True)
class IndexEntry:
    href: str
    title: str
    id: str | None
    source: str
    index: int
    valid: bool
    error_count: int
    states: Mapping[Channel, str]


@dataclass(frozen=True, slots=True)
class Prospect:
    """What the pipeline sends one channel for this version, worked out by the pipeline's own plan
    (the CLI computes it): if the channel does not list the posting yet, and if it lists an earlier
    version. Each is an operation (LinkedIn's CREATE, UPDATE or CLOSE; "upsert" or "remove" for the
    others) or None when nothing is sent; `reason` says why it is not sent or comes down."""

    if_new: str | None
    if_listed: str | None
    reason: str = ""


def index_entry(item: RawPosting, result: Assessment, href: str, now: datetime) -> IndexEntry:
    return IndexEntry(
        href=href,
        title=title_of(item, result),
        id=result.id,
        source=result.source,
        index=result.index,
        valid=result.valid,
        error_count=len(result.errors),
        states={channel: channel_state(result, channel, now) for channel in CHANNELS},
    )


# --- pages -------------------------------------------------------------------------------------


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _badge(state: str, text: str | None = None) -> str:
    return f'<span class="badge {state.replace(" ", "-")}">{_e(text or state)}</span>'


def _document(title: str, body: Iterable[str]) -> str:
    head = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
    )
    return head + "\n".join(body) + "\n</body>\n</html>\n"


def index_page(entries: Sequence[IndexEntry], file_problems: Sequence[FileProblem], now: datetime) -> str:
    valid = sum(1 for entry in entries if entry.valid)
    body = [
        '<header class="top"><strong>syndicate preview</strong></header>',
        "<main>",
        "<h1>Postings and where they can go</h1>",
        f'<p class="summary">{len(entries)} postings: {valid} valid, {len(entries) - valid} invalid'
        f"{f'; {len(file_problems)} file(s) could not be read' if file_problems else ''}. "
        f"Checked as of {_e(now.isoformat())}.</p>",
    ]
    if entries:
        counts = [
            f"{CHANNEL_NAMES[channel]}: {sum(1 for e in entries if e.states[channel] == READY)} ready"
            for channel in CHANNELS
        ]
        body.append(f'<p class="summary">{_e(" · ".join(counts))}</p>')
    if file_problems:
        body.append('<section class="card" id="file-problems"><h2>Files that are not postings</h2>')
        body.append('<ul class="problems">')
        body += [f"<li><code>{_e(p.source)}</code>: {_e(p.message)}</li>" for p in file_problems]
        body.append("</ul></section>")
    body.append('<ol class="postings">')
    for entry in entries:
        verdict = (
            _badge("valid")
            if entry.valid
            else _badge(
                "invalid", f"invalid: {entry.error_count} error{'s' if entry.error_count != 1 else ''}"
            )
        )
        channels = " ".join(
            _badge(entry.states[channel], f"{CHANNEL_NAMES[channel]}: {entry.states[channel]}")
            for channel in CHANNELS
        )
        where = f"{entry.source} #{entry.index}" + (f" · {entry.id}" if entry.id else "")
        body.append(
            f'<li class="card posting"><h2><a href="{_e(entry.href)}">{_e(entry.title)}</a></h2>'
            f'<p class="meta">{_e(where)}</p><p>{verdict} {channels}</p></li>'
        )
    body += ["</ol>", "</main>"]
    return _document("syndicate preview", body)


def posting_page(
    item: RawPosting,
    result: Assessment,
    now: datetime,
    *,
    prospects: Mapping[Channel, Prospect] | None = None,
    index_href: str = "index.html",
) -> str:
    """One posting's page; `prospects` (by channel) adds what the pipeline would send."""
    title = title_of(item, result)
    where = f"{result.source} #{result.index}" + (f" · id {result.id}" if result.id else "")
    verdict = _badge("valid") if result.valid else _badge("invalid")
    states = {channel: channel_state(result, channel, now) for channel in CHANNELS}
    channels = " ".join(_badge(states[c], f"{CHANNEL_NAMES[c]}: {states[c]}") for c in CHANNELS)
    body = [
        f'<header class="top"><a href="{_e(index_href)}">← all postings</a></header>',
        "<main>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(where)}</p>',
        f"<p>{verdict} {channels}</p>",
    ]
    if result.posting is None:
        body.append('<section class="card" id="errors"><h2>Why it is invalid</h2>')
        body.append(_problem_list(result.errors))
        body.append("<h3>The posting's fields, as read</h3>")
        body.append(_field_table(item, result.errors))
        body.append("</section>")
    else:
        body.append('<div class="channels">')
        prospects = prospects or {}
        body.append(_linkedin_panel(result, result.posting, now, prospects.get("linkedin")))
        body.append(_indeed_panel(result, result.posting, now, prospects.get("indeed")))
        body.append(_schemaorg_panel(result, result.posting, now, prospects.get("schemaorg")))
        body.append("</div>")
        body.append('<details class="card"><summary>The posting\'s fields, as read</summary>')
        body.append(_field_table(item, ()))
        body.append("</details>")
    body.append("</main>")
    return _document(f"{title} – syndicate preview", body)


def _problem_list(problems: Iterable[Problem]) -> str:
    items = [
        f"<li><code>{_e(p.pointer or '/')}</code> {_e(p.message)} <small>[{_e(p.code)}]</small></li>"
        for p in problems
    ]
    return '<ul class="problems">' + "".join(items) + "</ul>" if items else ""


# --- channel panels ----------------------------------------------------------------------------


# What each channel is told, in words: (not listed yet, listed already) per operation.
_SENT: Mapping[Channel, Mapping[str, tuple[str, str]]] = {
    "linkedin": {
        "CREATE": ("sent as a new job (CREATE)", "sent as a new job (CREATE)"),
        "UPDATE": ("sent as a change (UPDATE)", "sent again with this version (UPDATE)"),
        "RENEW": ("brought back (RENEW)", "brought back (RENEW)"),
        "CLOSE": ("closed (CLOSE)", "sent with the CLOSE operation, which takes the job down"),
    },
    "indeed": {
        "upsert": ("its jobs join the feed", "its jobs in the feed are replaced by this version"),
        "remove": ("left out of the feed", "left out of the feed, which removes it from Indeed"),
    },
    "schemaorg": {
        "upsert": (
            "its job page is published and Google is notified (URL_UPDATED)",
            "its job page is replaced and Google is notified (URL_UPDATED)",
        ),
        "remove": (
            "no page is published",
            "its job page and markup are removed and Google is notified (URL_DELETED)",
        ),
    },
}


def _prospect_list(channel: Channel, prospect: Prospect | None, state: str) -> str:
    if prospect is None:
        return ""
    name = CHANNEL_NAMES[channel]
    if state in (NOT_READY, NOT_SELECTED):
        because = " (see above)"  # the problems listed just above are the reason
    else:
        because = f" ({prospect.reason})" if prospect.reason else ""

    def said(operation: str | None, listed: bool) -> str:
        if operation is None:
            return "nothing is sent" + because
        text = _SENT[channel][operation][1 if listed else 0]
        return text + (because if operation in ("CLOSE", "remove") else "")

    return (
        '<ul class="prospects">'
        f"<li>If {_e(name)} does not list it yet: {_e(said(prospect.if_new, False))}.</li>"
        f"<li>If {_e(name)} lists an earlier version: {_e(said(prospect.if_listed, True))}.</li>"
        "</ul>"
    )


def _panel(
    channel: Channel, result: Assessment, now: datetime, parts: Iterable[str], prospect: Prospect | None
) -> str:
    state = channel_state(result, channel, now)
    head = [
        f'<section class="card channel" id="{channel}">',
        f"<h2>{_e(CHANNEL_NAMES[channel])} {_badge(state)}</h2>",
        _problem_list(result.readiness.get(channel, ())),
        _prospect_list(channel, prospect, state),
    ]
    if state == NOT_READY:
        head.append('<p class="note">Not sent: the problems above keep this channel from taking it.</p>')
    if state == NOT_SELECTED:
        return "\n".join(
            [*head, '<p class="note">Not sent: the posting\'s channels leave it out.</p>', "</section>"]
        )
    return "\n".join([*head, *parts, "</section>"])


def _rendered(render: Any) -> tuple[str | None, str | None]:
    """(output, None), or (None, why) when the channel's renderer refuses the posting."""
    try:
        return render(), None
    except ValueError as error:  # e.g. an overlay with a non-finite number or a bad element name
        return None, f"cannot be rendered: {error}"


def _linkedin_panel(result: Assessment, posting: Posting, now: datetime, prospect: Prospect | None) -> str:
    html = posting.description.by_channel.get("linkedin", "")
    tags = " ".join(posting.description.hashtags)
    look = f'<div class="look">{html}' + (f"<p>{_e(tags)}</p>" if tags else "") + "</div>"
    job, why = _rendered(lambda: json.dumps(linkedin.render_job(posting, now), ensure_ascii=False, indent=2))
    # A closed job's element only ever goes to a LinkedIn that lists it (as CLOSE).
    heading = "The job element sent to close it" if _closed(posting, now) else "The job element sent"
    parts = ["<h3>How the description looks</h3>", look, f"<h3>{heading}</h3>"]
    parts.append(f"<pre>{_e(job)}</pre>" if job is not None else f'<p class="note">{_e(why)}</p>')
    return _panel("linkedin", result, now, parts, prospect)


def _indeed_panel(result: Assessment, posting: Posting, now: datetime, prospect: Prospect | None) -> str:
    html = posting.description.by_channel.get("indeed", "")
    parts = ["<h3>How the description looks</h3>", f'<div class="look">{html}</div>']
    if _closed(posting, now):
        parts.append('<p class="note">Closed or expired: it has no place in the feed.</p>')
        return _panel("indeed", result, now, parts, prospect)
    xml, why = _rendered(lambda: _indeed_jobs_xml(posting, now))
    parts.append("<h3>The &lt;job&gt; elements in the feed</h3>")
    parts.append(f"<pre>{_e(xml)}</pre>" if xml is not None else f'<p class="note">{_e(why)}</p>')
    return _panel("indeed", result, now, parts, prospect)


def _indeed_jobs_xml(posting: Posting, now: datetime) -> str:
    out = io.BytesIO()
    indeed.write_feed(
        indeed.render_jobs(posting),
        out,
        publisher="Syndicate",
        publisher_url="https://example.org/",
        last_build=now,
    )
    feed = out.getvalue().decode("utf-8")
    start, end = feed.find("<job>"), feed.rfind("</job>")
    # Only this posting's jobs: the feed's envelope belongs to the whole employer.
    return feed[start : end + len("</job>")] if start != -1 and end != -1 else "(no jobs)"


def _schemaorg_panel(result: Assessment, posting: Posting, now: datetime, prospect: Prospect | None) -> str:
    if _closed(posting, now):
        note = '<p class="note">Closed or expired: it has no job page.</p>'
        return _panel("schemaorg", result, now, [note], prospect)
    jsonld = schemaorg.render(posting)
    page, why = _rendered(lambda: schemaorg_page.job_page(posting, jsonld))
    document, _ = _rendered(lambda: schemaorg.jsonld_document(jsonld))
    parts = ["<h3>The job page</h3>"]
    if page is not None:
        # srcdoc keeps the page a document of its own; an empty sandbox runs no script in it.
        parts.append(f'<iframe sandbox="" title="job page" srcdoc="{_e(page)}"></iframe>')
    else:
        parts.append(f'<p class="note">{_e(why)}</p>')
    parts.append("<h3>Its JSON-LD</h3>")
    parts.append(f"<pre>{_e(document)}</pre>" if document is not None else f'<p class="note">{_e(why)}</p>')
    return _panel("schemaorg", result, now, parts, prospect)


# --- the raw fields, with errors next to the field they are about --------------------------------


@dataclass(frozen=True, slots=True)
class _FieldRow:
    pointer: str
    value: str | None  # None: the field is absent (an error says it is required)


def _leaves(data: Any) -> Iterator[_FieldRow]:
    """Every scalar of `data` with its pointer, depth first, without recursion (any depth)."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, Mapping) and value:
            stack.extend(((*path, str(key)), child) for key, child in reversed(list(value.items())))
        elif isinstance(value, list) and value:
            stack.extend(((*path, n), child) for n, child in reversed(list(enumerate(value))))
        else:
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
            yield _FieldRow(pointer_of(path), shown)


def _field_rows(data: Any, errors: Sequence[Problem]) -> tuple[list[_FieldRow], int]:
    rows: list[_FieldRow] = []
    hidden = 0
    for row in _leaves(data):
        if len(rows) < MAX_FIELD_ROWS:
            rows.append(row)
        else:
            hidden += 1
    known = {row.pointer for row in rows}
    for problem in errors:
        if not problem.pointer or problem.pointer in known:
            continue
        # An error about a whole group gets a row before the group's fields; one about a missing
        # field, a row after the fields of the nearest group that is there.
        inside = [n for n, row in enumerate(rows) if row.pointer.startswith(problem.pointer + "/")]
        if inside:
            rows.insert(inside[0], _FieldRow(problem.pointer, "…"))
        else:
            rows.insert(_after_nearest_group(rows, problem.pointer), _FieldRow(problem.pointer, None))
        known.add(problem.pointer)
    return rows, hidden


def _after_nearest_group(rows: Sequence[_FieldRow], pointer: str) -> int:
    while pointer:
        pointer = pointer.rsplit("/", 1)[0]
        last = [
            n for n, row in enumerate(rows) if row.pointer == pointer or row.pointer.startswith(pointer + "/")
        ]
        if last and pointer:
            return last[-1] + 1
    return len(rows)


def _field_table(item: RawPosting, errors: Sequence[Problem]) -> str:
    if item.data is None:
        return '<p class="note">Nothing could be read from this posting.</p>'
    rows, hidden = _field_rows(item.data, errors)
    by_pointer: dict[str, list[Problem]] = {}
    for problem in errors:
        by_pointer.setdefault(problem.pointer, []).append(problem)
    lines = ["<table><thead><tr><th>field</th><th>value</th></tr></thead><tbody>"]
    for row in rows:
        problems = by_pointer.get(row.pointer, []) if row.pointer else []
        place = item.place_of(row.pointer) if item.places else None
        value = (
            '<span class="note">(missing)</span>'
            if row.value is None
            else f'<div class="value">{_e(row.value)}</div>'
        )
        marks = "".join(f'<span class="error">{_e(p.message)} [{_e(p.code)}]</span>' for p in problems)
        where = f'<span class="place">{_e(place)}</span>' if place and place != item.places.get("") else ""
        opening = '<tr class="bad">' if problems else "<tr>"
        lines.append(
            f"{opening}<th><code>{_e(field_label(row.pointer))}</code>{where}</th><td>{value}{marks}</td></tr>"
        )
    lines.append("</tbody></table>")
    if hidden:
        lines.append(f'<p class="note">{hidden} more fields not shown.</p>')
    return "\n".join(lines)
