"""A cache of texts rendered once and reused, with placeholders where what differs per use goes.

The signing form page, its "check your email" page and the confirmation mail are the same
for every resident of a campaign version and language, except for a few values (the CSRF
token, the email typed, the name and the link). They are rendered once with a placeholder in
each value's place and kept per process; each use fills in its own values.

A text is kept against the object it was rendered for (its owner): `campaigns.form_campaign`
hands out a new campaign object whenever the campaign's rows change, so an edited campaign is
never served from here, and any other owner only replaces what was kept.
"""

from __future__ import annotations

import secrets
from collections.abc import Hashable

_KEPT = 256


class RenderedTextCache:
    """A bounded cache of texts rendered with placeholders, each valid for one owner.

    Invalidation: an entry is served only to the very owner object it was rendered for
    (`campaigns.form_campaign` hands out a new campaign object when the campaign's rows change);
    at most 256 entries, the oldest dropped first."""

    def __init__(self) -> None:
        self._kept: dict[Hashable, tuple[object, object]] = {}
        # Unguessable, so no text a campaign or a resident writes can contain a placeholder.
        self._nonce = secrets.token_hex(12)

    def hole(self, name: str) -> str:
        """The placeholder for the value `name`."""
        return f"\ufdd0{self._nonce}:{name}\ufdd0"

    def holes(self, names) -> dict[str, str]:
        return {name: self.hole(name) for name in names}

    def get(self, key: Hashable, owner: object):
        """What was cached for `key` if it was rendered for this same `owner`, else None."""
        kept = self._kept.get(key)
        return kept[1] if kept is not None and kept[0] is owner else None

    def put(self, key: Hashable, owner: object, rendered) -> None:
        if key not in self._kept and len(self._kept) >= _KEPT:
            self._kept.pop(next(iter(self._kept)))
        self._kept[key] = (owner, rendered)

    def fill(self, text: str, values: dict[str, str]) -> str:
        """`text` with each value in its placeholder's places, as it is (escape it first
        where the text is HTML)."""
        for name, value in values.items():
            text = text.replace(self.hole(name), value)
        return text
