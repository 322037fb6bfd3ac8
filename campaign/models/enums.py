"""The fixed vocabularies of the product (docs/data-model.md), as stored in the database."""

from __future__ import annotations

import enum


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class DecisionKind(enum.StrEnum):
    CONTRACT_VOTE = "contract_vote"
    RESOLUTION = "resolution"
    ORDINANCE = "ordinance"
    EXECUTIVE_ORDER = "executive_order"
    BUDGET_ITEM = "budget_item"
    OTHER = "other"


class Stance(enum.StrEnum):
    """A decision-maker's stated position on the decision."""

    YES = "yes"
    NO = "no"
    UNDECIDED = "undecided"
    UNKNOWN = "unknown"


class DeadlineKind(enum.StrEnum):
    HEARING = "hearing"
    COMMENT_DEADLINE = "comment_deadline"
    SPEAKER_CUTOFF = "speaker_cutoff"
    VOTE = "vote"
    CONTRACT_EXPIRY = "contract_expiry"
    OTHER = "other"


class Visibility(enum.StrEnum):
    """How a resident's name appears, chosen by the resident."""

    PUBLIC = "public"  # name shown on public pages
    PACKET = "packet"  # name only in the packet handed to council
    COUNTED = "counted"  # counted in district totals, name nowhere


class SignatureSource(enum.StrEnum):
    ONLINE = "online"
    PAPER = "paper"


class SignatureStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    INVALIDATED = "invalidated"


class Position(enum.StrEnum):
    """A testimony's position on the decision."""

    SUPPORT = "support"
    OPPOSE = "oppose"
    NEUTRAL = "neutral"


class TestimonyStatus(enum.StrEnum):
    UNCONFIRMED = "unconfirmed"  # email link not yet confirmed
    PENDING = "pending"  # confirmed, waiting for moderation
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class RejectionReason(enum.StrEnum):
    DUPLICATE = "duplicate"
    OFF_TOPIC = "off_topic"
    ABUSIVE = "abusive"
    PRIVATE_PERSON = "private_person"


class SpeakMode(enum.StrEnum):
    IN_PERSON = "in_person"
    REMOTE = "remote"
    PHONE = "phone"


class SpeakerOutcome(enum.StrEnum):
    """Where a speaker is on hearing day: called to the microphone, spoke, or absent."""

    CALLED = "called"
    SPOKE = "spoke"
    ABSENT = "absent"


class EndorsementRole(enum.StrEnum):
    FOUNDING = "founding"
    SUPPORTER = "supporter"


class EndorsementStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Role(enum.StrEnum):
    """A staff member's role in one campaign."""

    LEAD = "lead"
    ORGANIZER = "organizer"


class PacketStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
