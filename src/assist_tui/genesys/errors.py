"""Typed errors of the genesys layer: each says what went wrong and what to do.

No message, repr or argument of these ever holds a token or a client secret.
"""

from __future__ import annotations


class GenesysError(Exception):
    """Base of every error raised while talking to Genesys Cloud or the emulator."""


class GenesysNetworkError(GenesysError):
    """The platform could not be reached (refused, reset, timed out, TLS)."""


class AuthenticationError(GenesysError):
    """The OAuth client credentials were refused."""


class PermissionDeniedError(GenesysError):
    """403: the OAuth client lacks a permission or scope."""

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        self.missing = missing
        super().__init__(message)


class RateLimitedError(GenesysError):
    """429 answered more often than the configured number of retries."""

    def __init__(self, message: str, retry_after_s: float | None) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


class NotFoundError(GenesysError):
    """404: the resource (channel, conversation) does not exist (any more)."""


class ApiError(GenesysError):
    """Any other unexpected HTTP answer; carries the status and the platform's code."""

    def __init__(self, message: str, status: int, code: str | None = None) -> None:
        self.status = status
        self.code = code
        super().__init__(message)


class ProtocolError(GenesysError):
    """The platform answered with something that does not fit the documented shape."""
