"""The organization sign-on form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice, StringField, URLField
from wtforms.validators import URL, DataRequired, Email, Length, Optional, Regexp

from campaign.models import EndorsementRole
from campaign.residents.forms import clean_line

REQUIRED = _l("This field is required.")


class JoinForm(FlaskForm):
    """An organization signs on. Its one-line fields are cleaned like the residents' forms:
    no control characters, no bidi overrides that would make a name display as another."""

    organization = StringField(
        _l("Name of the organization"),
        validators=[
            DataRequired(message=REQUIRED),
            Length(max=200, message=_l("Use at most %(max)d characters.")),
        ],
        filters=[clean_line],
    )
    website = URLField(
        _l("Website (optional)"),
        validators=[
            Optional(),
            Length(max=300),
            URL(require_tld=True, message=_l("Enter a web address.")),
            Regexp(r"^https?://", message=_l("Use an address starting with https://")),
        ],
        filters=[clean_line],
    )
    role = RadioField(
        _l("How the organization joins"),
        choices=[
            SelectChoice(
                EndorsementRole.FOUNDING.value,
                _l("Founding member: part of the coalition that leads the campaign"),
            ),
            SelectChoice(EndorsementRole.SUPPORTER.value, _l("Supporter: endorses the campaign")),
        ],
        default=EndorsementRole.SUPPORTER.value,
        validators=[DataRequired(message=_l("Choose how the organization joins."))],
    )
    contact_name = StringField(
        _l("Your name"),
        validators=[
            DataRequired(message=REQUIRED),
            Length(max=200, message=_l("Use at most %(max)d characters.")),
        ],
        filters=[clean_line],
    )
    contact_email = EmailField(
        _l("Your email"),
        validators=[
            DataRequired(message=REQUIRED),
            Email(message=_l("Enter an email address.")),
            Length(max=254),
        ],
        filters=[clean_line],
    )
