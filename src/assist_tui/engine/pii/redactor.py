"""The redactor: runs the enabled detectors over the normalized text, resolves overlaps,
and replaces each span by its category's placeholder in the text and in the words."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from assist_tui.engine.pii import bank, cards, contact, ids, place, spelled
from assist_tui.engine.pii.categories import CATEGORIES, check_categories
from assist_tui.engine.pii.lexicon import NUMBER_WORDS, ORDINALS
from assist_tui.engine.pii.normalize import Doc, read
from assist_tui.model import UtteranceUpdate, Word

Span = tuple[int, int, str]
Detector = Callable[[Doc, list[Span]], list[Span]]

_DETECTORS: tuple[tuple[Detector, frozenset[str]], ...] = (
    (cards.cards, frozenset({"CARD"})),
    (cards.codes_and_dates, frozenset({"CVV", "EXPIRY"})),
    (bank.accounts, frozenset({"ACCOUNT", "SORTCODE", "ROUTING"})),
    (bank.ibans, frozenset({"IBAN"})),
    (ids.ssns, frozenset({"SSN"})),
    (ids.ninos, frozenset({"NINO"})),
    (ids.dates_of_birth, frozenset({"DOB"})),
    (contact.emails, frozenset({"EMAIL"})),
    (contact.phones, frozenset({"PHONE"})),
    (place.addresses, frozenset({"ADDRESS"})),
    (place.postcodes, frozenset({"POSTCODE"})),
    (spelled.spelled_names, frozenset({"NAME"})),
)
NUMBER = "NUMBER"
PRIORITY = {kind: rank for rank, kind in enumerate([*CATEGORIES, NUMBER])}
# A partial result may hold the first digits of a card that cannot be recognised yet:
# any run this long is hidden until the final decides what it is.
PARTIAL_RUN_DIGITS = 6
HELD_RUN_DIGITS = 2  # a held final ends inside a number: hide it whatever its length
_DIGIT = re.compile(r"\d")
_NO_WORDS = ("",)  # an update without words, as redact_group joins them
_WORDS = re.compile(r"[^a-z']+")
# Speech with none of these holds no PII the detectors could find: skip reading it.
_TRIGGERS = frozenset(NUMBER_WORDS | set(ORDINALS) | {"at", "@"} | set("bcdefghjklmnopqrstuvwxyz"))
# The same test on ASCII text (nearly all speech) in byte operations: one table lowers
# the letters, keeps the apostrophe, turns digits and "@" into "#" and the rest into
# spaces; then a whitespace split gives the words _WORDS would.
_TRIGGER_BYTES = frozenset(w.encode() for w in _TRIGGERS if w != "@")
_FLATTEN = bytes(
    c + 32
    if 65 <= c <= 90
    else c
    if 97 <= c <= 122 or c == 39
    else 35
    if 48 <= c <= 57 or c == 64
    else 32
    for c in range(256)
)


def _worth_reading(text: str) -> bool:
    """Whether any detector could find something in ``text`` (cheap: no reading)."""
    if text.isascii():
        flat = text.encode("ascii").translate(_FLATTEN)
        return b"#" in flat or not _TRIGGER_BYTES.isdisjoint(flat.split())
    return _worth_reading_by_words(text)


def _worth_reading_by_words(text: str) -> bool:
    """``_worth_reading`` as first written (word by word): the tests hold the two equal."""
    if "@" in text or _DIGIT.search(text):
        return True
    return not _TRIGGERS.isdisjoint(_WORDS.split(text.lower()))


class Redaction:
    """Redacted text and what was found (kinds and counts, never the values).

    Made for every update, most of which hold nothing: the counter is made when asked for.
    """

    __slots__ = ("_found", "text")

    def __init__(self, text: str, found: Counter[str] | None = None) -> None:
        self.text = text
        self._found = found

    @property
    def found(self) -> Counter[str]:
        if self._found is None:
            self._found = Counter()
        return self._found

    @property
    def changed(self) -> bool:
        return bool(self._found)

    def __repr__(self) -> str:
        return f"Redaction(text={self.text!r}, found={self.found!r})"


class Redactor:
    """Finds PII spans and replaces them with typed placeholders."""

    def __init__(
        self,
        enabled: bool = True,
        *,
        categories: Iterable[str] | None = None,
        disabled: Iterable[str] = (),
    ) -> None:
        self.enabled = enabled
        chosen = set(check_categories(categories)) if categories is not None else set(CATEGORIES)
        self.categories = frozenset(chosen - set(check_categories(disabled)))
        self._detectors = [(d, kinds) for d, kinds in _DETECTORS if kinds & self.categories]

    def spans(
        self, text: str, *, partial: bool = False, context: str = "", mask_from: int = 0
    ) -> list[Span]:
        """Non-overlapping (start, end, kind) spans of ``text``, earliest first.

        ``context``: what was said just before (cues and a card read across finals are
        seen there), never redacted itself. ``partial``: the text may still grow, so
        digit runs too short to judge are hidden as ``NUMBER``.
        """
        if not self.enabled or not _worth_reading(text):
            return []
        prefix = f"{context} " if context else ""
        doc = read(prefix + text, len(prefix))
        found: list[Span] = []
        for detector, kinds in self._detectors:
            found += [s for s in detector(doc, found) if s[2] in kinds and s[2] in self.categories]
        if partial:
            least = mask_from or PARTIAL_RUN_DIGITS
            found += [(r.start, r.end, NUMBER) for r in doc.runs if len(r.digits) >= least]
        shift = len(prefix)
        own = [(max(s, shift) - shift, e - shift, k) for s, e, k in found if e > shift]
        return merge(own)

    def redact(self, text: str, *, partial: bool = False, context: str = "") -> Redaction:
        if not self.enabled or not text:
            return Redaction(text)
        return apply_spans(text, self.spans(text, partial=partial, context=context))


def apply_spans(text: str, spans: Sequence[Span]) -> Redaction:
    if not spans:
        return Redaction(text)
    pieces: list[str] = []
    cursor = 0
    found: Counter[str] = Counter()
    for start, end, kind in spans:
        pieces.append(text[cursor:start])
        pieces.append(f"[{kind}]")
        found[kind] += 1
        cursor = end
    pieces.append(text[cursor:])
    return Redaction("".join(pieces), found)


def redact_words(words: Sequence[Word], spans: Sequence[Span]) -> tuple[Word, ...]:
    """Each word inside a span of the joined words becomes the span's placeholder."""
    redacted: list[Word] = []
    cursor = 0
    for word in words:
        start, end = cursor, cursor + len(word.text)
        cursor = end + 1
        kind = next((k for s, e, k in spans if s < end and start < e), None)
        redacted.append(word if kind is None else word.model_copy(update={"text": f"[{kind}]"}))
    return tuple(redacted)


def redact_update(
    redactor: Redactor, update: UtteranceUpdate, *, context: str = "", masked: bool = False
) -> tuple[UtteranceUpdate, Redaction]:
    """The update with its text and its words redacted (word timings kept).

    ``masked``: a held final shown meanwhile: every digit run of two or more is hidden.
    """
    if not update.words and _nothing_to_find((update.text,), _NO_WORDS):
        # Most partials (they carry no words): redact_group's own first check, without
        # building its lists.
        return update, Redaction(update.text)
    return redact_group(redactor, [update], context=context, masked=masked)[0]


def redact_group(
    redactor: Redactor,
    updates: Sequence[UtteranceUpdate],
    *,
    context: str = "",
    masked: bool = False,
) -> list[tuple[UtteranceUpdate, Redaction]]:
    """Finals of one speaker said in a row, redacted as one text (a card read in two
    breaths is one card); each comes back with its own share of the spans."""
    texts = [u.text for u in updates]
    joined_words = [" ".join([w.text for w in u.words]) for u in updates]
    if _nothing_to_find(texts, joined_words):
        # The usual update: no detector could find anything, in its text or its words.
        return [(u, Redaction(u.text)) for u in updates]
    partial = masked or not all(u.is_final for u in updates)
    mask_from = HELD_RUN_DIGITS if masked else 0
    text_spans = _segment_spans(redactor, texts, context, partial, mask_from)
    # Most streams make the text from the words: then one reading serves both.
    same = all(j == t or not u.words for j, t, u in zip(joined_words, texts, updates, strict=True))
    word_spans = (
        text_spans if same else _segment_spans(redactor, joined_words, context, partial, mask_from)
    )
    out: list[tuple[UtteranceUpdate, Redaction]] = []
    for update, spans, wspans in zip(updates, text_spans, word_spans, strict=True):
        result = apply_spans(update.text, spans)
        words = redact_words(update.words, wspans) if wspans else update.words
        if not result.changed and words is update.words:
            out.append((update, result))
        else:
            out.append((update.model_copy(update={"text": result.text, "words": words}), result))
    return out


def _nothing_to_find(texts: Sequence[str], joined_words: Sequence[str]) -> bool:
    """No text is worth reading: every detector's answer would be empty."""
    for text in texts:
        if text and _worth_reading(text):
            return False
    # The words usually say the text again: each distinct string is looked at once.
    for joined, text in zip(joined_words, texts, strict=True):
        if joined and joined != text and _worth_reading(joined):
            return False
    return True


def _segment_spans(
    redactor: Redactor, texts: Sequence[str], context: str, partial: bool, mask_from: int = 0
) -> list[list[Span]]:
    if not redactor.enabled or not any(texts):
        return [[] for _ in texts]
    joined = " ".join(texts)
    spans = redactor.spans(joined, partial=partial, context=context, mask_from=mask_from)
    result: list[list[Span]] = []
    offset = 0
    for text in texts:
        end = offset + len(text)
        own = [(max(s, offset) - offset, min(e, end) - offset, k) for s, e, k in spans]
        result.append([(s, e, k) for s, e, k in own if e > s])
        offset = end + 1
    return result


def merge(spans: list[Span]) -> list[Span]:
    """Resolve overlaps: the union is kept, named by the wider span (then the more
    sensitive kind)."""
    ordered = sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]), PRIORITY[s[2]]))
    merged: list[Span] = []
    for span in ordered:
        if merged and span[0] < merged[-1][1]:
            last = merged[-1]
            wider = span if (span[1] - span[0]) > (last[1] - last[0]) else last
            if last[2] == NUMBER and span[2] != NUMBER:
                wider = span
            merged[-1] = (
                last[0],
                max(last[1], span[1]),
                wider[2] if span[2] != NUMBER else last[2],
            )
            continue
        merged.append(span)
    return merged
