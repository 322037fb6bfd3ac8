"""Forms of the city's-record pages (campaign/organize/record_views.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import AnyOf, ValidationError

from campaign.organize.forms import DECISION_KIND_CHOICES, REQUIRED, required, text


class RecordFindForm(FlaskForm):
    """Step 1: which council, which file."""

    client = SelectField(_l("Council"), choices=[], validate_choice=False)
    file_number = text(_l("File number"), 80)

    def validate_client(self, field) -> None:
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a council from the list."))


class RecordReviewForm(FlaskForm):
    """Step 2: the decision as the record gives it, for the lead to review before saving."""

    client = HiddenField(validators=[required()])
    file_number = HiddenField(validators=[required()])
    title = text(_l("What is decided (English)"), 300)
    body = text(_l("Decided by (body)"), 200)
    kind = SelectField(_l("Kind of decision"), choices=DECISION_KIND_CHOICES)
    reference = text(_l("Reference (bill or file number)"), 80, optional=True)


class ConflictChoiceForm(FlaskForm):
    """The lead's choice between the record's value and the hand edit."""

    choice = HiddenField(validators=[AnyOf(("record", "ours"), message=REQUIRED)])
