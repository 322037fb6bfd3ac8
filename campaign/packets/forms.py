from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, NumberRange

from campaign.services.packets import DEFAULT_VOLUME_MB


class BuildForm(FlaskForm):
    hearing = SelectField(_l("Hearing"), coerce=int)
    group_by = RadioField(
        _l("Group testimony"),
        choices=[
            SelectChoice("position", _l("By position")),
            SelectChoice("district", _l("By council district")),
        ],
        default="position",
    )
    decision_maker = SelectField(
        _l("Variant for one decision-maker (their district's residents first)"), coerce=int
    )
    two_sided = BooleanField(_l("Print on both sides: start every testimony on a right-hand page"))
    volume_mb = IntegerField(
        _l("Split into volumes of at most (MB)"),
        default=DEFAULT_VOLUME_MB,
        validators=[NumberRange(min=1, max=100, message=_l("Choose between 1 and 100 MB."))],
    )
    submit = SubmitField(_l("Build packet"))


class ClerkForm(FlaskForm):
    """The committee clerk's address, kept on the decision."""

    address = EmailField(
        _l("The committee clerk's email address"),
        validators=[
            DataRequired(message=_l("Enter the clerk's email address.")),
            Length(max=254, message=_l("An email address has at most 254 characters.")),
        ],
    )
