"""Forms of the schedule pages: the purge hold and the private calendar token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length, ValidationError

from campaign.services.purge import REASON_LENGTH


class PurgeHoldForm(FlaskForm):
    reason = TextAreaField(
        _l("Why must this campaign's personal data be kept?"),
        validators=[
            Length(max=REASON_LENGTH, message=_l("Please use at most %(max)d characters."))
        ],
    )
    hold = SubmitField(_l("Hold back from the purge"))
    release = SubmitField(_l("Release the hold"))

    def validate_reason(self, field) -> None:
        if self.hold.data and len(" ".join((field.data or "").split())) < 3:
            raise ValidationError(_l("Say why the data must be kept, for the audit log."))


class CalendarTokenForm(FlaskForm):
    create = SubmitField(_l("Create a new private calendar link"))
    revoke = SubmitField(_l("Turn off the private calendar link"))
