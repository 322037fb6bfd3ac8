"""The ZIP-to-district table of a campaign: looking a ZIP code up, and replacing the table from
an uploaded CSV (with a preview of how many signatures would change district)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.models import UNASSIGNED, Campaign, DistrictZip, Signature, Testimony, User
from campaign.services import DomainError, audit, tallies, uploads
from campaign.services.campaigns import district_sort_key

# Five digits, optionally ZIP+4: what a district table and a typed-up paper sheet may hold.
ZIP_PATTERN = re.compile(r"^(\d{5})(?:-?\d{4})?$")
DISTRICT_PATTERN = re.compile(r"^[\w .'-]{1,40}$")
MAX_DISTRICT_ROWS = 5000
ZIP_HEADERS = {"zip", "zip code", "zipcode", "postal code", "codigo postal", "cp", "zip5"}
DISTRICT_HEADERS = {"district", "council district", "distrito", "distrito del concejo", "ward"}


# --- Looking a ZIP code up --------------------------------------------------------------------


def normalize_zip(raw: str) -> str:
    """The five-digit ZIP code in what a resident typed ("02115-1234 " -> "02115").

    The form accepts any decimal digits, as a phone's Arabic or full-width keyboard types
    them ("٠٢١١٥", "０２１１５"): they are stored as the ASCII digits the district table uses.
    """
    return "".join(str(unicodedata.decimal(d)) for d in re.findall(r"\d", raw or ""))[:5]


def district_of_zip(campaign_id: str, zip_code: str):
    """The district of a ZIP in a campaign's table, or "unassigned": a scalar subquery on the
    bound parameters named `campaign_id` and `zip_code` (a signature looks its district up
    inside its own insert)."""
    zips = DistrictZip.__table__
    return sa.func.coalesce(
        sa.select(zips.c.district)
        .where(
            zips.c.campaign_id == sa.bindparam(campaign_id), zips.c.zip == sa.bindparam(zip_code)
        )
        .scalar_subquery(),
        UNASSIGNED,
    )


# Built once: every testimony looks its district up.
_DISTRICT_OF_ZIP = sa.select(district_of_zip("campaign_id", "zip"))


def district_for(session: Session, campaign_id: int, zip_code: str) -> str:
    """The council district of a ZIP code from the campaign's table; "unassigned" if unknown."""
    return session.scalar(
        _DISTRICT_OF_ZIP, {"campaign_id": campaign_id, "zip": normalize_zip(zip_code)}
    )


# --- Replacing the table ----------------------------------------------------------------------


@dataclass
class DistrictPreview:
    """What a ZIP-to-district CSV would become, before anything is saved."""

    rows: list[tuple[str, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, problem code)
    changes: dict[str, int] = field(default_factory=dict)

    @property
    def districts(self) -> list[str]:
        return sorted({d for _z, d in self.rows}, key=district_sort_key)


def read_district_table(data: bytes) -> DistrictPreview:
    """Parse a ZIP,district CSV; each problem is (line, code): zip_invalid, district_invalid,
    zip_conflict (same ZIP twice with two districts)."""
    table = uploads.read_table(data, max_rows=MAX_DISTRICT_ROWS)
    zip_column, district_column, rows = _columns(table)
    preview = DistrictPreview()
    seen: dict[str, str] = {}
    for line, cells in rows:
        zip_code, district, problem = _row(
            uploads.cell(cells, zip_column), uploads.cell(cells, district_column)
        )
        if problem is None and seen.get(zip_code, district) != district:
            problem = "zip_conflict"
        if problem is not None:
            preview.errors.append((line, problem))
        elif zip_code not in seen:
            seen[zip_code] = district
            preview.rows.append((zip_code, district))
    return preview


def _columns(table: uploads.Table) -> tuple[int, int, list[tuple[int, list[str]]]]:
    """The ZIP and district columns, and the rows of data: without a header row that names
    them, the first line is data, ZIP then district."""
    names = [uploads.normalize_header(h) for h in table.header]
    zip_column = next((i for i, n in enumerate(names) if n in ZIP_HEADERS), None)
    district_column = next((i for i, n in enumerate(names) if n in DISTRICT_HEADERS), None)
    if zip_column is not None and district_column is not None:
        return zip_column, district_column, table.rows
    if len(table.header) >= 2 and ZIP_PATTERN.match(table.header[0]):
        return 0, 1, [(table.header_line, table.header), *table.rows]
    raise uploads.UnreadableFile(
        "the file needs a ZIP column and a district column", code="district_columns_missing"
    )


def _row(zip_raw: str, district_raw: str) -> tuple[str, str, str | None]:
    """A row's five-digit ZIP and district, or the code of what is wrong with it."""
    district = " ".join(district_raw.split())
    match = ZIP_PATTERN.match(zip_raw.replace(" ", ""))
    if not match:
        return "", district, "zip_invalid"
    if not DISTRICT_PATTERN.match(district) or district.lower() == UNASSIGNED:
        return match.group(1), district, "district_invalid"
    return match.group(1), district, None


def district_changes(
    session: Session, campaign: Campaign, rows: list[tuple[str, str]]
) -> dict[str, int]:
    """How many signatures would change district if this table replaced the current one."""
    new = dict(rows)
    counts = session.execute(
        sa.select(Signature.zip, Signature.district, sa.func.count())
        .where(Signature.campaign_id == campaign.id)
        .group_by(Signature.zip, Signature.district)
    )
    moved = unassigned = 0
    for zip_code, district, count in counts:
        target = new.get((zip_code or "")[:5], UNASSIGNED)
        if target != district:
            moved += count
            if target == UNASSIGNED:
                unassigned += count
    return {"signatures_moved": moved, "signatures_unassigned": unassigned}


def replace_district_table(
    session: Session, campaign: Campaign, actor: User, rows: list[tuple[str, str]]
) -> int:
    """Replace the ZIP-to-district table and re-district every signature and testimony by ZIP,
    then rebuild the counts. Returns how many signatures changed district."""
    if not rows:
        raise DomainError("the table has no valid rows", code="district_table_empty")
    changes = district_changes(session, campaign, rows)
    session.execute(sa.delete(DistrictZip).where(DistrictZip.campaign_id == campaign.id))
    session.execute(
        sa.insert(DistrictZip),
        [{"campaign_id": campaign.id, "zip": z, "district": d} for z, d in rows],
    )
    by_district: dict[str, list[str]] = {}
    for zip_code, district in rows:
        by_district.setdefault(district, []).append(zip_code)
    for model in (Signature, Testimony):
        _redistrict(session, model, campaign.id, by_district)
    session.expire_all()
    tallies.recount(session, campaign.id)
    audit.record(
        session,
        "districts.replaced",
        actor=actor,
        campaign_id=campaign.id,
        rows=len(rows),
        districts=len(by_district),
        **changes,
    )
    return changes["signatures_moved"]


def _redistrict(
    session: Session, model, campaign_id: int, by_district: dict[str, list[str]]
) -> None:
    """Every row of a campaign to the district of its ZIP, in bulk; unassigned if none."""
    zip5 = sa.func.substr(model.zip, 1, 5)
    session.execute(
        sa.update(model)
        .where(model.campaign_id == campaign_id)
        .values(district=UNASSIGNED)
        .execution_options(synchronize_session=False)
    )
    for district, zips in by_district.items():
        for start in range(0, len(zips), 500):
            session.execute(
                sa.update(model)
                .where(model.campaign_id == campaign_id, zip5.in_(zips[start : start + 500]))
                .values(district=district)
                .execution_options(synchronize_session=False)
            )
