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
    """``url`` fit to show: the values of secret query parameters (``access_token=...``)
    and a password in it (``nats://user:PASSWORD@host``) become ``***``; a lone name
    before the host (``nats://TOKEN@host``, NATS's token login) does too."""
    if url.count("://") > 1 and "," in url:  # a list of servers
        return ",".join(redact_url(one) for one in url.split(","))
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL at all: show nothing of what might be a secret in it
        return "***" if "@" in url else url
    if "@" in parts.netloc:
        login, _, host = parts.netloc.rpartition("@")
        user, colon, _password = login.partition(":")
        shown = f"{user}:***" if colon else "***"
        parts = parts._replace(netloc=f"{shown}@{host}")
    if not parts.query:
        return urlunsplit(parts)
    query = [
        (key, "***" if key.lower() in SECRET_QUERY_KEYS else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*,:")))


def without_login(url: str) -> str:
    """``url`` without the login before its host (``nats://user:pw@host`` -> ``nats://host``)."""
    if url.count("://") > 1 and "," in url:  # a list of servers
        return ",".join(without_login(one) for one in url.split(","))
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
