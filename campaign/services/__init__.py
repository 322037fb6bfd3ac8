"""The business of the product; web views, the JSON API and the CLI all call these functions."""


class DomainError(Exception):
    """A rule of the product was broken; the message is safe to show."""


class NotFound(DomainError):
    """The thing asked for does not exist (or is not public)."""
