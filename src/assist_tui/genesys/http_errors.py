"""Translate HTTP answers from Genesys Cloud into the typed errors of ``errors.py``."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from assist_tui.genesys.errors import (
    ApiError,
    GenesysNetworkError,
    NotFoundError,
    PermissionDeniedError,
)

_PERMISSION_LIST = re.compile(r"\[([^\]]+)\]")
MAX_RETRY_AFTER_S = 120.0


def error_body(response: httpx.Response) -> dict[str, Any]:
    """The platform's JSON error body, or an empty dict when there is none."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def retry_after_seconds(response: httpx.Response, default: float = 1.0) -> float:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date), bounded and non-negative."""
    value = response.headers.get("Retry-After")
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def missing_permissions(body: dict[str, Any]) -> tuple[str, ...]:
    """Permissions a 403 body says are missing (from its params or its message)."""
    params = body.get("messageParams") or {}
    found: list[str] = []
    if isinstance(params, dict):
        for value in params.values():
            if isinstance(value, str):
                found.extend(p.strip() for p in value.split(",") if p.strip())
    if not found:
        match = _PERMISSION_LIST.search(str(body.get("message", "")))
        if match:
            found = [p.strip() for p in match.group(1).split(",") if p.strip()]
    return tuple(dict.fromkeys(found))


def raise_for_answer(response: httpx.Response, what: str) -> None:
    """Raise the typed error that fits a non-success answer to ``what``."""
    if response.is_success:
        return
    body = error_body(response)
    code = body.get("code")
    platform_message = str(body.get("message") or response.reason_phrase or "").strip()
    status = response.status_code
    if status == 403:
        missing = missing_permissions(body)
        needed = ", ".join(missing) if missing else "a permission the platform did not name"
        raise PermissionDeniedError(
            f"{what} was refused (403): the OAuth client lacks {needed}. "
            "fix: add it to the client's role in Genesys Cloud Admin > OAuth, then retry.",
            missing,
        )
    if status == 404:
        raise NotFoundError(f"{what}: not found (404). {platform_message}".strip())
    if status >= 500:
        raise ApiError(
            f"{what} failed on the platform's side ({status} {platform_message}); "
            "it is usually temporary: retry later",
            status,
            code,
        )
    raise ApiError(
        f"{what} was refused ({status}, {code or 'no code'}): {platform_message}", status, code
    )


def network_error(exc: httpx.TransportError, host: str) -> GenesysNetworkError:
    """A network failure, naming the host but never the request (which may hold secrets)."""
    kind = type(exc).__name__
    return GenesysNetworkError(
        f"cannot reach {host} ({kind}); fix: check the network, the region and any proxy"
    )
