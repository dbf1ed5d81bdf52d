"""Keywords stage: matches finals against the keyword rules (spaCy) in slices of a few
milliseconds on the event loop, records hits (audited ``keyword_hit``) and pushes the
suggestions of matched rules to the agent (sinks/assist_push.py)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING

from assist_tui.engine.conversation import ConversationState, Line
from assist_tui.engine.nlp import Match
from assist_tui.engine.relevance import relevance, snippet
from assist_tui.engine.rules import Rule
from assist_tui.model import KeywordHit, Suggestion, SuggestionOutcome, UtteranceUpdate

if TYPE_CHECKING:
    from assist_tui.engine.engine import AssistEngine

NLP_BATCH = 64
SUGGESTION_IDS = uuid.UUID("5f0b8d7e-3c1a-4e55-9a57-2d1f4f6b9c10")  # namespace of uuid5 ids
NLP_SLICE_S = 0.004  # the longest the NLP stage may hold the event loop at once


def suggestion_id(conversation_id: str, utterance_id: str, hit: KeywordHit) -> str:
    """The same on every engine for the same hit: two engines that both see a final (a
    handover) name its suggestion alike, so it is pushed once (bus/once.py)."""
    name = f"{conversation_id}/{utterance_id}/{hit.rule_id}/{hit.matched.lower()}"
    return str(uuid.uuid5(SUGGESTION_IDS, name))


class KeywordStage:
    """Owns the NLP queue; the engine feeds it finals of the speakers the rules watch."""

    name = "keywords"

    def __init__(self, engine: AssistEngine) -> None:
        self.engine = engine
        self.queue: asyncio.Queue[tuple[ConversationState, Line, UtteranceUpdate]] = asyncio.Queue()

    async def run(self) -> None:
        """Match finals in slices of a few milliseconds on the event loop.

        spaCy holds the GIL, so a worker thread would only fight the event loop for it
        (each socket read would wait out the thread's switch interval). Instead each
        slice is sized from the measured cost per text to stay within ``NLP_SLICE_S``,
        and the loop runs other work between slices.
        """
        assert self.engine.matcher is not None
        matcher = self.engine.matcher
        context_tokens = self.engine.settings.nlp.context_tokens
        per_text_s = 0.0005  # first guess; measured from then on
        while True:
            batch = [await self.queue.get()]
            limit = max(1, min(NLP_BATCH, int(NLP_SLICE_S / per_text_s)))
            while len(batch) < limit and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            texts: list[str] = []
            offsets: list[int] = []
            read: list[tuple[ConversationState, Line, UtteranceUpdate]] = []
            for item in batch:
                state, line, update = item
                context = state.nlp_context.get(update.speaker, "")
                full = f"{context} {line.text}" if context else line.text
                # Only matches ending in this final are kept: if none can, it is not read.
                if matcher.needles.could_match(line.text, full):
                    read.append(item)
                    texts.append(full)
                    offsets.append(len(full) - len(line.text))
                # A phrase split across two finals still matches: carry the tail over.
                tail = full.split()[-context_tokens:] if context_tokens else []
                state.nlp_context[update.speaker] = " ".join(tail)
            started = time.perf_counter()
            results = self.engine.guard.call("nlp", matcher.match, texts, default=None)
            if results is None:
                continue
            spent = time.perf_counter() - started
            per_text_s = 0.8 * per_text_s + 0.2 * (spent / len(batch))
            self.engine.metrics.nlp_seconds += spent
            self.engine.metrics.nlp_batches += 1
            self.engine.metrics.nlp_max_batch_s = max(self.engine.metrics.nlp_max_batch_s, spent)
            for (state, line, update), matches, full, offset in zip(
                read, results, texts, offsets, strict=True
            ):
                for match in matches:
                    if match.end > offset:  # only what this final added
                        with self.engine.guard.stage("keyword_hit", update):
                            self.on_match(state, line, update, match, full)
            await asyncio.sleep(0)  # let the stream and the UI run between slices

    def on_match(
        self, state: ConversationState, line: Line, update: UtteranceUpdate, match: Match, full: str
    ) -> None:
        rule: Rule | None = self.engine._rules_by_id.get(match.rule_id)
        speakers = (
            rule.speakers if rule and rule.speakers else None
        ) or self.engine.settings.nlp.speakers
        if update.speaker.value not in speakers:
            return
        key = match.rule_id if rule else f"{match.rule_id}:{match.text.lower()}"
        now = time.monotonic()
        if now - state.cooldowns.get(key, -1e9) < self.engine.settings.nlp.cooldown_s:
            return
        state.cooldowns[key] = now
        category = rule.category if rule else "entity"
        hit = KeywordHit(
            conversation_id=state.conversation_id,
            utterance_id=update.utterance_id,
            rule_id=match.rule_id,
            category=category,
            severity=rule.severity if rule else "low",
            speaker=update.speaker,
            matched=match.text,
            snippet=snippet(full, match.start, match.end),
            relevance=relevance(category, update.confidence, self.engine.settings.nlp.weights),
            confidence=update.confidence,
            source=match.source,
            suggestion_title=rule.suggestion.title if rule and rule.suggestion else None,
        )
        state.add_hit(hit)
        self.engine.metrics.hits += 1
        self.engine.audit.append(
            "keyword_hit",
            {
                "rule": hit.rule_id,
                "category": hit.category,
                "severity": hit.severity,
                "matched": hit.matched,
                "relevance": hit.relevance,
                "source": hit.source,
                "utterance_id": hit.utterance_id,
                "speaker": hit.speaker.value,
            },
            conversation=state.conversation_id,
            actor="nlp",
        )
        if rule and rule.suggestion and self.engine.settings.push.enabled and not state.inactive:
            suggestion = Suggestion(
                suggestion_id=suggestion_id(state.conversation_id, update.utterance_id, hit),
                conversation_id=state.conversation_id,
                rule_id=rule.id,
                title=rule.suggestion.title,
                body=rule.suggestion.body,
                links=tuple(rule.suggestion.links),
            )
            state.put_suggestion(suggestion)
            task = asyncio.create_task(self.push(state, suggestion))
            self.engine._background.add(task)
            task.add_done_callback(self.engine._background.discard)

    async def push(self, state: ConversationState, suggestion: Suggestion) -> None:
        result = await self.engine.pusher.push(suggestion)
        state.put_suggestion(result)
        if result.outcome is SuggestionOutcome.INACTIVE:
            state.inactive = True
