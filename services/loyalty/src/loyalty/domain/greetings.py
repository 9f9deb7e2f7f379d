"""Birthday greetings: what loyalty keeps of a customer to greet them, and when it is due.

Loyalty keeps the birthday and whether the customer agreed to be addressed for
marketing or loyalty (from ``crm.customers.v1``) because a greeting with a
bonus is a marketing contact: without consent there is none. A greeting is
given once per customer and year, recorded here beside the ledger's bonus.
"""

from __future__ import annotations

from calendar import isleap
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

GREETING_PURPOSES = frozenset({"marketing", "loyalty"})


@dataclass(frozen=True)
class GreetingTerms:
    """The bonus a birthday brings, and how many days late a missed greeting may still come."""

    bonus_points: int = 200
    catch_up_days: int = 7

    def __post_init__(self) -> None:
        if self.bonus_points <= 0 or self.catch_up_days < 0:
            raise ValueError("a birthday bonus is positive and catching up cannot go back")


def birthday_in(year: int, birthday: date) -> date:
    """The day the birthday falls on in ``year``: 29 February is kept on the 28th otherwise."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def month_day(birthday: date) -> str:
    """The birthday without its year ("MM-DD"): what a greeting run looks customers up by."""
    return f"{birthday:%m-%d}"


def birthdays_due(on: date, terms: GreetingTerms) -> set[str]:
    """The birthdays (as :func:`month_day`) a greeting may be due for on ``on``: those
    falling this year on ``on`` or in the catch-up days before it; 29 February among
    them when the 28th is, in a year without a 29th."""
    days = [on - timedelta(days=back) for back in range(terms.catch_up_days + 1)]
    due = {month_day(day) for day in days if day.year == on.year}
    if "02-28" in due and not isleap(on.year):
        due.add("02-29")
    return due


def consents_to_greetings(consents: list[tuple[str, bool]]) -> bool:
    """Any granted consent for marketing or loyalty contact allows the greeting."""
    return any(granted for purpose, granted in consents if purpose in GREETING_PURPOSES)


class Celebrant(Aggregate):
    """One customer's birthday, consent and the years they were greeted."""

    TOPIC = "loyalty:Celebrant"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:Celebrant.Created"

    class Known(Aggregate.Created):
        TOPIC = "loyalty:Celebrant.Known"
        customer_id: str

    class BirthdayNoted(Aggregate.Event):
        TOPIC = "loyalty:Celebrant.BirthdayNoted"
        birthday: str  # ISO date: the store's transcoder knows datetimes, not dates

    class ConsentNoted(Aggregate.Event):
        TOPIC = "loyalty:Celebrant.ConsentNoted"
        granted: bool

    class Greeted(Aggregate.Event):
        TOPIC = "loyalty:Celebrant.Greeted"
        customer_id: str
        year: int
        at: datetime
        bonus_points: int

    @staticmethod
    def create_id(customer_id: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE_URL, f"/crm/loyalty/celebrants/{customer_id}")

    @event(Known)
    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.birthday: date | None = None
        self.consents = False
        self.greeted: dict[int, datetime] = {}

    def note_birthday(self, birthday: date) -> bool:
        if birthday == self.birthday:
            return False
        self._birthday_noted(birthday.isoformat())
        return True

    def note_consent(self, granted: bool) -> bool:
        if granted == self.consents:
            return False
        self._consent_noted(granted)
        return True

    def due(self, on: date, terms: GreetingTerms) -> bool:
        """On the birthday, or up to ``catch_up_days`` after it when a run was missed;
        never twice in a year, never without consent."""
        if self.birthday is None or not self.consents or on.year in self.greeted:
            return False
        day = birthday_in(on.year, self.birthday)
        return day <= on <= day + timedelta(days=terms.catch_up_days)

    def greet(self, on: date, at: datetime, terms: GreetingTerms) -> bool:
        if not self.due(on, terms):
            return False
        self._greeted(self.customer_id, on.year, at, terms.bonus_points)
        return True

    @event(BirthdayNoted)
    def _birthday_noted(self, birthday: str) -> None:
        self.birthday = date.fromisoformat(birthday)

    @event(ConsentNoted)
    def _consent_noted(self, granted: bool) -> None:
        self.consents = granted

    @event(Greeted)
    def _greeted(self, customer_id: str, year: int, at: datetime, bonus_points: int) -> None:
        self.greeted[year] = at
