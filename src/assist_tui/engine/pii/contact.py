"""Contact detectors: e-mail addresses written or said aloud ("dot", "at", partly
spelled) and phone numbers, North American or international, with or without a cue."""

from __future__ import annotations

import re

from assist_tui.engine.pii.lexicon import EMAIL_JOINERS, MAIL_HOSTS, TLDS
from assist_tui.engine.pii.normalize import Doc, Run

Span = tuple[int, int, str]
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_WRITTEN_PHONE = re.compile(
    r"(?<![\w+])(?:\+?1[\s.-])?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?!\d)"
)
_LOCAL_STOP = frozenset(
    {"is", "it's", "its", "email", "e-mail", "address", "me", "my", "to", "at", "the", "that's",
     "was", "it", "send", "mail", "and", "or", "you", "i", "i'm", "us", "them", "him", "her",
     "reach", "contact", "be", "can", "would", "could", "look", "here", "there", "still",
     "back", "in", "on", "just", "one", "a", "an", "this", "that", "me."}
)  # fmt: skip
_NOT_PHONE = {"NEG", "ACCOUNT", "CARD", "SSN", "ROUTING", "SORTCODE", "POSTCODE", "CVV",
              "EXPIRY", "IBAN", "DOB", "CODE", "NINO"}  # fmt: skip


def emails(doc: Doc, found: list[Span]) -> list[Span]:
    """Written addresses, and ones said aloud: a local part, "at", a domain ending in
    "dot" and a known top-level domain (or a known mail host)."""
    spans: list[Span] = []
    if "@" in doc.text:
        spans += [(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(doc.text)]
    words = doc.words
    if "at" not in words:
        return spans  # nothing said aloud
    for i, word in enumerate(words):
        if word != "at" or i == 0:
            continue
        after = i + 1
        if after < len(words) and words[after] in ("sign", "symbol"):
            after += 1
        end = _domain_end(words, after)
        if end is None:
            continue
        start = _local_start(doc, i)
        if start is not None:
            spans.append((doc.toks[start].start, doc.toks[end].end, "EMAIL"))
    return spans


def _domain_end(words: list[str], i: int) -> int | None:
    """The last token of a domain said from token ``i`` ("gmail dot com")."""
    if i >= len(words) or words[i] in _LOCAL_STOP:
        return None
    host = words[i]
    if "." in host and host.rsplit(".", 1)[1] in TLDS:
        return i
    j, end = i, None
    while j + 2 < len(words) and words[j + 1] in ("dot", "period", "dash", "hyphen"):
        if words[j + 1] in ("dot", "period") and words[j + 2] in TLDS:
            end = j + 2
        j += 2
    if end is None and host in MAIL_HOSTS:
        return i
    return end


def _local_start(doc: Doc, at: int) -> int | None:
    """The first token of the local part said before "at" (words, letters, digits, joiners)."""
    words = doc.words
    j = at - 1
    if words[j] in _LOCAL_STOP or words[j] in EMAIL_JOINERS:
        return None
    start = j
    while j > 0:
        prev = words[j - 1]
        unit = doc.units[doc.unit_of[j - 1]]
        if prev in EMAIL_JOINERS and j - 2 >= 0 and words[j - 2] not in _LOCAL_STOP:
            j -= 2
        elif (unit.kind in ("letter", "num") and prev not in _LOCAL_STOP) or (
            doc.units[doc.unit_of[j]].kind == "letter" and unit.kind == "letter"
        ):
            j -= 1
        elif doc.units[doc.unit_of[j]].kind == "num" and prev not in _LOCAL_STOP:
            start = j - 1  # "jsmith eighty five": the name before the digits
            break
        else:
            break
        start = j
    return start


def _plus_before(doc: Doc, run: Run) -> bool:
    if run.first > 0 and doc.toks[run.first - 1].word == "plus":
        return True
    start = doc.toks[run.first].start
    return start > 0 and doc.text[start - 1] == "+"


def phones(doc: Doc, found: list[Span]) -> list[Span]:
    """Written as a phone number, or digits shaped like one (NANP, UK, "plus" and a
    country code), or 7-15 digits after a phone cue; never after a cue of another kind."""
    spans: list[Span] = []
    written = doc.written_digits >= 10  # every written form holds ten digits
    for match in _WRITTEN_PHONE.finditer(doc.text) if written else ():
        tok = next((i for i, t in enumerate(doc.toks) if t.end > match.start()), 0)
        cue = doc.cue_before(tok, reach=10)
        if cue is None or cue[0] not in _NOT_PHONE:
            spans.append((match.start(), match.end(), "PHONE"))
    for run in doc.runs:
        d, n = run.digits, len(run.digits)
        if n < 7 or run.amount:  # every shape below has seven digits or more
            continue
        cue = doc.cue_before(run.first, reach=10)
        category = cue[0] if cue else None
        if category in _NOT_PHONE:
            continue
        said_plus = run.first > 0 and doc.toks[run.first - 1].word == "plus"
        start = doc.toks[run.first - 1].start if said_plus else run.start  # "plus" goes too
        international = _plus_before(doc, run) or d.startswith("00") or d.startswith("011")
        nanp = (n == 10 and d[0] in "23456789" and d[3] in "23456789") or (
            n == 11 and d[0] == "1" and d[1] in "23456789" and d[4] in "23456789"
        )
        uk = n == 11 and d[0] == "0" and d[1] in "123578"
        announced = (category == "PHONE" and 7 <= n <= 15) or (category == "NUMBER" and n == 7)
        if (international and 8 <= n <= 15) or nanp or uk or announced:
            spans.append((start, run.end, "PHONE"))
    return spans
