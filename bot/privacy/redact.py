"""Personal data out of text that leaves the conversation: logs, training
candidates, exports.

Each kind is replaced by a label a reader still understands ("[BSN]",
"[IBAN]"…). Numbers are only taken for a BSN or IBAN when their check digits
are right, so a report reference or an order number stays readable.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable

import phonenumbers

BSN_LABEL = "[BSN]"
IBAN_LABEL = "[IBAN]"
PHONE_LABEL = "[TELEFOON]"
EMAIL_LABEL = "[E-MAIL]"
ADDRESS_LABEL = "[POSTCODE HUISNR]"
STREET_LABEL = "[STRAAT HUISNR]"

# A Dutch number has ten digits with its 0; shorter runs are dates, amounts, references.
MIN_PHONE_DIGITS = 9
# The look-behind lets a match start only where an address can start, and every
# part is bounded: a long run of letters costs linear time, not quadratic.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}", re.UNICODE)
# Written in one piece or in groups of four, as on a bank card.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b", re.IGNORECASE)
# Nine digits, or written 123.456.782 / 123 456 782; not part of a longer number.
_BSN = re.compile(r"(?<![\d.])\d{3}[. ]?\d{3}[. ]?\d{3}(?![\d]|\.\d)")
# 1234 AB 12, 1234AB 12a, 1234 ab nr 12: a postcode with the house number.
_ADDRESS = re.compile(
    r"\b[1-9]\d{3}\s?[A-Za-z]{2}\b[\s,]{0,4}(?:(?:huis)?n(?:umme)?r\.?\s{0,3})?\d{1,5}(?:\s?[a-zA-Z]\b|-\d+)?",
)
# Kerkstraat 12, Markt 3a, Dorpsweg nr. 7-2: a street name (by its
# ending) with a house number. A street without a number says where, not who.
_STREET_ENDINGS = (
    "straat|str|weg|laan|plein|gracht|kade|singel|dijk|dreef|hof|park|pad|steeg|wal|markt|ring|baan|"
    "boulevard|plantsoen|erf|veld|haven|burg|brink|dam|zijde|hoek|akker|wijk|kant|zoom|vaart"
)
_STREET = re.compile(
    # Starts only where a word starts (linear time), and a bare "weg 12" is no street.
    rf"(?<![A-Za-zÀ-ÿ'.-])(?:[A-Za-zÀ-ÿ'.-]{{2,40}}(?:{_STREET_ENDINGS})|markt|brink|dam|ring|haven|singel|kade|dijk)"
    r"\.?\s{1,3}(?:(?:huis)?n(?:umme)?r\.?\s{0,3})?[1-9]\d{0,4}(?:\s?[a-zA-Z]\b|\s?-\s?\d{1,4}\b)?(?!\d)",
    re.IGNORECASE,
)


def bsn_is_valid(digits: str) -> bool:
    """The eleven-test: 9·d1 + 8·d2 + … + 2·d8 − d9 is a multiple of 11 (and not 0)."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    total = sum(int(d) * weight for d, weight in zip(digits, range(9, 1, -1), strict=False)) - int(digits[8])
    return total % 11 == 0 and int(digits) != 0


def iban_is_valid(text: str) -> bool:
    """ISO 13616: the country code and check digits moved to the end, mod 97 is 1."""
    iban = re.sub(r"\s", "", text).upper()
    if not 15 <= len(iban) <= 34 or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _replace_checked(pattern: re.Pattern[str], label: str, valid: Callable[[str], bool]) -> Callable[[str], str]:
    def replace(text: str) -> str:
        return pattern.sub(lambda m: label if valid(m.group(0)) else m.group(0), text)

    return replace


def _looks_like_bsn(raw: str) -> bool:
    """Nine digits passing the eleven-test, without the 0 or +31 a phone number
    starts with: a BSN, which the next step labels as one."""
    digits = re.sub(r"\D", "", raw)
    return raw.strip()[:1] not in ("0", "+", "(") and bsn_is_valid(digits)


def _redact_phones(text: str) -> str:
    """Dutch and international numbers of a possible length, as libphonenumber
    finds them; generous, since a missed number is worse than a redacted one."""
    spans = [
        (match.start, match.end)
        for match in phonenumbers.PhoneNumberMatcher(text, "NL", leniency=phonenumbers.Leniency.POSSIBLE)
        if len(re.sub(r"\D", "", match.raw_string)) >= MIN_PHONE_DIGITS and not _looks_like_bsn(match.raw_string)
    ]
    for start, end in reversed(spans):
        text = text[:start] + PHONE_LABEL + text[end:]
    return text


_STEPS: tuple[Callable[[str], str], ...] = (
    lambda text: _EMAIL.sub(EMAIL_LABEL, text),
    _replace_checked(_IBAN, IBAN_LABEL, iban_is_valid),
    lambda text: _ADDRESS.sub(ADDRESS_LABEL, text),
    lambda text: _STREET.sub(STREET_LABEL, text),
    _redact_phones,
    _replace_checked(_BSN, BSN_LABEL, lambda found: bsn_is_valid(re.sub(r"\D", "", found))),
)


def redact(text: str) -> str:
    """``text`` with BSNs, IBANs, e-mail addresses, postcodes with house numbers,
    streets with house numbers and phone numbers replaced by labels."""
    for step in _STEPS:
        text = step(text)
    return text


_NOISE = re.compile(r"https?://\S+|@\w+|[^\w\s\[\]]", re.UNICODE)


def review_key(text: str) -> str:
    """``text`` redacted, then in lower case without accents, punctuation,
    mentions and links: near-identical questions share it (bot/learning/review.py)."""
    plain = unicodedata.normalize("NFKD", redact(text).lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(_NOISE.sub(" ", plain).split())[:255]
