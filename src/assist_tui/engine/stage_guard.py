"""The stage boundary: one event that makes a stage raise is counted, audited as
``stage_error`` and logged (stage and exception type only, never text) and the engine
goes on with the next event.
"""

from __future__ import annotations

import logging
import traceback
from collections import Counter
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

from assist_tui.audit.store import AuditStore

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Boundary:
    """``with guard.stage(name):`` swallows what the block raises, after reporting it."""

    __slots__ = ("_conversation", "_guard", "_name")

    def __init__(self, guard: StageGuard, name: str, conversation: str | None) -> None:
        self._guard = guard
        self._name = name
        self._conversation = conversation

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        # Only ordinary errors: cancellation and interrupts must still stop the engine.
        if exc is None or not isinstance(exc, Exception):
            return False
        self._guard.failed(self._name, exc, self._conversation)
        return True


class StageGuard:
    """Counts stage failures per stage (``errors``) and records each in the audit."""

    def __init__(self, audit: AuditStore, errors: Counter[str] | None = None) -> None:
        self.audit = audit
        self.errors: Counter[str] = errors if errors is not None else Counter()

    def stage(self, name: str, event: object = None) -> _Boundary:
        """A boundary for one stage's work on one event (its conversation is audited)."""
        conversation = getattr(event, "conversation_id", None)
        return _Boundary(self, name, conversation if isinstance(conversation, str) else None)

    def call(self, name: str, fn: Callable[..., T], *args: Any, default: T) -> T:
        """``fn(*args)``, or ``default`` when it raised (reported like a boundary)."""
        try:
            return fn(*args)
        except Exception as exc:
            self.failed(name, exc, None)
            return default

    def failed(self, stage: str, exc: Exception, conversation: str | None) -> None:
        self.errors[stage] += 1
        where = _where(exc)
        # The message is left out everywhere: it may quote a transcript.
        log.warning(
            "stage %s failed on one event (%s at %s); the engine goes on",
            stage,
            type(exc).__name__,
            where,
        )
        try:
            self.audit.append(
                "stage_error",
                {"stage": stage, "exception": type(exc).__name__},
                conversation=conversation[:200] if conversation else None,
                actor="engine",
            )
        except Exception as audit_exc:
            log.error("stage_error not audited: %s", type(audit_exc).__name__)


def _where(exc: BaseException) -> str:
    """``module.py:123`` of the innermost frame: where, without what."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"
