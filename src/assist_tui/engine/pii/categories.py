"""The PII categories by name (each one a placeholder and a setting), with no imports,
so the configuration can check names without loading the detectors."""

from __future__ import annotations

from collections.abc import Iterable

# Every category and what it catches (the README lists them with examples).
CATEGORIES: dict[str, str] = {
    "CARD": "payment card number (issuer prefix, Luhn)",
    "CVV": "card security code (after a card or with a cue)",
    "EXPIRY": "card expiry date (after a card or with a cue)",
    "ACCOUNT": "bank account number (with a cue)",
    "SORTCODE": "UK sort code (with a cue)",
    "ROUTING": "US routing number (cue, or ABA checksum in bank talk)",
    "IBAN": "IBAN (country length, mod-97)",
    "SSN": "US social security number (cue, or said 3-2-4)",
    "NINO": "UK National Insurance number",
    "DOB": "date of birth (a date after a birth cue)",
    "EMAIL": "e-mail address, written or said aloud",
    "PHONE": "phone number, North American or international",
    "ADDRESS": "street address (house number, street name, street word)",
    "POSTCODE": "postcode or ZIP with an address cue",
    "NAME": "name spelled letter by letter",
}


def check_categories(names: Iterable[str]) -> list[str]:
    """The names upper-cased; ValueError naming the unknown ones."""
    wanted = [n.strip().upper() for n in names]
    unknown = [n for n in wanted if n not in CATEGORIES]
    if unknown:
        raise ValueError(f"unknown PII categories {unknown}; known: {', '.join(CATEGORIES)}")
    return wanted
