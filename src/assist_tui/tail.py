"""``assist-tui tail``: print utterances (and insights) as they arrive, as text or JSON lines.

Utterances go to stdout; connection news goes to stderr, so pipes carry data only.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from assist_tui.cli_checks import require_known
from assist_tui.config import Settings
from assist_tui.engine.pii.hold import FinalHold
from assist_tui.engine.redaction import Redactor
from assist_tui.genesys.follow import ConversationFollower
from assist_tui.model import (
    ConversationEnded,
    ConversationStarted,
    Insight,
    RejectedFrame,
    StreamEvent,
    StreamGap,
    StreamHealth,
    StreamState,
    SubscriptionRejected,
    UtteranceUpdate,
)
from assist_tui.platform import open_platform
from assist_tui.stop_signals import forget_signals, stop_on_signals
from assist_tui.tail_board import (
    LiveBoard,
    _is_final,
    board_for,
    board_line,
    emit_alerts,
    follow_board,
)

HOLD_TICK_S = 0.25  # how often finals held past [redaction] hold_s are printed


@dataclass
class TailOptions:
    conversations: list[str]
    as_json: bool = False
    finals_only: bool = False
    duration_s: float | None = None
    count: int | None = None
    alerts_only: bool = False  # `assist-tui alerts`: print the alerts rules raise, only


def format_utterance(update: UtteranceUpdate) -> str:
    stamp = update.received_at.astimezone().strftime("%H:%M:%S")
    flag = "final  " if update.is_final else "partial"
    return f"{stamp} {update.conversation_id[:8]} {update.speaker.value:<8} {flag} {update.text}"


def format_insight(insight: Insight) -> str:
    stamp = insight.received_at.astimezone().strftime("%H:%M:%S")
    return (
        f"{stamp} {insight.conversation_id[:8]} insight  {insight.insight_type} "
        f"conf {insight.confidence:.2f} rel {insight.relevance:.2f}: {insight.snippet}"
    )


def describe(event: StreamEvent) -> str | None:
    """A line for stderr about anything that is not an utterance (None: say nothing)."""
    if isinstance(event, StreamHealth):
        if event.state is StreamState.RECONNECTING:
            when = (
                f", retry in {event.next_delay_s:.1f} s" if event.next_delay_s is not None else ""
            )
            attempt = f" (attempt {event.attempt}{when})" if event.attempt else ""
            return f"reconnecting{attempt}: {event.detail}"
        if event.state is StreamState.CONNECTED:
            return f"connected ({event.channel_id}, reconnects {event.reconnects})"
        if event.state is StreamState.CLOSED:
            return f"stream stopped: {event.detail}"
        return None
    if isinstance(event, SubscriptionRejected):
        missing = (
            f"; missing {', '.join(event.missing_permissions)}" if event.missing_permissions else ""
        )
        return f"subscription rejected: {event.topic}: {event.reason}{missing}"
    if isinstance(event, RejectedFrame):
        return f"rejected frame ({event.size} bytes): {event.reason}"
    if isinstance(event, StreamGap):
        calls = (
            f" on {len(event.conversation_ids)} conversation(s)" if event.conversation_ids else ""
        )
        return f"stream gap of {event.seconds:.1f} s{calls}: events in it may be missing"
    if isinstance(event, ConversationStarted):
        return f"conversation started: {event.conversation_id}"
    if isinstance(event, ConversationEnded):
        return f"conversation ended: {event.conversation_id} ({event.reason})"
    return None


async def run_tail(
    settings: Settings,
    options: TailOptions,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Follow and print until interrupted, ``duration_s`` passes or ``count`` is reached."""
    stop = stop_on_signals()
    try:
        async with open_platform(settings) as platform:
            await require_known(platform.session.api, options.conversations)
            print(f"assist-tui tail: {platform.label} ({platform.source})", file=err, flush=True)
            stream = platform.open_stream()
            async with stream:
                follower = ConversationFollower(
                    stream, settings.discovery, conversation_ids=options.conversations
                )
                await follower.start()
                what = (
                    f"{len(options.conversations)} conversation(s)"
                    if options.conversations
                    else f"every live conversation ({len(follower.following)} now)"
                )
                print(f"following {what}; Ctrl-C to stop", file=err, flush=True)
                r = settings.redaction
                mode, cats, off, hold = r.mode, r.categories, r.disabled, r.hold_s
                printer = asyncio.create_task(
                    _print_events(
                        settings,
                        follower,
                        FinalHold(Redactor(mode == "pii", categories=cats, disabled=off), hold),
                        options,
                        out,
                        err,
                        stop,
                    )
                )
                waiter = asyncio.create_task(stop.wait())
                try:
                    await asyncio.wait(
                        [printer, waiter],
                        timeout=options.duration_s,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    for task in (printer, waiter):
                        task.cancel()
                    await follower.stop()
                # A printer that failed re-raises here; a cancelled one is simply done.
                for task in (printer, waiter):
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
    finally:
        forget_signals()
    return 0


async def _print_events(
    settings: Settings,
    follower: ConversationFollower,
    hold: FinalHold,
    options: TailOptions,
    out: TextIO,
    err: TextIO,
    stop: asyncio.Event,
) -> None:
    printed = 0
    redactor = hold.redactor
    board = board_for(options, settings)

    def write(line: str) -> bool:
        nonlocal printed
        out.write(line + "\n")
        out.flush()
        printed += 1
        if options.count is not None and printed >= options.count:
            stop.set()
            return True
        return False

    def emit(items: list[UtteranceUpdate | Insight]) -> bool:
        """Print; True once ``count`` lines are out."""
        for item in items:
            line = board_line(board, item, options) if board is not None else None
            if options.alerts_only or (options.finals_only and not _is_final(item)):
                line = None
            elif line is None:
                if isinstance(item, UtteranceUpdate):
                    text = format_utterance(item)
                else:
                    text = format_insight(item)
                line = item.model_dump_json() if options.as_json else text
            if line is not None and write(line):
                return True
            if options.alerts_only and board is not None and emit_alerts(board, options, write):
                return True
        return False

    async def release_expired() -> None:
        while True:
            await asyncio.sleep(HOLD_TICK_S)
            if emit([u for u, _ in hold.expired()]):
                return
            if board is not None:
                board.tick()  # not-said windows close, silences grow
                if emit_alerts(board, options, write):  # alerts, or tail --json's own lines
                    return

    # Nothing is shown unredacted: a final ending inside a digit run is held (shown as a
    # masked partial) until it can be redacted whole, or its hold time is up.
    ticker = asyncio.create_task(release_expired())
    try:
        await _follow(follower, hold, redactor, emit, err, board)
    finally:
        ticker.cancel()


async def _follow(
    follower: ConversationFollower,
    hold: FinalHold,
    redactor: Redactor,
    emit: Callable[[list[UtteranceUpdate | Insight]], bool],
    err: TextIO,
    board: LiveBoard | None = None,
) -> None:
    lifecycle = LifecycleOnce()
    async for event in follower.stream:
        await follower.observe(event)
        if isinstance(event, UtteranceUpdate):
            if emit([u for u, _ in hold.offer(event)]):
                return
        elif isinstance(event, Insight):
            snippet = redactor.redact(event.snippet).text
            if emit([event.model_copy(update={"snippet": snippet})]):
                return
        else:
            if board is not None:
                follow_board(board, event)
            message = describe(event) if lifecycle.new(event) else None
            if message:
                print(message, file=err, flush=True)


class LifecycleOnce:
    """A conversation's start and end are said once each: the platform tells them several
    times (discovery, each queue event, the transcription session and the participants)."""

    KEPT = 10_000  # conversations remembered

    def __init__(self) -> None:
        self._said: OrderedDict[str, str] = OrderedDict()  # conversation -> started | ended

    def new(self, event: StreamEvent) -> bool:
        if isinstance(event, ConversationStarted):
            if event.conversation_id in self._said:
                return False
            self._remember(event.conversation_id, "started")
            return True
        if isinstance(event, ConversationEnded):
            if self._said.get(event.conversation_id) == "ended":
                return False
            self._remember(event.conversation_id, "ended")
            return True
        return True

    def _remember(self, conversation_id: str, what: str) -> None:
        self._said[conversation_id] = what
        self._said.move_to_end(conversation_id)
        while len(self._said) > self.KEPT:
            self._said.popitem(last=False)
