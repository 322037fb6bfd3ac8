"""Shared pieces of the hostile-input tests: Hypothesis settings and strategies, valid form
data to vary one field at a time, checks that a page or a mail carries text safely, and every
route of the app with its parameters filled."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from markupsafe import escape

from campaign.extensions import db
from campaign.residents.forms import clean_line, clean_text
from tests.hostile.corpus import SMALL
from tests.residents.support import campaign_with_hearing

# Stable in CI (no random seed, no example database written into the work tree) and fast:
# the app and client fixtures are function-scoped and shared by every example on purpose.
FUZZ = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# Any character a browser can send (lone surrogates cannot be encoded as UTF-8).
CHARACTERS = st.characters(exclude_categories=("Cs",))
PIECES = [entry.text for entry in SMALL]


def hostile_text(max_size: int = 300) -> st.SearchStrategy[str]:
    """Random text, corpus strings, and random text spliced with corpus strings."""
    return st.one_of(
        st.text(CHARACTERS, max_size=max_size),
        st.sampled_from(PIECES),
        st.lists(
            st.one_of(st.sampled_from(PIECES), st.text(CHARACTERS, max_size=12)),
            min_size=1,
            max_size=5,
        ).map("".join),
    )


SIGN = {
    "name": "Ana Flores",
    "email": "ana@example.org",
    "zip": "11111",
    "address": "12 Elm Street",
    "comment": "I support this.",
    "visibility": "packet",
}
TESTIFY = {
    "name": "Rosa Díaz",
    "email": "rosa@example.org",
    "zip": "22222",
    "position": "oppose",
    "affiliation": "Vecinos Unidos",
    "body": "My testimony.\n\nSecond paragraph.",
    "language": "es",
    "speak": "phone",
    "phone": "555-201-3344",
    "interpreter_language": "Mixteco",
    "visibility": "counted",
    "consent_reminders": "y",
}
JOIN = {
    "organization": "Vecinos Unidos",
    "website": "https://vecinos.example.org",
    "role": "supporter",
    "contact_name": "Rosa Díaz",
    "contact_email": "rosa@vecinos.example.org",
}

# Markup from the corpus that only a failure to escape would put in a page.
PAYLOADS = (
    "<script>alert",
    "<img src=",
    "<svg onload",
    "<style>body",
    "<b>bold",
    "<link rel=attachment",
    "<iframe src=",
    "' autofocus",
    "</textarea></title>",
)


def received(value: str) -> str:
    """What a form receives of a posted value: campaign.web.CampaignRequest takes NUL out of
    every form value before any form sees it."""
    return value.replace("\x00", "")


def line(value: str) -> str:
    """A one-line field's value as documented: received, then the forms' clean_line."""
    return clean_line(received(value))


def text(value: str) -> str:
    """A text field's value as documented: received, then the forms' clean_text."""
    return clean_text(received(value))


def open_campaign(**fields):
    """A campaign taking signatures and testimony (hearing in 10 days), committed."""
    campaign = campaign_with_hearing(datetime.now(UTC) + timedelta(days=10), **fields)
    db.session.commit()
    return campaign


def assert_escaped(page: str, baseline: str, *values: str) -> None:
    """No markup from the values reaches the page unescaped.

    `baseline` is the same page without any user text (the form sent empty, so it carries
    every error message's markup too): a value like "<d" is part of our own "<div", so only
    values that the baseline does not contain are looked for raw.
    """
    for payload in PAYLOADS:
        assert page.count(payload) == baseline.count(payload), payload
    for value in values:
        if "<" in value:
            assert value not in page or value in baseline, value


def shows(page: str, text: str) -> bool:
    """True if the page shows this text, escaped as Jinja and WTForms escape it."""
    return str(escape(text)) in page


# --- Every route ----------------------------------------------------------------------------

PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def routes(app, method: str) -> list:
    """Every rule of the app answering `method` but static files, in a stable order."""
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if method in rule.methods and rule.endpoint != "static"
    ]
    return sorted(rules, key=lambda rule: rule.rule)


def int_parameters(rule) -> list[str]:
    return [name for converter, name in PARAMETER.findall(rule.rule) if converter == "int"]


def route_path(rule, values: dict[str, object], **text: str) -> str:
    """The rule's path with every parameter filled: from `text` (as typed into the URL), else
    values["endpoint:name"], else values["name"] (the staff_world fixture's)."""

    def fill(match: re.Match) -> str:
        name = match[2]
        if name in text:
            return text[name]
        return str(values.get(f"{rule.endpoint}:{name}", values[name]))

    return PARAMETER.sub(fill, rule.rule)
