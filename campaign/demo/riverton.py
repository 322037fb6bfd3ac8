"""The Riverton demo: an open fight over an arrest-data contract and a closed one on detainers."""

from __future__ import annotations

import random
import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.crypto import email_domain, email_hash
from campaign.demo.people import (
    ARREST_DATA_TESTIMONIES,
    DETAINER_HOLD_TESTIMONIES,
    person_name,
    testimony_text,
)
from campaign.models import (
    Campaign,
    CampaignStatus,
    DeadlineKind,
    Decision,
    DecisionKind,
    DecisionMaker,
    DistrictZip,
    Endorsement,
    EndorsementRole,
    EndorsementStatus,
    Position,
    RejectionReason,
    Signature,
    SignatureSource,
    SignatureStatus,
    SpeakMode,
    Stance,
    StatedPosition,
    Testimony,
    TestimonyStatus,
    User,
    Visibility,
)
from campaign.services import NotFound, accounts, deadlines, tallies

TIME_ZONE = "America/New_York"
OPEN_SLUG = "riverton-arrest-data"
CLOSED_SLUG = "riverton-detainers"
LEAD_EMAIL = "lead@riverton.example"
ORGANIZER_EMAIL = "organizer@riverton.example"

# Nine council districts, two or three ZIP codes each.
DISTRICT_ZIPS = {
    str(d): [f"{40100 + d * 3 + i:05d}" for i in range(3 if d % 3 == 0 else 2)]
    for d in range(1, 10)
}

COUNCIL = (
    ("Alicia Moreno", "1", Stance.NO, "Said at a town hall she will vote no."),
    ("Robert Keane", "2", Stance.YES, "Co-sponsored the renewal."),
    ("Danielle Okoro", "3", Stance.UNDECIDED, "Asked staff for data on the contract's use."),
    ("Marcus Lee", "4", Stance.YES, "Quoted in the Riverton Ledger supporting renewal."),
    ("Teresa Villalobos", "5", Stance.NO, "Signed the coalition's letter."),
    ("Frank Dempsey", "6", Stance.UNKNOWN, None),
    ("Hannah Sato", "7", Stance.UNDECIDED, "Office said she is still reviewing."),
    ("Jamal Whitaker", "8", Stance.NO, "Voted against the last extension."),
    ("Patricia Nowak", "9", Stance.YES, "Chairs the Committee on Public Safety."),
)

# Each council member's office and stated position in Spanish, beside the English above.
OFFICE_ES = {
    "Alicia Moreno": "Concejala",
    "Robert Keane": "Concejal",
    "Danielle Okoro": "Concejala",
    "Marcus Lee": "Concejal",
    "Teresa Villalobos": "Concejala",
    "Frank Dempsey": "Concejal",
    "Hannah Sato": "Concejala",
    "Jamal Whitaker": "Concejal",
    "Patricia Nowak": "Concejala",
}
NOTE_ES = {
    "Said at a town hall she will vote no.": "Dijo en una asamblea vecinal que votará que no.",
    "Co-sponsored the renewal.": "Copatrocinó la renovación.",
    "Asked staff for data on the contract's use.": (
        "Pidió a su equipo datos sobre el uso del contrato."
    ),
    "Quoted in the Riverton Ledger supporting renewal.": (
        "El Riverton Ledger lo citó a favor de la renovación."
    ),
    "Signed the coalition's letter.": "Firmó la carta de la coalición.",
    "Office said she is still reviewing.": "Su oficina dijo que todavía lo está estudiando.",
    "Voted against the last extension.": "Votó en contra de la última prórroga.",
    "Chairs the Committee on Public Safety.": "Preside el Comité de Seguridad Pública.",
    "Recorded vote on Resolution 118.": "Voto registrado sobre la Resolución 118.",
}

# What the campaign page says under each organization's name, in English and Spanish.
DESCRIPTIONS = {
    "Riverton Immigrant Rights Coalition": (
        "Immigrant families and allies organizing in Riverton since 2009.",
        "Familias inmigrantes y aliados que se organizan en Riverton desde 2009.",
    ),
    "Casa del Pueblo Riverton": (
        "A community center with English classes, a food pantry and know-your-rights workshops.",
        "Un centro comunitario con clases de inglés, despensa de alimentos y talleres "
        "sobre sus derechos.",
    ),
    "Defensores Legales del Valle": (
        "Free immigration legal help for families in the valley.",
        "Ayuda legal migratoria gratuita para las familias del valle.",
    ),
    "Eastside Tenants Union": (
        "Tenants of the east side organizing for safe, affordable homes.",
        "Inquilinos del lado este que se organizan por viviendas seguras y asequibles.",
    ),
    "Riverton Interfaith Network": (
        "Churches, mosques and synagogues of Riverton working together.",
        "Iglesias, mezquitas y sinagogas de Riverton que trabajan juntas.",
    ),
    "Workers' Center of Riverton": (
        "Day laborers and domestic workers defending their rights at work.",
        "Jornaleros y trabajadoras del hogar que defienden sus derechos laborales.",
    ),
    "Students for Sanctuary at Riverton Community College": (
        "Students asking the college and the city to protect their classmates.",
        "Estudiantes que piden a la universidad y a la ciudad que protejan a sus compañeros.",
    ),
    "Riverton Public Defenders Association": (
        "The public defenders who represent people arrested in Riverton.",
        "Los defensores públicos que representan a las personas arrestadas en Riverton.",
    ),
}

ORGANIZATIONS = (
    ("Riverton Immigrant Rights Coalition", EndorsementRole.FOUNDING, EndorsementStatus.APPROVED),
    ("Casa del Pueblo Riverton", EndorsementRole.FOUNDING, EndorsementStatus.APPROVED),
    ("Defensores Legales del Valle", EndorsementRole.FOUNDING, EndorsementStatus.APPROVED),
    ("Eastside Tenants Union", EndorsementRole.SUPPORTER, EndorsementStatus.APPROVED),
    ("Riverton Interfaith Network", EndorsementRole.SUPPORTER, EndorsementStatus.APPROVED),
    ("Workers' Center of Riverton", EndorsementRole.SUPPORTER, EndorsementStatus.APPROVED),
    (
        "Students for Sanctuary at Riverton Community College",
        EndorsementRole.SUPPORTER,
        EndorsementStatus.PENDING,
    ),
    ("Riverton Public Defenders Association", EndorsementRole.SUPPORTER, EndorsementStatus.PENDING),
)


@dataclass
class DemoResult:
    created: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return deadlines.local_moment(day, time(hour, minute), TIME_ZONE)


def _password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def load(session: Session, today: date | None = None, seed: int = 2026) -> DemoResult:
    """Create the Riverton campaigns and demo staff unless they exist; returns new logins."""
    today = today or datetime.now(ZoneInfo(TIME_ZONE)).date()
    rng = random.Random(seed)
    result = DemoResult()
    for slug, build in ((OPEN_SLUG, _open_campaign), (CLOSED_SLUG, _closed_campaign)):
        if session.scalar(sa.select(Campaign.id).where(Campaign.slug == slug)):
            result.skipped.append(slug)
            continue
        campaign = build(session, today, rng)
        session.flush()
        tallies.recount(session, campaign.id)
        result.created.append(slug)
    for email, role, slugs in (
        (LEAD_EMAIL, "lead", (OPEN_SLUG, CLOSED_SLUG)),
        (ORGANIZER_EMAIL, "organizer", (OPEN_SLUG,)),
    ):
        if session.scalar(sa.select(User.id).where(User.email == email)):
            continue
        password = _password()
        user = accounts.create_user(
            session,
            email,
            password,
            role=role,
            campaign_slug=slugs[0],
            name="Demo " + role.title(),
        )
        for slug in slugs[1:]:
            accounts.grant(session, user, slug, accounts.Role(role))
        result.logins.append((email, password))
    session.flush()
    return result


def _zip_table(campaign: Campaign) -> None:
    for district, zips in DISTRICT_ZIPS.items():
        for zip_code in zips:
            campaign.district_zips.append(DistrictZip(zip=zip_code, district=district))


def _open_campaign(session: Session, today: date, rng: random.Random) -> Campaign:
    campaign = Campaign(
        slug=OPEN_SLUG,
        status=CampaignStatus.OPEN,
        title="Stop sharing Riverton arrest data with immigration agents",
        title_es="Que Riverton deje de compartir datos de arrestos con agentes de inmigración",
        ask="Vote NO on renewing the arrest-data sharing contract.",
        ask_es="Voten NO a la renovación del contrato para compartir datos de arrestos.",
        summary=(
            "Riverton's contract with a federal agency gives it real-time access to the city's "
            "arrest database. It expires on August 31. The City Council will vote on whether to "
            "renew it, after a hearing of the Committee on Public Safety. Tell the council what "
            "this contract means for your family and your neighbors."
        ),
        summary_es=(
            "El contrato de Riverton con una agencia federal le da acceso en tiempo real a la "
            "base de datos de arrestos de la ciudad. Vence el 31 de agosto. El Concejo Municipal "
            "votará si lo renueva, después de una audiencia del Comité de Seguridad Pública. "
            "Dígale al concejo lo que este contrato significa para su familia y sus vecinos."
        ),
        goal=1000,
        time_zone=TIME_ZONE,
        city="Riverton",
        opened_at=_local(today - timedelta(days=30), 9),
        created_at=_local(today - timedelta(days=31), 9),
    )
    campaign.decision = Decision(
        title="Renewal of the Regional Arrest Records Data-Sharing Agreement",
        title_es="Renovación del Acuerdo Regional para Compartir Registros de Arrestos",
        body="Riverton City Council",
        body_es="Concejo Municipal de Riverton",
        kind=DecisionKind.CONTRACT_VOTE,
        reference="File No. 2026-0412",
        reference_es="Expediente n.º 2026-0412",
        action="renewing the arrest-data sharing contract",
        action_es="renovar el contrato para compartir datos de arrestos",
    )
    session.add(campaign)
    _zip_table(campaign)
    hearing_day = today + timedelta(days=14)
    session.flush()
    hearing = deadlines.create_deadline(
        session,
        campaign,
        kind=DeadlineKind.HEARING,
        title="Committee on Public Safety hearing",
        title_es="Audiencia del Comité de Seguridad Pública",
        at=_local(hearing_day, 10),
        location="Riverton City Hall, Council Chambers, 200 Main Street, 3rd floor",
        location_es="Alcaldía de Riverton, Sala del Concejo, 200 Main Street, 3.er piso",
        committee="Committee on Public Safety",
        committee_es="Comité de Seguridad Pública",
        notes=(
            "Doors open at 9:30. Spanish interpretation is available: ask for it when you "
            "sign up to speak."
        ),
        notes_es=(
            "Las puertas abren a las 9:30. Hay interpretación al español: pídala al "
            "inscribirse para hablar."
        ),
    )
    deadlines.add_relative(
        session,
        hearing,
        DeadlineKind.COMMENT_DEADLINE,
        "Written testimony due",
        "days_before_at:1:15:00",
        title_es="Fecha límite para testimonio escrito",
    )
    deadlines.add_relative(
        session,
        hearing,
        DeadlineKind.SPEAKER_CUTOFF,
        "Speaker sign-up closes",
        "days_before_at:1:12:00",
        title_es="Cierre de inscripción para hablar",
    )
    deadlines.create_deadline(
        session,
        campaign,
        kind=DeadlineKind.VOTE,
        title="Full council vote on renewal",
        title_es="Votación del concejo sobre la renovación",
        at=_local(hearing_day + timedelta(days=9), 18),
        location="Riverton City Hall, Council Chambers",
        location_es="Alcaldía de Riverton, Sala del Concejo",
    )
    expiry_year = today.year if today < date(today.year, 8, 31) else today.year + 1
    deadlines.create_deadline(
        session,
        campaign,
        kind=DeadlineKind.CONTRACT_EXPIRY,
        title="Contract expires",
        title_es="Vence el contrato",
        at=_local(date(expiry_year, 8, 31), 23, 59),
    )
    for order, (name, district, stance, note) in enumerate(COUNCIL):
        member = DecisionMaker(
            name=name,
            office="Council Member",
            office_es=OFFICE_ES[name],
            district=district,
            sort_order=order,
        )
        if stance != Stance.UNKNOWN:
            member.positions.append(
                StatedPosition(
                    stance=stance,
                    stated_on=today - timedelta(days=rng.randint(2, 40)),
                    source_url="https://ledger.riverton.example/council-whip",
                    source_note=note,
                    source_note_es=NOTE_ES[note],
                )
            )
        campaign.decision_makers.append(member)
    for organization, role, status in ORGANIZATIONS:
        _endorsement(session, campaign, organization, role, status, today)
    session.flush()
    _signatures(session, campaign, rng, 320, today, closed=False)
    _testimonies(session, campaign, hearing, rng, today, closed=False)
    return campaign


def _closed_campaign(session: Session, today: date, rng: random.Random) -> Campaign:
    campaign = Campaign(
        slug=CLOSED_SLUG,
        status=CampaignStatus.CLOSED,
        title="End detainer holds in Riverton jails",
        title_es="Terminar las retenciones migratorias en las cárceles de Riverton",
        ask="Pass Resolution 118 ending detainer holds in city jails.",
        ask_es="Aprueben la Resolución 118 que termina las retenciones migratorias.",
        summary=(
            "The council passed Resolution 118: Riverton jails no longer hold people past their "
            "release only because a federal agency asked. Thank you to everyone who testified."
        ),
        summary_es=(
            "El concejo aprobó la Resolución 118: las cárceles de Riverton ya no retienen a "
            "personas después de su liberación solo porque una agencia federal lo pidió. "
            "Gracias a todos los que testificaron."
        ),
        goal=500,
        time_zone=TIME_ZONE,
        city="Riverton",
        opened_at=_local(today - timedelta(days=160), 9),
        closed_at=_local(today - timedelta(days=60), 20),
        created_at=_local(today - timedelta(days=161), 9),
    )
    campaign.decision = Decision(
        title="Resolution ending detainer holds in city jails",
        title_es="Resolución que termina las retenciones migratorias en las cárceles",
        body="Riverton City Council",
        body_es="Concejo Municipal de Riverton",
        kind=DecisionKind.RESOLUTION,
        reference="Res. 2026-118",
        reference_es="Resolución 2026-118",
        action="Resolution 118",
        action_es="la Resolución 118",
    )
    session.add(campaign)
    _zip_table(campaign)
    session.flush()
    hearing = deadlines.create_deadline(
        session,
        campaign,
        kind=DeadlineKind.HEARING,
        title="Committee on Public Safety hearing",
        title_es="Audiencia del Comité de Seguridad Pública",
        at=_local(today - timedelta(days=75), 10),
        location="Riverton City Hall, Council Chambers",
        location_es="Alcaldía de Riverton, Sala del Concejo",
        committee="Committee on Public Safety",
        committee_es="Comité de Seguridad Pública",
    )
    deadlines.add_relative(
        session,
        hearing,
        DeadlineKind.COMMENT_DEADLINE,
        "Written testimony due",
        "days_before_at:1:16:00",
        title_es="Fecha límite para testimonio escrito",
    )
    deadlines.create_deadline(
        session,
        campaign,
        kind=DeadlineKind.VOTE,
        title="Council vote",
        title_es="Votación del concejo",
        at=_local(today - timedelta(days=60), 18),
        location="Riverton City Hall",
        location_es="Alcaldía de Riverton",
    )
    for order, (name, district, _stance, _note) in enumerate(COUNCIL):
        member = DecisionMaker(
            name=name, office_es=OFFICE_ES[name], district=district, sort_order=order
        )
        member.positions.append(
            StatedPosition(
                stance=Stance.YES if order % 4 else Stance.NO,
                stated_on=today - timedelta(days=60),
                source_url="https://council.riverton.example/votes/res-118",
                source_note="Recorded vote on Resolution 118.",
                source_note_es=NOTE_ES["Recorded vote on Resolution 118."],
            )
        )
        campaign.decision_makers.append(member)
    for organization, role, _status in ORGANIZATIONS[:5]:
        _endorsement(session, campaign, organization, role, EndorsementStatus.APPROVED, today)
    session.flush()
    _signatures(session, campaign, rng, 180, today - timedelta(days=70), closed=True)
    _testimonies(session, campaign, hearing, rng, today - timedelta(days=78), closed=True)
    return campaign


def _endorsement(session, campaign, organization, role, status, today) -> None:
    description, description_es = DESCRIPTIONS[organization]
    session.add(
        Endorsement(
            campaign_id=campaign.id,
            organization=organization,
            description=description,
            description_es=description_es,
            organization_key=" ".join(organization.lower().split()),
            role=role,
            status=status,
            contact_name=person_name(random.Random(organization)),
            contact_email=f"contact@{organization.split()[0].lower().strip(chr(39))}.example",
            website=None,
            decided_at=_local(today, 9) if status != EndorsementStatus.PENDING else None,
        )
    )


def _signatures(session, campaign, rng, count, until, *, closed) -> None:
    districts = list(DISTRICT_ZIPS)
    weights = [14, 6, 11, 4, 16, 5, 9, 13, 3]  # some districts are thin, as in real fights
    rows = []
    for n in range(count):
        district = rng.choices(districts, weights)[0]
        name = person_name(rng)
        email = f"{name.split()[0].lower()}.{n}@{rng.choice(['mail.example', 'post.example'])}"
        unassigned = rng.random() < 0.03
        zip_code = "40999" if unassigned else rng.choice(DISTRICT_ZIPS[district])
        paper = rng.random() < 0.12
        pending = not closed and not paper and rng.random() < 0.08
        created = _local(
            until - timedelta(days=rng.randint(0, 28)), rng.randint(7, 22), rng.randint(0, 59)
        )
        rows.append(
            {
                "campaign_id": campaign.id,
                "name": name,
                "email": email,
                "email_hash": email_hash(email),
                "email_domain": email_domain(email),
                "zip": zip_code,
                "district": "unassigned" if unassigned else district,
                "visibility": rng.choices(
                    [Visibility.PUBLIC, Visibility.PACKET, Visibility.COUNTED], [3, 5, 2]
                )[0],
                "source": SignatureSource.PAPER if paper else SignatureSource.ONLINE,
                "status": SignatureStatus.PENDING if pending else SignatureStatus.VERIFIED,
                "verified_at": None if pending else created + timedelta(minutes=rng.randint(1, 90)),
                "created_at": created,
                "language": "es" if rng.random() < 0.4 else "en",
                "consent_updates": rng.random() < 0.5,
            }
        )
    session.execute(sa.insert(Signature), rows)


def _testimonies(session, campaign, hearing, rng, submitted_until, *, closed) -> None:
    # Written out in full (campaign/demo/people.py): distinct voices, in the position each
    # argues; the open campaign also has some waiting, rejected and unconfirmed.
    written = DETAINER_HOLD_TESTIMONIES if closed else ARREST_DATA_TESTIMONIES
    outcomes = [(TestimonyStatus.APPROVED, None)] * 6
    if not closed:
        outcomes += [
            (TestimonyStatus.PENDING, None),
            (TestimonyStatus.PENDING, None),
            (TestimonyStatus.REJECTED, RejectionReason.ABUSIVE),
            (TestimonyStatus.REJECTED, RejectionReason.DUPLICATE),
            (TestimonyStatus.UNCONFIRMED, None),
        ]
    plans = [
        (text.language, Position(text.position), status, reason, text)
        for text, (status, reason) in zip(written, outcomes, strict=True)
    ]
    districts = list(DISTRICT_ZIPS)
    for n, (language, position, status, reason, text) in enumerate(plans):
        district = rng.choice(districts)
        created = _local(submitted_until - timedelta(days=rng.randint(0, 10)), 19)
        speaks = n % 3 == 0
        testimony = Testimony(
            campaign_id=campaign.id,
            hearing_id=hearing.id,
            reference=f"{campaign.slug[:2].upper()}{n + 1:02d}-{rng.randint(1000, 9999)}",
            name=person_name(rng),
            email=f"testimony{n}@mail.example",
            email_hash=email_hash(f"testimony{n}@mail.example"),
            zip=DISTRICT_ZIPS[district][0],
            district=district,
            position=position,
            affiliation=text.affiliation,
            body=text.body,
            language=language,
            wants_to_speak=speaks,
            speak_mode=SpeakMode.IN_PERSON if speaks else None,
            interpreter_language="Spanish" if speaks and language == "es" else None,
            consent_reminders=speaks,
            visibility=rng.choice([Visibility.PUBLIC, Visibility.PACKET, Visibility.COUNTED]),
            status=status,
            rejection_reason=reason,
            created_at=created,
            confirmed_at=None if status == TestimonyStatus.UNCONFIRMED else created,
            moderated_at=created + timedelta(hours=20)
            if status in (TestimonyStatus.APPROVED, TestimonyStatus.REJECTED)
            else None,
        )
        session.add(testimony)


def bulk(
    session: Session,
    slug: str,
    signatures: int,
    testimonies: int,
    *,
    seed: int | None = None,
    words: int = 400,
    batch: int = 5000,
    progress=None,
) -> None:
    """Add synthetic verified signatures and approved testimonies for benchmarks, in bulk."""
    campaign = session.scalar(sa.select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        raise NotFound(slug)
    rng = random.Random(seed)
    run = secrets.token_hex(4)  # a fresh run never collides with an earlier one's emails
    districts = list(DISTRICT_ZIPS)
    hearing = next((d for d in campaign.deadlines if d.kind == DeadlineKind.HEARING), None)
    now = datetime.now(UTC)
    done = 0
    while done < signatures:
        rows = []
        for n in range(done, min(done + batch, signatures)):
            district = rng.choice(districts)
            email = f"bulk.{run}.{n}@bulk.example"
            rows.append(
                {
                    "campaign_id": campaign.id,
                    "name": person_name(rng),
                    "email": email,
                    "email_hash": email_hash(email),
                    "email_domain": "bulk.example",
                    "zip": rng.choice(DISTRICT_ZIPS[district]),
                    "district": district,
                    "visibility": rng.choices(
                        [Visibility.PUBLIC, Visibility.PACKET, Visibility.COUNTED], [3, 5, 2]
                    )[0],
                    "source": SignatureSource.ONLINE,
                    "status": SignatureStatus.VERIFIED,
                    "verified_at": now,
                    "created_at": now - timedelta(minutes=rng.randint(0, 60 * 24 * 30)),
                    "language": "en",
                }
            )
        session.execute(sa.insert(Signature), rows)
        done += len(rows)
        if progress:
            progress(done, signatures + testimonies)
    rows = []
    for n in range(testimonies):
        district = rng.choice(districts)
        language = "es" if n % 3 == 0 else "en"
        position = rng.choices([Position.OPPOSE, Position.SUPPORT, Position.NEUTRAL], [7, 2, 1])[0]
        email = f"bulk-testimony.{run}.{n}@bulk.example"
        rows.append(
            {
                "campaign_id": campaign.id,
                "hearing_id": hearing.id if hearing else None,
                "reference": f"B{run[:4].upper()}{n:06d}",
                "name": person_name(rng),
                "email": email,
                "email_hash": email_hash(email),
                "zip": rng.choice(DISTRICT_ZIPS[district]),
                "district": district,
                "position": position,
                "body": testimony_text(rng, language, words, position),
                "language": language,
                "visibility": rng.choice(
                    [Visibility.PUBLIC, Visibility.PACKET, Visibility.COUNTED]
                ),
                "status": TestimonyStatus.APPROVED,
                "created_at": now,
                "confirmed_at": now,
                "moderated_at": now,
            }
        )
        if len(rows) >= 500 or n == testimonies - 1:
            session.execute(sa.insert(Testimony), rows)
            rows = []
    if progress:
        progress(signatures + testimonies, signatures + testimonies)
    tallies.recount(session, campaign.id)
