"""Email addresses in contracts: pydantic's ``EmailStr``, with a shortcut for plain ones.

``EmailStr`` checks an address with email-validator, ~40 µs of Python each: more
than decoding the rest of a ``CustomerRegistered`` several times over, and every
service reads the customers topic (a rebuild of analytics spent a fifth of its
decoding on it). An address of the plain shape nearly every customer's has
(lower-case ASCII words, a domain ending in a letters-only top-level domain,
within the length limits) is one email-validator accepts and returns unchanged,
so it is taken as it is. Anything else still goes through ``EmailStr``, which
normalises it or says why it is not an address; the JSON schema is ``EmailStr``'s.
"""

from __future__ import annotations

import re
from typing import Annotated

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import EmailStr, ValidatorFunctionWrapHandler, WrapValidator

PLAIN = re.compile(
    r"(?P<local>[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*)"
    r"@(?P<domain>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})"
)
ADDRESS_MAX = 254
LOCAL_PART_MAX = 64
DOMAIN_MAX = 253


def is_plain(value: str) -> bool:
    """Whether email-validator would take ``value`` as it is, decided without it."""
    if len(value) > ADDRESS_MAX or (match := PLAIN.fullmatch(value)) is None:
        return False
    local, domain = match["local"], match["domain"]
    return (
        len(local) <= LOCAL_PART_MAX
        and len(domain) <= DOMAIN_MAX
        and "--" not in domain  # Punycode and its look-alikes: email-validator's to judge
        and not any(domain == d or domain.endswith("." + d) for d in SPECIAL_USE_DOMAIN_NAMES)
    )


def _plain_or_checked(value: object, check: ValidatorFunctionWrapHandler) -> str:
    if isinstance(value, str) and is_plain(value):
        return value
    checked: str = check(value)
    return checked


Email = Annotated[EmailStr, WrapValidator(_plain_or_checked)]
