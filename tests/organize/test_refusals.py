"""A service refuses with a stable code and the page words it in the reader's language; the
label of a stored value has one home; services reach Flask only through their two seams."""

from __future__ import annotations

import ast
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from tests.factories import make_testimony

ROOT = Path(__file__).resolve().parents[2]
BASE_CATALOG = ROOT / "translations/es/LC_MESSAGES/messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}


def _login(client, user):
    response = client.post(
        "/login", data={"email": user.email, "password": user.email + " password"}
    )
    assert response.status_code == 302


def test_refusals_reach_the_staff_in_spanish(client, db, team):
    campaign = team["campaign"]
    hearing = campaign.deadlines[0]
    make_testimony(campaign, hearing_id=hearing.id)
    db.session.commit()
    _login(client, team["admin"])
    client.get("/organize/?lang=es")  # the choice is kept in the session
    taken = client.post(
        "/organize/new",
        data={
            "slug": campaign.slug,
            "title": "Otra",
            "ask": "Vote no.",
            "time_zone": "America/New_York",
            "goal": "10",
        },
    )
    assert "Otra campaña ya usa esa dirección web." in taken.get_data(as_text=True)

    url = f"/organize/c/{campaign.slug}/dates/new"
    gap = client.post(
        url, data={"kind": "vote", "title": "Fantasma", "day": "2026-03-08", "clock": "02:30"}
    )
    assert (
        "Esa hora no existe ese día en America/New_York (se adelantan los relojes)."
        in gap.get_data(as_text=True)
    )

    client.post(f"/organize/c/{campaign.slug}/dates/{hearing.id}/delete")
    page = client.get(f"/organize/c/{campaign.slug}/dates").get_data(as_text=True)
    assert "Residentes escribieron testimonios para esta audiencia" in page
    assert "Audiencia" in page  # the kind of the date, from the one home of labels

    wrong = client.post(
        "/account/password",
        data={
            "current": "not the password",
            "password": "a new long passphrase",
            "confirm": "a new long passphrase",
        },
    )
    assert "Esa no es su contraseña actual." in wrong.get_data(as_text=True)


def test_every_label_and_refusal_has_its_spanish(app):
    with BASE_CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="es")
    translated = {m.id for m in catalog if m.id and m.string}
    for source in ("campaign/labels.py", "campaign/error_messages.py"):
        found = {
            message
            for _line, message, _c, _x in extract_from_file(
                "python", str(ROOT / source), keywords=KEYWORDS
            )
        }
        assert found and found <= translated, sorted(found - translated)


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_services_reach_flask_only_through_their_seams():
    # context.py reads the running application; campaign/mails.py renders mail. The three
    # below still read Flask themselves and are to move to the seams.
    not_yet = {"mail.py", "packets.py", "purge.py"}
    web_side = (
        "flask",
        "flask_babel",
        "flask_login",
        "flask_wtf",
        "campaign.web",
        "campaign.links",
    )
    leaks = {
        path.name: sorted(name for name in _imports(path) if name.startswith(web_side))
        for path in sorted((ROOT / "campaign/services").glob("*.py"))
        if path.name not in {"context.py", *not_yet}
    }
    assert {name: found for name, found in leaks.items() if found} == {}
