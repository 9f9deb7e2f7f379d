"""An address taken without email-validator is one it would have taken unchanged."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import EmailStr, TypeAdapter, ValidationError

from contracts.emails import PLAIN, Email, is_plain

EMAIL = TypeAdapter(Email)
EMAIL_STR = TypeAdapter(EmailStr)


@settings(max_examples=500)
@given(st.from_regex(PLAIN, fullmatch=True).filter(is_plain))
def test_an_address_taken_as_plain_is_one_email_validator_accepts_unchanged(
    address: str,
) -> None:
    # given an address of the plain shape / when email-validator checks it
    # then it accepts it as it is, which is what the shortcut returns
    assert EMAIL_STR.validate_python(address) == address
    assert EMAIL.validate_python(address) == address


@pytest.mark.parametrize(
    ("given", "read_as"),
    [
        ("ada.lovelace@engines.example", "ada.lovelace@engines.example"),
        ("Ada.Lovelace@Engines.Example", "Ada.Lovelace@engines.example"),
        ("Ada Lovelace <ada@engines.example>", "ada@engines.example"),
        ("  ada@engines.example ", "ada@engines.example"),
        ("zoë@engines.example", "zoë@engines.example"),
        (f"{'a' * 65}@engines.example", f"{'a' * 65}@engines.example"),
    ],
)
def test_any_other_address_is_read_as_email_str_reads_it(given: str, read_as: str) -> None:
    assert EMAIL.validate_python(given) == EMAIL_STR.validate_python(given) == read_as


@pytest.mark.parametrize(
    "address",
    [
        "ada@localhost",
        "ada@engines.test",
        "ada@engines.local",
        "ada..lovelace@engines.example",
        "ada@-engines.example",
        "ada@engines.123",
        "ada@xn--zz.example",
        "not an address",
    ],
)
def test_an_address_email_str_rejects_is_rejected(address: str) -> None:
    assert not is_plain(address)
    with pytest.raises(ValidationError):
        EMAIL_STR.validate_python(address)
    with pytest.raises(ValidationError, match="not a valid email address"):
        EMAIL.validate_python(address)
