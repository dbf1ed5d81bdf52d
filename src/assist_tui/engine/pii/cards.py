"""Payment card detectors: the card number (issuer prefix and Luhn on the whole run),
then its security code and expiry date (after a card, or announced by a cue)."""

from __future__ import annotations

from assist_tui.engine.pii.checks import card_ok, month_year_ok
from assist_tui.engine.pii.lexicon import MONTHS
from assist_tui.engine.pii.normalize import Doc, Run

Span = tuple[int, int, str]
_CARD_TALK = frozenset(
    {"card", "visa", "mastercard", "amex", "discover", "debit", "credit", "expires", "expiry",
     "expiration", "exp", "cvv", "cvc"}
)  # fmt: skip
AFTER_CARD_TOKENS = 16  # how far after a card a bare code or date still belongs to it


def cards(doc: Doc, found: list[Span]) -> list[Span]:
    """Whole runs of 13-19 digits with an issuer prefix that pass Luhn."""
    return [(r.start, r.end, "CARD") for r in doc.runs if not r.amount and card_ok(r.digits)]


def _after_card(doc: Doc, run: Run) -> bool:
    """The run comes soon after a card number, with no other number between."""
    previous = [r for r in doc.runs if r.end <= run.start]
    if not previous:
        return False
    last = previous[-1]
    if card_ok(last.digits):
        return run.first - last.last <= AFTER_CARD_TOKENS
    # card, expiry, code: the code follows the expiry that followed the card
    if len(previous) >= 2 and card_ok(previous[-2].digits) and month_year_ok(last.digits):
        return run.first - previous[-2].last <= 2 * AFTER_CARD_TOKENS
    return False


def _split(doc: Doc, run: Run, head_digits: int) -> int | None:
    """The character where the run's first ``head_digits`` digits end, if a unit ends there."""
    count = 0
    for index in run.units:
        count += len(doc.units[index].digits)
        if count == head_digits:
            return doc.toks[doc.units[index].last].end
        if count > head_digits:
            return None
    return None


def _expiry_like(digits: str) -> bool:
    """Month and year without a cue: the year must be near (a code could read as a date)."""
    if len(digits) in (3, 4):
        return month_year_ok(digits) and 15 <= int(digits[-2:]) <= 45
    return month_year_ok(digits)


def codes_and_dates(doc: Doc, found: list[Span]) -> list[Span]:
    """Security codes (CVV) and expiry dates, read as digits, written dates or month names."""
    spans: list[Span] = []
    for run in doc.runs:
        n = len(run.digits)
        if n < 2 or run.amount or card_ok(run.digits):
            continue  # (every code or date below has two digits or more)
        cue = doc.cue_before(run.first, reach=8)
        category = cue[0] if cue else None
        after = _after_card(doc, run)
        month = _month_before(doc, run)
        if category == "EXPIRY" or (after and category not in ("CVV", "CODE", "NEG")):
            if month is not None and n in (2, 4):
                spans.append((doc.toks[month].start, run.end, "EXPIRY"))
                continue
            shaped = month_year_ok if category == "EXPIRY" else _expiry_like
            if 3 <= n <= 6 and shaped(run.digits):
                spans.append((run.start, run.end, "EXPIRY"))
                continue
            if n in (7, 8) and month_year_ok(run.digits[:4]):
                cut = _split(doc, run, 4)
                if cut is not None:
                    spans += [(run.start, cut, "EXPIRY"), (cut, run.end, "CVV")]
                    continue
        if 3 <= n <= 4 and (
            category == "CVV"
            or (category == "CODE" and _card_seen(doc, run))
            or (after and category not in ("NEG", "EXPIRY"))
        ):
            spans.append((run.start, run.end, "CVV"))
    for unit in doc.units:
        if unit.kind != "date" or len(unit.groups) != 2:
            continue
        tok = unit.first
        cue = doc.cue_before(tok, reach=8)
        near_card = any(
            card_ok(r.digits) and 0 <= tok - r.last <= AFTER_CARD_TOKENS for r in doc.runs
        )
        if ((cue and cue[0] == "EXPIRY") or near_card) and month_year_ok(unit.digits):
            spans.append((doc.toks[tok].start, doc.toks[tok].end, "EXPIRY"))
    return spans


def _card_seen(doc: Doc, run: Run) -> bool:
    return any(card_ok(r.digits) for r in doc.runs if r.end <= run.start) or any(
        w in _CARD_TALK for w in doc.words[: run.first]
    )


def _month_before(doc: Doc, run: Run) -> int | None:
    """The token index of a month name said right before the run ("march twenty eight")."""
    j = run.first - 1
    if j >= 0 and doc.toks[j].word in ("of",):
        j -= 1
    if j >= 0 and doc.toks[j].word in MONTHS:
        return j
    return None
