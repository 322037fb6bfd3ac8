"""What a service's refusal says to the reader, in the reader's language: one home for the
words of every DomainError code that a page can show.

Services raise errors with a stable `code` and the facts a reader needs (`details`, such as a
limit or a time zone); they word nothing. A view asks `error_text(error)` and puts the sentence
next to the field or in a flashed message. A view may say more in its own context (the paper
import names the columns it found), but never parses an error's English message.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from campaign.services import DomainError

MESSAGES = {
    # Accounts and teams
    "email_invalid": _l("Enter an email address."),
    "account_exists": _l("An account with that email already exists."),
    "password_too_short": _l("Use at least %(min)d characters."),
    "wrong_current_password": _l("That is not your current password."),
    "already_on_team": _l("That person is already on this campaign's team."),
    "last_lead": _l("A campaign keeps at least one lead."),
    "invitation_invalid": _l(
        "The invitation could not be used: it is for another email "
        "address, was already used, or has expired."
    ),
    # A campaign's settings and status
    "slug_invalid": _l("Use 2 to 80 lower-case letters, digits and hyphens (not at either end)."),
    "slug_taken": _l("Another campaign already uses that web address."),
    "slug_locked": _l(
        "The web address can only change while the campaign is a draft: printed "
        "sheets and shared links point at it."
    ),
    "time_zone_unknown": _l("Use a time zone name such as America/New_York."),
    "number_negative": _l("Use a number of 0 or more."),
    "status_change_refused": _l("That change of status is not possible now."),
    "decision_missing": _l("Describe the decision before opening the campaign."),
    "purged_cannot_reopen": _l("A purged campaign cannot be reopened."),
    "source_not_web_address": _l("Use an address starting with https://"),
    # Dates
    "rule_invalid": _l("That rule cannot be used."),
    "time_skipped": _l(
        "That time does not exist on that day in %(zone)s (the clocks move "
        "forward). Choose another time."
    ),
    "date_out_of_range": _l("Choose a date between the years %(first)s and %(last)s."),
    "hearing_has_testimony": _l(
        "Residents wrote testimony for this hearing, so it cannot be "
        "deleted. If its date changed, edit the date instead: the dates "
        "that follow it move too."
    ),
    "title_missing": _l("Give the date a title."),
    "too_long": _l("That text is too long."),
    "english_missing": _l("Write the English text too: readers of English see it."),
    "follows_hearing_only": _l("A date can only follow a hearing."),
    "hearing_not_fixed": _l("A date can only follow a hearing with a fixed date."),
    "hearing_cannot_follow": _l("A hearing has its own date; it cannot follow another hearing."),
    "hearing_has_followers": _l(
        "Other dates follow this hearing: remove them or make them fixed dates first."
    ),
    "hearing_missing": _l("Choose the hearing this date follows."),
    "hearing_other_campaign": _l("A date can only follow a hearing of its own campaign."),
    "date_follows_rule": _l(
        "This date follows the hearing by a rule: change the rule, or make it a fixed date."
    ),
    # Uploaded tables: the ZIP-to-district table and paper sheets
    "file_unreadable": _l(
        "We could not read this file. Save it as CSV (comma or semicolon separated)."
    ),
    "too_many_rows": _l("The file has more than %(max)d rows; split it in two."),
    "district_columns_missing": _l(
        "We could not read this file. Save it as CSV with a ZIP column and a district column."
    ),
    "district_table_empty": _l("The file has no valid rows; nothing was changed."),
    "columns_missing": _l(
        "We could not find the Name and ZIP columns. The first line must "
        "name the columns: Name, ZIP, Email, Visibility (or Nombre, Código "
        "postal, Correo, Visibilidad). Columns found: %(found)s"
    ),
    "campaign_archived": _l("This campaign is archived; it takes no more signatures."),
    # Moderation and fraud signals
    "changed_meanwhile": _l(
        "Someone else moderated this testimony a moment ago; see its status now."
    ),
    "moderation_refused": _l("That is not possible for a testimony in this status."),
    "undo_expired": _l(
        "The minute to undo that decision has passed. Change it with Approve or Reject instead."
    ),
    "redaction_empty": _l("The text cannot be empty."),
    "reason_invalid": _l("Write a reason of 3 to 300 characters."),
    "campaign_purged": _l(
        "These signatures cannot be changed any more: the campaign's personal data was purged."
    ),
    # The purge
    "already_purged": _l("This campaign's personal data was already purged."),
    "purge_held": _l("A lead is holding this campaign back from the purge."),
    "hold_reason_missing": _l("Say why the data must be kept."),
    "hold_reason_too_long": _l("Write the reason in at most %(max)d characters."),
    # Following the city's record (campaign/services/record_sync.py)
    "record_unreachable": _l("The council's record could not be reached."),
    "record_timeout": _l("The council's record did not answer in time."),
    "record_http_error": _l("The council's record answered with an error (HTTP %(status)s)."),
    "record_malformed": _l("The council's record answered with something that cannot be read."),
    "record_paging": _l("The council's record kept sending more pages; the reading was stopped."),
    "record_not_found": _l("The council's record has no file with that number."),
    "record_client_unknown": _l("Choose a council from the list."),
    "record_not_configured": _l("This council's record is not set up on this site."),
    "record_file_invalid": _l("Enter the file number as the council writes it, such as 250123."),
    "record_already_followed": _l("This campaign already follows the council's record."),
    "record_choice_invalid": _l("Choose the record's value or yours."),
}
# Several codes, one thing for the reader to do.
SAME_AS = {
    "invitation_expired": "invitation_invalid",
    "invitation_closed": "invitation_invalid",
    "invitation_for_other_email": "invitation_invalid",
    "invitation_account_exists": "invitation_invalid",
    "invitation_campaign_gone": "invitation_invalid",
    "file_empty": "file_unreadable",
}
FALLBACK = _l("That is not possible now.")


def error_text(error: DomainError) -> str:
    """The error in the reader's language: its code's sentence, with its details in their
    places; a plain "not possible now" for a code no page words."""
    code = SAME_AS.get(error.code, error.code)
    message = MESSAGES.get(code)
    if message is None:
        return str(FALLBACK)
    text = str(message)
    return text % error.details if "%(" in text else text
