"""Paper signatures: the import of typed-up sign-up sheets (the printable sheet itself is the
web layer's: campaign/organize/sheet.py).

An import is read twice: once for the preview, which marks every row valid, invalid (with the
reason) or duplicate and saves nothing, and again at confirmation, against the signatures that
exist by then, before the valid rows are saved in bulk.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from campaign.crypto import email_domain, email_hash, keyring
from campaign.models import (
    UNASSIGNED,
    Campaign,
    CampaignStatus,
    DistrictZip,
    Signature,
    SignatureSource,
    SignatureStatus,
    User,
    Visibility,
)
from campaign.services import DomainError, audit, tallies, uploads
from campaign.services.districts import ZIP_PATTERN

MAX_ROWS = 20_000
CHUNK = 1000
MAX_NAME = 200
MAX_BATCH = 40
# The everyday shape of an address, a strict subset of what email_validator accepts: checked
# first because a 10,000-row file must be read twice in seconds. Anything else (international
# addresses, odd but valid ones, invalid ones) goes to email_validator, which decides.
PLAIN_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63})$"
)
SPECIAL_USE_TLDS = {
    "arpa",
    "invalid",
    "local",
    "localhost",
    "onion",
    "test",
    "internal",
    "home",
    "lan",
    "corp",
    "example",
    "alt",
}

# Column names people type, reduced by uploads.normalize_header.
COLUMNS: dict[str, set[str]] = {
    "name": {
        "name",
        "full name",
        "nombre",
        "nombre completo",
        "nombre y apellido",
        "nombre y apellidos",
        "signer",
        "firmante",
    },
    "first_name": {"first name", "first", "given name", "primer nombre", "nombres"},
    "last_name": {"last name", "last", "surname", "family name", "apellido", "apellidos"},
    "zip": {
        "zip",
        "zip code",
        "zipcode",
        "zip postal code",
        "postal code",
        "postcode",
        "codigo postal",
        "cod postal",
        "cp",
        "zona postal",
    },
    "email": {
        "email",
        "e mail",
        "email address",
        "e mail address",
        "mail",
        "correo",
        "correo electronico",
        "correo e",
        "email correo",
    },
    "visibility": {
        "visibility",
        "visibilidad",
        "name shown",
        "how name appears",
        "como aparece su nombre",
        "nombre visible",
    },
    # One column per box of the printed sheet, typed as an x (or anything) when ticked.
    "box_public": {"public", "publico", "name public", "nombre publico"},
    "box_packet": {
        "packet",
        "paquete",
        "packet only",
        "solo paquete",
        "only in packet",
        "solo en el paquete",
        "council only",
        "solo concejo",
    },
    "box_counted": {
        "counted",
        "count only",
        "counted only",
        "solo contar",
        "contar",
        "only counted",
        "solo contado",
    },
}
VISIBILITY_WORDS: dict[str, Visibility] = {
    **dict.fromkeys(
        ("public", "publico", "publica", "pub", "p", "name public", "nombre publico"),
        Visibility.PUBLIC,
    ),
    **dict.fromkeys(
        (
            "packet",
            "paquete",
            "k",
            "packet only",
            "solo paquete",
            "council",
            "concejo",
            "council only",
            "solo concejo",
            "only in packet",
            "solo en el paquete",
        ),
        Visibility.PACKET,
    ),
    **dict.fromkeys(
        (
            "counted",
            "count",
            "count only",
            "counted only",
            "c",
            "contar",
            "solo contar",
            "contado",
            "anonymous",
            "anonimo",
            "anonima",
            "private",
            "privado",
            "privada",
            "no",
        ),
        Visibility.COUNTED,
    ),
}
# Most private first: when several boxes are ticked, the most private one wins.
PRIVACY_ORDER = (Visibility.COUNTED, Visibility.PACKET, Visibility.PUBLIC)


class RowStatus(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    DUPLICATE = "duplicate"


class Problem(StrEnum):
    """Why a row is not saved; the pages turn each into a translated sentence."""

    NAME_MISSING = "name_missing"
    NAME_TOO_LONG = "name_too_long"
    ZIP_MISSING = "zip_missing"
    ZIP_INVALID = "zip_invalid"
    EMAIL_INVALID = "email_invalid"
    VISIBILITY_UNKNOWN = "visibility_unknown"
    DUPLICATE_IN_FILE = "duplicate_in_file"
    ALREADY_SIGNED = "already_signed"


class PaperFileError(uploads.UnreadableFile):
    """The file cannot be imported at all: no name or ZIP column (columns_missing, with the
    columns `found`), or a file that is no table we read (file_empty, too_many_rows,
    file_unreadable)."""


@dataclass(slots=True)
class PaperRow:
    line: int
    name: str
    zip: str
    email: str
    visibility: Visibility | None
    visibility_text: str
    district: str = UNASSIGNED
    status: RowStatus = RowStatus.VALID
    problems: list[Problem] = field(default_factory=list)
    same_as_line: int | None = None
    key: str = ""  # what goes in signature.email_hash


@dataclass
class PaperPreview:
    rows: list[PaperRow]
    columns: dict[str, str]  # our field -> the header as found in the file
    ignored_columns: list[str]
    encoding: str
    delimiter: str

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(row.status.value for row in self.rows)
        return {status.value: found.get(status.value, 0) for status in RowStatus} | {
            "total": len(self.rows)
        }

    @property
    def valid_rows(self) -> list[PaperRow]:
        return [row for row in self.rows if row.status == RowStatus.VALID]


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _match_columns(header: list[str]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    positions: dict[str, int] = {}
    found: dict[str, str] = {}
    ignored: list[str] = []
    for index, raw in enumerate(header):
        name = uploads.normalize_header(raw)
        target = next((f for f, aliases in COLUMNS.items() if name in aliases), None)
        if target is None or target in positions:
            if raw:
                ignored.append(raw)
            continue
        positions[target] = index
        found[target] = raw
    return positions, found, ignored


def _visibility(cells: dict[str, str]) -> tuple[Visibility | None, str]:
    """The visibility a row asks for; a blank means counted only (as the sheet says)."""
    ticked = [
        visibility
        for visibility, column in (
            (Visibility.PUBLIC, "box_public"),
            (Visibility.PACKET, "box_packet"),
            (Visibility.COUNTED, "box_counted"),
        )
        if cells.get(column)
    ]
    text = cells.get("visibility", "")
    if text:
        word = " ".join(re.sub(r"[^a-z0-9]+", " ", _plain(text)).split())
        chosen = VISIBILITY_WORDS.get(word)
        if chosen is None:
            return None, text
        ticked.append(chosen)
    if not ticked:
        return Visibility.COUNTED, text
    return next(v for v in PRIVACY_ORDER if v in ticked), text


def valid_email(email: str) -> bool:
    """True if email is an address the sign form would accept too."""
    plain = PLAIN_EMAIL.match(email)
    if (
        plain
        and len(email) <= 254
        and len(email.partition("@")[0]) <= 64
        and plain.group(1).lower() not in SPECIAL_USE_TLDS
    ):
        return True
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def name_key(name: str, zip_code: str) -> str:
    """Keyed hash of a normalized name and ZIP: finds the same paper signer without an email."""
    normalized = " ".join(re.sub(r"[^\w]+", " ", _plain(name)).split())
    return keyring().keyed_hash("paper", f"{normalized}|{zip_code}")


def parse(data: bytes) -> PaperPreview:
    """Read a typed-up sheet into rows with their own problems (no database needed)."""
    try:
        table = uploads.read_table(data, max_rows=MAX_ROWS)
    except uploads.UnreadableFile as exc:
        raise PaperFileError(str(exc), code=exc.code, **exc.details) from exc
    positions, found, ignored = _match_columns(table.header)
    has_name = "name" in positions or "first_name" in positions or "last_name" in positions
    if not has_name or "zip" not in positions:
        columns = ", ".join(h for h in table.header if h)
        raise PaperFileError(
            f"no name or ZIP column among: {columns}", code="columns_missing", found=columns or "-"
        )
    rows = [
        _row(line, {f: uploads.cell(cells, i) for f, i in positions.items()})
        for line, cells in table.rows
    ]
    return PaperPreview(rows, found, ignored, table.encoding, table.delimiter)


def _row(line: int, values: dict[str, str]) -> PaperRow:
    """One typed-up line with the problems that keep it from being saved."""
    name = values.get("name", "") or f"{values.get('first_name', '')} {values.get('last_name', '')}"
    name = " ".join(name.split())
    zip_raw = values.get("zip", "").replace(" ", "")
    visibility, visibility_text = _visibility(values)
    row = PaperRow(
        line=line,
        name=name,
        zip=zip_raw,
        email=values.get("email", ""),
        visibility=visibility,
        visibility_text=visibility_text,
    )
    if not name:
        row.problems.append(Problem.NAME_MISSING)
    elif len(name) > MAX_NAME:
        row.problems.append(Problem.NAME_TOO_LONG)
    match = ZIP_PATTERN.match(zip_raw)
    if match:
        row.zip = match.group(1)
    else:
        row.problems.append(Problem.ZIP_INVALID if zip_raw else Problem.ZIP_MISSING)
    if row.email and not valid_email(row.email):
        row.problems.append(Problem.EMAIL_INVALID)
    if visibility is None:
        row.problems.append(Problem.VISIBILITY_UNKNOWN)
    if row.problems:
        row.status = RowStatus.INVALID
    return row


def analyze(session: Session, campaign: Campaign, data: bytes) -> PaperPreview:
    """Mark every row of a typed-up sheet valid, invalid or duplicate; saves nothing."""
    preview = parse(data)
    rows = preview.rows
    districts = dict(
        session.execute(
            sa.select(DistrictZip.zip, DistrictZip.district).where(
                DistrictZip.campaign_id == campaign.id
            )
        ).all()
    )
    existing = set(
        session.scalars(sa.select(Signature.email_hash).where(Signature.campaign_id == campaign.id))
    )
    seen_email: dict[str, int] = {}
    seen_person: dict[str, tuple[int, bool]] = {}  # person -> (first line, that row had email)
    for row in rows:
        if row.status == RowStatus.INVALID:
            continue
        row.district = districts.get(row.zip, UNASSIGNED)
        person = name_key(row.name, row.zip)
        row.key = email_hash(row.email) if row.email else person
        earlier_line: int | None = seen_email.get(row.key) if row.email else None
        if earlier_line is None and person in seen_person:
            # Same name and ZIP: the same person unless both rows give (different) emails.
            line, had_email = seen_person[person]
            if not (row.email and had_email):
                earlier_line = line
        if row.key in existing or person in existing:
            row.status = RowStatus.DUPLICATE
            row.problems.append(Problem.ALREADY_SIGNED)
        elif earlier_line is not None:
            row.status = RowStatus.DUPLICATE
            row.problems.append(Problem.DUPLICATE_IN_FILE)
            row.same_as_line = earlier_line
        else:
            if row.email:
                seen_email[row.key] = row.line
            seen_person.setdefault(person, (row.line, bool(row.email)))
    return preview


def check_campaign(campaign: Campaign) -> None:
    """Paper signatures go to a campaign that still keeps personal data."""
    if campaign.status == CampaignStatus.ARCHIVED or campaign.purged_at is not None:
        raise DomainError(
            "this campaign is archived; it takes no more signatures", code="campaign_archived"
        )


def clean_batch(label: str, now: datetime) -> str:
    """The batch label for an import: what the organizer typed, or the date and time."""
    label = " ".join((label or "").split())[:MAX_BATCH]
    return label or f"paper {now:%Y-%m-%d %H:%M}"


@dataclass
class Progress:
    """How far a save has come; the last one has finished=True and the number saved."""

    done: int
    total: int
    finished: bool = False
    saved: int = 0


def save(
    session: Session,
    campaign: Campaign,
    actor: User,
    preview: PaperPreview,
    *,
    batch: str,
    language: str,
    now: datetime,
    chunk: int = CHUNK,
) -> Iterator[Progress]:
    """Save the valid rows in bulk, yielding Progress after each chunk; then rebuild the counts
    and write the audit event. Flushes, does not commit.

    A row whose person signed in the meantime is skipped by the database's unique constraint
    rather than failing the whole import."""
    check_campaign(campaign)
    valid = preview.valid_rows
    dialect = session.get_bind().dialect.name
    # A Core insert on the table: one executemany per chunk. (The ORM's bulk path splits the
    # rows into many statements whenever a column is None in some rows and not in others.)
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Signature.__table__)
    statement = insert.on_conflict_do_nothing(index_elements=["campaign_id", "email_hash"])
    total = len(valid)
    yield Progress(0, total)
    for start in range(0, total, chunk):
        values = [
            {
                "campaign_id": campaign.id,
                "name": row.name,
                "email": row.email or None,
                "email_hash": row.key,
                "email_domain": email_domain(row.email) if row.email else None,
                "zip": row.zip,
                "district": row.district,
                "visibility": row.visibility,
                "source": SignatureSource.PAPER,
                "status": SignatureStatus.VERIFIED,
                "verified_at": now,
                "created_at": now,
                "batch": batch,
                "entered_by_id": actor.id,
                "language": language,
                "consent_updates": False,
            }
            for row in valid[start : start + chunk]
        ]
        session.execute(statement, values)
        yield Progress(min(start + chunk, total), total)
    saved = (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Signature)
            .where(
                Signature.campaign_id == campaign.id,
                Signature.batch == batch,
                Signature.source == SignatureSource.PAPER,
                Signature.created_at == now,
            )
        )
        or 0
    )
    tallies.recount(session, campaign.id)
    counts = preview.counts
    audit.record(
        session,
        "paper.imported",
        actor=actor,
        campaign_id=campaign.id,
        rows=saved,
        batch=batch,
        file_rows=counts["total"],
        invalid=counts["invalid"],
        duplicates=counts["duplicate"],
        skipped_on_save=total - saved,
    )
    yield Progress(total, total, finished=True, saved=saved)


def batches(session: Session, campaign_id: int) -> list[tuple[str, int, datetime]]:
    """Paper batches already imported: label, verified signatures, when."""
    return [
        (batch, count, last)
        for batch, count, last in session.execute(
            sa.select(Signature.batch, sa.func.count(), sa.func.max(Signature.created_at))
            .where(
                Signature.campaign_id == campaign_id,
                Signature.source == SignatureSource.PAPER,
                Signature.batch.is_not(None),
            )
            .group_by(Signature.batch)
            .order_by(sa.func.max(Signature.created_at).desc())
            .limit(50)
        )
    ]
