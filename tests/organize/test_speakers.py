"""The speaker roster: who asked to speak, in the order organizers set."""

from __future__ import annotations

import re

from campaign.models import RejectionReason, SpeakMode, TestimonyStatus
from tests.factories import make_testimony


def _login(client, user):
    assert (
        client.post(
            "/login", data={"email": user.email, "password": user.email + " password"}
        ).status_code
        == 302
    )


def _names(page: str) -> list[str]:
    return re.findall(
        r'<h2 class="speaker-name"><span class="visually-hidden">\d+\. </span>([^<]+)</h2>', page
    )


def test_roster_lists_speakers_and_organizers_order_it(client, db, team):
    campaign = team["campaign"]
    first = make_testimony(
        campaign,
        name="Ana First",
        status=TestimonyStatus.APPROVED,
        wants_to_speak=True,
        speak_mode=SpeakMode.IN_PERSON,
        interpreter_language="Spanish",
        district="2",
    )
    second = make_testimony(
        campaign,
        name="Bo Second",
        status=TestimonyStatus.PENDING,
        wants_to_speak=True,
        speak_mode=SpeakMode.PHONE,
    )
    make_testimony(
        campaign,
        name="Cy Third",
        status=TestimonyStatus.APPROVED,
        wants_to_speak=True,
        speak_mode=SpeakMode.REMOTE,
    )
    for status, name in (
        (TestimonyStatus.REJECTED, "Rex Rejected"),
        (TestimonyStatus.WITHDRAWN, "Wes Withdrawn"),
        (TestimonyStatus.UNCONFIRMED, "Una Unconfirmed"),
    ):
        make_testimony(
            campaign,
            name=name,
            status=status,
            wants_to_speak=True,
            speak_mode=SpeakMode.IN_PERSON,
            rejection_reason=RejectionReason.ABUSIVE
            if status == TestimonyStatus.REJECTED
            else None,
            confirmed_at=None if status == TestimonyStatus.UNCONFIRMED else first.confirmed_at,
        )
    make_testimony(campaign, name="Quiet Writer", status=TestimonyStatus.APPROVED)
    make_testimony(
        team["other"],
        name="Other Campaign",
        status=TestimonyStatus.APPROVED,
        wants_to_speak=True,
        speak_mode=SpeakMode.PHONE,
    )
    _login(client, team["organizer"])
    url = f"/organize/c/{campaign.slug}/speakers"
    page = client.get(url).get_data(as_text=True)
    assert _names(page) == ["Ana First", "Bo Second", "Cy Third"]
    assert "Spanish" in page and "Phone" in page and "Remote" in page
    moved = client.post(f"{url}/{second.id}/move", data={"direction": "up"})
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"#speaker-{second.id}")
    client.post(f"{url}/{first.id}/move", data={"direction": "down"})
    assert _names(client.get(url).get_data(as_text=True)) == ["Bo Second", "Cy Third", "Ana First"]
    # Moving the last one down changes nothing; a bad direction is refused.
    client.post(f"{url}/{first.id}/move", data={"direction": "down"})
    assert client.post(f"{url}/{first.id}/move", data={"direction": "sideways"}).status_code == 400
    printed = client.get(f"{url}/print").get_data(as_text=True)
    assert printed.index("Bo Second") < printed.index("Cy Third") < printed.index("Ana First")
    assert "Rex Rejected" not in printed and "Quiet Writer" not in printed


def test_a_rejected_speaker_leaves_the_roster(client, db, team):
    campaign = team["campaign"]
    speaker = make_testimony(
        campaign,
        name="Will Go",
        status=TestimonyStatus.PENDING,
        wants_to_speak=True,
        speak_mode=SpeakMode.IN_PERSON,
    )
    _login(client, team["organizer"])
    url = f"/organize/c/{campaign.slug}/speakers"
    assert _names(client.get(url).get_data(as_text=True)) == ["Will Go"]
    client.post(
        f"/organize/c/{campaign.slug}/testimony/{speaker.id}/reject", data={"reason": "duplicate"}
    )
    assert _names(client.get(url).get_data(as_text=True)) == []
    assert client.post(f"{url}/{speaker.id}/move", data={"direction": "up"}).status_code == 404


def test_hearing_day_calls_speakers_in_order_and_marks_spoke_or_absent(client, db, team):
    campaign = team["campaign"]
    ana, bo, cy = [
        make_testimony(
            campaign,
            name=name,
            status=TestimonyStatus.APPROVED,
            wants_to_speak=True,
            speak_mode=SpeakMode.IN_PERSON,
        )
        for name in ("Ana First", "Bo Second", "Cy Third")
    ]
    _login(client, team["organizer"])
    url = f"/organize/c/{campaign.slug}/speakers"
    client.post(f"{url}/next")
    called = client.get(url).get_data(as_text=True)
    assert "Now speaking: Ana First" in called
    assert "Call the next speaker: Bo Second" in called
    # Bo is not here: absent. The next call makes Ana "spoke" and calls Cy.
    client.post(f"{url}/{bo.id}/outcome", data={"outcome": "absent"})
    client.post(f"{url}/next")
    page = client.get(url).get_data(as_text=True)
    assert "Now speaking: Cy Third" in page
    db.session.expire_all()
    assert [t.speaker_outcome for t in (ana, bo, cy)] == ["spoke", "absent", "called"]
    # Bo arrives late: back to waiting, called next.
    client.post(f"{url}/{bo.id}/outcome", data={"outcome": "waiting"})
    assert "Call the next speaker: Bo Second" in client.get(url).get_data(as_text=True)
    client.post(f"{url}/next")
    client.post(f"{url}/next")  # nobody left: said so, nothing changes
    page = client.get(url).get_data(as_text=True)
    assert "Nobody is waiting to speak." in page and "Call the next speaker" not in page
    assert client.post(f"{url}/{bo.id}/outcome", data={"outcome": "gone"}).status_code == 400
    assert client.post(f"{url}/999999/outcome", data={"outcome": "spoke"}).status_code == 404
