"""Synthetic, fictional packet content for the packet benchmark, tests and previews."""

from __future__ import annotations

import random
from collections import Counter

from campaign.demo.people import FIRST_NAMES, LAST_NAMES, testimony_text

from .content import (
    DistrictTotal,
    EndorsementEntry,
    PacketContent,
    RosterEntry,
    TestimonyEntry,
    TestimonyGroup,
    ZipTotal,
)

DISTRICTS = (
    "District 1 — Downtown",
    "District 2 — Riverside",
    "District 3 — Eastside / Barrio Oriente",
    "District 4 — Northgate",
    "District 5 — Peñasco Heights",
    "District 6 — Old Mill",
    "District 7 — Washington Heights & Inwood",
    "District 8 — Lakeview",
    "District 9 — Southport",
)
# The demo's names (campaign/demo/people.py), with spellings that test the packet's fonts.
FIRST = (*FIRST_NAMES, "Fátima", "Nguyễn", "Zoë", "Søren", "Ólafur")
LAST = (*LAST_NAMES, "Trần", "Шевченко", "Nuñez", "Østergaard")
LONG_NAMES = (
    "María de los Ángeles Guadalupe Hernández-Castillo y Villanueva de la Fuente",
    "Oluwaseun Adebayo-Ogunleye Fọlárìn",
    "Ana Sofía Rodríguez-Ramírez Valenzuela Montenegro",
)
ORGANIZATIONS = (
    "Riverton Immigrant Rights Coalition",
    "Make the Road Riverton",
    "Iglesia San Andrés",
    "Eastside Tenants Union",
    "Riverton Public Defenders Association",
    "Centro Cultural Latino",
    "Ukrainian Community Center",
    "Vietnamese American Mutual Aid",
    "Northgate Mosque",
    "Lakeview Teachers Local 114",
    "Nurses for Safe Communities",
    "Southport Day Laborers",
    "Riverton Bar Association Pro Bono Project",
    "Youth Justice Collective",
    "ACLU of Riverton",
    "Faith in Action Riverton",
    "Barrio Oriente Neighbors",
    "Old Mill Interfaith Council",
    "Women's Empowerment Network",
    "Legal Aid Society of Riverton",
    "Restaurant Workers United",
    "Riverton Arab American Association",
)


def person_name(rng: random.Random) -> str:
    """A plausible fictional resident's name, sometimes long or with a second surname."""
    if rng.random() < 0.003:
        return rng.choice(LONG_NAMES)
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if rng.random() < 0.2:
        name += f" {rng.choice(LAST)}"
    return name


def testimony_body(rng: random.Random, words: int, spanish: bool, position: str = "oppose") -> str:
    """About `words` words of plain-text testimony arguing `position`, in paragraphs of a few
    sentences (the one home of sample sentences: campaign.demo.people)."""
    return testimony_text(rng, "es" if spanish else "en", words, position)


def make_roster_entry(rng: random.Random, district_index: int | None = None) -> RosterEntry:
    """One random signer."""
    d = rng.randrange(len(DISTRICTS)) if district_index is None else district_index
    return RosterEntry(
        district=DISTRICTS[d],
        name=person_name(rng),
        zip=f"{10010 + d * 7 + rng.randrange(7):05d}",
        signed_on=f"2024-0{rng.randint(3, 6)}-{rng.randint(10, 28)}",
        source="paper" if rng.random() < 0.12 else "online",
    )


def sort_roster(entries: list[RosterEntry]) -> tuple[RosterEntry, ...]:
    """Roster order as the service layer gives it: district, then name."""
    return tuple(
        sorted(
            entries,
            key=lambda e: (
                DISTRICTS.index(e.district) if e.district in DISTRICTS else 99,
                e.district,
                e.name.casefold(),
                e.zip,
            ),
        )
    )


_POSITIONS = ("oppose", "support", "neutral")
_POSITION_LABELS = {"oppose": "Oppose", "support": "Support", "neutral": "Neutral"}
_GROUP_TITLES = {
    "oppose": "Opposing the renewal",
    "support": "Supporting the renewal",
    "neutral": "Neutral",
}


def _testimonies(rng: random.Random, count: int, words: int) -> dict[str, list[TestimonyEntry]]:
    """`count` random testimonies by position, three in four opposing."""
    groups: dict[str, list[TestimonyEntry]] = {p: [] for p in _POSITIONS}
    for i in range(count):
        position = _POSITIONS[0] if rng.random() < 0.75 else rng.choice(_POSITIONS[1:])
        spanish = rng.random() < 0.35
        district = rng.choice(DISTRICTS)
        groups[position].append(
            TestimonyEntry(
                reference=f"T-2024-{i + 1:05d}",
                author=person_name(rng),
                affiliation=rng.choice(ORGANIZATIONS) if rng.random() < 0.3 else None,
                district=district,
                position=position,
                position_label=_POSITION_LABELS[position],
                submitted_on=f"May {rng.randint(1, 28)}, 2024",
                language_label="Español" if spanish else "English",
                body=testimony_body(rng, words, spanish, position),
                speaks=(
                    "Asks to speak at the hearing (interpreter: Spanish)"
                    if spanish and rng.random() < 0.3
                    else None
                ),
                language="es" if spanish else "en",
            )
        )
    return groups


def _totals(
    roster: tuple[RosterEntry, ...],
    counted_only: int,
    hidden_rng: random.Random,
    groups: dict[str, list[TestimonyEntry]],
) -> tuple[tuple[DistrictTotal, ...], tuple[ZipTotal, ...]]:
    """Signatures by district and ZIP (counted-only signers too), testimony by district."""
    by_district = Counter(e.district for e in roster)
    by_zip = Counter((e.zip, e.district) for e in roster)
    for _ in range(counted_only):  # counted-only signers are in the totals, not the roster
        hidden = make_roster_entry(hidden_rng)
        by_district[hidden.district] += 1
        by_zip[(hidden.zip, hidden.district)] += 1
    t_by_district: dict[str, Counter[str]] = {d: Counter() for d in DISTRICTS}
    for group in groups.values():
        for t in group:
            t_by_district.setdefault(t.district, Counter())[t.position] += 1
    districts = tuple(
        DistrictTotal(
            d,
            by_district[d],
            t_by_district[d]["support"],
            t_by_district[d]["oppose"],
            t_by_district[d]["neutral"],
        )
        for d in DISTRICTS
    )
    zips = tuple(ZipTotal(z, d, n) for (z, d), n in sorted(by_zip.items()))
    return districts, zips


def make_content(
    signatures: int,
    testimonies: int,
    *,
    words: int = 400,
    seed: int = 7,
    roster: list[RosterEntry] | None = None,
    generated_at: str = "May 30, 2024, 9:15 AM EDT",
) -> PacketContent:
    """A complete fictional packet with the given numbers of signers and testimonies."""
    # Separate generators, so a caller can pass a changed roster and keep the same testimony.
    rng = random.Random(seed)
    roster_rng = random.Random(seed + 1)
    hidden_rng = random.Random(seed + 2)
    entries = (
        roster if roster is not None else [make_roster_entry(roster_rng) for _ in range(signatures)]
    )
    sorted_roster = sort_roster(entries)
    counted_only = max(0, len(sorted_roster) // 40)
    groups = _testimonies(rng, testimonies, words)
    districts, zips = _totals(sorted_roster, counted_only, hidden_rng, groups)
    coalition = tuple(
        EndorsementEntry(
            org, "Founding members" if i < 6 else "Supporting organizations", founding=i < 6
        )
        for i, org in enumerate(ORGANIZATIONS)
    )
    online = sum(1 for e in sorted_roster if e.source == "online")
    return PacketContent(
        campaign_title="Let the Arrest-Data Contract Expire",
        campaign_slug="arrest-data-contract",
        ask="Vote NO on renewing the arrest-data contract before it expires on August 31.",
        decision_title="Renewal of the Regional Arrest Data Sharing Agreement",
        decision_body=(
            "A proposed three-year renewal of the agreement that gives a federal agency "
            "real-time access to the city's arrest database.\n\nThe current agreement "
            "expires on August 31, 2024."
        ),
        decision_kind_label="Contract vote",
        decision_reference="Int. 0158-2024",
        hearing_title="Committee on Public Safety — public hearing",
        hearing_when="Tuesday, June 4, 2024, 10:00 AM EDT (America/New_York)",
        hearing_location="City Hall, Committee Room 2, 100 Main Street",
        committee="Committee on Public Safety",
        coalition=coalition,
        signatures_verified=len(sorted_roster) + counted_only,
        signatures_online=online,
        signatures_paper=len(sorted_roster) - online,
        signatures_counted_only=counted_only,
        testimonies_support=len(groups["support"]),
        testimonies_oppose=len(groups["oppose"]),
        testimonies_neutral=len(groups["neutral"]),
        districts=districts,
        zips=zips,
        testimony_groups=tuple(
            TestimonyGroup(_GROUP_TITLES[p], tuple(groups[p])) for p in _POSITIONS if groups[p]
        ),
        roster=sorted_roster,
        methods=_METHODS,
        excluded_pending=rng.randint(0, 500),
        excluded_duplicates=rng.randint(0, 300),
        excluded_invalidated=rng.randint(0, 50),
        generated_at=generated_at,
        variant_note="Copy for committee members",
    )


_METHODS = (
    "Online signatures were counted only after the signer confirmed their email "
    "address by pressing a button on the confirmation page. Each address counts "
    "once per campaign after normalization (case, dots and plus-suffixes).",
    "Paper signatures were gathered at rallies and entered by organizers from the "
    "original sheets, which the coalition keeps for inspection.",
    "Names appear as each signer chose. Signers who asked to be counted only are "
    "included in the totals but not listed. No address, email or phone number "
    "appears in this packet.",
)
