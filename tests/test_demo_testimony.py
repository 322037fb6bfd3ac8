"""The demo reads like a real campaign: testimonies in distinct voices, in the position each
argues, in English and Spanish, long and short, and no sentence said twice."""

from __future__ import annotations

import re
from collections import defaultdict

import sqlalchemy as sa

from campaign.demo import riverton
from campaign.models import Campaign, Position, Testimony
from campaign.pdf.sample import make_content

# A sentence ends at . ! or ? followed by a space, a line break or the end of the text.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# Asking for the contract to end, in either language.
ENDING_THE_CONTRACT = re.compile(r"expire|vote no|voten que no|vencer|en contra", re.IGNORECASE)


def _sentences(body: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(body) if s.strip()]


def _demo_testimonies(db) -> list[Testimony]:
    return db.session.scalars(sa.select(Testimony).order_by(Testimony.id)).all()


def test_no_sentence_is_repeated_across_the_demo_testimonies(db, demo):
    testimonies = _demo_testimonies(db)
    assert len(testimonies) >= 15
    where: dict[str, set[str]] = defaultdict(set)
    for testimony in testimonies:
        for sentence in _sentences(testimony.body):
            where[sentence.casefold()].add(testimony.reference)
    repeated = {s: refs for s, refs in where.items() if len(refs) > 1}
    assert repeated == {}
    bodies = [t.body for t in testimonies]
    assert len(set(bodies)) == len(bodies)


def test_demo_testimonies_argue_the_position_they_are_filed_under(db, demo):
    arrest_data = db.session.scalar(
        sa.select(Campaign.id).where(Campaign.slug == riverton.OPEN_SLUG)
    )
    testimonies = _demo_testimonies(db)
    for testimony in testimonies:
        if testimony.campaign_id == arrest_data and testimony.position != Position.OPPOSE:
            assert not ENDING_THE_CONTRACT.search(testimony.body), testimony.body
        if testimony.campaign_id == arrest_data and testimony.position == Position.SUPPORT:
            assert "renew" in testimony.body.lower()
    languages = {t.language for t in testimonies}
    assert languages == {"en", "es"}
    words = sorted(len(t.body.split()) for t in testimonies)
    assert words[0] < 30 and words[-1] > 250  # some short, some long
    # Each language has both kinds.
    for language in ("en", "es"):
        lengths = [len(t.body.split()) for t in testimonies if t.language == language]
        assert min(lengths) < 40 and max(lengths) > 80


def test_the_sample_packet_files_no_plea_to_end_the_contract_under_support():
    content = make_content(0, 120, words=120, seed=5)
    entries = [entry for group in content.testimony_groups for entry in group.entries]
    supporting = [entry.body for entry in entries if entry.position == "support"]
    assert supporting
    for body in supporting:
        assert not re.search(r"expire|vencer", body, re.IGNORECASE)
