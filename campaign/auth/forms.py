from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from campaign.services.accounts import MIN_PASSWORD_LENGTH

REQUIRED = _l("This field is required.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(), Length(max=254)],
        filters=[_strip],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Log in"))


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("Email of your staff account"),
        validators=[
            DataRequired(message=REQUIRED),
            Email(message=_l("Enter an email address.")),
            Length(max=254),
        ],
        filters=[_strip],
    )


def new_password_fields():
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(message=REQUIRED),
            Length(
                min=MIN_PASSWORD_LENGTH, max=1000, message=_l("Use at least %(min)d characters.")
            ),
        ],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(message=REQUIRED),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )
    return password, confirm


class ResetPasswordForm(FlaskForm):
    password, confirm = new_password_fields()


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(message=REQUIRED), Length(max=1000)]
    )
    password, confirm = new_password_fields()


class AcceptInvitationForm(FlaskForm):
    name = StringField(
        _l("Your name"),
        validators=[
            DataRequired(message=REQUIRED),
            Length(max=200, message=_l("Use at most %(max)d characters.")),
        ],
        filters=[_strip],
    )
    password, confirm = new_password_fields()
