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
    return re.findall(r'<tr id="speaker-\d+">\s*<td>\d+</td>\s*<td>([^<]+)</td>', page)


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
