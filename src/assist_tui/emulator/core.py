"""The emulator's state in one object: OAuth clients, channels, calls, and fault actions."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from assist_tui.config import EmulatorSettings
from assist_tui.emulator import faults, platform_wire, wire
from assist_tui.emulator.calls import CallDirector
from assist_tui.emulator.copilot import Copilot
from assist_tui.emulator.dialect_sockets import DialectHub
from assist_tui.emulator.hub import Connection, Hub
from assist_tui.emulator.timing import PlatformTiming
from assist_tui.emulator.tokens import TokenIssuer
from assist_tui.emulator.transcripts_api import RecordingDesk


class Emulator:
    """Everything the HTTP and WebSocket handlers act on, and the knobs tests turn."""

    def __init__(
        self, settings: EmulatorSettings, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self.rng = random.Random(settings.seed)
        self.tokens = TokenIssuer(settings.token_lifetime_s, clock)
        self.hub = Hub(replay_window_s=settings.replay_window_s, clock=clock)
        self.director = CallDirector(self.hub, rng=self.rng, speed=settings.speed)
        self.dialects = DialectHub(self.director)
        self.copilot = Copilot(self.hub)
        if settings.timing == "platform":
            self.director.timing = PlatformTiming(
                self.hub.publish,
                window_s=settings.group_window_s,
                status_interval_s=settings.status_interval_s,
            )
        self.director.listeners.append(self.copilot.on_event)
        # Participant attributes written through PATCH, by (conversation, participant).
        self.attributes: dict[tuple[str, str], dict[str, str]] = {}
        self.faults = faults.FaultSwitches()
        self.heartbeat_interval_s = settings.heartbeat_interval_s
        self.base_url = ""  # set by the server once bound
        self.requests: dict[str, int] = {}
        # What the Agent Assist endpoint received, and the stand-in knowledge engine.
        self.assist_received: list[dict[str, Any]] = []
        self.knowledge_down = False
        self.knowledge_received: dict[str, int] = {}  # idempotency key -> deliveries
        self.knowledge_payloads: list[dict[str, Any]] = []
        self.recordings = RecordingDesk()  # recorded transcripts after each call

    @property
    def ws_base_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1)

    def count(self, what: str) -> None:
        self.requests[what] = self.requests.get(what, 0) + 1

    # -- fault actions ------------------------------------------------------------------
    def connections(self) -> list[Connection]:
        """Every streaming socket: notification channels and seed-dialect sockets."""
        return self.hub.connections() + self.dialects.connections()

    def drop_sockets(self) -> int:
        """Close every streaming socket abruptly (code 1012, no warning)."""
        conns = self.connections()
        for conn in conns:
            conn.close(1012, "dropped by fault injection")
        return len(conns)

    def socket_closing(self) -> int:
        """Warn every socket of maintenance, then close it shortly after."""
        conns = 0
        for channel in self.hub.channels.values():
            if channel.connection is not None:
                channel.connection.send(wire.socket_closing(channel.id))
                # The platform warns about a minute ahead; live timing is quicker.
                channel.connection.close_later(self.socket_closing_lead_s, 1001, "maintenance")
                conns += 1
        return conns

    @property
    def socket_closing_lead_s(self) -> float:
        lead = self.settings.socket_closing_lead_s
        if lead is not None:
            return lead
        return 60.0 if self.settings.timing == "platform" else 0.5

    def expire_channels(self) -> int:
        return self.hub.expire()

    def stop_heartbeats(self, stopped: bool = True) -> None:
        self.faults.heartbeats_stopped = stopped

    def throttle_tokens(self, count: int = 2, retry_after_s: float = 1.0) -> None:
        self.faults.token_429_remaining = count
        self.faults.token_retry_after_s = retry_after_s

    def throttle_api(self, count: int = 2, retry_after_s: float = 1.0) -> None:
        self.faults.api_429_remaining = count
        self.faults.api_retry_after_s = retry_after_s

    def revoke_tokens(self) -> int:
        revoked = self.tokens.revoke_all()
        for channel in list(self.hub.channels.values()):
            self.hub.end_for_token(
                channel, "token_revoked", "The access token of this channel was revoked."
            )
        return revoked

    def check_channel_token(self, channel_id: str) -> None:
        """A channel whose token expired is no longer subscribed (checked every heartbeat)."""
        channel = self.hub.channels.get(channel_id)
        if channel is not None and channel.token and not self.tokens.valid(channel.token):
            self.hub.end_for_token(
                channel, "no_longer_subscribed", "The access token of this channel expired."
            )

    def _send_raw(self, text: str) -> int:
        """One frame to every socket, channel or seed dialect alike."""
        dialect_conns = self.dialects.connections()
        for conn in dialect_conns:
            conn.send(text)
        return self.hub.send_raw(text) + len(dialect_conns)

    def send_malformed(self, count: int = 3) -> int:
        frames = faults.malformed_frames()
        return sum(self._send_raw(frames[i % len(frames)]) for i in range(count))

    def send_oversized(self, count: int = 1, size: int = 200_000) -> int:
        return sum(self._send_raw(faults.oversized_frame(size)) for _ in range(count))

    def media_statistics(self, conversation_id: str) -> dict[str, Any] | None:
        """Telephony media statistics of a call: they move along its audio profile."""
        call = self.director.calls.get(conversation_id)
        if call is None:
            return None
        return platform_wire.media_statistics(call, self.rng, datetime.now(timezone.utc))

    def inject(self, name: str, value: str | None = None) -> str:
        """Apply a fault by its command-line name; return what was done, for a person."""

        def number(default: int) -> int:
            try:
                return int(value) if value else default
            except ValueError:
                raise faults.FaultError(f"fault {name}: {value!r} is not a whole number") from None

        if name == "drop-socket":
            return f"dropped {self.drop_sockets()} socket(s)"
        if name == "stop-heartbeats":
            stopped = (value or "on").lower() not in ("off", "false", "0", "no")
            self.stop_heartbeats(stopped)
            return "heartbeats stopped" if stopped else "heartbeats resumed"
        if name == "socket-closing":
            return f"sent socket_closing to {self.socket_closing()} socket(s)"
        if name == "expire-channel":
            return f"expired {self.expire_channels()} channel(s)"
        if name == "token-429":
            count = number(2)
            self.throttle_tokens(count)
            return f"the next {count} token request(s) get 429"
        if name == "api-429":
            count = number(2)
            self.throttle_api(count)
            return f"the next {count} API call(s) get 429"
        if name == "knowledge-down":
            self.knowledge_down = (value or "on").lower() not in ("off", "false", "0", "no")
            return "knowledge endpoint down" if self.knowledge_down else "knowledge endpoint up"
        if name == "revoke-token":
            return f"revoked {self.revoke_tokens()} token(s)"
        if name == "malformed":
            return f"sent {self.send_malformed(number(3))} malformed frame(s)"
        if name == "subscribe-silent":
            self.dialects.faults.silent = number(1)
            return f"the next {self.dialects.faults.silent} dialect subscribe(s) get no answer"
        if name == "subscribe-429":
            self.dialects.faults.throttled = number(1)
            return f"the next {self.dialects.faults.throttled} dialect subscribe(s) get 429"
        if name == "subscribe-error":
            self.dialects.faults.errors.append(value or "subscription refused by fault injection")
            return "the next dialect subscribe gets an error answer"
        if name == "policy-violation":
            self.dialects.faults.policy_violation = True
            return "the next insights subscription is closed with 1008"
        if name == "insights-saturated":
            on = (value or "on").lower() not in ("off", "false", "0", "no")
            self.dialects.faults.insights_busy = 10 if on else 0
            return "insight stream limits saturated" if on else "insight stream limits free"
        if name == "push-refuse":
            off = (value or "404").lower() in ("off", "false", "0", "no")
            status = 0 if off else number(404)
            if status not in (0, 403, 404):
                raise faults.FaultError("push-refuse takes 404, 403 or off")
            self.faults.attributes_status = status
            return f"pushes answered {status}" if status else "pushes accepted again"
        if name == "oversized":
            return f"sent {self.send_oversized(number(1))} oversized frame(s)"
        raise faults.FaultError(f"unknown fault {name!r}")
