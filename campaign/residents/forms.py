"""Resident forms: every message translated, every text cleaned of what a database or a screen
should never receive (NUL and other control characters, bidirectional overrides)."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from campaign.extensions import csrf
from campaign.models import Campaign, Position, SpeakMode, Visibility
from campaign.services.testimony import MAX_CHARACTERS, MAX_WORDS, count_words

# C0/C1 controls (NUL included: PostgreSQL refuses it in text), and the bidirectional
# embeddings, overrides and isolates that can make a name display as something else.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")

# Each language named in itself, marked with its language for screen readers.
TESTIMONY_LANGUAGES = (
    SelectChoice("en", "English", render_kw={"lang": "en"}),
    SelectChoice("es", "Español", render_kw={"lang": "es"}),
)
CHOOSE_ONE = _l("Choose one of the options.")
SIGN_VISIBILITY_CHOICES = (
    SelectChoice(Visibility.PUBLIC.value, _l("Public")),
    SelectChoice(Visibility.PACKET.value, _l("Only in the packet for the council")),
    SelectChoice(Visibility.COUNTED.value, _l("Counted only")),
)
TESTIMONY_VISIBILITY_CHOICES = (
    SelectChoice(Visibility.PUBLIC.value, _l("Public")),
    SelectChoice(Visibility.PACKET.value, _l("Only in the packet for the council")),
    SelectChoice(Visibility.COUNTED.value, _l("Without my name")),
)


def clean_line(value):
    """One line of text: controls removed, spaces collapsed, ends trimmed."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFC", value)
    return " ".join(_LINE_CONTROLS.sub(" ", value).split())


def clean_text(value):
    """Plain text with paragraphs: newlines kept (as \\n), other controls removed."""
    if not isinstance(value, str):
        return value
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\u2028", "\n").replace("\u2029", "\n\n")
    value = _CONTROLS.sub("", value).replace("\t", " ")
    lines = [line.rstrip() for line in value.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def visible(text: str) -> bool:
    """True if the text has something to see: a letter, digit, punctuation or symbol (not only
    zero-width, format or combining characters, which would print as a blank name)."""
    return any(unicodedata.category(c)[0] in "LNPS" for c in text)


def _visible_name(_form, field) -> None:
    if field.data and not visible(field.data):
        raise ValidationError(_("Enter your name."))


def _zip_check(_form, field) -> None:
    digits = re.sub(r"\D", "", field.data or "")
    if len(digits) < 5 or not re.fullmatch(r"\d{5}(?:[- ]?\d{4})?", field.data or ""):
        raise ValidationError(_("Enter your 5-digit ZIP code, for example 40104."))


def name_field() -> StringField:
    return StringField(
        _l("Your name"),
        validators=[
            DataRequired(message=_l("Enter your name.")),
            Length(max=200, message=_l("Your name can be at most 200 characters.")),
            _visible_name,
        ],
        filters=[clean_line],
    )


def email_field() -> EmailField:
    return EmailField(
        _l("Email"),
        validators=[
            DataRequired(message=_l("Enter your email address.")),
            Length(max=254, message=_l("That email address is too long.")),
            Email(message=_l("Enter an email address like name@example.com.")),
        ],
        filters=[clean_line],
    )


def zip_field() -> StringField:
    return StringField(
        _l("ZIP code"),
        validators=[DataRequired(message=_l("Enter your ZIP code.")), _zip_check],
        filters=[clean_line],
    )


def visibility_field() -> RadioField:
    return RadioField(
        _l("How your name appears"),
        choices=[SelectChoice(v.value) for v in Visibility],  # labels set per form (see below)
        validators=[InputRequired(message=_l("Choose how your name appears."))],
        invalid_choice_message=CHOOSE_ONE,
    )


class ResidentForm(FlaskForm):
    """A resident's form: a honeypot field, and its own CSRF check with a kind message.

    The residents' views are exempt from the CSRF check made before every view
    (campaign.web.keeps_text_on_csrf_error): the form makes that check when it validates, and
    when it fails the form is refused with everything typed kept and `expired` set, so the
    view shows it again (status 400) in the same request, nothing saved.
    """

    # Hidden from people (CSS, aria-hidden, no tab stop); bots fill every field they see.
    website = StringField(_l("Leave this field empty"), filters=[clean_line])
    expired = False

    @property
    def is_bot(self) -> bool:
        return bool(self.website.data)

    def validate(self, extra_validators=None) -> bool:
        self.expired = self.meta.csrf and not _passes_csrf_check()
        valid = super().validate(extra_validators)
        if self.expired:
            # Flask-WTF's own messages are English and technical; everything typed stays.
            self.csrf_token.errors = [
                _(
                    "For your safety this form expired. We kept what you typed: please check it "
                    "and send it again."
                )
            ]
            return False
        return valid


def _passes_csrf_check() -> bool:
    """Flask-WTF's whole check, as it makes it before other views: the token, and over HTTPS
    the Referer (WTF_CSRF_SSL_STRICT), which the form's own token field does not look at."""
    try:
        csrf.protect()
    except CSRFError:
        return False
    return True


class SignForm(ResidentForm):
    name = name_field()
    email = email_field()
    zip = zip_field()
    address = StringField(
        _l("Street address (optional)"),
        validators=[
            Optional(),
            Length(max=300, message=_l("The address can be at most 300 characters.")),
        ],
        filters=[clean_line],
    )
    comment = TextAreaField(
        _l("A short comment (optional)"),
        validators=[
            Optional(),
            Length(max=500, message=_l("Your comment can be at most 500 characters.")),
        ],
        filters=[clean_text],
    )
    visibility = visibility_field()
    consent_updates = BooleanField(_l("Email me updates about this campaign"))

    def __init__(self, *args, campaign: Campaign, **kwargs) -> None:
        kwargs.setdefault("visibility", campaign.default_visibility.value)
        super().__init__(*args, **kwargs)
        if not campaign.ask_address:
            del self.address
        # Labels translated when the form is shown, not on every signature sent.
        self.visibility.choices = SIGN_VISIBILITY_CHOICES

    @property
    def visibility_hints(self) -> dict[str, str]:
        return {
            Visibility.PUBLIC.value: _(
                "Your name can appear on this website and in the packet handed to the council."
            ),
            Visibility.PACKET.value: _(
                "Your name appears only in the packet handed to the council, never on this website."
            ),
            Visibility.COUNTED.value: _(
                "Your name appears nowhere: you are only counted in your district's total."
            ),
        }


def position_choices(action: str) -> list[SelectChoice]:
    """Positions phrased against the decision: "I oppose renewing the ... contract"."""
    action = action or _("this decision")
    return [
        SelectChoice(Position.SUPPORT.value, _("I support %(action)s", action=action)),
        SelectChoice(Position.OPPOSE.value, _("I oppose %(action)s", action=action)),
        SelectChoice(
            Position.NEUTRAL.value, _("I neither support nor oppose %(action)s", action=action)
        ),
    ]


class TestimonyForm(ResidentForm):
    name = name_field()
    email = email_field()
    zip = zip_field()
    position = RadioField(
        _l("Your position"),
        choices=[SelectChoice(p.value) for p in Position],
        validators=[InputRequired(message=_l("Choose your position."))],
        invalid_choice_message=CHOOSE_ONE,
    )
    affiliation = StringField(
        _l("Organization, if you speak for one (optional)"),
        validators=[
            Optional(),
            Length(max=200, message=_l("The organization can be at most 200 characters.")),
        ],
        filters=[clean_line],
    )
    body = TextAreaField(
        _l("Your testimony"),
        validators=[DataRequired(message=_l("Write your testimony."))],
        filters=[clean_text],
    )
    language = SelectField(
        _l("Language of your testimony"),
        choices=[*TESTIMONY_LANGUAGES, SelectChoice("other", _l("Another language"))],
        validators=[InputRequired(message=_l("Choose a language."))],
        invalid_choice_message=CHOOSE_ONE,
    )
    speak = RadioField(
        _l("Do you want to speak at the hearing?"),
        choices=[
            SelectChoice("no", _l("No, written testimony only")),
            SelectChoice(SpeakMode.IN_PERSON.value, _l("Yes, in person")),
            SelectChoice(SpeakMode.REMOTE.value, _l("Yes, by video (remote)")),
            SelectChoice(SpeakMode.PHONE.value, _l("Yes, by phone")),
        ],
        default="no",
        validators=[InputRequired(message=_l("Choose whether you want to speak."))],
        invalid_choice_message=CHOOSE_ONE,
    )
    phone = TelField(
        _l("Phone number to call you at the hearing"),
        # No Optional(): it would stop validate_phone, which requires a number for "by phone".
        validators=[Length(max=40, message=_l("That phone number is too long."))],
        filters=[clean_line],
    )
    interpreter_language = StringField(
        _l("Interpreter language, if you need one to speak (optional)"),
        validators=[
            Optional(),
            Length(max=40, message=_l("The language name can be at most 40 characters.")),
        ],
        filters=[clean_line],
    )
    consent_reminders = BooleanField(_l("Email me a reminder before the hearing"))
    outcome_mail = BooleanField(
        _l("Email me when the campaign team has read my testimony (accepted or not)"),
        default=True,
    )
    visibility = visibility_field()

    def __init__(self, *args, campaign: Campaign, action: str, language: str, **kwargs) -> None:
        kwargs.setdefault("visibility", campaign.default_visibility.value)
        kwargs.setdefault("language", language if language in ("en", "es") else "en")
        super().__init__(*args, **kwargs)
        self.position.choices = position_choices(action)
        self.visibility.choices = TESTIMONY_VISIBILITY_CHOICES

    @property
    def visibility_hints(self) -> dict[str, str]:
        return {
            Visibility.PUBLIC.value: _(
                "Your name and testimony can appear on this website and "
                "in the packet handed to the council."
            ),
            Visibility.PACKET.value: _(
                "Your name appears with your testimony only in the "
                "packet handed to the council, never on this website."
            ),
            Visibility.COUNTED.value: _(
                "Your testimony is shared as from \u201ca resident of "
                "your district\u201d, without your name."
            ),
        }

    @property
    def speak_mode(self) -> SpeakMode | None:
        return None if self.speak.data in (None, "", "no") else SpeakMode(self.speak.data)

    def validate_body(self, field) -> None:
        if field.data and not visible(field.data):
            raise ValidationError(_("Write your testimony."))
        words = count_words(field.data or "")
        if words > MAX_WORDS or len(field.data or "") > MAX_CHARACTERS:
            raise ValidationError(
                _(
                    "Your testimony has %(words)s words; the limit is %(limit)s. Please shorten it.",  # noqa: E501 (a catalog message id)
                    words=f"{words:,}",
                    limit=f"{MAX_WORDS:,}",
                )
            )

    def validate_phone(self, field) -> None:
        if self.speak.data != SpeakMode.PHONE.value:
            return
        digits = re.sub(r"\D", "", field.data or "")
        if not field.data:
            raise ValidationError(_("Enter the phone number we should call at the hearing."))
        if not 7 <= len(digits) <= 15 or not re.fullmatch(r"[\d\s()+.\-]+", field.data):
            raise ValidationError(_("Enter a phone number like 555-201-3344."))


class EditTestimonyForm(TestimonyForm):
    email = None  # the address is what the private link and confirmation are tied to


class ButtonForm(ResidentForm):
    """Confirm, withdraw: a button whose only data is the CSRF token (and the honeypot)."""


class ResendForm(ResidentForm):
    email = email_field()
