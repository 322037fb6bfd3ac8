"""Written testimony: submitted before a hearing's comment deadline, confirmed by email, then
viewed, edited or withdrawn through a private link until that deadline.

Status flow (the resident's part): unconfirmed -> (email link, button press) -> pending.
Organizers moderate pending testimony elsewhere; an edit sends approved or rejected testimony
back to pending, and withdrawing takes it out of every count and packet.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from campaign.crypto import email_hash
from campaign.models import (
    Campaign,
    CampaignStatus,
    Deadline,
    DeadlineKind,
    Position,
    SpeakMode,
    Testimony,
    TestimonyStatus,
    Visibility,
)
from campaign.models.types import utcnow
from campaign.services import DomainError, context, tallies
from campaign.services.deadlines import comment_deadline_for, speaker_cutoff_for
from campaign.services.districts import district_for, normalize_zip
from campaign.services.signing import (
    LinkInvalid,
    confirmation_max_age,
    link_fits,
    make_link_token,
    queue_resident_mail,
    read_link_token,
)

MAX_WORDS = 5000
MAX_CHARACTERS = 100_000  # far above 5,000 words of any language; stops pasted megabytes
CONFIRM_LINK = "testimony-confirm"
PRIVATE_LINK = "testimony-private"
# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a reference read aloud over the phone is not misheard.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


def count_words(text: str) -> int:
    """Words as the form's counter counts them: runs of non-space characters."""
    return len(text.split())


@dataclass(frozen=True)
class TestimonyWindow:
    """When written testimony for the campaign's next hearing can be given, as of `now`."""

    now: datetime
    campaign_open: bool
    hearing: Deadline | None = None
    closes_at: datetime | None = None  # the hearing's comment deadline, or the hearing itself
    speakers_close_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.campaign_open and self.closes_at is not None and self.now < self.closes_at

    @property
    def speaking_open(self) -> bool:
        cutoff = self.speakers_close_at
        return self.is_open and (cutoff is None or self.now < cutoff)


class TestimonyClosed(DomainError):
    """Written testimony is not accepted (or no longer editable) at this time."""

    code = "testimony_closed"

    def __init__(self, window: TestimonyWindow) -> None:
        super().__init__("testimony closed")
        self.window = window


class SpeakingClosed(DomainError):
    """Sign-up to speak at the hearing has closed, though written testimony is still open."""

    code = "speaking_closed"

    def __init__(self, window: TestimonyWindow) -> None:
        super().__init__("speaker sign-up closed")
        self.window = window


class TooLong(DomainError):
    """More than MAX_WORDS words (the form says so first; this guards every other caller)."""

    code = "testimony_too_long"


class NotEditable(DomainError):
    """Withdrawn testimony cannot be edited or withdrawn again."""

    code = "testimony_withdrawn"


@dataclass(frozen=True)
class TestimonyDetails:
    """What a resident typed into the testimony form, already validated."""

    name: str
    zip: str
    position: Position
    body: str
    language: str
    visibility: Visibility
    affiliation: str | None = None
    speak_mode: SpeakMode | None = None
    phone: str | None = None
    interpreter_language: str | None = None
    consent_reminders: bool = False
    outcome_mail: bool = True


def _closing(hearing: Deadline) -> datetime:
    deadline = comment_deadline_for(hearing)
    return deadline.at if deadline is not None else hearing.at


def _speaker_cutoff(hearing: Deadline) -> datetime | None:
    cutoff = speaker_cutoff_for(hearing)
    return cutoff.at if cutoff is not None else None


def _window_of(campaign: Campaign, hearing: Deadline | None, now: datetime) -> TestimonyWindow:
    if hearing is None:
        return TestimonyWindow(now=now, campaign_open=campaign.status == CampaignStatus.OPEN)
    return TestimonyWindow(
        now=now,
        campaign_open=campaign.status == CampaignStatus.OPEN,
        hearing=hearing,
        closes_at=_closing(hearing),
        speakers_close_at=_speaker_cutoff(hearing),
    )


def window(campaign: Campaign, now: datetime | None = None) -> TestimonyWindow:
    """The first hearing still taking written testimony; if none, the one that closed last."""
    now = now or utcnow()
    hearings = sorted(
        (d for d in campaign.deadlines if d.kind == DeadlineKind.HEARING), key=lambda d: d.at
    )
    future = [h for h in hearings if h.at > now]
    for hearing in future:
        if now < _closing(hearing):
            return _window_of(campaign, hearing, now)
    if future:
        return _window_of(campaign, future[0], now)
    return _window_of(campaign, hearings[-1] if hearings else None, now)


def window_for(testimony: Testimony, campaign: Campaign, now: datetime | None = None):
    """The window of the hearing a testimony was given for (edits and withdrawals)."""
    now = now or utcnow()
    if testimony.hearing is None:  # the hearing was deleted: fall back to the campaign's
        return window(campaign, now)
    return _window_of(campaign, testimony.hearing, now)


def mail_language(testimony: Testimony, fallback: str) -> str:
    """Mail about a testimony goes in its language when the site speaks it."""
    return testimony.language if testimony.language in context.languages() else fallback


def _new_reference(session: Session) -> str:
    for _attempt in range(10):
        raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
        reference = f"{raw[:4]}-{raw[4:]}"
        taken = session.scalar(sa.select(Testimony.id).where(Testimony.reference == reference))
        if taken is None:
            return reference
    # 25**8 references make this unreachable.
    raise DomainError("could not find a free reference number", code="reference_unavailable")


def _check_length(body: str) -> None:
    if count_words(body) > MAX_WORDS or len(body) > MAX_CHARACTERS:
        raise TooLong(f"more than {MAX_WORDS} words", max=MAX_WORDS)


def _apply(testimony: Testimony, details: TestimonyDetails, district: str) -> None:
    speaks = details.speak_mode is not None
    testimony.name = details.name
    testimony.zip = normalize_zip(details.zip)
    testimony.district = district
    testimony.position = details.position
    testimony.affiliation = details.affiliation or None
    testimony.body = details.body
    testimony.language = details.language
    testimony.visibility = details.visibility
    testimony.wants_to_speak = speaks
    testimony.speak_mode = details.speak_mode
    testimony.phone = details.phone if details.speak_mode == SpeakMode.PHONE else None
    testimony.interpreter_language = (details.interpreter_language or None) if speaks else None
    testimony.consent_reminders = details.consent_reminders
    testimony.outcome_mail = details.outcome_mail


def private_token(testimony: Testimony) -> str:
    """The token of the private link to view, edit or withdraw a testimony."""
    return make_link_token(PRIVATE_LINK, testimony.id, testimony.email_hash)


def private_url(testimony: Testimony) -> str:
    """The private link itself, on the site's public address."""
    return context.link("residents.private_testimony", token=private_token(testimony))


def submit(
    session: Session,
    campaign: Campaign,
    details: TestimonyDetails,
    *,
    email: str,
    ui_language: str,
    client_hash: str | None = None,
) -> Testimony:
    """Record testimony for the next hearing, unconfirmed, and mail the confirmation link."""
    current = window(campaign)
    if not current.is_open:
        raise TestimonyClosed(current)
    if details.speak_mode is not None and not current.speaking_open:
        raise SpeakingClosed(current)
    _check_length(details.body)
    testimony = Testimony(
        campaign_id=campaign.id,
        hearing_id=current.hearing.id if current.hearing else None,
        reference=_new_reference(session),
        email=email.strip(),
        email_hash=email_hash(email),
        status=TestimonyStatus.UNCONFIRMED,
        client_hash=client_hash,
        created_at=current.now,
    )
    _apply(testimony, details, district_for(session, campaign.id, details.zip))
    session.add(testimony)
    session.flush()
    _mail_confirmation(session, campaign, testimony, mail_language(testimony, ui_language))
    return testimony


def _mail_confirmation(
    session: Session, campaign: Campaign, testimony: Testimony, language: str
) -> None:
    token = make_link_token(CONFIRM_LINK, testimony.id, testimony.email_hash)
    queue_resident_mail(
        session,
        testimony.email or "",
        "email/residents/testimony_confirm.txt",
        language,
        campaign,
        testimony=testimony,
        confirm_url=context.link("residents.confirm_testimony", slug=campaign.slug, token=token),
        private_url=private_url(testimony),
        closes_at=window_for(testimony, campaign).closes_at,
        max_age_days=confirmation_max_age().days,
    )
    testimony.last_mailed_at = utcnow()


def testimony_for_confirmation(
    session: Session, campaign: Campaign, token: str
) -> tuple[Testimony, bool]:
    """The testimony an emailed confirmation link names, and whether the link has expired."""
    payload = read_link_token(CONFIRM_LINK, token, confirmation_max_age())
    testimony = session.get(Testimony, payload.record_id)
    if (
        testimony is None
        or testimony.campaign_id != campaign.id
        or testimony.anonymized
        or not link_fits(payload, testimony.email_hash)
    ):
        raise LinkInvalid("no such testimony")
    return testimony, payload.expired


def testimony_for_private_link(session: Session, token: str) -> Testimony:
    """The testimony a private link names (the link does not expire; edits stop at the
    deadline)."""
    payload = read_link_token(PRIVATE_LINK, token, None)
    testimony = session.get(Testimony, payload.record_id)
    if testimony is None or testimony.anonymized or not link_fits(payload, testimony.email_hash):
        raise LinkInvalid("no such testimony")
    return testimony


def confirm(session: Session, testimony: Testimony) -> bool:
    """Confirm an unconfirmed testimony (it then waits for moderation); False if it was not
    unconfirmed any more (a reused link)."""
    result = session.execute(
        sa.update(Testimony)
        .where(Testimony.id == testimony.id, Testimony.status == TestimonyStatus.UNCONFIRMED)
        .values(status=TestimonyStatus.PENDING, confirmed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.refresh(testimony)
    return result.rowcount == 1


def _changeable(testimony: Testimony, campaign: Campaign) -> TestimonyWindow:
    """The window of a testimony its author may still change or withdraw."""
    current = window_for(testimony, campaign)
    if not current.is_open:
        raise TestimonyClosed(current)
    if testimony.status == TestimonyStatus.WITHDRAWN:
        raise NotEditable(testimony.reference)
    return current


def edit(
    session: Session,
    campaign: Campaign,
    testimony: Testimony,
    details: TestimonyDetails,
    *,
    ui_language: str,
) -> None:
    """Change a testimony before its deadline; approved or rejected text goes back to review."""
    current = _changeable(testimony, campaign)
    if details.speak_mode != testimony.speak_mode and not current.speaking_open:
        raise SpeakingClosed(current)
    _check_length(details.body)
    old = testimony.status
    if old in (TestimonyStatus.APPROVED, TestimonyStatus.REJECTED):
        # Uncount with the district and position it was counted under, before they change.
        tallies.testimony_transition(session, testimony, old, TestimonyStatus.PENDING)
        testimony.status = TestimonyStatus.PENDING
        testimony.rejection_reason = None
    _forget_decision(testimony)
    _apply(testimony, details, district_for(session, campaign.id, details.zip))
    testimony.updated_at = utcnow()
    session.flush()
    _mail_notice(
        session,
        campaign,
        testimony,
        "email/residents/testimony_updated.txt",
        mail_language(testimony, ui_language),
    )


def withdraw(
    session: Session, campaign: Campaign, testimony: Testimony, *, ui_language: str
) -> None:
    """Withdraw a testimony before its deadline: out of every count, list and packet."""
    _changeable(testimony, campaign)
    tallies.testimony_transition(session, testimony, testimony.status, TestimonyStatus.WITHDRAWN)
    testimony.status = TestimonyStatus.WITHDRAWN
    _forget_decision(testimony)
    if testimony.confirmed_at is None:
        testimony.confirmed_at = utcnow()  # the check "not unconfirmed => confirmed_at" holds
    testimony.updated_at = utcnow()
    session.flush()
    _mail_notice(
        session,
        campaign,
        testimony,
        "email/residents/testimony_withdrawn.txt",
        mail_language(testimony, ui_language),
    )


def _forget_decision(testimony: Testimony) -> None:
    # The resident changed or took back their words: the team's last decision can no longer
    # be undone, and its mail (if still waiting) is about text that is gone.
    testimony.undo_status = None
    testimony.undo_reason = None
    testimony.outcome_mail_due = False


def _mail_notice(
    session: Session, campaign: Campaign, testimony: Testimony, template: str, language: str
) -> None:
    if not testimony.email:
        return
    queue_resident_mail(
        session,
        testimony.email,
        template,
        language,
        campaign,
        testimony=testimony,
        private_url=private_url(testimony),
    )
    testimony.last_mailed_at = utcnow()


def resend_confirmations(
    session: Session, campaign: Campaign, email: str, *, ui_language: str
) -> None:
    """Send fresh links for this address's unconfirmed testimony that can still be confirmed;
    silent either way."""
    waiting = session.scalars(
        sa.select(Testimony)
        .where(
            Testimony.campaign_id == campaign.id,
            Testimony.email_hash == email_hash(email),
            Testimony.status == TestimonyStatus.UNCONFIRMED,
        )
        .order_by(Testimony.id)
        .limit(5)
    ).all()
    for testimony in waiting:
        if testimony.email and window_for(testimony, campaign).is_open:
            _mail_confirmation(session, campaign, testimony, mail_language(testimony, ui_language))
