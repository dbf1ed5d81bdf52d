"""OAuth clients and access tokens of the emulator (client-credentials grant only)."""

from __future__ import annotations

import base64
import binascii
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

ALL_PERMISSIONS = frozenset(
    {
        "analytics:conversationDetail:view",
        "speechAndTextAnalytics:data:view",
        "conversation:transcription:view",
        "routing:queue:view",
        "assistants:assistant:view",
        "conversation:communication:view",
    }
)

DEMO_CLIENT_ID = "assist-tui-demo"
DEMO_CLIENT_SECRET = "demo-secret-not-for-production"  # noqa: S105 - a public demo value
LIMITED_CLIENT_ID = "assist-tui-limited"


@dataclass(frozen=True)
class OAuthClient:
    client_id: str
    secret: str
    permissions: frozenset[str]


@dataclass
class IssuedToken:
    client: OAuthClient
    expires_at: float
    revoked: bool = False


class TokenIssuer:
    """Knows the clients, issues tokens, checks bearer headers."""

    def __init__(self, lifetime_s: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.lifetime_s = lifetime_s
        self._clock = clock
        self.clients: dict[str, OAuthClient] = {
            DEMO_CLIENT_ID: OAuthClient(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, ALL_PERMISSIONS),
            # Lacks analytics and transcription: shows 403 and rejected topics.
            LIMITED_CLIENT_ID: OAuthClient(
                LIMITED_CLIENT_ID, DEMO_CLIENT_SECRET, frozenset({"routing:queue:view"})
            ),
        }
        self.tokens: dict[str, IssuedToken] = {}
        self.issued = 0

    @staticmethod
    def credentials_from(authorization: str | None, form: dict[str, str]) -> tuple[str, str] | None:
        """Client id and secret from a Basic header or from form fields (as some seeds send)."""
        if authorization and authorization.lower().startswith("basic "):
            try:
                raw = base64.b64decode(authorization[6:].strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
            client_id, sep, secret = raw.partition(":")
            return (client_id, secret) if sep else None
        if form.get("client_id") and form.get("client_secret"):
            return form["client_id"], form["client_secret"]
        return None

    def authenticate(self, client_id: str, secret: str) -> OAuthClient | None:
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.secret, secret):
            return None
        return client

    def issue(self, client: OAuthClient) -> tuple[str, int]:
        token = secrets.token_urlsafe(32)
        self.tokens[token] = IssuedToken(client, self._clock() + self.lifetime_s)
        self.issued += 1
        self._prune()
        return token, self.lifetime_s

    def check(self, authorization: str | None) -> OAuthClient | None:
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        issued = self.tokens.get(authorization[7:].strip())
        if issued is None or issued.revoked or issued.expires_at <= self._clock():
            return None
        return issued.client

    def valid(self, token: str) -> bool:
        issued = self.tokens.get(token)
        return issued is not None and not issued.revoked and issued.expires_at > self._clock()

    def revoke_all(self) -> int:
        for issued in self.tokens.values():
            issued.revoked = True
        return len(self.tokens)

    def _prune(self) -> None:
        now = self._clock()
        for token in [t for t, i in self.tokens.items() if i.expires_at <= now or i.revoked]:
            del self.tokens[token]
