"""URL rules: transport security (TLS except on loopback) and redaction of secrets in URLs."""

from __future__ import annotations

import ipaddress
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_QUERY_KEYS = frozenset({"access_token", "token", "client_secret", "api_key", "apikey"})
_PLAIN_SCHEMES = {"http": "https", "ws": "wss"}


class InsecureURLError(ValueError):
    """A plain-text URL pointed at a host that is not loopback."""


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and any loopback IPv4/IPv6 address."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(url: str) -> str:
    """Return ``url`` if it is TLS, or plain text to a loopback host; raise otherwise."""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - parsing the port is the check ("host:abc" raises)
    except ValueError:
        raise InsecureURLError(
            f"{redact_url(url)!r}: the port is not a number from 0 to 65535"
        ) from None
    scheme = parts.scheme.lower()
    if scheme in ("https", "wss"):
        if not parts.hostname:
            raise InsecureURLError(f"{redact_url(url)!r} has no host")
        return url
    if scheme in _PLAIN_SCHEMES:
        if parts.hostname and is_loopback_host(parts.hostname):
            return url
        raise InsecureURLError(
            f"{redact_url(url)!r} is plain {scheme}:// to a non-loopback host; "
            f"use {_PLAIN_SCHEMES[scheme]}:// (plain text is only allowed to 127.0.0.1/localhost)"
        )
    raise InsecureURLError(
        f"{redact_url(url)!r}: scheme must be https, wss, or http/ws to loopback"
    )


def redact_url(url: str) -> str:
    """Replace the values of secret query parameters (``access_token=...``) with ``***``."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [
        (key, "***" if key.lower() in SECRET_QUERY_KEYS else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*,:")))
