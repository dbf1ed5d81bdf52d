"""Bank detectors: account number and sort code (announced), routing number (ABA
checksum), IBAN (country length and mod-97), spoken or written."""

from __future__ import annotations

from assist_tui.engine.pii.checks import IBAN_LENGTHS, aba_ok, card_ok, iban_ok
from assist_tui.engine.pii.normalize import Doc

Span = tuple[int, int, str]
BANK_WORDS = frozenset(
    {"bank", "banking", "checking", "deposit", "direct", "wire", "ach", "transfer", "routing"}
)


def accounts(doc: Doc, found: list[Span]) -> list[Span]:
    """Account, sort code and routing numbers, by the nearest cue and their length."""
    spans: list[Span] = []
    for run in doc.runs:
        n = len(run.digits)
        if n < 4 or run.amount or card_ok(run.digits):
            continue  # (every kind below has four digits or more)
        cue = doc.cue_before(run.first, reach=10)
        category = cue[0] if cue else None
        if category == "SORTCODE" and n == 6:
            spans.append((run.start, run.end, "SORTCODE"))
        elif category == "ROUTING" and n == 9:
            spans.append((run.start, run.end, "ROUTING"))
        elif category == "ACCOUNT" and n == 6 and [len(g) for g in run.groups] == [2, 2, 2]:
            spans.append((run.start, run.end, "SORTCODE"))  # said as a sort code
        elif category == "ACCOUNT" and 4 <= n <= 17:
            spans.append((run.start, run.end, "ACCOUNT"))
        elif (
            n == 9
            and category not in ("NEG", "SSN", "PHONE")
            and not BANK_WORDS.isdisjoint(doc.words)
            and aba_ok(run.digits)
        ):
            spans.append((run.start, run.end, "ROUTING"))
    return spans


def _alnum(doc: Doc, index: int) -> str | None:
    """What a unit adds to a spelled code: a letter, digits, or a written chunk."""
    unit = doc.units[index]
    if unit.kind == "letter":
        return unit.letter.upper()
    if unit.kind == "num":
        return unit.digits
    if unit.kind == "word":
        raw = doc.toks[unit.first].raw
        if (
            raw.isalnum()
            and raw.isascii()
            and (any(c.isdigit() for c in raw) or (raw.isupper() and len(raw) <= 4))
        ):
            return raw.upper()
    return None


def alnum_sequences(doc: Doc) -> list[list[tuple[int, str]]]:
    """Maximal sequences of spelled or written letters and digits (fillers skipped)."""
    cached = doc.cache.get("alnum")
    if isinstance(cached, list):
        return cached
    sequences: list[list[tuple[int, str]]] = []
    doc.cache["alnum"] = sequences
    current: list[tuple[int, str]] = []
    for index, unit in enumerate(doc.units):
        chunk = _alnum(doc, index)
        if chunk is not None:
            current.append((index, chunk))
        elif unit.kind in ("filler", "sep") and current:
            continue
        else:
            if current:
                sequences.append(current)
            current = []
    if current:
        sequences.append(current)
    return sequences


def ibans(doc: Doc, found: list[Span]) -> list[Span]:
    """Spelled or written IBANs: the country's length and a mod-97 of 1."""
    spans: list[Span] = []
    written = doc.written_digits
    if written + sum(len(r.digits) for r in doc.runs if r.spoken) < 10:
        return spans  # the shortest IBAN (Norway) has 13 digits
    for sequence in alnum_sequences(doc):
        for s in range(len(sequence)):
            text = ""
            for e in range(s, len(sequence)):
                text += sequence[e][1]
                if len(text) < 15:
                    continue
                expected = IBAN_LENGTHS.get(text[:2], 0)
                if (expected and len(text) > expected) or len(text) > 34:
                    break
                if iban_ok(text):
                    first = doc.units[sequence[s][0]].first
                    last = doc.units[sequence[e][0]].last
                    spans.append((*doc.span(first, last), "IBAN"))
                    break
    return spans
