"""Every campaign text in both languages, on the staff side: the setup pages show English and
Spanish side by side and check both, staff reading Spanish see an English fallback marked
"not translated yet", and the dashboard lists the texts that still lack Spanish."""

from __future__ import annotations

import sqlalchemy as sa

from campaign.models import Deadline, DecisionMaker, EndorsementStatus, Stance, StatedPosition
from tests.factories import make_endorsement


def _login(client, user):
    response = client.post(
        "/login", data={"email": user.email, "password": user.email + " password"}
    )
    assert response.status_code == 302


def test_the_decision_page_takes_both_languages_and_gives_the_text_back_on_error(client, db, team):
    campaign = team["campaign"]
    _login(client, team["lead"])
    page = client.get(f"/organize/c/{campaign.slug}/decision").get_data(as_text=True)
    assert 'name="body_es"' in page and 'name="reference_es"' in page
    form = {
        "title": "Renewal of the contract",
        "title_es": "Renovación del contrato",
        "body": "",  # the English body is required
        "body_es": "Concejo Municipal",
        "kind": "contract_vote",
        "reference": "File 12",
        "reference_es": "Expediente 12",
        "action": "renewing it",
        "action_es": "renovarlo",
    }
    bad = client.post(f"/organize/c/{campaign.slug}/decision", data=form)
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "This field is required." in text
    assert 'value="Concejo Municipal"' in text and 'value="Expediente 12"' in text
    saved = client.post(f"/organize/c/{campaign.slug}/decision", data={**form, "body": "Council"})
    assert saved.status_code == 302
    db.session.expire_all()
    decision = campaign.decision
    assert (decision.body, decision.body_es, decision.reference_es) == (
        "Council",
        "Concejo Municipal",
        "Expediente 12",
    )


def test_a_spanish_text_without_its_english_is_refused(client, db, team):
    campaign = team["campaign"]
    hearing = campaign.deadlines[0]
    _login(client, team["lead"])
    response = client.post(
        f"/organize/c/{campaign.slug}/dates/{hearing.id}",
        data={
            "title": "Hearing",
            "title_es": "Audiencia",
            "day": "2027-03-02",
            "clock": "10:00",
            "location": "City Hall",
            "location_es": "Alcaldía",
            "committee": "",
            "committee_es": "Comité de Seguridad Pública",
            "notes": "Bring ID.",
            "notes_es": "Traiga identificación.",
        },
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Write the English text too: readers of English see it." in text
    assert "Comité de Seguridad Pública" in text and "Traiga identificación." in text
    db.session.expire_all()
    assert db.session.get(Deadline, hearing.id).committee_es is None


def test_a_lead_writes_a_dates_place_committee_and_notes_in_spanish(client, db, team):
    campaign = team["campaign"]
    _login(client, team["lead"])
    response = client.post(
        f"/organize/c/{campaign.slug}/dates/new",
        data={
            "kind": "vote",
            "title": "Council vote",
            "title_es": "Votación del concejo",
            "day": "2027-03-09",
            "clock": "18:00",
            "location": "Council Chambers",
            "location_es": "Sala del Concejo",
            "committee": "Full council",
            "committee_es": "Pleno del concejo",
            "notes": "Doors open at 5.",
            "notes_es": "Las puertas abren a las 5.",
        },
    )
    assert response.status_code == 302
    vote = db.session.scalar(sa.select(Deadline).where(Deadline.title == "Council vote"))
    assert (vote.location_es, vote.committee_es, vote.notes_es) == (
        "Sala del Concejo",
        "Pleno del concejo",
        "Las puertas abren a las 5.",
    )
    page = client.get(f"/organize/c/{campaign.slug}/dates/{vote.id}").get_data(as_text=True)
    assert 'value="Sala del Concejo"' in page and "Las puertas abren a las 5." in page


def test_offices_and_position_notes_have_their_spanish(client, db, team):
    campaign = team["campaign"]
    _login(client, team["lead"])
    new = client.get(f"/organize/c/{campaign.slug}/decision-makers").get_data(as_text=True)
    # The suggested office comes in both languages.
    assert 'value="Council Member"' in new and 'value="Concejal/a"' in new
    client.post(
        f"/organize/c/{campaign.slug}/decision-makers",
        data={"new-name": "Ana Ruiz", "new-office": "Mayor", "new-office_es": "Alcaldesa"},
    )
    maker = db.session.scalar(sa.select(DecisionMaker).where(DecisionMaker.name == "Ana Ruiz"))
    assert maker.office_es == "Alcaldesa"
    url = f"/organize/c/{campaign.slug}/decision-makers/{maker.id}"
    client.post(
        url + "/positions",
        data={"pos-stance": "no", "pos-stated_on": "2027-01-05", "pos-source_note": "Said no."},
    )
    position = db.session.scalar(sa.select(StatedPosition))
    assert position.source_note_es is None
    page = client.get(url + "?lang=es").get_data(as_text=True)
    assert 'Said no. <span class="untranslated">(sin traducir todavía)</span>' in page
    long = client.post(
        f"{url}/positions/{position.id}/spanish",
        data={f"note{position.id}-source_note_es": "x" * 501},
    )
    assert long.status_code == 200 and "x" * 501 in long.get_data(as_text=True)
    done = client.post(
        f"{url}/positions/{position.id}/spanish",
        data={f"note{position.id}-source_note_es": "Dijo que no."},
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(StatedPosition, position.id).source_note_es == "Dijo que no."
    assert "(sin traducir todavía)" not in client.get(url + "?lang=es").get_data(as_text=True)


def test_a_lead_describes_an_organization_in_both_languages(client, db, team):
    campaign = team["campaign"]
    endorsement = make_endorsement(campaign, "Casa del Pueblo", status=EndorsementStatus.APPROVED)
    db.session.commit()
    _login(client, team["lead"])
    url = f"/organize/c/{campaign.slug}/coalition/{endorsement.id}/description"
    refused = client.post(url, data={"description": "", "description_es": "Un centro."})
    assert refused.status_code == 200 and 'value="Un centro."' in refused.get_data(as_text=True)
    client.post(
        url,
        data={"description": "A community center.", "description_es": "Un centro comunitario."},
    )
    db.session.expire_all()
    assert endorsement.description_es == "Un centro comunitario."
    public = client.get(f"/c/{campaign.slug}?lang=es").get_data(as_text=True)
    assert "Un centro comunitario." in public and "A community center." not in public
    # An organizer cannot change it.
    client.post("/logout")
    _login(client, team["organizer"])
    assert client.post(url, data={"description": "Other"}).status_code == 403


def test_the_dashboard_lists_texts_without_spanish_with_links_to_fill_them(client, db, team):
    campaign = team["campaign"]
    campaign.title_es, campaign.ask_es = "Campaña", "Voten NO."
    hearing = campaign.deadlines[0]
    hearing.title_es = "Audiencia"  # its place ("City Hall") still lacks Spanish
    maker = DecisionMaker(name="Ana <b>Ruiz</b>", office="Mayor")
    campaign.decision_makers.append(maker)
    maker.positions.append(
        StatedPosition(stance=Stance.NO, stated_on=hearing.at.date(), source_note="Said no.")
    )
    db.session.commit()
    _login(client, team["lead"])
    page = client.get(f"/organize/c/{campaign.slug}/").get_data(as_text=True)
    section = page.split('id="missing-spanish"')[1].split("</section>")[0]
    slug = campaign.slug
    for link, text in [
        (f"/organize/c/{slug}/decision", "Renewal of the data-sharing contract"),
        (f"/organize/c/{slug}/dates/{hearing.id}", "City Hall"),
        (f"/organize/c/{slug}/decision-makers/{maker.id}", "Mayor"),
        (
            f"/organize/c/{slug}/decision-makers/{maker.id}#position-{maker.positions[0].id}",
            "Said no.",
        ),
    ]:
        assert f'href="{link}"' in section and text in section
    assert "Voten NO." not in section and f"/organize/c/{slug}/settings" not in section
    # Each item names its date, decision-maker or organization, escaped.
    assert "Date “Hearing” · Place" in section
    assert "Decision-maker “Ana &lt;b&gt;Ruiz&lt;/b&gt;” · Office" in section
    assert "<b>Ruiz</b>" not in section
    # Staff reading Spanish see the English fallback marked.
    spanish = client.get(f"/organize/c/{slug}/?lang=es").get_data(as_text=True)
    assert "Textos sin traducir al español todavía" in spanish
    assert "Audiencia</strong>" in spanish
    # Once everything has its Spanish, the list says so.
    decision = campaign.decision
    decision.title_es, decision.body_es = "Renovación", "Concejo"
    decision.reference_es, decision.action_es = "Expediente", "renovarlo"
    hearing.location_es = "Alcaldía"
    maker.office_es = "Alcaldesa"
    maker.positions[0].source_note_es = "Dijo que no."
    db.session.commit()
    page = client.get(f"/organize/c/{slug}/?lang=en").get_data(as_text=True)
    assert "Every campaign text has its Spanish." in page


def test_hearing_day_pages_show_the_hearing_in_spanish_or_marked(client, db, team):
    campaign = team["campaign"]
    hearing = campaign.deadlines[0]
    hearing.title, hearing.title_es = "Committee hearing", "Audiencia del comité"
    hearing.location, hearing.location_es = "Room 3", None
    db.session.commit()
    _login(client, team["lead"])
    url = f"/organize/c/{campaign.slug}/speakers"
    printed = client.get(f"{url}/print?hearing={hearing.id}&lang=es").get_data(as_text=True)
    assert "Audiencia del comité" in printed and "Committee hearing" not in printed
    # The place has no Spanish yet: shown in English, marked for staff.
    assert 'Room 3 <span class="untranslated">(sin traducir todavía)</span>' in printed
