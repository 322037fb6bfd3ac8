"""Form letters in the packet: one copy of the text, "sent by N residents", the senders as
they chose to appear with what each added, and totals that still count every copy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from campaign.models import Position, Visibility
from campaign.services import form_letters
from campaign.services import packets as packet_service
from tests.factories import make_campaign, make_signature, make_testimony

LETTER = (
    "I am writing as a resident to ask the Council to vote no on renewing the arrest-data "
    "contract. The contract gives a federal agency real-time access to the city's arrest "
    "records, and it makes families afraid to call for help.\n\n"
    "Our city promised that local police would not act as immigration agents. Renewing this "
    "contract breaks that promise. Please let it expire on August 31 and protect every "
    "resident's trust in the people who are meant to keep them safe."
)
SIGNATURE_SENTENCE = "Please let it expire on August 31"


@pytest.fixture(autouse=True)
def _in_process(app):
    app.config["PACKET_WORKERS"] = 0


def _build(db, campaign, **options):
    packet = packet_service.request_build(
        db.session, campaign, None, in_background=False, **options
    )
    db.session.commit()
    return packet_service.run_build(packet.id, workers=0)


def _pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def _copy(n: int) -> str:
    """The letter as residents send it: case, spacing and punctuation vary."""
    variants = (
        LETTER,
        LETTER.upper(),
        LETTER.replace(",", "").replace(".", " !"),
        "  " + LETTER.replace(" ", "  ") + "\n",
    )
    return variants[n % len(variants)]


def test_four_hundred_copies_print_as_one_letter_with_every_sender(app, db):
    campaign = make_campaign(slug="form-letters")
    make_signature(campaign, name="Roster Person")
    for n in range(400):
        body = _copy(n)
        if n == 7:
            body += "\n\nMy son was stopped twice on his way to school."
        make_testimony(
            campaign,
            name=f"Sender Number{n:03d}",
            reference=f"FL{n:06d}",
            body=body,
            visibility=Visibility.COUNTED if n % 50 == 0 else Visibility.PUBLIC,
        )
    make_testimony(campaign, reference="OWN00001", body="My own words about the contract.")
    make_testimony(campaign, reference="OWN00002", body="I support it.", position=Position.SUPPORT)
    db.session.commit()

    packet = _build(db, campaign)

    assert packet.counts["testimonies"] == 402  # every copy counts
    pages = _pages(packet_service.file_path(packet))
    text = "\n".join(pages)
    # 400 testimony pages before; now the letter with its 400 senders takes a few pages.
    assert packet.pages == len(pages) <= 30
    cover = pages[0]
    assert "402" in cover and "1 support · 401 oppose · 0 neutral" in cover
    assert len(re.findall(SIGNATURE_SENTENCE, text)) == 1  # the text is printed once
    assert "Sent by 400 residents" in text
    assert "My son was stopped twice on his way to school." in text  # what one sender added
    assert "Sender Number007" in text and "Sender Number399" in text
    assert "Sender Number000" not in text  # counted without a name: only in the count
    assert "and 8 residents who asked to be counted without their name" in text
    assert "OWN00001" in text and "OWN00002" in text
    methods = next(page for page in pages if "Methods" in page and "Form letters" in page)
    assert "80 percent of the three-word sequences" in re.sub(r"\s+", " ", methods)


def test_the_rule_groups_the_same_text_and_near_copies_only(app):
    base = LETTER
    added = base + "\n\nI have lived on Elm Street for twenty years. My children go to school here."
    edited = base.replace("afraid", "scared").replace("trust", "faith")
    own = "Three paragraphs of my own. " * 3 + base[:120]
    letters = form_letters.group(
        [
            (1, "oppose", base),
            (2, "oppose", base.lower().replace(".", ";")),
            (3, "oppose", added),
            (4, "oppose", edited),
            (5, "oppose", own),
            (6, "support", base),  # the same words with another position: not this letter
            (7, "support", "Something else entirely, on another subject altogether."),
        ]
    )
    [letter] = letters
    assert letter.ids == (1, 2, 3, 4) and letter.position == "oppose"
    additions = {s.testimony_id: s.added for s in letter.senders}
    assert additions[1] == additions[2] == ()
    assert additions[3] == (
        "I have lived on Elm Street for twenty years.",
        "My children go to school here.",
    )
    assert additions[4]  # the edited sentences show as what that sender changed
    assert form_letters.group([(1, "oppose", ""), (2, "oppose", " ... !")]) == []  # no text
    # Grouping is stable: the same input gives the same groups and keys every time.
    assert form_letters.group([(1, "oppose", base), (2, "oppose", base)])[0].key == (
        form_letters.group([(8, "oppose", base.upper()), (9, "oppose", base)])[0].key
    )


def test_a_rebuild_reads_the_grouping_kept_until_the_testimony_changes(app, db, monkeypatch):
    campaign = make_campaign(slug="form-letters-kept")
    make_signature(campaign, name="Roster Person")
    copies = [make_testimony(campaign, body=_copy(n)) for n in range(3)]
    make_testimony(campaign, body="My own words about the contract.")
    db.session.commit()
    grouped: list[int] = []
    real_group = form_letters.group
    monkeypatch.setattr(form_letters, "group", lambda items: grouped.append(1) or real_group(items))

    first = _build(db, campaign)
    assert grouped == [1]
    make_signature(campaign, name="Another Signer", email="another@example.org")
    db.session.commit()
    again = _build(db, campaign)  # the same testimony: the grouping kept is read
    assert grouped == [1]
    for packet in (first, again):
        assert "Sent by 3 residents" in "\n".join(_pages(packet_service.file_path(packet)))

    copies[2].body = "A text of my own this time, nothing like the letter."
    db.session.commit()
    changed = _build(db, campaign)  # a testimony changed: grouped again
    assert grouped == [1, 1]
    assert "Sent by 2 residents" in "\n".join(_pages(packet_service.file_path(changed)))
    assert "Another Signer" in "\n".join(_pages(packet_service.file_path(changed)))
