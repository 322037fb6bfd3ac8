"""Staff forms: validation and translated messages; the services check the rules again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from campaign.labels import choices
from campaign.models import DeadlineKind, DecisionKind, RejectionReason, Role, Stance, Visibility
from campaign.services import campaign_settings

UPLOAD_LIMIT = 8 * 1024 * 1024


def strip(value):
    return value.strip() if isinstance(value, str) else value


def blank_to_none(value):
    value = strip(value)
    return value or None


REQUIRED = _l("This field is required.")


def required():
    return DataRequired(message=REQUIRED)


def text(label, max_length: int, *, optional: bool = False, extra=(), **kwargs):
    validators = [
        Optional() if optional else required(),
        Length(max=max_length, message=_l("Use at most %(max)d characters.")),
        *extra,
    ]
    filters = [blank_to_none] if optional else [strip]
    return StringField(label, validators=validators, filters=filters, **kwargs)


def long_text(label, max_length: int, *, optional: bool = False, extra=(), **kwargs):
    validators = [
        Optional() if optional else required(),
        Length(max=max_length, message=_l("Use at most %(max)d characters.")),
        *extra,
    ]
    filters = [blank_to_none] if optional else [strip]
    return TextAreaField(label, validators=validators, filters=filters, **kwargs)


def english_first(english: str):
    """A Spanish text needs its English twin: that is what readers of English see."""

    def check(form, field):
        if field.data and not form[english].data:
            raise ValidationError(_l("Write the English text too: readers of English see it."))

    return check


def spanish(label, max_length: int, english: str, *, long: bool = False, **kwargs):
    """The optional Spanish twin of the text field `english` (campaign.bilingual)."""
    make = long_text if long else text
    return make(label, max_length, optional=True, extra=[english_first(english)], **kwargs)


VISIBILITY_CHOICES = choices(Visibility)
DECISION_KIND_CHOICES = choices(DecisionKind)
DEADLINE_KIND_CHOICES = choices(DeadlineKind)
RULE_CHOICES = [
    SelectChoice("days_before_at", _l("days before the hearing, at a time of day")),
    SelectChoice("hours_before", _l("hours before the hearing")),
    SelectChoice("hours_after", _l("hours after the hearing")),
    SelectChoice("business_days_before", _l("business days before the hearing")),
]
STANCE_CHOICES = choices(Stance)
REASON_CHOICES = choices(RejectionReason)
ROLE_CHOICES = choices([Role.ORGANIZER, Role.LEAD])
LANGUAGE_CHOICES = [SelectChoice("en", "English"), SelectChoice("es", "Español")]


def validate_time_zone(_form, field):
    if field.data and not campaign_settings.valid_time_zone(field.data):
        raise ValidationError(_l("Use a time zone name such as America/New_York."))


SLUG_RULE = Regexp(
    campaign_settings.SLUG_PATTERN.pattern,
    message=_l("Use 2 to 80 lower-case letters, digits and hyphens (not at either end)."),
)


class NewCampaignForm(FlaskForm):
    slug = StringField(
        _l("Web address (slug)"),
        validators=[required(), SLUG_RULE],
        filters=[strip, lambda v: v.lower() if isinstance(v, str) else v],
    )
    title = text(_l("Title"), 200)
    ask = text(_l("The ask"), 300)
    time_zone = StringField(
        _l("Time zone of the city"),
        default="America/New_York",
        validators=[required(), validate_time_zone],
        filters=[strip],
    )
    goal = IntegerField(
        _l("Signature goal"),
        default=1000,
        validators=[InputRequired(message=REQUIRED), NumberRange(min=0, max=10_000_000)],
    )
    lead_email = EmailField(
        _l("Email of the campaign lead (optional)"),
        validators=[Optional(), Email(message=_l("Enter an email address.")), Length(max=254)],
        filters=[blank_to_none],
    )


class CampaignForm(FlaskForm):
    slug = StringField(
        _l("Web address (slug)"),
        validators=[required(), SLUG_RULE],
        filters=[strip, lambda v: v.lower() if isinstance(v, str) else v],
    )
    title = text(_l("Title (English)"), 200)
    title_es = text(_l("Title (Spanish)"), 200, optional=True)
    ask = text(_l("The ask (English)"), 300)
    ask_es = text(_l("The ask (Spanish)"), 300, optional=True)
    summary = long_text(_l("Summary (English)"), 5000, optional=True)
    summary_es = spanish(_l("Summary (Spanish)"), 5000, "summary", long=True)
    goal = IntegerField(
        _l("Signature goal"),
        validators=[InputRequired(message=REQUIRED), NumberRange(min=0, max=10_000_000)],
    )
    time_zone = StringField(
        _l("Time zone of the city"), validators=[required(), validate_time_zone], filters=[strip]
    )
    city = text(_l("City"), 120, optional=True)
    default_visibility = RadioField(
        _l("Default choice for how names appear"),
        choices=VISIBILITY_CHOICES,
        validators=[required()],
    )
    ask_address = BooleanField(_l("Ask signers for their street address"))
    retention_days = IntegerField(
        _l("Days to keep personal data after the campaign closes"),
        validators=[InputRequired(message=REQUIRED), NumberRange(min=0, max=3650)],
    )
    close_after_vote = BooleanField(_l("Close the campaign automatically after the vote"))


class DecisionForm(FlaskForm):
    title = text(_l("What is decided (English)"), 300)
    title_es = text(_l("What is decided (Spanish)"), 300, optional=True)
    body = text(_l("Decided by (body, English)"), 200)
    body_es = spanish(_l("Decided by (body, Spanish)"), 200, "body")
    kind = SelectField(_l("Kind of decision"), choices=DECISION_KIND_CHOICES)
    reference = text(_l("Reference (bill or file number, English)"), 80, optional=True)
    reference_es = spanish(_l("Reference (Spanish)"), 80, "reference")
    action = text(_l('The action, to complete "I oppose ..." (English)'), 200, optional=True)
    action_es = text(_l("The action (Spanish)"), 200, optional=True)


class DeadlineForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=DEADLINE_KIND_CHOICES)
    title = text(_l("Title (English)"), 200)
    title_es = text(_l("Title (Spanish)"), 200, optional=True)
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter a date."))])
    clock = TimeField(_l("Local time"), validators=[InputRequired(message=_l("Enter a time."))])
    location = text(_l("Place (English)"), 300, optional=True)
    location_es = spanish(_l("Place (Spanish)"), 300, "location")
    committee = text(_l("Committee (English)"), 200, optional=True)
    committee_es = spanish(_l("Committee (Spanish)"), 200, "committee")
    notes = long_text(_l("Notes (English)"), 2000, optional=True)
    notes_es = spanish(_l("Notes (Spanish)"), 2000, "notes", long=True)


class EditDeadlineForm(DeadlineForm):
    kind = None  # a deadline keeps its kind; delete and add to change it


class RuleForm(FlaskForm):
    """A date that follows a hearing by a rule: "days before" also needs a time of day."""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Not an inline validator: Optional() stops the chain before one would run.
        if self.rule_kind.data == "days_before_at" and self.clock.data is None:
            self.clock.errors = [*self.clock.errors, _l("Give the time of day.")]
            return False
        return valid


class RelativeDeadlineForm(RuleForm):
    hearing = SelectField(_l("Hearing it follows"), coerce=int)
    kind = SelectField(
        _l("Kind"), choices=choices(k for k in DeadlineKind if k != DeadlineKind.HEARING)
    )
    title = text(_l("Title (English)"), 200)
    title_es = text(_l("Title (Spanish)"), 200, optional=True)
    amount = IntegerField(
        _l("How many"),
        default=1,
        validators=[InputRequired(message=REQUIRED), NumberRange(min=0, max=365)],
    )
    rule_kind = SelectField(_l("Rule"), choices=RULE_CHOICES)
    clock = TimeField(_l('Time of day (for "days before")'), validators=[Optional()])


class EditRelativeDeadlineForm(RuleForm):
    title = text(_l("Title (English)"), 200)
    title_es = text(_l("Title (Spanish)"), 200, optional=True)
    amount = IntegerField(
        _l("How many"), validators=[InputRequired(message=REQUIRED), NumberRange(min=0, max=365)]
    )
    rule_kind = SelectField(_l("Rule"), choices=RULE_CHOICES)
    clock = TimeField(_l('Time of day (for "days before")'), validators=[Optional()])
    location = text(_l("Place (English)"), 300, optional=True)
    location_es = spanish(_l("Place (Spanish)"), 300, "location")
    committee = text(_l("Committee (English)"), 200, optional=True)
    committee_es = spanish(_l("Committee (Spanish)"), 200, "committee")
    notes = long_text(_l("Notes (English)"), 2000, optional=True)
    notes_es = spanish(_l("Notes (Spanish)"), 2000, "notes", long=True)


class DecisionMakerForm(FlaskForm):
    name = text(_l("Name"), 200)
    office = text(_l("Office (English)"), 200)
    office_es = spanish(_l("Office (Spanish)"), 200, "office")
    district = text(_l("District (blank for at-large)"), 40, optional=True)
    sort_order = IntegerField(
        _l("Order in lists"), default=0, validators=[Optional(), NumberRange(min=0, max=10_000)]
    )


class PositionForm(FlaskForm):
    stance = SelectField(_l("Position"), choices=STANCE_CHOICES)
    stated_on = DateField(
        _l("Date stated"), validators=[InputRequired(message=_l("Enter a date."))]
    )
    source_url = URLField(
        _l("Source (web address)"),
        validators=[
            Optional(),
            URL(require_tld=False, message=_l("Enter a web address.")),
            Length(max=500),
            Regexp(r"^https?://", message=_l("Use an address starting with https://")),
        ],
        filters=[blank_to_none],
    )
    source_note = text(_l("What was said, and where (English)"), 500, optional=True)
    source_note_es = spanish(_l("What was said, and where (Spanish)"), 500, "source_note")


class PositionNoteForm(FlaskForm):
    """The Spanish of a recorded position's note, written later; its English is shown."""

    source_note_es = text(_l("What was said, and where (Spanish)"), 500, optional=True)


class DescriptionForm(FlaskForm):
    """The line the campaign page shows under an organization's name."""

    description = text(_l("About the organization (English)"), 300, optional=True)
    description_es = spanish(_l("About the organization (Spanish)"), 300, "description")


class UploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(message=_l("Choose a file.")),
            FileSize(UPLOAD_LIMIT, message=_l("The file is too large (8 MB at most).")),
        ],
    )


class PaperUploadForm(UploadForm):
    batch = text(_l('Batch label (e.g. "May Day rally, sheets 1-40")'), 40, optional=True)
    language = SelectField(_l("Language of the sheets"), choices=LANGUAGE_CHOICES)


class ConfirmForm(FlaskForm):
    """Only a CSRF token: a button that confirms what the page shows."""


class StatusForm(FlaskForm):
    status = HiddenField(validators=[required()])


class RejectForm(FlaskForm):
    # No reason preselected: a rejection is a choice the moderator makes, not a default.
    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice("", _l("Choose a reason")), *REASON_CHOICES],
        validators=[DataRequired(message=_l("Choose a reason."))],
    )
    resident_note = long_text(
        _l("Note to the resident (optional, sent in their mail as the team's words)"),
        500,
        optional=True,
    )
    note = text(_l("Note for the team (optional)"), 500, optional=True)


class RedactForm(FlaskForm):
    text = TextAreaField(
        _l("Text as the public and the packet will show it"),
        validators=[required(), Length(max=20_000)],
    )


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[required()])


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[required(), Email(message=_l("Enter an email address.")), Length(max=254)],
        filters=[strip],
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class EndorsementDecisionForm(FlaskForm):
    decision = HiddenField(validators=[required()])
