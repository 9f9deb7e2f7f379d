"""Consent per channel and purpose: what the customer allowed, when, and where they said so."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypedDict


class Channel(StrEnum):
    """How the company may reach a customer: for consents and the preferred channel."""

    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"
    POST = "post"
    PUSH = "push"
    WHATSAPP = "whatsapp"


class Purpose(StrEnum):
    MARKETING = "marketing"
    NEWSLETTER = "newsletter"
    SURVEYS = "surveys"
    PROFILING = "profiling"
    SERVICE = "service"
    THIRD_PARTY = "third_party"


class Consent(TypedDict):
    channel: str
    purpose: str
    granted: bool
    source: str
    given_at: str  # ISO 8601: stored as given, compared as text


def key_of(consent: Consent) -> str:
    return f"{consent['channel']}:{consent['purpose']}"


def merged(current: Mapping[str, Consent], given: Iterable[Consent]) -> dict[str, Consent]:
    """The consents after ``given``: a pair not mentioned keeps its last answer.

    Repeating the same answer from the same source changes nothing, so a
    retried PUT records no new consent; the latest answer per pair wins.
    """
    after = dict(current)
    for consent in given:
        key = key_of(consent)
        before = after.get(key)
        if before is not None and (before["granted"], before["source"]) == (
            consent["granted"],
            consent["source"],
        ):
            continue
        if before is not None and before["given_at"] > consent["given_at"]:
            continue  # an older answer arriving late does not override a newer one
        after[key] = consent
    return after
