"""Personal data out of logs, training candidates and exports: property-based
tests with generated valid and invalid BSNs, IBANs and phone numbers."""

from __future__ import annotations

import logging
import re

from hypothesis import assume, given
from hypothesis import strategies as st

from bot.logs import RedactingFilter
from bot.privacy.redact import (
    ADDRESS_LABEL,
    BSN_LABEL,
    EMAIL_LABEL,
    IBAN_LABEL,
    PHONE_LABEL,
    STREET_LABEL,
    bsn_is_valid,
    iban_is_valid,
    redact,
)

digits = st.text("0123456789", min_size=1, max_size=1)
surroundings = st.sampled_from(["Mijn BSN is {}.", "bsn {} graag", "{}", "nummer: {}, klopt dat?"])


def with_check_digit(first_eight: str) -> str | None:
    """The ninth digit that makes an eleven-test-valid BSN, if there is one."""
    total = sum(int(d) * w for d, w in zip(first_eight, range(9, 1, -1)))
    last = total % 11
    return first_eight + str(last) if last < 10 else None


@st.composite
def valid_bsns(draw: st.DrawFn) -> str:
    first = draw(st.text("123456789", min_size=1, max_size=1)) + draw(st.text("0123456789", min_size=7, max_size=7))
    bsn = with_check_digit(first)
    assume(bsn is not None)
    assert bsn is not None
    style = draw(st.sampled_from(["plain", "dots", "spaces"]))
    if style == "dots":
        return f"{bsn[:3]}.{bsn[3:6]}.{bsn[6:]}"
    return f"{bsn[:3]} {bsn[3:6]} {bsn[6:]}" if style == "spaces" else bsn


@st.composite
def invalid_bsns(draw: st.DrawFn) -> str:
    number = draw(st.text("0123456789", min_size=9, max_size=9))
    assume(not bsn_is_valid(number))
    return number


def iban_check_digits(country: str, bban: str) -> str:
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{98 - int(numeric) % 97:02d}"


@st.composite
def valid_ibans(draw: st.DrawFn) -> str:
    bank = draw(st.sampled_from(["ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB"]))
    account = draw(st.text("0123456789", min_size=10, max_size=10))
    iban = f"NL{iban_check_digits('NL', bank + account)}{bank}{account}"
    if draw(st.booleans()):
        iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban if draw(st.booleans()) else iban.lower()


@st.composite
def invalid_ibans(draw: st.DrawFn) -> str:
    bank = draw(st.sampled_from(["ABNA", "INGB", "RABO"]))
    account = draw(st.text("0123456789", min_size=10, max_size=10))
    right = iban_check_digits("NL", bank + account)
    wrong = draw(st.integers(2, 98).map(lambda n: f"{n:02d}").filter(lambda c: c != right))
    return f"NL{wrong}{bank}{account}"


@st.composite
def dutch_phone_numbers(draw: st.DrawFn) -> str:
    mobile = "6" + draw(st.text("0123456789", min_size=8, max_size=8))
    landline = (
        "20" + draw(st.text("123456789", min_size=1, max_size=1)) + draw(st.text("0123456789", min_size=6, max_size=6))
    )
    national = draw(st.sampled_from([mobile, landline]))
    style = draw(st.sampled_from(["0{}", "+31{}", "+31 {}", "0031{}", "0{}-dash", "(0{}) spaced"]))
    if style == "0{}-dash":
        return f"0{national[:2]}-{national[2:]}" if national.startswith("20") else f"06-{national[1:]}"
    if style == "(0{}) spaced":
        return f"(0{national[:2]}) {national[2:5]} {national[5:]}"
    return style.format(national)


@given(valid_bsns(), surroundings)
def test_every_valid_bsn_is_redacted(bsn: str, sentence: str) -> None:
    redacted = redact(sentence.format(bsn))
    assert BSN_LABEL in redacted
    assert bsn not in redacted


@given(invalid_bsns())
def test_nine_digits_that_fail_the_eleven_test_are_no_bsn(number: str) -> None:
    assert BSN_LABEL not in redact(f"referentie {number}")


@given(valid_ibans(), st.sampled_from(["Stort het op {} a.u.b.", "iban: {}", "{}"]))
def test_every_valid_iban_is_redacted(iban: str, sentence: str) -> None:
    redacted = redact(sentence.format(iban))
    assert IBAN_LABEL in redacted
    assert iban_is_valid(iban)
    assert iban.replace(" ", "")[-6:] not in redacted.replace(" ", "")


@given(invalid_ibans())
def test_an_iban_with_wrong_check_digits_is_no_iban(text: str) -> None:
    assert not iban_is_valid(text)
    assert IBAN_LABEL not in redact(f"code {text}")


@given(dutch_phone_numbers(), st.sampled_from(["Bel me op {}", "{} graag terugbellen", "tel.nr {}."]))
def test_every_dutch_phone_number_is_redacted(number: str, sentence: str) -> None:
    redacted = redact(sentence.format(number))
    assert PHONE_LABEL in redacted, redacted
    assert not any(char.isdigit() for char in redacted), redacted


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",), blacklist_characters="@"), max_size=200))
def test_text_without_digits_or_at_signs_is_left_alone(text: str) -> None:
    assert redact(text) == text


@given(st.text(max_size=120))
def test_redacting_twice_changes_nothing_more(text: str) -> None:
    once = redact(text)
    assert redact(once) == once


def test_e_mail_addresses_and_postcodes_with_house_numbers() -> None:
    text = "Mail naar jan.de.vries+gemeente@example.nl, ik woon op 1234 AB 12a en mijn buurman op 5678CD nr 3."
    redacted = redact(text)
    assert redacted == f"Mail naar {EMAIL_LABEL}, ik woon op {ADDRESS_LABEL} en mijn buurman op {ADDRESS_LABEL}."


def test_a_postcode_alone_dates_amounts_and_references_stay() -> None:
    text = (
        "Wanneer wordt het afval in 1234 AB opgehaald? Melding M-20261128-0042, order 1234567, "
        "op 2026-11-28 om 14:30, kosten 84,45 euro, 3 containers. Bel 112 bij brand."
    )
    assert redact(text) == text


def test_log_lines_are_redacted(caplog) -> None:
    logger = logging.getLogger("tests.redaction")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO):
        logger.info("citizen wrote %r", "bel 0612345678 of mail a@b.nl, bsn 111222333")
    assert "0612345678" not in caplog.text and "a@b.nl" not in caplog.text and "111222333" not in caplog.text
    assert PHONE_LABEL in caplog.text and EMAIL_LABEL in caplog.text and BSN_LABEL in caplog.text


street_names = st.tuples(
    st.sampled_from(["Kerk", "Dorps", "Molen", "Van Gogh", "Wilhelmina", "Stations", "Lange Nieuw", "Oude Haven"]),
    st.sampled_from(["straat", "weg", "laan", "plein", "gracht", "kade", "singel", "dijk", "dreef", "hof", "pad"]),
).map("".join)
house_numbers = st.tuples(st.integers(1, 4999), st.sampled_from(["", "a", " B", "-2", "-14"])).map(
    lambda t: f"{t[0]}{t[1]}"
)


@given(
    street=street_names,
    number=house_numbers,
    sentence=st.sampled_from(["Ik woon op de {}.", "Er ligt vuil voor {} al weken", "{}", "adres: {}, graag snel"]),
)
def test_a_street_with_a_house_number_is_redacted(street: str, number: str, sentence: str) -> None:
    redacted = redact(sentence.format(f"{street} {number}"))
    assert STREET_LABEL in redacted
    assert not re.search(rf"\b{re.escape(number.split('-')[0].strip())}\b", redacted.replace(STREET_LABEL, ""))


def test_a_street_alone_and_numbers_that_are_not_house_numbers_stay() -> None:
    text = "De Kerkstraat is weer open. De weg 12 keer gemaakt, melding M-20261128-0042, A12 dicht."
    assert redact(text) == text
