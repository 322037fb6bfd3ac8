"""Generated slugs, tokens and query strings in every public URL and API parameter: never a
5xx, the API always answers JSON, and nothing in a URL comes back unescaped. Generated numbers
in every `<int:...>` parameter of every route and in every number a page reads from its query
string: never a 5xx, and a number no database column holds is a 404 in a URL."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.hostile.support import (
    FUZZ,
    hostile_text,
    int_parameters,
    open_campaign,
    route_path,
    routes,
)

# Every public GET route with a parameter, and the public forms' GET side.
SLUG_ROUTES = (
    "/api/v1/campaigns/{slug}",
    "/c/{slug}",
    "/c/{slug}/sign",
    "/c/{slug}/sign/resend",
    "/c/{slug}/testify",
    "/c/{slug}/testify/resend",
    "/c/{slug}/join",
    "/c/{slug}/join/thanks",
    "/c/{slug}/calendar.ics",
    "/c/{slug}/share/{token}",
    "/c/{slug}/confirm/{token}",
    "/c/{slug}/testify/confirm/{token}",
    "/c/{slug}/positions/1/source",
)
TOKEN_ROUTES = (
    "/t/{token}",
    "/t/{token}/edit",
    "/t/{token}/withdraw",
    "/calendar/{token}.ics",
    "/reset/{token}",
    "/invite/{token}",
)
QUERY_ROUTES = ("/", "/api/v1/campaigns", "/c/{slug}", "/c/{slug}/sign", "/login")


def segment(text: str) -> str:
    """A path segment as a browser would send it (every byte percent-encoded but the safe)."""
    return quote(text, safe="")


def check(response, path: str) -> None:
    assert response.status_code < 500, path
    if path.startswith("/api/"):
        assert response.mimetype == "application/json", path
        json.loads(response.get_data(as_text=True))
    if response.mimetype == "text/html":
        page = response.get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, path


@FUZZ
@given(
    slug=hostile_text(120),
    token=hostile_text(120),
    route=st.sampled_from(SLUG_ROUTES + TOKEN_ROUTES),
)
def test_generated_slugs_and_tokens(client, slug, token, route):
    path = route.format(slug=segment(slug), token=segment(token))
    check(client.get(path), path)


@FUZZ
@given(
    slug=hostile_text(80),
    token=hostile_text(120),
    route=st.sampled_from(SLUG_ROUTES[:10] + TOKEN_ROUTES[1:3]),
)
def test_generated_tokens_on_a_real_campaign(client, slug, token, route):
    # The real slug (so the token and the network are what is tried), then a near miss.
    campaign = open_campaign()
    for attempt in (campaign.slug, campaign.slug + slug):
        path = route.format(slug=segment(attempt), token=segment(token))
        check(client.get(path), path)
        if route.endswith(
            ("/edit", "/withdraw", "/confirm/{token}", "/resend", "/sign", "/testify", "/join")
        ):
            check(client.post(path, data={"website": "", "email": slug}), path)


@FUZZ
@given(
    params=st.lists(st.tuples(hostile_text(30), hostile_text(60)), max_size=4),
    raw=st.binary(max_size=60),
    route=st.sampled_from(QUERY_ROUTES),
    language=hostile_text(40),
)
def test_generated_query_strings_and_headers(client, params, raw, route, language):
    campaign = open_campaign()
    path = route.format(slug=campaign.slug)
    check(client.get(path, query_string=params), path)
    # Raw bytes straight into the query string, and a hostile Accept-Language (as bytes on the
    # wire: HTTP carries no line break inside a header).
    query = "".join(f"%{byte:02X}" for byte in raw)
    header = re.sub(r"[\r\n]", " ", language).encode("utf-8", "replace").decode("latin-1")
    check(
        client.get(f"{path}?lang={query}&{query}={query}", headers={"Accept-Language": header}),
        path,
    )


# --- Numbers ------------------------------------------------------------------------------------

INTEGER_MAX = 2**31 - 1  # the ids' type, INTEGER, on PostgreSQL (64 bits on SQLite)
EDGES = (
    "0",
    "-1",
    "1",
    str(2**31 - 1),
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    "9" * 30,
    "0" * 30 + "1",
)


def numbers() -> st.SearchStrategy[str]:
    """Numbers as typed into a URL: the edges of the integer types, any integer, the digits of
    other scripts, and the forms int() accepts but a URL of ours never carries."""
    return st.one_of(
        st.sampled_from(EDGES),
        st.integers().map(str),
        st.integers(min_value=INTEGER_MAX - 2, max_value=2**130).map(str),
        st.sampled_from(["+1", " 1", "1_000", "١٢", "１", "1e3", "0x10", "1.0", ""]),
    )


def out_of_range(number: str) -> bool:
    return re.fullmatch(r"[0-9]+", number) is not None and int(number) > INTEGER_MAX


@settings(FUZZ, max_examples=30)  # every example tries every route with a number in its URL
@given(number=numbers())
def test_numbers_in_every_int_url_parameter(app, client, staff_world, number):
    for method in ("GET", "POST"):
        for rule in routes(app, method):
            names = int_parameters(rule)
            if not names:
                continue
            path = route_path(rule, staff_world, **dict.fromkeys(names, segment(number)))
            response = client.open(path, method=method, buffered=True)
            check(response, path)
            if out_of_range(number):
                assert response.status_code == 404, (method, path)


# Every number a page reads from its query string: (method, endpoint, keys).
NUMERIC_QUERIES = (
    ("GET", "packets.index", ("before",)),
    ("GET", "organize.moderation_queue", ("page",)),
    ("GET", "organize.audit_log", ("page",)),
    ("GET", "organize.paper_preview", ("page",)),
    ("GET", "organize.speakers_page", ("hearing",)),
    ("GET", "organize.speakers_print", ("hearing",)),
    ("POST", "organize.speakers_csv", ("hearing",)),
    ("POST", "organize.speakers_pdf", ("hearing",)),
    ("POST", "organize.move_speaker", ("hearing",)),
    ("POST", "organize.mark_speaker", ("hearing",)),
    ("POST", "organize.call_next_speaker", ("hearing",)),
    ("GET", "organize.signals_page", ("window", "threshold", "days")),
)


@settings(FUZZ, max_examples=30)
@given(number=numbers(), repeated=numbers())
def test_numbers_in_every_numeric_query_value(app, client, staff_world, number, repeated):
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    for method, endpoint, keys in NUMERIC_QUERIES:
        path = route_path(rules[endpoint], staff_world)
        # Each key alone, then given twice (the page reads the first).
        for query in (
            [(key, number) for key in keys],
            [(key, value) for key in keys for value in (number, repeated)],
        ):
            response = client.open(
                path, method=method, query_string=query, data={"direction": "up"}, buffered=True
            )
            check(response, path)
