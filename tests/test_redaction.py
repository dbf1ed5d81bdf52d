"""PII redaction on scripted speech, NatCS utterances, and look-alikes that must survive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assist_tui.engine.pii.lexicon import NUMBER_WORDS
from assist_tui.engine.redaction import CATEGORIES, Redactor, luhn_ok

NATCS = Path(__file__).resolve().parents[1] / "src/assist_tui/emulator/data"

redactor = Redactor()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The number is four one one one, one one one one, one one one one, one one one one.",
            "The number is [CARD].",
        ),
        ("card 4111 1111 1111 1111 exp 09/28", "card [CARD] exp [EXPIRY]"),
        (
            "Expires oh nine twenty eight, and the code is seven three seven.",
            "Expires [EXPIRY], and the code is [CVV].",
        ),
        (
            "my account number is zero six six nine seven two eight two",
            "my account number is [ACCOUNT]",
        ),
        ("card 4111-1111-1111-1111", "card [CARD]"),
        ("my social is 123-45-6789 thanks", "my social is [SSN] thanks"),
        (
            "my social security number is one two three four five six seven eight nine",
            "my social security number is [SSN]",
        ),
        ("Email it to helen.okafor@example.com please", "Email it to [EMAIL] please"),
        ("Email it to helen dot okafor at example dot com please.", "Email it to [EMAIL] please."),
        ("call me at (415) 555-0134 or +1 415-555-0134", "call me at [PHONE] or [PHONE]"),
        (
            "my phone number is four one five five five five zero one three four",
            "my phone number is [PHONE]",
        ),
    ],
)
def test_pii_is_replaced_by_its_kind(text: str, expected: str) -> None:
    result = redactor.redact(text)
    assert result.text == expected
    assert result.changed


@pytest.mark.parametrize(
    "text",
    [
        "Your confirmation number is four four eight two one.",
        "order number 1234567812345678 shipped",  # 16 digits, fails Luhn
        "the charge was forty two dollars and ten cents on March third",
        "pay $1,234.56 by 03/04/2026",
        "Your dispute reference is D as in delta, seven seven four one.",
        "I'm at home dot dot dot waiting",
        "version four point two",
        "call 2026 was the year",
    ],
)
def test_look_alikes_survive(text: str) -> None:
    assert redactor.redact(text).text == text


def test_luhn() -> None:
    assert luhn_ok("4111111111111111")
    assert luhn_ok("79927398713")
    assert not luhn_ok("4111111111111112")


def test_disabled_redactor_changes_nothing() -> None:
    text = "card 4111 1111 1111 1111"
    assert Redactor(enabled=False).redact(text).text == text


def test_natcs_utterances_keep_their_ordinary_words() -> None:
    """On real customer speech: every placeholder replaces digits or an address, and
    sentences without numbers or @ come back unchanged."""
    checked = 0
    for name in ("banking-utterances.jsonl", "insurance-utterances.jsonl"):
        for line in (NATCS / name).read_text().splitlines():
            text = json.loads(line)["utterance"]
            result = redactor.redact(text)
            if result.changed:
                assert set(result.found) <= set(CATEGORIES)
            if not any(ch.isdigit() for ch in text) and "@" not in text and " dot " not in text:
                words = {p for w in text.split() for p in w.strip(".,?!").lower().split("-")}
                if not words & (NUMBER_WORDS | {"oh"}):
                    assert result.text == text
                    checked += 1
    assert checked > 300


def test_teens_and_tens_cannot_slip_past_the_precheck() -> None:
    # 4 number words saying 8 digits plus one more: a nine-digit SSN in five words.
    text = "my social security number is twelve thirty four fifty six seventy eight nine"
    assert redactor.redact(text).text == "my social security number is [SSN]"


def test_redact_update_covers_text_and_words() -> None:
    from assist_tui.engine.redaction import redact_update
    from assist_tui.model import UtteranceUpdate

    spoken = "my card is four one one one one one one one one one one one one one one one thanks"
    words = [
        {"text": w, "confidence": 0.9, "offset_ms": i * 300, "duration_ms": 250}
        for i, w in enumerate(spoken.split())
    ]
    update = UtteranceUpdate.model_validate(
        {
            "conversation_id": "c",
            "utterance_id": "u",
            "text": spoken,
            "words": words,
            "confidence": 0.9,
            "is_final": True,
        }
    )
    redacted, result = redact_update(redactor, update)
    assert redacted.text == "my card is [CARD] thanks"
    assert [w.text for w in redacted.words][:4] == ["my", "card", "is", "[CARD]"]
    assert {w.text for w in redacted.words[3:-1]} == {"[CARD]"}
    assert len(redacted.words) == len(words)  # timings kept word for word
    assert result.found == {"CARD": 1}
    plain = update.model_copy(update={"text": "hello", "words": ()})
    assert redact_update(redactor, plain)[0] is plain


def test_partials_hide_digit_runs_that_may_become_a_card() -> None:
    growing = "A Visa card. The number is four one one one, one one one one"
    assert redactor.redact(growing).text == growing  # final: 8 digits, not PII
    hidden = redactor.redact(growing, partial=True)
    assert hidden.text == "A Visa card. The number is [NUMBER]"
    assert redactor.redact("order four four eight", partial=True).text == "order four four eight"
