"""Contact data as the CRM keeps it: e-mails normalized, phone numbers in E.164."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from acquisition.domain.errors import InvalidInput


class InvalidContact(InvalidInput):
    """A contact field cannot be normalized."""


def normalize_email(raw: str | None, field: str = "email") -> str | None:
    """The address with its domain lower-cased (the local part is the owner's to decide)."""
    if raw is None or not raw.strip():
        return None
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InvalidContact(field, str(error)) from None


def normalize_phone(raw: str | None, default_region: str, field: str = "phone") -> str | None:
    """E.164 (``+4930123456``); a national number is read in ``default_region``."""
    if raw is None or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as error:
        raise InvalidContact(field, f"{raw!r} is not a phone number ({error})") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidContact(field, f"{raw!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def region_of_phone(e164: str | None) -> str | None:
    """The ISO country of a normalized number: a territory when none was given."""
    if e164 is None:
        return None
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or None


def email_key(email: str | None) -> str | None:
    """What makes two addresses the same mailbox, for duplicate detection."""
    return email.casefold() if email else None
