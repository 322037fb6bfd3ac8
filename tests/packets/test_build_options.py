"""The build form's printing options: two-sided copies and the volume size limit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from campaign.models import Packet, PacketStatus
from tests.factories import make_campaign, make_signature, make_staff, make_testimony


@pytest.fixture(autouse=True)
def _in_process(app):
    app.config["PACKET_WORKERS"] = 0


def test_two_sided_and_volume_limit_from_the_form(client, db, login):
    campaign = make_campaign(slug="build-options")
    make_signature(campaign)
    make_testimony(campaign)
    login(make_staff(campaign, "lead"))
    db.session.commit()
    url = "/organize/c/build-options/packets"
    page = client.get(url).get_data(as_text=True)
    assert 'name="volume_mb"' in page and 'value="10"' in page  # the default limit
    hearing = campaign.deadlines[0].id

    for wrong in ("0", "101", "ten"):
        response = client.post(
            url,
            data={
                "hearing": hearing,
                "group_by": "position",
                "decision_maker": 0,
                "volume_mb": wrong,
            },
        )
        assert response.status_code == 200
        assert f'value="{wrong}"' in response.get_data(as_text=True)  # the text comes back
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Packet)) == 0

    response = client.post(
        url,
        data={
            "hearing": hearing,
            "group_by": "position",
            "decision_maker": 0,
            "volume_mb": "10",
            "two_sided": "y",
        },
    )
    assert response.status_code == 302
    packet = db.session.scalar(sa.select(Packet))
    assert packet.status == PacketStatus.DONE
    assert packet.options["two_sided"] is True and packet.options["volume_mb"] == 10
    assert packet.volumes is None  # far under 10 MB: one file
    assert "two-sided" in client.get(url).get_data(as_text=True)
