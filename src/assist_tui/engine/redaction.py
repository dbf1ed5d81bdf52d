"""PII redaction: card numbers (Luhn-checked, written or spoken), US SSNs, e-mail
addresses and phone numbers become ``[CARD]``, ``[SSN]``, ``[EMAIL]``, ``[PHONE]``.

Numbers spoken as words ("four one one one ...") are read as digits first. Order
numbers, dates and amounts are left alone: a card must pass Luhn, an SSN or spoken phone
number must be announced as one, a written phone number must be formatted as one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from assist_tui.model import UtteranceUpdate, Word

CARD, SSN, EMAIL, PHONE, NUMBER = "CARD", "SSN", "EMAIL", "PHONE", "NUMBER"
PRIORITY = {CARD: 0, SSN: 1, PHONE: 2, EMAIL: 3, NUMBER: 4}
# A partial result may hold the first digits of a card that cannot be recognised yet:
# any run this long is hidden until the final decides what it is.
PARTIAL_RUN_DIGITS = 6

_UNITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_TEENS = {
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
}
_TENS = {
    "twenty": "2",
    "thirty": "3",
    "forty": "4",
    "fifty": "5",
    "sixty": "6",
    "seventy": "7",
    "eighty": "8",
    "ninety": "9",
}
_TOKEN = re.compile(r"\S+")
_STRIP = ".,;:!?()\"'"
_WRITTEN_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_WRITTEN_SSN = re.compile(r"(?<!\d)(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}(?!\d)")
_WRITTEN_PHONE = re.compile(
    r"(?<![\w+])(?:\+?1[\s.-])?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?!\d)"
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TLDS = "com|net|org|edu|gov|io|co|uk|us|ca|ie|de|info|biz"
_SPOKEN_EMAIL = re.compile(
    rf"\b[a-z0-9_]+(?:\s+(?:dot|underscore)\s+[a-z0-9_]+)*\s+at\s+[a-z0-9-]+"
    rf"(?:\s+dot\s+[a-z0-9-]+)*\s+dot\s+(?:{_TLDS})\b",
    re.IGNORECASE,
)
_SSN_CONTEXT = {"social", "security", "ssn", "socials"}
_NUMBER_WORD = re.compile(
    r"\b(?:" + "|".join(sorted({*_UNITS, *_TEENS, *_TENS} - {"o"})) + r")\b", re.IGNORECASE
)
_DIGIT = re.compile(r"\d")
_ADDRESSISH = re.compile(r"@|\bat\b", re.IGNORECASE)
SPOKEN_MIN_DIGITS = 9  # the shortest spoken PII is an SSN
_PHONE_CONTEXT = {"phone", "cell", "mobile", "telephone", "callback", "reach", "call"}


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a digit string (as card numbers carry)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


@dataclass(frozen=True)
class Redaction:
    """Redacted text and what was found (kinds and counts, never the values)."""

    text: str
    found: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.found)


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str
    digits: str | None  # what the token says as digits, if it is a number


def _as_digits(word: str) -> str | None:
    if word.isdigit():
        return word
    if word in _UNITS:
        return _UNITS[word]
    if word in _TEENS:
        return _TEENS[word]
    if word in _TENS:
        return _TENS[word] + "0"
    head, sep, tail = word.partition("-")
    if sep and head in _TENS and tail in _UNITS:
        return _TENS[head] + _UNITS[tail]
    return None


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN.finditer(text):
        raw = match.group()
        word = raw.strip(_STRIP).lower()
        lead = len(raw) - len(raw.lstrip(_STRIP))
        start = match.start() + lead
        tokens.append(_Token(start, start + len(word), word, _as_digits(word) if word else None))
    return tokens


def _digit_runs(tokens: list[_Token]) -> list[tuple[int, int, str]]:
    """(first token, last token, digits) of each run of spoken or written numbers."""
    runs: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        if tokens[i].digits is None or tokens[i].word in ("o",):
            i += 1
            continue
        j, digits = i, ""
        while j < len(tokens) and tokens[j].digits is not None:
            value = tokens[j].digits or ""
            # "twenty eight" said as two words is one number: 28, not 208.
            if value.endswith("0") and len(value) == 2 and tokens[j].word in _TENS:
                nxt = tokens[j + 1] if j + 1 < len(tokens) else None
                if nxt is not None and nxt.word in _UNITS and nxt.word not in ("oh", "o", "zero"):
                    value = value[0] + _UNITS[nxt.word]
                    j += 1
            digits += value
            j += 1
        runs.append((i, j - 1, digits))
        i = j
    return runs


def _context(tokens: list[_Token], first: int, words: set[str], reach: int = 6) -> bool:
    return any(t.word in words for t in tokens[max(0, first - reach) : first])


class Redactor:
    """Finds PII spans and replaces them with typed placeholders."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def spans(self, text: str, *, partial: bool = False) -> list[tuple[int, int, str]]:
        """Non-overlapping (start, end, kind) spans, earliest first.

        ``partial``: the text may still grow, so digit runs too short to judge are
        hidden as ``NUMBER``.
        """
        found: list[tuple[int, int, str]] = []
        if _ADDRESSISH.search(text):
            found += [(m.start(), m.end(), EMAIL) for m in _EMAIL.finditer(text)]
            found += [(m.start(), m.end(), EMAIL) for m in _SPOKEN_EMAIL.finditer(text)]
        # Most speech holds no number long enough to be PII: skip the expensive part.
        # A number word says at most two digits ("twelve"), a written digit one.
        floor = PARTIAL_RUN_DIGITS if partial else SPOKEN_MIN_DIGITS
        if 2 * len(_NUMBER_WORD.findall(text)) + len(_DIGIT.findall(text)) < floor:
            return _merge(found)
        for match in _WRITTEN_CARD.finditer(text):
            digits = re.sub(r"\D", "", match.group())
            if 13 <= len(digits) <= 19 and luhn_ok(digits):
                found.append((match.start(), match.end(), CARD))
        found += [(m.start(), m.end(), SSN) for m in _WRITTEN_SSN.finditer(text)]
        found += [(m.start(), m.end(), PHONE) for m in _WRITTEN_PHONE.finditer(text)]
        tokens = _tokens(text)
        for first, last, digits in _digit_runs(tokens):
            kind = self._spoken_kind(tokens, first, digits)
            if kind is None and partial and len(digits) >= PARTIAL_RUN_DIGITS:
                kind = NUMBER
            if kind is not None:
                found.append((tokens[first].start, tokens[last].end, kind))
        return _merge(found)

    @staticmethod
    def _spoken_kind(tokens: list[_Token], first: int, digits: str) -> str | None:
        for length in range(min(len(digits), 19), 12, -1):
            if luhn_ok(digits[:length]):
                return CARD
        if len(digits) == 9 and _context(tokens, first, _SSN_CONTEXT):
            return SSN
        if len(digits) in (10, 11) and _context(tokens, first, _PHONE_CONTEXT):
            return PHONE
        return None

    def redact(self, text: str, *, partial: bool = False) -> Redaction:
        if not self.enabled or not text:
            return Redaction(text)
        spans = self.spans(text, partial=partial)
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


def redact_update(redactor: Redactor, update: UtteranceUpdate) -> tuple[UtteranceUpdate, Redaction]:
    """The update with its text and its words redacted (word timings kept).

    Each word that falls inside a redacted span of the joined words becomes the span's
    placeholder, so no digit of a card survives in the word list either.
    """
    partial = not update.is_final
    result = redactor.redact(update.text, partial=partial)
    words = update.words
    if redactor.enabled and words:
        joined = " ".join(w.text for w in words)
        spans = redactor.spans(joined, partial=partial)
        if spans:
            redacted: list[Word] = []
            cursor = 0
            for word in words:
                start, end = cursor, cursor + len(word.text)
                cursor = end + 1
                kind = next((k for s, e, k in spans if s < end and start < e), None)
                redacted.append(
                    word if kind is None else word.model_copy(update={"text": f"[{kind}]"})
                )
            words = tuple(redacted)
    if not result.changed and words is update.words:
        return update, result
    return update.model_copy(update={"text": result.text, "words": words}), result


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Resolve overlaps: the wider span wins, then the more sensitive kind."""
    ordered = sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]), PRIORITY[s[2]]))
    merged: list[tuple[int, int, str]] = []
    for span in ordered:
        if merged and span[0] < merged[-1][1]:
            last = merged[-1]
            if PRIORITY[span[2]] < PRIORITY[last[2]]:
                merged[-1] = (last[0], max(last[1], span[1]), span[2])
            else:
                merged[-1] = (last[0], max(last[1], span[1]), last[2])
            continue
        merged.append(span)
    return merged
