"""An attached dashboard's commands: NATS requests to the serving engine, each with the
supervisor's name in the ``Assist-Supervisor`` header; a refusal comes back as the
engine's reason. A command about one call goes to its queue's subject."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from assist_tui.bus import codec
from assist_tui.bus.commands import SUPERVISOR_HEADER
from assist_tui.bus.subjects import NO_QUEUE, Subjects
from assist_tui.engine.board_types import AlertView
from assist_tui.engine.link import EngineCommandError, EngineStopped
from assist_tui.engine.snapshot import ConversationRow
from assist_tui.model import LiveConversation, SubscriptionRejected

if TYPE_CHECKING:
    from nats.aio.client import Client

COMMAND_TIMEOUT_S = 15.0  # a subscribe asks the platform; a live list pages through it


class AttachCommands:
    """The ``EngineLink`` commands of ``NatsLink`` (which keeps what these read)."""

    names: Subjects
    supervisor: str
    alerts: dict[str, AlertView]
    _client: Client | None
    _queues: dict[str, str | None]  # conversation → its queue (ended calls too)

    async def start(self) -> None:
        raise NotImplementedError

    async def _request(self, verb: str, body: dict[str, Any], queue: str | None = None) -> Any:
        """Send a command (to the call's queue subject when ``queue`` is given, the org's
        otherwise) and return its result; a refusal raises with the engine's reason."""
        if self._client is None:
            await self.start()
        client = self._client
        assert client is not None
        # Sent as this supervisor: a scoped server lets each publish only as themselves.
        subject = self.names.supervisor_command(verb, self.supervisor, queue)
        try:
            msg = await client.request(
                subject,
                json.dumps(body).encode(),
                timeout=COMMAND_TIMEOUT_S,
                headers={SUPERVISOR_HEADER: self.supervisor},
            )
        except Exception as exc:
            name = type(exc).__name__
            if "NoResponders" in name:
                raise EngineCommandError(f"no engine is serving org {self.names.org}") from exc
            if "Timeout" in name:
                raise EngineCommandError(
                    f"the engine did not answer within {COMMAND_TIMEOUT_S:.0f} s"
                ) from exc
            raise EngineStopped(f"NATS: {exc or name}") from exc
        try:
            answer = json.loads(msg.data)
        except ValueError:
            raise EngineCommandError("the engine's answer is not JSON") from None
        if not answer.get("ok"):
            raise EngineCommandError(str(answer.get("error") or "refused"))
        return answer.get("result")

    def _queue(self, conversation_id: str) -> str:
        """The queue a call's commands go to (``_none`` while its queue is not known)."""
        return self._queues.get(conversation_id) or NO_QUEUE

    async def subscribe(self, conversation_ids: list[str]) -> list[SubscriptionRejected]:
        result = await self._request("subscribe", {"conversation_ids": list(conversation_ids)})
        return list(codec.from_python(list[SubscriptionRejected], result or []))

    async def unsubscribe(self, conversation_ids: list[str]) -> None:
        by_queue: dict[str, list[str]] = {}
        for cid in conversation_ids:
            by_queue.setdefault(self._queue(cid), []).append(cid)
        for queue, ids in by_queue.items():
            await self._request("unsubscribe", {"conversation_ids": ids}, queue)

    async def live_conversations(self) -> list[LiveConversation]:
        result = await self._request("live_conversations", {})
        return list(codec.from_python(list[LiveConversation], result or []))

    async def pause(self, conversation_id: str | None = None) -> None:
        await self._one_or_all("pause", conversation_id)

    async def resume(self, conversation_id: str | None = None) -> None:
        await self._one_or_all("resume", conversation_id)

    async def _one_or_all(self, verb: str, conversation_id: str | None) -> None:
        if conversation_id is None:
            await self._request(verb, {"conversation_id": None})
        else:
            body = {"conversation_id": conversation_id}
            await self._request(verb, body, self._queue(conversation_id))

    async def reset_context(self, conversation_id: str) -> None:
        body = {"conversation_id": conversation_id}
        await self._request("reset_context", body, self._queue(conversation_id))

    async def flush_audit(self) -> None:
        await self._request("flush_audit", {})

    async def acknowledge(self, alert_id: str, actor: str) -> None:
        """Acknowledged as this dashboard's supervisor (the header carries the name; the
        CLI made ``actor`` the same name)."""
        alert = next((a for a in self.alerts.values() if a.alert_id == alert_id), None)
        queue = self._queue(alert.conversation_id) if alert is not None else NO_QUEUE
        await self._request("acknowledge", {"alert_id": alert_id}, queue)

    async def ended_conversations(self) -> list[ConversationRow]:
        result = await self._request("ended_conversations", {})
        ended: list[ConversationRow] = list(codec.from_python(list[ConversationRow], result or []))
        for row in ended:  # reopen goes to the ended call's queue
            self._queues[row.conversation_id] = row.queue_id
        return ended

    async def reopen(self, conversation_id: str) -> None:
        body = {"conversation_id": conversation_id}
        await self._request("reopen", body, self._queue(conversation_id))
