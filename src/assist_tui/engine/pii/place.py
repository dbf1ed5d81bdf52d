"""Place detectors: street addresses (a house number, a street name, a street word) and
postcodes or ZIP codes said with an address cue or after an address."""

from __future__ import annotations

import re

from assist_tui.engine.pii.bank import alnum_sequences
from assist_tui.engine.pii.lexicon import (
    DIRECTIONS,
    NOT_STREET_NAME,
    ORDINALS,
    STREET_WORDS,
    UNIT_WORDS,
)
from assist_tui.engine.pii.normalize import Doc

Span = tuple[int, int, str]
_UK_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}")
_ORDINAL_NUMBER = re.compile(r"\d{1,3}(st|nd|rd|th)")
_MAX_NAME_WORDS = 4  # "88 Colin P Kelly Jr Street"


def addresses(doc: Doc, found: list[Span]) -> list[Span]:
    """A house number, one to four name words, a street word (and a unit after it)."""
    spans: list[Span] = []
    words = doc.words
    for run in doc.runs:
        if run.amount or not 1 <= len(run.digits) <= 6:
            continue
        j = run.last + 1
        names = 0
        while j < len(words) and names <= _MAX_NAME_WORDS:
            word = words[j]
            if word in STREET_WORDS and names >= 1:
                break
            if word in NOT_STREET_NAME or not (
                word.replace("'", "").isalpha() or _ORDINAL_NUMBER.fullmatch(word)
            ):
                j = len(words)
                break
            names += 1
            j += 1
        if j >= len(words) or names == 0 or names > _MAX_NAME_WORDS:
            continue
        if all(words[k] in ORDINALS for k in range(run.last + 1, j)) and names > 1:
            continue
        end = j
        if end + 1 < len(words) and words[end + 1] in DIRECTIONS:
            end += 1
        if end + 2 < len(words) and words[end + 1] in UNIT_WORDS:
            unit = doc.units[doc.unit_of[end + 2]]
            if unit.kind in ("num", "letter") or doc.toks[end + 2].raw[:1].isdigit():
                end = unit.last
        spans.append((run.start, doc.toks[end].end, "ADDRESS"))
    return spans


def postcodes(doc: Doc, found: list[Span]) -> list[Span]:
    """ZIP codes and UK postcodes after an address cue or an address."""
    spans: list[Span] = []
    address_ends = [e for s, e, k in found if k == "ADDRESS"]

    def cued(tok: int) -> bool:
        cue = doc.cue_before(tok, reach=8)
        if cue and cue[0] in ("POSTCODE", "ADDRESS"):
            return True
        start = doc.toks[tok].start
        return any(0 <= start - e <= 60 for e in address_ends)

    for run in doc.runs:
        if run.amount:
            continue
        lengths = [len(g) for g in run.groups]
        if (len(run.digits) == 5 or lengths == [5, 4]) and cued(run.first):
            spans.append((run.start, run.end, "POSTCODE"))
    if not address_ends and not any(c in ("POSTCODE", "ADDRESS") for c in doc.cues):
        return spans
    for sequence in alnum_sequences(doc):
        text = "".join(chunk for _, chunk in sequence)
        offsets = []
        total = 0
        for _, chunk in sequence:
            offsets.append(total)
            total += len(chunk)
        for match in _UK_POSTCODE.finditer(text):
            if match.start() not in offsets or match.end() not in [*offsets[1:], total]:
                continue
            s = offsets.index(match.start())
            e = [*offsets[1:], total].index(match.end())
            first = doc.units[sequence[s][0]].first
            if cued(first):
                last = doc.units[sequence[e][0]].last
                spans.append((*doc.span(first, last), "POSTCODE"))
    return spans
