"""The data model of PRODUCT.md."""

from campaign.models.accounts import Membership, User
from campaign.models.campaigns import (
    Campaign,
    Deadline,
    Decision,
    DecisionMaker,
    DistrictZip,
    StatedPosition,
)
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
    SpeakMode,
    Stance,
    TestimonyStatus,
    Visibility,
)
from campaign.models.records import AuditEvent, OutgoingMail, Packet, Tally
from campaign.models.support import UNASSIGNED, Endorsement, Signature, Testimony

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
    "DistrictZip",
    "Endorsement",
    "EndorsementRole",
    "EndorsementStatus",
    "Membership",
    "OutgoingMail",
    "Packet",
    "PacketStatus",
    "Position",
    "RejectionReason",
    "Role",
    "Signature",
    "SignatureSource",
    "SignatureStatus",
    "SpeakMode",
    "Stance",
    "StatedPosition",
    "Tally",
    "Testimony",
    "TestimonyStatus",
    "User",
    "Visibility",
]
