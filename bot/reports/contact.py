"""A citizen's contact details for news about their report: e-mail or phone, checked."""

from __future__ import annotations

import re
from typing import Optional

import phonenumbers
from email_validator import EmailNotValidError, validate_email

EMAIL_CANDIDATE = re.compile(r"[^\s<>()\[\],;:]+@[^\s<>()\[\],;:]+")
PHONE_CANDIDATE = re.compile(r"(?:\+|00)?\d[\d\s\-()]{7,}\d")


def find_email(text: str) -> Optional[str]:
    """The normalised e-mail address in ``text``; None when there is none or it is invalid."""
    match = EMAIL_CANDIDATE.search(text)
    if not match:
        return None
    try:
        return validate_email(match.group(0).rstrip("."), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def find_phone(text: str) -> Optional[str]:
    """A valid Dutch (or international) phone number in ``text``, in E.164 form."""
    for match in PHONE_CANDIDATE.finditer(text):
        try:
            number = phonenumbers.parse(match.group(0), "NL")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def looks_like_contact_attempt(text: str) -> bool:
    """Whether the citizen seems to have typed an address or number (valid or not)."""
    return "@" in text or bool(re.search(r"\d{6,}", re.sub(r"[\s\-]", "", text)))
