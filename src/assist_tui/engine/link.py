"""How the dashboard reaches an engine: one small async API (views and commands), served
by an engine in this process (``LocalLink``) or in the engine process (``EngineProcess``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from assist_tui.engine import parked
from assist_tui.engine.snapshot import ConversationRow, EngineView, take_view
from assist_tui.model import LiveConversation, SubscriptionRejected

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine


class EngineStopped(Exception):
    """The engine ended (or could not start); the message says why."""


class EngineCommandError(Exception):
    """The engine refused or failed a command; the message is its reason."""


def reason_of(exc: Exception) -> str:
    """A person's reason for ``exc`` (a KeyError's message without its quotes)."""
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc) or type(exc).__name__


@contextlib.asynccontextmanager
async def refused() -> AsyncIterator[None]:
    """Any failure of an engine command becomes an ``EngineCommandError``."""
    try:
        yield
    except Exception as exc:
        raise EngineCommandError(reason_of(exc)) from exc


class EngineLink(Protocol):
    """What the dashboard may ask of an engine (DESIGN.md: commands move up, data down)."""

    label: str  # DEMO and the emulator's URL, or the region
    audit_path: Path  # the audit store the engine writes; the dashboard only reads it

    async def view(
        self, selected: str | None, *, rows: bool = True, known_version: int | None = None
    ) -> EngineView: ...

    async def subscribe(self, conversation_ids: list[str]) -> list[SubscriptionRejected]: ...

    async def unsubscribe(self, conversation_ids: list[str]) -> None: ...

    async def live_conversations(self) -> list[LiveConversation]: ...

    async def pause(self, conversation_id: str | None = None) -> None: ...

    async def resume(self, conversation_id: str | None = None) -> None: ...

    async def reset_context(self, conversation_id: str) -> None: ...

    async def flush_audit(self) -> None:
        """Commit what the engine has audited, so that a reader of the store sees it."""

    async def acknowledge(self, alert_id: str, actor: str) -> None:
        """Acknowledge an open alert (audited ``alert_acknowledged`` with ``actor``)."""

    async def ended_conversations(self) -> list[ConversationRow]:
        """Calls that ended and left the board, newest first."""

    async def reopen(self, conversation_id: str) -> None:
        """Put an ended call back on the board until it lingers out again."""


class LocalLink:
    """An engine in this process (replays, snapshot tests): views are taken directly."""

    def __init__(self, engine: AssistEngine, label: str) -> None:
        self.engine = engine
        self.label = label
        self.audit_path = engine.audit.path

    async def view(
        self, selected: str | None, *, rows: bool = True, known_version: int | None = None
    ) -> EngineView:
        return take_view(self.engine, selected, rows=rows, known_version=known_version)

    async def subscribe(self, conversation_ids: list[str]) -> list[SubscriptionRejected]:
        async with refused():
            return await parked.subscribe(self.engine, conversation_ids)

    async def unsubscribe(self, conversation_ids: list[str]) -> None:
        async with refused():
            await parked.unsubscribe(self.engine, conversation_ids)

    async def live_conversations(self) -> list[LiveConversation]:
        async with refused():
            return await self.engine.live_conversations()

    async def pause(self, conversation_id: str | None = None) -> None:
        async with refused():
            self.engine.pause(conversation_id)

    async def resume(self, conversation_id: str | None = None) -> None:
        async with refused():
            self.engine.resume(conversation_id)

    async def reset_context(self, conversation_id: str) -> None:
        async with refused():
            self.engine.reset_context(conversation_id)

    async def flush_audit(self) -> None:
        async with refused():
            self.engine.audit.flush()

    async def acknowledge(self, alert_id: str, actor: str) -> None:
        async with refused():
            self.engine.acknowledge(alert_id, actor)

    async def ended_conversations(self) -> list[ConversationRow]:
        async with refused():
            return self.engine.ended_conversations()

    async def reopen(self, conversation_id: str) -> None:
        async with refused():
            self.engine.reopen(conversation_id)
