"""PII redaction, the engine's entry point: see :mod:`assist_tui.engine.pii` for the
normalizer and the detectors of each category."""

from __future__ import annotations

from assist_tui.engine.pii.categories import CATEGORIES
from assist_tui.engine.pii.checks import luhn_ok
from assist_tui.engine.pii.redactor import (
    NUMBER,
    PARTIAL_RUN_DIGITS,
    Redaction,
    Redactor,
    redact_group,
    redact_update,
)

CARD, SSN, EMAIL, PHONE = "CARD", "SSN", "EMAIL", "PHONE"

__all__ = [
    "CARD",
    "CATEGORIES",
    "EMAIL",
    "NUMBER",
    "PARTIAL_RUN_DIGITS",
    "PHONE",
    "SSN",
    "Redaction",
    "Redactor",
    "luhn_ok",
    "redact_group",
    "redact_update",
]
