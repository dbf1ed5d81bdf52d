"""Holds a final that ends inside an unfinished digit run (a card read in two breaths)
until that speaker's next final or a timeout, then redacts the finals together.

Nothing reaches the audit, the outbox or the NLP before it is redacted whole; meanwhile
the screen gets the held final as a partial with its digits masked.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from assist_tui.engine.pii.checks import card_ok
from assist_tui.engine.pii.lexicon import REPEAT, TEENS, TENS, UNITS
from assist_tui.engine.pii.normalize import read
from assist_tui.engine.pii.redactor import Redaction, Redactor, redact_group, redact_update
from assist_tui.model import Speaker, UtteranceUpdate

Released = tuple[UtteranceUpdate, Redaction]
CONTEXT_WORDS = 12  # what is remembered of the last finals, for cues across finals
LONGEST_RUN = 19  # no PII number is longer: a run this long is finished
# Every number unit of the reading (normalize.read_units) holds a digit or one of these
# words, alone or before a hyphen: a text with neither has no run to end in.
_NUMBER_PARTS = frozenset({*UNITS, *TEENS, *TENS, *REPEAT})
_DIGIT = re.compile(r"\d")
_NOT_LETTERS = re.compile(r"[^a-z]+")


def may_hold_number(text: str) -> bool:
    """Whether the reading could find a number in ``text`` (cheap: no reading)."""
    if _DIGIT.search(text) is not None:
        return True
    return not _NUMBER_PARTS.isdisjoint(_NOT_LETTERS.split(text.lower()))


def ends_unfinished(text: str) -> bool:
    """The text ends inside a digit run that could still grow into PII."""
    if not may_hold_number(text):
        return False  # most finals: no reading needed
    doc = read(text)
    units = doc.units
    k = len(units) - 1
    while k >= 0 and units[k].kind in ("filler", "sep"):
        k -= 1
    if k < 0 or units[k].kind != "num" or not doc.runs:
        return False
    run = doc.runs[-1]
    if k not in run.units or run.amount:
        return False
    return 2 <= len(run.digits) < LONGEST_RUN and not card_ok(run.digits)


@dataclass
class _Held:
    updates: list[UtteranceUpdate]
    since: float


class FinalHold:
    """Per conversation and speaker: at most one group of held finals."""

    def __init__(
        self,
        redactor: Redactor,
        hold_s: float = 2.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redactor = redactor
        self.hold_s = hold_s
        self._clock = clock
        self._held: dict[tuple[str, Speaker], _Held] = {}
        self._context: dict[str, str] = {}

    @property
    def held(self) -> int:
        return sum(len(h.updates) for h in self._held.values())

    def offer(self, update: UtteranceUpdate) -> list[Released]:
        """What to pass on now: released finals (redacted), the update itself, or, for a
        held final, a masked partial to show meanwhile."""
        context = self._context.get(update.conversation_id, "")
        key = (update.conversation_id, update.speaker)
        held = self._held.get(key)
        if not update.is_final:
            return [redact_update(self.redactor, update, context=self._joined(held, context))]
        if held is not None and any(u.utterance_id == update.utterance_id for u in held.updates):
            return []  # the same final again: it is already held
        group = [*(held.updates if held else []), update]
        now = self._clock()
        since = held.since if held else now
        if (
            self.redactor.enabled
            and self.hold_s > 0
            and now - since < self.hold_s
            and ends_unfinished(" ".join(u.text for u in group))
        ):
            self._held[key] = _Held(group, since)
            preview, found = redact_group(self.redactor, group, context=context, masked=True)[-1]
            return [(preview.model_copy(update={"is_final": False}), found)]
        self._held.pop(key, None)
        return self._release(group, context)

    def expired(self) -> list[Released]:
        """Release every group held longer than ``hold_s`` (call periodically)."""
        now = self._clock()
        due = [k for k, h in self._held.items() if now - h.since >= self.hold_s]
        return [item for key in due for item in self._release_key(key)]

    def release(self, conversation_id: str | None = None) -> list[Released]:
        """Release what is held (for one conversation, or all): it ended, or we stop."""
        keys = [k for k in self._held if conversation_id in (None, k[0])]
        out = [item for key in keys for item in self._release_key(key)]
        if conversation_id is None:
            self._context.clear()
        else:
            self._context.pop(conversation_id, None)
        return out

    def _release_key(self, key: tuple[str, Speaker]) -> list[Released]:
        held = self._held.pop(key)
        return self._release(held.updates, self._context.get(key[0], ""))

    def _release(self, group: list[UtteranceUpdate], context: str) -> list[Released]:
        out = redact_group(self.redactor, group, context=context)
        said = " ".join([context, *(u.text for u in group)]).split()
        self._context[group[0].conversation_id] = " ".join(said[-CONTEXT_WORDS:])
        return out

    @staticmethod
    def _joined(held: _Held | None, context: str) -> str:
        if held is None:
            return context
        return " ".join([context, *(u.text for u in held.updates)]).strip()
