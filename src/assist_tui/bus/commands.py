"""A serving engine answers the dashboards' commands by request-reply: JSON in, JSON out
(``{"ok": true, "result": …}`` or ``{"ok": false, "error": "<reason for a person>"}``),
the supervisor named by the ``Assist-Supervisor`` header audited as the actor.

A command about one call comes on its queue's subject (``assist.<org>.q.<queue>.cmd.<verb>``)
and is refused if the call is not in that queue: a NATS server that lets a supervisor
publish only to their queues' subjects then scopes what they may do, not only what they see.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from assist_tui.bus import codec
from assist_tui.bus.scope import TeamScopes
from assist_tui.bus.subjects import Subjects, queue_token
from assist_tui.bus.team_guard import TeamGuard
from assist_tui.engine import parked
from assist_tui.engine.link import reason_of

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.aio.subscription import Subscription

    from assist_tui.engine.engine import AssistEngine

log = logging.getLogger(__name__)

SUPERVISOR_HEADER = "Assist-Supervisor"
DEFAULT_ACTOR = "supervisor"  # a request that names nobody (the engine's own default)
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")
MAX_ACTOR = 64

# verb → whether it is about one call (then it must come on that call's queue subject)
VERBS: dict[str, bool] = {
    "subscribe": False,
    "unsubscribe": True,
    "live_conversations": False,
    "pause": True,  # or org-wide: pause every call
    "resume": True,
    "reset_context": True,
    "flush_audit": False,
    "acknowledge": True,
    "ended_conversations": False,
    "reopen": True,
    "scope": False,  # the queues the actor may see (team scoping, bus/team_guard.py)
}


class Refused(Exception):
    """A command that cannot be done; the message is the reason for a person."""


def actor_of(headers: dict[str, str] | None) -> str:
    """The supervisor a request names, cleaned for the audit (no control characters)."""
    raw = (headers or {}).get(SUPERVISOR_HEADER, "")
    name = _UNPRINTABLE.sub("", raw).strip()[:MAX_ACTOR]
    return name or DEFAULT_ACTOR


def reply(ok: bool, result: bytes = b"null", error: str = "") -> bytes:
    if ok:
        return b'{"ok":true,"result":' + result + b"}"
    return json.dumps({"ok": False, "error": error}).encode()


class CommandResponder:
    """Subscribes to the org's command subjects; ``await stop()`` unsubscribes."""

    def __init__(
        self,
        engine: AssistEngine,
        client: Client,
        names: Subjects,
        guard: TeamGuard | None = None,
    ) -> None:
        self.engine = engine
        self.client = client
        self.names = names
        # Team scoping: who may act on which call (all, when no [teams] is configured).
        self.guard = guard or TeamGuard(engine, TeamScopes({}))
        self._subs: list[Subscription] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.answered = 0
        # Several engines (bus/shard_commands.py): the request this one handles, or None.
        self.share: Callable[[bytes], bytes | None] | None = None

    async def start(self) -> None:
        for subject in (
            *self.names.command_listeners(),
            *self.names.supervisor_command_listeners(),
        ):
            self._subs.append(await self.client.subscribe(subject, cb=self._on_message))

    async def stop(self) -> None:
        for sub in self._subs:
            await sub.unsubscribe()
        self._subs.clear()
        for task in list(self._tasks):
            task.cancel()

    async def _on_message(self, msg: Msg) -> None:
        # Each request in a task of its own: a slow subscribe never holds up a pause.
        task = asyncio.create_task(self._answer(msg))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, msg: Msg) -> None:
        data = msg.data
        if self.share is not None:  # several engines: the call's owner answers (shard)
            mine = self.share(msg.data)
            if mine is None:
                return
            data = mine
        try:
            result = await self.handle(msg.subject, data, msg.headers)
            body = reply(True, result)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # every failure goes back to the dashboard, named
            body = reply(False, error=reason_of(exc))
        self.answered += 1
        if msg.reply:
            await msg.respond(body)

    async def handle(self, subject: str, data: bytes, headers: dict[str, str] | None) -> bytes:
        """The JSON result of the command on ``subject``; raises with a reason otherwise."""
        sender, subject = self.guard.sender(subject, self.names)  # …u.<name>.cmd.<verb>
        verb, queue = self._parse(subject)
        try:
            args: dict[str, Any] = json.loads(data) if data.strip() else {}
        except ValueError:
            raise Refused("the request is not JSON") from None
        if not isinstance(args, dict):
            raise Refused("the request is not a JSON object")
        actor = sender or actor_of(headers)
        handler = self._handlers().get(verb)
        if handler is None:
            raise Refused(f"unknown command {verb!r}")
        self.guard.check(verb, args, actor)  # outside the actor's teams: refused, audited
        if queue is not None:
            self._check_queue(verb, queue, args)
        elif VERBS[verb] and not (
            verb in ("pause", "resume") and args.get("conversation_id") is None
        ):
            raise Refused(f"{verb} of one call goes on its queue's subject")
        log.info("command %s from %s", verb, actor)
        return await handler(args, actor)

    def _parse(self, subject: str) -> tuple[str, str | None]:
        parts = subject.split(".")
        # assist.<org>.cmd.<verb> | assist.<org>.q.<queue>.cmd.<verb>
        if len(parts) == 4 and parts[2] == "cmd":
            return parts[3], None
        if len(parts) == 6 and parts[2] == "q" and parts[4] == "cmd":
            return parts[5], parts[3]
        raise Refused(f"not a command subject: {subject}")

    def _check_queue(self, verb: str, queue: str, args: dict[str, Any]) -> None:
        """A per-queue command may only touch calls (or alerts) in that queue."""
        if verb == "acknowledge":
            alert = self.engine.board.alerts.alerts.get(str(args.get("alert_id")))
            cids = [alert.conversation_id] if alert is not None else []
        elif verb == "unsubscribe":
            cids = [str(c) for c in args.get("conversation_ids") or []]
        else:
            cid = args.get("conversation_id")
            if cid is None:
                raise Refused(f"{verb} of every call is an org-wide command")
            cids = [str(cid)]
        for cid in cids:
            if queue_token(self._queue_of(cid)) != queue:
                raise Refused(f"conversation {cid} is not in queue {queue}")

    def _queue_of(self, conversation_id: str) -> str | None:
        state = self.engine.conversations.get(conversation_id)
        if state is not None:
            return state.queue_id
        ended = self.engine.board.ended.get(conversation_id)
        return ended.queue_id if ended is not None else None

    # -- the verbs ------------------------------------------------------------------------
    def _handlers(self) -> dict[str, Callable[[dict[str, Any], str], Awaitable[bytes]]]:
        return {
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "live_conversations": self._live,
            "pause": self._pause,
            "resume": self._resume,
            "reset_context": self._reset,
            "flush_audit": self._flush,
            "acknowledge": self._acknowledge,
            "ended_conversations": self._ended,
            "reopen": self._reopen,
            "scope": self._scope,
        }

    @staticmethod
    def _ids(args: dict[str, Any]) -> list[str]:
        ids = args.get("conversation_ids")
        if not isinstance(ids, list) or not all(isinstance(c, str) for c in ids):
            raise Refused("conversation_ids must be a list of ids")
        return ids

    @staticmethod
    def _id(args: dict[str, Any], name: str = "conversation_id") -> str:
        value = args.get(name)
        if not isinstance(value, str) or not value:
            raise Refused(f"{name} is missing")
        return value

    async def _subscribe(self, args: dict[str, Any], actor: str) -> bytes:
        rejected = await parked.subscribe(self.engine, self._ids(args), actor=actor)
        return codec.encode(codec.REPLY_TYPES["subscribe"], rejected)

    async def _unsubscribe(self, args: dict[str, Any], actor: str) -> bytes:
        await parked.unsubscribe(self.engine, self._ids(args), actor=actor)
        return b"null"

    async def _live(self, args: dict[str, Any], actor: str) -> bytes:
        live = self.guard.live_for(actor, await self.engine.live_conversations())
        return codec.encode(codec.REPLY_TYPES["live_conversations"], live)

    async def _pause(self, args: dict[str, Any], actor: str) -> bytes:
        for cid in self.guard.targets(args.get("conversation_id"), actor):
            self.engine.pause(cid, actor=actor)
        return b"null"

    async def _resume(self, args: dict[str, Any], actor: str) -> bytes:
        for cid in self.guard.targets(args.get("conversation_id"), actor):
            self.engine.resume(cid, actor=actor)
        return b"null"

    async def _reset(self, args: dict[str, Any], actor: str) -> bytes:
        self.engine.reset_context(self._id(args), actor=actor)
        return b"null"

    async def _flush(self, args: dict[str, Any], actor: str) -> bytes:
        self.engine.audit.flush()
        return b"null"

    async def _acknowledge(self, args: dict[str, Any], actor: str) -> bytes:
        self.engine.acknowledge(self._id(args, "alert_id"), actor)
        return b"null"

    async def _ended(self, args: dict[str, Any], actor: str) -> bytes:
        ended = self.guard.rows_for(actor, self.engine.ended_conversations())
        return codec.encode(codec.REPLY_TYPES["ended_conversations"], ended)

    async def _reopen(self, args: dict[str, Any], actor: str) -> bytes:
        self.engine.reopen(self._id(args), actor=actor)
        return b"null"

    async def _scope(self, args: dict[str, Any], actor: str) -> bytes:
        return json.dumps(self.guard.scope(actor).as_json()).encode()
