"""Every NATS subject, KV bucket and stream name the bus uses, in one place.

Keys and subjects carry the call's queue first, so that a NATS server can scope a
supervisor to their team's queues with subject permissions (``$KV.<bucket>.<queue>.>``).
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"[^A-Za-z0-9_-]")
NO_QUEUE = "_none"  # the queue token of a call whose queue is not known (yet)


def token(value: str) -> str:
    """``value`` as one subject token: anything but letters, digits, ``_`` and ``-`` is
    replaced, so ids with dots or spaces can never split a subject or a key."""
    cleaned = _TOKEN.sub("_", value)
    return cleaned or "_"


def queue_token(queue_id: str | None) -> str:
    return token(queue_id) if queue_id else NO_QUEUE


class Subjects:
    """The names for one org. ``org`` is a slug (the org id, or ``demo``)."""

    def __init__(self, org: str) -> None:
        self.org = token(org)

    # -- request-reply commands (subscribe, unsubscribe, pause, reset, acknowledge, …) --
    def command(self, verb: str, queue_id: str | None = None) -> str:
        """A command about one call goes to its queue's subject; org-wide ones (pause
        all, live conversations) to the org's."""
        if queue_id is None:
            return f"assist.{self.org}.cmd.{token(verb)}"
        return f"assist.{self.org}.q.{queue_token(queue_id)}.cmd.{token(verb)}"

    def all_commands(self) -> str:
        """What an engine listens on: every command, org-wide or per queue."""
        return f"assist.{self.org}.>"

    # -- live data, per queue --
    def conversation(self, queue_id: str | None, conversation_id: str, kind: str) -> str:
        return f"assist.{self.org}.q.{queue_token(queue_id)}.conv.{token(conversation_id)}.{kind}"

    def alerts(self, queue_id: str | None) -> str:
        return f"assist.{self.org}.q.{queue_token(queue_id)}.alerts"

    def frames(self, queue_id: str | None, conversation_id: str) -> str:
        """The normalized stream (record and replay): one subject per call."""
        return f"assist.{self.org}.frames.{queue_token(queue_id)}.{token(conversation_id)}"

    def all_frames(self) -> str:
        return f"assist.{self.org}.frames.>"

    # -- JetStream names (buckets and streams allow letters, digits, ``_`` and ``-``) --
    @property
    def views_bucket(self) -> str:
        """KV: ``<queue>.<conversation>`` → the call's current view (late joiners)."""
        return f"assist_{self.org}_views"

    @property
    def alerts_bucket(self) -> str:
        """KV: ``<queue>.<alert id>`` → the alert as it stands (who acknowledged it)."""
        return f"assist_{self.org}_alerts"

    @property
    def presence_bucket(self) -> str:
        """KV with a TTL: ``<queue>.<conversation>.<dashboard>`` → who is watching."""
        return f"assist_{self.org}_presence"

    @property
    def leases_bucket(self) -> str:
        """KV with a TTL: which engine owns which partition of the org's calls."""
        return f"assist_{self.org}_leases"

    @property
    def done_bucket(self) -> str:
        """KV, create-only keys: each action done exactly once across engines."""
        return f"assist_{self.org}_done"

    @property
    def frames_stream(self) -> str:
        return f"ASSIST_{self.org.upper()}_FRAMES"

    @staticmethod
    def key(queue_id: str | None, *parts: str) -> str:
        return ".".join([queue_token(queue_id), *(token(p) for p in parts)])

    # -- serve and attach (added by the serve engineer) --
    @property
    def engines_bucket(self) -> str:
        """KV with a TTL: ``<engine id>`` → the engine's status (health, rates), put
        every second; a dashboard that stops seeing it says the engine has gone quiet."""
        return f"assist_{self.org}_engines"

    def command_listeners(self) -> tuple[str, str]:
        """What a serving engine subscribes to: org-wide and per-queue commands only (not
        ``all_commands``, which would also match the frames)."""
        return (f"assist.{self.org}.cmd.*", f"assist.{self.org}.q.*.cmd.*")

    def notices(self) -> str:
        """Core pub/sub: the engine's notices for people (a push target turned off, …)."""
        return f"assist.{self.org}.notices"

    # -- team scoping (added by the team-scoping engineer) --
    def supervisor_command(self, verb: str, supervisor: str, queue_id: str | None = None) -> str:
        """A command sent as ``supervisor``: the name is in the subject, where a scoped
        NATS server lets each user publish only under their own (``nats-config``), so the
        engine knows who sent it instead of taking a header's word for it."""
        who = f"assist.{self.org}.u.{token(supervisor)}"
        if queue_id is None:
            return f"{who}.cmd.{token(verb)}"
        return f"{who}.q.{queue_token(queue_id)}.cmd.{token(verb)}"

    def supervisor_command_listeners(self) -> tuple[str, str]:
        """What a serving engine also subscribes to: the commands sent as a supervisor."""
        return (f"assist.{self.org}.u.*.cmd.*", f"assist.{self.org}.u.*.q.*.cmd.*")
