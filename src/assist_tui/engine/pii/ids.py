"""Identity detectors: US SSN (announced, or grouped 3-2-4), UK National Insurance number,
date of birth (a date after a birth cue, never any date)."""

from __future__ import annotations

import re

from assist_tui.engine.pii.checks import nino_ok, ssn_ok
from assist_tui.engine.pii.lexicon import FILLERS, MONTHS, ORDINALS, TENS
from assist_tui.engine.pii.normalize import Doc

Span = tuple[int, int, str]
_NOT_SSN = {"NEG", "PHONE", "ACCOUNT", "ROUTING", "CARD", "POSTCODE", "SORTCODE", "NUMBER"}
_WRITTEN_NINO = re.compile(r"\b([A-Za-z]{2}) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-Da-d])?\b")
_DOB_CUES = {"DOB"}


def ssns(doc: Doc, found: list[Span]) -> list[Span]:
    """Nine digits (or the last four) after an SSN cue, or nine said 3-2-4 as issued."""
    spans: list[Span] = []
    for run in doc.runs:
        n = len(run.digits)
        if run.amount or n not in (4, 9):  # nine digits, or the last four
            continue
        cue = doc.cue_before(run.first, reach=10)
        category = cue[0] if cue else None
        if category == "SSN" or (
            n == 9
            and category not in _NOT_SSN
            and [len(g) for g in run.groups] == [3, 2, 4]
            and ssn_ok(run.digits)
        ):
            spans.append((run.start, run.end, "SSN"))
    return spans


def ninos(doc: Doc, found: list[Span]) -> list[Span]:
    """Two letters, six digits, a suffix: written, or spelled and said."""
    spans: list[Span] = []
    written = doc.written_digits >= 6  # the written form holds six digits
    for match in _WRITTEN_NINO.finditer(doc.text) if written else ():
        tok = next((i for i, t in enumerate(doc.toks) if t.start >= match.start()), 0)
        cue = doc.cue_before(tok, reach=10)
        strict = not (cue and cue[0] == "NINO")
        letters, suffix = match.group(1), match.group(5) or ""
        digits = "".join(match.group(2, 3, 4))
        if nino_ok(letters, digits, suffix, strict=strict) and (not strict or suffix):
            spans.append((match.start(), match.end(), "NINO"))
    for run in doc.runs:
        if len(run.digits) != 6:
            continue
        u = run.units[0]
        letters = _letters_before(doc, u)
        if letters is None:
            continue
        start_unit, prefix = letters
        last_unit = run.units[-1]
        suffix = ""
        if last_unit + 1 < len(doc.units) and doc.units[last_unit + 1].kind == "letter":
            suffix = doc.units[last_unit + 1].letter.upper()
            if suffix in "ABCD":
                last_unit += 1
            else:
                suffix = ""
        cue = doc.cue_before(doc.units[start_unit].first, reach=10)
        strict = not (cue and cue[0] == "NINO")
        if nino_ok(prefix, run.digits, suffix, strict=strict) and (not strict or suffix):
            first, last = doc.units[start_unit].first, doc.units[last_unit].last
            spans.append((*doc.span(first, last), "NINO"))
    return spans


def _letters_before(doc: Doc, unit: int) -> tuple[int, str] | None:
    """Two letters said (or written as one word) right before unit ``unit``."""
    if unit >= 2 and all(doc.units[unit - k].kind == "letter" for k in (1, 2)):
        pair = doc.units[unit - 2].letter + doc.units[unit - 1].letter
        if len(pair) == 2:
            return unit - 2, pair.upper()
    if unit >= 1 and doc.units[unit - 1].kind in ("letter", "word"):
        raw = doc.toks[doc.units[unit - 1].first].raw
        if doc.units[unit - 1].kind == "letter":
            raw = doc.units[unit - 1].letter  # "double q"
        if len(raw) == 2 and raw.isalpha() and raw.isascii():
            return unit - 1, raw.upper()
    return None


_DATE_WORDS = {"of", "the", "slash", "dash", "th", "st", "nd", "rd", "in", "on"}


def _date_token(doc: Doc, i: int) -> bool:
    word = doc.toks[i].word
    unit = doc.units[doc.unit_of[i]]
    return (
        unit.kind in ("num", "date")
        or word in MONTHS
        or word in ORDINALS
        or word in TENS
        or re.fullmatch(r"\d{1,2}(st|nd|rd|th)", word) is not None
        or word in ("thousand", "hundred")
    )


def dates_of_birth(doc: Doc, found: list[Span]) -> list[Span]:
    """A date expression starting within a few words after a birth cue."""
    spans: list[Span] = []
    if not any(c in _DOB_CUES for c in doc.cues):
        return spans
    words = doc.words
    n = len(words)
    i = 0
    while i < n:
        cue = doc.cue_before(i, reach=6) if _date_token(doc, i) else None
        if cue is None or cue[0] not in _DOB_CUES:
            i += 1
            continue
        j, last, has_digits, has_month = i, i, 0, False
        while j < n and (_date_token(doc, j) or words[j] in _DATE_WORDS or words[j] in FILLERS):
            if _date_token(doc, j):
                last = j
                unit = doc.units[doc.unit_of[j]]
                has_digits += len(unit.digits) if unit.kind in ("num", "date") else 0
                has_month = has_month or words[j] in MONTHS or words[j] in ORDINALS
            j += 1
        if has_month or has_digits >= 4:
            first = i - 1 if i > 0 and words[i - 1] == "the" else i  # "the fourth of July"
            spans.append((*doc.span(first, last), "DOB"))
        i = j + 1
    return spans
