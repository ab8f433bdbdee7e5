"""One exception hierarchy for every portal client."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .portal import Challenge


class SchoolPortalError(Exception):
    """Base class of every error a portal client raises."""


class AuthenticationError(SchoolPortalError):
    """The portal refused the credentials, or the session cannot be renewed."""


class AccountLocked(AuthenticationError):
    """The portal blocked the account (too many attempts, or disabled)."""


class CaptchaRequired(AuthenticationError):
    """The portal wants a CAPTCHA solved first: the password was not judged."""


class TwoFactorRequired(SchoolPortalError):
    """The portal asks for a second factor before it lets the login in."""

    def __init__(
        self, challenge: Challenge, message: str = "Second factor required"
    ) -> None:
        """Keep the portal's challenge (never logged: it may be personal)."""
        super().__init__(message)
        self.challenge = challenge


class ConnectionFailed(SchoolPortalError):
    """The portal could not be reached, or did not answer in time."""


class RateLimited(SchoolPortalError):
    """The portal asks us to slow down."""

    def __init__(self, retry_after: float | None = None) -> None:
        """Remember how long the portal wants us to wait, in seconds."""
        super().__init__("Rate limited by the portal")
        self.retry_after = retry_after


class PortalUnavailable(SchoolPortalError):
    """The portal answers, but is down for maintenance or failing (5xx)."""


class ProtocolError(SchoolPortalError):
    """The portal answered something we do not understand."""


class ConfigurationError(SchoolPortalError):
    """A setting (server address, school name, …) cannot be used."""


class UnknownSchool(ConfigurationError):
    """The server does not know the school name that was given."""


class NotSupported(SchoolPortalError):
    """The portal does not offer this operation."""
