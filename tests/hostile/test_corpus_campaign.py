"""Every corpus string as a campaign's own text (title, ask, summary, decision, deadline title,
place and committee, coalition member): the public pages escape it, the JSON API returns it
exactly, the iCalendar feed carries it without injected properties or events, and the mail
that names the campaign keeps a one-line subject."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from icalendar import Calendar

from campaign.extensions import db
from campaign.models import Campaign, Deadline, DeadlineKind, Decision, EndorsementRole
from tests.factories import make_campaign, make_endorsement
from tests.hostile.corpus import SMALL, Hostile
from tests.hostile.support import SIGN, assert_escaped
from tests.residents.support import outbox, text_of

EVENT_PROPERTIES = {
    "UID",
    "SUMMARY",
    "DTSTART",
    "LOCATION",
    "DESCRIPTION",
    "DTSTAMP",
    "CREATED",
    "LAST-MODIFIED",
    "SEQUENCE",
    "URL",
    "CATEGORIES",
    "TRANSP",
    "STATUS",
}
# RFC 5545 3.3.11: TEXT cannot carry these (CONTROL minus HTAB; a newline is written "\n").
ICAL_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def fits(model, column: str, text: str) -> str:
    """The text cut to the column's length (PostgreSQL enforces it; the staff forms check it),
    and without NUL on PostgreSQL, which cannot store it in text at all."""
    length = getattr(model.__table__.c[column].type, "length", None)
    if db.engine.dialect.name == "postgresql":
        text = text.replace("\x00", "")
    return text[:length] if length else text


def ical_text(text: str) -> str:
    """What an iCalendar TEXT value can carry of a text: line breaks as \\n, no controls."""
    return ICAL_CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def hostile_campaign(value: str, n: int) -> Campaign:
    campaign = make_campaign(
        slug=f"hostile-{n}",
        title=fits(Campaign, "title", value),
        ask=fits(Campaign, "ask", value),
        summary=fits(Campaign, "summary", f"{value}\n\n{value}"),
        city=fits(Campaign, "city", value),
        hearing_at=datetime.now(UTC) + timedelta(days=10),
    )
    decision: Decision = campaign.decision
    decision.title = fits(Decision, "title", value)
    decision.body = fits(Decision, "body", value)
    decision.reference = fits(Decision, "reference", value)
    decision.action = fits(Decision, "action", value)
    hearing = next(d for d in campaign.deadlines if d.kind == DeadlineKind.HEARING)
    hearing.title = fits(Deadline, "title", value)
    hearing.location = fits(Deadline, "location", value)
    hearing.committee = fits(Deadline, "committee", value)
    campaign.deadlines.append(
        Deadline(
            kind=DeadlineKind.VOTE,
            title=fits(Deadline, "title", "Vote " + value),
            at=hearing.at + timedelta(days=7),
            location=fits(Deadline, "location", value + " 2"),
        )
    )
    make_endorsement(campaign, fits(Campaign, "title", value) or "x", role=EndorsementRole.FOUNDING)
    db.session.commit()
    return campaign


def unfolded_lines(ics: bytes) -> list[str]:
    return re.sub(r"\r\n[ \t]", "", ics.decode("utf-8")).split("\r\n")


def test_campaign_text_is_safe_on_every_public_surface(client, subtests):
    baseline = text_of(client.get("/c/not-a-campaign"))  # our own markup, no campaign text
    for n, hostile in enumerate(SMALL):
        with subtests.test(msg=hostile.name):
            check_campaign(client, hostile_campaign(hostile.text, n), hostile, baseline, n)
    # Every campaign at once: the list page and the list API.
    assert_escaped(text_of(client.get("/")), baseline, *(h.text for h in SMALL))
    data = json.loads(client.get("/api/v1/campaigns").get_data(as_text=True))
    stored = {c.slug: c for c in db.session.scalars(sa.select(Campaign))}
    assert len(data["campaigns"]) == len(SMALL)
    for shown in data["campaigns"]:
        assert shown["title"] == stored[shown["slug"]].title
        assert shown["ask"] == stored[shown["slug"]].ask


def check_campaign(client, campaign: Campaign, hostile: Hostile, baseline: str, n: int) -> None:
    slug = campaign.slug
    hearing = next(d for d in campaign.deadlines if d.kind == DeadlineKind.HEARING)

    # Pages: escaped wherever the text appears.
    for path in (f"/c/{slug}", f"/c/{slug}/sign", f"/c/{slug}/testify", f"/c/{slug}/join"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_escaped(text_of(response), baseline, hostile.text)
    for network in ("whatsapp", "twitter"):
        target = client.get(f"/c/{slug}/share/{network}").headers["Location"]
        assert target.startswith("https://") and not re.search(r"[\s\x00-\x1f<>\"]", target)

    # The JSON API: valid JSON, the campaign's text exactly as stored.
    response = client.get(f"/api/v1/campaigns/{slug}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    shown = json.loads(response.get_data(as_text=True))
    assert shown["title"] == campaign.title and shown["ask"] == campaign.ask
    assert shown["decision"]["body"] == campaign.decision.body
    assert shown["decision"]["reference"] == campaign.decision.reference
    assert {(d["title"], d["location"]) for d in shown["deadlines"]} == {
        (d.title, d.location) for d in campaign.deadlines
    }

    # The iCalendar feed: one event per deadline, only our properties, text carried exactly.
    response = client.get(f"/c/{slug}/calendar.ics")
    assert response.status_code == 200
    ics = response.get_data()
    assert not ICAL_CONTROLS.search(ics.decode("utf-8").replace("\r\n", "")), "raw control"
    lines = unfolded_lines(ics)
    assert all(re.match(r"^[A-Z][A-Z0-9-]*[;:]", line) for line in lines if line), lines
    assert sum(line == "BEGIN:VEVENT" for line in lines) == len(campaign.deadlines)
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == len(campaign.deadlines)
    by_uid = {str(event["UID"]): event for event in events}
    event = by_uid[f"deadline-{hearing.id}@{slug}.campaign"]
    assert set(event.keys()) <= EVENT_PROPERTIES, set(event.keys()) - EVENT_PROPERTIES
    assert str(event["SUMMARY"]) == ical_text(f"{hearing.title} ({campaign.title})")
    if hearing.location:
        assert str(event["LOCATION"]) == ical_text(hearing.location)
    # The calendar's own name is one line.
    assert str(calendar["X-WR-CALNAME"]) == ical_text(campaign.title).replace("\n", " ")
    assert ical_text(campaign.ask) in str(event["DESCRIPTION"])

    # The mail that names the campaign: a one-line subject, our headers only.
    address = f"reader{n}@example.org"
    signed = client.post(f"/c/{slug}/sign", data={**SIGN, "email": address})
    assert signed.status_code == 200
    [message] = [m for m in outbox() if m["To"] == address]
    assert message["Bcc"] is None
    subject = str(message["Subject"]).strip()  # a long one is folded onto a second line
    assert "\n" not in subject and "\r" not in subject and "\x00" not in subject
    assert subject.startswith("Please confirm your signature:")
    assert {name.lower() for name in message} <= {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "auto-submitted",
        "content-type",
        "content-transfer-encoding",
        "mime-version",
        "content-language",
    }


def test_an_organization_name_cannot_turn_the_page_around(client):
    # A right-to-left override in a coalition member's name stays inside that name.
    campaign = make_campaign()
    make_endorsement(campaign, "Vecinos \u202eUnidos", role=EndorsementRole.FOUNDING)
    db.session.commit()
    page = text_of(client.get(f"/c/{campaign.slug}"))
    assert "<bdi>Vecinos \u202eUnidos</bdi>" in page
