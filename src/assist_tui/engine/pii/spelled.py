"""Names spelled letter by letter ("S M I T H", "s as in sam, m as in mike")."""

from __future__ import annotations

from assist_tui.engine.pii.lexicon import NAME_CUES
from assist_tui.engine.pii.normalize import Doc

Span = tuple[int, int, str]
MIN_LETTERS = 4  # without a name cue: fewer letters are more often initials or acronyms
NAME_REACH = 10


def spelled_names(doc: Doc, found: list[Span]) -> list[Span]:
    """Runs of spelled letters: four or more, or two after a name cue."""
    spans: list[Span] = []
    units = doc.units
    i = 0
    while i < len(units):
        if units[i].kind != "letter":
            i += 1
            continue
        j, letters, examples = i, 0, 0
        last = i
        while j < len(units) and units[j].kind in ("letter", "filler", "sep"):
            if units[j].kind == "letter":
                letters += len(units[j].letter)
                examples += units[j].last > units[j].first
                last = j
            j += 1
        if letters < 2:  # never a name, cue or not
            i = j
            continue
        first_tok = units[i].first
        words = doc.words[max(0, first_tok - NAME_REACH) : first_tok]
        named = bool(NAME_CUES & set(words)) or any(w.endswith("name") for w in words)
        cue = doc.cue_before(first_tok, reach=6)
        blocked = cue is not None and cue[0] == "NEG" and not named
        if not blocked and (letters >= MIN_LETTERS or (letters >= 2 and (named or examples))):
            spans.append((*doc.span(first_tok, units[last].last), "NAME"))
        i = j
    return spans
