"""Realistic job descriptions for the benchmark: a few KB each, in every description format.

Real descriptions run to 3-5 KB: an introduction, the role, duties, requirements, benefits, pay
and an equal-opportunity statement. The example postings carry 91-380 characters, which would
measure the fixed costs and hide the description work (most of the core's time on real input).
Each description is built from its own number (a seeded choice of sentences, the number written
into the text), so no two are alike and no cache keyed on the text can help. The HTML is what
applicant tracking systems export: wrapper divs, inline styles, spans, `&nbsp;`, headings or
bold paragraphs, nested lists, a table, links, a comment, a tracking script.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

FORMATS = ("text", "markdown", "html")

_COMPANIES = ("Northwind Health", "Bluefin Logistics", "Acme Analytics", "Corvid Robotics", "Lumen Care")
_INTRO = (
    "{company} has served its community for more than thirty years, and today {size} people work "
    "across our sites.",
    "We are a team of {size} who believe that good work starts with people who are treated well.",
    "At {company} we build things that matter to the people who use them every day; this opening "
    "(reference {number}) is part of that.",
    "Our customers count on us around the clock, and we count on each other, whether on site, in "
    "the field or working remotely.",
    "We grew by a third last year and are hiring across every team, from operations to engineering.",
    "Our work is recognised for quality and safety, and we are proud of how long people stay with us.",
)
_ROLE = (
    "In this role you will take ownership of day-to-day work on the {team} team and help shape how "
    "we do it next year.",
    "You will work closely with colleagues in operations, finance and support, and report to the "
    "{team} lead.",
    "This is a hands-on position with room to grow: most of the people in our leadership started "
    "in roles like this one.",
    "The position is open because the {team} team is growing, not because someone left.",
    "You will have a structured onboarding of four weeks, a buddy for your first months and a "
    "clear plan for your first year.",
)
_DAY = (
    "A typical day starts with a short stand-up at {start}, where the team agrees on priorities.",
    "Most of the day is spent on planned work, with time kept free for the unexpected.",
    "Once a week the whole {team} team meets to review what went well and what did not.",
    "You will spend about a fifth of your time on improvements that make the next day easier.",
    "Breaks are protected: nobody is expected to answer messages over lunch.",
)
_DUTIES = (
    "Plan and prioritise the {team} team's weekly work with the team lead",
    "Keep accurate records and hand over clearly at the end of each shift",
    "Answer questions from customers and colleagues by phone, chat and email",
    "Spot problems early, report them and help solve them at the root",
    "Take part in the on-call rota, about one week in six, with time off in lieu",
    "Train and support new colleagues during their first weeks",
    "Improve our checklists, tools and documentation as you learn the work",
    "Work safely and follow our quality and safety procedures at all times",
    "Prepare short weekly reports on volumes, quality and open issues",
    "Coordinate with suppliers and partners on deliveries and schedules",
    "Represent the {team} team in cross-team planning meetings",
)
_REQUIREMENTS = (
    "Two or more years of experience in a similar role",
    "Clear written and spoken English; a second language is a plus",
    "Comfort with everyday software: email, spreadsheets and ticketing tools",
    "A valid driving licence and your own transport for the occasional site visit",
    "The ability to lift up to 20 kg now and then",
    "Attention to detail and a calm head when things get busy",
    "A relevant certificate or degree, or equivalent experience",
    "Willingness to work some evenings and weekends on a fair rota",
    "Experience with regulated work (health, safety or finance)",
)
_NICE = (
    "Experience with SQL or another query language",
    "A first-aid certificate",
    "Knowledge of lean or continuous-improvement methods",
    "Experience leading a small team or a project",
    "Familiarity with our industry's regulations",
)
_BENEFITS = (
    ("Holiday", "28 days plus public holidays, rising with service"),
    ("Pension", "employer contribution of 6% from day one"),
    ("Health", "private medical and dental cover for you and your family"),
    ("Learning", "a yearly learning budget and paid study leave"),
    ("Family", "paid parental leave of 26 weeks at full pay"),
    ("Travel", "a transit pass or a cycle-to-work scheme"),
    ("Wellbeing", "an employee assistance programme, free and confidential"),
    ("Flexibility", "flexible start times and up to two days a week from home"),
)
_PAY = (
    "The salary for this role is {low:,}–{high:,} a year depending on experience, reviewed every April. "
    "Shift and weekend work are paid at a premium.",
    "Pay starts at {low:,} a year and rises to {high:,} after your first review; overtime is paid, "
    "never expected.",
)
_EEO = (
    "{company} is an equal-opportunity employer. We welcome applications from everyone and do not "
    "discriminate on the basis of race, colour, religion, sex, sexual orientation, gender identity, "
    "national origin, age, disability, veteran status or any other characteristic protected by law. "
    "If you need an adjustment at any stage of the process, tell us and we will make it happen."
)
_CLOSING = (
    "Apply with your CV; a cover letter is welcome but not required. We read every application and "
    "answer each one within ten working days.",
    "Questions? Write to careers@example.com and a recruiter will answer within two working days.",
)
_HASHTAGS = ("#LI-Hybrid", "#LI-Remote", "#LI-Onsite")


@dataclass(frozen=True)
class _Content:
    """One description's content, before it is written in a format."""

    title: str
    intro: tuple[str, ...]
    role: tuple[str, ...]
    day: tuple[str, ...]
    duties: tuple[str, ...]
    requirements: tuple[str, ...]
    nice: tuple[str, ...]
    benefits: tuple[tuple[str, str], ...]
    pay: str
    eeo: str
    closing: tuple[str, ...]
    hashtags: tuple[str, ...]
    link: str


def _pick(rng: random.Random, pool: Sequence[str], count: int, **fields: object) -> tuple[str, ...]:
    return tuple(sentence.format(**fields) for sentence in rng.sample(list(pool), count))


def _content(number: int, title: str) -> _Content:
    rng = random.Random(number)
    company = _COMPANIES[number % len(_COMPANIES)]
    fields = {
        "company": company,
        "size": f"{rng.randrange(80, 9000):,}",
        "number": number,
        "start": rng.choice(("7:30", "8:00", "8:30", "9:00")),
        "team": rng.choice(("night shift", "north region", "platform", "onboarding", "quality")),
    }
    low = rng.randrange(30, 90) * 1000
    hashtags = (rng.choice(_HASHTAGS), f"#LI-{chr(65 + number % 26)}{chr(65 + number // 26 % 26)}1")
    return _Content(
        title=title,
        intro=_pick(rng, _INTRO, 3, **fields),
        role=_pick(rng, _ROLE, 3, **fields),
        day=_pick(rng, _DAY, 3, **fields),
        duties=_pick(rng, _DUTIES, rng.randrange(6, 9), **fields),
        requirements=_pick(rng, _REQUIREMENTS, rng.randrange(5, 8), **fields),
        nice=_pick(rng, _NICE, 3, **fields),
        benefits=tuple(rng.sample(list(_BENEFITS), 6)),
        pay=rng.choice(_PAY).format(low=low, high=low + rng.randrange(8, 30) * 1000),
        eeo=_EEO.format(**fields),
        closing=_CLOSING,
        hashtags=hashtags if number % 2 == 0 else (),
        link=f"https://careers.example.com/jobs/{number}?utm_source=ats&ref=bench",
    )


def _as_text(c: _Content) -> str:
    blocks = [
        " ".join(c.intro),
        "About the role:\n" + " ".join(c.role),
        "A typical day:\n" + " ".join(c.day),
        "What you will do:\n" + "\n".join(f"- {duty}" for duty in c.duties),
        "What you bring:\n" + "\n".join(f"• {item}" for item in c.requirements),
        "Nice to have:\n" + "\n".join(f"* {item}" for item in c.nice),
        "What we offer:\n" + "\n".join(f"- {name}: {detail}" for name, detail in c.benefits),
        c.pay,
        c.eeo,
        "\n".join([*c.closing, f"More about us: {c.link}"]),
    ]
    if c.hashtags:
        blocks.append(" ".join(c.hashtags))
    return "\n\n".join(blocks)


def _as_markdown(c: _Content) -> str:
    blocks = [
        f"**{c.title}**: " + " ".join(c.intro),
        "## About the role",
        " ".join(c.role),
        "### A typical day",
        " ".join(c.day),
        "## What you will do",
        "\n".join(f"- {duty}" for duty in c.duties),
        "## What you bring",
        "\n".join(f"{i}. {item}" for i, item in enumerate(c.requirements, 1)),
        "### Nice to have",
        "\n".join(f"* _{item}_" for item in c.nice),
        "## What we offer",
        "| Benefit | Details |\n|---|---|\n" + "\n".join(f"| {n} | {d} |" for n, d in c.benefits),
        c.pay,
        f"> {c.eeo}",
        f"{c.closing[0]}  \n{c.closing[1]} [More about us]({c.link}).",
    ]
    if c.hashtags:
        blocks.append(" ".join(c.hashtags))
    return "\n\n".join(blocks)


def _span(text: str) -> str:
    return f'<span style="font-weight: 400;">{escape(text)}</span>'


def _as_html(c: _Content) -> str:
    def items(values: Sequence[str]) -> str:
        return "".join(f'<li style="font-weight: 400;">{_span(v)}</li>' for v in values)

    rows = "".join(
        f"<tr><td><strong>{escape(name)}</strong></td><td>{escape(detail)}</td></tr>"
        for name, detail in c.benefits
    )
    parts = [
        '<div class="content-intro" style="font-family: Arial, sans-serif;">',
        f"<p><strong>{escape(c.title)}</strong>&nbsp;&ndash; {_span(' '.join(c.intro))}</p></div>",
        '<div class="content">',
        "<h2>About the role</h2>",
        f"<p>{_span(c.role[0])}<br>{_span(' '.join(c.role[1:]))}</p>",
        "<!-- imported from the ATS template -->",
        f"<p><u>A typical day</u><br>{escape(' '.join(c.day))}</p>",
        "<p><b>What you will do</b></p>",
        f"<ul>{items(c.duties)}</ul>",
        "<h3>What you bring</h3>",
        f"<ol>{items(c.requirements)}</ol>",
        f"<p><em>Nice to have:</em></p><ul>{items(c.nice)}</ul>",
        "<h3>What we offer</h3>",
        f'<table class="benefits"><tbody>{rows}</tbody></table>',
        f"<p>{escape(c.pay)}</p>",
        f'<p style="font-size: 11px; color: #666;"><i>{escape(c.eeo)}</i></p>',
        f'<p>{escape(c.closing[0])}&nbsp;{escape(c.closing[1])} <a href="{escape(c.link)}" '
        'target="_blank" onclick="track()">More about us</a>.</p>',
    ]
    if c.hashtags:
        parts.append(f"<p>{' '.join(c.hashtags)}</p>")
    parts.append('</div><script>window.dataLayer.push({"event": "job_view"})</script>')
    return "".join(parts)


def realistic_description(number: int, title: str, description_format: str) -> str:
    """Description `number` in `description_format` (text, markdown or html); 3-5 KB."""
    content = _content(number, title)
    if description_format == "text":
        return _as_text(content)
    if description_format == "markdown":
        return _as_markdown(content)
    if description_format == "html":
        return _as_html(content)
    raise ValueError(f"unknown description format {description_format!r}")
