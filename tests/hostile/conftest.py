"""A signed-in site admin and a campaign with one of everything, for the tests that try every
route of the site: each parameter names a real record, so that requests reach the views."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from campaign.models import (
    DecisionMaker,
    Membership,
    Packet,
    PacketStatus,
    Role,
    SpeakMode,
    Stance,
    StatedPosition,
    TestimonyStatus,
)
from campaign.services import invitations
from campaign.services import testimony as testimony_service
from tests.factories import make_endorsement, make_signature, make_staff, make_testimony
from tests.hostile.support import open_campaign
from tests.residents.support import hearing_of

SHEET = b"Name,ZIP,Email\r\nAna Paper,11111,\r\n"


@pytest.fixture
def staff_world(client, db, login) -> dict[str, object]:
    """Route parameter values by name, or by "endpoint:name" where one route needs its own."""
    campaign = open_campaign()
    hearing = hearing_of(campaign)
    admin = make_staff(None, "admin")
    organizer = make_staff(campaign, "organizer")
    make_signature(campaign)
    testimony = make_testimony(
        campaign,
        status=TestimonyStatus.PENDING,
        hearing_id=hearing.id,
        wants_to_speak=True,
        speak_mode=SpeakMode.IN_PERSON,
    )
    endorsement = make_endorsement(campaign, "Vecinos Unidos")
    maker = DecisionMaker(campaign=campaign, name="Council Member One", district="1")
    maker.positions.append(StatedPosition(stance=Stance.NO, stated_on=date(2026, 1, 5)))
    packet = Packet(
        campaign_id=campaign.id,
        hearing_id=hearing.id,
        status=PacketStatus.DONE,
        stage="done",
        progress=100,
        file_name="packet.pdf",
        sha256="0" * 64,
    )
    db.session.add_all([maker, packet])
    db.session.flush()
    invitation = invitations.invite(
        db.session, campaign, admin, "new@team.example", Role.ORGANIZER, "en"
    )
    membership = db.session.scalar(
        sa.select(Membership.id).where(Membership.user_id == organizer.id)
    )
    db.session.commit()
    login(admin)
    uploaded = client.post(
        f"/organize/c/{campaign.slug}/paper",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(SHEET), "sheet.csv"), "language": "en"},
    )
    assert uploaded.status_code == 302, uploaded.status_code
    private = testimony_service.private_token(testimony)
    return {
        "slug": campaign.slug,
        "token": "t" * 32,
        "network": "email",
        "scope": "approved",
        "testimony_id": testimony.id,
        "endorsement_id": endorsement.id,
        "deadline_id": hearing.id,
        "maker_id": maker.id,
        "position_id": maker.positions[0].id,
        "membership_id": membership,
        "invitation_id": invitation.id,
        "packet_id": packet.id,
        "conflict_id": 1,  # none exists: the route answers 404, never 500
        "residents.private_testimony:token": private,
        "residents.edit_testimony:token": private,
        "residents.withdraw_testimony:token": private,
        "organize.paper_preview:token": uploaded.headers["Location"].rsplit("/", 1)[-1],
        "organize.paper_confirm:token": uploaded.headers["Location"].rsplit("/", 1)[-1],
    }
