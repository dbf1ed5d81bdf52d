"""The normalizer and the detectors, one behaviour each: spoken forms, checksums, cues,
placeholders in text and words, categories turned off."""

from __future__ import annotations

import pytest

from assist_tui.engine.pii.checks import aba_ok, card_ok, iban_ok
from assist_tui.engine.pii.normalize import read
from assist_tui.engine.redaction import Redactor, redact_update
from assist_tui.model import UtteranceUpdate

redactor = Redactor()


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("double eight triple one", "88111"),
        ("four one, um, one one, uh, sorry, let me see, one one", "411111"),
        ("oh nine twenty eight", "0928"),
        ("eight hundred five five five", "800555"),
        ("4111.1111", "41111111"),
        ("two two dash one one", "2211"),
        ("four one one one dot one one one one", "41111111"),
        ("twenty, eight", "208"),  # a pause: two numbers said, not 28
    ],
)
def test_spoken_forms_become_one_digit_run(text: str, digits: str) -> None:
    runs = read(text).runs
    assert [r.digits for r in runs] == [digits]


def test_amounts_and_listed_numbers_stay_apart() -> None:
    assert read("it was 20 dollars").runs[0].amount
    assert [r.digits for r in read("1234 and 5678").runs] == ["1234", "5678"]
    assert read("oh I see").runs == []


def test_checksums() -> None:
    assert card_ok("4111111111111111") and not card_ok("4111111111111112")
    assert not card_ok("1234567812345670")  # Luhn passes, no issuer starts with 1
    assert aba_ok("021000021") and not aba_ok("021000022")
    assert iban_ok("GB82WEST12345698765432") and not iban_ok("GB82WEST12345698765433")


def test_card_is_luhn_checked_on_the_whole_run_only() -> None:
    # 4111111111111111 followed by three more digits: 19 digits failing Luhn, not a card.
    assert redactor.redact("order 4111 1111 1111 1111 123").text == "order 4111 1111 1111 1111 123"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4111111111111111 exp 04/27 cvv 123", "card [CARD] exp [EXPIRY] cvv [CVV]"),
        ("sort code twenty, oh four, fifty one", "sort code [SORTCODE]"),
        ("routing number 021000021", "routing number [ROUTING]"),
        ("IBAN GB82 WEST 1234 5698 7654 32", "IBAN [IBAN]"),
        ("it's one two three, four five, six seven eight nine", "it's [SSN]"),
        ("NI number QQ 12 34 56 C", "NI number [NINO]"),
        ("born on the fourth of July nineteen seventy six", "born on [DOB]"),
        ("zip code nine oh two one oh", "zip code [POSTCODE]"),
        ("I live at 42 Wallaby Way", "I live at [ADDRESS]"),
        ("j o h n dot smith at gmail dot com", "[EMAIL]"),
        ("plus four four two oh seven nine four six oh nine five eight", "[PHONE]"),
        ("S as in Sam, M, I, T, H", "[NAME]"),
    ],
)
def test_each_category_has_its_placeholder(text: str, expected: str) -> None:
    assert redactor.redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "the payment is due on March fifth nineteen ninety",  # a date, no birth cue
        "my order number is four one five five five five zero one three four",
        "I waited twenty five minutes",
        "the A T M kept my card",
    ],
)
def test_look_alikes_survive(text: str) -> None:
    assert redactor.redact(text).text == text


def test_categories_can_be_turned_off() -> None:
    text = "my date of birth is May 1, 1982 and my zip is 90210"
    assert (
        Redactor(disabled=["DOB"]).redact(text).text
        == "my date of birth is May 1, 1982 and my zip is [POSTCODE]"
    )
    assert (
        Redactor(categories=["DOB"]).redact(text).text
        == "my date of birth is [DOB] and my zip is 90210"
    )
    with pytest.raises(ValueError, match="unknown PII categories"):
        Redactor(disabled=["SHOE_SIZE"])


def test_context_carries_a_cue_from_the_previous_final() -> None:
    assert (
        redactor.redact("one two three four", context="what's your account number").text
        == "[ACCOUNT]"
    )
    assert redactor.redact("one two three four").text == "one two three four"


def test_words_are_redacted_with_their_timings() -> None:
    spoken = "my sort code is two oh, double oh, one four thanks"
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
    redacted, found = redact_update(redactor, update)
    assert redacted.text == "my sort code is [SORTCODE] thanks"
    assert [w.text for w in redacted.words] == [
        "my",
        "sort",
        "code",
        "is",
        *["[SORTCODE]"] * 6,
        "thanks",
    ]
    assert [w.offset_ms for w in redacted.words] == [w["offset_ms"] for w in words]
    assert found.found == {"SORTCODE": 1}


def test_the_table_of_spoken_digits_reads_as_the_rules_do() -> None:
    """The one-lookup table says what the word tests said: units first, then teens, tens
    and "tens-unit" pairs (never with a zero word), and nothing else."""
    from assist_tui.engine.pii.lexicon import TEENS, TENS, UNITS, ZEROS
    from assist_tui.engine.pii.normalize import _spoken_digit

    def by_rules(word: str) -> str | None:
        if word in UNITS:
            return UNITS[word]
        if word in TEENS:
            return TEENS[word]
        if word in TENS:
            return TENS[word] + "0"
        head, sep, tail = word.partition("-")
        if sep and head in TENS and tail in UNITS and tail not in ZEROS:
            return TENS[head] + UNITS[tail]
        return None

    words = [*UNITS, *TEENS, *TENS, "hundred", "card", "", "-", "twenty-", "-one"]
    words += [f"{h}-{t}" for h in [*TENS, *UNITS, "x"] for t in [*UNITS, *TEENS, "x", "one-two"]]
    assert [_spoken_digit(w) for w in words] == [by_rules(w) for w in words]
    assert _spoken_digit("twenty-one") == "21" and _spoken_digit("twenty-oh") is None
