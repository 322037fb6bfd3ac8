"""Nothing public tells whether a given address has signed or is waiting to confirm."""

from __future__ import annotations

import time_machine

from tests.factories import make_campaign

FORM = {"name": "Ana Flores", "zip": "11111", "visibility": "packet"}
PUBLIC = ("/api/v1/campaigns", "/api/v1/campaigns/{slug}", "/c/{slug}", "/")


def public_views(client, slug: str) -> dict[str, tuple[int, list, bytes]]:
    """Every public answer that carries counts, as a stranger without cookies gets it."""
    client._cookies.clear()
    views = {}
    for path in PUBLIC:
        response = client.get(path.format(slug=slug))
        headers = sorted((k, v) for k, v in response.headers.items() if k != "Set-Cookie")
        views[path] = (response.status_code, headers, response.get_data())
    return views


@time_machine.travel("2026-11-02 15:00:00+00:00", tick=False)
def test_signing_unconfirmed_changes_no_public_byte(client, db):
    campaign = make_campaign(slug="who-signed")
    db.session.commit()
    before = public_views(client, campaign.slug)
    response = client.post(f"/c/{campaign.slug}/sign", data={**FORM, "email": "new@example.org"})
    assert response.status_code == 200
    assert public_views(client, campaign.slug) == before
    # Signing again with the same address (a probe by someone who knows it) changes nothing.
    client.post(f"/c/{campaign.slug}/sign", data={**FORM, "email": "NEW@example.org"})
    assert public_views(client, campaign.slug) == before
