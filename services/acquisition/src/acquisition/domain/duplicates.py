"""Who might be the same person: same mailbox or phone, or a similar name at a similar company."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TypedDict

from acquisition.domain.contact import email_key

SIMILAR = 0.85


@dataclass(frozen=True)
class ContactCard:
    """What duplicate detection compares of a lead or a customer."""

    kind: str  # "lead" or "customer"
    id: str
    first_name: str
    last_name: str
    company: str | None
    email: str | None
    phone: str | None


class Duplicate(TypedDict):
    kind: str
    id: str
    reason: str


def _similar(a: str, b: str) -> bool:
    return SequenceMatcher(None, a.casefold().strip(), b.casefold().strip()).ratio() >= SIMILAR


def why_same(card: ContactCard, other: ContactCard) -> str | None:
    """The reason ``other`` may be the same person as ``card``, or None."""
    if card.email and email_key(card.email) == email_key(other.email):
        return "same e-mail"
    if card.phone and card.phone == other.phone:
        return "same phone"
    if (
        card.company
        and other.company
        and _similar(f"{card.first_name} {card.last_name}", f"{other.first_name} {other.last_name}")
        and _similar(card.company, other.company)
    ):
        return "similar name and company"
    return None


def find_duplicates(card: ContactCard, known: Iterable[ContactCard]) -> list[Duplicate]:
    found: list[Duplicate] = []
    for other in known:
        if (other.kind, other.id) == (card.kind, card.id):
            continue
        reason = why_same(card, other)
        if reason:
            found.append({"kind": other.kind, "id": other.id, "reason": reason})
    return sorted(found, key=lambda d: (d["kind"], d["id"]))
