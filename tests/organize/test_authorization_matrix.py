"""Every staff route against every kind of visitor: no URL lets a person outside a campaign reach
its personal data.

The routes come from the application's URL map (every rule under /organize, plus the other
staff-only rules listed in EXTRA_RULES), so a new route without an expectation here fails
`test_every_staff_route_has_an_expectation`. Routes of areas built by other teams (packets,
schedule) get the rules every staff page must keep: anonymous visitors go to the log-in page,
staff of another campaign get 404 on a campaign's pages, and nothing answers with a 500.
"""

from __future__ import annotations

from datetime import date

import pytest

from campaign.models import (
    DecisionMaker,
    Membership,
    Role,
    SpeakMode,
    Stance,
    StatedPosition,
    TestimonyStatus,
    User,
)
from campaign.services import invitations
from tests.factories import make_campaign, make_endorsement, make_signature, make_testimony
from tests.organize.conftest import staff_user

ROLES = ("anonymous", "outsider", "organizer", "lead", "admin")
LOGIN = "login"  # a 302 to the log-in page
ANY = "any"  # any answer below 500 (routes owned by other areas, for signed-in staff)
EXTRA_RULES = ("/account/password",)
FOREIGN_BLUEPRINTS = ("packets", "schedule")


def staff(status: int) -> dict[str, object]:
    """Any member of the campaign's staff (and site admins) gets `status`."""
    return {
        "anonymous": LOGIN,
        "outsider": 404,
        "organizer": status,
        "lead": status,
        "admin": status,
    }


def leads(status: int) -> dict[str, object]:
    """Leads and site admins get `status`; organizers are refused."""
    return {"anonymous": LOGIN, "outsider": 404, "organizer": 403, "lead": status, "admin": status}


def signed_in(status: int) -> dict[str, object]:
    return {
        "anonymous": LOGIN,
        "outsider": status,
        "organizer": status,
        "lead": status,
        "admin": status,
    }


# (endpoint, method) -> expected answer per role. POSTs send no form field: a form page answers
# 200 with its errors, a bare action 400, a done action 302 (back to its page).
EXPECTED: dict[tuple[str, str], dict[str, object]] = {
    ("organize.home", "GET"): signed_in(200),
    ("organize.new_campaign", "GET"): {
        "anonymous": LOGIN,
        "outsider": 403,
        "organizer": 403,
        "lead": 403,
        "admin": 200,
    },
    ("organize.new_campaign", "POST"): {
        "anonymous": LOGIN,
        "outsider": 403,
        "organizer": 403,
        "lead": 403,
        "admin": 200,
    },
    ("auth.change_password", "GET"): signed_in(200),
    ("auth.change_password", "POST"): signed_in(200),
    ("organize.dashboard", "GET"): staff(200),
    ("organize.settings", "GET"): leads(200),
    ("organize.settings", "POST"): leads(200),
    ("organize.change_status", "POST"): leads(400),
    ("organize.decision", "GET"): leads(200),
    # Forms filled from a saved record keep its values for fields the POST leaves out.
    ("organize.decision", "POST"): leads(302),
    ("organize.team", "GET"): leads(200),
    ("organize.team", "POST"): leads(200),
    ("organize.remove_member", "POST"): leads(302),
    ("organize.revoke_invitation", "POST"): leads(302),
    ("organize.deadlines_page", "GET"): leads(200),
    ("organize.add_deadline", "POST"): leads(200),
    ("organize.add_relative_deadline", "POST"): leads(200),
    ("organize.edit_deadline", "GET"): leads(200),
    ("organize.edit_deadline", "POST"): leads(200),
    ("organize.delete_deadline", "POST"): leads(302),
    ("organize.decision_makers", "GET"): leads(200),
    ("organize.decision_makers", "POST"): leads(200),
    ("organize.edit_decision_maker", "GET"): leads(200),
    ("organize.edit_decision_maker", "POST"): leads(302),
    ("organize.add_position", "POST"): leads(200),
    ("organize.delete_position", "POST"): leads(302),
    ("organize.translate_position", "POST"): leads(302),
    ("organize.delete_decision_maker", "POST"): leads(302),
    ("organize.districts", "GET"): leads(200),
    ("organize.districts", "POST"): leads(200),
    # An upload token belongs to the session that uploaded it: anyone else gets 404.
    ("organize.districts_preview", "GET"): leads(404),
    ("organize.districts_confirm", "POST"): leads(404),
    ("organize.record_page", "GET"): leads(200),
    ("organize.record_page", "POST"): leads(400),
    ("organize.record_follow", "POST"): leads(302),
    ("organize.record_sync_now", "POST"): leads(404),
    ("organize.record_conflict", "POST"): leads(400),
    ("organize.moderation_queue", "GET"): staff(200),
    ("organize.testimony_detail", "GET"): staff(200),
    ("organize.approve_testimony", "POST"): staff(302),
    ("organize.reject_testimony", "POST"): staff(200),
    ("organize.undo_moderation", "POST"): staff(302),
    ("organize.redact_testimony", "POST"): staff(200),
    ("organize.paper_page", "GET"): staff(200),
    ("organize.paper_page", "POST"): staff(200),
    ("organize.paper_sheet", "GET"): staff(200),
    ("organize.paper_preview", "GET"): staff(404),
    ("organize.paper_confirm", "POST"): staff(404),
    ("organize.speakers_page", "GET"): staff(200),
    ("organize.move_speaker", "POST"): staff(400),
    ("organize.mark_speaker", "POST"): staff(400),
    ("organize.call_next_speaker", "POST"): staff(302),
    ("organize.speakers_print", "GET"): staff(200),
    ("organize.speakers_csv", "POST"): staff(200),
    ("organize.coalition_page", "GET"): staff(200),
    ("organize.decide_endorsement", "POST"): leads(400),
    ("organize.describe_endorsement", "GET"): leads(200),
    ("organize.describe_endorsement", "POST"): leads(302),
    ("organize.exports_page", "GET"): staff(200),
    ("organize.export_signatures", "POST"): staff(200),
    ("organize.export_testimony", "POST"): staff(200),
    ("organize.audit_log", "GET"): leads(200),
    ("organize.signals_page", "GET"): staff(200),
    # Without the criteria the page's own forms send, an invalidation or restore is refused.
    ("organize.invalidate_signatures", "POST"): leads(400),
    ("organize.restore_signatures", "POST"): leads(400),
    # Form letters and the speaker list PDF (the letters branch).
    ("organize.form_letters_page", "GET"): staff(200),
    ("organize.form_letters_decide", "POST"): staff(302),  # nothing chosen: back, with a message
    ("organize.speakers_pdf", "POST"): staff(200),
}


def _staff_rules(app) -> list[tuple[object, str]]:
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/organize") or rule.rule in EXTRA_RULES:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                rules.append((rule, method))
    return sorted(rules, key=lambda pair: (pair[0].rule, pair[1]))


def _foreign(endpoint: str) -> bool:
    return endpoint.split(".")[0] in FOREIGN_BLUEPRINTS


def _expected(rule, method: str) -> dict[str, object]:
    if _foreign(rule.endpoint):
        outsider = 404 if "<slug>" in rule.rule else ANY
        return {
            "anonymous": LOGIN,
            "outsider": outsider,
            "organizer": ANY,
            "lead": ANY,
            "admin": ANY,
        }
    return EXPECTED[(rule.endpoint, method)]


def test_every_staff_route_has_an_expectation(app):
    missing = [
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule, method in _staff_rules(app)
        if not _foreign(rule.endpoint) and (rule.endpoint, method) not in EXPECTED
    ]
    assert missing == [], "staff routes without an expected status per role: " + ", ".join(missing)
    routed = {(rule.endpoint, method) for rule, method in _staff_rules(app)}
    stale = sorted(set(EXPECTED) - routed)
    assert stale == [], f"expectations for routes that no longer exist: {stale}"
    assert len(routed) >= len(EXPECTED) > 40


def _scenario(db, user, role: str) -> dict[str, object]:
    """A fresh campaign with one of everything, with `user` in `role` (unless outsider/admin)."""
    campaign = make_campaign()
    colleague = User(email=f"colleague{campaign.id}@team.example", password_hash=None)
    db.session.add(colleague)
    db.session.flush()
    db.session.add(Membership(user_id=colleague.id, campaign_id=campaign.id, role=Role.ORGANIZER))
    db.session.flush()
    if role in ("organizer", "lead"):
        db.session.add(Membership(user_id=user.id, campaign_id=campaign.id, role=Role(role)))
    testimony = make_testimony(
        campaign,
        status=TestimonyStatus.PENDING,
        wants_to_speak=True,
        speak_mode=SpeakMode.IN_PERSON,
    )
    make_signature(campaign)
    endorsement = make_endorsement(campaign, f"Org {campaign.id}")
    member = DecisionMaker(campaign=campaign, name="Council Member One", district="1")
    member.positions.append(StatedPosition(stance=Stance.NO, stated_on=date(2026, 1, 5)))
    db.session.add(member)
    db.session.flush()
    invitation = invitations.invite(
        db.session, campaign, colleague, "new@team.example", Role.ORGANIZER, "en"
    )
    membership = next(m for m in colleague.memberships if m.campaign_id == campaign.id)
    db.session.commit()
    return {
        "slug": campaign.slug,
        "testimony_id": testimony.id,
        "endorsement_id": endorsement.id,
        "deadline_id": campaign.deadlines[0].id,
        "maker_id": member.id,
        "position_id": member.positions[0].id,
        "membership_id": membership.id,
        "invitation_id": invitation.id,
        "token": "t" * 32,
        "scope": "approved",
        "conflict_id": 999999,
    }


def _url(rule, values: dict[str, object]) -> str:
    arguments = {}
    for name in rule.arguments:
        if name in values:
            arguments[name] = values[name]
        elif _foreign(rule.endpoint):
            arguments[name] = 999999 if "id" in name else "x"
        else:
            raise AssertionError(f"no test value for <{name}> in {rule.rule}")
    url = rule.rule
    for name, value in arguments.items():
        url = url.replace(f"<{name}>", str(value))
        for converter in ("int", "string", "path"):
            url = url.replace(f"<{converter}:{name}>", str(value))
    return url


def _verdict(expected: object, response) -> bool:
    status = response.status_code
    if expected == LOGIN:
        return status == 302 and response.headers["Location"].startswith("/login")
    if expected == ANY:
        return status < 500 and not (
            status == 302 and response.headers["Location"].startswith("/login")
        )
    if expected == 302:
        return status == 302 and not response.headers["Location"].startswith("/login")
    return status == expected


@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(role, app, client, db):
    people = {
        "outsider": staff_user(
            db, "outsider@matrix.example", campaign=make_campaign(), role="organizer"
        ),
        "organizer": staff_user(db, "organizer@matrix.example"),
        "lead": staff_user(db, "lead@matrix.example"),
        "admin": staff_user(db, "admin@matrix.example", admin=True),
    }
    db.session.commit()
    user = people.get(role)
    if user is not None:
        response = client.post(
            "/login", data={"email": user.email, "password": user.email + " password"}
        )
        assert response.status_code == 302
    failures = []
    checked = 0
    for rule, method in _staff_rules(app):
        values = _scenario(db, user, role)
        url = _url(rule, values)
        response = client.open(url, method=method, data={"matrix": "1"}, buffered=True)
        expected = _expected(rule, method)[role]
        checked += 1
        if not _verdict(expected, response):
            where = response.headers.get("Location", "")
            failures.append(
                f"{method} {url} as {role}: expected {expected}, got {response.status_code} {where}"
            )
        if response.headers.get("Cache-Control") != "no-store":  # names: no cache may keep it
            failures.append(
                f"{method} {url} as {role}: Cache-Control {response.headers.get('Cache-Control')!r}"
            )
    assert checked > 40
    assert failures == [], "\n".join(failures)


OBJECT_PARAMETERS = (
    "testimony_id",
    "endorsement_id",
    "deadline_id",
    "maker_id",
    "position_id",
    "membership_id",
    "invitation_id",
)


def test_objects_of_another_campaign_are_not_found_through_this_campaigns_urls(app, client, db):
    """A lead of campaign A cannot reach campaign B's testimony, members, dates... by putting
    their ids into A's URLs."""
    lead = staff_user(db, "lead@idor.example")
    db.session.commit()
    mine = _scenario(db, lead, "lead")
    theirs = _scenario(db, None, "outsider")
    client.post("/login", data={"email": lead.email, "password": lead.email + " password"})
    checked = 0
    failures = []
    for rule, method in _staff_rules(app):
        if _foreign(rule.endpoint):
            continue
        names = [n for n in rule.arguments if n in OBJECT_PARAMETERS]
        if not names:
            continue
        values = dict(mine)
        values.update({n: theirs[n] for n in names})
        url = _url(rule, values)
        response = client.open(
            url,
            method=method,
            data={
                "direction": "up",
                "outcome": "spoke",
                "text": "x",
                "reason": "abusive",
                "decision": "approved",
            },
        )
        checked += 1
        if response.status_code != 404:
            failures.append(f"{method} {url}: {response.status_code}")
    assert checked >= 15
    assert failures == [], "\n".join(failures)


HOSTILE = [
    "<script>alert(1)</script>",
    "x" * 5000,
    "-1",
    "99999999999999999999999",
    "2026-13-45",
    "25:99",
    "' OR 1=1 --",
    "\x00\x01",
    "=cmd|' /C calc'!A0",
    "",
]


def test_hostile_form_input_never_breaks_a_staff_route(app, client, db):
    """Every POST of this area, as a lead, with hostile values in every field it reads: an
    answer, never a 500."""
    lead = staff_user(db, "lead@hostile.example")
    db.session.commit()
    client.post("/login", data={"email": lead.email, "password": lead.email + " password"})
    fields = [
        "slug",
        "title",
        "title_es",
        "ask",
        "summary",
        "goal",
        "time_zone",
        "lead_email",
        "default_visibility",
        "retention_days",
        "kind",
        "reference",
        "day",
        "clock",
        "rel-hearing",
        "rel-kind",
        "rel-amount",
        "rel-rule_kind",
        "rel-clock",
        "amount",
        "rule_kind",
        "new-name",
        "new-sort_order",
        "name",
        "office",
        "district",
        "sort_order",
        "pos-stance",
        "pos-stated_on",
        "pos-source_url",
        "status",
        "email",
        "role",
        "reason",
        "note",
        "text",
        "direction",
        "decision",
        "action",
        "batch",
        "language",
        "current",
        "password",
        "confirm",
        "next",
        "tab",
    ]
    checked = 0
    for rule, method in _staff_rules(app):
        if method != "POST" or _foreign(rule.endpoint):
            continue
        # One campaign per route: a value that succeeds (a deletion) leaves 404s for the rest,
        # which is still an answer.
        url = _url(rule, _scenario(db, lead, "lead"))
        for value in HOSTILE:
            response = client.post(url, data=dict.fromkeys(fields, value), buffered=True)
            checked += 1
            assert response.status_code < 500, (url, value[:40], response.status_code)
    assert checked > 200
