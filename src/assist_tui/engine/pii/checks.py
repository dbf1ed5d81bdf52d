"""Checksums and shapes: Luhn and card prefixes, ABA routing, IBAN mod-97, SSN, NI number,
and calendar dates."""

from __future__ import annotations

import re


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a digit string (as card numbers carry)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card_prefix_ok(d: str) -> bool:
    n = len(d)
    p2, p3, p4, p6 = int(d[:2]), int(d[:3]), int(d[:4]), int(d[:6])
    return (
        (d[0] == "4" and n in (13, 16, 19))  # Visa
        or (51 <= p2 <= 55 and n == 16)  # Mastercard
        or (2221 <= p4 <= 2720 and n == 16)
        or (p2 in (34, 37) and n == 15)  # American Express
        or ((d.startswith("6011") or 644 <= p3 <= 649 or p2 == 65) and 16 <= n <= 19)
        or (622126 <= p6 <= 622925 and 16 <= n <= 19)  # Discover
        or (p2 == 62 and 16 <= n <= 19)  # UnionPay
        or ((300 <= p3 <= 305 or p2 in (36, 38, 39)) and 14 <= n <= 19)  # Diners
        or (3528 <= p4 <= 3589 and 16 <= n <= 19)  # JCB
        or ((p2 == 50 or 56 <= p2 <= 69) and 13 <= n <= 19)  # Maestro
    )


def card_ok(digits: str) -> bool:
    """A payment card number: 13-19 digits, a known issuer prefix, Luhn on the whole."""
    return 13 <= len(digits) <= 19 and _card_prefix_ok(digits) and luhn_ok(digits)


def aba_ok(digits: str) -> bool:
    """An ABA routing number: nine digits, weights 3-7-1, a valid Federal Reserve prefix."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    prefix = int(digits[:2])
    if not (0 <= prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80):
        return False
    weights = (3, 7, 1) * 3
    return sum(int(c) * w for c, w in zip(digits, weights, strict=True)) % 10 == 0


IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28,
    "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31,
    "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SA": 24, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "TR": 26,
}  # fmt: skip


def iban_ok(text: str) -> bool:
    """An IBAN: country code, the country's length, mod-97 of the rearranged number is 1."""
    code = text.upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", code):
        return False
    expected = IBAN_LENGTHS.get(code[:2])
    if expected is not None and len(code) != expected:
        return False
    moved = code[4:] + code[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def ssn_ok(digits: str) -> bool:
    """A US SSN as issued: area not 000, 666 or 9xx; group not 00; serial not 0000."""
    if len(digits) != 9:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


_NINO_BAD_PREFIX = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def nino_ok(letters: str, digits: str, suffix: str, *, strict: bool) -> bool:
    """A UK National Insurance number: two letters, six digits, a suffix A-D."""
    if len(letters) != 2 or len(digits) != 6 or (suffix and suffix.upper() not in "ABCD"):
        return False
    if not strict:
        return True
    a, b = letters.upper()[0], letters.upper()[1]
    return a not in "DFIQUV" and b not in "DFIOQUV" and letters.upper() not in _NINO_BAD_PREFIX


def month_year_ok(digits: str) -> bool:
    """A card expiry read as digits: M/YY, MM/YY, MM/YYYY."""
    for cut in (1, 2):
        month, year = digits[:cut], digits[cut:]
        if not month or not 1 <= int(month) <= 12 or (cut == 1 and month == "0"):
            continue
        if len(year) == 2 or (len(year) == 4 and year.startswith("20")):
            return True
    return False
