"""The data model (docs/data-model.md), one module per entity group; everything is importable from
here (`from campaign.models import Signature`)."""

from campaign.models.accounts import Membership, User
from campaign.models.audit import AuditEvent
from campaign.models.campaigns import (
    UNASSIGNED,
    Campaign,
    Deadline,
    Decision,
    DecisionMaker,
    DistrictZip,
    StatedPosition,
)
from campaign.models.endorsements import Endorsement
from campaign.models.enums import (
    CampaignStatus,
    DeadlineKind,
    DecisionKind,
    EndorsementRole,
    EndorsementStatus,
    PacketStatus,
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
from campaign.models.outbox import OutgoingMail
from campaign.models.packets import DeliveryStatus, Packet, PacketDelivery
from campaign.models.record import RecordConflict, RecordItem, RecordLink, RecordVote
from campaign.models.signatures import Signature
from campaign.models.tallies import Tally
from campaign.models.testimony import Testimony

__all__ = [
    "UNASSIGNED",
    "AuditEvent",
    "Campaign",
    "CampaignStatus",
    "Deadline",
    "DeadlineKind",
    "Decision",
    "DecisionKind",
    "DecisionMaker",
    "DeliveryStatus",
    "DistrictZip",
    "Endorsement",
    "EndorsementRole",
    "EndorsementStatus",
    "Membership",
    "OutgoingMail",
    "Packet",
    "PacketDelivery",
    "PacketStatus",
    "Position",
    "RecordConflict",
    "RecordItem",
    "RecordLink",
    "RecordVote",
    "RejectionReason",
    "Role",
    "Signature",
    "SignatureSource",
    "SignatureStatus",
    "SpeakerOutcome",
    "SpeakMode",
    "Stance",
    "StatedPosition",
    "Tally",
    "Testimony",
    "TestimonyStatus",
    "User",
    "Visibility",
]
