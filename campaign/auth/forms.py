from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, Length


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(), Length(max=254)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("Log in"))
