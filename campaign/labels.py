"""The label of a stored value in the reader's language: one home for every vocabulary.

The product's vocabularies are enums stored in the database (campaign/models/enums.py) and the
status a deadline has at a moment. Staff forms offer them as choices, pages and calendar feeds
show them, mail names them: all take their words from here, so a word changes in one place.
Templates call `label(value)` (or `label("oppose", "position")` for a value held as a string).

Residents' pages say some of these things in longer sentences addressed to the resident
(templates/residents); those are explanations, not labels, and stay with their pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from campaign.models import (
    UNASSIGNED,
    CampaignStatus,
    DeadlineKind,
    DecisionKind,
    EndorsementRole,
    Position,
    RejectionReason,
    Role,
    SignatureSource,
    SignatureStatus,
    SpeakerOutcome,
    SpeakMode,
    Stance,
    TestimonyStatus,
    Visibility,
)
from campaign.services.deadlines import DeadlineStatus

LABELS: dict[type[StrEnum], dict[StrEnum, object]] = {
    CampaignStatus: {
        CampaignStatus.DRAFT: _l("Draft"),
        CampaignStatus.OPEN: _l("Open"),
        CampaignStatus.CLOSED: _l("Closed"),
        CampaignStatus.ARCHIVED: _l("Archived"),
    },
    DecisionKind: {
        DecisionKind.CONTRACT_VOTE: _l("Contract vote"),
        DecisionKind.RESOLUTION: _l("Resolution"),
        DecisionKind.ORDINANCE: _l("Ordinance"),
        DecisionKind.EXECUTIVE_ORDER: _l("Executive order"),
        DecisionKind.BUDGET_ITEM: _l("Budget item"),
        DecisionKind.OTHER: _l("Other decision"),
    },
    Stance: {
        Stance.YES: _l("Yes"),
        Stance.NO: _l("No"),
        Stance.UNDECIDED: _l("Undecided"),
        Stance.UNKNOWN: _l("Not known"),
    },
    DeadlineKind: {
        DeadlineKind.HEARING: _l("Hearing"),
        DeadlineKind.COMMENT_DEADLINE: _l("Comment deadline"),
        DeadlineKind.SPEAKER_CUTOFF: _l("Speaker sign-up cut-off"),
        DeadlineKind.VOTE: _l("Vote"),
        DeadlineKind.CONTRACT_EXPIRY: _l("Contract expiry"),
        DeadlineKind.OTHER: _l("Other date"),
    },
    DeadlineStatus: {
        DeadlineStatus.UPCOMING: _l("Upcoming"),
        DeadlineStatus.DUE_SOON: _l("Soon"),
        DeadlineStatus.PASSED: _l("Passed"),
    },
    Visibility: {
        Visibility.PUBLIC: _l("Name public"),
        Visibility.PACKET: _l("Name only in the packet for council"),
        Visibility.COUNTED: _l("Counted only (no name anywhere)"),
    },
    SignatureSource: {
        SignatureSource.ONLINE: _l("Online"),
        SignatureSource.PAPER: _l("Paper"),
    },
    SignatureStatus: {
        SignatureStatus.PENDING: _l("Waiting for email confirmation"),
        SignatureStatus.VERIFIED: _l("Verified"),
        SignatureStatus.INVALIDATED: _l("Invalidated"),
    },
    Position: {
        Position.SUPPORT: _l("Support"),
        Position.OPPOSE: _l("Oppose"),
        Position.NEUTRAL: _l("Neutral"),
    },
    TestimonyStatus: {
        TestimonyStatus.UNCONFIRMED: _l("Unconfirmed"),
        TestimonyStatus.PENDING: _l("Waiting"),
        TestimonyStatus.APPROVED: _l("Approved"),
        TestimonyStatus.REJECTED: _l("Rejected"),
        TestimonyStatus.WITHDRAWN: _l("Withdrawn"),
    },
    RejectionReason: {
        RejectionReason.DUPLICATE: _l("Duplicate"),
        RejectionReason.OFF_TOPIC: _l("Off-topic"),
        RejectionReason.ABUSIVE: _l("Abusive"),
        RejectionReason.PRIVATE_PERSON: _l("Names a private person"),
    },
    SpeakerOutcome: {
        SpeakerOutcome.CALLED: _l("Speaking now"),
        SpeakerOutcome.SPOKE: _l("Spoke"),
        SpeakerOutcome.ABSENT: _l("Absent"),
    },
    SpeakMode: {
        SpeakMode.IN_PERSON: _l("In person"),
        SpeakMode.REMOTE: _l("Remote (video)"),
        SpeakMode.PHONE: _l("Phone"),
    },
    EndorsementRole: {
        EndorsementRole.FOUNDING: _l("Founding member"),
        EndorsementRole.SUPPORTER: _l("Supporter"),
    },
    Role: {
        Role.LEAD: _l("Campaign lead"),
        Role.ORGANIZER: _l("Organizer"),
    },
}
# The vocabulary of a value held as a plain string, by the name templates give it.
VOCABULARIES: dict[str, type[StrEnum]] = {
    "campaign_status": CampaignStatus,
    "decision_kind": DecisionKind,
    "stance": Stance,
    "deadline_kind": DeadlineKind,
    "deadline_status": DeadlineStatus,
    "visibility": Visibility,
    "source": SignatureSource,
    "signature_status": SignatureStatus,
    "position": Position,
    "testimony_status": TestimonyStatus,
    "reason": RejectionReason,
    "mode": SpeakMode,
    "speaker_outcome": SpeakerOutcome,
    "endorsement_role": EndorsementRole,
    "role": Role,
}


def label(value: StrEnum | str | None, vocabulary: str | None = None) -> str:
    """The label of a stored value in the reader's language ("" for None). A value held as a
    plain string names its vocabulary: label("oppose", "position")."""
    if value is None:
        return ""
    enum = type(value) if isinstance(value, StrEnum) else VOCABULARIES[vocabulary or ""]
    return str(LABELS[enum][enum(value)])


# The words councils' records use for a vote (Legistar's VoteValueName), in the reader's
# language; any other word is shown as the record gives it.
VOTE_WORDS = {
    "yea": _l("Yes"),
    "aye": _l("Yes"),
    "yes": _l("Yes"),
    "nay": _l("No"),
    "no": _l("No"),
    "absent": _l("Absent"),
    "excused": _l("Excused"),
    "abstain": _l("Abstained"),
    "abstained": _l("Abstained"),
    "recused": _l("Recused"),
    "present": _l("Present"),
}


def vote_word(value: str | None) -> str:
    """A member's vote as the record words it, in the reader's language where it is known."""
    if not value:
        return ""
    known = VOTE_WORDS.get(value.strip().lower())
    return str(known) if known is not None else value


def district_label(district: str) -> str:
    """A council district as the staff pages name it ("Unassigned" for a ZIP no table holds)."""
    return str(_l("Unassigned")) if district == UNASSIGNED else district


def export_word(value: object) -> str:
    """A stored value as a CSV export shows it to staff: its label, "yes" or "no", "Unassigned"
    for a ZIP no table holds; any other value as it is."""
    if isinstance(value, bool):
        return str(_l("yes") if value else _l("no"))
    if isinstance(value, StrEnum):
        return label(value)
    if value == UNASSIGNED:
        return district_label(UNASSIGNED)
    return str(value)


def choices(values: Iterable[StrEnum]) -> list[SelectChoice]:
    """A form's choices: a whole vocabulary (`choices(Stance)`) or some of its values in the
    order given. The labels stay lazy, so each request shows them in its own language."""
    return [SelectChoice(value.value, LABELS[type(value)][value]) for value in values]
